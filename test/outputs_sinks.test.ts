import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Alert, internalAlert, PRIORITY, priorityName } from "../src/outputs/alert.ts";
import type { FieldValue } from "../src/fields/registry.ts";
import type { Sink, SinkItem } from "../src/outputs/sink.ts";
import {
  FileSink,
  HttpSink,
  Outputs,
  ProgramSink,
  QUEUE_OVERFLOW_RULE,
  StdoutSink,
} from "../src/outputs/sinks.ts";
import { SyslogSink, UnixDatagramReceiver } from "../src/outputs/syslog.ts";
import { createOutputs } from "../src/outputs/config.ts";
import { parseJsonExact } from "./outputs_helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "falco-ts-outputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TS = 1470327477881781397n;
let seq = 0;
function alert(n = ++seq, priority: number = PRIORITY.WARNING): Alert {
  return {
    time: TS + BigInt(n),
    priority,
    priorityName: priorityName(priority),
    rule: "open_from_cat",
    output: `An open was seen (n=${n})`,
    outputFields: new Map<string, FieldValue>([["proc.cmdline", "cat /dev/null"], ["n", n]]),
    tags: ["testing"],
    source: "syscall",
    hostname: "test-host",
  };
}

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter((l) => l !== "") : [];
}

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const silent = (): void => {};

describe("file output", () => {
  it("appends one line per alert (keep_alive false)", async () => {
    const f = join(dir, "a.log");
    const o = new Outputs([new FileSink({ filename: f })], { timeFormatIso8601: true, log: silent });
    o.emit(alert(1));
    o.emit(alert(2));
    await o.flush();
    expect(lines(f)).toEqual([
      "2016-08-04T16:17:57.881781398+0000: Warning An open was seen (n=1)",
      "2016-08-04T16:17:57.881781399+0000: Warning An open was seen (n=2)",
    ]);
    await o.close();
    expect(o.stats()[0]).toMatchObject({ name: "file", written: 2, dropped: 0, errors: 0 });
  });

  it("keep_alive: keeps writing to the renamed file until reopen(), then to a new file", async () => {
    const f = join(dir, "rot.log");
    const o = new Outputs([new FileSink({ filename: f, keepAlive: true })], { jsonOutput: true, log: silent });
    o.emit(alert(10));
    await o.flush();
    renameSync(f, f + ".1");
    o.emit(alert(11));
    await o.flush();
    expect(existsSync(f)).toBe(false);
    await o.reopen();
    o.emit(alert(12));
    await o.close();
    const old = lines(f + ".1").map((l) => (parseJsonExact(l) as { output: string }).output);
    expect(old.map((s) => s.slice(-6))).toEqual(["(n=10)", "(n=11)"]);
    const cur = lines(f).map((l) => (parseJsonExact(l) as { output_fields: Record<string, unknown> }).output_fields.n);
    expect(cur).toEqual([12]);
  });

  it("a file that cannot be opened counts errors and does not stop other outputs", async () => {
    const good = join(dir, "good.log");
    const o = new Outputs([new FileSink({ filename: join(dir, "no/such/dir/x.log") }), new FileSink({ filename: good })], { log: silent });
    o.emit(alert(20));
    o.emit(alert(21));
    await o.close();
    expect(lines(good).length).toBe(2);
    expect(o.stats()[0]!.errors).toBe(2);
    expect(o.stats()[0]!.written).toBe(0);
  });
});

