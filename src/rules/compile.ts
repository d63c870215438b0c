/**
 * Condition compiler: turns a condition AST (macros and lists already substituted by the rules
 * loader) into a closure tree over bound field extractors, with libsinsp's evaluation semantics
 * (falcosecurity/libs userspace/libsinsp/filter.cpp sinsp_filter_compiler/sinsp_extractor_compiler,
 * sinsp_filtercheck.cpp compare_rhs, filter_compare.cpp flt_is_comparable/flt_compare,
 * value_parser.cpp, sinsp_filter_transformers/, sinsp_filtercheck_multivalue_transformer.cpp) and
 * the event-code resolver of libsinsp filter/ppm_codes.cpp.
 *
 * Semantics worth knowing:
 * - A field that cannot be extracted (extractor returns `undefined`) makes its check false for
 *   every operator, `exists` and `!=` included; so `not a = x` differs from `a != x`.
 * - Constants are parsed once at compile time per the left-hand field's (transformed) type.
 * - Fields with special compare semantics (BoundField.multi: `fd.ip`, `fd.port`, `fd.proto`,
 *   `fd.net` client or server side; `proc.aname` & co. every ancestor) are compared on
 *   `multi.values(ev)`: `!=` holds if it holds for every value when `neAll`, any other operator
 *   (and `!=` without `neAll`) if it holds for some value; an empty array makes `exists` true and
 *   everything else false. A non-list field whose extractor returns an array is treated the same
 *   way with `neAll`.
 * - fd.cip.name/sip.name/lip.name/rip.name (BoundField.domain) compare the extracted name (DNS
 *   reverse lookup) when there is one, else whether the fd address is among the constant name's
 *   resolved addresses (libsinsp compare_domain; see domainCheck).
 * - List fields (EPF_IS_LIST) support `in` (every element in the set; an empty list matches),
 *   `intersects` (some element in the set) and `exists`.
 * Evaluation does not allocate for plain field/constant checks (transformers build new strings).
 */
import type { Event } from "../events/event.ts";
import { EVENT_TABLE, PPM_EVENT_MAX, PPME } from "../events/event_table.ts";
import { type BoundField, type DomainCompare, FieldError, type FieldRegistry, type FieldType, type FieldValue } from "../fields/registry.ts";
import type { Expr, PosInfo } from "./ast.ts";
import {
  OperandError, PathPrefixSet, base64Decode, bytesContains, bytesEndsWith, bytesEqual, bytesStartsWith,
  compileRegex, globToRegExp, icontains, parseIPv4, parseIPv6, parseNumericConstant, regexFullMatch,
  toLowerAscii, toUpperAscii, unhex,
} from "./operators.ts";
import { supportedFieldTransformers } from "./parser.ts";
import { PPM_SC_NAMES } from "../fields/ppm_sc.generated.ts";

/** A compile error: message as libsinsp/Falco word it; `pos` the AST node position when known. */
export class ConditionCompileError extends Error {
  readonly pos: PosInfo | undefined;
  constructor(message: string, pos?: PosInfo) {
    super(message);
    this.name = "ConditionCompileError";
    this.pos = pos;
  }
}

/** A compile warning (libsinsp sinsp_filter_compiler warnings: inefficient regex, field or transformer used as a string). */
export interface CompileWarning {
  readonly message: string;
  readonly pos: PosInfo;
}

/** Result of compiling a condition. */
export interface CompiledCondition {
  /** Evaluate on one event (whose thread/fd state is set). Never throws for missing data. */
  match(ev: Event): boolean;
  /**
   * Event names (evt.type) the condition can match, or null for any. Derived from `evtcodes`: the
   * names of the codes (generic syscall events appear as "syscall" plus the syscall names used).
   */
  readonly evttypes: Set<string> | null;
  /** ppm event codes the condition can match (libsinsp ppm_event_codes), or null for all. */
  readonly evtcodes: Set<number> | null;
  /** Field references used, as written (`name` or `name[arg]`), first-use order, unique. */
  readonly fields: string[];
  /** Compiler warnings (libsinsp semantics). */
  readonly warnings: CompileWarning[];
  /**
   * The condition as a node of `CompileOptions.share`'s DAG (only when compiled with `share`):
   * what `linkConditions` needs to build the rules of a ruleset with shared sub-conditions.
   */
  readonly node?: SubexprNode;
}

/** Options of `compileCondition`. */
export interface CompileOptions {
  /** Skip the event-code resolution (evttypes/evtcodes are then null). */
  noEvttypes?: boolean;
  /**
   * Reject `evt.type` values that name no event and no syscall with "unknown event type X", as
   * Falco's rule compiler does (the loader sets it; libsinsp's own compiler does not).
   */
  strictEvttypes?: boolean;
  /**
   * Also enter the condition into this table of sub-conditions (one per ruleset compilation), so
   * that `linkConditions` can share structurally identical sub-conditions between rules. The
   * returned `match` is the same closure tree as without it (nothing memoised).
   */
  share?: SubexprTable;
}

/* ---------- types and operators ---------- */

type Cls = "num" | "bool" | "str" | "buf" | "ip" | "net" | "other";

function typeClass(t: string): Cls {
  switch (t) {
    case "INT8": case "INT16": case "INT32": case "INT64": case "UINT8": case "UINT16": case "UINT32":
    case "UINT64": case "ERRNO": case "FD": case "PID": case "SYSCALLID": case "SIGTYPE": case "RELTIME":
    case "ABSTIME": case "PORT": case "FLAGS8": case "FLAGS16": case "FLAGS32": case "DOUBLE": case "MODE":
    case "ENUMFLAGS8": case "ENUMFLAGS16": case "ENUMFLAGS32":
      return "num";
    case "BOOL": return "bool";
    case "IPV4ADDR": case "IPV6ADDR": case "IPADDR": return "ip";
    case "IPV4NET": case "IPV6NET": case "IPNET": return "net";
    case "CHARBUF": case "FSPATH": case "FSRELPATH": return "str";
    case "BYTEBUF": return "buf";
    default: return "other";
  }
}

type Op =
  | "=" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "icontains" | "bcontains" | "startswith"
  | "bstartswith" | "endswith" | "in" | "intersects" | "pmatch" | "exists" | "glob" | "iglob" | "regex";
type Mod = "" | "oneof" | "anyof" | "allof";

const OPS = new Set<string>(["=", "!=", "<", "<=", ">", ">=", "contains", "icontains", "bcontains", "startswith",
  "bstartswith", "endswith", "in", "intersects", "pmatch", "exists", "glob", "iglob", "regex"]);

function parseOp(s: string, pos: PosInfo): { op: Op; mod: Mod } {
  const sp = s.indexOf(" ");
  const base = sp < 0 ? s : s.slice(0, sp);
  const op = base === "==" ? "=" : base;
  if (!OPS.has(op)) throw new ConditionCompileError("unrecognized filter comparison operator '" + base + "'", pos);
  let mod: Mod = "";
  if (sp >= 0) {
    const m = s.slice(sp + 1);
    if (m !== "oneof" && m !== "anyof" && m !== "allof") throw new ConditionCompileError("unrecognized filter comparison modifier '" + m + "'", pos);
    mod = m;
  }
  return { op: op as Op, mod };
}

/** libsinsp flt_is_comparable: null if ok, else the error text. */
function comparableError(op: Op, mod: Mod, t: FieldType, isList: boolean): string | null {
  if (op === "exists") return null;
  const notFor = (what: string): string => `'${op}' operator not supported ${what}`;
  if (isList) {
    switch (t) {
      case "CHARBUF": case "UINT64": case "RELTIME": case "ABSTIME": case "BOOL": case "IPADDR": case "IPNET":
        return op === "in" || op === "intersects" ? null : notFor("list filters");
      default:
        return `list filters are not supported for type '${t}'`;
    }
  }
  const c = typeClass(t);
  switch (c) {
    case "num":
      return ["=", "!=", "<", "<=", ">", ">=", "in", "intersects"].includes(op) ? null : notFor("for numeric filters");
    case "bool":
      return ["=", "!=", "in", "intersects"].includes(op) ? null : notFor("for numeric filters");
    case "ip": case "net": {
      const ok = ["=", "!=", "in", "intersects"].includes(op);
      if (mod && !ok) return `'${op}' with modifier not supported for ip address and network filters`;
      return ok ? null : notFor("for ip address and network filters");
    }
    case "str":
      return ["bcontains", "bstartswith"].includes(op) ? notFor("for string filters") : null;
    case "buf":
      return ["=", "!=", "contains", "in", "startswith", "endswith", "intersects", "bcontains", "bstartswith"].includes(op)
        ? null : notFor("for buffer filters");
    default:
      return `'${op}' operator not supported for type '${t}'`;
  }
}

/** libsinsp std::to_string(cmpop), used in some messages. */
function opEnumName(op: Op): string {
  const m: Record<Op, string> = {
    "=": "EQ", "!=": "NE", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE", contains: "CONTAINS", icontains: "ICONTAINS",
    bcontains: "BCONTAINS", startswith: "STARTSWITH", bstartswith: "BSTARTSWITH", endswith: "ENDSWITH", in: "IN",
    intersects: "INTERSECTS", pmatch: "PMATCH", exists: "EXISTS", glob: "GLOB", iglob: "IGLOB", regex: "REGEX",
  };
  return m[op];
}

