/**
 * The Event view: one reusable object that reads a ppm event in place, where live capture and
 * replay meet. The in-memory layout is exactly libscap's V2 event (`struct ppm_evt_hdr`, packed,
 * little-endian; falcosecurity/libs driver/ppm_events_public.h), which the probe writes into the
 * ring buffer and a scap file stores in its event blocks:
 *
 *   u64 ts (ns since epoch) | u64 tid | u32 len (whole event) | u16 type | u32 nparams
 *   | u16 or u32 (EF_LARGE_PAYLOAD) len[nparams] | params...
 *
 * Parameter encodings per PT_* type: see ../../../shared/notes/SCAP_FORMAT.md §1.11 (libs
 * scap_event_encode_params_v). Nothing is decoded until asked; `reset()` only reads the header
 * and computes parameter offsets.
 */
import { EVENT_TABLE, type EventInfo, PPM_EVENT_MAX } from "./event_table.ts";
import type { FdInfo, ThreadInfo } from "../state/types.ts";

/** Size of struct ppm_evt_hdr (V2): 26 bytes. */
export const EVT_HDR_LEN = 26;
/** Max parameters of any event in the table (execve exit has 31); views support up to this. */
export const MAX_PARAMS = 64;

/** scap event-block flag: the event only rebuilds state; rules and outputs never see it (SCAP_DF_STATE_ONLY). */
export const EVF_STATE_ONLY = 1;

/** Thrown by `Event.reset` when the bytes are not a valid V2 event (libscap validate_v2_event). */
export class EventFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EventFormatError";
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Last evaluation token handed out (see `Event.evalToken`); process-wide, never reused. */
let evalTokens = 0;

/**
 * A reusable, lazily-decoded view of one event. Not thread-safe, not retained: the engine points
 * it at the next event and all previous values become invalid except those copied out (strings
 * and numbers are copies; `bytes()` is a view into the batch buffer).
 */
export class Event {
  buf: Uint8Array = new Uint8Array(0);
  dv: DataView = new DataView(new ArrayBuffer(0));
  /** Byte offset of the header in `buf`. */
  off = 0;
  /** ppm event code (PPME_*). */
  type = 0;
  /** Thread id (host pid namespace). Meta events use 0 or -1. */
  tid = 0;
  /** Whole event length in bytes (header + lengths + params). */
  len = 0;
  /** Number of parameters present (may be below the table's count for older producers). */
  nparams = 0;
  /** CPU id the event came from (scap block `cpuid`; 0 for live events unless the probe sets it). */
  cpu = 0;
  /** EVF block flags (EVF_STATE_ONLY...). */
  flags = 0;
  /** evt.num: sequence number assigned by the engine, starting at 1. */
  num = 0;
  /**
   * Evaluation token: a process-wide integer, new on every `reset` (and `invalidateEval`), never
   * shared by two events or two Event objects. Compiled rules memoise shared sub-conditions per
   * token (src/rules/compile.ts linkShared), so a cached result is valid for this event only.
   */
  evalToken = ++evalTokens;
  /** Row of the event table for `type`. */
  info: EventInfo = EVENT_TABLE[0]!;
  /** Thread the event belongs to, set by the state engine before rules run (null if unknown). */
  thread: ThreadInfo | null = null;
  /** fd the event uses or creates, set by the state engine (evt.arg.fd / return value), or null. */
  fdInfo: FdInfo | null = null;
  /** fd number of `fdInfo` (or -1). */
  fdNum = -1;
  /** Scratch: per-event values the state engine computes for fields (e.g. resolved paths). */
  readonly extra: Map<string, unknown> = new Map();

  private readonly poff = new Int32Array(MAX_PARAMS);
  private readonly plen = new Int32Array(MAX_PARAMS);