describe("http output", () => {
  it("POSTs JSON with headers and non-empty output_fields (Falcosidekick-compatible)", async () => {
    const got: { ct: string | null; ua: string | null; x: string | null; body: string }[] = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        got.push({ ct: req.headers.get("content-type"), ua: req.headers.get("user-agent"), x: req.headers.get("x-api-key"), body: await req.text() });
        return new Response("ok");
      },
    });
    try {
      const url = `'http://127.0.0.1:${server.port}/'`; // quoted, as falco.yaml allows
      const o = new Outputs([new HttpSink({ url, headers: { "X-Api-Key": "k1" } })], { log: silent });
      o.emit(alert(30));
      o.emit(internalAlert("Falco internal: hot restart failure", "Critical", "restart failed", {}, TS, "h"));
      await o.close();
      expect(got.length).toBe(2);
      expect(got[0]!.ct).toBe("application/json");
      expect(got[0]!.ua).toBe("falcosecurity/falco");
      expect(got[0]!.x).toBe("k1");
      const b0 = parseJsonExact(got[0]!.body) as Record<string, unknown>;
      expect(b0.rule).toBe("open_from_cat");
      expect(b0.output_fields).toEqual({ "evt.time": "1470327477881781427n", n: 30, "proc.cmdline": "cat /dev/null" });
      const b1 = parseJsonExact(got[1]!.body) as Record<string, unknown>;
      expect(b1.source).toBe("internal");
      expect(Object.keys(b1.output_fields as object).length).toBeGreaterThan(0);
    } finally {
      server.stop(true);
    }
  });

  it("retries a 500 with backoff, then counts the error; 4xx is not retried", async () => {
    let hits = 0;
    let status = 500;
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch() {
        hits++;
        return new Response("nope", { status });
      },
    });
    try {
      const logs: string[] = [];
      const o = new Outputs([new HttpSink({ url: `http://127.0.0.1:${server.port}/`, retries: 2, backoffMs: 10 })], { log: (m) => logs.push(m) });
      o.emit(alert(40));
      await o.flush();
      expect(hits).toBe(3);
      expect(o.stats()[0]).toMatchObject({ errors: 1, written: 0 });
      expect(logs.join("\n")).toContain("HTTP 500");
      status = 400;
      hits = 0;
      o.emit(alert(41));
      await o.close();
      expect(hits).toBe(1);
      expect(o.stats()[0]!.errors).toBe(2);
    } finally {
      server.stop(true);
    }
  });

  it("a stalled endpoint never delays the file output nor emit(); its queue drops and reports", async () => {
    const pending: (() => void)[] = [];
    let hits = 0;
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch() {
        hits++;
        return new Promise<Response>((resolve) => pending.push(() => resolve(new Response("late"))));
      },
    });
    const f = join(dir, "stall.log");
    try {
      const logs: string[] = [];
      const o = new Outputs(
        [new HttpSink({ url: `http://127.0.0.1:${server.port}/`, timeoutMs: 60_000, retries: 0 }), new FileSink({ filename: f, keepAlive: true })],
        { queueCapacity: 5, log: (m) => logs.push(m), outputTimeoutMs: 300, hostname: "h" },
      );
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) o.emit(alert(100 + i));
      const emitMs = performance.now() - t0;
      expect(emitMs).toBeLessThan(500);
      // file output is written promptly although http is stuck on its first request
      await waitFor(() => lines(f).length >= 5, 2000);
      await waitFor(() => hits >= 1, 2000);
      const s = o.stats();
      expect(s[0]!.name).toBe("http");
      expect(s[0]!.dropped).toBeGreaterThan(150);
      expect(logs[0]).toBe("Outputs queue out of memory. Drop event and continue on ...");
      // file: bounded queue too, but it drains; first internal overflow alert is there
      await waitFor(() => lines(f).some((l) => l.includes(QUEUE_OVERFLOW_RULE)), 2000);
      const t1 = performance.now();
      await o.close();
      expect(performance.now() - t1).toBeLessThan(2000);
      expect(logs.some((l) => l.includes("discarding all remaining notifications"))).toBe(true);
      const fl = lines(f);
      expect(fl.filter((l) => l.includes("Warning An open was seen")).length + s[1]!.dropped).toBe(200);
      const overflow = fl.find((l) => l.includes(QUEUE_OVERFLOW_RULE))!;
      expect(overflow).toMatch(/Error Falco internal: outputs queue overflow\. \d+ alerts dropped for output http/);
    } finally {
      for (const p of pending) p();
      server.stop(true);
    }
  });
});

