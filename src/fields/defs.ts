/**
 * Building blocks shared by the field class files (evt.ts, proc.ts, fd.ts, ...): the field
 * metadata table (libsinsp 0.25.4 + container plugin), the binder signature each field implements,
 * and small helpers for thread lookups with libsinsp's semantics.
 */
import type { Event } from "../events/event.ts";
import type { ThreadInfo } from "../state/types.ts";
import type { FieldContext } from "./context.ts";
import type { DomainCompare, Extractor, FieldArgMode, FieldType, FieldValue, MultiCompare } from "./registry.ts";
import { FieldError } from "./registry.ts";
import { RAW_FIELD_TABLE } from "./field_table.generated.ts";

/** Metadata of one field as libsinsp lists it. */
export interface FieldMeta {
  readonly name: string;
  readonly type: FieldType;
  /** EPF_* flags without prefix (NONE dropped): IS_LIST, ARG_ALLOWED, ARG_REQUIRED, ... */
  readonly flags: readonly string[];
  /** PF_* print format without prefix (DEC, HEX, ID, NA, DIR, 10_PADDED_DEC). */
  readonly print: string;
  readonly display: string;
  readonly desc: string;
  /** Class for --list: evt, process, user, group, fd, fdlist, fs.path, util, container. */
  readonly cls: string;
  /** "syscall" for sinsp_filter_check_event fields ("evt" class, "Syscall events only"), else "". */
  readonly sub: string;
}

/** Field metadata by name. */
export const FIELD_META: ReadonlyMap<string, FieldMeta> = new Map(
  RAW_FIELD_TABLE.map(([name, type, flags, print, display, desc, cls, sub]) => [
    name,
    { name, type: type as FieldType, flags, print, display, desc, cls, sub },
  ]),
);

/** Field classes in the order libsinsp's filter_check_list (then Falco's plugins) lists them, with their descriptions. */
export const FIELD_CLASSES: readonly { readonly name: string; readonly sub: string; readonly shortDesc: string; readonly desc: string }[] = [
  { name: "evt", sub: "", shortDesc: "All event types", desc: "These fields can be used for all event types" },
  { name: "evt", sub: "syscall", shortDesc: "Syscall events only", desc: "Event fields applicable to syscall events. Note that for most events you can access the individual arguments/parameters of each syscall via evt.arg, e.g. evt.arg.filename." },
  { name: "process", sub: "", shortDesc: "", desc: "Additional information about the process and thread executing the syscall event." },
  { name: "user", sub: "", shortDesc: "", desc: "Information about the user executing the specific event." },
  { name: "group", sub: "", shortDesc: "", desc: "Information about the user group." },
  { name: "fd", sub: "", shortDesc: "", desc: "Every syscall that has a file descriptor in its arguments has these fields set with information related to the file." },
  { name: "fs.path", sub: "", shortDesc: "", desc: "Every syscall that has a filesystem path in its arguments has these fields set with information related to the path arguments. This differs from the fd.* fields as it includes syscalls like unlink, rename, etc. that act directly on filesystem paths as compared to opened file descriptors." },
  { name: "util", sub: "", shortDesc: "", desc: "" },
  { name: "fdlist", sub: "", shortDesc: "", desc: "Poll event related fields." },
  { name: "container", sub: "", shortDesc: "", desc: "Fields of Falco's container plugin (container.*, k8s.*): metadata of the container a process runs in." },
];

/** How a field argument was written: `name[arg]` or, for dot families, `name.arg`. */
export type ArgStyle = "bracket" | "dot";

/** What a binder returns: an extractor, optionally with a narrower type and compare/JSON hooks. */
export interface BindResult {
  readonly extract: Extractor;
  readonly type?: FieldType;
  readonly multi?: MultiCompare;
  readonly json?: Extractor;
  /** PF_* print format (without prefix) when it is not the field table's (evt.rawarg.X). */
  readonly print?: string;
  /** fd.*ip.name compare_domain hook (BoundField.domain). */
  readonly domain?: DomainCompare;
}

/**
 * A field implementation: given the argument (undefined if none) and how it was written, return
 * the extractor. Throws FieldError for a malformed argument (message as libsinsp's).
 */
export type Binder = (arg: string | undefined, style: ArgStyle, fullName: string) => BindResult | Extractor;

/** A class file's implementations: field name → binder, plus the dot-argument families it owns. */
export interface FieldClassImpl {
  readonly binders: Readonly<Record<string, Binder>>;
  /** Field names that also accept `name.ARG` (e.g. "evt.arg" for evt.arg.flags). */
  readonly dotFamilies?: readonly string[];
}

/** Error for a field name libsinsp does not know (its exact message). */
export function nonexistent(fullName: string): FieldError {
  return new FieldError(`filter_check called with nonexistent field ${fullName}`);
}

