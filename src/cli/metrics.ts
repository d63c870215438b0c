/**
 * Falco's metrics for falco-ts: a small registry the agent updates (per-rule matches, reloads)
 * and reads (engine counters, output queues, probe counters, state sizes, resource usage), with
 * two renderings:
 *
 *  - Prometheus text exposition (webserver `/metrics`), Falco's metric names
 *    (userspace/falco/falco_metrics.cpp, libs' prometheus_metrics_converter): `falcosecurity_`
 *    prefix, `falco_`/`scap_`/`evt_` subsystem, unit suffixes (`_total`, `_bytes`, `_seconds`,
 *    `_ratio`, `_info`). `falcosecurity_falco_reloads_total` is falco-ts's own.
 *  - the `metrics` snapshot (falco.yaml `metrics` block): Falco's output_fields keys
 *    (`falco.version`, `scap.n_evts`, `falco.rules.<name>`...), emitted periodically as the
 *    internal alert "Falco internal: metrics snapshot" (priority Informational) and/or appended
 *    to `metrics.output_file` as JSON lines `{"output_fields":{...},"sample":N}` (Falco's
 *    stats_writer format).
 * Source: https://falco.org/docs/concepts/metrics/ and falco.yaml's `metrics` section.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { availableParallelism, release } from "node:os";
import type { EngineCounters } from "../engine.ts";
import type { Alert } from "../outputs/alert.ts";
import { internalAlert, nowNs, PRIORITY } from "../outputs/alert.ts";
import type { OutputStats } from "../outputs/sinks.ts";
import type { FieldValue } from "../fields/registry.ts";
import { FALCO_COMPAT_VERSION, VERSION } from "./version.ts";

/** Rule name of the periodic metrics internal alert (Falco's). */
export const METRICS_RULE = "Falco internal: metrics snapshot";

/** The rule facts a match counter keeps (a CompiledRule is structurally one). */
export interface MetricsRuleInfo {
  readonly name: string;
  /** Falco priority number, 0 Emergency … 7 Debug. */
  readonly priority: number;
  readonly source: string;
  readonly tags: readonly string[];
}

/** Kernel/capture counters (the probe's, or the replayed file's). */
export interface CaptureCounters {
  /** Events delivered by the capture. */
  events: number;
  /** Events lost (ring buffer full). */
  drops: number;
}

/** Which metric categories are reported (falco.yaml `metrics.*_enabled`). */
export interface MetricsFlags {
  rules_counters_enabled: boolean;
  resource_utilization_enabled: boolean;
  state_counters_enabled: boolean;
  kernel_event_counters_enabled: boolean;
  convert_memory_to_mb: boolean;
  include_empty_values: boolean;
}

/** Where the registry reads counters from; each is optional (missing = not reported or 0). */
export interface MetricsSources {
  engine?: () => EngineCounters;
  outputs?: () => OutputStats[];
  capture?: () => CaptureCounters;
  state?: () => { threads: number; fds?: number };
}

/** Constructor options of MetricsRegistry. */
export interface MetricsRegistryOptions {
  hostname: string;
  /** libscap engine name as Falco reports it: "modern_bpf" live, "savefile" for a replay. */
  engineName: string;
  flags?: Partial<MetricsFlags>;
  sources?: MetricsSources;
}

const DEFAULT_FLAGS: MetricsFlags = {
  rules_counters_enabled: true,
  resource_utilization_enabled: true,
  state_counters_enabled: true,
  kernel_event_counters_enabled: true,
  convert_memory_to_mb: true,
  include_empty_values: false,
};

/** Snapshot keys kept even when 0 with include_empty_values false (the counters users alert on). */
const ALWAYS_REPORTED = new Set(["falco.rules.matches_total", "falco.outputs_queue_num_drops", "falco.num_evts", "falco.reloads", "scap.n_evts", "scap.n_drops", "falco.duration_sec"]);

