/**
 * The field registry: every libsinsp 0.25.4 field plus the container plugin's, with libsinsp's
 * name and argument syntax, bound to a FieldContext.
 *
 * Name resolution follows libsinsp (filter_check_list::new_filter_check_from_fldname with an exact
 * check): a field name must match a known field exactly; arguments are written `name[arg]`
 * (proc.aname[2], proc.env[HOME], fd.types[0], container.mount.dest[/var/run/docker.sock],
 * evt.arg[0]) or, for the dot families, `name.arg` (evt.arg.flags, evt.rawarg.res,
 * evt.type.is.open, thread.cgroup.cpuacct, evt.abspath.src, container.label.foo,
 * k8s.pod.label.app). Unknown names throw FieldError "filter_check called with nonexistent field X".
 *
 * Usage:
 *   const reg = createRegistry(ctx);
 *   const f = reg.bind("proc.aname", "2");   // or reg.bind("evt.arg.flags", undefined)
 *   const v = f.extract(ev);                 // FieldValue, undefined = <NA>
 */
import type { FieldContext } from "./context.ts";
import { containerFields } from "./container.ts";
import { type ArgStyle, type BindResult, type Binder, FIELD_CLASSES, FIELD_META, type FieldMeta, nonexistent } from "./defs.ts";
import { evtFields } from "./evt.ts";
import { fdFields } from "./fd.ts";
import { fdlistFields } from "./fdlist.ts";
import { fspathFields } from "./fspath.ts";
import { groupFields } from "./group.ts";
import { procFields } from "./proc.ts";
import {
  type BoundField, type Extractor, type FieldArgMode, type FieldDef, FieldError, type FieldRegistry, type FieldType,
} from "./registry.ts";
import { userFields } from "./user.ts";

/** A FieldDef with its metadata and the binder that understands dot arguments too. */
export interface RegistryFieldDef extends FieldDef {
  readonly meta: FieldMeta;
  /** True if `name.ARG` is accepted (evt.arg.flags, container.label.foo, ...). */
  readonly dotArg: boolean;
  /** Like bind(), also giving the argument style, type override and compare/JSON hooks. */
  bindFull(arg: string | undefined, style: ArgStyle, fullName: string): BindResult;
}

function argMode(meta: FieldMeta, dotArg: boolean): FieldArgMode {
  if (meta.flags.includes("ARG_REQUIRED")) return "required";
  if (meta.flags.includes("ARG_ALLOWED") || meta.flags.includes("ARG_INDEX") || meta.flags.includes("ARG_KEY") || dotArg) {
    return "optional";
  }
  return "none";
}

/** Fields whose bracket argument libsinsp's thread/fd classes parse (all others reject one). */
const BRACKET_ARG_FIELDS = new Set([
  "proc.aname", "proc.aexe", "proc.aexepath", "proc.acmdline", "proc.apid", "proc.aargs", "proc.args",
  "proc.env", "proc.aenv", "fd.types", "evt.arg",
]);

class Def implements RegistryFieldDef {
  readonly name: string;
  readonly type: FieldType;
  readonly desc: string;
  readonly cls: string;
  readonly arg: FieldArgMode;
  readonly flags: readonly string[];
  constructor(readonly meta: FieldMeta, readonly dotArg: boolean, private readonly binder: Binder) {
    this.name = meta.name;
    this.type = meta.type;
    this.desc = meta.desc;
    this.cls = meta.cls;
    this.flags = meta.flags;
    this.arg = argMode(meta, dotArg);
  }
  bind(arg: string | undefined): Extractor {
    return this.bindFull(arg, "bracket", arg === undefined ? this.name : `${this.name}[${arg}]`).extract;
  }
  bindFull(arg: string | undefined, style: ArgStyle, fullName: string): BindResult {
    if (arg !== undefined && style === "bracket") {
      const isPlugin = this.meta.cls === "container";
      if (isPlugin) {
        if (this.arg === "none") {
          throw new FieldError(`filter '${fullName}': ${this.name} does not allow nor require an argument but one is provided: ${arg}`);
        }
      } else if (!BRACKET_ARG_FIELDS.has(this.name)) {
        throw nonexistent(fullName);
      }
    }
    const r = this.binder(arg, style, fullName);
    return typeof r === "function" ? { extract: r } : r;
  }
}

