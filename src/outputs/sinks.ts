/**
 * The outputs manager and the stdout, file, program and http sinks (syslog: ./syslog.ts).
 *
 * Falco (userspace/falco/falco_outputs.cpp) formats each alert on the event thread, pushes it on
 * ONE bounded queue (`outputs_queue.capacity`, 0 = unbounded) drained by one worker thread that
 * writes to every output in turn — so one blocked output stalls all of them (a watchdog only
 * logs). Here every output has its OWN bounded queue and async writer loop: `emit()` renders
 * the alert once per needed form, appends it to each queue and returns immediately; a full queue
 * drops the alert for that output only, counts it, and reports it (log line the first time, as
 * Falco's "Outputs queue out of memory. Drop event and continue on ...", plus a rate-limited
 * internal alert "Falco internal: outputs queue overflow"). A stalled HTTP endpoint or a full
 * disk therefore never delays the other outputs or detection.
 */
import { once } from "node:events";
import { open, readFile, type FileHandle } from "node:fs/promises";
import { readdirSync, readFileSync } from "node:fs";
import {
  type Alert,
  type AlertFormatOptions,
  formatAlertJson,
  formatAlertText,
  internalAlert,
  PRIORITY,
} from "./alert.ts";
import { SinkWriteError, type Sink, type SinkItem } from "./sink.ts";

/** Rule name of the internal alert reporting queue overflow drops (falco-ts; Falco only logs). */
export const QUEUE_OVERFLOW_RULE = "Falco internal: outputs queue overflow";

/** Options of the Outputs manager (falco.yaml keys in parentheses). */
export interface OutputsOptions extends AlertFormatOptions {
  /**
   * (outputs_queue.capacity) Max alerts waiting per output; 0 = unbounded (Falco's meaning).
   * Default 100000 (Falco's default is 0 = unbounded; we keep memory finite under a stalled sink).
   */
  queueCapacity?: number;
  /** Min interval between two queue-overflow internal alerts, ms. Default 10000. */
  dropReportIntervalMs?: number;
  /** Log sink for warnings/errors (default: one line to stderr). */
  log?: (msg: string) => void;
  /** (output_timeout) ms close() waits for queues to drain before discarding. Default 2000. */
  outputTimeoutMs?: number;
  /** Host name for internal alerts produced by the manager. Default FALCO_HOSTNAME / host name. */
  hostname?: string;
}

/** Per-output counters. */
export interface OutputStats {
  name: string;
  /** Alerts waiting in the queue. */
  queued: number;
  /** Alerts written successfully. */
  written: number;
  /** Alerts dropped because the queue was full. */
  dropped: number;
  /** Alerts lost because the sink failed to write them. */
  errors: number;
}

type QItem = SinkItem | { ctrl: "reopen" | "flush"; done: () => void };

function isCtrl(q: QItem): q is { ctrl: "reopen" | "flush"; done: () => void } {
  return (q as { ctrl?: string }).ctrl !== undefined;
}

class Channel {
  q: QItem[] = [];
  head = 0;
  written = 0;
  dropped = 0;
  errors = 0;
  pendingDrops = 0;
  lastErrLog = 0;
  lastErrMsg = "";
  running: Promise<void> | null = null;
  closed = false;
  constructor(
    readonly sink: Sink,
    readonly capacity: number,
    readonly log: (m: string) => void,
  ) {}

  get size(): number {
    return this.q.length - this.head;
  }

  alertCount(): number {
    let n = 0;
    for (let i = this.head; i < this.q.length; i++) if (!isCtrl(this.q[i]!)) n++;
    return n;
  }

  /** Append; false if full. */
  push(it: QItem, force = false): boolean {
    if (this.closed) return false;
    if (!force && !isCtrl(it) && this.capacity > 0 && this.size >= this.capacity) return false;
    this.q.push(it);
    this.kick();
    return true;
  }

  kick(): void {
    if (this.running === null) {
      this.running = this.loop().finally(() => {
        this.running = null;
        if (this.size > 0 && !this.closed) this.kick();
      });
    }
  }

