/**
 * scap capture reader: opens a `.scap` file (plain or gzip), reads its section header and tables
 * (machine info, process list, fd lists, interfaces, users/groups), then iterates its events as
 * V2 events (libscap `struct ppm_evt_hdr` layout) through the reusable `Event` view, upgraded to
 * HEAD layouts by the converter (convert.ts), so replay feeds the same state/fields/rules path as
 * live capture.
 *
 * Behaviour follows falcosecurity/libs 0.25.4 userspace/libscap/engine/savefile/scap_savefile.c
 * (scap_read_section_header, _scap_read_init, scap_read_proclist/fdlist/iflist/userlist,
 * next_event_from_file, validate_v2_event, next) and ../../../shared/notes/SCAP_FORMAT.md.
 * Differences: a new section header in the event stream (concatenated captures) is read here
 * directly (libsinsp does it through restart_capture); table blocks met in the event stream are
 * read too, unknown blocks there are skipped instead of failing; event-block trailers are checked.
 *
 * Verified against libscap itself: for every capture in ../shared/captures the delivered events
 * (cpu, flags, type, nparams, bytes) and the loaded tables are identical to what libscap 0.25.4's
 * savefile engine produces (test/fixtures/capture_libscap_0.25.4_*.json, made with
 * test/fixtures/scapdump.c and scaptables.c).
 *
 * Memory: plain files are read through a sliding window (1 MiB, grown only for a larger block),
 * so a 100 MB file is never held whole. Gzip files are inflated whole in memory (sync flush, so a
 * truncated gzip still yields its readable prefix).
 */
import { closeSync, fstatSync, openSync, readSync, readFileSync } from "node:fs";
import { constants as zconst, gunzipSync } from "node:zlib";
import { Event, EventFormatError, EVT_HDR_LEN } from "../events/event.ts";
import { EVENT_TABLE, PPM_EVENT_MAX, PPME } from "../events/event_table.ts";
import { decodeString } from "../events/event.ts";
import { EventConverter } from "./convert.ts";
import {
  blockTypeName,
  type CaptureFd,
  type CaptureGroup,
  type CaptureInterface,
  type CaptureThread,
  type CaptureUser,
  EV_BLOCK_TYPE,
  EV_BLOCK_TYPE_INT,
  EV_BLOCK_TYPE_V2,
  EV_BLOCK_TYPE_V2_LARGE,
  EVF_BLOCK_TYPE,
  EVF_BLOCK_TYPE_V2,
  EVF_BLOCK_TYPE_V2_LARGE,
  FDL_BLOCK_TYPE,
  FDL_BLOCK_TYPE_INT,
  FDL_BLOCK_TYPE_V2,
  IL_BLOCK_TYPE,
  IL_BLOCK_TYPE_INT,
  IL_BLOCK_TYPE_V2,
  ipv4Text,
  ipv6Text,
  MAX_CREDENTIALS_STR_LEN,
  MI_BLOCK_TYPE,
  MI_BLOCK_TYPE_INT,
  type MachineInfo,
  PL_BLOCK_TYPE_V1,
  PL_BLOCK_TYPE_V1_INT,
  PL_BLOCK_TYPE_V2,
  PL_BLOCK_TYPE_V2_INT,
  PL_BLOCK_TYPE_V3,
  PL_BLOCK_TYPE_V3_INT,
  PL_BLOCK_TYPE_V4,
  PL_BLOCK_TYPE_V5,
  PL_BLOCK_TYPE_V6,
  PL_BLOCK_TYPE_V7,
  PL_BLOCK_TYPE_V8,
  PL_BLOCK_TYPE_V9,
  READER_BUF_SIZE,
  SCAP_II_IPV4,
  SCAP_II_IPV4_NOLINKSPEED,
  SCAP_II_IPV6,
  SCAP_II_IPV6_NOLINKSPEED,
  SCAP_MAX_ARGS_SIZE,
  SCAP_MAX_CGROUPS_SIZE,
  SCAP_MAX_ENV_SIZE,
  SCAP_MAX_PATH_SIZE,
  SHB_BLOCK_TYPE,
  SHB_MAGIC,
  UL_BLOCK_TYPE,
  UL_BLOCK_TYPE_INT,
  UL_BLOCK_TYPE_V2,
} from "./format.ts";

/**
 * The capture is unreadable from some point on: `offset` is the byte offset (in the decompressed
 * stream for gzip files) of the block that failed, `blockType` its type number (-1 if unknown,
 * e.g. for I/O errors). Everything before that block was delivered.
 */
export class CaptureError extends Error {
  readonly offset: number;
  readonly blockType: number;
  constructor(message: string, offset: number, blockType: number) {
    super(`${message} (at byte ${offset}${blockType >= 0 ? `, block ${blockTypeName(blockType)}` : ""})`);
    this.name = "CaptureError";
    this.offset = offset;
    this.blockType = blockType;
  }
}