/**
 * Create the registry of all fields bound to `ctx`.
 * @throws Error if a field implementation has no metadata row (a programming error).
 */
export function createRegistry(ctx: FieldContext): FieldRegistry & {
  /** lookup() with the richer definition type. */
  lookup(name: string): RegistryFieldDef | undefined;
  all(): readonly RegistryFieldDef[];
} {
  const impls = [evtFields(ctx), procFields(ctx), userFields(ctx), groupFields(ctx), fdFields(ctx), fspathFields(ctx), fdlistFields(ctx), containerFields(ctx)];
  const binders = new Map<string, Binder>();
  const dot = new Set<string>();
  for (const impl of impls) {
    for (const [name, b] of Object.entries(impl.binders)) binders.set(name, b);
    for (const f of impl.dotFamilies ?? []) dot.add(f);
  }
  // util.cnt: libsinsp's counter field, always 1.
  binders.set("util.cnt", () => () => 1);

  const defs = new Map<string, Def>();
  const list: Def[] = [];
  for (const meta of FIELD_META.values()) {
    const b = binders.get(meta.name) ?? (() => () => undefined);
    const d = new Def(meta, dot.has(meta.name), b);
    defs.set(meta.name, d);
    list.push(d);
  }
  // --list order: libsinsp's class order (FIELD_CLASSES), table order within a class.
  const rank = (m: FieldMeta): number => FIELD_CLASSES.findIndex((c) => c.name === m.cls && c.sub === m.sub);
  list.sort((a, b) => rank(a.meta) - rank(b.meta));
  for (const name of binders.keys()) {
    if (!defs.has(name)) throw new Error(`field ${name} is implemented but has no metadata`);
  }
  const families = [...dot].sort((a, b) => b.length - a.length);

  /** Split "name[arg]" (arg up to the first ']' after the first '['). */
  function splitBracket(name: string): [string, string | undefined] {
    const i = name.indexOf("[");
    if (i < 0) return [name, undefined];
    const j = name.indexOf("]", i);
    if (j < 0) throw nonexistent(name);
    if (j !== name.length - 1) throw nonexistent(name);
    return [name.slice(0, i), name.slice(i + 1, j)];
  }

  /** Find the def for a plain name: exact, else the longest dot family prefix (with its suffix). */
  function resolve(name: string): { def: Def; dotArg?: string } | undefined {
    const d = defs.get(name);
    if (d) return { def: d };
    for (const f of families) {
      if (name.length > f.length + 1 && name.startsWith(f) && name.charCodeAt(f.length) === 46) {
        return { def: defs.get(f)!, dotArg: name.slice(f.length + 1) };
      }
    }
    return undefined;
  }

  const registry = {
    lookup(name: string): RegistryFieldDef | undefined {
      let base = name;
      const i = name.indexOf("[");
      if (i >= 0) base = name.slice(0, i);
      return resolve(base)?.def;
    },
    bind(name: string, arg: string | undefined): BoundField {
      let base = name;
      let a = arg;
      if (a === undefined && name.includes("[")) [base, a] = splitBracket(name);
      const fullName = a === undefined ? base : `${base}[${a}]`;
      const r = resolve(base);
      if (!r) throw nonexistent(fullName);
      let res: BindResult;
      if (r.dotArg !== undefined) {
        if (a !== undefined) throw nonexistent(fullName);
        res = r.def.bindFull(r.dotArg, "dot", fullName);
      } else {
        if (a === undefined && r.def.arg === "required" && r.def.meta.cls === "container") {
          throw new FieldError(`filter '${base}': ${base} requires an argument but none provided`);
        }
        res = r.def.bindFull(a, "bracket", fullName);
      }
      const bound: BoundField = {
        def: r.def,
        arg: r.dotArg ?? a,
        type: res.type ?? r.def.type,
        extract: res.extract,
        print: res.print ?? r.def.meta.print,
        ...(res.multi ? { multi: res.multi } : {}),
        ...(res.json ? { json: res.json } : {}),
        ...(res.domain ? { domain: res.domain } : {}),
      };
      return bound;
    },
    /** All definitions in libsinsp's --list order (classes as FIELD_CLASSES, then table order). */
    all(): readonly RegistryFieldDef[] {
      return list;
    },
  };
  return registry;
}
