/**
 * Low noise on an idle host (issue #4): the agent run exactly as scripts/run.sh runs it (shipped
 * falco.yaml, the bundled rules directory rules/, file output on) for 60 s while this test does
 * nothing prints no alert caused by anything but the test run itself.
 *
 * What counts as "the test run itself" (excluded, and printed by category), in this order:
 *  - this test's runner: the process tree of the topmost ancestor whose command line names vitest;
 *  - the harness running it: the runner's ancestors below PID 1, and their other descendants;
 *  - this test's session (same proc.sid as the runner);
 *  - another test run or agent: an ancestor (alive) whose command line names vitest or falco-ts
 *    (other helpers' tests on a shared machine);
 *  - container runtime (dockerd, containerd, shims, runc, docker-proxy) and containers, only when
 *    `docker events` reports activity in the window (otherwise they count as noise);
 *  - another shell session like the runner's (same session-leader name, bash/sh/...): a user or
 *    harness shell, not a service;
 *  - processes in session 0 when PID 1 is not an init system (e.g. a harness as PID 1 that starts
 *    helpers without a session).
 * Everything else (services, cron jobs, a daemon started by setsid, the agent itself) is noise and
 * fails the test. Ancestry comes from the agent itself: a generated rules file appends proc.pid,
 * proc.ppid, proc.apid[2..12], proc.aname[1..12], proc.sid and proc.sname to every bundled rule's
 * output (Falco `override: output: append`; conditions untouched), continued from /proc when the
 * chain is longer.
 *
 * Self-writes: the shipped config appends every alert to a log file (file_output, keep_alive:
 * false, so the agent opens it for each alert). Here the file is /var/log/fts-idle-<pid>.log
 * instead of /var/log/falco_events.log (other agents on this machine write that one); the test
 * causes one alert at the start (a write by its own process: the seed's Write_Outside_Userdata
 * matches every write-open) so the agent really writes its log during the window, then checks
 * that the log holds the alerts and that no alert is about the agent's own writes (which would
 * also loop).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { DOCKER, DOCKER_ENV } from "./helpers/docker.ts";
import { REPO, startAgent, type AgentHandle, type JsonAlert } from "./helpers/agent.ts";

const RULES_DIR = join(REPO, "rules");
const WINDOW_MS = 60_000;
const LOG = `/var/log/fts-idle-${process.pid}.log`;
/** Processes of the container runtime (their activity is caused by whoever drives Docker). */
const RUNTIME_RE = /^(dockerd|containerd|containerd-shim.*|runc.*|docker-init|docker-proxy|docker)$/;
const DEPTH = 12;

const BUNDLED: string[] = readdirSync(RULES_DIR)
  .filter((n) => /\.ya?ml$/.test(n))
  .sort()
  .flatMap((n) => (parse(readFileSync(join(RULES_DIR, n), "utf8")) as { rule?: string }[]).filter((x) => typeof x?.rule === "string").map((x) => x.rule!));

let agent: AgentHandle;
let W = "";
let t0 = 0;
let t1 = 0;
let exitCode: number | null = null;

function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return "";
  }
}
function ppidOf(pid: number): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
}
function sidOf(pid: number): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[3]);
  } catch {
    return -1;
  }
}
function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/**
 * This test's runner: the topmost ancestor (or self) whose command line names vitest, the chain
 * above it (below PID 1), its session id and the name of its session leader.
 */
function runnerTree(): { root: number; harness: number[]; sid: number; sname: string } {
  let root = process.pid;
  for (let p = ppidOf(process.pid); p > 1 && /vitest/.test(cmdlineOf(p)); p = ppidOf(p)) root = p;
  const harness: number[] = [];
  for (let p = ppidOf(root); p > 1; p = ppidOf(p)) harness.push(p);
  const sid = sidOf(process.pid);
  return { root, harness, sid, sname: sid > 0 ? commOf(sid) : "" };
}

