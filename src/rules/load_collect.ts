/**
 * Reading and collecting rules-file items, cumulatively across files, exactly as Falco's
 * rule_loader::reader (YAML structure checks, key decoding, overrides) and
 * rule_loader::collector (define / append / selective replace / enable, with the `index` and
 * `visibility` counters that drive macro and list visibility).
 *
 * Sources: falcosecurity/falco userspace/engine/rule_loader_reader.cpp,
 * rule_loader_collector.cpp, rule_loader.h (the *_info structures).
 *
 * Semantics reproduced (non-exhaustive): redefining an item replaces it but keeps its original
 * position in the load order; `append: true` (deprecated, warns) and `override: {key: append|replace}`
 * with Falco's appendable keys (condition, output, desc, tags, exceptions) and replaceable keys
 * (those plus priority, capture, capture_duration, enabled, warn_evttypes, skip-if-unknown-filter);
 * a rule item with none of condition/output/desc/priority only sets `enabled` (deprecated);
 * the first error aborts the file (items collected before it stay collected, as in Falco).
 */
import {
  Context,
  ERROR_NO_PREVIOUS_LIST,
  ERROR_NO_PREVIOUS_MACRO,
  ERROR_NO_PREVIOUS_RULE_APPEND,
  ERROR_NO_PREVIOUS_RULE_REPLACE,
  ERROR_OVERRIDE_APPEND,
  type FileResult,
  RuleLoadException,
  WARNING_APPEND,
  WARNING_ENABLED,
  type ErrorCode,
} from "./diagnostics.ts";
import { decodeBool, decodeUint32, keyText, mapGet, mapGetKey, type YNode } from "./load_yaml.ts";
import { parsePriority, Priority } from "./priority.ts";
import { supportedOperators } from "./parser.ts";

/** Falco's engine version (userspace/engine/falco_engine_version.h of Falco 0.44: 0.63.0). */
export const ENGINE_VERSION = { major: 0, minor: 63, patch: 0 } as const;

/** A parsed "x.y.z" version (libsinsp sinsp_version: sscanf "%u.%u.%u"). */
export interface Version {
  readonly valid: boolean;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** Parse a version string as libsinsp's sinsp_version (leading "x.y.z", trailing text ignored). */
export function parseVersion(s: string): Version {
  const m = /^\s*\+?(\d+)\.\s*\+?(\d+)\.\s*\+?(\d+)/.exec(s);
  if (!m) return { valid: false, major: 0, minor: 0, patch: 0 };
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (a > 0xffffffff || b > 0xffffffff || c > 0xffffffff) return { valid: false, major: 0, minor: 0, patch: 0 };
  return { valid: true, major: a, minor: b, patch: c };
}

/** "x.y.z" text of a version. */
export function versionString(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** a < b (sinsp_version::operator<). */
export function versionLess(a: Version, b: Version): boolean {
  if (a.major !== b.major) return a.major < b.major;
  if (a.minor !== b.minor) return a.minor < b.minor;
  return a.patch < b.patch;
}

/** sinsp_version::compatible_with: both valid, same major, `have >= requested`. */
export function versionCompatible(have: Version, requested: Version): boolean {
  if (!have.valid || !requested.valid) return false;
  return have.major === requested.major && !versionLess(have, requested);
}

/** Our engine version as a Version. */
export const ENGINE_VERSION_V: Version = { valid: true, ...ENGINE_VERSION };

// ---------------------------------------------------------------------------------------------
// Collected item shapes (rule_loader.h)

/** A list as collected. */
export interface ListInfo {
  ctx: Context;
  index: number;
  visibility: number;
  name: string;
  items: string[];
}

/** A macro as collected. */
export interface MacroInfo {
  ctx: Context;
  condCtx: Context;
  index: number;
  visibility: number;
  name: string;
  cond: string;
}

/** One of fields/comps/values of an exception: a string or a (nested) list. */
export interface ExceptionEntry {
  isList: boolean;
  item: string;
  items: ExceptionEntry[];
}

/** An entry is valid when it is a non-empty list or a non-empty string. */
export function entryValid(e: ExceptionEntry): boolean {
  return e.isList ? e.items.length > 0 : e.item !== "";
}

function emptyEntry(): ExceptionEntry {
  return { isList: false, item: "", items: [] };
}

/** A rule exception as collected. */
export interface ExceptionInfo {
  ctx: Context;
  name: string;
  fields: ExceptionEntry;
  comps: ExceptionEntry;
  values: ExceptionEntry[];
}

/** A rule as collected. */
export interface RuleInfo {
  ctx: Context;
  condCtx: Context;
  outputCtx: Context;
  index: number;
  visibility: number;
  unknownSource: boolean;
  name: string;
  cond: string;
  source: string;
  desc: string;
  output: string;
  /** Sorted, unique (std::set). */
  tags: string[];
  exceptions: ExceptionInfo[];
  priority: number;
  capture: boolean;
  captureDuration: number;
  enabled: boolean;
  warnEvttypes: boolean;
  skipIfUnknownFilter: boolean;
}

/** An append or replace request on a rule (rule_update_info). */
interface RuleUpdateInfo {
  ctx: Context;
  condCtx: Context;
  name: string;
  source: string;
  cond?: string;
  output?: string;
  desc?: string;
  tags?: string[];
  exceptions?: ExceptionInfo[];
  priority?: number;
  capture?: boolean;
  captureDuration?: number;
  enabled?: boolean;
  warnEvttypes?: boolean;
  skipIfUnknownFilter?: boolean;
}

function hasAnyValue(u: RuleUpdateInfo): boolean {
  return (
    u.cond !== undefined ||
    u.output !== undefined ||
    u.desc !== undefined ||
    u.tags !== undefined ||
    u.exceptions !== undefined ||
    u.priority !== undefined ||
    u.enabled !== undefined ||
    u.capture !== undefined ||
    u.captureDuration !== undefined ||
    u.warnEvttypes !== undefined ||
    u.skipIfUnknownFilter !== undefined
  );
}

/** A required plugin version with its alternatives (first = the main requirement). */
export interface PluginRequirement {
  name: string;
  version: string;
}

/** Something that can tell whether a field is a valid left-hand side (falco_source::is_valid_lhs_field). */
export interface SourceInfo {
  readonly name: string;
  isValidLhsField(field: string): boolean;
}

/** Per-file configuration of the reader/collector. */
export interface CollectConfig {
  readonly name: string;
  readonly res: FileResult;
  /** Known event sources by name. */
  readonly sources: ReadonlyMap<string, SourceInfo>;
}

// ---------------------------------------------------------------------------------------------
// Ordered map with Falco's indexed_vector semantics (insertion order, replace in place)

/** Ordered name → item map (falco indexed_vector): redefinition keeps the original slot. */
export class IndexedMap<T> {
  private readonly order: T[] = [];
  private readonly byName = new Map<string, number>();
  /** Item by name. */
  at(name: string): T | undefined {
    const i = this.byName.get(name);
    return i === undefined ? undefined : this.order[i];
  }
  /** Insert a new item or replace the existing one in place. Returns its slot. */
  set(name: string, v: T): number {
    const i = this.byName.get(name);
    if (i !== undefined) {
      this.order[i] = v;
      return i;
    }
    this.order.push(v);
    this.byName.set(name, this.order.length - 1);
    return this.order.length - 1;
  }
  /** Items in insertion order. */
  values(): readonly T[] {
    return this.order;
  }
  /** Number of items. */
  get size(): number {
    return this.order.length;
  }
  /** Remove everything. */
  clear(): void {
    this.order.length = 0;
    this.byName.clear();
  }
}

function lv(code: ErrorCode, msg: string, ctx: Context): never {
  throw new RuleLoadException(code, msg, ctx);
}

/** An error thrown for yaml-cpp-style conversion failures (reported as LOAD_ERR_VALIDATE at file level, as Falco does for std::exception). */
export class BadConversion extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadConversion";
  }
}

