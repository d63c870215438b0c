/**
 * Replay of a scap capture (`-e FILE`, or engine.kind=replay), as Falco 0.44 in capture mode
 * (userspace/falco/app/actions/process_events.cpp do_inspect with a savefile inspector):
 *
 *  - the capture's process, fd, interface and user tables seed the state (src/capture/tables.ts
 *    captureThreadPartials, libsinsp's add_fd_from_scap rules), again at each new section;
 *  - every event of the file is evaluated: in capture mode Falco opens the file with no event
 *    selection, so `base_syscalls` (and `-A`) change nothing here (their selected set only
 *    configures live drivers);
 *  - old captures' enter events are delivered as well as their (converted) exits, as Falco's
 *    capture regression suite expects (see EventConverter.passStoredEnters);
 *  - `syscall_event_drops` runs on event time (src/cli/drops.ts), so `simulate_drops: true`
 *    works as in Falco, and Falco's "Syscall event drop monitoring" summary ends the replay;
 *  - the event's own timestamp is the alert time, and `-M` counts event time. No root needed.
 */
import { CaptureError, openCapture, type CaptureReader } from "../capture/reader.ts";
import { captureThreadPartials } from "../capture/tables.ts";
import { Event } from "../events/event.ts";
import type { Engine } from "../engine.ts";
import type { Alert } from "../outputs/alert.ts";
import type { Pipeline } from "./agent.ts";
import { DropManager, leveledLog, validateDropSettings, type DropSettings } from "./drops.ts";

/** Margin (ns) between ev.tsNum() (rounded to 256 ns near 2^60) and the exact time, for the drop gate. */
const GATE_MARGIN_NS = 4096;

/** Arguments of runReplay. */
export interface ReplayArgs {
  file: string;
  engine: Engine;
  pipeline: Pipeline;
  shouldStop: () => boolean;
  log: (msg: string) => void;
  /** Where internal alerts (syscall event drop) go; without it the `alert` drop action only logs. */
  emit?: (alert: Alert) => void;
  /** Validated drop settings (default: validated from pipeline.config.syscall_event_drops). */
  drops?: DropSettings;
  /**
   * `-M SECONDS` as ns: stop once an event is this much later than the first one (Falco measures
   * the duration on event time in capture mode). 0n: no limit.
   */
  durationNs?: bigint;
  /** Writes Falco's end-of-replay drop summary (default stderr). */
  writeStats?: (text: string) => void;
}

/**
 * Load a section's tables into the state: threads with their fds (captureThreadPartials), thread
 * groups and child counts, users and groups (host scope; a replay never reads the host's files).
 */
export function seedStateFromCapture(r: CaptureReader, p: Pipeline): void {
  const t = p.state.threads;
  for (const part of captureThreadPartials(r)) t.addFromScan(part);
  t.recountChildren();
  // Boot time from the capture's machine info, for pid-namespace start times (proc.pidns_init_start_ts).
  if (r.machine?.bootTsEpoch) p.state.bootTs = r.machine.bootTsEpoch;
  for (const u of r.users) p.state.users.addUser({ uid: u.uid, gid: u.gid, name: u.name, homedir: u.homedir, shell: u.shell });
  for (const g of r.groups) p.state.users.addGroup({ gid: g.gid, name: g.name });
}

/**
 * Replay the whole file.
 * @returns 0 at end of file; 1 on an unreadable or damaged file (after processing what was
 *   readable) or when a syscall_event_drops `exit` action stopped the replay.
 */
export async function runReplay(a: ReplayArgs): Promise<number> {
  const { engine, pipeline: p, log } = a;
  if (!a.file) {
    log("error: replay needs a capture file (-e FILE or -o engine.replay.capture_file=FILE)");
    return 1;
  }
  let drops: DropSettings;
  try {
    drops = a.drops ?? validateDropSettings(p.config.syscall_event_drops, "falco.yaml");
  } catch (e) {
    log(`Error: ${(e as Error).message}`);
    return 1;
  }
  let reader: CaptureReader;
  try {
    reader = openCapture(a.file, { onSection: (r) => seedStateFromCapture(r, p) });
  } catch (e) {
    log(`error: cannot read capture file ${a.file}: ${(e as Error).message}`);
    return 1;
  }
  if (reader.converter) reader.converter.passStoredEnters = true;
  log(`capture started: replaying ${a.file}`);
  const levelLog = leveledLog(p.config.log_level, log);
  const dropMgr = new DropManager({
    settings: drops,
    stats: () => ({ nEvts: 0, nDrops: 0 }), // libscap's savefile engine has no statistics
    log: levelLog,
    emit: a.emit ?? ((al) => log(`${al.rule}: ${al.output}`)),
    hostname: p.hostname,
    bpfEnabled: false,
  });
  const ev = new Event();
  const progress = process.stderr.isTTY;
  let n = 0;
  let code = 0;
  let dropExit = false;
  let firstTs = -1n;
  const durationNs = a.durationNs ?? 0n;
  let exactTs = true; // until the first event is seen, and for the whole replay with -M
  try {
    for (;;) {
      let ok: boolean;
      try {
        ok = reader.next(ev);
      } catch (e) {
        if (e instanceof CaptureError) {
          log(`error: ${e.message}`);
          code = 1;
          break;
        }
        throw e;
      }
      if (!ok) break;
      // Exact BigInt timestamps only where they can matter (a BigInt per event cost ~5% of replay):
      // the first event, `-M`, and the drop manager once its next 1 s check may be due: while the
      // (≤ 256 ns rounded) number timestamp is well before `nextCheckNs`, processEvent does nothing.
      if (exactTs || ev.tsNum() + GATE_MARGIN_NS >= dropMgr.nextCheckNs) {
        const ts = ev.tsBig();
        if (firstTs < 0n) {
          firstTs = ts;
          exactTs = durationNs > 0n;
        } else if (durationNs > 0n && ts - firstTs >= durationNs) break;
        if (!dropMgr.processEvent(ts)) {
          dropExit = true;
          code = 1;
          break;
        }
      }
      engine.processEvent(ev);
      n++;
      if ((n & 0xffff) === 0) {
        if (progress) process.stderr.write(`\r${n} events`);
        if (a.shouldStop()) break;
        await Promise.resolve();
      }
    }
  } finally {
    if (progress) process.stderr.write("\r");
    reader.close?.();
  }
  (a.writeStats ?? ((s: string) => process.stderr.write(s)))(dropMgr.statsText());
  if (dropExit) log("Error: Drop manager internal error");
  log(`replay finished: ${n} events from ${a.file}`);
  return code;
}
