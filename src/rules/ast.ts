/**
 * The AST of Falco's condition language, mirroring libsinsp's node types
 * (falcosecurity/libs userspace/libsinsp/filter/ast.h, libs 0.25): and/or (n-ary), not,
 * identifier (macro or list name), value, list, transformer list, unary check (`exists`),
 * binary check, field, field transformer. Nodes are plain immutable-by-convention objects with a
 * `kind` discriminant; `pos` is the parser position of the node (libsinsp `pos_info`).
 *
 * Also: `asString` (libsinsp `ast::as_string`, the string_visitor in filter/ast.cpp), `cloneAst`
 * (`ast::clone`), `astEqual` (`is_equal`), `escapeStr`/`unescapeStr` (filter/escaping.cpp), and
 * helpers for the rules loader (`mapAst`, `walkAst`) used for macro substitution and list expansion.
 */

/** Position of a node in the condition text (libsinsp `pos_info`): 0-based byte index, 1-based line and column. */
export interface PosInfo {
  readonly idx: number;
  readonly line: number;
  readonly col: number;
}

/** Initial position (libsinsp `s_initial_pos`): idx 0, line 1, col 1. */
export const INITIAL_POS: PosInfo = Object.freeze({ idx: 0, line: 1, col: 1 });

/** `a and b and c` (libsinsp and_expr): n-ary conjunction, children in source order. */
export interface AndExpr { readonly kind: "and"; readonly children: Expr[]; readonly pos: PosInfo }
/** `a or b or c` (libsinsp or_expr): n-ary disjunction. */
export interface OrExpr { readonly kind: "or"; readonly children: Expr[]; readonly pos: PosInfo }
/** `not x` (libsinsp not_expr). */
export interface NotExpr { readonly kind: "not"; readonly child: Expr; readonly pos: PosInfo }
/** A bare identifier in boolean position: a macro reference (libsinsp identifier_expr). */
export interface IdentifierExpr { readonly kind: "identifier"; readonly identifier: string; readonly pos: PosInfo }
/** A right-hand-side value, already unescaped (libsinsp value_expr). Also a list name when it names a list (loader expands). */
export interface ValueExpr { readonly kind: "value"; readonly value: string; readonly pos: PosInfo }
/** `(a, "b", c)`: right-hand-side list of unescaped values (libsinsp list_expr). */
export interface ListExpr { readonly kind: "list"; readonly values: string[]; readonly pos: PosInfo }
/** `(f1, f2)`: list of fields/transformers as right-hand side (libsinsp transformer_list_expr). */
export interface TransformerListExpr { readonly kind: "transformer_list"; readonly children: Expr[]; readonly pos: PosInfo }
/** `field exists` (libsinsp unary_check_expr); `left` is a field or field transformer. */
export interface UnaryCheckExpr { readonly kind: "unary_check"; readonly left: Expr; readonly op: string; readonly pos: PosInfo }
/**
 * `left op right` (libsinsp binary_check_expr). `left` is a field or field transformer; `right`
 * is a value, list, field-transformer (`val(...)`, transformers), or transformer list.
 */
export interface BinaryCheckExpr { readonly kind: "binary_check"; readonly left: Expr; readonly op: string; readonly right: Expr; readonly pos: PosInfo }
/** A field reference `proc.aname[2]` (libsinsp field_expr); `arg` undefined when no brackets. */
export interface FieldExpr { readonly kind: "field"; readonly field: string; readonly arg: string | undefined; readonly pos: PosInfo }
/** `tolower(proc.name)`, `val(proc.pname)`, `getopt(proc.args, "t:")[t]` (libsinsp field_transformer_expr). */
export interface FieldTransformerExpr { readonly kind: "field_transformer"; readonly transformer: string; readonly values: Expr[]; readonly arg: string | undefined; readonly pos: PosInfo }