function asStringLoose(n: YNode): string {
  // yaml-cpp as<std::string>(): scalars give their text, null gives "null", collections throw
  if (n.kind === "scalar") return n.value;
  if (n.kind === "null") return "null";
  throw new BadConversion(`yaml-cpp: error at line ${n.pos.line + 1}, column ${n.pos.column + 1}: bad conversion`);
}

// ---------------------------------------------------------------------------------------------
// The collector (rule_loader::collector)

/** Cumulative store of everything collected from the rules files loaded so far. */
export class Collector {
  curIndex = 0;
  readonly lists = new IndexedMap<ListInfo>();
  readonly macros = new IndexedMap<MacroInfo>();
  readonly rules = new IndexedMap<RuleInfo>();
  readonly requiredPluginVersions: PluginRequirement[][] = [];
  requiredEngineVersion: { version: Version; ctx: Context | null } = {
    version: { valid: true, major: 0, minor: 0, patch: 0 },
    ctx: null,
  };

  /** Forget everything collected. */
  clear(): void {
    this.curIndex = 0;
    this.lists.clear();
    this.macros.clear();
    this.rules.clear();
    this.requiredPluginVersions.length = 0;
  }

  private defineInfo<T extends { name: string; index: number; visibility: number }>(m: IndexedMap<T>, info: T): void {
    const id = this.curIndex++;
    const prev = m.at(info.name);
    if (prev) {
      info.index = prev.index;
      info.visibility = id;
    } else {
      info.index = id;
      info.visibility = id;
    }
    m.set(info.name, info);
  }

  /** required_engine_version: must be compatible with ours (same major, not newer); keeps the maximum. @throws RuleLoadException LOAD_ERR_VALIDATE. */
  defineEngineVersion(version: Version, ctx: Context): void {
    if (!versionCompatible(ENGINE_VERSION_V, version)) {
      lv(
        "LOAD_ERR_VALIDATE",
        `Rules require engine version ${versionString(version)}, but engine version is ${versionString(ENGINE_VERSION_V)}`,
        ctx,
      );
    }
    if (versionLess(this.requiredEngineVersion.version, version)) {
      this.requiredEngineVersion = { version, ctx };
    }
  }

  /** required_plugin_versions entry with alternatives: versions must parse, names must be unique. @throws RuleLoadException. */
  definePluginVersions(alternatives: PluginRequirement[], ctx: Context): void {
    const names = new Set<string>();
    for (const req of alternatives) {
      if (!parseVersion(req.version).valid) {
        lv("LOAD_ERR_VALIDATE", `Invalid required version '${req.version}' for plugin '${req.name}'`, ctx);
      }
      if (names.has(req.name)) {
        lv("LOAD_ERR_VALIDATE", `Defined multiple alternative version requirements for plugin '${req.name}'`, ctx);
      }
      names.add(req.name);
    }
    this.requiredPluginVersions.push(alternatives);
  }

  /** Define (or redefine in place) a list. */
  defineList(info: ListInfo): void {
    this.defineInfo(this.lists, info);
  }

  /** Append items to an existing list. @throws RuleLoadException when there is none. */
  appendList(info: ListInfo): void {
    const prev = this.lists.at(info.name);
    if (!prev) lv("LOAD_ERR_VALIDATE", ERROR_NO_PREVIOUS_LIST, info.ctx);
    prev.items.push(...info.items);
    prev.visibility = this.curIndex++;
  }

