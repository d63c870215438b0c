/**
 * Container runtime side without a real Docker: image reference splitting, inspect → metadata
 * translation (container plugin semantics), and ContainerManager's cache behaviour against a fake
 * Docker daemon on a unix socket (Bun.serve) — deduplication, bounded waits, failures, negative
 * cache, events-driven eviction, HOST_ROOT prefixing, and a socket that never answers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerManager } from "../src/containers/cache.ts";
import { countCpuSet, imageRepoTagDigest, metadataFromDockerInspect, parseRfc3339Nano, splitImageRef } from "../src/containers/docker.ts";
import { CriClient } from "../src/containers/cri.ts";
import { HOST_CONTAINER } from "../src/containers/types.ts";

const FULL = "4e27e56cf082c99f22bb1423999ce101577e1109b303f3d479341ec453bc3f3a";
const IMG = "8dd0c3a77265cdcdad4e23acb694133e0672073c21d17e102c323c639d259d01";

/** A trimmed real answer of GET /containers/<id>/json from Debian 12's dockerd (API 1.41). */
function inspectDoc(over: { id?: string; name?: string; image?: string; privileged?: boolean; labels?: Record<string, string> } = {}): unknown {
  return {
    Id: over.id ?? FULL,
    Created: "2026-11-29T09:13:33.488701244Z",
    Path: "nginx",
    State: { Status: "running", Running: true, Pid: 15221, StartedAt: "2026-11-29T09:13:33.764560612Z", FinishedAt: "0001-01-01T00:00:00Z" },
    Image: `sha256:${IMG}`,
    Name: over.name ?? "/example1",
    HostConfig: {
      NetworkMode: "default", Privileged: over.privileged ?? false, PidMode: "", IpcMode: "private",
      CpuShares: 0, CpuPeriod: 0, CpuQuota: 0, CpusetCpus: "0-1", Memory: 0, MemorySwap: 0,
    },
    Mounts: [
      { Type: "bind", Source: "/proc", Destination: "/host/proc", Mode: "ro", RW: false, Propagation: "rprivate" },
      { Type: "bind", Source: "/tmp", Destination: "/tmp2", Mode: "", RW: true, Propagation: "rprivate" },
    ],
    Config: {
      User: "", Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["nginx"], Image: over.image ?? "nginx",
      Labels: over.labels ?? {},
    },
    NetworkSettings: {
      Ports: { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "32768" }, { HostIp: "::", HostPort: "32768" }], "53/udp": [{ HostIp: "0.0.0.0", HostPort: "5353" }] },
      IPAddress: "172.17.0.2",
      Networks: { bridge: { IPAddress: "172.17.0.2" } },
    },
  };
}

describe("image references", () => {
  it.each([
    ["nginx", "nginx", "", ""],
    ["nginx:latest", "nginx", "latest", ""],
    ["falcosecurity/falco:0.44.0", "falcosecurity/falco", "0.44.0", ""],
    ["registry.local:5000/team/app:1.2", "registry.local:5000/team/app", "1.2", ""],
    ["registry.local:5000/team/app", "registry.local:5000/team/app", "", ""],
    ["nginx@sha256:abcd", "nginx", "", "sha256:abcd"],
    ["ghcr.io/x/y:v1@sha256:ef01", "ghcr.io/x/y", "v1", "sha256:ef01"],
  ])("splitImageRef(%s)", (ref, repository, tag, digest) => {
    expect(splitImageRef(ref)).toEqual({ repository, tag, digest });
  });

  it("takes repository and digest from RepoDigests, tag from the RepoTag containing the repository", () => {
    expect(imageRepoTagDigest({ repoTags: ["nginx:latest"], repoDigests: [] })).toEqual({ repository: "nginx", tag: "latest", digest: "" });
    expect(imageRepoTagDigest({
      repoTags: ["other:1", "docker.io/library/nginx:1.27"],
      repoDigests: ["docker.io/library/nginx@sha256:aaa", "mirror/nginx@sha256:bbb"],
    })).toEqual({ repository: "docker.io/library/nginx", tag: "1.27", digest: "sha256:aaa" });
    expect(imageRepoTagDigest({ repoTags: ["localhost:5000/app:dev"], repoDigests: [] })).toEqual({ repository: "localhost:5000/app", tag: "dev", digest: "" });
    expect(imageRepoTagDigest({ repoTags: [], repoDigests: ["malformed", "x@y@z"] })).toEqual({ repository: "", tag: "", digest: "" });
  });

  it("parses RFC 3339 times to ns and counts cpusets", () => {
    expect(parseRfc3339Nano("2026-11-29T09:13:33.488701244Z")).toBe(BigInt(Date.parse("2026-11-29T09:13:33Z")) * 1_000_000n + 488701244n);
    expect(parseRfc3339Nano("2026-11-29T10:13:33.5+01:00")).toBe(BigInt(Date.parse("2026-11-29T09:13:33Z")) * 1_000_000n + 500000000n);
    expect(parseRfc3339Nano("0001-01-01T00:00:00Z")).toBe(0n);
    expect(parseRfc3339Nano("yesterday")).toBe(0n);
    expect(countCpuSet("0-3,5")).toBe(5);
    expect(countCpuSet("")).toBe(0);
  });
});

