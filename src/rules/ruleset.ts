/**
 * The loaded ruleset: compiled rules, which of them are enabled, and the per-event-type index the
 * engine uses so an event meets only the rules that can match it.
 *
 * Semantics follow Falco (userspace/engine/evttype_index_ruleset.cpp, indexable_ruleset.h,
 * falco_engine.cpp):
 * - only rules whose priority passes the minimum priority are in the ruleset at all (they cannot
 *   be enabled later);
 * - each rule is indexed under the ppm event codes its condition can match (all codes when the
 *   condition has no evt.type restriction) plus PPME_ASYNCEVENT_E, which every rule receives;
 * - enabling/disabling by exact name, substring (Falco <= 0.37 `-D`), wildcard (`*`, Falco 0.44
 *   `rules:` selection) or tag (any tag in common);
 * - `rule_matching: first` returns the first enabled matching rule in load order; `all` every one.
 *   (Falco orders rules by the order they were enabled; at load time that is load order, and we
 *   keep load order even after later enable/disable calls.)
 */
import type { Expr } from "./ast.ts";
import type { Event } from "../events/event.ts";
import { EVENT_CODES_BY_NAME, PPM_EVENT_MAX, PPME } from "../events/event_table.ts";
import { formatPriority } from "./priority.ts";

/** One compiled rule, ready to evaluate. */
export interface CompiledRule {
  /** Position in load order (Falco's rule id). */
  readonly id: number;
  readonly name: string;
  readonly desc: string;
  /** Priority number, Falco order (0 Emergency ... 7 Debug). */
  readonly priority: number;
  /** Canonical priority name ("Warning", "Informational"...). */
  readonly priorityName: string;
  /** Output format string with appends, extra formats and `%container.info` removal applied. */
  readonly output: string;
  /** Sorted tags. */
  readonly tags: readonly string[];
  readonly source: string;
  /** Enabled state as loaded (the `enabled` key and overrides); see Ruleset.isEnabled for the live state. */
  readonly enabled: boolean;
  /** The resolved condition (lists, macros and exceptions applied). */
  readonly condition: Expr;
  /** Evaluate the condition on an event. */
  readonly match: (ev: Event) => boolean;
  /** ppm event codes the rule can match, or null = every event type. */
  readonly evttypes: ReadonlySet<number> | null;
  /** evt.type names the rule can match, or null = all. */
  readonly evttypeNames: ReadonlySet<string> | null;
  readonly warnEvttypes: boolean;
  readonly skipIfUnknownFilter: boolean;
  readonly capture: boolean;
  /** Capture duration in milliseconds (0 = default). */
  readonly captureDuration: number;
  /** Fields used by the rule's exceptions (sorted). */
  readonly exceptionFields: readonly string[];
  /** Extra output fields (Falco `append_output` fields): key -> format, raw. */
  readonly extraOutputFields: ReadonlyMap<string, { format: string; raw: boolean }>;
  /** Fields the condition uses. */
  readonly fields: readonly string[];
}

/** `rule_matching` config: first matching rule per event, or all matching rules. */
export type RuleMatching = "first" | "all";

/** How a rule-name pattern matches (Falco filter_ruleset::match_type). */
export type NameMatch = "exact" | "substring" | "wildcard";

/**
 * Falco's falco::utils::matches_wildcard: `*` matches any run of characters; without `*` the
 * pattern must equal the name.
 */
export function matchesWildcard(pattern: string, s: string): boolean {
  // iterative form of Falco's recursive matcher
  const parts = pattern.split("*");
  if (parts.length === 1) return pattern === s;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!s.startsWith(first)) return false;
  let pos = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const p = parts[i]!;
    if (p === "") continue;
    const at = s.indexOf(p, pos);
    if (at < 0) return false;
    pos = at + p.length;
  }
  if (last === "") return true;
  // Falco matches the last literal at its first occurrence after the previous one and then
  // requires the rest to be equal; a suffix check is the same unless the literal repeats, where
  // Falco would fail on the first occurrence. Follow Falco.
  const at = s.indexOf(last, pos);
  if (at < 0) return false;
  return at + last.length === s.length;
}

const ASYNC_E = PPME["ASYNCEVENT_E"];

/** Convert evt.type names to ppm codes (null stays null = all). */
export function evttypeNamesToCodes(names: ReadonlySet<string> | null): Set<number> | null {
  if (names === null) return null;
  const out = new Set<number>();
  for (const n of names) for (const c of EVENT_CODES_BY_NAME.get(n) ?? []) out.add(c);
  return out;
}

/** The active ruleset of one engine. */
export class Ruleset {
  /** Rules in load order (only those passing the minimum priority). */
  readonly rules: readonly CompiledRule[];
  /** Matching strategy. */
  ruleMatching: RuleMatching;
  private readonly enabledSet = new Set<number>();
  private index: CompiledRule[][] | null = null;
  private readonly byName = new Map<string, CompiledRule>();

