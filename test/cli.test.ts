/**
 * The command line as Falco users know it (issue 7, CLI_CONTRACT.md): every flag of
 * src/cli/main.ts and the falco.yaml handling (-c, -o, unknown keys, wrong types), driven through
 * the real CLI (compiled ./falco-ts, or source with FALCO_TS_FROM_SOURCE=1) as a subprocess.
 * Replay (-e) drives the whole pipeline without the probe or root.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentCommand, REPO, SHARED } from "./helpers/agent.ts";

const CAPTURE = join(SHARED, "captures/falco/trace_files/cat_write.scap");
const SINGLE_RULE = join(SHARED, "conformance/testing_rules/falco__SingleRule.yaml");
/** Alerts falco__SingleRule.yaml gives on cat_write.scap (CLI_CONTRACT's reference output). */
const SINGLE_RULE_ALERTS = 8;
const QUIET = ["-o", "syslog_output.enabled=false"];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI with args (cwd = repo root), FALCO_HOSTNAME fixed. */
function cli(args: string[], env: Record<string, string> = {}): Run {
  const [cmd, ...pre] = agentCommand();
  const r = spawnSync(cmd!, [...pre, ...args], { cwd: REPO, env: { ...process.env, FALCO_HOSTNAME: "cli-test", ...env }, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const lines = (s: string) => s.split("\n").filter((l) => l.length > 0);
const jsonLines = (s: string) => lines(s).map((l) => JSON.parse(l) as Record<string, unknown>);

let dir: string;
/** Two rules matching the same events (opens by cat), with different tags. */
let twoRules: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fts-cli-"));
  twoRules = join(dir, "two_rules.yaml");
  writeFileSync(
    twoRules,
    `- rule: Cat opens A
  desc: rule A, tagged alpha
  condition: evt.type=open and proc.name=cat
  output: "A open (command=%proc.cmdline)"
  priority: WARNING
  tags: [alpha, common]
- rule: Cat opens B
  desc: rule B, tagged beta
  condition: evt.type=open and proc.name=cat
  output: "B open (command=%proc.cmdline)"
  priority: ERROR
  tags: [beta, common]
`,
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("informational flags", () => {
  it("--version prints the version and Falco compatibility, exit 0", () => {
    const r = cli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^falco-ts version: \d+\.\d+\.\d+/m);
    expect(r.stdout).toContain("falco compatibility: 0.44");
  });

  it("--help lists every flag, the exit codes and examples", () => {
    const r = cli(["--help"]);
    expect(r.code).toBe(0);
    for (const f of ["-r, --rules", "-c, --config", "-o, --option", "-e, --capture", "-V, --validate", "-L", "-l <rule>", "--list [source]", "-D <substring>", "-t <tag>", "-T <tag>", "-A", "-U, --unbuffered", "-M <seconds>", "--dry-run", "--support", "--version"]) {
      expect(r.stdout, f).toContain(f);
    }
    expect(r.stdout).toContain("Exit codes:");
    expect(r.stdout).toContain("Examples:");
  });

  it.each([["parse-condition"], ["event-generator"], ["event-generator", "list"], ["event-generator", "run"], ["event-generator", "test"]])("%s %s --help shows examples", (...cmd) => {
    const r = cli([...cmd.filter(Boolean), "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Examples:");
    expect(r.stdout).toContain(`falco-ts ${cmd.filter(Boolean).join(" ")}`);
  });

  it("--support prints a JSON report", () => {
    const r = cli(["-r", SINGLE_RULE, "--support", ...QUIET]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j.engine_version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(j.version).toBeTypeOf("string");
    expect((j.system_info as Record<string, unknown>).kernel_release).toBeTypeOf("string");
    expect((j.rules_files as { name: string }[]).map((f) => f.name)).toEqual([SINGLE_RULE]);
    expect(j.enabled_rules).toBe(1);
  });

  it("-L lists the loaded rules with descriptions", () => {
    const r = cli(["-r", twoRules, "-L", ...QUIET]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Cat opens A\s+rule A, tagged alpha/);
    expect(r.stdout).toMatch(/Cat opens B\s+rule B, tagged beta/);
  });

  it("-l NAME describes one rule; an unknown name exits 1", () => {
    const r = cli(["-r", twoRules, "-l", "Cat opens B", ...QUIET]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("rule B, tagged beta");
    expect(r.stdout).not.toContain("rule A, tagged alpha");
    const bad = cli(["-r", twoRules, "-l", "No such rule", ...QUIET]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("No such rule");
    expect(bad.stdout).toBe("");
  });

  it("--list prints the field table grouped by class; --list syscall is the same table", () => {
    const r = cli(["--list"]);
    expect(r.code).toBe(0);
    const classes = [...r.stdout.matchAll(/^Field Class: (\S+)/gm)].map((m) => m[1]);
    for (const c of ["evt", "process", "fd", "user"]) expect(classes).toContain(c);
    expect(new Set(classes).size).toBe(classes.length);
    expect(r.stdout).toMatch(/^proc\.name CHARBUF /m);
    expect(r.stdout).toMatch(/^fd\.name CHARBUF /m);
    const s = cli(["--list", "syscall"]);
    expect(s.code).toBe(0);
    expect(s.stdout).toBe(r.stdout);
  });
});

describe("-V validation", () => {
  it("valid file: exit 0; text and JSON forms", () => {
    const t = cli(["-V", SINGLE_RULE]);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain(`${SINGLE_RULE}: Ok`);
    const j = cli(["-V", SINGLE_RULE, "-o", "json_output=true"]);
    expect(j.code).toBe(0);
    const res = JSON.parse(j.stdout) as { falco_load_results: { name: string; successful: boolean; errors: unknown[] }[] };
    expect(res.falco_load_results).toHaveLength(1);
    expect(res.falco_load_results[0]).toMatchObject({ name: SINGLE_RULE, successful: true, errors: [] });
  });

  it("invalid file: exit 1 with Falco's error code and position (JSON)", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "- rule: Broken\n  desc: d\n  condition: evt.type=open and\n  output: o\n  priority: WARNING\n");
    const j = cli(["-V", bad, "-o", "json_output=true"]);
    expect(j.code).toBe(1);
    const res = JSON.parse(j.stdout) as { falco_load_results: { successful: boolean; errors: { code: string; context: { locations: { position: { line: number } }[] } }[] }[] };
    expect(res.falco_load_results[0]!.successful).toBe(false);
    expect(res.falco_load_results[0]!.errors[0]!.code).toMatch(/^LOAD_ERR_/);
    expect(res.falco_load_results[0]!.errors[0]!.context.locations.length).toBeGreaterThan(0);
  });

  it("repeatable and cumulative: an append is valid only after the rule it appends to", () => {
    const app = join(dir, "append.yaml");
    writeFileSync(app, "- rule: Cat opens A\n  condition: and fd.name=/dev/null\n  override:\n    condition: append\n");
    expect(cli(["-V", twoRules, "-V", app]).code).toBe(0);
    expect(cli(["-V", app]).code).toBe(1);
  });
});

describe("replay (-e) and rule selection", () => {
  it("-e FILE -r FILE: text alerts on stdout only, summary on stderr, exit 0", () => {
    const r = cli(["-e", CAPTURE, "-r", SINGLE_RULE, ...QUIET]);
    expect(r.code).toBe(0);
    const out = lines(r.stdout);
    expect(out).toHaveLength(SINGLE_RULE_ALERTS);
    for (const l of out) expect(l).toMatch(/^\d\d:\d\d:\d\d\.\d{9}: Warning An open was seen \(command=cat \/dev\/null\)$/);
    expect(r.stderr).toMatch(/stopped: \d+ events processed, 8 rule matches/);
  });

  it("-e on a missing file exits 1 naming it", () => {
    const r = cli(["-e", join(dir, "missing.scap"), "-r", SINGLE_RULE, ...QUIET]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("missing.scap");
  });

  it("-e equals -o engine.kind=replay -o engine.replay.capture_file=FILE", () => {
    const a = cli(["-e", CAPTURE, "-r", SINGLE_RULE, ...QUIET, "-o", "json_output=true"]);
    const b = cli(["-o", "engine.kind=replay", "-o", `engine.replay.capture_file=${CAPTURE}`, "-r", SINGLE_RULE, ...QUIET, "-o", "json_output=true"]);
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(lines(a.stdout)).toHaveLength(SINGLE_RULE_ALERTS);
  });

  it("-r is repeatable and -r DIR loads *.yaml/*.yml in name order, ignoring other files", () => {
    const rd = join(dir, "rulesdir");
    mkdirSync(rd, { recursive: true });
    writeFileSync(join(rd, "b.yml"), "- rule: From b\n  desc: second file\n  condition: evt.type=open and proc.name=cat\n  output: b\n  priority: NOTICE\n");
    writeFileSync(join(rd, "a.yaml"), "- rule: From a\n  desc: first file\n  condition: evt.type=open and proc.name=cat\n  output: a\n  priority: NOTICE\n");
    writeFileSync(join(rd, "notes.txt"), "this: is [not rules\n");
    const r = cli(["-r", rd, "-L", ...QUIET]);
    expect(r.code).toBe(0);
    expect(r.stdout.indexOf("From a")).toBeGreaterThan(-1);
    expect(r.stdout.indexOf("From a")).toBeLessThan(r.stdout.indexOf("From b"));
    const both = cli(["-r", rd, "-r", SINGLE_RULE, "-L", ...QUIET]);
    expect(both.stdout).toContain("From b");
    expect(both.stdout).toContain("open_from_cat");
  });

  it("-r with a missing path exits 1 naming it", () => {
    const r = cli(["-r", join(dir, "nope.yaml"), "--dry-run", ...QUIET]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nope.yaml");
  });

  const rulesOf = (r: Run) => jsonLines(r.stdout).map((a) => a.rule as string);
  const base = () => ["-e", CAPTURE, "-r", twoRules, ...QUIET, "-o", "json_output=true", "-o", "rule_matching=all"];

  it("rule_matching=all fires both rules; first fires only the first", () => {
    const all = rulesOf(cli(base()));
    expect(new Set(all)).toEqual(new Set(["Cat opens A", "Cat opens B"]));
    const first = rulesOf(cli([...base(), "-o", "rule_matching=first"]));
    expect(new Set(first)).toEqual(new Set(["Cat opens A"]));
  });

  it("-D SUBSTRING disables matching rules (repeatable)", () => {
    expect(new Set(rulesOf(cli([...base(), "-D", "opens A"])))).toEqual(new Set(["Cat opens B"]));
    expect(rulesOf(cli([...base(), "-D", "opens A", "-D", "opens B"]))).toEqual([]);
  });

  it("-t TAG keeps only tagged rules; -T TAG disables tagged rules", () => {
    expect(new Set(rulesOf(cli([...base(), "-t", "beta"])))).toEqual(new Set(["Cat opens B"]));
    expect(new Set(rulesOf(cli([...base(), "-T", "beta"])))).toEqual(new Set(["Cat opens A"]));
    expect(rulesOf(cli([...base(), "-T", "common"]))).toEqual([]);
  });

  it("priority (config) drops rules below the minimum", () => {
    expect(new Set(rulesOf(cli([...base(), "-o", "priority=error"])))).toEqual(new Set(["Cat opens B"]));
  });

  it("--dry-run loads config and rules, prints no alert, exit 0", () => {
    const r = cli(["-e", CAPTURE, "-r", SINGLE_RULE, "--dry-run", ...QUIET]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("loaded 1 rules");
  });

  it("-U and -A are accepted and change nothing in a replay (all events of a capture are evaluated)", () => {
    const plain = cli(["-e", CAPTURE, "-r", SINGLE_RULE, ...QUIET]);
    const ua = cli(["-e", CAPTURE, "-r", SINGLE_RULE, "-U", "-A", ...QUIET]);
    expect(ua.code).toBe(0);
    expect(ua.stdout).toBe(plain.stdout);
  });

  it("-M SECONDS stops a replay after that much event time; a non-number exits 1", () => {
    const full = lines(cli(["-e", CAPTURE, "-r", SINGLE_RULE, ...QUIET]).stdout).length;
    const short = cli(["-e", CAPTURE, "-r", SINGLE_RULE, "-M", "0.000000001", ...QUIET]);
    expect(short.code).toBe(0);
    expect(lines(short.stdout).length).toBeLessThan(full);
    const bad = cli(["-e", CAPTURE, "-r", SINGLE_RULE, "-M", "soon", ...QUIET]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("-M");
  });
});

describe("configuration: -c and -o", () => {
  it("-c FILE is read (json_output, rules_files)", () => {
    const cfg = join(dir, "c1.yaml");
    writeFileSync(cfg, `json_output: true\nrules_files:\n  - ${SINGLE_RULE}\nsyslog_output:\n  enabled: false\n`);
    const r = cli(["-c", cfg, "-e", CAPTURE]);
    expect(r.code).toBe(0);
    const a = jsonLines(r.stdout);
    expect(a).toHaveLength(SINGLE_RULE_ALERTS);
    expect(a[0]).toMatchObject({ rule: "open_from_cat", priority: "Warning", source: "syscall", hostname: "cli-test" });
    expect(Object.keys(a[0]!)).toEqual([...Object.keys(a[0]!)].sort());
  });

  it("-c on a missing file: clear error, exit 1", () => {
    const r = cli(["-c", join(dir, "nope.yaml"), "-r", SINGLE_RULE, "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nope\.yaml.*cannot read config file/);
  });

  it("unknown keys warn with file:line:col and do not stop the agent", () => {
    const cfg = join(dir, "c2.yaml");
    writeFileSync(cfg, "json_output: false\nstdout_output:\n  enabled: true\n  colour: red\nno_such_key: 1\n");
    const r = cli(["-c", cfg, "-r", SINGLE_RULE, "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${cfg}:4:3: warning: stdout_output.colour: unknown configuration key`);
    expect(r.stderr).toContain(`${cfg}:5:1: warning: no_such_key: unknown configuration key`);
  });

  it.each([
    ["json_output: maybe\n", "json_output", "boolean", 1],
    ["outputs_queue:\n  capacity: lots\n", "outputs_queue.capacity", "number", 2],
    ["file_output: yes-please\n", "file_output", "map", 1],
    ["rules_files:\n  a: b\n", "rules_files", "list", 1],
  ])("a wrongly typed value is an error naming key and expected type (%s)", (text, key, type, line) => {
    const cfg = join(dir, `bad-${key}.yaml`);
    writeFileSync(cfg, text);
    const r = cli(["-c", cfg, "-r", SINGLE_RULE, "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${cfg.replace(/[.]/g, "\\.")}:${line}:\\d+: error: ${key.replace(/[.]/g, "\\.")}: expected a ${type}`));
  });

  it("a YAML syntax error names file, line and column, exit 1", () => {
    const cfg = join(dir, "syntax.yaml");
    writeFileSync(cfg, "json_output: true\nfile_output: [unclosed\n");
    const r = cli(["-c", cfg, "-r", SINGLE_RULE, "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`syntax\\.yaml:\\d+:\\d+: error`));
  });

  it("-o dotted keys override the file; the last -o wins", () => {
    const cfg = join(dir, "c3.yaml");
    writeFileSync(cfg, `json_output: false\nsyslog_output:\n  enabled: false\n`);
    const j = cli(["-c", cfg, "-e", CAPTURE, "-r", SINGLE_RULE, "-o", "json_output=true"]);
    expect(jsonLines(j.stdout)).toHaveLength(SINGLE_RULE_ALERTS);
    const t = cli(["-c", cfg, "-e", CAPTURE, "-r", SINGLE_RULE, "-o", "json_output=true", "-o", "json_output=false"]);
    expect(lines(t.stdout)[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{9}: Warning /);
    const iso = cli(["-c", cfg, "-e", CAPTURE, "-r", SINGLE_RULE, "-o", "time_format_iso_8601=true"]);
    expect(lines(iso.stdout)[0]).toMatch(/^2016-08-04T16:17:57\.\d{9}\+0000: Warning /);
    const off = cli(["-c", cfg, "-e", CAPTURE, "-r", SINGLE_RULE, "-o", "stdout_output.enabled=false"]);
    expect(off.code).toBe(0);
    expect(off.stdout).toBe("");
  });

  it("-o list values: key=[a,b] replaces, key[]=v appends (rules_files)", () => {
    const cfg = join(dir, "c4.yaml");
    writeFileSync(cfg, `rules_files: []\nsyslog_output:\n  enabled: false\n`);
    const rd = join(dir, "lists");
    mkdirSync(rd, { recursive: true });
    const f = (n: string) => {
      const p = join(rd, `${n}.yaml`);
      writeFileSync(p, `- rule: Rule ${n}\n  desc: from ${n}\n  condition: evt.type=open\n  output: ${n}\n  priority: NOTICE\n`);
      return p;
    };
    const [x, y, z] = [f("x"), f("y"), f("z")];
    const r = cli(["-c", cfg, "-o", `rules_files=[${x}, ${y}]`, "-o", `rules_files[]=${z}`, "-L"]);
    expect(r.code).toBe(0);
    for (const n of ["Rule x", "Rule y", "Rule z"]) expect(r.stdout).toContain(n);
    const only = cli(["-c", cfg, "-o", `rules_files=[${x}, ${y}]`, "-o", `rules_files=[${z}]`, "-L"]);
    expect(only.stdout).toContain("Rule z");
    expect(only.stdout).not.toContain("Rule x");
  });

  it("-o without '=' or with a wrongly typed value exits 1 naming the key", () => {
    const a = cli(["-r", SINGLE_RULE, "-o", "json_output", "--dry-run"]);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain("expected -o key=value");
    const b = cli(["-r", SINGLE_RULE, "-o", "webserver.listen_port=http", "--dry-run"]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("webserver.listen_port: expected a number");
  });

  it("metrics.interval is checked: a bad duration exits 1 naming the key; 500ms/15s/1h30m are fine", () => {
    const bad = cli(["-r", SINGLE_RULE, "-o", "metrics.enabled=true", "-o", "metrics.interval=5", "--dry-run"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("metrics.interval");
    const tiny = cli(["-r", SINGLE_RULE, "-o", "metrics.enabled=true", "-o", "metrics.interval=10ms", "--dry-run"]);
    expect(tiny.code).toBe(1);
    for (const ok of ["500ms", "15s", "1h30m"]) expect(cli(["-r", SINGLE_RULE, "-o", "metrics.enabled=true", "-o", `metrics.interval=${ok}`, "--dry-run"]).code).toBe(0);
  });

  it("webserver.ssl_enabled (not supported) is a start-up error, exit 1", () => {
    const r = cli(["-e", CAPTURE, "-r", SINGLE_RULE, ...QUIET, "-o", "webserver.enabled=true", "-o", "webserver.listen_port=0", "-o", "webserver.ssl_enabled=true"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("webserver.ssl_enabled");
    expect(r.stdout).toBe("");
  });

  it("webserver.enabled in a replay: starts (port 0 = a free port), stops at the end, exit 0", () => {
    const r = cli(["-e", CAPTURE, "-r", SINGLE_RULE, ...QUIET, "-o", "webserver.enabled=true", "-o", "webserver.listen_port=0"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/webserver: listening on http:\/\/127\.0\.0\.1:\d+ \(\/healthz, \/versions\)/);
    expect(lines(r.stdout)).toHaveLength(SINGLE_RULE_ALERTS);
  });

  it("the shipped falco.yaml loads without warnings", () => {
    const r = cli(["-c", join(REPO, "falco.yaml"), "-r", SINGLE_RULE, "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/warning|error/i);
  });
});
