/**
 * Test helper: start the real agent (the compiled ./falco-ts, or `bun src/cli/main.ts` when
 * FALCO_TS_FROM_SOURCE=1) as a child process, collect its JSON alerts from stdout and its log
 * lines from stderr, and wait for alerts matching a predicate.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
export const SHARED = join(REPO, "..", "shared");

/** One parsed JSON alert line (Falco's shape). */
export interface JsonAlert {
  hostname: string;
  output: string;
  output_fields: Record<string, unknown>;
  priority: string;
  rule: string;
  source: string;
  tags?: string[];
  time: string;
  [k: string]: unknown;
}

/** A running agent. */
export interface AgentHandle {
  proc: ChildProcess;
  alerts: JsonAlert[];
  stdoutLines: string[];
  stderr: string[];
  /** Resolve with the first alert (already seen or future) matching `pred`, or reject after `ms`. */
  waitFor(pred: (a: JsonAlert) => boolean, ms?: number): Promise<JsonAlert>;
  /** Resolve when stderr contains a line matching `re`. */
  waitForLog(re: RegExp, ms?: number): Promise<string>;
  /** SIGTERM then wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/** The command that runs the agent: the compiled binary if present. */
export function agentCommand(): string[] {
  const bin = join(REPO, "falco-ts");
  if (process.env.FALCO_TS_FROM_SOURCE !== "1" && existsSync(bin)) return [bin];
  return [join(REPO, "node_modules/.bin/bun"), join(REPO, "src/cli/main.ts")];
}

/**
 * Start the agent with args; resolves once it logs that capture started. `wrap` is a command
 * prefix that must end by exec'ing the agent in the same process (e.g. `unshare -m -- sh -c
 * 'mount ... && exec "$@"' x`), so SIGTERM and the exit code still reach the agent.
 */
export async function startAgent(args: string[], opts: { env?: Record<string, string>; readyRe?: RegExp; readyMs?: number; wrap?: string[] } = {}): Promise<AgentHandle> {
  const [cmd, ...pre] = [...(opts.wrap ?? []), ...agentCommand()];
  const proc = spawn(cmd!, [...pre, ...args], { cwd: REPO, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
  const alerts: JsonAlert[] = [];
  const stdoutLines: string[] = [];
  const stderr: string[] = [];
  const waiters: { pred: (a: JsonAlert) => boolean; resolve: (a: JsonAlert) => void }[] = [];
  const logWaiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let outBuf = "";
  proc.stdout!.on("data", (d: Buffer) => {
    outBuf += d.toString();
    let nl: number;
    while ((nl = outBuf.indexOf("\n")) >= 0) {
      const line = outBuf.slice(0, nl);
      outBuf = outBuf.slice(nl + 1);
      stdoutLines.push(line);
      if (!line.startsWith("{")) continue;
      try {
        const a = JSON.parse(line) as JsonAlert;
        alerts.push(a);
        for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.pred(a)) waiters.splice(i, 1)[0]!.resolve(a);
      } catch {
        /* not JSON */
      }
    }
  });
  let errBuf = "";
  proc.stderr!.on("data", (d: Buffer) => {
    errBuf += d.toString();
    let nl: number;
    while ((nl = errBuf.indexOf("\n")) >= 0) {
      const line = errBuf.slice(0, nl);
      errBuf = errBuf.slice(nl + 1);
      stderr.push(line);
      if (process.env.FALCO_TS_TEST_VERBOSE) console.error("[agent]", line);
      for (let i = logWaiters.length - 1; i >= 0; i--) if (logWaiters[i]!.re.test(line)) logWaiters.splice(i, 1)[0]!.resolve(line);
    }
  });
  const exited = new Promise<number | null>((res) => proc.on("exit", (code) => res(code)));
  const handle: AgentHandle = {
    proc,
    alerts,
    stdoutLines,
    stderr,
    waitFor(pred, ms = 5000) {
      const seen = alerts.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (a: JsonAlert) => { clearTimeout(t); resolve(a); } };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching alert within ${ms} ms; alerts: ${alerts.map((a) => a.rule).join(", ")}; stderr tail: ${stderr.slice(-5).join(" | ")}`));
        }, ms);
        waiters.push(w);
      });
    },
    waitForLog(re, ms = 15000) {
      const seen = stderr.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const w = { re, resolve: (l: string) => { clearTimeout(t); resolve(l); } };
        const t = setTimeout(() => {
          logWaiters.splice(logWaiters.indexOf(w), 1);
          reject(new Error(`agent did not log ${re} within ${ms} ms; stderr: ${stderr.join(" | ")}`));
        }, ms);
        logWaiters.push(w);
        exited.then((code) => reject(new Error(`agent exited (${code}) before logging ${re}; stderr: ${stderr.join(" | ")}`)));
      });
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  await handle.waitForLog(opts.readyRe ?? /capture started/i, opts.readyMs ?? 20000);
  return handle;
}
