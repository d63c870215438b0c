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
import { readFileSync, existsSync, readdirSync, readlinkSync } from "node:fs";
import { release } from "node:os";
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
  /**
   * Thread group whose events are dropped in the kernel. Default: this process as the kernel
   * numbers it (`hostTgid()`: process.pid, or the host PID when running in a container's PID
   * namespace with the host's /proc at $HOST_ROOT/proc). 0 = none.
   */
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

/** Linux capability bits (linux/capability.h). */
const CAP_SYS_ADMIN = 21;
const CAP_SYS_RESOURCE = 24;
const CAP_PERFMON = 38;
const CAP_BPF = 39;

/** Effective capability set of this process (CapEff in /proc/self/status, proc(5)); 0 if unreadable. */
function capEff(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "latin1"));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

/** One host check of `preflight()`. */
export interface PreflightCheck {
  /** Short id: "arch", "kernel", "btf", "capabilities", "lockdown", "memlock", "instances". */
  name: string;
  /** True when the check passed (or could not be made and is not known to block the probe). */
  ok: boolean;
  /** When false with ok=false, the probe may still load (a warning, not a start-up error). */
  fatal: boolean;
  /** What was found (e.g. "6.18.0", "[none] integrity confidentiality"). */
  detail: string;
  /** What to do about it (set when ok is false). */
  fix?: string;
}

/**
 * Parse "major.minor" from a kernel release string (uname -r, e.g. "6.18.0-1-amd64").
 * @returns [major, minor], or null when the string does not start with two numbers.
 */
