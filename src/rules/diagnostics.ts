/**
 * Rules-loading diagnostics exactly as Falco reports them: error/warning codes with their short
 * strings and descriptions, item contexts (a chain of locations: file, item, key, condition
 * expression), source snippets with a caret, and the per-file load result rendered as Falco's
 * verbose text, summary text and JSON.
 *
 * Sources: falcosecurity/falco userspace/engine/falco_load_result.{h,cpp} (codes and strings),
 * rule_loader.{h,cpp} (`context`, `context::snippet`, `result::as_string/as_json`).
 *
 * Positions follow yaml-cpp marks: `line` and `column` are 0-based, `offset` is the character
 * offset in the file (we count UTF-16 code units; identical to Falco's byte offsets for ASCII).
 * Locations inside a condition add the condition parser's 1-based line/column to the 0-based
 * position of the YAML scalar, as Falco does.
 */

/** Error codes, in falco::load_result::error_code order. */
export const ERROR_CODES = [
  "LOAD_ERR_FILE_READ",
  "LOAD_ERR_YAML_PARSE",
  "LOAD_ERR_YAML_VALIDATE",
  "LOAD_ERR_COMPILE_CONDITION",
  "LOAD_ERR_COMPILE_OUTPUT",
  "LOAD_ERR_VALIDATE",
  "LOAD_ERR_EXTENSION",
] as const;
/** One of Falco's load error codes. */
export type ErrorCode = (typeof ERROR_CODES)[number];

const ERROR_STRINGS: Record<ErrorCode, string> = {
  LOAD_ERR_FILE_READ: "File read error",
  LOAD_ERR_YAML_PARSE: "YAML parse error",
  LOAD_ERR_YAML_VALIDATE: "Error validating internal structure of YAML file",
  LOAD_ERR_COMPILE_CONDITION: "Error compiling condition",
  LOAD_ERR_COMPILE_OUTPUT: "Error compiling output",
  LOAD_ERR_VALIDATE: "Error validating rule/macro/list/exception objects",
  LOAD_ERR_EXTENSION: "Error in extension item",
};

const ERROR_DESCS: Record<ErrorCode, string> = {
  LOAD_ERR_FILE_READ:
    "This occurs when falco can not read a given file. Check permissions and whether the file exists.",
  LOAD_ERR_YAML_PARSE: "This occurs when the rules content is not valid YAML.",
  LOAD_ERR_YAML_VALIDATE:
    "This occurs when the internal structure of the YAML file is incorrect. Examples include not consisting of a sequence of maps, a given rule/macro/list item not having required keys, values not having the right type (e.g. the items property of a list not being a sequence), etc.",
  LOAD_ERR_COMPILE_CONDITION: "This occurs when a condition string can not be compiled to a filter object.",
  LOAD_ERR_COMPILE_OUTPUT: "This occurs when an output string can not be compiled to an output object.",
  LOAD_ERR_VALIDATE:
    "This occurs when a rule/macro/list item is incorrect. Examples include a condition field referring to an undefined macro, falco engine/plugin version mismatches, items with append without any existing item, exception fields/comps having different lengths, etc.",
  LOAD_ERR_EXTENSION: "This occurs when there is an error in an extension item",
};

/** Warning codes, in falco::load_result::warning_code order. */
export const WARNING_CODES = [
  "LOAD_UNKNOWN_SOURCE",
  "LOAD_UNSAFE_NA_CHECK",
  "LOAD_NO_EVTTYPE",
  "LOAD_UNKNOWN_FILTER",
  "LOAD_UNUSED_MACRO",
  "LOAD_UNUSED_LIST",
  "LOAD_UNKNOWN_ITEM",
  "LOAD_DEPRECATED_ITEM",
  "LOAD_WARNING_EXTENSION",
  "LOAD_APPEND_NO_VALUES",
  "LOAD_EXCEPTION_NAME_NOT_UNIQUE",
  "LOAD_INVALID_MACRO_NAME",
  "LOAD_INVALID_LIST_NAME",
  "LOAD_COMPILE_CONDITION",
  "LOAD_UNKNOWN_KEY",
] as const;
/** One of Falco's load warning codes. */
export type WarningCode = (typeof WARNING_CODES)[number];

