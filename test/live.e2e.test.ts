/**
 * End-to-end, real kernel, real probe: `falco-ts --rules rules/ -o json_output=true` alerts within
 * 1 s for the seed's Write_Outside_Userdata and Sensitive_Mount and for the exec of a program a
 * test rule names; and never for the agent's own log-file writes (issue 2's definition of done).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentCommand, REPO, startAgent, type AgentHandle } from "./helpers/agent.ts";

let agent: AgentHandle;
let dir: string;
let logFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fts-e2e-"));
  logFile = join(dir, "agent_events.log");
  agent = await startAgent([
    "-r", join(REPO, "rules"),
    "-r", join(REPO, "test/fixtures/e2e_exec_rule.yaml"),
    "-o", "json_output=true",
    "-o", "file_output.enabled=true",
    "-o", `file_output.filename=${logFile}`,
    "-o", "rule_matching=all",
  ]);
}, 60_000);

afterAll(async () => {
  const code = await agent?.stop();
  spawnSync("umount", [join(dir, "procmnt")]);
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

describe("live pipeline (real probe)", () => {
  it("alerts within 1 s on a write outside /userdata (seed rule Write_Outside_Userdata)", async () => {
    const target = join(dir, "written.txt");
    const t0 = Date.now();
    execFileSync("/bin/sh", ["-c", `echo hello > '${target}'`]);
    const a = await agent.waitFor((x) => x.rule === "Write_Outside_Userdata" && x.output_fields["fd.name"] === target, 1000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(a.priority).toBe("Warning");
    expect(a.output_fields["proc.name"]).toBe("sh");
    expect(a.output).toContain(`Write to non‑userdata path ${target} by sh`);
  });

  it("does not alert on a write below /userdata", async () => {
    mkdirSync("/userdata", { recursive: true });
    const target = `/userdata/fts-e2e-${process.pid}.txt`;
    execFileSync("/bin/sh", ["-c", `echo ok > '${target}'`]);
    const other = join(dir, "after-userdata.txt");
    execFileSync("/bin/sh", ["-c", `echo ok > '${other}'`]);
    await agent.waitFor((x) => x.rule === "Write_Outside_Userdata" && x.output_fields["fd.name"] === other, 1000);
    rmSync(target, { force: true });
    expect(agent.alerts.some((x) => x.rule === "Write_Outside_Userdata" && x.output_fields["fd.name"] === target)).toBe(false);
  });

  it("alerts within 1 s on a bind mount of /proc (seed rule Sensitive_Mount)", async () => {
    const mnt = join(dir, "procmnt");
    mkdirSync(mnt, { recursive: true });
    const t0 = Date.now();
    execFileSync("mount", ["--bind", "/proc", mnt]);
    const a = await agent.waitFor((x) => x.rule === "Sensitive_Mount", 1000);
    expect(Date.now() - t0).toBeLessThan(1000);
    execFileSync("umount", [mnt]);
    expect(a.priority).toBe("Critical");
    expect(a.output_fields["evt.arg.source"]).toBe("/proc");
    expect(a.output).toMatch(/^\d\d:\d\d:\d\d\.\d{9}: Critical Sensitive mount \/proc in container host$/);
  });

  it("alerts within 1 s on the exec of a program a rule names (spawned_process)", async () => {
    const marker = join(dir, "fts_e2e_marker");
    copyFileSync("/bin/true", marker);
    execFileSync("chmod", ["755", marker]);
    const t0 = Date.now();
    const child = spawnSync(marker, []);
    expect(child.status).toBe(0);
    const a = await agent.waitFor((x) => x.rule === "E2E marker program executed", 1000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(a.output_fields["proc.name"]).toBe("fts_e2e_marker");
    expect(a.output_fields["proc.exepath"]).toBe(marker);
    expect(a.output_fields["proc.pid"]).toBe(child.pid);
  });

  it("tracks a socket no rule names (Falco's default state set): connect has the fd's type and tuple", async () => {
    const server = createServer((c) => c.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const conn = join(dir, "fts_e2e_conn");
    copyFileSync(realpathSync("/usr/bin/python3"), conn);
    execFileSync("chmod", ["755", conn]);
    const child = spawn(conn, ["-c", `import socket; s=socket.socket(); s.connect(("127.0.0.1", ${port})); s.close()`]);
    const exited = new Promise((r) => child.on("exit", r));
    const a = await agent.waitFor((x) => x.rule === "E2E marker connect" && x.output_fields["fd.sport"] === port, 3000);
    await exited;
    server.close();
    expect(a.output_fields["fd.typechar"]).toBe("4");
    expect(a.output_fields["fd.sip"]).toBe("127.0.0.1");
    expect(a.output_fields["fd.l4proto"]).toBe("tcp");
    expect(a.output_fields["fd.name"]).toMatch(new RegExp(`^127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}$`));
  });

  it("SIGUSR1 and SIGHUP right after start (before the agent's handlers exist) do not kill it", async () => {
    const [cmd, ...pre] = agentCommand();
    const p = spawn(cmd!, [...pre, "-r", join(REPO, "rules"), "-o", "syslog_output.enabled=false", "-o", "stdout_output.enabled=false"], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    let signalled = false;
    // "loaded N rules" is logged before the probe is opened and the agent's handlers installed.
    p.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
      if (!signalled && /loaded \d+ rules/.test(err)) {
        signalled = true;
        p.kill("SIGUSR1");
        p.kill("SIGHUP");
      }
    });
    const exited = new Promise<number | null>((r) => p.on("exit", (code) => r(code)));
    for (let i = 0; i < 100 && !signalled; i++) await new Promise((r) => setTimeout(r, 50));
    expect(signalled, err).toBe(true);
    const early = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
    expect(early, err).toBe(false);
    p.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(err).toMatch(/stopped: \d+ events processed/);
  });

  it("never alerts on the agent's own log-file writes", async () => {
    // By now the agent has written several alerts to its log file; none may be about that file.
    const text = readFileSync(logFile, "utf8");
    expect(text.split("\n").filter(Boolean).length).toBeGreaterThan(0);
    writeFileSync(join(dir, "flush.txt"), "x");
    await new Promise((r) => setTimeout(r, 500));
    expect(agent.alerts.filter((x) => x.output_fields["fd.name"] === logFile)).toEqual([]);
    expect(agent.alerts.filter((x) => x.output_fields["proc.pid"] === agent.proc.pid)).toEqual([]);
  });
});
