/**
 * The "process" field class: `proc.*` and `thread.*` (libs userspace/libsinsp
 * sinsp_filtercheck_thread.cpp, libsinsp 0.25.4), read from the event's ThreadInfo and, for
 * parents/ancestors/leaders, from the thread table through FieldContext.
 *
 * Values are undefined (<NA>) when the event has no thread, as in libsinsp (except thread.tid,
 * which comes from the event header). Ancestor fields without an index (proc.aname, proc.apid, ...)
 * compare against every ancestor (BoundField.multi) and print all of them space-separated.
 */
import type { Event } from "../events/event.ts";
import { PPME } from "../events/event_table.ts";
import { PPM_EXE, capsToString } from "../events/flags.ts";
import { fdTypeString } from "../events/render.ts";
import type { ThreadInfo } from "../state/types.ts";
import type { FieldContext } from "./context.ts";
import {
  type Binder, type BindResult, type FieldClassImpl, Lineage, argsLine, cmdline, envValue, nonexistent, parseIndex, withThread,
} from "./defs.ts";
import { type Extractor, FieldError, type FieldValue } from "./registry.ts";

/** libsinsp should_extract_xid: ids outside [-1, UINT32_MAX] are not shown. */
function xid(v: number): number | undefined {
  return v >= -1 && v <= 0xffffffff ? v : undefined;
}

