/**
 * Docker Engine API client over the daemon's unix socket, and the translation of its answers into
 * container metadata the way Falco's container plugin does it (falcosecurity/plugins
 * plugins/container/go-worker/pkg/container/docker.go, ctrToInfo): name without the leading "/",
 * image = Config.Image as the user gave it, image id = the sha256 hex of `Image`, repository / tag /
 * digest from the image's RepoDigests and RepoTags, mounts, privileged, host namespaces, labels
 * (values longer than 100 characters dropped, the plugin's label_max_len default), IP address.
 * API reference: Docker Engine API, GET /containers/{id}/json, GET /images/{name}/json,
 * GET /containers/json, GET /events (https://docs.docker.com/engine/api/).
 *
 * Requests are unversioned (`/containers/...`), so the daemon answers at its own API version:
 * this works with Debian 12's daemon (API 1.41) and with newer daemons whose minimum version is
 * above 1.41. Transport: Bun's fetch with the `unix` option.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { ContainerMount } from "../fields/context.ts";
import { type JsonObject, obj, str } from "./json.ts";
import { type ContainerMetadata, type ContainerPortMapping, ContainerRuntimeError, k8sFromLabels } from "./types.ts";

/** Default Docker socket (Falco container plugin default engines.docker.sockets). */
export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** Docker's default data root (`docker info` DockerRootDir); container configs live in <root>/containers/<id>/. */
export const DEFAULT_DOCKER_ROOT = "/var/lib/docker";

/** The container plugin's default label_max_len: longer label values are not kept. */
export const LABEL_MAX_LEN = 100;

/** Options of a DockerClient. */
export interface DockerClientOptions {
  /** Path of the daemon's unix socket (already prefixed with HOST_ROOT if any). */
  socketPath: string;
  /** Bound on each request, ms (default 5000). A request over the bound fails with `timedOut`. */
  requestTimeoutMs?: number;
  /** API version prefix such as "1.41"; default none (the daemon's own version). */
  apiVersion?: string;
  /**
   * Docker's data root as seen from here (already HOST_ROOT-prefixed), for `readLocalConfig`;
   * default /var/lib/docker. "" disables the on-disk path.
   */
  dataRoot?: string;
}

/** A container lifecycle event from GET /events (only what the cache needs). */
export interface DockerContainerEvent {
  /** "create", "start", "die", "destroy", ... */
  action: string;
  /** Full 64-hex container id. */
  id: string;
  /** Actor attributes (name, image, labels). */
  attributes: Record<string, string>;
  /** Event time, ns since the epoch (timeNano). */
  timeNano: bigint;
}

/** Image facts from GET /images/{id}/json used for repository, tag and digest. */
export interface DockerImageRefs {
  repoTags: string[];
  repoDigests: string[];
}

type Json = JsonObject;

function num(o: Json | undefined, k: string): number {
  const v = o?.[k];
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}
function bool(o: Json | undefined, k: string): boolean {
  return o?.[k] === true;
}
function strArr(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/**
 * Parse an RFC 3339 timestamp with up to nanosecond precision ("2026-11-29T09:13:33.488701244Z",
 * offsets allowed) into ns since the epoch. Returns 0n for "", Go's zero time (year 1) or garbage.
 */
export function parseRfc3339Nano(s: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return 0n;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(ms) || ms <= 0) return 0n;
  const frac = (m[2] ?? "").padEnd(9, "0");
  return BigInt(ms) * 1_000_000n + BigInt(frac);
}

/**
 * Split an image reference into repository, tag and digest:
 * "nginx:latest" → {nginx, latest, ""}; "registry:5000/team/app:1.2" → {registry:5000/team/app, 1.2, ""};
 * "nginx@sha256:ab…" → {nginx, "", sha256:ab…}; "repo:tag@sha256:…" → all three; "nginx" → {nginx, "", ""}.
 * The tag is what follows the last ":" after the last "/", so a registry port is never taken for a tag.
 * (The container plugin splits RepoTags on ":" and skips entries with a registry port; falco-ts
 * accepts them, as libsinsp's older split_container_image did.)
 */
