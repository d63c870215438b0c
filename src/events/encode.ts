/**
 * Event encoder: builds one libscap V2 event (`struct ppm_evt_hdr` + lengths + params) from JS
 * values, typed by the event table. The inverse of `Event` (./event.ts). Used by tests to feed the
 * state engine and rules, and by the scap writer. Encoding rules follow libscap
 * `scap_event_encode_params_v` (userspace/libscap/scap_event.c) and the driver packers
 * (driver/ppm_events.c); see shared/notes/SCAP_FORMAT.md §1.10–1.11.
 */
import { EVENT_TABLE, PPM_EVENT_MAX, PT } from "./event_table.ts";
import { EVT_HDR_LEN } from "./event.ts";

/**
 * One parameter value:
 * - number / bigint for the integer PT_* types (ERRNO, FD, PID, UID, FLAGS*, ...; negative numbers
 *   are written two's complement); PT_DOUBLE takes a number;
 * - string for CHARBUF / FSPATH / FSRELPATH (written with a trailing NUL); for BYTEBUF the UTF-8 bytes
 *   as-is;
 * - string[] for NUL-separated lists (execve args/env/cgroups: "a\0b\0");
 * - Uint8Array for raw bytes (BYTEBUF, SOCKADDR, SOCKTUPLE, DYN, FDLIST, IPV6ADDR, ...);
 * - null (or undefined) for an empty parameter (length 0).
 */
export type ParamValue = number | bigint | string | string[] | Uint8Array | null | undefined;

/** Thrown when a value does not fit the event table's parameter type. */
export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EncodeError";
  }
}

/** PPM_AF_* socket families as encoded in SOCKADDR/SOCKTUPLE (driver/ppm_events_public.h). */
export const PPM_AF = { UNSPEC: 0, UNIX: 1, INET: 2, INET6: 10, NETLINK: 16 } as const;

const enc = new TextEncoder();

function fixedSize(t: number): number {
  switch (t) {
    case PT.INT8: case PT.UINT8: case PT.FLAGS8: case PT.ENUMFLAGS8: case PT.SIGTYPE: case PT.L4PROTO: case PT.SOCKFAMILY:
      return 1;
    case PT.INT16: case PT.UINT16: case PT.FLAGS16: case PT.ENUMFLAGS16: case PT.SYSCALLID: case PT.PORT:
      return 2;
    case PT.INT32: case PT.UINT32: case PT.FLAGS32: case PT.ENUMFLAGS32: case PT.BOOL: case PT.UID: case PT.GID:
    case PT.MODE: case PT.SIGSET: case PT.FD32: case PT.PID32:
      return 4;
    case PT.INT64: case PT.UINT64: case PT.ERRNO: case PT.FD: case PT.PID: case PT.RELTIME: case PT.ABSTIME: case PT.DOUBLE:
      return 8;
    default:
      return 0;
  }
}

function toBytes(v: ParamValue, t: number, where: string): Uint8Array {
  if (v === null || v === undefined) return new Uint8Array(0);
  const fs = fixedSize(t);
  if (fs > 0) {
    if (typeof v !== "number" && typeof v !== "bigint") throw new EncodeError(`${where}: expected a number for PT type ${t}, got ${typeof v}`);
    if (typeof v === "number" && t !== PT.DOUBLE && !Number.isInteger(v)) throw new EncodeError(`${where}: expected an integer for PT type ${t}, got ${v}`);
    const out = new Uint8Array(fs);
    const dv = new DataView(out.buffer);
    if (t === PT.DOUBLE) {
      dv.setFloat64(0, Number(v), true);
      return out;
    }
    switch (fs) {
      case 1: dv.setUint8(0, Number(BigInt.asUintN(8, BigInt(v)))); break;
      case 2: dv.setUint16(0, Number(BigInt.asUintN(16, BigInt(v))), true); break;
      case 4: dv.setUint32(0, Number(BigInt.asUintN(32, BigInt(v))), true); break;
      default: dv.setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
    }
    return out;
  }
  switch (t) {
    case PT.CHARBUF:
    case PT.FSPATH:
    case PT.FSRELPATH: {
      if (v instanceof Uint8Array) return v;
      if (Array.isArray(v)) return joinList(v);
      const s = enc.encode(String(v));
      const out = new Uint8Array(s.length + 1);
      out.set(s);
      return out;
    }
    case PT.IPV4ADDR: {
      if (typeof v === "string") return ipv4Bytes(v);
      if (typeof v === "number") {
        const out = new Uint8Array(4);
        new DataView(out.buffer).setUint32(0, v >>> 0, true);
        return out;
      }
      break;
    }
    case PT.IPV6ADDR:
    case PT.IPADDR:
    case PT.IPNET:
      if (typeof v === "string") return v.includes(":") ? ipv6Bytes(v) : ipv4Bytes(v);
      break;
    default:
      break;
  }
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return joinList(v);
  if (typeof v === "string") return enc.encode(v);
  throw new EncodeError(`${where}: cannot encode ${typeof v} as PT type ${t}`);
}