/** Build the process/thread implementations bound to a context. */
export function procFields(ctx: FieldContext): FieldClassImpl {
  const L = new Lineage(ctx);
  /** `get` of every ancestor process of the event's process, nearest first (libsinsp's parent walk). */
  const ancestorValues = (ev: Event, get: (t: ThreadInfo) => FieldValue): FieldValue[] | undefined => {
    const t = ev.thread;
    if (!t) return undefined;
    const mt = L.mainThread(t);
    if (!mt) return undefined;
    const out: FieldValue[] = [];
    L.visitParents(mt, (p) => {
      out.push(get(p));
      return true;
    });
    return out;
  };
  const T = withThread;

  const envOf = (t: ThreadInfo): readonly string[] => {
    if (t.tid === t.pid) return t.env;
    const mt = ctx.threads.get(t.pid);
    return mt ? mt.env : t.env;
  };
  const allEnv = (t: ThreadInfo): string => envOf(t).join(" ");

  /** Field of the parent process (ancestor 1), undefined if unknown. */
  const parent = (get: (p: ThreadInfo) => FieldValue): Extractor =>
    T((t) => {
      const p = L.ancestor(t, 1);
      return p ? get(p) : undefined;
    });

  /**
   * proc.aname-like fields: with an index, that ancestor's value (0 = the process itself); without,
   * all ancestors' values space-joined for outputs and each ancestor for comparisons.
   */
  const ancestorField = (get: (p: ThreadInfo) => string | number, text: (p: ThreadInfo) => string): Binder =>
    (arg, style, fullName) => {
      // libsinsp parses the index as a signed 32-bit number: -1 means "no index", other negative
      // values walk past the root (always <NA>).
      const n = arg === undefined ? -1 : style === "bracket" ? parseIndex(arg, fullName) : NaN;
      if (Number.isNaN(n)) throw nonexistent(fullName);
      if (n < -1) return () => undefined;
      if (n >= 0) {
        return T((t) => {
          const a = L.ancestor(t, n);
          return a ? get(a) : undefined;
        });
      }
      const values = (ev: Event): FieldValue[] | undefined => ancestorValues(ev, get);
      const r: BindResult = {
        extract: T((t) => {
          const mt = L.mainThread(t);
          if (!mt) return undefined;
          let s = "";
          L.visitParents(mt, (p) => {
            if (s !== "") s += " ";
            s += text(p);
            return true;
          });
          return s === "" ? undefined : s;
        }),
        multi: { values, neAll: false },
      };
      return r;
    };

  const leaderField = (id: (x: ThreadInfo) => number, get: (x: ThreadInfo) => string, virtualId: boolean): Binder =>
    () => T((t) => {
      const a = L.matchingAncestor(t, id, virtualId);
      return a ? get(a) : "";
    });

  const stdFd = (fdnum: number, what: "type" | "name"): Binder => () =>
    T((t) => {
      const fd = t.fds.get(fdnum);
      if (!fd) return undefined;
      return what === "type" ? fdTypeString(fd) : fd.name;
    });

  const nz = (v: bigint): bigint | undefined => (v === 0n ? undefined : v);

  const binders: Record<string, Binder> = {
    "proc.exe": () => T((t) => t.exe),
    "proc.pexe": () => parent((p) => p.exe),
    "proc.aexe": ancestorField((p) => p.exe, (p) => p.exe),
    "proc.exepath": () => T((t) => t.exepath),
    "proc.pexepath": () => parent((p) => p.exepath),
    "proc.aexepath": ancestorField((p) => p.exepath, (p) => p.exepath),
    "proc.name": () => T((t) => t.comm),
    "proc.pname": () => parent((p) => p.comm),
    "proc.aname": ancestorField((p) => p.comm, (p) => p.comm),
    "proc.args": (arg, style, fullName) => {
      if (arg === undefined) return T((t) => argsLine(t));
      if (style !== "bracket") throw nonexistent(fullName);
      const n = parseIndex(arg, fullName);
      return T((t) => (n < 0 ? argsLine(t) : n < t.args.length ? t.args[n]! : ""));
    },
    "proc.aargs": (arg, style, fullName) => {
      if (arg === undefined) {
        return T((t) => {
          const mt = L.mainThread(t);
          if (!mt) return undefined;
          let s = "";
          L.visitParents(mt, (p) => {
            if (s !== "") s += " ";
            s += argsLine(p);
            return true;
          });
          return s === "" ? undefined : s;
        });
      }
      if (style !== "bracket") throw nonexistent(fullName);
      const n = parseIndex(arg, fullName);
      return T((t) => {
        const a = L.ancestor(t, n);
        return a ? argsLine(a) : undefined;
      });
    },
    "proc.cmdline": () => T((t) => cmdline(t)),
    "proc.pcmdline": () => parent((p) => cmdline(p)),
    "proc.acmdline": ancestorField((p) => cmdline(p), (p) => cmdline(p)),
    "proc.cmdnargs": () => T((t) => t.args.length),
    "proc.cmdlenargs": () => T((t) => t.args.reduce((n, a) => n + a.length, 0)),
    "proc.exeline": () => T((t) => t.exe + " " + t.args.join(" ")),
    "proc.env": (arg, style, fullName) => {
      if (arg === undefined) return T((t) => allEnv(t));
      if (style !== "bracket") throw nonexistent(fullName);
      if (/^\d+$/.test(arg)) return T((t) => allEnv(t)); // numeric index: libsinsp ignores it for proc.env
      return T((t) => envValue(envOf(t), arg));
    },
    "proc.aenv": (arg, style, fullName) => {
      if (arg !== undefined && style !== "bracket") throw nonexistent(fullName);
      const numeric = arg !== undefined && /^\d+$/.test(arg);
      const idx = numeric ? Number(arg) : -1;
      const name = arg !== undefined && !numeric ? arg : "";
      if (name === "" && idx < 1) {
        const r: BindResult = {
          extract: T((t) => allEnv(t)),
          multi: arg === undefined ? {
            neAll: false,
            values: (ev) => ancestorValues(ev, allEnv),
          } : undefined,
        };
        return r;
      }
      return T((t) => {
        let mt = L.mainThread(t);
        if (!mt) return "";
        if (name !== "") {
          let v = "";
          for (let j = 0; j < 20; j++) {
            mt = ctx.threads.get(mt.ptid);
            if (!mt) break;
            v = envValue(envOf(mt), name);
            if (v !== "") break;
          }
          return v;
        }
        for (let j = 0; j < idx; j++) {
          mt = ctx.threads.get(mt.ptid);
          if (!mt) return undefined;
        }
        return allEnv(mt);
      });
    },
    "proc.cwd": () => T((t) => (t.cwd.endsWith("/") || t.cwd === "" ? t.cwd : t.cwd + "/")),
    "proc.loginshellid": () => T((t) => {
      const mt = L.mainThread(t);
      if (!mt) return undefined;
      let res: number | undefined;
      const check = (p: ThreadInfo): boolean => {
        const c = p.comm;
        if (c.length >= 2 && c.endsWith("sh")) res = p.pid;
        return true;
      };
      check(mt);
      L.visitParents(mt, check);
      return res;
    }),
    "proc.tty": () => T((t) => t.tty >>> 0),
    "proc.pid": () => T((t) => xid(t.pid)),
    "proc.ppid": () => parent((p) => xid(p.pid)),
    // Without an index libsinsp prints the process' own pid (get_ancestor_process(0)) but compares
    // against every ancestor (compare_full_apid).
    "proc.apid": (arg, style, fullName) => {
      const r = ancestorField((p) => xid(p.pid) ?? -2, (p) => String(p.pid))(arg, style, fullName);
      if (typeof r === "function" || !r.multi) return r;
      return { ...r, extract: T((t) => { const a = L.ancestor(t, 0); return a ? xid(a.pid) : undefined; }) };
    },
    "proc.vpid": () => T((t) => (t.vpid === -1 ? undefined : t.vpid)),
    "proc.pvpid": () => T((t) => ctx.threads.get(t.ptid)?.vpid),
    "proc.sid": () => T((t) => t.sid),
    "proc.sname": leaderField((x) => x.sid, (x) => x.comm, true),
    "proc.sid.exe": leaderField((x) => x.sid, (x) => x.exe, true),
    "proc.sid.exepath": leaderField((x) => x.sid, (x) => x.exepath, true),
    "proc.vpgid": () => T((t) => t.vpgid),
    "proc.vpgid.name": leaderField((x) => x.vpgid, (x) => x.comm, true),
    "proc.vpgid.exe": leaderField((x) => x.vpgid, (x) => x.exe, true),
    "proc.vpgid.exepath": leaderField((x) => x.vpgid, (x) => x.exepath, true),
    "proc.pgid": () => T((t) => t.pgid),
    "proc.pgid.name": leaderField((x) => x.pgid, (x) => x.comm, false),
    "proc.pgid.exe": leaderField((x) => x.pgid, (x) => x.exe, false),
    "proc.pgid.exepath": leaderField((x) => x.pgid, (x) => x.exepath, false),
    "proc.duration": () => T((t, ev) => (t.cloneTs !== 0n ? ev.tsBig() - t.cloneTs : undefined)),
    "proc.pid.ts": () => T((t) => nz(t.cloneTs)),
    "proc.ppid.ts": () => T((t) => ctx.threads.get(t.ptid)?.cloneTs),
    "proc.is_exe_writable": () => T((t) => (t.exeFlags & PPM_EXE.WRITABLE) !== 0),
    "proc.is_exe_upper_layer": () => T((t) => (t.exeFlags & PPM_EXE.UPPER_LAYER) !== 0),
    "proc.is_exe_lower_layer": () => T((t) => (t.exeFlags & PPM_EXE.LOWER_LAYER) !== 0),
    "proc.is_exe_from_memfd": () => T((t) => (t.exeFlags & PPM_EXE.FROM_MEMFD) !== 0),
    "proc.is_sid_leader": () => T((t) => t.sid === t.vpid),
    "proc.is_vpgid_leader": () => T((t) => t.vpgid === t.vpid),
    "proc.is_pgid_leader": () => T((t) => t.pgid === t.pid),
    "proc.exe_ino": () => T((t) => (t.exeIno === 0 ? undefined : t.exeIno)),
    "proc.exe_ino.ctime": () => T((t) => nz(t.exeInoCtime)),
    "proc.exe_ino.mtime": () => T((t) => nz(t.exeInoMtime)),
    "proc.exe_ino.ctime_duration_proc_start": () => T((t) => {
      if (t.cloneTs === 0n || t.exeInoCtime === 0n) return undefined;
      return nz(BigInt.asUintN(64, t.cloneTs - t.exeInoCtime));
    }),
    "proc.exe_ino.ctime_duration_pidns_start": () => T((t) => {
      if (t.pidnsInitStartTs === 0n || t.exeInoCtime <= t.pidnsInitStartTs) return undefined;
      return t.exeInoCtime - t.pidnsInitStartTs;
    }),
    "proc.pidns_init_start_ts": () => T((t) => nz(t.pidnsInitStartTs)),
    "thread.cap_permitted": () => T((t) => capsToString(t.capPermitted)),
    "thread.cap_inheritable": () => T((t) => capsToString(t.capInheritable)),
    "thread.cap_effective": () => T((t) => capsToString(t.capEffective)),
    "proc.fdopencount": () => T((t) => t.fds.size),
    "proc.fdlimit": () => T((t) => t.fdlimit),
    "proc.fdusage": () => T((t) => (t.fdlimit > 0 ? Math.min(100, (t.fds.size * 100) / t.fdlimit) : 0)),
    "proc.vmsize": () => T((t) => num(t, "vmsizeKb")),
    "proc.vmrss": () => T((t) => num(t, "vmrssKb")),
    "proc.vmswap": () => T((t) => num(t, "vmswapKb")),
    "thread.pfmajor": () => T((t) => num(t, "pfmajor")),
    "thread.pfminor": () => T((t) => num(t, "pfminor")),
    "thread.tid": () => (ev) => xid(ev.tid),
    "thread.ismain": () => T((t) => t.tid === t.pid),
    "thread.vtid": () => T((t) => (t.vtid === -1 ? undefined : t.vtid)),
    "thread.nametid": () => T((t, ev) => t.comm + String(ev.tid)),
    "thread.exectime": () => () => 0n,
    "thread.totexectime": () => () => 0n,
    "thread.cgroups": () => T((t) => (t.cgroups.length === 0 ? undefined : t.cgroups.map(([s, p]) => `${s}=${p}`).join(" "))),
    "thread.cgroup": (arg, style, fullName) => {
      if (arg === undefined || style !== "dot") throw new FieldError(`filter syntax error: ${fullName}`);
      if (!/^[A-Za-z_]+$/.test(arg)) throw nonexistent(fullName);
      return T((t) => {
        for (const [s, p] of t.cgroups) if (s === arg) return p;
        return undefined;
      });
    },
    "proc.nthreads": () => T((t) => threadCount(t)),
    "proc.nchilds": () => T((t) => {
      const n = threadCount(t);
      const mt = L.mainThread(t);
      return mt ? Math.max(0, n - 1) : n;
    }),
    "thread.cpu": () => (ev) => (ev.type === PPME.PROCINFO_E && ev.thread ? 0 : undefined),
    "thread.cpu.user": () => (ev) => (ev.type === PPME.PROCINFO_E && ev.thread ? 0 : undefined),
    "thread.cpu.system": () => (ev) => (ev.type === PPME.PROCINFO_E && ev.thread ? 0 : undefined),
    "thread.vmsize": () => T((t) => (t.tid === t.pid ? num(t, "vmsizeKb") : 0)),
    "thread.vmrss": () => T((t) => (t.tid === t.pid ? num(t, "vmrssKb") : 0)),
    "thread.vmsize.b": () => T((t) => (t.tid === t.pid ? num(t, "vmsizeKb") * 1024 : 0)),
    "thread.vmrss.b": () => T((t) => (t.tid === t.pid ? num(t, "vmrssKb") * 1024 : 0)),
    "proc.stdin.type": stdFd(0, "type"),
    "proc.stdout.type": stdFd(1, "type"),
    "proc.stderr.type": stdFd(2, "type"),
    "proc.stdin.name": stdFd(0, "name"),
    "proc.stdout.name": stdFd(1, "name"),
    "proc.stderr.name": stdFd(2, "name"),
    // container plugin: deprecated, the plugin extracts nothing (so <NA>).
    "proc.is_container_healthcheck": () => () => undefined,
    "proc.is_container_liveness_probe": () => () => undefined,
    "proc.is_container_readiness_probe": () => () => undefined,
  };

  function threadCount(t: ThreadInfo): number {
    if (ctx.threads.threadCount) return ctx.threads.threadCount(t.pid);
    return L.mainThread(t) ? 1 : 0;
  }

  // proc.ppid.duration: the parent's age at this event (libsinsp falls through to fdopencount when
  // the parent has no clone ts; we return <NA> there).
  binders["proc.ppid.duration"] = () => T((t, ev) => {
    const p = L.ancestor(t, 1);
    if (!p || p.cloneTs === 0n) return undefined;
    return ev.tsBig() - p.cloneTs;
  });

  return { binders, dotFamilies: ["thread.cgroup"] };
}

/** Optional numeric members some state engines add (vmsize, page faults); 0 when absent, as libsinsp. */
function num(t: ThreadInfo, key: string): number {
  const v = (t as unknown as Record<string, unknown>)[key];
  return typeof v === "number" ? v : 0;
}
