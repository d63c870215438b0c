/**
 * Container id from cgroups, following Falco's container plugin matchers (falcosecurity/plugins
 * plugins/container/src/matchers/{podman,docker,cri,runc}.cpp): each cgroup path is tried against
 * runtime layouts `<prefix><64 hex id><suffix>` (prefix searched from the end of the path, suffix at
 * the end), in the plugin's engine order podman → docker → cri. Only full 64-hex ids count, so host
 * cgroups named with shorter hex ids (e.g. systemd scopes with 32-hex names) stay "host".
 * The reported id is the first 12 hex characters (container.id), the full one is container.full_id.
 */

/** Runtime that owns a container (container.type values used by Falco). */
export type ContainerType = "docker" | "containerd" | "cri-o" | "podman" | "cri" | "host";

/** Result of `containerIdFromCgroups`. */
export interface ContainerMatch {
  /** container.id: 12-hex short id, or "host". */
  id: string;
  /** container.full_id: 64-hex id, or "host". */
  fullId: string;
  type: ContainerType;
}

interface Layout {
  prefix: string;
  suffix: string;
  type: ContainerType;
}

/** Layouts in matcher order (podman, docker, cri). */
const LAYOUTS: readonly Layout[] = [
  { prefix: "/libpod-", suffix: ".scope", type: "podman" },
  { prefix: "/libpod-", suffix: ".scope/container", type: "podman" },
  { prefix: "/libpod-", suffix: "", type: "podman" },
  { prefix: "/", suffix: "", type: "docker" },
  { prefix: "/docker-", suffix: ".scope", type: "docker" },
  { prefix: "/crio-", suffix: "", type: "cri-o" },
  { prefix: "/cri-containerd-", suffix: ".scope", type: "containerd" },
  { prefix: "/crio-", suffix: ".scope", type: "cri-o" },
  { prefix: ":cri-containerd:", suffix: "", type: "containerd" },
];

const HOST: ContainerMatch = Object.freeze({ id: "host", fullId: "host", type: "host" }) as ContainerMatch;

function isHex64(s: string, start: number): boolean {
  for (let i = start; i < start + 64; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/** Try one layout on one cgroup path; returns the 64-char id or null. */
function matchOne(cg: string, l: Layout): string | null {
  const p = cg.lastIndexOf(l.prefix);
  if (p < 0) return null;
  const start = p + l.prefix.length;
  const end = l.suffix === "" ? cg.length : cg.lastIndexOf(l.suffix);
  if (end < 0 || end - start !== 64) return null;
  if (l.suffix !== "" && end + l.suffix.length !== cg.length) return null;
  return isHex64(cg, start) ? cg.slice(start, end) : null;
}

/**
 * Container of a process from its cgroups ([subsystem, path] pairs as in /proc/PID/cgroup or the
 * execve/clone `cgroups` parameter). Returns `{id: "host", ...}` when no cgroup matches.
 * Examples: "/docker/<64hex>" → docker; "/system.slice/docker-<64hex>.scope" → docker;
 * "/kubepods.slice/.../cri-containerd-<64hex>.scope" → containerd; ".../crio-<64hex>.scope" → cri-o;
 * "/machine.slice/libpod-<64hex>.scope" → podman; "/system.slice/<32hex>.scope" → host.
 */
export function containerIdFromCgroups(cgroups: readonly (readonly [string, string])[]): ContainerMatch {
  for (let i = 0; i < cgroups.length; i++) {
    for (const l of LAYOUTS) {
      const id = matchOne(cgroups[i]![1], l);
      if (id !== null) {
        const lower = id.toLowerCase();
        return { id: lower.slice(0, 12), fullId: lower, type: l.type };
      }
    }
  }
  return HOST;
}

/**
 * Parse cgroup strings as found in events ("subsys=path", e.g. "cpuset=/docker/abc") into pairs.
 * Items without "=" become ["", item].
 */
export function parseCgroupItems(items: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const it of items) {
    if (!it) continue;
    const eq = it.indexOf("=");
    out.push(eq < 0 ? ["", it] : [it.slice(0, eq), it.slice(eq + 1)]);
  }
  return out;
}
