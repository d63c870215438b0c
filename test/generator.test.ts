/**
 * event-generator without the probe: `list` format and coverage, regex selection, and that the
 * actions clean up after themselves (file trees under /etc, /tmp, /var/log, /dev/shm and binary
 * directories, processes and fts-eg containers are the same before and after `run --all`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { ACTIONS, listLines, selectActions } from "../src/generator/actions.ts";
import { loadedRules } from "../src/generator/rules.ts";
import { parseDuration } from "../src/generator/util.ts";
import { REPO, SHARED } from "./helpers/agent.ts";

const BUN = join(REPO, "node_modules/.bin/bun");
const MAIN = join(REPO, "src/cli/main.ts");

function cli(args: string[], timeoutMs = 120_000) {
  return spawnSync(BUN, [MAIN, ...args], { cwd: REPO, encoding: "utf8", timeout: timeoutMs });
}

function ruleNames(path: string): string[] {
  const doc = YAML.parse(readFileSync(path, "utf8")) as { rule?: string }[];
  return doc.filter((i) => typeof i?.rule === "string").map((i) => i.rule!);
}

/** Every path below `dir` (recursive, not following symlinks); unreadable parts are skipped. */
function tree(dir: string, depth = 8): string[] {
  const out: string[] = [];
  const walk = (d: string, n: number) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      out.push(p);
      if (n > 0) {
        try {
          const st = statSync(p, { throwIfNoEntry: false });
          if (st?.isDirectory() && !st.isSymbolicLink()) walk(p, n - 1);
        } catch {
          /* vanished */
        }
      }
    }
  };
  walk(dir, depth);
  return out.sort();
}

/** What the actions could leave behind. Directories other programs use are filtered to fts-eg names. */
function snapshot() {
  const mine = (p: string) => p.includes("fts-eg");
  const procs: string[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmd.includes("fts-eg-") && !cmd.includes("vitest")) procs.push(`${pid} ${cmd}`);
    } catch {
      /* exited */
    }
  }
  const docker = existsSync("/var/run/docker.sock")
    ? spawnSync("docker", ["ps", "-a", "--filter", "name=fts-eg-", "--format", "{{.Names}}"], { encoding: "utf8", timeout: 20_000 }).stdout?.trim() ?? ""
    : "";
  const shadow = statSync("/etc/shadow", { throwIfNoEntry: false });
  return {
    etc: tree("/etc"),
    // The sensitive file the actions name (symlink, hard link, reads via a bind mount) is never changed or linked.
    shadow: shadow ? { ino: shadow.ino, nlink: shadow.nlink, size: shadow.size, mtimeMs: shadow.mtimeMs, ctimeMs: shadow.ctimeMs } : null,
    tmp: tree("/tmp", 0).filter(mine),
    varlog: tree("/var/log", 0).filter(mine),
    devshm: tree("/dev/shm", 0).filter(mine),
    bin: [...tree("/usr/local/bin", 0), ...tree("/usr/bin", 0)].filter(mine),
    procs,
    docker,
  };
}

describe("event-generator list", () => {
  const r = cli(["event-generator", "list"]);
  const lines = r.stdout.trimEnd().split("\n");

  it("prints name<TAB>target rule<TAB>needs and exits 0", () => {
    expect(r.status).toBe(0);
    expect(lines.length).toBeGreaterThan(30);
    for (const l of lines) {
      const cols = l.split("\t");
      expect(cols, l).toHaveLength(3);
      expect(cols[0], l).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(cols[1]!.length, l).toBeGreaterThan(0);
      expect(["root", "docker", "-"], l).toContain(cols[2]);
    }
    expect(lines).toEqual(listLines());
  });

  it("--describe adds safe|unsafe and a description", () => {
    const d = cli(["event-generator", "list", "--describe"]);
    expect(d.status).toBe(0);
    const rows = d.stdout.trimEnd().split("\n").map((l) => l.split("\t"));
    expect(rows.map((c) => c.slice(0, 3).join("\t"))).toEqual(lines);
    for (const c of rows) {
      expect(["safe", "unsafe"]).toContain(c[3]);
      expect(c[4]!.length).toBeGreaterThan(5);
      expect(c[3]).toBe(ACTIONS.find((a) => a.name === c[0])!.safe ? "safe" : "unsafe");
    }
  });

  it("names actions after their rule in CamelCase", () => {
    for (const a of ACTIONS) {
      const camel = (s: string) => s.replace(/[^A-Za-z0-9]+/g, " ").trim().split(" ").map((w) => w[0]!.toUpperCase() + w.slice(1)).join("").toLowerCase();
      expect(a.targets.some((t) => a.name.toLowerCase().startsWith(camel(t.rule))), a.name).toBe(true);
    }
    expect(new Set(ACTIONS.map((a) => a.name)).size).toBe(ACTIONS.length);
  });

  it("covers every bundled rule, the seed scenarios and every upstream stable rule", () => {
    const targets = new Set(lines.map((l) => l.split("\t")[1]));
    const bundled = [...ruleNames(join(REPO, "rules/falco_rules.yaml")), ...ruleNames(join(REPO, "rules/seed_examples.yaml"))];
    const upstream = ruleNames(join(SHARED, "rules/falco_rules.yaml"));
    expect(upstream).toHaveLength(25);
    for (const r of [...bundled, ...upstream, "Terminal shell in container", "Shell_Entered_Container", "Unexpected_Process_In_Nginx", "Write_Outside_Userdata", "Sensitive_Mount"]) {
      expect(targets.has(r), r).toBe(true);
    }
  });
});

