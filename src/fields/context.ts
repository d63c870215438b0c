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
  firstEventTs?(): bigint;
  readonly eventSource?: string;
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
    ...(s.isLocalAddress ? { isLocalAddress: s.isLocalAddress.bind(s) } : {}),
    ...(s.firstEventTs ? { firstEventTs: s.firstEventTs.bind(s) } : {}),
    ...(s.eventSource !== undefined ? { eventSource: s.eventSource } : {}),
  };
  return ctx;
}