const WARNING_STRINGS: Record<WarningCode, string> = {
  LOAD_UNKNOWN_SOURCE: "Unknown event source",
  LOAD_UNSAFE_NA_CHECK: "Unsafe <NA> comparison in condition",
  LOAD_NO_EVTTYPE: "Condition has no event-type restriction",
  LOAD_UNKNOWN_FILTER: "Unknown field or event-type in condition or output",
  LOAD_UNUSED_MACRO: "Unused macro",
  LOAD_UNUSED_LIST: "Unused list",
  LOAD_UNKNOWN_ITEM: "Unknown rules file item",
  LOAD_DEPRECATED_ITEM: "Used deprecated item",
  LOAD_WARNING_EXTENSION: "Warning in extension item",
  LOAD_APPEND_NO_VALUES: "Overriding/appending with no values",
  LOAD_EXCEPTION_NAME_NOT_UNIQUE: "Multiple exceptions defined with the same name",
  LOAD_INVALID_MACRO_NAME: "Invalid macro name",
  LOAD_INVALID_LIST_NAME: "Invalid list name",
  LOAD_COMPILE_CONDITION: "Warning in rule condition",
  LOAD_UNKNOWN_KEY: "Unknown key in item definition",
};

const WARNING_DESCS: Record<WarningCode, string> = {
  LOAD_UNKNOWN_SOURCE:
    "A rule has a unknown event source. This can occur when reading rules content without having a corresponding plugin loaded, etc. The rule will be silently ignored.",
  LOAD_UNSAFE_NA_CHECK:
    "Comparing a field value with <NA> is unsafe and can lead to unpredictable behavior of the rule condition. If you need to check for the existence of a field, consider using the 'exists' operator instead.",
  LOAD_NO_EVTTYPE:
    "A rule condition matches too many evt.type values. This has a significant performance penalty. Make the condition more specific by adding an evt.type field or further restricting the number of evt.type values in the condition.",
  LOAD_UNKNOWN_FILTER:
    "A rule condition or output refers to a field or evt.type that does not exist. This is normally an error, but if a rule has a skip-if-unknown-filter property, the error is downgraded to a warning.",
  LOAD_UNUSED_MACRO: "A macro is defined in the rules content but is not used by any other macro or rule.",
  LOAD_UNUSED_LIST: "A list is defined in the rules content but is not used by any other list, macro, or rule.",
  LOAD_UNKNOWN_ITEM: "An unknown top-level object is in the rules content. It will be ignored.",
  LOAD_DEPRECATED_ITEM: "A deprecated item is employed by lists, macros, or rules.",
  LOAD_WARNING_EXTENSION: "An extension item has a warning",
  LOAD_APPEND_NO_VALUES: "A rule exception is overriding/appending with no values",
  LOAD_EXCEPTION_NAME_NOT_UNIQUE: "A rule is defining multiple exceptions with the same name",
  LOAD_INVALID_MACRO_NAME: "A macro is defined with an invalid name",
  LOAD_INVALID_LIST_NAME: "A list is defined with an invalid name",
  LOAD_COMPILE_CONDITION: "A rule condition or output have been parsed with a warning",
  LOAD_UNKNOWN_KEY:
    "An item in the rules content contains an unrecognized key. The key will be ignored. This may indicate a typo or a property placed on the wrong item type.",
};

/** Deprecated fields Falco warns about (falco_load_result.cpp `deprecated_fields`). */
export const DEPRECATED_FIELDS = [
  "evt.dir",
  "evt.latency",
  "evt.latency.s",
  "evt.latency.ns",
  "evt.latency.human",
  "evt.wait_latency",
] as const;

