/**
 * Falco's rule-loader unit tests (falcosecurity/falco unit_tests/engine/*.cpp @ 13074749, as data in
 * ../shared/conformance/falco_engine_unit_tests.json), run against our loader.
 *
 * In scope: every test with YAML content. Each test's raw C++ assertions are interpreted:
 * load_rules success/failure, ASSERT_VALIDATION_STATUS (schema), check_warning_message /
 * check_error_message (some message contains the text), get_compiled_rule_condition (as_string of
 * the resolved condition), get_compiled_rule_output, num_rules_for_ruleset (enabled rules of the
 * default ruleset), has_warnings/successful, rule_description JSON paths, snippet checks.
 * Engine setup that the data omits (add_extra_output_format / add_extra_output_formatted_field
 * calls in test_extra_output.cpp) is reproduced from the upstream test source, listed below.
 * Out of scope (listed by name): tests without YAML (they exercise Falco's C++ API only).
 * Known gaps (run and reported, not asserted): KNOWN_GAPS below, with the reason.
 */
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { RulesLoader, type LoaderConfig } from "../src/rules/loader.ts";
import { Priority } from "../src/rules/priority.ts";
import type { FileResult, JsonFileResult } from "../src/rules/diagnostics.ts";
import {
  ERROR_NO_PREVIOUS_LIST,
  ERROR_NO_PREVIOUS_MACRO,
  ERROR_NO_PREVIOUS_RULE_APPEND,
  ERROR_NO_PREVIOUS_RULE_REPLACE,
  ERROR_OVERRIDE_APPEND,
  WARNING_APPEND,
  WARNING_ENABLED,
} from "../src/rules/diagnostics.ts";
import { makeTestRegistry } from "./rules_test_registry.ts";

interface UnitTest {
  fixture: string;
  name: string;
  yaml?: Record<string, string>;
  checks: string[];
}

const DATA = JSON.parse(readFileSync(new URL("../../shared/conformance/falco_engine_unit_tests.json", import.meta.url), "utf8")) as {
  files: Record<string, { tests: UnitTest[] }>;
};

const MACROS: Record<string, string> = {
  WARNING_APPEND,
  WARNING_ENABLED,
  WARNING_NO_EVTTYPE: "Rule matches too many evt.type values",
  ERROR_OVERRIDE_APPEND,
  ERROR_NO_PREVIOUS_MACRO,
  ERROR_NO_PREVIOUS_LIST,
  ERROR_NO_PREVIOUS_RULE_APPEND,
  ERROR_NO_PREVIOUS_RULE_REPLACE,
};

/** Engine setup done in C++ before load_rules (test_extra_output.cpp), keyed by test name. */
const SETUP: Record<string, Partial<LoaderConfig>> = {
  extra_format_all: { extraOutputFormats: [{ format: "evt.type=%evt.type" }] },
  extra_format_by_rule: { extraOutputFormats: [{ format: "evt.type=%evt.type", rule: "legit_rule" }] },
  extra_fields_all: { extraOutputFields: [{ key: "my_field", format: "hello %evt.num" }] },
};

/** Parse adjacent C++ string literals ("a" "b") at the start of `s`; returns the value and the rest. */
function cppStrings(s: string): { value: string; rest: string } | undefined {
  let i = 0;
  let value = "";
  let any = false;
  for (;;) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (s[i] !== '"') break;
    i++;
    any = true;
    while (i < s.length && s[i] !== '"') {
      if (s[i] === "\\") {
        const c = s[i + 1]!;
        value += c === "n" ? "\n" : c === "t" ? "\t" : c;
        i += 2;
      } else {
        value += s[i];
        i++;
      }
    }
    i++;
  }
  return any ? { value, rest: s.slice(i) } : undefined;
}

function argText(arg: string): string {
  const t = arg.trim();
  if (MACROS[t] !== undefined) return MACROS[t]!;
  const s = cppStrings(t);
  if (!s) throw new Error(`cannot interpret argument ${arg}`);
  return s.value;
}

interface State {
  loader?: RulesLoader;
  res?: FileResult;
  json?: JsonFileResult;
  contents: Map<string, string>;
}

