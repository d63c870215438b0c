/**
 * `evt.*` fields: the generic ones every event has (libs userspace/libsinsp
 * sinsp_filtercheck_gen_event.cpp: evt.num, evt.time*, evt.rawtime*, evt.hostname, ...) and the
 * syscall ones (sinsp_filtercheck_event.cpp: evt.type, evt.dir, evt.arg.*, evt.rawarg.*,
 * evt.args, evt.res, evt.failed, evt.is_open_*, ...), with libsinsp 0.25.4 semantics.
 *
 * Our addition: on `mount` exit events, `evt.arg.source` and `evt.arg.target` are aliases of the
 * `dev` and `dir` parameters (mount has no parameters of those names; libsinsp would give <NA>).
 */
import type { Event } from "../events/event.ts";
import { EF, EVENT_TABLE, PPM_EVENT_MAX, PPME, PT } from "../events/event_table.ts";
import { PPM_AT_FDCWD, PPM_O, PPM_SC_NAMES, PPM_S_IXANY } from "../events/flags.ts";
import {
  type RenderContext, bytesToDots, hasReturnValue, paramText, rawParam, renderArgs, renderParam, returnValue,
} from "../events/render.ts";
import { concatenatePaths } from "../state/paths.ts";
import { FdType, type FdInfo } from "../state/types.ts";
import type { FieldContext } from "./context.ts";
import { type Binder, type FieldClassImpl, nonexistent, parseIndex } from "./defs.ts";
import { type Extractor, FieldError, type FieldType } from "./registry.ts";

const NS = 1_000_000_000n;

function p2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** sinsp_utils::ts_to_string in UTC: "[YYYY-MM-DD ]HH:MM:SS[.nnnnnnnnn]". */
export function tsToString(ts: bigint, date: boolean, ns: boolean): string {
  const sec = ts / NS;
  const s = Number(sec % 86400n);
  let out = "";
  if (date) {
    const d = new Date(Number(sec - BigInt(s)) * 1000);
    out = `${d.getUTCFullYear().toString().padStart(4, "0")}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} `;
  }
  out += `${p2(Math.floor(s / 3600))}:${p2(Math.floor((s % 3600) / 60))}:${p2(s % 60)}`;
  if (ns) out += "." + (ts % NS).toString().padStart(9, "0");
  return out;
}

let isoSec = -1n;
let isoPrefix = "";
/** sinsp_utils::ts_to_iso_8601: "YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000" (UTC). */
export function tsToIso8601(ts: bigint): string {
  const sec = ts / NS;
  if (sec !== isoSec) {
    const d = new Date(Number(sec) * 1000);
    isoPrefix = `${d.getUTCFullYear().toString().padStart(4, "0")}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.`;
    isoSec = sec;
  }
  return `${isoPrefix}${(ts % NS).toString().padStart(9, "0")}+0000`;
}

// ppm_event_category low bits (driver/ppm_events_public.h).
const EC = {
  UNKNOWN: 0, OTHER: 1, FILE: 2, NET: 3, IPC: 4, MEMORY: 5, PROCESS: 6, SLEEP: 7, SYSTEM: 8,
  SIGNAL: 9, USER: 10, TIME: 11, PROCESSING: 12, IO_BASE: 32, IO_READ: 32, IO_WRITE: 33, IO_OTHER: 34,
  WAIT: 64, SCHEDULER: 128, INTERNAL: 256, SYSCALL: 512, TRACEPOINT: 1024, PLUGIN: 2048, METAEVENT: 4096,
} as const;

const CATEGORY_CACHE = new Int32Array(PPM_EVENT_MAX).fill(-1);

/** The numeric ppm_event_category of an event code (from the table's "EC_A | EC_B" text). */
export function categoryOf(code: number): number {
  let c = CATEGORY_CACHE[code]!;
  if (c >= 0) return c;
  c = 0;
  const info = EVENT_TABLE[code];
  if (info) {
    for (const part of info.category.split("|")) {
      const k = part.trim().replace(/^EC_/, "") as keyof typeof EC;
      if (k in EC) c |= EC[k];
    }
  }
  CATEGORY_CACHE[code] = c;
  return c;
}

