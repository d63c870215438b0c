/**
 * scap capture writer: SHB 1.2, MI, IL_V2, UL_V2, PL_V9, FDL_V2 tables and EV(F)_V2(_LARGE) event
 * blocks, in the order libscap's scap_setup_dump writes them. Output is plain (uncompressed).
 *
 * Layouts follow falcosecurity/libs userspace/libscap/scap_savefile.c (scap_write_* / scap_dump)
 * as distilled in ../../../shared/notes/SCAP_FORMAT.md §1 (blocks padded to 4 bytes, trailer =
 * total length; PL/FDL/UL entry lengths count themselves, IL_V2 entry lengths do not).
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { Event } from "../events/event.ts";
import { EVENT_TABLE, PPM_EVENT_MAX } from "../events/event_table.ts";
import {
  type CaptureFd,
  type CaptureGroup,
  type CaptureInterface,
  type CaptureThread,
  type CaptureUser,
  EV_BLOCK_TYPE_V2,
  EV_BLOCK_TYPE_V2_LARGE,
  EVF_BLOCK_TYPE_V2,
  EVF_BLOCK_TYPE_V2_LARGE,
  FDL_BLOCK_TYPE_V2,
  IL_BLOCK_TYPE_V2,
  MAX_CREDENTIALS_STR_LEN,
  MI_BLOCK_TYPE,
  type MachineInfo,
  PL_BLOCK_TYPE_V9,
  SCAP_II_IPV4,
  SCAP_MAX_ARGS_SIZE,
  SCAP_MAX_CGROUPS_SIZE,
  SCAP_MAX_ENV_SIZE,
  SCAP_MAX_PATH_SIZE,
  SCAP_II_IPV4_NOLINKSPEED,
  SCAP_II_IPV6,
  SHB_BLOCK_TYPE,
  SHB_MAGIC,
  UL_BLOCK_TYPE_V2,
} from "./format.ts";

/** Thrown by CaptureWriter for invalid input (what and why) or I/O failures. */
export class CaptureWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CaptureWriteError";
  }
}

/** Tables written after the section header (every part optional; empty lists are not written, as libscap). */
export interface CaptureTables {
  machine?: MachineInfo | null;
  interfaces?: readonly CaptureInterface[];
  users?: readonly CaptureUser[];
  groups?: readonly CaptureGroup[];
  threads?: readonly Partial<CaptureThread>[];
  /** fds per tid; one FDL_V2 block per tid. */
  fds?: ReadonlyMap<number, readonly Partial<CaptureFd>[]>;
}

const enc = new TextEncoder();

/** Growable little-endian byte builder for one block body. */
class Body {
  b = new Uint8Array(4096);
  dv = new DataView(this.b.buffer);
  n = 0;
  reset(): void {
    this.n = 0;
  }
  room(k: number): void {
    if (this.n + k <= this.b.length) return;
    const nb = new Uint8Array(Math.max(this.n + k, this.b.length * 2));
    nb.set(this.b.subarray(0, this.n));
    this.b = nb;
    this.dv = new DataView(nb.buffer);
  }
  u8(v: number): void {
    this.room(1);
    this.b[this.n++] = v & 0xff;
  }
  u16(v: number): void {
    this.room(2);
    this.dv.setUint16(this.n, v & 0xffff, true);
    this.n += 2;
  }
  u32(v: number): void {
    this.room(4);
    this.dv.setUint32(this.n, v >>> 0, true);
    this.n += 4;
  }
  /** Signed or unsigned 64-bit from a JS number (two's complement for negatives). */
  i64(v: number): void {
    this.u64(BigInt.asUintN(64, BigInt(Math.trunc(v))));
  }
  u64(v: bigint): void {
    this.room(8);
    this.dv.setBigUint64(this.n, BigInt.asUintN(64, v), true);
    this.n += 8;
  }
  bytes(x: Uint8Array): void {
    this.room(x.length);
    this.b.set(x, this.n);
    this.n += x.length;
  }
  /**
   * u16 length + bytes, no NUL. With `max` (a scap_limits.h size), the UTF-8 bytes are cut to
   * below `max` on a character boundary, as libscap's /proc scan reads at most `max - 1` bytes;
   * libscap's reader refuses longer strings ("invalid argslen"), so an over-long command line of
   * some host process must not make the whole capture unreadable.
   */
  str(s: string, max = 0x10000): void {
    let x = enc.encode(s);
    if (x.length >= max) {
      let cut = max - 1;
      while (cut > 0 && (x[cut]! & 0xc0) === 0x80) cut--; // do not split a UTF-8 sequence
      x = x.subarray(0, cut);
    }
    this.u16(x.length);
    this.bytes(x);
  }
  /** u16 length + "a\0b\0", cut like {@link str} to below `max` bytes. */
  list(items: readonly string[], max?: number): void {
    this.str(items.length ? items.join("\0") + "\0" : "", max);
  }
  patch32(at: number, v: number): void {
    this.dv.setUint32(at, v >>> 0, true);
  }
}

