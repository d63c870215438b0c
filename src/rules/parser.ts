/**
 * Parser of Falco's condition language, following libsinsp's recursive-descent parser
 * (falcosecurity/libs userspace/libsinsp/filter/parser.cpp, libs 0.25.4 plus the later
 * depth-guard fix): same grammar, same lexing rules (POSIX-class regexes, operator lists, blank
 * handling, backtracking), same error messages and the same reported position.
 *
 * Grammar (libsinsp parser.h):
 *   Expr        ::= OrExpr
 *   OrExpr      ::= AndExpr ('or' (Blank AndExpr | '(' Expr ')'))*
 *   AndExpr     ::= NotExpr ('and' (Blank NotExpr | '(' Expr ')'))*
 *   NotExpr     ::= ('not' Blank)* ('not(' Expr ')' | Check)
 *   Check       ::= '(' Expr ')' | FieldOrTransformer Condition | Identifier
 *   Condition   ::= 'exists' | NumOp NumValue | StrOp [Modifier ListValue] StrValue | ListOp ListValue
 */
import {
  EscapeError, type Expr, type PosInfo, andExpr, asString, binaryCheckExpr, fieldExpr,
  fieldTransformerExpr, identifierExpr, listExpr, notExpr, orExpr, transformerListExpr,
  unaryCheckExpr, unescapeStr, valueExpr,
} from "./ast.ts";

/**
 * A condition syntax error. `column`/`line` are 1-based and `idx` 0-based, the parser position
 * when the error was raised (libsinsp `parser::get_pos()` after the throw, which Falco reports).
 * `message` is libsinsp's exception text.
 */
export class ConditionSyntaxError extends Error {
  readonly idx: number;
  readonly line: number;
  readonly column: number;
  constructor(message: string, pos: PosInfo) {
    super(message);
    this.name = "ConditionSyntaxError";
    this.idx = pos.idx;
    this.line = pos.line;
    this.column = pos.col;
  }
}

/** Options of `parseCondition`. */
export interface ParseOptions {
  /** Max recursion depth (libsinsp parser default 100); deeper input fails with "exceeded max depth limit of N". */
  maxDepth?: number;
  /** Accept a valid prefix and ignore the rest (libsinsp set_parse_partial). Default false. */
  partial?: boolean;
}

/** Unary operators (libsinsp s_unary_ops). */
export const UNARY_OPS: readonly string[] = ["exists"];
/** Numeric comparison operators, in lexing order (libsinsp s_binary_num_ops). */
export const BINARY_NUM_OPS: readonly string[] = ["<=", "<", ">=", ">"];
/** String operators in lexing order; a trailing space means "needs a blank after" (libsinsp s_binary_str_ops). */
const BINARY_STR_OPS: readonly string[] = [
  "==", "=", "!=", "glob ", "iglob ", "contains ", "icontains ", "bcontains ",
  "startswith ", "bstartswith ", "endswith ", "regex ",
];
/** List-operator modifiers (`proc.name = oneof (a, b)`), libs 0.25. */
const STR_MODIFIER_OPS: readonly string[] = ["oneof ", "anyof ", "allof "];
/** List operators (libsinsp s_binary_list_ops). */
export const BINARY_LIST_OPS: readonly string[] = ["intersects", "in", "pmatch"];
/** Field transformers (libsinsp s_field_transformers), without `val`. */
export const FIELD_TRANSFORMERS: readonly string[] = ["tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt"];
const FIELD_TRANSFORMER_TOKENS: readonly string[] = FIELD_TRANSFORMERS.map((t) => t + "(");

/** All operators, as libsinsp `parser::supported_operators()` lists them. */
export function supportedOperators(listOnly = false): string[] {
  if (listOnly) return BINARY_LIST_OPS.slice();
  return [...UNARY_OPS, ...BINARY_NUM_OPS, ...BINARY_STR_OPS, ...BINARY_LIST_OPS].map((s) => s.trim());
}

/** Field transformer names (libsinsp `parser::supported_field_transformers`). */
export function supportedFieldTransformers(includeVal = false): string[] {
  return includeVal ? ["val", ...FIELD_TRANSFORMERS] : FIELD_TRANSFORMERS.slice();
}

function tokenListToStr(vals: readonly string[]): string {
  return vals.map((v) => "'" + v + "'").join(", ");
}