describe("syslog output", () => {
  it("sends RFC 3164-style datagrams with LOG_USER facility and Falco's severity", async () => {
    const sock = join(dir, "log.sock");
    const rx = new UnixDatagramReceiver(sock);
    try {
      const o = new Outputs([new SyslogSink({ path: sock, now: () => Date.UTC(2016, 7, 4, 16, 17, 57) })], { log: silent });
      o.emit(alert(50, PRIORITY.WARNING));
      o.emit(alert(51, PRIORITY.CRITICAL));
      o.emit(alert(52, PRIORITY.DEBUG));
      await o.close();
      const got = [rx.receive(), rx.receive(), rx.receive(), rx.receive()];
      expect(got).toEqual([
        "<12>Aug  4 16:17:57 falco: 16:17:57.881781447: Warning An open was seen (n=50)",
        "<10>Aug  4 16:17:57 falco: 16:17:57.881781448: Critical An open was seen (n=51)",
        "<15>Aug  4 16:17:57 falco: 16:17:57.881781449: Debug An open was seen (n=52)",
        null,
      ]);
    } finally {
      rx.close();
    }
  });

  it("a missing socket counts errors without throwing from emit", async () => {
    const o = new Outputs([new SyslogSink({ path: join(dir, "nobody.sock") })], { log: silent });
    o.emit(alert(53));
    await o.close();
    expect(o.stats()[0]).toMatchObject({ errors: 1, written: 0 });
  });
});

describe("program output", () => {
  it("one process per alert: `cat >> file`", async () => {
    const f = join(dir, "prog1.log");
    const o = new Outputs([new ProgramSink({ program: `cat >> '${f}'` })], { log: silent });
    o.emit(alert(60));
    o.emit(alert(61));
    await o.close();
    expect(lines(f).map((l) => l.slice(-6))).toEqual(["(n=60)", "(n=61)"]);
  });

  it("keep_alive: one long-lived process; restarted by reopen()", async () => {
    const f = join(dir, "prog2.log");
    const o = new Outputs([new ProgramSink({ program: `echo start >> '${f}'; cat >> '${f}'`, keepAlive: true })], { log: silent, jsonOutput: true });
    o.emit(alert(62));
    o.emit(alert(63));
    await o.flush();
    await o.reopen();
    o.emit(alert(64));
    await o.close();
    const l = lines(f);
    expect(l.filter((x) => x === "start").length).toBe(2);
    expect(l.filter((x) => x !== "start").map((x) => (parseJsonExact(x) as { output_fields: { n: number } }).output_fields.n)).toEqual([62, 63, 64]);
  });
});

describe("program output that does not exit on EOF", () => {
  it("close() terminates it and its children instead of leaving them running", async () => {
    const f = join(dir, "prog3.pid");
    const o = new Outputs([new ProgramSink({ program: `sleep 1000 & echo $! > '${f}'; wait`, keepAlive: true })], { log: silent });
    o.emit(alert(65));
    await o.flush();
    for (let i = 0; i < 50 && !existsSync(f); i++) await new Promise((r) => setTimeout(r, 20));
    const pid = Number(readFileSync(f, "utf8").trim());
    expect(pid).toBeGreaterThan(0);
    const t0 = Date.now();
    await o.close();
    expect(Date.now() - t0).toBeLessThan(2500);
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return !/^\d+ \([^)]*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
      } catch {
        return false;
      }
    };
    // SIGTERM is delivered asynchronously: give a loaded machine a moment (without the fix the
    // child keeps sleeping for 1000 s).
    for (let i = 0; i < 40 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
  });
});

describe("stdout output", () => {
  it("unbuffered writes each batch at once; buffered holds until flush or size", async () => {
    const writes: string[] = [];
    const un = new Outputs([new StdoutSink({ buffered: false, write: (s) => void writes.push(s) })], { log: silent });
    un.emit(alert(70));
    await new Promise((r) => setTimeout(r, 20));
    expect(writes.length).toBe(1);
    expect(writes[0]).toMatch(/Warning An open was seen \(n=70\)\n$/);
    await un.close();

    const bw: string[] = [];
    const b = new Outputs([new StdoutSink({ buffered: true, flushIntervalMs: 0, bufferSize: 300, write: (s) => void bw.push(s) })], { log: silent });
    b.emit(alert(71));
    await new Promise((r) => setTimeout(r, 20));
    expect(bw.length).toBe(0);
    for (let i = 0; i < 5; i++) b.emit(alert(72 + i));
    await new Promise((r) => setTimeout(r, 20));
    expect(bw.length).toBe(1);
    await b.close();
    expect(bw.join("").split("\n").filter(Boolean).length).toBe(6);
  });
});

