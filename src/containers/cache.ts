/**
 * ContainerManager: the container metadata cache between the event path and the container
 * runtimes. Mirrors what Falco's container plugin does (falcosecurity/plugins plugins/container:
 * an async worker fills a containers table from runtime sockets; the extractor reads the table
 * synchronously; entries are added on create/start events or on first sighting of an id and
 * removed on destroy), plus a bounded wait the engine can use so that the first alert from a new
 * container already carries container.* and k8s.* fields.
 *
 * Guarantees: no method throws into the caller; every runtime error becomes a counter and
 * `undefined`; no wait lasts longer than its bound, and each lookup attempt blocks a waiter at
 * most once (after one expired wait, later `whenReady` calls for the same pending lookup resolve
 * at once), so a runtime that never answers costs at most `metadataWaitMs` per container.
 *
 * Configuration keys (falco.yaml, falco-ts): container.enabled, container.docker_socket,
 * container.cri_sockets, container.metadata_wait_ms. Socket paths are prefixed with HOST_ROOT
 * when that environment variable is set (as the plugin does with its host_root).
 */
import { existsSync } from "node:fs";
import type { ContainerInfo } from "../fields/context.ts";
import { containerIdFromCgroups } from "../state/container.ts";
import { CriClient, DEFAULT_CRI_SOCKETS } from "./cri.ts";
import { DEFAULT_DOCKER_ROOT, DEFAULT_DOCKER_SOCKET, DockerClient, type DockerContainerEvent } from "./docker.ts";
import { type ContainerMetadata, ContainerRuntimeError, HOST_CONTAINER } from "./types.ts";

/** Options; every member is optional. */
export interface ContainerManagerOptions {
  /** container.enabled: when false, nothing is looked up (get() still answers "host"). Default true. */
  enabled?: boolean;
  /** container.docker_socket (default /var/run/docker.sock). */
  dockerSocket?: string;
  /** container.cri_sockets (default: containerd, CRI-O, k3s sockets). */
  criSockets?: readonly string[];
  /** container.metadata_wait_ms: default bound of whenReady, ms (default 300). */
  metadataWaitMs?: number;
  /** Prefix for socket paths; default process.env.HOST_ROOT ?? "". */
  hostRoot?: string;
  /** Bound on each runtime request, ms (default 5000). */
  requestTimeoutMs?: number;
  /** After a failed lookup, the id is not retried before this many ms (default 10000). */
  retryAfterMs?: number;
  /** Maximum cached containers; the oldest entries go first (default 8192). */
  maxEntries?: number;
  /**
   * Docker's data root (DockerRootDir), HOST_ROOT-prefixed like the sockets. Default: what the
   * daemon's GET /info reports at start(), else /var/lib/docker. "" disables the on-disk fallback.
   */
  dockerDataRoot?: string;
  /**
   * When GET /containers/{id}/json has not answered within this many ms (dockerd holds the
   * container's lock for the whole of `docker start`), the daemon's on-disk container state is
   * read instead (DockerClient.readLocalConfig). Default 50.
   */
  apiSlowMs?: number;
  /** Optional logger for runtime problems (each distinct message is logged once per minute at most). */
  log?: (level: "debug" | "info" | "warning", message: string) => void;
}

/** The `container` section of falco.yaml as src/cli/config.ts declares it. */
export interface ContainerConfigSection {
  enabled: boolean;
  docker_socket: string;
  cri_sockets: string[];
  metadata_wait_ms: number;
}

/** Counters (monotonic since construction), for metrics and tests. */
export interface ContainerCounters {
  /** Runtime lookups started (one per container id and attempt; deduplicated). */
  lookups: number;
  /** Lookups that failed (socket missing, timeout, 404, CRI not available, bad answer). */
  lookupFailures: number;
  /** whenReady waits that expired before the metadata arrived. */
  timeouts: number;
  /** Entries removed (destroy event, explicit evict, cache bound). */
  evictions: number;
  /** Events-stream (re)connections that failed or ended. */
  eventStreamErrors: number;
  /** Containers whose metadata came from the runtime's on-disk state (sightedSync). */
  localReads: number;
}