/* ---------- extractors (sinsp_extractor_compiler) ---------- */

type Get = (ev: Event) => FieldValue;

/** A compiled value source: a bound field, possibly transformed, or a constant. */
interface Src {
  get: Get;
  type: FieldType;
  list: boolean;
  /** Name for messages (libsinsp field info m_name; "INTERNAL" for synthetic checks). */
  name: string;
  noRhs: boolean;
  noTransformer: boolean;
  /** Original (untransformed) field name, for "does not support transformers". */
  origName: string;
  /** Comparison values when they differ from `get` (BoundField.multi): any-of semantics. */
  cmpGet?: Get;
  /** With `cmpGet`/array values: `!=` must hold for every value (else for any). */
  neAll?: boolean;
  /** fd.*ip.name: libsinsp compare_domain when `get` yields nothing (BoundField.domain). */
  domain?: DomainCompare;
}

const utf8enc = new TextEncoder();
const utf8dec = new TextDecoder("utf-8", { fatal: false });

function hasFlag(flags: readonly string[] | undefined, f: string): boolean {
  return !!flags && (flags.includes(f) || flags.includes("EPF_" + f));
}

function utf8Len(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) break;
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

/** C-string view of a value (up to the first NUL), for join/concat. */
function cstr(v: FieldValue): string {
  const s = typeof v === "string" ? v : v instanceof Uint8Array ? utf8dec.decode(v) : String(v);
  const z = s.indexOf("\0");
  return z < 0 ? s : s.slice(0, z);
}

function numToStr(v: FieldValue): FieldValue {
  return typeof v === "number" || typeof v === "bigint" ? String(v) : typeof v === "boolean" ? (v ? "true" : "false") : v;
}

type Pred = (ev: Event) => boolean;

/** The operands of an and/or node, with nested nodes of the same kind spliced in (source order kept). */
function flattenSame(e: Expr, kind: "and" | "or"): Expr[] {
  const out: Expr[] = [];
  const walk = (x: Expr): void => {
    if (x.kind === kind) for (const c of x.children) walk(c);
    else out.push(x);
  };
  walk(e);
  return out;
}

/** Short-circuit conjunction of compiled operands, specialised by arity (fewer indirect calls). */
function andOf(cs: Pred[]): Pred {
  switch (cs.length) {
    case 0: return () => true;
    case 1: return cs[0]!;
    case 2: { const [a, b] = cs as [Pred, Pred]; return (ev) => a(ev) && b(ev); }
    case 3: { const [a, b, c] = cs as [Pred, Pred, Pred]; return (ev) => a(ev) && b(ev) && c(ev); }
    case 4: { const [a, b, c, d] = cs as [Pred, Pred, Pred, Pred]; return (ev) => a(ev) && b(ev) && c(ev) && d(ev); }
    default: {
      const [a, b, c, d] = cs as [Pred, Pred, Pred, Pred];
      const rest = cs.slice(4);
      const n = rest.length;
      return (ev) => {
        if (!(a(ev) && b(ev) && c(ev) && d(ev))) return false;
        for (let i = 0; i < n; i++) if (!rest[i]!(ev)) return false;
        return true;
      };
    }
  }
}

/** Short-circuit disjunction of compiled operands, specialised by arity. */
function orOf(cs: Pred[]): Pred {
  switch (cs.length) {
    case 0: return () => false;
    case 1: return cs[0]!;
    case 2: { const [a, b] = cs as [Pred, Pred]; return (ev) => a(ev) || b(ev); }
    case 3: { const [a, b, c] = cs as [Pred, Pred, Pred]; return (ev) => a(ev) || b(ev) || c(ev); }
    case 4: { const [a, b, c, d] = cs as [Pred, Pred, Pred, Pred]; return (ev) => a(ev) || b(ev) || c(ev) || d(ev); }
    default: {
      const [a, b, c, d] = cs as [Pred, Pred, Pred, Pred];
      const rest = cs.slice(4);
      const n = rest.length;
      return (ev) => {
        if (a(ev) || b(ev) || c(ev) || d(ev)) return true;
        for (let i = 0; i < n; i++) if (rest[i]!(ev)) return true;
        return false;
      };
    }
  }
}

class Compiler {
  readonly fields: string[] = [];
  readonly warnings: CompileWarning[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly reg: FieldRegistry) {}

  /* ----- boolean structure ----- */

  compile(e: Expr): (ev: Event) => boolean {
    switch (e.kind) {
      case "and": {
        // Nested conjunctions (macros expand to parenthesised sub-expressions) are flattened into
        // one list: same operands, same left-to-right short-circuit order, fewer closure calls.
        const cs = flattenSame(e, "and").map((c) => this.compile(c));
        return andOf(cs);
      }
      case "or": {
        const cs = flattenSame(e, "or").map((c) => this.compile(c));
        return orOf(cs);
      }
      case "not": {
        const c = this.compile(e.child);
        return (ev) => !c(ev);
      }
      case "identifier":
        throw new ConditionCompileError(`Undefined macro '${e.identifier}' used in filter.`, e.pos);
      case "value":
        throw new ConditionCompileError("sinsp_filter_compiler: unexpected standalone value expression in filter AST; value expressions should only appear as children of check expressions", e.pos);
      case "list":
        throw new ConditionCompileError("sinsp_filter_compiler: unexpected standalone list expression in filter AST; list expressions should only appear as children of check expressions", e.pos);
      case "field": case "field_transformer": case "transformer_list":
        throw new ConditionCompileError("filter error: unexpected field expression without a comparison operator", e.pos);
      case "unary_check":
        return this.atCheck(e.pos, () => this.unary(e.left, e.op, e.pos));
      case "binary_check":
        return this.atCheck(e.pos, () => this.binary(e.left, e.op, e.right, e.pos));
    }
  }

  /**
   * Like `compile`, but returns the condition as a node of `t` (hash-consed: an identical
   * sub-condition seen before, in this or another condition, is the same node). Checks are
   * compiled in the same order as `compile` does, so errors, warnings and `fields` are the same.
   * and/or nodes keep the AST's grouping (a macro body stays one node); flattening happens when
   * closures are built (`linkConditions`).
   */
  plan(e: Expr, t: SubexprTable): SubexprNode {
    switch (e.kind) {
      case "and": case "or": {
        const kids: SubexprNode[] = [];
        let key = e.kind === "and" ? "&" : "|";
        for (const c of e.children) {
          const k = this.plan(c, t);
          kids.push(k);
          key += k.id + ",";
        }
        return t.intern(key, e.kind, kids, null);
      }
      case "not": {
        const k = this.plan(e.child, t);
        return t.intern("!" + k.id, "not", [k], null);
      }
      case "unary_check": case "binary_check": {
        const f = this.compile(e);
        return t.intern(exprKey(e), "check", [], f);
      }
      default:
        this.compile(e); // throws the error `compile` gives for a misplaced node
        throw new ConditionCompileError("unexpected expression", e.pos);
    }
  }

