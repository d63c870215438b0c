/**
 * Live capture loop: the embedded eBPF probe → batches → engine. Non-blocking polls, with a 1 ms
 * sleep when a batch comes back small (PLATFORM.md's wake-up trap: a blocking poll woken per
 * event slows the monitored workload), so the event loop stays free for reloads, outputs and
 * signals. Kernel drops are reported as Falco's syscall_event_drops does.
 */
import { forEachRecord, Probe } from "../probe/probe.ts";
import { LiveRecorder } from "./record.ts";
import type { Engine } from "../engine.ts";
import type { Outputs } from "../outputs/sinks.ts";
import type { Pipeline } from "./agent.ts";
import { DropManager, leveledLog, validateDropSettings, type DropSettings } from "./drops.ts";

/** Arguments of runLive. */
export interface LiveArgs {
  engine: Engine;
  pipeline: Pipeline;
  syscalls: Set<string>;
  shouldStop: () => boolean;
  log: (msg: string) => void;
  outputs: Outputs;
  /** Validated syscall_event_drops settings (default: validated from the pipeline's config). */
  drops?: DropSettings;
  /** Record every event to this scap file (--capture-file). */
  captureFile?: string;
  /** Receives the setter that updates the in-kernel syscall selection (used by hot reload). */
  onProbe: (setSyscalls: (names: Set<string>) => void, stats?: () => { events: number; drops: number }) => void;
}

const SMALL_BATCH = 64 * 1024;

/**
 * Run until `shouldStop()`. @returns 0 on a normal stop, 1 when the probe cannot start (the error
 * names the fix) or when syscall_event_drops says exit.
 */
export async function runLive(a: LiveArgs): Promise<number> {
  const { engine, pipeline: p, log } = a;
  let probe: Probe;
  try {
    probe = Probe.open({ syscalls: a.syscalls, bufferBytes: ringBytesOfPreset(p.config.engine.modern_ebpf.buf_size_preset) });
  } catch (e) {
    log(`error: cannot start the live probe: ${(e as Error).message}`);
    return 1;
  }
  a.onProbe((names) => probe.setSyscalls(names), () => probe.stats());
  if (probe.unsupported.length) log(`note: the probe does not capture ${probe.unsupported.length} event types the rules (or base_syscalls) name: ${probe.unsupported.slice(0, 20).join(", ")}${probe.unsupported.length > 20 ? ", ..." : ""}`);
  // Container metadata: load running containers and follow the runtime's events (bounded).
  if (p.containers) await Promise.race([p.containers.start(), Bun.sleep(5000)]);
  // Seed state after the probe is attached, so nothing that starts in between is missed.
  p.state.scanProc();
  log(`capture started: modern eBPF probe attached, ${p.state.threads.size} threads from /proc`);
  ruleCapture.enabled = p.config.capture.enabled;
  ruleCapture.pathPrefix = p.config.capture.path_prefix;
  let recorder: LiveRecorder | null = null;
  if (a.captureFile) {
    try {
      recorder = new LiveRecorder(a.captureFile, p.state, p.hostname);
      log(`recording events to ${a.captureFile}`);
    } catch (e) {
      log(`error: cannot record to ${a.captureFile}: ${(e as Error).message}`);
      probe.close();
      return 1;
    }
  }
  let lastPurge = Date.now();
  let lastYield = Date.now();

  // syscall_event_drops: Falco's drop manager on the probe's counters, checked on wall-clock time.
  const dropMgr = new DropManager({
    settings: a.drops ?? validateDropSettings(p.config.syscall_event_drops, "falco.yaml"),
    stats: () => {
      const st = probe.stats();
      return { nEvts: st.events, nDrops: st.drops, nDropsBuffer: st.drops };
    },
    log: leveledLog(p.config.log_level, log),
    emit: (al) => a.outputs.emit(al),
    hostname: p.hostname,
    bpfEnabled: true,
  });
  let code = 0;
  const waitMs = p.config.container.metadata_wait_ms;
  try {
    while (!a.shouldStop()) {
      const b = probe.poll();
      if (b.len > 0) {
        if (recorder) {
          const rec = recorder;
          forEachRecord(b.buf, b.len, (o, l) => rec.write(b.buf, o, l));
        }
        // Rule-triggered capture already running: this whole batch goes in (until its end time).
        const rc = ruleCapture.recorder;
        if (rc) {
          const dv = new DataView(b.buf.buffer, b.buf.byteOffset, b.buf.byteLength);
          forEachRecord(b.buf, b.len, (o, l) => {
            if (dv.getUint32(o + 4, true) * 0x1_0000_0000 + dv.getUint32(o, true) <= ruleCapture.untilNs) rc.write(b.buf, o, l);
          });
        }
        let off = 0;
        for (;;) {
          const r = engine.processBatch(b.buf, b.len, off);
          if (!r.paused) break;
          // First alert of a container whose metadata is not known yet: wait (bounded) for it,
          // then emit the deferred alerts with the event still in place.
          const pend = pendingContainer.current;
          if (pend && p.containers) await p.containers.whenReady(pend.id, waitMs);
          pendingContainer.flush(engine);
          engine.finishPaused();
          off = r.next;
        }
        // A capture rule fired in this batch: start the recording at its event.
        if (ruleCapture.pendingOff >= 0 && !ruleCapture.recorder) {
          try {
            const rc2 = new LiveRecorder(ruleCapture.path, p.state, p.hostname);
            forEachRecord(b.buf, b.len, (o, l) => {
              if (o >= ruleCapture.pendingOff) rc2.write(b.buf, o, l);
            });
            ruleCapture.recorder = rc2;
            log(`capture started by a rule: ${ruleCapture.path}`);
          } catch (e) {
            log(`error: cannot write capture ${ruleCapture.path}: ${(e as Error).message}`);
          }
          ruleCapture.pendingOff = -1;
        }
      }
      // End a rule-triggered capture once event time has passed its end.
      if (ruleCapture.recorder && Date.now() * 1e6 > ruleCapture.untilNs + 1e9) ruleCapture.finish(log);
      if (b.len < SMALL_BATCH) {
        await Bun.sleep(1);
        lastYield = Date.now();
      } else if (Date.now() - lastYield >= 20) {
        // Sustained load: still let timers, outputs, reloads and the webserver run.
        await Bun.sleep(0);
        lastYield = Date.now();
      }
      // Housekeeping: threads whose procexit was lost (drops, or exits before the probe attached).
      if (Date.now() - lastPurge > 120_000) {
        lastPurge = Date.now();
        p.state.purgeVanished();
      }
      if (!dropMgr.processEvent(BigInt(Date.now()) * 1_000_000n)) {
        log("Error: Drop manager internal error");
        code = 1;
        break;
      }
    }
  } finally {
    ruleCapture.finish(log);
    probe.close();
    if (recorder) {
      recorder.close();
      log(`recorded ${recorder.events} events to ${a.captureFile}`);
    }
    await p.containers?.stop();
  }
  process.stderr.write(dropMgr.statsText());
  return code;
}

