/**
 * Falco's capture-replay regression cases (falcosecurity/testing tests/falco/legacy_test.go
 * @ 9a9c8676, as data in ../shared/conformance/testing_capture_cases.json), run against the real
 * CLI as a subprocess (agentCommand(): the compiled ./falco-ts, or the source with
 * FALCO_TS_FROM_SOURCE=1), exactly as ../shared/conformance/README.md describes:
 *
 *  - `falco-0.34.1__NAME.scap` → ../shared/captures/falco/trace_files/NAME.scap; `DOWNLOADED:*`
 *    captures were never published: out of scope, listed by name.
 *  - `falco-ts -e CAPTURE -r F1 -r F2 ...` (+ `-o json_output=true` when the case uses JSON), with
 *    WithArgs → verbatim, WithEnabledTags → -t, WithDisabledTags → -T, WithDisabledRules → -D,
 *    WithMinRulePriority(P) → -o priority=P, WithAllEvents → -o base_syscalls.all=true,
 *    WithEnvVars → environment, WithConfig(configs.DropsX) → -c ../shared/captures/falco/confs/drops_x.yaml,
 *    WithConfig(configs.StdoutOutput/FileOutput/ProgramOutput) → the equivalent -o options
 *    (testing's tests/data/configs/configs.go), WithStopAfter(Ns) → -M N.
 *  - Alerts are the JSON lines on stdout whose `source` is not `internal`; NotZero/Zero (optionally
 *    of a priority, INFO meaning Informational), Equal count (per rule, or in total);
 *    `other_asserts` regexps on stdout/stderr; the Strict output cases compare with
 *    ../shared/conformance/testing_outputs/single_rule_with_cat_write.txt; exit code.
 *
 * The cases run in a beforeAll pool, two processes at a time, then each case asserts its result.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentCommand, REPO, SHARED } from "./helpers/agent.ts";

interface ExpectEntry {
  assert: "NotZero" | "Zero" | "Equal";
  priority?: string;
  count?: number;
  rule?: string;
}
interface Case {
  test: string;
  capture: string[];
  rules_files_in_order: string[];
  options: string[];
  json_output: boolean;
  expect: ExpectEntry[];
  exit_code: number;
  other_asserts?: string[];
}

const CONF = join(SHARED, "conformance");
const CASES = JSON.parse(readFileSync(join(CONF, "testing_capture_cases.json"), "utf8")) as Case[];
const EXPECTED_TEXT = readFileSync(join(CONF, "testing_outputs/single_rule_with_cat_write.txt"), "utf8");
const CONCURRENCY = 2;
const CASE_TIMEOUT_MS = 60_000;

/** Result of one planned and executed case. */
interface Run {
  args: string[];
  env: Record<string, string>;
  stdout: string;
  stderr: string;
  code: number | null;
  fileOutput?: string;
  planError?: string;
  ms: number;
}