/** sinsp_evt::get_category(): the syscall-category bits (below EC_SYSCALL). */
function lowCategory(ev: Event): number {
  return categoryOf(ev.type) & (EC.SYSCALL - 1);
}

function isSyscallEvent(ev: Event): boolean {
  return (categoryOf(ev.type) & EC.SYSCALL) !== 0;
}

function isMetaEvent(ev: Event): boolean {
  return (categoryOf(ev.type) & EC.METAEVENT) !== 0;
}

/** evt.category text (sinsp_filter_check_event TYPE_CATEGORY), with the I/O subcategory from the fd type. */
function categoryText(ev: Event): string {
  const c = lowCategory(ev);
  switch (c) {
    case EC.UNKNOWN: return "unknown";
    case EC.OTHER: return "other";
    case EC.FILE: return "file";
    case EC.NET: return "net";
    case EC.IPC: return "IPC";
    case EC.MEMORY: return "memory";
    case EC.PROCESS: return "process";
    case EC.SLEEP: return "sleep";
    case EC.SYSTEM: return "system";
    case EC.SIGNAL: return "signal";
    case EC.USER: return "user";
    case EC.TIME: return "time";
    case EC.PROCESSING: return "processing";
    case EC.IO_READ: case EC.IO_WRITE: case EC.IO_OTHER: {
      const fd = ev.fdInfo;
      if (!fd) return "unknown";
      switch (fd.type) {
        case FdType.FILE: case FdType.FILE_V2: case FdType.DIRECTORY: return "file";
        case FdType.IPV4_SOCK: case FdType.IPV6_SOCK: case FdType.IPV4_SERVSOCK: case FdType.IPV6_SERVSOCK: return "net";
        case FdType.FIFO: case FdType.UNIX_SOCK: case FdType.EVENT: case FdType.SIGNALFD: case FdType.INOTIFY: case FdType.USERFAULTFD:
          return "ipc";
        default: return "unknown";
      }
    }
    case EC.WAIT: return "wait";
    case EC.SCHEDULER: return "scheduler";
    case EC.INTERNAL: return "internal";
    default: return "unknown";
  }
}

/** evt.type text: the event name; for generic events the ppm_sc syscall name; for async events their name. */
function typeName(ev: Event): string {
  if (ev.type === PPME.GENERIC_E || ev.type === PPME.GENERIC_X) {
    const sc = ev.nparams > 0 && ev.paramLen(0) >= 2 ? ev.u16(0) : 0;
    return PPM_SC_NAMES[sc] || "unknown";
  }
  if (ev.type === PPME.ASYNCEVENT_E) return ev.str(1) ?? "";
  return ev.info.name;
}

/** The fd of the event as libsinsp's evt->get_fd_info(): the one the state engine attached. */
function evtFd(ev: Event): FdInfo | null {
  return ev.fdInfo;
}

/** Parameter index by name in this event, honouring our mount aliases; -1 if absent. */
function argIndex(ev: Event, name: string): number {
  let i = ev.paramIndex(name);
  if (i < 0 && (ev.type === PPME.SYSCALL_MOUNT_X)) {
    if (name === "source") i = ev.paramIndex("dev");
    else if (name === "target") i = ev.paramIndex("dir");
  }
  return i < ev.nparams ? i : -1;
}

/** All parameter names of the event table, for sinsp_utils::find_longest_matching_evt_param. */
interface ParamName {
  name: string;
  type: number;
  fmt: string;
}
let PARAM_NAMES: ParamName[] | undefined;
function longestParam(s: string): ParamName | undefined {
  if (!PARAM_NAMES) {
    const seen = new Map<string, ParamName>();
    for (const e of EVENT_TABLE) for (const p of e.params) if (!seen.has(p.name)) seen.set(p.name, { name: p.name, type: p.type, fmt: p.fmt });
    PARAM_NAMES = [...seen.values()];
  }
  let best: ParamName | undefined;
  for (const p of PARAM_NAMES) {
    if (p.name.length > s.length || (best && p.name.length <= best.name.length)) continue;
    if (s.startsWith(p.name)) best = p;
  }
  return best;
}

