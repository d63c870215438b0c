/**
 * Rule output format compiler: parses Falco output strings (`"Shell spawned (user=%user.name
 * cmd=%proc.cmdline)"`) the way libsinsp's `sinsp_evt_formatter::set_format` tokenizes them
 * (falcosecurity/libs 0.25.4 userspace/libsinsp/eventformatter.cpp, filter/parser.cpp
 * `parse_field_or_transformer`), binds the fields through the FieldRegistry, and renders one event
 * into (a) the text form (`sinsp_filter_check::tostring` / `rawval_to_string`) and (b) the typed
 * values Falco puts in JSON `output_fields` (`sinsp_filter_check::tojson` / `rawval_to_json`).
 *
 * Tokenizer rules (as libsinsp):
 * - a leading `*` is stripped (Falco always adds it: missing values render as `<NA>`);
 * - `%` starts a token; `%` as the last character is an error; there is no `%%` escape;
 * - `%NNfield` sets a width: the rendered value is truncated or right-padded with spaces to
 *   exactly NN bytes (`std::string::resize(NN, ' ')`); width 0 means none;
 * - the token is the LONGEST prefix of the rest of the string that parses as a field
 *   (`[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)+` with an optional `[arg]`) or a transformer
 *   call (`tolower(`, `toupper(`, `b64(`, `basename(`, `len(`, `join(`, `concat(`, `getopt(`)
 *   AND binds to a known field; e.g. `%proc.names` is `%proc.name` followed by the text `s`,
 *   `%proc.aname[x` is `%proc.aname` followed by `[x`;
 * - if no prefix binds, compiling fails with libsinsp's "unknown filter: ..." error.
 *
 * Rendering does NOT escape anything: `render().text` is raw event data. Escaping so that an
 * alert is always one line happens once, on the whole alert line (see `escapeControls` and
 * src/outputs/alert.ts), exactly where Falco does it (falco userspace/engine/formats.cpp).
 */
import type { Event } from "../events/event.ts";
import type { BoundField, Extractor, FieldRegistry, FieldType, FieldValue } from "../fields/registry.ts";
import { EscapeError, escapeStr, unescapeStr as unescapeCondStr } from "../rules/ast.ts";

/** Error compiling an output format. Message starts with libsinsp's wording. */
export class OutputFormatError extends Error {
  /**
   * @param message human-readable message (starts with Falco's text, e.g. "unknown filter: ...").
   * @param position 0-based offset in the format string (after a leading `*`, as given by the caller) where the bad token starts.
   * @param falcoMessage the exact text Falco/libsinsp 0.25.4 reports for this error (LOAD_ERR_COMPILE_OUTPUT message).
   */
  constructor(
    message: string,
    readonly position: number,
    readonly falcoMessage: string,
  ) {
    super(message);
    this.name = "OutputFormatError";
  }
}

/** Result of rendering one event. */
export interface RenderedOutput {
  /** The formatted output, raw (not escaped; may hold control characters from event data). */
  text: string;
  /**
   * Falco's JSON `output_fields` for this format: key = the token as libsinsp prints it
   * (`proc.name`, `proc.aname[2]`), value typed as libsinsp's `tojson` (numbers for integer
   * fields, bigint for 64-bit values, strings for text/hex/padded fields, booleans, arrays for
   * lists, `undefined` = JSON null for values that could not be extracted). Transformer tokens
   * are left out (libsinsp `m_resolve_transformed_fields` is false in Falco); the fields inside
   * them are included.
   */
  fields: Map<string, FieldValue>;
}

/** A compiled output format. Reusable; not re-entrant across threads (there are none). */
export interface OutputTemplate {
  /** The format string as given. */
  readonly format: string;
  /** Names (as_string form) of the fields that go into `output_fields`, in libsinsp's order. */
  readonly fieldNames: readonly string[];
  /** Render one event (text and typed fields). */
  render(ev: Event): RenderedOutput;
  /** Render only the text (cheaper). */
  renderText(ev: Event): string;
}

