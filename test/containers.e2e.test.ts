/**
 * Real Docker, real daemon: scripts/docker-setup.sh makes Docker usable (install, dockerd, runc
 * wrapper for --privileged, local nginx:latest image), then the seed's walkthrough runs as written
 * (`docker run -d -P --name example1 nginx`, `docker exec ... bash`) and ContainerManager resolves
 * the container found through /proc/<pid>/cgroup of the container's process, as the engine will.
 *
 * When Docker cannot be started, every test FAILS with the reason, unless FALCO_TS_NO_CONTAINERS=1
 * is set: then each test says so on stderr and asserts that the variable is set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ContainerManager } from "../src/containers/cache.ts";
import { containerIdFromCgroups } from "../src/state/container.ts";
import { parseProcCgroup } from "../src/state/procfs.ts";
import { DOCKER, DOCKER_ENV, docker as dockerCli, notRun, setupDocker } from "./helpers/docker.ts";

const REPO = resolve(import.meta.dirname, "..");
const PREFIX = `fts-${process.pid}-`;
// Debian's CLI matches the daemon; a newer CLI on PATH also works with DOCKER_API_VERSION=1.41.

let unavailable = "";
let setupOutput = "";
const managers: ContainerManager[] = [];

const docker = (...args: string[]): string => dockerCli(args);

/** Run a container (name gets the test prefix); returns its full id and host pid. */
function run(name: string, ...args: string[]): { fullId: string; pid: number; name: string } {
  const full = `${PREFIX}${name}`;
  const fullId = docker("run", "-d", "--name", full, ...args);
  const pid = Number(docker("inspect", "-f", "{{.State.Pid}}", full));
  return { fullId, pid, name: full };
}

/** container.id of a host pid, from /proc/<pid>/cgroup, as the state engine derives it. */
function containerIdOfPid(pid: number): { id: string; fullId: string; type: string } {
  return containerIdFromCgroups(parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, "utf8")));
}

function mgr(opts: ConstructorParameters<typeof ContainerManager>[0] = {}): ContainerManager {
  const m = new ContainerManager({ hostRoot: "", ...opts });
  managers.push(m);
  return m;
}

const optedOut = (test: string): boolean => notRun("containers.e2e", unavailable, test);

beforeAll(() => {
  ({ unavailable, output: setupOutput } = setupDocker("containers.e2e"));
}, 300_000);

afterAll(async () => {
  for (const m of managers.splice(0)) await m.stop();
  if (unavailable !== "") return;
  const ids = spawnSync(DOCKER, ["ps", "-aq", "--filter", `name=^${PREFIX}`], { env: DOCKER_ENV, encoding: "utf8" }).stdout.trim();
  if (ids !== "") spawnSync(DOCKER, ["rm", "-f", ...ids.split(/\s+/)], { env: DOCKER_ENV });
}, 60_000);

