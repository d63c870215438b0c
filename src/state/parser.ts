/**
 * The state engine: libsinsp's sinsp_parser (falcosecurity/libs userspace/libsinsp/parsers.cpp)
 * over our thread table. `StateEngine.process(ev)` runs for EVERY event, before rules:
 *
 * 1. applies the removals the previous event scheduled (a thread after its procexit, an fd after
 *    its close), so the event that caused them still sees the state (libsinsp sinsp::next);
 * 2. finds the event's thread (`ev.thread`), creating it from /proc when unknown and allowed
 *    (live mode; libsinsp get_thread → scap_proc_get), or a placeholder ("<NA>", pid -1) otherwise;
 * 3. finds the fd the event uses (`ev.fdNum`, `ev.fdInfo`; libsinsp reset + fd locations);
 * 4. updates state by event kind, exactly like the matching parse_* function; a failed syscall
 *    (res < 0) changes nothing.
 *
 * Works for exit-only events (current drivers, our probe) and old enter/exit pairs (old captures):
 * an enter event is remembered per thread and its parameters fill in what the exit lacks
 * (libsinsp store_event / retrieve_enter_event). Parameters are read by name, so every event
 * version in the table is handled the same way.
 *
 * Hot path: no closures, no per-event objects except new state (threads, fds) and resolved
 * strings; dispatch is a switch on a per-type kind table.
 */
import { existsSync, readFileSync } from "node:fs";
import { EF, EVENT_TABLE, type EventInfo, PPM_EVENT_MAX, PPME, PT } from "../events/event_table.ts";
import { Event, decodeString } from "../events/event.ts";
import { FdType, type FdInfo } from "./types.ts";
import { PPM_CL, Thread, ThreadTable, cloneFdInfo, newFdInfo } from "./threads.ts";
import { concatenatePaths, updateCwd } from "./paths.ts";
import { containerIdFromCgroups, parseCgroupItems } from "./container.ts";
import { UserGroupManager } from "./users.ts";
import { type ScanResult, bootTimeNs, readProcFd, readProcThread, scanProc } from "./procfs.ts";
import { addrPort, ipv4Text, ipv6Text, isIpv4Mapped, tupleText } from "./net.ts";

/** PPM_O_* open flags used here (driver/ppm_events_public.h). */
export const PPM_O = {
  RDONLY: 1,
  WRONLY: 2,
  RDWR: 3,
  CREAT: 1 << 2,
  DIRECTORY: 1 << 10,
  CLOEXEC: 1 << 12,
  F_CREATED: 1 << 14,
  FD_UPPER_LAYER: 1 << 15,
  FD_LOWER_LAYER: 1 << 16,
} as const;

/** PPM_AT_FDCWD: the dirfd value meaning "current directory". */
export const PPM_AT_FDCWD = -100;

/**
 * Copy an enter event (bytes [off, off+len) of buf) into the thread's reusable enter buffer (grown
 * as needed, with its DataView), instead of a fresh slice + DataView per stored enter event.
 */
/*
 * Parameter index by name, `info.paramIndex.get(name)` (-1 if absent), through a direct-mapped
 * cache of (event info, name) pairs: the parser asks for the same few names of the same event
 * types over and over, and the Map lookup was the largest self-time item of the state engine in
 * the live profile (bench/analysis.md, second pass). A hit costs two identity compares; a slot is
 * verified by the EventInfo object and the name (a name string with the same text in another
 * object also matches), so a collision only costs a Map lookup.
 */
const PIDX_SIZE = 1024;
const pidxInfo: (EventInfo | null)[] = new Array<EventInfo | null>(PIDX_SIZE).fill(null);
const pidxName: string[] = new Array<string>(PIDX_SIZE).fill("");
const pidxVal = new Int16Array(PIDX_SIZE);

/** `info.paramIndex.get(name) ?? -1`, cached; `type` only spreads the slots (any value is correct). */
function paramIndexOf(info: EventInfo, type: number, name: string): number {
  const n = name.length;
  const slot = (Math.imul(type, 31) ^ (n << 4) ^ (n > 0 ? name.charCodeAt(n - 1) * 5 : 0) ^ (n > 1 ? name.charCodeAt(0) << 2 : 0)) & (PIDX_SIZE - 1);
  if (pidxInfo[slot] === info && pidxName[slot] === name) return pidxVal[slot]!;
  const i = info.paramIndex.get(name);
  pidxInfo[slot] = info;
  pidxName[slot] = name;
  pidxVal[slot] = i === undefined ? -1 : i;
  return i === undefined ? -1 : i;
}

function storeEnter(t: Thread, buf: Uint8Array, off: number, len: number): void {
  let dst = t.lastEnter;
  if (dst === null || dst.length < len) {
    dst = new Uint8Array(Math.max(len, 256));
    t.lastEnter = dst;
    t.lastEnterDv = new DataView(dst.buffer);
  }
  if (len <= 96) for (let i = 0; i < len; i++) dst[i] = buf[off + i]!;
  else dst.set(buf.subarray(off, off + len));
  t.lastEnterLen = len;
}

const PPM_EPOLL_CLOEXEC = 1;
const PPM_RLIMIT_NOFILE = 7;
const PPM_MFD_CLOEXEC = 1;
const PPM_CLOSE_RANGE_CLOEXEC = 1 << 2;
const PPM_EXVAT_AT_EMPTY_PATH = 1;
const PPM_FCNTL_F_DUPFD = 1;
const PPM_FCNTL_F_SETFD = 3;
const PPM_FCNTL_F_DUPFD_CLOEXEC = 26;
const PPM_PR_SET_CHILD_SUBREAPER = 36;
const PPM_PR_GET_CHILD_SUBREAPER = 37;
const SE_EINPROGRESS = 115;
const CLONE_STALE_TIME_NS = 2_000_000_000n;
const RECENTLY_EXITED_MAX_AGE_NS = 2_000_000_000n;
const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;
const L4_UNKNOWN = 0;
const L4_TCP = 2;
const L4_UDP = 3;
const L4_ICMP = 4;
const L4_RAW = 5;

/** Event kinds the engine dispatches on. */
const enum K {
  NONE = 0,
  OPEN,
  CLONE,
  EXECVE,
  PROCEXIT,
  CLOSE,
  CLOSE_RANGE,
  DUP,
  FCNTL,
  SOCKET,
  SOCKETPAIR,
  CONNECT,
  ACCEPT,
  BIND,
  PIPE,
  MEMFD,
  EVENTFD,
  SINGLEFD,
  CHDIR,
  FCHDIR,
  GETCWD,
  SETUID,
  SETGID,
  SETRESUID,
  SETRESGID,
  SETREUID,
  SETREGID,
  CHROOT,
  SETSID,
  CAPSET,
  UNSHARE,
  PIDFD_OPEN,
  PIDFD_GETFD,
  PRCTL,
  READ_NET,
  WRITE_NET,
  RW,
  RLIMIT,
  MEM,
  FSPATH,
  USER_EVT,
  GROUP_EVT,
  META,
  SCHEDSWITCH,
}

const KIND_BY_NAME: Record<string, K> = {
  open: K.OPEN, openat: K.OPEN, openat2: K.OPEN, creat: K.OPEN, open_by_handle_at: K.OPEN,
  clone: K.CLONE, fork: K.CLONE, vfork: K.CLONE, clone3: K.CLONE,
  execve: K.EXECVE, execveat: K.EXECVE,
  procexit: K.PROCEXIT,
  close: K.CLOSE, close_range: K.CLOSE_RANGE,
  dup: K.DUP, dup2: K.DUP, dup3: K.DUP,
  fcntl: K.FCNTL,
  socket: K.SOCKET, socketpair: K.SOCKETPAIR,
  connect: K.CONNECT,
  accept: K.ACCEPT, accept4: K.ACCEPT,
  bind: K.BIND,
  pipe: K.PIPE, pipe2: K.PIPE,
  memfd_create: K.MEMFD,
  eventfd: K.EVENTFD, eventfd2: K.EVENTFD,
  signalfd: K.SINGLEFD, signalfd4: K.SINGLEFD, timerfd_create: K.SINGLEFD, inotify_init: K.SINGLEFD,
  inotify_init1: K.SINGLEFD, epoll_create: K.SINGLEFD, epoll_create1: K.SINGLEFD, bpf: K.SINGLEFD,
  userfaultfd: K.SINGLEFD, io_uring_setup: K.SINGLEFD,
  chdir: K.CHDIR, fchdir: K.FCHDIR, getcwd: K.GETCWD,
  setuid: K.SETUID, setgid: K.SETGID, setresuid: K.SETRESUID, setresgid: K.SETRESGID,
  setreuid: K.SETREUID, setregid: K.SETREGID,
  chroot: K.CHROOT, setsid: K.SETSID, capset: K.CAPSET, unshare: K.UNSHARE, setns: K.UNSHARE,
  pidfd_open: K.PIDFD_OPEN, pidfd_getfd: K.PIDFD_GETFD, prctl: K.PRCTL,
  brk: K.MEM, mmap: K.MEM, mmap2: K.MEM, munmap: K.MEM,
  getrlimit: K.RLIMIT, setrlimit: K.RLIMIT, prlimit: K.RLIMIT,
  read: K.RW, readv: K.RW, pread: K.RW, preadv: K.RW, write: K.RW, writev: K.RW, pwrite: K.RW, pwritev: K.RW,
  recvfrom: K.READ_NET, recvmsg: K.READ_NET, recvmmsg: K.READ_NET, recv: K.READ_NET,
  sendto: K.WRITE_NET, sendmsg: K.WRITE_NET, sendmmsg: K.WRITE_NET, send: K.WRITE_NET,
  mkdir: K.FSPATH, mkdirat: K.FSPATH, rmdir: K.FSPATH, unlink: K.FSPATH, unlinkat: K.FSPATH,
  chmod: K.FSPATH, fchmod: K.FSPATH, fchmodat: K.FSPATH, chown: K.FSPATH, lchown: K.FSPATH,
  fchown: K.FSPATH, fchownat: K.FSPATH, quotactl: K.FSPATH, rename: K.FSPATH, renameat: K.FSPATH,
  renameat2: K.FSPATH, link: K.FSPATH, linkat: K.FSPATH, symlink: K.FSPATH, symlinkat: K.FSPATH,
  mount: K.FSPATH, umount: K.FSPATH, umount2: K.FSPATH,
  useradded: K.USER_EVT, userdeleted: K.USER_EVT, groupadded: K.GROUP_EVT, groupdeleted: K.GROUP_EVT,
  container: K.META, asyncevent: K.META, pluginevent: K.META,
  switch: K.SCHEDSWITCH,
};

