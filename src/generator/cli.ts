/**
 * `falco-ts event-generator list|run|test` (CLI_CONTRACT.md), registered on the main commander
 * program by `registerEventGenerator`.
 *
 *  - `list`: one line per (action, target rule): `name<TAB>target rule<TAB>needs`.
 *  - `run [REGEX] [--all] [--loop] [--sleep 100ms]`: runs the actions whose name matches REGEX
 *    (case-insensitive; tested against the name and its spaced form, "Read Sensitive File
 *    Untrusted"); without REGEX only the safe ones (`--all`: every action). Exit 0, or 1 when an
 *    action failed to run (a skipped action, e.g. no Docker, is not a failure); 130 when
 *    interrupted (SIGINT/SIGTERM: the running action finishes and cleans up first).
 *  - `test [REGEX] [-r RULES]... [--timeout 5s]`: runs every matching action (safe or not) and starts an agent (this same program, `-o json_output=true
 *    -o rule_matching=all`, the rules of `-r` or the bundled ones), waits for its "capture
 *    started" log line, runs each selected action whose target rules are loaded, and checks that
 *    every target rule fired for the action's own events (an alert whose output or output fields
 *    contain the action's token or container id). Prints the table `action rule fired latency_ms`
 *    (TAB-separated; latency = alert received minus the event's time), then the other rules the
 *    same events fired. Exit 0 when every target fired (targets that cannot fire on this machine
 *    are shown as "skipped: <reason>" and do not fail), 1 otherwise.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Command } from "commander";
import { BUNDLED_RULES, readRulesSources, type RulesSource } from "../cli/rules_files.ts";
import { ACTIONS, listLines, selectActions, type Action, type ActionOutcome } from "./actions.ts";
import { runChildOp } from "./child.ts";
import { loadedRules } from "./rules.ts";
import { makeTempDir, newToken, parseDuration, removeQuiet, selfCommand } from "./util.ts";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const pendingCleanups = new Set<() => Promise<void>>();
let interrupted = false;

/** Run every pending cleanup (containers, temp dirs) — on SIGINT/SIGTERM and at exit. */
async function cleanupAll(): Promise<void> {
  const all = [...pendingCleanups];
  pendingCleanups.clear();
  await Promise.allSettled(all.map((c) => c()));
}

/**
 * SIGINT/SIGTERM: the first signal lets the running action finish (its cleanup removes what it
 * created; every command it runs has a timeout), then the command stops and cleans up; a second
 * signal cleans up what is pending at once and exits 130.
 */
function installSignalCleanup(): void {
  const onSig = (sig: NodeJS.Signals) => {
    if (interrupted) {
      process.stderr.write(`event-generator: ${sig} again, cleaning up now\n`);
      void cleanupAll().then(() => process.exit(130));
      return;
    }
    interrupted = true;
    process.stderr.write(`event-generator: ${sig}, stopping after the current action\n`);
  };
  process.on("SIGINT", onSig);
  process.on("SIGTERM", onSig);
}

/** One executed action: its outcome (or error) and its timing. */
interface Executed {
  action: Action;
  outcome?: ActionOutcome;
  error?: string;
  startMs: number;
  endMs: number;
  /** Run the deferred cleanup and remove the temp dir. */
  finish(): Promise<void>;
}

