/**
 * CRI client unit tests: the mapping of ContainerStatus / PodSandboxStatus answers to container
 * metadata (from a real containerd 1.6.20 answer recorded once in test/fixtures/cri/, plus edge
 * cases of the container plugin's ctrToInfo), the gRPC transport against an in-process fake
 * RuntimeService (v1, v1alpha2 fallback, NOT_FOUND → sandbox lookup, deadline, dead socket), the
 * engine choice from cgroups (containerHintFromCgroups) and the configuration spellings
 * (--cri, container_engines.cri.cri, the container plugin's engines.cri.sockets).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Server, ServerCredentials, status as GrpcStatus, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { ContainerManager, containerHintFromCgroups } from "../src/containers/cache.ts";
import { CRI_PROTO_JSON, CriClient, CriRuntime, criContainerType, metadataFromCriSandbox, metadataFromCriStatus, parseImageRepoTag } from "../src/containers/cri.ts";
import { ContainerRuntimeError } from "../src/containers/types.ts";
import { criSocketsFromAliases, defaultConfig, loadConfigFile, applyOverrides } from "../src/cli/config.ts";

const REPO = join(import.meta.dirname, "..");
const FIXTURE = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/cri/containerd-1.6.20.json"), "utf8")) as {
  version: { runtimeName: string };
  containerStatus: Record<string, unknown>;
  sandboxStatus: Record<string, unknown>;
  sandboxStatusPlain: Record<string, unknown>;
};
const CTR_ID = (FIXTURE.containerStatus.status as { id: string }).id;
const POD_ID = (FIXTURE.sandboxStatus.status as { id: string }).id;

/** A ContainerStatusResponse like the fixture's with `status` members replaced and `info` JSON merged. */
function statusWith(over: Record<string, unknown>, infoOver?: Record<string, unknown>): Record<string, unknown> {
  const base = structuredClone(FIXTURE.containerStatus) as { status: Record<string, unknown>; info: { info: string } };
  const info = { ...(JSON.parse(base.info.info) as Record<string, unknown>), ...infoOver };
  return { status: { ...base.status, ...over }, info: { info: JSON.stringify(info) } };
}