/** Any condition AST node. */
export type Expr =
  | AndExpr | OrExpr | NotExpr | IdentifierExpr | ValueExpr | ListExpr | TransformerListExpr
  | UnaryCheckExpr | BinaryCheckExpr | FieldExpr | FieldTransformerExpr;

/** Alias used by callers: the root of a parsed condition. */
export type Ast = Expr;

/* ---------- constructors ---------- */

/** Build an and node. */
export function andExpr(children: Expr[], pos: PosInfo = INITIAL_POS): AndExpr { return { kind: "and", children, pos }; }
/** Build an or node. */
export function orExpr(children: Expr[], pos: PosInfo = INITIAL_POS): OrExpr { return { kind: "or", children, pos }; }
/** Build a not node. */
export function notExpr(child: Expr, pos: PosInfo = INITIAL_POS): NotExpr { return { kind: "not", child, pos }; }
/** Build an identifier (macro reference) node. */
export function identifierExpr(identifier: string, pos: PosInfo = INITIAL_POS): IdentifierExpr { return { kind: "identifier", identifier, pos }; }
/** Build a value node (value already unescaped). */
export function valueExpr(value: string, pos: PosInfo = INITIAL_POS): ValueExpr { return { kind: "value", value, pos }; }
/** Build a list node (values already unescaped). */
export function listExpr(values: string[], pos: PosInfo = INITIAL_POS): ListExpr { return { kind: "list", values, pos }; }
/** Build a transformer list node. */
export function transformerListExpr(children: Expr[], pos: PosInfo = INITIAL_POS): TransformerListExpr { return { kind: "transformer_list", children, pos }; }
/** Build a unary check (`exists`). */
export function unaryCheckExpr(left: Expr, op: string, pos: PosInfo = INITIAL_POS): UnaryCheckExpr { return { kind: "unary_check", left, op, pos }; }
/** Build a binary check. */
export function binaryCheckExpr(left: Expr, op: string, right: Expr, pos: PosInfo = INITIAL_POS): BinaryCheckExpr { return { kind: "binary_check", left, op, right, pos }; }
/** Build a field node. */
export function fieldExpr(field: string, arg?: string, pos: PosInfo = INITIAL_POS): FieldExpr { return { kind: "field", field, arg, pos }; }
/** Build a field transformer node. */
export function fieldTransformerExpr(transformer: string, values: Expr[], arg?: string, pos: PosInfo = INITIAL_POS): FieldTransformerExpr {
  return { kind: "field_transformer", transformer, values, arg, pos };
}

/* ---------- escaping (libsinsp filter/escaping.cpp) ---------- */

/** Error from unescaping a quoted string (message as libsinsp's sinsp_exception text). */
export class EscapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EscapeError";
  }
}

/**
 * Render a string value as libsinsp's `escape_str`: if the string contains any of
 * `\b \f \n \r \t`, space, `=`, `\`, `"`, `'` or NUL it is wrapped in double quotes, with
 * `\b \f \n \r \t \\ \"` escaped (space, `=`, `'` and NUL copied as-is); otherwise returned unchanged.
 * Source: libs userspace/libsinsp/filter/escaping.cpp escape_str.
 */
export function escapeStr(s: string): string {
  let res = "";
  let quote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    switch (c) {
      case "\b": quote = true; res += "\\b"; break;
      case "\f": quote = true; res += "\\f"; break;
      case "\n": quote = true; res += "\\n"; break;
      case "\r": quote = true; res += "\\r"; break;
      case "\t": quote = true; res += "\\t"; break;
      case "\\": quote = true; res += "\\\\"; break;
      case "\"": quote = true; res += "\\\""; break;
      case " ": case "=": case "'": case "\0": quote = true; res += c; break;
      default: res += c;
    }
  }
  return quote ? "\"" + res + "\"" : res;
}

