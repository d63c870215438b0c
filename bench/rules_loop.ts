/**
 * Rules-only cost on real events: replays CAPTURE through the agent's pipeline (state engine as in
 * replay) and, for every event that has rules, evaluates that event's rules K times in a row
 * (after the state engine ran, before its deferred removals), timing only those evaluations. The
 * repeated evaluations see the same event and state, so this measures the compiled closures
 * (src/rules/compile.ts) and field extractors without the reader, converter or state engine.
 * Used for the second performance pass (bench/analysis.md).
 *
 * Usage: bun bench/rules_loop.ts CAPTURE RULES [K=20] [MAX_EVENTS=400000]
 * Prints one JSON line: {"events", "evals", "ms", "ns_per_eval", "matches"}.
 */
import { openCapture } from "../src/capture/reader.ts";
import { seedStateFromCapture } from "../src/cli/replay.ts";
import type { EngineState } from "../src/engine.ts";
import { Event } from "../src/events/event.ts";
import { benchPipeline } from "./common.ts";

const [cap, rules, kArg, maxArg] = process.argv.slice(2);
if (!cap || !rules) {
  process.stderr.write("usage: bun bench/rules_loop.ts CAPTURE RULES [K] [MAX_EVENTS]\n");
  process.exit(2);
}
const K = Number(kArg ?? 20);
const max = Number(maxArg ?? 400_000);
const b = benchPipeline(rules, false);
const r = openCapture(cap, { onSection: (x) => seedStateFromCapture(x, b.pipeline) });
if (r.converter) r.converter.passStoredEnters = true; // as src/cli/replay.ts
const rs = b.active.result.ruleset!;
const st: EngineState = b.pipeline.state;
const ev = new Event();
// Each of the K repetitions must start a new evaluation (shared sub-expressions are memoised per
// evaluation token, src/rules/compile.ts); absent in trees without that memo.
const inv = (ev as unknown as { invalidateEval?: () => void }).invalidateEval;
let ns = 0;
let evals = 0;
let n = 0;
let matches = 0;
while (n < max && r.next(ev)) {
  n++;
  ev.num = n;
  st.process(ev);
  const rl = rs.forEventType(ev.type);
  if (rl.length) {
    const t0 = Bun.nanoseconds();
    for (let k = 0; k < K; k++) {
      if (inv) inv.call(ev);
      for (let i = 0; i < rl.length; i++) if (rl[i]!.match(ev)) matches++;
    }
    ns += Bun.nanoseconds() - t0;
    evals += K * rl.length;
  }
  st.afterEvent?.(ev);
}
process.stdout.write(`${JSON.stringify({ events: n, evals, ms: Math.round(ns / 1e6), ns_per_eval: Math.round((ns / Math.max(1, evals)) * 10) / 10, matches })}\n`);
