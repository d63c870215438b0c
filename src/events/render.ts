/**
 * Event parameter rendering exactly as libsinsp 0.25.4 prints parameters: the text of
 * `evt.arg.X`, `evt.arg[N]`, `evt.args` and `%evt.args` in outputs (falcosecurity/libs
 * userspace/libsinsp/event.cpp `sinsp_evt::get_param_as_str` and `render_fd`), and the typed raw
 * values of `evt.rawarg.X` (sinsp_filter_check_event::extract_argraw).
 *
 * libsinsp produces two strings per parameter: the plain one (e.g. the fd number "3", the flags
 * number "577") and a "resolved" one ("<f>/etc/passwd", "O_TRUNC|O_CREAT|O_WRONLY"), empty when
 * nothing resolves. `evt.arg.*` shows the resolved string when it is not empty, else the plain one;
 * `evt.args` shows `name=plain` or `name=plain(resolved)` for every parameter, space-separated.
 */
import { type Event } from "./event.ts";
import { EF, PT } from "./event_table.ts";
import { FLAG_TABLES, PPM_AT_FDCWD, PPM_SC_NAMES, errnoName, renderFlags, renderMode, signalName } from "./flags.ts";
import { concatenatePaths } from "../state/paths.ts";
import type { FdInfo, ThreadInfo } from "../state/types.ts";
import type { FieldContext } from "../fields/context.ts";

/** What rendering needs besides the event: thread lookups (PT_PID) and users/groups (PT_UID/PT_GID). */
export type RenderContext = Pick<FieldContext, "threads" | "users" | "groups">;

/** scap_l4_proto values (userspace/libscap/scap.h) as FdInfo.l4proto holds them. */
export const SCAP_L4 = { UNKNOWN: 0, NA: 1, TCP: 2, UDP: 3, ICMP: 4, RAW: 5 } as const;

/**
 * fd type character as libsinsp prints it (sinsp_fdinfo::get_typechar; CHAR_FD_* in fdinfo.h),
 * indexed by scap_fd_type (FdType); '?' outside the table.
 */
const FD_TYPECHARS = "ofd4646pueXslitnfburmP"; // 0 UNKNOWN .. 21 PIDFD
/** fd.type text by scap_fd_type (sinsp_fdinfo::get_typestring); "<NA>" outside the table. */
const FD_TYPESTRINGS = [
  "<NA>", "file", "directory", "ipv4", "ipv6", "ipv4", "ipv6", "pipe", "unix", "event", "<NA>",
  "signalfd", "eventpoll", "inotify", "timerfd", "netlink", "file", "bpf", "userfaultfd", "io_uring",
  "memfd", "pidfd",
];

/** Type character of an fd (f, d, 4, 6, u, p, e, s, l, i, t, n, b, r, m, P, o, X, ?). */
export function fdTypeChar(fd: FdInfo): string {
  const t = fd.type as number;
  return t >= 0 && t < FD_TYPECHARS.length ? FD_TYPECHARS[t]! : "?";
}

/** fd.type text of an fd ("file", "ipv4", "unix", "pipe", ... or "<NA>"). */
export function fdTypeString(fd: FdInfo): string {
  const t = fd.type as number;
  return t >= 0 && t < FD_TYPESTRINGS.length ? FD_TYPESTRINGS[t]! : "<NA>";
}

function l4Char(fd: FdInfo): string {
  const t = fd.type as number;
  if (t < 3 || t > 6) return "";
  switch (fd.l4proto) {
    case SCAP_L4.TCP: return "t";
    case SCAP_L4.UDP: return "u";
    case SCAP_L4.ICMP: return "i";
    case SCAP_L4.RAW: return "r";
    default: return "";
  }
}

