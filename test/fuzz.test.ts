/**
 * Bad input never crashes the rules engine (issue 3): 10,000 mutated conditions and rules files,
 * derived from the upstream rulesets, each give a positioned error or a result, never another
 * exception, and none takes more than 1 s. Mutations are seeded, so a failure is reproducible
 * from the printed seed and case number.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseCondition, ConditionSyntaxError } from "../src/rules/parser.ts";
import { compileCondition, ConditionCompileError } from "../src/rules/compile.ts";
import { loadRules } from "../src/rules/loader.ts";
import { createRegistry } from "../src/fields/index.ts";
import { emptyFieldContext } from "../src/fields/context.ts";
import { Event } from "../src/events/event.ts";
import { encodeEvent } from "../src/events/encode.ts";
import { PPME } from "../src/events/event_table.ts";
import { SHARED } from "./helpers/agent.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const N_CONDITIONS = 8000;
const N_FILES = 2000;

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY = ["(", ")", '"', "'", "\\", "=", "!=", " and ", " or ", " not ", ",", "[", "]", "%", "\n", "\x00", "\x1b[31m", "évt", "in (", "exists", "glob", ".", "*", "val(", "tolower(", "  "];

function mutate(s: string, r: () => number): string {
  let out = s;
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const pos = Math.floor(r() * (out.length + 1));
    switch (Math.floor(r() * 10)) {
      case 0: // delete a span
        out = out.slice(0, pos) + out.slice(pos + 1 + Math.floor(r() * 5));
        break;
      case 1: // insert a nasty token
        out = out.slice(0, pos) + NASTY[Math.floor(r() * NASTY.length)] + out.slice(pos);
        break;
      case 2: // duplicate a span
        out = out.slice(0, pos) + out.slice(pos, pos + 1 + Math.floor(r() * 20)) + out.slice(pos);
        break;
      case 3: // truncate
        out = out.slice(0, pos);
        break;
      case 4: // random byte
        out = out.slice(0, pos) + String.fromCharCode(Math.floor(r() * 128)) + out.slice(pos + 1);
        break;
      case 5: { // deep nesting, balanced or not
        const d = Math.floor(r() * 300);
        out = "(".repeat(d) + out + (r() < 0.5 ? ")".repeat(d) : "");
        break;
      }
      default: // swap two words
      {
        const words = out.split(" ");
        const a = Math.floor(r() * words.length), b = Math.floor(r() * words.length);
        [words[a], words[b]] = [words[b]!, words[a]!];
        out = words.join(" ");
      }
    }
  }
  return out;
}

const rulesText = ["falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"].map((f) => readFileSync(join(SHARED, "rules", f), "utf8"));
const conditions: string[] = [];
for (const t of rulesText) {
  for (const item of parseYaml(t) as Record<string, unknown>[]) {
    if (item && typeof item.condition === "string") conditions.push(item.condition);
  }
}

describe("fuzz: mutated conditions and rules files", () => {
  const registry = createRegistry(emptyFieldContext("fuzz"));
  // One event to evaluate compiled conditions on (missing fields must not throw either).
  const ev = new Event();
  const bytes = encodeEvent(PPME.SYSCALL_OPENAT_2_X!, 1234, 1_700_000_000_000_000_000n, [3, -100, "/etc/passwd", 1, 0, 0, 0]);
  ev.reset(bytes, 0, bytes.length);

  it(`${N_CONDITIONS} mutated conditions: syntax error with a column, compile error, or a working filter`, () => {
    const r = rng(SEED);
    const counts = { parsed: 0, syntax: 0, compileErr: 0, compiled: 0 };
    for (let i = 0; i < N_CONDITIONS; i++) {
      const cond = mutate(conditions[Math.floor(r() * conditions.length)]!, r);
      const t0 = performance.now();
      try {
        const ast = parseCondition(cond);
        counts.parsed++;
        try {
          const c = compileCondition(ast, registry);
          counts.compiled++;
          expect(typeof c.match(ev)).toBe("boolean");
        } catch (e) {
          if (!(e instanceof ConditionCompileError)) throw new Error(`case ${i} (seed ${SEED}): compile threw ${(e as Error)?.name}: ${(e as Error)?.message}\n${JSON.stringify(cond)}`);
          counts.compileErr++;
        }
      } catch (e) {
        if (e instanceof ConditionSyntaxError) {
          expect(e.column).toBeGreaterThanOrEqual(1);
          counts.syntax++;
        } else if (!(e instanceof Error && e.message.startsWith(`case ${i}`))) {
          throw new Error(`case ${i} (seed ${SEED}): parse threw ${(e as Error)?.name}: ${(e as Error)?.message}\n${JSON.stringify(cond)}`);
        } else throw e;
      }
      const ms = performance.now() - t0;
      if (ms > 1000) throw new Error(`case ${i} (seed ${SEED}) took ${ms.toFixed(0)} ms: ${JSON.stringify(cond)}`);
    }
    console.log(`fuzz conditions: ${JSON.stringify(counts)}`);
    expect(counts.syntax + counts.compileErr + counts.compiled).toBe(N_CONDITIONS);
    expect(counts.syntax).toBeGreaterThan(0);
    expect(counts.compiled).toBeGreaterThan(0);
  }, 300_000);

  it(`${N_FILES} mutated rules files: a load result with positioned errors, never an exception`, () => {
    const r = rng(SEED + 1);
    const base = rulesText[0]!;
    let failed = 0, ok = 0;
    for (let i = 0; i < N_FILES; i++) {
      // A slice of the stable file around a random item, mutated.
      const start = base.indexOf("\n- ", Math.floor(r() * base.length));
      const chunk = base.slice(Math.max(0, start), Math.max(0, start) + 400 + Math.floor(r() * 3000));
      const text = mutate(chunk, r);
      const t0 = performance.now();
      let res;
      try {
        res = loadRules([{ name: "fuzz.yaml", content: text }], { registry });
      } catch (e) {
        throw new Error(`file case ${i} (seed ${SEED}): loadRules threw ${(e as Error)?.name}: ${(e as Error)?.message}\n${JSON.stringify(text.slice(0, 500))}`);
      }
      const ms = performance.now() - t0;
      if (ms > 1000) throw new Error(`file case ${i} (seed ${SEED}) took ${ms.toFixed(0)} ms`);
      if (res.successful) ok++;
      else {
        failed++;
        const errs = res.files.flatMap((f) => f.errors);
        // A required_plugin_versions entry naming a plugin we do not have fails the whole load
        // with Falco's fatal message (no position, as in Falco).
        if (errs.length === 0 && res.pluginError?.startsWith("Plugin requirement not satisfied")) continue;
        if (errs.length === 0) throw new Error(`file case ${i} (seed ${SEED}): failed without an error (plugin: ${res.pluginError})\n${JSON.stringify(text.slice(0, 800))}`);
        // Every error says where: file name and a line/column position.
        const text0 = res.files[0]!.asVerboseString(res.contents);
        expect(text0).toMatch(/fuzz\.yaml:\d+:\d+/);
      }
    }
    console.log(`fuzz rules files: ${ok} loaded, ${failed} rejected with positioned errors`);
    expect(ok + failed).toBe(N_FILES);
    expect(failed).toBeGreaterThan(0);
  }, 600_000);
});