describe("metadataFromDockerInspect", () => {
  it("maps a real inspect answer like the container plugin", () => {
    const md = metadataFromDockerInspect(inspectDoc({ labels: { a: "b", "io.kubernetes.pod.name": "web-1", "io.kubernetes.pod.namespace": "prod", "io.kubernetes.pod.uid": "u-1", long: "x".repeat(101) } }), { repoTags: ["nginx:latest"], repoDigests: [] });
    expect(md.id).toBe(FULL.slice(0, 12));
    expect(md.fullId).toBe(FULL);
    expect(md.name).toBe("example1");
    expect(md.type).toBe("docker");
    expect(md.image).toBe("nginx");
    expect(md.imageId).toBe(IMG);
    expect([md.imageRepo, md.imageTag, md.imageDigest]).toEqual(["nginx", "latest", ""]);
    expect(md.privileged).toBe(false);
    expect([md.hostPid, md.hostNetwork, md.hostIpc]).toEqual([false, false, false]);
    expect(md.ip).toBe("172.17.0.2");
    expect(md.mounts).toEqual([
      { source: "/proc", dest: "/host/proc", mode: "ro", rdwr: false, propagation: "rprivate" },
      { source: "/tmp", dest: "/tmp2", mode: "", rdwr: true, propagation: "rprivate" },
    ]);
    expect(md.portMappings).toEqual([{ hostIp: "0.0.0.0", hostPort: 32768, containerPort: 80 }, { hostIp: "::", hostPort: 32768, containerPort: 80 }]);
    expect(md.labels.get("a")).toBe("b");
    expect(md.labels.has("long")).toBe(false);
    expect([md.k8sNsName, md.k8sPodName, md.k8sPodUid]).toEqual(["prod", "web-1", "u-1"]);
    expect(md.createdTime).toBe(Math.floor(Date.parse("2026-11-29T09:13:33Z") / 1000));
    expect(md.startTs).toBe(parseRfc3339Nano("2026-11-29T09:13:33.764560612Z"));
    expect(md.pid).toBe(15221);
    expect([md.cpuShares, md.cpuPeriod, md.cpusetCpuCount]).toEqual([1024, 100000, 2]);
    expect(md.isPodSandbox).toBe(false);
  });

  it("handles host namespaces, privileged, a pod sandbox name and garbage without throwing", () => {
    const doc = inspectDoc({ privileged: true, name: "/k8s_POD_web-1_prod_u-1_0" }) as { HostConfig: Record<string, unknown> };
    doc.HostConfig.PidMode = "host";
    doc.HostConfig.NetworkMode = "host";
    doc.HostConfig.IpcMode = "host";
    const md = metadataFromDockerInspect(doc);
    expect([md.privileged, md.hostPid, md.hostNetwork, md.hostIpc, md.isPodSandbox]).toEqual([true, true, true, true, true]);
    expect([md.imageRepo, md.imageTag]).toEqual(["", ""]);
    const junk = metadataFromDockerInspect("not an object");
    expect(junk.id).toBe("");
    expect(junk.mounts).toEqual([]);
    expect(metadataFromDockerInspect({ Id: FULL, Mounts: [null, 3], NetworkSettings: { Ports: { "80/tcp": null } } }).mounts).toEqual([]);
  });
});

