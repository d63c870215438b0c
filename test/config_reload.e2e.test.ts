/**
 * Config file hot reload, real probe: the agent watches its -c file (Falco watch_config_files).
 * A valid edit of `priority` or `rules_files` applies at once with the rules; other changed keys
 * are named as waiting for a restart; an invalid config is reported with file:line:col as Falco's
 * "hot restart failure" internal alert and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAgent, type AgentHandle } from "./helpers/agent.ts";

let agent: AgentHandle;
let dir: string;
let cfg: string;

const rule = (name: string, prog: string, prio: string) => `
- rule: ${name}
  desc: exec of ${prog}
  condition: evt.type in (execve, execveat) and proc.name = ${prog}
  output: "${name} ran (proc.pid=%proc.pid)"
  priority: ${prio}
`;
const config = (rulesFile: string, priority: string, extra = "") =>
  `rules_files: [${rulesFile}]\npriority: ${priority}\njson_output: true\nstdout_output:\n  enabled: true\nsyslog_output:\n  enabled: false\n${extra}`;

function runAs(name: string): number {
  const p = join(dir, name);
  execFileSync("cp", ["/bin/true", p]);
  return Number(execFileSync("/bin/sh", ["-c", `'${p}' & echo $!; wait`]).toString().trim());
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fts-cfgreload-"));
  cfg = join(dir, "falco.yaml");
  writeFileSync(join(dir, "a.yaml"), rule("cfg marker warn", "fts_cfg_w", "WARNING") + rule("cfg marker crit", "fts_cfg_c", "CRITICAL"));
  writeFileSync(join(dir, "b.yaml"), rule("cfg marker other", "fts_cfg_o", "WARNING"));
  writeFileSync(cfg, config(join(dir, "a.yaml"), "debug"));
  agent = await startAgent(["-c", cfg]);
}, 60_000);

afterAll(async () => {
  const code = await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

describe("config file hot reload (real probe)", () => {
  it("priority raised in the config applies at once: a Warning rule stops, a Critical one keeps firing", async () => {
    const p1 = runAs("fts_cfg_w");
    await agent.waitFor((a) => a.rule === "cfg marker warn" && a.output.includes(`proc.pid=${p1}`), 3000);
    const n0 = agent.alerts.filter((a) => a.rule === "Falco internal: rules reloaded").length;
    writeFileSync(cfg, config(join(dir, "a.yaml"), "critical"));
    await agent.waitFor(() => agent.alerts.filter((a) => a.rule === "Falco internal: rules reloaded").length > n0, 3000);
    const p2 = runAs("fts_cfg_w");
    const p3 = runAs("fts_cfg_c");
    await agent.waitFor((a) => a.rule === "cfg marker crit" && a.output.includes(`proc.pid=${p3}`), 3000);
    expect(agent.alerts.some((a) => a.rule === "cfg marker warn" && a.output.includes(`proc.pid=${p2}`))).toBe(false);
  });

  it("an invalid config is a hot restart failure with file:line:col, and the running rules stay", async () => {
    writeFileSync(cfg, "priority: [broken\n");
    const f = await agent.waitFor((a) => a.rule === "Falco internal: hot restart failure" && a.output.includes("invalid configuration"), 3000);
    expect(f.output).toMatch(new RegExp(`${cfg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: error`));
    expect(f.priority).toBe("Critical");
    const p = runAs("fts_cfg_c");
    await agent.waitFor((a) => a.rule === "cfg marker crit" && a.output.includes(`proc.pid=${p}`), 3000);
  });

  it("rules_files changed in the config loads the new files; a key that needs a restart is named", async () => {
    const n0 = agent.alerts.filter((a) => a.rule === "Falco internal: rules reloaded").length;
    writeFileSync(cfg, config(join(dir, "b.yaml"), "debug", "outputs_queue:\n  capacity: 5000\n"));
    const r = await agent.waitFor((a) => a.rule === "Falco internal: rules reloaded" && agent.alerts.filter((x) => x.rule === "Falco internal: rules reloaded").length > n0, 3000);
    expect(r.output).toContain("waiting for a restart: outputs_queue");
    await agent.waitForLog(/configuration changed .*outputs_queue take effect after a restart/, 1000);
    const p = runAs("fts_cfg_o");
    await agent.waitFor((a) => a.rule === "cfg marker other" && a.output.includes(`proc.pid=${p}`), 3000);
    const q = runAs("fts_cfg_c");
    const later = runAs("fts_cfg_o");
    await agent.waitFor((a) => a.rule === "cfg marker other" && a.output.includes(`proc.pid=${later}`), 3000);
    expect(agent.alerts.some((a) => a.rule === "cfg marker crit" && a.output.includes(`proc.pid=${q}`))).toBe(false);
  });

  it("a config edit whose new rules file is broken changes nothing (not even priority); fixing that file applies the edit", async () => {
    const broken = join(dir, "c.yaml");
    writeFileSync(broken, "- rule: cfg broken\n  desc: d\n  condition: evt.type = = open\n  output: x\n  priority: WARNING\n");
    const f0 = agent.alerts.filter((a) => a.rule === "Falco internal: hot restart failure").length;
    writeFileSync(cfg, config(broken, "critical"));
    await agent.waitFor(() => agent.alerts.filter((a) => a.rule === "Falco internal: hot restart failure").length > f0, 3000);
    // still b.yaml's Warning rule, still priority debug
    const p = runAs("fts_cfg_o");
    await agent.waitFor((a) => a.rule === "cfg marker other" && a.output.includes(`proc.pid=${p}`), 3000);
    // the new file is watched: fixing it completes the configuration change
    const n0 = agent.alerts.filter((a) => a.rule === "Falco internal: rules reloaded").length;
    writeFileSync(broken, rule("cfg marker fixed", "fts_cfg_f", "WARNING") + rule("cfg marker fixed crit", "fts_cfg_fc", "CRITICAL"));
    await agent.waitFor(() => agent.alerts.filter((a) => a.rule === "Falco internal: rules reloaded").length > n0, 3000);
    const w = runAs("fts_cfg_f");
    const c = runAs("fts_cfg_fc");
    await agent.waitFor((a) => a.rule === "cfg marker fixed crit" && a.output.includes(`proc.pid=${c}`), 3000);
    expect(agent.alerts.some((a) => a.rule === "cfg marker fixed" && a.output.includes(`proc.pid=${w}`))).toBe(false);
  });
});