  /** Define (or redefine in place) a macro. */
  defineMacro(info: MacroInfo): void {
    this.defineInfo(this.macros, info);
  }

  /** Append condition text (joined with a space) to an existing macro. @throws RuleLoadException when there is none. */
  appendMacro(info: MacroInfo): void {
    const prev = this.macros.at(info.name);
    if (!prev) lv("LOAD_ERR_VALIDATE", ERROR_NO_PREVIOUS_MACRO, info.ctx);
    prev.cond += " " + info.cond;
    prev.visibility = this.curIndex++;
  }

  private findPrevRule(name: string, source: string, ctx: Context): RuleInfo | undefined {
    const ret = this.rules.at(name);
    if (ret && ret.source !== "" && source !== "" && ret.source !== source) {
      lv("LOAD_ERR_VALIDATE", "Rule has been re-defined with a different source", ctx);
    }
    return ret;
  }

  /** Define (or redefine in place) a rule; unknown sources warn; exceptions are validated. @throws RuleLoadException. */
  defineRule(cfg: CollectConfig, info: RuleInfo): void {
    this.findPrevRule(info.name, info.source, info.ctx);
    const source = cfg.sources.get(info.source);
    if (!source) {
      info.unknownSource = true;
      cfg.res.addWarning("LOAD_UNKNOWN_SOURCE", `Unknown source ${info.source}, skipping`, info.ctx);
    }
    for (const ex of info.exceptions) {
      if (!entryValid(ex.fields)) {
        lv("LOAD_ERR_VALIDATE", "Rule exception item must have fields property with a list of fields", ex.ctx);
      }
      validateExceptionInfo(source, ex);
    }
    this.defineInfo(this.rules, info);
  }

  private sourceOfPrev(cfg: CollectConfig, prev: RuleInfo, ctx: Context): SourceInfo | undefined {
    if (prev.unknownSource) return undefined;
    const s = cfg.sources.get(prev.source);
    if (!s) lv("LOAD_ERR_VALIDATE", `Unknown source ${prev.source}`, ctx);
    return s;
  }

  /** `append: true` / `override: {k: append}`: append condition/output/desc (space-joined), tags, exceptions (or exception values). @throws RuleLoadException. */
  appendRule(cfg: CollectConfig, info: RuleUpdateInfo): void {
    const prev = this.findPrevRule(info.name, info.source, info.ctx);
    if (!prev) lv("LOAD_ERR_VALIDATE", ERROR_NO_PREVIOUS_RULE_APPEND, info.ctx);
    if (!hasAnyValue(info)) {
      lv("LOAD_ERR_VALIDATE", "Appended rule must have exceptions or condition property", info.ctx);
    }
    const source = this.sourceOfPrev(cfg, prev, info.ctx);
    if (info.cond !== undefined && info.cond !== "") prev.cond += " " + info.cond;
    if (info.output !== undefined && info.output !== "") prev.output += " " + info.output;
    if (info.desc !== undefined && info.desc !== "") prev.desc += " " + info.desc;
    if (info.tags !== undefined) prev.tags = sortedUnique([...prev.tags, ...info.tags]);
    if (info.exceptions !== undefined) {
      for (const ex of info.exceptions) {
        const prevEx = prev.exceptions.find((e) => e.name === ex.name);
        if (!prevEx) {
          if (!entryValid(ex.fields)) {
            lv("LOAD_ERR_VALIDATE", "Rule exception must have fields property with a list of fields", ex.ctx);
          }
          if (ex.values.length === 0) {
            lv("LOAD_ERR_VALIDATE", "Rule exception must have values property with a list of values", ex.ctx);
          }
          validateExceptionInfo(source, ex);
          prev.exceptions.push(ex);
        } else {
          if (entryValid(ex.fields)) {
            lv("LOAD_ERR_VALIDATE", "Can not append exception fields to existing exception, only values", ex.ctx);
          }
          if (entryValid(ex.comps)) {
            lv("LOAD_ERR_VALIDATE", "Can not append exception comps to existing exception, only values", ex.ctx);
          }
          prevEx.values.push(...ex.values);
        }
      }
    }
    prev.visibility = this.curIndex++;
  }

  /** `override: {k: replace}`: replace the given keys of an existing rule. @throws RuleLoadException. */
  selectiveReplaceRule(cfg: CollectConfig, info: RuleUpdateInfo): void {
    const prev = this.findPrevRule(info.name, info.source, info.ctx);
    if (!prev) lv("LOAD_ERR_VALIDATE", ERROR_NO_PREVIOUS_RULE_REPLACE, info.ctx);
    if (!hasAnyValue(info)) {
      lv("LOAD_ERR_VALIDATE", "The rule must have at least one field that can be replaced", info.ctx);
    }
    this.sourceOfPrev(cfg, prev, info.ctx);
    if (info.cond !== undefined) prev.cond = info.cond;
    if (info.output !== undefined) prev.output = info.output;
    if (info.desc !== undefined) prev.desc = info.desc;
    if (info.tags !== undefined) prev.tags = info.tags;
    if (info.exceptions !== undefined) prev.exceptions = info.exceptions;
    if (info.priority !== undefined) prev.priority = info.priority;
    if (info.capture !== undefined) prev.capture = info.capture;
    if (info.captureDuration !== undefined) prev.captureDuration = info.captureDuration;
    if (info.enabled !== undefined) prev.enabled = info.enabled;
    if (info.warnEvttypes !== undefined) prev.warnEvttypes = info.warnEvttypes;
    if (info.skipIfUnknownFilter !== undefined) prev.skipIfUnknownFilter = info.skipIfUnknownFilter;
    prev.visibility = this.curIndex++;
  }