/** Split the arguments of a Go call like `"a", "b"` (string literals and `+` concatenations with identifiers). */
function goArgs(s: string, vars: Record<string, string>): string[] {
  const out: string[] = [];
  for (const part of s.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const t = part.trim();
    if (!t) continue;
    let v = "";
    for (const piece of t.split(/\+(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
      const p = piece.trim();
      if (p.startsWith('"') && p.endsWith('"')) v += JSON.parse(p) as string;
      else if (p in vars) v += vars[p];
      else throw new Error(`unknown Go identifier ${p}`);
    }
    out.push(v);
  }
  return out;
}

/** CamelCase config name → snake_case file name (DropsIgnoreLog → drops_ignore_log). */
function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** Map a case to the CLI arguments and environment. @throws Error on an option we cannot map. */
function plan(c: Case, work: string): { args: string[]; env: Record<string, string>; fileOutput?: string } {
  const cap = c.capture[0]!;
  const m = /^falco-0\.34\.1__(.+\.scap)$/.exec(cap);
  if (!m) throw new Error(`capture ${cap} not mappable`);
  const args = ["-e", join(SHARED, "captures/falco/trace_files", m[1]!)];
  for (const r of c.rules_files_in_order) args.push("-r", join(CONF, "testing_rules", r));
  if (c.json_output) args.push("-o", "json_output=true");
  const env: Record<string, string> = {};
  const vars = { outFilePath: join(work, "file_output.txt") };
  let fileOutput: string | undefined;
  // WithConfig first (a config file is read before -o overrides), then the rest in order.
  const configArgs: string[] = [];
  const rest: string[] = [];
  for (const o of c.options) {
    const om = /^(\w+)\((.*)\)$/s.exec(o);
    if (!om) throw new Error(`cannot parse option ${o}`);
    const [, fn, inner] = om;
    switch (fn) {
      case "WithArgs":
        rest.push(...goArgs(inner!, vars));
        break;
      case "WithEnabledTags":
        for (const t of goArgs(inner!, vars)) rest.push("-t", t);
        break;
      case "WithDisabledTags":
        for (const t of goArgs(inner!, vars)) rest.push("-T", t);
        break;
      case "WithDisabledRules":
        for (const t of goArgs(inner!, vars)) rest.push("-D", t);
        break;
      case "WithMinRulePriority":
        rest.push("-o", `priority=${goArgs(inner!, vars)[0]}`);
        break;
      case "WithAllEvents":
        rest.push("-o", "base_syscalls.all=true");
        break;
      case "WithStopAfter": {
        const sm = /^(\d+)\*time\.Second$/.exec(inner!.trim());
        if (!sm) throw new Error(`cannot map ${o}`);
        rest.push("-M", sm[1]!);
        break;
      }
      case "WithEnvVars": {
        for (const em of inner!.matchAll(/"([^"]*)"\s*:\s*"([^"]*)"/g)) env[em[1]!] = em[2]!;
        break;
      }
      case "WithConfig": {
        const name = /^configs\.(\w+)$/.exec(inner!.trim())?.[1];
        if (!name) throw new Error(`cannot map ${o}`);
        if (name === "StdoutOutput") {
          configArgs.push("-o", "stdout_output.enabled=true", "-o", "file_output.enabled=false", "-o", "syslog_output.enabled=false", "-o", "program_output.enabled=false");
        } else if (name === "FileOutput") {
          fileOutput = vars.outFilePath;
          configArgs.push("-o", "stdout_output.enabled=true", "-o", "file_output.enabled=true", "-o", `file_output.filename=${join(work, "default_file_output.txt")}`, "-o", "syslog_output.enabled=false", "-o", "program_output.enabled=false");
        } else if (name === "ProgramOutput") {
          configArgs.push("-o", "stdout_output.enabled=true", "-o", "file_output.enabled=false", "-o", "syslog_output.enabled=false", "-o", "program_output.enabled=true", "-o", `program_output.program=cat >> ${join(work, "program_output.txt")}`);
        } else if (name.startsWith("Drops")) {
          const f = join(SHARED, "captures/falco/confs", `${snake(name)}.yaml`);
          if (!existsSync(f)) throw new Error(`no config file for ${name}: ${f}`);
          configArgs.push("-c", f);
        } else throw new Error(`unknown config ${name}`);
        break;
      }
      default:
        throw new Error(`unknown option ${fn}`);
    }
  }
  // Falco's testing framework runs without /etc/falco/falco.yaml unless a config is given; make
  // sure a host config cannot change the results: without -c, give an empty config.
  const cfg = configArgs.includes("-c") ? [] : ["-c", join(work, "empty.yaml")];
  return { args: [...cfg, ...configArgs, ...args, ...rest], env, fileOutput };
}

/** Run the CLI with args; resolves with its output once it exits (killed after CASE_TIMEOUT_MS). */
function runCli(args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const [cmd, ...pre] = agentCommand();
  return new Promise((resolve) => {
    const p = spawn(cmd!, [...pre, ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => p.kill("SIGKILL"), CASE_TIMEOUT_MS);
    p.on("close", (code) => {
      clearTimeout(t);
      resolve({ stdout, stderr, code });
    });
  });
}

/** The JSON alerts on stdout, internal ones excluded. */
function alertsOf(stdout: string): { rule: string; priority: string; source: string }[] {
  const out: { rule: string; priority: string; source: string }[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const a = JSON.parse(line) as { rule: string; priority: string; source: string };
      if (a.source !== "internal") out.push(a);
    } catch {
      /* not JSON */
    }
  }
  return out;
}

/** Priority names as the cases write them (Go strings.Contains on lower case; INFO → Informational). */
function priorityIs(alertPriority: string, want: string): boolean {
  const w = want.toLowerCase() === "info" ? "informational" : want.toLowerCase();
  return alertPriority.toLowerCase() === w;
}

/** Check a case's result. @returns the list of problems (empty: pass). */
function check(c: Case, r: Run): string[] {
  const problems: string[] = [];
  if (r.planError) return [r.planError];
  if (r.code !== c.exit_code) problems.push(`exit code ${r.code}, want ${c.exit_code}`);
  const alerts = alertsOf(r.stdout);
  for (const e of c.expect) {
    const sel = alerts.filter((a) => (e.priority === undefined || priorityIs(a.priority, e.priority)) && (e.rule === undefined || a.rule === e.rule));
    const what = `${e.rule !== undefined ? `rule ${JSON.stringify(e.rule)}` : "alerts"}${e.priority ? ` of priority ${e.priority}` : ""}`;
    if (e.assert === "NotZero" && sel.length === 0) problems.push(`want some ${what}, got none`);
    else if (e.assert === "Zero" && sel.length !== 0) problems.push(`want no ${what}, got ${sel.length}`);
    else if (e.assert === "Equal" && sel.length !== e.count) problems.push(`want ${e.count} ${what}, got ${sel.length}`);
  }
  for (const raw of c.other_asserts ?? []) {
    let m: RegExpExecArray | null;
    if ((m = /^assert\.(Not)?Regexp\(t, `(.*)`, res\.(Stdout|Stderr)\(\)\)$/s.exec(raw))) {
      const re = new RegExp(m[2]!);
      const text = m[3] === "Stdout" ? r.stdout : r.stderr;
      const hit = re.test(text);
      if (m[1] ? hit : !hit) problems.push(`${raw} does not hold`);
    } else if (raw === "assert.Contains(t, res.Stdout(), scanner.Text())") {
      // the Strict cases: every line of the expected text output is in stdout
      for (const line of EXPECTED_TEXT.split("\n")) if (line && !r.stdout.includes(line)) problems.push(`stdout lacks expected line ${JSON.stringify(line)}`);
    } else if (raw === "assert.Equal(t, string(expectedContent), string(actualContent))") {
      let actual = "";
      try {
        actual = readFileSync(r.fileOutput!, "utf8");
      } catch (e) {
        problems.push(`cannot read file output ${r.fileOutput}: ${(e as Error).message}`);
      }
      if (actual !== EXPECTED_TEXT) problems.push(`file output differs from expected:\n${actual}`);
    } else if (/^assert\.Nil\(t, (err\d?|scanner\.Err\(\))\)$/.test(raw)) {
      // reading the expected/actual files: covered by the checks above
    } else {
      problems.push(`unsupported assertion ${raw}`);
    }
  }
  return problems;
}

const inScope = CASES.filter((c) => !c.capture.some((x) => x.startsWith("DOWNLOADED:")));
const outOfScope = CASES.filter((c) => c.capture.some((x) => x.startsWith("DOWNLOADED:")));
const runs = new Map<string, Run>();
let work = "";

describe("Falco capture-replay regression cases", () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "fts-capture-conf-"));
    writeFileSync(join(work, "empty.yaml"), "{}\n");
    const queue = [...inScope];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const dir = join(work, c.test);
        mkdirSync(dir, { recursive: true });
        let planned: ReturnType<typeof plan>;
        try {
          planned = plan(c, dir);
        } catch (e) {
          runs.set(c.test, { args: [], env: {}, stdout: "", stderr: "", code: null, planError: (e as Error).message, ms: 0 });
          continue;
        }
        // the empty config lives at the top of the work dir
        const args = planned.args.map((a) => (a === join(dir, "empty.yaml") ? join(work, "empty.yaml") : a));
        const t0 = performance.now();
        const res = await runCli(args, planned.env);
        runs.set(c.test, { args, env: planned.env, ...res, fileOutput: planned.fileOutput, ms: performance.now() - t0 });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  let pass = 0;
  let fail = 0;
  for (const c of inScope) {
    test(c.test, () => {
      const r = runs.get(c.test);
      expect(r, "case did not run").toBeDefined();
      const problems = check(c, r!);
      if (problems.length) {
        fail++;
        problems.push(`command: ${agentCommand().join(" ")} ${r!.args.join(" ")}`, `stdout: ${r!.stdout.slice(0, 2000)}`, `stderr: ${r!.stderr.slice(-2000)}`);
      } else pass++;
      expect(problems).toEqual([]);
    });
  }

  test("summary", () => {
    const slow = [...runs.entries()].sort((a, b) => b[1].ms - a[1].ms)[0];
    console.log(
      `conformance_capture: ${pass} passed, ${fail} failed of ${inScope.length} in-scope cases; ${outOfScope.length} out of scope (DOWNLOADED captures, never published)` +
        (slow ? `; slowest ${slow[0]} ${slow[1].ms.toFixed(0)} ms` : ""),
    );
    for (const c of outOfScope) console.log(`conformance_capture: OUT OF SCOPE ${c.test} (${c.capture.join(", ")}: capture never published)`);
    expect(pass + fail).toBe(inScope.length);
    expect(pass + fail + outOfScope.length).toBe(CASES.length);
  });
});
