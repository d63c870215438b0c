/**
 * Compiling everything collected so far into lists, macros and rules, exactly as Falco's
 * rule_loader::compiler (userspace/engine/rule_loader_compiler.cpp):
 *
 * - lists: an item naming a list defined before (index < visibility) is replaced by that list's
 *   items (one level);
 * - every macro and rule condition first gets list names substituted *as text* (Falco's
 *   resolve_list: whole-word matches delimited by blanks, `(`, `)`, `,`, `=`; items containing a
 *   space are double-quoted), so lists are visible regardless of definition order;
 * - macros are parsed, then resolved in order against the macros visible to them (defined before
 *   their last definition/append); rules see all macros; reference loops and undefined macros
 *   are errors;
 * - rule exceptions are turned into ` and not (...)` text appended to `(condition)`
 *   (build_rule_exception_infos), before list substitution and parsing;
 * - output: extra formats appended, `%container.info` removed (deprecated, warns), validated;
 * - condition warnings, compilation (unknown fields/event types are errors, or warnings that skip
 *   the rule with skip-if-unknown-filter), the "too many evt.type values" warning;
 * - unused lists and macros are reported as warnings.
 * The first error aborts compilation (Falco stops at the first rule_load_exception).
 */
import { type Expr, type PosInfo, cloneAst } from "./ast.ts";
import { ConditionSyntaxError, parseCondition } from "./parser.ts";
import { compileCondition, type CompiledCondition, SubexprTable } from "./compile.ts";
import { type Context, type FileResult, RuleLoadException, deprecatedFieldDesc, DEPRECATED_FIELDS } from "./diagnostics.ts";
import { type Collector, type ExceptionInfo, IndexedMap, isOperatorForList, cmpBytes } from "./load_collect.ts";
import { resolveFilterWarnings } from "./load_warnings.ts";
import { EVENT_CODES_BY_NAME, EVENT_TABLE } from "../events/event_table.ts";
import type { FieldRegistry } from "../fields/registry.ts";

/** What compileCondition returns (src/rules/compile.ts). */
export type CompiledFilter = CompiledCondition;

/** An extra output format appended to matching rules (Falco `append_output` config). */
export interface ExtraOutputFormat {
  format: string;
  /** Only rules of this source ("" or undefined = all). */
  source?: string;
  /** Only rules having all these tags. */
  tags?: string[];
  /** Only the rule of this name ("" or undefined = all). */
  rule?: string;
}

/** An extra output field added to matching rules (Falco `append_output` with `extra_output_fields`). */
export interface ExtraOutputField extends ExtraOutputFormat {
  key: string;
  /** true: the value is a raw field value; false: a formatted string. */
  raw?: boolean;
}

/** Dependencies and options of compilation. */
export interface CompileDeps {
  readonly registry: FieldRegistry;
  /** Output format check; throws with libsinsp's message on a bad format. */
  readonly compileOutput: (fmt: string, rule: { name: string; source: string }) => void;
  readonly extraOutputFormats: readonly ExtraOutputFormat[];
  readonly extraOutputFields: readonly ExtraOutputField[];
}

/** A compiled list. */
export interface CompiledList {
  id: number;
  name: string;
  items: string[];
  used: boolean;
}

/** A compiled macro (condition fully resolved). */
export interface CompiledMacro {
  id: number;
  name: string;
  condition: Expr;
  used: boolean;
}

/** A compiled rule (falco_rule). */
export interface CompiledRuleData {
  id: number;
  name: string;
  source: string;
  description: string;
  priority: number;
  capture: boolean;
  captureDuration: number;
  tags: string[];
  output: string;
  /** Resolved condition: lists, macros and exceptions applied. */
  condition: Expr;
  filter: CompiledFilter;
  exceptionFields: string[];
  extraOutputFields: Map<string, { format: string; raw: boolean }>;
}