const SINGLE_FD_TYPE: Record<string, FdType> = {
  signalfd: FdType.SIGNALFD, signalfd4: FdType.SIGNALFD, timerfd_create: FdType.TIMERFD,
  inotify_init: FdType.INOTIFY, inotify_init1: FdType.INOTIFY, epoll_create: FdType.EVENTPOLL,
  epoll_create1: FdType.EVENTPOLL, bpf: FdType.BPF, userfaultfd: FdType.USERFAULTFD,
  io_uring_setup: FdType.IOURING,
};

/**
 * fs.path.* sources per exit event (libsinsp sinsp_filtercheck_fspath create_fspath_checks):
 * [path param, source param, target param, success test ("res" == 0)].
 */
const FSPATH_PARAMS: Record<string, [string | null, string | null, string | null]> = {
  mkdir: ["path", null, null], mkdirat: ["path", null, null], rmdir: ["path", null, null],
  unlink: ["path", null, null], unlinkat: ["name", null, null], fchmodat: ["filename", null, null],
  chmod: ["filename", null, null], fchmod: ["@fd", null, null], chown: ["path", null, null],
  lchown: ["path", null, null], fchown: ["@fd", null, null], fchownat: ["pathname", null, null],
  quotactl: ["special", null, null], rename: [null, "oldpath", "newpath"], renameat: [null, "oldpath", "newpath"],
  renameat2: [null, "oldpath", "newpath"], link: [null, "newpath", "oldpath"], linkat: [null, "newpath", "oldpath"],
  symlink: [null, "linkpath", "target"], symlinkat: [null, "linkpath", "target"], mount: [null, "dev", "dir"],
  umount: ["name", null, null], umount2: ["name", null, null],
};
/** Events whose relative fs.path.name resolves against the event's dirfd fd (format_dirfd). */
const FSPATH_DIRFD = new Set(["newfstatat", "fchownat", "fchmodat", "mkdirat", "unlinkat", "mknodat"]);

const KIND = new Uint8Array(PPM_EVENT_MAX);
/** Exit events: parameter index of the fd the event uses (libscap get_exit_event_fd_location), -1 none. Enter: fd param index. */
const FD_LOC = new Int8Array(PPM_EVENT_MAX).fill(-1);
/** Index of the return value parameter (param 0 of exit events when ERRNO/FD/PID), -1 none. */
const RES_LOC = new Int8Array(PPM_EVENT_MAX).fill(-1);

for (const e of EVENT_TABLE) {
  // Enter events keep their kind too: it selects which enter events are stored for the exit.
  KIND[e.code] = KIND_BY_NAME[e.name] ?? K.NONE;
  if (e.dir === "<" && e.params.length > 0) {
    const t = e.params[0]!.type;
    if (t === PT.ERRNO || t === PT.FD || t === PT.PID) RES_LOC[e.code] = 0;
  }
  if (e.flags & EF.USES_FD) {
    if (e.dir === ">") {
      const i = e.paramIndex.get("fd");
      FD_LOC[e.code] = i ?? (e.params.length > 0 && e.params[0]!.type === PT.FD ? 0 : -1);
    } else if (!(e.flags & EF.OLD_VERSION)) {
      const i = e.paramIndex.get("fd") ?? e.paramIndex.get("oldfd") ?? e.paramIndex.get("dirfd") ?? e.paramIndex.get("linkdirfd") ?? e.paramIndex.get("fd_out") ?? e.paramIndex.get("out_fd") ?? e.paramIndex.get("fdout");
      FD_LOC[e.code] = i ?? -1;
    }
  }
}
/**
 * Parameter index of the fd an event uses (exit: libscap get_exit_event_fd_location, -1 for none
 * and for old event versions; enter: the "fd" parameter), for the field layer and tests.
 */
export function fdParamIndex(type: number): number {
  return type >= 0 && type < PPM_EVENT_MAX ? FD_LOC[type]! : -1;
}

const EXECVE_19_X = PPME.SYSCALL_EXECVE_19_X!;
const EXECVEAT_E = PPME.SYSCALL_EXECVEAT_E!;
const PROCINFO_E = PPME.PROCINFO_E ?? -1;

/** Options of the state engine. */
export interface StateEngineOptions {
  /** Create unknown threads from /proc (live capture). False for replay: placeholders instead. Default true. */
  queryProc?: boolean;
  /** Root of the host filesystem (/proc, /etc): default $HOST_ROOT or "". */
  hostRoot?: string;
  /** Thread table bound (libsinsp thread table size). Default 262144. */
  maxThreads?: number;
  /** Maximum /proc lookups for unknown tids over the engine's life (-1 unlimited). Default -1. */
  maxProcLookups?: number;
  /** Users/groups database to use (default: a new one reading files only when queryProc). */
  users?: UserGroupManager;
  /** Boot time, ns since the epoch, for pidns start times (default: /proc/stat btime in live mode, 0 in replay). */
  bootTs?: bigint;
  /** Existing thread table to use. */
  threads?: ThreadTable;
}

/** Counters of the state engine (subset of libsinsp's sinsp_stats_v2). */
export interface StateEngineStats {
  events: number;
  procLookups: number;
  procLookupFailures: number;
  placeholderThreads: number;
  storedEnterEvents: number;
  retrievedEnterEvents: number;
  cloneChildrenCreated: number;
  execs: number;
  threadsRemoved: number;
  fdLookupFailures: number;
}

/** One recently exited (tid, ptid) — libsinsp record_recently_exited ring. */
interface Exited {
  tid: number;
  ptid: number;
  ts: bigint;
}

/**
 * The state engine. Create one per capture source; call `process(ev)` for every event in order.
 * Reads and updates `threads` and `users`; writes `ev.thread`, `ev.fdInfo`, `ev.fdNum` and, for
 * path events, `ev.extra`:
 * - path syscalls (unlink*, rename*, mkdir*, rmdir, chmod/chown family, link*, symlink*, mount,
 *   umount*, quotactl) on success: "fs.path.name"/"fs.path.nameraw", "fs.path.source"/
 *   "fs.path.sourceraw", "fs.path.target"/"fs.path.targetraw" (libsinsp sinsp_filtercheck_fspath);
 * - open family with a new fd: nothing in `extra` — fs.path.name is `ev.fdInfo.name` and
 *   fs.path.nameraw is `ev.fdInfo.nameRaw` (saves two Map writes per open);
 * - open family without an fd (failure): "fd.name"/"fd.nameraw" (libsinsp
 *   extract_fdname_from_event) and, unless fd == -1, "fs.path.name"/"fs.path.nameraw".
 *
 * `ev.fdNum` is libsinsp's `m_lastevent_fd` (what fd.num reads): the fd the event uses (the
 * "fd"-like parameter of exit events, or the enter event's fd in old pairs), replaced by the fd the
 * event creates (open, socket, accept, dup/fcntl(F_DUPFD) result, memfd, eventfd...; for pipe and
 * socketpair the second fd, while `ev.fdInfo` is the first one, as libsinsp add_fd does).
 */
export class StateEngine {
  readonly threads: ThreadTable;
  readonly users: UserGroupManager;
  readonly stats: StateEngineStats = {
    events: 0, procLookups: 0, procLookupFailures: 0, placeholderThreads: 0, storedEnterEvents: 0,
    retrievedEnterEvents: 0, cloneChildrenCreated: 0, execs: 0, threadsRemoved: 0, fdLookupFailures: 0,
  };
  readonly queryProc: boolean;
  readonly hostRoot: string;
  maxProcLookups: number;
  bootTs: bigint;

  /** Socket tables per network namespace for on-the-fly /proc lookups, refreshed every second. */
  private readonly netCache = new Map<string, Map<number, Partial<FdInfo>>>();
  private netCacheAt = 0;
  private pendingTid = -1;
  private pendingFdTid = -1;
  private pendingFd = -1;
  private readonly exited: Exited[] = [];
  private exitedIdx = 0;
  /** View over the current thread's stored enter event. */
  private readonly ent = new Event();
  private entOk = false;
  private ev: Event = new Event();

  constructor(opts: StateEngineOptions = {}) {
    this.queryProc = opts.queryProc ?? true;
    this.hostRoot = opts.hostRoot ?? process.env.HOST_ROOT ?? "";
    this.threads = opts.threads ?? new ThreadTable(opts.maxThreads ?? 262144);
    this.users = opts.users ?? new UserGroupManager(this.hostRoot, { readFiles: this.queryProc });
    this.maxProcLookups = opts.maxProcLookups ?? -1;
    this.bootTs = opts.bootTs ?? (this.queryProc ? bootTimeNs(this.hostRoot) : 0n);
  }

  /**
   * Live mode housekeeping (libsinsp remove_inactive_threads analogue): drop threads whose
   * /proc/<pid>/task/<tid> entry is gone (their procexit was lost). Placeholders are dropped too.
   * O(table size) filesystem checks: call every few minutes, not per event. Returns the count.
   */
  purgeVanished(): number {
    if (!this.queryProc) return 0;
    let n = 0;
    for (const t of [...this.threads.threads.values()]) {
      const gone = t.isInvalid() || !existsSync(`${this.hostRoot}/proc/${t.pid}/task/${t.tid}`);
      if (gone && this.threads.get(t.tid) === t) {
        this.threads.remove(t.tid);
        n++;
      }
    }
    return n;
  }

  /**
   * Seed the thread table from `${hostRoot}/proc` (every process and thread, fds of processes;
   * see procfs.ts scanProc) and note container processes for user lookups. Call once before the
   * first live event. Returns the scan counters.
   */
  scanProc(): ScanResult {
    const r = scanProc(this.threads, this.hostRoot);
    for (const t of this.threads.threads.values()) {
      if (t.isMain() && t.containerId !== "host" && t.containerId !== "") this.users.noteContainerPid(t.containerId, t.pid);
    }
    return r;
  }

  /** Apply removals scheduled by the last event (normally done at the start of the next `process`). */
  flush(): void {
    if (this.pendingFdTid >= 0) {
      const t = this.threads.get(this.pendingFdTid);
      if (t) t.fds.delete(this.pendingFd);
      this.pendingFdTid = -1;
      this.pendingFd = -1;
    }
    if (this.pendingTid >= 0) {
      const tid = this.pendingTid;
      this.pendingTid = -1;
      const t = this.threads.get(tid);
      if (t) this.recordExited(tid, t.ptid, this.lastTs);
      this.threads.remove(tid);
      this.stats.threadsRemoved++;
    }
  }
  private lastTs = 0n;