// POSIX regexes of libsinsp, anchored at the cursor (sticky). [[:space:]] = " \t\n\v\f\r".
const RGX_NOTBLANK = /(not[ \t\n\v\f\r]+)/y;
const RGX_IDENTIFIER = /([a-zA-Z]+[a-zA-Z0-9_]*)/y;
const RGX_FIELDNAME = /([a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+)/y;
const RGX_FIELDARGBARESTR = /([^\][\"' \t\n\v\f\r]+)/y;
const RGX_HEXNUM = /(0[xX][0-9a-fA-F]+)/y;
const RGX_NUMBER = /([+\-]?[0-9]+[.]?[0-9]*([eE][+\-][0-9]+)?)/y;
const RGX_BARESTR = /([^()\"' \t\n\v\f\r=,]+)/y;

class Parser {
  private readonly input: string;
  private readonly maxDepth: number;
  private readonly partial: boolean;
  private idx = 0;
  private line = 1;
  private col = 1;
  private depth = 0;
  private last = "";

  constructor(input: string, opts: ParseOptions) {
    this.input = input;
    this.maxDepth = opts.maxDepth ?? 100;
    this.partial = opts.partial ?? false;
  }

  fail(msg: string): never {
    throw new ConditionSyntaxError(msg, this.pos());
  }

  pos(): PosInfo {
    return { idx: this.idx, line: this.line, col: this.col };
  }

  private setPos(p: PosInfo): void {
    this.idx = p.idx;
    this.line = p.line;
    this.col = p.col;
  }

  /** Character at the cursor; "\0" at the end (C string semantics). */
  private cur(off = 0): string {
    const i = this.idx + off;
    return i < this.input.length ? this.input[i]! : "\0";
  }

  private advance(n: number): void {
    for (let k = 0; k < n; k++) {
      const c = this.input[this.idx];
      this.col++;
      if (c === "\r" || c === "\n") {
        this.col = 1;
        this.line++;
      }
      this.idx++;
    }
  }

  private guarded<T>(f: () => T): T {
    this.depth++;
    try {
      if (this.depth >= this.maxDepth) this.fail("exceeded max depth limit of " + this.maxDepth);
      return f();
    } finally {
      this.depth--;
    }
  }

  parse(): Expr {
    if (this.input.length === 0) this.fail("filter input string is empty");
    const res = this.parseOr();
    if (this.depth > 0) this.fail("parser fatal error: recursion is unbalanced");
    if (!this.partial && this.idx !== this.input.length) {
      this.fail("unexpected token after '" + this.last + "', expecting 'or', 'and'");
    }
    return res;
  }

  private parseOr(): Expr {
    return this.guarded(() => {
      const pos = this.pos();
      const children: Expr[] = [];
      this.lexBlank();
      children.push(this.parseAnd());
      this.lexBlank();
      while (this.lexStr("or")) {
        let child: Expr;
        if (!this.lexBlank()) {
          if (this.lexStr("(")) child = this.parseEmbeddedRemainder();
          else this.fail("expected blank or '(' after 'or'");
        } else {
          child = this.parseAnd();
        }
        children.push(child);
        this.lexBlank();
      }
      return children.length > 1 ? orExpr(children, pos) : children[0]!;
    });
  }

  private parseAnd(): Expr {
    return this.guarded(() => {
      const pos = this.pos();
      const children: Expr[] = [];
      this.lexBlank();
      children.push(this.parseNot());
      this.lexBlank();
      while (this.lexStr("and")) {
        let child: Expr;
        if (!this.lexBlank()) {
          if (this.lexStr("(")) child = this.parseEmbeddedRemainder();
          else this.fail("expected blank or '(' after 'and'");
        } else {
          child = this.parseNot();
        }
        children.push(child);
        this.lexBlank();
      }
      return children.length > 1 ? andExpr(children, pos) : children[0]!;
    });
  }

  private parseNot(): Expr {
    return this.guarded(() => {
      const pos = this.pos();
      let isNot = false;
      let child: Expr;
      this.lexBlank();
      while (this.lexRgx(RGX_NOTBLANK)) isNot = !isNot;
      if (this.lexStr("not(")) {
        isNot = !isNot;
        child = this.parseEmbeddedRemainder();
      } else {
        child = this.parseCheck();
      }
      return isNot ? notExpr(child, pos) : child;
    });
  }

  private parseEmbeddedRemainder(): Expr {
    return this.guarded(() => {
      this.lexBlank();
      const child = this.parseOr();
      this.lexBlank();
      if (!this.lexStr(")")) this.fail("expected a ')' token");
      return child;
    });
  }

  private parseCheck(): Expr {
    return this.guarded(() => {
      const pos = this.pos();
      this.lexBlank();
      if (this.lexStr("(")) return this.parseEmbeddedRemainder();
      if (this.lexRgx(RGX_FIELDNAME)) {
        const left = this.parseFieldRemainder(this.last, pos);
        return this.parseCondition(left, pos);
      }
      if (this.lexStrList(FIELD_TRANSFORMER_TOKENS)) {
        this.lexBlank();
        const left = this.parseFieldOrTransformerRemainder(this.last.slice(0, -1), pos);
        return this.parseCondition(left, pos);
      }
      if (this.lexRgx(RGX_IDENTIFIER)) return identifierExpr(this.last, pos);
      this.fail("expected a '(' token, a field check, or an identifier");
    });
  }

  private parseFieldRemainder(name: string, pos: PosInfo): Expr {
    return this.guarded(() => {
      const arg = this.parseOptionalFieldArg();
      return fieldExpr(name, arg, pos);
    });
  }

  private parseOptionalFieldArg(): string | undefined {
    if (!this.lexStr("[")) return undefined;
    if (!this.lexQuotedStr() && !this.lexRgx(RGX_FIELDARGBARESTR)) {
      this.fail("expected a valid field argument: a quoted string or a bare string");
    }
    const arg = this.last;
    if (!this.lexStr("]")) this.fail("expected a ']' token");
    return arg;
  }

  private parseFieldOrTransformerRemainder(transformer: string, pos: PosInfo): Expr {
    return this.guarded(() => {
      this.lexBlank();
      const children: Expr[] = [];
      do {
        children.push(this.parseFieldTransformerArg(this.pos()));
        this.lexBlank();
      } while (this.lexStr(","));
      this.lexBlank();
      if (!this.lexStr(")")) this.fail("expected a ')' token closing the transformer");
      return fieldTransformerExpr(transformer, children, this.parseOptionalFieldArg(), pos);
    });
  }

  private parseFieldTransformerArg(pos: PosInfo): Expr {
    return this.guarded(() => {
      this.lexBlank();
      if (this.lexRgx(RGX_HEXNUM) || this.lexRgx(RGX_NUMBER)) return valueExpr(this.last, pos);
      if (this.lexQuotedStr()) return valueExpr(this.last, pos);
      if (this.lexStr("(")) return this.parseTransformerList(pos);
      if (this.lexStrList(FIELD_TRANSFORMER_TOKENS)) {
        return this.parseFieldOrTransformerRemainder(this.last.slice(0, -1), pos);
      }
      if (this.lexRgx(RGX_FIELDNAME)) return this.parseFieldRemainder(this.last, pos);
      this.fail("expected field transformer argument: field, transformer, quoted string, number, or transformer list");
    });
  }

  private parseTransformerList(pos: PosInfo): Expr {
    const children: Expr[] = [];
    this.lexBlank();
    if (this.lexStr(")")) return transformerListExpr(children, pos);
    children.push(this.parseTransformerListArg(pos));
    this.lexBlank();
    while (this.lexStr(",")) {
      this.lexBlank();
      children.push(this.parseTransformerListArg(pos));
      this.lexBlank();
    }
    if (!this.lexStr(")")) this.fail("expected ')'");
    return transformerListExpr(children, pos);
  }

  private parseTransformerListArg(pos: PosInfo): Expr {
    if (this.lexRgx(RGX_FIELDNAME)) return this.parseFieldRemainder(this.last, pos);
    if (this.lexStrList(FIELD_TRANSFORMER_TOKENS)) {
      this.lexBlank();
      return this.parseFieldOrTransformerRemainder(this.last.slice(0, -1), pos);
    }
    if (this.lexQuotedStr()) return valueExpr(this.last, pos);
    if (this.lexRgx(RGX_HEXNUM) || this.lexRgx(RGX_NUMBER)) return valueExpr(this.last, pos);
    this.fail("expected transformer list argument: field, transformer, quoted string, or number");
  }

  private parseCondition(left: Expr, pos: PosInfo): Expr {
    return this.guarded(() => {
      this.lexBlank();
      if (this.lexOperatorList(UNARY_OPS)) return unaryCheckExpr(left, this.last.trim(), pos);
      let op: string;
      let right: Expr;
      this.lexBlank();
      if (this.lexOperatorList(BINARY_NUM_OPS)) {
        op = this.last;
        right = this.parseNumValueOrTransformer();
      } else if (this.lexOperatorList(BINARY_STR_OPS)) {
        op = this.last;
        // word operators already consumed their mandatory blank; symbol ones need it now
        const hadBlank = /^[a-zA-Z]/.test(op) || this.lexBlank();
        const saved = this.pos();
        const savedTok = this.last;
        if (hadBlank && this.lexOperatorList(STR_MODIFIER_OPS) && this.listValueFollows() && !this.boolKeywordFollows()) {
          op = op.trim() + " " + this.last;
          right = this.parseListValue();
        } else {
          this.setPos(saved);
          this.last = savedTok;
          right = this.parseStrValueOrTransformer(false);
        }
      } else if (this.lexOperatorList(BINARY_LIST_OPS)) {
        op = this.last;
        right = this.parseListValueOrTransformer();
      } else {
        this.fail("expected a valid check operator: one of " + tokenListToStr(supportedOperators()));
      }
      return binaryCheckExpr(left, op.trim(), right, pos);
    });
  }

  private parseNumValueOrTransformer(): Expr {
    return this.guarded(() => {
      this.lexBlank();
      const pos = this.pos();
      const t = this.tryParseTransformerOrVal();
      if (t) return t;
      if (this.lexRgx(RGX_HEXNUM) || this.lexRgx(RGX_NUMBER)) return valueExpr(this.last, pos);
      this.fail("expected a number value or a field with a valid transformer: " + tokenListToStr(supportedFieldTransformers(true)));
    });
  }

  private parseStrValueOrTransformer(noTransformer: boolean): Expr {
    return this.guarded(() => {
      this.lexBlank();
      const pos = this.pos();
      if (!noTransformer) {
        const t = this.tryParseTransformerOrVal();
        if (t) return t;
      }
      if (this.lexQuotedStr() || this.lexRgx(RGX_BARESTR)) return valueExpr(this.last, pos);
      if (noTransformer) this.fail("expected a string value");
      this.fail("expected a string value or a field with a valid transformer: " + tokenListToStr(supportedFieldTransformers(true)));
    });
  }

  private tryParseListExpr(): Expr | null {
    const pos = this.pos();
    if (!this.lexStr("(")) return null;
    let shouldBeEmpty = false;
    const values: string[] = [];
    this.lexBlank();
    let child: Expr | null = null;
    try {
      child = this.parseStrValueOrTransformer(true);
    } catch (e) {
      if (!(e instanceof ConditionSyntaxError)) throw e;
      shouldBeEmpty = true;
    }
    if (!shouldBeEmpty && child) {
      if (child.kind !== "value") this.fail("parser fatal error: null value expr in head of list");
      values.push(child.value);
      this.lexBlank();
      while (this.lexStr(",")) {
        const c = this.parseStrValueOrTransformer(true);
        if (c.kind !== "value") this.fail("parser fatal error: null value expr in body of list");
        values.push(c.value);
        this.lexBlank();
      }
    }
    if (!this.lexStr(")")) this.fail("expected a ')' token");
    return listExpr(values, pos);
  }

  private parseListValue(): Expr {
    return this.guarded(() => {
      this.lexBlank();
      const pos = this.pos();
      const l = this.tryParseListExpr();
      if (l) return l;
      if (this.lexRgx(RGX_IDENTIFIER)) return valueExpr(this.last, pos);
      this.fail("expected a list or an identifier");
    });
  }

  private parseListValueOrTransformer(): Expr {
    return this.guarded(() => {
      this.lexBlank();
      const pos = this.pos();
      const l = this.tryParseListExpr();
      if (l) return l;
      const t = this.tryParseTransformerOrVal();
      if (t) return t;
      if (this.lexRgx(RGX_IDENTIFIER)) return valueExpr(this.last, pos);
      this.fail("expected a list, an identifier, or a field with a valid transformer: " + tokenListToStr(supportedFieldTransformers(true)));
    });
  }

  private tryParseTransformerOrVal(): Expr | null {
    return this.guarded(() => {
      this.lexBlank();
      const pos = this.pos();
      if (this.lexStr("val(")) {
        this.lexBlank();
        const transformer = this.last.slice(0, -1);
        const fieldPos = this.pos();
        if (!this.lexRgx(RGX_FIELDNAME)) this.fail("expected a field within '" + transformer + "' transformer");
        const child = this.parseFieldRemainder(this.last, fieldPos);
        this.lexBlank();
        if (!this.lexStr(")")) this.fail("expected a ')' token closing the transformer");
        return fieldTransformerExpr(transformer, [child], this.parseOptionalFieldArg(), pos);
      }
      if (this.lexStrList(FIELD_TRANSFORMER_TOKENS)) {
        this.lexBlank();
        return this.parseFieldOrTransformerRemainder(this.last.slice(0, -1), pos);
      }
      return null;
    });
  }

  /* ---------- lexing ---------- */

  /** Skip blanks (space, \t, \b, \r, \n); true if any. Does not touch `last`. */
  private lexBlank(): boolean {
    let found = false;
    for (;;) {
      const c = this.cur();
      if (c === " " || c === "\t" || c === "\b" || c === "\r" || c === "\n") {
        found = true;
        this.advance(1);
      } else {
        return found;
      }
    }
  }

  private lexRgx(re: RegExp): boolean {
    re.lastIndex = this.idx;
    const m = re.exec(this.input);
    if (!m) return false;
    this.last = m[1]!;
    this.advance(m[0].length);
    return true;
  }

  private lexStr(s: string): boolean {
    if (this.input.startsWith(s, this.idx)) {
      this.last = s;
      this.advance(s.length);
      return true;
    }
    return false;
  }

  private lexStrList(list: readonly string[]): boolean {
    for (const s of list) if (this.lexStr(s)) return true;
    return false;
  }

  private lexOperatorList(list: readonly string[]): boolean {
    for (const op of list) {
      if (!op.endsWith(" ")) {
        if (this.lexStr(op)) return true;
        continue;
      }
      const saved = this.pos();
      const savedTok = this.last;
      if (this.lexStr(op.trim())) {
        if (this.lexBlank()) return true;
        this.setPos(saved);
        this.last = savedTok;
      }
    }
    return false;
  }

  private listValueFollows(): boolean {
    if (this.cur() === "(") return true;
    const saved = this.pos();
    const savedTok = this.last;
    const ok = this.lexRgx(RGX_IDENTIFIER);
    this.setPos(saved);
    this.last = savedTok;
    return ok;
  }

  private boolKeywordFollows(): boolean {
    for (const kw of ["and", "or", "not"]) {
      if (this.input.startsWith(kw, this.idx)) {
        const n = this.input[this.idx + kw.length];
        if (n === undefined || !/[a-zA-Z0-9]/.test(n)) return true;
      }
    }
    return false;
  }

  /** Quoted string ('...' or "..."), unescaped into `last`; C-string semantics: a NUL ends the input. */
  private lexQuotedStr(): boolean {
    const d = this.cur();
    if (d !== "'" && d !== "\"") return false;
    const start = this.pos();
    let prev = "\\";
    let tok = "";
    while (this.cur() !== "\0") {
      const c = this.cur();
      if (c === d && prev !== "\\") {
        this.advance(1);
        tok += d;
        try {
          this.last = unescapeStr(tok);
        } catch (e) {
          if (e instanceof EscapeError) this.fail(e.message);
          throw e;
        }
        return true;
      }
      prev = c;
      tok += c;
      this.advance(1);
    }
    this.setPos(start);
    return false;
  }
}

/**
 * Parse a condition string into an AST (libsinsp `libsinsp::filter::parser(text).parse()`).
 * Syntax only: identifiers (macros) and field names are not checked here.
 * @param text the condition, e.g. `evt.type = open and proc.name in (cat, "ls")`.
 * @param opts maxDepth (default 100, libsinsp's), partial (default false).
 * @throws ConditionSyntaxError with libsinsp's message and its 1-based column/line.
 */
export function parseCondition(text: string, opts: ParseOptions = {}): Expr {
  return new Parser(text, opts).parse();
}

/** Result of `parseConditionCli`: what the CLI writes and its exit code. */
export interface ParseCliResult {
  /** Text for stdout ("" on error): `asString(ast) + "\n"`. */
  stdout: string;
  /** Text for stderr ("" on success): `column N: message\n`. */
  stderr: string;
  /** 0 accepted, 1 syntax error. */
  code: number;
}

/**
 * Implements `falco-ts parse-condition EXPR` (CLI_CONTRACT.md): on success the AST in libsinsp's
 * `as_string` form plus "\n" on stdout and exit 0; on a syntax error `column N: message\n` on
 * stderr and exit 1. Never throws for bad input.
 */
export function parseConditionCli(expr: string): ParseCliResult {
  try {
    const ast = parseCondition(expr);
    return { stdout: asString(ast) + "\n", stderr: "", code: 0 };
  } catch (e) {
    if (e instanceof ConditionSyntaxError) {
      return { stdout: "", stderr: `column ${e.column}: ${e.message}\n`, code: 1 };
    }
    if (e instanceof RangeError) {
      // JS stack exhausted before the depth guard (only with a huge maxDepth)
      return { stdout: "", stderr: `column 1: ${e.message}\n`, code: 1 };
    }
    throw e;
  }
}
