/**
 * `falco -V FILE...`: validate rules files, loaded cumulatively in the order given, and render the
 * results as Falco does (userspace/falco/app/actions/validate_rules_files.cpp):
 *
 * - every file is loaded (a failing file does not stop the next ones);
 * - after each file the plugin requirements are checked; a failure is fatal (its message on
 *   stderr, nothing on stdout, exit 1);
 * - JSON form (`json_output=true`): one line `{"falco_load_results":[<per-file result>...]}`;
 * - text form: per file the verbose result when it is invalid or has no warnings, else
 *   "<file>: Ok, with warnings" (the warnings themselves go to stderr); files separated by a
 *   newline, then a final newline;
 * - exit code 0 when every file is valid, 1 otherwise.
 */
import type { FileResult, JsonFileResult } from "./diagnostics.ts";
import { BUILTIN_PLUGINS, type LoaderConfig, type PluginVersion, type RuleSource, RulesLoader, toFalcoJson } from "./loader.ts";

/** Result of validating a list of rules files. */
export interface ValidationResult {
  /** Per-file results in the order given (files after a fatal plugin error are absent). */
  files: FileResult[];
  /** File contents by name, for snippets. */
  contents: Map<string, string>;
  /** Fatal plugin-requirement error, if any. */
  fatal?: string;
  /** 0 when every file is valid and no fatal error happened, else 1. */
  exitCode: number;
  /** The loader, e.g. for `-L` after `-V`. */
  loader: RulesLoader;
}

/** Validate rules files in order (cumulative), as `falco -V F1 -V F2 ...`. Never throws for bad content. */
export function validateRules(
  sources: readonly RuleSource[],
  cfg: LoaderConfig & { plugins?: readonly PluginVersion[] },
): ValidationResult {
  const loader = new RulesLoader(cfg);
  const files: FileResult[] = [];
  let ok = true;
  for (const s of sources) {
    const r = loader.load(s.name, s.content);
    files.push(r);
    const perr = loader.checkPluginRequirements(cfg.plugins ?? BUILTIN_PLUGINS);
    if (perr !== undefined) {
      return { files, contents: loader.contents, fatal: perr, exitCode: 1, loader };
    }
    ok &&= r.successful;
  }
  return { files, contents: loader.contents, exitCode: ok ? 0 : 1, loader };
}

/** The JSON object Falco prints with json_output (`{"falco_load_results": [...]}`). */
export function validationJson(v: ValidationResult): { falco_load_results: JsonFileResult[] } {
  return { falco_load_results: v.files.map((f) => f.asJson(v.contents)) };
}

/** What `-V` writes: stdout, stderr and the exit code. */
export interface ValidationOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * Render a validation as Falco's `-V` output. `json` selects the JSON form (json_output=true).
 * In the text form, warnings of files that are valid are written to stderr (verbose form).
 */
export function renderValidation(v: ValidationResult, json: boolean): ValidationOutput {
  if (v.fatal !== undefined) {
    return { stdout: "", stderr: `Error: ${v.fatal}\n`, exitCode: 1 };
  }
  let stderr = "";
  let summary = "";
  for (const f of v.files) {
    if (summary !== "") summary += "\n";
    if (!f.successful || !f.hasWarnings()) {
      summary += f.asVerboseString(v.contents);
    } else {
      summary += `${f.name}: Ok, with warnings`;
      stderr += f.asVerboseString(v.contents) + "\n";
    }
  }
  let stdout: string;
  if (json) stdout = toFalcoJson(validationJson(v)) + "\n";
  else stdout = summary + "\n";
  if (v.exitCode !== 0) stderr += `Error: ${summary}\n`;
  return { stdout, stderr, exitCode: v.exitCode };
}