  /** Errors inside a check are reported at the check's position (libsinsp compiler m_pos, which Falco reports). */
  private atCheck<T>(pos: PosInfo, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof ConditionCompileError && e.pos !== pos) throw new ConditionCompileError(e.message, pos);
      throw e;
    }
  }

  private unary(left: Expr, opStr: string, pos: PosInfo): (ev: Event) => boolean {
    const src = this.extractor(left, "left-hand of unary check");
    const { op, mod } = parseOp(opStr, pos);
    const err = comparableError(op, mod, src.type, src.list);
    if (err) throw new ConditionCompileError("filter error: " + err, pos);
    const get = src.cmpGet ?? src.get;
    const dom = src.domain;
    // fd.*ip.name: compare_domain's `exists` holds whenever the event has an fd.
    if (dom) return (ev) => get(ev) !== undefined || dom.target(ev) !== undefined;
    return (ev) => get(ev) !== undefined;
  }

  /* ----- extractors ----- */

  private extractor(e: Expr, where: string): Src {
    switch (e.kind) {
      case "field": return this.field(e.field, e.arg, e.pos);
      case "field_transformer": return this.transformer(e.transformer, e.values, e.arg, e.pos);
      case "transformer_list": {
        const elems = e.children.map((c) => this.transformerArg(c, "unexpected empty transformer list element"));
        return listSrc(elems);
      }
      default:
        throw new ConditionCompileError(`filter error: missing field in ${where}`, e.pos);
    }
  }

  private field(name: string, arg: string | undefined, pos: PosInfo): Src {
    const full = arg === undefined ? name : `${name}[${arg}]`;
    if (!this.reg.lookup(name)) throw new ConditionCompileError("filter_check called with nonexistent field " + full, pos);
    let b: BoundField;
    try {
      b = this.reg.bind(name, arg);
    } catch (err) {
      if (err instanceof FieldError) throw new ConditionCompileError(err.message, pos);
      throw err;
    }
    if (!this.seen.has(full)) {
      this.seen.add(full);
      this.fields.push(full);
    }
    const flags = b.def.flags;
    return {
      get: b.extract,
      cmpGet: b.multi ? b.multi.values : undefined,
      neAll: b.multi ? b.multi.neAll : true,
      ...(b.domain ? { domain: b.domain } : {}),
      type: b.type,
      list: hasFlag(flags, "IS_LIST"),
      name: b.def.name,
      noRhs: hasFlag(flags, "NO_RHS"),
      noTransformer: hasFlag(flags, "NO_TRANSFORMER"),
      origName: b.def.name,
    };
  }

  /** A transformer argument: field/transformer/list, or a constant value (rawstring_check). */
  private transformerArg(e: Expr, emptyMsg: string): Src {
    if (e.kind === "value") return constSrc(e.value);
    if (e.kind === "list") {
      if (e.values.length === 0) throw new ConditionCompileError("filter error: " + emptyMsg, e.pos);
      if (e.values.length === 1) return constSrc(e.values[0]!);
      return listSrc(e.values.map(constSrc));
    }
    return this.extractor(e, "transformer argument");
  }

  private transformer(name: string, values: Expr[], arg: string | undefined, pos: PosInfo): Src {
    const args = values.map((v) => this.transformerArg(v, `found null child node on '${name}' transformer`));
    if (name === "val") {
      if (arg !== undefined) throw new ConditionCompileError("filter error: transformer 'val' does not support field arguments", pos);
      return args[0]!;
    }
    if (args.length === 1) {
      if (arg !== undefined) throw new ConditionCompileError(`filter error: transformer '${name}' does not support field arguments`, pos);
      return applyTransformer(name, args[0]!, pos);
    }
    return multiTransformer(name, args, arg, pos);
  }

  /* ----- checks ----- */

  private binary(left: Expr, opStr: string, right: Expr, pos: PosInfo): (ev: Event) => boolean {
    const lhs = this.extractor(left, "left-hand of binary check");
    const { op, mod } = parseOp(opStr, pos);
    const err = comparableError(op, mod, lhs.type, lhs.list);
    if (err) throw new ConditionCompileError("filter error: " + err, pos);
    if (right.kind === "value" || right.kind === "list") {
      const vals = right.kind === "value" ? [right.value] : right.values;
      for (const v of vals) this.addWarnings(op, right.pos, v);
      try {
        return lhs.domain ? domainCheck(lhs, lhs.domain, op, mod, vals) : constCheck(lhs, op, mod, vals);
      } catch (e) {
        if (e instanceof OperandError) throw new ConditionCompileError(e.message, right.pos);
        throw e;
      }
    }
    const rhs = this.extractor(right, "right-hand of binary check");
    if (op === "pmatch" || op === "regex") throw new ConditionCompileError(`operator '${opEnumName(op)}' doesn't support right-hand side fields`, pos);
    if (lhs.type === "IPNET" || lhs.type === "IPV4NET" || lhs.type === "IPV6NET") throw new ConditionCompileError("field type 'IPNET' doesn't support right-hand side fields", pos);
    if (lhs.noRhs) throw new ConditionCompileError(`field '${lhs.name}' doesn't support right-hand side fields`, pos);
    if (rhs.noRhs) throw new ConditionCompileError(`field '${rhs.name}' can't be used as a right-hand side field`, pos);
    if (lhs.type !== rhs.type || lhs.list !== rhs.list) {
      throw new ConditionCompileError(`field '${lhs.name}' has type '${lhs.type}${lhs.list ? " (list)" : ""}' while the right-hand side field '${rhs.name}' has incompatible type '${rhs.type}${rhs.list ? " (list)" : ""}'`, pos);
    }
    return fieldCheck(lhs, op, mod, rhs);
  }

  /* ----- warnings (sinsp_filter_compiler::check_value_and_add_warnings) ----- */

  private addWarnings(op: Op, pos: PosInfo, v: string): void {
    try {
      const nospaces = v.replace(/[ \t\n\v\f\r]/g, "");
      if (op === "regex") this.regexWarning(pos, v);
      const fm = /^([^[\]]+)(?:\[(.*)\])?$/.exec(nospaces);
      if (fm && this.reg.lookup(fm[1]!)) {
        try {
          this.reg.bind(fm[1]!, fm[2]);
          this.warnings.push({ message: `'${v}' may be a valid field misused as a const string value`, pos });
        } catch {
          /* not a valid field */
        }
      }
      for (const t of supportedFieldTransformers(true)) {
        if (nospaces.length >= t.length + 2 && nospaces.startsWith(t) && nospaces[t.length] === "(" && nospaces.endsWith(")")) {
          this.warnings.push({ message: `'${v}' may be a valid field transformer misused as a const string value`, pos });
        }
      }
    } catch {
      /* warnings never fail compilation */
    }
  }

  private regexWarning(pos: PosInfo, v: string): void {
    const special = ".+*?^$()[]{}|\\";
    const occ = "+*?";
    const len = v.length;
    for (let i = 0; i < len; i++) {
      if ((i === 0 && v[i] === "^") || (i === len - 1 && v[i] === "$")) continue;
      if (((i === 0 && len > 1) || i === len - 2) && v[i] === "." && i + 1 < len && occ.includes(v[i + 1]!)) {
        i++;
        continue;
      }
      if (special.includes(v[i]!)) return;
    }
    this.warnings.push({ message: `regex check with '${v}' may be optimized with simpler operators such as '=', 'contains', 'startswith', 'endswith'`, pos });
  }
}

function constSrc(text: string): Src {
  return { get: () => text, type: "CHARBUF", list: false, name: "INTERNAL", noRhs: false, noTransformer: false, origName: "INTERNAL" };
}

/** list_check: concatenation of the elements' values, numbers rendered as strings; fails if one fails. */
function listSrc(elems: Src[]): Src {
  const gets = elems.map((e) => e.get);
  const nums = elems.map((e) => typeClass(e.type) === "num");
  const out: FieldValue[] = [];
  return {
    get: (ev) => {
      out.length = 0;
      for (let i = 0; i < gets.length; i++) {
        const v = gets[i]!(ev);
        if (v === undefined) return undefined;
        if (Array.isArray(v)) for (const x of v) out.push(nums[i] ? numToStr(x) : x);
        else out.push(nums[i] ? numToStr(v) : v);
      }
      return out;
    },
    type: "CHARBUF", list: true, name: "INTERNAL", noRhs: false, noTransformer: false, origName: "INTERNAL",
  };
}

/* ---------- single-value transformers (sinsp_filter_transformer_*.cpp) ---------- */

function mapValues(v: FieldValue, f: (x: FieldValue) => FieldValue | undefined): FieldValue {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) {
    const out: FieldValue[] = [];
    for (const x of v) {
      const r = f(x);
      if (r === undefined) return undefined;
      out.push(r);
    }
    return out;
  }
  return f(v);
}

function strOf(x: FieldValue): string {
  return typeof x === "string" ? x : x instanceof Uint8Array ? utf8dec.decode(x) : String(x);
}

function applyTransformer(name: string, src: Src, pos: PosInfo): Src {
  if (src.noTransformer) throw new ConditionCompileError(`field '${src.origName}' does not support transformers`, pos);
  const t = src.type;
  const incompatible = (): never => {
    throw new ConditionCompileError(`can't add field transformer: type '${t}' is not supported by '${name}' transformer applied on ${src.list ? "list " : ""}field '${src.origName}'`, pos);
  };
  const get = src.get;
  const isStr = t === "CHARBUF" || t === "FSPATH" || t === "FSRELPATH";
  switch (name) {
    case "tolower": case "toupper": case "basename": {
      if (!isStr) incompatible();
      const f = name === "tolower" ? (x: FieldValue) => toLowerAscii(strOf(x))
        : name === "toupper" ? (x: FieldValue) => toUpperAscii(strOf(x))
          : (x: FieldValue) => { const s = strOf(x); return s.slice(s.lastIndexOf("/") + 1); };
      return { ...src, cmpGet: undefined, get: (ev) => mapValues(get(ev), f) };
    }
    case "b64": {
      if (t !== "CHARBUF" && t !== "BYTEBUF") incompatible();
      const asBytes = t === "BYTEBUF";
      const f = (x: FieldValue): FieldValue | undefined => {
        const inp = x instanceof Uint8Array ? trimNul(x) : utf8enc.encode(cstr(x));
        const d = base64Decode(inp);
        if (!d) return undefined;
        return asBytes ? d : utf8dec.decode(trimNul(d));
      };
      return { ...src, cmpGet: undefined, get: (ev) => mapValues(get(ev), f) };
    }
    case "len": {
      if (src.list) {
        return { ...src, cmpGet: undefined, type: "UINT64", list: false, get: (ev) => { const v = get(ev); return v === undefined ? undefined : Array.isArray(v) ? v.length : 1; } };
      }
      if (!isStr && t !== "BYTEBUF") incompatible();
      const f = (x: FieldValue): FieldValue => (x instanceof Uint8Array ? (isStr ? cstrLenBytes(x) : x.length) : utf8Len(strOf(x)));
      return { ...src, cmpGet: undefined, type: "UINT64", get: (ev) => { const v = get(ev); return v === undefined ? undefined : Array.isArray(v) ? (v.length ? f(v[0]) : 0) : f(v); } };
    }
    default:
      throw new ConditionCompileError(`transformer '${name}' is not supported`, pos);
  }
}

