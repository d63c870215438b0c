/**
 * Real CRI runtime, real agent: scripts/cri-setup.sh starts a PRIVATE containerd (CRI plugin, own
 * socket /run/falco-ts-cri/containerd.sock, host-network pods so no CNI is needed); the test
 * creates a pod sandbox (name/namespace/uid/labels) and an nginx container through falco-ts's own
 * CRI gRPC client, runs the agent with `--cri <private socket>`, execs a process in the container
 * (CRI ExecSync) and checks that the FIRST alert carries container.* and k8s.* from CRI. The pod's
 * sandbox (pause) container resolves too. Negative: with only a dead socket configured, the alert
 * still goes out, with container.id and without CRI metadata, and the manager counts the failure.
 *
 * Containers, pods and files carry the prefix `ftscri-<pid>`; alerts are filtered by it, so other
 * tests using Docker at the same time do not interfere. When the private containerd cannot be
 * started, every test FAILS with the reason, unless FALCO_TS_NO_CONTAINERS=1 is set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerManager, containerHintFromCgroups } from "../src/containers/cache.ts";
import { CriClient, CriRuntime } from "../src/containers/cri.ts";
import { parseProcCgroup } from "../src/state/procfs.ts";
import { startAgent, type AgentHandle, type JsonAlert } from "./helpers/agent.ts";
import { notRun } from "./helpers/docker.ts";
import { CRI_SOCKET, execSync, removePods, runContainer, runPod, setupCri, stopCri, type PodSpec } from "./helpers/cri.ts";

const TAG = `ftscri-${process.pid}`;
let unavailable = "";
let tmp = "";
let rt: CriRuntime | undefined;
const pods: string[] = [];
const agents: AgentHandle[] = [];
const managers: ContainerManager[] = [];

const optedOut = (test: string): boolean => notRun("cri.e2e", unavailable, test, "private containerd");

function pod(suffix: string): PodSpec {
  return { name: `${TAG}-${suffix}`, namespace: `${TAG}-ns`, uid: `${TAG}-uid-${suffix}`, labels: { app: `${TAG}-${suffix}`, tier: "e2e" } };
}

/** Cgroups of a host pid as [subsystem, path] pairs. */
function cgroupsOf(pid: number): [string, string][] {
  return parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, "utf8"));
}

const RULES = `
- rule: ftscri spawned process in container
  desc: a process started in a container whose command line carries the test's marker
  condition: evt.type in (execve, execveat) and container.id != host and proc.cmdline contains "${TAG}"
  output: >
    ftscri exec (id=%container.id type=%container.type name=%container.name image=%container.image
    repo=%container.image.repository tag=%container.image.tag pod=%k8s.pod.name ns=%k8s.ns.name
    uid=%k8s.pod.uid labels=%k8s.pod.labels sandbox=%k8s.pod.sandbox_id cmd=%proc.cmdline)
  priority: WARNING
- rule: ftscri nginx in a container
  desc: nginx started in a container (the test's pod sandboxes run it as their pause process; the test filters by container.id)
  condition: evt.type in (execve, execveat) and container.id != host and proc.name = nginx
  output: ftscri nginx (id=%container.id name=%container.name pod=%k8s.pod.name ns=%k8s.ns.name proc=%proc.name)
  priority: NOTICE
`;

beforeAll(() => {
  ({ unavailable } = setupCri("cri.e2e"));
  tmp = mkdtempSync(join(tmpdir(), `${TAG}-`));
  writeFileSync(join(tmp, "rules.yaml"), RULES);
  if (unavailable === "") rt = new CriRuntime(CRI_SOCKET, 10_000);
}, 400_000);

