/**
 * Common sub-condition sharing (src/rules/compile.ts SubexprTable/linkConditions, wired in
 * src/rules/loader.ts buildRuleset, invalidated by Event.evalToken and src/engine.ts):
 *
 * 1. Equivalence: every capture under ../shared/captures replayed in-process through the replay
 *    pipeline (state engine, Engine.processEvent) with the three upstream rules files gives
 *    byte-identical alerts (rule, event number, rendered output) with and without sharing, for
 *    `rule_matching: first` and `all`.
 * 2. Isolation: two rules sharing a sub-condition see consecutive events with different values
 *    through Engine.processBatch (several batches), across a ruleset swap made by a match handler
 *    (as a rules reload does), across two engines whose event numbers repeat, and when a match
 *    handler changes what a shared field reads in the middle of an event.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Engine, type EngineRule } from "../src/engine.ts";
import { Event } from "../src/events/event.ts";
import { encodeEvent } from "../src/events/encode.ts";
import { PPME } from "../src/events/event_table.ts";
import type { Pipeline } from "../src/cli/agent.ts";
import { seedStateFromCapture } from "../src/cli/replay.ts";
import { StateEngine } from "../src/state/parser.ts";
import { fieldContextFromState } from "../src/fields/context.ts";
import { createRegistry } from "../src/fields/index.ts";
import { openCapture } from "../src/capture/reader.ts";
import { compileOutput, type OutputTemplate } from "../src/outputs/format.ts";
import { loadRules, type LoadOptions, type RuleSource } from "../src/rules/loader.ts";
import type { Ruleset } from "../src/rules/ruleset.ts";
import { type BoundField, type FieldDef, FieldError, type FieldRegistry, type FieldValue } from "../src/fields/registry.ts";
import { compileCondition, linkConditions, SubexprTable } from "../src/rules/compile.ts";
import { parseCondition } from "../src/rules/parser.ts";
import { SHARED } from "./helpers/agent.ts";
import { conditionGenerator, conditionText, evalCondition, type CondNode } from "./helpers/random_conditions.ts";

const RULES_DIR = join(SHARED, "rules");
const RULE_FILES = ["falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml"];
const CAPTURES_DIR = join(SHARED, "captures");

function listCaptures(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...listCaptures(p));
    else if (n.endsWith(".scap")) out.push(p);
  }
  return out;
}

/**
 * Broad rules over the upstream macros (loaded after the three upstream files), so that shared
 * sub-conditions match often and in combinations: and/or/not around shared macros, a macro used
 * twice in one rule, fields with multi-value and directory semantics.
 */
const EXTRA_RULES = `
- rule: cse_eq_read
  desc: t
  condition: open_read and not fd.name startswith /proc and proc_name_exists
  output: "r %proc.name %fd.name"
  priority: DEBUG
- rule: cse_eq_read_etc
  desc: t
  condition: open_read and etc_dir
  output: "re %proc.name %fd.name"
  priority: DEBUG
- rule: cse_eq_write
  desc: t
  condition: open_write and proc_name_exists
  output: "w %proc.name %fd.name"
  priority: DEBUG
- rule: cse_eq_rw
  desc: t
  condition: (open_read or open_write) and (fd.directory in (/etc, /tmp, /var/log, /usr/lib) or etc_dir)
  output: "rw %proc.name %fd.name %fd.directory"
  priority: DEBUG
- rule: cse_eq_spawn
  desc: t
  condition: spawned_process and proc_name_exists and not shell_procs
  output: "s %proc.name %proc.cmdline %proc.pname"
  priority: DEBUG
- rule: cse_eq_shell
  desc: t
  condition: (spawned_process and shell_procs) or (open_read and shell_procs)
  output: "sh %proc.name %fd.name"
  priority: DEBUG
- rule: cse_eq_container
  desc: t
  condition: (open_read or spawned_process or open_write) and container
  output: "c %proc.name %container.id %fd.name"
  priority: DEBUG
- rule: cse_eq_not
  desc: t
  condition: not open_read and not open_write and evt.type in (open, openat, openat2, close) and proc_name_exists
  output: "n %proc.name %fd.name %evt.res"
  priority: DEBUG
- rule: cse_eq_net
  desc: t
  condition: (outbound or (evt.type in (accept, accept4, connect) and fd.typechar = 4)) and proc_name_exists
  output: "net %proc.name %fd.name"
  priority: DEBUG
- rule: cse_eq_anc
  desc: t
  condition: spawned_process and (proc.aname[2] exists or proc.pname in (shell_binaries))
  output: "a %proc.name %proc.aname[2]"
  priority: DEBUG
`;

