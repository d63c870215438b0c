/**
 * Conformance: libsinsp's filter compiler unit tests (../shared/conformance/libs_filter_compiler_cases.json,
 * from libs userspace/libsinsp/test/filter_compiler.ut.cpp).
 * - test_filter_run: mock fields c.true/c.false/c.buffer/c.singlequote/c.doublequote, compile,
 *   evaluate, compare with expected_result.
 * - test_filter_compile / test_filter_compile_msg: compile against the libsinsp field table
 *   (built here from ../shared/conformance/libsinsp_0.25.4_fields.json: name, type, flags, with
 *   dummy extractors) plus the mock c.* fields; check failure/success, warning count and message.
 * Out of scope (listed): filters that are not literal strings.
 */
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseCondition } from "../src/rules/parser.ts";
import { compileCondition } from "../src/rules/compile.ts";
import { Event } from "../src/events/event.ts";
import {
  type BoundField, type Extractor, type FieldDef, FieldError, type FieldRegistry, type FieldType,
} from "../src/fields/registry.ts";
import { createRegistry } from "../src/fields/index.ts";
import { emptyFieldContext } from "../src/fields/context.ts";

interface CompilerCase {
  test: string;
  line: number;
  fn: "test_filter_run" | "test_filter_compile" | "test_filter_compile_msg";
  filter: string | { raw: string };
  expected_result?: boolean;
  expect_fail?: boolean;
  expected_warnings?: number;
  error_message?: string;
}

const dir = join(import.meta.dirname, "../../shared/conformance");
const cases = (JSON.parse(readFileSync(join(dir, "libs_filter_compiler_cases.json"), "utf8")) as { cases: CompilerCase[] }).cases;
const fieldRows = JSON.parse(readFileSync(join(dir, "libsinsp_0.25.4_fields.json"), "utf8")) as { name: string; type: string; flags: string[] }[];

/** A registry of FieldDefs with constant extractors. */
function makeRegistry(defs: { name: string; type: FieldType; flags: string[]; value: Extractor }[]): FieldRegistry {
  const byName = new Map<string, FieldDef & { value: Extractor }>();
  for (const d of defs) {
    const flags = d.flags.map((f) => f.replace(/^EPF_/, ""));
    const arg = flags.includes("ARG_REQUIRED") ? "required" : flags.includes("ARG_ALLOWED") ? "optional" : "none";
    const def = {
      name: d.name, type: d.type, desc: "", cls: d.name.split(".")[0]!, arg, flags, value: d.value,
      bind(a: string | undefined): Extractor {
        if (arg === "none" && a !== undefined) throw new FieldError(`filter_check called with nonexistent field ${d.name}[${a}]`);
        if (arg === "required" && a === undefined) throw new FieldError(`field ${d.name} requires an argument`);
        return d.value;
      },
    } as FieldDef & { value: Extractor };
    byName.set(d.name, def);
  }
  return {
    lookup: (name) => byName.get(name),
    bind(name, a): BoundField {
      const def = byName.get(name);
      if (!def) throw new FieldError("filter_check called with nonexistent field " + name);
      return { def, arg: a, type: def.type, extract: def.bind(a) };
    },
    all: () => [...byName.values()],
  };
}

const mockFields = [
  { name: "c.true", type: "CHARBUF" as FieldType, flags: [], value: () => "1" },
  { name: "c.false", type: "CHARBUF" as FieldType, flags: [], value: () => undefined },
  { name: "c.buffer", type: "BYTEBUF" as FieldType, flags: [], value: () => undefined },
  { name: "c.singlequote", type: "CHARBUF" as FieldType, flags: [], value: () => "hello 'quoted'" },
  { name: "c.doublequote", type: "CHARBUF" as FieldType, flags: [], value: () => "hello \"quoted\"" },
];
const realFields = fieldRows
  .filter((r) => r.type !== "NA")
  .map((r) => ({ name: r.name, type: r.type.replace(/^PT_/, "") as FieldType, flags: r.flags, value: () => undefined }));
const tableRegistry = makeRegistry([...mockFields, ...realFields]);

/** The project's real registry (src/fields/index.ts) with the mock c.* fields in front. */
const realRegistry: FieldRegistry = (() => {
  const real = createRegistry(emptyFieldContext());
  const mock = makeRegistry(mockFields);
  return {
    lookup: (n) => mock.lookup(n) ?? real.lookup(n),
    bind: (n, a) => (mock.lookup(n) ? mock.bind(n, a) : real.bind(n, a)),
    all: () => [...mock.all(), ...real.all()],
  };
})();

type Outcome = { ok: true; msg: string } | { ok: false; msg: string } | { skip: string };

function runCase(c: CompilerCase, registry: FieldRegistry): Outcome {
  if (typeof c.filter !== "string") return { skip: "filter is not a literal string" };
  const text = c.filter;
  let compiled;
  let err: string | null = null;
  try {
    compiled = compileCondition(parseCondition(text), registry);
  } catch (e) {
    err = (e as Error).message;
  }
  if (c.fn === "test_filter_run") {
    if (!compiled) return { ok: false, msg: `compile failed: ${err}` };
    const got = compiled.match(new Event());
    return got === c.expected_result ? { ok: true, msg: "" } : { ok: false, msg: `got ${got}, expected ${c.expected_result}` };
  }
  if (c.expect_fail) {
    if (!err) return { ok: false, msg: "compiled, expected failure" };
    if (c.error_message && !err.includes(c.error_message)) return { ok: false, msg: `error ${JSON.stringify(err)} lacks ${JSON.stringify(c.error_message)}` };
    return { ok: true, msg: "" };
  }
  if (err) return { ok: false, msg: `failed: ${err}` };
  if (c.expected_warnings !== undefined && compiled!.warnings.length !== c.expected_warnings) {
    return { ok: false, msg: `warnings ${JSON.stringify(compiled!.warnings.map((w) => w.message))}, expected ${c.expected_warnings}` };
  }
  return { ok: true, msg: "" };
}

describe("libs filter compiler conformance", () => {
  for (const [label, registry] of [["field table", tableRegistry], ["real registry", realRegistry]] as const) test(`all in-scope cases pass (${label})`, () => {
    const failures: string[] = [];
    const skipped: string[] = [];
    const bySuite = new Map<string, { pass: number; fail: number }>();
    for (const c of cases) {
      const r = runCase(c, registry);
      const key = `${c.fn} ${c.test}`;
      const s = bySuite.get(key) ?? { pass: 0, fail: 0 };
      bySuite.set(key, s);
      if ("skip" in r) {
        skipped.push(`${c.test} line ${c.line}: out of scope (${r.skip})`);
      } else if (r.ok) {
        s.pass++;
      } else {
        s.fail++;
        failures.push(`${c.test} line ${c.line} ${JSON.stringify(c.filter)}: ${r.msg}`);
      }
    }
    for (const [k, s] of bySuite) console.log(`[compiler/${label}] ${k}: ${s.pass} passed, ${s.fail} failed`);
    for (const s of skipped) console.log(`[compiler/${label}] ${s}`);
    for (const f of failures) console.log(`[compiler/${label}] FAIL ${f}`);
    const pass = [...bySuite.values()].reduce((a, s) => a + s.pass, 0);
    console.log(`[compiler/${label}] total: ${pass} passed, ${failures.length} failed, ${skipped.length} out of scope, of ${cases.length}`);
    expect(failures).toEqual([]);
    expect(pass + skipped.length).toBe(cases.length);
  });
});
