/**
 * What field extractors need beyond the event itself: the thread table (parents, ancestors,
 * session/group leaders), user and group databases, container metadata and a few host facts.
 * The engine wires these to the state objects (src/state/); tests pass small fakes.
 *
 * Semantics follow libsinsp: sinsp_thread_manager (find_thread, get_ancestor_process,
 * traverse_parent_state), sinsp_usergroup_manager (users/groups per container id), the container
 * plugin's container_info (falcosecurity/plugins plugins/container/src/container_info.h) and
 * sinsp_network_interfaces (is_ipv4addr_in_local_machine).
 */
import type { ThreadInfo } from "../state/types.ts";
import type { DnsTable } from "./dns.ts";

/** A passwd entry (scap_userinfo): name, home directory, shell. */
export interface UserEntry {
  readonly name: string;
  readonly homedir: string;
  readonly shell: string;
}

/** A group entry (scap_groupinfo). */
export interface GroupEntry {
  readonly name: string;
}

/** One container mount (container plugin container_mount_info). */
export interface ContainerMount {
  readonly source: string;
  readonly dest: string;
  readonly mode: string;
  readonly rdwr: boolean;
  readonly propagation: string;
}

/**
 * Container metadata as the container plugin keeps it (container_info). Strings are "" when the
 * runtime did not provide them; the host pseudo-container has id/fullId/name "host", type "host".
 */
export interface ContainerInfo {
  readonly id: string;
  readonly fullId: string;
  readonly name: string;
  /** Runtime type as the plugin prints it: "docker", "containerd", "cri-o", "podman", "host", ... */
  readonly type: string;
  readonly image: string;
  readonly imageId: string;
  readonly imageRepo: string;
  readonly imageTag: string;
  readonly imageDigest: string;
  readonly ip: string;
  readonly privileged: boolean;
  readonly hostPid: boolean;
  readonly hostNetwork: boolean;
  readonly hostIpc: boolean;
  readonly mounts: readonly ContainerMount[];
  /** Container labels (k8s ones included: io.kubernetes.pod.name, .namespace, .uid). */
  readonly labels: ReadonlyMap<string, string>;
  /** Pod sandbox id (full), "" if not in a pod. */
  readonly podSandboxId: string;
  readonly podSandboxLabels: ReadonlyMap<string, string>;
  /** CNI result JSON of the pod sandbox, "" if unknown. */
  readonly podCniResult: string;
}

/**
 * The context `createRegistry` binds extractors to. Every member is read at extraction time, so
 * the engine can swap state objects freely; lookups must be cheap (a Map get).
 */
export interface FieldContext {
  /** Thread table: any thread by tid (libsinsp find_thread(tid, lookup_only=true)). */
  readonly threads: {
    get(tid: number): ThreadInfo | undefined;
    /**
     * Number of live threads in the thread group `pid` (leader included), for proc.nthreads /
     * proc.nchilds. Optional: without it, 1 is assumed when the leader is known.
     */
    threadCount?(pid: number): number;
  };
  /**
   * Users by uid, per container id ("host" or "" for the host), sinsp_usergroup_manager::get_user;
   * `pid` is a live process of that container (to read its /etc/passwd through /proc/PID/root).
   */
  readonly users: { get(uid: number, containerId: string, pid?: number): UserEntry | undefined };
  /** Groups by gid, per container id, sinsp_usergroup_manager::get_group (`pid` as for users). */
  readonly groups: { get(gid: number, containerId: string, pid?: number): GroupEntry | undefined };
  /** Container metadata by container.id (12-hex id or "host"); absent or undefined when unknown. */
  readonly containers?: { get(id: string): ContainerInfo | undefined };
  /** evt.hostname: FALCO_HOSTNAME if set, else the machine's host name. */
  hostname(): string;
  /**
   * True if an IP address (text form, as FdInfo.sip/dip) belongs to a local interface of the
   * machine (or of the thread's container): fd.lip/fd.rip/fd.lport/fd.rport/fd.is_server use it.
   * Optional: without it no address is local.
   */
  isLocalAddress?(ip: string, thread: ThreadInfo): boolean;
  /** Timestamp (ns) of the first event seen, for evt.reltime*; optional (0 when absent). */
  firstEventTs?(): bigint;
  /** evt.source for syscall events (default "syscall"). */
  readonly eventSource?: string;
  /**
   * DNS name table for fd.cip.name/fd.sip.name/fd.lip.name/fd.rip.name (src/fields/dns.ts);
   * optional: without it the process-wide `sharedDnsManager()` is used (libsinsp's singleton).
   */
  readonly dns?: DnsTable;
}

/** A FieldContext with empty databases, for tests and tools that have no state. */
export function emptyFieldContext(hostname = ""): FieldContext {
  return {
    threads: { get: () => undefined },
    users: { get: () => undefined },
    groups: { get: () => undefined },
    hostname: () => hostname,
  };
}