  /**
   * Process one event: set `ev.thread` / `ev.fdInfo` / `ev.fdNum` and update state.
   * Never throws on malformed parameters (missing ones are treated as empty).
   */
  process(ev: Event): void {
    if (this.pendingTid >= 0 || this.pendingFdTid >= 0) this.flush();
    this.stats.events++;
    this.ev = ev;
    this.entOk = false;
    const type = ev.type;
    const kind = type < PPM_EVENT_MAX ? (KIND[type]! as K) : K.NONE;
    const flags = ev.info.flags;
    ev.fdNum = -1;
    ev.fdInfo = null;

    if (flags & EF.SKIPPARSERESET) {
      ev.thread = type === PROCINFO_E ? this.threads.get(ev.tid) ?? null : null;
      return;
    }
    if (kind === K.META) {
      ev.thread = null;
      return;
    }
    if (kind === K.USER_EVT || kind === K.GROUP_EVT) {
      ev.thread = null;
      this.parseUserGroup(kind);
      return;
    }
    const tid = ev.tid;
    const isExit = (type & 1) === 1;
    const queryOs = !(kind === K.CLONE && isExit) && kind !== K.SCHEDSWITCH && kind !== K.PROCEXIT;
    let t = this.threads.get(tid);
    if (!t && queryOs) t = this.getThread(tid);
    ev.thread = t ?? null;
    if (kind === K.SCHEDSWITCH) return;

    if (!isExit) {
      // Enter event (old captures; procexit).
      if (t) {
        if (queryOs) t.flags |= PPM_CL.ACTIVE;
        t.lastEventType = type;
        t.lastEventFd = -1;
        const loc = FD_LOC[type]!;
        if (loc >= 0 && loc < ev.nparams && ev.paramLen(loc) === 8) {
          const fd = ev.i64(loc);
          t.lastEventFd = fd;
          ev.fdNum = fd;
          ev.fdInfo = t.fds.get(fd) ?? null;
        }
        if (kind !== K.NONE && kind !== K.PROCEXIT && ev.nparams > 0 && ev.paramLen(0) > 0) {
          storeEnter(t, ev.buf, ev.off, ev.len);
          this.stats.storedEnterEvents++;
        }
      }
      if (kind === K.PROCEXIT) this.parseProcexit(t);
      return;
    }

    // Exit event.
    if (t) {
      if (queryOs) t.flags |= PPM_CL.ACTIVE;
      const pairOk = t.lastEventType >= 0 && (type === t.lastEventType + 1 || (type === EXECVE_19_X && t.lastEventType === EXECVEAT_E) || (kind === K.EXECVE && KIND[t.lastEventType] === K.EXECVE));
      if (!pairOk) t.lastEventFd = -1;
      else if (t.lastEnterLen > 0) {
        try {
          this.ent.reset(t.lastEnter!, 0, t.lastEnterLen, t.lastEnterDv!);
          this.entOk = true;
          this.stats.retrievedEnterEvents++;
        } catch {
          this.entOk = false;
        }
      }
      if (flags & EF.USES_FD) {
        let fd = t.lastEventFd;
        if (fd === -1) {
          const loc = FD_LOC[type]!;
          if (loc >= 0 && loc < ev.nparams && ev.paramLen(loc) > 0) fd = readInt(ev, loc);
        }
        if (fd !== -1) {
          t.lastEventFd = fd;
          ev.fdNum = fd;
          const fi = t.fds.get(fd);
          if (fi) {
            fi.nameChanged = false;
            ev.fdInfo = fi;
          } else this.stats.fdLookupFailures++;
        }
      }
    }
    const oldName = ev.fdInfo ? ev.fdInfo.name : null;

    switch (kind) {
      case K.NONE: break;
      case K.OPEN: this.parseOpen(t); break;
      case K.CLONE: this.parseClone(); break;
      case K.EXECVE: this.parseExecve(t); break;
      case K.CLOSE: this.parseClose(t); break;
      case K.CLOSE_RANGE: this.parseCloseRange(t); break;
      case K.DUP: this.parseDup(t); break;
      case K.FCNTL: this.parseFcntl(t); break;
      case K.SOCKET: this.parseSocket(t); break;
      case K.SOCKETPAIR: this.parseSocketpair(t); break;
      case K.CONNECT: this.parseConnect(t); break;
      case K.ACCEPT: this.parseAccept(t); break;
      case K.BIND: this.parseBind(); break;
      case K.PIPE: this.parsePipe(t); break;
      case K.MEMFD: this.parseMemfd(t); break;
      case K.EVENTFD: this.parseSingleFd(t, FdType.EVENT); break;
      case K.SINGLEFD: this.parseSingleFd(t, SINGLE_FD_TYPE[ev.info.name] ?? FdType.UNKNOWN); break;
      case K.CHDIR: this.parseChdir(t, "path"); break;
      case K.GETCWD: this.parseChdir(t, "path"); break;
      case K.FCHDIR:
        if (t && ev.fdInfo && this.res() >= 0) t.cwd = updateCwd(t.cwd, ev.fdInfo.name);
        break;
      case K.SETUID: if (t && this.res() === 0) this.setUid(t, "uid"); break;
      case K.SETRESUID: if (t && this.res() === 0) this.setUid(t, "euid"); break;
      case K.SETREUID: if (t && this.res() === 0) this.setUid(t, "euid"); break;
      case K.SETGID: if (t && this.res() === 0) this.setGid(t, "gid"); break;
      case K.SETRESGID: if (t && this.res() === 0) this.setGid(t, "egid"); break;
      case K.SETREGID: if (t && this.res() === 0) this.setGid(t, "egid"); break;
      case K.CHROOT:
        if (t && this.res() === 0) {
          const p = this.str("path");
          if (p !== null) t.root = p.length > 0 && p.charCodeAt(0) === 47 ? concatenatePaths("", p) : concatenatePaths(t.cwd, p);
        }
        break;
      case K.SETSID: {
        const r = this.res();
        if (t && r >= 0) t.sid = r;
        break;
      }
      case K.CAPSET:
        if (t && this.res() >= 0) {
          t.capInheritable = this.u64("cap_inheritable", t.capInheritable);
          t.capPermitted = this.u64("cap_permitted", t.capPermitted);
          t.capEffective = this.u64("cap_effective", t.capEffective);
        }
        break;
      case K.UNSHARE: this.parseUnshare(t); break;
      case K.PIDFD_OPEN: this.parsePidfdOpen(t); break;
      case K.PIDFD_GETFD: this.parsePidfdGetfd(t); break;
      case K.PRCTL:
        if (t && !t.isInvalid() && this.res() >= 0) {
          const opt = this.num("option", -1);
          if (opt === PPM_PR_SET_CHILD_SUBREAPER || opt === PPM_PR_GET_CHILD_SUBREAPER) {
            const main = this.threads.mainThread(t) ?? t;
            main.isReaper = this.num("arg2_int", 0) !== 0;
          }
        }
        break;
      case K.RW: {
        // parse_read_exit / parse_write_exit: a successful transfer marks an IP socket connected.
        const f = ev.fdInfo;
        if (f !== null && (f.type === FdType.IPV4_SOCK || f.type === FdType.IPV6_SOCK) && this.res() >= 0) f.connected = true;
        break;
      }
      case K.RLIMIT: this.parseRlimit(t); break;
      case K.MEM: if (t) this.readVm(t); break;
      case K.READ_NET: this.parseNetRw(t, true); break;
      case K.WRITE_NET: this.parseNetRw(t, false); break;
      case K.FSPATH: this.parseFsPath(t); break;
      default: break;
    }
    if (ev.fdInfo && oldName !== null && ev.fdInfo.name !== oldName) ev.fdInfo.nameChanged = true;
    if (t) t.lastEnterLen = 0;
  }

  // ---------------------------------------------------------------- parameter access

  /** Index of a present, non-empty parameter of the exit event, or -1. */
  private xi(name: string): number {
    const ev = this.ev;
    const i = paramIndexOf(ev.info, ev.type, name);
    if (i < 0 || i >= ev.nparams || ev.paramLen(i) === 0) return -1;
    return i;
  }
  /** Index of a present, non-empty parameter of the stored enter event, or -1. */
  private ei(name: string): number {
    if (!this.entOk) return -1;
    const e = this.ent;
    const i = paramIndexOf(e.info, e.type, name);
    if (i < 0 || i >= e.nparams || e.paramLen(i) === 0) return -1;
    return i;
  }
  /** Integer parameter by name (exit first, then the stored enter event), else `dflt`. */
  private num(name: string, dflt: number): number {
    const i = this.xi(name);
    if (i >= 0) return readInt(this.ev, i);
    const j = this.ei(name);
    if (j >= 0) return readInt(this.ent, j);
    return dflt;
  }
  /** Unsigned 64-bit parameter by name as bigint, else `dflt`. */
  private u64(name: string, dflt: bigint): bigint {
    const i = this.xi(name);
    if (i >= 0 && this.ev.paramLen(i) === 8) return this.ev.u64(i);
    const j = this.ei(name);
    if (j >= 0 && this.ent.paramLen(j) === 8) return this.ent.u64(j);
    return dflt;
  }
  /** String parameter by name (exit first, then enter), null if absent/empty. */
  private str(name: string): string | null {
    const i = this.xi(name);
    if (i >= 0) return this.ev.str(i);
    const j = this.ei(name);
    if (j >= 0) return this.ent.str(j);
    return null;
  }
  /** NUL-separated list parameter by name (exit, then enter), null if absent/empty. */
  private list(name: string): string[] | null {
    const i = this.xi(name);
    if (i >= 0) return this.ev.strList(i);
    const j = this.ei(name);
    if (j >= 0) return this.ent.strList(j);
    return null;
  }
  /** Syscall return value of the exit event (0 if the event has none). */
  private res(): number {
    const ev = this.ev;
    const loc = RES_LOC[ev.type]!;
    if (loc < 0 || loc >= ev.nparams || ev.paramLen(loc) !== 8) return 0;
    return ev.i64(loc);
  }

  /**
   * sinsp_threadinfo::add_fd: put `f` at `fd` in t's table and make it the event's fd: `ev.fdInfo`
   * = f and `ev.fdNum` = fd (libsinsp sets m_lastevent_fd there, which is what fd.num reads).
   */
  private addFd(t: Thread, fd: number, f: FdInfo): void {
    t.fds.set(fd, f);
    t.lastEventFd = fd;
    this.ev.fdInfo = f;
    this.ev.fdNum = fd;
  }

  // ---------------------------------------------------------------- threads