const SOURCES: RuleSource[] = [
  ...RULE_FILES.map((f) => ({ name: f, content: readFileSync(join(RULES_DIR, f), "utf8") })),
  { name: "cse_extra.yaml", content: EXTRA_RULES },
];

/** What the replay pipeline of src/cli/agent.ts buildPipeline (not live) holds, built here without the CLI. */
interface Mini {
  state: StateEngine;
  registry: FieldRegistry;
  loadOptions: LoadOptions;
}

function miniPipeline(): Mini {
  const state = new StateEngine({ queryProc: false });
  const ctx = fieldContextFromState({ threads: state.threads, usergroups: state.users, hostname: () => "cse-host" });
  const registry = createRegistry(ctx);
  const loadOptions: LoadOptions = {
    registry,
    compileOutput: (fmt) => {
      compileOutput(fmt, registry);
    },
  };
  return { state, registry, loadOptions };
}

/** Replay one capture as src/cli/replay.ts does; alerts as "rule\tevt.num\toutput" lines. */
function replayAlerts(cap: string, share: boolean, matching: "first" | "all"): { alerts: string[]; errors: number; events: number } {
  const p = miniPipeline();
  const res = loadRules(SOURCES, { ...p.loadOptions, shareSubexprs: share, ruleMatching: matching });
  if (!res.successful || !res.ruleset) throw new Error(`rules failed to load for ${cap}`);
  const templates = new Map<number, OutputTemplate>();
  for (const r of res.ruleset.rules) templates.set(r.id, compileOutput(r.output, p.registry));
  const alerts: string[] = [];
  const engine = new Engine({
    state: p.state,
    ruleset: res.ruleset,
    ruleMatching: matching,
    onMatch: (rule: EngineRule, ev: Event) => {
      const id = (rule as { id?: number }).id ?? -1;
      alerts.push(`${rule.name}\t${ev.num}\t${templates.get(id)?.render(ev).text ?? ""}`);
    },
  });
  const reader = openCapture(cap, { onSection: (r) => seedStateFromCapture(r, p as unknown as Pipeline) });
  if (reader.converter) reader.converter.passStoredEnters = true;
  const ev = new Event();
  let events = 0;
  try {
    while (reader.next(ev)) {
      engine.processEvent(ev);
      events++;
    }
  } catch {
    /* a damaged capture ends the same way with and without sharing */
  } finally {
    reader.close?.();
  }
  return { alerts, errors: engine.counters.errors, events };
}

describe("sub-condition sharing: equivalence on the shared captures", () => {
  const caps = listCaptures(CAPTURES_DIR);
  it("finds the shared captures", () => {
    expect(caps.length).toBeGreaterThan(20);
  });
  let total = 0;
  for (const matching of ["first", "all"] as const) {
    it(`alerts are byte-identical with and without sharing (rule_matching: ${matching})`, () => {
      let alertsSeen = 0;
      for (const cap of caps) {
        const off = replayAlerts(cap, false, matching);
        const on = replayAlerts(cap, true, matching);
        expect(on.events, cap).toBe(off.events);
        expect(on.errors, cap).toBe(off.errors);
        expect(on.alerts.join("\n"), cap).toBe(off.alerts.join("\n"));
        alertsSeen += on.alerts.length;
      }
      total += alertsSeen;
      // The comparison must have compared something.
      expect(alertsSeen).toBeGreaterThan(100);
      console.log(`subexpr_share: ${caps.length} captures, ${alertsSeen} alerts identical (rule_matching: ${matching})`);
    }, 300_000);
  }
});