describe("real Docker (scripts/docker-setup.sh)", () => {
  it("setup is idempotent: a second run changes nothing and says so", () => {
    if (optedOut("setup is idempotent")) return;
    const t0 = Date.now();
    const r = spawnSync("bash", [join(REPO, "scripts/docker-setup.sh")], { encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("already installed");
    expect(r.stdout).toContain("dockerd already running");
    expect(r.stdout).toContain("image nginx:latest already present");
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it("the seed's `docker run -d -P --name example1 nginx`: metadata by the container.id from /proc/<pid>/cgroup", async () => {
    if (optedOut("seed docker run")) return;
    const c = run("example1", "-P", "nginx");
    expect(c.pid).toBeGreaterThan(0);
    const match = containerIdOfPid(c.pid);
    expect(match.type).toBe("docker");
    expect(match.fullId).toBe(c.fullId);
    expect(match.id).toBe(c.fullId.slice(0, 12));
    expect(readFileSync(`/proc/${c.pid}/comm`, "utf8").trim()).toBe("nginx");

    const m = mgr({ metadataWaitMs: 2000 });
    expect(m.needsWait(match.id)).toBe(true);
    await m.whenReady(match.id, 2000, { fullId: match.fullId, type: match.type });
    const md = m.get(match.id);
    expect(md, JSON.stringify(m.stats())).toBeDefined();
    expect(md!.id).toBe(match.id);
    expect(md!.fullId).toBe(c.fullId);
    expect(md!.name).toBe(c.name);
    expect(md!.type).toBe("docker");
    // container.image is Config.Image as given to `docker run` (the plugin's choice): "nginx".
    expect(md!.image).toBe("nginx");
    expect(md!.imageRepo).toBe("nginx");
    expect(md!.imageTag).toBe("latest");
    expect(md!.imageId).toBe(docker("image", "inspect", "-f", "{{.Id}}", "nginx:latest").replace(/^sha256:/, ""));
    expect(md!.privileged).toBe(false);
    expect(md!.hostPid || md!.hostNetwork || md!.hostIpc).toBe(false);
    expect(md!.pid).toBe(c.pid);
    expect(md!.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(md!.portMappings.some((p) => p.containerPort === 80 && p.hostPort > 0)).toBe(true);
    expect(md!.startTs).toBeGreaterThan(0n);
    expect(m.counters).toMatchObject({ lookups: 1, lookupFailures: 0, timeouts: 0 });
  });

  it("the seed's `docker exec -it example1 bash` works (bash → sh) and exec'd processes share the container.id", () => {
    if (optedOut("seed docker exec")) return;
    const c = run("exec1", "nginx");
    const r = spawnSync(DOCKER, ["exec", "-i", c.name, "bash", "-c", "echo $$; cat /proc/self/cgroup"], { env: DOCKER_ENV, encoding: "utf8", input: "" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`/docker/${c.fullId}`);
    const t = spawnSync(DOCKER, ["exec", "-t", c.name, "bash", "-c", "tty"], { env: DOCKER_ENV, encoding: "utf8" });
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/\/dev\/pts\/\d+/);
  });

  it("an image given as nginx:latest reports container.image nginx:latest", async () => {
    if (optedOut("image nginx:latest")) return;
    const c = run("tagged", "nginx:latest");
    const m = mgr();
    const md = await m.lookup(containerIdOfPid(c.pid).id);
    expect(md?.image).toBe("nginx:latest");
    expect([md?.imageRepo, md?.imageTag]).toEqual(["nginx", "latest"]);
  });

  it("docker run --privileged works here (runc wrapper) and reports privileged true", async () => {
    if (optedOut("privileged")) return;
    const c = run("priv", "--privileged", "nginx");
    const m = mgr();
    const md = await m.lookup(containerIdOfPid(c.pid).id);
    expect(md?.privileged).toBe(true);
    expect(docker("inspect", "-f", "{{.HostConfig.Privileged}}", c.name)).toBe("true");
  });

  it("a -v /proc:/host/proc mount shows in mounts; k8s labels give k8s.* names; host namespaces", async () => {
    if (optedOut("mounts/labels")) return;
    const c = run(
      "mounts",
      "-v", "/proc:/host/proc:ro",
      "--pid", "host",
      "--label", "io.kubernetes.pod.name=web-1",
      "--label", "io.kubernetes.pod.namespace=prod",
      "--label", "io.kubernetes.pod.uid=3e41dc6b-08a8-44db-bc2a-3724b18ab19a",
      "--label", "team=blue",
      "nginx",
    );
    const m = mgr();
    const md = await m.lookup(containerIdOfPid(c.pid).id);
    expect(md?.mounts).toContainEqual({ source: "/proc", dest: "/host/proc", mode: "ro", rdwr: false, propagation: "rprivate" });
    expect([md?.k8sNsName, md?.k8sPodName, md?.k8sPodUid]).toEqual(["prod", "web-1", "3e41dc6b-08a8-44db-bc2a-3724b18ab19a"]);
    expect(md?.labels.get("team")).toBe("blue");
    expect(md?.hostPid).toBe(true);
  });

  it("start(): containers created later arrive through the events stream, destroyed ones are evicted", async () => {
    if (optedOut("events")) return;
    const m = mgr();
    await m.start();
    const c = run("events", "nginx");
    const id = c.fullId.slice(0, 12);
    const t0 = Date.now();
    while (m.get(id) === undefined && Date.now() - t0 < 5000) await Bun.sleep(20);
    expect(m.get(id)?.name).toBe(c.name);
    docker("rm", "-f", c.name);
    const t1 = Date.now();
    while (m.get(id) !== undefined && Date.now() - t1 < 5000) await Bun.sleep(20);
    expect(m.get(id)).toBeUndefined();
    expect(m.counters.evictions).toBeGreaterThanOrEqual(1);
    await m.stop();
  });

  it("a bogus socket path: whenReady returns within the wait, metadata undefined, failure counted", async () => {
    if (optedOut("bogus socket")) return;
    const c = run("bogus", "nginx");
    const id = containerIdOfPid(c.pid).id;
    const m = mgr({ dockerSocket: "/nonexistent/falco-ts/docker.sock", metadataWaitMs: 300 });
    const t0 = performance.now();
    await m.whenReady(id);
    expect(performance.now() - t0).toBeLessThan(300 + 300);
    expect(m.get(id)).toBeUndefined();
    expect(m.counters.lookups).toBe(1);
    expect(m.counters.lookupFailures + m.counters.timeouts).toBeGreaterThanOrEqual(1);
  });

  it("HOST_ROOT: the socket is found below the host root", async () => {
    if (optedOut("HOST_ROOT")) return;
    const c = run("hostroot", "nginx");
    const root = mkdtempSync(join(tmpdir(), "fts-hostroot-"));
    try {
      mkdirSync(join(root, "var/run"), { recursive: true });
      symlinkSync("/var/run/docker.sock", join(root, "var/run/docker.sock"));
      const m = mgr({ hostRoot: root });
      expect(m.docker.socketPath).toBe(join(root, "var/run/docker.sock"));
      expect((await m.lookup(c.fullId.slice(0, 12)))?.name).toBe(c.name);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
