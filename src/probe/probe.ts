/**
 * Probe: the live event source. Loads the eBPF probe (ffi/probe.bpf.c) through libfts.so
 * (ffi/reader.c) and returns batches of events in libscap's V2 layout, ready for the `Event` view
 * (src/events/event.ts).
 *
 * Batch framing (ffi/reader.h): records sit back to back in `buf[0, len)`, each at an 8-byte
 * aligned offset; a record is one V2 event whose length is its own `len` header field (u32 at
 * +16); the next record starts at align8(off + len). Iterate with `forEachRecord` or:
 *
 *   for (let off = 0; off < len; off = (off + buf.readUInt32LE(off + 16) + 7) & ~7) ...
 */
import { readFileSync, existsSync } from "node:fs";
import { ptr } from "bun:ffi";
import { loadLibFts, probeObjectBytes, type LibFts, type ProbeHandle } from "./ffi.ts";
import { PROBE_EVENTS, SEL_SIZE, STATE_EVENTS, selectionIndices } from "./syscalls_x86_64.ts";

/** Options of Probe.open. */
export interface ProbeOptions {
  /** ppm event names (evt.type, e.g. "openat", "execve") to capture; STATE_EVENTS are always added. */
  syscalls: Set<string>;
  /** Kernel ring buffer size in bytes (rounded up to a power of two, min 64 KiB). Default 8 MiB. */
  bufferBytes?: number;
  /** Size of the reused userspace batch buffer in bytes (min 64 KiB). Default 1 MiB. */
  batchBytes?: number;
  /** Thread group whose events are dropped in the kernel. Default: this process (process.pid). 0 = none. */
  selfTgid?: number;
  /** Add STATE_EVENTS to the selection (default true; false only for tests and benchmarks). */
  stateEvents?: boolean;
}

/** Counters of one probe instance (ffi/reader.h enum fts_stat). */
export interface ProbeStats {
  /** Events lost in the kernel because the ring buffer was full (evt drops). */
  drops: number;
  /** Events written to the ring buffer by the kernel. */
  events: number;
  /** Events whose parameters were emptied because they would exceed 32 KiB. */
  tooBig: number;
  /** Events copied out by poll(). */
  read: number;
  /** Ring buffer size in bytes. */
  ringBytes: number;
  /** Bytes waiting in the ring buffer now. */
  pending: number;
}

/** One batch from Probe.poll(): `buf` is reused by the next poll (copy what you keep). */
export interface ProbeBatch {
  buf: Uint8Array;
  /** Bytes used in `buf` (0 = nothing pending). */
  len: number;
}

/** 8-byte alignment of a record offset (ffi/reader.h framing). */
export function align8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * Call `fn(off, len)` for every record of a batch (offsets into `buf`).
 * @throws Error if a record header is inconsistent (length below 26 or past the batch).
 */
export function forEachRecord(buf: Uint8Array, len: number, fn: (off: number, recLen: number) => void): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let off = 0; off < len; ) {
    const l = dv.getUint32(off + 16, true);
    if (l < 26 || off + l > len) throw new Error(`probe batch: bad record length ${l} at offset ${off} (batch ${len} bytes)`);
    fn(off, l);
    off = align8(off + l);
  }
}

function capEff(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "latin1"));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

/** Turn libfts's error text into an Error that names the fix. */
function openError(cause: string): Error {
  const hints: string[] = [];
  if (!existsSync("/sys/kernel/btf/vmlinux")) {
    hints.push("this kernel exposes no BTF (/sys/kernel/btf/vmlinux): use a kernel >= 5.8 built with CONFIG_DEBUG_INFO_BTF=y");
  }
  const caps = capEff();
  const has = (bit: number): boolean => ((caps >> BigInt(bit)) & 1n) === 1n;
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0 && !(has(39) && has(38)) && !has(21)) {
    hints.push("not running as root: run with sudo, or grant CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE (e.g. setcap cap_bpf,cap_perfmon,cap_sys_resource+ep falco-ts)");
  } else if (/refused|Operation not permitted|Permission denied/.test(cause) && !/PROG LOAD LOG/.test(cause)) {
    hints.push("the process lacks CAP_BPF+CAP_PERFMON (or CAP_SYS_ADMIN), or kernel.unprivileged_bpf_disabled/lockdown forbids BPF: run as root");
  }
  const fix = hints.length ? ` Fix: ${hints.join("; ")}.` : "";
  return new Error(`falco-ts: cannot start the eBPF probe: ${cause}.${fix}`);
}

/**
 * One live probe instance. Not shareable across threads. Several instances (in one process or
 * many) are independent: nothing is pinned in bpffs.
 */
