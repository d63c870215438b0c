/**
 * `falco -V` validation cases (falcosecurity/testing tests/falco/legacy_test.go @ 9a9c8676, as data
 * in ../shared/conformance/testing_validation_cases.json) run in-process through our validate API
 * (src/rules/validate.ts), with json_output: exit code, and for each `expect` entry an error (or
 * warning) in the `falco_load_results` JSON with that code and item type (and item name and
 * message where given). The testing framework's OfItemType/OfItemName select results by the
 * locations of their context, so we look at every location of each error/warning.
 * Raw asserts that are not `OfCode` chains are interpreted too (At(0).Successful, the
 * per-item-name warnings of ValidateSkipUnknownNoevt).
 */
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { renderValidation, validateRules } from "../src/rules/validate.ts";
import type { JsonDiagnostic, JsonFileResult } from "../src/rules/diagnostics.ts";
import { makeTestRegistry } from "./rules_test_registry.ts";

interface Expect {
  kind: "error" | "warning";
  code?: string;
  item_type?: string;
  item_name?: string;
  message?: string;
}
interface Case {
  test: string;
  rules_files_in_order: string[];
  expect: Expect[];
  raw_asserts: string[];
  exit_code: number;
}

const SHARED = new URL("../../shared/conformance/", import.meta.url);
const CASES = JSON.parse(readFileSync(new URL("testing_validation_cases.json", SHARED), "utf8")) as Case[];
const REG = makeTestRegistry();

/** Cases depending on behaviour outside the loader that is missing; run and printed, not asserted. */
const KNOWN_GAPS: Record<string, string> = {};

function matches(d: JsonDiagnostic, e: Expect): boolean {
  if (e.code !== undefined && d.code !== e.code) return false;
  if (e.message !== undefined && d.message !== e.message) return false;
  const locs = d.context.locations;
  if (e.item_type !== undefined && !locs.some((l) => l.item_type === e.item_type && (e.item_name === undefined || l.item_name === e.item_name))) {
    return false;
  }
  if (e.item_type === undefined && e.item_name !== undefined && !locs.some((l) => l.item_name === e.item_name)) return false;
  return true;
}

function all(results: JsonFileResult[], kind: "error" | "warning"): JsonDiagnostic[] {
  return results.flatMap((r) => (kind === "error" ? r.errors : r.warnings));
}

describe("falco -V validation cases", () => {
  let pass = 0;
  let fail = 0;
  const gaps: string[] = [];
  for (const c of CASES) {
    test(c.test, () => {
      const sources = c.rules_files_in_order.map((f) => ({
        name: f,
        content: readFileSync(new URL(`testing_rules/${f}`, SHARED), "utf8"),
      }));
      const v = validateRules(sources, { registry: REG });
      const out = renderValidation(v, true);
      const problems: string[] = [];
      if (out.exitCode !== c.exit_code) problems.push(`exit code ${out.exitCode}, want ${c.exit_code}`);
      let parsed: { falco_load_results: JsonFileResult[] } | undefined;
      try {
        parsed = JSON.parse(out.stdout);
      } catch {
        problems.push(`stdout is not JSON: ${out.stdout.slice(0, 200)} / ${out.stderr.slice(0, 300)}`);
      }
      const results = parsed?.falco_load_results ?? [];
      for (const e of c.expect) {
        if (e.code === undefined && e.item_type === undefined && e.message === undefined) continue; // see raw asserts
        if (!all(results, e.kind).some((d) => matches(d, e))) problems.push(`missing ${e.kind} ${JSON.stringify(e)}`);
      }
      for (const raw of c.raw_asserts) {
        let m: RegExpExecArray | null;
        if ((m = /^assert\.True\(t, res\.RuleValidation\(\)\.At\((\d+)\)\.Successful\)/.exec(raw))) {
          if (!results[Number(m[1])]?.successful) problems.push(`${raw} does not hold`);
        } else if ((m = /^assert\.NotNil\(t, ruleWarnings\.OfItemName\("([^"]*)"\)\.OfMessage\("([^"]*)"\)/.exec(raw))) {
          const e: Expect = { kind: "warning", item_name: m[1], message: m[2] };
          if (!all(results, "warning").some((d) => matches(d, e))) problems.push(`${raw} does not hold`);
        }
      }
      const gap = KNOWN_GAPS[c.test];
      if (gap !== undefined) {
        gaps.push(`${c.test}: ${problems.length === 0 ? "passes now" : "fails: " + problems.join("; ")} (${gap})`);
        return;
      }
      if (problems.length > 0) {
        problems.push(`stdout: ${out.stdout.slice(0, 3000)}`);
        fail++;
      } else pass++;
      expect(problems).toEqual([]);
    });
  }
  test("summary", () => {
    console.log(
      `conformance_validation: ${pass} passed, ${fail} failed, ${gaps.length} known gaps (not asserted) of ${CASES.length} cases (none out of scope)`,
    );
    for (const g of gaps) console.log(`conformance_validation: KNOWN GAP ${g}`);
    expect(pass + fail + gaps.length).toBe(CASES.length);
  });
});
