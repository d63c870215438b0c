/**
 * Issue 12, "deploy as the seed does", with real Docker and the real probe:
 *
 *  - scripts/image.sh builds the local image falco-ts:latest (no registry);
 *  - the agent container is started as the seed does, with the privileges added and a temporary
 *    directory standing in for the host's /etc/falco and /var/log/falco_events.log (same layout:
 *    the DIRECTORY etc/falco is mounted, the log file is mounted as a file):
 *      docker run -d --name falco --privileged --pid=host \
 *        -v /sys/kernel/btf:/sys/kernel/btf:ro -v /proc:/host/proc:ro \
 *        -v /var/run/docker.sock:/host/var/run/docker.sock \
 *        -v $DIR/etc/falco:/etc/falco -v $DIR/var/log/falco_events.log:/var/log/falco_events.log \
 *        falco-ts:latest
 *  - the seed's scenario: `docker run -d -P --name example1-<rand> nginx`, then
 *    `docker exec -it example1-<rand> bash` through a real pty (util-linux `script -qfc`); the
 *    terminal-shell alert, with the container's name and image, must appear in the host-side log;
 *  - the host rules file is replaced as an editor does (new inode, renamed over): the added rule
 *    fires without restarting the container;
 *  - `docker run --rm falco-ts:latest event-generator run WriteBelowEtc` (the generator from the
 *    image) is seen by the agent container, with the generator container's id.
 *
 * When Docker cannot be started every test FAILS with the reason, unless FALCO_TS_NO_CONTAINERS=1
 * is set: then each test says so on stderr and asserts that the variable is set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./helpers/agent.ts";
import { DOCKER, DOCKER_ENV, docker as dockerCli, notRun, setupDocker } from "./helpers/docker.ts";

const RAND = `${process.pid.toString(36)}${Date.now().toString(36).slice(-5)}`;
const AGENT = `falco-ts-image-e2e-${RAND}`;
const EXAMPLE = `example1-${RAND}`;
const GEN = `falco-ts-image-e2e-gen-${RAND}`;
const NOPID = `falco-ts-image-e2e-nopid-${RAND}`;
const DIR = mkdtempSync("/var/tmp/falco-ts-image-e2e-");
const ETC = join(DIR, "etc/falco");
const LOG = join(DIR, "var/log/falco_events.log");

let unavailable = "";

const docker = (...args: string[]): string => dockerCli(args, 120_000);

const optedOut = (test: string): boolean => notRun("image.e2e", unavailable, test);

interface Alert {
  rule: string;
  output: string;
  output_fields: Record<string, unknown>;
}

/** JSON alerts in the host-side events log. */
function logAlerts(): Alert[] {
  const out: Alert[] = [];
  for (const line of readFileSync(LOG, "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as Alert);
    } catch {
      /* a line being written */
    }
  }
  return out;
}