/**
 * Unescape a quoted string token (including its surrounding quotes, `"..."` or `'...'`) as
 * libsinsp's `unescape_str`: `\b \f \n \r \t \\ \/`, `\ ` (→ backslash, legacy), `\"` only inside
 * `"`-quoted, `\'` only inside `'`-quoted, `\xHH` (libs > 0.25.4; bytes >= 0x80 combine into UTF-8).
 * A trailing lone backslash is dropped.
 * @throws EscapeError with libsinsp's message for an unsupported or invalid escape.
 */
export function unescapeStr(quoted: string): string {
  let res = "";
  const len = quoted.length - 1;
  const q = quoted[0];
  let escaped = false;
  let highBytes = false;
  for (let i = 1; i < len; i++) {
    const c = quoted[i]!;
    if (!escaped) {
      if (c === "\\") escaped = true;
      else res += c;
      continue;
    }
    switch (c) {
      case "b": res += "\b"; break;
      case "f": res += "\f"; break;
      case "n": res += "\n"; break;
      case "r": res += "\r"; break;
      case "t": res += "\t"; break;
      case " ": case "\\": res += "\\"; break;
      case "/": res += "/"; break;
      case "\"":
        if (q !== c) throw new EscapeError("invalid \\\" escape in '-quoted string");
        res += "\"";
        break;
      case "'":
        if (q !== c) throw new EscapeError("invalid \\' escape in \"-quoted string");
        res += "'";
        break;
      case "x": {
        if (i + 2 >= len) throw new EscapeError("truncated hex char escape sequence");
        const h = quoted.substring(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new EscapeError("invalid hex char escape sequence: " + h);
        const code = parseInt(h, 16);
        if (code >= 0x80) highBytes = true;
        res += String.fromCharCode(code >= 0x80 ? 0xf700 + code : code);
        i += 2;
        break;
      }
      default:
        throw new EscapeError("unsupported string escape sequence: \\" + c);
    }
    escaped = false;
  }
  return highBytes ? rawBytesToUtf8(res) : res;
}

/**
 * `\xHH` escapes >= 0x80 are raw bytes (libsinsp strings are byte strings): re-assemble the UTF-8
 * of ordinary characters with those bytes (marked as U+F780..U+F7FF by unescapeStr) and decode.
 */
function rawBytesToUtf8(s: string): string {
  const enc = new TextEncoder();
  const bytes: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xf780 && c <= 0xf7ff) bytes.push(c - 0xf700);
    else for (const b of enc.encode(ch)) bytes.push(b);
  }
  return new TextDecoder("utf-8").decode(new Uint8Array(bytes));
}

/* ---------- as_string (libsinsp string_visitor) ---------- */

function fieldArgString(arg: string | undefined): string {
  if (arg === undefined) return "";
  if (arg === "") return "[\"\"]";
  return "[" + escapeStr(arg) + "]";
}

/**
 * Render an AST exactly as libsinsp's `ast::as_string` (filter/ast.cpp string_visitor):
 * and/or as `(a and b)`, `not x`, values through `escapeStr`, lists as `(a, b)`, transformer
 * lists as `(a,b)`, unary `f exists`, binary `f op v`, fields `name[arg]`, transformers `t(a,b)[arg]`.
 */
export function asString(e: Expr): string {
  switch (e.kind) {
    case "and": return "(" + e.children.map(asString).join(" and ") + ")";
    case "or": return "(" + e.children.map(asString).join(" or ") + ")";
    case "not": return "not " + asString(e.child);
    case "identifier": return e.identifier;
    case "value": return escapeStr(e.value);
    case "list": return "(" + e.values.map(escapeStr).join(", ") + ")";
    case "transformer_list": return "(" + e.children.map(asString).join(",") + ")";
    case "unary_check": return asString(e.left) + " " + e.op;
    case "binary_check": return asString(e.left) + " " + e.op + " " + asString(e.right);
    case "field": return e.field + fieldArgString(e.arg);
    case "field_transformer": return e.transformer + "(" + e.values.map(asString).join(",") + ")" + fieldArgString(e.arg);
  }
}

/* ---------- clone / equality / traversal ---------- */

