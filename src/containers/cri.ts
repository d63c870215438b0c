/**
 * CRI runtimes (containerd, CRI-O, k3s): container metadata over gRPC on the runtime's unix socket,
 * as Falco's container plugin gets it (falcosecurity/plugins plugins/container/go-worker/pkg/container/cri.go):
 * `runtime.v1.RuntimeService/ContainerStatus {container_id, verbose: true}` for the container and
 * `PodSandboxStatus {pod_sandbox_id}` for its pod (name, namespace, uid, labels, IP, host
 * namespaces), `Version` once per socket for container.type ("containerd", "cri-o", else "cri").
 * A runtime that only serves `runtime.v1alpha2` (older containerd / CRI-O) is used through that
 * service instead (same field numbers for everything read here).
 *
 * Transport: @grpc/grpc-js over `unix://<socket>` (node:http2, works inside Bun and in the
 * compiled single binary); messages are encoded with protobufjs from descriptors defined in this
 * file (no .proto file is read at run time). Every request has a deadline (requestTimeoutMs); a
 * missing socket is never dialled; a dead one fails fast with gRPC UNAVAILABLE.
 */
import { existsSync, statSync } from "node:fs";
import type { Client, ServiceError } from "@grpc/grpc-js";
import type protobuf from "protobufjs";
import type { ContainerMount } from "../fields/context.ts";
import { countCpuSet, LABEL_MAX_LEN } from "./docker.ts";
import { type JsonObject, obj, str } from "./json.ts";
import { type ContainerMetadata, ContainerRuntimeError, HOST_CONTAINER, k8sFromLabels } from "./types.ts";

/** Default CRI sockets (Falco's container plugin defaults for containerd, CRI-O and k3s). */
export const DEFAULT_CRI_SOCKETS: readonly string[] = [
  "/run/containerd/containerd.sock",
  "/run/crio/crio.sock",
  "/run/k3s/containerd/containerd.sock",
];

// ---- protobuf descriptors (subset of k8s.io/cri-api pkg/apis/runtime/v1/api.proto) ----------------

const fStr = (id: number) => ({ type: "string", id });
const fMap = (id: number) => ({ keyType: "string", type: "string", id });
const fI64 = (id: number) => ({ type: "int64", id });
const fMsg = (type: string, id: number) => ({ type, id });
const fRep = (type: string, id: number) => ({ rule: "repeated", type, id });

