/**
 * Rule priorities, as Falco names and orders them.
 * Source: falcosecurity/falco userspace/engine/falco_common.{h,cpp} (`priority_type`,
 * `parse_priority`, `format_priority`): numeric order EMERGENCY=0 ... DEBUG=7 (lower number =
 * more severe); names are matched case-insensitively and "info" is accepted for INFORMATIONAL.
 */

/** Falco's `falco_common::priority_type` values (lower = more severe). */
export const Priority = {
  EMERGENCY: 0,
  ALERT: 1,
  CRITICAL: 2,
  ERROR: 3,
  WARNING: 4,
  NOTICE: 5,
  INFORMATIONAL: 6,
  DEBUG: 7,
} as const;

/** A priority number 0 (Emergency) .. 7 (Debug). */
export type PriorityNum = (typeof Priority)[keyof typeof Priority];

/** Falco's canonical priority names, indexed by priority number (falco_common.cpp `priority_names`). */
export const PRIORITY_NAMES: readonly string[] = [
  "Emergency",
  "Alert",
  "Critical",
  "Error",
  "Warning",
  "Notice",
  "Informational",
  "Debug",
];

/**
 * Parse a priority name as Falco does: case-insensitive match against the canonical names, plus
 * "info" as an alias of Informational. Returns undefined when the name is not a priority.
 */
export function parsePriority(name: string): PriorityNum | undefined {
  const lower = name.toLowerCase();
  for (let i = 0; i < PRIORITY_NAMES.length; i++) {
    if (PRIORITY_NAMES[i]!.toLowerCase() === lower) return i as PriorityNum;
  }
  if (lower === "info") return Priority.INFORMATIONAL;
  return undefined;
}

/**
 * Format a priority number as Falco does: the canonical name ("Informational"), or with
 * `short` the short form Falco uses in text alerts ("Info"). @throws RangeError on a bad number.
 */
export function formatPriority(p: number, short = false): string {
  if (!Number.isInteger(p) || p < 0 || p >= PRIORITY_NAMES.length) {
    throw new RangeError(`Unknown priority enum value: ${p}`);
  }
  if (short && p === Priority.INFORMATIONAL) return "Info";
  return PRIORITY_NAMES[p]!;
}

/**
 * Minimum-priority filter (Falco's `priority` config / `-o priority=...`): a rule is loaded into
 * the active ruleset only when its priority is at least as severe as the minimum, i.e.
 * `rulePriority <= minPriority` numerically (falco filter_ruleset::add_compile_output).
 */
export function meetsMinPriority(rulePriority: number, minPriority: number): boolean {
  return rulePriority <= minPriority;
}
