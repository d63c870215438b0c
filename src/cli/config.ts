/**
 * falco.yaml configuration: Falco's keys and defaults for what falco-ts implements, loaded from a
 * file (positions kept for messages), then overridden by `-o key=value` options.
 * Source: Falco's falco.yaml reference (falcosecurity/falco falco.yaml, userspace/falco/configuration.cpp).
 */
import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from "yaml";

/** Output channel settings common to Falco's outputs. */
export interface FileOutputConfig {
  enabled: boolean;
  keep_alive: boolean;
  filename: string;
}

/** The configuration falco-ts understands (Falco's falco.yaml keys, snake_case as in the file). */
export interface FalcoConfig {
  rules_files: string[];
  watch_config_files: boolean;
  json_output: boolean;
  json_include_output_property: boolean;
  json_include_tags_property: boolean;
  json_include_message_property: boolean;
  json_include_output_fields_property: boolean;
  priority: string;
  rule_matching: "first" | "all";
  buffered_outputs: boolean;
  outputs_queue: { capacity: number };
  time_format_iso_8601: boolean;
  stdout_output: { enabled: boolean };
  file_output: FileOutputConfig;
  /** `path`: falco-ts extension, the syslog datagram socket (default /dev/log). */
  syslog_output: { enabled: boolean; path: string };
  program_output: { enabled: boolean; keep_alive: boolean; program: string };
  http_output: {
    enabled: boolean;
    url: string;
    user_agent: string;
    insecure: boolean;
    ca_cert: string;
    ca_bundle: string;
    ca_path: string;
    mtls: boolean;
    client_cert: string;
    client_key: string;
    echo: boolean;
    compress_uploads: boolean;
    keep_alive: boolean;
    headers?: Record<string, string>;
  };
  base_syscalls: { custom_set: string[]; repair: boolean; all: boolean };
  syscall_event_drops: { actions: string[]; rate: number; max_burst: number; threshold: number; simulate_drops: boolean };
  metrics: { enabled: boolean; interval: string; output_rule: boolean; output_file: string; rules_counters_enabled: boolean; resource_utilization_enabled: boolean; state_counters_enabled: boolean; kernel_event_counters_enabled: boolean; libbpf_stats_enabled: boolean; convert_memory_to_mb: boolean; include_empty_values: boolean };
  webserver: { enabled: boolean; listen_address: string; listen_port: number; k8s_healthz_endpoint: string; prometheus_metrics_enabled: boolean; ssl_enabled: boolean; threadiness: number };
  engine: { kind: "modern_ebpf" | "replay" | string; replay: { capture_file: string }; modern_ebpf: { buf_size_preset: number; cpus_for_each_buffer: number; drop_failed_exit: boolean } };
  container: { enabled: boolean; docker_socket: string; cri_sockets: string[]; metadata_wait_ms: number };
  /**
   * Falco's `capture` block: when a rule with `capture: true` (mode `rules`) or any rule (mode
   * `all_rules`) fires, record the events from that one on, for `capture_duration` (rule) or
   * `default_duration` ms, to `<path_prefix>_<ns timestamp>_<evt.num>.scap`. Live capture only.
   */
  capture: { enabled: boolean; path_prefix: string; mode: "rules" | "all_rules" | string; default_duration: number };
  /** Falco's append_output: extra output text/fields for rules matching source/tags/rule. */
  append_output: unknown[];
  log_stderr: boolean;
  log_syslog: boolean;
  log_level: string;
  [key: string]: unknown;
}