  private take(): QItem[] {
    const max = this.sink.maxBatch ?? 4096;
    const out: QItem[] = [];
    while (this.head < this.q.length && out.length < max) {
      const it = this.q[this.head]!;
      if (isCtrl(it)) {
        if (out.length === 0) {
          this.head++;
          out.push(it);
        }
        break;
      }
      out.push(it);
      this.head++;
    }
    if (this.head === this.q.length) {
      this.q = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.q.length) {
      this.q = this.q.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  private async loop(): Promise<void> {
    await null; // never run sink code inside emit()
    while (this.size > 0) {
      const batch = this.take();
      const first = batch[0]!;
      if (isCtrl(first)) {
        try {
          if (first.ctrl === "reopen") await this.sink.reopen?.();
          else await this.sink.flush?.();
        } catch (e) {
          this.logErr(`${this.sink.name}: ${first.ctrl} failed: ${(e as Error).message}`);
        }
        first.done();
        continue;
      }
      const items = batch as SinkItem[];
      try {
        await this.sink.write(items);
        this.written += items.length;
      } catch (e) {
        const n = e instanceof SinkWriteError ? Math.min(e.count, items.length) : items.length;
        this.errors += n;
        this.written += items.length - n;
        if (!(e instanceof SinkWriteError && e.quiet)) this.logErr(`${this.sink.name}: ${(e as Error).message}`);
      }
    }
  }

  /** Log a sink error: a new message at once, the same message again at most once a minute. */
  logErr(m: string): void {
    const now = Date.now();
    if (m !== this.lastErrMsg || now - this.lastErrLog >= 60_000) {
      this.lastErrLog = now;
      this.lastErrMsg = m;
      this.log(m);
    }
  }
}

function stderrLog(m: string): void {
  process.stderr.write(m.endsWith("\n") ? m : m + "\n");
}

/**
 * The outputs manager: renders alerts and feeds every sink through its own bounded queue.
 * Usage: `const o = new Outputs([new StdoutSink()], opts); o.emit(alert); ...; await o.close();`
 */
export class Outputs {
  private readonly chans: Channel[];
  private readonly opts: OutputsOptions;
  private readonly log: (m: string) => void;
  private lastDropReport = 0;
  private reportingDrops = false;
  private dropTimer: ReturnType<typeof setTimeout> | null = null;
  private loggedFirstDrop = false;
  private closed = false;

  /**
   * @param sinks the outputs (order = write order, as Falco's list).
   * @param opts rendering and queue options.
   */
  constructor(sinks: readonly Sink[], opts: OutputsOptions = {}) {
    this.opts = opts;
    this.log = opts.log ?? stderrLog;
    const cap = opts.queueCapacity ?? 100_000;
    this.chans = sinks.map((s) => new Channel(s, cap, this.log));
  }

  /** Sink names, in order. */
  get names(): string[] {
    return this.chans.map((c) => c.sink.name);
  }

  /**
   * Queue one alert for every output. Never blocks and never throws for sink problems: a full
   * queue drops the alert for that output (counted in stats().dropped and reported).
   */
  emit(alert: Alert): void {
    this.emitInternal(alert, false);
  }

  /** @param force bypass the queue bound (used only for the rate-limited overflow reports). */
  private emitInternal(alert: Alert, force: boolean): void {
    if (this.closed) return;
    let line: SinkItem | null = null;
    let jsonForced: SinkItem | null = null;
    const o = this.opts;
    let dropped = false;
    for (const c of this.chans) {
      let it: SinkItem;
      if (c.sink.wantsJson) {
        jsonForced ??= { alert, line: formatAlertJson(alert, o, { forceOutputFields: true }), json: true };
        it = jsonForced;
      } else {
        line ??= o.jsonOutput
          ? { alert, line: formatAlertJson(alert, o), json: true }
          : { alert, line: formatAlertText(alert, o), json: false };
        it = line;
      }
      if (!c.push(it, force)) {
        if (c.closed) continue;
        c.dropped++;
        c.pendingDrops++;
        dropped = true;
      }
    }
    if (dropped) this.reportDrops();
  }

  private reportDrops(): void {
    if (!this.loggedFirstDrop) {
      this.loggedFirstDrop = true;
      this.log("Outputs queue out of memory. Drop event and continue on ...");
    }
    if (this.reportingDrops || this.dropTimer !== null || this.closed) return;
    const interval = this.opts.dropReportIntervalMs ?? 10_000;
    const wait = this.lastDropReport + interval - Date.now();
    if (wait > 0) {
      this.dropTimer = setTimeout(() => {
        this.dropTimer = null;
        this.sendDropReports();
      }, wait);
      (this.dropTimer as { unref?: () => void }).unref?.();
      return;
    }
    this.sendDropReports();
  }

  /** Emit one internal alert per output with drops not yet reported (bypasses the queue bound). */
  private sendDropReports(): void {
    if (this.closed) return;
    this.lastDropReport = Date.now();
    this.reportingDrops = true;
    try {
      for (const c of this.chans) {
        if (c.pendingDrops === 0) continue;
        const n = c.pendingDrops;
        c.pendingDrops = 0;
        const a = internalAlert(
          QUEUE_OVERFLOW_RULE,
          PRIORITY.ERROR,
          `Falco internal: outputs queue overflow. ${n} alerts dropped for output ${c.sink.name} (queue capacity ${c.capacity})`,
          { "n_drops": n, "output": c.sink.name, "queue_capacity": c.capacity },
          undefined,
          this.opts.hostname,
        );
        this.emitInternal(a, true);
      }
    } finally {
      this.reportingDrops = false;
    }
  }

  /** Counters per output. */
  stats(): OutputStats[] {
    return this.chans.map((c) => ({ name: c.sink.name, queued: c.alertCount(), written: c.written, dropped: c.dropped, errors: c.errors }));
  }

  private ctrlAll(kind: "reopen" | "flush"): Promise<void> {
    const ps = this.chans.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (!c.push({ ctrl: kind, done: resolve })) resolve();
        }),
    );
    return Promise.all(ps).then(() => undefined);
  }

  /** Resolve when everything queued before the call is written and sinks flushed their buffers. */
  flush(): Promise<void> {
    return this.ctrlAll("flush");
  }

  /** Reopen every output after what is already queued (SIGUSR1: files reopened for log rotation). */
  reopen(): Promise<void> {
    return this.ctrlAll("reopen");
  }

  /**
   * Drain (up to `outputTimeoutMs`, default 2000 ms), then close every sink. Alerts still queued
   * after the timeout are discarded with a log line, as Falco's stop_worker watchdog.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const timeout = this.opts.outputTimeoutMs ?? 2000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((r) => {
      timer = setTimeout(() => r("timeout"), timeout);
    });
    const res = await Promise.race([this.flush().then(() => "ok" as const), timedOut]);
    this.closed = true;
    if (this.dropTimer !== null) clearTimeout(this.dropTimer);
    this.dropTimer = null;
    if (res === "timeout") this.log("output channels still blocked, discarding all remaining notifications");
    for (const c of this.chans) {
      c.closed = true;
      for (let i = c.head; i < c.q.length; i++) {
        const it = c.q[i]!;
        if (isCtrl(it)) it.done();
      }
      c.q = [];
      c.head = 0;
    }
    await Promise.race([Promise.all(this.chans.map((c) => c.sink.close().catch(() => undefined))), timedOut]);
    if (timer) clearTimeout(timer);
    for (const c of this.chans) if (c.dropped > 0) this.log(`${c.sink.name}: ${c.dropped} alerts dropped (queue full)`);
  }
}

// ---------------------------------------------------------------------------------------------
// stdout

/** Options of the stdout sink. */
export interface StdoutSinkOptions {
  /**
   * Buffered output (falco.yaml buffered_outputs; `-U`/`--unbuffered` sets false). Default true.
   * Ignored (line-buffered) when the default writer is used and stdout is a terminal.
   */
  buffered?: boolean;
  /** Max buffered bytes before a write, when buffered. Default 8192 (glibc BUFSIZ). */
  bufferSize?: number;
  /** When buffered, also write out after this many ms of quiet (0 = never). Default 1000. */
  flushIntervalMs?: number;
  /** Destination writer (default process.stdout, awaiting 'drain' under back-pressure). */
  write?: (s: string) => void | Promise<void>;
}