/** Falco's sanitize_metric_name: characters other than [A-Za-z0-9_] become `_`, runs collapsed, no leading/trailing `_`. */
export function sanitizeMetricName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]+/g, "_").replace(/_+/g, "_").replace(/^_|_$/g, "");
}

/** Escape a Prometheus label value (backslash, double quote, newline). */
function labelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Host boot time in ns since epoch, from /proc/stat `btime` (0 if unavailable). */
function hostBootNs(): bigint {
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    return m ? BigInt(m[1]!) * 1_000_000_000n : 0n;
  } catch {
    return 0n;
  }
}

/** This process's virtual memory size in bytes (/proc/self/stat field 23), 0 if unavailable. */
function vszBytes(): number {
  try {
    const s = readFileSync("/proc/self/stat", "utf8");
    const rest = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return Number(rest[20]) || 0; // field 23 overall; rest starts at field 3
  } catch {
    return 0;
  }
}

/**
 * Counters and gauges of one agent run. Usage: create after the outputs, set `sources`, wrap the
 * engine's match handler with `countMatches`, bump `reloads`, then read `prometheus()` or
 * `snapshotFields()`.
 */
export class MetricsRegistry {
  /** Agent start, ns since epoch. */
  readonly startNs: bigint = nowNs();
  readonly hostname: string;
  readonly engineName: string;
  readonly flags: MetricsFlags;
  sources: MetricsSources;
  /** Successful rules reloads (SIGHUP or file change). */
  reloads = 0;
  private readonly matches = new Map<string, { rule: MetricsRuleInfo; count: number }>();
  private readonly bootNs = hostBootNs();
  private readonly cpu0 = process.cpuUsage();
  private readonly wall0 = performance.now();
  private prev = { at: performance.now(), falcoEvts: 0, scapEvts: 0, scapDrops: 0 };
  /** Snapshots taken so far (the `sample` of output_file lines). */
  samples = 0;

  constructor(o: MetricsRegistryOptions) {
    this.hostname = o.hostname;
    this.engineName = o.engineName;
    this.flags = { ...DEFAULT_FLAGS, ...o.flags };
    this.sources = o.sources ?? {};
  }

  /**
   * Declare the loaded rules so each has a counter (0 until it matches), as Falco reports every
   * loaded rule. Counters of rules no longer loaded are kept (they were counted).
   */
  setRules(rules: Iterable<MetricsRuleInfo>): void {
    for (const r of rules) {
      const m = this.matches.get(r.name);
      if (m) m.rule = r;
      else this.matches.set(r.name, { rule: r, count: 0 });
    }
  }

  /** Count one match of `rule` (keyed by rule name; a reloaded rule keeps its count). */
  countMatch(rule: MetricsRuleInfo): void {
    const m = this.matches.get(rule.name);
    if (m) {
      m.count++;
      m.rule = rule;
    } else this.matches.set(rule.name, { rule, count: 1 });
  }

  /** Wrap an engine match handler so every match is counted before `handler` runs. */
  countMatches<R, E>(handler: (rule: R, ev: E) => void): (rule: R, ev: E) => void {
    return (rule, ev) => {
      this.countMatch(rule as unknown as MetricsRuleInfo);
      handler(rule, ev);
    };
  }

  /** Matches per rule name (declared rules that never matched have 0; undeclared ones are absent). */
  ruleMatches(): Map<string, { rule: MetricsRuleInfo; count: number }> {
    return this.matches;
  }

  /** Total rule matches counted. */
  matchesTotal(): number {
    let n = 0;
    for (const m of this.matches.values()) n += m.count;
    return n;
  }

  private queueDrops(): number {
    return (this.sources.outputs?.() ?? []).reduce((a, s) => a + s.dropped, 0);
  }

  private capture(): CaptureCounters {
    const c = this.sources.capture?.();
    if (c) return c;
    return { events: this.sources.engine?.().events ?? 0, drops: 0 };
  }

