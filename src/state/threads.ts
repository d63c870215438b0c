/**
 * The thread table: libsinsp's sinsp_thread_manager + sinsp_threadinfo (falcosecurity/libs
 * userspace/libsinsp/thread_manager.cpp, threadinfo.{h,cpp}), reduced to what falco-ts fields need.
 *
 * Model:
 * - one `Thread` per tid (host pid namespace), keyed in a Map;
 * - threads of one process (same pid) share one fd table (`fds`, the same Map object) and one
 *   filesystem context (cwd), as libsinsp reads both from the main thread;
 * - parent links are by number (`ptid`), resolved on demand through the table, so removal never
 *   leaves dangling pointers;
 * - a thread is removed after its procexit event has been fully processed (see StateEngine); a main
 *   thread stays (marked dead) while other threads of its group live, as libsinsp does;
 * - the table is bounded (`maxSize`, default 262144 like libsinsp's default): additions beyond it
 *   are dropped and counted.
 */
import { FdType, type FdInfo, type ThreadInfo } from "./types.ts";
import { containerIdFromCgroups } from "./container.ts";
import { socketName } from "./net.ts";

/** PPM_CL_* clone flags used by the state engine (driver/ppm_events_public.h). */
export const PPM_CL = {
  CLONE_FILES: 1 << 0,
  CLONE_FS: 1 << 1,
  CLONE_NEWPID: 1 << 6,
  CLONE_PARENT: 1 << 8,
  CLONE_THREAD: 1 << 13,
  CLONE_VM: 1 << 15,
  CLONE_INVERTED: 1 << 16,
  NAME_CHANGED: 1 << 17,
  CLOSED: 1 << 18,
  ACTIVE: 1 << 19,
  CLONE_NEWUSER: 1 << 20,
  PIPE_SRC: 1 << 21,
  PIPE_DST: 1 << 22,
  CLONE_VFORK: 1 << 27,
  CHILD_IN_PIDNS: 1 << 29,
  IS_MAIN_THREAD: 1 << 30,
} as const;

/** Shared filesystem context of a thread group (cwd lives with the main thread in libsinsp). */
interface FsContext {
  cwd: string;
}

/**
 * One thread (libsinsp sinsp_threadinfo). Implements the ThreadInfo contract; `cwd` reads and
 * writes the group's shared context. Extra members are engine bookkeeping.
 */
export class Thread implements ThreadInfo {
  tid = -1;
  pid = -1;
  ptid = -1;
  sid = -1;
  vtid = -1;
  vpid = -1;
  vpgid = -1;
  pgid = -1;
  comm = "";
  exe = "";
  exepath = "";
  args: string[] = [];
  env: string[] = [];
  root = "/";
  uid = 0xffffffff;
  gid = 0xffffffff;
  loginuid = 0xffffffff;
  tty = 0;
  fdlimit = 0;
  exeFlags = 0;
  capInheritable = 0n;
  capPermitted = 0n;
  capEffective = 0n;
  exeIno = 0;
  exeInoCtime = 0n;
  exeInoMtime = 0n;
  cloneTs = 0n;
  lastExecTs = 0n;
  pidnsInitStartTs = 0n;
  cgroups: [string, string][] = [];
  containerId = "";
  flags = 0;
  fds: Map<number, FdInfo> = new Map();
  fromScan = false;
  vmSizeKb = 0;
  vmRssKb = 0;
  vmSwapKb = 0;
  pfMajor = 0;
  pfMinor = 0;
  /** Shared cwd holder (same object for all threads of a process). */
  fs: FsContext = { cwd: "/" };
  /** True once procexit was seen (libsinsp is_dead). */
  dead = false;
  /** True while this thread is counted in its group's live-thread count (table bookkeeping). */
  counted = false;
  /** Reaper tid from procexit (-1 unknown). */
  reaperTid = -1;
  /** Number of children whose ptid is this tid, as created by clone events (0 = skip the child scan). */
  nChildren = 0;
  /** True when the process asked to be a child subreaper (prctl) or is a pid-namespace init. */
  isReaper = false;
  /** fd of the last enter event (old enter/exit pairs), -1 when unknown. */
  lastEventFd = -1;
  /** Type of the last enter event seen for this thread, -1 if none. */
  lastEventType = -1;
  /**
   * Buffer holding a copy of the last stored enter event (open/openat/execve/connect... E) for old
   * captures, in its first `lastEnterLen` bytes; reused for the thread's next enter events.
   */
  lastEnter: Uint8Array | null = null;
  /** Byte length of the stored enter event in `lastEnter`; 0 = none stored. */
  lastEnterLen = 0;
  /** DataView over `lastEnter` (kept with the buffer so reading the event allocates nothing). */
  lastEnterDv: DataView | null = null;

