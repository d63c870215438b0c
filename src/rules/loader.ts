/**
 * Falco's rules-file loader: the API the engine and the CLI use.
 *
 * `RulesLoader` is the stateful part of falco_engine (userspace/engine/falco_engine.cpp):
 * rules files are loaded one after the other into one collector (cumulative semantics: later
 * files redefine, append to and override items of earlier ones), and after each file everything
 * collected so far is compiled again, so each file has its own result (errors and warnings,
 * possibly about items of earlier files, exactly like Falco). `loadRules` is the one-call form:
 * load a list of files, then build the active `Ruleset` with the minimum priority, rule
 * selection (`-D` substring, `-t`/`-T` tags, Falco 0.44 `rules:` wildcard selections) and
 * `rule_matching`.
 *
 * Also here: Falco's `-L`/`-l` descriptions (text table and JSON), the plugin requirement check
 * (`required_plugin_versions`; our built-in container support counts as the `container` plugin
 * at version CONTAINER_PLUGIN_VERSION), and `getCompiledRuleCondition` (libsinsp as_string of a
 * rule's resolved condition, as Falco's unit tests read it).
 */
import { asString, type Expr, walkAst } from "./ast.ts";
import { parseCondition } from "./parser.ts";
import { compileCondition, linkConditions, type SubexprNode } from "./compile.ts";
import { Context, FileResult, RuleLoadException } from "./diagnostics.ts";
import { parseYamlDocuments, YamlSyntaxError, type YNode } from "./load_yaml.ts";
import { validateRulesDocument } from "./load_schema.ts";
import {
  Collector,
  type CollectConfig,
  ENGINE_VERSION,
  type PluginRequirement,
  type SourceInfo,
  parseVersion,
  readDocuments,
  versionCompatible,
  versionString,
  cmpBytes,
} from "./load_collect.ts";
import {
  compileCollected,
  type CompileOutput,
  type ExtraOutputField,
  type ExtraOutputFormat,
} from "./load_compile.ts";
import { checkOutputFormat } from "./load_output_check.ts";
import { isKnownFieldName } from "./load_warnings.ts";
import { type CompiledRule, type RuleMatching, Ruleset } from "./ruleset.ts";
import { formatPriority, parsePriority, Priority } from "./priority.ts";
import type { FieldRegistry } from "../fields/registry.ts";

/** Extra output formats/fields (Falco `append_output`), re-exported for the CLI. */
export type { ExtraOutputField, ExtraOutputFormat };

/** Falco 0.44's engine version, "0.63.0" (falco_engine_version.h). */
export const FALCO_ENGINE_VERSION = `${ENGINE_VERSION.major}.${ENGINE_VERSION.minor}.${ENGINE_VERSION.patch}`;

/** Version we declare for our built-in container support (Falco 0.44 bundles container plugin 0.7.1). */
export const CONTAINER_PLUGIN_VERSION = "0.7.1";

/** A loaded plugin as the requirement check sees it. */
export interface PluginVersion {
  name: string;
  version: string;
}

/** Plugins always present: our built-in container support stands for Falco's container plugin. */
export const BUILTIN_PLUGINS: readonly PluginVersion[] = [{ name: "container", version: CONTAINER_PLUGIN_VERSION }];

/** One rules file: its name (path as given) and content. */
export interface RuleSource {
  name: string;
  content: string;
}

/** A rule selection of Falco 0.44's `rules:` config: enable/disable by rule name (wildcards) or tag. */
export interface RuleSelection {
  op: "enable" | "disable";
  rule?: string;
  tag?: string;
}

/** Options of the loader that affect compilation. */
export interface LoaderConfig {
  /** Field registry used to check and compile conditions. */
  registry: FieldRegistry;
  /**
   * Output format compiler (syntax check): called for each rule's output and extra output
   * fields; throw with libsinsp's message on error ("invalid formatting token X" for unknown
   * fields, which skip-if-unknown-filter downgrades to a warning). Default: a registry-based
   * token check (load_output_check.ts).
   */
  compileOutput?: (fmt: string, rule: { name: string; source: string }) => void;
  /** Falco `append_output` formats. */
  extraOutputFormats?: ExtraOutputFormat[];
  /** Falco `append_output` extra fields. */
  extraOutputFields?: ExtraOutputField[];
  /** Known event sources (default ["syscall"]); rules of other sources warn and are skipped. */
  sources?: string[];
  /**
   * Share structurally identical sub-conditions between the rules of a ruleset, memoised per
   * event (src/rules/compile.ts linkConditions). Default true; false builds every rule's closures
   * on their own (same results; for equivalence tests and measurements).
   */
  shareSubexprs?: boolean;
}

