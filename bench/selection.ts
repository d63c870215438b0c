/**
 * Print the probe selection indices (comma-separated) the agent uses for a rules file, for the C
 * baseline reader (bench/cdrain.c) so both read the same events.
 * Usage: bun bench/selection.ts RULES
 */
import { benchPipeline, selectionFor } from "./common.ts";

const rules = process.argv[2];
if (!rules) {
  process.stderr.write("usage: bun bench/selection.ts RULES\n");
  process.exit(2);
}
process.stdout.write(`${selectionFor(benchPipeline(rules, false)).join(",")}\n`);
