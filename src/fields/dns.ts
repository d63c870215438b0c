/**
 * DNS name table for `fd.cip.name`, `fd.sip.name`, `fd.lip.name`, `fd.rip.name`: our counterpart
 * of libsinsp's sinsp_dns_manager (falcosecurity/libs userspace/libsinsp/dns_manager.h/.cpp,
 * libsinsp 0.25). Semantics found there:
 *
 * - The table maps a domain name to the sets of IPv4 and IPv6 addresses getaddrinfo(name, NULL,
 *   AF_UNSPEC) returned for it, with per-name `m_last_resolve_ts`, `m_last_used_ts` and a refresh
 *   `m_timeout`. Names enter the table ONLY through `match(name, af, addr, ts)`, which the fd filter
 *   check calls with a rule's constant (the right-hand side of `fd.sip.name = "x"`).
 * - match(): the first call starts the background resolver thread; an unknown name is resolved
 *   SYNCHRONOUSLY (blocking getaddrinfo on the event-processing thread), stored with timeout =
 *   base refresh (10 s) and last_resolve = event ts; then last_used = event ts; the result is
 *   whether `addr` is in the v4 set (AF_INET) or the v6 set (AF_INET6). A failed resolution stores
 *   empty sets (every match false) until a refresh succeeds.
 * - name_of(af, addr, ts): a reverse lookup in the table only (no resolution): the first name, in
 *   the table's iteration order (a tbb::concurrent_unordered_map, i.e. hash order), whose address
 *   set holds `addr`; it marks that name used. "" when none.
 * - The resolver thread wakes every base refresh timeout (10 s) and, per name, with the wall clock:
 *   erases names unused for the erase timeout (3600 s); else, when last_resolve + timeout is past,
 *   resolves again: changed addresses replace the old ones and reset the timeout to 10 s; the same
 *   addresses double the timeout up to the max refresh timeout (320 s).
 *
 * What this module does (same observable results, different mechanics):
 * - Resolution never runs on the event path: it is asynchronous (node:dns `lookup(name, {all:true})`,
 *   i.e. getaddrinfo, /etc/hosts included), started by `prefetch` when a rule condition is compiled
 *   (the compiler calls it for every constant of an `=`/`!=`/`in` comparison on these fields) or by
 *   `match` for a name it has never seen. `match` on a name whose first resolution is still in
 *   flight returns false (libsinsp would block and answer); the agent waits (bounded) for the
 *   start-up prefetches to settle before it processes events (`awaitDnsPrefetch`), so the first
 *   event already sees resolved names, as in libsinsp.
 * - As in libsinsp, `nameOf` only knows names some `match` call has used (a prefetched name becomes
 *   visible to reverse lookups on its first `match`); among several names holding one address it
 *   returns the first in insertion order (libsinsp: hash order, unspecified).
 * - Names registered by `prefetch` are kept (pinned) while unused, so a rule's name never falls out
 *   after an hour without connections and then misses its first event again; names that only
 *   `match` added are erased after the erase timeout as in libsinsp. The table is bounded
 *   (`maxEntries`, default 4096): inserting into a full table evicts the least recently used name.
 * - "Used" marks are recorded with a flag (no clock read on the hot path) and turned into a
 *   last-used time by the refresh pass, so last-used has the refresh period's granularity.
 * - Addresses are kept as text in the form FdInfo.sip/dip use (dotted IPv4; IPv6 as glibc inet_ntop,
 *   src/state/net.ts ipv6Text), so lookups are a Set/Map `has` on the fd's strings: no allocation.
 */
import { lookup } from "node:dns/promises";
import { parseIPv4, parseIPv6 } from "../rules/operators.ts";
import { ipv6Text } from "../state/net.ts";

/**
 * Resolves one name to its addresses (text, IPv4 or IPv6, any order, duplicates allowed).
 * Rejects or returns [] when the name does not resolve. The default is `defaultDnsResolver`.
 */