/** Options of `loadRules`. */
export interface LoadOptions extends LoaderConfig {
  /** Minimum priority (number 0..7 or a name such as "warning"); default Debug (everything). */
  minPriority?: number | string;
  /** Falco <= 0.37 `-D`: disable rules whose name contains any of these substrings. */
  disabledRules?: string[];
  /** Falco <= 0.37 `-t`: only rules with one of these tags are enabled. */
  enabledTags?: string[];
  /** Falco <= 0.37 `-T`: disable rules with one of these tags. */
  disabledTags?: string[];
  /** Falco 0.44 `rules:` selections, applied in order after the options above. */
  rulesSelection?: RuleSelection[];
  /** `rule_matching` (default "first"). */
  ruleMatching?: RuleMatching;
  /** Loaded plugins for `required_plugin_versions` (default BUILTIN_PLUGINS). */
  plugins?: readonly PluginVersion[];
  /**
   * Stop at the first file that fails (Falco's normal start-up: load_rules_files) — default true.
   * `false` loads every file (Falco `-V`).
   */
  stopAtFirstError?: boolean;
}

/** Result of `loadRules`. */
export interface LoadResult {
  /** One result per file loaded, in order. */
  files: FileResult[];
  /** True when every file loaded and the plugin requirements are met. */
  successful: boolean;
  /** File contents by name (for snippets). */
  contents: Map<string, string>;
  /** The active ruleset, when successful. */
  ruleset?: Ruleset;
  /** Plugin requirement failure (Falco's fatal message), if any. */
  pluginError?: string;
  /** The loader, for descriptions (`-L`, `-l`). */
  loader: RulesLoader;
}

/** Parse a minimum priority given as number or name. @throws Error on an unknown name. */
export function resolveMinPriority(p: number | string | undefined): number {
  if (p === undefined) return Priority.DEBUG;
  if (typeof p === "number") return p;
  const v = parsePriority(p);
  if (v === undefined) throw new Error(`Unknown priority value: ${p}`);
  return v;
}

/** Stateful, cumulative rules loader (the rules part of falco_engine). */
export class RulesLoader {
  readonly registry: FieldRegistry;
  readonly collector = new Collector();
  /** File contents by name, for snippets. */
  readonly contents = new Map<string, string>();
  private readonly sources: Map<string, SourceInfo>;
  private readonly cfg: LoaderConfig;
  private last: CompileOutput | undefined;

  constructor(cfg: LoaderConfig) {
    this.cfg = cfg;
    this.registry = cfg.registry;
    this.sources = new Map();
    for (const s of cfg.sources ?? ["syscall"]) {
      this.sources.set(s, { name: s, isValidLhsField: (f) => this.isValidLhsField(f) });
    }
  }

  /** falco_source::is_valid_lhs_field: a field (possibly wrapped in transformers) usable on a left-hand side. */
  isValidLhsField(field: string): boolean {
    if (field.includes("(")) {
      try {
        const ast = parseCondition(field + " exists");
        compileCondition(ast, this.registry);
        return true;
      } catch {
        return false;
      }
    }
    return isKnownFieldName(field, this.registry);
  }

  /** The last successful compile output (rules, macros, lists), if any. */
  compileOutput(): CompileOutput | undefined {
    return this.last;
  }