const LATENCY_DESC = "field is not available due to the drop of enter events.";
const DEPRECATED_FIELD_DESCS: Record<string, string> = {
  "evt.dir":
    "due to the drop of enter events, 'evt.dir = <' always evaluates to true, and 'evt.dir = >' always evaluates to false. The rule expression can be simplified by removing the condition on 'evt.dir'",
  "evt.latency": LATENCY_DESC,
  "evt.latency.s": LATENCY_DESC,
  "evt.latency.ns": LATENCY_DESC,
  "evt.latency.human": LATENCY_DESC,
  "evt.wait_latency": LATENCY_DESC,
};

/** The long description of a deprecated field (falco::load_result::deprecated_field_desc). */
export function deprecatedFieldDesc(field: string): string {
  return DEPRECATED_FIELD_DESCS[field] ?? "";
}

/** Short string of an error code, e.g. "YAML parse error". */
export function errorStr(code: ErrorCode): string {
  return ERROR_STRINGS[code];
}
/** Long description of an error code. */
export function errorDesc(code: ErrorCode): string {
  return ERROR_DESCS[code];
}
/** Short string of a warning code, e.g. "Unused macro". */
export function warningStr(code: WarningCode): string {
  return WARNING_STRINGS[code];
}
/** Long description of a warning code. */
export function warningDesc(code: WarningCode): string {
  return WARNING_DESCS[code];
}

// ---------------------------------------------------------------------------------------------
// Messages (falco userspace/engine/rule_loading_messages.h)

/** Deprecation warning for `append: true`. */
export const WARNING_APPEND =
  "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
/** Deprecation warning for a standalone `enabled` item. */
export const WARNING_ENABLED =
  "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').";
/** Error: both `override` and `append: true`. */
export const ERROR_OVERRIDE_APPEND =
  "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
/** Error: macro append without a previous macro. */
export const ERROR_NO_PREVIOUS_MACRO =
  "Macro uses 'append' or 'override.condition: append' but no macro by that name already exists";
/** Error: list append without a previous list. */
export const ERROR_NO_PREVIOUS_LIST =
  "List uses 'append' or 'override.items: append' but no list by that name already exists";
/** Error: rule append without a previous rule. */
export const ERROR_NO_PREVIOUS_RULE_APPEND =
  "Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists";
/** Error: rule replace without a previous rule. */
export const ERROR_NO_PREVIOUS_RULE_REPLACE =
  "An 'override.<key>: replace' to a rule was requested but no rule by that name already exists";

// ---------------------------------------------------------------------------------------------
// Contexts

/** Item types, as Falco prints them (rule_loader.cpp `item_type_strings`). */
export type ItemType =
  | "value for"
  | "exceptions"
  | "exception"
  | "exception values"
  | "exception value"
  | "rules content"
  | "rules content item"
  | "required_engine_version"
  | "required plugin versions"
  | "required plugin versions entry"
  | "required plugin versions alternative"
  | "list"
  | "list item"
  | "macro"
  | "macro condition"
  | "rule"
  | "rule condition"
  | "condition expression"
  | "rule output"
  | "rule output expression"
  | "rule priority"
  | "overrides"
  | "extension item";

/** A position: 0-based line and column, character offset (yaml-cpp Mark semantics). */
export interface Position {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** One location of a context chain. `name` is the file name, or a quoted condition prefix. */
export interface Location {
  readonly name: string;
  readonly pos: Position;
  readonly itemType: ItemType;
  readonly itemName: string;
}

/** Position zero. */
export const POS_ZERO: Position = { offset: 0, line: 0, column: 0 };

/**
 * An item context (rule_loader::context): the chain of locations from the file down to the
 * item/key/expression where something happened, plus the alternative text for snippets of
 * condition expressions.
 */
export class Context {
  readonly locs: readonly Location[];
  readonly altContent: string;

  private constructor(locs: readonly Location[], altContent: string) {
    this.locs = locs;
    this.altContent = altContent;
  }