/** A container sighting: what the cgroup matcher (src/state/container.ts) knows. */
export interface ContainerHint {
  /** 64-hex id when known (better than the 12-hex prefix for the API). */
  fullId?: string;
  /** Runtime from the cgroup layout: "docker", "podman", "containerd", "cri-o", "cri". */
  type?: string;
  /**
   * The cgroup is a plain `/<...>/<64 hex>` one (the "docker" layout) under a CRI-managed parent
   * (`/k8s.io/<id>`: containerd's CRI namespace without a cgroup parent; `/kubepods...`: kubelet's
   * cgroupfs driver): ask the CRI sockets first, then Docker. See `containerHintFromCgroups`.
   */
  criFirst?: boolean;
}

/**
 * The lookup hint for a thread's cgroups ([subsystem, path] pairs): the runtime type and full id
 * from the cgroup matcher (src/state/container.ts), plus `criFirst` when the matched path is a
 * "docker"-layout one whose parent marks a CRI runtime: a path segment "k8s.io" (containerd's CRI
 * namespace; the container plugin's containerd matcher reads `/<namespace>/<id>` the same way) or
 * one containing "containerd" directly above the id, or any ancestor segment starting with
 * "kubepods" (kubelet with the cgroupfs driver). Returns undefined when the cgroups give no container or another id than `id`.
 */
export function containerHintFromCgroups(cgroups: readonly (readonly [string, string])[], id: string): ContainerHint | undefined {
  const m = containerIdFromCgroups(cgroups);
  if (m.id !== id || m.id === "host") return undefined;
  if (m.type !== "docker") return { fullId: m.fullId, type: m.type };
  let criFirst = false;
  for (const [, path] of cgroups) {
    const at = path.toLowerCase().lastIndexOf(`/${m.fullId}`);
    if (at < 0) continue;
    const parents = path.slice(0, at).split("/");
    const parent = parents[parents.length - 1] ?? "";
    if (parent === "k8s.io" || parent.includes("containerd") || parents.some((seg) => seg.startsWith("kubepods"))) criFirst = true;
    break;
  }
  return criFirst ? { fullId: m.fullId, type: m.type, criFirst } : { fullId: m.fullId, type: m.type };
}

interface Pending {
  promise: Promise<ContainerMetadata | undefined>;
  /** Set once a whenReady wait on this attempt expired: later waits do not block again. */
  waitExpired: boolean;
}

const HEX = /^[0-9a-f]{12,64}$/;

/**
 * Container metadata cache with deduplicated async lookups. Pass it as `FieldContext.containers`
 * (it has the `get(id)` the field layer expects).
 */
export class ContainerManager {
  /** Counters, updated in place. */
  readonly counters: ContainerCounters = { lookups: 0, lookupFailures: 0, timeouts: 0, evictions: 0, eventStreamErrors: 0, localReads: 0 };
  /** The Docker client (socket path already HOST_ROOT-prefixed). */
  readonly docker: DockerClient;
  /** The CRI client (containerd / CRI-O sockets, HOST_ROOT-prefixed). */
  readonly cri: CriClient;
  /** Default bound of whenReady, ms. */
  readonly metadataWaitMs: number;
  readonly enabled: boolean;

  private readonly cache = new Map<string, ContainerMetadata>();
  private readonly pending = new Map<string, Pending>();
  private readonly failedAt = new Map<string, number>();
  private readonly localFailedAt = new Map<string, number>();
  private readonly retryAfterMs: number;
  private readonly maxEntries: number;
  private readonly log?: ContainerManagerOptions["log"];
  private readonly lastLogged = new Map<string, number>();
  private readonly hostRootPrefix: (p: string) => string;
  private readonly apiSlowMs: number;
  private dataRootFromInfo: boolean;
  private watchCtl: AbortController | undefined;
  private watchDone: Promise<void> | undefined;
  /** The start-up listing of CRI containers (runs in the background). */
  private criListDone: Promise<void> | undefined;