  /**
   * proc.cwd: the process' working directory, always ending with "/" (libsinsp get_cwd). An own,
   * enumerable accessor over the group's shared context, so `{...thread}` copies the value.
   */
  declare cwd: string;

  constructor() {
    Object.defineProperty(this, "cwd", {
      get(this: Thread): string {
        return this.fs.cwd;
      },
      set(this: Thread, v: string) {
        this.fs.cwd = v;
      },
      enumerable: true,
      configurable: true,
    });
  }
  /** True for a thread group leader (tid == pid). */
  isMain(): boolean {
    return this.tid === this.pid;
  }
  /** libsinsp is_invalid(): a placeholder created for an unknown tid (pid/ptid unknown). */
  isInvalid(): boolean {
    return this.tid < 0 || this.pid < 0 || this.ptid < 0;
  }
  /** libsinsp is_in_pid_namespace(). */
  inPidNamespace(): boolean {
    return (this.flags & PPM_CL.CHILD_IN_PIDNS) !== 0 || (this.tid !== this.vtid && this.vtid >= 0);
  }
}

/** A plain partial thread description (scap process list entry or /proc scan result). */
export type ThreadPartial = Partial<Omit<ThreadInfo, "fds">> & {
  tid: number;
  /** fds as a Map or as [fd, partial fd] pairs. */
  fds?: Map<number, Partial<FdInfo>> | Array<[number, Partial<FdInfo>]>;
};

/** Counters of the thread table (libsinsp sinsp_stats_v2 subset). */
export interface ThreadTableStats {
  added: number;
  removed: number;
  dropsFull: number;
  procLookups: number;
  procLookupFailures: number;
  fakeThreads: number;
}

/** A fresh FdInfo with defaults (type UNKNOWN, empty name, zero addresses). */
export function newFdInfo(type: FdType, name = ""): FdInfo {
  return {
    type,
    name,
    openFlags: 0,
    dev: 0,
    ino: 0,
    l4proto: 0,
    sip: "",
    sport: 0,
    dip: "",
    dport: 0,
    connected: false,
    isServer: false,
    nameChanged: false,
  };
}

/** Shallow copy of an fd (sinsp_fdinfo::clone). */
export function cloneFdInfo(f: FdInfo): FdInfo {
  return { ...f };
}

/**
 * The thread table. Not thread-safe (single JS thread). All lookups are O(1) except child
 * re-parenting on removal (O(table size), only for threads that forked).
 */
export class ThreadTable {
  readonly threads = new Map<number, Thread>();
  /** Live threads per pid (libsinsp thread_group_info thread count). */
  private readonly groupCount = new Map<number, number>();
  readonly stats: ThreadTableStats = { added: 0, removed: 0, dropsFull: 0, procLookups: 0, procLookupFailures: 0, fakeThreads: 0 };

  /** @param maxSize maximum number of threads kept (libsinsp thread_table_size). */
  constructor(public maxSize = 262144) {}

  /** Number of threads in the table. */
  get size(): number {
    return this.threads.size;
  }
  /** Thread by tid, or undefined. */
  get(tid: number): Thread | undefined {
    return this.threads.get(tid);
  }