/** Run one action with a fresh token and temp dir; never throws. */
async function execute(action: Action, verbose: boolean): Promise<Executed> {
  const token = newToken();
  const dir = makeTempDir(token);
  const log = (m: string) => {
    if (verbose) process.stderr.write(`  [${action.name}] ${m}\n`);
  };
  const startMs = Date.now();
  let outcome: ActionOutcome | undefined;
  let error: string | undefined;
  const rmDir = async () => removeQuiet(dir);
  pendingCleanups.add(rmDir);
  try {
    outcome = await action.run({ token, dir, log });
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const cleanup = outcome?.cleanup;
  if (cleanup) pendingCleanups.add(cleanup);
  return {
    action,
    outcome,
    error,
    startMs,
    endMs: Date.now(),
    async finish() {
      if (cleanup) {
        await cleanup().catch(() => undefined);
        pendingCleanups.delete(cleanup);
      }
      removeQuiet(dir);
      pendingCleanups.delete(rmDir);
    },
  };
}

// ------------------------------------------------------------------------------------------------
// run
// ------------------------------------------------------------------------------------------------

interface RunOpts {
  all?: boolean;
  loop?: boolean;
  sleep: string;
  verbose?: boolean;
}

async function runCommand(pattern: string | undefined, o: RunOpts): Promise<number> {
  let sleepMs: number;
  let actions: Action[];
  try {
    sleepMs = parseDuration(o.sleep);
    actions = selectActions(pattern, { all: o.all });
  } catch (e) {
    process.stderr.write(`event-generator run: ${(e as Error).message}\n`);
    return 1;
  }
  if (actions.length === 0) {
    process.stderr.write(`event-generator run: no action matches ${pattern === undefined ? "(safe actions)" : `/${pattern}/i`}\n`);
    return 1;
  }
  installSignalCleanup();
  let failed = 0;
  do {
    for (const a of actions) {
      if (interrupted) break;
      const ex = await execute(a, o.verbose ?? false);
      await ex.finish();
      const ms = ex.endMs - ex.startMs;
      if (ex.error) {
        failed++;
        process.stderr.write(`${a.name}: FAILED: ${ex.error}\n`);
      } else if (ex.outcome?.skipped) {
        process.stderr.write(`${a.name}: skipped: ${ex.outcome.skipped}\n`);
      } else {
        process.stderr.write(`${a.name}: ok (${ms} ms)\n`);
      }
      if (sleepMs > 0) await Bun.sleep(sleepMs);
    }
  } while (o.loop && !interrupted);
  await cleanupAll();
  if (interrupted) return 130;
  return failed > 0 ? 1 : 0;
}

// ------------------------------------------------------------------------------------------------
// test
// ------------------------------------------------------------------------------------------------

interface TestOpts {
  rules: string[];
  timeout: string;
  verbose?: boolean;
}

/** A parsed JSON alert line of the agent. */
interface Alert {
  rule: string;
  time: string;
  output: string;
  output_fields?: Record<string, unknown>;
  /** Date.now() when received. */
  receivedMs: number;
  /** output + JSON of output_fields, searched for the action ids. */
  haystack: string;
}

/** The agent process and its parsed alerts. */
interface Agent {
  proc: ChildProcess;
  alerts: Alert[];
  stderrTail: string[];
  exited: Promise<number | null>;
  onAlert(cb: () => void): void;
}

function startAgent(ruleFiles: string[], verbose: boolean): Promise<Agent> {
  const self = selfCommand();
  const args = [...self.pre];
  for (const f of ruleFiles) args.push("-r", f);
  args.push("-o", "json_output=true", "-o", "rule_matching=all", "-o", "stdout_output.enabled=true", "-o", "priority=debug", "--no-watch");
  if (verbose) process.stderr.write(`event-generator test: starting agent: ${self.exe} ${args.join(" ")}\n`);
  const proc = spawn(self.exe, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
  const alerts: Alert[] = [];
  const stderrTail: string[] = [];
  const listeners: (() => void)[] = [];
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    let nl: number;
    while ((nl = out.indexOf("\n")) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (!line.startsWith("{")) continue;
      try {
        const a = JSON.parse(line) as Omit<Alert, "receivedMs" | "haystack">;
        alerts.push({ ...a, receivedMs: Date.now(), haystack: `${a.output}\n${JSON.stringify(a.output_fields ?? {})}` });
        for (const l of listeners) l();
      } catch {
        /* not an alert */
      }
    }
  });
  const exited = new Promise<number | null>((res) => proc.on("exit", (code) => res(code)));
  return new Promise((resolveP, rejectP) => {
    let ready = false;
    let err = "";
    proc.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      let nl: number;
      while ((nl = err.indexOf("\n")) >= 0) {
        const line = err.slice(0, nl);
        err = err.slice(nl + 1);
        stderrTail.push(line);
        if (stderrTail.length > 40) stderrTail.shift();
        if (verbose) process.stderr.write(`  [agent] ${line}\n`);
        if (!ready && /capture started/i.test(line)) {
          ready = true;
          clearTimeout(timer);
          resolveP({ proc, alerts, stderrTail, exited, onAlert: (cb) => listeners.push(cb) });
        }
      }
    });
    const timer = setTimeout(() => {
      if (ready) return;
      proc.kill("SIGKILL");
      rejectP(new Error(`the agent did not log "capture started" within 60 s; its stderr: ${stderrTail.slice(-5).join(" | ")}`));
    }, 60_000);
    void exited.then((code) => {
      if (ready) return;
      clearTimeout(timer);
      rejectP(new Error(`the agent exited (${code}) before capture started; its stderr: ${stderrTail.slice(-8).join(" | ")}`));
    });
  });
}

