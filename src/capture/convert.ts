/**
 * The scap event converter: upgrades events of old layouts read from capture files to the HEAD
 * layout of the event table, so downstream code (state, fields, rules) only sees current events.
 *
 * Semantics follow falcosecurity/libs 0.25.4 userspace/libscap/engine/savefile/converter/
 * (README.md, converter.cpp: test_event_convertibility + convert_event; the rules themselves are
 * the data in converter_table.generated.ts, extracted from table.cpp). In short:
 *
 *  1. events flagged EF_UNUSED are dropped;
 *  2. events not EF_CONVERTER_MANAGED pass unchanged if they are a current version; old enter
 *     versions are dropped (old exits cannot exist: an error);
 *  3. managed enter events always go through the table (most are C_ACTION_STORE: kept per tid and
 *     dropped; open/creat/openat_2/openat2/execveat enters PASS; execve_19 and connect enters
 *     STORE_AND_PASS, i.e. are delivered too);
 *  4. managed exit events go through the table if EF_OLD_VERSION or their nparams differs from the
 *     table's; rules ADD_PARAMS (append) or CHANGE_TYPE (rebuild under a new code), each new
 *     parameter taken FROM_OLD, FROM_ENTER (the stored enter of the same tid, which must be the
 *     exit's type - 1), as EMPTY (length 0) or DEFAULT (the type's zero, 0xFFFFFFFF for UID/GID),
 *     or from a callback (old container event → JSON);
 *  5. after each conversion the result is checked again (up to 50 rounds).
 *
 * Deviation, on purpose: libscap aborts the whole capture on a conversion error (missing rule,
 * more parameters than the table, enter event of the wrong type). We never abort: an enter event of
 * the wrong type is treated as missing (the fallback value is used), and an event that cannot be
 * converted is delivered unchanged. Both are counted in `errors` with the last message in `lastError`.
 */
import { Event, EVT_HDR_LEN } from "../events/event.ts";
import { EF, EVENT_TABLE, PPM_EVENT_MAX, PPME, PT } from "../events/event_table.ts";
import { RAW_CONVERSION_TABLE } from "./converter_table.generated.ts";

/** libscap MAX_CONVERSION_BOUNDARY: conversion rounds allowed for one event. */
export const MAX_CONVERSION_ROUNDS = 50;

/** Instruction codes (conversion_instruction_code in converter/types.h). */
export const enum Instr {
  FROM_OLD = 1,
  FROM_ENTER = 2,
  FROM_DEFAULT = 3,
  FROM_EMPTY = 4,
  FROM_CALLBACK = 5,
}

/** Actions (conversion_action in converter/types.h). */
export const enum Action {
  PASS = 1,
  STORE = 2,
  STORE_AND_PASS = 3,
  ADD_PARAMS = 4,
  CHANGE_TYPE = 5,
}

/** One conversion rule, resolved to codes. `instrs` holds triples (code, param index, fallbackToEmpty). */
export interface ConversionRule {
  readonly type: number;
  readonly nparams: number;
  readonly action: Action;
  readonly desiredType: number;
  readonly instrs: Int32Array;
  /** Callback name per instruction (FROM_CALLBACK only), else null. */
  readonly callbacks: readonly (string | null)[];
  /** Code of the resulting event (desiredType for CHANGE_TYPE, type for ADD_PARAMS). */
  readonly outType: number;
  /** Length-field size of the resulting event (2, or 4 for EF_LARGE_PAYLOAD). */
  readonly outLenSize: number;
  /** Per instruction: PT_* type of the parameter it fills, its fixed size (0 = variable) and its maximum length. */
  readonly ptypes: Int32Array;
  readonly minLens: Int32Array;
  readonly maxLens: Float64Array;
}

const ACTIONS: Record<string, Action> = {
  PASS: Action.PASS,
  STORE: Action.STORE,
  STORE_AND_PASS: Action.STORE_AND_PASS,
  ADD_PARAMS: Action.ADD_PARAMS,
  CHANGE_TYPE: Action.CHANGE_TYPE,
};
const INSTRS: Record<string, Instr> = {
  FROM_OLD: Instr.FROM_OLD,
  FROM_ENTER: Instr.FROM_ENTER,
  FROM_DEFAULT: Instr.FROM_DEFAULT,
  FROM_EMPTY: Instr.FROM_EMPTY,
  FROM_CALLBACK: Instr.FROM_CALLBACK,
};

