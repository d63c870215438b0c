/**
 * Syslog output: one RFC 3164-style datagram per alert on a local unix datagram socket
 * (default /dev/log), as glibc's syslog(3) writes when Falco calls `::syslog(priority, "%s", msg)`
 * without openlog (falco userspace/falco/outputs_syslog.cpp): facility LOG_USER, severity = the
 * Falco priority number (Emergency 0 … Debug 7), tag = program name "falco", no pid:
 *
 *   `<PRI>Mmm dd HH:MM:SS falco: <alert line>`   with PRI = facility * 8 + severity
 *
 * Time stamps are UTC (the agent's convention; glibc uses local time). Bun has no unix datagram
 * sockets in node:dgram, so this uses libc socket/connect/send through bun:ffi; sends use
 * MSG_DONTWAIT so a stuck syslog daemon never blocks (the datagram is counted as an error).
 */
import { dlopen, FFIType, ptr, read } from "bun:ffi";
import { SinkWriteError, type Sink, type SinkItem } from "./sink.ts";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0x80000;
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;
const SUN_LEN = 110;

type Libc = ReturnType<typeof openLibc>;
let libc: Libc | null = null;

function openLibc() {
  return dlopen("libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    connect: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    send: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64 },
    recv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  });
}

function getLibc(): Libc {
  if (libc === null) libc = openLibc();
  return libc;
}

function errno(): number {
  const p = getLibc().symbols.__errno_location();
  return p === null ? 0 : read.i32(p, 0);
}

/** struct sockaddr_un for `path`. @throws Error if the path is longer than 107 bytes. */
function sockaddrUn(path: string): Uint8Array {
  const b = new Uint8Array(SUN_LEN);
  new DataView(b.buffer).setUint16(0, AF_UNIX, true);
  const p = new TextEncoder().encode(path);
  if (p.length >= SUN_LEN - 2) throw new Error(`unix socket path too long (${p.length} bytes, max 107): ${path}`);
  b.set(p, 2);
  return b;
}

/**
 * A bound unix datagram socket that receives messages (test helper / local receiver).
 * `receive()` is non-blocking: returns the next datagram as text, or null when none is queued.
 */
export class UnixDatagramReceiver {
  private fd: number;
  private readonly buf = new Uint8Array(65536);
  /** @param path socket path to bind (must not exist). @throws Error with errno on failure. */
  constructor(readonly path: string) {
    const l = getLibc().symbols;
    this.fd = l.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (this.fd < 0) throw new Error(`socket(AF_UNIX, SOCK_DGRAM) failed: errno ${errno()}`);
    const a = sockaddrUn(path);
    if (l.bind(this.fd, ptr(a), SUN_LEN) !== 0) {
      const e = errno();
      l.close(this.fd);
      throw new Error(`bind(${path}) failed: errno ${e}`);
    }
  }
  /** Next datagram or null if none is waiting. */
  receive(): string | null {
    if (this.fd < 0) return null;
    const n = Number(getLibc().symbols.recv(this.fd, ptr(this.buf), this.buf.length, MSG_DONTWAIT));
    if (n < 0) return null;
    return new TextDecoder().decode(this.buf.subarray(0, n));
  }
  /** Close the socket (the path is left for the caller to remove). */
  close(): void {
    if (this.fd >= 0) getLibc().symbols.close(this.fd);
    this.fd = -1;
  }
}

/** Options of the syslog sink. */
export interface SyslogSinkOptions {
  /** Datagram socket path. Default "/dev/log". */
  path?: string;
  /** Tag (glibc: program short name). Default "falco". */
  ident?: string;
  /** Facility number (LOG_USER = 1). Default 1. */
  facility?: number;
  /** Time source for the header (ms since epoch); default Date.now. */
  now?: () => number;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `Mmm dd HH:MM:SS` as strftime "%h %e %T" (day space-padded), UTC. */
export function syslogTimestamp(ms: number): string {
  const d = new Date(ms);
  const p2 = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

/** Syslog sink (see module doc). */
export class SyslogSink implements Sink {
  readonly name = "syslog";
  readonly wantsJson = false;
  private fd = -1;
  private reported = false;
  private readonly path: string;
  private readonly ident: string;
  private readonly facility: number;
  private readonly now: () => number;
  private readonly enc = new TextEncoder();

  constructor(o: SyslogSinkOptions = {}) {
    this.path = o.path ?? "/dev/log";
    this.ident = o.ident ?? "falco";
    this.facility = o.facility ?? 1;
    this.now = o.now ?? Date.now;
  }

  private connect(): void {
    if (this.fd >= 0) return;
    const l = getLibc().symbols;
    const fd = l.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw new Error(`socket failed: ${errnoText(errno())}`);
    const a = sockaddrUn(this.path);
    if (l.connect(fd, ptr(a), SUN_LEN) !== 0) {
      const e = errno();
      l.close(fd);
      throw new Error(`cannot connect to the syslog socket ${this.path}: ${errnoText(e)} (is a syslog daemon running? set syslog_output.enabled=false or syslog_output.path)`);
    }
    this.fd = fd;
  }

  /** The datagram for one alert line (exported for tests). */
  datagram(line: string, priority: number): string {
    const pri = this.facility * 8 + (priority & 7);
    return `<${pri}>${syslogTimestamp(this.now())} ${this.ident}: ${line}`;
  }

  async write(batch: SinkItem[]): Promise<void> {
    let failed = 0;
    let lastErr = "";
    for (const it of batch) {
      try {
        this.connect();
      } catch (e) {
        failed++;
        lastErr = (e as Error).message;
        continue;
      }
      const b = this.enc.encode(this.datagram(it.line, it.alert.priority));
      const n = Number(getLibc().symbols.send(this.fd, ptr(b), b.length, MSG_DONTWAIT | MSG_NOSIGNAL));
      if (n < 0) {
        const e = errno();
        failed++;
        lastErr = `send to ${this.path} failed: ${errnoText(e)}`;
        // ECONNREFUSED / ENOTCONN / ENOENT: the daemon restarted; reconnect next time.
        if (e !== 11) this.closeFd();
      }
    }
    if (failed > 0) {
      // Like glibc syslog(3), keep going silently after the first report of a missing daemon.
      const quiet = this.reported;
      this.reported = true;
      throw new SinkWriteError(lastErr, failed, quiet);
    }
    this.reported = false;
  }

  private closeFd(): void {
    if (this.fd >= 0) getLibc().symbols.close(this.fd);
    this.fd = -1;
  }

  async reopen(): Promise<void> {
    this.closeFd();
  }

  async close(): Promise<void> {
    this.closeFd();
  }
}

/** "ENOENT (No such file or directory)" style text for an errno value. */
function errnoText(e: number): string {
  const names: Record<number, string> = { 1: "EPERM", 2: "ENOENT (no such file or directory)", 11: "EAGAIN", 13: "EACCES (permission denied)", 32: "EPIPE", 91: "EPROTOTYPE", 105: "ENOBUFS", 111: "ECONNREFUSED (connection refused)" };
  return names[e] ?? `errno ${e}`;
}
