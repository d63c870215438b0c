/**
 * Hot-reload latency of the live agent (issue 6), one agent for every repetition:
 * `bun src/cli/main.ts -r DIR -o json_output=true` (real eBPF probe, as root) on a temp rules
 * directory holding a copy of RULES plus a small marker rules file.
 *
 * Phase 1, "end of debounce → new rules active (stable ruleset)": rewrite the marker rules file N
 * times (each time its one rule changes) and read the agent's own reload time, the `in X ms` of its
 * `rules reloaded (file change): ...` log line (src/cli/agent.ts reload: rules read, loaded,
 * compiled, diffed and swapped in; the watcher's 100 ms debounce is before it). Also recorded, for
 * information: the time from the write to the arrival of that log line (debounce + reload).
 *
 * Phase 2, "file write → first alert of a new rule": N times, copy /bin/true to a uniquely named
 * marker program fts_rl_<i>, write a new rules file with a rule matching the exec of that program,
 * then exec the marker every 5 ms until the rule's alert arrives on the agent's stdout. Latency =
 * arrival of the first alert − time just before the write. After the alert the file is removed again
 * (one more reload, waited for), so each repetition starts from the same ruleset: the loader compiles
 * the whole collection after each file it loads, so files left behind would make later reloads slower.
 *
 * Usage: bun bench/reload_live.ts RULES [N=12]   (as root)
 * Prints one JSON line on stdout: {"rules": rules after phase 1, "reload_ms": [...], "write_to_log_ms": [...],
 * "alert_ms": [...], "alert_reload_ms": [...] (the agent's reload time in phase 2), "reload_to_alert_ms": [...]
 * (arrival of the reload log line → arrival of the alert), "execs": [...] (markers run before the alert),
 * "seconds": whole script}. A reload can come before the 100 ms debounce ends: the watcher's 1 s
 * fingerprint poll (src/reload/watcher.ts) may see the new file first. Exit 3 if the agent did not start (e.g. the probe load
 * failed with EAGAIN while another probe loaded: retry). The whole script is bounded (TOTAL_S below);
 * the agent is stopped and the temp directory removed on every exit path.
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

const rulesArg = process.argv[2];
const n = Number(process.argv[3] ?? 12);
if (!rulesArg || !Number.isInteger(n) || n < 1) {
  process.stderr.write("usage: bun bench/reload_live.ts RULES [N>=1]\n");
  process.exit(2);
}
const ROOT = resolve(import.meta.dir, "..");
const BUN = process.execPath;
const TOTAL_S = 110; // hard bound of the whole script
const START_S = 45; // agent start-up (probe load, /proc scan) on a loaded machine
const STEP_S = 10; // one reload or one alert
const EXEC_EVERY_MS = 5;
const T0 = performance.now();

const log = (s: string) => process.stderr.write(`reload_live: ${s}\n`);
const tmp = mkdtempSync(join(tmpdir(), "fts_rl_"));
const rulesDir = join(tmp, "rules");
const binDir = join(tmp, "bin");
let agent: Subprocess<"ignore", "pipe", "pipe"> | null = null;
let cleaned = false;

async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  if (agent && agent.exitCode === null && agent.signalCode === null) {
    agent.kill("SIGINT");
    const t = setTimeout(() => agent?.kill("SIGKILL"), 5000);
    await agent.exited;
    clearTimeout(t);
  }
  rmSync(tmp, { recursive: true, force: true });
}
async function fail(msg: string, code = 1): Promise<never> {
  log(`error: ${msg}`);
  await cleanup();
  process.exit(code);
}
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => void fail(`interrupted (${sig})`, 130));
const guard = setTimeout(() => void fail(`did not finish within ${TOTAL_S} s`), TOTAL_S * 1000);

// --- lines from the agent, with their arrival time ------------------------------------------------
interface Line {
  t: number;
  text: string;
}
type Waiter = { test: (l: Line) => boolean; resolve: (l: Line | null) => void; timer: ReturnType<typeof setTimeout> };
const stderrLines: Line[] = [];
const waiters: { out: Waiter[]; err: Waiter[] } = { out: [], err: [] };

async function pump(stream: ReadableStream<Uint8Array>, which: "out" | "err"): Promise<void> {
  const dec = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const t = performance.now();
    rest += dec.decode(chunk, { stream: true });
    const parts = rest.split("\n");
    rest = parts.pop()!;
    for (const text of parts) {
      const l = { t, text };
      if (which === "err") stderrLines.push(l);
      const ws = waiters[which];
      for (let i = 0; i < ws.length; i++) {
        const w = ws[i]!;
        if (w.test(l)) {
          clearTimeout(w.timer);
          ws.splice(i--, 1);
          w.resolve(l);
        }
      }
    }
  }
}
/** Register before acting, so that a line arriving right after the action is not missed. */
function expect(which: "out" | "err", test: (l: Line) => boolean, timeoutS: number): Promise<Line | null> {
  return new Promise((res) => {
    const w: Waiter = { test, resolve: res, timer: setTimeout(() => {
      waiters[which].splice(waiters[which].indexOf(w), 1);
      res(null);
    }, timeoutS * 1000) };
    waiters[which].push(w);
  });
}
const RELOADED = /rules reloaded \(file change\): (\d+) rules, \+(\d+) -(\d+) ~(\d+), in ([\d.]+) ms/;
const isAlertOf = (rule: string) => (l: Line) => {
  if (!l.text.startsWith("{")) return false;
  try {
    return (JSON.parse(l.text) as { rule?: string }).rule === rule;
  } catch {
    return false;
  }
};
const markerRule = (i: number) => `- rule: fts_rl_marker
  desc: reload benchmark marker, version ${i}; never matches
  condition: evt.type in (execve, execveat) and proc.name = fts_rl_never_${i}
  output: reload benchmark marker ${i} (proc=%proc.name)
  priority: DEBUG
`;
const execRule = (name: string) => `- rule: ${name} exec
  desc: reload benchmark, exec of the marker program ${name}
  condition: evt.type in (execve, execveat) and proc.name = ${name}
  output: reload benchmark marker exec (proc=%proc.name pid=%proc.pid)
  priority: WARNING
`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --- set-up and start ------------------------------------------------------------------------------
mkdirSync(rulesDir);
mkdirSync(binDir);
copyFileSync(resolve(rulesArg), join(rulesDir, "falco_rules.yaml"));
writeFileSync(join(rulesDir, "zz_marker.yaml"), markerRule(0));
agent = Bun.spawn([BUN, "src/cli/main.ts", "-r", rulesDir, "-o", "json_output=true"], {
  cwd: ROOT,
  stdin: "ignore",
  stdout: "pipe",
  stderr: "pipe",
});
const started = expect("err", (l) => l.text.includes("capture started"), START_S);
void pump(agent.stdout, "out");
void pump(agent.stderr, "err");
const exitedEarly = agent.exited.then(() => null);
if (!(await Promise.race([started, exitedEarly]))) {
  const why = stderrLines.filter((l) => /error|fail/i.test(l.text)).slice(0, 3).map((l) => l.text).join(" | ");
  await fail(`agent did not start: ${why || stderrLines.slice(-3).map((l) => l.text).join(" | ") || "no output"}`, 3);
}
log(`agent started in ${((performance.now() - T0) / 1000).toFixed(1)} s; ${n} reloads, then ${n} new rules`);
await sleep(500); // let the start-up settle (first batches, /proc scan)