/** Falco's built-in defaults (what Falco does with no config file), per CLI_CONTRACT.md. */
export function defaultConfig(): FalcoConfig {
  return {
    rules_files: [],
    watch_config_files: true,
    json_output: false,
    json_include_output_property: true,
    json_include_tags_property: true,
    json_include_message_property: false,
    json_include_output_fields_property: true,
    priority: "debug",
    rule_matching: "first",
    buffered_outputs: false,
    outputs_queue: { capacity: 0 },
    time_format_iso_8601: false,
    stdout_output: { enabled: true },
    file_output: { enabled: false, keep_alive: false, filename: "./events.txt" },
    syslog_output: { enabled: true, path: "/dev/log" },
    program_output: { enabled: false, keep_alive: false, program: "jq '{text: .output}' | curl -d @- -X POST https://hooks.slack.com/services/XXX" },
    http_output: {
      enabled: false, url: "", user_agent: "falcosecurity/falco", insecure: false, ca_cert: "", ca_bundle: "",
      ca_path: "/etc/ssl/certs", mtls: false, client_cert: "/etc/ssl/certs/client.crt", client_key: "/etc/ssl/certs/client.key",
      echo: false, compress_uploads: false, keep_alive: false,
    },
    base_syscalls: { custom_set: [], repair: false, all: false },
    syscall_event_drops: { actions: ["log", "alert"], rate: 0.03333, max_burst: 1, threshold: 0.1, simulate_drops: false },
    metrics: {
      enabled: false, interval: "1h", output_rule: true, output_file: "", rules_counters_enabled: true,
      resource_utilization_enabled: true, state_counters_enabled: true, kernel_event_counters_enabled: true,
      libbpf_stats_enabled: true, convert_memory_to_mb: true, include_empty_values: false,
    },
    webserver: { enabled: false, listen_address: "127.0.0.1", listen_port: 8765, k8s_healthz_endpoint: "/healthz", prometheus_metrics_enabled: false, ssl_enabled: false, threadiness: 0 },
    engine: { kind: "modern_ebpf", replay: { capture_file: "" }, modern_ebpf: { buf_size_preset: 4, cpus_for_each_buffer: 2, drop_failed_exit: false } },
    container: { enabled: true, docker_socket: "/var/run/docker.sock", cri_sockets: ["/run/containerd/containerd.sock", "/run/crio/crio.sock", "/run/k3s/containerd/containerd.sock"], metadata_wait_ms: 300 },
    capture: { enabled: false, path_prefix: "/tmp/falco", mode: "rules", default_duration: 5000 },
    append_output: [],
    log_stderr: true,
    log_syslog: false,
    log_level: "info",
  };
}

/** A configuration problem: `key` (dotted), `line`/`column` (1-based, when from a file) and what was expected. */
export interface ConfigDiagnostic {
  level: "error" | "warning";
  key: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** Thrown for a configuration that cannot be used; `diagnostics` lists every problem. */
export class ConfigError extends Error {
  constructor(readonly diagnostics: ConfigDiagnostic[]) {
    super(diagnostics.filter((d) => d.level === "error").map(formatDiagnostic).join("\n"));
    this.name = "ConfigError";
  }
}

/** Render a diagnostic as `file:line:col: level: key: message`. */
export function formatDiagnostic(d: ConfigDiagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}:${d.column ?? 1}` : ""}: ` : "";
  return `${where}${d.level}: ${d.key}: ${d.message}`;
}

// Keys falco-ts knows but does not act on: accepted without a warning (Falco compatibility).
const ACCEPTED_FALCO_KEYS = new Set([
  "config_files", "load_plugins", "plugins", "log_level", "libs_logger", "output_timeout", "grpc", "grpc_output",
  "syscall_buf_size_preset", "modern_bpf", "falco_libs", "rules", "static_fields",
  "plugins_hostinfo", "rule_matching", "outputs", "json_include_output_fields_property", "container_engines",
]);

/**
 * CRI sockets from Falco's other spellings, when the file does not set container.cri_sockets:
 * Falco ≤ 0.40's `container_engines.cri.cri` (list; `container_engines.cri.enabled: false` gives
 * none) and the container plugin's `plugins[name=container].init_config.engines.cri.sockets`
 * (likewise with `engines.cri.enabled`). Returns undefined when neither is present.
 */