describe("event-generator selection", () => {
  it("matches names with a case-insensitive regex", () => {
    expect(selectActions("^writebelowetc$").map((a) => a.name)).toEqual(["WriteBelowEtc"]);
    expect(selectActions("ptrace").map((a) => a.name).sort()).toEqual(["PtraceAntiDebugAttempt", "PtraceAttachedToProcess"]);
    expect(selectActions("no-such-action")).toEqual([]);
    // The spaced form of the name matches too.
    expect(selectActions("read sensitive").map((a) => a.name).sort()).toEqual(["ReadSensitiveFileTrustedAfterStartup", "ReadSensitiveFileUntrusted"]);
    expect(selectActions("^disallowed ssh connection").map((a) => a.name)).toEqual(["DisallowedSSHConnectionNonStandardPort"]);
  });

  it("selects only the safe actions without a regex, all with --all", () => {
    const safe = selectActions(undefined);
    expect(safe.length).toBeGreaterThan(20);
    expect(safe.every((a) => a.safe)).toBe(true);
    expect(safe.some((a) => a.name === "LinuxKernelModuleInjectionDetected")).toBe(false);
    expect(selectActions(undefined, { all: true })).toHaveLength(ACTIONS.length);
  });

  it("rejects a bad regex and a regex that matches nothing with exit 1", () => {
    const bad = cli(["event-generator", "run", "("]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/event-generator run: .*regular expression/i);
    const none = cli(["event-generator", "run", "^nothing-matches$"]);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/no action matches/);
  });

  it("parses durations", () => {
    expect(parseDuration("100ms")).toBe(100);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("250")).toBe(250);
    expect(() => parseDuration("soon")).toThrow(/invalid duration/);
  });

  it("reads the enabled rules of the loaded files", () => {
    const m = loadedRules([
      { name: "a.yaml", content: "- rule: A\n  condition: evt.type=open\n  output: x\n  priority: INFO\n  desc: d\n- rule: B\n  condition: evt.type=close\n  output: x\n  priority: INFO\n  desc: d\n  enabled: false\n" },
      { name: "b.yaml", content: "- rule: A\n  condition: and proc.name=cat\n  append: true\n- rule: B\n  enabled: true\n- rule: C\n  condition: evt.type=x\n  output: x\n  priority: INFO\n  desc: d\n  enabled: false\n" },
    ]);
    expect([...m.keys()].sort()).toEqual(["A", "B"]);
    expect(m.get("A")).toBe("evt.type=open and proc.name=cat");
  });
});

describe("event-generator run cleans up", () => {
  it("leaves files, processes and containers as they were (run --all)", () => {
    const before = snapshot();
    const r = cli(["event-generator", "run", "--all", "--sleep", "0ms"], 170_000);
    const after = snapshot();
    // Every action ran (or was skipped with a reason); none failed.
    expect(r.stderr, r.stderr).not.toMatch(/FAILED/);
    expect(r.status, r.stderr).toBe(0);
    for (const a of ACTIONS) expect(r.stderr).toMatch(new RegExp(`^${a.name}: (ok|skipped: )`, "m"));
    expect(after).toEqual(before);
  }, 180_000);
});
