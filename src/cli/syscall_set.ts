/**
 * The live probe's event selection from the loaded rules and `base_syscalls` (Falco
 * `userspace/falco/app/actions/configure_interesting_sets.cpp`).
 */
import { EVENT_TABLE } from "../events/event_table.ts";
import { MODIFIES_STATE_EVENTS } from "../probe/syscalls_x86_64.ts";
import type { ActiveRules } from "./agent.ts";
import type { FalcoConfig } from "./config.ts";

/**
 * The ppm event names to capture, as Falco's `configure_interesting_sets` selects them: the rules'
 * event types, plus the base set — libsinsp's state set (MODIFIES_STATE_EVENTS) by default, or the
 * positive names of `base_syscalls.custom_set` instead when it has any; `base_syscalls.repair`
 * with no positive names replaces the state set by the minimal one (the probe's STATE_EVENTS,
 * which it always adds: falco-ts keeps process/fd tracking even when a custom set forgets it,
 * where Falco would let state decay); then the `!name` entries are removed. Everything with
 * `base_syscalls.all` (`-A`).
 */
export function syscallSet(config: Pick<FalcoConfig, "base_syscalls">, active: Pick<ActiveRules, "eventNames">): Set<string> {
  if (config.base_syscalls.all) return new Set(EVENT_TABLE.map((e) => e.name));
  const s = new Set(active.eventNames);
  // Meta events (plugin/async/container JSON) are not syscalls: nothing to select in the kernel.
  for (const meta of ["asyncevent", "container", "pluginevent", "notification", "infra", "drop", "scapevent", "procinfo"]) s.delete(meta);
  const positive = config.base_syscalls.custom_set.filter((n) => !n.startsWith("!"));
  if (positive.length > 0) for (const n of positive) s.add(n);
  else if (!config.base_syscalls.repair) for (const n of MODIFIES_STATE_EVENTS) s.add(n);
  for (const n of config.base_syscalls.custom_set) if (n.startsWith("!")) s.delete(n.slice(1));
  return s;
}