  /** Standalone `enabled` item (deprecated): set `enabled` of an existing rule. @throws RuleLoadException. */
  enableRule(name: string, enabled: boolean, ctx: Context): void {
    const prev = this.rules.at(name);
    if (!prev) lv("LOAD_ERR_VALIDATE", "Rule has 'enabled' key but no rule by that name already exists", ctx);
    prev.enabled = enabled;
  }
}

function sortedUnique(a: string[]): string[] {
  return [...new Set(a)].sort(cmpBytes);
}

/** std::string ordering (byte-wise; equal to UTF-16 order for BMP text). */
export function cmpBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Exception validation (collector.cpp validate_exception_info)

const LIST_OPS = new Set(["in", "intersects", "pmatch"]);
const MODIFIER_BASE_OPS = new Set([
  "=", "==", "!=", "contains", "icontains", "bcontains", "startswith", "bstartswith", "endswith", "glob", "iglob", "regex",
]);

/** "startswith oneof" and the like: a string operator legally combined with oneof/anyof/allof (rule_loader_cmpop.h). */
export function isStrOperatorWithModifier(op: string): boolean {
  const parts = op.trim().split(/\s+/);
  if (parts.length !== 2) return false;
  return MODIFIER_BASE_OPS.has(parts[0]!) && (parts[1] === "oneof" || parts[1] === "anyof" || parts[1] === "allof");
}

let supportedOpsCache: Set<string> | undefined;
function isOperatorDefined(op: string): boolean {
  supportedOpsCache ??= new Set(supportedOperators());
  return supportedOpsCache.has(op);
}

/** Operators whose right-hand side is a parenthesized list (rule_loader_compiler.cpp is_operator_for_list). */
export function isOperatorForList(op: string): boolean {
  return LIST_OPS.has(op) || isStrOperatorWithModifier(op);
}

/** Strip ASCII blanks " \t\r\n" at both ends (collector.cpp normalize_comp). */
function normalizeComp(s: string): string {
  return s.replace(/^[ \t\r\n]+/, "").replace(/[ \t\r\n]+$/, "");
}