/* ---------- isolation between events, batches, rulesets ---------- */

const RULES_X = `
- macro: cse_shared
  condition: (evt.type = openat and fd.name startswith /tmp/cse_x)
- rule: cse_a
  desc: evaluates the shared macro first, never matches
  condition: cse_shared and evt.res = 12345
  output: "a %fd.name"
  priority: WARNING
- rule: cse_b
  desc: the shared macro alone
  condition: cse_shared
  output: "b %fd.name"
  priority: WARNING
- rule: cse_c
  desc: the shared macro twice in one condition
  condition: (cse_shared and evt.res = -77) or (evt.res >= 0 and cse_shared)
  output: "c %fd.name"
  priority: WARNING
`;
const RULES_Y = RULES_X.replace("/tmp/cse_x", "/tmp/cse_y");

/** Registry wrapper counting fd.name extractions (to see that sharing is in effect). */
function countingRegistry(reg: FieldRegistry, counter: { n: number }): FieldRegistry {
  return {
    lookup: (n) => reg.lookup(n),
    all: () => reg.all(),
    bind: (name, arg) => {
      const b = reg.bind(name, arg);
      if (name !== "fd.name") return b;
      const ex = b.extract;
      return { ...b, extract: (ev: Event) => (counter.n++, ex(ev)) };
    },
  };
}

interface Setup {
  p: Mini;
  counter: { n: number };
  load(text: string, share: boolean, matching?: "first" | "all"): Ruleset;
}

function setup(): Setup {
  const p = miniPipeline();
  const counter = { n: 0 };
  const registry = countingRegistry(p.registry, counter);
  return {
    p,
    counter,
    load(text, share, matching = "all") {
      const res = loadRules([{ name: "cse.yaml", content: text }], { ...p.loadOptions, registry, shareSubexprs: share, ruleMatching: matching });
      if (!res.successful || !res.ruleset) throw new Error("test rules failed to load");
      return res.ruleset;
    },
  };
}

let fdSeq = 10;
/** An openat exit event (PPME_SYSCALL_OPENAT_2_X) of `path`, returning a new fd. */
function openat(path: string, tid = 4242): Uint8Array {
  return encodeEvent(PPME.SYSCALL_OPENAT_2_X!, tid, 1_700_000_000_000_000_000n + BigInt(fdSeq), [fdSeq++, -100, path, 1, 0o644, 0, 0]);
}

/** Events back to back at 8-byte-aligned offsets (the probe's batch framing). */
function batch(evs: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const e of evs) len = ((len + e.length + 7) & ~7);
  const out = new Uint8Array(len);
  let off = 0;
  for (const e of evs) {
    out.set(e, off);
    off = (off + e.length + 7) & ~7;
  }
  return out;
}

const PATHS = ["/tmp/cse_x1", "/tmp/cse_y1", "/tmp/cse_x2", "/tmp/cse_x3", "/tmp/cse_y2", "/tmp/other", "/tmp/cse_x4", "/tmp/cse_y3", "/tmp/cse_y4", "/tmp/cse_x5"];