/** Everything compile produced (rule_loader::compile_output). */
export interface CompileOutput {
  lists: IndexedMap<CompiledList>;
  macros: IndexedMap<CompiledMacro>;
  rules: IndexedMap<CompiledRuleData>;
}

/** Limits against hostile input (Falco has none; it would exhaust memory or the stack). */
export const COMPILE_LIMITS = {
  /** Maximum condition length after list substitution, in characters. */
  maxConditionLength: 1_000_000,
  /** Maximum AST nodes produced by macro expansion for one condition. */
  maxExpandedNodes: 500_000,
  /** Maximum nesting of macro references. */
  maxMacroDepth: 200,
};

function lv(msg: string, ctx: Context): never {
  throw new RuleLoadException("LOAD_ERR_VALIDATE", msg, ctx);
}

function quoteItem(e: string): string {
  if (e.includes(" ") && e[0] !== '"' && e[0] !== "'") return '"' + e + '"';
  return e;
}

function parenItem(e: string): string {
  return e[0] !== "(" ? "(" + e + ")" : e;
}

/** rule_loader_compiler.cpp build_rule_exception_infos: append ` and not (...)` per exception. */
function buildExceptionCondition(exceptions: readonly ExceptionInfo[], fieldsOut: Set<string>, condition: string): string {
  condition = "(" + condition + ")";
  for (const ex of exceptions) {
    let icond = "";
    if (!ex.fields.isList) {
      for (const val of ex.values) {
        if (val.isList) lv("Expected values array to contain a list of strings", ex.ctx);
        icond += icond === "" ? "(" + ex.fields.item + " " + ex.comps.item + " (" : ", ";
        fieldsOut.add(ex.fields.item);
        icond += quoteItem(val.item);
      }
      icond += icond === "" ? "" : "))";
    } else {
      icond = "(";
      for (const values of ex.values) {
        if (ex.fields.items.length !== values.items.length) {
          lv("Fields and values lists must have equal length", ex.ctx);
        }
        icond += icond === "(" ? "" : " or ";
        icond += "(";
        let k = 0;
        for (const field of ex.fields.items) {
          icond += k === 0 ? "" : " and ";
          const v = values.items[k]!;
          const comp = ex.comps.items[k]?.item ?? "";
          let istr: string;
          if (v.isList) {
            istr = "(";
            for (const it of v.items) {
              istr += istr === "(" ? "" : ", ";
              istr += quoteItem(it.item);
            }
            istr += ")";
          } else {
            istr = v.item;
            istr = isOperatorForList(comp) ? parenItem(istr) : quoteItem(istr);
          }
          icond += " " + field.item;
          icond += " " + comp + " " + istr;
          fieldsOut.add(field.item);
          k++;
        }
        icond += ")";
      }
      icond += ")";
      if (icond === "()") icond = "";
    }
    condition += icond === "" ? "" : " and not " + icond;
  }
  return condition;
}

const BLANKS = " \t\n\r";
const DELIMS = BLANKS + "(),=";

/**
 * rule_loader_compiler.cpp resolve_list: substitute a list name by its items, as text. Falco's
 * algorithm rescans the rebuilt string after each substitution but never looks again at text
 * before the substituted items (except to trim blanks and one comma right before the match), so
 * it is a single left-to-right pass; we implement it as one, in linear time, with the same
 * results (including the quirk that after a substitution at the very start of the condition the
 * first character of the rest is not searched).
 * @throws ConditionTooLong when the result would exceed COMPILE_LIMITS.maxConditionLength.
 */
