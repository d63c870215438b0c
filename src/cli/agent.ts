/**
 * The main job: configuration → rules → state, fields, outputs → engine → live probe or replay,
 * with hot reload, signals and the drop reporting Falco users expect. Also the informational
 * commands that need the same set-up (-V, -L, -l, --list, --dry-run, --support).
 */
import { existsSync, readFileSync } from "node:fs";
import { hostname as osHostname, networkInterfaces, release } from "node:os";
import { resolve } from "node:path";
import { Engine, type EngineRule, type EngineState } from "../engine.ts";
import type { Event } from "../events/event.ts";
import { EVENT_TABLE } from "../events/event_table.ts";
import { createRegistry } from "../fields/index.ts";
import { fieldContextFromState, type FieldContext, type InterfaceAddresses } from "../fields/context.ts";
import { awaitDnsPrefetch } from "../fields/dns.ts";
import { StateEngine } from "../state/parser.ts";
import { scanProc } from "../state/procfs.ts";
import { compileOutput, type OutputTemplate } from "../outputs/format.ts";
import { defaultHostname, internalAlert, makeRuleAlert } from "../outputs/alert.ts";
import { createOutputs } from "../outputs/config.ts";
import { OUTPUT_CHILD_PIDS, type Outputs } from "../outputs/sinks.ts";
import { describeRulesText, FALCO_ENGINE_VERSION, loadRules, type ExtraOutputField, type ExtraOutputFormat, type LoadOptions, type LoadResult } from "../rules/loader.ts";
import type { FieldValue } from "../fields/registry.ts";
import type { CompiledRule } from "../rules/ruleset.ts";
import { asString } from "../rules/ast.ts";
import { renderValidation, validateRules } from "../rules/validate.ts";
import { RulesWatcher } from "../reload/watcher.ts";
import { applyOverrides, ConfigError, defaultConfig, formatDiagnostic, loadConfigFile, type FalcoConfig } from "./config.ts";
import { BUNDLED_RULES, readRulesSources, RulesPathError, type RulesSource } from "./rules_files.ts";
import { REQUIRED_KERNEL_FEATURES, VERSION } from "./version.ts";
import { syscallSet } from "./syscall_set.ts";
import { ContainerManager, containerHintFromCgroups } from "../containers/cache.ts";
import { runReplay } from "./replay.ts";
import { DropsConfigError, validateDropSettings, type DropSettings } from "./drops.ts";
import { pendingContainer, ruleCapture, runLive } from "./live.ts";
import { lockdownMode, preflight, probeLoadCheck } from "../probe/probe.ts";
import { MetricsRegistry, metricsInterval, startMetricsSnapshots, type CaptureCounters } from "./metrics.ts";
import { startWebserver, type Webserver } from "./webserver.ts";

/** Parsed command-line options (commander's names). */
export interface MainOptions {
  rules: string[];
  config?: string;
  option: string[];
  capture?: string;
  /** --capture-file: record live events to this scap file. */
  captureFile?: string;
  validate: string[];
  L?: boolean;
  l?: string;
  list?: string | boolean;
  D: string[];
  t: string[];
  T: string[];
  A?: boolean;
  unbuffered?: boolean;
  M?: string;
  dryRun?: boolean;
  watch?: boolean;
  support?: boolean;
  /** --cri: CRI sockets (repeatable), replacing container.cri_sockets. */
  cri?: string[];
}

let isoLogTime = false;
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const p2 = (n: number) => String(n).padStart(2, "0");

/**
 * Write a log line to stderr, prefixed with the time as Falco's logger does (UTC):
 * `2026-11-29T09:23:16+0000: msg` with time_format_iso_8601, else `Sun Nov 29 09:23:16 2026: msg`.
 */
