/**
 * Docker's on-disk container state as a metadata source (DockerClient.readLocalConfigSync,
 * ContainerManager.sightedSync), on a fake data root: no daemon needed. The files follow what
 * dockerd 20.10 writes at create time (config.v2.json, hostconfig.json,
 * image/<driver>/repositories.json), trimmed to the members used.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContainerManager } from "../src/containers/cache.ts";
import { DockerClient, inspectFromLocalConfig } from "../src/containers/docker.ts";

const FULL = "b21ce8b2cef4277bbdf121005bf86a0770aa606db66e63be99f00cb19a98a206";
const IMAGE = "sha256:658cd5f7f81575817690423a7916ba70452caed2d91bf64774837dfcefda7847";
const root = mkdtempSync(join(tmpdir(), "fts-docker-root-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writeContainer(id: string, opts: { privileged?: boolean; name?: string } = {}): void {
  const dir = join(root, "containers", id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.v2.json"), JSON.stringify({
    ID: id,
    Name: `/${opts.name ?? "example1"}`,
    Image: IMAGE,
    Created: "2026-11-29T09:39:58.100168347Z",
    Driver: "overlay2",
    Config: { Image: "nginx", Labels: { team: "blue", "io.kubernetes.pod.name": "web-1" }, User: "", Env: ["PATH=/usr/bin"] },
    State: { Running: false, Pid: 0, StartedAt: "0001-01-01T00:00:00Z" },
    NetworkSettings: { IPAddress: null, Networks: { bridge: { IPAddress: "" } } },
    MountPoints: {
      "/host/proc": { Source: "/proc", Destination: "/host/proc", RW: false, Type: "bind", Relabel: "ro", Propagation: "rprivate" },
      "/data": { Source: "/srv/data", Destination: "/data", RW: true, Type: "bind", Relabel: "", Propagation: "rprivate" },
    },
  }));
  writeFileSync(join(dir, "hostconfig.json"), JSON.stringify({ Privileged: opts.privileged ?? false, PidMode: "host", NetworkMode: "default", IpcMode: "private" }));
}
mkdirSync(join(root, "image", "overlay2"), { recursive: true });
writeFileSync(join(root, "image", "overlay2", "repositories.json"), JSON.stringify({
  Repositories: { nginx: { "nginx:latest": IMAGE, "nginx@sha256:abc": IMAGE }, other: { "other:1": "sha256:ffff" } },
}));
writeContainer(FULL, { privileged: true });

describe("Docker on-disk container state", () => {
  it("inspectFromLocalConfig: inspect's shape, Mounts from MountPoints (Relabel → Mode), sorted by destination", () => {
    const c = inspectFromLocalConfig({ ID: FULL, Name: "/x", MountPoints: { "/b": { Source: "/s2", Destination: "/b", RW: true, Relabel: "z" }, "/a": { Source: "/s1", Destination: "/a", RW: false, Relabel: "ro", Propagation: "rslave" } } }, { Privileged: true });
    expect(c).toMatchObject({ Id: FULL, Name: "/x", HostConfig: { Privileged: true } });
    expect(c!.Mounts).toEqual([
      { Type: "", Source: "/s1", Destination: "/a", Mode: "ro", RW: false, Propagation: "rslave" },
      { Type: "", Source: "/s2", Destination: "/b", Mode: "z", RW: true, Propagation: "" },
    ]);
    expect(inspectFromLocalConfig({ Name: "/no-id" }, {})).toBeUndefined();
    expect(inspectFromLocalConfig("garbage", null)).toBeUndefined();
  });

  it("readLocalConfigSync: name, image, repository/tag/digest from the reference store, privileged, mounts, labels", () => {
    const d = new DockerClient({ socketPath: "/nonexistent/docker.sock", dataRoot: root });
    for (const id of [FULL, FULL.slice(0, 12)]) {
      const md = d.readLocalConfigSync(id);
      expect(md).toMatchObject({
        id: FULL.slice(0, 12), fullId: FULL, name: "example1", type: "docker", image: "nginx",
        imageId: IMAGE.slice(7), imageRepo: "nginx", imageTag: "latest", imageDigest: "sha256:abc",
        privileged: true, hostPid: true, hostNetwork: false, pid: 0, k8sPodName: "web-1",
      });
      expect(md.mounts.map((m) => `${m.source}:${m.dest}:${m.mode}:${m.rdwr}:${m.propagation}`)).toEqual(["/srv/data:/data::true:rprivate", "/proc:/host/proc:ro:false:rprivate"]);
      expect(md.labels.get("team")).toBe("blue");
    }
  });

  it("readLocalConfigSync: missing, ambiguous, unreadable or disabled → ContainerRuntimeError with the reason", () => {
    const d = new DockerClient({ socketPath: "/nonexistent/docker.sock", dataRoot: root });
    expect(() => d.readLocalConfigSync("0123456789ab")).toThrow(/0 containers in .* match 0123456789ab/);
    const other = `${FULL.slice(0, 12)}${"0".repeat(52)}`;
    writeContainer(other);
    expect(() => d.readLocalConfigSync(FULL.slice(0, 12))).toThrow(/2 containers in .* match/);
    expect(d.readLocalConfigSync(FULL).name).toBe("example1");
    rmSync(join(root, "containers", other), { recursive: true });
    const broken = "c".repeat(64);
    mkdirSync(join(root, "containers", broken), { recursive: true });
    writeFileSync(join(root, "containers", broken, "config.v2.json"), "{not json");
    expect(() => d.readLocalConfigSync(broken)).toThrow(/cannot read the on-disk state/);
    expect(() => new DockerClient({ socketPath: "/x", dataRoot: "" }).readLocalConfigSync(FULL)).toThrow(/disabled/);
    expect(() => new DockerClient({ socketPath: "/x", dataRoot: join(root, "nope") }).readLocalConfigSync("abcdefabcdef")).toThrow(/cannot list/);
  });

  it("ContainerManager.sightedSync: cached at once from disk (no daemon), counted; a failure falls back to an async lookup and is not retried at once", async () => {
    const m = new ContainerManager({ hostRoot: "", dockerSocket: "/nonexistent/falco-ts/docker.sock", dockerDataRoot: root, metadataWaitMs: 50 });
    expect(m.get(FULL.slice(0, 12))).toBeUndefined();
    expect(m.sightedSync(FULL.slice(0, 12), { fullId: FULL, type: "docker" })).toBe(true);
    expect(m.get(FULL.slice(0, 12))).toMatchObject({ name: "example1", privileged: true, imageRepo: "nginx" });
    expect(m.needsWait(FULL.slice(0, 12))).toBe(false);
    expect(m.counters.localReads).toBe(1);
    expect(m.sightedSync(FULL.slice(0, 12))).toBe(true);
    expect(m.counters.localReads).toBe(1);

    const absent = "d".repeat(64);
    expect(m.sightedSync(absent.slice(0, 12), { fullId: absent, type: "docker" })).toBe(false);
    expect(m.isPending(absent) || m.counters.lookupFailures > 0).toBe(true);
    await m.whenReady(absent.slice(0, 12), 200);
    expect(m.get(absent)).toBeUndefined();
    const lookups = m.counters.lookups;
    expect(m.sightedSync(absent.slice(0, 12))).toBe(false);
    expect(m.counters.lookups).toBe(lookups);
    // Another runtime's container is not looked for in Docker's files.
    expect(m.sightedSync("e".repeat(12), { fullId: "e".repeat(64), type: "containerd" })).toBe(false);
    expect(m.counters.localReads).toBe(1);
    // "host" and disabled managers never read.
    expect(m.sightedSync("host")).toBe(false);
    expect(new ContainerManager({ enabled: false, dockerDataRoot: root }).sightedSync(FULL.slice(0, 12))).toBe(false);
    await m.stop();
  });
});