/** Options of openCapture. */
export interface CaptureOptions {
  /** Upgrade old event layouts to HEAD (default true). With false, events are delivered as stored (V1 headers still rebuilt as V2). */
  convert?: boolean;
  /** Called after the tables of each section (the first one during openCapture) have been read. */
  onSection?: (reader: CaptureReader, section: number) => void;
  /** Window size for plain files, bytes (default 1 MiB). */
  windowSize?: number;
}

const NOTIFICATION_E = PPME.NOTIFICATION_E!;
const INFRASTRUCTURE_EVENT_E = PPME.INFRASTRUCTURE_EVENT_E!;

function isEventBlock(t: number): boolean {
  return (
    t === EV_BLOCK_TYPE_V2 || t === EVF_BLOCK_TYPE_V2 || t === EV_BLOCK_TYPE_V2_LARGE || t === EVF_BLOCK_TYPE_V2_LARGE ||
    t === EV_BLOCK_TYPE || t === EV_BLOCK_TYPE_INT || t === EVF_BLOCK_TYPE
  );
}

/** Byte source: a file read by chunks, or a whole in-memory buffer. */
interface Source {
  /** Total stream length in bytes, if known (Infinity otherwise). */
  readonly size: number;
  /** Read up to n bytes into dst at off; returns bytes read (0 = end). */
  read(dst: Uint8Array, off: number, n: number): number;
  close(): void;
}

class FileSource implements Source {
  private fd: number;
  private pos = 0;
  readonly size: number;
  constructor(fd: number) {
    this.fd = fd;
    let size = Infinity;
    try {
      const st = fstatSync(fd);
      if (st.isFile()) size = st.size;
    } catch {
      /* unknown size */
    }
    this.size = size;
  }
  read(dst: Uint8Array, off: number, n: number): number {
    if (this.fd < 0) return 0;
    const r = readSync(this.fd, dst, off, n, this.pos);
    this.pos += r;
    return r;
  }
  close(): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = -1;
    }
  }
}

/** Bounded little-endian cursor over one block body; throws CaptureError on overrun. */
class Cur {
  p: number;
  constructor(
    readonly b: Uint8Array,
    readonly dv: DataView,
    start: number,
    public end: number,
    readonly fileBase: number, // file offset of b[0]
    readonly blockOff: number,
    readonly blockType: number,
  ) {
    this.p = start;
  }
  fail(what: string): never {
    throw new CaptureError(`corrupted ${blockTypeName(this.blockType)} block: ${what} at block byte ${this.p - (this.blockOff - this.fileBase)}`, this.blockOff, this.blockType);
  }
  need(n: number, what: string): void {
    if (this.p + n > this.end) this.fail(`${what} needs ${n} bytes, ${this.end - this.p} left`);
  }
  left(): number {
    return this.end - this.p;
  }
  u8(what = "u8"): number {
    this.need(1, what);
    return this.b[this.p++]!;
  }
  u16(what = "u16"): number {
    this.need(2, what);
    const v = this.dv.getUint16(this.p, true);
    this.p += 2;
    return v;
  }
  u32(what = "u32"): number {
    this.need(4, what);
    const v = this.dv.getUint32(this.p, true);
    this.p += 4;
    return v;
  }
  i64(what = "i64"): number {
    this.need(8, what);
    const v = this.dv.getInt32(this.p + 4, true) * 0x1_0000_0000 + this.dv.getUint32(this.p, true);
    this.p += 8;
    return v;
  }
  u64n(what = "u64"): number {
    this.need(8, what);
    const v = this.dv.getUint32(this.p + 4, true) * 0x1_0000_0000 + this.dv.getUint32(this.p, true);
    this.p += 8;
    return v;
  }
  u64(what = "u64"): bigint {
    this.need(8, what);
    const v = this.dv.getBigUint64(this.p, true);
    this.p += 8;
    return v;
  }
  /** u16 length + bytes (not NUL-terminated); `max` is libscap's limit. */
  str(what: string, max: number): string {
    const l = this.u16(`${what} length`);
    if (l > max) this.fail(`${what} length ${l} above ${max}`);
    this.need(l, what);
    let e = this.p + l;
    // Some producers include a trailing NUL in the length.
    while (e > this.p && this.b[e - 1] === 0) e--;
    const s = decodeString(this.b, this.p, e);
    this.p += l;
    return s;
  }
  /** u16 length + NUL-separated list. */
  list(what: string, max: number): string[] {
    const l = this.u16(`${what} length`);
    if (l > max) this.fail(`${what} length ${l} above ${max}`);
    this.need(l, what);
    const out: string[] = [];
    const end = this.p + l;
    let s = this.p;
    for (let q = this.p; q < end; q++) {
      if (this.b[q] === 0) {
        out.push(decodeString(this.b, s, q));
        s = q + 1;
      }
    }
    if (s < end) out.push(decodeString(this.b, s, end));
    this.p = end;
    return out;
  }
  bytes(n: number, what: string): number {
    this.need(n, what);
    const at = this.p;
    this.p += n;
    return at;
  }
}

