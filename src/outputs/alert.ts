/**
 * Alerts: the value a matched rule (or an internal condition) produces, and its rendering as
 * Falco 0.44 prints it — the text line `<time>: <Priority> <output>` and the JSON object with
 * sorted keys `hostname, message?, output, output_fields, priority, rule, source, tags, time`.
 * Sources: falco userspace/engine/formats.cpp (falco_formats::format_event),
 * userspace/falco/falco_outputs.cpp (handle_msg for internal alerts),
 * userspace/engine/falco_common.cpp (priority names), libsinsp utils.cpp (ts_to_string,
 * ts_to_iso_8601).
 */
import { hostname as osHostname } from "node:os";
import type { Event } from "../events/event.ts";
import type { FieldValue } from "../fields/registry.ts";
import { bytebufToText, escapeControls, type OutputTemplate } from "./format.ts";
import { Priority, PRIORITY_NAMES as RULE_PRIORITY_NAMES, parsePriority as parseRulePriority } from "../rules/priority.ts";

/** Falco priority names, indexed by priority number (falco_common::priority_type: 0 = Emergency … 7 = Debug). */
export const PRIORITY_NAMES = RULE_PRIORITY_NAMES;

/** Priority numbers by Falco's name (syslog severities: Emergency 0 … Debug 7). */
export const PRIORITY = Priority;

/**
 * Parse a priority name as Falco does (case-insensitive; "info" accepted for Informational).
 * @returns 0..7. @throws Error "Unknown priority value: X" (falco_common::parse_priority).
 */
export function parsePriority(v: string): number {
  const p = parseRulePriority(v);
  if (p === undefined) throw new Error("Unknown priority value: " + v);
  return p;
}

/** Falco's printed name of a priority number ("Warning", "Informational"...). @throws Error for a number outside 0..7. */
export function priorityName(p: number): string {
  const n = PRIORITY_NAMES[p];
  if (n === undefined) throw new Error("Unknown priority enum value: " + p);
  return n;
}

/** One alert, as handed to the outputs. */
export interface Alert {
  /** Event time, ns since the epoch (exact). For internal alerts, the time of the condition. */
  time: bigint;
  /** 0 (Emergency) … 7 (Debug). */
  priority: number;
  /** Falco's name as printed, e.g. "Warning", "Critical" (PRIORITY_NAMES[priority]). */
  priorityName: string;
  rule: string;
  /**
   * The rule's formatted output WITHOUT the `<time>: <Priority>` prefix (Falco's "message"),
   * raw (control characters not yet escaped). For internal alerts, the message text.
   */
  output: string;
  /**
   * Typed output fields (OutputTemplate.render().fields, plus extra fields). For rule alerts the
   * time field of the prefix (`evt.time.iso8601` or `evt.time`) is added at rendering time.
   */
  outputFields: Map<string, FieldValue>;
  /** Rule tags (rendered sorted and de-duplicated, as Falco's std::set). Internal alerts: []. */
  tags: string[];
  /** "syscall" (or another event source) or "internal". */
  source: string;
  hostname: string;
}

/** Rendering options (falco.yaml keys in parentheses; defaults are Falco's). */
export interface AlertFormatOptions {
  /** (json_output) JSON instead of text. Default false. */
  jsonOutput?: boolean;
  /** (time_format_iso_8601) Default false: `HH:MM:SS.nnnnnnnnn`. */
  timeFormatIso8601?: boolean;
  /** (json_include_output_property) Default true. */
  jsonIncludeOutputProperty?: boolean;
  /** (json_include_tags_property) Default true. */
  jsonIncludeTagsProperty?: boolean;
  /** (json_include_message_property) Default false. */
  jsonIncludeMessageProperty?: boolean;
  /** (json_include_output_fields_property) Default true. */
  jsonIncludeOutputFieldsProperty?: boolean;
  /** Text escaping: "controls" (default; see escapeControls) or "json" (also `"` and `\`, as Falco ≥ 0.44.1). */
  textEscape?: "controls" | "json";
}

const NS = 1_000_000_000n;

function pad(n: number, w: number): string {
  return String(n).padStart(w, "0");
}

function utcParts(ns: bigint): { d: Date; frac: string } {
  let sec = ns / NS;
  let rem = ns % NS;
  if (rem < 0n) {
    rem += NS;
    sec -= 1n;
  }
  return { d: new Date(Number(sec) * 1000), frac: rem.toString().padStart(9, "0") };
}

function ymdhms(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
}

/** `2016-08-04T16:17:57.881781397+0000` (libsinsp ts_to_iso_8601, UTC). @param ns ns since epoch. */
export function formatTimeIso8601(ns: bigint): string {
  const { d, frac } = utcParts(ns);
  return `${ymdhms(d)}.${frac}+0000`;
}