export function log(msg: string): void {
  const d = new Date();
  const t = isoLogTime
    ? `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}+0000`
    : `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
  process.stderr.write(`${t}: ${msg}\n`);
}

/** Resolve the configuration: -c, else /etc/falco/falco.yaml if present, else defaults; then -o. */
function resolveConfig(o: MainOptions): { config: FalcoConfig; path: string | undefined } {
  const path = o.config ?? (existsSync("/etc/falco/falco.yaml") ? "/etc/falco/falco.yaml" : undefined);
  let config = defaultConfig();
  if (path) {
    const r = loadConfigFile(path, config);
    config = r.config;
    for (const d of r.diagnostics) log(formatDiagnostic(d));
  }
  const overrides = [...o.option];
  if (o.capture) overrides.push("engine.kind=replay", `engine.replay.capture_file=${o.capture}`);
  if (o.A) overrides.push("base_syscalls.all=true");
  if (o.unbuffered) overrides.push("buffered_outputs=false");
  if (o.cri?.length) overrides.push(`container.cri_sockets=${JSON.stringify(o.cri)}`);
  for (const d of applyOverrides(config, overrides)) log(formatDiagnostic(d));
  isoLogTime = config.time_format_iso_8601;
  return { config, path };
}

/** The rules files to load and the paths to watch for them. */
function resolveRules(o: MainOptions, config: FalcoConfig): { sources: () => RulesSource[]; watch: string[]; label: string } {
  if (o.rules.length) return { sources: () => readRulesSources(o.rules.map((p) => resolve(p))), watch: o.rules.map((p) => resolve(p)), label: o.rules.join(", ") };
  if (config.rules_files.length) {
    return { sources: () => readRulesSources(config.rules_files, true), watch: config.rules_files.map((p) => resolve(p)), label: config.rules_files.join(", ") };
  }
  return { sources: () => [...BUNDLED_RULES], watch: [], label: "embedded rules" };
}

/** Top-level configuration keys whose values differ between two configurations (JSON comparison). */
export function changedConfigKeys(a: FalcoConfig, b: FalcoConfig): string[] {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k])).sort();
}

/** The machine's interface addresses (refreshed at most every 10 s), for local/remote socket ends. */
function machineInterfaces(): InterfaceAddresses {
  let at = 0;
  let v4 = new Set<string>();
  let v6: string[] = [];
  const refresh = () => {
    if (Date.now() - at < 10_000) return;
    at = Date.now();
    v4 = new Set();
    v6 = [];
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) {
        if (a.family === "IPv4") v4.add(a.address);
        else v6.push(a.address);
      }
    }
  };
  return {
    ipv4: () => (refresh(), v4),
    ipv6: () => (refresh(), v6),
  };
}

/** Everything an agent run shares: state, fields, rules and outputs. */
export interface Pipeline {
  config: FalcoConfig;
  state: StateEngine;
  ctx: FieldContext;
  registry: ReturnType<typeof createRegistry>;
  containers: ContainerManager | null;
  hostname: string;
  loadOptions: LoadOptions;
}

/** Build state, field context and registry. `live` selects /proc lookups and container metadata. */
export function buildPipeline(config: FalcoConfig, o: Pick<MainOptions, "D" | "t" | "T">, live: boolean): Pipeline {
  const hostname = process.env.FALCO_HOSTNAME || defaultHostname() || osHostname();
  const state = new StateEngine({ queryProc: live });
  const containers = live && config.container.enabled ? ContainerManager.fromConfig(config.container, { log: (level, msg) => (level === "debug" ? undefined : log(`container runtime: ${msg}`)) }) : null;
  const ctx: FieldContext = fieldContextFromState({
    threads: state.threads,
    usergroups: state.users,
    containers: containers ?? undefined,
    hostname: () => hostname,
    // Live: the machine's interfaces decide which end of a socket is local (fd.lip/fd.rip...).
    ...(live ? { interfaces: machineInterfaces() } : {}),
  });
  const registry = createRegistry(ctx);
  const extra = appendOutputOptions(config.append_output);
  const loadOptions: LoadOptions = {
    registry,
    extraOutputFormats: extra.formats,
    extraOutputFields: extra.fields,
    compileOutput: (fmt) => {
      compileOutput(fmt, registry);
    },
    minPriority: config.priority,
    disabledRules: o.D,
    enabledTags: o.t,
    disabledTags: o.T,
    ruleMatching: config.rule_matching,
  };
  return { config, state, ctx, registry, containers, hostname, loadOptions };
}

/**
 * Map Falco's `append_output` config (a list of `{match: {source, tags, rule}, extra_output,
 * extra_fields}`; extra_fields items are a field name (raw value) or a `{key: format}` map) to the
 * loader's extra output options. Malformed entries are ignored with a log line.
 */
export function appendOutputOptions(entries: unknown[]): { formats: ExtraOutputFormat[]; fields: ExtraOutputField[] } {
  const formats: ExtraOutputFormat[] = [];
  const fields: ExtraOutputField[] = [];
  for (const [i, e] of (Array.isArray(entries) ? entries : []).entries()) {
    if (!e || typeof e !== "object") {
      log(`warning: append_output[${i}]: expected a map, ignored`);
      continue;
    }
    const m = ((e as Record<string, unknown>).match ?? {}) as Record<string, unknown>;
    const sel = {
      source: typeof m.source === "string" ? m.source : undefined,
      tags: Array.isArray(m.tags) ? m.tags.map(String) : undefined,
      rule: typeof m.rule === "string" ? m.rule : undefined,
    };
    const text = (e as Record<string, unknown>).extra_output;
    if (typeof text === "string" && text) formats.push({ format: text, ...sel });
    const ef = (e as Record<string, unknown>).extra_fields;
    for (const f of Array.isArray(ef) ? ef : []) {
      if (typeof f === "string") fields.push({ key: f, format: `%${f}`, raw: true, ...sel });
      else if (f && typeof f === "object") for (const [k, v] of Object.entries(f)) fields.push({ key: k, format: String(v), raw: false, ...sel });
    }
  }
  return { formats, fields };
}

/** Print load errors/warnings as Falco does at start-up (text form of -V) to stderr. */
function reportLoad(res: LoadResult): void {
  if (!res.successful) {
    for (const line of loadReportText(res).split("\n")) if (line.trim()) log(line);
    return;
  }
  // As Falco: warnings are printed at start-up only in verbose mode; say how to see them.
  const n = res.files.reduce((a, f) => a + (f.hasWarnings() ? f.warnings.length : 0), 0);
  if (n) log(`rules loaded with ${n} warnings (falco-ts -V ${res.files.map((f) => f.name).join(" -V ")} shows them)`);
}

/** Falco's verbose text of a load result (errors and warnings with positions), one file after another. */
export function loadReportText(res: LoadResult): string {
  const parts: string[] = [];
  for (const f of res.files) if (!f.successful || f.hasWarnings()) parts.push(f.asVerboseString(res.contents));
  if (res.pluginError) parts.push(res.pluginError);
  return parts.join("\n");
}

/** A ruleset prepared for the engine: rules plus their compiled output templates. */
export interface ActiveRules {
  result: LoadResult;
  templates: Map<number, OutputTemplate>;
  /** Per rule id: append_output extra fields (key, template, raw value or formatted text). */
  extraFields: Map<number, { key: string; template: OutputTemplate; raw: boolean }[]>;
  eventNames: Set<string>;
}

/** Load and prepare rules. @returns null (after reporting) when loading failed. */
export function prepareRules(p: Pipeline, sources: RulesSource[]): { active: ActiveRules | null; result: LoadResult } {
  const result = loadRules(sources, p.loadOptions);
  if (!result.successful || !result.ruleset) return { active: null, result };
  const templates = new Map<number, OutputTemplate>();
  const extraFields = new Map<number, { key: string; template: OutputTemplate; raw: boolean }[]>();
  for (const r of result.ruleset.rules) {
    try {
      templates.set(r.id, compileOutput(r.output, p.registry));
      if (r.extraOutputFields.size) {
        const list: { key: string; template: OutputTemplate; raw: boolean }[] = [];
        for (const [key, f] of r.extraOutputFields) list.push({ key, template: compileOutput(f.format, p.registry), raw: f.raw });
        extraFields.set(r.id, list);
      }
    } catch {
      /* the loader already reported it; the rule keeps an empty template */
    }
  }
  const eventNames = new Set<string>();
  for (const c of result.ruleset.enabledEventCodes()) eventNames.add(EVENT_TABLE[c]!.name);
  return { active: { result, templates, extraFields, eventNames }, result };
}

/** Rule matches dropped because the event came from one of the agent's own output programs. */
export const selfSuppressed = { count: 0 };

/** True if the event's process is, or descends from, a program-output child of this agent. */
function fromOutputChild(p: Pipeline, ev: Event): boolean {
  let t = ev.thread;
  for (let i = 0; t && i < 16; i++) {
    if (OUTPUT_CHILD_PIDS.has(t.pid)) return true;
    if (t.ptid <= 0) break;
    t = p.state.threads.get(t.ptid) ?? null;
  }
  return false;
}

/**
 * Build the alert emitter for matches. In live mode, the first alert from a container whose
 * metadata is still unknown is deferred: the engine pauses on that event, the live loop waits
 * (bounded by container.metadata_wait_ms) and then emits it, so container.name/image are on the
 * first alert (Falco issues #1491, #2700, #2973).
 */
export function matchHandler(p: Pipeline, getActive: () => ActiveRules, outputs: Outputs, getEngine?: () => Engine): (rule: EngineRule, ev: Event) => void {
  return (rule, ev) => {
    const r = rule as unknown as CompiledRule;
    const template = getActive().templates.get(r.id);
    if (!template) return;
    if (OUTPUT_CHILD_PIDS.size !== 0 && fromOutputChild(p, ev)) {
      selfSuppressed.count++;
      return;
    }
    const extras = getActive().extraFields.get(r.id);
    const emit = (e: Event) => {
      let extraFields: Map<string, FieldValue> | undefined;
      if (extras) {
        extraFields = new Map();
        for (const x of extras) {
          const out = x.template.render(e);
          extraFields.set(x.key, x.raw ? out.fields.values().next().value : out.text);
        }
      }
      outputs.emit(makeRuleAlert({ ev: e, rule: r.name, priority: r.priority, template, tags: r.tags, source: r.source, hostname: p.hostname, extraFields }));
    };
    const cap = p.config.capture;
    if (cap.enabled && (cap.mode === "all_rules" || r.capture)) ruleCapture.trigger(ev, r.captureDuration > 0 ? r.captureDuration : cap.default_duration);
    const cid = ev.thread?.containerId;
    const engine = getEngine?.();
    if (engine && p.containers && cid && cid !== "host" && p.containers.needsWait(cid)) {
      // The thread's cgroups give the full 64-hex id and the runtime (container.id is 12 hex).
      p.containers.sighted(cid, ev.thread?.cgroups ? containerHintFromCgroups(ev.thread.cgroups, cid) : undefined);
      pendingContainer.defer(cid, emit);
      engine.requestPause();
      return;
    }
    emit(ev);
  };
}

/**
 * The state hook the engine runs before the rules, plus the first sighting of each container: when
 * an event's thread belongs to a container whose metadata is not cached, the container manager
 * reads it at once (ContainerManager.sightedSync: Docker's on-disk state, else an async lookup), so
 * that conditions on container.* (e.g. `container.image startswith nginx`, `container.privileged`)
 * hold on the container's first events, not only after the runtime's API answered. Cost per event:
 * one string comparison (the container id of the previous event's thread). Without a container
 * manager this is `p.state` itself.
 */
export function withContainerSightings(p: Pipeline): EngineState {
  const containers = p.containers;
  if (!containers) return p.state;
  const state = p.state;
  let lastCid = "";
  return {
    process(ev: Event): void {
      state.process(ev);
      const t = ev.thread;
      if (!t) return;
      const cid = t.containerId;
      if (cid === lastCid) return;
      lastCid = cid;
      if (cid === "host" || cid === "" || containers.get(cid) !== undefined) return;
      containers.sightedSync(cid, containerHintFromCgroups(t.cgroups, cid));
    },
  };
}

/** `falco-ts [options]`: dispatch to the informational commands or run the agent. @returns exit code. */
export async function runMain(o: MainOptions): Promise<number> {
  let config: FalcoConfig;
  let configPath: string | undefined;
  try {
    ({ config, path: configPath } = resolveConfig(o));
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const d of e.diagnostics) log(formatDiagnostic(d));
      return 1;
    }
    throw e;
  }
  // Falco validates syscall_event_drops while loading the configuration, for every command.
  let drops: DropSettings;
  try {
    drops = validateDropSettings(config.syscall_event_drops, configPath ?? "built-in defaults");
  } catch (e) {
    if (e instanceof DropsConfigError) {
      log(`Error: ${e.message}`);
      return 1;
    }
    throw e;
  }

  // Falco checks metrics.interval while loading the configuration, too.
  if (config.metrics.enabled) {
    try {
      metricsInterval(config.metrics);
    } catch (e) {
      log(`error: ${(e as Error).message}`);
      return 1;
    }
  }

  // -V: validate files cumulatively, print Falco's result, exit.
  if (o.validate.length) {
    let sources: RulesSource[];
    try {
      sources = o.validate.map((f) => ({ name: f, content: readFileSync(f, "utf8") }));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      log(`error: cannot read rules file ${err.path ?? ""}: ${err.code === "ENOENT" ? "no such file or directory" : err.code === "EISDIR" ? "is a directory (-V takes files)" : err.message}`);
      return 1;
    }
    const p = buildPipeline(config, o, false);
    const out = renderValidation(validateRules(sources, p.loadOptions), config.json_output);
    process.stdout.write(out.stdout);
    process.stderr.write(out.stderr);
    return out.exitCode;
  }

  const live = config.engine.kind !== "replay";
  if (o.list !== undefined && o.list !== false) {
    const p = buildPipeline(config, o, false);
    process.stdout.write(listFields(p, typeof o.list === "string" ? o.list : undefined));
    return 0;
  }

  const p = buildPipeline(config, o, live && !o.L && !o.l && !o.dryRun && !o.support);
  let rules = resolveRules(o, config);
  let sources: RulesSource[];
  try {
    sources = rules.sources();
  } catch (e) {
    if (e instanceof RulesPathError) {
      log(`${e.message} (check -r/--rules or rules_files)`);
      return 1;
    }
    throw e;
  }
  const t0 = performance.now();
  const { active, result } = prepareRules(p, sources);
  reportLoad(result);
  if (!active) {
    log(`error: could not load rules from ${rules.label}; fix the errors above (falco-ts -V FILE shows them all)`);
    return 1;
  }
  const ruleset = active.result.ruleset!;

  if (o.L || o.l) {
    const d = active.result.loader.describe(o.l);
    if (o.l && d.rules.length === 0) {
      log(`error: rule "${o.l}" is not loaded`);
      return 1;
    }
    process.stdout.write(config.json_output ? `${JSON.stringify(d)}\n` : describeRulesText(d));
    return 0;
  }
  if (o.support) {
    process.stdout.write(`${JSON.stringify(supportReport(sources, ruleset.enabledCount()), null, 2)}\n`);
    return 0;
  }
  log(`loaded ${ruleset.enabledCount()} rules from ${rules.label} in ${(performance.now() - t0).toFixed(1)} ms`);
  if (o.dryRun) return 0;

  let outputs: Outputs;
  try {
    outputs = createOutputs(config as never, { unbuffered: o.unbuffered, log, hostname: p.hostname });
  } catch (e) {
    log(`error: ${(e as Error).message}`);
    return 1;
  }

  let current = active;
  // Metrics (webserver /metrics and the metrics snapshots) read these counters.
  let probeStats: (() => CaptureCounters) | null = null;
  const metrics = new MetricsRegistry({
    hostname: p.hostname,
    engineName: live ? "modern_bpf" : "savefile",
    flags: config.metrics,
    sources: {
      engine: () => engine.counters,
      outputs: () => outputs.stats(),
      capture: () => probeStats?.() ?? { events: engine.counters.events, drops: 0 },
      state: () => ({ threads: p.state.threads.size }),
    },
  });
  metrics.setRules(ruleset.enabledRules());
  const engine: Engine = new Engine({
    state: live ? withContainerSightings(p) : p.state,
    ruleset,
    onMatch: metrics.countMatches(matchHandler(p, () => current, outputs, () => engine)),
    ruleMatching: config.rule_matching,
    onError: (err, ev) => {
      if (engine.counters.errors <= 10) log(`warning: event ${ev.num} (${ev.name}) could not be processed: ${(err as Error).message}`);
    },
  });

  // Hot reload: load beside the running ruleset; swap between batches; keep the old one on failure.
  let watcher: RulesWatcher | null = null;
  let probeSetSyscalls: ((names: Set<string>) => void) | null = null;
  let reloads = 0;
  const reload = (why: string) => {
    const start = performance.now();
    // The config file is watched too (Falco: watch_config_files). Re-read it: an invalid one is
    // reported and changes nothing; rules_files and priority apply now (with the rules), other
    // changed keys are named as needing a restart (Falco restarts itself; we keep the probe).
    let restartKeys: string[] = [];
    let nextRules = rules;
    let nextRulesFiles = config.rules_files;
    let nextPriority = config.priority;
    if (configPath) {
      let fresh: FalcoConfig;
      const iso = isoLogTime;
      try {
        fresh = resolveConfig(o).config;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        const msg = e.diagnostics.filter((d) => d.level === "error").map(formatDiagnostic).join("; ");
        log(`reload (${why}) failed: invalid configuration: ${msg}; keeping the previous configuration and rules`);
        outputs.emit(internalAlert("Falco internal: hot restart failure", "Critical", `Falco hot restart failed: invalid configuration: ${msg}`, { reason: why }, undefined, p.hostname));
        return;
      } finally {
        isoLogTime = iso; // time_format_iso_8601 is one of the keys that wait for a restart
      }
      const changed = changedConfigKeys(config, fresh);
      if (changed.includes("rules_files")) {
        nextRulesFiles = fresh.rules_files;
        nextRules = resolveRules(o, { ...config, rules_files: nextRulesFiles });
        // Watch the new files at once, even if they fail to load now: fixing them must reload.
        if (watcher) {
          watcher.close();
          watcher = makeWatcher([...rules.watch, ...nextRules.watch]);
        }
      }
      nextPriority = fresh.priority;
      restartKeys = changed.filter((k) => k !== "rules_files" && k !== "priority");
      if (restartKeys.length) log(`configuration changed (${why}): ${restartKeys.join(", ")} take effect after a restart of falco-ts; rules_files and priority are applied with the rules`);
    }
    let srcs: RulesSource[];
    let next: ReturnType<typeof prepareRules>;
    const priorityBefore = p.loadOptions.minPriority;
    const failed = (): void => {
      p.loadOptions.minPriority = priorityBefore; // the configuration stays as it was
    };
    try {
      srcs = nextRules.sources();
      p.loadOptions.minPriority = nextPriority;
      next = prepareRules(p, srcs);
    } catch (e) {
      failed();
      const msg = (e as Error).message;
      log(`reload (${why}) failed: ${msg}; keeping the previous rules`);
      outputs.emit(internalAlert("Falco internal: hot restart failure", "Critical", `Falco hot restart failed: ${msg}`, { reason: why }, undefined, p.hostname));
      return;
    }
    if (!next.active) {
      failed();
      const text = loadReportText(next.result).trim();
      log(`reload (${why}) failed; keeping the previous rules:\n${text}`);
      outputs.emit(internalAlert("Falco internal: hot restart failure", "Critical", `Falco hot restart failed: ${text.replace(/\n/g, " | ")}`, { reason: why }, undefined, p.hostname));
      return;
    }
    if (nextRules !== rules) {
      rules = nextRules;
      config.rules_files = nextRulesFiles;
      if (watcher) {
        watcher.close();
        watcher = makeWatcher();
      }
    }
    config.priority = nextPriority;
    // A rule "changed" when its resolved condition, output, priority or tags differ.
    const sig = (r: CompiledRule) => `${asString(r.condition)}\u0000${r.output}\u0000${r.priority}\u0000${r.tags.join(",")}`;
    const before = new Map(current.result.ruleset!.enabledRules().map((r) => [r.name, sig(r)]));
    const after = next.active.result.ruleset!.enabledRules();
    let added = 0, changed = 0;
    for (const r of after) {
      if (!before.has(r.name)) added++;
      else if (before.get(r.name) !== sig(r)) changed++;
    }
    const removed = [...before.keys()].filter((n) => !after.some((r) => r.name === n)).length;
    current = next.active;
    engine.setRuleset(next.active.result.ruleset!);
    probeSetSyscalls?.(syscallSet(config, next.active));
    reloads++;
    metrics.reloads = reloads;
    metrics.setRules(after);
    const ms = (performance.now() - start).toFixed(1);
    log(`rules reloaded (${why}): ${after.length} rules, +${added} -${removed} ~${changed}, in ${ms} ms`);
    const pendingText = restartKeys.length ? `; configuration keys waiting for a restart: ${restartKeys.join(", ")}` : "";
    outputs.emit(internalAlert("Falco internal: rules reloaded", "Informational", `Rules reloaded (${why}): ${after.length} rules, ${added} added, ${removed} removed, ${changed} changed, in ${ms} ms${pendingText}`, { added, removed, changed, load_ms: Number(ms), ...(restartKeys.length ? { restart_required: restartKeys.join(",") } : {}) }, undefined, p.hostname));
  };

  const makeWatcher = (paths: string[] = rules.watch): RulesWatcher | null => {
    const watchPaths = [...paths, ...(configPath ? [resolve(configPath)] : [])];
    return o.watch !== false && config.watch_config_files && live && watchPaths.length ? new RulesWatcher(watchPaths, () => reload("file change")) : null;
  };
  watcher = makeWatcher();
  const onHup = () => reload("SIGHUP");
  const onUsr1 = () => outputs.reopen();
  process.on("SIGHUP", onHup);
  process.on("SIGUSR1", onUsr1);

  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const maxSeconds = o.M !== undefined ? Number(o.M) : 0;
  if (!Number.isFinite(maxSeconds) || maxSeconds < 0) {
    log(`error: -M expects a number of seconds, got "${o.M}"`);
    await outputs.close();
    return 1;
  }
  const deadline = maxSeconds > 0 ? Date.now() + maxSeconds * 1000 : 0;
  const shouldStop = () => stopping || (deadline > 0 && Date.now() >= deadline);

  // webserver (/healthz, /versions, /metrics) and periodic metrics snapshots, as Falco starts them.
  let web: Webserver | null = null;
  let stopSnapshots: (() => void) | null = null;
  try {
    if (config.metrics.enabled) {
      stopSnapshots = startMetricsSnapshots({ registry: metrics, config: config.metrics, emit: (al) => outputs.emit(al), log });
    }
    if (config.webserver.enabled) {
      web = startWebserver(config.webserver, metrics, config.metrics.enabled);
      log(`webserver: listening on http://${web.hostname}:${web.port} (${config.webserver.k8s_healthz_endpoint || "/healthz"}, /versions${config.webserver.prometheus_metrics_enabled && config.metrics.enabled ? ", /metrics" : ""})`);
    }
  } catch (e) {
    stopSnapshots?.();
    log(`error: ${(e as Error).message}`);
    await outputs.close();
    return 1;
  }

  // fd.*ip.name: let the names the rules compare with resolve before the first event (libsinsp
  // resolves them synchronously at first use); bounded, never fatal.
  await awaitDnsPrefetch(p.ctx.dns, 2000);
  let code = 0;
  try {
    if (!live) {
      code = await runReplay({ file: config.engine.replay.capture_file, engine, pipeline: p, shouldStop, log, drops, emit: (al) => outputs.emit(al), durationNs: maxSeconds > 0 ? BigInt(Math.round(maxSeconds * 1e9)) : 0n });
    } else {
      code = await runLive({
        captureFile: o.captureFile,
        engine,
        pipeline: p,
        syscalls: syscallSet(config, current),
        drops,
        shouldStop,
        log,
        outputs,
        onProbe: (setter, stats) => {
          probeSetSyscalls = setter;
          if (stats) probeStats = () => {
            const st = stats();
            return { events: st.events, drops: st.drops };
          };
        },
      });
    }
  } finally {
    stopSnapshots?.();
    web?.stop();
    watcher?.close();
    process.off("SIGHUP", onHup);
    process.off("SIGUSR1", onUsr1);
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await outputs.close();
  }
  const c = engine.counters;
  const own = selfSuppressed.count ? `, ${selfSuppressed.count} matches from the agent's own output programs dropped` : "";
  log(`stopped: ${c.events} events processed, ${c.matches} rule matches, ${reloads} reloads, ${c.errors} event errors${own}`);
  return code;
}