export function resolveListText(cnd: string, name: string, items: readonly string[]): { cnd: string; used: boolean } {
  if (name === "") return { cnd, used: false };
  let sub: string | undefined;
  const parts: string[] = [];
  let outLen = 0;
  const lastChar = (): string | undefined => {
    for (let i = parts.length - 1; i >= 0; i--) {
      const s = parts[i]!;
      if (s.length > 0) return s[s.length - 1];
    }
    return undefined;
  };
  const popChar = (): void => {
    for (let i = parts.length - 1; i >= 0; i--) {
      const s = parts[i]!;
      if (s.length > 0) {
        parts[i] = s.slice(0, -1);
        outLen--;
        return;
      }
    }
  };
  let used = false;
  let p = 0; // start of the not-yet-copied rest of `cnd`
  let k = cnd.indexOf(name, 0);
  while (k !== -1) {
    let end = k + name.length;
    const before = k > p ? cnd[k - 1]! : lastChar();
    const atStart = outLen === 0 && k === p;
    if ((atStart || (before !== undefined && DELIMS.includes(before))) && (end >= cnd.length || DELIMS.includes(cnd[end]!))) {
      parts.push(cnd.slice(p, k));
      outLen += k - p;
      while (outLen > 0 && BLANKS.includes(lastChar()!)) popChar();
      while (end < cnd.length && BLANKS.includes(cnd[end]!)) end++;
      if (sub === undefined) {
        sub = "";
        for (const v of items) {
          if (sub !== "") sub += ", ";
          sub += quoteItem(v);
        }
      }
      if (sub === "") {
        if (outLen > 0 && lastChar() === ",") popChar();
        else if (end < cnd.length && cnd[end] === ",") end++;
      }
      const startWasZero = outLen === 0;
      if (!startWasZero) {
        parts.push(" ");
        outLen += 1;
      }
      parts.push(sub + " ");
      outLen += sub.length + 1;
      p = end;
      used = true;
      if (outLen + (cnd.length - p) > COMPILE_LIMITS.maxConditionLength) throw new ConditionTooLong();
      k = cnd.indexOf(name, startWasZero ? p + 1 : p);
    } else {
      k = cnd.indexOf(name, k + 1);
    }
  }
  if (!used) return { cnd, used };
  parts.push(cnd.slice(p));
  return { cnd: parts.join(""), used };
}

class ConditionTooLong extends Error {
  constructor() {
    super(`condition longer than ${COMPILE_LIMITS.maxConditionLength} characters after list expansion`);
  }
}

/** Substitute all lists (in order) into a condition, then parse it (rule_loader_compiler.cpp parse_condition). */
function parseWithLists(condition: string, lists: IndexedMap<CompiledList>, ctx: Context): { ast: Expr; text: string } {
  let text = condition;
  try {
    for (const l of lists.values()) {
      const r = resolveListText(text, l.name, l.items);
      text = r.cnd;
      if (r.used) l.used = true;
    }
  } catch (e) {
    if (e instanceof ConditionTooLong) {
      throw new RuleLoadException("LOAD_ERR_COMPILE_CONDITION", e.message, ctx);
    }
    throw e;
  }
  try {
    return { ast: parseCondition(text, { maxDepth: 1000 }), text };
  } catch (e) {
    if (e instanceof ConditionSyntaxError) {
      const pctx = ctx.conditionChild({ idx: e.idx, line: e.line, col: e.column }, text);
      throw new RuleLoadException("LOAD_ERR_COMPILE_CONDITION", e.message, pctx);
    }
    if (e instanceof RangeError) {
      const pctx = ctx.conditionChild({ idx: 0, line: 1, col: 1 }, text);
      throw new RuleLoadException("LOAD_ERR_COMPILE_CONDITION", "condition nested too deeply", pctx);
    }
    throw e;
  }
}

/** Result of macro resolution on one AST (filter_macro_resolver's state after run()). */
export interface MacroResolution {
  /** The AST with visible macros substituted (fresh nodes where substituted). */
  ast: Expr;
  /** Reference loops found ("reference loop in macro 'X'"), with the identifier position. */
  errors: { msg: string; pos: PosInfo }[];
  /** Identifiers that are not visible macros (loops are reported here too, as Falco does). */
  unknown: { name: string; pos: PosInfo }[];
  /** Macros substituted (inner references first), with the identifier position. */
  resolved: { name: string; pos: PosInfo }[];
}

/** Macro expansion exceeded COMPILE_LIMITS. */
export class ExpansionTooLarge extends Error {}

