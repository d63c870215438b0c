/**
 * Conformance: libsinsp's filter parser unit tests (../shared/conformance/libs_filter_parser_cases.json,
 * from libs userspace/libsinsp/test/filter_parser.ut.cpp), run through `parseConditionCli` exactly as
 * `falco-ts parse-condition` does (see ../shared/conformance/README.md).
 * Cases tagged with a libs version newer than 0.25.4 are run too; if they fail they are listed as
 * "not yet targeted" instead of failing the suite.
 */
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConditionCli } from "../src/rules/parser.ts";

interface ParserCase {
  test: string;
  line: number;
  input: string | null;
  input_expr?: string;
  expect: "accept" | "reject";
  whitespace_variants?: boolean;
  as_string_by_python_port?: string;
  error_message?: string;
  feature_tags?: string[];
}

const file = join(import.meta.dirname, "../../shared/conformance/libs_filter_parser_cases.json");
const data = JSON.parse(readFileSync(file, "utf8")) as { cases: ParserCase[] };

function inputOf(c: ParserCase): string {
  if (c.input !== null) return c.input;
  const m = /^std::string\((\d+), '(.)'\)$/.exec(c.input_expr ?? "");
  if (!m) throw new Error(`case line ${c.line}: cannot build input from ${c.input_expr}`);
  return m[2]!.repeat(Number(m[1]));
}

/** True when a feature tag names a libs version newer than 0.25.4 (e.g. "x(libs>0.25.4)", "y(libs>=0.26)"). */
function newerThanTarget(tag: string): string | null {
  const m = /libs(>=|>)(\d+)\.(\d+)(?:\.(\d+))?/.exec(tag);
  if (!m) return null;
  const v = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
  const target = [0, 25, 4];
  const cmp = v[0]! - target[0]! || v[1]! - target[1]! || v[2]! - target[2]!;
  if (m[1] === ">" ? cmp >= 0 : cmp > 0) return tag;
  return null;
}

/** Check one case; returns a list of failure descriptions (empty = pass). */
function runCase(c: ParserCase): string[] {
  const fails: string[] = [];
  const input = inputOf(c);
  const r = parseConditionCli(input);
  if (c.expect === "accept") {
    if (r.code !== 0) fails.push(`expected accept, got exit ${r.code}: ${r.stderr.trim()}`);
    else if (c.as_string_by_python_port !== undefined && r.stdout !== c.as_string_by_python_port + "\n") {
      fails.push(`as_string ${JSON.stringify(r.stdout)} != ${JSON.stringify(c.as_string_by_python_port + "\n")}`);
    }
    if (c.whitespace_variants) {
      const variants = [" " + input + " ", input.replaceAll(" ", "\n"), input.replaceAll(" ", "\t")];
      for (const v of variants) {
        const rv = parseConditionCli(v);
        if (rv.code !== 0) fails.push(`whitespace variant ${JSON.stringify(v)} rejected: ${rv.stderr.trim()}`);
      }
    }
  } else {
    if (r.code !== 1) fails.push(`expected reject, got exit ${r.code} (${r.stdout.trim()})`);
    else if (!/^column \d+: /.test(r.stderr)) fails.push(`stderr not 'column N: message': ${r.stderr}`);
    else if (c.error_message !== undefined && !r.stderr.includes(c.error_message)) {
      fails.push(`error ${JSON.stringify(r.stderr.trim())} lacks ${JSON.stringify(c.error_message)}`);
    }
  }
  return fails;
}

describe("libs filter parser conformance", () => {
  const results = data.cases.map((c) => ({ c, fails: runCase(c), newer: (c.feature_tags ?? []).map(newerThanTarget).find((t) => t) ?? null }));

  test("all in-scope cases pass", () => {
    let pass = 0;
    let fail = 0;
    const notTargeted: string[] = [];
    const failures: string[] = [];
    const bySuite = new Map<string, { pass: number; fail: number }>();
    for (const { c, fails, newer } of results) {
      const s = bySuite.get(c.test) ?? { pass: 0, fail: 0 };
      bySuite.set(c.test, s);
      if (fails.length === 0) {
        pass++;
        s.pass++;
      } else if (newer) {
        notTargeted.push(`${c.test} line ${c.line} ${JSON.stringify(c.input ?? c.input_expr)}: not yet targeted (${newer}): ${fails.join("; ")}`);
      } else {
        fail++;
        s.fail++;
        failures.push(`${c.test} line ${c.line} ${JSON.stringify(c.input)}: ${fails.join("; ")}`);
      }
    }
    for (const [name, s] of bySuite) console.log(`[parser] ${name}: ${s.pass} passed, ${s.fail} failed`);
    for (const n of notTargeted) console.log(`[parser] ${n}`);
    console.log(`[parser] total: ${pass} passed, ${fail} failed, ${notTargeted.length} not yet targeted, of ${data.cases.length}`);
    expect(failures).toEqual([]);
    expect(pass + notTargeted.length).toBe(data.cases.length);
  });

  test("case count matches the file's meta", () => {
    expect(data.cases.length).toBe(376);
  });
});
