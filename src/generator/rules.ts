/**
 * Which rules a set of rules files enables, for `event-generator test` to choose the actions to
 * run. A light reading of the YAML (not the rules loader): the agent itself reports rules errors.
 */
import YAML from "yaml";
import type { RulesSource } from "../cli/rules_files.ts";

/**
 * Enabled rules of the given sources: name -> condition text (last definition wins; `enabled:
 * false` disables; an appended condition is concatenated). Only used to pick the actions to run.
 */
export function loadedRules(sources: readonly RulesSource[]): Map<string, string> {
  const rules = new Map<string, { condition: string; enabled: boolean }>();
  for (const src of sources) {
    let doc: unknown;
    try {
      doc = YAML.parse(src.content);
    } catch {
      continue; // the agent reports rules errors itself
    }
    if (!Array.isArray(doc)) continue;
    for (const item of doc) {
      if (!item || typeof item !== "object" || typeof (item as { rule?: unknown }).rule !== "string") continue;
      const r = item as { rule: string; condition?: unknown; enabled?: unknown; append?: unknown; override?: Record<string, string> };
      const prev = rules.get(r.rule);
      const cond = typeof r.condition === "string" ? r.condition : undefined;
      const appending = r.append === true || r.override?.condition === "append";
      if (prev && (appending || cond === undefined)) {
        if (cond) prev.condition += ` ${cond}`;
        if (typeof r.enabled === "boolean") prev.enabled = r.enabled;
      } else if (cond !== undefined) {
        rules.set(r.rule, { condition: cond, enabled: r.enabled !== false });
      } else if (prev && typeof r.enabled === "boolean") {
        prev.enabled = r.enabled;
      }
    }
  }
  const out = new Map<string, string>();
  for (const [k, v] of rules) if (v.enabled) out.set(k, v.condition);
  return out;
}