/** Options for compileOutput. */
export interface CompileOutputOptions {
  /** Also put transformer tokens (e.g. `tolower(proc.name)`) in `fields` (libsinsp set_resolve_transformed_fields). Default false. */
  resolveTransformedFields?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Print formats: fields whose libsinsp print format is not decimal/NA (from
// libsinsp_0.25.4_fields.json "print" column). Embedded so the product needs no data at run time.

const PF_HEX_FIELDS = new Set(["fd.dev"]);
const PF_10_PADDED_FIELDS = new Set(["evt.latency.ns", "evt.deltatime.ns", "evt.rawtime.ns", "evt.reltime", "evt.reltime.ns"]);
/**
 * Fields whose JSON value is the raw event timestamp (int64 ns) although their text form is a
 * date string (libsinsp sinsp_filter_check_gen_event::extract_as_js).
 */
const TS_JSON_FIELDS = new Set(["evt.time", "evt.time.s", "evt.time.iso8601", "evt.datetime", "evt.datetime.s"]);

type PrintFormat = "dec" | "hex" | "pad9";

const STRING_TYPES: ReadonlySet<FieldType> = new Set<FieldType>([
  "CHARBUF", "BYTEBUF", "FSPATH", "FSRELPATH", "IPADDR", "IPNET", "IPV4ADDR", "IPV6ADDR", "IPV4NET", "IPV6NET",
]);
const INT_TYPES: ReadonlySet<FieldType> = new Set<FieldType>([
  "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64", "RELTIME", "ABSTIME",
  "PORT", "L4PROTO", "SOCKFAMILY", "MODE", "UID", "GID", "ERRNO", "FD", "PID", "FLAGS32",
]);

// ---------------------------------------------------------------------------------------------
// Value rendering (text and JSON), libsinsp rawval_to_string / rawval_to_json.

/** Render a BYTEBUF as libsinsp does with Falco's default buffer format: printable ASCII as is, others '.'. */
export function bytebufToText(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : ".";
  }
  return s;
}

function intText(v: number | bigint): string {
  if (typeof v === "bigint") return v.toString();
  if (!Number.isFinite(v)) return String(v);
  const t = Math.trunc(v);
  return Math.abs(t) < 1e21 ? String(t) : BigInt(t).toString();
}

function hexText(v: number | bigint, type: FieldType): string {
  let b = typeof v === "bigint" ? v : BigInt(Math.trunc(v));
  if (b < 0n) {
    const bits = type === "INT8" ? 8n : type === "INT16" ? 16n : type === "INT32" ? 32n : 64n;
    b = BigInt.asUintN(Number(bits), b);
  }
  return b.toString(16).toUpperCase();
}

/**
 * Text form of one extracted value (libsinsp rawval_to_string), or null for "not available".
 * @param v value from an extractor; @param type field type; @param pf print format.
 */
function valueToText(v: FieldValue, type: FieldType, pf: PrintFormat): string | null {
  if (v === undefined) return null;
  if (Array.isArray(v)) {
    let s = "(";
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ",";
      s += valueToText(v[i], type, pf) ?? "<NA>";
    }
    return s + ")";
  }
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof Uint8Array) return bytebufToText(v);
  // number | bigint
  if (type === "BOOL") return (typeof v === "bigint" ? v !== 0n : v !== 0) ? "true" : "false";
  if (type === "DOUBLE") return Number(v).toFixed(1);
  if (pf === "hex") return hexText(v, type);
  if (pf === "pad9") {
    const t = intText(v);
    return t.startsWith("-") ? "-" + t.slice(1).padStart(8, "0") : t.padStart(9, "0");
  }
  if (typeof v === "number" && !Number.isInteger(v) && !INT_TYPES.has(type)) return String(v);
  return intText(v);
}