async function writeStdout(s: string): Promise<void> {
  if (!process.stdout.write(s)) await once(process.stdout, "drain");
}

/** stdout sink: one line per alert (userspace/falco/outputs_stdout.cpp). */
export class StdoutSink implements Sink {
  readonly name = "stdout";
  readonly wantsJson = false;
  private buf = "";
  private readonly buffered: boolean;
  private readonly size: number;
  private readonly interval: number;
  private readonly out: (s: string) => void | Promise<void>;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(o: StdoutSinkOptions = {}) {
    // Falco's stdout is line-buffered on a terminal even when buffered (C stdio on a TTY).
    this.buffered = (o.buffered ?? true) && !(o.write === undefined && process.stdout.isTTY === true);
    this.size = o.bufferSize ?? 8192;
    this.interval = o.flushIntervalMs ?? 1000;
    this.out = o.write ?? writeStdout;
  }

  async write(batch: SinkItem[]): Promise<void> {
    let s = "";
    for (const it of batch) s += it.line + "\n";
    if (!this.buffered) return this.out(s);
    this.buf += s;
    if (this.buf.length >= this.size) return this.flush();
    if (this.interval > 0 && this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush().catch(() => undefined);
      }, this.interval);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  async flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.buf.length === 0) return;
    const s = this.buf;
    this.buf = "";
    await this.out(s);
  }

  async close(): Promise<void> {
    await this.flush();
  }
}