  /**
   * libsinsp get_thread(tid, query_os=true): the thread, read from /proc if unknown and allowed,
   * else a placeholder (tid, pid/ptid -1, comm/exe "<NA>", uid/gid/loginuid 0xFFFFFFFF).
   */
  private getThread(tid: number): Thread | undefined {
    if (tid < 0) return undefined;
    const tt = this.threads;
    if (tt.size >= tt.maxSize) {
      tt.stats.dropsFull++;
      return undefined;
    }
    if (this.queryProc && (this.maxProcLookups < 0 || this.stats.procLookups < this.maxProcLookups)) {
      this.stats.procLookups++;
      tt.stats.procLookups++;
      const now = Date.now();
      if (now - this.netCacheAt > 1000) {
        this.netCache.clear();
        this.netCacheAt = now;
      }
      const opts = { netCache: this.netCache };
      const p = readProcThread(tid, this.hostRoot, undefined, opts);
      if (p) {
        if (p.pid !== undefined && p.pid !== tid && !tt.get(p.pid)) {
          const mp = readProcThread(p.pid, this.hostRoot, undefined, opts);
          if (mp) tt.addFromScan(mp);
        }
        const t = tt.addFromScan(p);
        if (t) {
          tt.linkParent(t);
          const main = tt.mainThread(t);
          if (main && main !== t) {
            t.fds = main.fds;
            t.fs = main.fs;
          }
          if (t.containerId !== "host") this.users.noteContainerPid(t.containerId, t.pid);
          return t;
        }
        return undefined;
      }
      this.stats.procLookupFailures++;
      tt.stats.procLookupFailures++;
    }
    const f = new Thread();
    f.tid = tid;
    f.pid = -1;
    f.ptid = -1;
    f.comm = "<NA>";
    f.exe = "<NA>";
    f.uid = 0xffffffff;
    f.gid = 0xffffffff;
    f.loginuid = 0xffffffff;
    f.fs = { cwd: "" };
    if (!tt.add(f)) return undefined;
    this.stats.placeholderThreads++;
    tt.stats.fakeThreads++;
    return f;
  }

  /** Turn a placeholder into a real thread once pid/ptid are known (libsinsp create_thread_dependencies). */
  private revalidate(t: Thread): void {
    if (t.isInvalid()) return;
    this.threads.add(t);
    const p = this.threads.linkParent(t);
    if (p) p.nChildren++;
  }

  private recordExited(tid: number, ptid: number, ts: bigint): void {
    const e = { tid, ptid, ts };
    if (this.exited.length < 32) this.exited.push(e);
    else this.exited[this.exitedIdx] = e;
    this.exitedIdx = (this.exitedIdx + 1) % 32;
  }
  private recentlyExited(tid: number, ptid: number, ts: bigint): boolean {
    for (const e of this.exited) if (e.tid === tid && e.ptid === ptid && ts >= e.ts && ts - e.ts < RECENTLY_EXITED_MAX_AGE_NS) return true;
    return false;
  }

  // ---------------------------------------------------------------- clone / exec / exit

  private parseClone(): void {
    const child = this.res();
    if (child < 0) return;
    if (child === 0) this.parseCloneChild();
    else this.parseCloneCaller(child);
  }

  /** vm_size/vm_rss/vm_swap (KiB) and, when present, pgft_maj/pgft_min from the event (all or nothing, as libsinsp). */
  private readVm(t: Thread): void {
    if (this.xi("vm_swap") < 0) return;
    t.vmSizeKb = this.num("vm_size", 0);
    t.vmRssKb = this.num("vm_rss", 0);
    t.vmSwapKb = this.num("vm_swap", 0);
    if (this.xi("pgft_min") >= 0) {
      t.pfMajor = this.num("pgft_maj", 0);
      t.pfMinor = this.num("pgft_min", 0);
    }
  }

  /** Fill the fields both clone parsers take from the event into `c`. */
  private fillChildFromEvent(c: Thread): void {
    c.exe = this.str("exe") ?? "";
    c.args = this.list("args") ?? [];
    const comm = this.str("comm");
    c.comm = comm !== null ? comm : c.exe;
    c.fdlimit = this.num("fdlimit", 0);
    this.readVm(c);
    c.uid = this.num("uid", -1) >>> 0;
    c.gid = this.num("gid", -1) >>> 0;
    const cg = this.list("cgroups");
    if (cg !== null) {
      c.cgroups = parseCgroupItems(cg);
      c.containerId = containerIdFromCgroups(c.cgroups).id;
    }
    c.cloneTs = this.ev.tsBig();
  }

  /** Copy the process-wide fields libsinsp takes from the caller/lookup thread. */
  private inheritFrom(c: Thread, p: Thread): void {
    c.exepath = p.exepath;
    c.exeFlags = p.exeFlags;
    c.root = p.root;
    c.sid = p.sid;
    c.vpgid = p.vpgid;
    c.pgid = p.pgid;
    c.tty = p.tty;
    c.loginuid = p.loginuid;
    c.capPermitted = p.capPermitted;
    c.capInheritable = p.capInheritable;
    c.capEffective = p.capEffective;
    c.exeIno = p.exeIno;
    c.exeInoCtime = p.exeInoCtime;
    c.exeInoMtime = p.exeInoMtime;
    if (c.cgroups.length === 0) {
      c.cgroups = p.cgroups;
      c.containerId = p.containerId;
    }
  }

  /** Give a new process `c` the fd table (copied, or shared with CLONE_FILES), cwd and env of `p`. */
  private inheritProcess(c: Thread, p: Thread, shareFiles: boolean): void {
    if (shareFiles) c.fds = p.fds;
    else {
      const m = new Map<number, FdInfo>();
      for (const [fd, f] of p.fds) m.set(fd, cloneFdInfo(f));
      c.fds = m;
    }
    c.fs = { cwd: p.cwd };
    c.env = p.env;
  }

  /** pid, ptid, vtid, vpid of a clone-family exit event's thread (vtid/vpid absent in old events: vtid = tid, vpid = -1). */
  private setCloneIds(t: Thread, tid: number): void {
    t.pid = this.num("pid", -1);
    t.ptid = this.num("ptid", -1);
    const vpid = this.num("vpid", Number.NaN);
    if (!Number.isNaN(vpid)) {
      t.vtid = this.num("vtid", tid);
      t.vpid = vpid;
    } else {
      t.vtid = tid;
      t.vpid = -1;
    }
  }

  /** parse_clone_exit_caller: the parent's side (res = child tid). */
  private parseCloneCaller(childTid: number): void {
    const ev = this.ev;
    const callerTid = ev.tid;
    let caller = this.threads.get(callerTid) ?? this.getThread(callerTid);
    if (!caller) {
      ev.thread = null;
      return;
    }
    let validCaller = true;
    if (caller.isInvalid()) {
      validCaller = false;
      this.setCloneIds(caller, callerTid);
      this.revalidate(caller);
      caller = this.threads.get(callerTid) ?? caller;
    }
    ev.thread = caller;
    const flags = this.num("flags", 0) >>> 0;
    if (flags & (PPM_CL.CHILD_IN_PIDNS | PPM_CL.CLONE_NEWPID | PPM_CL.CLONE_PARENT) || callerTid !== caller.vtid) return;
    if (flags & PPM_CL.CLONE_VFORK || ev.info.name === "vfork") return;
    if (this.recentlyExited(childTid, callerTid, ev.tsBig())) return;
    const existing = this.threads.get(childTid);
    if (existing) {
      if (existing.flags & PPM_CL.CLONE_INVERTED) return;
      this.threads.remove(childTid);
    }
    const c = new Thread();
    c.flags = flags;
    c.tid = childTid;
    const isThread = (flags & PPM_CL.CLONE_THREAD) !== 0;
    if (!isThread) {
      if (validCaller) this.inheritProcess(c, caller, (flags & PPM_CL.CLONE_FILES) !== 0);
      c.pid = childTid;
      c.ptid = caller.tid;
    } else {
      c.pid = caller.pid;
      c.ptid = caller.ptid;
      c.flags |= PPM_CL.CLONE_FILES;
      c.lastExecTs = caller.lastExecTs;
    }
    c.vtid = c.tid;
    c.vpid = c.pid;
    this.fillChildFromEvent(c);
    c.pidnsInitStartTs = this.bootTs;
    if (validCaller) this.inheritFrom(c, caller);
    else {
      caller.exe = c.exe;
      caller.comm = c.comm;
      caller.args = c.args;
    }
    if (this.threads.add(c)) {
      this.stats.cloneChildrenCreated++;
      const parent = this.threads.linkParent(c);
      if (parent) parent.nChildren++;
    }
  }

  /** parse_clone_exit_child: the child's side (res = 0, event tid = child). */
  private parseCloneChild(): void {
    const ev = this.ev;
    const childTid = ev.tid;
    const ts = ev.tsBig();
    const existing = ev.thread as Thread | null;
    if (existing && existing.cloneTs !== 0n) {
      if (ts - existing.cloneTs < CLONE_STALE_TIME_NS) return;
      this.threads.remove(childTid);
      ev.thread = null;
    }
    const c = new Thread();
    c.tid = childTid;
    this.setCloneIds(c, childTid);
    c.flags = (this.num("flags", 0) >>> 0) | PPM_CL.CLONE_INVERTED;
    const leader = (c.flags & PPM_CL.CLONE_THREAD) === 0;
    if (!leader) c.flags |= PPM_CL.CLONE_FILES;
    const lookupTid = leader ? c.ptid : c.pid;
    const lookup = this.threads.get(lookupTid) ?? this.getThread(lookupTid);
    if (!lookup) {
      ev.thread = null;
      return;
    }
    let valid = true;
    if (lookup.isInvalid()) {
      valid = false;
      if (!leader) {
        lookup.pid = c.pid;
        lookup.ptid = c.ptid;
        lookup.vpid = c.vpid;
        lookup.vtid = lookup.vpid;
        this.revalidate(lookup);
      }
    }
    this.fillChildFromEvent(c);
    if (valid) {
      this.inheritFrom(c, lookup);
      if (leader) this.inheritProcess(c, lookup, (c.flags & PPM_CL.CLONE_FILES) !== 0);
      else c.lastExecTs = lookup.lastExecTs;
    } else if (!leader) {
      lookup.exe = c.exe;
      lookup.comm = c.comm;
      lookup.args = c.args;
    }
    if (c.flags & (PPM_CL.CHILD_IN_PIDNS | PPM_CL.CLONE_NEWPID) || c.tid !== c.vtid) {
      const i = this.xi("pidns_init_start_ts");
      if (i >= 0) c.pidnsInitStartTs = ev.u64(i) + this.bootTs;
    } else c.pidnsInitStartTs = this.bootTs;
    if (!this.threads.add(c)) {
      ev.thread = null;
      return;
    }
    this.stats.cloneChildrenCreated++;
    const parent = this.threads.linkParent(c);
    if (parent) parent.nChildren++;
    ev.thread = c;
  }