/** FieldType of an event parameter's PT_* type (evt.rawarg.X type). */
export function ptToFieldType(pt: number): FieldType {
  switch (pt) {
    case PT.INT8: return "INT8";
    case PT.INT16: return "INT16";
    case PT.INT32: return "INT32";
    case PT.INT64: case PT.FD: case PT.PID: case PT.FD32: case PT.PID32: return "INT64";
    case PT.ERRNO: return "ERRNO";
    case PT.UINT8: case PT.FLAGS8: case PT.ENUMFLAGS8: case PT.SIGTYPE: return "UINT8";
    case PT.UINT16: case PT.FLAGS16: case PT.ENUMFLAGS16: case PT.SYSCALLID: return "UINT16";
    case PT.UINT32: case PT.FLAGS32: case PT.ENUMFLAGS32: case PT.SIGSET: return "UINT32";
    case PT.UID: return "UID";
    case PT.GID: return "GID";
    case PT.MODE: return "MODE";
    case PT.UINT64: return "UINT64";
    case PT.RELTIME: return "RELTIME";
    case PT.ABSTIME: return "ABSTIME";
    case PT.CHARBUF: return "CHARBUF";
    case PT.FSPATH: return "FSPATH";
    case PT.FSRELPATH: return "FSRELPATH";
    case PT.PORT: return "PORT";
    case PT.L4PROTO: return "L4PROTO";
    case PT.SOCKFAMILY: return "SOCKFAMILY";
    case PT.BOOL: return "BOOL";
    case PT.DOUBLE: return "DOUBLE";
    case PT.IPV4ADDR: return "IPV4ADDR";
    case PT.IPV6ADDR: return "IPV6ADDR";
    case PT.DYN: return "DYN";
    default: return "BYTEBUF";
  }
}

