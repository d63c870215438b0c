/**
 * `fs.path.*` fields (libs userspace/libsinsp sinsp_filtercheck_fspath.cpp, libsinsp 0.25.4): the
 * path(s) a filesystem syscall exit event acts on, for successful calls only (res == 0; for the
 * open family fd != -1, which libsinsp also counts any other negative fd as). `name`/`source`/
 * `target` are resolved against the cwd or the dirfd; the `*raw` ones are the syscall's argument.
 */
import type { Event } from "../events/event.ts";
import { PPME } from "../events/event_table.ts";
import { rawParam } from "../events/render.ts";
import { concatenatePaths } from "../state/paths.ts";
import { FdType } from "../state/types.ts";
import type { FieldContext } from "./context.ts";
import type { Binder, FieldClassImpl } from "./defs.ts";
import type { Extractor } from "./registry.ts";

/** Where each event's path comes from: a parameter name, or "fd.name" (the event's fd). */
type Source = string;

interface FsRule {
  success: "res0" | "fdne1";
  path?: Source;
  source?: Source;
  target?: Source;
}

function rules(): Map<number, FsRule> {
  const m = new Map<number, FsRule>();
  const add = (name: string, r: FsRule): void => {
    const code = PPME[name];
    if (code !== undefined) m.set(code, r);
  };
  add("SYSCALL_MKDIR_2_X", { success: "res0", path: "path" });
  add("SYSCALL_MKDIRAT_X", { success: "res0", path: "path" });
  add("SYSCALL_RMDIR_2_X", { success: "res0", path: "path" });
  add("SYSCALL_UNLINK_2_X", { success: "res0", path: "path" });
  add("SYSCALL_UNLINKAT_2_X", { success: "res0", path: "name" });
  add("SYSCALL_OPEN_X", { success: "fdne1", path: "name" });
  add("SYSCALL_OPENAT_2_X", { success: "fdne1", path: "name" });
  add("SYSCALL_OPENAT2_X", { success: "fdne1", path: "name" });
  add("SYSCALL_FCHMODAT_X", { success: "res0", path: "filename" });
  add("SYSCALL_CHMOD_X", { success: "res0", path: "filename" });
  add("SYSCALL_FCHMOD_X", { success: "res0", path: "fd.name" });
  add("SYSCALL_CHOWN_X", { success: "res0", path: "path" });
  add("SYSCALL_LCHOWN_X", { success: "res0", path: "path" });
  add("SYSCALL_FCHOWN_X", { success: "res0", path: "fd.name" });
  add("SYSCALL_FCHOWNAT_X", { success: "res0", path: "pathname" });
  add("SYSCALL_QUOTACTL_X", { success: "res0", path: "special" });
  add("SYSCALL_RENAME_X", { success: "res0", source: "oldpath", target: "newpath" });
  add("SYSCALL_RENAMEAT_X", { success: "res0", source: "oldpath", target: "newpath" });
  add("SYSCALL_RENAMEAT2_X", { success: "res0", source: "oldpath", target: "newpath" });
  add("SYSCALL_LINK_2_X", { success: "res0", source: "newpath", target: "oldpath" });
  add("SYSCALL_LINKAT_2_X", { success: "res0", source: "newpath", target: "oldpath" });
  add("SYSCALL_SYMLINK_X", { success: "res0", source: "linkpath", target: "target" });
  add("SYSCALL_SYMLINKAT_X", { success: "res0", source: "linkpath", target: "target" });
  add("SYSCALL_MOUNT_X", { success: "res0", source: "dev", target: "dir" });
  add("SYSCALL_UMOUNT_1_X", { success: "res0", path: "name" });
  add("SYSCALL_UMOUNT2_X", { success: "res0", path: "name" });
  return m;
}

