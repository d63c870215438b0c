/**
 * The engine loop: batch → Event view → state update → rules indexed by event type → alerts.
 * Live capture and replay both call `processEvent` with an Event view in libscap's V2 layout.
 * Semantics follow Falco 0.44: state is updated before rules see the event (libsinsp parses an
 * event, then falco_engine::process_event evaluates the filters), state-only events
 * (SCAP_DF_STATE_ONLY) never reach rules, `rule_matching: first` stops at the first matching rule
 * in load order, `all` reports every match.
 * Rules share memoised sub-conditions per event (src/rules/compile.ts linkConditions); the cache
 * key is `Event.evalToken`, which `Event.reset` renews for every event and `processEvent` renews
 * after every match handler, so no result outlives its event or a handler's side effects.
 */
import { Event, EVF_STATE_ONLY } from "./events/event.ts";

/** What the engine needs of a compiled rule. */
export interface EngineRule {
  readonly name: string;
  /** Falco priority as a number: 0 EMERGENCY … 7 DEBUG. */
  readonly priority: number;
  readonly tags: readonly string[];
  readonly source: string;
  match(ev: Event): boolean;
}

/** What the engine needs of a ruleset: rules that can match an event code, in load order. */
export interface EngineRuleset {
  forEventType(code: number): readonly EngineRule[];
}

/** The state engine's per-event hook (src/state/parser.ts StateEngine). */
export interface EngineState {
  process(ev: Event): void;
  /** Called after rules ran, to apply deferred removals (closed fds, exited threads). */
  afterEvent?(ev: Event): void;
}

/** Receives each match; the caller renders and queues the alert. Must not retain `ev`. */
export type MatchHandler = (rule: EngineRule, ev: Event) => void;

/** Counters the engine keeps (Falco metric names in comments). */
export interface EngineCounters {
  /** falcosecurity_falco_n_evts / scap n_evts: events seen. */
  events: number;
  /** Events that reached rule evaluation. */
  evaluated: number;
  /** falcosecurity_falco_rules_matches_total. */
  matches: number;
  /** Events whose processing threw (bug or hostile input): counted, never fatal. */
  errors: number;
}

/** Options for the engine. */
export interface EngineOptions {
  state: EngineState;
  ruleset: EngineRuleset;
  onMatch: MatchHandler;
  ruleMatching?: "first" | "all";
  /** Minimum priority (numeric, Falco order: lower is more severe): rules above it are ignored. */
  minPriority?: number;
  onError?: (err: unknown, ev: Event) => void;
}

/** The detection loop; one per agent. */
export class Engine {
  readonly counters: EngineCounters = { events: 0, evaluated: 0, matches: 0, errors: 0 };
  private ruleset: EngineRuleset;
  private readonly state: EngineState;
  private readonly onMatch: MatchHandler;
  private readonly all: boolean;
  private readonly minPriority: number;
  private readonly onError?: (err: unknown, ev: Event) => void;
  /** The reusable view for batch iteration. */
  readonly view = new Event();
  /**
   * Set by a match handler (through `requestPause`) that needs the event kept as it is while
   * something asynchronous completes (container metadata for the first alert of a container).
   * `processBatch` then stops right after the rules of that event ran, before deferred state
   * removals, and reports the offset to resume at; call `finishPaused()` when done.
   */
  private pauseRequested = false;
  private paused: Event | null = null;

  constructor(opts: EngineOptions) {
    this.ruleset = opts.ruleset;
    this.state = opts.state;
    this.onMatch = opts.onMatch;
    this.all = opts.ruleMatching === "all";
    this.minPriority = opts.minPriority ?? 7;
    this.onError = opts.onError;
  }

  /** Swap the ruleset; takes effect for the next event (call between batches for atomicity). */
  setRuleset(r: EngineRuleset): void {
    this.ruleset = r;
  }

  /** Current ruleset. */
  getRuleset(): EngineRuleset {
    return this.ruleset;
  }

  /** Ask `processBatch` to stop after the current event (see `pauseRequested`). */
  requestPause(): void {
    this.pauseRequested = true;
  }

  /** Complete the event a pause stopped at (its deferred state changes). */
  finishPaused(): void {
    const ev = this.paused;
    this.paused = null;
    if (ev) this.state.afterEvent?.(ev);
  }

  /** Process one event view: number it, update state, evaluate the rules that can match it. */
  processEvent(ev: Event): void {
    const c = this.counters;
    ev.num = ++c.events;
    try {
      this.state.process(ev);
      if ((ev.flags & EVF_STATE_ONLY) === 0) {
        const rules = this.ruleset.forEventType(ev.type);
        if (rules.length !== 0) {
          c.evaluated++;
          for (let i = 0; i < rules.length; i++) {
            const r = rules[i]!;
            if (r.priority > this.minPriority) continue;
            if (r.match(ev)) {
              c.matches++;
              this.onMatch(r, ev);
              if (!this.all) break;
              // The handler may have changed what fields read (e.g. container metadata): later
              // rules must not reuse sub-condition results memoised before it ran.
              ev.invalidateEval();
            }
          }
        }
      }
      if (this.pauseRequested) {
        this.pauseRequested = false;
        this.paused = ev;
        return;
      }
      this.state.afterEvent?.(ev);
    } catch (err) {
      c.errors++;
      this.onError?.(err, ev);
    }
  }

  /**
   * Process a batch from the probe: V2 events back to back, each at an 8-byte-aligned offset
   * (the framing of ffi/reader.c `fts_poll`).
   * @param start offset to start at (a previous call's `next` after a pause).
   * @returns events processed and the offset to resume at; `paused` when a match handler asked
   *   for a pause (then `finishPaused()` must be called before resuming at `next`).
   *   A malformed record ends the batch (counted as an error).
   */
  processBatch(buf: Uint8Array, len: number, start = 0, dv?: DataView): { events: number; next: number; paused: boolean } {
    const ev = this.view;
    let off = start;
    let n = 0;
    while (off + 26 <= len) {
      try {
        ev.reset(buf, off, len - off, dv);
      } catch (err) {
        this.counters.errors++;
        this.onError?.(err, ev);
        break;
      }
      this.processEvent(ev);
      n++;
      off = (off + ev.len + 7) & ~7;
      if (this.paused) return { events: n, next: off, paused: true };
    }
    return { events: n, next: len, paused: false };
  }
}