/**
 * Reader of one capture file. Create with `openCapture` (reads the header and the first tables);
 * iterate with `next(ev)`. Not thread-safe; one Event view at a time.
 *
 * Tables: `machine`, `threads`, `fds` (per tid), `interfaces`, `users`, `groups` hold the tables of
 * the current section (a concatenated capture replaces them when its next section starts; use
 * `onSection` to see each).
 */
export class CaptureReader {
  /** File path (or "<memory>"). */
  readonly path: string;
  /** SHB version of the current section. */
  major = 0;
  minor = 0;
  /** Sections read so far (1 after open; more in concatenated captures). */
  sections = 0;
  /** Machine info of the current section, or null if the section has none. */
  machine: MachineInfo | null = null;
  /** Threads of the current section's process list. */
  threads: CaptureThread[] = [];
  /** fds of the current section, per tid. */
  fds: Map<number, CaptureFd[]> = new Map();
  interfaces: CaptureInterface[] = [];
  users: CaptureUser[] = [];
  groups: CaptureGroup[] = [];
  /** Event blocks met (every event block, including skipped and dropped ones). */
  eventBlocks = 0;
  /** Events delivered by next(). */
  delivered = 0;
  /** Event blocks skipped because their type is unknown (>= PPM_EVENT_MAX). */
  skippedUnknown = 0;
  /** Non-event blocks of unknown type skipped in the event stream. */
  skippedBlocks = 0;
  /** The error that ended iteration, if any (also thrown once by next()). */
  error: CaptureError | null = null;
  /** The converter (null when `convert: false`); its counters describe what was upgraded or dropped. */
  readonly converter: EventConverter | null;

  private src: Source;
  private buf: Uint8Array;
  private dv: DataView;
  /** Window: bytes [pos, end) of buf are unread data; buf[0] is at file offset `base`. */
  private pos = 0;
  private end = 0;
  private base = 0;
  private eof = false;
  private done = false;
  private readonly opts: CaptureOptions;
  private v1buf = new Uint8Array(1 << 16);
  private v1dv = new DataView(this.v1buf.buffer);