/** `16:17:57.881781397` (libsinsp ts_to_string(ts, date=false, ns=true); UTC per the CLI contract). */
export function formatTimeDefault(ns: bigint): string {
  const { d, frac } = utcParts(ns);
  return `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${frac}`;
}

/** JSON `time`: `2016-08-04T16:17:57.881781397Z` (falco formats.cpp: strftime "%FT%T" + ".%09luZ"). */
export function formatTimeJson(ns: bigint): string {
  const { d, frac } = utcParts(ns);
  return `${ymdhms(d)}.${frac}Z`;
}

/** Key of the prefix time field Falco adds to output_fields. */
function timeFieldName(iso: boolean): string {
  return iso ? "evt.time.iso8601" : "evt.time";
}

function isInternal(a: Alert): boolean {
  return a.source === "internal";
}

// ---------------------------------------------------------------------------------------------
// JSON writer (own, so that bigint values are written from their digits, never via a Number).

/** Replace lone UTF-16 surrogates with U+FFFD (nlohmann error_handler_t::replace). */
function wellFormed(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    let out = s.slice(0, i);
    for (; i < s.length; i++) {
      const x = s.charCodeAt(i);
      if (x >= 0xd800 && x <= 0xdbff) {
        const y = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (y >= 0xdc00 && y <= 0xdfff) {
          out += s[i]! + s[i + 1]!;
          i++;
        } else out += "\uFFFD";
      } else if (x >= 0xdc00 && x <= 0xdfff) out += "\uFFFD";
      else out += s[i]!;
    }
    return out;
  }
  return s;
}

/** JSON string literal as nlohmann::json::dump (ensure_ascii=false): same escapes as JSON.stringify. */
export function jsonString(s: string): string {
  return JSON.stringify(wellFormed(s));
}

/**
 * Serialize one field value as JSON: bigint exactly from its digits, integer numbers without
 * exponent, non-finite numbers as null, Uint8Array as libsinsp's printable text, arrays, undefined → null.
 */
export function jsonValue(v: FieldValue): string {
  if (v === undefined) return "null";
  if (typeof v === "string") return jsonString(v);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return "null";
    if (Number.isInteger(v)) return Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString();
    return JSON.stringify(v);
  }
  if (v instanceof Uint8Array) return jsonString(bytebufToText(v));
  let s = "[";
  for (let i = 0; i < v.length; i++) {
    if (i > 0) s += ",";
    s += jsonValue(v[i]);
  }
  return s + "]";
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A JSON object with keys in byte order (nlohmann::json objects are std::map). */
function jsonObject(m: Map<string, FieldValue> | Iterable<[string, FieldValue]>): string {
  const entries = [...m].sort((x, y) => byKey(x[0], y[0]));
  let s = "{";
  let first = true;
  for (const [k, v] of entries) {
    if (!first) s += ",";
    first = false;
    s += jsonString(k) + ":" + jsonValue(v);
  }
  return s + "}";
}

// ---------------------------------------------------------------------------------------------
// Rendering.

/**
 * The full, raw (unescaped) output line Falco calls `output`: for rule alerts
 * `<time>: <Priority> <message>`; for internal alerts `<HH:MM:SS.ns>: <Priority> <msg> (k=v ...)`
 * (falco_outputs::handle_msg, which always uses the non-ISO time).
 */
export function alertOutputLine(a: Alert, opts: AlertFormatOptions = {}): string {
  if (isInternal(a)) {
    let s = `${formatTimeDefault(a.time)}: ${a.priorityName} ${a.output} (`;
    const entries = [...a.outputFields].sort((x, y) => byKey(x[0], y[0]));
    let first = true;
    for (const [k, v] of entries) {
      if (!first) s += " ";
      first = false;
      s += k + "=" + jsonValue(v);
    }
    return s + ")";
  }
  const t = opts.timeFormatIso8601 ? formatTimeIso8601(a.time) : formatTimeDefault(a.time);
  return `${t}: ${a.priorityName} ${a.output}`;
}

/** Text alert line (no trailing newline), control characters escaped so it is exactly one line. */
export function formatAlertText(a: Alert, opts: AlertFormatOptions = {}): string {
  return escapeControls(alertOutputLine(a, opts), opts.textEscape ?? "controls");
}

/** Extra knobs for JSON rendering used by sinks. */
export interface JsonRenderExtra {
  /** Always include a non-empty `output_fields` (Falcosidekick requires it). */
  forceOutputFields?: boolean;
}