/** JSON-typed form of one extracted value (libsinsp rawval_to_json); undefined = JSON null. */
function valueToJson(v: FieldValue, type: FieldType, pf: PrintFormat): FieldValue {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.map((x) => valueToJson(x, type, pf));
  if (v instanceof Uint8Array) return bytebufToText(v);
  if (type === "BOOL") {
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return v !== 0;
    if (typeof v === "bigint") return v !== 0n;
    return v;
  }
  if (STRING_TYPES.has(type)) return typeof v === "string" ? v : valueToText(v, type, pf) ?? undefined;
  if (type === "DOUBLE") return typeof v === "string" ? v : Number(v);
  if (pf !== "dec" && (typeof v === "number" || typeof v === "bigint")) return valueToText(v, type, pf) ?? undefined;
  return v;
}

// ---------------------------------------------------------------------------------------------
// Parser for one token (libsinsp parser::parse_field_or_transformer), on a candidate substring.

type Node =
  | { k: "field"; name: string; arg: string | undefined }
  | { k: "tr"; name: string; args: Node[]; arg: string | undefined }
  | { k: "val"; value: string; num: boolean }
  | { k: "list"; items: Node[] };

const TRANSFORMERS = ["tolower", "toupper", "b64", "basename", "len", "join", "concat", "getopt"] as const;
const RGX_FIELDNAME = /^[a-zA-Z][a-zA-Z0-9_]*(?:\.[a-zA-Z][a-zA-Z0-9_]*)+/;
const RGX_FIELDARG_BARE = /^[^\]["'\s]+/;
const RGX_HEX = /^0[xX][0-9a-fA-F]+/;
const RGX_NUM = /^[+-]?[0-9]+\.?[0-9]*(?:[eE][+-][0-9]+)?/;
const MAX_DEPTH = 100;

class ParseError extends Error {}


/** Unescape a quoted token (including its quotes) as libsinsp unescape_str (the condition parser's). */
function unescapeStr(tok: string): string {
  try {
    return unescapeCondStr(tok);
  } catch (e) {
    if (e instanceof EscapeError) throw new ParseError(e.message);
    throw e;
  }
}

/** Field key as libsinsp ast::as_string prints it. */
function nodeName(n: Node): string {
  switch (n.k) {
    case "field": return n.name + argSuffix(n.arg);
    case "val": return escapeStr(n.value);
    case "list": return "(" + n.items.map(nodeName).join(",") + ")";
    case "tr": return n.name + "(" + n.args.map(nodeName).join(",") + ")" + argSuffix(n.arg);
  }
}
function argSuffix(arg: string | undefined): string {
  if (arg === undefined) return "";
  return arg === "" ? '[""]' : "[" + escapeStr(arg) + "]";
}

class TokenParser {
  pos = 0;
  depth = 0;
  constructor(readonly s: string) {}

  private rest(): string {
    return this.s.slice(this.pos);
  }
  private rgx(re: RegExp): string | null {
    const m = re.exec(this.rest());
    if (!m) return null;
    this.pos += m[0].length;
    return m[0];
  }
  private str(t: string): boolean {
    if (this.s.startsWith(t, this.pos)) {
      this.pos += t.length;
      return true;
    }
    return false;
  }
  private blank(): void {
    while (this.pos < this.s.length && " \t\b\r\n".includes(this.s[this.pos]!)) this.pos++;
  }
  private transformerType(): string | null {
    for (const t of TRANSFORMERS) if (this.str(t + "(")) return t;
    return null;
  }
  private quoted(): string | null {
    const d = this.s[this.pos];
    if (d !== "'" && d !== '"') return null;
    let prev = "\\";
    for (let i = this.pos; i < this.s.length; i++) {
      const c = this.s[i]!;
      if (c === d && prev !== "\\" && i > this.pos) {
        const tok = this.s.slice(this.pos, i + 1);
        this.pos = i + 1;
        return unescapeStr(tok);
      }
      prev = c;
    }
    return null;
  }
  private enter(): void {
    if (++this.depth >= MAX_DEPTH) throw new ParseError(`exceeded max depth limit of ${MAX_DEPTH}`);
  }

  /** parse_field_or_transformer */
  fieldOrTransformer(): Node {
    this.enter();
    const name = this.rgx(RGX_FIELDNAME);
    if (name !== null) return { k: "field", name, arg: this.optionalArg() };
    const tr = this.transformerType();
    if (tr !== null) {
      this.blank();
      return this.transformerRemainder(tr);
    }
    throw new ParseError("unexpected token after '");
  }

  private optionalArg(): string | undefined {
    if (!this.str("[")) return undefined;
    let arg = this.quoted();
    if (arg === null) arg = this.rgx(RGX_FIELDARG_BARE);
    if (arg === null) throw new ParseError("expected a valid field argument: a quoted string or a bare string");
    if (!this.str("]")) throw new ParseError("expected a ']' token");
    return arg;
  }

  private transformerRemainder(name: string): Node {
    this.enter();
    this.blank();
    const args: Node[] = [];
    do {
      args.push(this.transformerArg());
      this.blank();
    } while (this.str(","));
    this.blank();
    if (!this.str(")")) throw new ParseError("expected a ')' token closing the transformer");
    this.depth--;
    return { k: "tr", name, args, arg: this.optionalArg() };
  }

  private transformerArg(): Node {
    this.blank();
    const num = this.rgx(RGX_HEX) ?? this.rgx(RGX_NUM);
    if (num !== null) return { k: "val", value: num, num: true };
    const q = this.quoted();
    if (q !== null) return { k: "val", value: q, num: false };
    if (this.str("(")) return this.transformerList();
    const tr = this.transformerType();
    if (tr !== null) return this.transformerRemainder(tr);
    const name = this.rgx(RGX_FIELDNAME);
    if (name !== null) return { k: "field", name, arg: this.optionalArg() };
    throw new ParseError("expected field transformer argument: field, transformer, quoted string, number, or transformer list");
  }

  private transformerList(): Node {
    const items: Node[] = [];
    this.blank();
    if (this.str(")")) return { k: "list", items };
    items.push(this.listArg());
    this.blank();
    while (this.str(",")) {
      this.blank();
      items.push(this.listArg());
      this.blank();
    }
    if (!this.str(")")) throw new ParseError("expected ')'");
    return { k: "list", items };
  }

  private listArg(): Node {
    const name = this.rgx(RGX_FIELDNAME);
    if (name !== null) return { k: "field", name, arg: this.optionalArg() };
    const tr = this.transformerType();
    if (tr !== null) {
      this.blank();
      return this.transformerRemainder(tr);
    }
    const q = this.quoted();
    if (q !== null) return { k: "val", value: q, num: false };
    const num = this.rgx(RGX_HEX) ?? this.rgx(RGX_NUM);
    if (num !== null) return { k: "val", value: num, num: true };
    throw new ParseError("expected a field, a transformer, a quoted string or a number in transformer list");
  }
}

// ---------------------------------------------------------------------------------------------
// Compiled nodes.

/** A compiled token: evaluates to one value per event, memoized per render pass. */
interface CNode {
  readonly name: string;
  readonly type: FieldType;
  readonly isList: boolean;
  readonly pf: PrintFormat;
  readonly hasTransformers: boolean;
  /** JSON override (evt.time* → ts). */
  readonly json: Extractor | undefined;
  eval(ev: Event): FieldValue;
}

let renderEpoch = 0;

class FieldNode implements CNode {
  readonly hasTransformers = false;
  private epoch = -1;
  private last: FieldValue = undefined;
  constructor(
    readonly name: string,
    readonly type: FieldType,
    readonly isList: boolean,
    readonly pf: PrintFormat,
    readonly json: Extractor | undefined,
    private readonly ex: Extractor,
  ) {}
  eval(ev: Event): FieldValue {
    if (this.epoch === renderEpoch) return this.last;
    this.epoch = renderEpoch;
    let v: FieldValue;
    try {
      v = this.ex(ev);
    } catch {
      v = undefined;
    }
    this.last = v;
    return v;
  }
}

class ValueNode implements CNode {
  readonly hasTransformers = false;
  readonly isList = false;
  readonly pf: PrintFormat = "dec";
  readonly json = undefined;
  constructor(readonly name: string, readonly type: FieldType, private readonly v: FieldValue) {}
  eval(): FieldValue {
    return this.v;
  }
}

class ListNode implements CNode {
  readonly hasTransformers = false;
  readonly isList = true;
  readonly pf: PrintFormat = "dec";
  readonly json = undefined;
  readonly type: FieldType = "CHARBUF";
  constructor(readonly name: string, readonly items: readonly CNode[]) {}
  eval(ev: Event): FieldValue {
    const out: FieldValue[] = [];
    for (const it of this.items) {
      const v = it.eval(ev);
      if (v === undefined) return undefined;
      if (Array.isArray(v)) out.push(...v.map((x) => toStr(x, it)));
      else out.push(toStr(v, it));
    }
    return out;
  }
}

class TransformerNode implements CNode {
  readonly hasTransformers = true;
  readonly pf: PrintFormat = "dec";
  readonly json = undefined;
  constructor(
    readonly name: string,
    readonly type: FieldType,
    readonly isList: boolean,
    readonly args: readonly CNode[],
    private readonly fn: (ev: Event) => FieldValue,
  ) {}
  eval(ev: Event): FieldValue {
    try {
      return this.fn(ev);
    } catch {
      return undefined;
    }
  }
}

function toStr(v: FieldValue, n: CNode): string {
  return typeof v === "string" ? v : valueToText(v, n.type, n.pf) ?? "<NA>";
}

const utf8enc = new TextEncoder();
const utf8dec = new TextDecoder();

function isStringish(n: CNode): boolean {
  return STRING_TYPES.has(n.type) && n.type !== "IPNET";
}

function mapStr(v: FieldValue, f: (s: string) => string | undefined, n: CNode): FieldValue {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) {
    const out: FieldValue[] = [];
    for (const x of v) {
      const r = mapStr(x, f, n);
      if (r === undefined) return undefined;
      out.push(r);
    }
    return out;
  }
  return f(v instanceof Uint8Array ? utf8dec.decode(v) : toStr(v, n));
}