  /**
   * Insert a thread (replacing any same-tid entry). Links it to its group: a non-main thread shares
   * the main thread's fd table and cwd if the main thread is present. Returns false (and counts a
   * drop) when the table is full.
   */
  add(t: Thread): boolean {
    const prev = this.threads.get(t.tid);
    if (!prev && this.threads.size >= this.maxSize) {
      this.stats.dropsFull++;
      return false;
    }
    if (prev) this.unlinkCount(prev);
    this.threads.set(t.tid, t);
    if (prev !== t) this.stats.added++;
    if (!t.isInvalid()) {
      if (!t.dead) {
        this.groupCount.set(t.pid, (this.groupCount.get(t.pid) ?? 0) + 1);
        t.counted = true;
      }
      if (t.tid !== t.pid) {
        const main = this.threads.get(t.pid);
        if (main && main !== t) {
          t.fds = main.fds;
          t.fs = main.fs;
        }
      } else {
        // A main thread arriving after its threads (scan order): give them its tables.
        t.flags |= PPM_CL.IS_MAIN_THREAD;
      }
      if (t.pid === 1 || t.vpid === 1) t.isReaper = true;
    }
    return true;
  }

  private unlinkCount(t: Thread): void {
    if (!t.counted) return;
    t.counted = false;
    const c = (this.groupCount.get(t.pid) ?? 1) - 1;
    if (c <= 0) this.groupCount.delete(t.pid);
    else this.groupCount.set(t.pid, c);
  }

  /** Live thread count of process `pid`. */
  threadCount(pid: number): number {
    return this.groupCount.get(pid) ?? 0;
  }

  /**
   * Make every non-main thread share the fd table and cwd of its main thread (after a bulk scan or
   * process-list load where threads may come before their leader).
   */
  linkGroups(): void {
    for (const t of this.threads.values()) {
      if (t.tid === t.pid || t.isInvalid()) continue;
      const main = this.threads.get(t.pid);
      if (!main) continue;
      if (t.fds !== main.fds) {
        for (const [fd, f] of t.fds) if (!main.fds.has(fd)) main.fds.set(fd, f);
        t.fds = main.fds;
      }
      t.fs = main.fs;
    }
  }

  /** Mark a thread dead (procexit seen) and update its group's live count. */
  markDead(t: Thread): void {
    if (t.dead) return;
    this.unlinkCount(t);
    t.dead = true;
    t.flags |= PPM_CL.CLOSED;
  }

  /**
   * Remove a thread as libsinsp remove_thread: its children are handed to a reaper (the procexit's
   * reaper tid if known, else another live thread of its group, else the nearest ancestor reaper,
   * else none: ptid 0); a main thread whose group still has live threads stays, marked dead; when
   * the group's last thread goes, the (dead) main thread goes too.
   */
  remove(tid: number): void {
    const t = this.threads.get(tid);
    if (!t) return;
    if (t.isInvalid()) {
      this.unlinkCount(t);
      this.threads.delete(tid);
      this.stats.removed++;
      return;
    }
    this.markDead(t);
    if (t.nChildren > 0) this.reparentChildren(t);
    const live = this.threadCount(t.pid);
    if (live === 0) {
      const main = this.threads.get(t.pid);
      if (main && main !== t && main.dead) {
        this.threads.delete(t.pid);
        this.stats.removed++;
      }
      if (this.threads.get(tid) === t) {
        this.threads.delete(tid);
        this.stats.removed++;
      }
      return;
    }
    if (!t.isMain()) {
      this.threads.delete(tid);
      this.stats.removed++;
    }
  }

  private reparentChildren(t: Thread): void {
    let reaper: Thread | undefined;
    if (t.reaperTid > 0) {
      reaper = this.threads.get(t.reaperTid);
      if (reaper && (reaper.isInvalid() || reaper.dead)) reaper = undefined;
    }
    if (!reaper) reaper = this.findNewReaper(t);
    const newPtid = reaper ? reaper.tid : 0;
    if (reaper) {
      t.reaperTid = reaper.tid;
      if (reaper.pid !== t.pid) reaper.isReaper = true;
    }
    let moved = 0;
    for (const c of this.threads.values()) {
      if (c.ptid === t.tid && c !== t) {
        c.ptid = newPtid;
        moved++;
      }
    }
    if (reaper) reaper.nChildren += moved;
    t.nChildren = 0;
  }

