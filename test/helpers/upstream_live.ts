/**
 * Test helper for the live upstream-rules e2e files (test/upstream_incubating_live.e2e.test.ts,
 * test/upstream_sandbox_live.e2e.test.ts), the approach of test/upstream_live.e2e.test.ts: one agent
 * loading ../shared/rules/falco_rules.yaml plus one upstream file unchanged, and a generated user
 * file that appends `proc.pid`, `container.id`, `proc.cmdline`, `evt.rawres`, `evt.type`,
 * `container.image.repository` to the output of every
 * rule of that file (Falco `override: output: append`; conditions untouched), optionally re-enables
 * rules that are disabled upstream (the deprecated standalone `enabled: true` item), and adds a
 * barrier rule. Alerts are tied to the test's own processes (pids, container ids, command lines).
 */
import { expect } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO, SHARED, startAgent, type AgentHandle, type JsonAlert } from "./agent.ts";
import { setupDocker } from "./docker.ts";

/** Output fields of one alert. */
export type Fields = Record<string, unknown>;

/** Options of `startLiveKit`. */
export interface LiveKitOptions {
  /** Label for messages, e.g. "upstream_incubating_live.e2e". */
  label: string;
  /** The upstream file under ../shared/rules (loaded after falco_rules.yaml). */
  rulesFile: string;
  /** Names of python3 copies to make in the temp dir (the helper runs under them). */
  pyCopies: string[];
  /** Names of /bin/true copies to make in the temp dir. */
  trueCopies: string[];
  /** Upstream rules disabled by default that the test enables (condition unchanged). */
  enable: string[];
}

/** A running live-test kit: the agent, the temp dir, docker helpers, and alert assertions. */
export interface LiveKit {
  agent: AgentHandle;
  /** Private temp dir holding the binary copies. */
  W: string;
  /** Prefix of this run's container names. */
  prefix: string;
  /** "" when Docker works, else the reason it does not. */
  dockerUnavailable: string;
  /** Rule names of the upstream file, in file order. */
  ruleNames: string[];
  /** Rules a test has exercised (or listed as not producible). */
  covered: Set<string>;
  /** Run the python helper under the copy `name`; resolves with its JSON line plus `spawnPid`. */
  py(name: string, args: string[], env?: Record<string, string>): Promise<Record<string, number> & { spawnPid: number }>;
  /** Run a program synchronously (cwd W); its pid, status and output. */
  run(cmd: string, args: string[], env?: Record<string, string>): { pid: number; status: number | null; out: string };
  /** `docker ...`; throws on failure unless `allowFail`. Returns stdout, trimmed. */
  docker(args: string[], allowFail?: boolean): string;
  /** `docker exec [-d] id argv...` (no shell); returns the output. */
  dexecArgv(id: string, argv: string[], detach?: boolean): string;
  /** `docker exec id sh -c cmd`; throws on failure. */
  dexec(id: string, cmd: string): string;
  /** Start a container of `image` (default nginx:latest) named prefix+name with extra run args; returns its 12-hex id. */
  container(name: string, runArgs: string[], cmd?: string[], image?: string): string;
  /** Exec the barrier and wait for its alert: every earlier event has been processed. */
  barrier(): Promise<void>;
  /** Wait for rule's alert matching pred, then after a barrier assert exactly one; returns its fields. */
  once(rule: string, pred: (f: Fields) => boolean): Promise<Fields>;
  /** After a barrier, assert rule has no alert matching pred. */
  never(rule: string, pred: (f: Fields) => boolean): Promise<void>;
  /** Mark the rule covered; false (with a warning) if Docker is unavailable on purpose. */
  needDocker(rule: string): boolean;
  /** Stop the agent, remove containers and the temp dir; returns the agent's exit code. */
  stop(): Promise<number | null>;
}

const HELPER = join(REPO, "test/fixtures/live/upstream_actions.py");
const DOCKER_ENV = { ...process.env, DOCKER_API_VERSION: "1.41" };
const DOCKER = spawnSync("test", ["-x", "/usr/bin/docker"]).status === 0 ? "/usr/bin/docker" : "docker";

/** Rule names (in order) of a rules file. @throws on unreadable/invalid YAML. */
export function ruleNamesOf(file: string): string[] {
  return (parse(readFileSync(file, "utf8")) as { rule?: string }[]).filter((x) => x.rule).map((x) => x.rule!);
}

/** Predicate: alert of process `pid`. */
export const pidIs = (pid: number) => (f: Fields): boolean => f["proc.pid"] === pid;
/** Predicate: alert in container `id` by the process whose command line is `cmdline`. */
export const inCtr = (id: string, cmdline: string) => (f: Fields): boolean => f["container.id"] === id && f["proc.cmdline"] === cmdline;

/**
 * Set up Docker (scripts/docker-setup.sh), the temp dir, the override file and start the agent.
 * @throws when Docker cannot be started (unless FALCO_TS_NO_CONTAINERS=1) or the agent does not start.
 */
