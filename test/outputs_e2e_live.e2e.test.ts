/**
 * End-to-end with the real probe (root): one live agent with the webserver, Prometheus metrics,
 * periodic metrics snapshots (internal alert + output_file), a file output and an HTTP output to
 * a receiver that never answers. Checks: the endpoints while the agent runs (rule match counters
 * move), file alerts are not held back by the stalled HTTP output, log rotation by rename +
 * SIGUSR1, hostile file names (newline, ANSI escape) never give more than one line per alert,
 * and a clean exit 0 on SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { agentCommand, REPO, startAgent, type AgentHandle } from "./helpers/agent.ts";

let agent: AgentHandle;
let dir: string;
let watched: string;
let eventsFile: string;
let metricsFile: string;
let port = 0;
let stalledHits = 0;
let stalled: ReturnType<typeof Bun.serve>;
const RULE = "E2E open in watched dir";

/** Poll `cond` every 20 ms until true or `ms` passed. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}; agent stderr tail: ${agent.stderr.slice(-5).join(" | ")}`);
    await Bun.sleep(20);
  }
}

const fileLines = (f: string) => (existsSync(f) ? readFileSync(f, "utf8").split("\n").filter((l) => l.length > 0) : []);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fts-outlive-"));
  watched = join(dir, "watched");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(watched);
  eventsFile = join(dir, "events.txt");
  metricsFile = join(dir, "metrics.jsonl");
  const rules = join(dir, "rules.yaml");
  writeFileSync(
    rules,
    `- rule: ${RULE}
  desc: a file below the test's directory is opened
  condition: evt.type in (open, openat, openat2) and fd.name startswith "${watched}/"
  output: "opened file=%fd.name by %proc.name"
  priority: NOTICE
  tags: [e2e, filesystem]
`,
  );
  stalled = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch() {
      stalledHits++;
      return new Promise<Response>(() => {});
    },
  });
  agent = await startAgent([
    "-r", rules,
    "-o", "syslog_output.enabled=false",
    "-o", "file_output.enabled=true",
    "-o", `file_output.filename=${eventsFile}`,
    "-o", "http_output.enabled=true",
    "-o", `http_output.url=http://127.0.0.1:${stalled.port}/`,
    "-o", "webserver.enabled=true",
    "-o", "webserver.listen_port=0",
    "-o", "webserver.prometheus_metrics_enabled=true",
    "-o", "metrics.enabled=true",
    "-o", "metrics.interval=500ms",
    "-o", "metrics.output_rule=true",
    "-o", `metrics.output_file=${metricsFile}`,
  ], { env: { FALCO_HOSTNAME: "outlive" } });
  const l = await agent.waitForLog(/webserver: listening on http:\/\/[\d.]+:\d+/);
  port = Number(/http:\/\/[\d.]+:(\d+)/.exec(l)![1]);
}, 60_000);

afterAll(async () => {
  const code = await agent?.stop();
  stalled?.stop(true);
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

describe("live agent: webserver, metrics, outputs", () => {
  it("serves /healthz and /versions while running", async () => {
    const h = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(await h.json()).toEqual({ status: "ok" });
    const v = (await (await fetch(`http://127.0.0.1:${port}/versions`)).json()) as Record<string, string>;
    expect(v.falco_version).toMatch(/^0\.44\./);
    expect(v.engine_version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("alerts reach the file within 1 s although the HTTP receiver never answers", async () => {
    const target = join(watched, "first.txt");
    const before = fileLines(eventsFile).length;
    const t0 = Date.now();
    writeFileSync(target, "x");
    await until(() => fileLines(eventsFile).slice(before).some((l) => l.includes(`file=${target} `)), 1000, "the alert in the file output");
    expect(Date.now() - t0).toBeLessThan(1000);
    await until(() => stalledHits > 0, 3000, "the HTTP output to try the stalled receiver");
  });

  it("/metrics counts the rule's matches and captured events", async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const m = /^falcosecurity_falco_rules_matches_total\{priority="5",rule_name="E2E open in watched dir",source="syscall",tags="e2e, filesystem"\} (\d+)$/m.exec(text);
    expect(m, text.slice(0, 2000)).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^falcosecurity_scap_n_evts_total (\d+)$/m.exec(text)![1])).toBeGreaterThan(0);
    expect(text).toMatch(/^falcosecurity_scap_engine_name_info\{engine_name="modern_bpf"\} 1$/m);
    expect(text).toMatch(/^falcosecurity_falco_outputs_queue_num_drops_total \d+$/m);
  });

  it("periodic metrics snapshots: internal alert and output_file JSON lines", async () => {
    await until(() => fileLines(metricsFile).length >= 2, 5000, "two metrics snapshots in output_file");
    const snaps = fileLines(metricsFile).map((l) => JSON.parse(l) as { output_fields: Record<string, unknown>; sample: number });
    expect(snaps[0]!.sample).toBe(1);
    expect(snaps[1]!.sample).toBe(2);
    expect(snaps[1]!.output_fields["scap.n_evts"]).toBeGreaterThan(0);
    expect(snaps[1]!.output_fields["falco.hostname"]).toBe("outlive");
    // output_rule: the snapshot as an internal alert in text form on stdout and in the file.
    await until(() => agent.stdoutLines.some((l) => l.includes(": Informational Falco metrics snapshot")), 3000, "the snapshot alert");
    expect(fileLines(eventsFile).some((l) => l.includes(": Informational Falco metrics snapshot"))).toBe(true);
  });

  it("rename + SIGUSR1 reopens the file output (log rotation)", async () => {
    const rotated = `${eventsFile}.1`;
    renameSync(eventsFile, rotated);
    agent.proc.kill("SIGUSR1");
    await Bun.sleep(200);
    const target = join(watched, "after-rotation.txt");
    writeFileSync(target, "y");
    await until(() => fileLines(eventsFile).some((l) => l.includes(`file=${target} `)), 3000, "the alert in the reopened file");
    expect(fileLines(rotated).some((l) => l.includes(`file=${target} `))).toBe(false);
  });

  it("hostile file names (newline, ANSI escape) give exactly one line per alert", async () => {
    const name = "evil\nline2\x1b[31mred\x1b[0m\x07end";
    const target = join(watched, name);
    writeFileSync(target, "z");
    const escaped = `${watched}/evil\\nline2\\u001b[31mred\\u001b[0m\\u0007end`;
    await until(() => agent.stdoutLines.some((l) => l.includes(escaped)), 3000, "the hostile-name alert on stdout");
    await until(() => fileLines(eventsFile).some((l) => l.includes(escaped)), 3000, "the hostile-name alert in the file");
    for (const out of [agent.stdoutLines, fileLines(eventsFile)]) {
      // Every line is a whole alert (`<time>: <Priority> ...`): nothing continued on a next line.
      for (const l of out) expect(l).toMatch(/^\d\d:\d\d:\d\d\.\d{9}: (Emergency|Alert|Critical|Error|Warning|Notice|Informational|Debug) /);
      expect(out.join("\n")).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
      expect(out.filter((l) => l.includes("line2")).every((l) => l.includes(escaped))).toBe(true);
    }
  });
});

describe("live agent: -M", () => {
  it("-M 2 stops a live agent by itself after about 2 s, exit 0, summary on stderr", async () => {
    const [cmd, ...pre] = agentCommand();
    const t0 = Date.now();
    const p = spawn(cmd!, [...pre, "-r", join(dir, "rules.yaml"), "-o", "syslog_output.enabled=false", "-M", "2"], { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((res) => {
      const k = setTimeout(() => p.kill("SIGKILL"), 30_000);
      p.on("exit", (c) => {
        clearTimeout(k);
        res(c);
      });
    });
    expect(code, err).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    expect(err).toMatch(/stopped: \d+ events processed/);
  }, 40_000);
});