/** An alert's process chain (self first), from the appended fields, continued from /proc while the last pid is alive. */
function chainOf(a: JsonAlert): { pids: number[]; names: string[] } {
  const f = a.output_fields;
  const pids: number[] = [];
  const names: string[] = [];
  const raw = [f["proc.pid"], f["proc.ppid"], ...Array.from({ length: DEPTH - 1 }, (_, i) => f[`proc.apid[${i + 2}]`])];
  const rawNames = [f["proc.name"], ...Array.from({ length: DEPTH }, (_, i) => f[`proc.aname[${i + 1}]`])];
  for (let i = 0; i < raw.length; i++) {
    const p = Number(raw[i]);
    if (!Number.isFinite(p) || p <= 0) break;
    pids.push(p);
    names.push(String(rawNames[i] ?? ""));
    if (p === 1) break;
  }
  // Deeper than the appended fields: continue in /proc (the ancestors of a short-lived process usually live on).
  let last = pids[pids.length - 1] ?? 0;
  for (let n = 0; last > 1 && pids.length >= DEPTH && n < 64; n++) {
    const pp = ppidOf(last);
    if (pp <= 0) break;
    pids.push(pp);
    names.push(commOf(pp));
    last = pp;
  }
  return { pids, names };
}

/** Docker events between two unix times (seconds), or [] when Docker is not running. */
function dockerEvents(since: number, until: number): string[] {
  if (!existsSync("/var/run/docker.sock")) return [];
  const r = spawnSync(DOCKER, ["events", "--since", String(since), "--until", String(until), "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"], { env: DOCKER_ENV, encoding: "utf8", timeout: 20_000 });
  if (r.status !== 0) return [];
  return r.stdout.split("\n").filter((l) => l.trim() !== "");
}

beforeAll(async () => {
  W = mkdtempSync(join(tmpdir(), "fts-idle-"));
  const fields = ["fts_pid=%proc.pid", "fts_ppid=%proc.ppid", ...Array.from({ length: DEPTH - 1 }, (_, i) => `%proc.apid[${i + 2}]`), ...Array.from({ length: DEPTH }, (_, i) => `%proc.aname[${i + 1}]`), "fts_name=%proc.name", "fts_sid=%proc.sid", "fts_sname=%proc.sname", "fts_cid=%container.id", "fts_cmd=%proc.cmdline"].join(" ");
  writeFileSync(
    join(W, "ancestry.yaml"),
    BUNDLED.map((r) => [`- rule: ${JSON.stringify(r)}`, `  output: ${JSON.stringify(fields)}`, `  override:`, `    output: append`].join("\n")).join("\n") + "\n",
  );
  writeFileSync(LOG, "");
  // As scripts/run.sh: `./falco-ts -c falco.yaml -r rules/` (plus the ancestry fields, JSON alerts,
  // and this file's own log path instead of /var/log/falco_events.log).
  agent = await startAgent(["-c", "falco.yaml", "-r", "rules/", "-r", join(W, "ancestry.yaml"), "-o", "json_output=true", "-o", `file_output.filename=${LOG}`], { readyMs: 40_000 });
}, 60_000);

afterAll(async () => {
  if (agent && agent.proc.exitCode === null) await agent.stop();
  rmSync(W, { recursive: true, force: true });
  rmSync(LOG, { force: true });
});

