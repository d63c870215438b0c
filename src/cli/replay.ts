/**
 * Replay of a scap capture (`-e FILE`, or engine.kind=replay): the capture's process, fd and
 * user tables seed the state, then every event goes through the same engine as live capture,
 * with the event's own timestamp as the alert time. No root needed.
 */
import { CaptureError, openCapture, type CaptureReader } from "../capture/reader.ts";
import { Event } from "../events/event.ts";
import type { Engine } from "../engine.ts";
import type { Pipeline } from "./agent.ts";

/** Arguments of runReplay. */
export interface ReplayArgs {
  file: string;
  engine: Engine;
  pipeline: Pipeline;
  shouldStop: () => boolean;
  log: (msg: string) => void;
}

/** Load a section's tables (process list, fds, users, groups) into the state. */
export function seedStateFromCapture(r: CaptureReader, p: Pipeline): void {
  const t = p.state.threads;
  for (const th of r.threads) {
    const fds = r.fds.get(th.tid);
    t.addFromScan({ ...th, fds: fds ? fds.map((f) => [f.fd, { ...f, type: f.type as never }] as [number, never]) : undefined } as never);
  }
  t.recountChildren?.();
  for (const u of r.users) p.state.users.addUser({ uid: u.uid, gid: u.gid, name: u.name, homedir: u.homedir, shell: u.shell } as never);
  for (const g of r.groups) p.state.users.addGroup({ gid: g.gid, name: g.name } as never);
}

/** Replay the whole file. @returns 0 at end of file, 1 on an unreadable or damaged file (after processing what was readable). */
export async function runReplay(a: ReplayArgs): Promise<number> {
  const { engine, pipeline: p, log } = a;
  if (!a.file) {
    log("error: replay needs a capture file (-e FILE or -o engine.replay.capture_file=FILE)");
    return 1;
  }
  let reader: CaptureReader;
  try {
    reader = openCapture(a.file, { onSection: (r) => seedStateFromCapture(r, p) });
  } catch (e) {
    log(`error: cannot read capture file ${a.file}: ${(e as Error).message}`);
    return 1;
  }
  log(`capture started: replaying ${a.file}`);
  const ev = new Event();
  const progress = process.stderr.isTTY;
  let n = 0;
  let code = 0;
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
  log(`replay finished: ${n} events from ${a.file}`);
  return code;
}