export async function startLiveKit(o: LiveKitOptions): Promise<LiveKit> {
  const rulesFile = join(SHARED, "rules", o.rulesFile);
  const ruleNames = ruleNamesOf(rulesFile);
  const W = mkdtempSync(join(tmpdir(), "fts-uplive2-"));
  const prefix = `fts-uplive2-${process.pid}-`;
  for (const n of o.pyCopies) copyFileSync("/usr/bin/python3", join(W, n));
  for (const n of [...o.trueCopies, "fts_up_barrier"]) copyFileSync("/bin/true", join(W, n));
  for (const n of [...o.pyCopies, ...o.trueCopies, "fts_up_barrier"]) chmodSync(join(W, n), 0o755);
  mkdirSync(join(W, "empty"));
  const append = ruleNames.map((r) => [
    `- rule: ${JSON.stringify(r)}`,
    `  output: "fts_pid=%proc.pid fts_cid=%container.id fts_cmd=%proc.cmdline fts_rawres=%evt.rawres fts_type=%evt.type fts_image=%container.image.repository"`,
    `  override:`,
    `    output: append`,
  ].join("\n"));
  const enable = o.enable.map((r) => `- rule: ${JSON.stringify(r)}\n  enabled: true`);
  const extra = `
- rule: UP barrier
  desc: test barrier (an exec the test waits for)
  condition: spawned_process and proc.name = fts_up_barrier
  output: "barrier %proc.args"
  priority: DEBUG
`;
  writeFileSync(join(W, "append.yaml"), [...append, ...enable].join("\n") + "\n" + extra);
  const ds = setupDocker(o.label);
  const agent = await startAgent(["-r", join(SHARED, "rules/falco_rules.yaml"), "-r", rulesFile, "-r", join(W, "append.yaml"), "-o", "json_output=true", "-o", "rule_matching=all", "-o", "priority=debug"], { readyMs: 40_000 });
  const covered = new Set<string>();
  let barrierN = 0;

  const of = (rule: string, pred: (f: Fields) => boolean): JsonAlert[] => agent.alerts.filter((a) => a.rule === rule && pred(a.output_fields));
  const run = (cmd: string, args: string[], env?: Record<string, string>) => {
    const r = spawnSync(cmd, args, { cwd: W, encoding: "utf8", timeout: 30_000, env: env ?? DOCKER_ENV });
    return { pid: r.pid!, status: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
  };
  const barrier = async (): Promise<void> => {
    const nonce = `b${++barrierN}`;
    run(join(W, "fts_up_barrier"), [nonce]);
    await agent.waitFor((a) => a.rule === "UP barrier" && a.output_fields["proc.args"] === nonce, 8000);
    await new Promise((r) => setTimeout(r, 150));
  };
  const docker = (args: string[], allowFail = false): string => {
    const r = spawnSync(DOCKER, args, { env: DOCKER_ENV, encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0 && !allowFail) throw new Error(`docker ${args.join(" ")} failed (${r.status}): ${r.stderr || r.error?.message}`);
    return (r.stdout ?? "").trim();
  };
  const kit: LiveKit = {
    agent,
    W,
    prefix,
    dockerUnavailable: ds.unavailable,
    ruleNames,
    covered,
    py(name, args, env) {
      return new Promise((resolve, reject) => {
        const p = spawn(join(W, name), [HELPER, ...args], { cwd: W, stdio: ["ignore", "pipe", "pipe"], env: env ? { ...process.env, ...env } : process.env });
        let out = "";
        let err = "";
        p.stdout.on("data", (d: Buffer) => (out += d.toString()));
        p.stderr.on("data", (d: Buffer) => (err += d.toString()));
        p.on("exit", (code) => {
          if (code !== 0) return reject(new Error(`${name} ${args.join(" ")} failed (${code}): ${err}`));
          resolve({ ...(JSON.parse(out.trim().split("\n").pop()!) as Record<string, number>), spawnPid: p.pid! });
        });
      });
    },
    run,
    docker,
    dexecArgv(id, argv, detach = false) {
      const r = spawnSync(DOCKER, ["exec", ...(detach ? ["-d"] : []), id, ...argv], { env: DOCKER_ENV, encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] });
      return (r.stdout ?? "") + (r.stderr ?? "");
    },
    dexec(id, cmd) {
      const r = spawnSync(DOCKER, ["exec", id, "sh", "-c", cmd], { env: DOCKER_ENV, encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] });
      if (r.status !== 0) throw new Error(`docker exec ${id} sh -c '${cmd}' failed (${r.status}): ${r.stderr || r.error?.message}`);
      return (r.stdout ?? "") + (r.stderr ?? "");
    },
    container(name, runArgs, cmd = ["sleep", "1000"], image = "nginx:latest") {
      return docker(["run", "-d", "--name", `${prefix}${name}`, ...runArgs, image, ...cmd]).slice(0, 12);
    },
    barrier,
    async once(rule, pred) {
      covered.add(rule);
      await agent.waitFor((a) => a.rule === rule && pred(a.output_fields), 15_000).catch((e: Error) => {
        throw new Error(`${rule} did not fire for the action (${e.message.slice(0, 60)}); its alerts: ${JSON.stringify(of(rule, () => true).map((a) => a.output_fields))}`);
      });
      await barrier();
      const all = of(rule, pred);
      expect(all.length, `${rule}: ${JSON.stringify(all.map((a) => a.output))}`).toBe(1);
      return all[0]!.output_fields;
    },
    async never(rule, pred) {
      await barrier();
      expect(of(rule, pred).map((a) => a.output), `${rule} near-miss`).toEqual([]);
    },
    needDocker(rule) {
      covered.add(rule);
      if (ds.unavailable === "") return true;
      console.warn(`[${o.label}] NOT RUN "${rule}": Docker unavailable (${ds.unavailable})`);
      expect(process.env.FALCO_TS_NO_CONTAINERS).toBe("1");
      return false;
    },
    async stop() {
      const code = await agent.stop();
      if (ds.unavailable === "") {
        const ids = spawnSync(DOCKER, ["ps", "-aq", "--filter", `name=^${prefix}`], { env: DOCKER_ENV, encoding: "utf8" }).stdout.trim();
        if (ids !== "") spawnSync(DOCKER, ["rm", "-f", ...ids.split(/\s+/)], { env: DOCKER_ENV });
      }
      rmSync(W, { recursive: true, force: true });
      return code;
    },
  };
  return kit;
}
