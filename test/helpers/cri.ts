/**
 * Test helper: a private containerd with the CRI plugin (scripts/cri-setup.sh: own config, root,
 * state and socket /run/falco-ts-cri/containerd.sock; the system's dockerd/containerd are not
 * touched), plus pod/container helpers over falco-ts's own CRI gRPC client (CriRuntime).
 * When the runtime cannot be started the caller's tests must FAIL with the reason, unless
 * FALCO_TS_NO_CONTAINERS=1 says containers are unavailable on purpose (as test/helpers/docker.ts).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { CriRuntime } from "../../src/containers/cri.ts";
import { REPO } from "./agent.ts";

/** The private containerd's CRI socket (scripts/cri-setup.sh). */
export const CRI_SOCKET = "/run/falco-ts-cri/containerd.sock";
/** The image scripts/cri-setup.sh imports into the k8s.io namespace. */
export const CRI_IMAGE = "docker.io/library/nginx:latest";

/** Outcome of `setupCri`: `unavailable` is the reason ("" when the runtime is ready); `output` the script's output. */
export interface CriSetup {
  unavailable: string;
  output: string;
}

/**
 * Run scripts/cri-setup.sh. On failure: with FALCO_TS_NO_CONTAINERS=1, warn (naming `label`)
 * and return the reason in `unavailable`; otherwise throw an Error with the reason and output.
 */
export function setupCri(label: string, timeoutMs = 300_000): CriSetup {
  const r = spawnSync("bash", [join(REPO, "scripts/cri-setup.sh")], { encoding: "utf8", timeout: timeoutMs });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status === 0) return { unavailable: "", output };
  const reason = ((r.stderr ?? "").trim().split("\n").pop() ?? "") || r.error?.message || `exit ${r.status}`;
  if (process.env.FALCO_TS_NO_CONTAINERS === "1") {
    console.warn(`[${label}] the private containerd could not be started: ${reason}. FALCO_TS_NO_CONTAINERS=1 is set, so these tests only check that opt-out.`);
    return { unavailable: reason, output };
  }
  throw new Error(`scripts/cri-setup.sh failed: ${reason}\n${output}\n(set FALCO_TS_NO_CONTAINERS=1 to run without containers)`);
}

/** Stop the private containerd (scripts/cri-setup.sh --stop). Never throws. */
export function stopCri(): string {
  const r = spawnSync("bash", [join(REPO, "scripts/cri-setup.sh"), "--stop"], { encoding: "utf8", timeout: 30_000 });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`;
}

/** A pod to create: CRI PodSandboxMetadata + labels; host network (no CNI needed). */
export interface PodSpec {
  name: string;
  namespace: string;
  uid: string;
  labels: Record<string, string>;
}

/** The PodSandboxConfig for `spec` (NamespaceOption network=NODE; no hostname: no UTS namespace with host network). */
export function sandboxConfig(spec: PodSpec): Record<string, unknown> {
  return {
    metadata: { name: spec.name, namespace: spec.namespace, uid: spec.uid, attempt: 0 },
    labels: spec.labels,
    linux: { securityContext: { namespaceOptions: { network: 2, pid: 0, ipc: 0 } } },
  };
}

/** RunPodSandbox; returns the sandbox id. @throws ContainerRuntimeError */
export async function runPod(rt: CriRuntime, spec: PodSpec): Promise<string> {
  const r = await rt.call("RunPodSandbox", { config: sandboxConfig(spec) }, undefined, 60_000);
  return String(r.podSandboxId);
}

/** CreateContainer + StartContainer in a pod; returns the container id. @throws ContainerRuntimeError */
export async function runContainer(rt: CriRuntime, podId: string, pod: PodSpec, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await rt.call(
    "CreateContainer",
    { podSandboxId: podId, config: { metadata: { name }, image: { image: CRI_IMAGE }, ...extra }, sandboxConfig: sandboxConfig(pod) },
    undefined,
    60_000,
  );
  const id = String(r.containerId);
  await rt.call("StartContainer", { containerId: id }, undefined, 60_000);
  return id;
}

/** ExecSync a command in a container; returns stdout and the exit code. @throws ContainerRuntimeError */
export async function execSync(rt: CriRuntime, containerId: string, cmd: string[]): Promise<{ stdout: string; exitCode: number }> {
  const r = await rt.call("ExecSync", { containerId, cmd, timeout: 20 }, undefined, 30_000);
  return { stdout: Buffer.from(String(r.stdout ?? ""), "base64").toString(), exitCode: Number(r.exitCode ?? 0) };
}

/** Stop and remove pods (their containers go with them). Never throws. */
export async function removePods(rt: CriRuntime, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await rt.call("StopPodSandbox", { podSandboxId: id }, undefined, 60_000).catch(() => undefined);
    await rt.call("RemovePodSandbox", { podSandboxId: id }, undefined, 60_000).catch(() => undefined);
  }
}