describe("idle host: scripts/run.sh's agent, 60 s, nothing happening", () => {
  it("scripts/run.sh still runs `./falco-ts -c falco.yaml -r rules/` (what this file reproduces)", () => {
    expect(readFileSync(join(REPO, "scripts/run.sh"), "utf8")).toMatch(/^exec \.\/falco-ts -c falco\.yaml -r rules\/ "\$@"$/m);
    expect(readFileSync(join(REPO, "falco.yaml"), "utf8")).toMatch(/file_output:\n\s+enabled: true/);
  });

  it("prints no alert caused by anything but the test run, never alerts on its own log writes, and writes its alerts to the log", async () => {
    const runner = runnerTree();
    const init = commOf(1);
    const initIsInit = /^(systemd|init|tini|dumb-init|docker-init|s6-svscan|runit|openrc-init|busybox)$/.test(init);
    const shellSession = /^(bash|sh|dash|zsh|ash|ksh|fish)$/.test(runner.sname);
    t0 = Math.floor(Date.now() / 1000);
    const start = Date.now();
    // One alert the agent must write to its log: a write by this test's own process tree.
    const trigger = join(W, "trigger.txt");
    const w = spawnSync("sh", ["-c", `echo x > '${trigger}'`]);
    const trig = await agent.waitFor((a) => a.rule === "Write_Outside_Userdata" && a.output_fields["fd.name"] === trigger && a.output_fields["proc.pid"] === w.pid, 10_000);
    // Nothing else happens until the window ends.
    await new Promise((r) => setTimeout(r, WINDOW_MS - (Date.now() - start)));
    t1 = Math.ceil(Date.now() / 1000);
    const agentPid = agent.proc.pid!;
    exitCode = await agent.stop();
    expect(exitCode).toBe(0);

    const events = dockerEvents(t0 - 1, t1 + 1);
    const byCat = new Map<string, JsonAlert[]>();
    const noise: JsonAlert[] = [];
    const selfAlerts: JsonAlert[] = [];
    const otherRunCache = new Map<number, boolean>();
    const isOtherRun = (pid: number): boolean => {
      if (!otherRunCache.has(pid)) otherRunCache.set(pid, /vitest|falco-ts|src\/cli\/main\.ts/.test(cmdlineOf(pid)));
      return otherRunCache.get(pid)!;
    };
    for (const a of agent.alerts) {
      const { pids, names } = chainOf(a);
      if (pids.includes(agentPid) || a.output_fields["fd.name"] === LOG) selfAlerts.push(a);
      const sid = Number(a.output_fields["proc.sid"]);
      const sname = String(a.output_fields["proc.sname"] ?? "");
      const runtime = a.output_fields["container.id"] !== "host" || names.some((n) => RUNTIME_RE.test(n));
      let cat = "";
      if (pids.includes(runner.root)) cat = `this test's runner (vitest pid ${runner.root})`;
      else if (pids.some((p) => runner.harness.includes(p))) cat = `the harness running this test (pids ${runner.harness.join(",")})`;
      else if (sid === runner.sid && sid > 1) cat = `this test's session (sid ${sid})`;
      else if (pids.some((p) => p > 1 && isOtherRun(p))) cat = "another test run or agent (an ancestor's command line names vitest/falco-ts)";
      else if (runtime) {
        if (events.length > 0) cat = `container runtime activity during the window (${events.length} docker events, e.g. ${events.slice(0, 3).join("; ")})`;
      } else if (shellSession && sid > 1 && sname === runner.sname) cat = `another ${runner.sname} session like this test's (a user or harness shell, not a service)`;
      else if (!initIsInit && sid === 0) cat = `started by PID 1 without a session (PID 1 is ${init}, not an init system: the machine's own harness)`;
      if (cat === "") noise.push(a);
      else byCat.set(cat, [...(byCat.get(cat) ?? []), a]);
    }
    console.log(`[idle.e2e] ${agent.alerts.length} alerts in ${WINDOW_MS / 1000} s; runner root ${runner.root} (${cmdlineOf(runner.root).slice(0, 80)}), session ${runner.sid} (${runner.sname}), PID 1 ${init}; docker events in the window: ${events.length}`);
    for (const [cat, list] of byCat) {
      const rules = new Map<string, number>();
      for (const a of list) {
        const k = `${a.rule} / ${String(a.output_fields["proc.name"])}`;
        rules.set(k, (rules.get(k) ?? 0) + 1);
      }
      console.log(`[idle.e2e] excluded ${list.length}: ${cat}: ${[...rules].map(([k, n]) => `${k} ×${n}`).join(", ")}; first: ${list[0]!.output.slice(0, 160)}`);
    }
    for (const a of noise) console.log(`[idle.e2e] NOISE: ${a.rule}: ${a.output}`);

    // The trigger was this test's own (excluded) and the agent wrote its log.
    expect(byCat.get(`this test's runner (vitest pid ${runner.root})`) ?? []).toContain(trig);
    const logged = readFileSync(LOG, "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as JsonAlert);
    expect(logged.length).toBe(agent.alerts.length);
    expect(logged.some((l) => l.output === trig.output)).toBe(true);
    // Never an alert on the agent's own writes (its log file) nor by its process tree.
    expect(selfAlerts.map((a) => a.output)).toEqual([]);
    // Idle: nothing else alerted.
    expect(noise.map((a) => `${a.rule}: ${a.output}`)).toEqual([]);
  }, WINDOW_MS + 30_000);
});