function validateExceptionInfo(source: SourceInfo | undefined, ex: ExceptionInfo): void {
  if (ex.fields.isList) {
    if (!entryValid(ex.comps)) {
      ex.comps = { isList: true, item: "", items: ex.fields.items.map(() => ({ isList: false, item: "=", items: [] })) };
    }
    if (ex.fields.items.length !== ex.comps.items.length) {
      lv("LOAD_ERR_VALIDATE", "Fields and comps lists must have equal length", ex.ctx);
    }
    for (const v of ex.comps.items) {
      v.item = normalizeComp(v.item);
      if (!isOperatorDefined(v.item) && !isStrOperatorWithModifier(v.item)) {
        lv("LOAD_ERR_VALIDATE", `'${v.item}' is not a supported comparison operator`, ex.ctx);
      }
    }
    if (source) {
      for (const v of ex.fields.items) {
        if (!source.isValidLhsField(v.item)) {
          lv("LOAD_ERR_VALIDATE", `'${v.item}' is not a supported filter field`, ex.ctx);
        }
      }
    }
  } else {
    if (!entryValid(ex.comps)) ex.comps = { isList: false, item: "in", items: [] };
    if (ex.comps.isList) lv("LOAD_ERR_VALIDATE", "Fields and comps must both be strings", ex.ctx);
    ex.comps.item = normalizeComp(ex.comps.item);
    const c = ex.comps.item;
    if (c !== "in" && c !== "pmatch" && c !== "intersects" && !isStrOperatorWithModifier(c)) {
      lv(
        "LOAD_ERR_VALIDATE",
        "When fields is a single value, comps must be one of (in, pmatch, intersects) or a modifier operator (e.g. startswith oneof)",
        ex.ctx,
      );
    }
    if (source && !source.isValidLhsField(ex.fields.item)) {
      lv("LOAD_ERR_VALIDATE", `'${ex.fields.item}' is not a supported filter field`, ex.ctx);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The reader (rule_loader_reader.cpp)

function yv(msg: string, ctx: Context): never {
  throw new RuleLoadException("LOAD_ERR_YAML_VALIDATE", msg, ctx);
}

type Decoder<T> = (s: string) => T | undefined;
const STR: Decoder<string> = (s) => s;
const BOOL: Decoder<boolean> = decodeBool;
const U32: Decoder<number> = decodeUint32;

/**
 * decode_val_generic: required/optional, can-be-empty, scalar checks and typed decoding.
 * Returns undefined when the value is absent (optional) or empty (can-be-empty).
 */
function decodeValGeneric<T>(
  item: YNode,
  key: string,
  dec: Decoder<T>,
  ctx: Context,
  optional: boolean,
  canBeEmpty: boolean,
): T | undefined {
  const val = mapGet(item, key);
  if (val === undefined && optional) return undefined;
  if (val === undefined) yv(`Item has no mapping for key '${key}'`, ctx);
  if (val.kind === "null" && canBeEmpty) return undefined;
  if (val.kind === "null") yv(`Mapping for key '${key}' is empty`, ctx);
  const valctx = ctx.child(val.pos, "value for", key);
  if (val.kind !== "scalar") yv("Value is not a scalar value", valctx);
  if (val.value === "" && canBeEmpty) return undefined;
  if (val.value === "") yv("Value must be non-empty", valctx);
  const out = dec(val.value);
  if (out === undefined) yv("Can't decode YAML scalar value", valctx);
  return out;
}

function decodeVal<T>(item: YNode, key: string, dec: Decoder<T>, ctx: Context): T {
  return decodeValGeneric(item, key, dec, ctx, false, false) as T;
}
function decodeOptionalVal<T>(item: YNode, key: string, dec: Decoder<T>, ctx: Context): T | undefined {
  return decodeValGeneric(item, key, dec, ctx, true, false);
}
function decodeOptionalEmptyVal<T>(item: YNode, key: string, dec: Decoder<T>, ctx: Context): T | undefined {
  return decodeValGeneric(item, key, dec, ctx, true, true);
}

/** decode_seq for `items` (required) or `tags` (optional). */
function decodeSeq(item: YNode, key: string, ctx: Context, optional: boolean): string[] | undefined {
  const val = mapGet(item, key);
  if (val === undefined && optional) return undefined;
  if (val === undefined) yv(`Item has no mapping for key '${key}'`, ctx);
  const valctx = ctx.child(val.pos, "value for", key);
  if (val.kind !== "seq") yv("Value is not a sequence", valctx);
  const out: string[] = [];
  for (const v of val.items) {
    const ictx = valctx.child(v.pos, "list item", "");
    if (v.kind !== "scalar") yv("sequence value is not scalar", ictx);
    out.push(v.value);
  }
  return out;
}

function decodeTags(item: YNode, ctx: Context): string[] {
  return sortedUnique(decodeSeq(item, "tags", ctx, true) ?? []);
}

function decodeOverrides(
  item: YNode,
  overridableAppend: ReadonlySet<string>,
  overridableReplace: ReadonlySet<string>,
  ctx: Context,
): { append: Set<string>; replace: Set<string> } {
  const append = new Set<string>();
  const replace = new Set<string>();
  const val = mapGet(item, "override");
  if (val === undefined) return { append, replace };
  const overridectx = ctx.child(item.pos, "overrides", "");
  if (val.kind === "seq") {
    // yaml-cpp iterators over a sequence have no key: as<std::string> on it fails
    throw new BadConversion(`yaml-cpp: error at line ${val.pos.line + 1}, column ${val.pos.column + 1}: bad conversion`);
  }
  if (val.kind !== "map") return { append, replace };
  for (const e of val.entries) {
    const key = asStringLoose(e.key);
    const operation = asStringLoose(e.value);
    const isApp = overridableAppend.has(key);
    const isRep = overridableReplace.has(key);
    if (operation === "append") {
      const keyctx = overridectx.child(e.key.pos, "overrides", key);
      if (!isApp) yv(`Key '${key}' cannot be appended to, use 'replace' instead`, keyctx);
      append.add(key);
    } else if (operation === "replace") {
      const keyctx = overridectx.child(e.key.pos, "overrides", key);
      if (!isRep) yv(`Key '${key}' cannot be replaced`, keyctx);
      replace.add(key);
    } else {
      const opctx = overridectx.child(e.value.pos, "value for", key);
      let msg = `Invalid override operation for key '${key}': '${operation}'. Allowed values are: `;
      if (isApp) msg += "append ";
      if (isRep) msg += "replace ";
      yv(msg, opctx);
    }
  }
  return { append, replace };
}

function decodeExceptionEntry(
  item: YNode,
  key: string | null,
  ctx: Context,
  optional: boolean,
  depth: number,
): ExceptionEntry | undefined {
  const val = key === null ? item : mapGet(item, key);
  if (val === undefined && optional) return undefined;
  if (val === undefined) yv(`Item has no mapping for key '${key}'`, ctx);
  const valctx = ctx.child(val.pos, "value for", key ?? "");
  const out = emptyEntry();
  if (val.kind === "scalar") {
    if (val.value === "") yv("Value must be non-empty", valctx);
    out.isList = false;
    out.item = val.value;
  } else if (val.kind === "seq") {
    if (depth > 32) yv("Exception values nested too deeply", valctx);
    out.isList = true;
    for (const v of val.items) {
      const lctx = valctx.child(v.pos, "exception", "");
      out.items.push(decodeExceptionEntry(v, null, lctx, false, depth + 1)!);
    }
  }
  return out;
}

function readRuleExceptions(
  cfg: CollectConfig,
  item: YNode,
  parent: Context,
  append: boolean,
): ExceptionInfo[] {
  const out: ExceptionInfo[] = [];
  const exs = mapGet(item, "exceptions");
  if (exs === undefined || exs.kind === "null") return out;
  const exesCtx = parent.child(exs.pos, "exceptions", "");
  if (exs.kind !== "seq") yv("Rule exceptions must be a sequence", exesCtx);
  for (const ex of exs.items) {
    const tmp = exesCtx.child(ex.pos, "exception", "");
    if (ex.kind !== "map") yv("Rule exception must be a mapping", tmp);
    const name = decodeVal(ex, "name", STR, tmp);
    const exCtx = parent.child(ex.pos, "exception", name);
    for (const prev of out) {
      if (prev.name === name) {
        cfg.res.addWarning(
          "LOAD_EXCEPTION_NAME_NOT_UNIQUE",
          `Multiple definitions of exception '${name}' in the same rule`,
          exCtx,
        );
      }
    }
    const fields = decodeExceptionEntry(ex, "fields", exCtx, append, 0) ?? emptyEntry();
    const comps = decodeExceptionEntry(ex, "comps", exCtx, true, 0) ?? emptyEntry();
    const values: ExceptionEntry[] = [];
    const exvals = mapGet(ex, "values");
    if (exvals !== undefined) {
      const valsCtx = exCtx.child(exvals.pos, "exception values", "");
      if (exvals.kind !== "seq") yv("Rule exception values must be a sequence", valsCtx);
      for (const v of exvals.items) {
        const vctx = valsCtx.child(v.pos, "exception value", "");
        values.push(decodeExceptionEntry(v, null, vctx, false, 0)!);
      }
    } else if (append) {
      cfg.res.addWarning("LOAD_APPEND_NO_VALUES", "Overriding/appending exception with no values", exCtx);
    }
    out.push({ ctx: exCtx, name, fields, comps, values });
  }
  return out;
}

function warnUnknownKeys(item: YNode, expected: ReadonlySet<string>, cfg: CollectConfig, ctx: Context): void {
  if (item.kind !== "map") return;
  for (const e of item.entries) {
    const key = asStringLoose(e.key);
    if (!expected.has(key)) {
      cfg.res.addWarning("LOAD_UNKNOWN_KEY", `Unknown key '${key}'. The key will be ignored.`, ctx);
    }
  }
}

function checkUpdateExpected(
  expected: Set<string>,
  overrides: ReadonlySet<string>,
  type: string,
  key: string,
  ctx: Context,
): boolean {
  if (!overrides.has(key)) return false;
  if (!expected.has(key)) yv(`An ${type} override for '${key}' was specified but '${key}' is not defined`, ctx);
  expected.delete(key);
  return true;
}

// libsinsp parser grammar tokens used to check names (rule_loader_reader.cpp RGX_*)
const RGX_IDENTIFIER = "([a-zA-Z]+[a-zA-Z0-9_]*)";
const RGX_BARESTR = "([^()\"'[:space:]=,]+)";
const RE_IDENTIFIER = /^[a-zA-Z]+[a-zA-Z0-9_]*$/;
const RE_BARESTR = /^[^()"' \t\n\v\f\r=,]+$/;

const EXPECTED_ENGINE_KEYS = new Set(["required_engine_version"]);
const EXPECTED_PLUGIN_KEYS = new Set(["required_plugin_versions"]);
const EXPECTED_LIST_KEYS = new Set(["list", "items", "append", "override"]);
const EXPECTED_MACRO_KEYS = new Set(["macro", "condition", "append", "override"]);
const EXPECTED_RULE_KEYS = new Set([
  "rule", "condition", "output", "desc", "priority", "source", "enabled", "capture", "capture_duration",
  "warn_evttypes", "skip-if-unknown-filter", "tags", "exceptions", "override", "append",
]);
const LIST_OVERRIDABLE = new Set(["items"]);
const MACRO_OVERRIDABLE = new Set(["condition"]);
const RULE_OVERRIDABLE_APPEND = new Set(["condition", "output", "desc", "tags", "exceptions"]);
const RULE_OVERRIDABLE_REPLACE = new Set([
  "condition", "output", "desc", "priority", "capture", "capture_duration", "tags", "exceptions", "enabled",
  "warn_evttypes", "skip-if-unknown-filter",
]);

const PRIORITY_DEC: Decoder<string> = STR;

function readItem(cfg: CollectConfig, col: Collector, item: YNode, parent: Context): void {
  if (item.kind !== "map") {
    yv(
      "Unexpected element type. Each element should be a yaml associative array.",
      parent.child(item.pos, "rules content item", ""),
    );
  }
  if (mapGet(item, "required_engine_version") !== undefined) {
    const ctx = parent.child(item.pos, "required_engine_version", "");
    let version: Version;
    let asUint: number | undefined;
    try {
      asUint = decodeVal(item, "required_engine_version", U32, ctx);
    } catch (e) {
      if (!(e instanceof RuleLoadException)) throw e;
      asUint = undefined;
    }
    if (asUint !== undefined) {
      version = { valid: true, major: ENGINE_VERSION.major, minor: asUint, patch: ENGINE_VERSION.patch };
    } else {
      const ver = decodeVal(item, "required_engine_version", STR, ctx);
      version = parseVersion(ver);
      if (!version.valid) {
        yv(`Unable to parse engine version '${ver}' as a semver string. Expected "x.y.z" semver format.`, ctx);
      }
    }
    col.defineEngineVersion(version, ctx);
    warnUnknownKeys(item, EXPECTED_ENGINE_KEYS, cfg, ctx);
  } else if (mapGet(item, "required_plugin_versions") !== undefined) {
    const req = mapGet(item, "required_plugin_versions")!;
    const ctx = parent.child(req.pos, "required plugin versions", "");
    if (req.kind !== "seq") yv("Value of required_plugin_versions must be a sequence", ctx);
    for (const plugin of req.items) {
      let tmp = ctx.child(plugin.pos, "required plugin versions entry", "");
      if (plugin.kind !== "map") yv("Plugin version must be a mapping", tmp);
      const name = decodeVal(plugin, "name", STR, tmp);
      const pctx = ctx.child(plugin.pos, "required plugin versions entry", name);
      const version = decodeVal(plugin, "version", STR, pctx);
      const alternatives: PluginRequirement[] = [{ name, version }];
      const alts = mapGet(plugin, "alternatives");
      if (alts !== undefined) {
        if (alts.kind !== "seq") yv("Value of plugin version alternatives must be a sequence", pctx);
        for (const r of alts.items) {
          tmp = pctx.child(r.pos, "required plugin versions alternative", "");
          if (r.kind !== "map") yv("Plugin version alternative must be a mapping", tmp);
          const aname = decodeVal(r, "name", STR, tmp);
          tmp = pctx.child(r.pos, "required plugin versions alternative", aname);
          const aver = decodeVal(r, "version", STR, tmp);
          alternatives.push({ name: aname, version: aver });
        }
      }
      col.definePluginVersions(alternatives, pctx);
    }
    warnUnknownKeys(item, EXPECTED_PLUGIN_KEYS, cfg, parent.child(item.pos, "required plugin versions", ""));
  } else if (mapGet(item, "list") !== undefined) {
    const tmp = parent.child(item.pos, "list", "");
    const name = decodeVal(item, "list", STR, tmp);
    const ctx = parent.child(item.pos, "list", name);
    if (!RE_BARESTR.test(name)) {
      cfg.res.addWarning(
        "LOAD_INVALID_LIST_NAME",
        `List has an invalid name. List names should match a regular expression: ${RGX_BARESTR}`,
        ctx,
      );
    }
    const items = decodeSeq(item, "items", ctx, false)!;
    const append = decodeOptionalVal(item, "append", BOOL, ctx) ?? false;
    if (append) cfg.res.addWarning("LOAD_DEPRECATED_ITEM", WARNING_APPEND, ctx);
    const ov = decodeOverrides(item, LIST_OVERRIDABLE, LIST_OVERRIDABLE, ctx);
    const hasOverrides = ov.append.size > 0 || ov.replace.size > 0;
    if (append && hasOverrides) yv(ERROR_OVERRIDE_APPEND, ctx);
    const info: ListInfo = { ctx, index: 0, visibility: 0, name, items };
    if (append || ov.append.has("items")) col.appendList(info);
    else col.defineList(info);
    warnUnknownKeys(item, EXPECTED_LIST_KEYS, cfg, ctx);
  } else if (mapGet(item, "macro") !== undefined) {
    const tmp = parent.child(item.pos, "macro", "");
    const name = decodeVal(item, "macro", STR, tmp);
    const ctx = parent.child(item.pos, "macro", name);
    if (!RE_IDENTIFIER.test(name)) {
      cfg.res.addWarning(
        "LOAD_INVALID_MACRO_NAME",
        `Macro has an invalid name. Macro names should match a regular expression: ${RGX_IDENTIFIER}`,
        ctx,
      );
    }
    const cond = decodeVal(item, "condition", STR, ctx);
    const condCtx = ctx.child(mapGet(item, "condition")!.pos, "macro condition", "");
    const append = decodeOptionalVal(item, "append", BOOL, ctx) ?? false;
    if (append) cfg.res.addWarning("LOAD_DEPRECATED_ITEM", WARNING_APPEND, ctx);
    const ov = decodeOverrides(item, MACRO_OVERRIDABLE, MACRO_OVERRIDABLE, ctx);
    const hasOverrides = ov.append.size > 0 || ov.replace.size > 0;
    if (append && hasOverrides) yv(ERROR_OVERRIDE_APPEND, ctx);
    const info: MacroInfo = { ctx, condCtx, index: 0, visibility: 0, name, cond };
    if (append || ov.append.has("condition")) col.appendMacro(info);
    else col.defineMacro(info);
    warnUnknownKeys(item, EXPECTED_MACRO_KEYS, cfg, ctx);
  } else if (mapGet(item, "rule") !== undefined) {
    readRule(cfg, col, item, parent);
  } else {
    const ctx = parent.child(item.pos, "rules content item", "");
    cfg.res.addWarning("LOAD_UNKNOWN_ITEM", "Unknown top level item", ctx);
  }
}

function readRule(cfg: CollectConfig, col: Collector, item: YNode, parent: Context): void {
  const tmp = parent.child(item.pos, "rule", "");
  const name = decodeVal(item, "rule", STR, tmp);
  const ctx = parent.child(item.pos, "rule", name);
  const source = decodeOptionalEmptyVal(item, "source", STR, ctx) ?? "";
  const hasAppendFlag = decodeOptionalVal(item, "append", BOOL, ctx) ?? false;
  if (hasAppendFlag) cfg.res.addWarning("LOAD_DEPRECATED_ITEM", WARNING_APPEND, ctx);
  const ov = decodeOverrides(item, RULE_OVERRIDABLE_APPEND, RULE_OVERRIDABLE_REPLACE, ctx);
  const hasApp = ov.append.size > 0;
  const hasRep = ov.replace.size > 0;
  const hasOverrides = hasApp || hasRep;
  if (hasAppendFlag && hasOverrides) yv(ERROR_OVERRIDE_APPEND, ctx);

  if (hasOverrides) {
    const expected = new Set<string>();
    for (const k of RULE_OVERRIDABLE_APPEND) if (mapGet(item, k) !== undefined) expected.add(k);
    for (const k of RULE_OVERRIDABLE_REPLACE) if (mapGet(item, k) !== undefined) expected.add(k);
    /** The keys both override kinds take (condition, exceptions, output, desc, tags), in Falco's order. */
    const readOverride = (kind: "append" | "replace"): RuleUpdateInfo => {
      const v: RuleUpdateInfo = { ctx, condCtx: ctx, name, source: "" };
      const want = (key: string): boolean => checkUpdateExpected(expected, ov[kind], kind, key, ctx);
      if (want("condition")) {
        v.source = source;
        v.cond = decodeVal(item, "condition", STR, ctx);
      }
      if (want("exceptions")) v.exceptions = readRuleExceptions(cfg, item, ctx, kind === "append");
      if (want("output")) v.output = decodeVal(item, "output", STR, ctx);
      if (want("desc")) v.desc = decodeVal(item, "desc", STR, ctx);
      if (want("tags")) v.tags = decodeTags(item, ctx);
      return v;
    };
    if (hasApp) col.appendRule(cfg, readOverride("append"));
    if (hasRep) {
      const v = readOverride("replace");
      if (checkUpdateExpected(expected, ov.replace, "replace", "priority", ctx)) {
        const p = decodeVal(item, "priority", PRIORITY_DEC, ctx);
        const prictx = ctx.child(mapGet(item, "priority")!.pos, "rule priority", "");
        const parsed = parsePriority(p);
        if (parsed === undefined) yv("Invalid priority", prictx);
        v.priority = parsed;
      }
      if (checkUpdateExpected(expected, ov.replace, "replace", "capture", ctx)) {
        v.capture = decodeVal(item, "capture", BOOL, ctx);
      }
      if (checkUpdateExpected(expected, ov.replace, "replace", "capture_duration", ctx)) {
        v.captureDuration = decodeVal(item, "capture_duration", U32, ctx);
      }
      if (checkUpdateExpected(expected, ov.replace, "replace", "enabled", ctx)) {
        v.enabled = decodeVal(item, "enabled", BOOL, ctx);
      }
      if (checkUpdateExpected(expected, ov.replace, "replace", "warn_evttypes", ctx)) {
        v.warnEvttypes = decodeVal(item, "warn_evttypes", BOOL, ctx);
      }
      if (checkUpdateExpected(expected, ov.replace, "replace", "skip-if-unknown-filter", ctx)) {
        v.skipIfUnknownFilter = decodeVal(item, "skip-if-unknown-filter", BOOL, ctx);
      }
      col.selectiveReplaceRule(cfg, v);
    }
    for (const key of expected) {
      const kn = mapGet(item, key)!;
      const keyctx = ctx.child(kn.pos, "overrides", key);
      yv(`Unexpected key '${key}': no corresponding entry under 'override' is defined.`, keyctx);
    }
  } else if (hasAppendFlag) {
    const v: RuleUpdateInfo = { ctx, condCtx: ctx, name, source };
    const condNode = mapGet(item, "condition");
    if (condNode !== undefined) {
      v.condCtx = ctx.child(condNode.pos, "rule condition", "");
      v.cond = decodeVal(item, "condition", STR, ctx);
    }
    if (mapGet(item, "exceptions") !== undefined) {
      v.exceptions = readRuleExceptions(cfg, item, ctx, true);
    }
    col.appendRule(cfg, v);
  } else {
    const has = (k: string) => mapGet(item, k) !== undefined;
    if (!has("condition") && !has("output") && !has("desc") && !has("priority")) {
      const enabled = decodeVal(item, "enabled", BOOL, ctx);
      cfg.res.addWarning("LOAD_DEPRECATED_ITEM", WARNING_ENABLED, ctx);
      col.enableRule(name, enabled, ctx);
    } else {
      const cond = decodeVal(item, "condition", STR, ctx);
      const condCtx = ctx.child(mapGet(item, "condition")!.pos, "rule condition", "");
      const output0 = decodeVal(item, "output", STR, ctx);
      const outputCtx = ctx.child(mapGet(item, "output")!.pos, "rule output", "");
      const desc = decodeVal(item, "desc", STR, ctx);
      const pri = decodeVal(item, "priority", PRIORITY_DEC, ctx);
      const output = trimFalco(output0);
      const prictx = ctx.child(mapGet(item, "priority")!.pos, "rule priority", "");
      const priority = parsePriority(pri);
      if (priority === undefined) yv("Invalid priority", prictx);
      const info: RuleInfo = {
        ctx,
        condCtx,
        outputCtx,
        index: 0,
        visibility: 0,
        unknownSource: false,
        name,
        cond,
        source: decodeOptionalVal(item, "source", STR, ctx) ?? "syscall",
        desc,
        output,
        tags: [],
        exceptions: [],
        priority: priority ?? Priority.DEBUG,
        capture: false,
        captureDuration: 0,
        enabled: true,
        warnEvttypes: true,
        skipIfUnknownFilter: false,
      };
      info.enabled = decodeOptionalVal(item, "enabled", BOOL, ctx) ?? true;
      info.capture = decodeOptionalVal(item, "capture", BOOL, ctx) ?? false;
      info.captureDuration = decodeOptionalVal(item, "capture_duration", U32, ctx) ?? 0;
      info.warnEvttypes = decodeOptionalVal(item, "warn_evttypes", BOOL, ctx) ?? true;
      info.skipIfUnknownFilter = decodeOptionalVal(item, "skip-if-unknown-filter", BOOL, ctx) ?? false;
      info.tags = decodeTags(item, ctx);
      info.exceptions = readRuleExceptions(cfg, item, ctx, false);
      col.defineRule(cfg, info);
    }
  }
  warnUnknownKeys(item, EXPECTED_RULE_KEYS, cfg, ctx);
}

/** falco_utils trim(): strip " \t\n\r\f\v" at both ends. */
export function trimFalco(s: string): string {
  return s.replace(/^[ \t\n\r\f\v]+/, "").replace(/[ \t\n\r\f\v]+$/, "");
}

/**
 * Read the documents of one rules file into the collector (rule_loader::reader::read after the
 * YAML was parsed): each non-null document must be a sequence of maps; null items are skipped.
 * Stops at the first error, which is added to `cfg.res`. Returns false on error.
 */
export function readDocuments(cfg: CollectConfig, col: Collector, docs: readonly YNode[]): boolean {
  const ctx = Context.root(cfg.name);
  for (const doc of docs) {
    if (doc.kind === "null") continue;
    try {
      if (doc.kind !== "map" && doc.kind !== "seq") yv("Rules content is not yaml", ctx);
      if (doc.kind !== "seq") yv("Rules content is not yaml array of objects", ctx);
      for (const it of doc.items) {
        if (it.kind !== "null") readItem(cfg, col, it, ctx);
      }
    } catch (e) {
      if (e instanceof RuleLoadException) {
        cfg.res.addError(e.code, e.message, e.ctx);
      } else if (e instanceof BadConversion) {
        cfg.res.addError("LOAD_ERR_VALIDATE", e.message, ctx);
      } else if (e instanceof RangeError) {
        cfg.res.addError("LOAD_ERR_VALIDATE", "unknown validation error", ctx);
      } else {
        throw e;
      }
      return false;
    }
  }
  return true;
}

/** Key text helper re-exported for callers that inspect raw nodes. */
export { keyText, mapGetKey };