  /**
   * @param rules compiled rules in load order (already filtered by minimum priority)
   * @param ruleMatching "first" (Falco default) or "all"
   */
  constructor(rules: readonly CompiledRule[], ruleMatching: RuleMatching = "first") {
    this.rules = rules;
    this.ruleMatching = ruleMatching;
    for (const r of rules) {
      this.byName.set(r.name, r);
      if (r.enabled) this.enabledSet.add(r.id);
    }
  }

  /** A rule by name (enabled or not). */
  get(name: string): CompiledRule | undefined {
    return this.byName.get(name);
  }

  /** Whether a rule is currently enabled. */
  isEnabled(rule: CompiledRule): boolean {
    return this.enabledSet.has(rule.id);
  }

  /** Enabled rules in load order. */
  enabledRules(): CompiledRule[] {
    return this.rules.filter((r) => this.enabledSet.has(r.id));
  }

  /** Number of enabled rules (falco_engine::num_rules_for_ruleset). */
  enabledCount(): number {
    return this.enabledSet.size;
  }

  /**
   * Enable or disable rules by name (falco_engine::enable_rule / enable_rule_exact /
   * enable_rule_wildcard). An empty pattern matches every rule for exact/substring. Returns the
   * number of rules matched.
   */
  setEnabledByName(pattern: string, mode: NameMatch, enabled: boolean): number {
    let n = 0;
    for (const r of this.rules) {
      let m: boolean;
      if (mode === "exact") m = pattern === "" || r.name === pattern;
      else if (mode === "substring") m = pattern === "" || r.name.includes(pattern);
      else m = matchesWildcard(pattern, r.name);
      if (m) {
        n++;
        if (enabled) this.enabledSet.add(r.id);
        else this.enabledSet.delete(r.id);
      }
    }
    this.index = null;
    return n;
  }

  /** Enable or disable every rule having at least one of `tags` (falco_engine::enable_rule_by_tag). */
  setEnabledByTags(tags: readonly string[], enabled: boolean): number {
    const want = new Set(tags);
    let n = 0;
    for (const r of this.rules) {
      if (r.tags.some((t) => want.has(t))) {
        n++;
        if (enabled) this.enabledSet.add(r.id);
        else this.enabledSet.delete(r.id);
      }
    }
    this.index = null;
    return n;
  }

  private buildIndex(): CompiledRule[][] {
    const idx: CompiledRule[][] = Array.from({ length: PPM_EVENT_MAX }, () => []);
    for (const r of this.rules) {
      if (!this.enabledSet.has(r.id)) continue;
      if (r.evttypes === null) {
        for (let c = 0; c < PPM_EVENT_MAX; c++) idx[c]!.push(r);
      } else {
        for (const c of r.evttypes) if (c >= 0 && c < PPM_EVENT_MAX) idx[c]!.push(r);
        if (ASYNC_E !== undefined && !r.evttypes.has(ASYNC_E)) idx[ASYNC_E]!.push(r);
      }
    }
    return idx;
  }

  /** Enabled rules that can match events of this ppm code, in load order. */
  forEventType(code: number): readonly CompiledRule[] {
    this.index ??= this.buildIndex();
    return this.index[code] ?? [];
  }

  /** Set of ppm event codes some enabled rule can match (for kernel-side filtering). */
  enabledEventCodes(): Set<number> {
    const s = new Set<number>();
    this.index ??= this.buildIndex();
    this.index.forEach((l, c) => {
      if (l.length > 0) s.add(c);
    });
    return s;
  }

  /**
   * The first enabled rule (load order) whose condition matches the event, or undefined
   * (`rule_matching: first`). Allocation-free. `code` defaults to the event's type.
   */
  matchFirst(ev: Event, code: number = ev.type): CompiledRule | undefined {
    const rules = this.forEventType(code);
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (r.match(ev)) return r;
    }
    return undefined;
  }

  /**
   * Every enabled rule matching the event, appended to `out` (cleared first) in load order
   * (`rule_matching: all`). Returns `out`.
   */
  matchAll(ev: Event, out: CompiledRule[], code: number = ev.type): CompiledRule[] {
    out.length = 0;
    const rules = this.forEventType(code);
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (r.match(ev)) out.push(r);
    }
    return out;
  }

  /**
   * Evaluate an event (falco_engine::process_event) with the configured `ruleMatching`: with
   * `first`, at most the first enabled matching rule (load order); with `all`, every matching
   * rule. Returns an empty array when nothing matches (allocates; see matchFirst/matchAll).
   */
  process(ev: Event, code: number = ev.type): CompiledRule[] {
    if (this.ruleMatching === "first") {
      const r = this.matchFirst(ev, code);
      return r ? [r] : [];
    }
    return this.matchAll(ev, [], code);
  }
}

/** Canonical priority name helper for consumers of CompiledRule. */
export function rulePriorityName(p: number): string {
  return formatPriority(p);
}
