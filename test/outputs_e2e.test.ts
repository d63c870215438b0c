/**
 * Every output against a real receiver, through the real CLI (replay, so no probe or root):
 * file, HTTP (a local Falcosidekick-like receiver that applies Falcosidekick's input checks),
 * a stalled / failing HTTP receiver that must not hold back the file output, a unix datagram
 * syslog socket, a program (`cat >> FILE`); plus the metrics output_file and the webserver module
 * and SIGUSR1-style reopen through the Outputs API. Live-probe variants: outputs_e2e_live.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentCommand, REPO, SHARED } from "./helpers/agent.ts";
import { UnixDatagramReceiver } from "../src/outputs/syslog.ts";
import { FileSink, Outputs } from "../src/outputs/sinks.ts";
import { internalAlert } from "../src/outputs/alert.ts";
import { MetricsRegistry, parseDuration, sanitizeMetricName, snapshotJson } from "../src/cli/metrics.ts";
import { startWebserver } from "../src/cli/webserver.ts";

const CAPTURE = join(SHARED, "captures/falco/trace_files/cat_write.scap");
const SINGLE_RULE = join(SHARED, "conformance/testing_rules/falco__SingleRule.yaml");
const N_ALERTS = 8;
const BASE = ["-e", CAPTURE, "-r", SINGLE_RULE, "-o", "syslog_output.enabled=false"];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run the CLI asynchronously (so in-process receivers keep serving). */
function cli(args: string[]): Promise<Run> {
  const [cmd, ...pre] = agentCommand();
  const t0 = Date.now();
  return new Promise((resolve) => {
    const p = spawn(cmd!, [...pre, ...args], { cwd: REPO, env: { ...process.env, FALCO_HOSTNAME: "outputs-e2e" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => p.kill("SIGKILL"), 60_000);
    p.on("exit", (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

const lines = (s: string) => s.split("\n").filter((l) => l.length > 0);

/** Falcosidekick's priorities (types.Priority), case-insensitive. */
const SIDEKICK_PRIORITIES = new Set(["emergency", "alert", "critical", "error", "warning", "notice", "informational", "info", "debug"]);

/**
 * Falcosidekick's input checks (handlers.go mainHandler + types.FalcoPayload.Check): POST, a JSON
 * body decoding to a payload with non-empty output, a known priority, a non-empty rule, a time
 * that parses (RFC 3339) and is not zero, and non-empty output_fields. @returns the reasons it
 * would reject the request (empty = accepted).
 */
function sidekickRejects(method: string, body: string): string[] {
  const why: string[] = [];
  if (method !== "POST") why.push("not POST");
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return [...why, "invalid JSON"];
  }
  if (typeof p.output !== "string" || p.output.length === 0) why.push("empty output");
  if (typeof p.priority !== "string" || !SIDEKICK_PRIORITIES.has(p.priority.toLowerCase())) why.push(`bad priority ${String(p.priority)}`);
  if (typeof p.rule !== "string" || p.rule.length === 0) why.push("empty rule");
  const t = typeof p.time === "string" ? Date.parse(p.time) : NaN;
  if (typeof p.time !== "string" || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(p.time) || Number.isNaN(t) || t <= 0) why.push(`bad time ${String(p.time)}`);
  const f = p.output_fields;
  if (f === null || typeof f !== "object" || Object.keys(f).length === 0) why.push("empty output_fields");
  return why;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fts-out-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("outputs through the CLI (replay)", () => {
  it("file_output: one line per alert, the same lines as stdout", async () => {
    const f = join(dir, "events.txt");
    const r = await cli([...BASE, "-o", "file_output.enabled=true", "-o", `file_output.filename=${f}`]);
    expect(r.code).toBe(0);
    const got = lines(readFileSync(f, "utf8"));
    expect(got).toHaveLength(N_ALERTS);
    expect(got).toEqual(lines(r.stdout));
  });

  it("file_output with json_output: JSON lines with Falco's sorted keys", async () => {
    const f = join(dir, "events.json");
    const r = await cli([...BASE, "-o", "json_output=true", "-o", "stdout_output.enabled=false", "-o", "file_output.enabled=true", "-o", `file_output.filename=${f}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    const got = lines(readFileSync(f, "utf8")).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(got).toHaveLength(N_ALERTS);
    expect(Object.keys(got[0]!)).toEqual(["hostname", "output", "output_fields", "priority", "rule", "source", "tags", "time"]);
    expect(got[0]!.hostname).toBe("outputs-e2e");
  });

  it("http_output: a Falcosidekick-compatible receiver accepts every alert", async () => {
    const received: { method: string; type: string | null; ua: string | null; body: string }[] = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        received.push({ method: req.method, type: req.headers.get("content-type"), ua: req.headers.get("user-agent"), body: await req.text() });
        return new Response("", { status: 200 });
      },
    });
    try {
      const r = await cli([...BASE, "-o", "http_output.enabled=true", "-o", `http_output.url=http://127.0.0.1:${server.port}/`]);
      expect(r.code).toBe(0);
      expect(received).toHaveLength(N_ALERTS);
      for (const q of received) {
        expect(sidekickRejects(q.method, q.body)).toEqual([]);
        expect(q.type).toContain("application/json");
        expect(q.ua).toBe("falcosecurity/falco");
        const a = JSON.parse(q.body) as Record<string, unknown>;
        expect(a).toMatchObject({ rule: "open_from_cat", priority: "Warning", source: "syscall", hostname: "outputs-e2e" });
        expect((a.output_fields as Record<string, unknown>)["proc.cmdline"]).toBe("cat /dev/null");
      }
      // The checks do reject what Falcosidekick rejects (so they can fail).
      expect(sidekickRejects("POST", JSON.stringify({ output: "", priority: "Warning", rule: "r", time: "2016-08-04T16:17:57Z", output_fields: { a: 1 } }))).toEqual(["empty output"]);
      expect(sidekickRejects("POST", JSON.stringify({ output: "o", priority: "Loud", rule: "", time: "yesterday", output_fields: {} })).length).toBe(4);
    } finally {
      server.stop(true);
    }
  });

  it("a stalled and a failing (500) HTTP receiver do not hold back the file output", async () => {
    let stalledHits = 0;
    let failingHits = 0;
    const stalled = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch() {
        stalledHits++;
        return new Promise<Response>(() => {}); // never answers
      },
    });
    const failing = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch() {
        failingHits++;
        return new Response("boom", { status: 500 });
      },
    });
    try {
      for (const [srv, name] of [[stalled, "stalled"], [failing, "failing"]] as const) {
        const f = join(dir, `with-${name}.txt`);
        const r = await cli([...BASE, "-o", "file_output.enabled=true", "-o", `file_output.filename=${f}`, "-o", "http_output.enabled=true", "-o", `http_output.url=http://127.0.0.1:${srv.port}/`, "-o", "output_timeout=1000"]);
        expect(r.code, name).toBe(0);
        expect(lines(readFileSync(f, "utf8")), name).toHaveLength(N_ALERTS);
        expect(lines(r.stdout), name).toHaveLength(N_ALERTS);
        // Bounded shutdown: output_timeout (1 s) plus start-up, not the HTTP retries' sum.
        expect(r.ms, name).toBeLessThan(15_000);
      }
      expect(stalledHits).toBeGreaterThan(0);
      expect(failingHits).toBeGreaterThan(0);
    } finally {
      stalled.stop(true);
      failing.stop(true);
    }
  }, 60_000);

  it("syslog_output: one RFC 3164 datagram per alert on the configured unix socket", async () => {
    const sock = join(dir, "log.sock");
    const rx = new UnixDatagramReceiver(sock);
    try {
      const r = await cli(["-e", CAPTURE, "-r", SINGLE_RULE, "-o", "syslog_output.enabled=true", "-o", `syslog_output.path=${sock}`]);
      expect(r.code).toBe(0);
      expect(r.stderr).not.toContain("unknown configuration key");
      const got: string[] = [];
      for (let m = rx.receive(); m !== null; m = rx.receive()) got.push(m);
      expect(got).toHaveLength(N_ALERTS);
      // LOG_USER (1) * 8 + Warning (4) = 12.
      for (const m of got) expect(m).toMatch(/^<12>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d falco: \d\d:\d\d:\d\d\.\d{9}: Warning An open was seen \(command=cat \/dev\/null\)$/);
    } finally {
      rx.close();
    }
  });

  it("program_output: `cat >> FILE` receives every alert", async () => {
    const f = join(dir, "program.txt");
    const r = await cli([...BASE, "-o", "program_output.enabled=true", "-o", `program_output.program=cat >> ${f}`]);
    expect(r.code).toBe(0);
    expect(lines(readFileSync(f, "utf8"))).toEqual(lines(r.stdout));
    expect(lines(r.stdout)).toHaveLength(N_ALERTS);
  });

  it("program_output with keep_alive: one process receives all alerts", async () => {
    const f = join(dir, "program-ka.txt");
    const r = await cli([...BASE, "-o", "program_output.enabled=true", "-o", "program_output.keep_alive=true", "-o", `program_output.program=cat >> ${f}`]);
    expect(r.code).toBe(0);
    expect(lines(readFileSync(f, "utf8"))).toHaveLength(N_ALERTS);
  });

  it("an enabled output without its required key is a start-up error naming it", async () => {
    const r = await cli([...BASE, "-o", "http_output.enabled=true"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("http_output.url");
  });

  it("metrics.output_file gets JSON lines {output_fields, sample} (replay: snapshots need time, so a live one is in the e2e file)", async () => {
    // A replay ends before any interval; the file is created only by a snapshot. Check the line format instead.
    const reg = new MetricsRegistry({ hostname: "h", engineName: "savefile", sources: { engine: () => ({ events: 5, evaluated: 5, matches: 2, errors: 0 }) } });
    reg.countMatch({ name: "open from cat", priority: 4, source: "syscall", tags: ["b", "a"] });
    const f = reg.snapshotFields();
    const line = JSON.parse(snapshotJson(f, reg.samples)) as { output_fields: Record<string, unknown>; sample: number };
    expect(line.sample).toBe(1);
    expect(line.output_fields["falco.num_evts"]).toBe(5);
    expect(line.output_fields["falco.rules.open_from_cat"]).toBe(1);
    expect(line.output_fields["falco.rules.matches_total"]).toBe(1);
    expect(line.output_fields["scap.engine_name"]).toBe("savefile");
    expect(Object.keys(line.output_fields)).toEqual([...Object.keys(line.output_fields)].sort());
    expect(snapshotJson({ "falco.start_ts": 1795945950369492123n }, 3)).toBe('{"output_fields":{"falco.start_ts":1795945950369492123},"sample":3}');
  });
});

describe("file reopen (SIGUSR1 path) through the Outputs API", () => {
  it("after rename + reopen(), new alerts go to a new file at the configured name", async () => {
    const f = join(dir, "rotate.txt");
    const o = new Outputs([new FileSink({ filename: f, keepAlive: true })], { log: () => {} });
    o.emit(internalAlert("Falco internal: test", "Notice", "first", { n: 1 }, 1n, "h"));
    await o.flush();
    renameSync(f, `${f}.1`);
    o.emit(internalAlert("Falco internal: test", "Notice", "second", { n: 2 }, 2n, "h"));
    await o.reopen();
    o.emit(internalAlert("Falco internal: test", "Notice", "third", { n: 3 }, 3n, "h"));
    await o.close();
    const old = readFileSync(`${f}.1`, "utf8");
    expect(old).toContain("first");
    // Queued before the reopen: written to the old (renamed) file, as Falco's in-order queue.
    expect(old).toContain("second");
    expect(existsSync(f)).toBe(true);
    expect(lines(readFileSync(f, "utf8"))).toHaveLength(1);
    expect(readFileSync(f, "utf8")).toContain("third");
  });
});

describe("metrics and webserver modules", () => {
  it("parseDuration: Falco/Prometheus durations", () => {
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("15s")).toBe(15_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("2d")).toBe(172_800_000);
    expect(() => parseDuration("5")).toThrow(/invalid duration/);
    expect(() => parseDuration("1 hour")).toThrow(/invalid duration/);
  });

  it("every loaded rule has a matches counter (0 until it matches), as Falco", () => {
    const reg = new MetricsRegistry({ hostname: "h", engineName: "modern_bpf" });
    reg.setRules([{ name: "Quiet rule", priority: 6, source: "syscall", tags: [] }, { name: "Loud rule", priority: 2, source: "syscall", tags: ["t"] }]);
    reg.countMatch({ name: "Loud rule", priority: 2, source: "syscall", tags: ["t"] });
    const text = reg.prometheus();
    expect(text).toContain('falcosecurity_falco_rules_matches_total{priority="6",rule_name="Quiet rule",source="syscall",tags=""} 0');
    expect(text).toContain('falcosecurity_falco_rules_matches_total{priority="2",rule_name="Loud rule",source="syscall",tags="t"} 1');
    const f = reg.snapshotFields();
    expect(f["falco.rules.Loud_rule"]).toBe(1);
    expect("falco.rules.Quiet_rule" in f).toBe(false);
    expect(f["falco.rules.matches_total"]).toBe(1);
    const disabled = new MetricsRegistry({ hostname: "h", engineName: "modern_bpf", flags: { rules_counters_enabled: false, resource_utilization_enabled: false } });
    disabled.setRules([{ name: "Quiet rule", priority: 6, source: "syscall", tags: [] }]);
    expect(disabled.prometheus()).not.toContain("rules_matches_total");
    expect(disabled.prometheus()).not.toContain("memory_rss_bytes");
  });

  it("sanitizeMetricName as Falco's", () => {
    expect(sanitizeMetricName("Read sensitive file untrusted")).toBe("Read_sensitive_file_untrusted");
    expect(sanitizeMetricName("a--b..c ")).toBe("a_b_c");
  });

  it("webserver: /healthz, /versions, /metrics (only with prometheus_metrics_enabled and metrics.enabled), 404 elsewhere", async () => {
    const reg = new MetricsRegistry({
      hostname: "web-test",
      engineName: "modern_bpf",
      sources: { engine: () => ({ events: 42, evaluated: 40, matches: 3, errors: 0 }), outputs: () => [{ name: "stdout", queued: 0, written: 3, dropped: 7, errors: 0 }], capture: () => ({ events: 50, drops: 2 }), state: () => ({ threads: 9 }) },
    });
    reg.countMatch({ name: "Rule \"one\"", priority: 4, source: "syscall", tags: ["z", "a"] });
    reg.countMatch({ name: "Rule \"one\"", priority: 4, source: "syscall", tags: ["z", "a"] });
    reg.reloads = 2;
    const cfg = { enabled: true, listen_address: "127.0.0.1", listen_port: 0, k8s_healthz_endpoint: "/healthz", prometheus_metrics_enabled: true };
    const web = startWebserver(cfg, reg, true);
    try {
      const base = `http://127.0.0.1:${web.port}`;
      const h = await fetch(`${base}/healthz`);
      expect(h.status).toBe(200);
      expect(await h.json()).toEqual({ status: "ok" });
      const v = (await (await fetch(`${base}/versions`)).json()) as Record<string, string>;
      for (const k of ["falco_version", "engine_version", "libs_version", "falco_ts_version"]) expect(v[k], k).toBeTruthy();
      expect(v.engine_version).toMatch(/^\d+\.\d+\.\d+$/);
      const m = await fetch(`${base}/metrics`);
      expect(m.headers.get("content-type")).toContain("text/plain; version=0.0.4");
      const text = await m.text();
      expect(text).toMatch(/^falcosecurity_falco_version_info\{version="0\.44\.\d+"\} 1$/m);
      expect(text).toContain("# TYPE falcosecurity_scap_n_evts_total counter");
      expect(text).toMatch(/^falcosecurity_scap_n_evts_total 50$/m);
      expect(text).toMatch(/^falcosecurity_scap_n_drops_total 2$/m);
      expect(text).toMatch(/^falcosecurity_falco_outputs_queue_num_drops_total 7$/m);
      expect(text).toMatch(/^falcosecurity_falco_reloads_total 2$/m);
      expect(text).toMatch(/^falcosecurity_scap_n_threads_total 9$/m);
      expect(text).toMatch(/^falcosecurity_falco_memory_rss_bytes \d+$/m);
      expect(text).toContain('falcosecurity_falco_rules_matches_total{priority="4",rule_name="Rule \\"one\\"",source="syscall",tags="a, z"} 2');
      // Every sample line is `name{labels} value` with a HELP/TYPE before it.
      for (const l of lines(text)) expect(l).toMatch(/^(# (HELP|TYPE) falcosecurity_\w+ .+|falcosecurity_\w+(\{.*\})? -?\d+(\.\d+)?(e[+-]?\d+)?)$/);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      web.stop();
    }
    const off = startWebserver({ ...cfg, prometheus_metrics_enabled: true }, reg, false);
    try {
      expect((await fetch(`http://127.0.0.1:${off.port}/metrics`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${off.port}/healthz`)).status).toBe(200);
    } finally {
      off.stop();
    }
    expect(() => startWebserver({ ...cfg, ssl_enabled: true } as typeof cfg, reg, true)).toThrow(/ssl_enabled/);
  });
});