function enumCode(name: string): number {
  const c = PPME[name.replace(/^PPME_/, "")];
  if (c === undefined) throw new Error(`converter table: unknown event ${name}`);
  return c;
}

/** The conversion table keyed by `type * 256 + (nparams & 0xff)` (libscap keys on a u8 nparams). */
export const CONVERSION_TABLE: ReadonlyMap<number, ConversionRule> = (() => {
  const m = new Map<number, ConversionRule>();
  for (const [ename, np, act, desired, rawInstrs] of RAW_CONVERSION_TABLE) {
    const type = enumCode(ename);
    const instrs = new Int32Array(rawInstrs.length * 3);
    const callbacks: (string | null)[] = [];
    rawInstrs.forEach((ins, i) => {
      instrs[i * 3] = INSTRS[ins[0] as string] ?? 0;
      instrs[i * 3 + 1] = ins[1] as number;
      instrs[i * 3 + 2] = ins[2] as number;
      callbacks.push((ins[3] as string | undefined) ?? null);
    });
    const action = ACTIONS[act];
    if (action === undefined) throw new Error(`converter table: unknown action ${act}`);
    const desiredType = desired ? enumCode(desired) : type;
    const outType = action === Action.CHANGE_TYPE ? desiredType : type;
    const outInfo = EVENT_TABLE[outType]!;
    const outLenSize = outInfo.largePayload ? 4 : 2;
    const first = action === Action.ADD_PARAMS ? np : 0;
    const n = rawInstrs.length;
    const ptypes = new Int32Array(n);
    const minLens = new Int32Array(n);
    const maxLens = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const pt = outInfo.params[first + k]?.type ?? PT.BYTEBUF;
      ptypes[k] = pt;
      minLens[k] = paramMinLen(pt);
      maxLens[k] = paramMaxLen(pt, outLenSize);
    }
    m.set(type * 256 + (np & 0xff), {
      type,
      nparams: np,
      action,
      desiredType,
      instrs,
      callbacks,
      outType,
      outLenSize,
      ptypes,
      minLens,
      maxLens,
    });
  }
  return m;
})();

/** Outcome of the convertibility test (conversion_result). */
export const enum Conv {
  PASS = 0,
  DROP = 1,
  CONTINUE = 2,
  ERROR = 3,
}

// Per type: 0 = pass, 1 = drop (unused), 2 = drop (old enter not managed), 3 = error (old exit not managed),
// 4 = continue (managed enter), 5 = check nparams (managed exit), 6 = continue always (managed old exit).
const KIND = new Uint8Array(PPM_EVENT_MAX);
const EXPECTED_NP = new Uint16Array(PPM_EVENT_MAX);
for (let t = 0; t < PPM_EVENT_MAX; t++) {
  const info = EVENT_TABLE[t]!;
  const f = info.flags;
  EXPECTED_NP[t] = info.params.length;
  const enter = t % 2 === 0;
  if (f & EF.UNUSED) KIND[t] = 1;
  else if (!(f & EF.CONVERTER_MANAGED)) KIND[t] = !(f & EF.OLD_VERSION) ? 0 : enter ? 2 : 3;
  else if (enter) KIND[t] = 4;
  else KIND[t] = f & EF.OLD_VERSION ? 6 : 5;
}

/**
 * libscap test_event_convertibility for an event of `type` with `nparams` parameters.
 * @returns Conv.PASS (deliver as is), DROP, CONTINUE (look up the table) or ERROR.
 */
export function testConvertibility(type: number, nparams: number): Conv {
  if (type >= PPM_EVENT_MAX) return Conv.DROP;
  switch (KIND[type]) {
    case 0: return Conv.PASS;
    case 1: case 2: return Conv.DROP;
    case 3: return Conv.ERROR;
    case 4: case 6: return nparams > EXPECTED_NP[type]! && KIND[type] === 6 ? Conv.ERROR : Conv.CONTINUE;
    default: {
      const exp = EXPECTED_NP[type]!;
      if (nparams > exp) return Conv.ERROR;
      return nparams !== exp ? Conv.CONTINUE : Conv.PASS;
    }
  }
}