/**
 * JSON alert line (no trailing newline): one object, keys sorted as nlohmann writes them.
 * Rule alerts: `hostname`, `message` (if json_include_message_property), `output` (if
 * json_include_output_property), `output_fields` (if json_include_output_fields_property; holds
 * the rule's fields plus the prefix time field, `evt.time.iso8601` or `evt.time`, as the event
 * time in ns — a 64-bit integer written exactly), `priority`, `rule`, `source`, `tags` (if
 * json_include_tags_property, sorted), `time`. Internal alerts (falco_outputs::handle_msg):
 * `hostname`, `output`, `output_fields`, `priority`, `rule`, `source`, `time` — no tags.
 */
export function formatAlertJson(a: Alert, opts: AlertFormatOptions = {}, extra: JsonRenderExtra = {}): string {
  const parts: [string, string][] = [];
  parts.push(["hostname", jsonString(a.hostname)]);
  if (isInternal(a)) {
    parts.push(["output", jsonString(a.output)]);
    let f = a.outputFields;
    if (extra.forceOutputFields && f.size === 0) f = new Map([["evt.time", a.time]]);
    parts.push(["output_fields", jsonObject(f)]);
  } else {
    const iso = opts.timeFormatIso8601 === true;
    if (opts.jsonIncludeOutputProperty !== false) parts.push(["output", jsonString(alertOutputLine(a, opts))]);
    if (opts.jsonIncludeTagsProperty !== false) {
      const tags = [...new Set(a.tags)].sort(byKey);
      parts.push(["tags", "[" + tags.map(jsonString).join(",") + "]"]);
    }
    if (opts.jsonIncludeMessageProperty === true) parts.push(["message", jsonString(a.output)]);
    if (opts.jsonIncludeOutputFieldsProperty !== false || extra.forceOutputFields) {
      const f = new Map(a.outputFields);
      f.set(timeFieldName(iso), a.time);
      parts.push(["output_fields", jsonObject(f)]);
    }
  }
  parts.push(["priority", jsonString(a.priorityName)]);
  parts.push(["rule", jsonString(a.rule)]);
  parts.push(["source", jsonString(a.source)]);
  parts.push(["time", jsonString(formatTimeJson(a.time))]);
  parts.sort((x, y) => byKey(x[0], y[0]));
  return "{" + parts.map(([k, v]) => jsonString(k) + ":" + v).join(",") + "}";
}

/** Render per `opts.jsonOutput`: JSON or text line (no trailing newline). */
export function formatAlert(a: Alert, opts: AlertFormatOptions = {}): string {
  return opts.jsonOutput ? formatAlertJson(a, opts) : formatAlertText(a, opts);
}

/** Host name for alerts: FALCO_HOSTNAME if set (non-empty), else the system host name (CLI contract). */
export function defaultHostname(): string {
  const h = process.env.FALCO_HOSTNAME;
  return h !== undefined && h !== "" ? h : osHostname();
}

/** Current time as ns since the epoch (µs resolution). */
export function nowNs(): bigint {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms * 1000)) * 1000n;
}

/** Inputs of makeRuleAlert. */
export interface RuleAlertInput {
  ev: Event;
  rule: string;
  priority: number;
  template: OutputTemplate;
  tags: readonly string[];
  source?: string;
  hostname: string;
  /** Extra output fields (Falco append_output / extra fields), typed values; merged after the template's. */
  extraFields?: Map<string, FieldValue>;
}

/** Build the Alert for a rule match: renders the template on the event (Falco falco_outputs::handle_event). */
export function makeRuleAlert(i: RuleAlertInput): Alert {
  const r = i.template.render(i.ev);
  if (i.extraFields) for (const [k, v] of i.extraFields) r.fields.set(k, v);
  return {
    time: i.ev.tsBig(),
    priority: i.priority,
    priorityName: priorityName(i.priority),
    rule: i.rule,
    output: r.text,
    outputFields: r.fields,
    tags: [...i.tags],
    source: i.source ?? "syscall",
    hostname: i.hostname,
  };
}

/**
 * An internal alert (source "internal", no tags), e.g. rule "Falco internal: hot restart
 * failure" or "Falco internal: syscall event drop" (falco_outputs::handle_msg).
 * @param rule rule name; @param priority 0..7 or a name ("Critical"); @param output message text;
 * @param fields output_fields (primitive values); @param time ns since epoch (default now);
 * @param hostname default defaultHostname().
 * @throws Error for an unknown priority.
 */
export function internalAlert(
  rule: string,
  priority: number | string,
  output: string,
  fields: Map<string, FieldValue> | Record<string, FieldValue> = {},
  time: bigint = nowNs(),
  hostname: string = defaultHostname(),
): Alert {
  const p = typeof priority === "number" ? priority : parsePriority(priority);
  const m = fields instanceof Map ? new Map(fields) : new Map(Object.entries(fields));
  return { time, priority: p, priorityName: priorityName(p), rule, output, outputFields: m, tags: [], source: "internal", hostname };
}
