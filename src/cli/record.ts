/**
 * `--capture-file OUT.scap`: record the live event stream to a scap 1.2 file that Falco's tools
 * (and Debian's `sysdig -r`) read back. The file starts with the machine info, users, groups and
 * the process and fd tables of the state at start (as libscap's `scap_dump_open` writes them),
 * then every event the probe delivers, byte for byte (the probe already writes libscap's V2
 * event layout). Source: SCAP_FORMAT.md §1.14 (libs userspace/libscap/scap_savefile.c).
 */
import { cpus, totalmem } from "node:os";
import { CaptureWriter } from "../capture/writer.ts";
import type { CaptureFd, CaptureThread } from "../capture/format.ts";
import type { StateEngine } from "../state/parser.ts";
import type { FdInfo, ThreadInfo } from "../state/types.ts";

function threadRow(t: ThreadInfo): Partial<CaptureThread> {
  return {
    tid: t.tid, pid: t.pid, ptid: t.ptid, sid: t.sid, vpgid: t.vpgid, pgid: t.pgid,
    comm: t.comm, exe: t.exe, exepath: t.exepath, args: t.args, env: t.env, cwd: t.cwd,
    fdlimit: t.fdlimit, flags: t.flags, uid: t.uid, gid: t.gid, vtid: t.vtid, vpid: t.vpid,
    cgroups: t.cgroups, root: t.root, pidnsInitStartTs: t.pidnsInitStartTs, tty: t.tty, loginuid: t.loginuid,
    exeFlags: t.exeFlags, capInheritable: t.capInheritable, capPermitted: t.capPermitted, capEffective: t.capEffective,
    exeIno: t.exeIno, exeInoCtime: t.exeInoCtime, exeInoMtime: t.exeInoMtime,
  };
}

/**
 * fd types newer than libscap 2022 (BPF 17, USERFAULTFD 18, IOURING 19, MEMFD 20, PIDFD 21) are
 * written as UNSUPPORTED (10) so that older readers (Debian's sysdig 0.29) accept the file.
 */
const MAX_OLD_FD_TYPE = 16;

function fdRow(fd: number, f: FdInfo): Partial<CaptureFd> {
  return { fd, ino: f.ino, type: f.type > MAX_OLD_FD_TYPE ? 10 : f.type, name: f.name, openFlags: f.openFlags, dev: f.dev, sip: f.sip, dip: f.dip, sport: f.sport, dport: f.dport, l4proto: f.l4proto };
}

/** A live recording. `write` takes the raw bytes of one V2 event. */
export class LiveRecorder {
  private readonly w: CaptureWriter;
  /** Events written. */
  get events(): number {
    return this.w.events;
  }

  /**
   * Create the file and write the header from the current state.
   * @throws CaptureWriteError (from the writer) when the file cannot be created.
   */
  constructor(path: string, state: StateEngine, hostname: string) {
    this.w = new CaptureWriter(path);
    const threads: Partial<CaptureThread>[] = [];
    const fds = new Map<number, Partial<CaptureFd>[]>();
    for (const t of state.threads.threads.values()) {
      threads.push(threadRow(t));
      if (t.tid === t.pid && t.fds.size) fds.set(t.tid, [...t.fds].map(([n, f]) => fdRow(n, f)));
    }
    const { users, groups } = state.users.entries("");
    this.w.writeHeader({
      machine: { numCpus: cpus().length, memorySizeBytes: totalmem(), maxPid: 4194304, hostname, bootTsEpoch: state.bootTs, flags: 0n },
      users: users.map((u) => ({ uid: u.uid, gid: u.gid, name: u.name, homedir: u.homedir, shell: u.shell })),
      groups: groups.map((g) => ({ gid: g.gid, name: g.name })),
      threads,
      fds,
    });
  }

  /** Append one event (its `len` bytes from `off`). */
  write(buf: Uint8Array, off: number, len: number): void {
    this.w.writeRawEvent(buf, off, len, 0, 0);
  }

  /** Flush and close the file. */
  close(): void {
    this.w.close();
  }
}