describe("sub-condition sharing: no result outlives its event", () => {
  for (const share of [true, false]) {
    it(`consecutive events in several batches (sharing ${share ? "on" : "off"})`, () => {
      const s = setup();
      const rs = s.load(RULES_X, share);
      const got: string[] = [];
      const engine = new Engine({ state: s.p.state, ruleset: rs, ruleMatching: "all", onMatch: (r, ev) => got.push(`${r.name} ${ev.num}`) });
      s.counter.n = 0;
      // 10 events in batches of 3, 3, 4; each path differs from the previous event's.
      const evs = PATHS.map((x) => openat(x));
      for (const b of [evs.slice(0, 3), evs.slice(3, 6), evs.slice(6)]) {
        const buf = batch(b);
        expect(engine.processBatch(buf, buf.length).events).toBe(b.length);
      }
      const expected: string[] = [];
      PATHS.forEach((x, i) => {
        if (x.startsWith("/tmp/cse_x")) expected.push(`cse_b ${i + 1}`, `cse_c ${i + 1}`);
      });
      expect(got).toEqual(expected);
      expect(engine.counters.errors).toBe(0);
      // cse_shared's fd.name check: once per event when shared; without sharing, once by cse_a,
      // once by cse_b and twice by cse_c (evt.res = -77 never holds, evt.res >= 0 always).
      // With sharing: once per event, plus once more for cse_c after each cse_b match (the engine
      // starts a new evaluation after every match handler).
      const xs = PATHS.filter((x) => x.startsWith("/tmp/cse_x")).length;
      expect(s.counter.n).toBe(share ? PATHS.length + xs : PATHS.length * 4);
    });
  }

  it("a match handler that swaps the ruleset (as a reload does) leaves no cached result behind", () => {
    const s = setup();
    const rsX = s.load(RULES_X, true);
    const rsY = s.load(RULES_Y, true);
    const rsX2 = s.load(RULES_X, true);
    const got: string[] = [];
    let engine: Engine | undefined;
    const order = [rsY, rsX2, rsX];
    let swaps = 0;
    engine = new Engine({
      state: s.p.state,
      ruleset: rsX,
      ruleMatching: "all",
      onMatch: (r, ev) => {
        got.push(`${r.name} ${ev.num}`);
        // Every cse_b match swaps to the next ruleset; it takes effect with the next event.
        if (r.name === "cse_b" && swaps < 3) engine!.setRuleset(order[swaps++]!);
      },
    });
    // x1 (rsX: b,c match → swap to rsY), y1 (rsY: b,c → rsX2), y2 (rsX2: none), x2 (rsX2: b,c → rsX),
    // y3 (rsX: none), x3 (rsX: b,c).
    const paths = ["/tmp/cse_x1", "/tmp/cse_y1", "/tmp/cse_y2", "/tmp/cse_x2", "/tmp/cse_y3", "/tmp/cse_x3"];
    const buf = batch(paths.map((x) => openat(x)));
    engine.processBatch(buf, buf.length);
    expect(got).toEqual(["cse_b 1", "cse_c 1", "cse_b 2", "cse_c 2", "cse_b 4", "cse_c 4", "cse_b 6", "cse_c 6"]);
  });

  it("two engines (event numbers repeat) and two Event views sharing one ruleset", () => {
    const s = setup();
    const rs = s.load(RULES_X, true);
    const got: string[] = [];
    const mk = (tag: string): Engine => new Engine({ state: s.p.state, ruleset: rs, ruleMatching: "all", onMatch: (r, ev) => got.push(`${tag} ${r.name} ${ev.num}`) });
    const e1 = mk("e1");
    const e2 = mk("e2");
    const bx = batch([openat("/tmp/cse_x9")]);
    const by = batch([openat("/tmp/cse_y9")]);
    e1.processBatch(bx, bx.length); // e1 event 1 matches
    e2.processBatch(by, by.length); // e2 event 1 (same evt.num) must not
    e1.processBatch(by, by.length);
    e2.processBatch(bx, bx.length);
    expect(got).toEqual(["e1 cse_b 1", "e1 cse_c 1", "e2 cse_b 2", "e2 cse_c 2"]);
  });

  it("a match handler that changes a field mid-event is seen by the later rules", () => {
    const s = setup();
    const rs = s.load(RULES_X, true);
    const got: string[] = [];
    const engine = new Engine({
      state: s.p.state,
      ruleset: rs,
      ruleMatching: "all",
      onMatch: (r, ev) => {
        got.push(`${r.name} ${ev.num}`);
        // cse_b matched on event 1: rename its fd, so cse_shared no longer holds for cse_c.
        if (r.name === "cse_b" && ev.num === 1 && ev.fdInfo) ev.fdInfo.name = "/tmp/renamed";
      },
    });
    const buf = batch([openat("/tmp/cse_x7"), openat("/tmp/cse_x8")]);
    engine.processBatch(buf, buf.length);
    expect(got).toEqual(["cse_b 1", "cse_b 2", "cse_c 2"]);
  });

  it("Event.reset and invalidateEval renew the evaluation token", () => {
    const ev = new Event();
    const other = new Event();
    expect(other.evalToken).not.toBe(ev.evalToken);
    const b = openat("/tmp/cse_x0");
    const t0 = ev.evalToken;
    ev.reset(b, 0, b.length);
    const t1 = ev.evalToken;
    expect(t1).not.toBe(t0);
    ev.invalidateEval();
    expect(ev.evalToken).not.toBe(t1);
    ev.reset(b, 0, b.length);
    expect(ev.evalToken).not.toBe(t1);
  });
});

