/**
 * Test helper: make Docker usable with scripts/docker-setup.sh (install, dockerd, runc wrapper,
 * local nginx:latest image). When Docker cannot be started the caller's tests must FAIL with the
 * reason, unless FALCO_TS_NO_CONTAINERS=1 says containers are unavailable on purpose.
 */
import { expect } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO } from "./agent.ts";

/** Outcome of `setupDocker`: `unavailable` is the reason ("" when Docker is ready); `output` the script's output. */
export interface DockerSetup {
  unavailable: string;
  output: string;
}

/**
 * Run scripts/docker-setup.sh. On failure: with FALCO_TS_NO_CONTAINERS=1, warn (naming `label`)
 * and return the reason in `unavailable`; otherwise throw an Error with the reason and output.
 */
export function setupDocker(label: string, timeoutMs = 240_000): DockerSetup {
  const r = spawnSync("bash", [join(REPO, "scripts/docker-setup.sh")], { encoding: "utf8", timeout: timeoutMs });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status === 0) return { unavailable: "", output };
  const reason = ((r.stderr ?? "").trim().split("\n").pop() ?? "") || r.error?.message || `exit ${r.status}`;
  if (process.env.FALCO_TS_NO_CONTAINERS === "1") {
    console.warn(`[${label}] Docker could not be started: ${reason}. FALCO_TS_NO_CONTAINERS=1 is set, so these tests only check that opt-out.`);
    return { unavailable: reason, output };
  }
  throw new Error(`scripts/docker-setup.sh failed: ${reason}\n${output}\n(set FALCO_TS_NO_CONTAINERS=1 to run without Docker)`);
}

/** Environment for the docker CLI (API 1.41: Debian's docker.io client and daemon agree on it). */
export const DOCKER_ENV = { ...process.env, DOCKER_API_VERSION: "1.41" };
/** The docker CLI: Debian's /usr/bin/docker when present, else the one on PATH. */
export const DOCKER = spawnSync("test", ["-x", "/usr/bin/docker"]).status === 0 ? "/usr/bin/docker" : "docker";

/** `docker ...args`; returns stdout, trimmed. @throws Error naming the command, its status and stderr */
export function docker(args: string[], timeoutMs = 60_000): string {
  const r = spawnSync(DOCKER, args, { env: DOCKER_ENV, encoding: "utf8", timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`docker ${args.join(" ")} failed (${r.status}): ${r.stderr || r.error?.message}`);
  return r.stdout.trim();
}

/**
 * For a test that needs a container runtime: false when it is available (`unavailable` is "");
 * otherwise warns that `test` was not run and asserts the FALCO_TS_NO_CONTAINERS=1 opt-out (so
 * the test fails without it), and returns true to stop the test.
 */
export function notRun(label: string, unavailable: string, test: string, what = "Docker"): boolean {
  if (unavailable === "") return false;
  console.warn(`[${label}] NOT RUN "${test}": ${what} unavailable (${unavailable}); FALCO_TS_NO_CONTAINERS=1`);
  expect(process.env.FALCO_TS_NO_CONTAINERS).toBe("1");
  return true;
}