  /** parse_execve_exit. */
  private parseExecve(t: Thread | undefined): void {
    if (!t || this.res() < 0) return;
    const ev = this.ev;
    this.stats.execs++;
    if (t.dead) {
      t.dead = false;
      t.flags &= ~PPM_CL.CLOSED;
      this.threads.add(t);
    }
    t.exe = this.str("exe") ?? "";
    t.lastExecTs = ev.tsBig();
    const comm = this.str("comm");
    t.comm = comm !== null ? comm : t.exe;
    t.args = this.list("args") ?? [];
    t.pid = this.num("pid", t.pid);
    if (t.isInvalid()) {
      t.ptid = this.num("ptid", t.ptid);
      if ((t.flags & PPM_CL.CHILD_IN_PIDNS) === 0) {
        t.vtid = t.tid;
        t.vpid = t.pid;
      }
      this.revalidate(t);
    } else if (this.queryProc) {
      // Live capture only: our probe sends procexit reaper_tid 0, so orphans are re-parented by
      // guess (findNewReaper), which misses subreapers that called prctl before we started —
      // e.g. containerd-shim, the parent of every `docker exec` process once runc's
      // intermediate process exits. The kernel's parent at exec time is authoritative; libsinsp
      // gets the same answer from the modern probe's reaper_tid.
      let k = this.num("ptid", -1);
      if (k > 0 && k !== t.ptid && k !== t.tid) {
        let np = this.threads.get(k);
        if (!np || np.isInvalid() || np.dead) {
          // That parent was exiting at exec time (its procexit is already processed, the kernel's
          // re-parenting was not done yet): ask /proc who the parent is now.
          const now = procPPid(this.hostRoot, t.tid);
          np = now > 0 && now !== t.ptid && now !== t.tid ? this.threads.get(now) : undefined;
        }
        if (np && !np.isInvalid() && !np.dead) {
          k = np.tid;
          t.ptid = k;
          np.nChildren++;
          // The kernel re-parented this process to np: np's process is a child subreaper (its
          // prctl predates the capture). Remember it so later orphans go to it at procexit.
          const main = this.threads.mainThread(np) ?? np;
          if (main.pid !== 1) main.isReaper = true;
        }
      }
    }
    t.fdlimit = this.num("fdlimit", t.fdlimit);
    this.readVm(t);
    const env = this.list("env");
    if (env !== null) t.env = env;
    const cg = this.list("cgroups");
    if (cg !== null) {
      t.cgroups = parseCgroupItems(cg);
      t.containerId = containerIdFromCgroups(t.cgroups).id;
    }
    t.tty = this.num("tty", t.tty) >>> 0;
    // Old drivers send the cwd at exec time (current ones send ""): take it when present. libsinsp
    // 0.25 ignores it; using it only fills threads whose cwd we did not know or had wrong.
    const cwd = this.str("cwd");
    if (cwd !== null && cwd.length > 0) t.cwd = updateCwd("", cwd);
    // exepath: trusted_exepath, else from the enter event's filename (or the exit's filename).
    const trusted = this.xi("trusted_exepath");
    if (trusted >= 0) t.exepath = ev.str(trusted) ?? "";
    else if (this.entOk && this.ent.info.name === "execveat") {
      const di = this.ei("dirfd");
      const dirfd = di >= 0 ? readInt(this.ent, di) : PPM_AT_FDCWD;
      const fli = this.ei("flags");
      const fl = fli >= 0 ? readInt(this.ent, fli) : 0;
      const j = this.ei("pathname");
      const pathname = j >= 0 ? this.ent.str(j) ?? "" : "<NA>";
      const sdir = this.parseDirfd(t, pathname, dirfd);
      if (sdir !== "." && sdir !== "<UNKNOWN>") ev.fdInfo = t.fds.get(dirfd) ?? null;
      if ((!(fl & PPM_EXVAT_AT_EMPTY_PATH) && pathname === "<NA>") || sdir === "<UNKNOWN>") t.exepath = "<NA>";
      else if (fl & PPM_EXVAT_AT_EMPTY_PATH) t.exepath = concatenatePaths("", sdir);
      else t.exepath = concatenatePaths(sdir, pathname);
    } else {
      const j = this.ei("filename");
      const fname = j >= 0 ? this.ent.str(j) : this.str("filename");
      if (fname !== null) t.exepath = fname === "<NA>" ? "<NA>" : concatenatePaths(t.cwd, fname);
    }
    t.vpgid = this.num("vpgid", t.vpgid);
    t.loginuid = this.num("loginuid", t.loginuid) >>> 0;
    const fi = this.xi("flags");
    if (fi >= 0 && ev.info.params[fi]!.info === "execve_flags") t.exeFlags = readInt(ev, fi) >>> 0;
    if (this.xi("cap_effective") >= 0) {
      t.capInheritable = this.u64("cap_inheritable", 0n);
      t.capPermitted = this.u64("cap_permitted", 0n);
      t.capEffective = this.u64("cap_effective", 0n);
    }
    if (this.xi("exe_ino_mtime") >= 0) {
      t.exeIno = this.num("exe_ino", 0);
      t.exeInoCtime = this.u64("exe_ino_ctime", 0n);
      t.exeInoMtime = this.u64("exe_ino_mtime", 0n);
    }
    t.uid = this.num("uid", t.uid) >>> 0;
    t.pgid = this.num("pgid", -1);
    t.gid = this.num("gid", t.gid) >>> 0;
    if (t.containerId !== "host" && t.containerId !== "") this.users.noteContainerPid(t.containerId, t.pid);
    // Close O_CLOEXEC fds; the new image has its own fd table (exec unshares a CLONE_FILES table).
    const nf = new Map<number, FdInfo>();
    for (const [fd, f] of t.fds) if (!isCloseOnExec(f)) nf.set(fd, f);
    t.fds = nf;
    const keep = t.flags & (PPM_CL.PIPE_SRC | PPM_CL.PIPE_DST | PPM_CL.IS_MAIN_THREAD);
    const inverted = t.flags & PPM_CL.CLONE_INVERTED;
    t.flags = PPM_CL.ACTIVE | keep | inverted | PPM_CL.NAME_CHANGED;
    // Other threads of the group die with the exec.
    if (this.threads.threadCount(t.pid) > 1) {
      for (const o of this.threads.threads.values()) {
        if (o.pid === t.pid && o !== t && !o.isMain()) this.threads.remove(o.tid);
      }
    }
  }

  /** parse_thread_exit (procexit enter event). */
  private parseProcexit(t: Thread | undefined): void {
    if (!t) return;
    this.threads.markDead(t);
    this.pendingTid = t.tid;
    this.lastTs = this.ev.tsBig();
    if (this.ev.nparams > 4) {
      const i = this.xi("reaper_tid");
      if (i >= 0) t.reaperTid = this.ev.i64(i);
    } else t.reaperTid = -1;
  }

  // ---------------------------------------------------------------- files

  /** libsinsp parse_dirfd: base dir for a relative name ("." if absolute, cwd for AT_FDCWD, "<UNKNOWN>" if the dirfd is unknown). */
  private parseDirfd(t: Thread | undefined, name: string, dirfd: number): string {
    if (name.length > 0 && name.charCodeAt(0) === 47) return ".";
    if (!t) return "<UNKNOWN>";
    if (dirfd === PPM_AT_FDCWD) return t.cwd;
    const f = t.fds.get(dirfd);
    if (!f) return "<UNKNOWN>";
    const n = f.name;
    if (n.length === 0 || n.charCodeAt(n.length - 1) === 47) return n;
    return n + "/";
  }

  /** parse_open_openat_creat_exit. */
  private parseOpen(t: Thread | undefined): void {
    if (!t) return;
    const ev = this.ev;
    const name0 = ev.info.name;
    const fd = this.res();
    let name: string;
    let flags = 0;
    let sdir: string;
    let dirfd = Number.NaN;
    const xn = this.xi(name0 === "open_by_handle_at" ? "path" : "name");
    const exitName = xn >= 0 ? ev.str(xn) ?? "" : null;
    const exitFlagsIdx = this.xi("flags");
    const exitFlags = exitFlagsIdx >= 0 ? readInt(ev, exitFlagsIdx) >>> 0 : 0;
    if (name0 === "creat") {
      const cf = this.num("creat_flags", 0);
      if (cf & 1) flags |= PPM_O.FD_UPPER_LAYER;
      else if (cf & 2) flags |= PPM_O.FD_LOWER_LAYER;
    } else flags = exitFlags;
    name = exitName ?? (name0 === "openat" || name0 === "openat2" ? "<NA>" : "");
    const xd = this.xi("dirfd");
    if (xd >= 0) dirfd = readInt(ev, xd);
    if (name0 !== "open_by_handle_at") {
      const en = this.ei("name");
      const enterName = en >= 0 ? this.ent.str(en) : null;
      if (enterName !== null && enterName !== "<NA>") {
        name = enterName;
        const efi = this.ei("flags");
        const enterFlags = efi >= 0 ? readInt(this.ent, efi) >>> 0 : 0;
        if (name0 === "creat") flags |= 0;
        else flags = enterFlags | (flags & ~(PPM_O.F_CREATED - 1));
        const ed = this.ei("dirfd");
        if (ed >= 0) dirfd = readInt(this.ent, ed);
      }
    }
    if (name0 === "open" || name0 === "creat") sdir = t.cwd;
    else if (name0 === "open_by_handle_at") sdir = "";
    else sdir = Number.isNaN(dirfd) ? "" : this.parseDirfd(t, name, dirfd);
    const full = concatenatePaths(sdir, name);
    if (fd >= 0) {
      const f = newFdInfo(flags & PPM_O.DIRECTORY ? FdType.DIRECTORY : FdType.FILE_V2, full);
      f.openFlags = flags;
      f.dev = this.num("dev", 0) >>> 0;
      f.ino = this.num("ino", 0);
      f.nameRaw = name;
      this.addFd(t, fd, f);
    } else {
      // No fd: fields that libsinsp computes from the parameters (extract_fdname_from_event and
      // sinsp_filtercheck_fspath, whose success test is fd != -1 for opens).
      ev.extra.set("fd.name", full);
      ev.extra.set("fd.nameraw", name);
      if (fd !== -1) {
        const abs = name.length > 0 && name.charCodeAt(0) === 47;
        const isAt = name0 === "openat" || name0 === "openat2";
        ev.extra.set("fs.path.name", abs ? concatenatePaths("", name) : isAt ? "<UNKNOWN>" : name0 === "open_by_handle_at" ? name : concatenatePaths(t.cwd, name));
        ev.extra.set("fs.path.nameraw", name);
      }
    }
  }

  /** parse_close_exit: the fd goes away after this event. */
  private parseClose(t: Thread | undefined): void {
    if (!t || !this.ev.fdInfo || this.res() < 0) return;
    this.pendingFdTid = t.tid;
    this.pendingFd = this.ev.fdNum;
  }

  private parseCloseRange(t: Thread | undefined): void {
    if (!t || this.res() < 0) return;
    const first = this.num("first", 0) >>> 0;
    const last = this.num("last", 0) >>> 0;
    const fl = this.num("flags", 0);
    for (const [fd, f] of t.fds) {
      if (fd < first || fd > last) continue;
      if (fl & PPM_CLOSE_RANGE_CLOEXEC) f.openFlags |= PPM_O.CLOEXEC;
      else t.fds.delete(fd);
    }
  }

