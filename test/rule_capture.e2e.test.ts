/**
 * Falco's per-rule capture (`capture: true` / `capture_duration` in a rule, the `capture` config
 * block): when the rule fires, the agent records the triggering event and the following ones to
 * `<path_prefix>_<ts>_<evt.num>.scap`, which replays through the same rules. Real probe.
 */
import { afterAll, describe, expect, it } from "vitest";
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentCommand, REPO, startAgent } from "./helpers/agent.ts";

const dir = mkdtempSync(join(tmpdir(), "fts-rulecap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("rule-triggered capture", () => {
  it("records from the triggering event for capture_duration, and the file replays", async () => {
    const agent = await startAgent(["-r", join(REPO, "test/fixtures/capture_rule.yaml"), "-o", "json_output=true", "-o", "syslog_output.enabled=false",
      "-o", "capture.enabled=true", "-o", `capture.path_prefix=${join(dir, "cap")}`, "-o", "capture.mode=rules"]);
    const marker = join(dir, "fts_cap_marker");
    copyFileSync("/bin/true", marker);
    spawnSync("chmod", ["755", marker]);
    const before = spawnSync("/bin/cat", ["/etc/hostname"]).pid; // before the trigger: not recorded
    const trig = spawnSync(marker, []).pid!;
    await agent.waitFor((a) => a.rule === "capture marker executed" && a.output_fields["proc.pid"] === trig, 2000);
    const after = spawnSync("/bin/cat", ["/etc/hostname"]).pid!; // within the duration: recorded
    await new Promise((r) => setTimeout(r, 3500)); // duration 1.5 s + the agent's 1 s grace
    expect(await agent.stop()).toBe(0);
    expect(agent.stderr.some((l) => /capture finished: .*cap_\d+_\d+\.scap/.test(l))).toBe(true);
    const files = readdirSync(dir).filter((f) => /^cap_\d+_\d+\.scap$/.test(f));
    expect(files.length).toBe(1);
    // Replay the capture: the trigger and the later cat are in it, the earlier cat is not.
    const [cmd, ...pre] = agentCommand();
    const rules = join(dir, "replay_rules.yaml");
    await Bun.write(rules, `
- rule: any exec
  desc: test
  condition: evt.type in (execve, execveat)
  output: "exec %proc.name (pid=%proc.pid)"
  priority: WARNING
`);
    const r = spawnSync(cmd!, [...pre, "-e", join(dir, files[0]!), "-r", rules, "-o", "json_output=true", "-o", "syslog_output.enabled=false"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const pids = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l).output_fields["proc.pid"]);
    expect(pids).toContain(trig);
    expect(pids).toContain(after);
    expect(pids).not.toContain(before);
  }, 60_000);
});
