/**
 * Rules loader behaviour beyond the upstream conformance data: cumulative semantics, rule
 * selection and matching, priorities, versions, describe output, and robustness against
 * malformed or hostile input (errors with positions, never crashes or hangs).
 */
import { afterAll, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { loadRules, RulesLoader, describeRulesText, wrapText, type LoadOptions } from "../src/rules/loader.ts";
import { validateRules, renderValidation } from "../src/rules/validate.ts";
import { Ruleset, matchesWildcard, type CompiledRule } from "../src/rules/ruleset.ts";
import { parsePriority, formatPriority, Priority } from "../src/rules/priority.ts";
import { Context } from "../src/rules/diagnostics.ts";
import { resolveListText, resolveMacrosInAst } from "../src/rules/load_compile.ts";
import { resolveFilterWarnings } from "../src/rules/load_warnings.ts";
import { parseCondition } from "../src/rules/parser.ts";
import {
  andExpr, astEqual, binaryCheckExpr, fieldExpr, fieldTransformerExpr, identifierExpr, notExpr, orExpr, transformerListExpr,
  unaryCheckExpr, valueExpr, type Expr,
} from "../src/rules/ast.ts";
import type { Event } from "../src/events/event.ts";
import { makeTestRegistry } from "./rules_test_registry.ts";

const REG = makeTestRegistry();
let passed = 0;
let failed = 0;
function t(name: string, fn: () => void, timeout = 30_000): void {
  test(
    name,
    () => {
      try {
        fn();
        passed++;
      } catch (e) {
        failed++;
        throw e;
      }
    },
    timeout,
  );
}
afterAll(() => console.log(`loader: ${passed} passed, ${failed} failed`));

function load(content: string, opts: Partial<LoadOptions> = {}) {
  return loadRules([{ name: "rules.yaml", content }], { registry: REG, ...opts });
}
function rule(name: string, cond: string, extra = ""): string {
  return `- rule: ${name}\n  desc: d ${name}\n  condition: ${cond}\n  output: out %proc.name\n  priority: WARNING\n${extra}`;
}
function errorsOf(r: ReturnType<typeof load>) {
  return r.files.flatMap((f) => f.errors);
}
function warningsOf(r: ReturnType<typeof load>) {
  return r.files.flatMap((f) => f.warnings);
}

describe("cumulative semantics", () => {
  t("lists are visible regardless of order; macros only see earlier macros", () => {
    const ok = load(`${rule("r", "evt.type = open and proc.name in (later_list)")}\n- list: later_list\n  items: [cat, "a b"]\n`);
    expect(errorsOf(ok)).toEqual([]);
    expect(ok.loader.getCompiledRuleCondition("r")).toBe('(evt.type = open and proc.name in (cat, "a b"))');
    const bad = load(`- macro: a\n  condition: b\n- macro: b\n  condition: evt.type = open\n${rule("r", "a")}`);
    expect(errorsOf(bad).map((e) => [e.code, e.message])).toEqual([["LOAD_ERR_VALIDATE", "Undefined macro 'b' used in filter."]]);
    const good = load(`- macro: b\n  condition: evt.type = open\n- macro: a\n  condition: b\n${rule("r", "a")}`);
    expect(good.loader.getCompiledRuleCondition("r")).toBe("evt.type = open");
  });

  t("a UTF-8 byte order mark at the start of a file is skipped (yaml-cpp does)", () => {
    const r = load(`\uFEFF${rule("bom", "evt.type = open")}`);
    expect(errorsOf(r)).toEqual([]);
    expect(r.ruleset!.rules.map((x) => x.name)).toEqual(["bom"]);
  });

  t("rules see macros defined after them", () => {
    const r = load(`${rule("r", "m and proc.name = cat")}\n- macro: m\n  condition: evt.type = open\n`);
    expect(errorsOf(r)).toEqual([]);
    expect(r.loader.getCompiledRuleCondition("r")).toBe("(evt.type = open and proc.name = cat)");
  });

  t("redefinition replaces the item but keeps its load-order slot", () => {
    const r = load(`${rule("a", "evt.type = open")}\n${rule("b", "evt.type = close")}\n${rule("a", "evt.type = execve")}`);
    expect(r.ruleset!.rules.map((x) => x.name)).toEqual(["a", "b"]);
    expect(r.loader.getCompiledRuleCondition("a")).toBe("evt.type = execve");
  });

  t("later files append to and override earlier ones; each file has its own result", () => {
    const r = loadRules(
      [
        { name: "a.yaml", content: `- list: l\n  items: [a]\n- macro: m\n  condition: proc.name in (l)\n${rule("r", "evt.type = open and m")}` },
        {
          name: "b.yaml",
          content:
            "- list: l\n  items: [b]\n  override:\n    items: append\n- rule: r\n  condition: and proc.pid > 1\n  override:\n    condition: append\n- rule: r\n  priority: ERROR\n  enabled: false\n  override:\n    priority: replace\n    enabled: replace\n",
        },
      ],
      { registry: REG },
    );
    expect(r.files.map((f) => f.successful)).toEqual([true, true]);
    expect(r.loader.getCompiledRuleCondition("r")).toBe("(evt.type = open and proc.name in (a, b) and proc.pid > 1)");
    const cr = r.ruleset!.get("r")!;
    expect(cr.priority).toBe(Priority.ERROR);
    expect(r.ruleset!.isEnabled(cr)).toBe(false);
  });

  t("append to an undefined item is an error; enabled-only item toggles an earlier rule", () => {
    const r = load("- macro: nope\n  condition: evt.type = open\n  override:\n    condition: append\n");
    expect(errorsOf(r)[0]!.message).toContain("no macro by that name already exists");
    const e = load(`${rule("r", "evt.type = open")}\n- rule: r\n  enabled: false\n`);
    expect(warningsOf(e).some((w) => w.code === "LOAD_DEPRECATED_ITEM")).toBe(true);
    expect(e.ruleset!.enabledCount()).toBe(0);
  });

  t("exceptions compile into `and not (...)` as Falco builds them", () => {
    const r = load(
      rule(
        "r",
        "evt.type = open",
        "  exceptions:\n    - name: e1\n      fields: [proc.name, fd.name]\n      comps: [=, startswith]\n      values:\n        - [cat, /tmp]\n        - [dog, \"/a b\"]\n    - name: e2\n      fields: proc.pname\n      values: [bash, zsh]\n",
      ),
    );
    expect(errorsOf(r)).toEqual([]);
    expect(r.loader.getCompiledRuleCondition("r")).toBe(
      '(evt.type = open and not ((proc.name = cat and fd.name startswith /tmp) or (proc.name = dog and fd.name startswith "/a b")) and not proc.pname in (bash, zsh))',
    );
    expect(r.ruleset!.get("r")!.exceptionFields).toEqual(["fd.name", "proc.name", "proc.pname"]);
  });

  t("unknown field is a compile error, or a skipping warning with skip-if-unknown-filter", () => {
    const r = load(rule("r", "evt.type = open and proc.nope = 1"));
    const e = errorsOf(r)[0]!;
    expect([e.code, e.message]).toEqual(["LOAD_ERR_COMPILE_CONDITION", "filter_check called with nonexistent field proc.nope"]);
    const s = load(rule("r", "evt.type = open and proc.nope = 1", "  skip-if-unknown-filter: true\n"));
    expect(s.successful).toBe(true);
    expect(warningsOf(s).map((w) => w.code)).toEqual(["LOAD_UNKNOWN_FILTER"]);
    expect(s.ruleset!.rules.length).toBe(0);
  });

  t("unknown keys and items warn; unused lists and macros warn", () => {
    const r = load(`- foo: bar\n- list: l\n  items: [a]\n  typo: 1\n- macro: m\n  condition: evt.type = open\n`);
    expect(warningsOf(r).map((w) => [w.code, w.message])).toEqual([
      ["LOAD_UNKNOWN_ITEM", "Unknown top level item"],
      ["LOAD_UNKNOWN_KEY", "Unknown key 'typo'. The key will be ignored."],
      ["LOAD_UNUSED_MACRO", "Macro not referred to by any other rule/macro"],
      ["LOAD_UNUSED_LIST", "List not referred to by any other rule/macro"],
    ]);
  });

  t("unknown source warns and skips the rule", () => {
    const r = load(rule("r", "evt.type = open", "  source: k8s_audit\n"));
    expect(warningsOf(r).map((w) => w.message)).toEqual(["Unknown source k8s_audit, skipping"]);
    expect(r.ruleset!.rules.length).toBe(0);
  });
});

describe("versions and plugins", () => {
  t("required_engine_version: integer and semver forms against 0.63.0", () => {
    expect(load("- required_engine_version: 10\n").successful).toBe(true);
    expect(load("- required_engine_version: 0.63.0\n").successful).toBe(true);
    const r = load("- required_engine_version: 64\n");
    expect(errorsOf(r)[0]!.message).toBe("Rules require engine version 0.64.0, but engine version is 0.63.0");
    const s = load("- required_engine_version: 1.0.0\n");
    expect(errorsOf(s)[0]!.code).toBe("LOAD_ERR_VALIDATE");
  });

  t("required_plugin_versions: built-in container satisfies container, others fail", () => {
    expect(load("- required_plugin_versions:\n    - name: container\n      version: 0.4.0\n").successful).toBe(true);
    const hi = load("- required_plugin_versions:\n    - name: container\n      version: 0.9.0\n");
    expect(hi.pluginError).toBe("Plugin 'container' version '0.7.1' is not compatible with required plugin version '0.9.0'");
    const other = load(
      "- required_plugin_versions:\n    - name: cloudtrail\n      version: 0.2.3\n      alternatives:\n        - name: k8saudit\n          version: 0.1.0\n",
    );
    expect(other.pluginError).toBe("Plugin requirement not satisfied, must load one of: cloudtrail (>= 0.2.3), k8saudit (>= 0.1.0)");
  });
});

describe("priorities, selection and matching", () => {
  t("priority names, aliases and order", () => {
    expect(parsePriority("info")).toBe(Priority.INFORMATIONAL);
    expect(parsePriority("InFoRmAtIoNaL")).toBe(6);
    expect(parsePriority("EMERGENCY")).toBe(0);
    expect(parsePriority("warn")).toBeUndefined();
    expect(formatPriority(6)).toBe("Informational");
    expect(formatPriority(6, true)).toBe("Info");
    const r = load(`${rule("w", "evt.type = open")}\n- rule: d\n  desc: x\n  condition: evt.type = open\n  output: x\n  priority: debug\n`, {
      minPriority: "notice",
    });
    expect(r.ruleset!.rules.map((x) => x.name)).toEqual(["w"]);
    expect(errorsOf(load("- rule: r\n  desc: x\n  condition: evt.type = open\n  output: x\n  priority: loud\n"))[0]!.message).toBe("Invalid priority");
  });

  t("selection: -D substring, -T, -t, and 0.44 wildcard selections", () => {
    const content = [
      rule("shell in container", "evt.type = execve", "  tags: [shell, container]\n"),
      rule("write below etc", "evt.type = open", "  tags: [filesystem]\n"),
      rule("disabled one", "evt.type = open", "  enabled: false\n  tags: [filesystem]\n"),
    ].join("\n");
    const names = (o: Partial<LoadOptions>) => load(content, o).ruleset!.enabledRules().map((r) => r.name);
    expect(names({})).toEqual(["shell in container", "write below etc"]);
    expect(names({ disabledRules: ["below"] })).toEqual(["shell in container"]);
    expect(names({ disabledTags: ["shell"] })).toEqual(["write below etc"]);
    expect(names({ enabledTags: ["filesystem"] })).toEqual(["write below etc", "disabled one"]);
    expect(names({ rulesSelection: [{ op: "disable", rule: "*" }, { op: "enable", rule: "write*" }] })).toEqual(["write below etc"]);
    expect(matchesWildcard("*etc", "write below etc")).toBe(true);
    expect(matchesWildcard("a*c", "abc")).toBe(true);
    expect(matchesWildcard("abc", "abcd")).toBe(false);
  });

  t("rule_matching first/all and the event-type index", () => {
    const mk = (id: number, name: string, codes: number[] | null, hit: boolean): CompiledRule => ({
      id, name, desc: "", priority: 4, priorityName: "Warning", output: "", tags: [], source: "syscall", enabled: true,
      condition: { kind: "identifier", identifier: "x", pos: { idx: 0, line: 1, col: 1 } },
      match: () => hit, evttypes: codes === null ? null : new Set(codes), evttypeNames: null, warnEvttypes: true,
      skipIfUnknownFilter: false, capture: false, captureDuration: 0, exceptionFields: [], extraOutputFields: new Map(), fields: [],
    });
    const rs = new Ruleset([mk(0, "a", [2], false), mk(1, "b", [2, 3], true), mk(2, "c", null, true), mk(3, "d", [3], true)]);
    const ev = { type: 2 } as unknown as Event;
    expect(rs.forEventType(2).map((r) => r.name)).toEqual(["a", "b", "c"]);
    expect(rs.forEventType(3).map((r) => r.name)).toEqual(["b", "c", "d"]);
    expect(rs.process(ev).map((r) => r.name)).toEqual(["b"]);
    rs.ruleMatching = "all";
    expect(rs.process(ev).map((r) => r.name)).toEqual(["b", "c"]);
    rs.setEnabledByName("b", "exact", false);
    expect(rs.process(ev).map((r) => r.name)).toEqual(["c"]);
  });

  t("compiled rules carry ppm codes of their evt.type restriction", () => {
    const r = load(rule("r", "evt.type in (open, openat)"));
    const codes = r.ruleset!.get("r")!.evttypes!;
    expect(codes.size).toBeGreaterThanOrEqual(4);
    expect(r.ruleset!.forEventType([...codes][0]!).map((x) => x.name)).toEqual(["r"]);
  });
});

describe("ports of Falco's test_enable_rule.cpp (C++ API tests, on our Ruleset)", () => {
  const globals = (JSON.parse(readFileSync(new URL("../../shared/conformance/falco_engine_unit_tests.json", import.meta.url), "utf8")) as {
    files: Record<string, { globals?: Record<string, string> }>;
  }).files["test_enable_rule.cpp"]!.globals!;
  // A Falco custom ruleset starts with no rule enabled; the default one as loaded.
  const custom = (l: RulesLoader) => {
    const rs = l.buildRuleset();
    rs.setEnabledByName("", "exact", false);
    return rs;
  };
  const loaded = (yaml: string) => {
    const l = new RulesLoader({ registry: REG });
    expect(l.load("r.yaml", yaml).successful).toBe(true);
    return l;
  };
  t("enable_rule_name (substring)", () => {
    const l = loaded(globals.single_rule!);
    expect(l.buildRuleset().enabledCount()).toBe(1);
    const [r1, r2, r3] = [custom(l), custom(l), custom(l)];
    r1.setEnabledByName("test", "substring", true);
    r2.setEnabledByName("test", "substring", true);
    r3.setEnabledByName("", "substring", true);
    expect([r1, r2, r3].map((r) => r.enabledCount())).toEqual([1, 1, 2]);
    r2.setEnabledByName("test", "substring", false);
    expect([r1, r2, r3].map((r) => r.enabledCount())).toEqual([1, 0, 2]);
  });
  t("enable_rule_tags and enable_disabled_rule_by_tag", () => {
    const l = loaded(globals.single_rule!);
    const [r1, r2] = [custom(l), custom(l)];
    r1.setEnabledByTags(["process"], true);
    r2.setEnabledByTags(["process"], true);
    r2.setEnabledByTags(["process"], false);
    expect([r1.enabledCount(), r2.enabledCount()]).toEqual([1, 0]);
    const def = l.buildRuleset();
    expect(def.enabledCount()).toBe(1);
    def.setEnabledByTags(["exec process"], true);
    expect(def.enabledCount()).toBe(2);
  });
  t("enable_rule_name_exact", () => {
    const l = loaded(globals.single_rule!);
    const [r1, r3, r4] = [custom(l), custom(l), custom(l)];
    r1.setEnabledByName("test rule", "exact", true);
    r3.setEnabledByName("test", "exact", true);
    r4.setEnabledByName("", "exact", true);
    expect([r1, r3, r4].map((r) => r.enabledCount())).toEqual([1, 0, 2]);
  });
  t("enable_rule_name_wildcard", () => {
    const l = loaded(globals.multi_rule!);
    expect(l.buildRuleset().enabledCount()).toBe(1);
    const [r1, r2, r3, r4] = [custom(l), custom(l), custom(l), custom(l)];
    r1.setEnabledByName("first actual rule", "wildcard", true);
    r2.setEnabledByName("*rule", "wildcard", true);
    r3.setEnabledByName("*second*r*", "wildcard", true);
    r4.setEnabledByName("*", "wildcard", true);
    expect([r1, r2, r3, r4].map((r) => r.enabledCount())).toEqual([1, 3, 1, 3]);
  });
});

describe("ports of Falco's test_filter_warning_resolver.cpp", () => {
  const warnsAst = (a: Parameters<typeof resolveFilterWarnings>[0]) => {
    const w = resolveFilterWarnings(a);
    return w.unsafeNaCheck || w.deprecatedFields.length > 0;
  };
  const warns = (c: string) => warnsAst(parseCondition(c));
  t("warnings_in_filtering_conditions", () => {
    expect(warns("ka.field exists")).toBe(false);
    expect(warns("some.field = <NA>")).toBe(false);
    for (const c of [
      "jevt.field = <NA>", "ka.field = <NA>", "ka.field == <NA>", "ka.field != <NA>", "ka.field in (<NA>)",
      "ka.field in (otherval, <NA>)", "ka.field intersects (<NA>)", "ka.field intersects (otherval, <NA>)",
      "ka.field pmatch (<NA>)", "ka.field pmatch (otherval, <NA>)", "evt.dir = <", "evt.dir = >",
      "proc.name=test and evt.dir = <", "evt.dir = < and proc.name=test",
    ]) {
      expect(warns(c), c).toBe(true);
    }
  });
  t("warnings_with_transformer_wrapping_unsafe_field / multi_value / transformer_list", () => {
    expect(warnsAst(binaryCheckExpr(fieldTransformerExpr("tolower", [fieldExpr("ka.field")]), "=", valueExpr("<NA>")))).toBe(true);
    expect(warnsAst(binaryCheckExpr(fieldTransformerExpr("tolower", [fieldExpr("safe.field")]), "=", valueExpr("<NA>")))).toBe(false);
    expect(
      warnsAst(binaryCheckExpr(fieldTransformerExpr("concat", [fieldExpr("safe.field"), fieldExpr("ka.field")]), "=", valueExpr("<NA>"))),
    ).toBe(true);
    const joined = fieldTransformerExpr("join", [valueExpr(","), transformerListExpr([fieldExpr("ka.field"), fieldExpr("safe.field")])]);
    expect(() => warnsAst(binaryCheckExpr(joined, "=", valueExpr("<NA>")))).not.toThrow();
  });
});

describe("ports of Falco's test_filter_macro_resolver.cpp", () => {
  const P = (idx: number, line: number, col: number) => ({ idx, line, col });
  const exists = (f: string) => unaryCheckExpr(fieldExpr(f), "exists");
  t("resolves macros (single node, and/not, multiple, nested) and records positions", () => {
    const macro = exists("test.field");
    const vis = new Map<string, Expr>([["test_macro", macro]]);
    let r = resolveMacrosInAst(andExpr([exists("evt.name"), notExpr(identifierExpr("test_macro", P(12, 85, 27)))]), vis);
    expect(astEqual(r.ast, andExpr([exists("evt.name"), notExpr(macro)]))).toBe(true);
    expect(r.resolved).toEqual([{ name: "test_macro", pos: P(12, 85, 27) }]);
    expect(r.unknown).toEqual([]);
    r = resolveMacrosInAst(r.ast, vis);
    expect(r.resolved).toEqual([]);
    r = resolveMacrosInAst(identifierExpr("test_macro", P(12, 85, 27)), vis);
    expect(astEqual(r.ast, macro)).toBe(true);
    expect(r.ast).not.toBe(macro); // cloned, not shared
    const a = exists("one.field");
    const b = exists("another.field");
    r = resolveMacrosInAst(orExpr([identifierExpr("m1", P(11, 75, 43)), identifierExpr("m2", P(91, 21, 9))]), new Map([["m1", a], ["m2", b]]));
    expect(astEqual(r.ast, orExpr([a, b]))).toBe(true);
    expect(r.resolved.map((x) => x.name).sort()).toEqual(["m1", "m2"]);
    const nested = andExpr([exists("one.field"), identifierExpr("m2", P(111, 65, 2))]);
    r = resolveMacrosInAst(identifierExpr("m1", P(47, 1, 76)), new Map<string, Expr>([["m1", nested], ["m2", b]]));
    expect(astEqual(r.ast, andExpr([exists("one.field"), b]))).toBe(true);
    expect(r.resolved).toEqual([{ name: "m2", pos: P(111, 65, 2) }, { name: "m1", pos: P(47, 1, 76) }]);
  });
  t("finds unknown macros, nested too; undefined macros are unknown", () => {
    const a = andExpr([exists("one.field"), identifierExpr("m2", P(1, 0, 5))]);
    const r = resolveMacrosInAst(identifierExpr("m1", P(32, 84, 9)), new Map([["m1", a]]));
    expect(r.resolved).toEqual([{ name: "m1", pos: P(32, 84, 9) }]);
    expect(r.unknown).toEqual([{ name: "m2", pos: P(1, 0, 5) }]);
    expect(astEqual(r.ast, a)).toBe(true);
    const u = resolveMacrosInAst(identifierExpr("test_macro", P(9, 6, 3)), new Map());
    expect(u.resolved).toEqual([]);
    expect(u.unknown).toEqual([{ name: "test_macro", pos: P(9, 6, 3) }]);
  });
  t("does not resolve inside field transformers or transformer lists", () => {
    const vis = new Map<string, Expr>([["test_macro", exists("resolved.field")]]);
    const f = andExpr([
      binaryCheckExpr(fieldTransformerExpr("tolower", [fieldExpr("some.field")]), "=", valueExpr("value")),
      identifierExpr("test_macro", P(1, 0, 10)),
    ]);
    const r = resolveMacrosInAst(f, vis);
    expect(r.resolved.map((x) => x.name)).toEqual(["test_macro"]);
    expect(r.unknown).toEqual([]);
    const j = binaryCheckExpr(
      fieldTransformerExpr("join", [valueExpr(","), transformerListExpr([fieldExpr("proc.name"), fieldExpr("proc.pname")])]),
      "=",
      valueExpr("value"),
    );
    const r2 = resolveMacrosInAst(j, new Map([["test_macro", fieldExpr("x")]]));
    expect([r2.resolved, r2.unknown]).toEqual([[], []]);
  });
  t("reference loops are reported, not followed", () => {
    const r = resolveMacrosInAst(identifierExpr("a"), new Map<string, Expr>([["a", orExpr([exists("x.y"), identifierExpr("a", P(5, 1, 6))])]]));
    expect(r.errors).toEqual([{ msg: "reference loop in macro 'a'", pos: P(5, 1, 6) }]);
  });
});

describe("tag selection vs falcosecurity/testing capture cases (falco__TaggedRules.yaml)", () => {
  // Each open_N rule of falco__TaggedRules.yaml fires once on open-multiple-files.scap when enabled,
  // so the expected per-rule counts (0/1) of the capture cases are the expected enabled sets.
  const cases = JSON.parse(readFileSync(new URL("../../shared/conformance/testing_capture_cases.json", import.meta.url), "utf8")) as {
    test: string;
    rules_files_in_order: string[];
    options: string[];
    expect: { assert: string; count?: number; rule?: string }[];
  }[];
  const tagged = cases.filter((c) => c.rules_files_in_order.join() === "falco__TaggedRules.yaml" && c.options.some((o) => /Tags\(/.test(o)));
  const content = readFileSync(new URL("../../shared/conformance/testing_rules/falco__TaggedRules.yaml", import.meta.url), "utf8");
  t(`${tagged.length} tag cases give the expected enabled rules`, () => {
    expect(tagged.length).toBeGreaterThanOrEqual(10);
    for (const c of tagged) {
      const opts: Partial<LoadOptions> = {};
      for (const o of c.options) {
        const m = /^With(Enabled|Disabled)Tags\((.*)\)$/.exec(o);
        if (!m) continue;
        const tags = [...m[2]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]!);
        if (m[1] === "Enabled") opts.enabledTags = tags;
        else opts.disabledTags = tags;
      }
      const r = loadRules([{ name: "falco__TaggedRules.yaml", content }], { registry: REG, ...opts });
      const enabled = new Set(r.ruleset!.enabledRules().map((x) => x.name));
      for (const e of c.expect) {
        if (e.assert !== "Equal" || e.rule === undefined) continue;
        expect(enabled.has(e.rule) ? 1 : 0, `${c.test} ${e.rule}`).toBe(e.count);
      }
    }
  });
});

describe("describe and render", () => {
  t("-L text format (name padded to 50, description wrapped at 110, blank line after)", () => {
    const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ");
    const r = load(`- rule: r1\n  desc: ${long}\n  condition: evt.type = open\n  output: x\n  priority: INFO\n`);
    const txt = describeRulesText(r.loader.describe());
    const lines = txt.split("\n");
    expect(lines[0]).toBe("Rule".padEnd(50) + " Description");
    expect(lines[1]).toBe("----".padEnd(50) + " -----------");
    expect(lines[2]!.startsWith("r1".padEnd(50) + " word0 ")).toBe(true);
    expect(lines[3]!.startsWith(" ".repeat(51) + "word")).toBe(true);
    expect(wrapText("a b", 51, 110)).toBe("a b ");
    expect(() => r.loader.describe("nope")).toThrow('Rule "nope" is not loaded');
  });

  t("validation text and JSON forms, exit codes", () => {
    const v = validateRules([{ name: "ok.yaml", content: rule("r", "evt.type = open") }, { name: "bad.yaml", content: "- macro: x\n" }], {
      registry: REG,
    });
    const text = renderValidation(v, false);
    expect(text.exitCode).toBe(1);
    expect(text.stdout.startsWith("ok.yaml: Ok\nbad.yaml: Invalid\n1 Errors:\n")).toBe(true);
    const json = JSON.parse(renderValidation(v, true).stdout);
    const err = json.falco_load_results[1].errors[0];
    expect(Object.keys(err)).toEqual(["code", "codedesc", "context", "message"]);
    expect(err.code).toBe("LOAD_ERR_YAML_VALIDATE");
    expect(err.codedesc).toBe("Error validating internal structure of YAML file");
    expect(err.message).toBe("Item has no mapping for key 'condition'");
    expect(err.context.locations[1]).toEqual({
      item_name: "x",
      item_type: "macro",
      position: { column: 2, line: 0, name: "bad.yaml", offset: 2 },
    });
    expect(err.context.snippet).toBe("- macro: x\n  ^\n");
  });

  t("snippets: long lines are truncated with ... and the caret stays under the position", () => {
    const text = "x".repeat(300) + "Y" + "z".repeat(300);
    const ctx = Context.root("f").child({ offset: 300, line: 0, column: 300 }, "rule", "r");
    const sn = ctx.snippet(new Map([["f", text]]));
    const [line, caret] = sn.split("\n");
    expect(line!.startsWith("...")).toBe(true);
    expect(line!.endsWith("...")).toBe(true);
    expect(line![caret!.indexOf("^")]).toBe("Y");
    // Falco's unsigned arithmetic: position 0 in content starting with "\n" shows the whole rest
    const root = Context.root("g");
    expect(root.snippet(new Map([["g", "\n- rule: abc\n  x: y\n"]]))).toBe("...ule: abc\n  x:...\n");
    expect(root.snippet(new Map([["g", "- a\n"]]))).toBe("- a\n^\n");
  });
});

/** Straightforward (quadratic) transcription of Falco's resolve_list, to check our linear version against. */
function resolveListReference(cnd: string, name: string, items: string[]): { cnd: string; used: boolean } {
  const blanks = " \t\n\r";
  const delims = blanks + "(),=";
  const q = (e: string) => (e.includes(" ") && e[0] !== '"' && e[0] !== "'" ? '"' + e + '"' : e);
  let used = false;
  let start = cnd.indexOf(name);
  while (start !== -1) {
    let end = start + name.length;
    if ((start === 0 || delims.includes(cnd[start - 1]!)) && (end >= cnd.length || delims.includes(cnd[end]!))) {
      while (start > 0 && blanks.includes(cnd[start - 1]!)) start--;
      while (end < cnd.length && blanks.includes(cnd[end]!)) end++;
      const sub = items.map(q).join(", ");
      if (sub === "") {
        if (start > 0 && cnd[start - 1] === ",") start--;
        else if (end < cnd.length && cnd[end] === ",") end++;
      }
      let next = "";
      if (start > 0) next += cnd.slice(0, start) + " ";
      next += sub + " " + cnd.slice(end);
      cnd = next;
      start += sub.length + 1;
      used = true;
    }
    start = cnd.indexOf(name, start + 1);
  }
  return { cnd, used };
}

describe("list substitution", () => {
  t("linear resolve_list equals Falco's algorithm on random conditions", () => {
    const alphabet = ["l", "l", "ll", " ", " ", ",", "(", ")", "=", "x", "\t", "in", "a"];
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      let c = "";
      const len = rnd(14);
      for (let j = 0; j < len; j++) c += alphabet[rnd(alphabet.length)];
      const items = [[], ["v"], ["a b", "c"], ["l"]][rnd(4)]!;
      const name = ["l", "ll", "x"][rnd(3)]!;
      expect(resolveListText(c, name, items), JSON.stringify([c, name, items])).toEqual(resolveListReference(c, name, items));
    }
  });
});