export type DnsResolver = (name: string) => Promise<readonly string[]>;

/** The lookups field extractors and the compiler need (FieldContext.dns). */
export interface DnsTable {
  /** Register a name (pinned) and start resolving it in the background if it is new. Never throws. */
  prefetch(name: string): void;
  /** sinsp_dns_manager::match: true if `ip` (FdInfo text form) is among `name`'s resolved addresses. */
  match(name: string, ip: string): boolean;
  /** sinsp_dns_manager::name_of: the first used name whose addresses hold `ip`, else undefined. */
  nameOf(ip: string): string | undefined;
}

/** Options of DnsManager; times in milliseconds. Defaults are libsinsp's. */
export interface DnsManagerOptions {
  /** Resolver (tests inject one); default `defaultDnsResolver`. */
  resolver?: DnsResolver;
  /** Erase a name unused this long (not pinned ones); default 3600 s (libsinsp m_erase_timeout). */
  eraseTimeoutMs?: number;
  /** Refresh period and initial per-name refresh timeout; default 10 s (m_base_refresh_timeout). */
  baseRefreshMs?: number;
  /** Upper bound of the doubling per-name refresh timeout; default 320 s (m_max_refresh_timeout). */
  maxRefreshMs?: number;
  /** Most names kept; default 4096. */
  maxEntries?: number;
  /** Wall clock in ms (tests inject one); default Date.now. */
  now?: () => number;
  /** Run `refresh()` every baseRefreshMs on an unref'd timer once a name is known; default true. */
  timer?: boolean;
  /**
   * Hold resolutions until `startResolving()` (default false): names compiled from rules are only
   * registered, so `-L`, `-V` and `--dry-run` send no DNS query.
   */
  held?: boolean;
}

/** One name's state (libsinsp dns_info). */
interface Entry {
  readonly name: string;
  /** Canonical address texts (IPv4 dotted, IPv6 inet_ntop). */
  addrs: Set<string>;
  /** First resolution finished (successfully or not). */
  resolved: boolean;
  /** A resolution is running. */
  inflight: boolean;
  /** Some match() used the name: it takes part in nameOf (libsinsp: it is in the table). */
  active: boolean;
  /** Registered by prefetch: not erased for non-use. */
  pinned: boolean;
  /** Used since the last refresh pass (match/nameOf hit). */
  used: boolean;
  lastUsed: number;
  lastResolve: number;
  timeout: number;
}

/**
 * Canonical text of an IP address as FdInfo holds it: dotted IPv4, IPv6 as glibc inet_ntop.
 * @returns undefined when `text` is not an address.
 */
export function canonicalIp(text: string): string | undefined {
  const v4 = parseIPv4(text);
  if (v4 >= 0) return `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`;
  const pct = text.indexOf("%"); // drop a zone id (fe80::1%eth0): sin6_addr has none
  const w = new Uint32Array(4);
  if (!parseIPv6(pct < 0 ? text : text.slice(0, pct), w)) return undefined;
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    b[i * 4] = w[i]! >>> 24;
    b[i * 4 + 1] = (w[i]! >>> 16) & 255;
    b[i * 4 + 2] = (w[i]! >>> 8) & 255;
    b[i * 4 + 3] = w[i]! & 255;
  }
  return ipv6Text(b, 0);
}

/**
 * getaddrinfo(name, AF_UNSPEC) through node:dns `lookup(name, {all: true})` (reads /etc/hosts and
 * the system resolver like libsinsp's getaddrinfo call). A name that does not resolve gives [].
 */
export async function defaultDnsResolver(name: string): Promise<readonly string[]> {
  try {
    const r = await lookup(name, { all: true });
    return r.map((a) => a.address);
  } catch {
    return [];
  }
}

/** Concurrent resolutions started by one refresh pass at most (the rest wait for the next pass). */
const MAX_INFLIGHT = 16;