  /** @internal use openCapture / openCaptureBytes. */
  constructor(path: string, src: Source, initial: Uint8Array | null, opts: CaptureOptions) {
    this.path = path;
    this.src = src;
    this.opts = opts;
    this.converter = opts.convert === false ? null : new EventConverter();
    if (initial) {
      this.buf = initial;
      this.end = initial.length;
      this.eof = true;
    } else {
      this.buf = new Uint8Array(Math.max(4096, opts.windowSize ?? 1 << 20));
    }
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Byte offset (decompressed stream) of the next unread block. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Make at least n unread bytes available; false if the stream ends first. */
  private fill(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (this.eof) return false;
    // Never grow the window for a length the stream cannot hold (damaged length fields).
    if (this.base + this.pos + n > this.src.size) {
      this.eof = this.base + this.end >= this.src.size;
      if (!this.eof) this.fillAvailable();
      return false;
    }
    // Compact, grow if needed.
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    if (n > this.buf.length) {
      const nb = new Uint8Array(Math.max(n, this.buf.length * 2));
      nb.set(this.buf.subarray(0, this.end));
      this.buf = nb;
      this.dv = new DataView(nb.buffer);
    }
    while (this.end - this.pos < n) {
      let r: number;
      try {
        r = this.src.read(this.buf, this.end, this.buf.length - this.end);
      } catch (e) {
        throw new CaptureError(`read error: ${(e as Error).message}`, this.base + this.end, -1);
      }
      if (r <= 0) {
        this.eof = true;
        return false;
      }
      this.end += r;
    }
    return true;
  }

  /** Read what is left of the stream into the window without growing it (used before reporting truncation). */
  private fillAvailable(): void {
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    while (this.end < this.buf.length) {
      const r = this.src.read(this.buf, this.end, this.buf.length - this.end);
      if (r <= 0) {
        this.eof = true;
        return;
      }
      this.end += r;
    }
  }

  /** @internal Read the SHB at the current position and then every table block up to the first event block. */
  readSection(): void {
    const at = this.offset;
    if (!this.fill(8)) throw new CaptureError("file too short for a section header block", at, -1);
    const bt = this.dv.getUint32(this.pos, true);
    const total = this.dv.getUint32(this.pos + 4, true);
    if (bt !== SHB_BLOCK_TYPE) throw new CaptureError(`invalid block type 0x${bt.toString(16)}: not a scap/pcapng section header`, at, bt);
    if (total < 28) throw new CaptureError(`section header block length ${total} less than 28`, at, bt);
    if (!this.fill(total)) throw new CaptureError(`truncated section header block (length ${total})`, at, bt);
    const magic = this.dv.getUint32(this.pos + 8, true);
    if (magic !== SHB_MAGIC) throw new CaptureError(`invalid magic number 0x${magic.toString(16)}`, at, bt);
    const major = this.dv.getUint16(this.pos + 12, true);
    const minor = this.dv.getUint16(this.pos + 14, true);
    if (major > 1) throw new CaptureError(`unsupported capture version ${major}.${minor} (major > 1)`, at, bt);
    const trailer = this.dv.getUint32(this.pos + total - 4, true);
    if (trailer !== total) throw new CaptureError(`wrong block total length, header=${total}, trailer=${trailer}`, at, bt);
    this.major = major;
    this.minor = minor;
    this.pos += total; // pcapng options (total > 28) are skipped with the block
    this.sections++;
    this.machine = null;
    this.threads = [];
    this.fds = new Map();
    this.interfaces = [];
    this.users = [];
    this.groups = [];
    // The converter's stored enter events survive a new section, as in libscap's restart_capture.
    let foundEv = false;
    for (;;) {
      const bat = this.offset;
      if (!this.fill(8)) {
        if (this.end - this.pos === 0) break;
        throw new CaptureError("truncated block header", bat, -1);
      }
      const t = this.dv.getUint32(this.pos, true);
      if (isEventBlock(t)) {
        foundEv = true;
        break;
      }
      if (t === SHB_BLOCK_TYPE) break; // an empty section followed by another: let next() handle it
      this.readTableBlock();
    }
    if (!foundEv && this.sections === 1 && this.end - this.pos === 0) {
      throw new CaptureError("no events in file", this.offset, -1);
    }
    this.opts.onSection?.(this, this.sections);
  }

  /** Read one non-event block at the current position (table or unknown), advancing past it. */
  private readTableBlock(): void {
    const at = this.offset;
    const t = this.dv.getUint32(this.pos, true);
    const total = this.dv.getUint32(this.pos + 4, true);
    if (total < 12) throw new CaptureError(`block length ${total} too short`, at, t);
    if (!this.fill(total)) throw new CaptureError(`truncated block (length ${total}, ${this.end - this.pos} bytes left)`, at, t);
    const trailer = this.dv.getUint32(this.pos + total - 4, true);
    if (trailer !== total) throw new CaptureError(`wrong block total length, header=${total}, trailer=${trailer}`, at, t);
    const c = new Cur(this.buf, this.dv, this.pos + 8, this.pos + total - 4, this.base, at, t);
    switch (t) {
      case MI_BLOCK_TYPE:
      case MI_BLOCK_TYPE_INT:
        this.readMachineInfo(c);
        break;
      case PL_BLOCK_TYPE_V1: case PL_BLOCK_TYPE_V1_INT: case PL_BLOCK_TYPE_V2: case PL_BLOCK_TYPE_V2_INT:
      case PL_BLOCK_TYPE_V3: case PL_BLOCK_TYPE_V3_INT: case PL_BLOCK_TYPE_V4: case PL_BLOCK_TYPE_V5:
      case PL_BLOCK_TYPE_V6: case PL_BLOCK_TYPE_V7: case PL_BLOCK_TYPE_V8: case PL_BLOCK_TYPE_V9:
        this.readProcList(c, t);
        break;
      case FDL_BLOCK_TYPE:
      case FDL_BLOCK_TYPE_INT:
      case FDL_BLOCK_TYPE_V2:
        this.readFdList(c, t === FDL_BLOCK_TYPE_V2);
        break;
      case IL_BLOCK_TYPE:
      case IL_BLOCK_TYPE_INT:
      case IL_BLOCK_TYPE_V2:
        this.readIfList(c, t === IL_BLOCK_TYPE_V2);
        break;
      case UL_BLOCK_TYPE:
      case UL_BLOCK_TYPE_INT:
      case UL_BLOCK_TYPE_V2:
        this.readUserList(c, t === UL_BLOCK_TYPE_V2);
        break;
      default:
        this.skippedBlocks++;
        break; // unknown block: skipped by its length
    }
    this.pos += total;
  }

  private readMachineInfo(c: Cur): void {
    const numCpus = c.u32("num_cpus");
    const memorySizeBytes = c.u64n("memory_size_bytes");
    const maxPid = c.u64n("max_pid");
    const h = c.bytes(128, "hostname");
    let he = h;
    while (he < h + 128 && this.buf[he] !== 0) he++;
    const hostname = decodeString(this.buf, h, he);
    // boot_ts_epoch and flags were reserved (0) in older files; tolerate a shorter body.
    const bootTsEpoch = c.left() >= 8 ? c.u64() : 0n;
    const flags = c.left() >= 8 ? c.u64() : 0n;
    this.machine = { numCpus, memorySizeBytes, maxPid, hostname, bootTsEpoch, flags };
  }

  private readProcList(c: Cur, t: number): void {
    const v9 = t === PL_BLOCK_TYPE_V9;
    const ver =
      t === PL_BLOCK_TYPE_V1 || t === PL_BLOCK_TYPE_V1_INT ? 1 :
      t === PL_BLOCK_TYPE_V2 || t === PL_BLOCK_TYPE_V2_INT ? 2 :
      t === PL_BLOCK_TYPE_V3 || t === PL_BLOCK_TYPE_V3_INT ? 3 :
      t === PL_BLOCK_TYPE_V4 ? 4 : t === PL_BLOCK_TYPE_V5 ? 5 : t === PL_BLOCK_TYPE_V6 ? 6 :
      t === PL_BLOCK_TYPE_V7 ? 7 : t === PL_BLOCK_TYPE_V8 ? 8 : 9;
    while (c.left() >= 4) {
      const start = c.p;
      const subLen = v9 ? c.u32("entry length") : 0;
      if (v9 && subLen < 4) c.fail(`process entry length ${subLen}`);
      const entryEnd = v9 ? start + subLen : c.end;
      if (v9 && entryEnd > c.end) c.fail(`process entry length ${subLen} exceeds the block`);
      const th: CaptureThread = {
        tid: 0, pid: 0, ptid: 0, sid: -1, vpgid: -1, pgid: -1, comm: "", exe: "", exepath: "", args: [], env: [],
        cwd: "", fdlimit: 0, flags: 0, uid: 0, gid: 0, vmsizeKb: 0, vmrssKb: 0, vmswapKb: 0, pfmajor: 0, pfminor: 0,
        vtid: -1, vpid: -1, cgroups: [], root: "", pidnsInitStartTs: 0n, tty: 0, loginuid: 0xffffffff, exeFlags: 0,
        capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeIno: 0, exeInoCtime: 0n, exeInoMtime: 0n,
        fromScan: true,
      };
      th.tid = c.i64("tid");
      th.pid = c.i64("pid");
      th.ptid = c.i64("ptid");
      if (ver >= 6) th.sid = c.i64("sid");
      if (ver >= 8) th.vpgid = c.i64("vpgid");
      th.comm = c.str("comm", SCAP_MAX_PATH_SIZE);
      th.exe = c.str("exe", SCAP_MAX_PATH_SIZE);
      if (ver >= 7) th.exepath = c.str("exepath", SCAP_MAX_PATH_SIZE);
      th.args = c.list("args", SCAP_MAX_ARGS_SIZE);
      th.cwd = c.str("cwd", SCAP_MAX_PATH_SIZE);
      th.fdlimit = c.i64("fdlimit");
      th.flags = c.u32("flags");
      th.uid = c.u32("uid");
      th.gid = c.u32("gid");
      if (ver >= 2) {
        th.vmsizeKb = c.u32("vmsize_kb");
        th.vmrssKb = c.u32("vmrss_kb");
        th.vmswapKb = c.u32("vmswap_kb");
        th.pfmajor = c.u64n("pfmajor");
        th.pfminor = c.u64n("pfminor");
        if (ver >= 3) th.env = c.list("env", SCAP_MAX_ENV_SIZE);
        if (ver >= 4) {
          th.vtid = c.i64("vtid");
          th.vpid = c.i64("vpid");
          const cg = c.list("cgroups", SCAP_MAX_CGROUPS_SIZE);
          for (const item of cg) {
            const eq = item.indexOf("=");
            th.cgroups.push(eq >= 0 ? [item.slice(0, eq), item.slice(eq + 1)] : [item, ""]);
          }
          if (ver >= 5) th.root = c.str("root", SCAP_MAX_PATH_SIZE);
        }
      }
      if (v9) {
        const fits = (n: number) => c.p + n <= entryEnd;
        // libs < 0.10 wrote loginuid/exe_writable/caps right after root (29 bytes or fewer left).
        const pre010 = entryEnd - c.p <= 29;
        if (!pre010) {
          if (fits(8)) th.pidnsInitStartTs = c.u64("pidns_init_start_ts");
          if (fits(4)) th.tty = c.u32("tty");
        }
        if (fits(4)) th.loginuid = c.u32("loginuid");
        if (fits(1) && c.u8() !== 0) th.exeFlags |= 1;
        if (fits(8)) th.capInheritable = c.u64();
        if (fits(8)) th.capPermitted = c.u64();
        if (fits(8)) th.capEffective = c.u64();
        if (fits(1) && c.u8() !== 0) th.exeFlags |= 2;
        if (fits(8)) th.exeIno = c.u64n();
        if (fits(8)) th.exeInoCtime = c.u64();
        if (fits(8)) th.exeInoMtime = c.u64();
        if (fits(1) && c.u8() !== 0) th.exeFlags |= 4;
        if (fits(1) && c.u8() !== 0) th.exeFlags |= 8;
        if (fits(8)) th.pgid = c.i64();
        if (c.p > entryEnd) c.fail(`read past process entry length ${subLen}`);
        c.p = entryEnd;
      }
      this.threads.push(th);
    }
  }

  private readFdList(c: Cur, v2: boolean): void {
    const tid = c.i64("tid");
    let list = this.fds.get(tid);
    if (!list) this.fds.set(tid, (list = []));
    while (c.left() >= 4) {
      const start = c.p;
      const subLen = v2 ? c.u32("fd entry length") : 0;
      const entryEnd = v2 ? start + subLen : c.end;
      if (v2 && (subLen < 4 || entryEnd > c.end)) c.fail(`fd entry length ${subLen}`);
      const f: CaptureFd = {
        fd: 0, ino: 0, type: 0, name: "", openFlags: 0, dev: 0, sip: "", dip: "", sport: 0, dport: 0, l4proto: 0,
        unixSource: 0n, unixDest: 0n,
      };
      f.fd = c.i64("fd");
      f.ino = c.u64n("ino");
      const type = c.u8("fd type");
      f.type = type;
      const fname = (what: string) => {
        const l = c.u16(`${what} length`);
        if (l >= SCAP_MAX_PATH_SIZE) c.fail(`invalid filename len ${l}`);
        c.need(l, what);
        let e = c.p + l;
        while (e > c.p && this.buf[e - 1] === 0) e--;
        const s = decodeString(this.buf, c.p, e);
        c.p += l;
        return s;
      };
      switch (type) {
        case 3: { // IPV4_SOCK
          const a = c.bytes(8, "ipv4 addresses");
          f.sip = ipv4Text(this.buf, a);
          f.dip = ipv4Text(this.buf, a + 4);
          f.sport = c.u16();
          f.dport = c.u16();
          f.l4proto = c.u8();
          break;
        }
        case 5: { // IPV4_SERVSOCK
          const a = c.bytes(4, "ipv4 address");
          f.sip = ipv4Text(this.buf, a);
          f.sport = c.u16();
          f.l4proto = c.u8();
          break;
        }
        case 4: { // IPV6_SOCK
          const a = c.bytes(32, "ipv6 addresses");
          f.sip = ipv6Text(this.buf, a);
          f.dip = ipv6Text(this.buf, a + 16);
          f.sport = c.u16();
          f.dport = c.u16();
          f.l4proto = c.u8();
          break;
        }
        case 6: { // IPV6_SERVSOCK
          const a = c.bytes(16, "ipv6 address");
          f.sip = ipv6Text(this.buf, a);
          f.sport = c.u16();
          f.l4proto = c.u8();
          break;
        }
        case 8: // UNIX_SOCK
          f.unixSource = c.u64();
          f.unixDest = c.u64();
          f.name = fname("unix path");
          break;
        case 16: // FILE_V2
          f.openFlags = c.u32("open_flags");
          f.name = fname("file name");
          if (v2 && c.p + 4 <= entryEnd) f.dev = c.u32("dev");
          break;
        case 1: case 2: case 7: case 9: case 10: case 11: case 12: case 13: case 14: case 15:
        case 17: case 18: case 19: case 20: case 21:
          f.name = fname("fd name");
          break;
        case 0: // SCAP_FD_UNKNOWN: never written; nothing follows
          break;
        default:
          f.type = 10;
          f.name = `unknown-type:[${type}]`;
          break;
      }
      if (v2) {
        if (c.p > entryEnd) c.fail(`read past fd entry length ${subLen}`);
        c.p = entryEnd;
      }
      list.push(f);
    }
  }

  private readIfList(c: Cur, v2: boolean): void {
    while (c.left() >= 4) {
      const start = c.p;
      let entryEnd = -1;
      if (v2) {
        const l = c.u32("interface entry length");
        entryEnd = start + 4 + l; // IL_V2 length excludes its own 4 bytes
        if (entryEnd > c.end) c.fail(`interface entry length ${l}`);
      }
      const type = c.u16("interface type");
      const nameLen = c.u16("interface name length");
      const it: CaptureInterface = { type, name: "", addr: "", netmask: "", bcast: "", addrRaw: 0, linkspeed: 0 };
      if (type === SCAP_II_IPV4 || type === SCAP_II_IPV4_NOLINKSPEED) {
        const a = c.bytes(12, "ipv4 addresses");
        it.addrRaw = this.dv.getUint32(a, true);
        it.addr = ipv4Text(this.buf, a);
        it.netmask = ipv4Text(this.buf, a + 4);
        it.bcast = ipv4Text(this.buf, a + 8);
        if (type === SCAP_II_IPV4) it.linkspeed = c.u64n("linkspeed");
      } else if (type === SCAP_II_IPV6 || type === SCAP_II_IPV6_NOLINKSPEED) {
        const a = c.bytes(48, "ipv6 addresses");
        it.addr = ipv6Text(this.buf, a);
        it.netmask = ipv6Text(this.buf, a + 16);
        it.bcast = ipv6Text(this.buf, a + 32);
        if (type === SCAP_II_IPV6) it.linkspeed = c.u64n("linkspeed");
      } else {
        c.fail(`unknown interface type ${type}`);
      }
      const n = c.bytes(nameLen, "interface name");
      let ne = n + nameLen;
      while (ne > n && this.buf[ne - 1] === 0) ne--;
      it.name = decodeString(this.buf, n, ne);
      if (v2) {
        if (c.p > entryEnd) c.fail("read past interface entry length");
        c.p = entryEnd;
      }
      this.interfaces.push(it);
    }
  }

  private readUserList(c: Cur, v2: boolean): void {
    while (c.left() >= 4) {
      const start = c.p;
      const subLen = v2 ? c.u32("user entry length") : 0;
      const entryEnd = v2 ? start + subLen : c.end;
      if (v2 && (subLen < 4 || entryEnd > c.end)) c.fail(`user entry length ${subLen}`);
      const kind = c.u8("user entry type");
      if (kind === 0) {
        const uid = c.u32("uid");
        const gid = c.u32("gid");
        const name = c.str("user name", MAX_CREDENTIALS_STR_LEN - 1);
        const homedir = c.str("homedir", MAX_CREDENTIALS_STR_LEN - 1);
        const shell = c.str("shell", MAX_CREDENTIALS_STR_LEN - 1);
        this.users.push({ uid, gid, name, homedir, shell });
      } else {
        const gid = c.u32("gid");
        const name = c.str("group name", MAX_CREDENTIALS_STR_LEN - 1);
        this.groups.push({ gid, name });
      }
      if (v2) {
        if (c.p > entryEnd) c.fail("read past user entry length");
        c.p = entryEnd;
      }
    }
  }

  /**
   * Point `ev` at the next event (HEAD layout unless `convert: false`), setting `ev.cpu` and
   * `ev.flags` (EVF flags, e.g. EVF_STATE_ONLY). The view is valid until the next call.
   * @returns false at the end of the capture (or after an error was thrown once).
   * @throws CaptureError when the rest of the file is damaged or truncated (once; all readable events
   *   before it were delivered).
   */
  next(ev: Event): boolean {
    if (this.done) return false;
    try {
      return this.nextInner(ev);
    } catch (e) {
      this.done = true;
      const err =
        e instanceof CaptureError
          ? e
          : new CaptureError(e instanceof EventFormatError ? `invalid event: ${e.message}` : `internal error: ${(e as Error)?.message ?? e}`, this.offset, -1);
      this.error = err;
      this.close();
      throw err;
    }
  }

  private nextInner(ev: Event): boolean {
    for (;;) {
      const at = this.offset;
      if (!this.fill(8)) {
        if (this.end - this.pos === 0) {
          this.done = true;
          this.close();
          return false;
        }
        throw new CaptureError(`truncated block header (${this.end - this.pos} bytes left)`, at, -1);
      }
      const d = this.dv;
      const p = this.pos;
      const bt = d.getUint32(p, true);
      const total = d.getUint32(p + 4, true);
      let v2: boolean;
      let large = false;
      let evf = false;
      switch (bt) {
        case EV_BLOCK_TYPE_V2: v2 = true; break;
        case EVF_BLOCK_TYPE_V2: v2 = true; evf = true; break;
        case EV_BLOCK_TYPE_V2_LARGE: v2 = true; large = true; break;
        case EVF_BLOCK_TYPE_V2_LARGE: v2 = true; large = true; evf = true; break;
        case EV_BLOCK_TYPE: case EV_BLOCK_TYPE_INT: v2 = false; break;
        case EVF_BLOCK_TYPE: v2 = false; evf = true; break;
        case SHB_BLOCK_TYPE:
          this.readSection(); // concatenated capture: new section, new tables
          continue;
        default:
          this.readTableBlock();
          continue;
      }
      this.eventBlocks++;
      const hdrLen = v2 ? EVT_HDR_LEN : EVT_HDR_LEN - 4;
      const pre = evf ? 6 : 2;
      if (total < 8 + pre + hdrLen + 4) throw new CaptureError(`block length too short ${total}`, at, bt);
      if (!large && total - 8 > READER_BUF_SIZE) {
        throw new CaptureError(`event block length ${total - 8} greater than NON-LARGE read buffer size ${READER_BUF_SIZE}`, at, bt);
      }
      if (!this.fill(total)) throw new CaptureError(`truncated event block (length ${total}, ${this.end - this.pos} bytes left)`, at, bt);
      const b = this.pos; // fill may have moved the window
      const dd = this.dv;
      const trailer = dd.getUint32(b + total - 4, true);
      if (trailer !== total) throw new CaptureError(`wrong block total length, header=${total}, trailer=${trailer}`, at, bt);
      const cpu = dd.getUint16(b + 8, true);
      const flags = evf ? dd.getUint32(b + 10, true) : 0;
      const eo = b + 8 + pre;
      const avail = total - 12 - pre;
      const type = dd.getUint16(eo + 20, true);
      if (type >= PPM_EVENT_MAX) {
        this.skippedUnknown++;
        this.pos = b + total;
        continue;
      }
      if (v2) {
        try {
          ev.reset(this.buf, eo, avail, dd);
        } catch (e) {
          if (e instanceof EventFormatError) throw new CaptureError(`invalid event: ${e.message}`, at, bt);
          throw e;
        }
      } else {
        this.rebuildV1(ev, eo, avail, at, bt);
      }
      this.pos = b + total;
      if (this.converter && !this.converter.process(ev)) continue;
      ev.cpu = cpu;
      ev.flags = flags;
      this.delivered++;
      return true;
    }
  }

  /** V1 event (22-byte header, no nparams): rebuild a V2 event in v1buf, guessing nparams as libscap does. */
  private rebuildV1(ev: Event, eo: number, avail: number, at: number, bt: number): void {
    const d = this.dv;
    let len = d.getUint32(eo + 16, true);
    const type = d.getUint16(eo + 20, true);
    if (len < EVT_HDR_LEN - 4 || len > avail) throw new CaptureError(`invalid V1 event: len ${len} outside [22, ${avail}]`, at, bt);
    if (this.v1buf.length < len + 8) {
      this.v1buf = new Uint8Array(len + 1024);
      this.v1dv = new DataView(this.v1buf.buffer);
    }
    const o = this.v1buf;
    const od = this.v1dv;
    o.set(this.buf.subarray(eo, eo + 22), 0);
    o.set(this.buf.subarray(eo + 22, eo + len), 26);
    len += 4;
    if (type === NOTIFICATION_E || type === INFRASTRUCTURE_EVENT_E) len -= 3; // old files overstate these by 3
    let found = -1;
    const maxNp = EVENT_TABLE[type]!.params.length;
    for (let n = maxNp; n >= 0; n--) {
      let vp = 26 + 2 * n;
      if (vp > len) continue;
      for (let i = 0; i < n; i++) vp += od.getUint16(26 + 2 * i, true);
      if (vp < len) throw new CaptureError("cannot convert v1 event block to v2 (corrupted trace file - can't calculate nparams)", at, bt);
      if (vp === len) {
        found = n;
        break;
      }
    }
    if (found < 0) throw new CaptureError("cannot convert v1 event block to v2 (corrupted trace file - can't calculate nparams) (2)", at, bt);
    od.setUint32(16, len, true);
    od.setUint32(22, found, true);
    try {
      ev.reset(o, 0, len, od);
    } catch (e) {
      if (e instanceof EventFormatError) throw new CaptureError(`invalid event: ${e.message}`, at, bt);
      throw e;
    }
  }

  /** Release the file. Idempotent; next() returns false afterwards. */
  close(): void {
    this.done = true;
    this.src.close();
  }
}

const NO_SOURCE: Source = { size: Infinity, read: () => 0, close: () => {} };

/**
 * Open a capture from bytes already in memory (plain or gzip-compressed).
 * @throws CaptureError if the header or tables are unreadable, or no event block exists.
 */
export function openCaptureBytes(bytes: Uint8Array, opts: CaptureOptions = {}, path = "<memory>"): CaptureReader {
  let data = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) data = inflate(bytes);
  const r = new CaptureReader(path, NO_SOURCE, data, opts);
  startReader(r);
  return r;
}

