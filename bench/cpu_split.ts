/**
 * CPU split of a replay in one process: capture reader (+converter) only, reader + state engine,
 * and the full pipeline (Engine.processEvent with the rules), each over the whole capture.
 *
 * Usage: bun bench/cpu_split.ts CAPTURE RULES [REPS=2]
 * Prints one JSON line per repetition and mode: {"mode", "events", "cpu_ms", "ns_per_event"}.
 */
import { openCapture } from "../src/capture/reader.ts";
import { seedStateFromCapture } from "../src/cli/replay.ts";
import { Engine, type EngineState } from "../src/engine.ts";
import { Event } from "../src/events/event.ts";
import { benchPipeline } from "./common.ts";

const [cap, rules] = [process.argv[2], process.argv[3]];
const reps = Number(process.argv[4] ?? 2);
if (!cap || !rules) {
  process.stderr.write("usage: bun bench/cpu_split.ts CAPTURE RULES [REPS]\n");
  process.exit(2);
}
for (let rep = 0; rep < reps; rep++) {
  for (const mode of ["read", "state", "full"] as const) {
    const b = benchPipeline(rules, false);
    const r = openCapture(cap, { onSection: (x) => seedStateFromCapture(x, b.pipeline) });
    if (r.converter) r.converter.passStoredEnters = true;
    const engine = new Engine({ state: b.pipeline.state, ruleset: b.active.result.ruleset!, onMatch: () => {} });
    const ev = new Event();
    const st: EngineState = b.pipeline.state;
    let n = 0;
    const c0 = process.cpuUsage();
    if (mode === "read") while (r.next(ev)) n++;
    else if (mode === "state") while (r.next(ev)) { st.process(ev); st.afterEvent?.(ev); n++; }
    else while (r.next(ev)) { engine.processEvent(ev); n++; }
    const c = process.cpuUsage(c0);
    const ms = (c.user + c.system) / 1000;
    process.stdout.write(`${JSON.stringify({ mode, events: n, cpu_ms: Math.round(ms), ns_per_event: Math.round((ms * 1e6) / n) })}\n`);
  }
}
