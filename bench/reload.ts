/**
 * Rules reload latency: load + compile the rules file in-process, as the agent's hot reload does
 * (src/cli/agent.ts prepareRules: src/rules/loader.ts loadRules with the real field registry from
 * buildPipeline, then the output templates), N times in one process.
 *
 * Usage: bun bench/reload.ts RULES [N=15]
 * Prints one JSON line: {"cold_ms": first load, "median_ms", "min_ms", "max_ms" over loads 2..N,
 * "cpu_median_ms": process CPU time (user+system, process.cpuUsage) of those loads — less
 * sensitive than wall time to other work on a shared machine, "load_only_median_ms": loadRules
 * alone (no output templates), "rules": enabled rules}.
 */
import { prepareRules } from "../src/cli/agent.ts";
import { loadRules } from "../src/rules/loader.ts";
import { benchPipeline, median } from "./common.ts";

const rules = process.argv[2];
const n = Number(process.argv[3] ?? 15);
if (!rules || !Number.isInteger(n) || n < 2) {
  process.stderr.write("usage: bun bench/reload.ts RULES [N>=2]\n");
  process.exit(2);
}
const t00 = performance.now();
const b = benchPipeline(rules, false); // includes the first (cold) load
const coldMs = performance.now() - t00;
const warm: number[] = [];
const cpu: number[] = [];
const loadOnly: number[] = [];
let enabled = 0;
for (let i = 1; i < n; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { active } = prepareRules(b.pipeline, b.sources);
  warm.push(performance.now() - t0);
  const c1 = process.cpuUsage(c0);
  cpu.push((c1.user + c1.system) / 1000);
  if (!active) throw new Error("bench: reload failed");
  enabled = active.result.ruleset!.enabledCount();
  const t1 = performance.now();
  loadRules(b.sources, b.pipeline.loadOptions);
  loadOnly.push(performance.now() - t1);
}
const r2 = (x: number) => Math.round(x * 100) / 100;
process.stdout.write(
  `${JSON.stringify({ cold_ms: r2(coldMs), median_ms: r2(median(warm)), min_ms: r2(Math.min(...warm)), max_ms: r2(Math.max(...warm)), cpu_median_ms: r2(median(cpu)), cpu_min_ms: r2(Math.min(...cpu)), cpu_max_ms: r2(Math.max(...cpu)), load_only_median_ms: r2(median(loadOnly)), runs: warm.length, rules: enabled })}\n`,
);