export function splitImageRef(ref: string): { repository: string; tag: string; digest: string } {
  let rest = ref;
  let digest = "";
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag = "";
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { repository: rest, tag, digest };
}

/**
 * Repository, tag and digest of an image from its RepoDigests and RepoTags, following the
 * container plugin: the repository and digest come from the first well-formed RepoDigest
 * ("repo@digest"); if no digest matched but exactly one digest exists, it is used; then the tag
 * comes from the first RepoTag containing the repository (the repository is taken from the first
 * well-formed RepoTag when still unknown).
 */
export function imageRepoTagDigest(refs: DockerImageRefs): { repository: string; tag: string; digest: string } {
  let repository = "";
  let digest = "";
  const digests: string[] = [];
  for (const rd of refs.repoDigests) {
    const parts = rd.split("@");
    if (parts.length !== 2) continue;
    if (repository === "") repository = parts[0]!;
    digests.push(parts[1]!);
    if (rd.includes(repository)) {
      digest = parts[1]!;
      break;
    }
  }
  if (digest === "" && digests.length === 1) digest = digests[0]!;
  let tag = "";
  for (const rt of refs.repoTags) {
    const s = splitImageRef(rt);
    if (s.tag === "" || s.digest !== "") continue;
    if (repository === "") repository = s.repository;
    if (rt.includes(repository)) {
      tag = s.tag;
      break;
    }
  }
  return { repository, tag, digest };
}

/** Number of CPUs in a cpuset list such as "0-3,5" (→ 5); 0 for "". */
export function countCpuSet(cpuset: string): number {
  let n = 0;
  for (const part of cpuset.split(",")) {
    const p = part.trim();
    if (p === "") continue;
    const dash = p.indexOf("-");
    if (dash < 0) {
      if (/^\d+$/.test(p)) n++;
      continue;
    }
    const a = Number(p.slice(0, dash));
    const b = Number(p.slice(dash + 1));
    if (Number.isInteger(a) && Number.isInteger(b) && b >= a) n += b - a + 1;
  }
  return n;
}

/**
 * Build container metadata from a GET /containers/{id}/json answer (`ctr`) and, when available,
 * the container's image (`image`, for repository/tag/digest). `secondaryIp` is the IP of the
 * container whose network namespace this one joined (NetworkMode "container:<id>"), if looked up.
 * Never throws: missing members give "", 0, false or empty collections.
 */
