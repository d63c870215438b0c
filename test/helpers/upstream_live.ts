/**
 * Test helper for the live rules e2e files (test/upstream_live.e2e.test.ts,
 * test/upstream_incubating_live.e2e.test.ts, test/upstream_sandbox_live.e2e.test.ts,
 * test/bundled_live.e2e.test.ts): one agent loading the rules under test unchanged (by default
 * ../shared/rules/falco_rules.yaml plus one upstream file, see `upstreamRules`), and a generated user
 * file that appends test fields (by default `proc.pid`, `container.id`, `proc.cmdline`, `evt.rawres`,
 * `evt.type`, `container.image.repository`) to the output of every rule under test (Falco
 * `override: output: append`; conditions untouched), optionally re-enables rules that are disabled
 * upstream (the deprecated standalone `enabled: true` item), and adds a barrier rule plus any extra
 * rules of the test (observers). Alerts are tied to the test's own processes (pids, container ids,
 * command lines).
 */
import { expect } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO, SHARED, startAgent, type AgentHandle, type JsonAlert } from "./agent.ts";
import { DOCKER, DOCKER_ENV, setupDocker } from "./docker.ts";

/** Output fields of one alert. */
export type Fields = Record<string, unknown>;

/** Options of `startLiveKit`. */
export interface LiveKitOptions {
  /** Label for messages, e.g. "upstream_incubating_live.e2e". */
  label: string;
  /** Rules files or directories given to the agent with `-r`, in order (the generated file follows). */
  load: string[];
  /** The rules under test, in file order: their outputs get the appended fields; `LiveKit.ruleNames`. */
  ruleNames: string[];
  /** Names of python3 copies to make in the temp dir (the helper runs under them). */
  pyCopies: string[];
  /** Names of /bin/true copies to make in the temp dir. */
  trueCopies: string[];
  /** Upstream rules disabled by default that the test enables (condition unchanged). Default none. */
  enable?: string[];
  /** Arguments before the `-r` ones, e.g. `["-c", "falco.yaml"]`. Default none. */
  configArgs?: string[];
  /** `-o key=value` overrides after the rules. Default json_output=true, rule_matching=all, priority=debug. */
  options?: string[];
  /** Output appended to every rule under test. Default `DEFAULT_APPEND`. */
  append?: string;
  /** More output appended (after `append`, one space between) to some rules, by rule name. */
  appendFor?: Record<string, string>;
  /** More rules (YAML items) for the generated file, e.g. observers. */
  extraRules?: string;
  /** Prefix of the temp dir and (with the test's pid) of container names. Default "fts-uplive2-". */
  prefix?: string;
  /** Command to run the agent under (see startAgent), given the temp dir. */
  wrap?: (W: string) => string[];
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
  /** The rules under test (`LiveKitOptions.ruleNames`). */
  ruleNames: string[];
  /** Rules a test has exercised (or listed as not producible). */
  covered: Set<string>;
  /** Run the python helper under the copy `name`; resolves with its JSON line plus `spawnPid`. */
  py(name: string, args: string[], env?: Record<string, string>): Promise<Record<string, number> & { spawnPid: number }>;
  /** Run a program synchronously (cwd W); its pid, status and output. */
  run(cmd: string, args: string[], env?: Record<string, string>): { pid: number; status: number | null; out: string };
  /** `docker ...`; throws on failure unless `allowFail`. Returns stdout, trimmed. */
  docker(args: string[], allowFail?: boolean): string;
  /** `docker exec [-d] id argv...` of a program directly (no shell: busybox's sh runs applets
   * through execve("/proc/self/exe"), which makes the kernel's comm, hence proc.name, "exe");
   * never throws; returns the output. */
  dexecArgv(id: string, argv: string[], detach?: boolean): string;
  /** `docker exec [-t] id sh -c cmd` (`-t` with `tty`); throws on failure. */
  dexec(id: string, cmd: string, tty?: boolean): string;
  /** In container `id`, run busybox under the name `name` (a /tmp/`name` symlink, so proc.name is
   * `name` and proc.exepath /bin/busybox) with the shell words `args`; its failure is ignored. */
  busyboxAs(id: string, name: string, args: string): void;
  /** Start a container of `image` (default nginx:latest) named prefix+name with extra run args; returns its 12-hex id. */
  container(name: string, runArgs: string[], cmd?: string[], image?: string): string;
  /** Alerts so far of `rule` whose fields match `pred`. */
  of(rule: string, pred: (f: Fields) => boolean): JsonAlert[];
  /** Exec the barrier and wait for its alert: every earlier event has been processed. */
  barrier(): Promise<void>;
  /** Wait for rule's alert matching pred, then after a barrier assert exactly one; returns its fields.
   * `rule` must be one of `ruleNames`. */
  once(rule: string, pred: (f: Fields) => boolean): Promise<Fields>;
  /** As `once`, returning the whole alert (output text, priority). */
  onceAlert(rule: string, pred: (f: Fields) => boolean): Promise<JsonAlert>;
  /** After a barrier, assert rule has no alert matching pred. */
  never(rule: string, pred: (f: Fields) => boolean): Promise<void>;
  /** Wait (10 s) for an alert of an observer rule: proof that an event was captured and evaluated. */
  seen(rule: string, pred: (f: Fields) => boolean): Promise<JsonAlert>;
  /** Mark the rules covered; false (with a warning) if Docker is unavailable on purpose. */
  needDocker(...rules: string[]): boolean;
  /** Stop the agent, remove containers and the temp dir; returns the agent's exit code. */
  stop(): Promise<number | null>;
}