/** ppm_param_min_len_from_type (driver/ppm_param_helpers.h): the fixed size of a PT_* type, 0 for variable ones. */
export function paramMinLen(pt: number): number {
  switch (pt) {
    case PT.INT8: case PT.UINT8: case PT.FLAGS8: case PT.ENUMFLAGS8: case PT.SIGTYPE:
    case PT.L4PROTO: case PT.SOCKFAMILY:
      return 1;
    case PT.INT16: case PT.UINT16: case PT.FLAGS16: case PT.ENUMFLAGS16: case PT.SYSCALLID: case PT.PORT:
      return 2;
    case PT.INT32: case PT.UINT32: case PT.FLAGS32: case PT.ENUMFLAGS32: case PT.UID: case PT.GID:
    case PT.MODE: case PT.SIGSET: case PT.FD32: case PT.PID32: case PT.IPV4ADDR: case PT.BOOL:
      return 4;
    case PT.INT64: case PT.UINT64: case PT.RELTIME: case PT.ABSTIME: case PT.ERRNO: case PT.FD:
    case PT.PID: case PT.DOUBLE:
      return 8;
    case PT.IPV6ADDR:
      return 16;
    default:
      return 0;
  }
}

/** ppm_param_max_len_from_type: fixed types their size, variable ones the length field's maximum. */
export function paramMaxLen(pt: number, lenSize: number): number {
  const f = paramMinLen(pt);
  if (f > 0) return f;
  return lenSize === 2 ? 0xffff : 0xffffffff;
}

class Stored {
  buf: Uint8Array;
  dv: DataView;
  len = 0;
  constructor(n: number) {
    this.buf = new Uint8Array(n);
    this.dv = new DataView(this.buf.buffer);
  }
}

/** Little-endian u16 store by bytes (DataView setters are not inlined on this path in Bun 1.4). */
function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
}

/** Little-endian u32 store by bytes. */
function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/**
 * Copy n bytes (small copies by loop: cheaper than a subarray view; in Bun 1.4 the loop wins up to
 * ~80 bytes, set(subarray) costs ~55 ns whatever the size).
 */
function copyBytes(dst: Uint8Array, d: number, src: Uint8Array, s: number, n: number): void {
  if (n <= 64) {
    for (let i = 0; i < n; i++) dst[d + i] = src[s + i]!;
  } else {
    dst.set(src.subarray(s, s + n), d);
  }
}

const enc = new TextEncoder();

/**
 * Stateful converter for one capture stream (the per-tid enter-event storage is its state).
 * Reuses its buffers: no allocation per converted event except when a buffer must grow, or a
 * thread stores its first enter event.
 */
export class EventConverter {
  /** Conversion problems met (see the module comment); the stream goes on. */
  errors = 0;
  /** Message of the last problem. */
  lastError = "";
  /** Events dropped by the converter (stored enters, unused, old enter versions). */
  dropped = 0;
  /** Events that went through at least one conversion round. */
  converted = 0;
  /**
   * Deliver the enter events the table stores (C_ACTION_STORE) too, as STORE_AND_PASS: they are
   * still stored for their exit's conversion. libscap 0.25.4 drops them; Falco's capture-replay
   * regression suite (falcosecurity/testing legacy_test.go, e.g. CatchallOrder: dev_null = 6 on
   * cat_write.scap) and sysdig count them, so replay sets this (src/cli/replay.ts). Default false.
   */
  passStoredEnters = false;

  private readonly storage = new Map<number, Stored>();
  private bufA = new Uint8Array(1 << 16);
  private bufB = new Uint8Array(1 << 16);
  private dvA = new DataView(this.bufA.buffer);
  private dvB = new DataView(this.bufB.buffer);
  private readonly srcOff = new Int32Array(256);
  private readonly srcLen = new Int32Array(256);
  private readonly entOff = new Int32Array(256);
  private readonly entLen = new Int32Array(256);