afterAll(async () => {
  for (const a of agents.splice(0)) await a.stop();
  for (const m of managers.splice(0)) await m.stop();
  if (rt) {
    await removePods(rt, pods.splice(0));
    rt.close();
  }
  if (unavailable === "") stopCri();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 120_000);

describe("CRI (private containerd) end to end", () => {
  it("the first alert from a CRI container carries container.* and k8s.* from the CRI socket", async () => {
    if (optedOut("first alert metadata")) return;
    const agent = await startAgent(
      ["-r", join(tmp, "rules.yaml"), "--cri", CRI_SOCKET, "-o", "json_output=true", "-o", "priority=debug", "-o", "rule_matching=all", "-o", "container.metadata_wait_ms=3000"],
      { readyMs: 30_000 },
    );
    agents.push(agent);
    const spec = pod("a");
    const podId = await runPod(rt!, spec);
    pods.push(podId);
    const ctrId = await runContainer(rt!, podId, spec, `${TAG}-web`, { labels: { role: "web" } });
    const marker = `${TAG}-exec1`;
    const r = await execSync(rt!, ctrId, ["sh", "-c", `echo ${marker}`]);
    expect(r.stdout.trim()).toBe(marker);

    const a = await agent.waitFor((x) => x.rule === "ftscri spawned process in container" && String(x.output_fields["proc.cmdline"] ?? "").includes(marker), 20_000);
    // The FIRST alert of this rule for this container: no earlier one may lack the metadata.
    const first = agent.alerts.find((x) => x.rule === "ftscri spawned process in container" && x.output_fields["container.id"] === ctrId.slice(0, 12));
    expect(first).toBe(a);
    const f = a.output_fields;
    expect(f["container.id"]).toBe(ctrId.slice(0, 12));
    expect(f["container.type"]).toBe("containerd");
    expect(f["container.name"]).toBe(`${TAG}-web`);
    expect(f["container.image"]).toBe("docker.io/library/nginx:latest");
    expect(f["container.image.repository"]).toBe("docker.io/library/nginx");
    expect(f["container.image.tag"]).toBe("latest");
    expect(f["k8s.pod.name"]).toBe(spec.name);
    expect(f["k8s.ns.name"]).toBe(spec.namespace);
    expect(f["k8s.pod.uid"]).toBe(spec.uid);
    expect(String(f["k8s.pod.labels"]).split(",").map((s) => s.trim()).sort()).toEqual([`app:${spec.labels.app}`, "tier:e2e"]);
    expect(f["k8s.pod.sandbox_id"]).toBe(podId.slice(0, 12));

    // The pod sandbox (pause) container resolves too: the first alert of its process carries the
    // pod's metadata (containerd knows the sandbox only once RunPodSandbox returns; the lookup
    // polls NOT_FOUND for a while and the alert waits for it).
    const pause = await agent.waitFor((x) => x.rule === "ftscri nginx in a container" && x.output_fields["container.id"] === podId.slice(0, 12), 10_000);
    expect(pause.output_fields["container.name"]).toBe(spec.name);
    expect(pause.output_fields["k8s.pod.name"]).toBe(spec.name);
    expect(pause.output_fields["k8s.ns.name"]).toBe(spec.namespace);
  }, 120_000);

  it("a ContainerManager resolves a CRI container and its sandbox from /proc/<pid>/cgroup (CRI first, then Docker)", async () => {
    if (optedOut("manager lookup")) return;
    const spec = pod("b");
    const podId = await runPod(rt!, spec);
    pods.push(podId);
    const ctrId = await runContainer(rt!, podId, spec, `${TAG}-mgr`);
    const st = await rt!.call("ContainerStatus", { containerId: ctrId, verbose: true });
    const pid = Number((JSON.parse(String((st.info as Record<string, string>).info)) as { pid: number }).pid);
    const hint = containerHintFromCgroups(cgroupsOf(pid), ctrId.slice(0, 12));
    expect(hint?.fullId).toBe(ctrId);
    const m = new ContainerManager({ hostRoot: "", criSockets: [CRI_SOCKET], metadataWaitMs: 5000 });
    managers.push(m);
    await m.whenReady(ctrId.slice(0, 12), 5000, hint);
    const md = m.get(ctrId.slice(0, 12));
    expect(md).toMatchObject({ fullId: ctrId, type: "containerd", name: `${TAG}-mgr`, k8sPodName: spec.name, k8sNsName: spec.namespace, k8sPodUid: spec.uid, podSandboxId: podId, hostNetwork: true });
    expect(md!.pid).toBe(pid);
    const sb = await m.lookup(podId, { fullId: podId });
    expect(sb).toMatchObject({ fullId: podId, isPodSandbox: true, name: spec.name, k8sPodName: spec.name, type: "containerd" });
    expect(m.counters.lookupFailures).toBe(0);

    // start() lists the running CRI containers into the cache, as the plugin does at init.
    const m2 = new ContainerManager({ hostRoot: "", criSockets: [CRI_SOCKET], dockerSocket: join(tmp, "no-docker.sock"), dockerDataRoot: "" });
    managers.push(m2);
    expect(m2.get(ctrId)).toBeUndefined();
    await m2.start();
    await m2.criListing(); // CRI is listed in the background: start() does not wait for it
    expect(m2.get(ctrId)).toMatchObject({ name: `${TAG}-mgr`, k8sPodName: spec.name });
  }, 120_000);

  it("near miss: a dead CRI socket never blocks the alert; it goes out with container.id and the failure is counted", async () => {
    if (optedOut("dead socket")) return;
    const dead = join(tmp, "dead.sock");
    // A unix socket file nobody listens on (connect → ECONNREFUSED).
    const py = spawnSync("python3", ["-c", `import socket; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(dead)})`]);
    expect(py.status).toBe(0);
    const spec = pod("c");
    const podId = await runPod(rt!, spec);
    pods.push(podId);
    const ctrId = await runContainer(rt!, podId, spec, `${TAG}-dead`);

    // Manager level: the lookup fails fast and is counted; the wait is bounded.
    const m = new ContainerManager({ hostRoot: "", criSockets: [dead], metadataWaitMs: 2000 });
    managers.push(m);
    const t0 = Date.now();
    await m.whenReady(ctrId.slice(0, 12), 2000, { fullId: ctrId, type: "docker", criFirst: true });
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(m.get(ctrId)).toBeUndefined();
    expect(m.counters.lookupFailures).toBe(1);

    // Agent level: the alert still goes out, with the id from the cgroups and no CRI metadata.
    const agent = await startAgent(
      ["-r", join(tmp, "rules.yaml"), "--cri", dead, "-o", "json_output=true", "-o", "priority=debug", "-o", "rule_matching=all", "-o", "container.metadata_wait_ms=1000"],
      { readyMs: 30_000 },
    );
    agents.push(agent);
    const marker = `${TAG}-exec-dead`;
    const t1 = Date.now();
    await execSync(rt!, ctrId, ["sh", "-c", `echo ${marker}`]);
    const a: JsonAlert = await agent.waitFor((x) => x.rule === "ftscri spawned process in container" && String(x.output_fields["proc.cmdline"] ?? "").includes(marker), 15_000);
    expect(Date.now() - t1).toBeLessThan(10_000);
    expect(a.output_fields["container.id"]).toBe(ctrId.slice(0, 12));
    expect(a.output_fields["container.name"] ?? null).toBeNull();
    expect(a.output_fields["k8s.pod.name"] ?? null).toBeNull();
  }, 120_000);

  it("near miss: a CRI socket that accepts but never answers does not delay the start of capture", async () => {
    // No containerd needed: a listener that never speaks HTTP/2 (each CRI call hits its 5 s deadline).
    const hole = join(tmp, "blackhole.sock");
    const listener = spawn("python3", ["-c", `import socket,time; s=socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(hole)}); s.listen(50); time.sleep(60)`], { stdio: "ignore" });
    try {
      for (let i = 0; i < 50 && !existsSync(hole); i++) await new Promise((r) => setTimeout(r, 50));
      const t0 = Date.now();
      const agent = await startAgent(["-r", join(tmp, "rules.yaml"), "--cri", hole, "-o", "json_output=true"], { readyMs: 30_000 });
      agents.push(agent);
      // Before: "capture started" came only after "ListContainers: no answer within 5000 ms".
      expect(Date.now() - t0).toBeLessThan(4500);
      expect(agent.stderr.some((l) => /no answer within/.test(l))).toBe(false);
    } finally {
      listener.kill();
    }
  }, 60_000);
});
