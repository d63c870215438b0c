/**
 * Shared set-up of the Bun benchmark scripts: the agent's pipeline (src/cli/agent.ts
 * buildPipeline + prepareRules, exactly as runMain builds them) for one rules file, with Falco's
 * default configuration. No probe is opened here.
 */
import { resolve } from "node:path";
import { buildPipeline, prepareRules, type ActiveRules, type Pipeline } from "../src/cli/agent.ts";
import { syscallSet } from "../src/cli/syscall_set.ts";
import { defaultConfig, type FalcoConfig } from "../src/cli/config.ts";
import { readRulesSources, type RulesSource } from "../src/cli/rules_files.ts";
import { STATE_EVENTS, selectionIndices } from "../src/probe/syscalls_x86_64.ts";

/** The agent's objects for one rules file. */
export interface BenchPipeline {
  config: FalcoConfig;
  pipeline: Pipeline;
  active: ActiveRules;
  sources: RulesSource[];
}

/**
 * Build state, fields, registry and the loaded ruleset for `rulesPath` as the agent does.
 * @param live true for live capture (reads /proc, container metadata), false for replay-like use.
 * @throws Error if the rules do not load (the loader's verdict is in the message).
 */
export function benchPipeline(rulesPath: string, live: boolean): BenchPipeline {
  const config = defaultConfig();
  const pipeline = buildPipeline(config, { D: [], t: [], T: [] }, live);
  const sources = readRulesSources([resolve(rulesPath)]);
  const { active } = prepareRules(pipeline, sources);
  if (!active) throw new Error(`bench: rules in ${rulesPath} failed to load`);
  return { config, pipeline, active, sources };
}

/** The probe selection indices the agent would use for this ruleset (rules' events + STATE_EVENTS). */
export function selectionFor(b: BenchPipeline): number[] {
  const names = new Set([...syscallSet(b.config, b.active), ...STATE_EVENTS]);
  const idx = new Set<number>();
  for (const n of names) for (const i of selectionIndices(n)) idx.add(i);
  return [...idx].sort((a, z) => a - z);
}

/** Median of a non-empty list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, z) => a - z);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