// --- phase 1: reload time as reported by the agent, stable ruleset + marker ------------------------
const reloadMs: number[] = [];
const writeToLog: number[] = [];
let rulesCount = 0;
for (let i = 1; i <= n; i++) {
  const got = expect("err", (l) => RELOADED.test(l.text), STEP_S);
  const tw = performance.now();
  writeFileSync(join(rulesDir, "zz_marker.yaml"), markerRule(i));
  const l = await got;
  if (!l) await fail(`phase 1 rep ${i}: no "rules reloaded" line within ${STEP_S} s`);
  const m = RELOADED.exec(l!.text)!;
  rulesCount = Number(m[1]);
  reloadMs.push(Number(m[5]));
  writeToLog.push(l!.t - tw);
  await sleep(150);
}
log(`phase 1: reload ${reloadMs.join(", ")} ms (${rulesCount} rules)`);

// --- phase 2: file write → first alert of the new rule ---------------------------------------------
const alertMs: number[] = [];
const alertReloadMs: number[] = [];
const afterReload: number[] = [];
const execs: number[] = [];
for (let i = 1; i <= n; i++) {
  const name = `fts_rl_${i}`;
  const bin = join(binDir, name);
  copyFileSync("/bin/true", bin);
  chmodSync(bin, 0o755);
  const file = join(rulesDir, `zz_rl_${i}.yaml`);
  const alert = expect("out", isAlertOf(`${name} exec`), STEP_S);
  const reloaded = expect("err", (l) => RELOADED.test(l.text), STEP_S);
  let count = 0;
  let done = false;
  const tw = performance.now();
  writeFileSync(file, execRule(name));
  const timer = setInterval(() => {
    if (done) return;
    count++;
    Bun.spawn([bin], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  }, EXEC_EVERY_MS);
  const a = await alert;
  done = true;
  clearInterval(timer);
  if (!a) await fail(`phase 2 rep ${i}: no alert of rule "${name} exec" within ${STEP_S} s (${count} execs)`);
  alertMs.push(a!.t - tw);
  execs.push(count);
  const r = await reloaded;
  if (r) {
    alertReloadMs.push(Number(RELOADED.exec(r.text)![5]));
    afterReload.push(a!.t - r.t);
  }
  await sleep(100); // trailing markers' alerts drain
  // Remove the file again (one more reload), so every repetition starts from the same ruleset:
  // the loader compiles the whole collection after each file, so every extra file adds to a reload.
  const removed = expect("err", (l) => RELOADED.test(l.text) && / -1 /.test(l.text), STEP_S);
  rmSync(file);
  if (!(await removed)) await fail(`phase 2 rep ${i}: no reload after removing ${file} within ${STEP_S} s`);
  await sleep(150);
}
log(`phase 2: write → first alert ${alertMs.map((x) => x.toFixed(1)).join(", ")} ms`);

clearTimeout(guard);
await cleanup();
const r2 = (x: number) => Math.round(x * 100) / 100;
process.stdout.write(
  `${JSON.stringify({ rules: rulesCount, reload_ms: reloadMs, write_to_log_ms: writeToLog.map(r2), alert_ms: alertMs.map(r2), alert_reload_ms: alertReloadMs, reload_to_alert_ms: afterReload.map(r2), execs, exec_every_ms: EXEC_EVERY_MS, seconds: r2((performance.now() - T0) / 1000) })}\n`,
);
process.exit(0);
