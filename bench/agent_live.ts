/**
 * The real agent (src/cli/agent.ts runMain, i.e. `falco-ts -r RULES`) in live mode, with the probe's
 * final counters captured: Probe.prototype.close is wrapped to read Probe.stats() just before the
 * agent closes the probe, and the line `RESULT {...}` is written to stderr at exit. Nothing else of
 * the agent changes (same pipeline, loop, outputs). Stop it with SIGINT/SIGTERM, as the agent.
 *
 * Usage: bun bench/agent_live.ts RULES
 * RESULT fields: events (records read = processed), drops (kernel ring-buffer drops),
 * kernel_events, seconds (probe open → close).
 */
import { runMain } from "../src/cli/agent.ts";
import { Probe, type ProbeStats } from "../src/probe/probe.ts";

const rules = process.argv[2];
if (!rules) {
  process.stderr.write("usage: bun bench/agent_live.ts RULES\n");
  process.exit(2);
}
let stats: ProbeStats | null = null;
let opened = 0;
let closed = 0;
const origOpen = Probe.open.bind(Probe);
Probe.open = (o) => {
  const pr = origOpen(o);
  opened = performance.now();
  return pr;
};
const origClose = Probe.prototype.close;
Probe.prototype.close = function (this: Probe) {
  if (!stats) {
    try {
      stats = this.stats();
      closed = performance.now();
    } catch {
      /* already closed */
    }
  }
  origClose.call(this);
};
const code = await runMain({ rules: [rules], option: [], validate: [], D: [], t: [], T: [], watch: false });
const s = stats as ProbeStats | null;
process.stderr.write(
  `RESULT ${JSON.stringify({ mode: "live", events: s?.read ?? 0, drops: s?.drops ?? -1, kernel_events: s?.events ?? 0, seconds: (closed - opened) / 1000, code })}\n`,
);
process.exit(code);