function trimNul(b: Uint8Array): Uint8Array {
  let n = b.length;
  while (n > 0 && b[n - 1] === 0) n--;
  return n === b.length ? b : b.subarray(0, n);
}

function cstrLenBytes(b: Uint8Array): number {
  const z = b.indexOf(0);
  return z < 0 ? b.length : z;
}

/* ---------- multi-value transformers (sinsp_filtercheck_multivalue_transformer.cpp) ---------- */

function multiTransformer(name: string, args: Src[], arg: string | undefined, pos: PosInfo): Src {
  const fail = (m: string): never => { throw new ConditionCompileError(m, pos); };
  const base = { noRhs: false, noTransformer: false, name: "INTERNAL", origName: "INTERNAL" };
  if (name === "join") {
    if (args.length !== 2) fail("join() requires exactly 2 arguments: separator and list");
    if (args[0]!.list) fail("join() first argument (separator) must be a single value, not a list");
    if (!args[1]!.list) fail("join() second argument must be a list");
    if (arg !== undefined) fail("transformer 'join' does not support field arguments");
    const [gs, gl] = [args[0]!.get, args[1]!.get];
    return {
      ...base, type: "CHARBUF", list: false,
      get: (ev) => {
        const s = gs(ev);
        if (s === undefined) return undefined;
        const l = gl(ev);
        if (l === undefined) return undefined;
        const arr = Array.isArray(l) ? l : [l];
        const sep = Array.isArray(s) ? strOf(s[0]) : strOf(s);
        let r = "";
        for (let i = 0; i < arr.length; i++) {
          r += cstr(arr[i]);
          if (i !== arr.length - 1) r += sep;
        }
        return r;
      },
    };
  }
  if (name === "concat") {
    if (args.length < 2) fail("concat() requires at least 2 arguments");
    for (const a of args) if (a.type !== "CHARBUF" || a.list) fail("concat() arguments must be strings");
    if (arg !== undefined) fail("transformer 'concat' does not support field arguments");
    const gets = args.map((a) => a.get);
    return {
      ...base, type: "CHARBUF", list: false,
      get: (ev) => {
        let r = "";
        for (const g of gets) {
          const v = g(ev);
          if (v === undefined) return undefined;
          r += cstr(Array.isArray(v) ? v[0] : v);
        }
        return r;
      },
    };
  }
  if (name === "getopt") {
    if (args.length !== 2) fail("getopt() requires exactly 2 arguments: args list and optstring");
    if (!args[0]!.list) fail("getopt() first argument must be a list");
    if (args[1]!.list) fail("getopt() second argument (optstring) must be a single value");
    if (args[0]!.type !== "CHARBUF" || args[1]!.type !== "CHARBUF") fail("getopt() arguments must be strings");
    if (arg !== undefined && arg.length !== 1) fail("getopt() field argument must be a single option character");
    const [ga, go] = [args[0]!.get, args[1]!.get];
    return {
      ...base, type: "CHARBUF", list: arg === undefined,
      get: (ev) => {
        const os = go(ev);
        if (os === undefined) return undefined;
        const a = ga(ev);
        if (a === undefined) return undefined;
        return getopt(Array.isArray(a) ? a.map(strOf) : [strOf(a)], strOf(Array.isArray(os) ? os[0] : os), arg);
      },
    };
  }
  return fail("unknown multivalue transformer");
}

/** getopt(3)-like scan of argv (libsinsp getopt transformer): list mode or `[c]` selector mode. */
function getopt(argv: string[], optstring: string, sel: string | undefined): FieldValue {
  const valid = new Set<string>();
  const withArg = new Set<string>();
  let k = optstring.startsWith(":") ? 1 : 0;
  for (; k < optstring.length; k++) {
    const o = optstring[k]!;
    if (o === ":") continue;
    valid.add(o);
    if (optstring[k + 1] === ":") {
      withArg.add(o);
      k++;
    }
  }
  const results: string[] = [];
  let selected: string | undefined;
  for (let ai = 0; ai < argv.length; ai++) {
    const a = argv[ai]!;
    if (a === "--") break;
    if (a.length > 2 && a[0] === "-" && a[1] === "-") continue;
    if (a.length === 0 || a[0] !== "-" || a.length === 1) break;
    for (let i = 1; i < a.length; i++) {
      const o = a[i]!;
      if (o === ":" || !valid.has(o)) {
        if (sel === undefined) results.push("?");
        continue;
      }
      const selMatch = sel === undefined || o === sel;
      const needs = withArg.has(o);
      if (selMatch && !needs) {
        if (sel !== undefined) selected = o;
        else results.push(o);
      }
      if (!needs) continue;
      let val: string | undefined;
      if (i + 1 < a.length) val = a.slice(i + 1);
      else if (ai + 1 < argv.length) val = argv[++ai]!;
      if (val === undefined) {
        if (selMatch) {
          if (sel !== undefined) selected = "";
          else results.push("");
        }
        break;
      }
      if (selMatch) {
        if (sel !== undefined) selected = val;
        else results.push(o, val);
      }
      break;
    }
  }
  if (sel !== undefined) return selected;
  return results;
}

/* ---------- typed operands ---------- */

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Normalized numeric key: numbers where exact, else bigint; booleans as 0/1. */
function numKey(v: FieldValue): number | bigint {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") {
    const n = Number(v);
    return Number.isFinite(n) ? n : NaN;
  }
  return NaN;
}

function boolKey(v: FieldValue): number {
  return v === true || v === 1 || v === 1n || v === "true" ? 1 : 0;
}

/** IP address operand: 4-byte (v4, unsigned 32-bit) or 16-byte (w: four big-endian words). */
interface IpVal { len: 4 | 16; v4: number; w: Uint32Array }
/** IP network operand. */
interface NetVal { len: 4 | 16; v4: number; mask: number; w: Uint32Array; prefix: number }

const scratchIp: IpVal = { len: 4, v4: 0, w: new Uint32Array(4) };
const scratchA: IpVal = { len: 4, v4: 0, w: new Uint32Array(4) };
const scratchB: IpVal = { len: 4, v4: 0, w: new Uint32Array(4) };

/** Normalize an extracted IP value into `out`; false if not an address. */
function loadIp(v: FieldValue, out: IpVal): boolean {
  if (typeof v === "string") {
    const a = parseIPv4(v);
    if (a >= 0) { out.len = 4; out.v4 = a; return true; }
    if (parseIPv6(v, out.w)) { out.len = 16; return true; }
    return false;
  }
  if (typeof v === "number") { out.len = 4; out.v4 = v >>> 0; return true; }
  if (v instanceof Uint8Array) {
    if (v.length === 4) { out.len = 4; out.v4 = ((v[0]! << 24) | (v[1]! << 16) | (v[2]! << 8) | v[3]!) >>> 0; return true; }
    if (v.length === 16) {
      out.len = 16;
      for (let i = 0; i < 4; i++) out.w[i] = ((v[i * 4]! << 24) | (v[i * 4 + 1]! << 16) | (v[i * 4 + 2]! << 8) | v[i * 4 + 3]!) >>> 0;
      return true;
    }
  }
  return false;
}

function ipEq(a: IpVal, b: IpVal): boolean {
  if (a.len !== b.len) return false;
  if (a.len === 4) return a.v4 === b.v4;
  return a.w[0] === b.w[0] && a.w[1] === b.w[1] && a.w[2] === b.w[2] && a.w[3] === b.w[3];
}

function inNet(a: IpVal, n: NetVal): boolean {
  if (a.len === 4) return ((a.v4 & n.mask) >>> 0) === ((n.v4 & n.mask) >>> 0);
  let bits = n.prefix;
  for (let i = 0; i < 4; i++) {
    if (bits <= 0) return true;
    const m = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if (((a.w[i]! & m) >>> 0) !== ((n.w[i]! & m) >>> 0)) return false;
    bits -= 32;
  }
  return true;
}

/** value_parser: IPv4/IPv6/IPADDR constants. */
function parseIpConst(s: string, t: string): IpVal {
  const out: IpVal = { len: 4, v4: 0, w: new Uint32Array(4) };
  const v4 = t === "IPV4ADDR" || (t !== "IPV6ADDR" && s.includes("."));
  if (v4) {
    const a = parseIPv4(s);
    if (a < 0) throw new OperandError("unrecognized IPv4 address " + s);
    out.v4 = a;
    return out;
  }
  if (!parseIPv6(s, out.w)) throw new OperandError("unrecognized IPv6 address " + s);
  out.len = 16;
  return out;
}