  /** libsinsp find_new_reaper: a live thread of the same group, else the nearest live reaper ancestor in the same pid namespace. */
  private findNewReaper(t: Thread): Thread | undefined {
    if (this.threadCount(t.pid) > 0) {
      for (const o of this.threads.values()) if (o.pid === t.pid && o !== t && !o.dead) return o;
    }
    const seen = new Set<number>([t.tid]);
    let p = this.threads.get(t.ptid);
    while (p) {
      if (seen.has(p.tid)) break;
      seen.add(p.tid);
      if (p.inPidNamespace() !== t.inPidNamespace()) break;
      if (p.isReaper && !p.dead) return p;
      if (p.isReaper && this.threadCount(p.pid) > 0) {
        for (const o of this.threads.values()) if (o.pid === p.pid && !o.dead) return o;
      }
      p = this.threads.get(p.ptid);
    }
    return undefined;
  }

  /** The main thread (thread group leader) of `t`, or undefined if unknown. */
  mainThread(t: Thread): Thread | undefined {
    if (t.tid === t.pid) return t;
    return this.threads.get(t.pid);
  }

  /**
   * The n-th ancestor process of `t` (libsinsp get_ancestor_process): n=0 is t's main thread, n=1
   * its parent process (proc.pname), n=2 proc.aname[2]... Returns undefined when the chain breaks.
   */
  ancestor(t: Thread, n: number): Thread | undefined {
    let mt = this.mainThread(t);
    for (let i = 0; i < n; i++) {
      if (!mt) return undefined;
      const p = this.threads.get(mt.ptid);
      if (!p) return undefined;
      mt = this.mainThread(p);
    }
    return mt;
  }

  /** proc.ppid's thread: the parent process of t (ancestor 1). */
  parent(t: Thread): Thread | undefined {
    return this.ancestor(t, 1);
  }

  /**
   * libsinsp get_oldest_matching_ancestor for `key` ("sid" → proc.sname, "vpgid" → proc.vpgid.name,
   * "pgid" → proc.pgid.name). For virtual ids (sid, vpgid) of a process in a pid namespace, or when
   * the id's thread is not in the table, walks the parent chain (starting at t's parent) while the
   * id matches and returns the oldest match. Loop-safe.
   */
  oldestMatchingAncestor(t: Thread, key: "sid" | "vpgid" | "pgid"): Thread | undefined {
    const id = t[key];
    if (id === -1) return undefined;
    const isVirtual = key !== "pgid";
    if (!isVirtual || !t.inPidNamespace()) {
      const leader = this.threads.get(id);
      if (leader) return leader;
    }
    let leader: Thread | undefined;
    let slow = this.threads.get(t.ptid);
    let fast = slow ? this.threads.get(slow.ptid) : undefined;
    while (slow && slow.tid !== -1) {
      if (slow[key] !== id) break;
      leader = slow;
      slow = this.threads.get(slow.ptid);
      for (let i = 0; i < 2; i++) {
        fast = fast ? this.threads.get(fast.ptid) : fast;
        if (slow && (slow === fast || slow.tid === slow.ptid)) return leader;
      }
    }
    return leader;
  }