function ipv4Bytes(s: string): Uint8Array {
  const out = new Uint8Array(4);
  if (!s) return out;
  const parts = s.split(".");
  if (parts.length !== 4) throw new CaptureWriteError(`invalid IPv4 address "${s}"`);
  parts.forEach((p, i) => {
    const v = Number(p);
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new CaptureWriteError(`invalid IPv4 address "${s}"`);
    out[i] = v;
  });
  return out;
}

function ipv6Bytes(s: string): Uint8Array {
  const out = new Uint8Array(16);
  if (!s) return out;
  let text = s;
  const tail: number[] = [];
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (m) {
    const v4 = ipv4Bytes(m[2]!);
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    text = m[1]!.endsWith("::") ? m[1]! : m[1]!.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) throw new CaptureWriteError(`invalid IPv6 address "${s}"`);
  const parse = (h: string) => (h ? h.split(":").map((x) => {
    const v = parseInt(x, 16);
    if (!/^[0-9a-fA-F]{1,4}$/.test(x)) throw new CaptureWriteError(`invalid IPv6 address "${s}"`);
    return v;
  }) : []);
  const left = parse(halves[0]!);
  const right = halves.length === 2 ? [...parse(halves[1]!), ...tail] : [];
  const words = halves.length === 2 ? [...left, ...new Array(8 - left.length - right.length).fill(0), ...right] : [...left, ...tail];
  if (words.length !== 8) throw new CaptureWriteError(`invalid IPv6 address "${s}"`);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/**
 * Writes one capture file (or an in-memory capture when `path` is null: see `bytes()`).
 * Call `writeHeader` once, then `writeEvent`/`writeRawEvent` per event, then `close`.
 * @throws CaptureWriteError on invalid input or write failure.
 */
export class CaptureWriter {
  private fd = -1;
  private out = new Uint8Array(1 << 20);
  private outDv = new DataView(this.out.buffer);
  private n = 0;
  private chunks: Uint8Array[] | null = null;
  private readonly body = new Body();
  private headerDone = false;
  /** Event blocks written. */
  events = 0;

  /** @param path output file (created/truncated), or null to build the capture in memory. */
  constructor(path: string | null) {
    if (path === null) this.chunks = [];
    else {
      try {
        this.fd = openSync(path, "w");
      } catch (e) {
        throw new CaptureWriteError(`cannot create ${path}: ${(e as Error).message}`);
      }
    }
  }

  private flush(): void {
    if (this.n === 0) return;
    if (this.chunks) this.chunks.push(this.out.slice(0, this.n));
    else {
      let off = 0;
      try {
        while (off < this.n) off += writeSync(this.fd, this.out, off, this.n - off);
      } catch (e) {
        throw new CaptureWriteError(`write failed: ${(e as Error).message}`);
      }
    }
    this.n = 0;
  }

  private reserve(k: number): void {
    if (this.n + k <= this.out.length) return;
    this.flush();
    if (k > this.out.length) {
      this.out = new Uint8Array(k);
      this.outDv = new DataView(this.out.buffer);
    }
  }

  /** Emit a block: header, body, zero padding to 4, trailer. */
  private block(type: number, body: Uint8Array, bodyLen: number): void {
    const total = (8 + bodyLen + 4 + 3) & ~3;
    this.reserve(total);
    const d = this.outDv;
    d.setUint32(this.n, type >>> 0, true);
    d.setUint32(this.n + 4, total, true);
    this.out.set(body.subarray(0, bodyLen), this.n + 8);
    this.out.fill(0, this.n + 8 + bodyLen, this.n + total - 4);
    d.setUint32(this.n + total - 4, total, true);
    this.n += total;
  }

  /** Write SHB 1.2 and the tables (MI, IL_V2, UL_V2, PL_V9, FDL_V2 per tid). Call once, first. */
  writeHeader(t: CaptureTables = {}): void {
    if (this.headerDone) throw new CaptureWriteError("writeHeader called twice");
    this.headerDone = true;
    const b = this.body;
    // SHB
    b.reset();
    b.u32(SHB_MAGIC);
    b.u16(1);
    b.u16(2);
    b.u64(0xffffffffffffffffn);
    this.block(SHB_BLOCK_TYPE, b.b, b.n);
    // MI
    if (t.machine) {
      const m = t.machine;
      b.reset();
      b.u32(m.numCpus);
      b.i64(m.memorySizeBytes);
      b.i64(m.maxPid);
      const h = enc.encode(m.hostname);
      const hb = new Uint8Array(128);
      hb.set(h.subarray(0, 127));
      b.bytes(hb);
      b.u64(m.bootTsEpoch);
      b.u64(m.flags);
      b.u64(0n);
      b.u64(0n);
      this.block(MI_BLOCK_TYPE, b.b, b.n);
    }
    // IL_V2
    if (t.interfaces && t.interfaces.length) {
      b.reset();
      for (const it of t.interfaces) {
        const at = b.n;
        b.u32(0);
        const name = enc.encode(it.name);
        b.u16(it.type);
        b.u16(name.length);
        const v4 = it.type === SCAP_II_IPV4 || it.type === SCAP_II_IPV4_NOLINKSPEED;
        const conv = v4 ? ipv4Bytes : ipv6Bytes;
        b.bytes(conv(it.addr));
        b.bytes(conv(it.netmask));
        b.bytes(conv(it.bcast));
        if (it.type === SCAP_II_IPV4 || it.type === SCAP_II_IPV6) b.i64(it.linkspeed);
        b.bytes(name);
        b.patch32(at, b.n - at - 4); // IL_V2 length excludes itself
      }
      this.block(IL_BLOCK_TYPE_V2, b.b, b.n);
    }
    // UL_V2
    if ((t.users && t.users.length) || (t.groups && t.groups.length)) {
      b.reset();
      for (const u of t.users ?? []) {
        const at = b.n;
        b.u32(0);
        b.u8(0);
        b.u32(u.uid);
        b.u32(u.gid);
        b.str(u.name, MAX_CREDENTIALS_STR_LEN);
        b.str(u.homedir, MAX_CREDENTIALS_STR_LEN);
        b.str(u.shell, MAX_CREDENTIALS_STR_LEN);
        b.patch32(at, b.n - at);
      }
      for (const g of t.groups ?? []) {
        const at = b.n;
        b.u32(0);
        b.u8(1);
        b.u32(g.gid);
        b.str(g.name, MAX_CREDENTIALS_STR_LEN);
        b.patch32(at, b.n - at);
      }
      this.block(UL_BLOCK_TYPE_V2, b.b, b.n);
    }
    // PL_V9
    if (t.threads && t.threads.length) {
      b.reset();
      for (const th of t.threads) this.writeThread(b, th);
      this.block(PL_BLOCK_TYPE_V9, b.b, b.n);
    }
    // FDL_V2
    if (t.fds) {
      for (const [tid, list] of t.fds) {
        b.reset();
        b.i64(tid);
        for (const f of list) this.writeFd(b, f);
        this.block(FDL_BLOCK_TYPE_V2, b.b, b.n);
      }
    }
  }

  private writeThread(b: Body, th: Partial<CaptureThread>): void {
    const at = b.n;
    b.u32(0);
    b.i64(th.tid ?? 0);
    b.i64(th.pid ?? 0);
    b.i64(th.ptid ?? 0);
    b.i64(th.sid ?? -1);
    b.i64(th.vpgid ?? -1);
    b.str(th.comm ?? "", SCAP_MAX_PATH_SIZE);
    b.str(th.exe ?? "", SCAP_MAX_PATH_SIZE);
    b.str(th.exepath ?? "", SCAP_MAX_PATH_SIZE);
    b.list(th.args ?? [], SCAP_MAX_ARGS_SIZE);
    b.str(th.cwd ?? "", SCAP_MAX_PATH_SIZE);
    b.i64(th.fdlimit ?? 0);
    b.u32(th.flags ?? 0);
    b.u32(th.uid ?? 0);
    b.u32(th.gid ?? 0);
    b.u32(th.vmsizeKb ?? 0);
    b.u32(th.vmrssKb ?? 0);
    b.u32(th.vmswapKb ?? 0);
    b.i64(th.pfmajor ?? 0);
    b.i64(th.pfminor ?? 0);
    b.list(th.env ?? [], SCAP_MAX_ENV_SIZE);
    b.i64(th.vtid ?? -1);
    b.i64(th.vpid ?? -1);
    b.list((th.cgroups ?? []).map(([s, p]) => `${s}=${p}`), SCAP_MAX_CGROUPS_SIZE);
    b.str(th.root ?? "", SCAP_MAX_PATH_SIZE);
    b.u64(th.pidnsInitStartTs ?? 0n);
    b.u32(th.tty ?? 0);
    b.u32(th.loginuid ?? 0xffffffff);
    const xf = th.exeFlags ?? 0;
    b.u8(xf & 1 ? 1 : 0);
    b.u64(th.capInheritable ?? 0n);
    b.u64(th.capPermitted ?? 0n);
    b.u64(th.capEffective ?? 0n);
    b.u8(xf & 2 ? 1 : 0);
    b.i64(th.exeIno ?? 0);
    b.u64(th.exeInoCtime ?? 0n);
    b.u64(th.exeInoMtime ?? 0n);
    b.u8(xf & 4 ? 1 : 0);
    b.u8(xf & 8 ? 1 : 0);
    b.i64(th.pgid ?? -1);
    b.patch32(at, b.n - at);
  }

  private writeFd(b: Body, f: Partial<CaptureFd>): void {
    const type = f.type ?? 10;
    if (type <= 0) return; // UNINITIALIZED / UNKNOWN entries are never written (libscap)
    const at = b.n;
    b.u32(0);
    b.i64(f.fd ?? 0);
    b.i64(f.ino ?? 0);
    b.u8(type);
    switch (type) {
      case 3:
        b.bytes(ipv4Bytes(f.sip ?? ""));
        b.bytes(ipv4Bytes(f.dip ?? ""));
        b.u16(f.sport ?? 0);
        b.u16(f.dport ?? 0);
        b.u8(f.l4proto ?? 0);
        break;
      case 5:
        b.bytes(ipv4Bytes(f.sip ?? ""));
        b.u16(f.sport ?? 0);
        b.u8(f.l4proto ?? 0);
        break;
      case 4:
        b.bytes(ipv6Bytes(f.sip ?? ""));
        b.bytes(ipv6Bytes(f.dip ?? ""));
        b.u16(f.sport ?? 0);
        b.u16(f.dport ?? 0);
        b.u8(f.l4proto ?? 0);
        break;
      case 6:
        b.bytes(ipv6Bytes(f.sip ?? ""));
        b.u16(f.sport ?? 0);
        b.u8(f.l4proto ?? 0);
        break;
      case 8:
        b.u64(f.unixSource ?? 0n);
        b.u64(f.unixDest ?? 0n);
        b.str(f.name ?? "", SCAP_MAX_PATH_SIZE);
        break;
      case 16:
        b.u32(f.openFlags ?? 0);
        b.str(f.name ?? "", SCAP_MAX_PATH_SIZE);
        b.u32(f.dev ?? 0);
        break;
      default:
        b.str(f.name ?? "", SCAP_MAX_PATH_SIZE);
        break;
    }
    b.patch32(at, b.n - at);
  }

  /**
   * Write one V2 event given as raw bytes `buf[off, off+len)` (ppm_evt_hdr + lengths + params).
   * Uses EVF_V2 when `flags` is non-zero and the _LARGE block when the type is EF_LARGE_PAYLOAD.
   * @throws CaptureWriteError if the header is missing or the event is malformed / too large.
   */
  writeRawEvent(buf: Uint8Array, off: number, len: number, cpu = 0, flags = 0): void {
    if (!this.headerDone) throw new CaptureWriteError("writeHeader must be called before events");
    if (len < 26 || off + len > buf.length) throw new CaptureWriteError(`event length ${len} invalid`);
    const type = buf[off + 20]! | (buf[off + 21]! << 8);
    const large = type < PPM_EVENT_MAX && EVENT_TABLE[type]!.largePayload;
    const evf = flags !== 0;
    const pre = evf ? 6 : 2;
    const bodyLen = pre + len;
    if (!large && 8 + bodyLen + 4 > 1 << 16) throw new CaptureWriteError(`event of type ${type} (${len} bytes) too large for a non-LARGE block`);
    const total = (8 + 2 + len + 4 + 3 + (evf ? 4 : 0)) & ~3;
    this.reserve(total);
    const d = this.outDv;
    const bt = large ? (evf ? EVF_BLOCK_TYPE_V2_LARGE : EV_BLOCK_TYPE_V2_LARGE) : evf ? EVF_BLOCK_TYPE_V2 : EV_BLOCK_TYPE_V2;
    const o = this.n;
    d.setUint32(o, bt, true);
    d.setUint32(o + 4, total, true);
    d.setUint16(o + 8, cpu, true);
    if (evf) d.setUint32(o + 10, flags >>> 0, true);
    this.out.set(buf.subarray(off, off + len), o + 8 + pre);
    this.out.fill(0, o + 8 + bodyLen, o + total - 4);
    d.setUint32(o + total - 4, total, true);
    this.n += total;
    this.events++;
  }

  /** Write the event an Event view points at, with its `cpu` and `flags`. */
  writeEvent(ev: Event): void {
    this.writeRawEvent(ev.buf, ev.off, ev.len, ev.cpu, ev.flags);
  }

  /** Flush and close the file (idempotent). */
  close(): void {
    this.flush();
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        /* ignore */
      }
      this.fd = -1;
    }
  }

  /** In-memory mode: the capture written so far (flushes). */
  bytes(): Uint8Array {
    if (!this.chunks) throw new CaptureWriteError("bytes() is only available for in-memory writers (path null)");
    this.flush();
    const total = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Uint8Array(total);
    let p = 0;
    for (const c of this.chunks) {
      out.set(c, p);
      p += c.length;
    }
    return out;
  }
}
