/**
 * Tolerant readers for runtime API answers (Docker Engine API JSON, CRI status objects): a field of
 * the wrong type reads as absent instead of throwing.
 */

/** A decoded JSON object. */
export type JsonObject = Record<string, unknown>;

/** `v` when it is a plain object (not null, not an array), else undefined. */
export function obj(v: unknown): JsonObject | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

/** `o[k]` when it is a string, else "". */
export function str(o: JsonObject | undefined, k: string): string {
  const v = o?.[k];
  return typeof v === "string" ? v : "";
}