/** value_parser: IPv4/IPv6/IPNET network constants ("addr/len"). */
function parseNetConst(s: string, t: string): NetVal {
  const out: NetVal = { len: 4, v4: 0, mask: 0, w: new Uint32Array(4), prefix: 0 };
  const v4 = t === "IPV4NET" || (t !== "IPV6NET" && s.includes("."));
  const slash = s.indexOf("/");
  if (v4) {
    if (slash < 0) throw new OperandError("unrecognized IP network " + s);
    const a = parseIPv4(s.slice(0, slash));
    if (a < 0) throw new OperandError("unrecognized IP address " + s);
    const maskStr = s.slice(slash + 1);
    const bits = Number(parseNumericConstant(maskStr, "UINT8"));
    if (bits > 32) throw new OperandError("invalid netmask " + maskStr);
    out.v4 = a;
    out.prefix = bits;
    out.mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return out;
  }
  const addr = slash < 0 ? s : s.slice(0, slash);
  if (!parseIPv6(addr, out.w)) throw new OperandError("unrecognized IPv6 address " + s);
  const bits = slash < 0 ? 128 : Number(s.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > 128) throw new OperandError("invalid netmask " + s.slice(slash + 1));
  out.len = 16;
  out.prefix = bits;
  return out;
}

/* ---------- checks against constants ---------- */

type Test = (v: FieldValue) => boolean;

/** Wrap a per-value test with the missing-value / array (either-side) rules. */
function wrapSingle(get: Get, op: Op, test: Test, neAll = true): (ev: Event) => boolean {
  if (op === "!=" && neAll) {
    return (ev) => {
      const v = get(ev);
      if (v === undefined) return false;
      if (Array.isArray(v)) {
        if (v.length === 0) return false;
        for (let i = 0; i < v.length; i++) if (!test(v[i])) return false;
        return true;
      }
      return test(v);
    };
  }
  return (ev) => {
    const v = get(ev);
    if (v === undefined) return false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (test(v[i])) return true;
      return false;
    }
    return test(v);
  };
}

/** Build a test of one value against ONE constant with a base operator. */
function oneConstTest(op: Op, t: FieldType, c: string): Test {
  const cls = typeClass(t);
  switch (cls) {
    case "num": {
      const b = parseNumericConstant(c, t);
      const k = b >= MIN_SAFE && b <= MAX_SAFE ? Number(b) : b;
      switch (op) {
        case "=": case "in": case "intersects": return (v) => numKey(v) == k;
        case "!=": return (v) => numKey(v) != k;
        case "<": return (v) => numKey(v) < k;
        case "<=": return (v) => numKey(v) <= k;
        case ">": return (v) => numKey(v) > k;
        case ">=": return (v) => numKey(v) >= k;
        default: return () => false;
      }
    }
    case "bool": {
      if (c !== "true" && c !== "false") throw new OperandError("filter error: unrecognized boolean value " + c);
      const k = c === "true" ? 1 : 0;
      return op === "!=" ? (v) => boolKey(v) !== k : (v) => boolKey(v) === k;
    }
    case "str": return strTest(op, c);
    case "buf": {
      let k: Uint8Array;
      if (op === "bcontains" || op === "bstartswith") {
        const h = unhex(c);
        if (!h) throw new OperandError("filter error: bcontains and bstartswith operator support hex strings only");
        k = h;
      } else {
        k = utf8enc.encode(c);
      }
      const bytes = (v: FieldValue): Uint8Array => (v instanceof Uint8Array ? v : utf8enc.encode(strOf(v)));
      switch (op) {
        case "=": case "in": case "intersects": return (v) => bytesEqual(bytes(v), k);
        case "!=": return (v) => !bytesEqual(bytes(v), k);
        case "contains": case "bcontains": return (v) => bytesContains(bytes(v), k);
        case "startswith": case "bstartswith": return (v) => bytesStartsWith(bytes(v), k);
        case "endswith": return (v) => bytesEndsWith(bytes(v), k);
        default: return () => false;
      }
    }
    case "ip": {
      const k = parseIpConst(c, t);
      if (op === "!=") return (v) => loadIp(v, scratchIp) && !ipEq(scratchIp, k);
      return (v) => loadIp(v, scratchIp) && ipEq(scratchIp, k);
    }
    case "net": {
      const k = parseNetConst(c, t);
      if (op === "!=") return (v) => loadIp(v, scratchIp) && (scratchIp.len !== k.len || !inNet(scratchIp, k));
      return (v) => loadIp(v, scratchIp) && scratchIp.len === k.len && inNet(scratchIp, k);
    }
    default:
      return () => false;
  }
}

function strTest(op: Op, c: string): Test {
  const s = (v: FieldValue): string => (typeof v === "string" ? v : strOf(v));
  switch (op) {
    case "=": case "in": case "intersects": return (v) => s(v) === c;
    case "!=": return (v) => s(v) !== c;
    case "contains": return (v) => s(v).includes(c);
    case "icontains": { const lc = toLowerAscii(c); return (v) => icontains(s(v), lc); }
    case "startswith": return (v) => s(v).startsWith(c);
    case "endswith": return (v) => s(v).endsWith(c);
    case "glob": { const re = globToRegExp(c, false); return (v) => re.test(s(v)); }
    case "iglob": { const re = globToRegExp(c, true); return (v) => re.test(s(v)); }
    case "<": return (v) => s(v) < c;
    case "<=": return (v) => s(v) <= c;
    case ">": return (v) => s(v) > c;
    case ">=": return (v) => s(v) >= c;
    case "regex": { const re = compileRegex(c); return (v) => regexFullMatch(re, s(v)); }
    case "pmatch": { const p = new PathPrefixSet(); p.add(c); return (v) => p.match(s(v)); }
    default: return () => false;
  }
}

/** Set-membership test for `in`/`intersects` on one value (and list elements). */
function memberTest(t: FieldType, vals: string[]): Test {
  const cls = typeClass(t);
  if (vals.length === 0) return () => false;
  switch (cls) {
    case "str": { const set = new Set(vals); return (v) => set.has(typeof v === "string" ? v : strOf(v)); }
    case "num": {
      const set = new Set<number | bigint>();
      for (const c of vals) { const b = parseNumericConstant(c, t); set.add(b >= MIN_SAFE && b <= MAX_SAFE ? Number(b) : b); }
      return (v) => set.has(numKey(v));
    }
    default: {
      const tests = vals.map((c) => oneConstTest("=", t, c));
      return (v) => {
        for (let i = 0; i < tests.length; i++) if (tests[i]!(v)) return true;
        return false;
      };
    }
  }
}

function constCheck(lhs: Src, op: Op, mod: Mod, vals: string[]): (ev: Event) => boolean {
  const get = lhs.cmpGet ?? lhs.get;
  const neAll = lhs.neAll !== false;
  const t = lhs.type;
  if (op === "exists") return (ev) => get(ev) !== undefined;
  if (lhs.list) {
    const member = memberTest(t, vals);
    if (op === "in") {
      return (ev) => {
        const v = get(ev);
        if (v === undefined) return false;
        if (!Array.isArray(v)) return member(v);
        for (let i = 0; i < v.length; i++) if (!member(v[i])) return false;
        return true;
      };
    }
    return (ev) => {
      const v = get(ev);
      if (v === undefined) return false;
      if (!Array.isArray(v)) return member(v);
      for (let i = 0; i < v.length; i++) if (member(v[i])) return true;
      return false;
    };
  }
  if (mod) {
    const cls = typeClass(t);
    const baseOp: Op = cls === "net" && op !== "=" && op !== "!=" && op !== "regex" ? "=" : op;
    const tests = vals.map((c) => oneConstTest(baseOp, t, c));
    const n = tests.length;
    let test: Test;
    if (n === 0) test = () => false;
    else if (mod === "oneof") {
      test = (v) => {
        let m = 0;
        for (let i = 0; i < n; i++) if (tests[i]!(v) && ++m > 1) return false;
        return m === 1;
      };
    } else if (mod === "anyof") {
      test = (v) => {
        for (let i = 0; i < n; i++) if (tests[i]!(v)) return true;
        return false;
      };
    } else {
      test = (v) => {
        for (let i = 0; i < n; i++) if (!tests[i]!(v)) return false;
        return true;
      };
    }
    return wrapSingle(get, op, test, neAll);
  }
  if (op === "in" || op === "intersects") {
    const test = memberTest(t, vals);
    return fastMember(get, op, t, vals, test, neAll) ?? wrapSingle(get, op, test, neAll);
  }
  if (op === "pmatch") {
    const p = new PathPrefixSet();
    for (const c of vals) p.add(c);
    return wrapSingle(get, op, (v) => p.match(typeof v === "string" ? v : strOf(v)), neAll);
  }
  if (vals.length === 0) return () => false;
  // for the other operators libsinsp compares with the first value only
  const test = oneConstTest(op, t, vals[0]!);
  return fastSingle(get, op, t, vals[0]!, test, neAll) ?? wrapSingle(get, op, test, neAll);
}

/**
 * What `wrapSingle(get, op, test, neAll)` returns for an extracted value `v`; the specialised
 * closures below call it for every value their inline fast path does not cover (missing value,
 * arrays, values of another JS type).
 */
function slowSingle(v: FieldValue, op: Op, test: Test, neAll: boolean): boolean {
  if (v === undefined) return false;
  if (Array.isArray(v)) {
    if (op === "!=" && neAll) {
      if (v.length === 0) return false;
      for (let i = 0; i < v.length; i++) if (!test(v[i])) return false;
      return true;
    }
    for (let i = 0; i < v.length; i++) if (test(v[i])) return true;
    return false;
  }
  return test(v);
}