/**
 * Rule-triggered recording (Falco's `capture` config with rules' `capture`/`capture_duration`):
 * the match handler calls `trigger`; the live loop writes the rest of the current batch from the
 * triggering event on, then whole batches until the duration has passed (event time).
 */
export const ruleCapture = {
  /** Set by the live loop when capture is enabled. */
  enabled: false,
  pathPrefix: "/tmp/falco",
  recorder: null as LiveRecorder | null,
  path: "",
  /** Event time (ns, as a number) until which events are recorded. */
  untilNs: 0,
  /** Offset of the triggering event in the current batch, -1 if none pending. */
  pendingOff: -1,
  /** Close the running recording, if any, and say so. */
  finish(log: (msg: string) => void): void {
    const rec = this.recorder;
    if (!rec) return;
    rec.close();
    log(`capture finished: ${this.path} (${rec.events} events)`);
    this.recorder = null;
    this.untilNs = 0;
  },
  /** A matched rule asks for a recording of `durationMs` from event `ev` on. */
  trigger(ev: import("../events/event.ts").Event, durationMs: number): void {
    if (!this.enabled) return;
    const until = ev.tsNum() + durationMs * 1e6;
    if (until > this.untilNs) this.untilNs = until;
    if (!this.recorder && this.pendingOff < 0) {
      this.pendingOff = ev.off;
      this.path = `${this.pathPrefix}_${ev.tsBig()}_${ev.num}.scap`;
    }
  },
};

/**
 * The container-metadata deferral shared by the match handler and the live loop: the handler
 * records the rules matched on an event from a container whose metadata is still being fetched
 * and asks the engine to pause; the loop waits (bounded) and flushes them.
 */
export const pendingContainer = {
  current: null as { id: string; emit: ((ev: import("../events/event.ts").Event) => void)[] } | null,
  /** Record a deferred emission for container `id`. */
  defer(id: string, emit: (ev: import("../events/event.ts").Event) => void): void {
    if (!this.current) this.current = { id, emit: [] };
    this.current.emit.push(emit);
  },
  /** Emit all deferred alerts on the engine's current (paused) event. */
  flush(engine: Engine): void {
    const cur = this.current;
    this.current = null;
    if (cur) for (const f of cur.emit) f(engine.view);
  },
};

/**
 * Ring buffer bytes of Falco's `engine.modern_ebpf.buf_size_preset` (Falco docs, falco.yaml:
 * preset N = 1 MiB << (N - 1), 1..10 = 1 MiB..512 MiB, default 4 = 8 MiB; 0 = the driver's
 * default). falco-ts has one ring shared by all CPUs (Falco's modern probe: one per
 * `cpus_for_each_buffer` CPUs), so a preset sizes the whole buffer.
 */
export function ringBytesOfPreset(preset: number): number {
  if (!Number.isInteger(preset) || preset < 1 || preset > 10) return 8 << 20;
  return (1 << 20) * 2 ** (preset - 1);
}