/** `--list`: the field table, one field per line `name type description`, grouped by class. */
function listFields(p: Pipeline, source?: string): string {
  if (source && source !== "syscall") return "";
  const byClass = new Map<string, string[]>();
  for (const f of p.registry.all()) {
    let a = byClass.get(f.cls);
    if (!a) byClass.set(f.cls, (a = []));
    a.push(`${f.name}${f.arg === "required" ? "[...]" : ""} ${f.type} ${f.desc.replace(/\s+/g, " ")}`);
  }
  let out = "";
  for (const [cls, lines] of byClass) {
    out += `\n----------------------\nField Class: ${cls}\n\n${lines.join("\n")}\n`;
  }
  return out.trimStart();
}

/**
 * `--support`: versions, host capabilities and loaded rules (JSON). `host_checks` are the probe's
 * preflight checks (src/probe/probe.ts: arch, kernel >= 5.8, BTF, CAP_BPF+CAP_PERFMON, lockdown,
 * memlock, other instances) with the fix for each failure; `probe` says whether the probe really
 * loads and attaches here (tried once, then closed).
 */
function supportReport(sources: RulesSource[], enabledRules: number): Record<string, unknown> {
  let btf = false;
  try {
    btf = existsSync("/sys/kernel/btf/vmlinux");
  } catch {
    /* no */
  }
  const checks = preflight();
  const find = (n: string) => checks.find((c) => c.name === n);
  const probe = probeLoadCheck();
  const hostRoot = process.env.HOST_ROOT ?? "";
  return {
    version: VERSION.version,
    commit: VERSION.commit,
    bun_version: VERSION.bun,
    engine_version: FALCO_ENGINE_VERSION,
    embedded_libraries: VERSION.embeddedLibs,
    required_kernel_features: REQUIRED_KERNEL_FEATURES,
    system_info: {
      kernel_release: release(),
      kernel_ok: find("kernel")?.ok ?? false,
      machine: process.arch,
      btf,
      lockdown: lockdownMode(),
      uid: process.getuid?.(),
      capabilities: find("capabilities")?.detail,
      capabilities_ok: find("capabilities")?.ok ?? false,
      host_root: hostRoot,
    },
    host_checks: checks,
    probe: { loads: probe.ok, load_ms: probe.ms, ...(probe.error ? { error: probe.error } : {}) },
    rules_files: sources.map((s) => ({ name: s.name, bytes: s.content.length })),
    enabled_rules: enabledRules,
  };
}