/** JSON descriptor of the CRI messages falco-ts uses (field numbers from cri-api runtime/v1 api.proto). */
export const CRI_PROTO_JSON = {
  nested: {
    cri: {
      nested: {
        NamespaceMode: { values: { POD: 0, CONTAINER: 1, NODE: 2, TARGET: 3 } },
        MountPropagation: { values: { PROPAGATION_PRIVATE: 0, PROPAGATION_HOST_TO_CONTAINER: 1, PROPAGATION_BIDIRECTIONAL: 2 } },
        VersionRequest: { fields: { version: fStr(1) } },
        VersionResponse: { fields: { version: fStr(1), runtimeName: fStr(2), runtimeVersion: fStr(3), runtimeApiVersion: fStr(4) } },
        PodSandboxMetadata: { fields: { name: fStr(1), uid: fStr(2), namespace: fStr(3), attempt: { type: "uint32", id: 4 } } },
        NamespaceOption: { fields: { network: fMsg("NamespaceMode", 1), pid: fMsg("NamespaceMode", 2), ipc: fMsg("NamespaceMode", 3), targetId: fStr(4) } },
        LinuxSandboxSecurityContext: { fields: { namespaceOptions: fMsg("NamespaceOption", 1), privileged: { type: "bool", id: 6 } } },
        LinuxPodSandboxConfig: { fields: { cgroupParent: fStr(1), securityContext: fMsg("LinuxSandboxSecurityContext", 2) } },
        PodSandboxConfig: {
          fields: { metadata: fMsg("PodSandboxMetadata", 1), hostname: fStr(2), logDirectory: fStr(3), labels: fMap(6), annotations: fMap(7), linux: fMsg("LinuxPodSandboxConfig", 8) },
        },
        RunPodSandboxRequest: { fields: { config: fMsg("PodSandboxConfig", 1), runtimeHandler: fStr(2) } },
        RunPodSandboxResponse: { fields: { podSandboxId: fStr(1) } },
        PodSandboxIdRequest: { fields: { podSandboxId: fStr(1) } },
        Empty: { fields: {} },
        PodSandboxStatusRequest: { fields: { podSandboxId: fStr(1), verbose: { type: "bool", id: 2 } } },
        PodSandboxNetworkStatus: { fields: { ip: fStr(1) } },
        Namespace: { fields: { options: fMsg("NamespaceOption", 2) } },
        LinuxPodSandboxStatus: { fields: { namespaces: fMsg("Namespace", 1) } },
        PodSandboxStatus: {
          fields: {
            id: fStr(1),
            metadata: fMsg("PodSandboxMetadata", 2),
            state: { type: "int32", id: 3 },
            createdAt: fI64(4),
            network: fMsg("PodSandboxNetworkStatus", 5),
            linux: fMsg("LinuxPodSandboxStatus", 6),
            labels: fMap(7),
            annotations: fMap(8),
            runtimeHandler: fStr(9),
          },
        },
        PodSandboxStatusResponse: { fields: { status: fMsg("PodSandboxStatus", 1), info: fMap(2) } },
        ContainerMetadata: { fields: { name: fStr(1), attempt: { type: "uint32", id: 2 } } },
        ImageSpec: { fields: { image: fStr(1), annotations: fMap(2) } },
        KeyValue: { fields: { key: fStr(1), value: fStr(2) } },
        Mount: {
          fields: { containerPath: fStr(1), hostPath: fStr(2), readonly: { type: "bool", id: 3 }, selinuxRelabel: { type: "bool", id: 4 }, propagation: fMsg("MountPropagation", 5) },
        },
        LinuxContainerSecurityContext: { fields: { privileged: { type: "bool", id: 2 }, namespaceOptions: fMsg("NamespaceOption", 3) } },
        LinuxContainerResources: {
          fields: { cpuPeriod: fI64(1), cpuQuota: fI64(2), cpuShares: fI64(3), memoryLimitInBytes: fI64(4), oomScoreAdj: fI64(5), cpusetCpus: fStr(6), cpusetMems: fStr(7), memorySwapLimitInBytes: fI64(10) },
        },
        LinuxContainerConfig: { fields: { resources: fMsg("LinuxContainerResources", 1), securityContext: fMsg("LinuxContainerSecurityContext", 2) } },
        ContainerConfig: {
          fields: {
            metadata: fMsg("ContainerMetadata", 1),
            image: fMsg("ImageSpec", 2),
            command: fRep("string", 3),
            args: fRep("string", 4),
            workingDir: fStr(5),
            envs: fRep("KeyValue", 6),
            mounts: fRep("Mount", 7),
            labels: fMap(9),
            annotations: fMap(10),
            logPath: fStr(11),
            linux: fMsg("LinuxContainerConfig", 15),
          },
        },
        CreateContainerRequest: { fields: { podSandboxId: fStr(1), config: fMsg("ContainerConfig", 2), sandboxConfig: fMsg("PodSandboxConfig", 3) } },
        CreateContainerResponse: { fields: { containerId: fStr(1) } },
        ContainerIdRequest: { fields: { containerId: fStr(1) } },
        StopContainerRequest: { fields: { containerId: fStr(1), timeout: fI64(2) } },
        ContainerStatusRequest: { fields: { containerId: fStr(1), verbose: { type: "bool", id: 2 } } },
        ContainerResources: { fields: { linux: fMsg("LinuxContainerResources", 1) } },
        LinuxContainerUser: { fields: { uid: fI64(1), gid: fI64(2) } },
        ContainerUser: { fields: { linux: fMsg("LinuxContainerUser", 1) } },
        ContainerStatus: {
          fields: {
            id: fStr(1),
            metadata: fMsg("ContainerMetadata", 2),
            state: { type: "int32", id: 3 },
            createdAt: fI64(4),
            startedAt: fI64(5),
            finishedAt: fI64(6),
            exitCode: { type: "int32", id: 7 },
            image: fMsg("ImageSpec", 8),
            imageRef: fStr(9),
            reason: fStr(10),
            message: fStr(11),
            labels: fMap(12),
            annotations: fMap(13),
            mounts: fRep("Mount", 14),
            logPath: fStr(15),
            resources: fMsg("ContainerResources", 16),
            user: fMsg("ContainerUser", 17),
            imageId: fStr(18),
          },
        },
        ContainerStatusResponse: { fields: { status: fMsg("ContainerStatus", 1), info: fMap(2) } },
        ContainerFilter: { fields: { id: fStr(1), podSandboxId: fStr(3), labelSelector: fMap(4) } },
        ListContainersRequest: { fields: { filter: fMsg("ContainerFilter", 1) } },
        Container: {
          fields: { id: fStr(1), podSandboxId: fStr(2), metadata: fMsg("ContainerMetadata", 3), image: fMsg("ImageSpec", 4), imageRef: fStr(5), state: { type: "int32", id: 6 }, createdAt: fI64(7), labels: fMap(8), annotations: fMap(9) },
        },
        ListContainersResponse: { fields: { containers: fRep("Container", 1) } },
        ExecSyncRequest: { fields: { containerId: fStr(1), cmd: fRep("string", 2), timeout: fI64(3) } },
        ExecSyncResponse: { fields: { stdout: { type: "bytes", id: 1 }, stderr: { type: "bytes", id: 2 }, exitCode: { type: "int32", id: 3 } } },
      },
    },
  },
};