  /**
   * Load one rules file on top of what was loaded before (falco_engine::load_rules): parse the
   * YAML, validate it against the schema (reported only), collect its items, then compile
   * everything. Never throws for bad content: problems are errors in the returned result.
   */
  load(name: string, content: string): FileResult {
    const res = new FileResult(name);
    this.contents.set(name, content);
    const root = Context.root(name);
    let docs: YNode[];
    try {
      docs = parseYamlDocuments(content);
    } catch (e) {
      if (e instanceof YamlSyntaxError) {
        res.addError("LOAD_ERR_YAML_PARSE", e.message, root.child(e.pos, "value for", ""));
        return res;
      }
      res.addError("LOAD_ERR_YAML_PARSE", e instanceof Error ? e.message : "unknown YAML parsing error", root);
      return res;
    }
    try {
      res.schemaValidationStatus = docs.filter((d) => d.kind !== "null").map(validateRulesDocument);
    } catch {
      res.schemaValidationStatus = ["failed for <root>: schema validation error"];
    }
    const ccfg: CollectConfig = { name, res, sources: this.sources };
    try {
      if (!readDocuments(ccfg, this.collector, docs)) return res;
      const out = compileCollected(res, this.collector, {
        registry: this.registry,
        compileOutput: this.cfg.compileOutput ?? ((fmt) => checkOutputFormat(fmt, this.registry)),
        extraOutputFormats: this.cfg.extraOutputFormats ?? [],
        extraOutputFields: this.cfg.extraOutputFields ?? [],
      });
      if (out && res.successful) this.last = out;
    } catch (e) {
      if (e instanceof RuleLoadException) res.addError(e.code, e.message, e.ctx);
      else if (e instanceof RangeError) res.addError("LOAD_ERR_VALIDATE", "rules content too deeply nested", root);
      else res.addError("LOAD_ERR_VALIDATE", e instanceof Error ? e.message : "unknown validation error", root);
    }
    return res;
  }

  /**
   * Check `required_plugin_versions` against the loaded plugins (falco_engine::check_plugin_requirements).
   * Returns undefined when satisfied, else Falco's error message.
   */
  checkPluginRequirements(plugins: readonly PluginVersion[] = BUILTIN_PLUGINS): string | undefined {
    for (const alternatives of this.collector.requiredPluginVersions) {
      let err = "";
      let ok = false;
      outer: for (const req of alternatives) {
        for (const p of plugins) {
          if (req.name !== p.name) continue;
          const have = parseVersion(p.version);
          if (!have.valid) {
            err = `Plugin '${p.name}' has invalid version string '${p.version}'`;
            break outer;
          }
          if (!versionCompatible(have, parseVersion(req.version))) {
            err = `Plugin '${p.name}' version '${p.version}' is not compatible with required plugin version '${req.version}'`;
            break outer;
          }
          ok = true;
          break outer;
        }
      }
      if (!ok) {
        if (err === "") {
          err =
            "Plugin requirement not satisfied, must load one of: " +
            alternatives.map((r: PluginRequirement) => `${r.name} (>= ${r.version})`).join(", ");
        }
        return err;
      }
    }
    return undefined;
  }

  /**
   * Build the active ruleset from the last successful compilation: rules passing `minPriority`
   * (numerically <=), enabled as loaded, of the syscall source... (all known sources).
   */
  buildRuleset(minPriority: number = Priority.DEBUG, ruleMatching: RuleMatching = "first"): Ruleset {
    const out = this.last;
    const rules: CompiledRule[] = [];
    if (out) {
      // Rules of this ruleset, their conditions linked together so that sub-conditions two or
      // more of them use are evaluated once per event.
      const kept = [...out.rules.values()].filter((r) => r.priority <= minPriority);
      const nodes = kept.map((r) => r.filter.node).filter((n): n is SubexprNode => n !== undefined);
      const linked = nodes.length === kept.length ? linkConditions(nodes, this.cfg.shareSubexprs ?? true) : undefined;
      for (let i = 0; i < kept.length; i++) {
        const r = kept[i]!;
        const info = this.collector.rules.at(r.name)!;
        const names = r.filter.evttypes;
        rules.push({
          id: r.id,
          name: r.name,
          desc: r.description,
          priority: r.priority,
          priorityName: formatPriority(r.priority),
          output: r.output,
          tags: r.tags,
          source: r.source,
          enabled: info.enabled,
          condition: r.condition,
          match: linked ? linked[i]! : r.filter.match,
          evttypes: r.filter.evtcodes,
          evttypeNames: names,
          warnEvttypes: info.warnEvttypes,
          skipIfUnknownFilter: info.skipIfUnknownFilter,
          capture: r.capture,
          captureDuration: r.captureDuration,
          exceptionFields: r.exceptionFields,
          extraOutputFields: r.extraOutputFields,
          fields: r.filter.fields,
        });
      }
    }
    return new Ruleset(rules, ruleMatching);
  }

