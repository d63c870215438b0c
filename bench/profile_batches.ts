/**
 * Profiling helper: replay probe batches dumped by `DRAIN_DUMP=FILE bun bench/drain.ts ...` through
 * the agent's pipeline for RULES, so `bun --cpu-prof-md` can profile the live decode/state/rules
 * path (the probe itself cannot be loaded under --cpu-prof: the profiler's signals make the
 * kernel verifier return EAGAIN).
 *
 * Usage: bun [--cpu-prof-md] bench/profile_batches.ts DUMP RULES [MODE=full|state|decode] [ROUNDS=1]
 * Prints one JSON line: {"mode","events","seconds","rate"}.
 */
import { readFileSync } from "node:fs";
import { matchHandler } from "../src/cli/agent.ts";
import { Engine } from "../src/engine.ts";
import { createOutputs } from "../src/outputs/config.ts";
import { benchPipeline } from "./common.ts";

const [dump, rules, modeArg, roundsArg] = process.argv.slice(2);
if (!dump || !rules) {
  process.stderr.write("usage: bun bench/profile_batches.ts DUMP RULES [MODE] [ROUNDS]\n");
  process.exit(2);
}
const mode = modeArg ?? "full";
const rounds = Number(roundsArg ?? 1);
const data = readFileSync(dump);
const batches: Uint8Array[] = [];
for (let off = 0; off + 4 <= data.length; ) {
  const n = data.readUInt32LE(off);
  batches.push(new Uint8Array(data.buffer, data.byteOffset + off + 4, n));
  off += 4 + n;
}
const b = benchPipeline(rules, true);
const p = b.pipeline;
const outputs = createOutputs(b.config as never, { log: () => {}, hostname: p.hostname });
const engine = new Engine({ state: p.state, ruleset: b.active.result.ruleset!, onMatch: matchHandler(p, () => b.active, outputs), ruleMatching: b.config.rule_matching });
const t0 = performance.now();
let events = 0;
for (let r = 0; r < rounds; r++) {
  for (const buf of batches) {
    if (mode === "full") {
      events += engine.processBatch(buf, buf.length).events;
      continue;
    }
    const ev = engine.view;
    for (let off = 0; off + 26 <= buf.length; off = (off + ev.len + 7) & ~7) {
      ev.reset(buf, off, buf.length - off);
      if (mode === "state") p.state.process(ev);
      events++;
    }
  }
}
const secs = (performance.now() - t0) / 1000;
await outputs.close();
process.stdout.write(`${JSON.stringify({ mode, events, seconds: secs, rate: Math.round(events / secs) })}\n`);
process.exit(0);
