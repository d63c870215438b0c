/**
 * Syscall event drop monitoring (falco.yaml `syscall_event_drops`), as Falco 0.44's drop manager
 * does it (falcosecurity/falco userspace/falco/event_drops.cpp, the validation in
 * configuration.cpp, the token bucket of falcosecurity/libs userspace/libsinsp/token_bucket.cpp):
 *
 *  - at most once per second of event time (the first check one second after the first event;
 *    then whenever an event is more than one second past the previous check), the capture
 *    statistics are compared with the previous ones; with `simulate_drops: true` one drop is
 *    added to every check ("Simulating syscall event drop", info) and the threshold becomes 0;
 *  - new drops whose ratio to new events exceeds `threshold` count as one occurrence; when the
 *    token bucket (`rate` tokens per second, at most `max_burst`) allows, the actions are taken
 *    and counted: `ignore` nothing, `log` a debug log line, `alert` the internal alert
 *    "Falco internal: syscall event drop" (priority Debug, output fields as strings), `exit` two
 *    critical log lines (the message, then "Exiting.") and processing stops with an error;
 *  - at the end, "Syscall event drop monitoring:" with the occurrences and actions taken, on stderr.
 */
import { internalAlert } from "../outputs/alert.ts";
import type { Alert } from "../outputs/alert.ts";

/** A drop action (Falco's syscall_evt_drop_action: DISREGARD is "ignore"). */
export type DropAction = "ignore" | "log" | "alert" | "exit";

/** The validated `syscall_event_drops` settings. */
export interface DropSettings {
  actions: Set<DropAction>;
  /** Ratio of dropped to captured events above which drops count, in [0, 1]. */
  threshold: number;
  /** Token bucket refill, actions per second. */
  rate: number;
  /** Token bucket size (actions in a burst). */
  maxBurst: number;
  simulateDrops: boolean;
}

/** A `syscall_event_drops` setting Falco refuses; `message` is Falco's wording. */
export class DropsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DropsConfigError";
  }
}

/**
 * Validate the `syscall_event_drops` section as Falco's configuration loader does.
 * `configName` is the config file's name, used in the message (Falco: "Error reading config file
 * (NAME): ..."). Unknown actions, `log`/`alert` after `ignore`, and a threshold outside [0, 1]
 * are errors; an empty action list means `ignore`.
 * @throws DropsConfigError with Falco's message.
 */
export function validateDropSettings(
  s: { actions: unknown; threshold: unknown; rate: unknown; max_burst: unknown; simulate_drops: unknown },
  configName: string,
): DropSettings {
  const pre = `Error reading config file (${configName}): `;
  const actions = new Set<DropAction>();
  const list = Array.isArray(s.actions) ? s.actions : s.actions === undefined || s.actions === null ? [] : [s.actions];
  for (const raw of list) {
    const act = String(raw);
    if (act === "ignore") actions.add("ignore");
    else if (act === "log" || act === "alert") {
      if (actions.has("ignore")) throw new DropsConfigError(`${pre}syscall event drop action "${act}" does not make sense with the "ignore" action`);
      actions.add(act);
    } else if (act === "exit") actions.add("exit");
    else throw new DropsConfigError(`${pre}available actions for syscall event drops are "ignore", "log", "alert", and "exit"`);
  }
  if (actions.size === 0) actions.add("ignore");
  const threshold = Number(s.threshold ?? 0.1);
  if (!(threshold >= 0 && threshold <= 1)) throw new DropsConfigError(`${pre}syscall event drops threshold must be a double in the range [0, 1]`);
  return {
    actions,
    threshold,
    rate: Number(s.rate ?? 0.03333),
    maxBurst: Number(s.max_burst ?? 1),
    simulateDrops: s.simulate_drops === true,
  };
}

/** Falco's log levels, most severe first (falco_logger::level); index = severity. */
export const LOG_LEVELS = ["emergency", "alert", "critical", "error", "warning", "notice", "info", "debug"] as const;
/** One of LOG_LEVELS. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * A logger that prints only messages at or above the configured `log_level` (Falco's
 * falco_logger). Unknown levels act as "info" (Falco's default).
 */
export function leveledLog(configured: string, write: (msg: string) => void): (level: LogLevel, msg: string) => void {
  let max = LOG_LEVELS.indexOf(String(configured).toLowerCase() as LogLevel);
  if (max < 0) max = LOG_LEVELS.indexOf("info");
  return (level, msg) => {
    if (LOG_LEVELS.indexOf(level) <= max) write(msg);
  };
}

const NS_PER_S = 1_000_000_000n;
const U64 = (1n << 64n) - 1n;

/**
 * libsinsp's token_bucket: `rate` tokens per second up to `maxTokens`, starting full. Times are
 * ns as unsigned 64-bit values; as in libsinsp, a claim at a time before the last one wraps
 * around (so it refills the bucket), which is what happens in replay, where the bucket starts
 * at the wall-clock time and events carry their capture's (older) time.
 */
export class TokenBucket {
  private tokens: number;
  private lastSeen: bigint;
  constructor(
    private readonly rate: number,
    private readonly maxTokens: number,
    now: bigint,
  ) {
    this.tokens = maxTokens;
    this.lastSeen = now;
  }
  /** Take `n` tokens at time `now` (ns). @returns false when not enough are available. */
  claim(n: number, now: bigint): boolean {
    const elapsed = (now - this.lastSeen) & U64;
    this.lastSeen = now;
    this.tokens += this.rate * (Number(elapsed) / 1e9);
    if (this.tokens > this.maxTokens) this.tokens = this.maxTokens;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }
}

