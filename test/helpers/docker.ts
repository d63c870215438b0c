/**
 * Test helper: make Docker usable with scripts/docker-setup.sh (install, dockerd, runc wrapper,
 * local nginx:latest image). When Docker cannot be started the caller's tests must FAIL with the
 * reason, unless FALCO_TS_NO_CONTAINERS=1 says containers are unavailable on purpose.
 */
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