function jsonPath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  const re = /\[("(?:[^"\\]|\\.)*"|\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    const k = m[1]!.startsWith('"') ? JSON.parse(m[1]!) : Number(m[1]);
    cur = cur === undefined || cur === null ? undefined : (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Run one C++ check; returns undefined if it passed, else a failure message. */
function runCheck(t: UnitTest, check: string, st: State): string | undefined {
  let m: RegExpExecArray | null;
  const fail = (why: string) => `${check} -> ${why}`;
  if ((m = /(ASSERT|EXPECT)_(TRUE|FALSE)\(load_rules\(rules_content, "([^"]*)"\)\)/.exec(check))) {
    const content = Object.entries(t.yaml!).find(([k]) => k === "rules_content")?.[1] ?? Object.values(t.yaml!)[0]!;
    const loader = new RulesLoader({ registry: REG, ...(SETUP[t.name] ?? {}) });
    const res = loader.load(m[3]!, content);
    st.loader = loader;
    st.res = res;
    st.contents = new Map([[m[3]!, content]]);
    st.json = res.asJson(st.contents);
    const want = m[2] === "TRUE";
    return res.successful === want ? undefined : fail(`successful=${res.successful}\n${res.asVerboseString(st.contents)}`);
  }
  if (!st.res || !st.json || !st.loader) return fail("no load_rules before this check");
  const res = st.res;
  if ((m = /^ASSERT_VALIDATION_STATUS\(yaml_helper::validation_(ok|failed|none)\)/.exec(check))) {
    const got = res.schemaValidation();
    const ok = m[1] === "failed" ? got.startsWith("failed") : got === m[1];
    return ok ? undefined : fail(`schema validation ${got}`);
  }
  if ((m = /^(ASSERT|EXPECT)_(TRUE|FALSE)\(\s*check_(warning|error)_message\((.*)\)\)/.exec(check))) {
    const text = argText(m[4]!);
    let found: boolean;
    if (m[3] === "warning") found = res.hasWarnings() && st.json.warnings.some((w) => w.message.includes(text));
    else found = !res.successful && st.json.errors.some((e) => e.message.includes(text));
    const want = m[2] === "TRUE";
    return found === want ? undefined : fail(`found=${found}\n${res.asVerboseString(st.contents)}`);
  }
  if ((m = /^(ASSERT|EXPECT)_EQ\(\s*get_compiled_rule_(condition|output)\("([^"]*)"\),(.*)\);$/s.exec(check))) {
    const want = cppStrings(m[4]!)!.value;
    const got =
      m[2] === "condition" ? st.loader.getCompiledRuleCondition(m[3]!) : st.loader.getCompiledRuleOutput(m[3]!);
    return got === want ? undefined : fail(`got ${JSON.stringify(got)}`);
  }
  if ((m = /^EXPECT_EQ\(num_rules_for_ruleset\(\), (\d+)\)/.exec(check))) {
    const rs = st.loader.buildRuleset(Priority.DEBUG);
    return rs.enabledCount() === Number(m[1]) ? undefined : fail(`got ${rs.enabledCount()}`);
  }
  if ((m = /^(ASSERT|EXPECT)_(TRUE|FALSE)\((?:m_load_result->)?(has_warnings|successful)\(\)\)/.exec(check))) {
    const got = m[3] === "has_warnings" ? res.hasWarnings() : res.successful;
    return got === (m[2] === "TRUE") ? undefined : fail(`got ${got}\n${res.asVerboseString(st.contents)}`);
  }
  if ((m = /^ASSERT_EQ\(rule_description((?:\[[^\]]+\])+)(\.size\(\)| ?\.template get<[^>]+>\(\)),(.*)\);$/s.exec(check))) {
    const desc = st.loader.describe();
    const v = jsonPath(desc, m[1]!);
    const rhs = m[3]!.trim();
    if (m[2] === ".size()") {
      const n = Array.isArray(v) ? v.length : v && typeof v === "object" ? Object.keys(v).length : -1;
      return n === Number(rhs) ? undefined : fail(`size ${n}`);
    }
    let want: unknown;
    const s = cppStrings(rhs);
    if (s) want = s.value;
    else if (rhs === "true" || rhs === "false") want = rhs === "true";
    else want = Number(rhs.replace(/u$/, ""));
    return v === want ? undefined : fail(`got ${JSON.stringify(v)}`);
  }
  if (check.startsWith('ASSERT_TRUE(std::string(m_load_result_json["errors"][0]["context"]["snippet"])')) {
    const want = /\.find\("([^"]*)"\)/.exec(check)![1]!;
    const sn = st.json.errors[0]?.context.snippet ?? "";
    return sn.includes(want) ? undefined : fail(`snippet ${JSON.stringify(sn)}`);
  }
  // hand-translated loops over warnings (deprecated_evt_dir_*_snippet)
  if (check.startsWith('for(const auto& warn : m_load_result_json["warnings"]) { std::string snippet')) {
    const w = st.json.warnings.find((x) => x.context.snippet.includes("evt.dir"));
    if (!w) return fail("no warning snippet containing 'evt.dir'");
    return w.context.snippet.includes("condition: >") ? fail(`snippet ${w.context.snippet}`) : undefined;
  }
  if (check.startsWith('for(const auto& warn : m_load_result_json["warnings"]) { if(warn["code"] != "LOAD_DEPRECATED_ITEM")')) {
    const w = st.json.warnings.find((x) => x.code === "LOAD_DEPRECATED_ITEM");
    if (!w) return fail("no LOAD_DEPRECATED_ITEM warning found");
    const sn = w.context.snippet;
    if (sn.includes("condition: >")) return fail(`snippet has 'condition: >': ${sn}`);
    if (!sn.includes("spawned_process")) return fail(`snippet lacks 'spawned_process': ${sn}`);
    return undefined;
  }
  if (check.startsWith("EXPECT_TRUE(output.find(\"%container.info\") == output.npos)")) {
    const out = st.loader.getCompiledRuleOutput("legit_rule") ?? "%container.info";
    return out.includes("%container.info") ? fail(`output ${out}`) : undefined;
  }
  if ((m = /^EXPECT_EQ\(get_compiled_rule_formatted_fields\("([^"]*)"\), extra_formatted_fields\)/.exec(check))) {
    const d = st.loader.describe(m[1]!);
    const got = d.rules[0]?.details.extra_output_formatted_fields;
    const want = { my_field: "hello %evt.num" };
    return JSON.stringify(got) === JSON.stringify(want) ? undefined : fail(`got ${JSON.stringify(got)}`);
  }
  return `UNINTERPRETED: ${check}`;
}

const REG = makeTestRegistry();

/**
 * Tests whose expectation depends on behaviour outside the loader that our libs-0.25.4 port does
 * not have. They are run and their outcome printed, but not asserted.
 */
const KNOWN_GAPS: Record<string, string> = {};

const inScope: { file: string; t: UnitTest }[] = [];
const outOfScope: string[] = [];
for (const [file, f] of Object.entries(DATA.files)) {
  for (const t of f.tests) {
    if (t.yaml && Object.keys(t.yaml).length > 0) inScope.push({ file, t });
    else outOfScope.push(`${file}:${t.name}`);
  }
}

describe("falco engine unit tests (rule loader)", () => {
  let pass = 0;
  let failN = 0;
  const gapResults: string[] = [];
  for (const { file, t } of inScope) {
    test(`${file}:${t.name}`, () => {
      const st: State = { contents: new Map() };
      const failures: string[] = [];
      for (const c of t.checks) {
        let r: string | undefined;
        try {
          r = runCheck(t, c, st);
        } catch (e) {
          r = `${c} -> threw ${(e as Error).stack}`;
        }
        if (r !== undefined) failures.push(r);
      }
      const gap = KNOWN_GAPS[t.name];
      if (gap !== undefined) {
        gapResults.push(`${t.name}: ${failures.length === 0 ? "passes now" : "fails"} (${gap})`);
        return;
      }
      if (failures.length === 0) pass++;
      else failN++;
      expect(failures).toEqual([]);
    });
  }
  test("summary", () => {
    console.log(
      `conformance_engine: ${pass} passed, ${failN} failed, ${gapResults.length} known gaps (not asserted) of ${inScope.length} in scope`,
    );
    for (const g of gapResults) console.log(`conformance_engine: KNOWN GAP ${g}`);
    console.log(
      `conformance_engine: ${outOfScope.length} out of scope (no YAML content; they exercise Falco's C++ API only): ${outOfScope.join(", ")}`,
    );
    console.log(
      "conformance_engine: note: ported onto our API in test/loader.test.ts: test_enable_rule.cpp (all but enable_rule_id, which tests ruleset ids we do not have), test_filter_macro_resolver.cpp, test_filter_warning_resolver.cpp; no counterpart in our API: alt loader, filter_details_resolver, test_rulesets (C++ ruleset factory), falco_utils, add_source, plugin requirements C++ API (covered by loader.test.ts versions tests)",
    );
    expect(inScope.length).toBe(101);
  });
});