  /** The root context of a rules file: one location "rules content" at position zero. */
  static root(fileName: string): Context {
    return new Context([{ name: fileName, pos: POS_ZERO, itemType: "rules content", itemName: "" }], "");
  }

  /** A child context in the same file at `pos`. */
  child(pos: Position, itemType: ItemType, itemName: string): Context {
    return new Context([...this.locs, { name: this.name(), pos, itemType, itemName }], "");
  }

  /**
   * A child context inside a condition expression (rule_loader::context's pos_info constructor):
   * its name is the quoted first 20 characters of the condition, its position the parser
   * position (1-based line/col, 0-based idx) added to this context's last position; snippets are
   * taken from the condition text.
   */
  conditionChild(exprPos: { idx: number; line: number; col: number }, condition: string): Context {
    let cname = '"' + (condition.length > 20 ? condition.slice(0, 17) + '..."' : condition + '"');
    cname = cname.replace(/[\n\r]/g, " ");
    const last = this.locs[this.locs.length - 1]!.pos;
    const pos: Position = {
      offset: exprPos.idx + last.offset,
      line: exprPos.line + last.line,
      column: exprPos.col + last.column,
    };
    return new Context([...this.locs, { name: cname, pos, itemType: "condition expression", itemName: "" }], condition);
  }

  /** The file name (name of the first location). */
  name(): string {
    return this.locs[0]!.name;
  }

  /** Falco's text form: "In rule 'x': (file:line:col)" then indented lines for deeper locations. */
  asString(): string {
    let out = "";
    let first = true;
    for (const loc of this.locs) {
      out += first ? "In " : "    ";
      first = false;
      out += loc.itemType;
      if (loc.itemName !== "") out += ` '${loc.itemName}'`;
      out += ": ";
      out += `(${loc.name}:${loc.pos.line}:${loc.pos.column})\n`;
    }
    return out;
  }

  /** JSON form `{locations: [{item_name, item_type, position: {column, line, name, offset}}]}` (sorted keys as Falco's nlohmann output). */
  asJson(): { locations: JsonLocation[] } {
    return {
      locations: this.locs.map((l) => ({
        item_name: l.itemName,
        item_type: l.itemType,
        position: { column: l.pos.column, line: l.pos.line, name: l.name, offset: l.pos.offset },
      })),
    };
  }

  /**
   * The snippet of the last location (rule_loader::context::snippet): the source line containing
   * the position (at most `width/2` characters each side, truncated ends replaced by "..."),
   * then a line with a caret under the position. `contents` maps file names to their text.
   */
  snippet(contents: ReadonlyMap<string, string>, width = 160): string {
    const loc = this.locs[this.locs.length - 1]!;
    const fileText = contents.get(loc.name);
    if (this.altContent === "" && fileText === undefined) {
      return `<No context for file + ${loc.name}>\n`;
    }
    const text = this.altContent !== "" ? this.altContent : fileText!;
    if (text.length === 0) return "<No context available>\n";
    const half = Math.floor(width / 2);
    let pos = Math.max(0, loc.pos.offset);
    for (; pos > 0 && (pos >= text.length || text[pos] === "\n"); pos--);
    if (pos === 0 && text[0] === "\n") {
      // Falco's size_t arithmetic when the content starts with a newline and the position is 0:
      // `to` wraps below zero, so the "line" is the whole rest of the content, both ends are
      // replaced by "..." and no caret line is added.
      let r = text.slice(1);
      if (r.length === 0) return "<No context available>\n";
      r = "..." + r.slice(3);
      r = r.slice(0, r.length - 3) + "...";
      return r + "\n";
    }
    let from = pos;
    for (; from > 0 && text[from] !== "\n" && pos - from < half; from--);
    let to = pos;
    for (; to < text.length - 1 && text[to] !== "\n" && to - pos < half; to++);
    if (from < text.length && text[from] === "\n") from++;
    if (to < text.length && text[to] === "\n") to--;
    let ret = to - from + 1 > 0 ? text.substr(from, to - from + 1) : "";
    if (ret.length === 0) return "<No context available>\n";
    if (pos - from >= half) ret = "..." + ret.slice(3);
    if (to - pos >= half) ret = ret.slice(0, ret.length - 3) + "...";
    ret += "\n";
    // note: pos - from may be "negative" in Falco's unsigned arithmetic only when from > pos,
    // which happens when the position is on a newline that was skipped; then no caret is added.
    if (pos - from >= 0 && pos - from <= ret.length - 1) {
      ret += " ".repeat(pos - from) + "^\n";
    }
    return ret;
  }
}

/** JSON shape of one location. */
export interface JsonLocation {
  item_name: string;
  item_type: string;
  position: { column: number; line: number; name: string; offset: number };
}

/** JSON shape of one error or warning (keys sorted as Falco's output). */
export interface JsonDiagnostic {
  code: string;
  codedesc: string;
  context: { locations: JsonLocation[]; snippet: string };
  deprecated_field?: string;
  message: string;
}

/** JSON shape of one file's load result (keys sorted as Falco's output). */
export interface JsonFileResult {
  errors: JsonDiagnostic[];
  name: string;
  schema_valid?: boolean;
  schema_warnings?: string[];
  successful: boolean;
  warnings: JsonDiagnostic[];
}

/** A load error: code, message and context. */
export interface LoadError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly ctx: Context;
}