// ---------------------------------------------------------------------------------------------
// file

/** Options of the file sink (falco.yaml file_output). */
export interface FileSinkOptions {
  /** (file_output.filename) Appended to; created if missing. */
  filename: string;
  /** (file_output.keep_alive) Keep the file open between alerts. Default false: open/close per write. */
  keepAlive?: boolean;
}

/** File sink: appends lines (userspace/falco/outputs_file.cpp); reopen() for log rotation. */
export class FileSink implements Sink {
  readonly name = "file";
  readonly wantsJson = false;
  private fh: FileHandle | null = null;
  private readonly keepAlive: boolean;
  constructor(private readonly o: FileSinkOptions) {
    this.keepAlive = o.keepAlive ?? false;
  }

  private async openFile(): Promise<FileHandle> {
    if (this.fh === null) {
      try {
        this.fh = await open(this.o.filename, "a");
      } catch (e) {
        throw new Error(`failed to open output file ${this.o.filename}: ${(e as Error).message}`);
      }
    }
    return this.fh;
  }

  async write(batch: SinkItem[]): Promise<void> {
    let s = "";
    for (const it of batch) s += it.line + "\n";
    const fh = await this.openFile();
    try {
      await fh.appendFile(s);
    } finally {
      if (!this.keepAlive) await this.closeFile();
    }
  }

  private async closeFile(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh) await fh.close().catch(() => undefined);
  }

  /** Close, then open the file again by name (the renamed file is left alone). */
  async reopen(): Promise<void> {
    await this.closeFile();
    await this.openFile();
    if (!this.keepAlive) await this.closeFile();
  }

  /** Nothing to do: every write reaches the kernel before it resolves (no user-space buffer). */
  async flush(): Promise<void> {}

  async close(): Promise<void> {
    await this.closeFile();
  }
}

// ---------------------------------------------------------------------------------------------
// program

/** Options of the program sink (falco.yaml program_output). */
export interface ProgramSinkOptions {
  /** (program_output.program) Run with `sh -c`; alerts are written to its stdin, one per line. */
  program: string;
  /** (program_output.keep_alive) One long-lived process. Default false: one process per alert (Falco popen/pclose). */
  keepAlive?: boolean;
}

type Spawned = Bun.Subprocess<"pipe", "inherit", "inherit">;

/**
 * Processes the agent's own outputs started (program output children), by pid, with the time
 * (ms) until which they still count after their exit (0 while running). The engine drops rule
 * matches from these processes and their descendants, so an output program that writes a file or
 * opens a connection can never make the agent alert on itself in a loop.
 */
export const OUTPUT_CHILD_PIDS = new Map<number, number>();
const OUTPUT_CHILD_GRACE_MS = 5000;