  /** CPU usage of this process since start, percent of one CPU. */
  private cpuPerc(): number {
    const u = process.cpuUsage(this.cpu0);
    const wallUs = (performance.now() - this.wall0) * 1000;
    return wallUs > 0 ? Math.round(((u.user + u.system) / wallUs) * 10000) / 100 : 0;
  }

  /**
   * The Prometheus text exposition (format 0.0.4) of every enabled metric, Falco's names.
   * Content type: `text/plain; version=0.0.4`.
   */
  prometheus(): string {
    const out: string[] = [];
    const metric = (name: string, type: "counter" | "gauge", samples: [Record<string, string>, number | bigint][]) => {
      out.push(`# HELP ${name} https://falco.org/docs/metrics/`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) {
        const ls = Object.keys(labels)
          .sort()
          .map((k) => `${k}="${labelValue(labels[k]!)}"`)
          .join(",");
        out.push(`${name}${ls ? `{${ls}}` : ""} ${v}`);
      }
    };
    metric("falcosecurity_scap_engine_name_info", "gauge", [[{ engine_name: this.engineName }, 1]]);
    metric("falcosecurity_falco_version_info", "gauge", [[{ version: FALCO_COMPAT_VERSION }, 1]]);
    metric("falcosecurity_falco_ts_version_info", "gauge", [[{ version: VERSION.version }, 1]]);
    metric("falcosecurity_falco_kernel_release_info", "gauge", [[{ kernel_release: release() }, 1]]);
    metric("falcosecurity_evt_hostname_info", "gauge", [[{ hostname: this.hostname }, 1]]);
    metric("falcosecurity_falco_evt_source_info", "gauge", [[{ evt_source: "syscall" }, 1]]);
    metric("falcosecurity_falco_start_timestamp_nanoseconds", "gauge", [[{}, this.startNs]]);
    metric("falcosecurity_falco_host_boot_timestamp_nanoseconds", "gauge", [[{}, this.bootNs]]);
    metric("falcosecurity_falco_host_num_cpus_total", "gauge", [[{}, availableParallelism()]]);
    metric("falcosecurity_falco_outputs_queue_num_drops_total", "counter", [[{}, this.queueDrops()]]);
    metric("falcosecurity_falco_duration_seconds_total", "counter", [[{}, Number((nowNs() - this.startNs) / 1_000_000_000n)]]);
    metric("falcosecurity_falco_reloads_total", "counter", [[{}, this.reloads]]);
    if (this.flags.rules_counters_enabled) {
      const rows: [Record<string, string>, number][] = [];
      for (const { rule, count } of this.matches.values()) {
        rows.push([{ rule_name: rule.name, priority: String(rule.priority), source: rule.source, tags: [...rule.tags].sort().join(", ") }, count]);
      }
      if (rows.length) metric("falcosecurity_falco_rules_matches_total", "counter", rows);
    }
    if (this.flags.resource_utilization_enabled) {
      metric("falcosecurity_falco_cpu_usage_ratio", "gauge", [[{}, this.cpuPerc() / 100]]);
      metric("falcosecurity_falco_memory_rss_bytes", "gauge", [[{}, process.memoryUsage().rss]]);
      metric("falcosecurity_falco_memory_vsz_bytes", "gauge", [[{}, vszBytes()]]);
    }
    if (this.flags.state_counters_enabled && this.sources.state) {
      const s = this.sources.state();
      metric("falcosecurity_scap_n_threads_total", "gauge", [[{}, s.threads]]);
      if (s.fds !== undefined) metric("falcosecurity_scap_n_fds_total", "gauge", [[{}, s.fds]]);
    }
    if (this.flags.kernel_event_counters_enabled) {
      const c = this.capture();
      metric("falcosecurity_scap_n_evts_total", "counter", [[{}, c.events]]);
      metric("falcosecurity_scap_n_drops_total", "counter", [[{}, c.drops]]);
      metric("falcosecurity_scap_n_drops_buffer_total", "counter", [[{}, c.drops]]);
    }
    const e = this.sources.engine?.();
    if (e) metric("falcosecurity_falco_num_evts_total", "counter", [[{}, e.events]]);
    return `${out.join("\n")}\n`;
  }