describe("manager", () => {
  it("a sink that throws synchronously or hangs does not break emit()", async () => {
    const hang: Sink = { name: "hang", wantsJson: false, write: () => new Promise<void>(() => {}), close: async () => {} };
    const boom: Sink = {
      name: "boom",
      wantsJson: false,
      write: (_b: SinkItem[]) => {
        throw new Error("boom");
      },
      close: async () => {},
    };
    const got: string[] = [];
    const ok: Sink = { name: "ok", wantsJson: false, write: async (b) => void got.push(...b.map((x) => x.line)), close: async () => {} };
    const o = new Outputs([hang, boom, ok], { log: silent, outputTimeoutMs: 100, queueCapacity: 3 });
    for (let i = 0; i < 10; i++) o.emit(alert(80 + i));
    await waitFor(() => got.length >= 3);
    await o.close();
    const s = o.stats();
    expect(s.map((x) => x.name)).toEqual(["hang", "boom", "ok"]);
    expect(s[1]!.errors).toBeGreaterThan(0);
    expect(got.length).toBeGreaterThanOrEqual(3);
  });
});

describe("createOutputs (falco.yaml keys)", () => {
  it("creates the enabled outputs in Falco's order with the config's rendering", async () => {
    const f = join(dir, "cfg.log");
    const p = join(dir, "cfg-prog.log");
    const out: string[] = [];
    const o = createOutputs(
      {
        json_output: true,
        json_include_tags_property: false,
        time_format_iso_8601: true,
        stdout_output: { enabled: true },
        file_output: { enabled: true, keep_alive: false, filename: f },
        syslog_output: { enabled: false },
        program_output: { enabled: true, keep_alive: true, program: `cat >> '${p}'` },
        http_output: { enabled: true, url: "http://127.0.0.1:9/", retries: 0 },
        outputs_queue: { capacity: 0 },
      },
      { stdoutWrite: (s) => void out.push(s), log: silent },
    );
    expect(o.names).toEqual(["stdout", "file", "program", "http"]);
    o.emit(alert(90));
    await o.close();
    const j = parseJsonExact(lines(f)[0]!) as Record<string, unknown>;
    expect(j.tags).toBeUndefined();
    expect(j.output).toBe("2016-08-04T16:17:57.881781487+0000: Warning An open was seen (n=90)");
    expect(out.join("")).toBe(readFileSync(f, "utf8"));
    expect(readFileSync(p, "utf8")).toBe(readFileSync(f, "utf8"));
  });

  it("names the missing key for an enabled output without its setting", () => {
    expect(() => createOutputs({ file_output: { enabled: true, filename: "" } })).toThrow("file_output.filename");
    expect(() => createOutputs({ program_output: { enabled: true } })).toThrow("program_output.program");
    expect(() => createOutputs({ http_output: { enabled: true } })).toThrow("http_output.url");
  });
});

describe("http output over TLS (loopback, self-signed)", () => {
  const key = join(dir, "tls.key");
  const crt = join(dir, "tls.crt");
  const gen = Bun.spawnSync([
    "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
  ], { stdout: "ignore", stderr: "ignore" });

  it("refuses an unknown CA, accepts it with ca_cert or insecure", async () => {
    expect(gen.exitCode).toBe(0);
    let hits = 0;
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { key: Bun.file(key), cert: Bun.file(crt) },
      fetch() {
        hits++;
        return new Response("ok");
      },
    });
    try {
      const url = `https://127.0.0.1:${server.port}/`;
      const strict = new Outputs([new HttpSink({ url, retries: 0 })], { log: silent });
      strict.emit(alert(95));
      await strict.close();
      expect(strict.stats()[0]).toMatchObject({ errors: 1, written: 0 });
      expect(hits).toBe(0);
      const withCa = new Outputs([new HttpSink({ url, retries: 0, caCert: crt })], { log: silent });
      withCa.emit(alert(96));
      await withCa.close();
      expect(withCa.stats()[0]).toMatchObject({ errors: 0, written: 1 });
      const insecure = new Outputs([new HttpSink({ url, retries: 0, insecure: true })], { log: silent });
      insecure.emit(alert(97));
      await insecure.close();
      expect(insecure.stats()[0]).toMatchObject({ errors: 0, written: 1 });
      expect(hits).toBe(2);
    } finally {
      server.stop(true);
    }
  });
});