  /** parse_dup_exit. */
  private parseDup(t: Thread | undefined): void {
    const ev = this.ev;
    if (!t) return;
    const r = this.res();
    if (r < 0 || !ev.fdInfo) return;
    if (r === 0) t.flags |= PPM_CL.PIPE_DST;
    if (r === 1) t.flags |= PPM_CL.PIPE_SRC;
    const f = cloneFdInfo(ev.fdInfo);
    clearCloexec(f);
    if (ev.info.name === "dup3" && this.num("flags", 0) & PPM_O.CLOEXEC) f.openFlags |= PPM_O.CLOEXEC;
    this.addFd(t, r, f);
  }

  /** parse_fcntl_exit (F_DUPFD, F_DUPFD_CLOEXEC, F_SETFD). */
  private parseFcntl(t: Thread | undefined): void {
    const ev = this.ev;
    if (!t) return;
    const cmd = this.num("cmd", -1);
    if (cmd !== PPM_FCNTL_F_DUPFD && cmd !== PPM_FCNTL_F_DUPFD_CLOEXEC && cmd !== PPM_FCNTL_F_SETFD) return;
    const r = this.res();
    if (r < 0 || !ev.fdInfo) return;
    if (cmd === PPM_FCNTL_F_SETFD) {
      clearCloexec(ev.fdInfo);
      if (this.num("arg", 0) & 1) ev.fdInfo.openFlags |= PPM_O.CLOEXEC;
      return;
    }
    const f = cloneFdInfo(ev.fdInfo);
    clearCloexec(f);
    if (cmd === PPM_FCNTL_F_DUPFD_CLOEXEC) f.openFlags |= PPM_O.CLOEXEC;
    this.addFd(t, r, f);
  }

  private parsePipe(t: Thread | undefined): void {
    if (!t || this.res() < 0) return;
    const ev = this.ev;
    const fd1 = this.num("fd1", -1);
    const fd2 = this.num("fd2", -1);
    const ino = this.num("ino", 0);
    const fl = ev.info.name === "pipe2" ? this.num("flags", 0) >>> 0 : 0;
    const a = newFdInfo(FdType.FIFO);
    a.ino = ino;
    a.openFlags = fl;
    this.addFd(t, fd1, a);
    t.fds.set(fd2, cloneFdInfo(a));
    ev.fdNum = fd2; // libsinsp: the last add_fd sets m_lastevent_fd; the event's fdinfo stays the first
    t.lastEventFd = fd2;
  }

  private parseMemfd(t: Thread | undefined): void {
    if (!t) return;
    const fd = this.res();
    if (fd < 0) return;
    const f = newFdInfo(FdType.MEMFD, this.str("name") ?? "");
    f.openFlags = this.num("flags", 0) >>> 0;
    this.addFd(t, fd, f);
  }

  /** parse_single_param_fd_exit / parse_eventfd_eventfd2_exit. */
  private parseSingleFd(t: Thread | undefined, type: FdType): void {
    if (!t) return;
    const ev = this.ev;
    const name = ev.info.name;
    let fd: number;
    if (name === "bpf") {
      // bpf: only BPF_2_X carries the new fd ("fd"); for other commands it is not an fd.
      const i = this.xi("fd");
      if (i < 0) return;
      fd = readInt(ev, i);
    } else fd = this.res();
    if (fd < 0) return;
    const f = newFdInfo(type);
    switch (name) {
      case "eventfd2": case "inotify_init1": case "signalfd4":
        f.openFlags = this.num("flags", 0) & 0xffff;
        break;
      case "timerfd_create":
        f.openFlags = this.num("flags", 0) & 0xff;
        break;
      case "epoll_create1":
        if (this.num("flags", 0) & PPM_EPOLL_CLOEXEC) f.openFlags |= PPM_O.CLOEXEC;
        break;
      default: break;
    }
    this.addFd(t, fd, f);
  }

  private parseChdir(t: Thread | undefined, param: string): void {
    if (!t || this.res() < 0) return;
    const p = this.str(param);
    if (p === null) return;
    t.cwd = updateCwd(t.cwd, p);
  }

  /** set_evt_thread_user: the effective uid from `param` (exit, else the old enter event). */
  private setUid(t: Thread, param: string): void {
    const v = this.num(param, Number.NaN);
    if (!Number.isNaN(v)) t.uid = v >>> 0;
  }
  /** set_evt_thread_group: the effective gid from `param`. */
  private setGid(t: Thread, param: string): void {
    const v = this.num(param, Number.NaN);
    if (!Number.isNaN(v)) t.gid = v >>> 0;
  }

  private parseUnshare(t: Thread | undefined): void {
    if (!t || this.res() < 0) return;
    const fl = this.ev.info.name === "unshare" ? this.num("flags", 0) : this.num("nstype", 0);
    if ((fl & PPM_CL.CLONE_NEWUSER) === 0) return;
    const max = MAX_CAPS;
    t.capInheritable = max;
    t.capPermitted = max;
    t.capEffective = max;
  }

  private parsePidfdOpen(t: Thread | undefined): void {
    if (!t) return;
    const fd = this.res();
    if (fd < 0) return;
    const pid = this.num("pid", -1);
    const f = newFdInfo(FdType.PIDFD, `${this.hostRoot}/proc/${pid}`);
    f.openFlags = this.num("flags", 0) >>> 0;
    f.pid = pid;
    this.addFd(t, fd, f);
  }

  private parsePidfdGetfd(t: Thread | undefined): void {
    if (!t) return;
    const fd = this.res();
    const pidfd = t.fds.get(this.num("pid_fd", -1));
    if (!pidfd || pidfd.type !== FdType.PIDFD || pidfd.pid === undefined) return;
    const other = this.threads.get(pidfd.pid);
    if (!other) return;
    const target = other.fds.get(this.num("target_fd", -1));
    if (!target) return;
    const f = cloneFdInfo(target);
    clearCloexec(f);
    f.openFlags |= PPM_O.CLOEXEC;
    this.addFd(t, fd, f);
  }

  /** parse_getrlimit_setrlimit_exit / parse_prlimit_exit: RLIMIT_NOFILE's current value → the process fdlimit. */
  private parseRlimit(t: Thread | undefined): void {
    const ev = this.ev;
    const isPr = ev.info.name === "prlimit";
    const r = this.res();
    if (isPr ? r !== 0 : r < 0) return;
    if (this.num("resource", -1) !== PPM_RLIMIT_NOFILE) return;
    const cur = this.num(isPr ? "newcur" : "cur", -1);
    if (cur === -1) return;
    let target = t;
    if (isPr) {
      let tid = this.num("pid", -1);
      if (tid === -1) return;
      if (tid === 0) tid = ev.tid;
      target = this.threads.get(tid);
    }
    if (!target || target.isInvalid()) return;
    const main = this.threads.mainThread(target) ?? target;
    main.fdlimit = cur;
    target.fdlimit = cur;
  }

  /** fs.path.* values for path syscalls (libsinsp sinsp_filtercheck_fspath), stored in ev.extra on success. */
  private parseFsPath(t: Thread | undefined): void {
    const ev = this.ev;
    const name = ev.info.name;
    const spec = FSPATH_PARAMS[name];
    if (!spec || !t || this.xi("res") < 0 || this.res() !== 0) return;
    const [p, s, tg] = spec;
    if (p !== null) {
      const raw = p === "@fd" ? (ev.fdInfo ? ev.fdInfo.name : null) : this.str(p);
      if (raw !== null) {
        ev.extra.set("fs.path.nameraw", raw);
        ev.extra.set("fs.path.name", this.resolveFsPath(t, name, raw, 0));
      }
    }
    if (s !== null) {
      const raw = this.str(s);
      if (raw !== null) {
        ev.extra.set("fs.path.sourceraw", raw);
        ev.extra.set("fs.path.source", this.resolveFsPath(t, name, raw, 1));
      }
    }
    if (tg !== null) {
      const raw = this.str(tg);
      if (raw !== null) {
        ev.extra.set("fs.path.targetraw", raw);
        ev.extra.set("fs.path.target", this.resolveFsPath(t, name, raw, 2));
      }
    }
  }

  /** Resolution of one fs.path value; which: 0 name, 1 source, 2 target. */
  private resolveFsPath(t: Thread, evName: string, raw: string, which: number): string {
    if (raw.length > 0 && raw.charCodeAt(0) === 47) return concatenatePaths("", raw);
    let sdir: string;
    if (FSPATH_DIRFD.has(evName)) sdir = this.formatDirfd();
    else if (evName === "symlinkat") sdir = which === 1 ? this.formatDirfd() : "<UNKNOWN>";
    else if (evName === "renameat2") {
      if (which === 2) sdir = this.parseDirfd(t, raw, this.num("newdirfd", -1));
      else if (which === 1) sdir = this.parseDirfd(t, raw, this.num("olddirfd", -1));
      else sdir = "<UNKNOWN>";
    } else sdir = t.cwd;
    return concatenatePaths(sdir, raw);
  }

  /** libsinsp format_dirfd: the event fd (a dirfd) name with a trailing "/", "<UNKNOWN>" unless a directory. */
  private formatDirfd(): string {
    const f = this.ev.fdInfo;
    if (!f || f.type !== FdType.DIRECTORY) return "<UNKNOWN>";
    const n = f.name;
    if (n.length === 0 || n.charCodeAt(n.length - 1) === 47) return n;
    return n + "/";
  }

  // ---------------------------------------------------------------- sockets

  /** add_socket (parse_socket_exit). */
  private parseSocket(t: Thread | undefined): void {
    if (!t) return;
    const fd = this.res();
    if (fd < 0) return;
    const f = makeSocket(this.num("domain", 0), this.num("type", 0), this.num("proto", 0), this.num("flags", 0) >>> 0);
    this.addFd(t, fd, f);
  }

  private parseSocketpair(t: Thread | undefined): void {
    if (!t || this.res() < 0) return;
    const fd1 = this.num("fd1", -1);
    const fd2 = this.num("fd2", -1);
    if (fd1 === fd2) {
      this.ev.fdInfo = null;
      return;
    }
    const a = newFdInfo(FdType.UNIX_SOCK);
    a.unixSource = this.u64("source", 0n);
    a.unixDest = this.u64("peer", 0n);
    this.addFd(t, fd1, a);
    t.fds.set(fd2, cloneFdInfo(a));
    this.ev.fdNum = fd2;
    t.lastEventFd = fd2;
  }