/** A load warning; `deprecatedField` is set for LOAD_DEPRECATED_ITEM warnings about a field. */
export interface LoadWarning {
  readonly code: WarningCode;
  readonly message: string;
  readonly ctx: Context;
  readonly deprecatedField?: string;
}

/**
 * Thrown inside the loader to abort loading a file with one error (rule_loader::rule_load_exception).
 * Caught by the loader and turned into a LoadError of the file's result.
 */
export class RuleLoadException extends Error {
  readonly code: ErrorCode;
  readonly ctx: Context;
  constructor(code: ErrorCode, message: string, ctx: Context) {
    super(message);
    this.name = "RuleLoadException";
    this.code = code;
    this.ctx = ctx;
  }
}

/** Schema validation status strings (yaml_helper::validation_*). */
export const VALIDATION_OK = "ok";
/** Schema validation failed. */
export const VALIDATION_FAILED = "failed";
/** No schema validation was done. */
export const VALIDATION_NONE = "none";

/**
 * The result of loading one rules file (rule_loader::result): success flag, errors, warnings and
 * the JSON-schema validation status of each YAML document.
 */
export class FileResult {
  readonly name: string;
  successful = true;
  readonly errors: LoadError[] = [];
  readonly warnings: LoadWarning[] = [];
  /** One entry per YAML document: "ok" or "failed for <path>: <reason>". Empty when the YAML did not parse. */
  schemaValidationStatus: string[] = [];

  constructor(name: string) {
    this.name = name;
  }

  /** Add an error; the file becomes unsuccessful. */
  addError(code: ErrorCode, message: string, ctx: Context): void {
    this.successful = false;
    this.errors.push({ code, message, ctx });
  }

  /** Add a warning. */
  addWarning(code: WarningCode, message: string, ctx: Context): void {
    this.warnings.push({ code, message, ctx });
  }

  /** Add a LOAD_DEPRECATED_ITEM warning about a deprecated field. */
  addDeprecatedFieldWarning(field: string, message: string, ctx: Context): void {
    this.warnings.push({ code: "LOAD_DEPRECATED_ITEM", message, ctx, deprecatedField: field });
  }

  /** True when there is at least one warning. */
  hasWarnings(): boolean {
    return this.warnings.length > 0;
  }

  /** "ok", "failed..." (first document's status) or "none" (yaml_helper). */
  schemaValidation(): string {
    return this.schemaValidationStatus.length === 0 ? VALIDATION_NONE : this.schemaValidationStatus[0]!;
  }

  private header(): string {
    let s = this.name !== "" ? `${this.name}: ` : "";
    s += this.successful ? (this.warnings.length > 0 ? "Ok, with warnings" : "Ok") : "Invalid";
    return s;
  }