/** Parse Falco's ISO time ("2026-11-29T09:40:37.123456789Z") into epoch milliseconds (fraction kept to 1 µs). */
function isoToMs(iso: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/.exec(iso);
  if (!m) return Number.NaN;
  const base = Date.parse(`${m[1]}${m[3] ?? "Z"}`);
  return base + (m[2] ? Number(`0${m[2]}`) * 1000 : 0);
}

/** One row of the test table. */
export interface TestRow {
  action: string;
  rule: string;
  /** "yes", "no", "failed: <error>", "skipped: <reason>". */
  fired: string;
  latencyMs: number | null;
}

async function testCommand(pattern: string | undefined, o: TestOpts): Promise<number> {
  let waitMs: number;
  let selected: Action[];
  try {
    waitMs = parseDuration(o.timeout);
    selected = pattern === undefined ? [...ACTIONS] : selectActions(pattern);
  } catch (e) {
    process.stderr.write(`event-generator test: ${(e as Error).message}\n`);
    return 1;
  }
  const verbose = o.verbose ?? false;
  installSignalCleanup();
  // Rules: the -r paths, or the bundled rules written to a private directory.
  let sources: RulesSource[];
  let ruleFiles: string[];
  if (o.rules.length > 0) {
    try {
      sources = readRulesSources(o.rules);
    } catch (e) {
      process.stderr.write(`event-generator test: ${(e as Error).message}\n`);
      return 1;
    }
    ruleFiles = o.rules;
  } else {
    sources = [...BUNDLED_RULES];
    const dir = mkdtempSync(join(tmpdir(), "fts-eg-rules-"));
    pendingCleanups.add(async () => removeQuiet(dir));
    ruleFiles = sources.map((s) => {
      const p = join(dir, basename(s.name));
      writeFileSync(p, s.content);
      return p;
    });
  }
  const loaded = loadedRules(sources);
  const plan: { action: Action; targets: { rule: string; cannot: string | null }[] }[] = [];
  for (const a of selected) {
    const targets = a.targets.filter((t) => loaded.has(t.rule)).map((t) => ({ rule: t.rule, cannot: t.cannot ? t.cannot(loaded.get(t.rule)!) : null }));
    if (targets.length === 0) {
      if (verbose) process.stderr.write(`event-generator test: ${a.name}: target rule not loaded, not run\n`);
      continue;
    }
    plan.push({ action: a, targets });
  }
  if (plan.length === 0) {
    process.stderr.write(`event-generator test: no selected action targets a loaded rule\n`);
    await cleanupAll();
    return 1;
  }
  process.stderr.write(`event-generator test: ${plan.length} actions, starting the agent\n`);
  let agent: Agent;
  try {
    agent = await startAgent(ruleFiles, verbose);
  } catch (e) {
    process.stderr.write(`event-generator test: ${(e as Error).message}\n`);
    await cleanupAll();
    return 1;
  }
  pendingCleanups.add(async () => {
    if (agent.proc.exitCode === null) agent.proc.kill("SIGTERM");
  });
  let wake: (() => void) | null = null;
  agent.onAlert(() => wake?.());
  const rows: TestRow[] = [];
  const others: string[] = [];
  let step = 0;
  for (const { action, targets } of plan) {
    if (interrupted) break;
    step++;
    const firstAlert = agent.alerts.length;
    const runnable = targets.filter((t) => !t.cannot);
    let ex: Executed | null = null;
    if (runnable.length > 0) ex = await execute(action, verbose);
    const ids = ex?.outcome?.ids ?? [];
    const found = new Map<string, Alert>();
    const match = () => {
      for (let i = firstAlert; i < agent.alerts.length; i++) {
        const a = agent.alerts[i]!;
        if (!found.has(a.rule) && ids.some((id) => a.haystack.includes(id))) found.set(a.rule, a);
      }
      return runnable.every((t) => found.has(t.rule));
    };
    if (ex && !ex.error && !ex.outcome?.skipped && ids.length > 0) {
      const deadline = Date.now() + waitMs;
      while (!match() && Date.now() < deadline && agent.proc.exitCode === null) {
        await new Promise<void>((res) => {
          const t = setTimeout(res, Math.min(200, Math.max(1, deadline - Date.now())));
          wake = () => {
            clearTimeout(t);
            res();
          };
        });
        wake = null;
      }
      // Give late alerts of other rules a moment, then collect them.
      await Bun.sleep(150);
      match();
    }
    if (ex) await ex.finish();
    for (const t of targets) {
      let fired: string;
      let latency: number | null = null;
      if (t.cannot) fired = `skipped: ${t.cannot}`;
      else if (!ex || ex.error) fired = `failed: ${ex?.error ?? "not run"}`;
      else if (ex.outcome?.skipped) fired = `skipped: ${ex.outcome.skipped}`;
      else {
        const a = found.get(t.rule);
        fired = a ? "yes" : "no";
        if (a) {
          const evMs = isoToMs(a.time);
          latency = Number.isFinite(evMs) ? Math.max(0, Math.round(a.receivedMs - evMs)) : null;
        }
      }
      rows.push({ action: action.name, rule: t.rule, fired, latencyMs: latency });
      process.stderr.write(`[${step}/${plan.length}] ${action.name} -> ${t.rule}: ${fired}${latency !== null ? ` (${latency} ms)` : ""}\n`);
    }
    const extra = [...found.keys()].filter((r) => !targets.some((t) => t.rule === r));
    if (extra.length > 0) others.push(`${action.name}\t${extra.join(", ")}`);
    if (agent.proc.exitCode !== null) {
      process.stderr.write(`event-generator test: the agent exited (${agent.proc.exitCode}); stderr: ${agent.stderrTail.slice(-5).join(" | ")}\n`);
      break;
    }
  }
  // Stop the agent.
  if (agent.proc.exitCode === null) agent.proc.kill("SIGTERM");
  const killer = setTimeout(() => agent.proc.kill("SIGKILL"), 5000);
  await agent.exited;
  clearTimeout(killer);
  await cleanupAll();
  // Table.
  const lines = ["action\trule\tfired\tlatency_ms"];
  for (const r of rows) lines.push(`${r.action}\t${r.rule}\t${r.fired}\t${r.latencyMs ?? "-"}`);
  if (others.length > 0) {
    lines.push("", "other rules fired by the same events:", "action\trules");
    lines.push(...others);
  }
  process.stdout.write(lines.join("\n") + "\n");
  const bad = rows.filter((r) => r.fired !== "yes" && !r.fired.startsWith("skipped:"));
  const ok = rows.filter((r) => r.fired === "yes").length;
  process.stderr.write(`event-generator test: ${ok} fired, ${bad.length} not fired or failed, ${rows.length - ok - bad.length} skipped\n`);
  return bad.length === 0 && !interrupted && rows.length === plan.reduce((n, p) => n + p.targets.length, 0) ? 0 : 1;
}