/** Dynamic parameter tables (driver/dynamic_params_table.c): index byte → [PT type, PF format]. */
const DYN_TABLES: Record<string, readonly (readonly [number, string])[]> = {
  sockopt_dynamic_param: [[PT.BYTEBUF, "PF_HEX"], [PT.ERRNO, "PF_DEC"], [PT.UINT32, "PF_DEC"], [PT.UINT64, "PF_DEC"], [PT.RELTIME, "PF_DEC"]],
  ptrace_dynamic_param: [[PT.UINT64, "PF_HEX"], [PT.SIGTYPE, "PF_DEC"]],
  bpf_dynamic_param: [[PT.FD, "PF_DEC"], [PT.ERRNO, "PF_DEC"]],
  keyctl_dynamic_param: [[PT.INT64, "PF_DEC"], [PT.CHARBUF, "PF_NA"]],
};

function dynTable(info: string | null): readonly (readonly [number, string])[] | undefined {
  if (!info) return undefined;
  const c = info.indexOf(",");
  return DYN_TABLES[c >= 0 ? info.slice(0, c) : info];
}

/** Format an integer as printf with the parameter's PF_* format (event.cpp SET_NUMERIC_FORMAT). */
function fmtInt(v: bigint, fmt: string, bits: number): string {
  switch (fmt) {
    case "PF_OCT": {
      const u = BigInt.asUintN(bits < 32 ? 32 : bits, v);
      return u === 0n ? "0" : "0" + u.toString(8);
    }
    case "PF_HEX":
      return BigInt.asUintN(bits < 32 ? 32 : bits, v).toString(16).toUpperCase();
    case "PF_10_PADDED_DEC": {
      const neg = v < 0n;
      const s = (neg ? -v : v).toString().padStart(neg ? 8 : 9, "0");
      return neg ? "-" + s : s;
    }
    default:
      return v.toString();
  }
}

/** C printf "%lg" (6 significant digits, trailing zeros dropped, exponent form outside 1e-4..1e6). */
export function formatG(x: number): string {
  if (x === 0) return "0";
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const e = x.toExponential(5);
  const ei = e.indexOf("e");
  const exp = Number(e.slice(ei + 1));
  if (exp < -4 || exp >= 6) {
    let m = e.slice(0, ei);
    if (m.includes(".")) m = m.replace(/0+$/, "").replace(/\.$/, "");
    const ae = Math.abs(exp);
    return `${m}e${exp < 0 ? "-" : "+"}${ae < 10 ? "0" + ae : ae}`;
  }
  let f = x.toFixed(Math.max(0, 5 - exp));
  if (f.includes(".")) f = f.replace(/0+$/, "").replace(/\.$/, "");
  return f;
}