describe("robustness", () => {
  t("malformed YAML gives LOAD_ERR_YAML_PARSE with a position", () => {
    const r = load("- rule: x\n  desc: [a\n  output: b\n- list: y\n");
    const e = errorsOf(r)[0]!;
    expect(e.code).toBe("LOAD_ERR_YAML_PARSE");
    const pos = e.ctx.locs[e.ctx.locs.length - 1]!.pos;
    expect(pos.line).toBeGreaterThanOrEqual(1);
    expect(e.message).toMatch(/line \d+, column \d+/);
    for (const bad of ["- a: b\n\t- c\n", "{{{{", "- [\n", "key: 'unterminated\n", "- a: *nope\n", ": :\n"]) {
      const x = load(bad);
      expect(x.successful, bad).toBe(false);
    }
  });

  t("wrong structure gives Falco's validation messages", () => {
    expect(errorsOf(load("rule: x\n"))[0]!.message).toBe("Rules content is not yaml array of objects");
    expect(errorsOf(load("- just a string\n"))[0]!.message).toBe("Unexpected element type. Each element should be a yaml associative array.");
    expect(errorsOf(load("- list: l\n  items: notalist\n"))[0]!.message).toBe("Value is not a sequence");
    expect(errorsOf(load("- rule: r\n  desc: [a]\n  condition: x\n  output: o\n  priority: INFO\n"))[0]!.message).toBe("Value is not a scalar value");
    expect(load("").successful).toBe(true);
    expect(load("# only a comment\n").successful).toBe(true);
    expect(load("---\n---\n- list: l\n  items: []\n").successful).toBe(true);
  });

  t("self-referencing and cyclic macros are errors, never infinite recursion", () => {
    const self = load(`- macro: a\n  condition: evt.type = open\n- macro: a\n  condition: or a\n  override:\n    condition: append\n${rule("r", "a")}`);
    expect(errorsOf(self)[0]!.message).toBe("reference loop in macro 'a'");
    const cyc = load(
      `- macro: a\n  condition: evt.type = open\n- macro: b\n  condition: a\n- macro: a\n  condition: or b\n  override:\n    condition: append\n${rule("r", "b")}`,
    );
    expect(errorsOf(cyc)[0]!.message).toMatch(/reference loop in macro '(a|b)'/);
    const undef = load(rule("r", "nosuchmacro"));
    expect(errorsOf(undef)[0]!.message).toBe("Undefined macro 'nosuchmacro' used in filter.");
  });

  t("exponential macro and list expansion is bounded", () => {
    let y = "- macro: m0\n  condition: evt.type = open\n";
    for (let i = 1; i <= 40; i++) y += `- macro: m${i}\n  condition: (m${i - 1} or m${i - 1})\n`;
    y += rule("r", "m40");
    const t0 = Date.now();
    const r = load(y);
    expect(r.successful).toBe(false);
    expect(errorsOf(r)[0]!.message).toMatch(/too large|too deep/);
    // lists are substituted as text in definition order: l0 -> "l1, l1" -> "l2, l2, l2, l2" -> ...
    let l = "";
    for (let i = 0; i < 40; i++) l += `- list: l${i}\n  items: [l${i + 1}, l${i + 1}]\n`;
    l += "- list: l40\n  items: [aaaaaaaaaa]\n";
    l += rule("r", "proc.name in (l0)");
    const r2 = load(l);
    expect(r2.successful).toBe(false);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  t("deep nesting in YAML and in conditions gives errors", () => {
    const deepYaml = "- list: l\n  items: " + "[".repeat(20000) + "]".repeat(20000) + "\n";
    expect(load(deepYaml).successful).toBe(false);
    const deepCond = rule("r", '"' + "(".repeat(5000) + "evt.type = open" + ")".repeat(5000) + '"');
    const r = load(deepCond);
    expect(r.successful).toBe(false);
    expect(errorsOf(r)[0]!.code).toBe("LOAD_ERR_COMPILE_CONDITION");
    const notDeep = "(".repeat(50) + "evt.type = open" + ")".repeat(50);
    expect(load(rule("r", `"${notDeep}"`)).successful).toBe(true);
  });

  t("alias bombs are bounded", () => {
    let y = "- list: a0\n  items: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i <= 12; i++) y += `- list: a${i}\n  items: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]\n`;
    const t0 = Date.now();
    const r = load(y);
    expect(r.successful).toBe(false);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  t("1 MB rules file loads; 1 MB condition and hostile strings give errors, not crashes", () => {
    let big = "";
    let n = 0;
    while (big.length < 1_000_000) {
      big += rule(`rule ${n}`, `evt.type = open and proc.name = "p${n}" and fd.name startswith /tmp/${n}`, "  tags: [t1, t2]\n");
      big += "\n";
      n++;
    }
    const t0 = Date.now();
    const r = load(big);
    expect(r.successful).toBe(true);
    expect(r.ruleset!.rules.length).toBe(n);
    expect(Date.now() - t0).toBeLessThan(60_000);
    const hugeCond = rule("r", '"' + "proc.name = a or ".repeat(60_000) + 'proc.name = b"');
    const h = load(hugeCond);
    expect(typeof h.successful).toBe("boolean");
    const hostile = [
      "- rule: \"\\0\\u0001\\uffff\"\n  desc: x\n  condition: evt.type = open\n  output: x\n  priority: INFO\n",
      "- rule: " + "n".repeat(100_000) + "\n  desc: x\n  condition: evt.type = open\n  output: x\n  priority: INFO\n",
      "- macro: '🙂'\n  condition: evt.type = open\n",
      rule("r", "proc.name = \"\\xZZ\""),
      rule("r", "evt.type = open and proc.name in ("),
      "- rule: r\n  desc: x\n  condition: evt.type = open\n  output: x\n  priority: INFO\n  exceptions:\n    - name: e\n      fields: [proc.name]\n      values: [[[[[[a]]]]]]\n",
      "- rule: r\n  desc: x\n  condition: evt.type = open\n  output: x\n  priority: INFO\n  override: [1, 2]\n",
      "- rule: r\n  desc: x\n  condition: evt.type = open\n  output: x\n  priority: INFO\n  exceptions: {a: b}\n",
      "- required_engine_version: [1]\n",
      "- required_plugin_versions: foo\n",
      "\u0000\u0001\u0002",
    ];
    for (const hcase of hostile) {
      const x = load(hcase);
      expect(typeof x.successful).toBe("boolean");
      const v = validateRules([{ name: "h.yaml", content: hcase }], { registry: REG });
      expect(() => JSON.parse(renderValidation(v, true).stdout)).not.toThrow();
    }
  }, 120_000);

  t("mutated upstream rules never make the loader throw or hang", () => {
    const base = readFileSync(new URL("../../shared/rules/falco_rules.yaml", import.meta.url), "utf8");
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const junk = ["\n", " ", "-", ":", "[", "]", "{", "}", "'", '"', "&a", "*a", "(", ")", "and", "not", "%", "\t", "#", "override:\n    condition: append\n"];
    for (let i = 0; i < 40; i++) {
      let x = base;
      for (let j = 0, k = 1 + rnd(5); j < k; j++) {
        const p = rnd(x.length);
        const op = rnd(3);
        if (op === 0) x = x.slice(0, p) + junk[rnd(junk.length)] + x.slice(p);
        else if (op === 1) x = x.slice(0, p) + x.slice(p + 1 + rnd(40));
        else {
          const q = rnd(x.length);
          x = x.slice(0, p) + x.slice(q, q + rnd(200)) + x.slice(p);
        }
      }
      const t0 = Date.now();
      const v = validateRules([{ name: "f.yaml", content: x }], { registry: REG });
      if (v.fatal !== undefined) {
        expect(renderValidation(v, true).exitCode).toBe(1); // plugin requirement broken by the mutation
      } else {
        expect(() => JSON.parse(renderValidation(v, true).stdout)).not.toThrow();
        expect(renderValidation(v, false).exitCode).toBe(v.files[0]!.successful ? 0 : 1);
      }
      expect(Date.now() - t0).toBeLessThan(5000);
    }
  }, 120_000);

  t("the loader is reusable after failures", () => {
    const l = new RulesLoader({ registry: REG });
    expect(l.load("a.yaml", "- rule: [\n").successful).toBe(false);
    expect(l.load("b.yaml", rule("r", "evt.type = open")).successful).toBe(true);
    expect(l.buildRuleset().rules.map((r) => r.name)).toEqual(["r"]);
  });
});