function trackOutputChild(p: Spawned): Spawned {
  OUTPUT_CHILD_PIDS.set(p.pid, 0);
  void p.exited.then(() => {
    OUTPUT_CHILD_PIDS.set(p.pid, Date.now() + OUTPUT_CHILD_GRACE_MS);
    setTimeout(() => {
      const until = OUTPUT_CHILD_PIDS.get(p.pid);
      if (until !== undefined && until !== 0 && until <= Date.now()) OUTPUT_CHILD_PIDS.delete(p.pid);
    }, OUTPUT_CHILD_GRACE_MS + 10).unref?.();
  });
  return p;
}

/** Program sink (userspace/falco/outputs_program.cpp). The child's stdout/stderr are the agent's. */
export class ProgramSink implements Sink {
  readonly name = "program";
  readonly wantsJson = false;
  private proc: Spawned | null = null;
  private readonly keepAlive: boolean;
  constructor(private readonly o: ProgramSinkOptions) {
    this.keepAlive = o.keepAlive ?? false;
  }

  /** Children not yet exited (one with keep_alive; the current one without). */
  private readonly running = new Set<Spawned>();

  private spawn(): Spawned {
    const p = trackOutputChild(Bun.spawn(["sh", "-c", this.o.program], { stdin: "pipe", stdout: "inherit", stderr: "inherit" }));
    this.running.add(p);
    void p.exited.then(() => this.running.delete(p));
    return p;
  }

  async write(batch: SinkItem[]): Promise<void> {
    if (!this.keepAlive) {
      for (const it of batch) {
        if (this.closing) return;
        const p = this.spawn();
        p.stdin.write(it.line + "\n");
        await p.stdin.end();
        await p.exited;
      }
      return;
    }
    if (this.closing) return;
    if (this.proc !== null && this.proc.exitCode !== null) this.proc = null;
    this.proc ??= this.spawn();
    let s = "";
    for (const it of batch) s += it.line + "\n";
    this.proc.stdin.write(s);
    await this.proc.stdin.flush();
  }

  async reopen(): Promise<void> {
    await this.endChildren();
  }

  /** Set by close(): a non-keep_alive write loop stops spawning. */
  private closing = false;

  /**
   * End the children's stdin and wait for them (Falco: pclose). A program that does not exit on
   * EOF within `PROGRAM_EXIT_WAIT_MS` is terminated with its descendants (SIGTERM, then SIGKILL
   * after 500 ms), so no child of
   * the agent outlives it. A reopen (SIGUSR1) closes the same way and spawns anew on the next alert.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.endChildren();
  }

  private async endChildren(): Promise<void> {
    this.proc = null;
    const kids = [...this.running];
    for (const p of kids) {
      try {
        await p.stdin.end();
      } catch {
        /* child already gone */
      }
    }
    await Promise.all(
      kids.map(async (p) => {
        const done = await Promise.race([p.exited.then(() => true), Bun.sleep(PROGRAM_EXIT_WAIT_MS).then(() => false)]);
        if (done) return;
        const tree = processTree(p.pid);
        signalAll(tree, "SIGTERM");
        if (!(await Promise.race([p.exited.then(() => true), Bun.sleep(500).then(() => false)]))) signalAll(tree, "SIGKILL");
      }),
    );
  }
}

/** How long close() lets an output program exit after EOF on its stdin, ms. */
const PROGRAM_EXIT_WAIT_MS = 1000;

/** `pid` and every descendant, parents first (found through /proc/PID/task/TID/children, proc(5)). */
function processTree(pid: number): number[] {
  const all: number[] = [];
  const walk = (p: number): void => {
    all.push(p);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let kids = "";
      try {
        kids = readFileSync(`/proc/${p}/task/${t}/children`, "utf8");
      } catch {
        continue;
      }
      for (const c of kids.split(" ")) if (c.trim()) walk(Number(c));
    }
  };
  walk(pid);
  return all;
}

/** Send `sig` to every pid, children first; pids already gone are skipped. */
function signalAll(pids: readonly number[], sig: NodeJS.Signals): void {
  for (let i = pids.length - 1; i >= 0; i--) {
    try {
      process.kill(pids[i]!, sig);
    } catch {
      /* already gone */
    }
  }
}

// ---------------------------------------------------------------------------------------------
// http