/** gRPC and protobuf, loaded on the first CRI call (they cost ~27 MiB of RSS; most hosts have no CRI socket). */
interface CriLibs {
  grpc: typeof import("@grpc/grpc-js");
  root: protobuf.Root;
  types: Map<string, protobuf.Type>;
}
let libs: Promise<CriLibs> | undefined;
function criLibs(): Promise<CriLibs> {
  libs ??= Promise.all([import("@grpc/grpc-js"), import("protobufjs")]).then(([grpc, pb]) => ({
    grpc,
    root: (pb.default ?? pb).Root.fromJSON(CRI_PROTO_JSON),
    types: new Map<string, protobuf.Type>(),
  }));
  return libs;
}
function ptype(l: CriLibs, name: string): protobuf.Type {
  let t = l.types.get(name);
  if (!t) {
    t = l.root.lookupType(`cri.${name}`);
    l.types.set(name, t);
  }
  return t;
}
/** gRPC status codes used here (grpc/doc/statuscodes.md). */
const GRPC_NOT_FOUND = 5;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNIMPLEMENTED = 12;
const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, bytes: String, defaults: true, arrays: true, objects: true };

/** RuntimeService methods falco-ts calls, with their request and response message names. */
const METHODS = {
  Version: ["VersionRequest", "VersionResponse"],
  RunPodSandbox: ["RunPodSandboxRequest", "RunPodSandboxResponse"],
  StopPodSandbox: ["PodSandboxIdRequest", "Empty"],
  RemovePodSandbox: ["PodSandboxIdRequest", "Empty"],
  PodSandboxStatus: ["PodSandboxStatusRequest", "PodSandboxStatusResponse"],
  CreateContainer: ["CreateContainerRequest", "CreateContainerResponse"],
  StartContainer: ["ContainerIdRequest", "Empty"],
  StopContainer: ["StopContainerRequest", "Empty"],
  RemoveContainer: ["ContainerIdRequest", "Empty"],
  ListContainers: ["ListContainersRequest", "ListContainersResponse"],
  ContainerStatus: ["ContainerStatusRequest", "ContainerStatusResponse"],
  ExecSync: ["ExecSyncRequest", "ExecSyncResponse"],
} as const;

/** A RuntimeService method name (subset). */
export type CriMethod = keyof typeof METHODS;

// ---- decoded shapes (protobufjs toObject with defaults: every field present) ---------------------

type Obj = JsonObject;

/** A decoded ContainerStatusResponse / PodSandboxStatusResponse as plain objects (camelCase fields, int64 as decimal strings). */
export type CriObject = Obj;

// ---- one runtime (one socket) --------------------------------------------------------------------

/**
 * gRPC client of one CRI socket. Requests are plain objects in protobufjs form (camelCase field
 * names); answers are plain objects with every field present (int64 as decimal strings, enums as
 * numbers, maps as objects). @throws ContainerRuntimeError from `call` (status 404 for gRPC NOT_FOUND,
 * timedOut for DEADLINE_EXCEEDED)
 */
export class CriRuntime {
  /** "runtime.v1" or, after an UNIMPLEMENTED answer to a v1 call, "runtime.v1alpha2". */
  apiPackage = "runtime.v1";
  private client: Client | undefined;
  private versionInfo: Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> | undefined;

  constructor(
    /** Socket path (HOST_ROOT-prefixed already). */
    readonly socketPath: string,
    /** Deadline of each request, ms. */
    readonly timeoutMs = 5000,
  ) {}