/** Parse a decimal integer argument as sinsp_numparser::parsed32 (optional sign, digits only). */
export function parseIndex(arg: string, fullName: string): number {
  if (!/^[+-]?\d+$/.test(arg.trim())) throw nonexistent(fullName);
  const n = Number(arg.trim());
  if (!Number.isSafeInteger(n) || n > 2147483647 || n < -2147483648) throw nonexistent(fullName);
  return n;
}

/** Wrap an extractor that needs the event's thread: undefined when the state engine found none. */
export function withThread(fn: (t: ThreadInfo, ev: Event) => FieldValue): Extractor {
  return (ev) => {
    const t = ev.thread;
    return t ? fn(t, ev) : undefined;
  };
}

/**
 * Thread-table helpers with libsinsp's semantics, bound to a context.
 * - mainThread(t): the thread group leader (t itself when tid == pid), else the table's entry for
 *   pid, else undefined (sinsp_threadinfo::get_main_thread).
 * - ancestor(t, n): the n-th ancestor process of t's process, each step going to the parent's
 *   leader; n = 0 is t's own process (sinsp_thread_manager::get_ancestor_process).
 * - visitParents(t, fn): walks t.ptid, then that thread's ptid, ..., stopping at a missing thread,
 *   a thread whose tid is -1, when fn returns false, or on a loop (traverse_parent_state).
 */
export class Lineage {
  constructor(private readonly ctx: FieldContext) {}

  mainThread(t: ThreadInfo): ThreadInfo | undefined {
    if (t.tid === t.pid) return t;
    return this.ctx.threads.get(t.pid);
  }

  ancestor(t: ThreadInfo, n: number): ThreadInfo | undefined {
    let mt = this.mainThread(t);
    for (let i = 0; i < n; i++) {
      if (!mt) return undefined;
      const p = this.ctx.threads.get(mt.ptid);
      if (!p) return undefined;
      mt = this.mainThread(p);
    }
    return mt;
  }

  visitParents(t: ThreadInfo, fn: (p: ThreadInfo) => boolean): void {
    const get = (x: ThreadInfo | undefined): ThreadInfo | undefined => (x ? this.ctx.threads.get(x.ptid) : undefined);
    let slow = this.ctx.threads.get(t.ptid);
    let fast = get(slow);
    while (slow && slow.tid !== -1) {
      if (!fn(slow)) break;
      slow = get(slow);
      for (let i = 0; i < 2; i++) {
        fast = get(fast);
        if (slow && (slow === fast || slow.tid === slow.ptid)) return;
      }
    }
  }

  /** sinsp_threadinfo::is_in_pid_namespace: PPM_CL_CHILD_IN_PIDNS or tid != vtid (vtid known). */
  inPidNamespace(t: ThreadInfo): boolean {
    return (t.flags & (1 << 29)) !== 0 || (t.tid !== t.vtid && t.vtid >= 0);
  }

  /**
   * The session/group leader of t (libsinsp get_oldest_matching_ancestor): for an id `id(t)`
   * (sid, vpgid or pgid) the thread with that tid when the id is not virtual or t is outside a pid
   * namespace and the table has it; else the last of t's consecutive parents sharing the id;
   * undefined when the id is -1 or nothing matches.
   */
  matchingAncestor(t: ThreadInfo, id: (x: ThreadInfo) => number, virtualId: boolean): ThreadInfo | undefined {
    const want = id(t);
    if (want === -1) return undefined;
    let leader: ThreadInfo | undefined;
    if (!virtualId || !this.inPidNamespace(t)) {
      leader = this.ctx.threads.get(want);
      if (leader) return leader;
    }
    this.visitParents(t, (p) => {
      if (id(p) !== want) return false;
      leader = p;
      return true;
    });
    return leader;
  }
}

/** proc.cmdline text: comm followed by each argument, space-separated (sinsp_threadinfo::populate_cmdline). */
export function cmdline(t: ThreadInfo): string {
  let s = t.comm;
  for (const a of t.args) s += " " + a;
  return s;
}

/** proc.args text: the arguments joined by one space (sinsp_threadinfo::populate_args). */
export function argsLine(t: ThreadInfo): string {
  return t.args.join(" ");
}

/** Value of environment variable `name` (spaces around the value trimmed), "" if unset (sinsp_threadinfo::get_env). */
export function envValue(env: readonly string[], name: string): string {
  const n = name.length;
  for (const e of env) {
    if (e.length > n + 1 && e.charCodeAt(n) === 61 && e.startsWith(name)) {
      let s = n + 1;
      while (s < e.length && e.charCodeAt(s) === 32) s++;
      if (s >= e.length) return "";
      let end = e.length - 1;
      while (end > s && e.charCodeAt(end) === 32) end--;
      return e.slice(s, end + 1);
    }
  }
  return "";
}