/**
 * Comparison of one field with one constant, specialised at compile time by operator and type:
 * the common case (a string field against a string, a number against a safe-integer constant, a
 * boolean) is tested inline without the indirect call of `wrapSingle`; any other value goes
 * through `slowSingle`, so the result is exactly that of `wrapSingle(get, op, test, neAll)`
 * (`test` must be `oneConstTest(op, t, c)`). Returns null when no specialisation applies.
 */
function fastSingle(get: Get, op: Op, t: FieldType, c: string, test: Test, neAll: boolean): ((ev: Event) => boolean) | null {
  switch (typeClass(t)) {
    case "str":
      switch (op) {
        case "=": return (ev) => { const v = get(ev); return typeof v === "string" ? v === c : slowSingle(v, op, test, neAll); };
        case "!=": return (ev) => { const v = get(ev); return typeof v === "string" ? v !== c : slowSingle(v, op, test, neAll); };
        case "contains": return (ev) => { const v = get(ev); return typeof v === "string" ? v.includes(c) : slowSingle(v, op, test, neAll); };
        case "startswith": return (ev) => { const v = get(ev); return typeof v === "string" ? v.startsWith(c) : slowSingle(v, op, test, neAll); };
        case "endswith": return (ev) => { const v = get(ev); return typeof v === "string" ? v.endsWith(c) : slowSingle(v, op, test, neAll); };
        default: return null;
      }
    case "num": {
      const b = parseNumericConstant(c, t);
      if (!(b >= MIN_SAFE && b <= MAX_SAFE)) return null;
      const k = Number(b);
      // numKey(v) is v itself for a number v
      switch (op) {
        case "=": return (ev) => { const v = get(ev); return typeof v === "number" ? v === k : slowSingle(v, op, test, neAll); };
        case "!=": return (ev) => { const v = get(ev); return typeof v === "number" ? v !== k : slowSingle(v, op, test, neAll); };
        case "<": return (ev) => { const v = get(ev); return typeof v === "number" ? v < k : slowSingle(v, op, test, neAll); };
        case "<=": return (ev) => { const v = get(ev); return typeof v === "number" ? v <= k : slowSingle(v, op, test, neAll); };
        case ">": return (ev) => { const v = get(ev); return typeof v === "number" ? v > k : slowSingle(v, op, test, neAll); };
        case ">=": return (ev) => { const v = get(ev); return typeof v === "number" ? v >= k : slowSingle(v, op, test, neAll); };
        default: return null;
      }
    }
    case "bool": {
      if (op !== "=" && op !== "!=") return null;
      // boolKey(true) = 1, boolKey(false) = 0; oneConstTest already rejected other constants
      const kb = c === "true";
      if (op === "=") return (ev) => { const v = get(ev); return typeof v === "boolean" ? v === kb : slowSingle(v, op, test, neAll); };
      return (ev) => { const v = get(ev); return typeof v === "boolean" ? v !== kb : slowSingle(v, op, test, neAll); };
    }
    default:
      return null;
  }
}

/**
 * `in`/`intersects` of one (non-list) field with constants, specialised for string and number
 * sets: the set lookup is inline for a value of the set's JS type, anything else goes through
 * `slowSingle` with `test` (= `memberTest(t, vals)`), so results equal `wrapSingle`'s.
 */
function fastMember(get: Get, op: Op, t: FieldType, vals: string[], test: Test, neAll: boolean): ((ev: Event) => boolean) | null {
  if (vals.length === 0) return null;
  switch (typeClass(t)) {
    case "str": {
      const set = new Set(vals);
      // One-entry memo by value: consecutive evaluations often test the same string (evt.type,
      // proc.name, the same path); a hit is a pointer compare in the common case.
      let lastV = "";
      let lastR = set.has("");
      return (ev) => {
        const v = get(ev);
        if (typeof v !== "string") return slowSingle(v, op, test, neAll);
        if (v === lastV) return lastR;
        lastV = v;
        return (lastR = set.has(v));
      };
    }
    case "num": {
      const set = new Set<number | bigint>();
      for (const c of vals) { const b = parseNumericConstant(c, t); set.add(b >= MIN_SAFE && b <= MAX_SAFE ? Number(b) : b); }
      return (ev) => { const v = get(ev); return typeof v === "number" ? set.has(v) : slowSingle(v, op, test, neAll); };
    }
    default:
      return null;
  }
}

/**
 * fd.cip.name/sip.name/lip.name/rip.name against constants, as libsinsp
 * sinsp_filter_check_fd::compare_nocache: when the field extracts a name (the DNS table's reverse
 * lookup of the address), the usual string comparison on it; otherwise compare_domain: `=` asks the
 * DNS table whether the address is among the first constant's addresses, `!=` the negation, `in`
 * any constant; other operators are false there (libsinsp throws a run-time error instead).
 * The constants of `=`/`!=`/`in` are handed to `dom.prefetch` now, so they resolve before use.
 */
function domainCheck(lhs: Src, dom: DomainCompare, op: Op, mod: Mod, vals: string[]): (ev: Event) => boolean {
  const byName = constCheck(lhs, op, mod, vals);
  const get = lhs.get;
  let byAddr: (ip: string) => boolean;
  if ((op === "=" || op === "!=") && vals.length > 0) {
    const name = vals[0]!;
    dom.prefetch(name);
    byAddr = op === "=" ? (ip) => ip !== "" && dom.match(name, ip) : (ip) => ip !== "" && !dom.match(name, ip);
  } else if (op === "in" && vals.length > 0) {
    const names = [...vals];
    for (const n of names) dom.prefetch(n);
    const k = names.length;
    byAddr = (ip) => {
      if (ip === "") return false;
      for (let i = 0; i < k; i++) if (dom.match(names[i]!, ip)) return true;
      return false;
    };
  } else {
    byAddr = () => false;
  }
  return (ev) => {
    if (get(ev) !== undefined) return byName(ev);
    const ip = dom.target(ev);
    return ip !== undefined && byAddr(ip);
  };
}

/* ---------- checks against a right-hand field ---------- */

/** Compare two extracted values of the same type with a base operator (flt_compare). */
function dynCompare(op: Op, t: FieldType, a: FieldValue, b: FieldValue): boolean {
  switch (typeClass(t)) {
    case "num": {
      const x = numKey(a), y = numKey(b);
      switch (op) {
        case "=": case "in": case "intersects": return x == y;
        case "!=": return x != y;
        case "<": return x < y;
        case "<=": return x <= y;
        case ">": return x > y;
        case ">=": return x >= y;
        default: return false;
      }
    }
    case "bool": return op === "!=" ? boolKey(a) !== boolKey(b) : boolKey(a) === boolKey(b);
    case "str": {
      const x = strOf(a), y = strOf(b);
      switch (op) {
        case "=": case "in": case "intersects": return x === y;
        case "!=": return x !== y;
        case "contains": return x.includes(y);
        case "icontains": return icontains(x, toLowerAscii(y));
        case "startswith": return x.startsWith(y);
        case "endswith": return x.endsWith(y);
        case "glob": return globToRegExp(y, false).test(x);
        case "iglob": return globToRegExp(y, true).test(x);
        case "<": return x < y;
        case "<=": return x <= y;
        case ">": return x > y;
        case ">=": return x >= y;
        default: return false;
      }
    }
    case "buf": {
      const x = a instanceof Uint8Array ? a : utf8enc.encode(strOf(a));
      const y = b instanceof Uint8Array ? b : utf8enc.encode(strOf(b));
      switch (op) {
        case "=": case "in": case "intersects": return bytesEqual(x, y);
        case "!=": return !bytesEqual(x, y);
        case "contains": case "bcontains": return bytesContains(x, y);
        case "startswith": case "bstartswith": return bytesStartsWith(x, y);
        case "endswith": return bytesEndsWith(x, y);
        default: return false;
      }
    }
    case "ip": {
      if (!loadIp(a, scratchA) || !loadIp(b, scratchB)) return false;
      return op === "!=" ? !ipEq(scratchA, scratchB) : ipEq(scratchA, scratchB);
    }
    default: return false;
  }
}

/** True if `x` equals the rhs value `r` or one of its elements (set membership with a field rhs). */
function rhsHas(t: FieldType, x: FieldValue, r: FieldValue): boolean {
  if (Array.isArray(r)) {
    for (let i = 0; i < r.length; i++) if (dynCompare("=", t, x, r[i])) return true;
    return false;
  }
  return dynCompare("=", t, x, r);
}

/** One lhs value against the rhs field value(s), for a non-list lhs. */
function rhsOne(op: Op, mod: Mod, t: FieldType, x: FieldValue, r: FieldValue): boolean {
  if (op === "in" || op === "intersects") return rhsHas(t, x, r);
  if (!mod) return dynCompare(op, t, x, Array.isArray(r) ? r[0] : r);
  const n = Array.isArray(r) ? r.length : 1;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const ok = dynCompare(op, t, x, Array.isArray(r) ? r[i] : r);
    if (mod === "anyof" && ok) return true;
    if (mod === "allof" && !ok) return false;
    if (mod === "oneof" && ok && ++m > 1) return false;
  }
  return mod === "allof" ? n > 0 : mod === "oneof" ? m === 1 : false;
}

