/**
 * Consumer ceiling of the full Bun pipeline: open the probe (src/probe/probe.ts) with the agent's
 * selection for RULES and a RING_BYTES ring buffer, do not consume until SIGUSR1 (bench/run.sh
 * runs a storm meanwhile; or until the file $DRAIN_GO_FILE exists), then drain as fast as possible through decode, state and rules
 * (Engine.processBatch, the agent's engine with its match handler and outputs) and time it.
 *
 * Usage: [DRAIN_GO_FILE=F] [DRAIN_DUMP=F] bun bench/drain.ts RULES RING_BYTES [MODE]
 * MODE (timing splits): full (default: decode, state, rules, as the agent), state (decode + state
 * engine, no rules), decode (Event.reset per record only).
 * Prints "ready" once attached, then one JSON line:
 *   {"mode":"prefill-MODE","events","seconds","rate","cpu_seconds","cpu_rate" (events per CPU
 *    second of this process: less sensitive to other work on a shared machine),"drops",
 *    "kernel_events","matches","errors","state" (state engine counters)}
 * Alerts go to stdout as the agent's would (run.sh keeps them in bench/out/pf.out, after "ready") —
 * the JSON line is written to stderr prefixed with "RESULT ".
 */
import { closeSync, existsSync, openSync, writeSync } from "node:fs";
import { matchHandler } from "../src/cli/agent.ts";
import { Engine } from "../src/engine.ts";
import { createOutputs } from "../src/outputs/config.ts";
import { Probe } from "../src/probe/probe.ts";
import { scanProc } from "../src/state/procfs.ts";
import { benchPipeline } from "./common.ts";
import { syscallSet } from "../src/cli/syscall_set.ts";

const [rules, ringArg, modeArg] = process.argv.slice(2);
const mode = modeArg ?? "full";
if (!["full", "state", "decode"].includes(mode)) {
  process.stderr.write(`drain: unknown mode "${mode}" (full, state, decode)\n`);
  process.exit(2);
}
if (!rules) {
  process.stderr.write("usage: bun bench/drain.ts RULES [RING_BYTES]\n");
  process.exit(2);
}
const b = benchPipeline(rules, true);
const p = b.pipeline;
const outputs = createOutputs(b.config as never, { log: () => {}, hostname: p.hostname });
const active = b.active;
const engine: Engine = new Engine({
  state: p.state,
  ruleset: active.result.ruleset!,
  onMatch: matchHandler(p, () => active, outputs),
  ruleMatching: b.config.rule_matching,
});
const probe = Probe.open({ syscalls: syscallSet(b.config, active), bufferBytes: ringArg ? Number(ringArg) : 0 });
scanProc(p.state.threads, p.state.hostRoot);
let go = false;
process.on("SIGUSR1", () => {
  go = true;
});
process.stdout.write("ready\n");
// DRAIN_GO_FILE: wait (synchronously) for that file to exist instead of SIGUSR1. bench/run.sh uses
// it: a SIGUSR1 that arrived before Bun had installed the handler once killed the process.
const goFile = process.env.DRAIN_GO_FILE;
if (goFile) while (!existsSync(goFile)) Bun.sleepSync(2);
else while (!go) await Bun.sleep(2);

const c0 = process.cpuUsage();
// DRAIN_DUMP: also write every batch to that file (u32 length + bytes), for bench/profile_batches.ts.
const dumpFd = process.env.DRAIN_DUMP ? openSync(process.env.DRAIN_DUMP, "w") : -1;
const lenBuf = new Uint8Array(4);
const t0 = performance.now();
let events = 0;
let empty = 0;
while (empty < 2) {
  const batch = probe.poll();
  if (batch.len === 0) {
    empty++;
    continue;
  }
  empty = 0;
  if (dumpFd >= 0) {
    new DataView(lenBuf.buffer).setUint32(0, batch.len, true);
    writeSync(dumpFd, lenBuf);
    writeSync(dumpFd, batch.buf, 0, batch.len);
  }
  if (mode === "full") {
    events += engine.processBatch(batch.buf, batch.len).events;
    continue;
  }
  const ev = engine.view;
  for (let off = 0; off + 26 <= batch.len; off = (off + ev.len + 7) & ~7) {
    ev.reset(batch.buf, off, batch.len - off);
    if (mode === "state") {
      p.state.process(ev);
    }
    events++;
  }
}
const secs = (performance.now() - t0) / 1000;
const cu = process.cpuUsage(c0);
const cpuSecs = (cu.user + cu.system) / 1e6;
if (dumpFd >= 0) closeSync(dumpFd);
const st = probe.stats();
probe.close();
await outputs.close();
process.stderr.write(
  `RESULT ${JSON.stringify({ mode: `prefill-${mode}`, events, seconds: secs, rate: Math.round(events / secs), cpu_seconds: cpuSecs, cpu_rate: Math.round(events / cpuSecs), drops: st.drops, kernel_events: st.events, matches: engine.counters.matches, errors: engine.counters.errors, state: p.state.stats })}\n`,
);
process.exit(0);