  /** parse_bind_exit. */
  private parseBind(): void {
    const ev = this.ev;
    const f = ev.fdInfo;
    if (!f || this.res() < 0) return;
    const i = this.xi("addr");
    if (i < 0 || !sockaddrValid(ev.buf, ev.paramOff(i), ev.paramLen(i))) return;
    const o = ev.paramOff(i);
    const b = ev.buf;
    const fam = b[o]!;
    if (fam === AF_INET) {
      const port = ev.dv.getUint16(o + 5, true);
      if (port > 0) {
        f.type = FdType.IPV4_SERVSOCK;
        f.sip = ipv4Text(b, o + 1);
        f.sport = port;
        f.isServer = true;
        f.isClient = false;
      }
    } else if (fam === AF_INET6) {
      const port = ev.dv.getUint16(o + 17, true);
      if (port > 0) {
        if (isIpv4Mapped(b, o + 1)) {
          f.type = FdType.IPV4_SERVSOCK;
          f.sip = ipv4Text(b, o + 13);
        } else {
          f.type = FdType.IPV6_SERVSOCK;
          f.sip = ipv6Text(b, o + 1);
        }
        f.sport = port;
        f.isServer = true;
        f.isClient = false;
      }
    }
    f.name = sockaddrText(ev.buf, o, ev.paramLen(i), ev.dv);
  }

  /** parse_connect_exit (+ fill_client_socket_info). */
  private parseConnect(t: Thread | undefined): void {
    const ev = this.ev;
    const f = ev.fdInfo;
    if (!t || !f) return;
    const r = this.res();
    if (r < 0 && r !== -SE_EINPROGRESS) return;
    f.connected = true;
    // Enter-event address (old captures).
    let eAddrOff = -1;
    let eAddrLen = 0;
    const ej = this.ei("addr");
    if (ej >= 0 && sockaddrValid(this.ent.buf, this.ent.paramOff(ej), this.ent.paramLen(ej))) {
      eAddrOff = this.ent.paramOff(ej);
      eAddrLen = this.ent.paramLen(ej);
    }
    const ti = this.xi("tuple");
    if (ti < 0) {
      if (eAddrOff < 0) return;
      this.fillFromAddr(f, this.ent.buf, eAddrOff, eAddrLen, this.ent.dv);
      return;
    }
    const b = ev.buf;
    const to = ev.paramOff(ti);
    const tl = ev.paramLen(ti);
    if (!socktupleValid(b, to, tl)) return;
    let xAddrOff = -1;
    const xa = this.xi("addr");
    if (xa >= 0 && sockaddrValid(b, ev.paramOff(xa), ev.paramLen(xa))) xAddrOff = ev.paramOff(xa);
    const dv = ev.dv;
    const fam = b[to]!;
    if (fam === AF_INET || fam === AF_INET6) {
      const v6 = fam === AF_INET6;
      const alen = v6 ? 16 : 4;
      const sipOff = to + 1;
      const sport = dv.getUint16(to + 1 + alen, true);
      let dipOff = to + 3 + alen;
      let dipBuf = b;
      let dport = dv.getUint16(to + 3 + 2 * alen, true);
      // Destination: the enter event's address when the exit's addr equals the tuple destination.
      if (xAddrOff >= 0 && eAddrOff >= 0 && b[xAddrOff] === fam) {
        const xport = dv.getUint16(xAddrOff + 1 + alen, true);
        if (xport === dport && bytesEqual(b, xAddrOff + 1, b, dipOff, alen)) {
          dipBuf = this.ent.buf;
          dipOff = eAddrOff + 1;
          dport = this.ent.dv.getUint16(eAddrOff + 1 + alen, true);
        }
      }
      let changed: boolean;
      if (v6 && !(isIpv4Mapped(b, sipOff) && isIpv4Mapped(dipBuf, dipOff))) {
        f.type = FdType.IPV6_SOCK;
        changed = setAddrs(f, ipv6Text(b, sipOff), sport, ipv6Text(dipBuf, dipOff), dport, true);
      } else {
        f.type = FdType.IPV4_SOCK;
        changed = setAddrs(f, ipv4Text(b, v6 ? sipOff + 12 : sipOff), sport, ipv4Text(dipBuf, v6 ? dipOff + 12 : dipOff), dport, true);
      }
      if (changed && f.isServer && f.l4proto === L4_UDP) swapAddrs(f);
      f.name = sockinfoText(f);
    } else {
      if (f.type !== FdType.UNIX_SOCK) return;
      let dpath = cstr(b, to + 17, to + tl);
      if (xAddrOff >= 0 && eAddrOff >= 0) {
        const xl = ev.paramLen(xa);
        if (cstr(b, xAddrOff + 1, xAddrOff + xl) === dpath) dpath = cstr(this.ent.buf, eAddrOff + 1, eAddrOff + eAddrLen);
      }
      f.unixSource = dv.getBigUint64(to + 1, true);
      f.unixDest = dv.getBigUint64(to + 9, true);
      f.name = `${f.unixSource.toString(16)}->${f.unixDest.toString(16)} ${dpath}`;
    }
    if (!f.isServer && !f.isClient) f.isClient = true;
  }

  /** fill_client_socket_info_from_addr: connect with only the enter event's address. */
  private fillFromAddr(f: FdInfo, b: Uint8Array, o: number, len: number, dv: DataView): void {
    const fam = b[o]!;
    if (fam === AF_INET) {
      f.type = FdType.IPV4_SOCK;
      f.dip = ipv4Text(b, o + 1);
      f.dport = dv.getUint16(o + 5, true);
    } else if (fam === AF_INET6) {
      const port = dv.getUint16(o + 17, true);
      if (isIpv4Mapped(b, o + 1)) {
        f.type = FdType.IPV4_SOCK;
        f.dip = ipv4Text(b, o + 13);
      } else {
        f.type = FdType.IPV6_SOCK;
        f.dip = ipv6Text(b, o + 1);
      }
      f.dport = port;
    } else {
      f.name = sockaddrText(b, o, len, dv);
    }
  }

  /** parse_accept_exit. */
  private parseAccept(t: Thread | undefined): void {
    const ev = this.ev;
    if (!t) return;
    const fd = this.res();
    if (fd < 0) return;
    t.lastEventFd = fd;
    ev.fdNum = fd;
    const ti = this.xi("tuple");
    if (ti < 0) return;
    const b = ev.buf;
    const to = ev.paramOff(ti);
    const tl = ev.paramLen(ti);
    if (!socktupleValid(b, to, tl)) return;
    const dv = ev.dv;
    const fam = b[to]!;
    const f = newFdInfo(FdType.UNKNOWN);
    if (fam === AF_INET) {
      f.type = FdType.IPV4_SOCK;
      f.sip = ipv4Text(b, to + 1);
      f.sport = dv.getUint16(to + 5, true);
      f.dip = ipv4Text(b, to + 7);
      f.dport = dv.getUint16(to + 11, true);
      f.l4proto = L4_TCP;
      f.name = tupleText(f.sip, f.sport, f.dip, f.dport);
    } else if (fam === AF_INET6) {
      const sport = dv.getUint16(to + 17, true);
      const dport = dv.getUint16(to + 35, true);
      if (isIpv4Mapped(b, to + 1) && isIpv4Mapped(b, to + 19)) {
        f.type = FdType.IPV4_SOCK;
        f.sip = ipv4Text(b, to + 13);
        f.dip = ipv4Text(b, to + 31);
      } else {
        f.type = FdType.IPV6_SOCK;
        f.sip = ipv6Text(b, to + 1);
        f.dip = ipv6Text(b, to + 19);
      }
      f.sport = sport;
      f.dport = dport;
      f.l4proto = L4_TCP;
      f.name = tupleText(f.sip, f.sport, f.dip, f.dport);
    } else if (fam === AF_UNIX) {
      f.type = FdType.UNIX_SOCK;
      f.unixSource = dv.getBigUint64(to + 1, true);
      f.unixDest = dv.getBigUint64(to + 9, true);
      f.name = `${f.unixSource.toString(16)}->${f.unixDest.toString(16)} ${cstr(b, to + 17, to + tl)}`;
    } else return;
    if (ev.info.name === "accept4") f.openFlags = this.num("flags", 0) & PPM_O.CLOEXEC;
    f.isServer = true;
    f.connected = true;
    this.addFd(t, fd, f);
  }

  /** parse_read_exit / parse_write_exit socket part: learn UDP / unnamed socket addresses from the tuple. */
  private parseNetRw(t: Thread | undefined, incoming: boolean): void {
    const ev = this.ev;
    if (!t) return;
    if (!incoming && !ev.fdInfo && this.res() >= 0) {
      // infer_send_sendto_sendmsg_fdinfo: a send on an fd we never saw → UDP socket.
      const ti = this.xi("tuple");
      const fdi = this.xi("fd");
      if (ti >= 0 && fdi >= 0) {
        const fam = ev.buf[ev.paramOff(ti)];
        if (fam === AF_INET || fam === AF_INET6) {
          const fd = readInt(ev, fdi);
          const f = makeSocket(fam, 2, 17, 0);
          this.addFd(t, fd, f);
        }
      }
    }
    const f = ev.fdInfo;
    if (!f || this.res() < 0) return;
    if (f.type === FdType.IPV4_SOCK || f.type === FdType.IPV6_SOCK) f.connected = true;
    if (incoming && f.type === FdType.UNIX_SOCK && this.queryProc) this.recvFds(t);
    if (!(f.name.length === 0 || !isTcp(f))) return;
    const ti = this.xi("tuple");
    if (ti < 0) return;
    const b = ev.buf;
    const to = ev.paramOff(ti);
    const tl = ev.paramLen(ti);
    if (!socktupleValid(b, to, tl)) return;
    const dv = ev.dv;
    const fam = b[to]!;
    let changed = false;
    if (fam === AF_INET) {
      if (f.type === FdType.IPV4_SERVSOCK) f.l4proto = f.l4proto || L4_UNKNOWN;
      f.type = FdType.IPV4_SOCK;
      changed = setAddrs(f, ipv4Text(b, to + 1), dv.getUint16(to + 5, true), ipv4Text(b, to + 7), dv.getUint16(to + 11, true), false);
    } else if (fam === AF_INET6) {
      const sport = dv.getUint16(to + 17, true);
      const dport = dv.getUint16(to + 35, true);
      if (isIpv4Mapped(b, to + 1) && isIpv4Mapped(b, to + 19)) {
        f.type = FdType.IPV4_SOCK;
        changed = setAddrs(f, ipv4Text(b, to + 13), sport, ipv4Text(b, to + 31), dport, false);
      } else {
        changed = setAddrs(f, ipv6Text(b, to + 1), sport, ipv6Text(b, to + 19), dport, false);
      }
    } else if (fam === AF_UNIX) {
      f.type = FdType.UNIX_SOCK;
      f.unixSource = dv.getBigUint64(to + 1, true);
      f.unixDest = dv.getBigUint64(to + 9, true);
      f.name = cstr(b, to + 17, to + tl);
      return;
    }
    if (!changed) return;
    if ((f.type === FdType.IPV4_SOCK || f.type === FdType.IPV6_SOCK) && f.l4proto === L4_UNKNOWN) f.l4proto = L4_UDP;
    if (f.type === FdType.IPV4_SOCK || f.type === FdType.IPV6_SOCK) {
      if (!f.isServer && !f.isClient) this.guessRole(t, f, incoming);
      if (incoming ? f.isClient : f.isServer) swapAddrs(f);
      f.name = sockinfoText(f);
    }
  }