/** "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" in UTC, as libsinsp prints PT_ABSTIME params (the %z part is cut off there). */
export function formatAbsTime(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const nsec = ns % 1_000_000_000n;
  const d = new Date(Number(sec) * 1000);
  const p2 = (n: number): string => (n < 10 ? "0" + n : String(n));
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${nsec.toString().padStart(9, "0")}`;
}

/** isprint bytes kept, others shown as '.' (binary_buffer_to_string_dots, libsinsp's default buffer format). */
export function bytesToDots(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    s += c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : ".";
  }
  return s;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** The NUL-terminated string at `start` (invalid UTF-8 replaced by U+FFFD, as libsinsp's sanitizer). */
function readCString(b: Uint8Array, start: number): string {
  let e = start;
  while (e < b.length && b[e] !== 0) e++;
  return utf8.decode(b.subarray(start, e));
}

/** IPv4 dotted text from 4 bytes at `o` (network order). */
export function ipv4Text(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** IPv6 text from 16 bytes at `o`, as inet_ntop (RFC 5952 compression, dotted tail for v4-mapped/compatible). */
export function ipv6Text(b: Uint8Array, o: number): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!);
  // inet_ntop prints ::ffff:a.b.c.d and ::a.b.c.d (not ::1/::) with a dotted tail.
  const v4mapped = w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff;
  const v4compat = w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0 && (w[6] !== 0 || w[7]! > 1);
  if (v4mapped) return "::ffff:" + ipv4Text(b, o + 12);
  if (v4compat && w[6] !== 0) return "::" + ipv4Text(b, o + 12);
  let bestS = -1, bestL = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestL && j - i >= 2) { bestS = i; bestL = j - i; }
    i = j;
  }
  const hex = (x: number): string => x.toString(16);
  if (bestS < 0) return w.map(hex).join(":");
  const head = w.slice(0, bestS).map(hex).join(":");
  const tail = w.slice(bestS + bestL).map(hex).join(":");
  return `${head}::${tail}`;
}

function isV4Mapped(b: Uint8Array, o: number): boolean {
  for (let i = 0; i < 10; i++) if (b[o + i] !== 0) return false;
  return b[o + 10] === 0xff && b[o + 11] === 0xff;
}

function le16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

function le64(b: Uint8Array, o: number): bigint {
  return new DataView(b.buffer, b.byteOffset + o, 8).getBigUint64(0, true);
}

function cwdDir(t: ThreadInfo): string {
  const c = t.cwd;
  return c.endsWith("/") ? c : c + "/";
}

function dirFdPath(t: ThreadInfo, dirfd: number): string {
  const fd = t.fds.get(dirfd);
  if (!fd || fd.name === "") return "";
  return fd.name.endsWith("/") ? fd.name : fd.name + "/";
}

/** The two strings libsinsp makes for one parameter: plain and resolved ("" when none). */
export interface ParamText {
  plain: string;
  resolved: string;
}

/**
 * Render parameter `i` of `ev` as libsinsp's get_param_as_str: `plain` and `resolved` strings.
 * `ev.thread` (set by the state engine) is used to resolve fds and relative paths; `ctx` to resolve
 * PT_PID (comm), PT_UID/PT_GID (user/group names). Returns undefined when the event has no
 * parameter `i`. Never throws.
 */
export function paramText(ev: Event, i: number, ctx?: RenderContext): ParamText | undefined {
  if (i < 0 || i >= ev.nparams) return undefined;
  const pinfo = ev.info.params[i];
  if (!pinfo) return undefined;
  const len = ev.paramLen(i);
  let type = pinfo.type;
  const fmt = pinfo.fmt;
  if (len === 0) {
    switch (type) {
      case PT.BYTEBUF: case PT.SOCKTUPLE: case PT.FDLIST: case PT.CHARBUFARRAY: case PT.CHARBUF_PAIR_ARRAY: case PT.DYN:
        return { plain: "NULL", resolved: "" };
      default:
        return { plain: "<NA>", resolved: "" };
    }
  }
  let bytes = ev.bytes(i);
  if (type === PT.DYN) {
    const tbl = dynTable(pinfo.info);
    const idx = bytes[0]!;
    if (tbl && idx < tbl.length) {
      type = tbl[idx]![0];
      bytes = bytes.subarray(1);
    } else {
      return { plain: "INVALID DYNAMIC PARAMETER", resolved: "" };
    }
  }
  return renderTyped(ev, i, type, fmt, pinfo.info, pinfo.dirfdParam, bytes, ctx);
}

/** Integer of width 1/2/4 bytes as a JS number (little-endian); 0 if shorter than `w`. */
function num(b: Uint8Array, w: number, signed: boolean): number {
  if (b.length < w) return Number(intOf(b, signed));
  switch (w) {
    case 1: return signed ? (b[0]! << 24) >> 24 : b[0]!;
    case 2: {
      const v = b[0]! | (b[1]! << 8);
      return signed ? (v << 16) >> 16 : v;
    }
    default: {
      const v = b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24);
      return signed ? v : v >>> 0;
    }
  }
}

/** Signed 64-bit little-endian value as a JS number (exact within ±2^53). */
function i64num(b: Uint8Array): number {
  if (b.length < 8) return Number(intOf(b, true));
  const lo = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  const hi = b[4]! | (b[5]! << 8) | (b[6]! << 16) | (b[7]! << 24);
  return hi * 0x1_0000_0000 + lo;
}

/** Decimal text of an integer that fits a double exactly, else via bigint. */
function fmtSmall(v: number, fmt: string, bits: number): string {
  if (fmt === "PF_DEC" || fmt === "PF_NA" || fmt === "PF_ID" || fmt === "") return String(v);
  return fmtInt(BigInt(v), fmt, bits);
}

const FLAGS_CACHE = new WeakMap<object, Map<number, string>>();
/** renderFlags with a per-table memo (flag values repeat a lot; bounded to 4096 entries per table). */
function cachedFlags(table: FlagTableLike | undefined, v: number, exact: boolean): string {
  if (!table) return "";
  let m = FLAGS_CACHE.get(table);
  if (!m) FLAGS_CACHE.set(table, (m = new Map()));
  const key = exact ? -1 - v : v;
  let r = m.get(key);
  if (r === undefined) {
    r = renderFlags(table, v, exact);
    if (m.size < 4096) m.set(key, r);
  }
  return r;
}
type FlagTableLike = Parameters<typeof renderFlags>[0] & object;

function intOf(b: Uint8Array, signed: boolean): bigint {
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  switch (b.length) {
    case 1: return BigInt(signed ? dv.getInt8(0) : dv.getUint8(0));
    case 2: return BigInt(signed ? dv.getInt16(0, true) : dv.getUint16(0, true));
    case 4: return BigInt(signed ? dv.getInt32(0, true) : dv.getUint32(0, true));
    case 8: return signed ? dv.getBigInt64(0, true) : dv.getBigUint64(0, true);
    default: {
      // Shorter than its type (damaged/old producer): read what is there, little-endian.
      let v = 0n;
      for (let k = Math.min(b.length, 8) - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]!);
      return v;
    }
  }
}

function renderTyped(
  ev: Event, i: number, type: number, fmt: string, info: string | null, dirfdParam: number,
  b: Uint8Array, ctx: RenderContext | undefined,
): ParamText {
  const t = ev.thread;
  switch (type) {
    case PT.INT8: return { plain: fmtSmall(num(b, 1, true), fmt, 8), resolved: "" };
    case PT.INT16: return { plain: fmtSmall(num(b, 2, true), fmt, 16), resolved: "" };
    case PT.INT32: return { plain: fmtSmall(num(b, 4, true), fmt, 32), resolved: "" };
    case PT.INT64: return { plain: fmtInt(intOf(b.subarray(0, 8), true), fmt, 64), resolved: "" };
    case PT.UINT8: return { plain: fmtSmall(num(b, 1, false), fmt, 8), resolved: "" };
    case PT.UINT16: return { plain: fmtSmall(num(b, 2, false), fmt, 16), resolved: "" };
    case PT.UINT32: return { plain: fmtSmall(num(b, 4, false), fmt, 32), resolved: "" };
    // libsinsp reads PT_UINT64 as int64 and prints it signed.
    case PT.UINT64: return { plain: fmtInt(intOf(b.subarray(0, 8), true), fmt, 64), resolved: "" };
    case PT.FD:
    case PT.FD32: {
      const fd = b.length >= 8 ? i64num(b) : Number(intOf(b, true));
      return { plain: String(fd), resolved: renderFdResolved(t, fd) };
    }
    case PT.PID:
    case PT.PID32: {
      const pid = Number(intOf(b, true));
      const pt = ctx?.threads.get(pid);
      return { plain: String(pid), resolved: pt ? pt.comm : "" };
    }
    case PT.ERRNO: {
      const v = i64num(b);
      return { plain: String(v), resolved: v < 0 ? errnoName(v) : "" };
    }
    case PT.CHARBUF:
      return { plain: readCString(b, 0), resolved: "" };
    case PT.FSPATH:
    case PT.FSRELPATH: {
      const path = readCString(b, 0);
      if (!t) return { plain: path, resolved: path };
      if (path === "<NA>" || path === "" || path.charCodeAt(0) === 47) return { plain: path, resolved: "" };
      let base = cwdDir(t);
      if (type === PT.FSRELPATH && dirfdParam >= 0 && dirfdParam < ev.nparams) {
        const dp = ev.info.params[dirfdParam];
        if (dp && (dp.type === PT.FD || dp.type === PT.FD32) && ev.paramLen(dirfdParam) > 0) {
          const dirfd = Number(intOf(ev.bytes(dirfdParam), true));
          if (dirfd !== PPM_AT_FDCWD) base = dirFdPath(t, dirfd);
        }
      }
      return { plain: path, resolved: concatenatePaths(base, path) };
    }
    case PT.BYTEBUF:
      return { plain: bytesToDots(b), resolved: "" };
    case PT.SOCKADDR:
      return { plain: sockaddrText(b), resolved: "" };
    case PT.SOCKTUPLE:
      return { plain: socktupleText(b), resolved: "" };
    case PT.FDLIST: {
      if (!t || b.length < 2) return { plain: "", resolved: "" };
      const n = le16(b, 0);
      const parts: string[] = [];
      let pos = 2;
      for (let j = 0; j < n && pos + 10 <= b.length; j++) {
        const fd = le64(b, pos);
        const fi = t.fds.get(Number(BigInt.asIntN(64, fd)));
        const flags = (b[pos + 8]! | (b[pos + 9]! << 8)) << 16 >> 16;
        parts.push(`${fd}:${fi ? fdTypeChar(fi) : "?"}${(flags >>> 0).toString(16)}`);
        pos += 10;
      }
      return { plain: parts.join(" "), resolved: "" };
    }
    case PT.SYSCALLID: {
      const sc = Number(intOf(b.subarray(0, 2), false));
      if (sc >= PPM_SC_NAMES.length) return { plain: "<unknown syscall>", resolved: "" };
      return { plain: String(sc), resolved: PPM_SC_NAMES[sc]! };
    }
    case PT.SIGTYPE: {
      const v = b[0]!;
      return { plain: String(v), resolved: signalName(v) ?? "" };
    }
    case PT.RELTIME: {
      const v = intOf(b.subarray(0, 8), false);
      if (v === 0xffff_ffff_ffff_ffffn) return { plain: "none", resolved: "" };
      return { plain: v.toString(), resolved: formatG(Number(v) / 1e9) + "s" };
    }
    case PT.FLAGS8: case PT.FLAGS16: case PT.FLAGS32:
    case PT.ENUMFLAGS8: case PT.ENUMFLAGS16: case PT.ENUMFLAGS32: {
      const w = type === PT.FLAGS8 || type === PT.ENUMFLAGS8 ? 1 : type === PT.FLAGS16 || type === PT.ENUMFLAGS16 ? 2 : 4;
      const v = num(b, w, false);
      const exact = type === PT.ENUMFLAGS8 || type === PT.ENUMFLAGS16 || type === PT.ENUMFLAGS32;
      return { plain: String(v), resolved: cachedFlags(info ? FLAG_TABLES[info] : undefined, v, exact) };
    }
    case PT.MODE: {
      const v = num(b, 4, false);
      return { plain: fmtSmall(v, fmt, 32), resolved: renderMode(info ? FLAG_TABLES[info] : undefined, v) };
    }
    case PT.ABSTIME:
      return { plain: formatAbsTime(intOf(b.subarray(0, 8), false)), resolved: "" };
    case PT.UID:
    case PT.GID: {
      const v = Number(intOf(b.subarray(0, 4), false));
      if (v === 0xffffffff) return { plain: "-1", resolved: "<NONE>" };
      let name = "";
      if (t && ctx) {
        const e = type === PT.UID ? ctx.users.get(v, t.containerId, t.pid) : ctx.groups.get(v, t.containerId, t.pid);
        name = e?.name ?? "";
      }
      return { plain: String(v | 0), resolved: name !== "" ? name : "<NA>" };
    }
    case PT.SIGSET: {
      const v = Number(intOf(b.subarray(0, 4), false));
      const names: string[] = [];
      for (let s = 0; s < 32; s++) {
        if ((v >>> s) & 1) {
          const n = signalName(s + 1);
          if (n) names.push(n);
        }
      }
      return { plain: names.join(" "), resolved: "" };
    }
    // Types libsinsp 0.25.4 has no case for (only in newer iterator events): readable text.
    case PT.IPV4ADDR:
      return { plain: b.length >= 4 ? ipv4Text(b, 0) : "(n.a.)", resolved: "" };
    case PT.IPV6ADDR:
      return { plain: b.length >= 16 ? ipv6Text(b, 0) : "(n.a.)", resolved: "" };
    case PT.PORT:
      return { plain: String(intOf(b.subarray(0, 2), false)), resolved: "" };
    default:
      return { plain: "(n.a.)", resolved: "" };
  }
}

/** The resolved part of a PT_FD parameter: "<f>/etc/passwd", "<4t>1.2.3.4:5->...", "AT_FDCWD", "ENOENT" or "". */
function renderFdResolved(t: ThreadInfo | null, fd: number): string {
  if (!t) return "";
  if (fd >= 0) {
    const fi = t.fds.get(fd);
    if (!fi) return "";
    return `<${fdTypeChar(fi)}${l4Char(fi)}>${fi.name}`;
  }
  if (fd === PPM_AT_FDCWD) return "AT_FDCWD";
  return errnoName(fd);
}

/** Text of a PT_SOCKADDR parameter (unix path, "a.b.c.d:port", "v6:port", or "family N"). */
export function sockaddrText(b: Uint8Array): string {
  const fam = b[0]!;
  if (fam === 1) return readCString(b, 1);
  if (fam === 2) return b.length === 7 ? `${ipv4Text(b, 1)}:${le16(b, 5)}` : "INVALID IPv4";
  if (fam === 10) return b.length === 19 ? `${ipv6Text(b, 1)}:${le16(b, 17)}` : "INVALID IPv6";
  return `family ${fam}`;
}

/** Text of a PT_SOCKTUPLE parameter ("sip:sport->dip:dport", v6 likewise, unix "src->dst path"). */
export function socktupleText(b: Uint8Array): string {
  const fam = b[0]!;
  if (fam === 2) {
    if (b.length !== 13) return "INVALID IPv4";
    return `${ipv4Text(b, 1)}:${le16(b, 5)}->${ipv4Text(b, 7)}:${le16(b, 11)}`;
  }
  if (fam === 10) {
    if (b.length !== 37) return "INVALID IPv6";
    if (isV4Mapped(b, 1) && isV4Mapped(b, 19)) return `${ipv4Text(b, 13)}:${le16(b, 17)}->${ipv4Text(b, 31)}:${le16(b, 35)}`;
    return `${ipv6Text(b, 1)}:${le16(b, 17)}->${ipv6Text(b, 19)}:${le16(b, 35)}`;
  }
  if (fam === 1) {
    if (b.length < 17) return "family 1";
    return `${le64(b, 1).toString(16)}->${le64(b, 9).toString(16)} ${readCString(b, 17)}`;
  }
  return `family ${fam}`;
}

/**
 * The text `evt.arg[i]` / `evt.arg.NAME` extracts: the resolved string when not empty, else the
 * plain one (sinsp_filter_check_event TYPE_ARGSTR). undefined when the event has no parameter i.
 */
export function renderParam(ev: Event, i: number, ctx?: RenderContext): string | undefined {
  const p = paramText(ev, i, ctx);
  if (!p) return undefined;
  return p.resolved !== "" ? p.resolved : p.plain;
}

/**
 * `evt.args`: "name=plain" or "name=plain(resolved)" for every parameter present, joined by one
 * space; "" for generic syscall events (PPME_GENERIC_E/X). Source: sinsp_filter_check_event TYPE_ARGS.
 */
export function renderArgs(ev: Event, ctx?: RenderContext): string {
  if (ev.type === 0 || ev.type === 1) return "";
  let out = "";
  for (let j = 0; j < ev.nparams; j++) {
    const p = paramText(ev, j, ctx);
    const name = ev.info.params[j]?.name ?? "";
    if (!p) continue;
    if (out !== "") out += " ";
    out += p.resolved === "" ? `${name}=${p.plain}` : `${name}=${p.plain}(${p.resolved})`;
  }
  return out;
}

/**
 * The typed raw value of parameter i (`evt.rawarg.X`): number for integer types up to 32 bits and
 * for signed 64-bit ones (INT64, ERRNO, FD, PID: exact within ±2^53), bigint for UINT64, RELTIME
 * and ABSTIME, string for CHARBUF/FSPATH/FSRELPATH, a copy of the bytes for everything else
 * (BYTEBUF, SOCKADDR, SOCKTUPLE, FDLIST, DYN, ...). undefined when absent or empty (libsinsp: an
 * empty raw value makes every comparison false).
 */
export function rawParam(ev: Event, i: number): number | bigint | string | Uint8Array | undefined {
  if (i < 0 || i >= ev.nparams) return undefined;
  const pinfo = ev.info.params[i];
  if (!pinfo) return undefined;
  const len = ev.paramLen(i);
  if (len === 0) return undefined;
  const b = ev.bytes(i);
  switch (pinfo.type) {
    case PT.INT8: case PT.INT16: case PT.INT32: case PT.INT64: case PT.ERRNO: case PT.FD: case PT.PID:
    case PT.FD32: case PT.PID32:
      return Number(intOf(b, true));
    case PT.UINT8: case PT.UINT16: case PT.UINT32: case PT.FLAGS8: case PT.FLAGS16: case PT.FLAGS32:
    case PT.ENUMFLAGS8: case PT.ENUMFLAGS16: case PT.ENUMFLAGS32: case PT.UID: case PT.GID: case PT.MODE:
    case PT.SIGTYPE: case PT.SYSCALLID: case PT.PORT: case PT.L4PROTO: case PT.SOCKFAMILY: case PT.SIGSET:
    case PT.BOOL:
      return Number(intOf(b, false));
    case PT.UINT64: case PT.RELTIME: case PT.ABSTIME:
      return intOf(b, false);
    case PT.DOUBLE:
      return b.length >= 8 ? new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true) : undefined;
    case PT.CHARBUF: case PT.FSPATH: case PT.FSRELPATH:
      return readCString(b, 0);
    default:
      return b.slice();
  }
}

/** True if the event is a syscall exit event with a return value (sinsp_evt::has_return_value). */
export function hasReturnValue(ev: Event): boolean {
  if (ev.type === 1) return false;
  return ev.info.category.includes("EC_SYSCALL") && ev.dir === "<" && ev.nparams > 0;
}

/** The syscall return value (first parameter, 32 or 64 bits), or undefined (sinsp_evt::get_syscall_return_value). */
export function returnValue(ev: Event): number | undefined {
  if (!hasReturnValue(ev)) return undefined;
  const l = ev.paramLen(0);
  if (l === 4) return ev.i32(0);
  if (l === 8) return ev.i64(0);
  return 0;
}

/** EF flags helper re-exported for field code: does the event create, use or destroy an fd. */
export function isFdEvent(ev: Event): boolean {
  return (ev.info.flags & (EF.CREATES_FD | EF.USES_FD | EF.DESTROYS_FD)) !== 0;
}