// ---- fake Docker daemon ------------------------------------------------------------------------

interface FakeDaemon {
  socket: string;
  requests: string[];
  /** Per-path delay before answering, ms. */
  delayMs: number;
  /** Containers the daemon knows, by full id. */
  containers: Map<string, unknown>;
  /** Push one line into every open /events stream. */
  emit(ev: unknown): void;
  stop(): void;
}

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fts-containers-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const daemons: FakeDaemon[] = [];
const managers: ContainerManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.stop();
  for (const d of daemons.splice(0)) d.stop();
});

function fakeDaemon(name: string): FakeDaemon {
  const socket = join(dir, `${name}.sock`);
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const enc = new TextEncoder();
  const d: FakeDaemon = {
    socket,
    requests: [],
    delayMs: 0,
    containers: new Map(),
    emit(ev) {
      for (const c of streams) c.enqueue(enc.encode(`${JSON.stringify(ev)}\n`));
    },
    stop() {
      for (const c of streams) {
        try {
          c.close();
        } catch {
          /* already closed */
        }
      }
      server.stop(true);
    },
  };
  const server = Bun.serve({
    unix: socket,
    async fetch(req) {
      const url = new URL(req.url);
      d.requests.push(url.pathname);
      if (d.delayMs > 0) await Bun.sleep(d.delayMs);
      if (url.pathname === "/events") {
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            streams.add(c);
          },
          cancel() {
            /* client went away */
          },
        });
        return new Response(body, { headers: { "content-type": "application/json" } });
      }
      if (url.pathname === "/containers/json") {
        return Response.json([...d.containers.keys()].map((Id) => ({ Id })));
      }
      let m = /^\/containers\/([^/]+)\/json$/.exec(url.pathname);
      if (m) {
        const want = decodeURIComponent(m[1]!);
        for (const [id, doc] of d.containers) if (id.startsWith(want)) return Response.json(doc);
        return Response.json({ message: `No such container: ${want}` }, { status: 404 });
      }
      m = /^\/images\/([^/]+)\/json$/.exec(url.pathname);
      if (m) return Response.json({ Id: `sha256:${IMG}`, RepoTags: ["nginx:latest"], RepoDigests: [] });
      return Response.json({ message: "page not found" }, { status: 404 });
    },
  });
  daemons.push(d);
  return d;
}

function manager(opts: ConstructorParameters<typeof ContainerManager>[0]): ContainerManager {
  const m = new ContainerManager({ hostRoot: "", ...opts });
  managers.push(m);
  return m;
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await Bun.sleep(10);
  }
  return cond();
}