  /**
   * process_recvmsg_ancillary_data (live mode): fds received over a unix socket with SCM_RIGHTS
   * are read from /proc and added to the receiver's table. The control buffer holds x86-64/aarch64
   * `struct cmsghdr` {size_t len; int level; int type} followed by int fds, 8-byte aligned.
   */
  private recvFds(t: Thread): void {
    const i = this.xi("msgcontrol");
    if (i < 0) return;
    const ev = this.ev;
    const o = ev.paramOff(i);
    const len = ev.paramLen(i);
    const dv = ev.dv;
    const HDR = 16;
    const SCM_RIGHTS = 1;
    let p = 0;
    while (p + HDR <= len) {
      const clen = Number(dv.getBigUint64(o + p, true));
      const type = dv.getInt32(o + p + 12, true);
      if (clen < HDR || p + clen > len) break;
      if (type === SCM_RIGHTS) {
        const dataSize = clen - HDR;
        if (dataSize % 4 !== 0 || dataSize / 4 > 253) break;
        for (let k = 0; k < dataSize; k += 4) {
          const fd = dv.getInt32(o + p + HDR + k, true);
          const fi = readProcFd(`${this.hostRoot}/proc/${t.pid}`, fd, { netCache: this.netCache });
          if (!fi) continue;
          const nf = newFdInfo(fi.type ?? FdType.UNKNOWN, fi.name ?? "");
          Object.assign(nf, fi);
          t.fds.set(fd, nf);
        }
      }
      p += (clen + 7) & ~7;
    }
  }

  /** sinsp_fdinfo::set_net_role_by_guessing. */
  private guessRole(t: Thread, f: FdInfo, incoming: boolean): void {
    if (!boundToPort(t, f.dport)) {
      f.isClient = true;
      return;
    }
    if (!usesClientPort(t, f.sport)) {
      f.isServer = true;
      return;
    }
    if (incoming) f.isServer = true;
    else f.isClient = true;
  }

  private parseUserGroup(kind: K): void {
    const ev = this.ev;
    const cid = this.str("container_id") ?? "";
    if (kind === K.USER_EVT) {
      const uid = this.num("uid", -1) >>> 0;
      if (ev.info.name === "useradded") {
        this.users.addUser({ uid, gid: this.num("gid", -1) >>> 0, name: this.str("name") ?? "<NA>", homedir: this.str("home") ?? "<NA>", shell: this.str("shell") ?? "<NA>" }, cid);
      } else this.users.removeUser(uid, cid);
    } else {
      const gid = this.num("gid", -1) >>> 0;
      if (ev.info.name === "groupadded") this.users.addGroup({ gid, name: this.str("name") ?? "<NA>" }, cid);
      else this.users.removeGroup(gid, cid);
    }
  }
}

// -------------------------------------------------------------------- helpers

/** All capabilities (sinsp_utils::get_max_caps): bits 0..40 on current kernels. */
const MAX_CAPS = (1n << 41n) - 1n;

/** Integer parameter i of `e`, signed per its PT type (FD/PID/ERRNO/INT* signed). */
function readInt(e: Event, i: number): number {
  const len = e.paramLen(i);
  const t = e.info.params[i]?.type ?? PT.UINT64;
  switch (len) {
    case 1: {
      const v = e.u8(i);
      return t === PT.INT8 ? (v << 24) >> 24 : v;
    }
    case 2: {
      const v = e.u16(i);
      return t === PT.INT16 ? (v << 16) >> 16 : v;
    }
    case 4:
      return t === PT.INT32 || t === PT.FD32 || t === PT.PID32 ? e.i32(i) : e.u32(i);
    case 8:
      return t === PT.UINT64 ? e.u64n(i) : e.i64(i);
    default:
      return 0;
  }
}

function isCloseOnExec(f: FdInfo): boolean {
  if ((f.openFlags & PPM_O.CLOEXEC) !== 0) return true;
  if (f.type === FdType.EVENTPOLL && (f.openFlags & PPM_EPOLL_CLOEXEC) !== 0) return true;
  if (f.type === FdType.MEMFD && (f.openFlags & PPM_MFD_CLOEXEC) !== 0) return true;
  return false;
}

function clearCloexec(f: FdInfo): void {
  f.openFlags &= ~(PPM_O.CLOEXEC | PPM_EPOLL_CLOEXEC | PPM_MFD_CLOEXEC);
}

/** sinsp_parser::add_socket: a new socket fd from socket(domain, type, protocol). */
function makeSocket(domain: number, type: number, proto: number, flags: number): FdInfo {
  const f = newFdInfo(FdType.UNKNOWN);
  f.openFlags = flags;
  if (domain === AF_UNIX) f.type = FdType.UNIX_SOCK;
  else if (domain === AF_INET || domain === AF_INET6) {
    f.type = domain === AF_INET ? FdType.IPV4_SOCK : FdType.IPV6_SOCK;
    const SOCK_RAW = 3;
    let l4 = L4_UNKNOWN;
    if (proto === 6) l4 = type === SOCK_RAW ? L4_RAW : L4_TCP;
    else if (proto === 17) l4 = type === SOCK_RAW ? L4_RAW : L4_UDP;
    else if (proto === 0) {
      if ((type & 0xff) === 1) l4 = L4_TCP;
      else if ((type & 0xff) === 2) l4 = L4_UDP;
    } else if (proto === 1) l4 = type === SOCK_RAW ? L4_RAW : L4_ICMP;
    else if (proto === 255) l4 = L4_RAW;
    f.l4proto = l4;
    const zero = domain === AF_INET ? "0.0.0.0" : "::";
    f.sip = zero;
    f.dip = zero;
  } else if (domain === AF_NETLINK) f.type = FdType.NETLINK;
  return f;
}

function isZeroIp(s: string): boolean {
  return s === "" || s === "0.0.0.0" || s === "::";
}

/** update_ipv4_addresses_and_ports / set_ipv6_addresses_and_ports: returns true if anything changed. */
function setAddrs(f: FdInfo, sip: string, sport: number, dip: string, dport: number, overwriteDest: boolean): boolean {
  if (
    (sip === f.sip && sport === f.sport && dip === f.dip && dport === f.dport) ||
    (dip === f.sip && dport === f.sport && sip === f.dip && sport === f.dport)
  ) return false;
  let changed = false;
  if (f.sip !== sip) {
    f.sip = sip;
    changed = true;
  }
  if (f.sport !== sport) {
    f.sport = sport;
    changed = true;
  }
  if (isZeroIp(f.dip) || (overwriteDest && f.dip !== dip)) {
    if (f.dip !== dip) changed = true;
    f.dip = dip;
  }
  if (f.dport === 0 || (overwriteDest && f.dport !== dport)) {
    if (f.dport !== dport) changed = true;
    f.dport = dport;
  }
  return changed;
}

function swapAddrs(f: FdInfo): void {
  const ip = f.sip;
  const port = f.sport;
  f.sip = f.dip;
  f.sport = f.dport;
  f.dip = ip;
  f.dport = port;
}

function isTcp(f: FdInfo): boolean {
  return (f.type === FdType.IPV4_SOCK || f.type === FdType.IPV6_SOCK || f.type === FdType.IPV4_SERVSOCK || f.type === FdType.IPV6_SERVSOCK) && f.l4proto === L4_TCP;
}

/** sinsp_utils::sockinfo_to_str for IPv4/IPv6 sockets. */
function sockinfoText(f: FdInfo): string {
  if (f.l4proto === L4_TCP || f.l4proto === L4_UDP) return tupleText(f.sip, f.sport, f.dip, f.dport);
  if (f.l4proto === L4_ICMP || f.l4proto === L4_RAW) return `${f.sip}->${f.dip}`;
  return "<unknown>";
}

/** sinsp_threadinfo::is_bound_to_port: the process has a server socket on `port`. */
function boundToPort(t: Thread, port: number): boolean {
  for (const f of t.fds.values()) {
    if ((f.type === FdType.IPV4_SERVSOCK || f.type === FdType.IPV6_SERVSOCK) && f.sport === port) return true;
  }
  return false;
}
/** sinsp_threadinfo::uses_client_port: the process has a client socket with source port `port`. */
function usesClientPort(t: Thread, port: number): boolean {
  for (const f of t.fds.values()) {
    if ((f.type === FdType.IPV4_SOCK || f.type === FdType.IPV6_SOCK) && f.isClient && f.sport === port) return true;
  }
  return false;
}

function bytesEqual(a: Uint8Array, ao: number, b: Uint8Array, bo: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/** NUL-terminated string in [s, end). */
function cstr(b: Uint8Array, s: number, end: number): string {
  let e = s;
  while (e < end && b[e] !== 0) e++;
  return decodeString(b, s, e);
}

/** sinsp_utils::is_sockaddr_valid (length check by family). */
function sockaddrValid(b: Uint8Array, o: number, len: number): boolean {
  if (len < 1) return false;
  switch (b[o]) {
    case AF_INET: return len >= 7;
    case AF_INET6: return len >= 19;
    case AF_UNIX: return len >= 1;
    default: return false;
  }
}

/** sinsp_utils::is_socktuple_valid. */
function socktupleValid(b: Uint8Array, o: number, len: number): boolean {
  if (len < 1) return false;
  switch (b[o]) {
    case AF_INET: return len >= 13;
    case AF_INET6: return len >= 37;
    case AF_UNIX: return len >= 17;
    default: return false;
  }
}

/** PT_SOCKADDR as text (sinsp_evt PF_SIMPLE): "ip:port", "ip6:port", unix path, "family N". */
function sockaddrText(b: Uint8Array, o: number, len: number, dv: DataView): string {
  switch (b[o]) {
    case AF_UNIX: return cstr(b, o + 1, o + len);
    case AF_INET: return addrPort(ipv4Text(b, o + 1), dv.getUint16(o + 5, true));
    case AF_INET6: return addrPort(ipv6Text(b, o + 1), dv.getUint16(o + 17, true));
    default: return `family ${b[o]}`;
  }
}

/**
 * The parent pid of a live process from /proc/<pid>/status ("PPid:" line, proc(5)); 0 when the
 * process is gone or the file cannot be read.
 */
function procPPid(hostRoot: string, pid: number): number {
  try {
    const m = /\nPPid:\s*(\d+)/.exec(readFileSync(`${hostRoot}/proc/${pid}/status`, "latin1"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