export class Probe {
  private handle: ProbeHandle | null;
  private readonly lib: LibFts;
  private readonly batch: ProbeBatch;
  private readonly statsBuf = new BigUint64Array(6);
  private readonly selBuf = new Uint8Array(SEL_SIZE);
  private effective: ReadonlySet<string> = new Set();
  private unsupportedNames: readonly string[] = [];

  private constructor(lib: LibFts, handle: ProbeHandle, batchBytes: number) {
    this.lib = lib;
    this.handle = handle;
    this.batch = { buf: new Uint8Array(batchBytes), len: 0 };
  }

  /**
   * Load, attach and select events.
   * @throws Error naming the fix when the probe cannot start: not root / missing CAP_BPF and
   *   CAP_PERFMON, no kernel BTF, missing libbpf/libelf/zlib, missing build outputs, verifier rejection.
   */
  static open(opts: ProbeOptions): Probe {
    const lib = loadLibFts();
    const obj = probeObjectBytes();
    const err = new Uint8Array(8192);
    const self = opts.selfTgid ?? process.pid;
    const h = lib.falcots_open(ptr(obj), obj.byteLength, self >>> 0, opts.bufferBytes ?? 0, ptr(err), err.byteLength) as ProbeHandle | null;
    if (!h) {
      const nul = err.indexOf(0);
      throw openError(Buffer.from(err.subarray(0, nul < 0 ? err.length : nul)).toString("utf8"));
    }
    const p = new Probe(lib, h, Math.max(opts.batchBytes ?? 1 << 20, 64 << 10));
    try {
      p.setSyscalls(opts.syscalls, { stateEvents: opts.stateEvents ?? true });
    } catch (e) {
      p.close();
      throw e;
    }
    return p;
  }

  /**
   * Replace the selection (live; takes effect for the next syscall exits). STATE_EVENTS are always
   * included unless `opts.stateEvents` is false. Names the probe cannot emit are ignored and listed
   * in `unsupported`.
   * @throws Error if the probe is closed or the kernel map update fails.
   */
  setSyscalls(names: Set<string>, opts: { stateEvents?: boolean } = {}): void {
    const h = this.need();
    const sel = this.selBuf;
    sel.fill(0);
    const eff = new Set<string>();
    const unsupported: string[] = [];
    const all = opts.stateEvents === false ? [...names] : [...STATE_EVENTS, ...names];
    for (const n of all) {
      const idx = selectionIndices(n);
      if (idx.length === 0) {
        if (!PROBE_EVENTS.has(n)) unsupported.push(n);
        continue;
      }
      for (const i of idx) sel[i] = 1;
      eff.add(n);
    }
    const rc = this.lib.falcots_set_syscalls(h, ptr(sel), SEL_SIZE);
    if (rc !== 0) throw new Error(`falco-ts: updating the probe's syscall selection failed (errno ${-rc})`);
    this.effective = eff;
    this.unsupportedNames = unsupported;
  }

  /** Event names currently selected (requested ∪ STATE_EVENTS, restricted to what the probe emits). */
  get selected(): ReadonlySet<string> {
    return this.effective;
  }

  /** Requested names the probe cannot emit (ignored by the last setSyscalls). */
  get unsupported(): readonly string[] {
    return this.unsupportedNames;
  }

  /**
   * One non-blocking batch into the reused buffer: `{buf, len}` with len = 0 when nothing is
   * pending. The buffer's contents are valid until the next poll().
   * @throws Error if the probe is closed.
   */
  poll(): ProbeBatch {
    const h = this.need();
    const b = this.batch;
    const n = Number(this.lib.falcots_poll(h, ptr(b.buf), b.buf.byteLength));
    b.len = n > 0 ? n : 0;
    return b;
  }

  /** Kernel and reader counters (drops = ring-buffer reservation failures, summed over CPUs). */
  stats(): ProbeStats {
    const h = this.need();
    const s = this.statsBuf;
    this.lib.falcots_stats(h, ptr(s), s.length);
    return {
      drops: Number(s[0]),
      events: Number(s[1]),
      tooBig: Number(s[2]),
      read: Number(s[3]),
      ringBytes: Number(s[4]),
      pending: Number(s[5]),
    };
  }

  /** Recompute the wall-clock offset of event timestamps (call after the system clock was stepped). */
  syncClock(): void {
    this.lib.falcots_sync_clock(this.need());
  }

  /** Detach and unload. Idempotent. */
  close(): void {
    if (this.handle) {
      this.lib.falcots_close(this.handle);
      this.handle = null;
    }
  }

  private need(): ProbeHandle {
    if (!this.handle) throw new Error("falco-ts: the probe is closed");
    return this.handle;
  }
}