function b64decode(s: string): string | undefined {
  // libsinsp Base64::decodeWithoutPadding: standard alphabet, padding optional.
  const t = s.replace(/=+$/, "");
  if (!/^[A-Za-z0-9+/]*$/.test(t) || t.length % 4 === 1) return undefined;
  const bin = atob(t + "=".repeat((4 - (t.length % 4)) % 4));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return utf8dec.decode(bytes);
}

function basename(s: string): string {
  // libsinsp sinsp_filter_transformer_basename: text after the last '/', "" if it ends in '/'.
  const i = s.lastIndexOf("/");
  return i < 0 ? s : s.slice(i + 1);
}

/** Compile a parsed node against the registry. Throws Error (parse-level message) on failure. */
function compileNode(n: Node, reg: FieldRegistry, depth: number): CNode {
  const name = nodeName(n);
  switch (n.k) {
    case "val":
      return new ValueNode(name, n.num ? "INT64" : "CHARBUF", n.value);
    case "list":
      return new ListNode(name, n.items.map((x) => compileNode(x, reg, depth + 1)));
    case "field": {
      const bf: BoundField = reg.bind(n.name, n.arg);
      const flags = bf.def.flags ?? [];
      if (flags.some((f) => f === "FILTER_ONLY" || f === "EPF_FILTER_ONLY")) {
        throw new Error(`${name} is filter only and cannot be used as a display field`);
      }
      const isList = flags.some((f) => f === "IS_LIST" || f === "EPF_IS_LIST");
      const pf: PrintFormat = PF_HEX_FIELDS.has(bf.def.name) ? "hex" : PF_10_PADDED_FIELDS.has(bf.def.name) ? "pad9" : "dec";
      // BoundField.json (libsinsp extract_as_js) when the registry provides it; else our table.
      const json: Extractor | undefined = bf.json ?? (TS_JSON_FIELDS.has(bf.def.name) && n.arg === undefined ? (ev) => ev.tsBig() : undefined);
      return new FieldNode(name, bf.type, isList, pf, json, bf.extract);
    }
    case "tr":
      return compileTransformer(n, name, reg, depth);
  }
}