  /** Forget stored enter events (a new capture section starts). */
  reset(): void {
    this.storage.clear();
  }

  /**
   * Convert the event `ev` points at, in place of libscap's savefile `next()` conversion loop.
   * @returns true if an event is to be delivered: `ev` then points at the HEAD-layout event
   *   (unchanged, or rebuilt in this converter's scratch buffer, valid until the next call);
   *   false if the event is dropped. `ev.cpu`/`ev.flags` are left untouched.
   */
  process(ev: Event): boolean {
    let res = testConvertibility(ev.type, ev.nparams);
    if (res === Conv.PASS) return true;
    if (res === Conv.DROP) {
      this.dropped++;
      return false;
    }
    if (res === Conv.ERROR) {
      this.fail(`event type ${ev.type} (${ev.name}) with ${ev.nparams} parameters cannot be converted`);
      return true;
    }
    this.converted++;
    let buf = ev.buf;
    let dv = ev.dv;
    let off = ev.off;
    let len = ev.len;
    let inScratch = false;
    let useA = true;
    for (let round = 0; round < MAX_CONVERSION_ROUNDS; round++) {
      const type = dv.getUint16(off + 20, true);
      const np = dv.getUint32(off + 22, true);
      const rule = CONVERSION_TABLE.get(type * 256 + (np & 0xff));
      if (!rule) {
        this.fail(`no conversion rule for event type ${type} (${EVENT_TABLE[type]?.name}) with ${np} parameters`);
        res = Conv.ERROR;
        break;
      }
      const tid = ev.tid;
      if (rule.action === Action.STORE) {
        this.store(tid, buf, off, len);
        if (this.passStoredEnters) {
          res = Conv.PASS;
          break;
        }
        this.dropped++;
        return false;
      }
      if (rule.action === Action.PASS) {
        res = Conv.PASS;
        break;
      }
      if (rule.action === Action.STORE_AND_PASS) {
        this.store(tid, buf, off, len);
        res = Conv.PASS;
        break;
      }
      // Rebuild into the scratch buffer not holding the source.
      const need = len + 1024 + rule.instrs.length * 8 + this.storedLen(tid);
      if (useA && this.bufA.length < need) this.growA(need, inScratch && buf === this.bufA);
      if (!useA && this.bufB.length < need) this.growB(need, inScratch && buf === this.bufB);
      const dst = useA ? this.bufA : this.bufB;
      const ddv = useA ? this.dvA : this.dvB;
      const newLen = this.rebuild(rule, tid, buf, dv, off, len, type, np, dst, ddv);
      if (newLen < 0) {
        res = Conv.ERROR;
        break;
      }
      buf = dst;
      dv = ddv;
      off = 0;
      len = newLen;
      inScratch = true;
      useA = !useA;
      res = testConvertibility(ddv.getUint16(20, true), ddv.getUint32(22, true));
      if (res !== Conv.CONTINUE) break;
    }
    if (res === Conv.CONTINUE) {
      this.fail(`conversion of event type ${ev.type} did not end within ${MAX_CONVERSION_ROUNDS} rounds`);
      return true;
    }
    if (res === Conv.ERROR) return true; // deliver what we have (ev untouched if nothing was rebuilt)
    if (res === Conv.DROP) {
      this.dropped++;
      return false;
    }
    if (inScratch) ev.reset(buf, off, len, dv);
    return true;
  }

  private fail(msg: string): void {
    this.errors++;
    this.lastError = msg;
  }

  private growA(n: number, keep: boolean): void {
    const nb = new Uint8Array(Math.max(n, this.bufA.length * 2));
    if (keep) nb.set(this.bufA);
    this.bufA = nb;
    this.dvA = new DataView(nb.buffer);
  }
  private growB(n: number, keep: boolean): void {
    const nb = new Uint8Array(Math.max(n, this.bufB.length * 2));
    if (keep) nb.set(this.bufB);
    this.bufB = nb;
    this.dvB = new DataView(nb.buffer);
  }