  private channel(l: CriLibs): Client {
    if (!this.client) {
      this.client = new l.grpc.Client(`unix://${this.socketPath}`, l.grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": 16 * 1024 * 1024,
        // The runtime is local: reconnect quickly after it restarts.
        "grpc.initial_reconnect_backoff_ms": 100,
        "grpc.max_reconnect_backoff_ms": 2000,
      });
    }
    return this.client;
  }

  /**
   * Call a RuntimeService method; falls back to runtime.v1alpha2 once when v1 is UNIMPLEMENTED.
   * `timeoutMs` overrides the client's deadline for this call (ExecSync runs a command).
   * @throws ContainerRuntimeError
   */
  async call(method: CriMethod, request: Obj, signal?: AbortSignal, timeoutMs = this.timeoutMs): Promise<Obj> {
    try {
      return await this.callOnce(method, request, signal, timeoutMs);
    } catch (e) {
      if (this.apiPackage === "runtime.v1" && (e as { grpcCode?: number }).grpcCode === GRPC_UNIMPLEMENTED) {
        this.apiPackage = "runtime.v1alpha2";
        return this.callOnce(method, request, signal, timeoutMs);
      }
      throw e;
    }
  }

  private async callOnce(method: CriMethod, request: Obj, signal: AbortSignal | undefined, timeoutMs: number): Promise<Obj> {
    const l = await criLibs();
    const [reqName, resName] = METHODS[method];
    const reqType = ptype(l, reqName);
    const resType = ptype(l, resName);
    const path = `/${this.apiPackage}.RuntimeService/${method}`;
    const where = `cri ${this.socketPath}: ${method}`;
    return new Promise<Obj>((resolve, reject) => {
      if (signal?.aborted) return reject(new ContainerRuntimeError(`${where}: aborted`));
      let payload: Buffer;
      try {
        const err = reqType.verify(request);
        if (err) throw new Error(err);
        payload = Buffer.from(reqType.encode(reqType.fromObject(request)).finish());
      } catch (e) {
        return reject(new ContainerRuntimeError(`${where}: cannot encode request: ${(e as Error).message}`));
      }
      const call = this.channel(l).makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        payload,
        new l.grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err: ServiceError | null, value?: Buffer) => {
          signal?.removeEventListener("abort", onAbort);
          if (err) {
            const timedOut = err.code === GRPC_DEADLINE_EXCEEDED;
            const why = timedOut ? `no answer within ${timeoutMs} ms` : `${l.grpc.status[err.code] ?? err.code}: ${err.details || err.message}`;
            const e = new ContainerRuntimeError(`${where}: ${why}`, err.code === GRPC_NOT_FOUND ? 404 : 0, timedOut);
            (e as { grpcCode?: number }).grpcCode = err.code;
            return reject(e);
          }
          try {
            resolve(resType.toObject(resType.decode(value ?? Buffer.alloc(0)), TO_OBJECT) as Obj);
          } catch (e) {
            reject(new ContainerRuntimeError(`${where}: cannot decode answer: ${(e as Error).message}`));
          }
        },
      );
      const onAbort = (): void => call.cancel();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Version (cached after the first success): runtime name ("containerd", "cri-o", ...) and versions. @throws ContainerRuntimeError */
  version(signal?: AbortSignal): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    if (!this.versionInfo) {
      const p = this.call("Version", { version: "v1" }, signal).then((r) => ({
        runtimeName: String(r.runtimeName ?? ""),
        runtimeVersion: String(r.runtimeVersion ?? ""),
        runtimeApiVersion: String(r.runtimeApiVersion ?? ""),
      }));
      this.versionInfo = p;
      p.catch(() => {
        if (this.versionInfo === p) this.versionInfo = undefined;
      });
    }
    return this.versionInfo;
  }

  /** Close the channel (a later call reopens it). */
  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}

// ---- client over the configured sockets -----------------------------------------------------------

/** Options of CriClient. */
export interface CriClientOptions {
  /** Deadline of each gRPC request, ms (default 5000). */
  requestTimeoutMs?: number;
  /** How long an id the runtime does not know (yet) is asked again, every 100 ms (default 1000; 0 = once). */
  notFoundRetryMs?: number;
}

/**
 * CRI client over a list of candidate sockets (already HOST_ROOT-prefixed): a lookup asks each
 * socket that exists, in order, until one knows the container. Mirrors the container plugin's
 * criEngine.get (ContainerStatus verbose + PodSandboxStatus) and, for a pod sandbox id (the pause
 * container, which ContainerStatus does not know), PodSandboxStatus verbose.
 */
export class CriClient {
  readonly requestTimeoutMs: number;
  readonly notFoundRetryMs: number;
  private readonly runtimes = new Map<string, CriRuntime>();

  constructor(
    readonly socketPaths: readonly string[],
    opts: CriClientOptions = {},
  ) {
    this.requestTimeoutMs = opts.requestTimeoutMs && opts.requestTimeoutMs > 0 ? opts.requestTimeoutMs : 5000;
    this.notFoundRetryMs = opts.notFoundRetryMs !== undefined && opts.notFoundRetryMs >= 0 ? opts.notFoundRetryMs : 1000;
  }