export function metadataFromDockerInspect(ctr: unknown, image?: DockerImageRefs, secondaryIp = ""): ContainerMetadata {
  const c = obj(ctr) ?? {};
  const cfg = obj(c.Config);
  const host = obj(c.HostConfig);
  const net = obj(c.NetworkSettings);
  const state = obj(c.State);
  const fullId = str(c, "Id").toLowerCase();
  const name = str(c, "Name").replace(/^\//, "");

  const mounts: ContainerMount[] = [];
  if (Array.isArray(c.Mounts)) {
    for (const m of c.Mounts) {
      const mo = obj(m);
      if (!mo) continue;
      mounts.push({
        source: str(mo, "Source"),
        dest: str(mo, "Destination"),
        mode: str(mo, "Mode"),
        rdwr: bool(mo, "RW"),
        propagation: str(mo, "Propagation"),
      });
    }
  }

  const portMappings: ContainerPortMapping[] = [];
  const ports = obj(net?.Ports);
  if (ports) {
    for (const [key, bindings] of Object.entries(ports)) {
      const slash = key.indexOf("/");
      const proto = slash < 0 ? "tcp" : key.slice(slash + 1);
      if (proto !== "tcp" || !Array.isArray(bindings)) continue;
      const containerPort = Number(slash < 0 ? key : key.slice(0, slash));
      for (const b of bindings) {
        const bo = obj(b);
        const hostPort = Number(str(bo, "HostPort"));
        if (!bo || !Number.isInteger(hostPort) || !Number.isInteger(containerPort)) continue;
        portMappings.push({ hostIp: str(bo, "HostIp"), hostPort, containerPort });
      }
    }
  }

  const labels = new Map<string, string>();
  const rawLabels = obj(cfg?.Labels);
  if (rawLabels) {
    for (const [k, v] of Object.entries(rawLabels)) {
      if (typeof v === "string" && v.length <= LABEL_MAX_LEN) labels.set(k, v);
    }
  }

  // Image id: `Image` is "sha256:<64 hex>"; the plugin keeps what follows ":" when there is no "/".
  const imageField = str(c, "Image");
  const imageId = !imageField.includes("/") && imageField.includes(":") ? imageField.split(":")[1]! : "";
  const rtd = image ? imageRepoTagDigest(image) : { repository: "", tag: "", digest: "" };

  // IP: the top-level address (API ≤ 1.43); newer APIs only have per-network addresses.
  let ip = str(net, "IPAddress");
  const networkMode = str(host, "NetworkMode");
  if (ip === "" && networkMode.startsWith("container:")) ip = secondaryIp;
  if (ip === "") {
    const nets = obj(net?.Networks);
    if (nets) {
      const bridge = obj(nets.bridge);
      ip = str(bridge, "IPAddress");
      if (ip === "") {
        for (const n of Object.values(nets)) {
          ip = str(obj(n), "IPAddress");
          if (ip !== "") break;
        }
      }
    }
  }

  const cpuShares = num(host, "CpuShares");
  const cpuPeriod = num(host, "CpuPeriod");
  const created = parseRfc3339Nano(str(c, "Created"));

  return {
    id: fullId.slice(0, 12),
    fullId,
    name,
    type: "docker",
    image: str(cfg, "Image"),
    imageId,
    imageRepo: rtd.repository,
    imageTag: rtd.tag,
    imageDigest: rtd.digest,
    ip,
    privileged: bool(host, "Privileged"),
    hostPid: str(host, "PidMode") === "host",
    hostNetwork: networkMode === "host",
    hostIpc: str(host, "IpcMode") === "host",
    mounts,
    labels,
    podSandboxId: "",
    podSandboxLabels: new Map(),
    podCniResult: "",
    createdTime: Number(created / 1_000_000_000n),
    startTs: parseRfc3339Nano(str(state, "StartedAt")),
    pid: num(state, "Pid"),
    user: str(cfg, "User"),
    env: strArr(cfg?.Env),
    isPodSandbox: name.includes("k8s_POD"),
    portMappings,
    memoryLimit: num(host, "Memory"),
    swapLimit: num(host, "MemorySwap"),
    cpuShares: cpuShares > 0 ? cpuShares : 1024,
    cpuPeriod: cpuPeriod > 0 ? cpuPeriod : 100000,
    cpuQuota: num(host, "CpuQuota"),
    cpusetCpuCount: countCpuSet(str(host, "CpusetCpus")),
    ...k8sFromLabels(labels),
  };
}

/**
 * Turn the daemon's on-disk container state (`<data root>/containers/<id>/config.v2.json` and
 * `hostconfig.json`, written by dockerd at create time, before the container starts) into the shape
 * of a GET /containers/{id}/json answer, so `metadataFromDockerInspect` can translate it:
 * Id, Name, Image, Created, Config, State and NetworkSettings are the same members; HostConfig is
 * hostconfig.json; Mounts are built from MountPoints ({dest: {Source, Destination, RW, Relabel,
 * Propagation}}, `Relabel` being inspect's `Mode`, as moby's container.MountPoint declares it),
 * sorted by destination (inspect's order comes from a Go map and is not stable either).
 * Never throws: returns undefined when `config` is not an object with an Id.
 */
export function inspectFromLocalConfig(config: unknown, hostConfig: unknown): Json | undefined {
  const c = obj(config);
  if (!c || str(c, "ID") === "" && str(c, "Id") === "") return undefined;
  const mounts: Json[] = [];
  const mp = obj(c.MountPoints);
  if (mp) {
    for (const v of Object.values(mp)) {
      const m = obj(v);
      if (!m) continue;
      mounts.push({
        Type: str(m, "Type"),
        Source: str(m, "Source"),
        Destination: str(m, "Destination"),
        Mode: str(m, "Relabel"),
        RW: bool(m, "RW"),
        Propagation: str(m, "Propagation"),
      });
    }
    mounts.sort((a, b) => (String(a.Destination) < String(b.Destination) ? -1 : String(a.Destination) > String(b.Destination) ? 1 : 0));
  }
  return {
    Id: str(c, "ID") || str(c, "Id"),
    Name: str(c, "Name"),
    Image: str(c, "Image"),
    Created: str(c, "Created"),
    Config: c.Config,
    State: c.State,
    NetworkSettings: c.NetworkSettings,
    HostConfig: obj(hostConfig) ?? {},
    Mounts: mounts,
  };
}

/**
 * Minimal Docker Engine API client. Every method throws ContainerRuntimeError on failure (socket
 * missing or refusing, timeout, HTTP error, bad JSON) with the socket path in the message.
 */
export class DockerClient {
  readonly socketPath: string;
  private readonly timeoutMs: number;
  private readonly prefix: string;

  /** Docker's data root for `readLocalConfig` ("" = disabled). */
  dataRoot: string;

  constructor(opts: DockerClientOptions) {
    this.socketPath = opts.socketPath;
    this.dataRoot = opts.dataRoot ?? DEFAULT_DOCKER_ROOT;
    this.timeoutMs = opts.requestTimeoutMs ?? 5000;
    this.prefix = opts.apiVersion ? `/v${opts.apiVersion}` : "";
  }

  /** GET a JSON document. @throws ContainerRuntimeError */
  async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(`http://localhost${this.prefix}${path}`, { unix: this.socketPath, signal: sig } as RequestInit);
    } catch (e) {
      throw this.transportError(path, e, timeout);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw this.transportError(path, e, timeout);
    }
    if (!res.ok) {
      let msg = text.trim();
      try {
        const m = str(obj(JSON.parse(text)), "message");
        if (m) msg = m;
      } catch {
        /* keep raw text */
      }
      throw new ContainerRuntimeError(`docker ${this.socketPath}: GET ${path}: HTTP ${res.status}: ${msg}`, res.status);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new ContainerRuntimeError(`docker ${this.socketPath}: GET ${path}: answer is not JSON`);
    }
  }

  private transportError(path: string, e: unknown, timeout: AbortSignal): ContainerRuntimeError {
    if (timeout.aborted) {
      return new ContainerRuntimeError(`docker ${this.socketPath}: GET ${path}: no answer within ${this.timeoutMs} ms`, 0, true);
    }
    const err = e as { code?: string; message?: string; name?: string };
    const why = err?.code ? `${err.code}${err.message && err.message !== err.code ? ` (${err.message})` : ""}` : String(err?.message ?? e);
    return new ContainerRuntimeError(`docker ${this.socketPath}: GET ${path}: ${err?.name === "AbortError" ? "aborted" : why}`);
  }

  /** GET /_ping: true when the daemon answers. Never throws. */
  async ping(): Promise<boolean> {
    try {
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const res = await fetch(`http://localhost${this.prefix}/_ping`, { unix: this.socketPath, signal: timeout } as RequestInit);
      await res.text();
      return res.ok;
    } catch {
      return false;
    }
  }

  /** Ids (64 hex) of running containers: GET /containers/json. @throws ContainerRuntimeError */
  async listRunning(signal?: AbortSignal): Promise<string[]> {
    const list = await this.getJson("/containers/json", signal);
    if (!Array.isArray(list)) throw new ContainerRuntimeError(`docker ${this.socketPath}: GET /containers/json: not a list`);
    return list.map((x) => str(obj(x), "Id")).filter((id) => id !== "");
  }

  /** Image tags and digests: GET /images/{ref}/json. @throws ContainerRuntimeError */
  async imageRefs(ref: string, signal?: AbortSignal): Promise<DockerImageRefs> {
    const img = obj(await this.getJson(`/images/${encodeURIComponent(ref)}/json`, signal));
    return { repoTags: strArr(img?.RepoTags), repoDigests: strArr(img?.RepoDigests) };
  }

  /**
   * Inspect one container by id (full or a unique prefix, e.g. the 12-hex container.id) or name:
   * GET /containers/{id}/json, then its image for repository/tag/digest (an image lookup failure
   * leaves those "" as in the plugin), then, for NetworkMode "container:<x>", x's IP.
   * @throws ContainerRuntimeError (status 404: no such container)
   */
  async inspect(id: string, signal?: AbortSignal): Promise<ContainerMetadata> {
    const ctr = await this.getJson(`/containers/${encodeURIComponent(id)}/json`, signal);
    const c = obj(ctr);
    if (!c || str(c, "Id") === "") throw new ContainerRuntimeError(`docker ${this.socketPath}: GET /containers/${id}/json: no Id in answer`);
    let image: DockerImageRefs | undefined;
    const imageRef = str(c, "Image");
    if (imageRef !== "") {
      try {
        image = await this.imageRefs(imageRef, signal);
      } catch {
        image = undefined;
      }
    }
    let secondaryIp = "";
    const mode = str(obj(c.HostConfig), "NetworkMode");
    if (str(obj(c.NetworkSettings), "IPAddress") === "" && mode.startsWith("container:")) {
      try {
        const other = obj(await this.getJson(`/containers/${encodeURIComponent(mode.slice(10))}/json`, signal));
        secondaryIp = str(obj(other?.NetworkSettings), "IPAddress");
      } catch {
        secondaryIp = "";
      }
    }
    return metadataFromDockerInspect(ctr, image, secondaryIp);
  }

  /**
   * Metadata from the daemon's on-disk container state (see `inspectFromLocalConfig`), read
   * synchronously: `<data root>/containers/<id>/config.v2.json` and `hostconfig.json`, and the
   * image's tags and digests from `<data root>/image/<storage driver>/repositories.json` (the
   * daemon's reference store: {"Repositories": {repo: {"repo:tag" | "repo@digest": image id}}}).
   * Why: dockerd holds a container's lock for the whole of `docker start`, and
   * GET /containers/{id}/json waits for it (measured here: 1.6 s), so during start — exactly when
   * the container's first processes run and its first rules are evaluated — only the files answer,
   * and they answer at once. `id` is the full 64-hex id or a unique prefix (the directory is then
   * found by listing <data root>/containers). The files carry what dockerd last wrote (the IP and
   * pid appear once started; the API refresh on the start event brings them).
   * @throws ContainerRuntimeError when the files are missing, unreadable or not Docker's format
   */
  readLocalConfigSync(id: string): ContainerMetadata {
    if (this.dataRoot === "") throw new ContainerRuntimeError("docker: on-disk container state disabled");
    const base = `${this.dataRoot}/containers`;
    let full = id.toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(full)) {
      let names: string[];
      try {
        names = readdirSync(base);
      } catch (e) {
        throw new ContainerRuntimeError(`docker: cannot list ${base}: ${(e as Error).message}`);
      }
      const hits = names.filter((n) => n.startsWith(full));
      if (hits.length !== 1) throw new ContainerRuntimeError(`docker: ${hits.length} containers in ${base} match ${id}`);
      full = hits[0]!;
    }
    let config: unknown;
    let hostConfig: unknown;
    try {
      config = JSON.parse(readFileSync(`${base}/${full}/config.v2.json`, "utf8"));
      hostConfig = JSON.parse(readFileSync(`${base}/${full}/hostconfig.json`, "utf8"));
    } catch (e) {
      throw new ContainerRuntimeError(`docker: cannot read the on-disk state of ${full} in ${base}: ${(e as Error).message}`);
    }
    const ctr = inspectFromLocalConfig(config, hostConfig);
    if (!ctr) throw new ContainerRuntimeError(`docker: ${base}/${full}/config.v2.json has no ID`);
    const imageId = str(ctr, "Image");
    const driver = str(obj(config), "Driver");
    let image: DockerImageRefs | undefined;
    if (imageId !== "" && /^[a-z0-9_-]+$/.test(driver)) {
      try {
        const repos = obj(obj(JSON.parse(readFileSync(`${this.dataRoot}/image/${driver}/repositories.json`, "utf8")))?.Repositories);
        const refs: DockerImageRefs = { repoTags: [], repoDigests: [] };
        for (const byRef of Object.values(repos ?? {})) {
          for (const [ref, target] of Object.entries(obj(byRef) ?? {})) {
            if (target !== imageId) continue;
            if (ref.includes("@")) refs.repoDigests.push(ref);
            else refs.repoTags.push(ref);
          }
        }
        image = refs;
      } catch {
        image = undefined;
      }
    }
    return metadataFromDockerInspect(ctr, image);
  }

  /**
   * `readLocalConfigSync`, completed with GET /images/{id}/json when the reference store could not
   * be read. @throws ContainerRuntimeError as readLocalConfigSync
   */
  async readLocalConfig(id: string, signal?: AbortSignal): Promise<ContainerMetadata> {
    const md = this.readLocalConfigSync(id);
    if (md.imageRepo !== "" || md.imageId === "") return md;
    try {
      const rtd = imageRepoTagDigest(await this.imageRefs(`sha256:${md.imageId}`, signal));
      return { ...md, imageRepo: rtd.repository, imageTag: rtd.tag, imageDigest: rtd.digest };
    } catch {
      return md;
    }
  }

  /**
   * Stream container events (GET /events with filters type=container and the given actions) and
   * call `onEvent` for each, until `signal` aborts (resolves) or the stream ends/fails (resolves /
   * throws ContainerRuntimeError). The connect step is bounded by the request timeout; the stream
   * itself is not.
   */
  async streamEvents(actions: readonly string[], onEvent: (ev: DockerContainerEvent) => void, signal: AbortSignal): Promise<void> {
    const filters = JSON.stringify({ type: ["container"], event: actions });
    const path = `/events?filters=${encodeURIComponent(filters)}`;
    const connectCtl = new AbortController();
    const timer = setTimeout(() => connectCtl.abort(), this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(`http://localhost${this.prefix}${path}`, {
        unix: this.socketPath,
        signal: AbortSignal.any([signal, connectCtl.signal]),
      } as RequestInit);
    } catch (e) {
      if (signal.aborted) return;
      throw new ContainerRuntimeError(
        `docker ${this.socketPath}: GET /events: ${connectCtl.signal.aborted ? `no answer within ${this.timeoutMs} ms` : String((e as Error)?.message ?? e)}`,
        0,
        connectCtl.signal.aborted,
      );
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok || !res.body) {
      const t = await res.text().catch(() => "");
      throw new ContainerRuntimeError(`docker ${this.socketPath}: GET /events: HTTP ${res.status}: ${t.trim()}`, res.status);
    }
    const reader = res.body.getReader();
    const onAbort = (): void => {
      reader.cancel().catch(() => undefined);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const dec = new TextDecoder();
    let buf = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line === "") continue;
          let m: Json | undefined;
          try {
            m = obj(JSON.parse(line));
          } catch {
            continue;
          }
          const actor = obj(m?.Actor);
          const id = str(actor, "ID") || str(m, "id");
          const action = str(m, "Action") || str(m, "status");
          if (id === "" || action === "") continue;
          const attrs: Record<string, string> = {};
          const a = obj(actor?.Attributes);
          if (a) for (const [k, v] of Object.entries(a)) if (typeof v === "string") attrs[k] = v;
          // timeNano exceeds 2^53: take its digits from the text, not the parsed number.
          const tn = /"timeNano":\s*(\d+)/.exec(line);
          onEvent({ action, id, attributes: attrs, timeNano: tn ? BigInt(tn[1]!) : 0n });
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      throw new ContainerRuntimeError(`docker ${this.socketPath}: GET /events: stream failed: ${String((e as Error)?.message ?? e)}`);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }
}