  /** libsinsp as_string of a compiled rule's resolved condition, or undefined if not loaded. */
  getCompiledRuleCondition(name: string): string | undefined {
    const r = this.last?.rules.at(name);
    return r ? asString(r.condition) : undefined;
  }

  /** A compiled rule's output format (with appends/extra formats), or undefined. */
  getCompiledRuleOutput(name: string): string | undefined {
    return this.last?.rules.at(name)?.output;
  }

  /**
   * Falco's describe_rule JSON (`-L`/`-l` with json_output): with no name, required versions and
   * every rule, macro and list; with a name, that rule only.
   * @throws Error `Rule "X" is not loaded` for an unknown name.
   */
  describe(ruleName?: string): DescribeJson {
    const out = this.last;
    if (!out) throw new Error("rules must be loaded before describing them");
    if (ruleName !== undefined) {
      const ri = this.collector.rules.at(ruleName);
      const r = out.rules.at(ruleName);
      if (!ri || ri.unknownSource || !r) throw new Error(`Rule "${ruleName}" is not loaded`);
      return { rules: [this.describeRule(ruleName)] };
    }
    const col = this.collector;
    return {
      required_engine_version: versionString(col.requiredEngineVersion.version),
      required_plugin_versions: col.requiredPluginVersions.map((req) => ({
        name: req[0]!.name,
        version: req[0]!.version,
        alternatives: req.slice(1).map((a) => ({ name: a.name, version: a.version })),
      })),
      rules: out.rules.values().map((r) => this.describeRule(r.name)),
      macros: out.macros.values().map((m) => {
        const info = col.macros.at(m.name)!;
        const raw = this.rawDetails(info.cond);
        const comp = compiledDetails(m.condition);
        return {
          info: { name: m.name, condition: info.cond },
          details: {
            used: m.used,
            macros: raw.macros,
            lists: raw.lists,
            condition_operators: comp.operators,
            condition_fields: comp.fields,
            events: this.eventsOf(m.condition),
            condition_compiled: asString(m.condition),
            plugins: [],
          },
        };
      }),
      lists: out.lists.values().map((l) => {
        const info = col.lists.at(l.name)!;
        const items: string[] = [];
        const lists = new Set<string>();
        for (const i of info.items) {
          if (!l.items.includes(i)) {
            lists.add(i);
            continue;
          }
          items.push(i);
        }
        return {
          info: { name: l.name, items },
          details: { used: l.used, lists: [...lists], items_compiled: [...l.items], plugins: [] },
        };
      }),
    };
  }

  private rawDetails(cond: string): { macros: string[]; lists: string[] } {
    const macros = new Set<string>();
    const lists = new Set<string>();
    let ast: Expr;
    try {
      ast = parseCondition(cond, { maxDepth: 1000 });
    } catch {
      return { macros: [], lists: [] };
    }
    walkAst(ast, (e) => {
      if (e.kind === "identifier" && this.collector.macros.at(e.identifier)) macros.add(e.identifier);
      if (e.kind === "value" && this.collector.lists.at(e.value)) lists.add(e.value);
      if (e.kind === "list") for (const v of e.values) if (this.collector.lists.at(v)) lists.add(v);
    });
    return { macros: [...macros].sort(cmpBytes), lists: [...lists].sort(cmpBytes) };
  }

  private eventsOf(ast: Expr): string[] {
    try {
      const f = compileCondition(ast, this.registry);
      if (f.evttypes === null) return [];
      return [...f.evttypes].sort(cmpBytes);
    } catch {
      return [];
    }
  }