/** Deep copy of an AST (libsinsp `ast::clone`), positions preserved. */
export function cloneAst<T extends Expr>(e: T): T {
  return mapAst(e, (n) => n) as T;
}

/**
 * Deep structural equality ignoring positions (libsinsp `expr::is_equal`).
 */
export function astEqual(a: Expr, b: Expr): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "and": case "or": case "transformer_list": {
      const bc = (b as AndExpr).children;
      return a.children.length === bc.length && a.children.every((c, i) => astEqual(c, bc[i]!));
    }
    case "not": return astEqual(a.child, (b as NotExpr).child);
    case "identifier": return a.identifier === (b as IdentifierExpr).identifier;
    case "value": return a.value === (b as ValueExpr).value;
    case "list": {
      const bv = (b as ListExpr).values;
      return a.values.length === bv.length && a.values.every((v, i) => v === bv[i]);
    }
    case "unary_check": return a.op === (b as UnaryCheckExpr).op && astEqual(a.left, (b as UnaryCheckExpr).left);
    case "binary_check": {
      const o = b as BinaryCheckExpr;
      return a.op === o.op && astEqual(a.left, o.left) && astEqual(a.right, o.right);
    }
    case "field": return a.field === (b as FieldExpr).field && a.arg === (b as FieldExpr).arg;
    case "field_transformer": {
      const o = b as FieldTransformerExpr;
      return a.transformer === o.transformer && a.arg === o.arg && a.values.length === o.values.length &&
        a.values.every((v, i) => astEqual(v, o.values[i]!));
    }
  }
}

/**
 * Rebuild an AST bottom-up: children are mapped first, then `fn` is applied to the rebuilt node
 * and its result used in its place. Always returns fresh nodes (never shares input nodes), so it
 * doubles as a deep clone. Typical loader uses: replace `identifier` nodes by (cloned) macro ASTs;
 * replace `value`/`list` right-hand sides naming lists by expanded `list` nodes.
 */
export function mapAst(e: Expr, fn: (n: Expr) => Expr): Expr {
  let n: Expr;
  switch (e.kind) {
    case "and": n = andExpr(e.children.map((c) => mapAst(c, fn)), e.pos); break;
    case "or": n = orExpr(e.children.map((c) => mapAst(c, fn)), e.pos); break;
    case "not": n = notExpr(mapAst(e.child, fn), e.pos); break;
    case "identifier": n = identifierExpr(e.identifier, e.pos); break;
    case "value": n = valueExpr(e.value, e.pos); break;
    case "list": n = listExpr(e.values.slice(), e.pos); break;
    case "transformer_list": n = transformerListExpr(e.children.map((c) => mapAst(c, fn)), e.pos); break;
    case "unary_check": n = unaryCheckExpr(mapAst(e.left, fn), e.op, e.pos); break;
    case "binary_check": n = binaryCheckExpr(mapAst(e.left, fn), e.op, mapAst(e.right, fn), e.pos); break;
    case "field": n = fieldExpr(e.field, e.arg, e.pos); break;
    case "field_transformer": n = fieldTransformerExpr(e.transformer, e.values.map((c) => mapAst(c, fn)), e.arg, e.pos); break;
  }
  return fn(n);
}

/**
 * Visit every node depth-first, parent before children (libsinsp base_expr_visitor order).
 * Return `false` from `fn` to skip a node's children.
 */
export function walkAst(e: Expr, fn: (n: Expr) => boolean | void): void {
  if (fn(e) === false) return;
  switch (e.kind) {
    case "and": case "or": case "transformer_list": for (const c of e.children) walkAst(c, fn); break;
    case "not": walkAst(e.child, fn); break;
    case "unary_check": walkAst(e.left, fn); break;
    case "binary_check": walkAst(e.left, fn); walkAst(e.right, fn); break;
    case "field_transformer": for (const c of e.values) walkAst(c, fn); break;
    default: break;
  }
}
