/**
 * `container.*` and `k8s.*` fields, as Falco's container plugin extracts them (falcosecurity/plugins
 * plugins/container/src/caps/extract/extract.cpp): container.id comes from the thread
 * (ThreadInfo.containerId, "host" for host processes); everything else from the container's
 * metadata (FieldContext.containers). Without metadata only container.id, container.start_ts and
 * container.duration have values; with it, fields are the metadata's strings (possibly "").
 * The host pseudo-container (id "host") has name "host" and type "host" even when no metadata
 * provider is wired. The deprecated k8s.rc/svc/ns.id/rs/deployment fields and the health-probe
 * fields never have a value, as in the plugin.
 */
import type { ThreadInfo } from "../state/types.ts";
import type { ContainerInfo, ContainerMount, FieldContext } from "./context.ts";
import { type Binder, type FieldClassImpl, withThread } from "./defs.ts";
import { FieldError, type FieldValue } from "./registry.ts";

/** The plugin's host container_info (container_info::host_container_info). */
export const HOST_CONTAINER: ContainerInfo = {
  id: "host", fullId: "host", name: "host", type: "host", image: "", imageId: "", imageRepo: "",
  imageTag: "", imageDigest: "", ip: "", privileged: false, hostPid: false, hostNetwork: false,
  hostIpc: false, mounts: [], labels: new Map(), podSandboxId: "", podSandboxLabels: new Map(), podCniResult: "",
};

function mountText(m: ContainerMount): string {
  return `${m.source}:${m.dest}:${m.mode}:${m.rdwr ? "true" : "false"}:${m.propagation}`;
}

/** concatenate_container_labels: "k:v" (or "k" for an empty value), sorted by key, ", "-separated, without annotation./io.kubernetes. keys. */
function labelsText(labels: ReadonlyMap<string, string>): string {
  const keys = [...labels.keys()].sort();
  let s = "";
  for (const k of keys) {
    if (k.startsWith("annotation.") || k.startsWith("io.kubernetes.")) continue;
    if (s !== "") s += ", ";
    s += k;
    const v = labels.get(k)!;
    if (v !== "") s += ":" + v;
  }
  return s;
}

/** Regex search as the plugin's mount_by_source/mount_by_dest (reflex pattern, multiline, find anywhere). */
function compileMountPattern(p: string): RegExp | undefined {
  try {
    return new RegExp(p, "m");
  } catch {
    return undefined;
  }
}