export function kernelVersion(rel: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(rel);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Minimum kernel for the probe: BPF ring buffer (5.8), tp_btf (5.5), CAP_BPF/CAP_PERFMON (5.8). */
export const MIN_KERNEL: readonly [number, number] = [5, 8];

/**
 * The lockdown mode in effect: the bracketed word of /sys/kernel/security/lockdown
 * (kernel security/lockdown/lockdown.c), or "" when securityfs is not readable.
 */
export function lockdownMode(): string {
  try {
    const m = /\[(\w+)\]/.exec(readFileSync("/sys/kernel/security/lockdown", "latin1"));
    return m ? m[1]! : "";
  } catch {
    return "";
  }
}

/**
 * What `preflight()` reads from the host, overridable for tests; each field defaults to the live
 * value (process.arch, uname release, /sys/kernel/btf/vmlinux, CapEff, getuid(), lockdown mode,
 * other falco-ts processes).
 */
export interface PreflightHost {
  arch?: string;
  release?: string;
  btf?: boolean;
  capEff?: bigint;
  uid?: number;
  lockdown?: string;
  instances?: string;
}

/**
 * Host checks made before the probe is loaded, each with its fix. Fatal failures stop Probe.open
 * with one error listing them all (set FALCO_TS_SKIP_PREFLIGHT=1 to try loading anyway).
 *   - arch: x86-64 only (the probe's syscall table, src/probe/syscalls_x86_64.ts).
 *   - kernel: >= 5.8 (BPF ring buffer; CAP_BPF and CAP_PERFMON exist).
 *   - btf: /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF) for CO-RE relocations and tp_btf.
 *   - capabilities: CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN (kernel/bpf/syscall.c bpf_capable(),
 *     perfmon_capable()); root in the initial user namespace has them.
 *   - lockdown: "confidentiality" forbids bpf_probe_read_kernel (LOCKDOWN_BPF_READ_KERNEL),
 *     which the probe uses; "integrity" only forbids bpf_probe_write_user (not used).
 *   - memlock: kernels < 5.11 charge BPF maps to RLIMIT_MEMLOCK; libbpf raises it, which needs
 *     CAP_SYS_RESOURCE (warning only).
 *   - instances: other falco-ts processes are reported, never an error: each agent loads its own
 *     probe instance and nothing is pinned in bpffs, so several agents can run at once.
 */
export function preflight(host: PreflightHost = {}): PreflightCheck[] {
  const arch = host.arch ?? process.arch;
  const out: PreflightCheck[] = [];
  out.push(
    arch === "x64"
      ? { name: "arch", ok: true, fatal: true, detail: "x86-64" }
      : { name: "arch", ok: false, fatal: true, detail: arch, fix: "run the x86-64 build on an x86-64 host" },
  );
  const rel = host.release ?? release();
  const kv = kernelVersion(rel);
  const kernelOk = kv !== null && (kv[0] > MIN_KERNEL[0] || (kv[0] === MIN_KERNEL[0] && kv[1] >= MIN_KERNEL[1]));
  out.push(
    kernelOk || kv === null
      ? { name: "kernel", ok: true, fatal: true, detail: rel }
      : {
          name: "kernel",
          ok: false,
          fatal: true,
          detail: rel,
          fix: `kernel ${kv![0]}.${kv![1]} is too old: the probe needs Linux >= ${MIN_KERNEL.join(".")} (BPF ring buffer, CAP_BPF); upgrade the kernel`,
        },
  );
  out.push(
    (host.btf ?? existsSync("/sys/kernel/btf/vmlinux"))
      ? { name: "btf", ok: true, fatal: true, detail: "/sys/kernel/btf/vmlinux" }
      : {
          name: "btf",
          ok: false,
          fatal: true,
          detail: "/sys/kernel/btf/vmlinux missing",
          fix: "use a kernel built with CONFIG_DEBUG_INFO_BTF=y (most distribution kernels since 2020); in a container mount it: -v /sys/kernel/btf:/sys/kernel/btf:ro",
        },
  );
  const caps = host.capEff ?? capEff();
  const has = (bit: number): boolean => ((caps >> BigInt(bit)) & 1n) === 1n;
  const capsOk = (has(CAP_BPF) && has(CAP_PERFMON)) || has(CAP_SYS_ADMIN);
  const uid = host.uid ?? process.getuid?.() ?? 0;
  out.push(
    capsOk
      ? { name: "capabilities", ok: true, fatal: true, detail: `uid ${uid}, CapEff ${caps.toString(16)}` }
      : {
          name: "capabilities",
          ok: false,
          fatal: true,
          detail: `uid ${uid}, CapEff ${caps.toString(16)}: neither CAP_BPF+CAP_PERFMON nor CAP_SYS_ADMIN`,
          fix:
            uid !== 0
              ? "run as root (sudo falco-ts ...), or grant the capabilities: setcap cap_bpf,cap_perfmon,cap_sys_resource+ep /usr/bin/falco-ts"
              : "root without the capabilities (a container?): docker run --privileged, or --cap-add BPF --cap-add PERFMON (Docker >= 23; --cap-add SYS_ADMIN with older Docker) plus --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH for /proc; Kubernetes: securityContext.privileged: true or capabilities.add [BPF, PERFMON, SYS_RESOURCE, SYS_PTRACE, DAC_READ_SEARCH]",
        },
  );
  const lockdown = host.lockdown ?? lockdownMode();
  out.push(
    lockdown === "confidentiality"
      ? {
          name: "lockdown",
          ok: false,
          fatal: true,
          detail: "confidentiality",
          fix: "kernel lockdown=confidentiality forbids BPF programs reading kernel memory: boot with lockdown=integrity or lockdown=none (or without Secure Boot enforced lockdown)",
        }
      : { name: "lockdown", ok: true, fatal: true, detail: lockdown || "unknown (securityfs not mounted)" },
  );
  const oldMemlock = kv !== null && (kv[0] < 5 || (kv[0] === 5 && kv[1] < 11));
  out.push(
    !oldMemlock || has(CAP_SYS_RESOURCE)
      ? { name: "memlock", ok: true, fatal: false, detail: oldMemlock ? "CAP_SYS_RESOURCE present" : "kernel >= 5.11 (memcg accounting)" }
      : {
          name: "memlock",
          ok: false,
          fatal: false,
          detail: "kernel < 5.11 charges BPF maps to RLIMIT_MEMLOCK and CAP_SYS_RESOURCE is missing",
          fix: "add CAP_SYS_RESOURCE or raise the limit (ulimit -l unlimited; systemd LimitMEMLOCK=infinity)",
        },
  );
  out.push({ name: "instances", ok: true, fatal: false, detail: host.instances ?? otherInstances() });
  return out;
}

/** Other falco-ts processes (by /proc/PID/comm), described for the "instances" check. */
function otherInstances(): string {
  const pids: number[] = [];
  try {
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
      try {
        if (readFileSync(`/proc/${d}/comm`, "latin1").trim() === "falco-ts") pids.push(Number(d));
      } catch {
        /* exited */
      }
    }
  } catch {
    /* no /proc */
  }
  return `${pids.length} other falco-ts process(es)${pids.length ? ` (${pids.slice(0, 8).join(", ")})` : ""}; each agent has its own probe instance, nothing is pinned, so they do not conflict`;
}

/** The failed fatal checks of `preflight()`, formatted "name: detail. Fix: ..." one per entry. */
export function preflightProblems(checks: PreflightCheck[] = preflight()): string[] {
  return checks.filter((c) => !c.ok && c.fatal).map((c) => `${c.name}: ${c.detail}. Fix: ${c.fix}`);
}