  private store(tid: number, buf: Uint8Array, off: number, len: number): void {
    let s = this.storage.get(tid);
    if (s === undefined || s.buf.length < len) {
      s = new Stored(Math.max(len, 256));
      this.storage.set(tid, s);
    }
    copyBytes(s.buf, 0, buf, off, len);
    s.len = len;
  }

  private storedLen(tid: number): number {
    const s = this.storage.get(tid);
    return s ? s.len : 0;
  }

  /** Parse the stored enter event of `tid` if it is the enter of exit `type`; returns its nparams or -1. */
  private loadEnter(tid: number, type: number): number {
    const s = this.storage.get(tid);
    if (s === undefined || s.len < EVT_HDR_LEN) return -1;
    const edv = s.dv;
    const et = edv.getUint16(20, true);
    const enp = edv.getUint32(22, true);
    if (et !== type - 1) {
      this.fail(`enter event for type ${type} (${EVENT_TABLE[type]?.name}) is of type ${et}: ignored`);
      return -1;
    }
    const elsz = et < PPM_EVENT_MAX && EVENT_TABLE[et]!.largePayload ? 4 : 2;
    if (enp > 255 || EVT_HDR_LEN + enp * elsz > s.len) return -1;
    let q = EVT_HDR_LEN + enp * elsz;
    for (let i = 0; i < enp; i++) {
      const l = elsz === 4 ? edv.getUint32(EVT_HDR_LEN + i * 4, true) : edv.getUint16(EVT_HDR_LEN + i * 2, true);
      this.entOff[i] = q;
      this.entLen[i] = l;
      q += l;
    }
    if (q > s.len) return -1;
    this.enterEvt = s;
    return enp;
  }

  private enterEvt: Stored | null = null;