/** Default output appended to every rule under test. */
export const DEFAULT_APPEND =
  "fts_pid=%proc.pid fts_cid=%container.id fts_cmd=%proc.cmdline fts_rawres=%evt.rawres fts_type=%evt.type fts_image=%container.image.repository";
/** The python helper the copies run (test/fixtures/live/upstream_actions.py). */
export const HELPER = join(REPO, "test/fixtures/live/upstream_actions.py");
const BARRIER = "fts_up_barrier";

/** Rule names (in order) of a rules file. @throws on unreadable/invalid YAML. */
export function ruleNamesOf(file: string): string[] {
  return (parse(readFileSync(file, "utf8")) as ({ rule?: unknown } | null)[]).filter((x) => typeof x?.rule === "string").map((x) => x!.rule as string);
}

/**
 * `load` and `ruleNames` for upstream rules: ../shared/rules/falco_rules.yaml, then `file` (under
 * ../shared/rules) when given; the rules under test are those of `file`, else of falco_rules.yaml.
 */
export function upstreamRules(file?: string): { load: string[]; ruleNames: string[] } {
  const stable = join(SHARED, "rules/falco_rules.yaml");
  const load = file === undefined ? [stable] : [stable, join(SHARED, "rules", file)];
  return { load, ruleNames: ruleNamesOf(load[load.length - 1]!) };
}

/** Predicate: alert of process `pid`. */
export const pidIs = (pid: number) => (f: Fields): boolean => f["proc.pid"] === pid;
/** Predicate: alert in container `id` by the process whose command line is `cmdline`. */
export const inCtr = (id: string, cmdline: string) => (f: Fields): boolean => f["container.id"] === id && f["proc.cmdline"] === cmdline;
/** Predicate: alert in container `id` whose fields also match `pred`. */
export const cid = (id: string, pred: (f: Fields) => boolean) => (f: Fields): boolean => f["container.id"] === id && pred(f);

/**
 * Set up Docker (scripts/docker-setup.sh), the temp dir, the generated rules file and start the agent.
 * @throws when Docker cannot be started (unless FALCO_TS_NO_CONTAINERS=1) or the agent does not start.
 */