describe("sub-condition sharing: random rulesets against a plain evaluator", () => {
  // Fields t.v0..t.v7 read from `cur`, every read logged.
  let cur: Record<string, FieldValue> = {};
  let reads: string[] = [];
  const reg: FieldRegistry = (() => {
    const defs = new Map<string, FieldDef>();
    for (let i = 0; i < 8; i++) {
      const name = `t.v${i}`;
      defs.set(name, { name, type: "CHARBUF", desc: "", cls: "t", arg: "none", flags: [], bind: () => () => (reads.push(name), cur[name]) });
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
  type Node = CondNode;
  // arities 1..4
  const { gen, rnd } = conditionGenerator(11, 4);
  const text = conditionText;
  const evalRef = evalCondition;

  it("same results; each check read at most once per event, first reads in the plain order", () => {
    let checked = 0;
    let memoised = 0;
    for (let set = 0; set < 20; set++) {
      // Rules built from a small pool of sub-conditions ("macros"), so many are shared.
      const pool = Array.from({ length: 6 }, () => gen(3));
      const rules: Node[] = Array.from({ length: 12 }, () => {
        const n = 1 + rnd(4);
        const parts = Array.from({ length: n }, () => (rnd(3) === 0 ? gen(2) : pool[rnd(pool.length)]!));
        const r = rnd(3);
        return r === 0 ? { kind: "or" as const, c: parts } : r === 1 ? { kind: "and" as const, c: parts } : { kind: "not" as const, c: { kind: "and" as const, c: parts } };
      });
      const table = new SubexprTable();
      const compiled = rules.map((r) => compileCondition(parseCondition(text(r)), reg, { noEvttypes: true, share: table }));
      const stats = { nodes: 0, memoised: 0, memoisedChecks: 0 };
      const shared = linkConditions(compiled.map((c) => c.node!), true, true, stats);
      memoised += stats.memoised;
      const ev = new Event();
      for (let m = 0; m < 20; m++) {
        ev.invalidateEval(); // a new event
        const vals = Array.from({ length: 8 }, () => rnd(2) === 1);
        cur = {};
        for (let i = 0; i < 8; i++) cur[`t.v${i}`] = vals[i] ? "y" : "n";
        const refLog: string[] = [];
        const want = rules.map((r) => evalRef(r, vals, refLog));
        reads = [];
        const got = shared.map((f) => f(ev));
        expect(got).toEqual(want);
        // Memoised checks: a field is read once per event, at its first read in plain order.
        expect(reads).toEqual([...new Set(refLog)]);
        // Each compiled condition on its own (no memo) is the plain evaluation.
        reads = [];
        expect(compiled.map((c) => c.match(ev))).toEqual(want);
        expect(reads).toEqual(refLog);
        checked++;
      }
    }
    expect(checked).toBe(400);
    expect(memoised).toBeGreaterThan(40);
  });
});