describe("ContainerManager with a fake daemon", () => {
  it("answers host and ignores ids that are not container ids, without lookups", async () => {
    const m = manager({ dockerSocket: join(dir, "none.sock") });
    expect(m.get("host")).toBe(HOST_CONTAINER);
    expect(await m.lookup("host")).toBe(HOST_CONTAINER);
    expect(await m.lookup("")).toBeUndefined();
    expect(await m.lookup("not-hex-at-all")).toBeUndefined();
    expect(m.needsWait("host")).toBe(false);
    expect(m.needsWait("")).toBe(false);
    await m.whenReady("host");
    expect(m.counters.lookups).toBe(0);
  });

  it("deduplicates concurrent lookups and caches the answer for sync get()", async () => {
    const d = fakeDaemon("dedup");
    d.containers.set(FULL, inspectDoc());
    d.delayMs = 50;
    const m = manager({ dockerSocket: d.socket });
    const id = FULL.slice(0, 12);
    expect(m.get(id)).toBeUndefined();
    const all = await Promise.all(Array.from({ length: 10 }, () => m.lookup(id)));
    expect(all.every((x) => x === all[0])).toBe(true);
    expect(all[0]?.name).toBe("example1");
    expect(d.requests.filter((p) => p.startsWith("/containers/")).length).toBe(1);
    expect(m.counters.lookups).toBe(1);
    expect(m.get(id)?.imageTag).toBe("latest");
    expect(m.get(FULL)?.id).toBe(id);
    expect(m.needsWait(id)).toBe(false);
  });

  it("whenReady resolves as soon as metadata arrives (before the bound)", async () => {
    const d = fakeDaemon("ready");
    d.containers.set(FULL, inspectDoc());
    d.delayMs = 30;
    const m = manager({ dockerSocket: d.socket, metadataWaitMs: 2000 });
    const t0 = performance.now();
    await m.whenReady(FULL.slice(0, 12));
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(m.get(FULL.slice(0, 12))?.name).toBe("example1");
    expect(m.counters.timeouts).toBe(0);
  });

  it("a slow runtime: the wait expires once, later waits do not block, the answer still lands", async () => {
    const d = fakeDaemon("slow");
    d.containers.set(FULL, inspectDoc());
    d.delayMs = 600;
    const m = manager({ dockerSocket: d.socket, metadataWaitMs: 100 });
    const id = FULL.slice(0, 12);
    m.sighted(id, { fullId: FULL, type: "docker" });
    expect(m.isPending(id)).toBe(true);
    const t0 = performance.now();
    await m.whenReady(id);
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(90);
    expect(waited).toBeLessThan(900); // well below the 1200 ms the answer takes
    expect(m.get(id)).toBeUndefined();
    expect(m.counters.timeouts).toBe(1);
    expect(m.needsWait(id)).toBe(false);
    const t1 = performance.now();
    await m.whenReady(id);
    expect(performance.now() - t1).toBeLessThan(50);
    expect(m.counters.timeouts).toBe(1);
    expect(await until(() => m.get(id) !== undefined, 2000)).toBe(true);
    expect(m.counters.lookups).toBe(1);
  });

  it("404 counts a failure and is not retried before retryAfterMs", async () => {
    const d = fakeDaemon("missing");
    const m = manager({ dockerSocket: d.socket, retryAfterMs: 60_000 });
    const id = "0123456789ab";
    expect(await m.lookup(id)).toBeUndefined();
    expect(m.counters.lookupFailures).toBe(1);
    expect(m.needsWait(id)).toBe(false);
    expect(await m.lookup(id)).toBeUndefined();
    await m.whenReady(id);
    expect(d.requests.length).toBe(1);
    expect(m.counters.lookups).toBe(1);
  });

  it("a missing socket fails fast: whenReady returns undefined metadata within the wait", async () => {
    const m = manager({ dockerSocket: join(dir, "no-such-docker.sock"), metadataWaitMs: 300 });
    const t0 = performance.now();
    await m.whenReady(FULL.slice(0, 12));
    expect(performance.now() - t0).toBeLessThan(300 + 250);
    expect(m.get(FULL.slice(0, 12))).toBeUndefined();
    expect(m.counters.lookupFailures).toBe(1);
  });

  it("a socket that accepts but never answers: bounded wait, then a timed-out request counts as a failure", async () => {
    const sock = join(dir, "mute.sock");
    const listener = Bun.listen({ unix: sock, socket: { data() { /* never answer */ } } });
    try {
      const m = manager({ dockerSocket: sock, metadataWaitMs: 150, requestTimeoutMs: 1500 });
      const id = FULL.slice(0, 12);
      const t0 = performance.now();
      await m.whenReady(id);
      expect(performance.now() - t0).toBeLessThan(900); // the wait bound, not the 1500 ms request timeout
      expect(m.counters.timeouts).toBe(1);
      expect(m.get(id)).toBeUndefined();
      expect(await until(() => m.counters.lookupFailures === 1, 3000)).toBe(true);
      expect(m.isPending(id)).toBe(false);
    } finally {
      listener.stop(true);
    }
  });

  it("start() lists running containers, follows create/destroy events, and evicts", async () => {
    const d = fakeDaemon("events");
    d.containers.set(FULL, inspectDoc());
    const m = manager({ dockerSocket: d.socket });
    await m.start();
    expect(m.get(FULL.slice(0, 12))?.name).toBe("example1");
    expect(await until(() => d.requests.includes("/events"), 2000)).toBe(true);
    const other = "ab".repeat(32);
    d.containers.set(other, inspectDoc({ id: other, name: "/second", image: "nginx:latest" }));
    d.emit({ status: "create", id: other, Type: "container", Action: "create", Actor: { ID: other, Attributes: { name: "second" } }, timeNano: 1795943853776906944 });
    expect(await until(() => m.get(other.slice(0, 12)) !== undefined, 2000)).toBe(true);
    expect(m.get(other.slice(0, 12))?.image).toBe("nginx:latest");
    d.emit({ Type: "container", Action: "destroy", Actor: { ID: other, Attributes: {} } });
    expect(await until(() => m.get(other.slice(0, 12)) === undefined, 2000)).toBe(true);
    expect(m.counters.evictions).toBe(1);
    await m.stop();
  });

  it("prefixes socket paths with HOST_ROOT", async () => {
    const d = fakeDaemon("hostroot");
    d.containers.set(FULL, inspectDoc());
    const root = join(dir, "hostroot");
    mkdirSync(join(root, "var/run"), { recursive: true });
    symlinkSync(d.socket, join(root, "var/run/docker.sock"));
    // HOST_ROOT is read once, synchronously, by the constructor: set it only around that call.
    const prev = process.env.HOST_ROOT;
    process.env.HOST_ROOT = root;
    let m: ContainerManager;
    try {
      m = new ContainerManager({});
    } finally {
      if (prev === undefined) delete process.env.HOST_ROOT;
      else process.env.HOST_ROOT = prev;
    }
    managers.push(m);
    expect(m.docker.socketPath).toBe(join(root, "var/run/docker.sock"));
    expect((await m.lookup(FULL.slice(0, 12)))?.name).toBe("example1");
  });

  it("bounds the cache and honours container.enabled=false", async () => {
    const m = manager({ dockerSocket: join(dir, "none.sock"), maxEntries: 2 });
    const a = metadataFromDockerInspect(inspectDoc({ id: "a".repeat(64) }));
    m.insert("a".repeat(12), a);
    m.insert("b".repeat(12), a);
    m.insert("c".repeat(12), a);
    expect(m.size).toBe(2);
    expect(m.get("a".repeat(12))).toBeUndefined();
    expect(m.counters.evictions).toBe(1);
    const off = ContainerManager.fromConfig({ enabled: false, docker_socket: "/var/run/docker.sock", cri_sockets: [], metadata_wait_ms: 300 });
    managers.push(off);
    expect(off.needsWait(FULL.slice(0, 12))).toBe(false);
    expect(await off.lookup(FULL.slice(0, 12))).toBeUndefined();
    expect(off.counters.lookups).toBe(0);
    expect(off.metadataWaitMs).toBe(300);
  });

  it("CRI containers without a CRI socket: a clean lookup failure", async () => {
    const cri = new CriClient([join(dir, "containerd.sock")]);
    expect(cri.available()).toBe(false);
    await expect(cri.inspect("0123456789ab")).rejects.toThrow(/no CRI socket among/);
    const m = manager({ dockerSocket: join(dir, "none.sock"), criSockets: [join(dir, "containerd.sock")] });
    expect(await m.lookup("0123456789ab", { type: "containerd" })).toBeUndefined();
    expect(m.counters.lookupFailures).toBe(1);
  });
});