/** Read the first section; any failure becomes a CaptureError and releases the file. */
function startReader(r: CaptureReader): void {
  try {
    r.readSection();
  } catch (e) {
    r.close();
    if (e instanceof CaptureError) throw e;
    throw new CaptureError(`internal error while reading the header: ${(e as Error)?.message ?? e}`, r.offset, -1);
  }
}

function inflate(bytes: Uint8Array): Uint8Array {
  try {
    // Sync flush: a truncated stream yields what could be inflated instead of failing.
    const out = gunzipSync(bytes, { finishFlush: zconst.Z_SYNC_FLUSH });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new CaptureError(`gzip data is corrupted: ${(e as Error).message}`, 0, -1);
  }
}

/**
 * Open a scap capture file and read its first section's header and tables.
 * Gzip files (magic 1f 8b) are inflated in memory; plain files are streamed through a window.
 * @throws CaptureError if the file cannot be opened, its header or tables are unreadable, or it
 *   holds no event block ("no events in file", as libscap).
 */
export function openCapture(path: string, opts: CaptureOptions = {}): CaptureReader {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new CaptureError(`cannot open ${path}: ${(e as Error).message}`, 0, -1);
  }
  const head = new Uint8Array(2);
  let n = 0;
  try {
    n = readSync(fd, head, 0, 2, 0);
  } catch (e) {
    closeSync(fd);
    throw new CaptureError(`cannot read ${path}: ${(e as Error).message}`, 0, -1);
  }
  if (n === 2 && head[0] === 0x1f && head[1] === 0x8b) {
    closeSync(fd);
    let raw: Uint8Array;
    try {
      raw = readFileSync(path);
    } catch (e) {
      throw new CaptureError(`cannot read ${path}: ${(e as Error).message}`, 0, -1);
    }
    const r = new CaptureReader(path, NO_SOURCE, inflate(raw), opts);
    startReader(r);
    return r;
  }
  const r = new CaptureReader(path, new FileSource(fd), null, opts);
  startReader(r);
  return r;
}