  /**
   * One metrics snapshot as Falco's output_fields (keys sorted when rendered): version, times,
   * event rates since the previous snapshot, drops, rule counters, resources. Advances the
   * "previous" counters and `samples`.
   */
  snapshotFields(): Record<string, FieldValue> {
    const f: Record<string, FieldValue> = {};
    const now = performance.now();
    const dt = (now - this.prev.at) / 1000;
    const falcoEvts = this.sources.engine?.().events ?? 0;
    f["evt.source"] = "syscall";
    f["falco.version"] = FALCO_COMPAT_VERSION;
    f["falco.ts_version"] = VERSION.version;
    f["falco.start_ts"] = this.startNs;
    f["falco.duration_sec"] = Number((nowNs() - this.startNs) / 1_000_000_000n);
    f["falco.kernel_release"] = release();
    f["falco.hostname"] = this.hostname;
    f["falco.host_boot_ts"] = this.bootNs;
    f["falco.host_num_cpus"] = availableParallelism();
    f["falco.outputs_queue_num_drops"] = this.queueDrops();
    f["falco.reloads"] = this.reloads;
    f["falco.num_evts"] = falcoEvts;
    f["falco.num_evts_prev"] = this.prev.falcoEvts;
    f["falco.evts_rate_sec"] = dt > 0 ? (falcoEvts - this.prev.falcoEvts) / dt : 0;
    f["scap.engine_name"] = this.engineName;
    if (this.flags.resource_utilization_enabled) {
      f["falco.cpu_usage_perc"] = this.cpuPerc();
      const rss = process.memoryUsage().rss;
      const vsz = vszBytes();
      if (this.flags.convert_memory_to_mb) {
        f["falco.memory_rss_mb"] = Math.round((rss / 1048576) * 100) / 100;
        f["falco.memory_vsz_mb"] = Math.round((vsz / 1048576) * 100) / 100;
      } else {
        f["falco.memory_rss_bytes"] = rss;
        f["falco.memory_vsz_bytes"] = vsz;
      }
    }
    if (this.flags.state_counters_enabled && this.sources.state) {
      const s = this.sources.state();
      f["scap.n_threads"] = s.threads;
      if (s.fds !== undefined) f["scap.n_fds"] = s.fds;
    }
    const c = this.capture();
    if (this.flags.kernel_event_counters_enabled) {
      f["scap.n_evts"] = c.events;
      f["scap.n_evts_prev"] = this.prev.scapEvts;
      f["scap.n_drops"] = c.drops;
      f["scap.n_drops_prev"] = this.prev.scapDrops;
      f["scap.n_drops_buffer_total"] = c.drops;
      const de = c.events - this.prev.scapEvts;
      const dd = c.drops - this.prev.scapDrops;
      f["scap.evts_rate_sec"] = dt > 0 ? de / dt : 0;
      f["scap.evts_drop_rate_sec"] = dt > 0 ? dd / dt : 0;
      f["scap.n_drops_perc"] = de + dd > 0 ? (dd / (de + dd)) * 100 : 0;
    }
    if (this.flags.rules_counters_enabled) {
      f["falco.rules.matches_total"] = this.matchesTotal();
      for (const { rule, count } of this.matches.values()) if (count > 0 || this.flags.include_empty_values) f[`falco.rules.${sanitizeMetricName(rule.name)}`] = count;
    }
    if (!this.flags.include_empty_values) {
      for (const k of Object.keys(f)) {
        const v = f[k];
        if ((v === 0 || v === 0n || v === "") && !k.endsWith("_prev") && !ALWAYS_REPORTED.has(k)) delete f[k];
      }
    }
    this.prev = { at: now, falcoEvts, scapEvts: c.events, scapDrops: c.drops };
    this.samples++;
    return f;
  }
}

