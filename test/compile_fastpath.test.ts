/**
 * Checks for the evaluation fast paths of src/rules/compile.ts (second performance pass):
 * - comparisons specialised by operator and type (fastSingle / fastMember) must give exactly the
 *   result of the generic path. The generic path is reached through the `anyof` modifier with the
 *   same constants (`f op anyof (c)` tests the same per-value test under the same missing-value
 *   and array rules as `f op c`; `f = anyof (a, b)` is `f in (a, b)`), for values of the field's
 *   JS type, of other JS types, arrays (empty, mixed), undefined;
 * - flattened and/or chains (nested conjunctions/disjunctions of any arity, with `not`) must give
 *   the result of a plain evaluation of the same boolean structure, and short-circuit in the same
 *   order (a field read counter).
 */
import { describe, expect, test } from "vitest";
import { Event } from "../src/events/event.ts";
import { compileCondition } from "../src/rules/compile.ts";
import { parseCondition } from "../src/rules/parser.ts";
import { type BoundField, type FieldDef, FieldError, type FieldRegistry, type FieldType, type FieldValue } from "../src/fields/registry.ts";
import { conditionGenerator, conditionText, evalCondition, type CondNode } from "./helpers/random_conditions.ts";

let cur: Record<string, FieldValue> = {};
let reads: string[] = [];
const specs: Record<string, FieldType> = { "t.s": "CHARBUF", "t.n": "INT64", "t.u": "UINT64", "t.b": "BOOL" };
for (let i = 0; i < 8; i++) specs[`t.v${i}`] = "CHARBUF";

const reg: FieldRegistry = (() => {
  const defs = new Map<string, FieldDef>();
  for (const [name, type] of Object.entries(specs)) {
    defs.set(name, {
      name, type, desc: "", cls: "t", arg: "none", flags: [],
      bind: () => () => {
        reads.push(name);
        return cur[name];
      },
    });
  }
  return {
    lookup: (n) => defs.get(n),
    bind(n, arg): BoundField {
      const def = defs.get(n);
      if (!def) throw new FieldError("filter_check called with nonexistent field " + n);
      return { def, arg, type: def.type, extract: def.bind(arg) };
    },
    all: () => [...defs.values()],
  };
})();

const ev = new Event();
const match = (cond: string): ((v: FieldValue, field: string) => boolean) => {
  const c = compileCondition(parseCondition(cond), reg, { noEvttypes: true });
  return (v, field) => {
    cur = { [field]: v };
    return c.match(ev);
  };
};

const bytes = new TextEncoder().encode("abc");
const VALUES: Record<string, FieldValue[]> = {
  str: ["abc", "", "x", "abcd", "zabc", "ab", 5, 0, 5n, true, false, bytes, ["abc", "x"], ["q", "abc"], ["q"], [], [5, "abc"], undefined],
  num: [5, 0, -1, 6, 4, 7.5, Number.NaN, "5", "abc", "", 5n, 2n ** 70n, -(2n ** 70n), true, false, [5, 6], [6, 7], [], ["5"], undefined],
  bool: [true, false, 1, 0, 1n, "true", "false", "x", [true], [false, true], [], undefined],
};

const ORDER = new Set(["<", "<=", ">", ">="]);
/** libsinsp numeric comparison as compile.ts's generic path does it (numKey on the value, any array element). */
function numModel(op: string, v: FieldValue, c: string): boolean {
  const b = BigInt(c);
  const k: number | bigint = b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  const key = (x: FieldValue): number | bigint => {
    if (typeof x === "number") return x;
    if (typeof x === "bigint") return x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x) : x;
    if (typeof x === "boolean") return x ? 1 : 0;
    if (typeof x === "string") { const n = Number(x); return Number.isFinite(n) ? n : Number.NaN; }
    return Number.NaN;
  };
  const one = (x: FieldValue): boolean => {
    const a = key(x);
    switch (op) {
      case "<": return a < k;
      case "<=": return a <= k;
      case ">": return a > k;
      default: return a >= k;
    }
  };
  if (v === undefined) return false;
  if (Array.isArray(v)) return v.some(one);
  return one(v);
}