/**
 * The name table (see the module comment for semantics). Hot-path methods (`match`, `nameOf`) are
 * Map/Set lookups on strings and do not allocate (except when `match` meets an unknown name).
 */
export class DnsManager implements DnsTable {
  private readonly entries = new Map<string, Entry>();
  /** Address → first active name holding it (insertion order), rebuilt when the table changes. */
  private reverse = new Map<string, Entry>();
  private readonly pending = new Set<Promise<void>>();
  private inflight = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private readonly resolver: DnsResolver;
  private readonly eraseTimeout: number;
  private readonly baseRefresh: number;
  private readonly maxRefresh: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly useTimer: boolean;
  private held: boolean;

  constructor(o: DnsManagerOptions = {}) {
    this.held = o.held ?? false;
    this.resolver = o.resolver ?? defaultDnsResolver;
    this.eraseTimeout = o.eraseTimeoutMs ?? 3600_000;
    this.baseRefresh = o.baseRefreshMs ?? 10_000;
    this.maxRefresh = o.maxRefreshMs ?? 320_000;
    this.maxEntries = Math.max(1, o.maxEntries ?? 4096);
    this.now = o.now ?? Date.now;
    this.useTimer = o.timer ?? true;
  }

  /** End the hold (see DnsManagerOptions.held): resolve every name registered so far. Idempotent. */
  startResolving(): void {
    if (!this.held) return;
    this.held = false;
    const now = this.now();
    for (const e of this.entries.values()) if (!e.resolved && !e.inflight) this.resolve(e, now);
    this.armTimer();
  }

  /** Number of names in the table (libsinsp size()). */
  get size(): number {
    return this.entries.size;
  }

  /** Names in the table, insertion order (diagnostics and tests). */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The addresses currently known for `name` (sorted copy), or undefined if it is not in the table. */
  addresses(name: string): string[] | undefined {
    const e = this.entries.get(name);
    return e ? [...e.addrs].sort() : undefined;
  }

  prefetch(name: string): void {
    const e = this.entries.get(name) ?? this.insert(name);
    e.pinned = true;
  }

  match(name: string, ip: string): boolean {
    let e = this.entries.get(name);
    if (e === undefined) e = this.insert(name);
    e.used = true;
    if (!e.active) {
      e.active = true;
      if (e.addrs.size) this.rebuildReverse();
    }
    return e.addrs.has(ip);
  }

  nameOf(ip: string): string | undefined {
    const e = this.reverse.get(ip);
    if (e === undefined) return undefined;
    e.used = true;
    return e.name;
  }

  /**
   * One pass of libsinsp's resolver loop: turn used marks into last-used times, erase names unused
   * for the erase timeout (unpinned only), and start re-resolving names whose refresh timeout has
   * passed. Resolutions finish asynchronously (`settled` waits for them).
   */
  refresh(): void {
    const now = this.now();
    let erased = false;
    for (const e of this.entries.values()) {
      if (e.used) {
        e.used = false;
        e.lastUsed = now;
      }
      if (!e.pinned && now > e.lastUsed && now - e.lastUsed > this.eraseTimeout) {
        if (!e.inflight) {
          this.entries.delete(e.name);
          erased = true;
        }
      } else if (!e.inflight && e.resolved && now > e.lastResolve + e.timeout && this.inflight < MAX_INFLIGHT) {
        this.resolve(e, now);
      }
    }
    if (erased) this.rebuildReverse();
  }