/** Build the container.* / k8s.* implementations bound to a context. */
export function containerFields(ctx: FieldContext): FieldClassImpl {
  const info = (t: ThreadInfo): ContainerInfo | undefined => {
    const id = t.containerId;
    const c = ctx.containers?.get(id);
    if (c) return c;
    return id === "host" ? HOST_CONTAINER : undefined;
  };
  const C = (fn: (c: ContainerInfo, t: ThreadInfo) => FieldValue): Binder => () =>
    withThread((t) => {
      const c = info(t);
      return c ? fn(c, t) : undefined;
    });
  const sandbox = (c: ContainerInfo): ContainerInfo | undefined =>
    c.podCniResult === "" && c.podSandboxId !== "" ? ctx.containers?.get(c.podSandboxId.slice(0, 12)) : undefined;

  const mountField = (field: "all" | "source" | "dest" | "mode" | "rdwr" | "propagation"): Binder =>
    (arg, _style, fullName) => {
      if (arg === undefined) throw new FieldError(`filter '${fullName}': ${fullName} requires an argument but none provided`);
      const idx = /^\d+$/.test(arg) ? Number(arg) : -1;
      const re = idx < 0 ? compileMountPattern(arg) : undefined;
      return withThread((t) => {
        const c = info(t);
        if (!c) return undefined;
        let m: ContainerMount | undefined;
        if (idx >= 0) m = c.mounts[idx];
        else if (re) m = c.mounts.find((x) => re.test(field === "source" ? x.dest : x.source));
        if (!m) return undefined;
        switch (field) {
          case "all": return mountText(m);
          case "source": return m.source;
          case "dest": return m.dest;
          case "mode": return m.mode;
          case "rdwr": return m.rdwr ? "true" : "false";
          case "propagation": return m.propagation;
        }
      });
    };

  const keyArg = (fn: (c: ContainerInfo, key: string) => FieldValue): Binder => (arg, _style, fullName) => {
    if (arg === undefined) throw new FieldError(`filter '${fullName}': ${fullName} requires an argument but none provided`);
    return withThread((t) => {
      const c = info(t);
      return c ? fn(c, arg) : undefined;
    });
  };
  const none: Binder = () => () => undefined;
  const noneKey: Binder = (arg, _style, fullName) => {
    if (arg === undefined) throw new FieldError(`filter '${fullName}': ${fullName} requires an argument but none provided`);
    return () => undefined;
  };

  const binders: Record<string, Binder> = {
    "container.id": () => withThread((t) => {
      const c = info(t);
      return c ? c.id : t.containerId;
    }),
    "container.full_id": C((c) => c.fullId),
    "container.name": C((c) => c.name),
    "container.image": C((c) => c.image),
    "container.image.id": C((c) => c.imageId),
    "container.type": C((c) => c.type),
    "container.privileged": C((c) => c.privileged),
    "container.mounts": C((c) => c.mounts.map(mountText).join(",")),
    "container.mount": mountField("all"),
    "container.mount.source": mountField("source"),
    "container.mount.dest": mountField("dest"),
    "container.mount.mode": mountField("mode"),
    "container.mount.rdwr": mountField("rdwr"),
    "container.mount.propagation": mountField("propagation"),
    "container.image.repository": C((c) => c.imageRepo),
    "container.image.tag": C((c) => c.imageTag),
    "container.image.digest": C((c) => c.imageDigest),
    "container.healthcheck": none,
    "container.liveness_probe": none,
    "container.readiness_probe": none,
    "container.start_ts": () => withThread((t) => (t.pidnsInitStartTs !== 0n ? t.pidnsInitStartTs : undefined)),
    "container.duration": () => withThread((t, ev) => (t.pidnsInitStartTs !== 0n ? ev.tsBig() - t.pidnsInitStartTs : undefined)),
    "container.ip": C((c) => c.ip),
    "container.cni.json": C((c) => c.podCniResult),
    "container.host_pid": C((c) => c.hostPid),
    "container.host_network": C((c) => c.hostNetwork),
    "container.host_ipc": C((c) => c.hostIpc),
    "container.label": keyArg((c, k) => c.labels.get(k)),
    "container.labels": C((c) => labelsText(c.labels)),
    "k8s.pod.name": C((c) => c.labels.get("io.kubernetes.pod.name")),
    "k8s.ns.name": C((c) => c.labels.get("io.kubernetes.pod.namespace")),
    "k8s.pod.id": C((c) => c.labels.get("io.kubernetes.pod.uid")),
    "k8s.pod.uid": C((c) => c.labels.get("io.kubernetes.pod.uid")),
    "k8s.pod.sandbox_id": C((c) => c.podSandboxId.slice(0, 12)),
    "k8s.pod.full_sandbox_id": C((c) => c.podSandboxId),
    "k8s.pod.label": keyArg((c, k) => sandbox(c)?.podSandboxLabels.get(k) ?? c.podSandboxLabels.get(k)),
    "k8s.pod.labels": C((c) => labelsText((sandbox(c) ?? c).podSandboxLabels)),
    "k8s.pod.ip": C((c) => (c.podCniResult === "" ? sandbox(c)?.ip : c.ip)),
    "k8s.pod.cni.json": C((c) => (c.podCniResult === "" ? sandbox(c)?.podCniResult : c.podCniResult)),
  };
  for (const kind of ["rc", "svc", "rs", "deployment"]) {
    binders[`k8s.${kind}.name`] = none;
    binders[`k8s.${kind}.id`] = none;
    binders[`k8s.${kind}.label`] = noneKey;
    binders[`k8s.${kind}.labels`] = none;
  }
  binders["k8s.ns.id"] = none;
  binders["k8s.ns.label"] = noneKey;
  binders["k8s.ns.labels"] = none;
  return {
    binders,
    dotFamilies: ["container.label", "k8s.pod.label", "k8s.rc.label", "k8s.svc.label", "k8s.ns.label", "k8s.rs.label", "k8s.deployment.label"],
  };
}
