/**
 * syscall_event_drops (src/cli/drops.ts): Falco's configuration checks and wording
 * (falcosecurity/falco userspace/falco/configuration.cpp), its drop manager
 * (event_drops.cpp) and libsinsp's token bucket, plus the CLI replay with confs/drops_alert.yaml
 * (falcosecurity/testing legacy_test.go TestFalco_Legacy_MonitorSyscallDropsAlert, which is not in
 * testing_capture_cases.json).
 */
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { DropManager, leveledLog, TokenBucket, validateDropSettings, type DropSettings, type DropStats } from "../src/cli/drops.ts";
import type { Alert } from "../src/outputs/alert.ts";
import { agentCommand, REPO, SHARED } from "./helpers/agent.ts";

const base = { actions: ["log", "alert"], threshold: 0.1, rate: 0.03333, max_burst: 1, simulate_drops: false };
const S = 1_000_000_000n;

describe("validateDropSettings", () => {
  test("accepts Falco's defaults and maps an empty list to ignore", () => {
    const s = validateDropSettings(base, "f.yaml");
    expect([...s.actions]).toEqual(["log", "alert"]);
    expect(s.threshold).toBe(0.1);
    expect([...validateDropSettings({ ...base, actions: [] }, "f.yaml").actions]).toEqual(["ignore"]);
  });
  test("rejects log/alert after ignore, unknown actions and a threshold outside [0, 1] with Falco's messages", () => {
    expect(() => validateDropSettings({ ...base, actions: ["ignore", "log"] }, "f.yaml")).toThrow(
      'Error reading config file (f.yaml): syscall event drop action "log" does not make sense with the "ignore" action',
    );
    expect(() => validateDropSettings({ ...base, actions: ["ignore", "alert"] }, "f.yaml")).toThrow('syscall event drop action "alert" does not make sense');
    // as in Falco, the order matters: "ignore" after "log" is accepted
    expect(() => validateDropSettings({ ...base, actions: ["log", "ignore"] }, "f.yaml")).not.toThrow();
    expect(() => validateDropSettings({ ...base, actions: ["page"] }, "f.yaml")).toThrow('available actions for syscall event drops are "ignore", "log", "alert", and "exit"');
    for (const t of [-1, 1.1]) expect(() => validateDropSettings({ ...base, threshold: t }, "f.yaml")).toThrow("syscall event drops threshold must be a double in the range [0, 1]");
    for (const t of [0, 1]) expect(() => validateDropSettings({ ...base, threshold: t }, "f.yaml")).not.toThrow();
  });
});

describe("TokenBucket", () => {
  test("starts full, refills at the rate, caps at the maximum", () => {
    const b = new TokenBucket(1, 2, 0n);
    expect(b.claim(1, 0n)).toBe(true);
    expect(b.claim(1, 0n)).toBe(true);
    expect(b.claim(1, 0n)).toBe(false);
    expect(b.claim(1, S / 2n)).toBe(false); // 0.5 token
    expect(b.claim(1, S)).toBe(true); // 1 token
    expect(b.claim(1, 100n * S)).toBe(true); // capped at 2
    expect(b.claim(1, 100n * S)).toBe(true);
    expect(b.claim(1, 100n * S)).toBe(false);
  });
  test("a time before the last claim wraps around as an unsigned 64-bit difference (refills)", () => {
    const b = new TokenBucket(0.03333, 1, 2000n * S);
    expect(b.claim(1, 1000n * S)).toBe(true);
    expect(b.claim(1, 1000n * S)).toBe(false);
    expect(b.claim(1, 999n * S)).toBe(true);
  });
});

function manager(settings: Partial<DropSettings>, stats: () => DropStats = () => ({ nEvts: 0, nDrops: 0 })) {
  const logs: string[] = [];
  const alerts: Alert[] = [];
  const s: DropSettings = { actions: new Set(["log"]), threshold: 0.1, rate: 1, maxBurst: 10, simulateDrops: false, ...settings };
  const m = new DropManager({
    settings: s,
    stats,
    log: leveledLog("debug", (x) => logs.push(x)),
    emit: (a) => alerts.push(a),
    hostname: "h",
    bpfEnabled: false,
    now: 0n,
  });
  return { m, logs, alerts };
}