/** Poll the events log (and optionally redo `act`) until an alert matches, or throw after `ms`. */
async function waitForAlert(what: string, pred: (a: Alert) => boolean, ms: number, act?: () => void): Promise<Alert> {
  const t0 = Date.now();
  let lastAct = 0;
  for (;;) {
    const hit = logAlerts().find(pred);
    if (hit) return hit;
    if (Date.now() - t0 > ms) {
      throw new Error(`no alert for ${what} within ${ms} ms; agent logs:\n${spawnSync(DOCKER, ["logs", "--tail", "30", AGENT], { env: DOCKER_ENV, encoding: "utf8" }).stderr}`);
    }
    if (act && Date.now() - lastAct > 2_000) {
      lastAct = Date.now();
      act();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function removeContainers(): void {
  for (const n of [AGENT, EXAMPLE, GEN, NOPID]) spawnSync(DOCKER, ["rm", "-f", n], { env: DOCKER_ENV, stdio: "ignore" });
}

beforeAll(async () => {
  unavailable = setupDocker("image.e2e", 300_000).unavailable;
  if (unavailable) return;
  const img = spawnSync("bash", [join(REPO, "scripts/image.sh")], { encoding: "utf8", timeout: 900_000 });
  if (img.status !== 0) throw new Error(`scripts/image.sh failed (${img.status}): ${img.stderr}\n${img.stdout}`);
  if (!/built falco-ts:latest .*size \d+ bytes/.test(img.stdout)) throw new Error(`scripts/image.sh did not print the image size:\n${img.stdout}`);

  // The host side, as the seed lays it out: /etc/falco/{falco.yaml,falco_rules.yaml} and the log file.
  mkdirSync(ETC, { recursive: true });
  mkdirSync(join(DIR, "var/log"), { recursive: true });
  const config = readFileSync(join(REPO, "falco.yaml"), "utf8").replace(/^json_output: false$/m, "json_output: true");
  if (!/^json_output: true$/m.test(config)) throw new Error("falco.yaml has no top-level `json_output: false` line to switch");
  writeFileSync(join(ETC, "falco.yaml"), config);
  writeFileSync(join(ETC, "falco_rules.yaml"), readFileSync(join(REPO, "rules/falco_rules.yaml")));
  writeFileSync(LOG, "");

  removeContainers();
  docker(
    "run", "-d", "--name", AGENT,
    "--privileged", "--pid=host",
    "-v", "/sys/kernel/btf:/sys/kernel/btf:ro",
    "-v", "/proc:/host/proc:ro",
    "-v", "/var/run/docker.sock:/host/var/run/docker.sock",
    "-v", `${ETC}:/etc/falco`,
    "-v", `${LOG}:/var/log/falco_events.log`,
    "falco-ts:latest",
  );
  const t0 = Date.now();
  for (;;) {
    const logs = spawnSync(DOCKER, ["logs", AGENT], { env: DOCKER_ENV, encoding: "utf8" });
    if (/capture started/.test(logs.stderr)) break;
    const state = docker("inspect", "-f", "{{.State.Status}}", AGENT);
    if (state !== "running" || Date.now() - t0 > 60_000) throw new Error(`agent container did not start capturing (${state}):\n${logs.stderr}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}, 1_200_000);

afterAll(() => {
  if (unavailable === "") {
    const logs = spawnSync(DOCKER, ["logs", "--tail", "5", AGENT], { env: DOCKER_ENV, encoding: "utf8" });
    if (logs.status === 0 && process.env.FTS_TEST_VERBOSE === "1") console.warn(logs.stderr);
    removeContainers();
  }
  rmSync(DIR, { recursive: true, force: true });
});

describe("falco-ts:latest deployed as the seed does", () => {
  it("the image is small: the binary, glibc and busybox", () => {
    if (optedOut("image size")) return;
    const size = Number(docker("image", "inspect", "-f", "{{.Size}}", "falco-ts:latest"));
    const bin = Number(spawnSync("stat", ["-c", "%s", join(REPO, "falco-ts")], { encoding: "utf8" }).stdout.trim());
    expect(size).toBeGreaterThan(bin);
    expect(size - bin).toBeLessThan(16 * 1024 * 1024);
    expect(docker("run", "--rm", "falco-ts:latest", "--version")).toMatch(/^engine version: /m);
  });

  it("docker exec -it example1 bash: terminal-shell alert with container name and image in the host log", async () => {
    if (optedOut("terminal shell")) return;
    docker("run", "-d", "-P", "--name", EXAMPLE, "nginx");
    const exec = () => {
      // A real pty (script), an interactive bash that reads `exit` from the terminal.
      spawnSync("script", ["-qfc", `${DOCKER} exec -it ${EXAMPLE} bash`, "/dev/null"], { env: DOCKER_ENV, input: "exit\n", timeout: 30_000 });
    };
    exec();
    const a = await waitForAlert(
      "terminal shell in example1",
      (x) => (x.rule === "Terminal shell in container" || x.rule === "Shell_Entered_Container") && x.output_fields["container.name"] === EXAMPLE,
      20_000,
      exec,
    );
    expect(a.output_fields["container.image.repository"] ?? a.output_fields["container.image"]).toMatch(/^nginx/);
    expect(a.output).toContain(`container_name=${EXAMPLE}`);
    expect(a.output).toMatch(/container_image=nginx:latest/);
    expect(Number(a.output_fields["proc.tty"])).toBeGreaterThan(0);
  }, 60_000);

  it("editing the host rules file (new inode) is picked up inside the running container", async () => {
    if (optedOut("rules edit")) return;
    const startedAt = docker("inspect", "-f", "{{.State.StartedAt}} {{.RestartCount}}", AGENT);
    const token = `fts-img-tok-${RAND}`;
    const rulesPath = join(ETC, "falco_rules.yaml");
    const next = `${readFileSync(rulesPath, "utf8")}
- rule: Image e2e marker
  desc: a process whose command line carries the test token
  condition: spawned_process and proc.cmdline contains "${token}"
  output: "image e2e marker (command=%proc.cmdline container_name=%container.name)"
  priority: WARNING
`;
    // As an editor saves: write a new file, rename it over the old one (the inode changes).
    writeFileSync(`${rulesPath}.swp`, next);
    renameSync(`${rulesPath}.swp`, rulesPath);
    const a = await waitForAlert(
      "the added rule",
      (x) => x.rule === "Image e2e marker" && x.output_fields["container.name"] === EXAMPLE,
      30_000,
      () => void spawnSync(DOCKER, ["exec", EXAMPLE, "sh", "-c", `true ${token}`], { env: DOCKER_ENV, timeout: 20_000 }),
    );
    expect(String(a.output_fields["proc.cmdline"])).toContain(token);
    expect(docker("inspect", "-f", "{{.State.StartedAt}} {{.RestartCount}}", AGENT)).toBe(startedAt);
    expect(logAlerts().some((x) => x.rule === "Falco internal: rules reloaded" || /reload/i.test(x.rule))).toBe(true);
  }, 60_000);

  it("without --pid=host (the seed's plain docker run + privileges): host events seen, the agent's own excluded", async () => {
    if (optedOut("no --pid=host")) return;
    // The image's baked config: file_output on, keep_alive false (the agent opens the log file for
    // every alert) and the seed's Write_Outside_Userdata rule: without the host-PID self exclusion
    // the agent would alert on its own opens of the log file, endlessly.
    const log2 = join(DIR, "nopid-events.log");
    writeFileSync(log2, "");
    docker(
      "run", "-d", "--name", NOPID, "--privileged",
      "-v", "/sys/kernel/btf:/sys/kernel/btf:ro",
      "-v", "/proc:/host/proc:ro",
      "-v", `${log2}:/var/log/falco_events.log`,
      "falco-ts:latest", "-o", "json_output=true",
    );
    const marker = join(DIR, `nopid-marker-${RAND}`);
    const t0 = Date.now();
    const seen = () => readFileSync(log2, "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Alert);
    while (!seen().some((a) => a.rule === "Write_Outside_Userdata" && a.output_fields["fd.name"] === marker)) {
      if (Date.now() - t0 > 30_000) throw new Error(`no alert for ${marker}; agent logs:\n${spawnSync(DOCKER, ["logs", "--tail", "20", NOPID], { env: DOCKER_ENV, encoding: "utf8" }).stderr}`);
      writeFileSync(marker, "x");
      await new Promise((r) => setTimeout(r, 300));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const all = seen();
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((a) => a.output_fields["proc.name"] === "falco-ts" || a.output_fields["fd.name"] === "/var/log/falco_events.log")).toEqual([]);
    docker("rm", "-f", NOPID);
  }, 60_000);

  it("docker run --rm falco-ts:latest event-generator run WriteBelowEtc is seen by the agent", async () => {
    if (optedOut("event-generator")) return;
    const r = spawnSync(DOCKER, ["run", "--rm", "--name", GEN, "falco-ts:latest", "event-generator", "run", "^WriteBelowEtc$"], {
      env: DOCKER_ENV,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.stderr + r.stdout).toMatch(/WriteBelowEtc: ok/);
    expect(r.status).toBe(0);
    const a = await waitForAlert("Write below etc from the generator container", (x) => x.rule === "Write below etc" && /\/etc\/fts-eg-/.test(String(x.output_fields["fd.name"])) && x.output_fields["container.id"] !== "host", 15_000);
    expect(String(a.output_fields["container.id"])).toMatch(/^[0-9a-f]{12}$/);
  }, 150_000);
});