function compileTransformer(n: Extract<Node, { k: "tr" }>, name: string, reg: FieldRegistry, depth: number): CNode {
  const args = n.args.map((a) => compileNode(a, reg, depth + 1));
  if (n.arg !== undefined && n.name !== "getopt") throw new Error(`transformer '${n.name}' does not support field arguments`);
  const one = (): CNode => {
    if (args.length !== 1) throw new Error(`transformer '${n.name}' requires exactly 1 argument`);
    return args[0]!;
  };
  const requireString = (a: CNode): void => {
    if (!isStringish(a) && !(a instanceof ListNode)) {
      throw new Error(`field '${a.name}' of type '${a.type}' is not supported by '${n.name}' transformer`);
    }
  };
  switch (n.name) {
    case "tolower":
    case "toupper": {
      const a = one();
      requireString(a);
      const up = n.name === "toupper";
      return new TransformerNode(name, a.type === "BYTEBUF" ? "CHARBUF" : a.type, a.isList, args, (ev) =>
        mapStr(a.eval(ev), (s) => (up ? s.toUpperCase() : s.toLowerCase()), a));
    }
    case "b64": {
      const a = one();
      requireString(a);
      return new TransformerNode(name, "CHARBUF", a.isList, args, (ev) => mapStr(a.eval(ev), b64decode, a));
    }
    case "basename": {
      const a = one();
      requireString(a);
      return new TransformerNode(name, a.type === "BYTEBUF" ? "CHARBUF" : a.type, a.isList, args, (ev) => mapStr(a.eval(ev), basename, a));
    }
    case "len": {
      const a = one();
      return new TransformerNode(name, "UINT64", false, args, (ev) => {
        const v = a.eval(ev);
        if (v === undefined) return a.isList ? 0 : undefined;
        if (Array.isArray(v)) return v.length;
        if (v instanceof Uint8Array) return v.length;
        if (typeof v === "string") return utf8enc.encode(v).length;
        throw new Error(`len() on a non-string value`);
      });
    }
    case "concat": {
      if (args.length < 2) throw new Error("concat() requires at least 2 arguments");
      for (const a of args) if (a.isList || !isStringish(a)) throw new Error("concat() arguments must be strings");
      return new TransformerNode(name, "CHARBUF", false, args, (ev) => {
        let s = "";
        for (const a of args) {
          const v = a.eval(ev);
          if (v === undefined) return undefined;
          s += toStr(v, a);
        }
        return s;
      });
    }
    case "join": {
      if (args.length !== 2) throw new Error("join() requires exactly 2 arguments: separator and list");
      const [sep, list] = args as [CNode, CNode];
      if (sep.isList) throw new Error("join() first argument (separator) must be a single value, not a list");
      if (!list.isList) throw new Error("join() second argument must be a list");
      return new TransformerNode(name, "CHARBUF", false, args, (ev) => {
        const sv = sep.eval(ev);
        const lv = list.eval(ev);
        if (sv === undefined || lv === undefined) return undefined;
        const items = Array.isArray(lv) ? lv : [lv];
        return items.map((x) => toStr(x, list)).join(toStr(sv, sep));
      });
    }
    default:
      throw new Error(`transformer '${n.name}' is not supported by falco-ts`);
  }
}

