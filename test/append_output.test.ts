/**
 * Falco's `append_output` config: extra output text and extra output fields added to the rules
 * a match selects (falco.yaml reference), checked through the CLI on a replayed capture.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentCommand, REPO, SHARED } from "./helpers/agent.ts";

function replay(config: string): { alerts: Record<string, any>[]; stderr: string; code: number | null } {
  const dir = mkdtempSync(join(tmpdir(), "fts-append-"));
  try {
    const cfg = join(dir, "falco.yaml");
    writeFileSync(cfg, config);
    const [cmd, ...pre] = agentCommand();
    const r = spawnSync(cmd!, [...pre, "-c", cfg, "-e", join(SHARED, "captures/falco/trace_files/cat_write.scap"),
      "-r", join(SHARED, "conformance/testing_rules/falco__SingleRule.yaml"), "-o", "json_output=true", "-o", "syslog_output.enabled=false"], { cwd: REPO, encoding: "utf8" });
    const alerts = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    return { alerts, stderr: r.stderr, code: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("append_output", () => {
  it("adds extra text and fields to the selected rules", () => {
    const r = replay(`
append_output:
  - match:
      rule: open_from_cat
    extra_output: "extra=%proc.pid"
    extra_fields:
      - proc.name
      - shown: "cmd %proc.cmdline"
`);
    expect(r.code).toBe(0);
    const a = r.alerts.filter((x) => x.rule === "open_from_cat");
    expect(a.length).toBeGreaterThan(0);
    for (const x of a) {
      expect(x.output).toMatch(/ extra=\d+$/);
      expect(x.output_fields["proc.name"]).toBe("cat");
      expect(x.output_fields["shown"]).toBe("cmd cat /dev/null");
    }
  });

  it("leaves rules the match does not select alone", () => {
    const r = replay(`
append_output:
  - match:
      rule: some_other_rule
    extra_output: "extra=%proc.pid"
`);
    const a = r.alerts.filter((x) => x.rule === "open_from_cat");
    expect(a.length).toBeGreaterThan(0);
    for (const x of a) expect(x.output).not.toContain("extra=");
  });
});