  /**
   * Point this view at an event. Validates the header and lengths as libscap's validate_v2_event.
   * @param buf bytes holding the event; `off` its first byte; `avail` bytes available from `off`.
   * @throws EventFormatError if the header or lengths do not fit `avail`.
   */
  reset(buf: Uint8Array, off: number, avail: number, dv?: DataView): this {
    this.evalToken = ++evalTokens;
    if (this.buf !== buf) {
      this.buf = buf;
      this.dv = dv ?? new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    if (avail < EVT_HDR_LEN) throw new EventFormatError(`event header needs ${EVT_HDR_LEN} bytes, ${avail} available`);
    const d = this.dv;
    this.off = off;
    const tidLo = d.getUint32(off + 8, true);
    const tidHi = d.getInt32(off + 12, true);
    this.tid = tidHi === -1 && tidLo !== 0 ? tidLo - 0x1_0000_0000 : tidHi * 0x1_0000_0000 + tidLo;
    const len = d.getUint32(off + 16, true);
    const type = d.getUint16(off + 20, true);
    const np = d.getUint32(off + 22, true);
    if (len < EVT_HDR_LEN || len > avail) throw new EventFormatError(`event length ${len} outside [${EVT_HDR_LEN}, ${avail}]`);
    this.len = len;
    this.type = type;
    this.info = type < PPM_EVENT_MAX ? EVENT_TABLE[type]! : EVENT_TABLE[0]!;
    const large = this.info.largePayload;
    const lsz = large ? 4 : 2;
    if (np > MAX_PARAMS || EVT_HDR_LEN + np * lsz > len) throw new EventFormatError(`event ${type}: ${np} parameters do not fit length ${len}`);
    this.nparams = np;
    let p = off + EVT_HDR_LEN + np * lsz;
    const end = off + len;
    let lp = off + EVT_HDR_LEN;
    for (let i = 0; i < np; i++) {
      const l = large ? d.getUint32(lp, true) : d.getUint16(lp, true);
      lp += lsz;
      this.poff[i] = p;
      this.plen[i] = l;
      p += l;
    }
    if (p > end) throw new EventFormatError(`event ${type}: parameter lengths sum past event length ${len}`);
    this.thread = null;
    this.fdInfo = null;
    this.fdNum = -1;
    if (this.extra.size) this.extra.clear();
    return this;
  }

  /**
   * Start a new evaluation of the same event: results memoised by compiled rules under the old
   * token are no longer used. Call after anything that may change what fields read mid-event
   * (the engine does after each match handler), or to evaluate the same event again from scratch.
   */
  invalidateEval(): void {
    this.evalToken = ++evalTokens;
  }

  /** Event timestamp, ns since the epoch, exact. */
  tsBig(): bigint {
    return this.dv.getBigUint64(this.off, true);
  }
  /** Event timestamp as a JS number of ns (loses sub-µs precision; for durations and rates). */
  tsNum(): number {
    return this.dv.getUint32(this.off + 4, true) * 0x1_0000_0000 + this.dv.getUint32(this.off, true);
  }
  /** Event name (evt.type), e.g. "openat". */
  get name(): string {
    return this.info.name;
  }
  /** '>' enter or '<' exit (evt.dir). */
  get dir(): ">" | "<" {
    return this.info.dir;
  }
  /** True if parameter i is present (i < nparams). */
  has(i: number): boolean {
    return i < this.nparams;
  }
  /** Byte length of parameter i (0 if absent). */
  paramLen(i: number): number {
    return i < this.nparams ? this.plen[i]! : 0;
  }
  /** Byte offset of parameter i in `buf` (undefined content if absent). */
  paramOff(i: number): number {
    return this.poff[i]!;
  }
  /** Parameter index by name in this event's table row, or -1. */
  paramIndex(name: string): number {
    return this.info.paramIndex.get(name) ?? -1;
  }
  /** Unsigned 8-bit parameter. */
  u8(i: number): number {
    return this.buf[this.poff[i]!]!;
  }
  /** Unsigned 16-bit LE parameter. */
  u16(i: number): number {
    return this.dv.getUint16(this.poff[i]!, true);
  }
  /** Signed 16-bit LE parameter. */
  i16(i: number): number {
    return this.dv.getInt16(this.poff[i]!, true);
  }
  /** Unsigned 32-bit LE parameter. */
  u32(i: number): number {
    return this.dv.getUint32(this.poff[i]!, true);
  }
  /** Signed 32-bit LE parameter. */
  i32(i: number): number {
    return this.dv.getInt32(this.poff[i]!, true);
  }
  /** Signed 64-bit LE parameter as a JS number (exact within ±2^53; fds, pids, errno, sizes). */
  i64(i: number): number {
    const o = this.poff[i]!;
    return this.dv.getInt32(o + 4, true) * 0x1_0000_0000 + this.dv.getUint32(o, true);
  }
  /** Unsigned 64-bit LE parameter as a JS number (exact below 2^53). */
  u64n(i: number): number {
    const o = this.poff[i]!;
    return this.dv.getUint32(o + 4, true) * 0x1_0000_0000 + this.dv.getUint32(o, true);
  }
  /** Unsigned 64-bit LE parameter, exact. */
  u64(i: number): bigint {
    return this.dv.getBigUint64(this.poff[i]!, true);
  }
  /** Integer parameter of any fixed width, decoded by its byte length (1, 2, 4 or 8; signed for 8). */
  int(i: number): number {
    switch (this.plen[i]) {
      case 1: return this.u8(i);
      case 2: return this.u16(i);
      case 4: return this.u32(i);
      case 8: return this.i64(i);
      default: return 0;
    }
  }
  /** NUL-terminated string parameter (CHARBUF/FSPATH/FSRELPATH), UTF-8; "" if empty; null if absent or length 0 (NULL). */
  str(i: number): string | null {
    if (i >= this.nparams) return null;
    const l = this.plen[i]!;
    if (l === 0) return null;
    const o = this.poff[i]!;
    let e = o + l;
    if (this.buf[e - 1] === 0) e--;
    return decodeString(this.buf, o, e);
  }
  /** Raw bytes of parameter i (a view into the batch buffer: copy before keeping). */
  bytes(i: number): Uint8Array {
    if (i >= this.nparams) return new Uint8Array(0);
    const o = this.poff[i]!;
    return this.buf.subarray(o, o + this.plen[i]!);
  }
  /** A NUL-separated list parameter (execve args/env/cgroups) as strings. */
  strList(i: number): string[] {
    if (i >= this.nparams) return [];
    const o = this.poff[i]!;
    const end = o + this.plen[i]!;
    const out: string[] = [];
    let s = o;
    for (let p = o; p < end; p++) {
      if (this.buf[p] === 0) {
        out.push(decodeString(this.buf, s, p));
        s = p + 1;
      }
    }
    if (s < end) out.push(decodeString(this.buf, s, end));
    return out;
  }
}

/*
 * Decoded-string cache: ASCII strings up to STR_CACHE_MAX_LEN bytes, direct-mapped by a hash of
 * their bytes and verified byte by byte, so a repeated path/comm is returned as the same string
 * object without decoding (PLATFORM.md: 4–5× faster than decoding; the shared object also makes
 * later comparisons and Set lookups cheap, as its hash is computed once).
 */
const STR_CACHE_MAX_LEN = 256;
const STR_CACHE_SIZE = 4096;
const strCacheStr: string[] = new Array<string>(STR_CACHE_SIZE).fill("");
const strCacheHash = new Int32Array(STR_CACHE_SIZE);

/** Decode bytes [s, e) of `buf` as UTF-8 (ASCII fast path, cached by content). */
export function decodeString(buf: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n <= 0) return "";
  if (n <= STR_CACHE_MAX_LEN) {
    let h = n;
    let or = 0;
    for (let p = s; p < e; p++) {
      const b = buf[p]!;
      or |= b;
      h = Math.imul(h ^ b, 0x01000193);
    }
    if (or < 0x80) {
      const slot = (h ^ (h >>> 13)) & (STR_CACHE_SIZE - 1);
      const c = strCacheStr[slot]!;
      if (strCacheHash[slot] === h && c.length === n) {
        let i = 0;
        while (i < n && c.charCodeAt(i) === buf[s + i]) i++;
        if (i === n) return c;
      }
      const str = String.fromCharCode.apply(null, buf.subarray(s, e) as unknown as number[]);
      strCacheStr[slot] = str;
      strCacheHash[slot] = h;
      return str;
    }
  }
  return utf8.decode(buf.subarray(s, e));
}