/**
 * Falco's filter_macro_resolver (userspace/engine/filter_macro_resolver.cpp): substitute the
 * identifiers naming visible macros by clones of their ASTs, recursively, in boolean positions
 * only (and/or/not children; never inside checks, transformers or lists), detecting reference
 * loops. @throws ExpansionTooLarge past COMPILE_LIMITS (Falco has no limit).
 */
export function resolveMacrosInAst(ast: Expr, visible: ReadonlyMap<string, Expr>): MacroResolution {
  const res: MacroResolution = { ast, errors: [], unknown: [], resolved: [] };
  const path: string[] = [];
  let nodes = 0;
  const visit = (e: Expr): Expr => {
    if (++nodes > COMPILE_LIMITS.maxExpandedNodes) throw new ExpansionTooLarge("macro expansion too large");
    switch (e.kind) {
      case "and":
        return { kind: "and", children: e.children.map(visit), pos: e.pos };
      case "or":
        return { kind: "or", children: e.children.map(visit), pos: e.pos };
      case "not":
        return { kind: "not", child: visit(e.child), pos: e.pos };
      case "identifier": {
        const m = visible.get(e.identifier);
        if (m !== undefined) {
          if (path.includes(e.identifier)) {
            res.errors.push({ msg: `reference loop in macro '${e.identifier}'`, pos: e.pos });
            res.unknown.push({ name: e.identifier, pos: e.pos });
            return e;
          }
          if (path.length >= COMPILE_LIMITS.maxMacroDepth) throw new ExpansionTooLarge("macro references nested too deeply");
          path.push(e.identifier);
          const out = visit(cloneAst(m));
          res.resolved.push({ name: e.identifier, pos: e.pos });
          path.pop();
          return out;
        }
        res.unknown.push({ name: e.identifier, pos: e.pos });
        return e;
      }
      default:
        return e;
    }
  };
  res.ast = visit(ast);
  return res;
}

/** rule_loader_compiler.cpp resolve_macros: resolve, then fail on the first error or unknown macro. */
function resolveMacros(
  ast: Expr,
  visible: ReadonlyMap<string, Expr>,
  macros: IndexedMap<CompiledMacro>,
  condition: string,
  ctx: Context,
): Expr {
  let r: MacroResolution;
  try {
    r = resolveMacrosInAst(ast, visible);
  } catch (e) {
    if (e instanceof ExpansionTooLarge || e instanceof RangeError) {
      const msg = e instanceof RangeError ? "macro expansion too deep" : (e as Error).message;
      lv(msg, ctx.conditionChild(ast.pos, condition));
    }
    throw e;
  }
  if (r.errors.length > 0 || r.unknown.length > 0) {
    const pos = r.errors.length > 0 ? r.errors[0]!.pos : r.unknown[0]!.pos;
    const msg = r.errors.length > 0 ? r.errors[0]!.msg : `Undefined macro '${r.unknown[0]!.name}' used in filter.`;
    lv(msg, ctx.conditionChild(pos, condition));
  }
  for (const { name } of r.resolved) {
    const m = macros.at(name);
    if (m) m.used = true;
  }
  return r.ast;
}

function errIsUnknownTypeOrField(err: string): boolean {
  return (
    err.includes("nonexistent field") ||
    err.includes("invalid formatting token") ||
    err.includes("unknown event type") ||
    err.includes("unknown filter:")
  );
}

function includesAll(have: readonly string[], want: readonly string[] | undefined): boolean {
  if (!want) return true;
  return want.every((t) => have.includes(t));
}

function errPos(e: unknown): PosInfo {
  const p = (e as { pos?: PosInfo } | null)?.pos;
  if (p && typeof p.idx === "number" && typeof p.line === "number" && typeof p.col === "number") return p;
  return { idx: 0, line: 1, col: 1 };
}