  /** Falco's one-line-ish summary (rule_loader::result::as_summary_string). */
  asSummaryString(): string {
    let os = this.header();
    if (this.schemaValidationStatus.length > 0 && this.schemaValidation() !== VALIDATION_OK) {
      os += `\n ${this.schemaValidationStatus.length} schema warnings: [${this.schemaValidationStatus.join(" ")}]`;
    }
    if (this.errors.length > 0) {
      os += `\n ${this.errors.length} errors: [`;
      os += this.errors.map((e) => `${e.code} (${errorStr(e.code)})`).join(" ");
      os += "]";
    }
    if (this.warnings.length > 0) {
      os += `\n ${this.warnings.length} warnings: [`;
      os += this.warnings.map((w) => `${w.code} (${warningAsString(w)})`).join(" ");
      os += "]";
    }
    return os;
  }

  /** Falco's verbose text (rule_loader::result::as_verbose_string), used by `-V` and load errors. */
  asVerboseString(contents: ReadonlyMap<string, string>): string {
    let os = this.header();
    if (this.schemaValidationStatus.length > 0 && this.schemaValidation() !== VALIDATION_OK) {
      os += `\n${this.schemaValidationStatus.length} Schema warnings:\n`;
      for (const s of this.schemaValidationStatus) os += `------\n${s}\n`;
      os += "------\n";
    }
    if (this.errors.length > 0) {
      os += `\n${this.errors.length} Errors:\n`;
      for (const e of this.errors) {
        os += e.ctx.asString();
        os += "------\n";
        os += e.ctx.snippet(contents);
        os += "------\n";
        os += `${e.code} (${errorStr(e.code)}): ${e.message}\n`;
      }
    }
    if (this.warnings.length > 0) {
      os += `\n${this.warnings.length} Warnings:\n`;
      for (const w of this.warnings) {
        os += w.ctx.asString();
        os += "------\n";
        os += w.ctx.snippet(contents);
        os += "------\n";
        os += `${w.code} (${warningAsString(w)}): ${w.message}\n`;
      }
    }
    return os;
  }

  /**
   * Falco's JSON form (rule_loader::result::as_json). Note: for errors Falco's `codedesc` is the
   * short error string (falco_load_result.cpp `error_desc` returns `error_strings`), while for
   * warnings it is the long description; we reproduce both.
   */
  asJson(contents: ReadonlyMap<string, string>): JsonFileResult {
    const out: JsonFileResult = {
      errors: this.errors.map((e) => ({
        code: e.code,
        codedesc: errorStr(e.code),
        context: { ...e.ctx.asJson(), snippet: e.ctx.snippet(contents) },
        message: e.message,
      })),
      name: this.name,
      successful: this.successful,
      warnings: this.warnings.map((w) => {
        const j: JsonDiagnostic = {
          code: w.code,
          codedesc: warningDesc(w.code),
          context: { ...w.ctx.asJson(), snippet: w.ctx.snippet(contents) },
          message: w.message,
        };
        if (w.deprecatedField !== undefined) {
          return {
            code: j.code,
            codedesc: j.codedesc,
            context: j.context,
            deprecated_field: w.deprecatedField,
            message: j.message,
          };
        }
        return j;
      }),
    };
    if (this.schemaValidationStatus.length > 0) {
      const valid = this.schemaValidation() === VALIDATION_OK;
      return {
        errors: out.errors,
        name: out.name,
        schema_valid: valid,
        schema_warnings: valid ? [] : [...this.schemaValidationStatus],
        successful: out.successful,
        warnings: out.warnings,
      };
    }
    return out;
  }
}

/** A warning's short string; for deprecated fields "Used deprecated item: field 'evt.dir'". */
export function warningAsString(w: LoadWarning): string {
  const base = warningStr(w.code);
  return w.deprecatedField !== undefined ? `${base}: field '${w.deprecatedField}'` : base;
}