function fieldCheck(lhs: Src, op: Op, mod: Mod, rhs: Src): (ev: Event) => boolean {
  const gl = lhs.cmpGet ?? lhs.get, gr = rhs.get, t = lhs.type;
  const neAll = lhs.neAll !== false;
  const isList = lhs.list;
  return (ev) => {
    const v = gl(ev);
    if (v === undefined) return false;
    if (op === "exists") return true;
    const r = gr(ev);
    if (r === undefined) return false;
    if (isList) {
      if (!Array.isArray(v)) return rhsHas(t, v, r);
      if (op === "in") {
        for (let i = 0; i < v.length; i++) if (!rhsHas(t, v[i], r)) return false;
        return true;
      }
      for (let i = 0; i < v.length; i++) if (rhsHas(t, v[i], r)) return true;
      return false;
    }
    if (Array.isArray(v)) {
      if (op === "!=" && neAll) {
        if (v.length === 0) return false;
        for (let i = 0; i < v.length; i++) if (!rhsOne(op, mod, t, v[i], r)) return false;
        return true;
      }
      for (let i = 0; i < v.length; i++) if (rhsOne(op, mod, t, v[i], r)) return true;
      return false;
    }
    return rhsOne(op, mod, t, v, r);
  };
}

/* ---------- event codes (libsinsp filter/ppm_codes.cpp ppm_event_codes) ---------- */

/*
 * Event-code sets during inference are bitsets of PPM_EVENT_MAX bits (one Uint32Array word per 32
 * codes): intersections/unions/complements are a few word operations instead of copying Sets of
 * every event code for each and/or node (rule loading cost).
 */
type CodeBits = Uint32Array;
const CODE_WORDS = (PPM_EVENT_MAX + 31) >>> 5;

/** Bitset with every event code 0..PPM_EVENT_MAX-1 set. Never mutated: copy with allBits(). */
const ALL_BITS: CodeBits = (() => {
  const b = new Uint32Array(CODE_WORDS);
  for (let i = 0; i < PPM_EVENT_MAX; i++) b[i >>> 5]! |= 1 << (i & 31);
  return b;
})();

function allBits(): CodeBits {
  return ALL_BITS.slice();
}