export function criSocketsFromAliases(data: Record<string, unknown>): string[] | undefined {
  const o = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const list = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && x !== "") : typeof v === "string" && v !== "" ? [v] : undefined);
  let found: string[] | undefined;
  const legacy = o(o(data.container_engines)?.cri);
  if (legacy) {
    if (legacy.enabled === false) found = [];
    else found = list(legacy.cri) ?? found;
  }
  if (Array.isArray(data.plugins)) {
    for (const p of data.plugins) {
      const cri = o(o(o(o(p)?.init_config)?.engines)?.cri);
      if (o(p)?.name !== "container" || !cri) continue;
      if (cri.enabled === false) found = [];
      else found = list(cri.sockets) ?? found;
    }
  }
  return found;
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return "list";
  if (v === null) return "null";
  return typeof v === "object" ? "map" : typeof v;
}

/** String keys with a fixed set of values; Falco refuses to start on another (e.g. rule_matching). */
const ENUM_KEYS: Readonly<Record<string, readonly string[]>> = {
  rule_matching: ["first", "all"],
};
/** Number keys that must not be negative. */
const NON_NEGATIVE_KEYS = new Set(["outputs_queue.capacity", "engine.modern_ebpf.buf_size_preset"]);

/**
 * Merge `src` into `dst` following the shape of `dst`: known keys are type-checked, unknown keys
 * warn. Lists replace, maps merge.
 */
function merge(dst: Record<string, unknown>, src: Record<string, unknown>, prefix: string, diags: ConfigDiagnostic[], pos: (key: string) => Partial<ConfigDiagnostic>): void {
  for (const [k, v] of Object.entries(src)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (!(k in dst)) {
      if (!ACCEPTED_FALCO_KEYS.has(key) && !prefix.startsWith("http_output.headers") && prefix !== "http_output.headers") {
        diags.push({ level: "warning", key, message: "unknown configuration key (ignored)", ...pos(key) });
      }
      dst[k] = v;
      continue;
    }
    const cur = dst[k];
    if (cur !== null && typeof cur === "object" && !Array.isArray(cur)) {
      if (v === null || typeof v !== "object" || Array.isArray(v)) {
        diags.push({ level: "error", key, message: `expected a map, got ${typeName(v)}`, ...pos(key) });
        continue;
      }
      merge(cur as Record<string, unknown>, v as Record<string, unknown>, key, diags, pos);
    } else if (Array.isArray(cur)) {
      if (!Array.isArray(v)) {
        if (typeof v === "string") dst[k] = [v];
        else diags.push({ level: "error", key, message: `expected a list, got ${typeName(v)}`, ...pos(key) });
      } else dst[k] = v;
    } else if (typeof cur === "number") {
      const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
      if (typeof n !== "number" || Number.isNaN(n)) diags.push({ level: "error", key, message: `expected a number, got ${typeName(v)} ${JSON.stringify(v)}`, ...pos(key) });
      else if (NON_NEGATIVE_KEYS.has(key) && n < 0) diags.push({ level: "error", key, message: `expected a number >= 0, got ${n}`, ...pos(key) });
      else dst[k] = n;
    } else if (typeof cur === "boolean") {
      const b = v === "true" ? true : v === "false" ? false : v;
      if (typeof b !== "boolean") diags.push({ level: "error", key, message: `expected a boolean (true or false), got ${typeName(v)} ${JSON.stringify(v)}`, ...pos(key) });
      else dst[k] = b;
    } else if (typeof cur === "string") {
      const allowed = ENUM_KEYS[key];
      if (v !== null && typeof v === "object") diags.push({ level: "error", key, message: `expected a string, got ${typeName(v)}`, ...pos(key) });
      else if (allowed && !allowed.includes(String(v))) diags.push({ level: "error", key, message: `unknown value ${JSON.stringify(v)}, expected one of: ${allowed.join(", ")}`, ...pos(key) });
      else dst[k] = v === null ? "" : String(v);
    } else {
      dst[k] = v;
    }
  }
}