function joinList(items: string[]): Uint8Array {
  const parts = items.map((s) => enc.encode(s));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length + 1;
  }
  return out;
}

/**
 * Encode one V2 event.
 * @param type ppm event code (PPME_*), must be < PPM_EVENT_MAX.
 * @param tid thread id (host); negative values are written two's complement (meta events use -1).
 * @param ts timestamp, ns since the epoch.
 * @param params values in table order; fewer than the table's count yields a shorter event (as
 *   older producers wrote); more is an error.
 * @returns the event bytes (header + u16/u32 lengths + params), exactly `len` bytes.
 * @throws EncodeError on an unknown type, too many params, or a value that does not fit its type.
 */
export function encodeEvent(type: number, tid: number, ts: bigint, params: ParamValue[]): Uint8Array {
  if (!Number.isInteger(type) || type < 0 || type >= PPM_EVENT_MAX) throw new EncodeError(`event type ${type} outside [0, ${PPM_EVENT_MAX})`);
  const info = EVENT_TABLE[type]!;
  if (params.length > info.params.length) {
    throw new EncodeError(`${info.enumName}: ${params.length} params given, table has ${info.params.length}`);
  }
  const bufs = params.map((v, i) => toBytes(v, info.params[i]!.type, `${info.enumName} param ${i} (${info.params[i]!.name})`));
  const lsz = info.largePayload ? 4 : 2;
  let len = EVT_HDR_LEN + lsz * bufs.length;
  for (const b of bufs) {
    if (lsz === 2 && b.length > 0xffff) throw new EncodeError(`${info.enumName}: param of ${b.length} bytes exceeds u16 length`);
    len += b.length;
  }
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt.asUintN(64, ts), true);
  dv.setBigUint64(8, BigInt.asUintN(64, BigInt(tid)), true);
  dv.setUint32(16, len, true);
  dv.setUint16(20, type, true);
  dv.setUint32(22, bufs.length, true);
  let lp = EVT_HDR_LEN;
  let p = EVT_HDR_LEN + lsz * bufs.length;
  for (const b of bufs) {
    if (lsz === 4) dv.setUint32(lp, b.length, true);
    else dv.setUint16(lp, b.length, true);
    lp += lsz;
    out.set(b, p);
    p += b.length;
  }
  return out;
}

/** "1.2.3.4" → 4 bytes in network order. @throws EncodeError on a malformed address. */
export function ipv4Bytes(ip: string): Uint8Array {
  const parts = ip.split(".");
  if (parts.length !== 4) throw new EncodeError(`bad IPv4 address "${ip}"`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = Number(parts[i]);
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new EncodeError(`bad IPv4 address "${ip}"`);
    out[i] = n;
  }
  return out;
}