// ---------------------------------------------------------------------------------------------
// The formatter.

interface OutToken {
  /** Raw text (when node is null). */
  text: string;
  node: CNode | null;
  width: number;
}

/** Resize a string to exactly `n` UTF-8 bytes, as std::string::resize(n, ' '). */
function resizeBytes(s: string, n: number): string {
  let ascii = true;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) { ascii = false; break; }
  if (ascii) return s.length >= n ? s.slice(0, n) : s + " ".repeat(n - s.length);
  const b = utf8enc.encode(s);
  if (b.length >= n) return utf8dec.decode(b.subarray(0, n));
  return s + " ".repeat(n - b.length);
}

/** Collect the resolution tokens (libsinsp formatter_visitor): fields, then the enclosing transformer. */
function collectResolution(n: CNode, out: CNode[], seen: Set<string>): void {
  if (n instanceof TransformerNode) {
    for (const k of n.args) collectResolution(k, out, seen);
  } else if (n instanceof ListNode) {
    for (const k of n.items) collectResolution(k, out, seen);
    return;
  } else if (n instanceof ValueNode) {
    return;
  }
  out.push(n);
}

/**
 * Compile a Falco output format string (a rule's `output`, an `append_output`, a prefix such as
 * `*%evt.time.iso8601: Warning`).
 * @param fmt the format; a leading `*` is accepted and stripped.
 * @param reg the field registry to bind `%field` tokens.
 * @throws OutputFormatError on: empty format ("empty formatting token"), trailing `%`
 *   ("invalid formatting syntax: formatting cannot end with a %"), trailing width digits,
 *   unknown fields / unparsable tokens ("unknown filter: ..."), invalid transformer use.
 *   Source: libsinsp 0.25.4 sinsp_evt_formatter::set_format.
 */
