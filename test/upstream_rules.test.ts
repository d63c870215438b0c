/**
 * The upstream Falco rulesets (../shared/rules: falcosecurity/rules @ falco-rules-5.1.0) load with
 * our loader: each file alone, and all three in order (stable, incubating, sandbox), as
 * `falco -r` would. Expectations: no errors; every warning is listed in EXPECTED_WARNINGS with the
 * reason it is right (currently none: the upstream repository's CI keeps these files free of
 * unused macros/lists and other warnings), and nothing else; the plugin requirement
 * (`container >= 0.4.0`) is met by our built-in container support; and rule counts / enabled
 * states match the files.
 */
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { loadRules, FALCO_ENGINE_VERSION } from "../src/rules/loader.ts";
import { makeTestRegistry } from "./rules_test_registry.ts";

const DIR = new URL("../../shared/rules/", import.meta.url);
const FILES = ["falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"];
const REG = makeTestRegistry();

/** Warnings we expect, as "file | code | message", each with its justification. */
const EXPECTED_WARNINGS: Record<string, string> = {};

function countRules(text: string): { total: number; disabled: number } {
  // every rule item starts with "- rule:" at column 0; disabled ones carry "enabled: false"
  const items = text.split(/\n(?=- )/);
  let total = 0;
  let disabled = 0;
  for (const it of items) {
    if (!/^- rule:/.test(it)) continue;
    total++;
    if (/\n  enabled: false\b/.test(it)) disabled++;
  }
  return { total, disabled };
}

const sets: string[][] = [...FILES.map((f) => [f]), FILES];
let pass = 0;
let fail = 0;

describe("upstream Falco rules", () => {
  for (const set of sets) {
    test(set.join(" + "), () => {
      try {
        const contents = set.map((f) => ({ name: f, content: readFileSync(new URL(f, DIR), "utf8") }));
        const r = loadRules(contents, { registry: REG, stopAtFirstError: false });
        const problems: string[] = [];
        for (const f of r.files) {
          for (const e of f.errors) problems.push(`${f.name}: error ${e.code}: ${e.message}`);
          for (const w of f.warnings) {
            const key = `${f.name} | ${w.code} | ${w.message}`;
            if (EXPECTED_WARNINGS[key] === undefined) problems.push(`unexpected warning ${key}`);
          }
          if (f.schemaValidation() !== "ok") problems.push(`${f.name}: schema ${f.schemaValidation()}`);
        }
        if (r.pluginError) problems.push(`plugin requirement: ${r.pluginError}`);
        expect(problems).toEqual([]);
        expect(r.successful).toBe(true);
        const want = contents.map((c) => countRules(c.content)).reduce((a, b) => ({ total: a.total + b.total, disabled: a.disabled + b.disabled }));
        expect(r.ruleset!.rules.length).toBe(want.total);
        expect(r.ruleset!.enabledCount()).toBe(want.total - want.disabled);
        // every rule requires engine version 0.57.0 <= ours
        expect(r.loader.describe().required_engine_version).toBe("0.57.0");
        expect(FALCO_ENGINE_VERSION).toBe("0.63.0");
        // every enabled rule has an event-type restriction (none warns LOAD_NO_EVTTYPE)
        for (const rule of r.ruleset!.enabledRules()) expect(rule.evttypes, rule.name).not.toBeNull();
        pass++;
      } catch (e) {
        fail++;
        throw e;
      }
    });
  }
  test("summary", () => {
    console.log(`upstream_rules: ${pass} passed, ${fail} failed of ${sets.length} load sets`);
    console.log(`upstream_rules: expected warnings: ${Object.keys(EXPECTED_WARNINGS).length} (none are expected for these files)`);
  });
});