  /**
   * Wait until every resolution in flight has finished, at most `timeoutMs`.
   * @returns true if none is left in flight.
   */
  async settled(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    while (this.pending.size) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let t: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.all([...this.pending]), new Promise<void>((r) => { t = setTimeout(r, left); })]);
      if (t) clearTimeout(t);
    }
    return true;
  }

  /** Stop the refresh timer; resolutions still in flight are dropped when they finish. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private insert(name: string): Entry {
    if (this.entries.size >= this.maxEntries) this.evictOne();
    const now = this.now();
    const e: Entry = {
      name, addrs: new Set(), resolved: false, inflight: false, active: false, pinned: false, used: false,
      lastUsed: now, lastResolve: now, timeout: this.baseRefresh,
    };
    this.entries.set(name, e);
    if (!this.held) {
      this.resolve(e, now);
      this.armTimer();
    }
    return e;
  }

  private armTimer(): void {
    if (this.useTimer && !this.timer && !this.stopped && this.entries.size) {
      this.timer = setInterval(() => this.refresh(), this.baseRefresh);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Drop the least recently used name (unpinned first). */
  private evictOne(): void {
    let victim: Entry | undefined;
    for (const pass of [false, true]) {
      for (const e of this.entries.values()) {
        if (e.pinned && !pass) continue;
        if (!victim || e.lastUsed < victim.lastUsed) victim = e;
      }
      if (victim) break;
    }
    if (victim) {
      this.entries.delete(victim.name);
      if (victim.active) this.rebuildReverse();
    }
  }

  private resolve(e: Entry, now: number): void {
    e.inflight = true;
    e.lastResolve = now;
    this.inflight++;
    let p: Promise<readonly string[]>;
    try {
      p = this.resolver(e.name);
    } catch {
      p = Promise.resolve([]);
    }
    const done = p.then(
      (addrs) => this.apply(e, addrs),
      () => this.apply(e, []),
    ).finally(() => {
      this.inflight--;
      this.pending.delete(done);
    });
    this.pending.add(done);
  }

  /** Store a resolution's result with libsinsp's refresh-timeout rules. */
  private apply(e: Entry, raw: readonly string[]): void {
    e.inflight = false;
    if (this.stopped || this.entries.get(e.name) !== e) return;
    const next = new Set<string>();
    for (const a of raw) {
      const c = typeof a === "string" ? canonicalIp(a) : undefined;
      if (c !== undefined) next.add(c);
    }
    let same = next.size === e.addrs.size;
    if (same) for (const a of next) if (!e.addrs.has(a)) { same = false; break; }
    const first = !e.resolved;
    e.resolved = true;
    if (first) {
      e.timeout = this.baseRefresh;
    } else if (!same) {
      e.timeout = this.baseRefresh;
    } else if (e.timeout < this.maxRefresh) {
      e.timeout = Math.min(e.timeout * 2, this.maxRefresh);
    }
    if (!same) {
      e.addrs = next;
      if (e.active) this.rebuildReverse();
    }
  }

  private rebuildReverse(): void {
    const r = new Map<string, Entry>();
    for (const e of this.entries.values()) {
      if (!e.active) continue;
      for (const a of e.addrs) if (!r.has(a)) r.set(a, e);
    }
    this.reverse = r;
  }
}

let shared: DnsManager | undefined;

/**
 * The process-wide table (libsinsp sinsp_dns_manager::get()), created on first use with the
 * default resolver; fields use it when FieldContext.dns is not set.
 */
export function sharedDnsManager(): DnsManager {
  if (!shared) shared = new DnsManager({ held: true });
  return shared;
}

/**
 * Start resolving the names registered while rules were compiled (the shared table holds them
 * until then) and wait (at most `timeoutMs`) for them, so the first
 * events see resolved names (libsinsp resolves a name synchronously at its first match instead).
 * Uses `dns` when given, else the shared table. Never throws.
 * @returns true if nothing is left in flight.
 */
export async function awaitDnsPrefetch(dns: DnsTable | undefined, timeoutMs = 3000): Promise<boolean> {
  const m = dns ?? sharedDnsManager();
  if (!(m instanceof DnsManager)) return true;
  m.startResolving();
  try {
    return await m.settled(timeoutMs);
  } catch {
    return false;
  }
}