  constructor(opts: ContainerManagerOptions = {}) {
    const hostRoot = (opts.hostRoot ?? process.env.HOST_ROOT ?? "").replace(/\/+$/, "");
    const prefix = (p: string): string => (hostRoot === "" ? p : `${hostRoot}${p.startsWith("/") ? "" : "/"}${p}`);
    const requestTimeoutMs = positive(opts.requestTimeoutMs, 5000);
    this.enabled = opts.enabled ?? true;
    this.dataRootFromInfo = opts.dockerDataRoot === undefined;
    const dataRoot = opts.dockerDataRoot === "" ? "" : prefix(opts.dockerDataRoot ?? DEFAULT_DOCKER_ROOT);
    this.docker = new DockerClient({ socketPath: prefix(opts.dockerSocket || DEFAULT_DOCKER_SOCKET), requestTimeoutMs, dataRoot });
    this.hostRootPrefix = prefix;
    this.apiSlowMs = nonNegative(opts.apiSlowMs, 50);
    this.cri = new CriClient((opts.criSockets ?? DEFAULT_CRI_SOCKETS).map(prefix), { requestTimeoutMs });
    this.metadataWaitMs = nonNegative(opts.metadataWaitMs, 300);
    this.retryAfterMs = nonNegative(opts.retryAfterMs, 10_000);
    this.maxEntries = positive(opts.maxEntries, 8192);
    this.log = opts.log;
  }

  /** Build from falco.yaml's `container` section (src/cli/config.ts FalcoConfig.container). */
  static fromConfig(section: ContainerConfigSection, extra: Omit<ContainerManagerOptions, "enabled" | "dockerSocket" | "criSockets" | "metadataWaitMs"> = {}): ContainerManager {
    return new ContainerManager({
      ...extra,
      enabled: section.enabled,
      dockerSocket: section.docker_socket,
      criSockets: section.cri_sockets,
      metadataWaitMs: section.metadata_wait_ms,
    });
  }

  /**
   * Cached metadata for a container.id (12-hex, or a full 64-hex id), synchronously; "host" gives
   * the host pseudo-container. undefined when not (yet) known. O(1); never starts a lookup.
   */
  get(id: string): ContainerMetadata | undefined {
    if (id === "host") return HOST_CONTAINER;
    return this.cache.get(id.length > 12 ? id.slice(0, 12) : id);
  }

  /** Number of cached containers (the host pseudo-container not counted). */
  get size(): number {
    return this.cache.size;
  }

  /** True while a runtime lookup for `id` is in flight. */
  isPending(id: string): boolean {
    return this.pending.has(key(id));
  }

  /**
   * Cheap check for the alert path: true when an alert for `id` should wait (a real container id,
   * metadata not cached, lookups enabled, and no wait already expired for the current attempt nor
   * a recent failure). Host and "" never wait.
   */
  needsWait(id: string): boolean {
    if (!this.enabled || id === "host" || id === "") return false;
    const k = key(id);
    if (this.cache.has(k)) return false;
    const p = this.pending.get(k);
    if (p) return !p.waitExpired;
    return !this.recentlyFailed(k) && HEX.test(k);
  }

  /**
   * Note a container id seen in the event stream (e.g. from containerIdFromCgroups on clone/execve):
   * starts a lookup when the id is new. Fire-and-forget; never throws.
   */
  sighted(id: string, hint?: ContainerHint): void {
    if (!this.enabled || id === "host" || id === "") return;
    const k = key(id);
    if (this.cache.has(k) || this.pending.has(k)) return;
    void this.lookup(id, hint);
  }

