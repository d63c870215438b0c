/**
 * Quick CPU-time measurement of a replay (runMain with -e CAPTURE -r RULES) in one process, for
 * before/after comparisons of hot-path changes on a loaded machine. Alerts go to /dev/null.
 *
 * Usage: bun bench/cpu_replay.ts CAPTURE RULES [REPS=1]
 * Prints one JSON line per repetition: {"cpu_ms": process CPU (user+sys) of the replay, "wall_ms"}.
 */
import { runMain } from "../src/cli/agent.ts";

const [cap, rules] = [process.argv[2], process.argv[3]];
const reps = Number(process.argv[4] ?? 1);
if (!cap || !rules) {
  process.stderr.write("usage: bun bench/cpu_replay.ts CAPTURE RULES [REPS]\n");
  process.exit(2);
}
const realWrite = process.stdout.write.bind(process.stdout);
for (let i = 0; i < reps; i++) {
  (process.stdout as unknown as { write: (s: string) => boolean }).write = () => true;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await runMain({ rules: [rules], option: [], validate: [], D: [], t: [], T: [], watch: false, capture: cap });
  const c1 = process.cpuUsage(c0);
  const w = performance.now() - t0;
  (process.stdout as unknown as { write: typeof realWrite }).write = realWrite;
  realWrite(`${JSON.stringify({ cpu_ms: Math.round((c1.user + c1.system) / 1000), wall_ms: Math.round(w) })}\n`);
}