  /**
   * Add (or replace) a thread from a plain partial: a scap process-list entry or a /proc scan
   * result. Missing fields take libsinsp defaults (vtid/vpid/sid/vpgid/pgid -1, loginuid and
   * uid/gid 0xFFFFFFFF... uid/gid default 0 like scap). cwd gets a trailing "/". The container id is
   * derived from cgroups when not given. Returns the thread, or undefined if the table is full.
   */
  addFromScan(p: ThreadPartial): Thread | undefined {
    const t = new Thread();
    t.tid = p.tid;
    t.pid = p.pid ?? p.tid;
    t.ptid = p.ptid ?? 0;
    t.sid = p.sid ?? -1;
    t.vtid = p.vtid ?? -1;
    t.vpid = p.vpid ?? -1;
    t.vpgid = p.vpgid ?? -1;
    t.pgid = p.pgid ?? -1;
    t.comm = p.comm ?? "";
    t.exe = p.exe ?? "";
    t.exepath = p.exepath ?? "";
    t.args = p.args ? [...p.args] : [];
    t.env = p.env ? [...p.env] : [];
    let cwd = p.cwd ?? "/";
    if (!cwd.endsWith("/")) cwd += "/";
    t.fs = { cwd };
    t.root = p.root ?? "/";
    t.uid = p.uid ?? 0;
    t.gid = p.gid ?? 0;
    t.loginuid = p.loginuid ?? 0xffffffff;
    t.tty = p.tty ?? 0;
    t.fdlimit = p.fdlimit ?? 0;
    t.exeFlags = p.exeFlags ?? 0;
    t.capInheritable = p.capInheritable ?? 0n;
    t.capPermitted = p.capPermitted ?? 0n;
    t.capEffective = p.capEffective ?? 0n;
    t.exeIno = p.exeIno ?? 0;
    t.exeInoCtime = p.exeInoCtime ?? 0n;
    t.exeInoMtime = p.exeInoMtime ?? 0n;
    t.cloneTs = p.cloneTs ?? 0n;
    t.lastExecTs = p.lastExecTs ?? 0n;
    t.pidnsInitStartTs = p.pidnsInitStartTs ?? 0n;
    t.cgroups = p.cgroups ? p.cgroups.map(([a, b]) => [a, b] as [string, string]) : [];
    t.containerId = p.containerId ?? containerIdFromCgroups(t.cgroups).id;
    t.flags = p.flags ?? (t.tid === t.pid ? 0 : PPM_CL.CLONE_THREAD | PPM_CL.CLONE_FILES);
    t.vmSizeKb = p.vmSizeKb ?? 0;
    t.vmRssKb = p.vmRssKb ?? 0;
    t.vmSwapKb = p.vmSwapKb ?? 0;
    t.pfMajor = p.pfMajor ?? 0;
    t.pfMinor = p.pfMinor ?? 0;
    t.fromScan = true;
    if (p.fds) {
      const entries = p.fds instanceof Map ? p.fds.entries() : p.fds;
      for (const [fd, f] of entries) {
        const fi = newFdInfo(f.type ?? FdType.UNKNOWN, f.name ?? "");
        Object.assign(fi, f);
        if (fi.name === "") fi.name = socketName(fi);
        t.fds.set(fd, fi);
      }
    }
    // Count a child for the parent so re-parenting on its exit finds this thread.
    const parent = this.threads.get(t.ptid);
    if (parent) parent.nChildren++;
    if (!this.add(t)) return undefined;
    // Let children already in the table be found on the new parent's exit.
    return t;
  }

  /**
   * libsinsp create_thread_dependencies, parent part: a thread (other than pid 1) whose parent is
   * not in the table, or is a placeholder, gets ptid 0 (proc.ppid 0). Returns the parent if valid.
   */
  linkParent(t: Thread): Thread | undefined {
    if (t.isInvalid() || t.pid === 1) return undefined;
    const p = this.threads.get(t.ptid);
    if (!p || p.isInvalid()) {
      t.ptid = 0;
      return undefined;
    }
    return p;
  }

  /**
   * Recount children per thread (after bulk loads where children may precede parents), setting
   * ptid 0 where the parent is unknown (`linkParent`, as libsinsp after its proc scan). Also links
   * threads to their main thread's fd table and cwd (`linkGroups`), so one call after a bulk load
   * is enough.
   */
  recountChildren(): void {
    this.linkGroups();
    for (const t of this.threads.values()) t.nChildren = 0;
    for (const t of this.threads.values()) {
      const p = this.linkParent(t);
      if (p && p !== t) p.nChildren++;
    }
  }

  /** Remove everything. */
  clear(): void {
    this.threads.clear();
    this.groupCount.clear();
  }
}