  /** Build the converted event into dst at 0. Returns its length, or -1 on error. */
  private rebuild(
    rule: ConversionRule,
    tid: number,
    src: Uint8Array,
    sdv: DataView,
    off: number,
    len: number,
    type: number,
    np: number,
    dst: Uint8Array,
    ddv: DataView,
  ): number {
    const srcLsz = EVENT_TABLE[type]!.largePayload ? 4 : 2;
    if (np > 255 || EVT_HDR_LEN + np * srcLsz > len) {
      this.fail(`event type ${type}: ${np} parameters do not fit length ${len}`);
      return -1;
    }
    // Source parameter offsets.
    const srcOff = this.srcOff;
    const srcLen = this.srcLen;
    let p = off + EVT_HDR_LEN + np * srcLsz;
    for (let i = 0; i < np; i++) {
      const l = srcLsz === 4 ? sdv.getUint32(off + EVT_HDR_LEN + i * 4, true) : sdv.getUint16(off + EVT_HDR_LEN + i * 2, true);
      srcOff[i] = p;
      srcLen[i] = l;
      p += l;
    }
    if (p > off + len) {
      this.fail(`event type ${type}: parameter lengths exceed length ${len}`);
      return -1;
    }
    const instrs = rule.instrs;
    const ninstr = instrs.length / 3;
    const add = rule.action === Action.ADD_PARAMS;
    const newNp = add ? np + ninstr : ninstr;
    const first = add ? np : 0;
    const lsz = rule.outLenSize;
    const large = lsz === 4;
    // Header: ts and tid copied, len patched at the end.
    copyBytes(dst, 0, src, off, 16);
    put16(dst, 20, rule.outType);
    put32(dst, 22, newNp);
    let w = EVT_HDR_LEN + newNp * lsz;
    if (add) {
      for (let i = 0; i < np; i++) {
        const l = srcLen[i]!;
        if (large) put32(dst, EVT_HDR_LEN + i * 4, l);
        else put16(dst, EVT_HDR_LEN + i * 2, l);
      }
      // Parameters are contiguous: one copy.
      const ps = off + EVT_HDR_LEN + np * srcLsz;
      copyBytes(dst, w, src, ps, p - ps);
      w += p - ps;
    }
    let enterNp = -2; // -2 = not looked up yet, -1 = none
    let usedEnter = false;
    for (let k = 0; k < ninstr; k++) {
      const idx = first + k;
      const code = instrs[k * 3]!;
      const pnum = instrs[k * 3 + 1]!;
      const fallbackEmpty = instrs[k * 3 + 2] === 1;
      let from: Uint8Array | null = null;
      let fOff = 0;
      let fLen = 0;
      let outLen = 0;
      if (code === Instr.FROM_EMPTY) {
        // length 0
      } else if (code === Instr.FROM_DEFAULT) {
        outLen = this.pushDefault(dst, ddv, w, rule.ptypes[k]!);
      } else {
        if (code === Instr.FROM_OLD) {
          if (pnum < np) {
            from = src;
            fOff = srcOff[pnum]!;
            fLen = srcLen[pnum]!;
          } else {
            this.fail(`event type ${type}: parameter ${pnum} wanted from an event with ${np} parameters`);
          }
        } else if (code === Instr.FROM_ENTER) {
          if (enterNp === -2) enterNp = this.loadEnter(tid, type);
          if (enterNp >= 0 && pnum < enterNp) {
            from = this.enterEvt!.buf;
            fOff = this.entOff[pnum]!;
            fLen = this.entLen[pnum]!;
            usedEnter = true;
          } else if (enterNp >= 0) {
            this.fail(`enter event of type ${type - 1} has no parameter ${pnum}`);
          }
        } else if (code === Instr.FROM_CALLBACK) {
          const bytes = this.callback(rule.callbacks[k] ?? "", src, np);
          if (bytes !== null && bytes.length <= rule.maxLens[k]!) {
            from = bytes;
            fOff = 0;
            fLen = bytes.length;
          }
        } else {
          this.fail(`unknown conversion instruction ${code}`);
          return -1;
        }
        if (from === null) {
          if (!fallbackEmpty) outLen = this.pushDefault(dst, ddv, w, rule.ptypes[k]!);
        } else {
          outLen = Math.min(fLen, rule.maxLens[k]!);
          if (dst.length < w + outLen + 64) return this.tooBig(type);
          copyBytes(dst, w, from, fOff, outLen);
        }
      }
      w += outLen;
      if (large) put32(dst, EVT_HDR_LEN + idx * 4, outLen);
      else put16(dst, EVT_HDR_LEN + idx * 2, outLen);
    }
    if (usedEnter) this.enterEvt!.len = 0;
    this.enterEvt = null;
    put32(dst, 16, w);
    return w;
  }

  private tooBig(type: number): number {
    this.fail(`converted event of type ${type} outgrew the conversion buffer`);
    return -1;
  }

  /** Write the default value of a PT_* type at w (0, or 0xFFFFFFFF for UID/GID); returns its length. */
  private pushDefault(dst: Uint8Array, ddv: DataView, w: number, pt: number): number {
    const n = paramMinLen(pt);
    if (pt === PT.UID || pt === PT.GID) ddv.setUint32(w, 0xffffffff, true);
    else dst.fill(0, w, w + n);
    return n;
  }

  /** C_INSTR_FROM_CALLBACK implementations (table.cpp callbacks). null = failed (use the fallback). */
  private callback(name: string, src: Uint8Array, np: number): Uint8Array | null {
    if (name === "extract_ppme_container_json_e_json_param") {
      // Old container event (id, type, name, image) → {"id":..,"type":..,"name":..,"image":..}\0
      if (np < 4 || this.srcLen[1]! < 4) return null;
      const s = (i: number) => {
        const o = this.srcOff[i]!;
        const l = this.srcLen[i]!;
        if (l === 0) throw new Error("empty");
        return new TextDecoder().decode(src.subarray(o, o + l - 1));
      };
      try {
        const ty = new DataView(src.buffer, src.byteOffset).getUint32(this.srcOff[1]!, true);
        const json = `{"id":"${s(0)}","type":${ty},"name":"${s(2)}","image":"${s(3)}"}`;
        const b = enc.encode(json);
        const out = new Uint8Array(b.length + 1);
        out.set(b);
        return out;
      } catch {
        return null;
      }
    }
    this.fail(`unknown conversion callback ${name}`);
    return null;
  }
}