/** IPv6 text (with "::" and optional dotted IPv4 tail) → 16 bytes. @throws EncodeError if malformed. */
export function ipv6Bytes(ip: string): Uint8Array {
  const out = new Uint8Array(16);
  let s = ip;
  let tail: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    tail = ipv4Bytes(s.slice(lastColon + 1));
    s = s.slice(0, lastColon + 1) + "0:0";
  }
  const halves = s.split("::");
  if (halves.length > 2) throw new EncodeError(`bad IPv6 address "${ip}"`);
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - rest.length).fill("0"), ...rest] : head;
  if (groups.length !== 8) throw new EncodeError(`bad IPv6 address "${ip}"`);
  for (let i = 0; i < 8; i++) {
    const n = parseInt(groups[i]!, 16);
    if (!/^[0-9a-fA-F]{1,4}$/.test(groups[i]!) || Number.isNaN(n)) throw new EncodeError(`bad IPv6 address "${ip}"`);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

/**
 * PT_SOCKADDR bytes (driver ppm_events.c pack_addr): INET `u8 family=2, ip[4], u16 port`; INET6
 * `u8 family=10, ip[16], u16 port`; a path starting with "/" or "@" (or `port` undefined and no
 * dots/colons) gives UNIX `u8 family=1, path\0`. Ports are host-order u16 LE.
 */
export function encodeSockAddr(addr: string, port?: number): Uint8Array {
  if (port === undefined) return encodeUnixSockAddr(addr);
  if (addr.includes(":")) {
    const out = new Uint8Array(19);
    out[0] = PPM_AF.INET6;
    out.set(ipv6Bytes(addr), 1);
    new DataView(out.buffer).setUint16(17, port, true);
    return out;
  }
  const out = new Uint8Array(7);
  out[0] = PPM_AF.INET;
  out.set(ipv4Bytes(addr), 1);
  new DataView(out.buffer).setUint16(5, port, true);
  return out;
}

/** PT_SOCKADDR for an AF_UNIX path: `u8 family=1, path\0`. */
export function encodeUnixSockAddr(path: string): Uint8Array {
  const p = enc.encode(path);
  const out = new Uint8Array(p.length + 2);
  out[0] = PPM_AF.UNIX;
  out.set(p, 1);
  return out;
}

/**
 * PT_SOCKTUPLE bytes for INET/INET6 (driver ppm_events.c): `u8 family, sip, u16 sport, dip, u16
 * dport` (13 bytes for IPv4, 37 for IPv6; the family follows the source address text). For connect
 * the source is the local end; for accept the source is the peer.
 */
export function encodeSockTuple(sip: string, sport: number, dip: string, dport: number): Uint8Array {
  const v6 = sip.includes(":") || dip.includes(":");
  if (v6) {
    const out = new Uint8Array(37);
    const dv = new DataView(out.buffer);
    out[0] = PPM_AF.INET6;
    out.set(sip.includes(":") ? ipv6Bytes(sip) : ipv6Bytes("::ffff:" + sip), 1);
    dv.setUint16(17, sport, true);
    out.set(dip.includes(":") ? ipv6Bytes(dip) : ipv6Bytes("::ffff:" + dip), 19);
    dv.setUint16(35, dport, true);
    return out;
  }
  const out = new Uint8Array(13);
  const dv = new DataView(out.buffer);
  out[0] = PPM_AF.INET;
  out.set(ipv4Bytes(sip), 1);
  dv.setUint16(5, sport, true);
  out.set(ipv4Bytes(dip), 7);
  dv.setUint16(11, dport, true);
  return out;
}

/** PT_SOCKTUPLE for AF_UNIX: `u8 family=1, u64 source, u64 dest (kernel pointers), path\0`. */
export function encodeUnixSockTuple(source: bigint, dest: bigint, path: string): Uint8Array {
  const p = enc.encode(path);
  const out = new Uint8Array(1 + 16 + p.length + 1);
  const dv = new DataView(out.buffer);
  out[0] = PPM_AF.UNIX;
  dv.setBigUint64(1, BigInt.asUintN(64, source), true);
  dv.setBigUint64(9, BigInt.asUintN(64, dest), true);
  out.set(p, 17);
  return out;
}