/** Build the evt.* implementations bound to a context. */
export function evtFields(ctx: FieldContext): FieldClassImpl {
  const rctx: RenderContext = ctx;
  const ts = (ev: Event): bigint => ev.tsBig();
  const tsJson: Extractor = ts;
  const first = (): bigint => (ctx.firstEventTs ? ctx.firstEventTs() : 0n);

  const errorCount = (ev: Event): boolean | undefined => {
    const r = returnValue(ev);
    return r === undefined ? undefined : r < 0;
  };
  const errorCountNum = (ev: Event): number | undefined => {
    const r = returnValue(ev);
    return r === undefined ? undefined : r < 0 ? 1 : 0;
  };
  const buflen = (ev: Event): number | undefined => {
    if (ev.dir !== "<") return undefined;
    const r = returnValue(ev);
    return r !== undefined && r >= 0 ? r : undefined;
  };
  const isFile = (fd: FdInfo): boolean => fd.type === FdType.FILE || fd.type === FdType.FILE_V2;
  const isNet = (fd: FdInfo): boolean => fd.type >= FdType.IPV4_SOCK && fd.type <= FdType.IPV6_SERVSOCK;
  const ioBuflen = (cat: "any" | "in" | "out", kind: "all" | "file" | "net"): Extractor => (ev) => {
    const fd = evtFd(ev);
    if (!fd) return undefined;
    const c = lowCategory(ev);
    if (cat === "any" ? (c & EC.IO_BASE) === 0 : c !== (cat === "in" ? EC.IO_READ : EC.IO_WRITE)) return undefined;
    if (kind === "file" && !isFile(fd)) return undefined;
    if (kind === "net" && !isNet(fd)) return undefined;
    return buflen(ev);
  };

  const isOpen = (which: "read" | "write" | "exec" | "create"): Extractor => (ev) => {
    const t = ev.type;
    const isNew = t === PPME.SYSCALL_OPENAT_2_X || t === PPME.SYSCALL_OPENAT2_X;
    if (t === PPME.SYSCALL_OPEN_X || isNew || t === PPME.SYSCALL_OPEN_BY_HANDLE_AT_X) {
      const fi = isNew ? 3 : 2;
      const flags = fi < ev.nparams && ev.paramLen(fi) >= 4 ? ev.u32(fi) : 0;
      switch (which) {
        case "read": return (flags & PPM_O.RDONLY) !== 0;
        case "write": return (flags & PPM_O.WRONLY) !== 0;
        case "create": {
          if (flags & PPM_O.F_CREATED) return true;
          if (flags & PPM_O.TMPFILE) {
            const r = returnValue(ev);
            if (r !== undefined && r >= 0) return true;
          }
          return false;
        }
        case "exec": {
          if ((flags & (PPM_O.TMPFILE | PPM_O.CREAT)) !== 0 && t !== PPME.SYSCALL_OPEN_BY_HANDLE_AT_X) {
            const mi = isNew ? 4 : 3;
            if (mi < ev.nparams && ev.paramLen(mi) >= 4) return (ev.u32(mi) & PPM_S_IXANY) !== 0;
          }
          return false;
        }
      }
    } else if (which === "exec" && t === PPME.SYSCALL_CREAT_X) {
      return ev.nparams > 2 && ev.paramLen(2) >= 4 ? (ev.u32(2) & PPM_S_IXANY) !== 0 : false;
    }
    return false;
  };

  const abspath = (argid: 0 | 1 | 2): Extractor => (ev) => {
    const t = ev.thread;
    if (!t) return undefined;
    const et = ev.type;
    let dirfdArg: string | undefined;
    let pathArg: string | undefined;
    if (et === PPME.SYSCALL_RENAMEAT_X || et === PPME.SYSCALL_RENAMEAT2_X) {
      [dirfdArg, pathArg] = argid === 2 ? ["newdirfd", "newpath"] : ["olddirfd", "oldpath"];
    } else if (et === PPME.SYSCALL_SYMLINKAT_X) {
      [dirfdArg, pathArg] = ["linkdirfd", "linkpath"];
    } else if (et === PPME.SYSCALL_OPENAT_2_X || et === PPME.SYSCALL_OPENAT2_X) {
      [dirfdArg, pathArg] = ["dirfd", "name"];
    } else if (et === PPME.SYSCALL_OPEN_BY_HANDLE_AT_X) {
      const r = returnValue(ev);
      if (r !== undefined && r > 0) return concatenatePaths("", ev.str(3) ?? "");
      return undefined;
    } else if (et === PPME.SYSCALL_LINKAT_2_X) {
      [dirfdArg, pathArg] = argid === 2 ? ["newdir", "newpath"] : ["olddir", "oldpath"];
    } else if (et === PPME.SYSCALL_UNLINKAT_2_X) {
      [dirfdArg, pathArg] = ["dirfd", "name"];
    } else if (et === PPME.SYSCALL_MKDIRAT_X) {
      [dirfdArg, pathArg] = ["dirfd", "path"];
    } else if (et === PPME.SYSCALL_FCHMODAT_X) {
      [dirfdArg, pathArg] = ["dirfd", "filename"];
    } else if (et === PPME.SYSCALL_FCHOWNAT_X) {
      [dirfdArg, pathArg] = ["dirfd", "pathname"];
    }
    if (!dirfdArg || !pathArg) return undefined;
    const di = argIndex(ev, dirfdArg);
    const pi = argIndex(ev, pathArg);
    if (di < 0 || pi < 0 || ev.paramLen(di) === 0 || ev.paramLen(pi) === 0) return undefined;
    const dirfd = ev.int(di);
    const path = ev.str(pi) ?? "";
    let sdir: string;
    if (path.charCodeAt(0) === 47) sdir = ".";
    else if (dirfd === PPM_AT_FDCWD) sdir = t.cwd.endsWith("/") ? t.cwd : t.cwd + "/";
    else {
      const fd = t.fds.get(dirfd);
      sdir = !fd ? "<UNKNOWN>/" : fd.name.endsWith("/") ? fd.name : fd.name + "/";
    }
    return concatenatePaths(sdir, path);
  };

  // evt.deltatime*: per bound check, delta to the previous event this check saw (first: 0).
  const delta = (kind: "ns" | "s" | "frac"): Binder => () => {
    let prev = 0n;
    return (ev) => {
      const now = ev.tsBig();
      let d = 0n;
      if (prev !== 0n) {
        const dd = now - prev;
        d = kind === "ns" ? dd : kind === "s" ? dd / NS : dd % NS;
      }
      prev = now;
      return d;
    };
  };

  const argBinder: Binder = (arg, style, fullName) => {
    if (arg === undefined) throw new FieldError(`filter syntax error: ${fullName}`);
    if (style === "bracket") {
      const idx = parseIndex(arg, fullName);
      return (ev) => renderParam(ev, idx, rctx);
    }
    const p = longestParam(arg);
    const alias = arg === "source" || arg === "target";
    if (!p && !alias) throw new FieldError(`unknown event argument ${arg}`);
    if (p && p.name !== arg && !alias) throw nonexistent(fullName);
    return (ev) => {
      const i = argIndex(ev, arg);
      return i < 0 ? undefined : renderParam(ev, i, rctx);
    };
  };

  const rawargBinder: Binder = (arg, style, fullName) => {
    if (arg === undefined) throw new FieldError(`filter syntax error: ${fullName}`);
    if (style === "bracket") throw new FieldError("evt.arg fields must be expressed explicitly");
    const p = longestParam(arg);
    const alias = arg === "source" || arg === "target";
    if (!p && !alias) throw new FieldError(`unknown event argument ${arg}`);
    if (p && p.name !== arg && !alias) throw nonexistent(fullName);
    const type = p ? ptToFieldType(p.type) : "CHARBUF";
    return {
      type,
      print: p ? p.fmt.replace(/^PF_/, "") : "NA",
      extract: (ev) => {
        const i = argIndex(ev, arg);
        if (i < 0) return undefined;
        const v = rawParam(ev, i);
        return v;
      },
    };
  };

  const typeIsBinder: Binder = (arg, style, fullName) => {
    if (arg === undefined || style !== "dot") throw new FieldError(`filter syntax error: ${fullName}`);
    let id1 = -1;
    let id2 = -1;
    if (/^\d+$/.test(arg)) id1 = Number(arg);
    else {
      for (let j = 0; j < PPM_EVENT_MAX; j++) {
        if (EVENT_TABLE[j]!.name === arg) {
          id1 = j;
          id2 = j + 1;
          break;
        }
      }
      if (id1 < 0) throw nonexistent(fullName);
    }
    return (ev) => (ev.type === id1 || ev.type === id2 ? 1 : 0);
  };

  const binders: Record<string, Binder> = {
    // --- sinsp_filtercheck_gen_event.cpp ---
    "evt.num": () => (ev) => ev.num,
    "evt.time": () => ({ extract: (ev) => tsToString(ts(ev), false, true), json: tsJson }),
    "evt.time.s": () => ({ extract: (ev) => tsToString(ts(ev), false, false), json: tsJson }),
    "evt.time.iso8601": () => ({ extract: (ev) => tsToIso8601(ts(ev)), json: tsJson }),
    "evt.datetime": () => ({ extract: (ev) => tsToString(ts(ev), true, true), json: tsJson }),
    "evt.datetime.s": () => ({ extract: (ev) => tsToString(ts(ev), true, false), json: tsJson }),
    "evt.rawtime": () => (ev) => ts(ev),
    "evt.rawtime.s": () => (ev) => ts(ev) / NS,
    "evt.rawtime.ns": () => (ev) => ts(ev) % NS,
    "evt.reltime": () => (ev) => ts(ev) - first(),
    "evt.reltime.s": () => (ev) => (ts(ev) - first()) / NS,
    "evt.reltime.ns": () => (ev) => (ts(ev) - first()) % NS,
    "evt.pluginname": () => () => undefined,
    "evt.plugininfo": () => () => undefined,
    "evt.source": () => () => ctx.eventSource ?? "syscall",
    "evt.is_async": () => (ev) => isMetaEvent(ev),
    "evt.asynctype": () => (ev) => {
      if (!isMetaEvent(ev)) return undefined;
      return ev.type === PPME.ASYNCEVENT_E ? (ev.str(1) ?? "") : ev.info.name;
    },
    "evt.hostname": () => () => ctx.hostname(),
    // --- sinsp_filtercheck_event.cpp ---
    "evt.latency": () => () => 0n,
    "evt.latency.s": () => () => 0n,
    "evt.latency.ns": () => () => 0n,
    "evt.latency.quantized": () => () => 0n,
    "evt.latency.human": () => () => "0ns",
    "evt.wait_latency": () => () => 0n,
    "evt.deltatime": delta("ns"),
    "evt.deltatime.s": delta("s"),
    "evt.deltatime.ns": delta("frac"),
    "evt.outputtime": () => ({ extract: (ev) => tsToString(ts(ev), false, true), json: tsJson }),
    "evt.dir": () => (ev) => ev.dir,
    "evt.type": () => (ev) => typeName(ev),
    "evt.type.is": typeIsBinder,
    "syscall.type": () => (ev) => (isSyscallEvent(ev) ? typeName(ev) : undefined),
    "evt.category": () => (ev) => categoryText(ev),
    "evt.cpu": () => (ev) => ev.cpu,
    "evt.args": () => (ev) => renderArgs(ev, rctx),
    "evt.info": () => (ev) => renderArgs(ev, rctx),
    "evt.arg": argBinder,
    "evt.rawarg": rawargBinder,
    "evt.buffer": () => (ev) => {
      const i = ev.paramIndex("data");
      if (i < 0 || i >= ev.nparams) return undefined;
      return ev.bytes(i).slice();
    },
    "evt.buflen": () => ioBuflen("any", "all"),
    "evt.res": () => (ev) => {
      const r = returnValue(ev);
      if (r === undefined) return undefined;
      if (r >= 0) return "SUCCESS";
      const p = paramText(ev, 0, rctx);
      return p ? (p.resolved !== "" ? p.resolved : p.plain) : undefined;
    },
    "evt.rawres": () => (ev) => returnValue(ev),
    "evt.failed": () => errorCount,
    "evt.is_io": () => (ev) => (ev.info.flags & (EF.READS_FROM_FD | EF.WRITES_TO_FD)) !== 0,
    "evt.is_io_read": () => (ev) => (ev.info.flags & EF.READS_FROM_FD) !== 0,
    "evt.is_io_write": () => (ev) => (ev.info.flags & EF.WRITES_TO_FD) !== 0,
    "evt.io_dir": () => (ev) =>
      ev.info.flags & EF.WRITES_TO_FD ? "write" : ev.info.flags & EF.READS_FROM_FD ? "read" : undefined,
    "evt.is_wait": () => (ev) => (ev.info.flags & EF.WAITS) !== 0,
    "evt.is_syslog": () => (ev) => {
      if (!(ev.info.flags & EF.WRITES_TO_FD)) return false;
      const fd = evtFd(ev);
      return fd !== null && fd.name.includes("/dev/log");
    },
    "evt.count": () => () => 1,
    "evt.count.error": () => errorCountNum,
    "evt.count.error.file": () => (ev) => {
      const fd = evtFd(ev);
      if (fd) return fd.type === FdType.FILE || fd.type === FdType.FILE_V2 || fd.type === FdType.DIRECTORY ? errorCountNum(ev) : undefined;
      const t = ev.type;
      return t === PPME.SYSCALL_OPEN_X || t === PPME.SYSCALL_CREAT_X || t === PPME.SYSCALL_OPENAT_2_X ||
        t === PPME.SYSCALL_OPENAT2_X || t === PPME.SYSCALL_OPEN_BY_HANDLE_AT_X ? errorCountNum(ev) : undefined;
    },
    "evt.count.error.net": () => (ev) => {
      const fd = evtFd(ev);
      if (fd) return isNet(fd) || fd.type === FdType.UNIX_SOCK ? errorCountNum(ev) : undefined;
      const t = ev.type;
      return t === PPME.SOCKET_ACCEPT_5_X || t === PPME.SOCKET_ACCEPT4_6_X || t === PPME.SOCKET_CONNECT_X ? errorCountNum(ev) : undefined;
    },
    "evt.count.error.memory": () => (ev) => (lowCategory(ev) === EC.MEMORY ? errorCountNum(ev) : undefined),
    "evt.count.error.other": () => (ev) => {
      const fd = evtFd(ev);
      if (fd) {
        const known = isFile(fd) || fd.type === FdType.DIRECTORY || isNet(fd) || fd.type === FdType.UNIX_SOCK;
        return known ? undefined : errorCountNum(ev);
      }
      const t = ev.type;
      const known = t === PPME.SYSCALL_OPEN_X || t === PPME.SYSCALL_CREAT_X || t === PPME.SYSCALL_OPENAT_2_X ||
        t === PPME.SYSCALL_OPENAT2_X || t === PPME.SYSCALL_OPEN_BY_HANDLE_AT_X || t === PPME.SOCKET_ACCEPT_5_X ||
        t === PPME.SOCKET_ACCEPT4_6_X || t === PPME.SOCKET_CONNECT_X || lowCategory(ev) === EC.MEMORY;
      return known ? undefined : errorCountNum(ev);
    },
    "evt.count.exit": () => (ev) => (ev.dir === "<" ? 1 : undefined),
    "evt.count.procinfo": () => (ev) => (ev.type === PPME.PROCINFO_E && ev.thread && ev.thread.tid === ev.thread.pid ? 1 : 0),
    "evt.count.threadinfo": () => (ev) => (ev.type === PPME.PROCINFO_E ? 1 : 0),
    // evt.abspath, evt.abspath.src, evt.abspath.dst (libsinsp matches these three names exactly).
    "evt.abspath": (arg, style, fullName) => {
      if (arg === undefined) return abspath(0);
      if (style === "dot" && arg === "src") return abspath(1);
      if (style === "dot" && arg === "dst") return abspath(2);
      throw nonexistent(fullName);
    },
    "evt.buflen.in": () => ioBuflen("in", "all"),
    "evt.buflen.out": () => ioBuflen("out", "all"),
    "evt.buflen.file": () => ioBuflen("any", "file"),
    "evt.buflen.file.in": () => ioBuflen("in", "file"),
    "evt.buflen.file.out": () => ioBuflen("out", "file"),
    "evt.buflen.net": () => ioBuflen("any", "net"),
    "evt.buflen.net.in": () => ioBuflen("in", "net"),
    "evt.buflen.net.out": () => ioBuflen("out", "net"),
    "evt.is_open_read": () => isOpen("read"),
    "evt.is_open_write": () => isOpen("write"),
    "evt.is_open_exec": () => isOpen("exec"),
    "evt.is_open_create": () => isOpen("create"),
    "evt.infra.docker.name": () => () => undefined,
    "evt.infra.docker.container.id": () => () => undefined,
    "evt.infra.docker.container.name": () => () => undefined,
    "evt.infra.docker.container.image": () => () => undefined,
  };
  return { binders, dotFamilies: ["evt.arg", "evt.rawarg", "evt.type.is", "evt.abspath"] };
}

/** Re-exported for outputs: how libsinsp prints a BYTEBUF field value (evt.buffer). */
export { bytesToDots, hasReturnValue };
