/**
 * Recording (`--capture-file OUT.scap`, issue 10): a live agent writes a scap 1.2 file that our
 * own replay (-e) and Debian's `sysdig -r` (libsinsp 0.29) read back with the same process
 * names, file names and syscall arguments. Real probe.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentCommand, REPO, startAgent } from "./helpers/agent.ts";

let dir: string;
let scap: string;
let catPid = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fts-record-"));
  scap = join(dir, "live.scap");
  // a host process with a 25 KiB command line (CI's own harness had one): the recorded process
  // list must still be readable by libscap, which refuses args above SCAP_MAX_ARGS_SIZE
  const longArgs = spawn("/bin/sh", ["-c", "sleep 20", "sh", "y".repeat(25_000)], { stdio: "ignore" });
  const agent = await startAgent(["-r", join(REPO, "rules/falco_rules.yaml"), "--capture-file", scap, "-o", "syslog_output.enabled=false"]);
  const r = spawnSync("/bin/cat", ["/etc/hostname"]);
  catPid = r.pid!;
  await new Promise((res) => setTimeout(res, 700));
  expect(await agent.stop()).toBe(0);
  longArgs.kill();
  expect(agent.stderr.some((l) => /recorded \d+ events to/.test(l))).toBe(true);
}, 60_000);

afterAll(() => { if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true }); });

describe("--capture-file", () => {
  it("replays through falco-ts with the same process and file names", () => {
    const [cmd, ...pre] = agentCommand();
    const r = spawnSync(cmd!, [...pre, "-e", scap, "-r", join(REPO, "test/fixtures/record_rules.yaml"), "-o", "json_output=true", "-o", "syslog_output.enabled=false"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const alerts = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    const mine = alerts.filter((a) => a.output_fields["proc.pid"] === catPid);
    expect(mine.length).toBe(1);
    expect(mine[0].output_fields["fd.name"]).toBe("/etc/hostname");
    expect(mine[0].output_fields["proc.cmdline"]).toBe("cat /etc/hostname");
  });

  it("is read by Debian's sysdig -r with process names, file names and arguments", () => {
    if (!existsSync("/usr/bin/sysdig")) {
      const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
      const install = () => spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "sysdig"], { stdio: "ignore", env }).status;
      if (install() !== 0) {
        execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", env });
        expect(install()).toBe(0);
      }
    }
    const out = execFileSync("sysdig", ["-r", scap, `proc.pid=${catPid}`], { encoding: "utf8", maxBuffer: 64 << 20 });
    expect(out).toMatch(new RegExp(`cat \\(${catPid}\\) < execve res=0 exe=/bin/cat args=/etc/hostname`));
    expect(out).toMatch(/< openat fd=3\(<f>\/etc\/hostname\) dirfd=-100\(AT_FDCWD\) name=\/etc\/hostname flags=1\(O_RDONLY\)/);
  });
});