describe("specialised comparisons = generic comparisons", () => {
  const cases: { field: string; cls: string; ops: string[]; consts: string[] }[] = [
    { field: "t.s", cls: "str", ops: ["=", "!=", "contains", "startswith", "endswith"], consts: ["abc", "x", "5", "true"] },
    { field: "t.n", cls: "num", ops: ["=", "!=", "<", "<=", ">", ">="], consts: ["5", "0", "-1", "1180591620717411303424"] },
    { field: "t.u", cls: "num", ops: ["=", "!=", "<", ">="], consts: ["5", "0"] },
    { field: "t.b", cls: "bool", ops: ["=", "!="], consts: ["true", "false"] },
  ];
  for (const { field, cls, ops, consts } of cases) {
    for (const op of ops) {
      test(`${field} ${op} const`, () => {
        let compared = 0;
        for (const c of consts) {
          // (the model parses constants plainly: out-of-range ones, which keep the generic path, are left to =/!=)
          if (ORDER.has(op) && BigInt(c) > BigInt(Number.MAX_SAFE_INTEGER)) continue;
          const fast = match(`${field} ${op} ${c}`);
          // ordering operators take no modifier: compare with a model of the generic numeric test
          const generic = ORDER.has(op) ? (v: FieldValue) => numModel(op, v, c) : match(`${field} ${op} anyof (${c})`);
          for (const v of VALUES[cls]!) {
            expect(fast(v, field), `${field} ${op} ${c} on ${String(v)}`).toBe(generic(v, field));
            compared++;
          }
        }
        expect(compared).toBeGreaterThan(10);
      });
    }
  }
  test("in / intersects on strings and numbers", () => {
    const sets: [string, string, string][] = [["t.s", "str", "abc, x, 5"], ["t.s", "str", "abc"], ["t.n", "num", "5, 0, -1"], ["t.u", "num", "5"]];
    for (const [field, cls, list] of sets) {
      for (const op of ["in", "intersects"]) {
        const fast = match(`${field} ${op} (${list})`);
        const generic = match(`${field} = anyof (${list})`);
        // twice over: the one-entry memo of the string set must not change results
        for (let round = 0; round < 2; round++) {
          for (const v of VALUES[cls]!) expect(fast(v, field), `${field} ${op} (${list}) on ${String(v)}`).toBe(generic(v, field));
        }
      }
    }
    // memo: alternate values, including same text in different string objects
    const m = match("t.s in (abc, x)");
    const seq = ["abc", "y", "y", "abc", ["a", "b", "c"].join(""), "x", "", "", "abc"];
    expect(seq.map((v) => m(v, "t.s"))).toEqual([true, false, false, true, true, true, false, false, true]);
  });
  test("literal results of a few specialised checks", () => {
    expect(match("t.s = abc")("abc", "t.s")).toBe(true);
    expect(match("t.s = abc")(["x", "abc"], "t.s")).toBe(true);
    expect(match("t.s != abc")(["x", "abc"], "t.s")).toBe(false);
    expect(match("t.s != abc")([], "t.s")).toBe(false);
    expect(match("t.s != abc")(undefined, "t.s")).toBe(false);
    expect(match("t.n >= 5")(5, "t.n")).toBe(true);
    expect(match("t.n >= 5")("6", "t.n")).toBe(true);
    expect(match("t.n = 5")(5n, "t.n")).toBe(true);
    expect(match("t.n != 5")(Number.NaN, "t.n")).toBe(true);
    expect(match("t.b = true")(1, "t.b")).toBe(true);
    expect(match("t.b != true")(false, "t.b")).toBe(true);
  });
});

describe("flattened and/or chains", () => {
  type Node = CondNode;
  // arities 1..7 cover every specialised case and the general one
  const { gen, rnd } = conditionGenerator(7, 7);
  const text = conditionText;
  const evalRef = evalCondition;
  test("random nested conditions: same result and same reads as a plain evaluation", () => {
    let checked = 0;
    for (let k = 0; k < 300; k++) {
      const tree = gen(4);
      const cond = text(tree);
      const c = compileCondition(parseCondition(cond), reg, { noEvttypes: true });
      for (let m = 0; m < 8; m++) {
        const vals = Array.from({ length: 8 }, () => rnd(2) === 1);
        cur = {};
        for (let i = 0; i < 8; i++) cur[`t.v${i}`] = vals[i] ? "y" : "n";
        const log: string[] = [];
        const want = evalRef(tree, vals, log);
        reads = [];
        expect(c.match(ev), cond).toBe(want);
        expect(reads, cond).toEqual(log);
        checked++;
      }
    }
    expect(checked).toBe(2400);
  });
});