/** What fieldContextFromState needs: the state engine's objects, structurally typed. */
export interface StateSources {
  /** The thread table (src/state/threads.ts ThreadTable has get and threadCount). */
  readonly threads: FieldContext["threads"];
  /** The user/group manager (src/state/users.ts UserGroupManager). */
  readonly usergroups: {
    getUser(uid: number, containerId?: string, pid?: number): UserEntry | undefined;
    getGroup(gid: number, containerId?: string, pid?: number): GroupEntry | undefined;
  };
  /** Container metadata (src/containers ContainerManager), optional. */
  readonly containers?: { get(id: string): ContainerInfo | undefined };
  hostname(): string;
  isLocalAddress?(ip: string, thread: ThreadInfo): boolean;
  /**
   * Used to build isLocalAddress (see localAddressCheck) when isLocalAddress is not given:
   * the machine's interface addresses (live: os.networkInterfaces(); replay: the capture's
   * interface list).
   */
  readonly interfaces?: InterfaceAddresses;
  /** All known container IPs, for localAddressCheck (optional). */
  containerIps?(): Iterable<string>;
  firstEventTs?(): bigint;
  readonly eventSource?: string;
  /** DNS name table (FieldContext.dns), optional. */
  readonly dns?: DnsTable;
}

/**
 * Build a FieldContext from the state engine's objects. The host's container id "host" is passed
 * to the user/group manager as "" (its host key).
 */
export function fieldContextFromState(s: StateSources): FieldContext {
  const cid = (id: string): string => (id === "host" ? "" : id);
  const ctx: FieldContext = {
    threads: s.threads,
    users: { get: (uid, containerId, pid) => s.usergroups.getUser(uid, cid(containerId), pid ?? -1) },
    groups: { get: (gid, containerId, pid) => s.usergroups.getGroup(gid, cid(containerId), pid ?? -1) },
    hostname: () => s.hostname(),
    ...(s.containers ? { containers: s.containers } : {}),
    ...(s.isLocalAddress
      ? { isLocalAddress: s.isLocalAddress.bind(s) }
      : s.interfaces
        ? { isLocalAddress: localAddressCheck(s.interfaces, s.containers, s.containerIps ? s.containerIps.bind(s) : undefined) }
        : {}),
    ...(s.firstEventTs ? { firstEventTs: s.firstEventTs.bind(s) } : {}),
    ...(s.eventSource !== undefined ? { eventSource: s.eventSource } : {}),
    ...(s.dns ? { dns: s.dns } : {}),
  };
  return ctx;
}

/** Interface addresses of the machine, as text ("10.0.0.5", "fe80::1"). */
export interface InterfaceAddresses {
  ipv4(): ReadonlySet<string>;
  ipv6(): readonly string[];
}

/** Parse IPv6 text (with "::" and an optional dotted IPv4 tail) into 16 bytes; undefined if malformed. */
export function parseIpv6(text: string): Uint8Array | undefined {
  let s = text;
  const out = new Uint8Array(16);
  let tail: number[] = [];
  const dot = s.lastIndexOf(".");
  if (dot >= 0) {
    const c = s.lastIndexOf(":");
    const v4 = s.slice(c + 1).split(".").map(Number);
    if (v4.length !== 4 || v4.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    s = s.slice(0, c + 1) + "0:0";
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const parse = (h: string): number[] | undefined => {
    if (h === "") return [];
    const parts = h.split(":").map((p) => (/^[0-9a-fA-F]{1,4}$/.test(p) ? parseInt(p, 16) : NaN));
    return parts.some(Number.isNaN) ? undefined : parts;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const words = halves.length === 2 ? [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest] : head;
  if (words.length !== 8) return undefined;
  if (tail.length) {
    words[6] = tail[0]!;
    words[7] = tail[1]!;
  }
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i]! >> 8;
    out[2 * i + 1] = words[i]! & 0xff;
  }
  return out;
}

/**
 * libsinsp sinsp_network_interfaces::is_ipv4addr_in_local_machine / is_ipv6addr_in_local_machine
 * (userspace/libsinsp/ifinfo.cpp) as an isLocalAddress function:
 * - IPv4, thread in a container: equal to that container's IP, else equal to an interface address;
 *   when the container has no IP, equal to any container's IP (no interface fallback);
 * - IPv4, host thread: equal to an interface address;
 * - IPv6: false for container threads; else within the /64 of an interface address.
 */
export function localAddressCheck(
  ifs: InterfaceAddresses,
  containers?: { get(id: string): ContainerInfo | undefined },
  containerIps?: () => Iterable<string>,
): (ip: string, thread: ThreadInfo) => boolean {
  return (ip, thread) => {
    const cid = thread.containerId === "host" ? "" : thread.containerId;
    const v6 = ip.includes(":");
    if (cid !== "") {
      if (v6) return false;
      const own = containers?.get(cid)?.ip ?? "";
      if (own === "") {
        if (containerIps) for (const c of containerIps()) if (c !== "" && c === ip) return true;
        return false;
      }
      if (own === ip) return true;
      // a container IP that differs falls through to the interface list, as in libsinsp
    }
    if (!v6) return ifs.ipv4().has(ip);
    const a = parseIpv6(ip);
    if (!a) return false;
    for (const i of ifs.ipv6()) {
      const b = parseIpv6(i);
      if (!b) continue;
      let same = true;
      for (let k = 0; k < 8; k++) if (a[k] !== b[k]) { same = false; break; }
      if (same) return true;
    }
    return false;
  };
}