export async function startLiveKit(o: LiveKitOptions): Promise<LiveKit> {
  const ruleNames = o.ruleNames;
  const pfx = o.prefix ?? "fts-uplive2-";
  const W = mkdtempSync(join(tmpdir(), pfx));
  const prefix = `${pfx}${process.pid}-`;
  for (const n of o.pyCopies) copyFileSync("/usr/bin/python3", join(W, n));
  for (const n of [...o.trueCopies, BARRIER]) copyFileSync("/bin/true", join(W, n));
  for (const n of [...o.pyCopies, ...o.trueCopies, BARRIER]) chmodSync(join(W, n), 0o755);
  mkdirSync(join(W, "empty"));
  const append = ruleNames.map((r) => [
    `- rule: ${JSON.stringify(r)}`,
    `  output: ${JSON.stringify([o.append ?? DEFAULT_APPEND, o.appendFor?.[r]].filter((x) => x !== undefined).join(" "))}`,
    `  override:`,
    `    output: append`,
  ].join("\n"));
  const enable = (o.enable ?? []).map((r) => `- rule: ${JSON.stringify(r)}\n  enabled: true`);
  const extra = `
- rule: UP barrier
  desc: test barrier (an exec the test waits for)
  condition: spawned_process and proc.name = ${BARRIER}
  output: "barrier %proc.args"
  priority: DEBUG
${o.extraRules ?? ""}`;
  writeFileSync(join(W, "append.yaml"), [...append, ...enable].join("\n") + "\n" + extra);
  const ds = setupDocker(o.label);
  const options = (o.options ?? ["json_output=true", "rule_matching=all", "priority=debug"]).flatMap((x) => ["-o", x]);
  const load = o.load.flatMap((f) => ["-r", f]);
  const agent = await startAgent([...(o.configArgs ?? []), ...load, "-r", join(W, "append.yaml"), ...options], { readyMs: 40_000, wrap: o.wrap?.(W) });
  const covered = new Set<string>();
  let barrierN = 0;

  const of = (rule: string, pred: (f: Fields) => boolean): JsonAlert[] => agent.alerts.filter((a) => a.rule === rule && pred(a.output_fields));
  const run = (cmd: string, args: string[], env?: Record<string, string>) => {
    const r = spawnSync(cmd, args, { cwd: W, encoding: "utf8", timeout: 30_000, env: env ?? DOCKER_ENV });
    return { pid: r.pid!, status: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
  };
  const barrier = async (): Promise<void> => {
    const nonce = `b${++barrierN}`;
    run(join(W, BARRIER), [nonce]);
    await agent.waitFor((a) => a.rule === "UP barrier" && a.output_fields["proc.args"] === nonce, 8000);
    await new Promise((r) => setTimeout(r, 150));
  };
  const docker = (args: string[], allowFail = false): string => {
    const r = spawnSync(DOCKER, args, { env: DOCKER_ENV, encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0 && !allowFail) throw new Error(`docker ${args.join(" ")} failed (${r.status}): ${r.stderr || r.error?.message}`);
    return (r.stdout ?? "").trim();
  };
  const onceAlert = async (rule: string, pred: (f: Fields) => boolean): Promise<JsonAlert> => {
    covered.add(rule);
    expect(ruleNames, "a rule under test").toContain(rule);
    await agent.waitFor((a) => a.rule === rule && pred(a.output_fields), 15_000).catch((e: Error) => {
      throw new Error(`${rule} did not fire for the action (${e.message.slice(0, 80)}); its alerts: ${JSON.stringify(of(rule, () => true).slice(-5).map((a) => a.output_fields))}`);
    });
    await barrier();
    const all = of(rule, pred);
    expect(all.length, `${rule}: ${JSON.stringify(all.map((a) => a.output))}`).toBe(1);
    return all[0]!;
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
    dexec(id, cmd, tty = false) {
      const r = spawnSync(DOCKER, ["exec", ...(tty ? ["-t"] : []), id, "sh", "-c", cmd], { env: DOCKER_ENV, encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] });
      if (r.status !== 0) throw new Error(`docker exec ${id} sh -c '${cmd}' failed (${r.status}): ${r.stderr || r.error?.message}`);
      return (r.stdout ?? "") + (r.stderr ?? "");
    },
    busyboxAs(id, name, args) {
      kit.dexec(id, `ln -sf /bin/busybox /tmp/${name}; /tmp/${name} ${args}; true`);
    },
    container(name, runArgs, cmd = ["sleep", "1000"], image = "nginx:latest") {
      return docker(["run", "-d", "--name", `${prefix}${name}`, ...runArgs, image, ...cmd]).slice(0, 12);
    },
    of,
    barrier,
    async once(rule, pred) {
      return (await onceAlert(rule, pred)).output_fields;
    },
    onceAlert,
    async never(rule, pred) {
      await barrier();
      expect(of(rule, pred).map((a) => a.output), `${rule} near-miss`).toEqual([]);
    },
    seen(rule, pred) {
      return agent.waitFor((a) => a.rule === rule && pred(a.output_fields), 10_000);
    },
    needDocker(...rules) {
      for (const r of rules) covered.add(r);
      if (ds.unavailable === "") return true;
      console.warn(`[${o.label}] NOT RUN ${rules.map((r) => `"${r}"`).join(", ")}: Docker unavailable (${ds.unavailable})`);
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