describe("metadataFromCriStatus (recorded containerd 1.6.20 answer)", () => {
  const md = metadataFromCriStatus(criContainerType(FIXTURE.version.runtimeName), FIXTURE.containerStatus, FIXTURE.sandboxStatusPlain);

  it("maps ids, name, type, image and its repository/tag/digest", () => {
    expect(md.id).toBe(CTR_ID.slice(0, 12));
    expect(md.fullId).toBe(CTR_ID);
    expect(md.type).toBe("containerd");
    expect(md.name).toBe("web");
    expect(md.image).toBe("docker.io/library/nginx:latest");
    expect(md.imageRepo).toBe("docker.io/library/nginx");
    expect(md.imageTag).toBe("latest");
    expect(md.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The plugin takes the image id from info.config.image.image's tag part (kubelet puts the
    // image id "sha256:<hex>" there; this pod was created with the image name).
    expect(md.imageId).toBe("latest");
  });

  it("maps pod metadata from the sandbox into labels and k8s fields", () => {
    expect(md.k8sPodName).toBe("ftscri-pod");
    expect(md.k8sNsName).toBe("ftscri-ns");
    expect(md.k8sPodUid).toBe("uid-1234");
    expect(md.labels.get("io.kubernetes.sandbox.id")).toBe(POD_ID);
    expect(md.labels.get("app")).toBe("web");
    expect(md.podSandboxId).toBe(POD_ID);
    expect(Object.fromEntries(md.podSandboxLabels)).toEqual({ app: "ftscri", tier: "test" });
    expect(md.hostNetwork).toBe(true);
    expect(md.hostPid).toBe(false);
    expect(md.hostIpc).toBe(false);
    expect(md.isPodSandbox).toBe(false);
  });

  it("maps mounts, times, pid, user and resource defaults", () => {
    expect(md.mounts).toEqual([{ source: "/tmp", dest: "/data", mode: "", rdwr: false, propagation: "private" }]);
    const st = FIXTURE.containerStatus.status as { createdAt: string; startedAt: string };
    expect(md.createdTime).toBe(Math.trunc(Number(st.createdAt) / 1e9));
    expect(md.startTs).toBe(BigInt(st.startedAt));
    expect(md.pid).toBe((JSON.parse((FIXTURE.containerStatus.info as { info: string }).info) as { pid: number }).pid);
    expect(md.user).toBe("0");
    expect(md.privileged).toBe(false);
    expect(md).toMatchObject({ cpuShares: 1024, cpuPeriod: 100000, cpuQuota: 0, memoryLimit: 0, swapLimit: 0, cpusetCpuCount: 0, podCniResult: "" });
  });

  it("without a sandbox answer: no pod fields, sandbox id = the container id (as the plugin)", () => {
    const m = metadataFromCriStatus("containerd", FIXTURE.containerStatus);
    expect(m.podSandboxId).toBe(CTR_ID);
    expect(m.k8sPodName).toBe("");
    expect(m.labels.has("io.kubernetes.pod.name")).toBe(false);
    expect(m.ip).toBe("");
  });
});

describe("ctrToInfo edge cases", () => {
  it("image_ref 'repo@sha256:..' gives name, digest and the tag of image.image", () => {
    const m = metadataFromCriStatus("cri-o", statusWith({ image: { image: "quay.io/team/app:1.2", annotations: {} }, imageRef: "quay.io/team/app@sha256:abcd" }));
    expect(m).toMatchObject({ image: "quay.io/team/app:1.2", imageRepo: "quay.io/team/app", imageTag: "1.2", imageDigest: "sha256:abcd", type: "cri-o" });
  });

  it("an image given as sha256 id takes the name from the runtime spec annotation", () => {
    const m = metadataFromCriStatus(
      "containerd",
      statusWith({ image: { image: "sha256:1111", annotations: {} }, imageRef: "sha256:2222" }, { runtimeSpec: { annotations: { "io.kubernetes.cri.image-name": "registry:5000/x/y:v3" } }, config: { image: { image: "sha256:99aa" } } }),
    );
    expect(m).toMatchObject({ image: "registry:5000/x/y:v3", imageRepo: "registry:5000/x/y", imageTag: "v3", imageDigest: "sha256:2222", imageId: "99aa" });
  });

  it("privileged: runtimeSpec security context first, then config, then top level", () => {
    expect(metadataFromCriStatus("containerd", statusWith({}, { privileged: true })).privileged).toBe(true);
    expect(metadataFromCriStatus("containerd", statusWith({}, { privileged: true, config: { linux: { security_context: { privileged: false } } } })).privileged).toBe(false);
    expect(metadataFromCriStatus("containerd", statusWith({}, { config: { linux: { security_context: { privileged: false } } }, runtimeSpec: { linux: { security_context: { privileged: true } } } })).privileged).toBe(true);
  });

  it("mount propagation names, env from config.envs, resources, uid, long labels dropped", () => {
    const m = metadataFromCriStatus(
      "containerd",
      statusWith(
        {
          mounts: [
            { containerPath: "/a", hostPath: "/ha", readonly: false, propagation: 1 },
            { containerPath: "/b", hostPath: "/hb", readonly: true, propagation: 2 },
            { containerPath: "/c", hostPath: "/hc", readonly: false, propagation: 7 },
          ],
          labels: { short: "v", long: "x".repeat(101) },
          resources: { linux: { cpuPeriod: "50000", cpuQuota: "25000", cpuShares: "512", memoryLimitInBytes: "1048576", memorySwapLimitInBytes: "2097152", cpusetCpus: "0-3,6" } },
          user: { linux: { uid: "1001", gid: "0" } },
        },
        { config: { envs: [{ key: "A", value: "1" }, { key: "B", value: "x=y" }] } },
      ),
    );
    expect(m.mounts.map((x) => [x.dest, x.rdwr, x.propagation])).toEqual([["/a", true, "rslave"], ["/b", false, "rshared"], ["/c", true, "unknown"]]);
    expect(m.env).toEqual(["A=1", "B=x=y"]);
    expect(m).toMatchObject({ cpuPeriod: 50000, cpuQuota: 25000, cpuShares: 512, memoryLimit: 1048576, swapLimit: 2097152, cpusetCpuCount: 5, user: "1001" });
    expect(m.labels.get("short")).toBe("v");
    expect(m.labels.has("long")).toBe(false);
  });

  it("garbage never throws", () => {
    expect(() => metadataFromCriStatus("cri", {})).not.toThrow();
    expect(metadataFromCriStatus("cri", { status: { id: "ABC" }, info: { info: "{not json" } })).toMatchObject({ id: "abc", type: "cri", name: "", image: "" });
    expect(() => metadataFromCriSandbox("cri", { status: null })).not.toThrow();
  });

  it("parseImageRepoTag and criContainerType follow the plugin", () => {
    expect(parseImageRepoTag("nginx")).toEqual({ repo: "nginx", tag: "" });
    expect(parseImageRepoTag("localhost:5000/nginx")).toEqual({ repo: "localhost:5000/nginx", tag: "" });
    expect(parseImageRepoTag("localhost:5000/nginx:1.25@sha256:ff")).toEqual({ repo: "localhost:5000/nginx", tag: "1.25" });
    expect(parseImageRepoTag("")).toEqual({ repo: "", tag: "" });
    expect(criContainerType("containerd")).toBe("containerd");
    expect(criContainerType("cri-o")).toBe("cri-o");
    expect(criContainerType("docker")).toBe("cri");
  });
});

describe("metadataFromCriSandbox (recorded answer)", () => {
  it("describes the pause container with the pod's metadata", () => {
    const m = metadataFromCriSandbox("containerd", FIXTURE.sandboxStatus);
    expect(m).toMatchObject({ id: POD_ID.slice(0, 12), fullId: POD_ID, name: "ftscri-pod", type: "containerd", isPodSandbox: true, podSandboxId: POD_ID, k8sPodName: "ftscri-pod", k8sNsName: "ftscri-ns", k8sPodUid: "uid-1234", hostNetwork: true });
    expect(m.image).toBe("docker.io/library/nginx:latest");
    expect(m.pid).toBeGreaterThan(0);
    expect(Object.fromEntries(m.podSandboxLabels)).toEqual({ app: "ftscri", tier: "test" });
  });
});

// ---- transport against a fake RuntimeService -----------------------------------------------------

const ROOT = protobuf.Root.fromJSON(CRI_PROTO_JSON);
const T = (n: string) => ROOT.lookupType(`cri.${n}`);
let dir = "";
let server: Server | undefined;
const calls: string[] = [];

function handler(reqType: string, resType: string, fn: (req: Record<string, unknown>) => Record<string, unknown> | { code: number; details: string } | "hang") {
  return (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
    const req = T(reqType).toObject(T(reqType).decode(call.request), { longs: String, defaults: true }) as Record<string, unknown>;
    const r = fn(req);
    if (r === "hang") return;
    if ("code" in r && typeof r.code === "number") return cb({ code: r.code, details: r.details as string } as never, null);
    cb(null, Buffer.from(T(resType).encode(T(resType).fromObject(r)).finish()));
  };
}

const raw = { requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b };
function method(pkg: string, name: string) {
  return { path: `/${pkg}.RuntimeService/${name}`, requestStream: false, responseStream: false, ...raw };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fts-cri-unit-"));
  server = new Server();
  // Only runtime.v1alpha2 is served (as an old runtime): the client must fall back.
  const pkg = "runtime.v1alpha2";
  const containerStatus = JSON.parse(JSON.stringify(FIXTURE.containerStatus)) as Record<string, unknown>;
  const sandboxPlain = JSON.parse(JSON.stringify(FIXTURE.sandboxStatusPlain)) as Record<string, unknown>;
  const sandboxVerbose = JSON.parse(JSON.stringify(FIXTURE.sandboxStatus)) as Record<string, unknown>;
  server.addService(
    {
      Version: method(pkg, "Version"),
      ContainerStatus: method(pkg, "ContainerStatus"),
      PodSandboxStatus: method(pkg, "PodSandboxStatus"),
      ListContainers: method(pkg, "ListContainers"),
    } as never,
    {
      Version: handler("VersionRequest", "VersionResponse", () => {
        calls.push("Version");
        return { version: "0.1.0", runtimeName: "cri-o", runtimeVersion: "1.0", runtimeApiVersion: "v1alpha2" };
      }),
      ContainerStatus: handler("ContainerStatusRequest", "ContainerStatusResponse", (req) => {
        calls.push(`ContainerStatus ${req.containerId} ${req.verbose}`);
        if (req.containerId === "ffffffffffff") return "hang";
        if (CTR_ID.startsWith(String(req.containerId))) return containerStatus;
        return { code: GrpcStatus.NOT_FOUND, details: `container "${req.containerId}" not found` };
      }),
      PodSandboxStatus: handler("PodSandboxStatusRequest", "PodSandboxStatusResponse", (req) => {
        calls.push(`PodSandboxStatus ${req.podSandboxId} ${req.verbose}`);
        if (req.podSandboxId === POD_ID) return req.verbose ? sandboxVerbose : sandboxPlain;
        return { code: GrpcStatus.NOT_FOUND, details: "sandbox not found" };
      }),
      ListContainers: handler("ListContainersRequest", "ListContainersResponse", () => ({ containers: [] })),
    } as never,
  );
  await new Promise<void>((resolve, reject) => server!.bindAsync(`unix://${join(dir, "cri.sock")}`, ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
});

afterAll(() => {
  server?.forceShutdown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("CriClient over gRPC (fake runtime serving only runtime.v1alpha2)", () => {
  it("falls back from runtime.v1 to v1alpha2 and maps ContainerStatus + PodSandboxStatus", async () => {
    const c = new CriClient([join(dir, "absent.sock"), join(dir, "cri.sock")], { requestTimeoutMs: 2000 });
    try {
      calls.length = 0;
      const md = await c.inspect(CTR_ID.slice(0, 12));
      expect(c.runtime(join(dir, "cri.sock")).apiPackage).toBe("runtime.v1alpha2");
      expect(md).toMatchObject({ fullId: CTR_ID, type: "cri-o", name: "web", k8sPodName: "ftscri-pod", podSandboxId: POD_ID });
      expect(calls).toEqual(["Version", `ContainerStatus ${CTR_ID.slice(0, 12)} true`, `PodSandboxStatus ${POD_ID} false`]);
    } finally {
      c.close();
    }
  });

  it("an id the runtime knows only as a pod sandbox resolves as the pause container", async () => {
    const c = new CriClient([join(dir, "cri.sock")], { requestTimeoutMs: 2000, notFoundRetryMs: 0 });
    try {
      const md = await c.inspect(POD_ID);
      expect(md).toMatchObject({ isPodSandbox: true, name: "ftscri-pod", type: "cri-o", fullId: POD_ID });
    } finally {
      c.close();
    }
  });

  it("unknown id: NOT_FOUND (status 404), polled for notFoundRetryMs", async () => {
    const c = new CriClient([join(dir, "cri.sock")], { requestTimeoutMs: 2000, notFoundRetryMs: 300 });
    try {
      calls.length = 0;
      const t0 = Date.now();
      const err = await c.inspect("0123456789ab").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ContainerRuntimeError);
      expect((err as ContainerRuntimeError).status).toBe(404);
      expect((err as ContainerRuntimeError).message).toMatch(/no container or pod sandbox 0123456789ab/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
      expect(calls.filter((x) => x.startsWith("ContainerStatus")).length).toBeGreaterThanOrEqual(2);
    } finally {
      c.close();
    }
  });

  it("a runtime that does not answer hits the deadline (timedOut)", async () => {
    const rt = new CriRuntime(join(dir, "cri.sock"), 300);
    try {
      const t0 = Date.now();
      const err = (await rt.call("ContainerStatus", { containerId: "ffffffffffff", verbose: true }).catch((e: unknown) => e)) as ContainerRuntimeError;
      expect(err).toBeInstanceOf(ContainerRuntimeError);
      expect(err.timedOut).toBe(true);
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      rt.close();
    }
  });

  it("no socket present: a clear error, nothing dialled; a dead socket fails fast with UNAVAILABLE", async () => {
    const none = new CriClient([join(dir, "nope.sock")]);
    expect(none.available()).toBe(false);
    await expect(none.inspect("0123456789ab")).rejects.toThrow(/no CRI socket among .*nope\.sock/);
    const deadPath = join(dir, "dead.sock");
    writeFileSync(deadPath, ""); // a regular file is not a socket: not dialled either
    expect(new CriClient([deadPath]).available()).toBe(false);
    const rt = new CriRuntime(join(dir, "missing.sock"), 2000);
    const t0 = Date.now();
    await expect(rt.call("Version", {})).rejects.toThrow(/UNAVAILABLE/);
    expect(Date.now() - t0).toBeLessThan(1500);
    rt.close();
  });

  it("ContainerManager: a containerd-layout id goes to CRI, is cached, and counts no failure", async () => {
    const m = new ContainerManager({ hostRoot: "", criSockets: [join(dir, "cri.sock")], dockerSocket: join(dir, "no-docker.sock"), dockerDataRoot: "" });
    try {
      const md = await m.lookup(CTR_ID.slice(0, 12), { fullId: CTR_ID, type: "containerd" });
      expect(md?.name).toBe("web");
      expect(m.get(CTR_ID.slice(0, 12))?.k8sPodName).toBe("ftscri-pod");
      expect(m.counters).toMatchObject({ lookups: 1, lookupFailures: 0 });
      // A "docker"-layout id that Docker does not know (no daemon here) is asked of CRI next.
      m.evict(CTR_ID);
      const again = await m.lookup(CTR_ID.slice(0, 12), { fullId: CTR_ID, type: "docker" });
      expect(again?.type).toBe("cri-o");
    } finally {
      await m.stop();
    }
  });
});

describe("engine choice from cgroups", () => {
  const id = "b2d2acce4bef4dc531f5ad94bec177cf2c33c8db794a50245e6d406ee2efd5bf";
  it("containerd's k8s.io namespace and kubelet's kubepods parents ask CRI first", () => {
    expect(containerHintFromCgroups([["cpu", `/k8s.io/${id}`]], id.slice(0, 12))).toEqual({ fullId: id, type: "docker", criFirst: true });
    expect(containerHintFromCgroups([["", `/kubepods/besteffort/pod1234/${id}`]], id.slice(0, 12))).toEqual({ fullId: id, type: "docker", criFirst: true });
    expect(containerHintFromCgroups([["", `/system.slice/containerd/${id}`]], id.slice(0, 12))).toEqual({ fullId: id, type: "docker", criFirst: true });
  });
  it("Docker's /docker/<id> and CRI layouts keep their type without criFirst", () => {
    expect(containerHintFromCgroups([["cpu", `/docker/${id}`]], id.slice(0, 12))).toEqual({ fullId: id, type: "docker" });
    expect(containerHintFromCgroups([["", `/kubepods.slice/kubepods-pod1.slice/cri-containerd-${id}.scope`]], id.slice(0, 12))).toEqual({ fullId: id, type: "containerd" });
    expect(containerHintFromCgroups([["", `/system.slice/crio-${id}.scope`]], id.slice(0, 12))).toEqual({ fullId: id, type: "cri-o" });
  });
  it("another id or the host gives no hint", () => {
    expect(containerHintFromCgroups([["cpu", `/k8s.io/${id}`]], "000000000000")).toBeUndefined();
    expect(containerHintFromCgroups([["cpu", "/"]], "host")).toBeUndefined();
  });
});

describe("CRI socket configuration", () => {
  it("--cri is a documented, repeatable option; its override replaces container.cri_sockets", () => {
    const r = spawnSync(join(REPO, "node_modules/.bin/bun"), [join(REPO, "src/cli/main.ts"), "--help"], { cwd: REPO, encoding: "utf8", timeout: 60_000 });
    expect(r.stdout).toMatch(/--cri <path>\s+CRI socket for container metadata \(repeatable/);
    // What resolveConfig (src/cli/agent.ts) turns `--cri /a.sock --cri /b.sock` into:
    const cfg = defaultConfig();
    expect(applyOverrides(cfg, [`container.cri_sockets=${JSON.stringify(["/a.sock", "/b.sock"])}`])).toEqual([]);
    expect(cfg.container.cri_sockets).toEqual(["/a.sock", "/b.sock"]);
  });

  it("falco.yaml: container_engines.cri.cri and the container plugin's engines.cri.sockets", () => {
    expect(criSocketsFromAliases({ container_engines: { cri: { enabled: true, cri: ["/x.sock"] } } })).toEqual(["/x.sock"]);
    expect(criSocketsFromAliases({ container_engines: { cri: { enabled: false, cri: ["/x.sock"] } } })).toEqual([]);
    expect(criSocketsFromAliases({ plugins: [{ name: "k8smeta" }, { name: "container", init_config: { engines: { cri: { enabled: true, sockets: ["/y.sock", "/z.sock"] } } } }] })).toEqual(["/y.sock", "/z.sock"]);
    expect(criSocketsFromAliases({})).toBeUndefined();
    const d = mkdtempSync(join(tmpdir(), "fts-cri-cfg-"));
    try {
      writeFileSync(join(d, "a.yaml"), "container_engines:\n  cri:\n    enabled: true\n    cri: [/run/custom/cri.sock]\n");
      const a = loadConfigFile(join(d, "a.yaml"));
      expect(a.config.container.cri_sockets).toEqual(["/run/custom/cri.sock"]);
      expect(a.diagnostics).toEqual([]);
      // An explicit container.cri_sockets wins over the alias.
      writeFileSync(join(d, "b.yaml"), "container:\n  cri_sockets: [/mine.sock]\ncontainer_engines:\n  cri:\n    cri: [/other.sock]\n");
      expect(loadConfigFile(join(d, "b.yaml")).config.container.cri_sockets).toEqual(["/mine.sock"]);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