  /** Sockets that exist on this machine as unix sockets (only those are dialled). */
  presentSockets(): string[] {
    return this.socketPaths.filter((p) => {
      try {
        return existsSync(p) && statSync(p).isSocket();
      } catch {
        return false;
      }
    });
  }

  /** True when at least one configured socket exists (it may still be dead). */
  available(): boolean {
    return this.presentSockets().length > 0;
  }

  /** Set by close(): no new channel is opened afterwards. */
  private closed = false;

  /** The (cached) runtime client of one socket. @throws ContainerRuntimeError after close() */
  runtime(socketPath: string): CriRuntime {
    if (this.closed) throw new ContainerRuntimeError(`cri ${socketPath}: client closed (agent stopping)`);
    let r = this.runtimes.get(socketPath);
    if (!r) {
      r = new CriRuntime(socketPath, this.requestTimeoutMs);
      this.runtimes.set(socketPath, r);
    }
    return r;
  }

  /**
   * Metadata of a container (full 64-hex id or a unique prefix such as the 12-hex container.id)
   * or of a pod sandbox (id = sandbox id), from the first socket that knows it.
   * @throws ContainerRuntimeError: no socket present; every socket failed (the message lists why;
   * status 404 when every runtime that answered said NOT_FOUND; timedOut when one timed out)
   */
  async inspect(id: string, signal?: AbortSignal): Promise<ContainerMetadata> {
    const present = this.presentSockets();
    if (present.length === 0) {
      throw new ContainerRuntimeError(`cri: no CRI socket among ${this.socketPaths.join(", ") || "(none configured)"}`);
    }
    const errors: ContainerRuntimeError[] = [];
    for (const sock of present) {
      try {
        return await this.inspectOn(this.runtime(sock), id, signal);
      } catch (e) {
        errors.push(e instanceof ContainerRuntimeError ? e : new ContainerRuntimeError(`cri ${sock}: ${String(e)}`));
      }
    }
    const allNotFound = errors.every((e) => e.status === 404);
    throw new ContainerRuntimeError(
      errors.map((e) => e.message).join("; "),
      allNotFound ? 404 : 0,
      errors.some((e) => e.timedOut),
    );
  }