  /**
   * Synchronous first sighting, for the event path (called once per new container id, before the
   * rules see the event): when `id` is not cached, read Docker's on-disk container state at once
   * (DockerClient.readLocalConfigSync, a few small file reads) so that the container's very first
   * events — runc's set-up, its first process, usually while `docker start` still holds the
   * daemon's inspect — are evaluated with container.* known. On failure (not Docker, files not
   * reachable) it falls back to the asynchronous `sighted` and does not retry the files for
   * retryAfterMs. Never throws. @returns true when metadata is cached after the call
   */
  sightedSync(id: string, hint?: ContainerHint): boolean {
    if (!this.enabled || id === "host" || id === "") return false;
    const k = key(id);
    if (this.cache.has(k)) return true;
    const t = hint?.type;
    if (this.docker.dataRoot !== "" && (t === undefined || t === "docker") && !hint?.criFirst && HEX.test(k) && !this.recentlyFailedLocal(k)) {
      try {
        const md = this.docker.readLocalConfigSync(hint?.fullId ?? id);
        this.insert(k, md);
        this.counters.localReads++;
        return true;
      } catch (e) {
        this.localFailedAt.set(k, Date.now());
        if (this.localFailedAt.size > this.maxEntries) this.localFailedAt.delete(this.localFailedAt.keys().next().value!);
        this.note("debug", `container metadata from disk: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.sighted(id, hint);
    return false;
  }

  private recentlyFailedLocal(k: string): boolean {
    const t = this.localFailedAt.get(k);
    if (t === undefined) return false;
    if (Date.now() - t < this.retryAfterMs) return true;
    this.localFailedAt.delete(k);
    return false;
  }

  /**
   * Metadata for `id`, from the cache or from the runtime (one request per id at a time: concurrent
   * callers share it). Resolves undefined when the id is "" / not hex / lookups are disabled / the
   * runtime fails (counted in lookupFailures) / the id failed less than retryAfterMs ago.
   * Never rejects.
   */
  lookup(id: string, hint?: ContainerHint): Promise<ContainerMetadata | undefined> {
    if (id === "host") return Promise.resolve(HOST_CONTAINER);
    const k = key(id);
    const hit = this.cache.get(k);
    if (hit) return Promise.resolve(hit);
    const p = this.pending.get(k);
    if (p) return p.promise;
    if (!this.enabled || !HEX.test(k) || this.recentlyFailed(k)) return Promise.resolve(undefined);
    return this.startLookup(k, id, hint);
  }

  /** Start a runtime request for key `k` (bypassing the cache) and register it as pending. */
  private startLookup(k: string, id: string, hint?: ContainerHint): Promise<ContainerMetadata | undefined> {
    const full = hint?.fullId && HEX.test(hint.fullId.toLowerCase()) ? hint.fullId.toLowerCase() : id.toLowerCase();
    this.counters.lookups++;
    const entry: Pending = { promise: Promise.resolve(undefined), waitExpired: false };
    entry.promise = this.fetchOne(full, hint?.type, hint?.criFirst === true).then(
      (md) => {
        if (this.pending.get(k) === entry) {
          this.pending.delete(k);
          this.insert(k, md);
        }
        return md;
      },
      (e: unknown) => {
        this.counters.lookupFailures++;
        if (this.pending.get(k) === entry) {
          this.pending.delete(k);
          this.failedAt.set(k, Date.now());
          if (this.failedAt.size > this.maxEntries) this.failedAt.delete(this.failedAt.keys().next().value!);
        }
        this.note("debug", e instanceof Error ? e.message : String(e));
        return undefined;
      },
    );
    this.pending.set(k, entry);
    return entry.promise;
  }

  /**
   * Wait until `id`'s metadata is cached, the lookup fails, or `maxWaitMs` (default
   * metadataWaitMs) passes — whichever comes first; starts the lookup if needed. An expired wait
   * counts in `timeouts`, and later waits on the same lookup attempt resolve at once (the lookup
   * goes on in the background and fills the cache when it answers). Never rejects.
   */
  whenReady(id: string, maxWaitMs: number = this.metadataWaitMs, hint?: ContainerHint): Promise<void> {
    if (!this.needsWait(id)) return Promise.resolve();
    const k = key(id);
    const promise = this.lookup(id, hint);
    const entry = this.pending.get(k);
    if (!entry) return Promise.resolve(); // answered synchronously (cache/failure)
    if (!(maxWaitMs > 0)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        entry.waitExpired = true;
        this.counters.timeouts++;
        resolve();
      }, maxWaitMs);
      promise.then(() => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Drop a container (destroy event, or the caller knows it is gone). Returns true if it was cached or pending. */
  evict(id: string): boolean {
    const k = key(id);
    const inCache = this.cache.delete(k);
    const inFlight = this.pending.delete(k);
    const had = inCache || inFlight;
    this.failedAt.delete(k);
    if (had) this.counters.evictions++;
    return had;
  }

  /** Insert or replace an entry (used by lookups and events; also handy for tests and replays). */
  insert(id: string, md: ContainerMetadata): void {
    const k = key(id);
    this.cache.delete(k);
    this.cache.set(k, md);
    this.failedAt.delete(k);
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value!;
      this.cache.delete(oldest);
      this.counters.evictions++;
    }
  }

  /**
   * Start background work: list running Docker and CRI containers into the cache, then follow Docker's
   * container events (create/start → look up, destroy → evict), reconnecting with backoff
   * (1 s doubling to 30 s) when the stream fails. Resolves once the initial listing is done or
   * failed (bounded by the request timeout). Never rejects. Idempotent.
   */
  async start(): Promise<void> {
    if (!this.enabled || this.watchCtl) return;
    const ctl = new AbortController();
    this.watchCtl = ctl;
    // GET /info makes dockerd run `runc --version` and `docker-init --version` and rewrite its
    // network/files/local-kv.db: host activity that rules see (the seed's Write_Outside_Userdata
    // alerts on the writes), on every agent start. Ask only when the default data root is not
    // Docker's (a custom --data-root).
    if (this.dataRootFromInfo && !existsSync(`${this.docker.dataRoot}/containers`)) {
      try {
        const root = (await this.docker.getJson("/info", ctl.signal) as { DockerRootDir?: unknown }).DockerRootDir;
        if (typeof root === "string" && root.startsWith("/")) this.docker.dataRoot = this.hostRootPrefix(root);
      } catch {
        /* keep the default; the API path still works */
      }
    }
    // Running containers of Docker and of the CRI sockets, looked up at most 8 at a time per runtime.
    const inspectAll = async (ids: string[], type: string): Promise<void> => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < ids.length && !ctl.signal.aborted) {
          const full = ids[next++]!;
          await this.lookup(full, { fullId: full, type });
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, ids.length) }, worker));
    };
    const dockerList = (async () => {
      try {
        await inspectAll(await this.docker.listRunning(ctl.signal), "docker");
      } catch (e) {
        this.note("info", `container metadata: ${e instanceof Error ? e.message : String(e)}`);
      }
    })();
    // CRI runtimes are listed in the background: a socket that accepts but never answers (or a
    // slow runtime) must not hold up the start of capture nor the Docker events stream.
    this.criListDone = (async () => {
      // A containerd without its CRI plugin (Docker's, typically) answers UNIMPLEMENTED: not worth a log line.
      const ids = await this.cri.listRunning(ctl.signal, (e) => this.note(/UNIMPLEMENTED/.test(e.message) ? "debug" : "info", `container metadata: ${e.message}`));
      await inspectAll(ids, "cri");
    })().catch(() => undefined);
    await dockerList;
    if (ctl.signal.aborted) return;
    this.watchDone = this.watch(ctl.signal);
  }

  /** Resolves when start()'s background listing of CRI containers has finished (never rejects). */
  criListing(): Promise<void> {
    return this.criListDone ?? Promise.resolve();
  }

  /** Stop the events stream (pending lookups still complete). Idempotent; never rejects. */
  async stop(): Promise<void> {
    const ctl = this.watchCtl;
    this.watchCtl = undefined;
    ctl?.abort();
    await this.watchDone?.catch(() => undefined);
    this.watchDone = undefined;
    await this.criListDone;
    this.criListDone = undefined;
    this.cri.close(); // last: nothing in flight any more, and later lookups cannot reopen a channel
  }

  /** Snapshot of counters plus cache/pending sizes. */
  stats(): ContainerCounters & { cached: number; pending: number } {
    return { ...this.counters, cached: this.cache.size, pending: this.pending.size };
  }

  private async watch(signal: AbortSignal): Promise<void> {
    let backoff = 1000;
    while (!signal.aborted) {
      try {
        await this.docker.streamEvents(["create", "start", "destroy"], (ev) => this.onEvent(ev), signal);
        if (signal.aborted) return;
        this.counters.eventStreamErrors++;
      } catch (e) {
        if (signal.aborted) return;
        this.counters.eventStreamErrors++;
        this.note("debug", `container events: ${e instanceof Error ? e.message : String(e)}`);
      }
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, 30_000);
    }
  }

  private onEvent(ev: DockerContainerEvent): void {
    const full = ev.id.toLowerCase();
    if (ev.action === "destroy") {
      this.evict(full);
      return;
    }
    // create/start: look up; on start, refresh an entry made at create (the started container has
    // a pid and an IP it lacked), keeping the old entry readable until the new one arrives.
    const k = key(full);
    if (!this.enabled) return;
    const inFlight = this.pending.get(k);
    if (inFlight) {
      // A lookup started at create (possibly answered from disk, before the container had a pid
      // and an IP) is still running: refresh once it is done.
      if (ev.action === "start") {
        void inFlight.promise.then(() => {
          if (!this.pending.has(k) && this.watchCtl) void this.startLookup(k, full, { fullId: full, type: "docker" });
        });
      }
      return;
    }
    this.failedAt.delete(k);
    if (ev.action === "start" || !this.cache.has(k)) void this.startLookup(k, full, { fullId: full, type: "docker" });
  }

  /**
   * One runtime lookup. CRI cgroup layouts (containerd, cri-o, cri) ask the CRI sockets only;
   * `criFirst` (a plain id under k8s.io / kubepods) asks CRI, then Docker; otherwise Docker (API,
   * or its on-disk state while the API is busy), then — when Docker does not know the id or does
   * not answer at all and a CRI socket exists — CRI. The error of the first runtime asked is kept
   * when both fail.
   */
  private async fetchOne(fullOrShortId: string, type: string | undefined, criFirst = false): Promise<ContainerMetadata> {
    if (type === "containerd" || type === "cri-o" || type === "cri") return this.cri.inspect(fullOrShortId);
    if (criFirst) {
      try {
        return await this.cri.inspect(fullOrShortId);
      } catch (e) {
        try {
          return await this.fetchDocker(fullOrShortId);
        } catch {
          throw e;
        }
      }
    }
    try {
      return await this.fetchDocker(fullOrShortId);
    } catch (e) {
      const dockerMissing = e instanceof ContainerRuntimeError && (e.status === 404 || e.status === 0) && !e.timedOut;
      if (!dockerMissing || !this.cri.available()) throw e;
      try {
        return await this.cri.inspect(fullOrShortId);
      } catch {
        throw e;
      }
    }
  }

  private async fetchDocker(fullOrShortId: string): Promise<ContainerMetadata> {
    const wrap = (e: unknown): ContainerRuntimeError => (e instanceof ContainerRuntimeError ? e : new ContainerRuntimeError(String(e)));
    const api = this.docker.inspect(fullOrShortId).then(
      (md) => ({ md }),
      (e: unknown) => ({ err: wrap(e) }),
    );
    // A daemon that answers (with metadata or an error) is the authority. One that is busy — it
    // holds the container's lock during `docker start`, when the first alerts of a new container
    // fire — is replaced by its on-disk container state, written at create time.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const slow = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.apiSlowMs);
    });
    const first = await Promise.race([api, slow]);
    clearTimeout(timer);
    if (first === null && this.docker.dataRoot !== "") {
      try {
        return await this.docker.readLocalConfig(fullOrShortId);
      } catch (e) {
        this.note("debug", `container metadata from disk: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    const r = first ?? (await api);
    if ("md" in r) return r.md;
    throw r.err;
  }

  private recentlyFailed(k: string): boolean {
    const t = this.failedAt.get(k);
    if (t === undefined) return false;
    if (Date.now() - t < this.retryAfterMs) return true;
    this.failedAt.delete(k);
    return false;
  }

  private note(level: "debug" | "info" | "warning", message: string): void {
    if (!this.log) return;
    const now = Date.now();
    const last = this.lastLogged.get(message);
    if (last !== undefined && now - last < 60_000) return;
    if (this.lastLogged.size > 256) this.lastLogged.clear();
    this.lastLogged.set(message, now);
    try {
      this.log(level, message);
    } catch {
      /* a logger must not break lookups */
    }
  }
}

// Compile-time check that a ContainerManager can serve as FieldContext.containers.
const fieldsCompat: (m: ContainerManager) => { get(id: string): ContainerInfo | undefined } = (m) => m;
void fieldsCompat;

function key(id: string): string {
  const l = id.toLowerCase();
  return l.length > 12 ? l.slice(0, 12) : l;
}

function positive(v: number | undefined, dflt: number): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : dflt;
}

function nonNegative(v: number | undefined, dflt: number): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : dflt;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