export function compileOutput(fmt: string, reg: FieldRegistry, opts: CompileOutputOptions = {}): OutputTemplate {
  if (fmt.length === 0) throw new OutputFormatError("empty formatting token", 0, "empty formatting token");
  const base = fmt[0] === "*" ? 1 : 0;
  const s = fmt.slice(base);
  const tokens: OutToken[] = [];
  const resolution: CNode[] = [];
  const n = s.length;
  let last = 0;
  let j = 0;
  for (j = 0; j < n; j++) {
    if (s[j] !== "%") continue;
    const start = j;
    if (last !== j) tokens.push({ text: s.slice(last, j), node: null, width: 0 });
    if (j === n - 1) {
      const m = "invalid formatting syntax: formatting cannot end with a %";
      throw new OutputFormatError(m, base + j, m);
    }
    let width = 0;
    if (s[j + 1]! >= "0" && s[j + 1]! <= "9") {
      let k = j + 1;
      while (k < n && s[k]! >= "0" && s[k]! <= "9") k++;
      width = Number.parseInt(s.slice(j + 1, k), 10);
      if (width > 0x7fffffff) width = 0x7fffffff;
      if (k >= n) {
        const m = "invalid formatting syntax: formatting cannot end with a number";
        throw new OutputFormatError(m, base + start, m);
      }
      j = k - 1;
    }
    const rest = s.slice(j + 1);
    let fsize = rest.length;
    let node: CNode | null = null;
    let consumed = 0;
    let lastErr = "";
    let firstErr = "";
    while (node === null) {
      try {
        const p = new TokenParser(rest.slice(0, fsize));
        const ast = p.fieldOrTransformer();
        node = compileNode(ast, reg, 0);
        consumed = p.pos;
      } catch (e) {
        lastErr = e instanceof Error ? e.message : String(e);
        if (firstErr === "") firstErr = lastErr;
        fsize--;
        if (fsize <= 0) {
          const falcoMessage = "unknown filter: " + lastErr;
          const m = RGX_FIELDNAME.exec(rest);
          const what = m ? `'${m[0]}': ${firstErr}` : `'${rest.slice(0, 20)}': not a field or transformer`;
          throw new OutputFormatError(
            `unknown filter: ${what} (output format offset ${base + start})`,
            base + start,
            falcoMessage,
          );
        }
      }
    }
    j += consumed;
    tokens.push({ text: "", node, width });
    collectResolution(node, resolution, new Set());
    last = j + 1;
  }
  if (last < n) tokens.push({ text: s.slice(last), node: null, width: 0 });

  // Resolution tokens: libsinsp keeps them in visit order; a key appearing twice is one JSON key.
  const resolveTr = opts.resolveTransformedFields === true;
  const res: CNode[] = [];
  const seen = new Set<string>();
  for (const r of resolution) {
    if (r.hasTransformers && !resolveTr) continue;
    if (seen.has(r.name)) continue;
    seen.add(r.name);
    res.push(r);
  }
  return new Template(fmt, tokens, res);
}