  /**
   * `inspectOn`, polled every 100 ms for up to notFoundRetryMs while the runtime says NOT_FOUND:
   * containerd adds a pod sandbox to its store only once RunPodSandbox finished, after the pause
   * process already ran (its first events are sighted before the runtime knows the id).
   */
  private async inspectOn(rt: CriRuntime, id: string, signal?: AbortSignal): Promise<ContainerMetadata> {
    const until = Date.now() + this.notFoundRetryMs;
    for (;;) {
      try {
        return await this.inspectOnce(rt, id, signal);
      } catch (e) {
        if (!(e instanceof ContainerRuntimeError) || e.status !== 404 || Date.now() + 100 > until || signal?.aborted) throw e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async inspectOnce(rt: CriRuntime, id: string, signal?: AbortSignal): Promise<ContainerMetadata> {
    const ver = await rt.version(signal);
    const type = criContainerType(ver.runtimeName);
    let status: Obj;
    try {
      status = await rt.call("ContainerStatus", { containerId: id, verbose: true }, signal);
    } catch (e) {
      if (!(e instanceof ContainerRuntimeError) || e.status !== 404) throw e;
      // Not a container: maybe a pod sandbox (its pause container runs processes too).
      let sandbox: Obj;
      try {
        sandbox = await rt.call("PodSandboxStatus", { podSandboxId: id, verbose: true }, signal);
      } catch (e2) {
        if (e2 instanceof ContainerRuntimeError && e2.status === 404) {
          throw new ContainerRuntimeError(`cri ${rt.socketPath}: no container or pod sandbox ${id}`, 404);
        }
        throw e2;
      }
      return metadataFromCriSandbox(type, sandbox);
    }
    const st = obj(status.status);
    const info = parseInfo(obj(status.info));
    const sandboxId = str(info, "sandboxID") || (await this.sandboxIdOf(rt, str(st, "id"), signal));
    let sandbox: Obj | undefined;
    if (sandboxId !== "") {
      try {
        // verbose=false, as the plugin's get(): the sandbox info is not needed for a container.
        sandbox = await rt.call("PodSandboxStatus", { podSandboxId: sandboxId, verbose: false }, signal);
      } catch {
        sandbox = undefined;
      }
    }
    return metadataFromCriStatus(type, status, sandbox);
  }

  /**
   * Ids (64 hex) of the running containers of every present socket (ListContainers, state
   * CONTAINER_RUNNING), as the plugin lists them at start. A socket that fails is skipped; its
   * error is passed to `onError`. Never throws.
   */
  async listRunning(signal?: AbortSignal, onError?: (e: ContainerRuntimeError) => void): Promise<string[]> {
    const ids: string[] = [];
    for (const sock of this.presentSockets()) {
      try {
        const r = await this.runtime(sock).call("ListContainers", { filter: {} }, signal);
        if (!Array.isArray(r.containers)) continue;
        for (const c of r.containers) {
          const o = obj(c);
          if (o && Number(o.state) === 1 && str(o, "id") !== "") ids.push(str(o, "id"));
        }
      } catch (e) {
        onError?.(e instanceof ContainerRuntimeError ? e : new ContainerRuntimeError(`cri ${sock}: ListContainers: ${String(e)}`));
      }
    }
    return ids;
  }

  /** The pod sandbox id of a container via ListContainers{id} ("" when unknown). */
  private async sandboxIdOf(rt: CriRuntime, id: string, signal?: AbortSignal): Promise<string> {
    if (id === "") return "";
    try {
      const r = await rt.call("ListContainers", { filter: { id } }, signal);
      const first = Array.isArray(r.containers) ? obj(r.containers[0]) : undefined;
      return str(first, "podSandboxId");
    } catch {
      return "";
    }
  }

  /** Close every channel; later lookups fail at once instead of opening new ones. */
  close(): void {
    this.closed = true;
    for (const r of this.runtimes.values()) r.close();
    this.runtimes.clear();
  }
}

// ---- mapping (container plugin cri.go ctrToInfo) ---------------------------------------------------

/** container.type from the runtime name of Version (plugin getRuntime): "containerd", "cri-o", else "cri". */
export function criContainerType(runtimeName: string): string {
  return runtimeName === "containerd" || runtimeName === "cri-o" ? runtimeName : "cri";
}

/**
 * Split an image name into repository and tag as the plugin's parseImageRepoTag: a digest
 * ("@...") is dropped; the tag is what follows the last ":" when that ":" comes after the last "/".
 */
export function parseImageRepoTag(image: string): { repo: string; tag: string } {
  if (image === "") return { repo: "", tag: "" };
  const at = image.indexOf("@");
  const s = at >= 0 ? image.slice(0, at) : image;
  const slash = s.lastIndexOf("/");
  const colon = s.lastIndexOf(":");
  if (colon < 0 || (slash >= 0 && colon < slash)) return { repo: s, tag: "" };
  return { repo: s.slice(0, colon), tag: s.slice(colon + 1) };
}

const PROPAGATION = ["private", "rslave", "rshared"];

/**
 * ContainerMetadata from a decoded ContainerStatusResponse (`status` with verbose `info`) and the
 * decoded PodSandboxStatusResponse of its pod (undefined when unknown), following the container
 * plugin's ctrToInfo (falcosecurity/plugins plugins/container/go-worker/pkg/container/cri.go):
 * name = metadata.name; image from image.image / image_ref ("repo@sha256:..." gives the digest
 * and, with the tag of image.image, the name), else the runtime spec annotations
 * io.kubernetes.cri.image-name / io.kubernetes.cri-o.Image[Name]; image id from info.config.image
 * ("sha256:<hex>" → hex) else image_id; privileged from info (runtimeSpec, config, then top level);
 * env from info.config.envs; mounts (host_path, container_path, !readonly, propagation
 * private/rslave/rshared/unknown); labels (≤ 100 chars) plus io.kubernetes.sandbox.id and, from the
 * sandbox, io.kubernetes.pod.{uid,name,namespace}; pod sandbox labels; IP and host pid/net/ipc from
 * the sandbox; user = uid as decimal; created time in s; resources (cpu period/quota/shares,
 * cpuset count, memory and swap limits). podCniResult is "" as in the plugin, whose CNI JSON is
 * only kept on a marshalling error, except CRI-O's io.kubernetes.cri-o.CNIResult annotation. Never throws.
 */
export function metadataFromCriStatus(type: string, statusResp: CriObject, sandboxResp?: CriObject): ContainerMetadata {
  const st = obj(statusResp.status) ?? {};
  const info = parseInfo(obj(statusResp.info));
  const fullId = str(st, "id").toLowerCase();
  const sandbox = obj(sandboxResp?.status);
  const sandboxInfo = parseInfo(obj(sandboxResp?.info));

  const lin = obj(obj(st.resources)?.linux);
  const cpuPeriod = int(lin, "cpuPeriod");
  const cpuShares = int(lin, "cpuShares");

  const mounts: ContainerMount[] = [];
  if (Array.isArray(st.mounts)) {
    for (const m of st.mounts) {
      const mo = obj(m);
      if (!mo) continue;
      const p = Number(mo.propagation ?? 0);
      mounts.push({ source: str(mo, "hostPath"), dest: str(mo, "containerPath"), mode: "", rdwr: mo.readonly !== true, propagation: PROPAGATION[p] ?? "unknown" });
    }
  }

  const podSandboxId = sandbox ? str(sandbox, "id") : fullId;
  const labels = new Map<string, string>();
  for (const [k, v] of Object.entries(obj(st.labels) ?? {})) if (typeof v === "string" && v.length <= LABEL_MAX_LEN) labels.set(k, v);
  labels.set("io.kubernetes.sandbox.id", podSandboxId);
  const sbMeta = obj(sandbox?.metadata);
  if (sbMeta) {
    labels.set("io.kubernetes.pod.uid", str(sbMeta, "uid"));
    labels.set("io.kubernetes.pod.name", str(sbMeta, "name"));
    labels.set("io.kubernetes.pod.namespace", str(sbMeta, "namespace"));
  }
  const podSandboxLabels = new Map<string, string>();
  for (const [k, v] of Object.entries(obj(sandbox?.labels) ?? {})) if (typeof v === "string" && v.length <= LABEL_MAX_LEN) podSandboxLabels.set(k, v);

  // Image name, digest, repository and tag (ctrToInfo's image_ref handling).
  let imageName = str(obj(st.image), "image");
  const imageRef = str(st, "imageRef");
  let imageDigest = "";
  let tagFromImage = false;
  const ds = imageRef.indexOf("sha256:");
  if (ds === 0) imageDigest = imageRef;
  else if (ds > 0 && imageRef[ds - 1] === "@") {
    imageName = imageRef.slice(0, ds - 1);
    imageDigest = imageRef.slice(ds);
    tagFromImage = true;
  }
  if (imageName === "" || imageName.startsWith("sha256")) {
    const ann = obj(obj(info?.runtimeSpec)?.annotations);
    const v = info?.runtimeSpec !== undefined ? annotation(ann, "io.kubernetes.cri.image-name") ?? annotation(ann, "io.kubernetes.cri-o.Image") ?? annotation(ann, "io.kubernetes.cri-o.ImageName") : undefined;
    if (v !== undefined) {
      imageName = v;
      tagFromImage = false;
    }
  }
  let { repo: imageRepo, tag: imageTag } = parseImageRepoTag(imageName);
  if (tagFromImage) {
    const t = parseImageRepoTag(str(obj(st.image), "image")).tag;
    if (t !== "") {
      imageTag = t;
      imageName += `:${t}`;
    }
  }
  let imageId = parseImageRepoTag(str(obj(obj(info?.config)?.image), "image")).tag;
  if (imageId === "") imageId = str(st, "imageId");

  const nsOpts = obj(obj(obj(sandbox?.linux)?.namespaces)?.options);
  const env: string[] = [];
  const envs = obj(info?.config)?.envs;
  if (Array.isArray(envs)) for (const e of envs) env.push(`${str(obj(e), "key")}=${str(obj(e), "value")}`);

  let podCniResult = "";
  const sbAnn = obj(obj(sandboxInfo?.runtimeSpec)?.annotations);
  if (sandboxInfo && obj(sandboxInfo.cniResult) === undefined && typeof sbAnn?.["io.kubernetes.cri-o.CNIResult"] === "string") {
    podCniResult = (sbAnn["io.kubernetes.cri-o.CNIResult"] as string).slice(0, 4096);
  }

  return {
    id: fullId.slice(0, 12),
    fullId,
    name: str(obj(st.metadata), "name"),
    type,
    image: imageName,
    imageId,
    imageRepo,
    imageTag,
    imageDigest,
    ip: str(obj(sandbox?.network), "ip"),
    privileged: privilegedFromInfo(info),
    hostPid: Number(nsOpts?.pid ?? -1) === 2,
    hostNetwork: Number(nsOpts?.network ?? -1) === 2,
    hostIpc: Number(nsOpts?.ipc ?? -1) === 2,
    mounts,
    labels,
    podSandboxId,
    podSandboxLabels,
    podCniResult,
    createdTime: Math.trunc(int(st, "createdAt") / 1e9),
    startTs: bigint(st, "startedAt"),
    pid: typeof info?.pid === "number" ? info.pid : 0,
    user: String(bigint(obj(obj(st.user)?.linux), "uid")),
    env,
    isPodSandbox: false,
    portMappings: [],
    memoryLimit: int(lin, "memoryLimitInBytes"),
    swapLimit: int(lin, "memorySwapLimitInBytes"),
    cpuShares: cpuShares > 0 ? cpuShares : 1024,
    cpuPeriod: cpuPeriod > 0 ? cpuPeriod : 100000,
    cpuQuota: int(lin, "cpuQuota"),
    cpusetCpuCount: countCpuSet(str(lin, "cpusetCpus")),
    ...k8sFromLabels(labels),
  };
}

/**
 * ContainerMetadata of a pod sandbox (the pause container) from a decoded verbose
 * PodSandboxStatusResponse: id = sandbox id, name = pod name, image = the sandbox image from the
 * verbose info (containerd: info.image; else the runtime spec annotation
 * io.kubernetes.cri.image-name / io.kubernetes.cri-o.Image), labels = the pod's labels plus
 * io.kubernetes.pod.{uid,name,namespace} and io.kubernetes.sandbox.id, IP and host namespaces from
 * the status, pid from info.pid, isPodSandbox true. Never throws.
 */
export function metadataFromCriSandbox(type: string, sandboxResp: CriObject): ContainerMetadata {
  const sb = obj(sandboxResp.status) ?? {};
  const info = parseInfo(obj(sandboxResp.info));
  const fullId = str(sb, "id").toLowerCase();
  const meta = obj(sb.metadata);
  const podLabels = new Map<string, string>();
  for (const [k, v] of Object.entries(obj(sb.labels) ?? {})) if (typeof v === "string" && v.length <= LABEL_MAX_LEN) podLabels.set(k, v);
  const labels = new Map(podLabels);
  labels.set("io.kubernetes.sandbox.id", fullId);
  if (meta) {
    labels.set("io.kubernetes.pod.uid", str(meta, "uid"));
    labels.set("io.kubernetes.pod.name", str(meta, "name"));
    labels.set("io.kubernetes.pod.namespace", str(meta, "namespace"));
  }
  const ann = obj(obj(info?.runtimeSpec)?.annotations);
  const image = (typeof info?.image === "string" ? info.image : undefined) ?? annotation(ann, "io.kubernetes.cri.image-name") ?? annotation(ann, "io.kubernetes.cri-o.Image") ?? "";
  const { repo, tag } = parseImageRepoTag(image);
  const nsOpts = obj(obj(obj(sb.linux)?.namespaces)?.options);
  return {
    ...HOST_CONTAINER, // the defaults of every field not set below
    id: fullId.slice(0, 12),
    fullId,
    name: str(meta, "name"),
    type,
    image,
    imageRepo: repo,
    imageTag: tag,
    ip: str(obj(sb.network), "ip"),
    privileged: privilegedFromInfo(info),
    hostPid: Number(nsOpts?.pid ?? -1) === 2,
    hostNetwork: Number(nsOpts?.network ?? -1) === 2,
    hostIpc: Number(nsOpts?.ipc ?? -1) === 2,
    labels,
    podSandboxId: fullId,
    podSandboxLabels: podLabels,
    createdTime: Math.trunc(int(sb, "createdAt") / 1e9),
    pid: typeof info?.pid === "number" ? info.pid : 0,
    isPodSandbox: true,
    ...k8sFromLabels(labels),
  };
}

/** Privileged flag from the verbose info, in the plugin's order: runtimeSpec.linux.security_context, config.linux.security_context, top-level privileged. */
function privilegedFromInfo(info: Obj | undefined): boolean {
  const a = obj(obj(obj(info?.runtimeSpec)?.linux)?.security_context)?.privileged;
  if (typeof a === "boolean") return a;
  const b = obj(obj(obj(info?.config)?.linux)?.security_context)?.privileged;
  if (typeof b === "boolean") return b;
  return info?.privileged === true;
}

/** The verbose `info["info"]` JSON of a status answer, parsed; undefined when absent or not JSON. */
function parseInfo(info: Obj | undefined): Obj | undefined {
  const raw = info?.info;
  if (typeof raw !== "string") return undefined;
  try {
    return obj(JSON.parse(raw));
  } catch {
    return undefined;
  }
}

function annotation(ann: Obj | undefined, key: string): string | undefined {
  const v = ann?.[key];
  return typeof v === "string" ? v : undefined;
}

/** An int64 field (decimal string or number) as a number; 0 when absent. */
function int(o: Obj | undefined, k: string): number {
  const v = o?.[k];
  const n = typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : 0;
  return Number.isFinite(n) ? n : 0;
}

/** An int64 field as a bigint; 0n when absent or not an integer. */
function bigint(o: Obj | undefined, k: string): bigint {
  const v = o?.[k];
  try {
    if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
    if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  } catch {
    /* fall through */
  }
  return 0n;
}