/** Result of `probeLoadCheck()`. */
export interface ProbeLoadCheck {
  /** True when the probe loaded, attached and was closed again. */
  ok: boolean;
  /** Milliseconds the open + close took. */
  ms: number;
  /** The error message when ok is false. */
  error?: string;
}

/**
 * Try to load and attach the probe once (no events selected), then close it: the `--support`
 * report's "can the probe load here" answer. Never throws.
 */
export function probeLoadCheck(): ProbeLoadCheck {
  const t0 = performance.now();
  try {
    const p = Probe.open({ syscalls: new Set(), stateEvents: false, bufferBytes: 64 << 10, batchBytes: 64 << 10 });
    p.close();
    return { ok: true, ms: Math.round(performance.now() - t0) };
  } catch (e) {
    return { ok: false, ms: Math.round(performance.now() - t0), error: (e as Error).message };
  }
}

/**
 * This process's PID in the initial PID namespace, which is what the probe sees
 * (bpf_get_current_pid_tgid). In a container without --pid=host, process.pid is the namespace's
 * number; the host's procfs mounted at $HOST_ROOT/proc resolves its `self` link to the PID in
 * the namespace that procfs belongs to (proc(5), /proc/self). Falls back to process.pid.
 */
export function hostTgid(hostRoot: string = process.env.HOST_ROOT ?? ""): number {
  const root = hostRoot.replace(/\/+$/, "");
  if (root) {
    try {
      const n = Number(readlinkSync(`${root}/proc/self`));
      if (Number.isInteger(n) && n > 0) return n;
    } catch {
      /* no host procfs there */
    }
  }
  return process.pid;
}

/** Turn libfts's error text into an Error that names the fix. */
/** How many times Probe.open retries falcots_open after an EAGAIN (interrupted verifier) failure. */
export const OPEN_EAGAIN_RETRIES = 3;

/**
 * True when a falcots_open error message reports EAGAIN ("Resource temporarily unavailable",
 * strerror(EAGAIN) in glibc), which the BPF verifier returns when a signal interrupts it.
 */
export function isEagain(cause: string): boolean {
  return /Resource temporarily unavailable|\bEAGAIN\b/.test(cause);
}

function openError(cause: string): Error {
  const hints: string[] = preflight()
    .filter((c) => !c.ok)
    .map((c) => c.fix!);
  if (hints.length === 0 && /refused|Operation not permitted|Permission denied/.test(cause) && !/PROG LOAD LOG/.test(cause)) {
    hints.push("the process lacks CAP_BPF+CAP_PERFMON (or CAP_SYS_ADMIN), or kernel.unprivileged_bpf_disabled/lockdown/an LSM forbids BPF: run as root");
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
   * @throws Error naming the fix when the probe cannot start: the fatal `preflight()` checks (not
   *   x86-64, kernel < 5.8, no kernel BTF, missing CAP_BPF+CAP_PERFMON, lockdown=confidentiality),
   *   missing build outputs, an embedded library that does not load, verifier rejection.
   */
  static open(opts: ProbeOptions): Probe {
    if (process.env.FALCO_TS_SKIP_PREFLIGHT !== "1") {
      const problems = preflightProblems();
      if (problems.length) {
        throw new Error(`falco-ts: cannot start the eBPF probe on this host:\n  - ${problems.join("\n  - ")}\n(FALCO_TS_SKIP_PREFLIGHT=1 tries anyway)`);
      }
    }
    const lib = loadLibFts();
    const obj = probeObjectBytes();
    const err = new Uint8Array(8192);
    const self = opts.selfTgid ?? hostTgid();
    let h: ProbeHandle | null = null;
    for (let attempt = 0; ; attempt++) {
      h = lib.falcots_open(ptr(obj), obj.byteLength, self >>> 0, opts.bufferBytes ?? 0, ptr(err), err.byteLength) as ProbeHandle | null;
      if (h) break;
      const nul = err.indexOf(0);
      const cause = Buffer.from(err.subarray(0, nul < 0 ? err.length : nul)).toString("utf8");
      // The verifier returns EAGAIN when a signal is pending during BPF_PROG_LOAD (kernel/bpf/verifier.c,
      // signal_pending → -EAGAIN); the Bun runtime signals its threads (GC, profiler): retry.
      if (attempt >= OPEN_EAGAIN_RETRIES || !isEagain(cause)) throw openError(cause);
      err.fill(0);
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