/** Cumulative capture statistics (scap_stats subset); a replay has none (all zero). */
export interface DropStats {
  nEvts: number;
  nDrops: number;
  nDropsBuffer?: number;
  nDropsScratchMap?: number;
  nDropsPf?: number;
  nDropsBug?: number;
}

/** What the drop manager needs from its host. */
export interface DropManagerHost {
  settings: DropSettings;
  /** Current cumulative statistics. */
  stats: () => DropStats;
  /** Leveled log (see leveledLog). */
  log: (level: LogLevel, msg: string) => void;
  /** Send an internal alert to the outputs. */
  emit: (alert: Alert) => void;
  hostname: string;
  /** Whether events come from the modern eBPF probe (the alert's `ebpf_enabled`). */
  bpfEnabled: boolean;
  /** Start time of the token bucket, ns (default: the wall clock, as libsinsp). */
  now?: bigint;
}

/** Falco's syscall_evt_drop_mgr. One per event stream. */
export class DropManager {
  /** Drop occurrences seen (checks with new drops above the threshold). */
  occurrences = 0;
  /** Times the actions were taken (occurrences the token bucket allowed). */
  actionsTaken = 0;
  private nextCheck = 0n;
  /**
   * `nextCheck` as a number of ns (-Infinity before the first event): an event whose (number)
   * timestamp is well before it would make `processEvent` do nothing, so a hot caller may skip it.
   */
  nextCheckNs = -Infinity;
  private last: DropStats;
  private readonly threshold: number;
  private readonly bucket: TokenBucket;

  constructor(private readonly host: DropManagerHost) {
    const s = host.settings;
    this.threshold = s.simulateDrops ? 0 : s.threshold;
    this.bucket = new TokenBucket(s.rate, s.maxBurst, host.now ?? BigInt(Date.now()) * 1_000_000n);
    this.last = { ...host.stats() };
  }

  private setNextCheck(t: bigint): void {
    this.nextCheck = t;
    this.nextCheckNs = Number(t);
  }

  /**
   * Call for every event with its timestamp (ns). @returns false when an `exit` action fired:
   * the caller stops processing with an error ("Drop manager internal error").
   */
  processEvent(ts: bigint): boolean {
    if (this.nextCheck === 0n) this.setNextCheck(ts + NS_PER_S);
    if (!(this.nextCheck < ts)) return true;
    this.setNextCheck(ts + NS_PER_S);
    const now = this.host.stats();
    const delta: Required<DropStats> = {
      nEvts: now.nEvts - this.last.nEvts,
      nDrops: now.nDrops - this.last.nDrops,
      nDropsBuffer: (now.nDropsBuffer ?? 0) - (this.last.nDropsBuffer ?? 0),
      nDropsScratchMap: (now.nDropsScratchMap ?? 0) - (this.last.nDropsScratchMap ?? 0),
      nDropsPf: (now.nDropsPf ?? 0) - (this.last.nDropsPf ?? 0),
      nDropsBug: (now.nDropsBug ?? 0) - (this.last.nDropsBug ?? 0),
    };
    this.last = { ...now };
    if (this.host.settings.simulateDrops) {
      this.host.log("info", "Simulating syscall event drop");
      delta.nDrops++;
    }
    if (delta.nDrops <= 0) return true;
    // n_evts includes n_drops; 0 events (a replay) gives an infinite ratio, as in C++.
    const ratio = delta.nEvts === 0 ? Infinity : delta.nDrops / delta.nEvts;
    if (!(ratio > this.threshold)) return true;
    this.occurrences++;
    if (!this.bucket.claim(1, ts)) {
      this.host.log("debug", "Syscall event drop but token bucket depleted, skipping actions");
      return true;
    }
    this.actionsTaken++;
    return this.performActions(ts, delta);
  }

  private performActions(ts: bigint, d: Required<DropStats>): boolean {
    const rule = "Falco internal: syscall event drop";
    const msg = `${rule}. ${d.nDrops} system calls dropped in last second.`;
    let ok = true;
    for (const act of this.host.settings.actions) {
      if (act === "log") this.host.log("debug", msg);
      else if (act === "alert") {
        // Falco writes every field as a string (std::to_string); per-category counters are kernel-side only.
        const fields: Record<string, string> = {
          n_evts: String(d.nEvts),
          n_drops: String(d.nDrops),
          n_drops_buffer_total: String(d.nDropsBuffer),
          n_drops_buffer_clone_fork_exit: "0",
          n_drops_buffer_execve_exit: "0",
          n_drops_buffer_connect_exit: "0",
          n_drops_buffer_open_exit: "0",
          n_drops_buffer_dir_file_exit: "0",
          n_drops_buffer_other_interest_exit: "0",
          n_drops_buffer_close_exit: "0",
          n_drops_buffer_proc_exit: "0",
          n_drops_scratch_map: String(d.nDropsScratchMap),
          n_drops_page_faults: String(d.nDropsPf),
          n_drops_bug: String(d.nDropsBug),
          ebpf_enabled: this.host.bpfEnabled ? "1" : "0",
        };
        this.host.emit(internalAlert(rule, "Debug", msg, fields, ts, this.host.hostname));
      } else if (act === "exit") {
        this.host.log("critical", msg);
        this.host.log("critical", "Exiting.");
        ok = false;
      }
    }
    return ok;
  }

  /** Falco's print_stats text (written to stderr without a time prefix). */
  statsText(): string {
    return `Syscall event drop monitoring:\n   - event drop detected: ${this.occurrences} occurrences\n   - num times actions taken: ${this.actionsTaken}\n`;
  }
}
