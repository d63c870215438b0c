/**
 * Build the Outputs manager from Falco's falco.yaml output settings (keys as in the file; the
 * shape is a structural subset of src/cli/config.ts FalcoConfig so this module does not depend on
 * the CLI). Source: falco.yaml reference and userspace/falco/app/actions/init_outputs.cpp.
 */
import type { AlertFormatOptions } from "./alert.ts";
import type { Sink } from "./sink.ts";
import { FileSink, HttpSink, Outputs, ProgramSink, StdoutSink, type OutputsOptions } from "./sinks.ts";
import { SyslogSink } from "./syslog.ts";

/** Default per-output queue bound used when the config says 0 (Falco: unbounded). */
export const DEFAULT_QUEUE_CAPACITY = 100_000;

/** The falco.yaml keys the outputs use. Missing keys take Falco's defaults. */
export interface OutputsConfig {
  json_output?: boolean;
  json_include_output_property?: boolean;
  json_include_tags_property?: boolean;
  json_include_message_property?: boolean;
  json_include_output_fields_property?: boolean;
  time_format_iso_8601?: boolean;
  buffered_outputs?: boolean;
  outputs_queue?: { capacity?: number };
  output_timeout?: number;
  stdout_output?: { enabled?: boolean };
  file_output?: { enabled?: boolean; keep_alive?: boolean; filename?: string };
  syslog_output?: { enabled?: boolean; path?: string };
  program_output?: { enabled?: boolean; keep_alive?: boolean; program?: string };
  http_output?: {
    enabled?: boolean;
    url?: string;
    user_agent?: string;
    insecure?: boolean;
    ca_cert?: string;
    ca_bundle?: string;
    mtls?: boolean;
    client_cert?: string;
    client_key?: string;
    headers?: Record<string, string>;
    /** falco-ts: "json" (default, Falcosidekick) or "line" (Falco's exact body). */
    format?: "json" | "line";
    /** falco-ts: retries after the first attempt (default 3). */
    retries?: number;
    /** falco-ts: per-attempt timeout in ms (default 5000). */
    timeout_ms?: number;
  };
}

/** Extra settings not in falco.yaml. */
export interface OutputsRuntime {
  /** `-U/--unbuffered` given: overrides buffered_outputs to false. */
  unbuffered?: boolean;
  /** Warning/error log (default stderr). */
  log?: (msg: string) => void;
  /** Host name for internal alerts. */
  hostname?: string;
  /** Writer for stdout (tests). */
  stdoutWrite?: (s: string) => void | Promise<void>;
}

/** Rendering options from the config (json_output, json_include_*, time_format_iso_8601). */
export function alertFormatOptions(c: OutputsConfig): AlertFormatOptions {
  return {
    jsonOutput: c.json_output ?? false,
    timeFormatIso8601: c.time_format_iso_8601 ?? false,
    jsonIncludeOutputProperty: c.json_include_output_property ?? true,
    jsonIncludeTagsProperty: c.json_include_tags_property ?? true,
    jsonIncludeMessageProperty: c.json_include_message_property ?? false,
    jsonIncludeOutputFieldsProperty: c.json_include_output_fields_property ?? true,
  };
}

/**
 * Create the enabled sinks, in Falco's order (stdout, file, syslog, program, http), and the manager.
 * @throws Error when an enabled output lacks a required setting (file_output.filename,
 *   program_output.program, http_output.url), naming the key.
 */
export function createOutputs(c: OutputsConfig, rt: OutputsRuntime = {}): Outputs {
  const buffered = rt.unbuffered ? false : (c.buffered_outputs ?? false);
  const sinks: Sink[] = [];
  if (c.stdout_output?.enabled ?? true) sinks.push(new StdoutSink({ buffered, write: rt.stdoutWrite }));
  if (c.file_output?.enabled) {
    const f = c.file_output.filename;
    if (!f) throw new Error("file_output.enabled is true but file_output.filename is empty: set a file name");
    sinks.push(new FileSink({ filename: f, keepAlive: c.file_output.keep_alive ?? false }));
  }
  if (c.syslog_output?.enabled ?? true) sinks.push(new SyslogSink({ path: c.syslog_output?.path }));
  if (c.program_output?.enabled) {
    const p = c.program_output.program;
    if (!p) throw new Error("program_output.enabled is true but program_output.program is empty: set a command");
    sinks.push(new ProgramSink({ program: p, keepAlive: c.program_output.keep_alive ?? false }));
  }
  if (c.http_output?.enabled) {
    const h = c.http_output;
    if (!h.url) throw new Error("http_output.enabled is true but http_output.url is empty: set a URL");
    sinks.push(
      new HttpSink({
        url: h.url,
        userAgent: h.user_agent,
        headers: h.headers,
        insecure: h.insecure,
        caCert: h.ca_cert,
        caBundle: h.ca_bundle,
        mtls: h.mtls,
        clientCert: h.client_cert,
        clientKey: h.client_key,
        format: h.format,
        retries: h.retries,
        timeoutMs: h.timeout_ms,
      }),
    );
  }
  const cap = c.outputs_queue?.capacity ?? 0;
  const opts: OutputsOptions = {
    ...alertFormatOptions(c),
    queueCapacity: cap > 0 ? cap : DEFAULT_QUEUE_CAPACITY,
    outputTimeoutMs: c.output_timeout ?? 2000,
    log: rt.log,
    hostname: rt.hostname,
  };
  return new Outputs(sinks, opts);
}