/** Build the fs.path.* implementations bound to a context. */
export function fspathFields(_ctx: FieldContext): FieldClassImpl {
  const R = rules();

  const byName = (ev: Event, name: string): unknown => {
    const i = ev.paramIndex(name);
    return i >= 0 && i < ev.nparams ? rawParam(ev, i) : undefined;
  };
  const succeeded = (ev: Event, r: FsRule): boolean => {
    if (r.success === "res0") {
      const v = byName(ev, "res");
      return v === 0 || v === 0n;
    }
    const v = byName(ev, "fd");
    return v !== undefined && v !== -1;
  };
  const formatDirfd = (ev: Event): string => {
    const fd = ev.fdInfo;
    if (!fd || fd.type !== FdType.DIRECTORY) return "<UNKNOWN>";
    return fd.name === "" || fd.name.endsWith("/") ? fd.name : fd.name + "/";
  };
  const parseDirfd = (ev: Event, name: string, dirfdIdx: number): string => {
    if (name.charCodeAt(0) === 47) return ".";
    const t = ev.thread;
    if (!t) return "<UNKNOWN>";
    const dirfd = dirfdIdx < ev.nparams && ev.paramLen(dirfdIdx) > 0 ? ev.int(dirfdIdx) : 0;
    if (dirfd === -100) return t.cwd.endsWith("/") ? t.cwd : t.cwd + "/";
    const fd = t.fds.get(dirfd);
    if (!fd) return "<UNKNOWN>";
    return fd.name === "" || fd.name.endsWith("/") ? fd.name : fd.name + "/";
  };

  const field = (which: "path" | "source" | "target", raw: boolean): Extractor => (ev) => {
    const r = R.get(ev.type);
    if (!r || !succeeded(ev, r)) return undefined;
    const src = r[which];
    if (!src) return undefined;
    let p: string;
    if (src === "fd.name") {
      const fd = ev.fdInfo ?? (ev.thread && ev.fdNum >= 0 ? ev.thread.fds.get(ev.fdNum) : undefined);
      if (!ev.thread) return undefined;
      p = fd ? fd.name : "";
    } else {
      const v = byName(ev, src);
      if (typeof v !== "string") return undefined;
      p = v;
    }
    if (raw) return p;
    const t = ev.thread;
    if (!t) return undefined;
    if (p.charCodeAt(0) === 47) return concatenatePaths("", p);
    let sdir: string;
    switch (ev.type) {
      case PPME.SYSCALL_OPENAT_2_X:
      case PPME.SYSCALL_OPENAT2_X:
        sdir = "";
        p = ev.fdInfo ? ev.fdInfo.name : "<UNKNOWN>";
        break;
      case PPME.SYSCALL_NEWFSTATAT_X:
      case PPME.SYSCALL_FCHOWNAT_X:
      case PPME.SYSCALL_FCHMODAT_X:
      case PPME.SYSCALL_MKDIRAT_X:
      case PPME.SYSCALL_UNLINKAT_2_X:
      case PPME.SYSCALL_MKNODAT_X:
        sdir = formatDirfd(ev);
        break;
      case PPME.SYSCALL_SYMLINKAT_X:
        sdir = which === "source" ? formatDirfd(ev) : "<UNKNOWN>";
        break;
      case PPME.SYSCALL_RENAMEAT2_X:
        sdir = which === "target" ? parseDirfd(ev, p, 3) : which === "source" ? parseDirfd(ev, p, 1) : "<UNKNOWN>";
        break;
      default:
        sdir = t.cwd.endsWith("/") ? t.cwd : t.cwd + "/";
    }
    return concatenatePaths(sdir, p);
  };

  const binders: Record<string, Binder> = {
    "fs.path.name": () => field("path", false),
    "fs.path.nameraw": () => field("path", true),
    "fs.path.source": () => field("source", false),
    "fs.path.sourceraw": () => field("source", true),
    "fs.path.target": () => field("target", false),
    "fs.path.targetraw": () => field("target", true),
  };
  return { binders };
}