/**
 * Parse a Falco duration (metrics.interval): one or more `<number><unit>` with units
 * y, w, d, h, m, s, ms (Prometheus duration syntax, as Falco's parse_prometheus_duration), e.g.
 * "1h", "15s", "500ms", "1h30m". @returns milliseconds. @throws Error naming the value and the
 * expected form when it does not parse.
 */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { y: 31_536_000_000, w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  const s = String(text).trim();
  const re = /(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)/y;
  let ms = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new Error(`invalid duration "${text}": expected e.g. 500ms, 15s, 1h or 1h30m (units y, w, d, h, m, s, ms)`);
    ms += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  if (s.length === 0) throw new Error(`invalid duration "": expected e.g. 500ms, 15s, 1h`);
  return ms;
}

/** The falco.yaml `metrics` block (as in src/cli/config.ts). */
export interface MetricsConfig {
  enabled: boolean;
  interval: string;
  output_rule: boolean;
  output_file: string;
}

/** Options of startMetricsSnapshots. */
export interface SnapshotOptions {
  registry: MetricsRegistry;
  config: MetricsConfig;
  /** Where the internal alert goes (when output_rule). */
  emit: (alert: Alert) => void;
  log: (msg: string) => void;
}

/** Minimum metrics.interval Falco accepts (ms). */
export const MIN_METRICS_INTERVAL_MS = 100;

/**
 * Validate the metrics block. @returns the interval in ms. @throws Error (interval unparsable or
 * below 100 ms) naming the key.
 */
export function metricsInterval(c: MetricsConfig): number {
  let ms: number;
  try {
    ms = parseDuration(c.interval);
  } catch (e) {
    throw new Error(`metrics.interval: ${(e as Error).message}`);
  }
  if (ms < MIN_METRICS_INTERVAL_MS) throw new Error(`metrics.interval: "${c.interval}" is below the minimum of 100ms`);
  return ms;
}

/**
 * Start periodic snapshots: every interval, emit "Falco internal: metrics snapshot"
 * (Informational, output "Falco metrics snapshot") when output_rule and/or append
 * `{"output_fields":{...},"sample":N}` to output_file. @returns a stop function.
 * @throws Error on a bad interval (see metricsInterval).
 */
export function startMetricsSnapshots(o: SnapshotOptions): () => void {
  const ms = metricsInterval(o.config);
  if (!o.config.output_rule && !o.config.output_file) o.log("warning: metrics are enabled with no output configured (metrics.output_rule, metrics.output_file or webserver.prometheus_metrics_enabled)");
  let fileFailed = false;
  const tick = () => {
    const fields = o.registry.snapshotFields();
    if (o.config.output_rule) o.emit(internalAlert(METRICS_RULE, PRIORITY.INFORMATIONAL, "Falco metrics snapshot", fields, undefined, o.registry.hostname));
    if (o.config.output_file) {
      try {
        appendFileSync(o.config.output_file, `${snapshotJson(fields, o.registry.samples)}\n`);
        fileFailed = false;
      } catch (e) {
        if (!fileFailed) o.log(`metrics: cannot write ${o.config.output_file}: ${(e as Error).message}`);
        fileFailed = true;
      }
    }
  };
  const timer = setInterval(tick, ms);
  return () => clearInterval(timer);
}

/** One output_file line: `{"output_fields":{sorted keys},"sample":N}`, 64-bit integers exact. */
export function snapshotJson(fields: Record<string, FieldValue>, sample: number): string {
  const parts = Object.keys(fields)
    .sort()
    .map((k) => {
      const v = fields[k];
      const js = typeof v === "bigint" ? v.toString() : typeof v === "number" && !Number.isFinite(v) ? "0" : JSON.stringify(v);
      return `${JSON.stringify(k)}:${js}`;
    });
  return `{"output_fields":{${parts.join(",")}},"sample":${sample}}`;
}