/** Find the node of a dotted key in a YAML document, for positions. */
function nodeAt(doc: ReturnType<typeof parseDocument>, key: string): YamlNode | undefined {
  let n: unknown = doc.contents;
  for (const part of key.split(".")) {
    if (!isMap(n)) return undefined;
    const pair = n.items.find((it) => isScalar(it.key) && String(it.key.value) === part);
    if (!pair) return undefined;
    n = pair.key;
    if (part === key.split(".").at(-1)) return n as YamlNode;
    n = pair.value;
  }
  return n as YamlNode;
}

/**
 * Load a falco.yaml file over the defaults.
 * @returns the merged config and warnings. @throws ConfigError on YAML syntax errors or wrong types.
 */
export function loadConfigFile(path: string, base: FalcoConfig = defaultConfig()): { config: FalcoConfig; diagnostics: ConfigDiagnostic[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError([{ level: "error", key: "-c", message: `cannot read config file: ${(e as Error).message}`, file: path }]);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const diags: ConfigDiagnostic[] = [];
  for (const err of doc.errors) {
    const p = lc.linePos(err.pos[0]);
    diags.push({ level: "error", key: "(yaml)", message: err.message.split("\n")[0]!, file: path, line: p.line, column: p.col });
  }
  if (diags.length) throw new ConfigError(diags);
  const data = doc.toJS() ?? {};
  if (typeof data !== "object" || Array.isArray(data)) throw new ConfigError([{ level: "error", key: "(root)", message: "expected a map at the top of the config file", file: path, line: 1, column: 1 }]);
  const pos = (key: string): Partial<ConfigDiagnostic> => {
    const node = nodeAt(doc, key);
    if (!node?.range) return { file: path };
    const p = lc.linePos(node.range[0]);
    return { file: path, line: p.line, column: p.col };
  };
  // Falco's newer `rules:` list is an alias of `rules_files`.
  if (Array.isArray(data.rules) && !data.rules_files) data.rules_files = data.rules.flatMap((r: unknown) => (typeof r === "string" ? [r] : typeof r === "object" && r && "path" in r ? [String((r as { path: unknown }).path)] : []));
  merge(base as unknown as Record<string, unknown>, data, "", diags, pos);
  const criAlias = criSocketsFromAliases(data);
  if (criAlias && !(typeof data.container === "object" && data.container && "cri_sockets" in data.container)) base.container.cri_sockets = criAlias;
  if (diags.some((d) => d.level === "error")) throw new ConfigError(diags);
  return { config: base, diagnostics: diags };
}

/**
 * Apply `-o key=value` overrides (Falco's syntax: dotted keys; the value is parsed as YAML, so
 * `true`, `5`, `[a, b]` work; `key[]=v` appends to a list).
 * @throws ConfigError on a malformed option or a wrongly typed value.
 */
export function applyOverrides(config: FalcoConfig, options: string[]): ConfigDiagnostic[] {
  const diags: ConfigDiagnostic[] = [];
  for (const opt of options) {
    const eq = opt.indexOf("=");
    if (eq <= 0) {
      diags.push({ level: "error", key: opt, message: "expected -o key=value" });
      continue;
    }
    let key = opt.slice(0, eq).trim();
    const raw = opt.slice(eq + 1);
    let append = false;
    if (key.endsWith("[]")) {
      append = true;
      key = key.slice(0, -2);
    }
    let value: unknown;
    try {
      value = parseDocument(raw).toJS();
    } catch {
      value = raw;
    }
    if (value === undefined) value = raw;
    if (key === "rules") key = "rules_files";
    const parts = key.split(".");
    let obj: Record<string, unknown> = {};
    const root = obj;
    for (let i = 0; i < parts.length - 1; i++) obj = obj[parts[i]!] = {} as Record<string, unknown>;
    const leaf = parts.at(-1)!;
    if (append) {
      let cur: unknown = config as unknown;
      for (const p of parts) cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[p] : undefined;
      value = [...(Array.isArray(cur) ? cur : []), value];
    }
    obj[leaf] = value;
    merge(config as unknown as Record<string, unknown>, root, "", diags, () => ({ file: "-o" }));
  }
  if (diags.some((d) => d.level === "error")) throw new ConfigError(diags);
  return diags;
}
