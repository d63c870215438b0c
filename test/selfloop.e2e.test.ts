/**
 * The agent never alerts on its own writes and never loops on its own events: its log file
 * (excluded in the kernel: the agent's thread group) and the processes its program output starts
 * (matches from them and their descendants are dropped), with the seed's noisy
 * Write_Outside_Userdata rule loaded, which matches every write-open.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, startAgent, type AgentHandle } from "./helpers/agent.ts";

let agent: AgentHandle;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fts-selfloop-"));
  agent = await startAgent([
    "-r", join(REPO, "rules"),
    "-o", "rule_matching=all",
    "-o", "json_output=true",
    "-o", "file_output.enabled=true",
    "-o", `file_output.filename=${join(dir, "events.log")}`,
    "-o", "program_output.enabled=true",
    "-o", "program_output.keep_alive=false",
    "-o", `program_output.program=cat >> ${join(dir, "program.log")}`,
    "-o", "syslog_output.enabled=false",
  ]);
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("no self-alerts, no loops", () => {
  it("alerts once for a user write and not for the outputs it triggers", async () => {
    const target = join(dir, "user-write.txt");
    execFileSync("/bin/sh", ["-c", `echo x > '${target}'`]);
    await agent.waitFor((a) => a.rule === "Write_Outside_Userdata" && a.output_fields["fd.name"] === target, 2000);
    // Give a loop time to show itself: each alert spawns `sh -c "cat >> program.log"`.
    await new Promise((r) => setTimeout(r, 2000));
    const mine = agent.alerts.filter((a) => String(a.output_fields["fd.name"] ?? "").startsWith(dir));
    expect(mine.filter((a) => a.output_fields["fd.name"] === join(dir, "program.log"))).toEqual([]);
    expect(mine.filter((a) => a.output_fields["fd.name"] === join(dir, "events.log"))).toEqual([]);
    expect(mine.filter((a) => a.output_fields["fd.name"] === target).length).toBe(1);
    // The program output did run: the alert reached it.
    expect(readFileSync(join(dir, "program.log"), "utf8")).toContain(target);
  });
});