/** Number of ppm event codes a compiled filter can match (libsinsp ppm_event_codes size). */
export function evttypeCodeCount(names: Set<string> | null): number {
  if (names === null) return EVENT_TABLE.length;
  let n = 0;
  for (const name of names) n += EVENT_CODES_BY_NAME.get(name)?.length ?? 0;
  return n;
}

/**
 * Compile everything collected (rule_loader::compiler::compile). Adds errors and warnings to
 * `res`. Returns the output, or undefined when an error occurred.
 */
export function compileCollected(res: FileResult, col: Collector, deps: CompileDeps): CompileOutput | undefined {
  const out: CompileOutput = { lists: new IndexedMap(), macros: new IndexedMap(), rules: new IndexedMap() };
  try {
    compileLists(col, out);
    compileMacros(col, out);
    compileRules(res, col, out, deps, new SubexprTable());
  } catch (e) {
    if (e instanceof RuleLoadException) {
      res.addError(e.code, e.message, e.ctx);
      return undefined;
    }
    throw e;
  }
  for (const m of out.macros.values()) {
    if (!m.used) {
      res.addWarning("LOAD_UNUSED_MACRO", "Macro not referred to by any other rule/macro", col.macros.at(m.name)!.ctx);
    }
  }
  for (const l of out.lists.values()) {
    if (!l.used) {
      res.addWarning("LOAD_UNUSED_LIST", "List not referred to by any other rule/macro", col.lists.at(l.name)!.ctx);
    }
  }
  return out;
}

function compileLists(col: Collector, out: CompileOutput): void {
  const usedNames: string[] = [];
  for (const list of col.lists.values()) {
    const items: string[] = [];
    for (const item of list.items) {
      const ref = col.lists.at(item);
      if (ref && ref.index < list.visibility) {
        usedNames.push(ref.name);
        items.push(...ref.items);
      } else {
        items.push(item);
      }
    }
    const id = out.lists.size;
    out.lists.set(list.name, { id, name: list.name, items, used: false });
  }
  for (const n of usedNames) out.lists.at(n)!.used = true;
}

function compileMacros(col: Collector, out: CompileOutput): void {
  for (const m of col.macros.values()) {
    const { ast } = parseWithLists(m.cond, out.lists, m.condCtx);
    out.macros.set(m.name, { id: out.macros.size, name: m.name, condition: ast, used: false });
  }
  for (const m of out.macros.values()) {
    const info = col.macros.at(m.name)!;
    const visible = new Map<string, Expr>();
    for (const mi of col.macros.values()) {
      if (mi.index < info.visibility) visible.set(mi.name, out.macros.at(mi.name)!.condition);
    }
    m.condition = resolveMacros(m.condition, visible, out.macros, info.cond, info.ctx);
  }
}