describe("DropManager", () => {
  test("checks once per second of event time, the first one second after the first event", () => {
    const { m } = manager({ simulateDrops: true, actions: new Set(["ignore"]) });
    const t0 = 1000n * S;
    for (const dt of [0n, S, S + 1n, S + 2n, 2n * S + 1n, 2n * S + 2n]) expect(m.processEvent(t0 + dt)).toBe(true);
    expect(m.occurrences).toBe(2); // at t0+1s+1 and t0+2s+2
    expect(m.actionsTaken).toBe(2);
    expect(m.statsText()).toBe("Syscall event drop monitoring:\n   - event drop detected: 2 occurrences\n   - num times actions taken: 2\n");
  });

  test("real drops count only above the threshold ratio", () => {
    let st = { nEvts: 0, nDrops: 0 };
    const { m } = manager({ threshold: 0.1, actions: new Set(["ignore"]) }, () => st);
    m.processEvent(1n);
    st = { nEvts: 100, nDrops: 10 }; // 10% is not above 10%
    m.processEvent(2n * S);
    expect(m.occurrences).toBe(0);
    st = { nEvts: 200, nDrops: 21 }; // 11%
    m.processEvent(4n * S);
    expect(m.occurrences).toBe(1);
  });

  test("log, alert and exit actions; the token bucket limits actions but not occurrences", () => {
    const { m, logs, alerts } = manager({ simulateDrops: true, actions: new Set(["log", "alert"]), rate: 0, maxBurst: 1 });
    m.processEvent(1n);
    m.processEvent(2n * S);
    m.processEvent(4n * S);
    expect(m.occurrences).toBe(2);
    expect(m.actionsTaken).toBe(1);
    expect(logs).toContain("Falco internal: syscall event drop. 1 system calls dropped in last second.");
    expect(logs).toContain("Syscall event drop but token bucket depleted, skipping actions");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.rule).toBe("Falco internal: syscall event drop");
    expect(alerts[0]!.source).toBe("internal");
    expect(alerts[0]!.time).toBe(2n * S);
    expect(alerts[0]!.outputFields.get("n_drops")).toBe("1");
    expect(alerts[0]!.outputFields.get("ebpf_enabled")).toBe("0");

    const ex = manager({ simulateDrops: true, actions: new Set(["exit"]) });
    ex.m.processEvent(1n);
    expect(ex.m.processEvent(2n * S)).toBe(false);
    expect(ex.logs.slice(-2)).toEqual(["Falco internal: syscall event drop. 1 system calls dropped in last second.", "Exiting."]);
  });

  test("log levels: debug lines need log_level debug", () => {
    const out: string[] = [];
    const l = leveledLog("info", (x) => out.push(x));
    l("debug", "d");
    l("info", "i");
    l("critical", "c");
    expect(out).toEqual(["i", "c"]);
  });
});

describe("replay with confs/drops_alert.yaml (TestFalco_Legacy_MonitorSyscallDropsAlert)", () => {
  test("9 occurrences, 9 actions, the internal alert on stdout and not on stderr, exit 0", () => {
    const [cmd, ...pre] = agentCommand();
    const r = spawnSync(
      cmd!,
      [...pre, "-c", join(SHARED, "captures/falco/confs/drops_alert.yaml"), "-e", join(SHARED, "captures/falco/trace_files/ping_sendto.scap"), "-r", join(SHARED, "conformance/testing_rules/falco__SingleRule.yaml"), "-o", "syslog_output.enabled=false"],
      { cwd: REPO, encoding: "utf8", timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/event drop detected: 9 occurrences/);
    expect(r.stderr).toMatch(/num times actions taken: 9/);
    expect(r.stderr).not.toMatch(/Falco internal: syscall event drop/);
    expect(r.stdout).toMatch(/Falco internal: syscall event drop/);
    expect(r.stdout.trim().split("\n")).toHaveLength(9);
  });
});