  private describeRule(name: string): DescribeRuleJson {
    const r = this.last!.rules.at(name)!;
    const info = this.collector.rules.at(name)!;
    const raw = this.rawDetails(info.cond);
    const comp = compiledDetails(r.condition);
    const opset = new Set<string>();
    for (const e of info.exceptions) {
      if (e.comps.isList) {
        for (const c of e.comps.items) {
          if (c.isList) for (const i of c.items) opset.add(i.item);
          else opset.add(c.item);
        }
      } else opset.add(e.comps.item);
    }
    const extraFormatted: Record<string, string> = {};
    for (const [k, v] of r.extraOutputFields) if (!v.raw) extraFormatted[k] = v.format;
    const details: DescribeRuleJson["details"] = {
      macros: raw.macros,
      lists: raw.lists,
      condition_operators: comp.operators,
      condition_fields: comp.fields,
      output_fields: outputFieldNames(r.output, [...r.extraOutputFields.values()].map((v) => v.format)),
      exception_fields: r.exceptionFields,
      exception_names: [...new Set(info.exceptions.map((e) => e.name))],
      exception_operators: [...opset],
      events: r.filter.evttypes === null ? [] : [...r.filter.evttypes].sort(cmpBytes),
      condition_compiled: asString(r.condition),
      output_compiled: r.output,
      plugins: [],
    };
    if (Object.keys(extraFormatted).length > 0) details.extra_output_formatted_fields = extraFormatted;
    return {
      info: {
        name: r.name,
        condition: info.cond,
        priority: formatPriority(r.priority),
        output: info.output,
        description: r.description,
        enabled: info.enabled,
        source: r.source,
        capture: r.capture,
        capture_duration: r.captureDuration,
        tags: [...info.tags],
      },
      details,
    };
  }
}

function compiledDetails(ast: Expr): { operators: string[]; fields: string[] } {
  const ops = new Set<string>();
  const fields = new Set<string>();
  walkAst(ast, (e) => {
    if (e.kind === "binary_check" || e.kind === "unary_check") ops.add(e.op);
    if (e.kind === "field") fields.add(e.arg === undefined ? e.field : `${e.field}[${e.arg}]`);
  });
  return { operators: [...ops].sort(cmpBytes), fields: [...fields].sort(cmpBytes) };
}

function outputFieldNames(fmt: string, extra: string[]): string[] {
  const out: string[] = [];
  for (const f of [...extra, fmt]) {
    const re = /%\(([^)]*)\)|%([A-Za-z0-9_.]+(?:\[[^\]]*\])?)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(f)) !== null) out.push((m[1] ?? m[2] ?? "").trim().replace(/\.+$/, ""));
  }
  return out;
}

/** JSON of one described rule (Falco describe_rule). */
export interface DescribeRuleJson {
  info: {
    name: string;
    condition: string;
    priority: string;
    output: string;
    description: string;
    enabled: boolean;
    source: string;
    capture: boolean;
    capture_duration: number;
    tags: string[];
  };
  details: {
    macros: string[];
    lists: string[];
    condition_operators: string[];
    condition_fields: string[];
    output_fields: string[];
    exception_fields: string[];
    exception_names: string[];
    exception_operators: string[];
    events: string[];
    condition_compiled: string;
    output_compiled: string;
    extra_output_formatted_fields?: Record<string, string>;
    plugins: string[];
  };
}

/** JSON of Falco's describe_rule. */
export interface DescribeJson {
  required_engine_version?: string;
  required_plugin_versions?: { name: string; version: string; alternatives: { name: string; version: string }[] }[];
  rules: DescribeRuleJson[];
  macros?: { info: { name: string; condition: string }; details: Record<string, unknown> }[];
  lists?: { info: { name: string; items: string[] }; details: Record<string, unknown> }[];
}

/**
 * JSON text as Falco's nlohmann::json dump(-1): compact, object keys in sorted (byte) order.
 * Use for `-L`/`-l` JSON output and anything else Falco prints as JSON.
 */
export function toFalcoJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort(cmpBytes)) if (o[k] !== undefined) out[k] = sortKeys(o[k]);
    return out;
  }
  return v;
}

/**
 * falco::utils::wrap_text: words separated by blanks, wrapped so each line holds at most
 * `lineLen - indent` characters (each word counted with a trailing space); continuation lines are
 * indented by `indent` spaces. Every word is followed by a space.
 */
export function wrapText(text: string, indent: number, lineLen: number): string {
  let os = "";
  let len = 0;
  for (const word of text.split(/[ \t\n\v\f\r]+/).filter((w) => w !== "")) {
    if (len + word.length + 1 <= lineLen - indent) {
      len += word.length + 1;
    } else {
      os += "\n" + " ".repeat(indent);
      len = word.length + 1;
    }
    os += word + " ";
  }
  return os;
}

function twoColumns(l: string, r: string): string {
  return l.padEnd(50, " ") + " " + r + "\n";
}