function compileRules(res: FileResult, col: Collector, out: CompileOutput, deps: CompileDeps, share: SubexprTable): void {
  for (const r of col.rules.values()) {
    if (r.unknownSource) continue;
    const exceptionFields = new Set<string>();
    let condition = r.cond;
    if (r.exceptions.length > 0) condition = buildExceptionCondition(r.exceptions, exceptionFields, condition);

    let output = r.output;
    for (const extra of deps.extraOutputFormats) {
      if (extra.source && extra.source !== r.source) continue;
      if (!includesAll(r.tags, extra.tags)) continue;
      if (extra.rule && extra.rule !== r.name) continue;
      output = output + " " + extra.format;
    }
    if (output.includes("%container.info")) {
      res.addWarning(
        "LOAD_DEPRECATED_ITEM",
        "%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin will automatically add required fields to the output message.",
        r.ctx,
      );
      output = output.split("%container.info").join("");
    }
    const extraFields = new Map<string, { format: string; raw: boolean }>();
    for (const extra of deps.extraOutputFields) {
      if (extra.source && extra.source !== r.source) continue;
      if (!includesAll(r.tags, extra.tags)) continue;
      if (extra.rule && extra.rule !== r.name) continue;
      extraFields.set(extra.key, { format: extra.format, raw: extra.raw ?? false });
    }

    try {
      deps.compileOutput(output, { name: r.name, source: r.source });
    } catch (e) {
      if (e instanceof RuleLoadException) throw e;
      const err = e instanceof Error ? e.message : String(e);
      if (errIsUnknownTypeOrField(err) && r.skipIfUnknownFilter) {
        res.addWarning("LOAD_UNKNOWN_FILTER", err, r.outputCtx);
        continue;
      }
      throw new RuleLoadException("LOAD_ERR_COMPILE_OUTPUT", err, r.outputCtx);
    }
    checkDeprecatedFieldsInOutput(output, r.outputCtx, res);
    for (const [, ef] of extraFields) {
      try {
        deps.compileOutput(ef.format, { name: r.name, source: r.source });
      } catch (e) {
        const err = e instanceof Error ? e.message : String(e);
        throw new RuleLoadException("LOAD_ERR_COMPILE_OUTPUT", err, r.outputCtx);
      }
      checkDeprecatedFieldsInOutput(ef.format, r.outputCtx, res);
    }

    // compile_condition
    const { ast: parsed } = parseWithLists(condition, out.lists, r.condCtx);
    const visibleAll = new Map<string, Expr>();
    for (const m of out.macros.values()) visibleAll.set(m.name, m.condition);
    const ast = resolveMacros(parsed, visibleAll, out.macros, condition, r.ctx);
    const wctx = r.condCtx.conditionChild({ idx: 0, line: 0, col: 0 }, condition);
    const fw = resolveFilterWarnings(ast);
    if (fw.unsafeNaCheck) res.addWarning("LOAD_UNSAFE_NA_CHECK", "", wctx);
    for (const f of fw.deprecatedFields) res.addDeprecatedFieldWarning(f, deprecatedFieldDesc(f), wctx);

    let filter: CompiledFilter;
    try {
      filter = compileCondition(ast, deps.registry, { strictEvttypes: true, share });
    } catch (e) {
      if (e instanceof RangeError) {
        throw new RuleLoadException("LOAD_ERR_COMPILE_CONDITION", "condition nested too deeply", r.condCtx.conditionChild({ idx: 0, line: 1, col: 1 }, condition));
      }
      const err = e instanceof Error ? e.message : String(e);
      const ectx = r.condCtx.conditionChild(errPos(e), condition);
      if (errIsUnknownTypeOrField(err) && r.skipIfUnknownFilter) {
        res.addWarning("LOAD_UNKNOWN_FILTER", err, ectx);
        continue;
      }
      throw new RuleLoadException("LOAD_ERR_COMPILE_CONDITION", err, ectx);
    }
    for (const w of filter.warnings) {
      res.addWarning("LOAD_COMPILE_CONDITION", w.message, r.condCtx.conditionChild(w.pos, condition));
    }
    if (r.source === "syscall") {
      const ncodes = filter.evtcodes === null ? EVENT_TABLE.length : filter.evtcodes.size;
      if (ncodes > 100 && r.warnEvttypes) {
        res.addWarning(
          "LOAD_NO_EVTTYPE",
          "Rule matches too many evt.type values. This has a significant performance penalty.",
          r.ctx,
        );
      }
    }
    out.rules.set(r.name, {
      id: out.rules.size,
      name: r.name,
      source: r.source,
      description: r.desc,
      priority: r.priority,
      capture: r.capture,
      captureDuration: r.captureDuration,
      tags: [...r.tags],
      output,
      condition: ast,
      filter,
      exceptionFields: [...exceptionFields].sort(cmpBytes),
      extraOutputFields: extraFields,
    });
  }
}

function checkDeprecatedFieldsInOutput(fmt: string, ctx: Context, res: FileResult): void {
  for (const f of DEPRECATED_FIELDS) {
    if (fmt.includes(f)) {
      res.addDeprecatedFieldWarning(f, `usage of deprecated field '${f}' has been detected in the rule output`, ctx);
    }
  }
}