// ------------------------------------------------------------------------------------------------
// registration
// ------------------------------------------------------------------------------------------------

/** Add the `event-generator` command (list, run, test and the hidden __child) to `program`. */
export function registerEventGenerator(program: Command): void {
  const eg = program
    .command("event-generator")
    .description("generate the activity the rules detect (like falcosecurity/event-generator), and test that the rules fire");
  eg.command("list")
    .description("list the actions: name<TAB>target rule<TAB>needs (root, docker or -)")
    .option("--describe", "add two columns: safe|unsafe and what the action does")
    .action((o: { describe?: boolean }) => {
      process.stdout.write(listLines(o.describe ?? false).join("\n") + "\n");
      process.exitCode = 0;
    });
  eg.command("run")
    .description("run the actions whose name matches REGEX (case-insensitive); without REGEX the safe ones")
    .argument("[regex]", "case-insensitive regular expression on action names")
    .option("--all", "without REGEX: run every action, not only the safe ones")
    .option("--loop", "run again and again until interrupted")
    .option("--sleep <duration>", "pause between actions (e.g. 100ms, 1s)", "100ms")
    .option("--verbose", "log details to stderr")
    .action(async (regex: string | undefined, o: RunOpts) => {
      process.exitCode = await runCommand(regex, o);
    });
  eg.command("test")
    .description("start an agent, run the actions, check that each target rule fired; prints action rule fired latency_ms")
    .argument("[regex]", "case-insensitive regular expression on action names (default: every action)")
    .option("-r, --rules <path>", "rules file or directory for the agent (repeatable; default: the bundled rules)", collect, [])
    .option("--all", "run every matching action, the unsafe ones too (what test always does; accepted for symmetry with run)")
    .option("--timeout <duration>", "how long to wait for an action's alerts after it ran", "5s")
    .option("--verbose", "log details (and the agent's log) to stderr")
    .action(async (regex: string | undefined, o: TestOpts) => {
      process.exitCode = await testCommand(regex, o);
    });
  eg.command("__child", { hidden: true })
    .argument("<op>")
    .argument("[args...]")
    .allowUnknownOption()
    .action(async (op: string, args: string[]) => {
      process.exitCode = await runChildOp(op, args);
    });
}