/**
 * Falco's `-L` / `-l NAME` text (format_described_rules_as_text): a "Rule / Description" header,
 * then per rule its name padded to 50 columns and its description wrapped at 110 columns, each
 * entry followed by a blank line.
 */
export function describeRulesText(d: DescribeJson): string {
  let os = twoColumns("Rule", "Description") + twoColumns("----", "-----------");
  for (const r of d.rules) {
    os += twoColumns(r.info.name, wrapText(r.info.description, 51, 110) + "\n");
  }
  return os;
}

/**
 * Load rules files in order and build the active ruleset (Falco start-up: load_rules_files, then
 * rule selection). By default stops at the first failing file, as Falco does.
 */
export function loadRules(sources: readonly RuleSource[], opts: LoadOptions): LoadResult {
  const loader = new RulesLoader(opts);
  const files: FileResult[] = [];
  let ok = true;
  for (const s of sources) {
    const r = loader.load(s.name, s.content);
    files.push(r);
    if (!r.successful) {
      ok = false;
      if (opts.stopAtFirstError ?? true) break;
    }
  }
  const result: LoadResult = { files, successful: ok, contents: loader.contents, loader };
  const perr = loader.checkPluginRequirements(opts.plugins ?? BUILTIN_PLUGINS);
  if (perr !== undefined) {
    result.pluginError = perr;
    result.successful = false;
  }
  if (!result.successful) return result;
  const ruleset = loader.buildRuleset(resolveMinPriority(opts.minPriority), opts.ruleMatching ?? "first");
  applySelection(ruleset, opts);
  result.ruleset = ruleset;
  return result;
}

/**
 * Apply rule selection to a ruleset, in Falco's order: `-D` substrings (disable), `-T` tags
 * (disable), `-t` tags (disable everything, then enable those tags), then the 0.44 `rules:`
 * selections in order (rule names with `*` wildcards, tags).
 */
export function applySelection(ruleset: Ruleset, opts: Pick<LoadOptions, "disabledRules" | "enabledTags" | "disabledTags" | "rulesSelection">): void {
  for (const s of opts.disabledRules ?? []) ruleset.setEnabledByName(s, "substring", false);
  if (opts.disabledTags && opts.disabledTags.length > 0) ruleset.setEnabledByTags(opts.disabledTags, false);
  if (opts.enabledTags && opts.enabledTags.length > 0) {
    ruleset.setEnabledByName("", "substring", false);
    ruleset.setEnabledByTags(opts.enabledTags, true);
  }
  for (const sel of opts.rulesSelection ?? []) {
    const en = sel.op === "enable";
    if (sel.rule !== undefined && sel.rule !== "") ruleset.setEnabledByName(sel.rule, "wildcard", en);
    if (sel.tag !== undefined && sel.tag !== "") ruleset.setEnabledByTags([sel.tag], en);
  }
}

/** What a describe command writes and its exit code. */
export interface DescribeOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * `falco -L` (no name) / `falco -l NAME` (load_rules_files.cpp): the rules table as text, or with
 * `json` Falco's describe JSON on one line. An unknown NAME is Falco's error
 * `Rule "NAME" is not loaded` on stderr with exit code 1.
 */
export function describeRules(loader: RulesLoader, name?: string, json = false): DescribeOutput {
  let d: DescribeJson;
  try {
    d = loader.describe(name);
  } catch (e) {
    return { stdout: "", stderr: `Error: ${(e as Error).message}\n`, exitCode: 1 };
  }
  return { stdout: json ? toFalcoJson(d) + "\n" : describeRulesText(d), stderr: "", exitCode: 0 };
}

/**
 * The text Falco prints when loading fails at start-up (load_rules_files.cpp): the verbose result
 * of the first failing file, or the plugin requirement error. Undefined when loading succeeded.
 */
export function loadFailureText(r: LoadResult): string | undefined {
  const bad = r.files.find((f) => !f.successful);
  if (bad) return bad.asVerboseString(r.contents);
  return r.pluginError;
}

/**
 * The warnings Falco logs at start-up: the verbose result of each file that loaded with warnings
 * (one string per file, in load order).
 */
export function loadWarningTexts(r: LoadResult): string[] {
  return r.files.filter((f) => f.successful && f.hasWarnings()).map((f) => f.asVerboseString(r.contents));
}
