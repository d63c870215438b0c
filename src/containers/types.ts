/**
 * Container metadata as falco-ts's runtime clients produce it: the field layer's `ContainerInfo`
 * (src/fields/context.ts, modelled on the container plugin's container_info,
 * falcosecurity/plugins plugins/container/src/container_info.h) plus what the runtime also reports
 * (creation/start time, user, env, port mappings, resource limits, k8s names from labels).
 */
import type { ContainerInfo, ContainerMount } from "../fields/context.ts";

/** A published TCP port (container plugin container_port_mapping); only "tcp" ports are kept, as the plugin does. */
export interface ContainerPortMapping {
  /** Host address as the runtime reports it ("0.0.0.0", "::", "" for any). */
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
}

/**
 * Everything a runtime lookup returns. Assignable to the field layer's ContainerInfo, so a
 * ContainerManager can be passed as `FieldContext.containers` directly.
 */
export interface ContainerMetadata extends ContainerInfo {
  /** Creation time, seconds since the epoch (container_info::m_created_time); 0 if unknown. */
  readonly createdTime: number;
  /**
   * Start time reported by the runtime (Docker State.StartedAt), ns since the epoch; 0n if unknown.
   * Note: Falco's `container.start_ts` is the pid namespace init's start time from the kernel
   * (proc.pidns_init_start_ts), not this value; prefer that in the field extractor.
   */
  readonly startTs: bigint;
  /** Host pid of the container's init process (Docker State.Pid); 0 when not running. */
  readonly pid: number;
  /** Config.User ("" = image default). */
  readonly user: string;
  readonly env: readonly string[];
  /** Name contains "k8s_POD" (docker-shim pod sandbox), as the plugin decides it. */
  readonly isPodSandbox: boolean;
  readonly portMappings: readonly ContainerPortMapping[];
  readonly memoryLimit: number;
  readonly swapLimit: number;
  /** CPU shares (default 1024) and CFS period (default 100000 µs), quota (0 = none), cpuset size. */
  readonly cpuShares: number;
  readonly cpuPeriod: number;
  readonly cpuQuota: number;
  readonly cpusetCpuCount: number;
  /** k8s.ns.name / k8s.pod.name / k8s.pod.uid from labels io.kubernetes.pod.{namespace,name,uid}; "" if absent. */
  readonly k8sNsName: string;
  readonly k8sPodName: string;
  readonly k8sPodUid: string;
}

export type { ContainerInfo, ContainerMount };

/** The host pseudo-container (container_info::host_container_info): id, full id and name "host". */
export const HOST_CONTAINER: ContainerMetadata = Object.freeze({
  id: "host",
  fullId: "host",
  name: "host",
  type: "host",
  image: "",
  imageId: "",
  imageRepo: "",
  imageTag: "",
  imageDigest: "",
  ip: "",
  privileged: false,
  hostPid: false,
  hostNetwork: false,
  hostIpc: false,
  mounts: Object.freeze([]) as readonly ContainerMount[],
  labels: new Map<string, string>() as ReadonlyMap<string, string>,
  podSandboxId: "",
  podSandboxLabels: new Map<string, string>() as ReadonlyMap<string, string>,
  podCniResult: "",
  createdTime: 0,
  startTs: 0n,
  pid: 0,
  user: "",
  env: Object.freeze([]) as readonly string[],
  isPodSandbox: false,
  portMappings: Object.freeze([]) as readonly ContainerPortMapping[],
  memoryLimit: 0,
  swapLimit: 0,
  cpuShares: 1024,
  cpuPeriod: 100000,
  cpuQuota: 0,
  cpusetCpuCount: 0,
  k8sNsName: "",
  k8sPodName: "",
  k8sPodUid: "",
});

/** Error from a container runtime client: what failed, against which socket, and why. */
export class ContainerRuntimeError extends Error {
  constructor(
    message: string,
    /** HTTP status when the runtime answered with an error (404 = no such container; CRI's gRPC NOT_FOUND maps to 404), else 0. */
    readonly status = 0,
    /** True when the request was abandoned because the runtime did not answer in time. */
    readonly timedOut = false,
  ) {
    super(message);
    this.name = "ContainerRuntimeError";
  }
}

/**
 * k8s.ns.name / k8s.pod.name / k8s.pod.uid from a container's labels (io.kubernetes.pod.namespace,
 * .name, .uid, which kubelet sets through the CRI); "" when absent.
 */
export function k8sFromLabels(labels: ReadonlyMap<string, string>): Pick<ContainerMetadata, "k8sNsName" | "k8sPodName" | "k8sPodUid"> {
  return {
    k8sNsName: labels.get("io.kubernetes.pod.namespace") ?? "",
    k8sPodName: labels.get("io.kubernetes.pod.name") ?? "",
    k8sPodUid: labels.get("io.kubernetes.pod.uid") ?? "",
  };
}