/** Options of the http sink (falco.yaml http_output). */
export interface HttpSinkOptions {
  /** (http_output.url) Quotes around it are removed as Falco does. */
  url: string;
  /** (http_output.user_agent) Default "falcosecurity/falco". */
  userAgent?: string;
  /** Extra request headers (falco-ts; Falco 0.44 has none). */
  headers?: Record<string, string>;
  /** (http_output.insecure) Skip TLS verification. */
  insecure?: boolean;
  /** (http_output.ca_cert) PEM file with the CA. */
  caCert?: string;
  /** (http_output.ca_bundle) PEM bundle file (used when ca_cert is empty). */
  caBundle?: string;
  /** (http_output.mtls) Present client_cert/client_key. */
  mtls?: boolean;
  clientCert?: string;
  clientKey?: string;
  /**
   * Body form: "json" (default; Falcosidekick-compatible: always JSON with a non-empty
   * output_fields, Content-Type application/json) or "line" (Falco's exact behaviour: the
   * configured form, text/plain when json_output is false).
   */
  format?: "json" | "line";
  /** Per-attempt timeout, ms. Default 5000. */
  timeoutMs?: number;
  /** Retries after the first attempt on network errors, timeouts, 408/429/5xx. Default 3. */
  retries?: number;
  /** First backoff, ms; doubles each retry (capped at 10 s). Default 250. */
  backoffMs?: number;
}

/** HTTP sink: one POST per alert (userspace/falco/outputs_http.cpp), with retries and backoff. */
export class HttpSink implements Sink {
  readonly name = "http";
  readonly wantsJson: boolean;
  readonly maxBatch = 1;
  private readonly url: string;
  private readonly abort = new AbortController();
  private tlsPromise: Promise<Record<string, unknown> | undefined> | null = null;

  constructor(private readonly o: HttpSinkOptions) {
    this.wantsJson = (o.format ?? "json") === "json";
    let u = o.url;
    if (u.length >= 2 && ((u[0] === '"' && u.endsWith('"')) || (u[0] === "'" && u.endsWith("'")))) u = u.slice(1, -1);
    this.url = u;
  }

  private tls(): Promise<Record<string, unknown> | undefined> {
    this.tlsPromise ??= (async () => {
      const t: Record<string, unknown> = {};
      if (this.o.insecure) t.rejectUnauthorized = false;
      const ca = this.o.caCert || this.o.caBundle;
      if (ca) t.ca = await readFile(ca, "utf8");
      if (this.o.mtls) {
        if (this.o.clientCert) t.cert = await readFile(this.o.clientCert, "utf8");
        if (this.o.clientKey) t.key = await readFile(this.o.clientKey, "utf8");
      }
      return Object.keys(t).length > 0 ? t : undefined;
    })();
    return this.tlsPromise;
  }

  async write(batch: SinkItem[]): Promise<void> {
    const retries = this.o.retries ?? 3;
    const base = this.o.backoffMs ?? 250;
    const timeout = this.o.timeoutMs ?? 5000;
    const tls = await this.tls();
    for (const it of batch) {
      const headers: Record<string, string> = {
        "Content-Type": it.json ? "application/json" : "text/plain",
        "User-Agent": this.o.userAgent ?? "falcosecurity/falco",
        ...(this.o.headers ?? {}),
      };
      let lastErr = "";
      let ok = false;
      for (let attempt = 0; attempt <= retries && !this.abort.signal.aborted; attempt++) {
        if (attempt > 0) await sleep(Math.min(base * 2 ** (attempt - 1), 10_000), this.abort.signal);
        const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeout)]);
        try {
          const init: RequestInit & { tls?: Record<string, unknown> } = { method: "POST", body: it.line, headers, signal };
          if (tls) init.tls = tls;
          const res = await fetch(this.url, init);
          await res.arrayBuffer().catch(() => undefined);
          if (res.ok) {
            ok = true;
            break;
          }
          lastErr = `HTTP ${res.status} from ${this.url}`;
          if (res.status < 500 && res.status !== 408 && res.status !== 429) break;
        } catch (e) {
          lastErr = `POST ${this.url} failed: ${(e as Error).message}`;
        }
      }
      if (!ok) throw new SinkWriteError(lastErr || "aborted", 1);
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