class Template implements OutputTemplate {
  readonly fieldNames: readonly string[];
  constructor(
    readonly format: string,
    private readonly tokens: OutToken[],
    private readonly res: CNode[],
  ) {
    this.fieldNames = res.map((r) => r.name);
  }

  renderText(ev: Event): string {
    renderEpoch++;
    return this.text(ev);
  }

  private text(ev: Event): string {
    let out = "";
    for (const t of this.tokens) {
      if (t.node === null) {
        out += t.text;
        continue;
      }
      const v = t.node.eval(ev);
      const str = valueToText(v, t.node.type, t.node.pf) ?? "<NA>";
      out += t.width > 0 ? resizeBytes(str, t.width) : str;
    }
    return out;
  }

  render(ev: Event): RenderedOutput {
    renderEpoch++;
    const text = this.text(ev);
    const fields = new Map<string, FieldValue>();
    for (const r of this.res) {
      if (r.json) {
        let v: FieldValue;
        try {
          v = r.json(ev);
        } catch {
          v = undefined;
        }
        fields.set(r.name, v);
        continue;
      }
      fields.set(r.name, valueToJson(r.eval(ev), r.type, r.pf));
    }
    return { text, fields };
  }
}

/**
 * Unicode bidirectional controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069): a file name
 * holding them displays reordered ("Trojan Source", CVE-2021-42574), so they are escaped too; and
 * the line and paragraph separators U+2028/U+2029, which some viewers and log shippers break on.
 */
function isBidiControl(c: number): boolean {
  return c === 0x061c || c === 0x200e || c === 0x200f || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/**
 * Escape control characters so that a text alert is always exactly one line. Falco ≥ 0.44.1
 * (falco userspace/engine/formats.cpp, text branch) JSON-encodes the whole text output with
 * nlohmann::json; Falco 0.44.0 printed it raw. We follow the nlohmann form for control
 * characters only, so that ordinary alerts stay byte-identical to 0.44.0:
 * `\b \f \n \r \t` as those two-character escapes, other U+0000–U+001F as `\u00xx` (lowercase
 * hex, as nlohmann), and additionally U+007F and the C1 controls U+0080–U+009F (8-bit CSI etc.)
 * as `\u00xx` (nlohmann leaves those raw), and the Unicode bidi controls. Lone UTF-16 surrogates become U+FFFD (nlohmann's
 * `error_handler_t::replace`). With `mode: "json"` `"` and `\` are escaped too (exactly the
 * newer Falco text form, unambiguous but not 0.44.0-identical).
 * @param s raw text; @returns escaped text (the same string object when nothing needed escaping).
 */
export function escapeControls(s: string, mode: "controls" | "json" = "controls"): string {
  let i = 0;
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xdfff) || isBidiControl(c)) break;
    if (mode === "json" && (c === 0x22 || c === 0x5c)) break;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      if (mode === "json" && (c === 0x22 || c === 0x5c)) out += "\\" + s[i];
      else out += s[i];
      continue;
    }
    switch (c) {
      case 0x08: out += "\\b"; continue;
      case 0x0c: out += "\\f"; continue;
      case 0x0a: out += "\\n"; continue;
      case 0x0d: out += "\\r"; continue;
      case 0x09: out += "\\t"; continue;
    }
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || isBidiControl(c)) {
      out += "\\u" + c.toString(16).padStart(4, "0");
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += "\uFFFD";
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      out += "\uFFFD";
    } else {
      out += s[i];
    }
  }
  return out;
}