function countBits(b: CodeBits): number {
  let n = 0;
  for (let w = 0; w < b.length; w++) {
    let x = b[w]!;
    x = x - ((x >>> 1) & 0x55555555);
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    n += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}

function bitsToSet(b: CodeBits): Set<number> {
  const out = new Set<number>();
  for (let w = 0; w < b.length; w++) {
    const x = b[w]!;
    if (x === 0) continue;
    for (let k = 0; k < 32; k++) if (x & (1 << k)) out.add((w << 5) | k);
  }
  return out;
}

const GENERIC_E = PPME["GENERIC_E"] ?? 2;
const GENERIC_X = PPME["GENERIC_X"] ?? 3;

/** Event codes by name (codes 2.., as names_to_event_set skips the unknown/generic 0/1 slots). */
const CODES_BY_NAME: ReadonlyMap<string, readonly number[]> = (() => {
  const m = new Map<string, number[]>();
  for (let c = 2; c < PPM_EVENT_MAX; c++) {
    const n = EVENT_TABLE[c]!.name;
    const l = m.get(n);
    if (l) l.push(c);
    else m.set(n, [c]);
  }
  return m;
})();

/** libsinsp names_to_event_set: event codes by name; other identifier-like names → generic syscall events. */
function namesToCodes(names: Iterable<string>): CodeBits {
  const out = new Uint32Array(CODE_WORDS);
  let generic = false;
  for (const n of names) {
    const codes = CODES_BY_NAME.get(n);
    if (codes) for (const c of codes) out[c >>> 5]! |= 1 << (c & 31);
    else if (SC_NAMES.has(n)) generic = true;
  }
  if (generic) {
    out[GENERIC_E >>> 5]! |= 1 << (GENERIC_E & 31);
    out[GENERIC_X >>> 5]! |= 1 << (GENERIC_X & 31);
  }
  return out;
}

const SC_NAMES: ReadonlySet<string> = new Set(PPM_SC_NAMES.filter((n) => n !== ""));

/** ALL \ b, as a new bitset. */
function complement(b: CodeBits): CodeBits {
  const o = new Uint32Array(CODE_WORDS);
  for (let w = 0; w < CODE_WORDS; w++) o[w] = ALL_BITS[w]! & ~b[w]!;
  return o;
}

class CodeVisitor {
  constructor(readonly strict = false) {}
  isEvttypeField = false;
  isFieldOrTransformer = true;
  insideNegation = false;
  hasCodes = false;
  /** Current result. May alias ALL_BITS: never mutate it in place (and/or build a fresh set). */
  codes: CodeBits = new Uint32Array(CODE_WORDS);
  readonly names = new Set<string>();

  private inversion(s: CodeBits): CodeBits {
    return this.hasCodes ? complement(s) : s;
  }
  private tryInversion(s: CodeBits): CodeBits {
    return this.insideNegation ? this.inversion(s) : s;
  }

  visit(e: Expr): void {
    switch (e.kind) {
      case "and": case "or": {
        const conj = (e.kind === "and") !== this.insideNegation;
        const types: CodeBits = conj ? allBits() : new Uint32Array(CODE_WORDS);
        for (const c of e.children) {
          this.visit(c);
          const cc = this.codes;
          if (cc === ALL_BITS) { if (!conj) types.set(ALL_BITS); continue; }
          if (conj) for (let w = 0; w < CODE_WORDS; w++) types[w]! &= cc[w]!;
          else for (let w = 0; w < CODE_WORDS; w++) types[w]! |= cc[w]!;
        }
        this.codes = types;
        this.isEvttypeField = false;
        return;
      }
      case "not": {
        this.codes = new Uint32Array(CODE_WORDS);
        const inside = this.insideNegation;
        this.insideNegation = !inside;
        this.visit(e.child);
        this.insideNegation = inside;
        this.isEvttypeField = false;
        return;
      }
      case "binary_check": {
        this.hasCodes = false;
        // `evt.num = 0` can never hold (events are numbered from 1): the set of event types it
        // can match is empty, so a placeholder macro built on it (Falco's `never_true`) raises
        // no "no evt.type" warning (falco engine tests no_evttype_warning_for_*).
        if ((e.op === "=" || e.op === "==") && e.left.kind === "field" && e.left.field === "evt.num" && e.left.arg === undefined && e.right.kind === "value" && /^0+$/.test(e.right.value)) {
          this.hasCodes = true;
          this.codes = this.tryInversion(new Uint32Array(CODE_WORDS));
          this.isEvttypeField = false;
          return;
        }
        if (e.op === "==" || e.op === "=" || e.op === "!=" || e.op === "in") {
          this.visit(e.left);
          if (this.isEvttypeField) {
            this.isFieldOrTransformer = false;
            this.visit(e.right);
            if (this.isFieldOrTransformer) throw new ConditionCompileError("right-hand field comparisons on `evt.type`/`syscall.type` checks are not supported by event code search", e.pos);
            // Falco's rule compiler rejects names that are neither an event nor a syscall
            // ("unknown event type X"); libsinsp alone maps them to no event (strict = false).
            if (this.strict) {
              const r = e.right;
              const vals = r.kind === "value" ? [r.value] : r.kind === "list" ? r.values : [];
              for (const v of vals) if (!CODES_BY_NAME.has(v) && !SC_NAMES.has(v)) throw new ConditionCompileError(`unknown event type ${v}`, e.pos);
            }
            if (e.op === "!=") this.codes = this.inversion(this.codes);
            this.isEvttypeField = false;
            return;
          }
        }
        this.codes = this.tryInversion(ALL_BITS);
        this.isEvttypeField = false;
        return;
      }
      case "unary_check": {
        this.visit(e.left);
        this.hasCodes = this.isEvttypeField && e.op === "exists";
        this.codes = this.tryInversion(ALL_BITS);
        this.isEvttypeField = false;
        return;
      }
      case "identifier": {
        this.hasCodes = false;
        this.codes = this.tryInversion(ALL_BITS);
        this.isEvttypeField = false;
        return;
      }
      case "value": case "list": {
        const vals = e.kind === "value" ? [e.value] : e.values;
        for (const v of vals) this.names.add(v);
        this.hasCodes = true;
        this.codes = this.tryInversion(namesToCodes(vals));
        this.isEvttypeField = false;
        return;
      }
      case "transformer_list":
        for (const c of e.children) this.visit(c);
        return;
      case "field": {
        this.hasCodes = false;
        this.isFieldOrTransformer = true;
        this.isEvttypeField = (e.field === "evt.type" || e.field === "syscall.type") && e.arg === undefined;
        this.codes = this.tryInversion(ALL_BITS);
        return;
      }
      case "field_transformer":
        for (const c of e.values) {
          this.visit(c);
          if (this.isEvttypeField) throw new ConditionCompileError("event code search does not support `evt.type` checks with transformers", e.pos);
        }
        this.isFieldOrTransformer = true;
        return;
    }
  }
}

/**
 * The ppm event codes a condition can match (libsinsp `ppm_event_codes`): and = intersection,
 * or = union, `evt.type`/`syscall.type` with `=`/`==`/`!=`/`in` select codes, negation pushed
 * to the leaves (De Morgan), checks on other fields are neutral. Returns null for "all codes".
 * @throws ConditionCompileError for `evt.type` compared with a field, or under a transformer.
 */
export function eventCodesOf(ast: Expr, strict = false): Set<number> | null {
  const v = new CodeVisitor(strict);
  v.visit(ast);
  if (countBits(v.codes) >= PPM_EVENT_MAX) return null;
  return bitsToSet(v.codes);
}

/** Event names for a code set (see CompiledCondition.evttypes). */
function namesOf(ast: Expr, codes: Set<number> | null): Set<string> | null {
  if (codes === null) return null;
  const out = new Set<string>();
  for (const c of codes) out.add(EVENT_TABLE[c]!.name);
  if (codes.has(GENERIC_E) || codes.has(GENERIC_X)) {
    const v = new CodeVisitor();
    try { v.visit(ast); } catch { /* same as before */ }
    for (const n of v.names) if (!namesToCodesHasDirect(n) && SC_NAMES.has(n)) out.add(n);
  }
  return out;
}

function namesToCodesHasDirect(n: string): boolean {
  return CODES_BY_NAME.has(n);
}

/* ---------- entry point ---------- */

/**
 * Compile a condition AST (macros/lists already substituted) against a field registry.
 * @returns the matcher, the event types/codes it can match, the fields used and warnings.
 * @throws ConditionCompileError: unknown field ("filter_check called with nonexistent field X"),
 *   operator/type mismatch ("filter error: '<op>' operator not supported for numeric filters"...),
 *   bad constants ("X is not a valid number", "unrecognized IPv4 address X", invalid regex...),
 *   transformer misuse, a leftover identifier ("Undefined macro 'X' used in filter.").
 */
export function compileCondition(ast: Expr, reg: FieldRegistry, opts: CompileOptions = {}): CompiledCondition {
  const c = new Compiler(reg);
  let match: (ev: Event) => boolean;
  let node: SubexprNode | undefined;
  if (opts.share) {
    node = c.plan(ast, opts.share);
    match = linkConditions([node], false)[0]!;
  } else {
    match = c.compile(ast);
  }
  let evtcodes: Set<number> | null = null;
  let evttypes: Set<string> | null = null;
  if (!opts.noEvttypes) {
    evtcodes = eventCodesOf(ast, opts.strictEvttypes);
    evttypes = namesOf(ast, evtcodes);
  }
  return node ? { match, evtcodes, evttypes, fields: c.fields, warnings: c.warnings, node } : { match, evtcodes, evttypes, fields: c.fields, warnings: c.warnings };
}

/* ---------- common sub-conditions shared between rules ---------- */

/**
 * One node of conditions entered into a `SubexprTable`: and/or with the AST's operands (not
 * flattened), not, or a compiled check (a field comparison, `exists`, transformers included).
 * Structurally identical sub-conditions (same AST after macro and list expansion, positions
 * ignored) are one node. `id`s grow with creation, so a node's id is above its operands' ids.
 */
export interface SubexprNode {
  readonly id: number;
  readonly kind: "and" | "or" | "not" | "check";
  readonly kids: readonly SubexprNode[];
  /** The compiled check (kind "check"), else null. */
  readonly check: Pred | null;
}

/**
 * Hash-consing table of sub-conditions for one ruleset compilation (rules loader
 * `compileCollected`). Keys: a check's canonical text (`exprKey`, unambiguous, positions left
 * out), and/or/not by their operands' ids. Not thread-safe; holds compiled closures, no code text.
 */
export class SubexprTable {
  private readonly byKey = new Map<string, SubexprNode>();
  private next = 0;

  /** Distinct sub-conditions entered so far. */
  get size(): number {
    return this.byKey.size;
  }

  /** The node for `key`, created from `kind`/`kids`/`check` if new (an existing node keeps its closure). */
  intern(key: string, kind: SubexprNode["kind"], kids: SubexprNode[], check: Pred | null): SubexprNode {
    let n = this.byKey.get(key);
    if (n === undefined) {
      n = { id: this.next++, kind, kids, check };
      this.byKey.set(key, n);
    }
    return n;
  }
}

/**
 * Canonical, unambiguous text of a check's operands (a prefix-tagged form; JSON for names, values
 * and operators), positions left out: two checks get the same key only if their ASTs are equal.
 */
function exprKey(e: Expr): string {
  switch (e.kind) {
    case "value": return "v" + JSON.stringify(e.value);
    case "list": return "l" + JSON.stringify(e.values);
    case "field": return "f" + JSON.stringify(e.arg === undefined ? [e.field] : [e.field, e.arg]);
    case "field_transformer":
      return "t" + JSON.stringify(e.arg === undefined ? [e.transformer] : [e.transformer, e.arg]) + "(" + e.values.map(exprKey).join(",") + ")";
    case "transformer_list": return "T(" + e.children.map(exprKey).join(",") + ")";
    case "unary_check": return "u" + JSON.stringify(e.op) + exprKey(e.left);
    case "binary_check": return "b" + JSON.stringify(e.op) + "[" + exprKey(e.left) + "|" + exprKey(e.right) + "]";
    case "and": case "or": return (e.kind === "and" ? "&(" : "|(") + e.children.map(exprKey).join(",") + ")";
    case "not": return "!(" + exprKey(e.child) + ")";
    case "identifier": return "i" + JSON.stringify(e.identifier);
  }
}

/**
 * A closure returning `f(ev)`, computed at most once per evaluation token (`Event.evalToken`,
 * new for every event the engine processes): later calls with the same token return the first
 * result. The token is an integer compare, nothing is allocated. A throwing `f` caches nothing.
 */
function memoPerEvent(f: Pred): Pred {
  let token = -1; // tokens start at 1
  let value = false;
  return (ev) => {
    const t = ev.evalToken;
    if (t === token) return value;
    value = f(ev);
    token = t ?? -1; // an object without a token (not an Event) is never served from the cache
    return value;
  };
}

/**
 * Build the match closures of a ruleset's conditions (`roots`, one per rule, in order).
 *
 * With `share`, every sub-condition that the built closures would evaluate from two or more
 * places (two rules, or twice in one rule; a sub-condition only used inside one shared parent
 * counts once) is memoised per event (`memoPerEvent`): the first rule that evaluates it for an
 * event computes it, the others reuse that result for the same event. Memoised and/or nodes are
 * kept as one operand of their parent; other nested and/or of the same kind are flattened into
 * their parent, in source order. Every node is pure for one event (field comparisons and
 * and/or/not of them), so a memoised node returns what evaluating it again would, and
 * short-circuit order inside and around it is unchanged. `memoChecks: false` shares single
 * checks' closures without memoising them.
 *
 * Without `share` the closures equal `compileCondition` without a table (nothing memoised).
 * `stats`, when given, receives the number of distinct nodes built and of memoised ones.
 * Each call builds new memo cells: rulesets built by different calls never share cached results.
 */
export function linkConditions(
  roots: readonly SubexprNode[],
  share: boolean,
  memoChecks = true,
  stats?: { nodes: number; memoised: number; memoisedChecks: number },
): Array<(ev: Event) => boolean> {
  let sites: Map<SubexprNode, number> | null = null;
  if (share) {
    // Sites = places the built closures evaluate a node from: once per rule root, plus once per
    // operand position of every distinct parent (a parent's closure is built once).
    const m = new Map<SubexprNode, number>();
    const all: SubexprNode[] = [];
    const stack: SubexprNode[] = [];
    for (const r of roots) {
      m.set(r, (m.get(r) ?? 0) + 1);
      stack.push(r);
    }
    const seen = new Set<SubexprNode>();
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      all.push(n);
      for (const k of n.kids) stack.push(k);
    }
    all.sort((a, b) => b.id - a.id); // parents before their operands
    for (const n of all) for (const k of n.kids) m.set(k, (m.get(k) ?? 0) + 1);
    sites = m;
  }
  const memo = (n: SubexprNode): boolean => sites !== null && (sites.get(n) ?? 0) >= 2 && (memoChecks || n.kind !== "check");
  const operands = (n: SubexprNode, kind: "and" | "or", out: SubexprNode[]): void => {
    for (const k of n.kids) {
      if (k.kind === kind && !memo(k)) operands(k, kind, out);
      else out.push(k);
    }
  };
  const built = new Map<SubexprNode, Pred>();
  const build = (n: SubexprNode): Pred => {
    let f = built.get(n);
    if (f !== undefined) return f;
    switch (n.kind) {
      case "check": f = n.check!; break;
      case "and": case "or": {
        const ops: SubexprNode[] = [];
        operands(n, n.kind, ops);
        const cs = ops.map(build);
        f = n.kind === "and" ? andOf(cs) : orOf(cs);
        break;
      }
      case "not": {
        const c = build(n.kids[0]!);
        f = (ev) => !c(ev);
        break;
      }
    }
    if (memo(n)) {
      f = memoPerEvent(f);
      if (stats) {
        stats.memoised++;
        if (n.kind === "check") stats.memoisedChecks++;
      }
    }
    if (stats) stats.nodes++;
    built.set(n, f);
    return f;
  };
  return roots.map(build);
}
