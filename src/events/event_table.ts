/**
 * The event table in usable form: per ppm event code, its name, direction, flags and parameter
 * descriptors; plus lookups by name. Source: falcosecurity/libs driver/event_table.c
 * (g_event_info) and driver/ppm_events_public.h (EF_* flags), via event_table.generated.ts.
 */
import { PPM_EVENT_MAX, PT, RAW_EVENT_TABLE } from "./event_table.generated.ts";

export { PPM_EVENT_MAX, PT };

/** EF_* event flags (driver/ppm_events_public.h `enum ppm_event_flags`). */
export const EF = {
  NONE: 0,
  CREATES_FD: 1 << 0,
  DESTROYS_FD: 1 << 1,
  USES_FD: 1 << 2,
  READS_FROM_FD: 1 << 3,
  WRITES_TO_FD: 1 << 4,
  MODIFIES_STATE: 1 << 5,
  UNUSED: 1 << 6,
  WAITS: 1 << 7,
  SKIPPARSERESET: 1 << 8,
  OLD_VERSION: 1 << 9,
  LARGE_PAYLOAD: 1 << 11,
  CONVERTER_MANAGED: 1 << 13,
} as const;

/** One parameter of an event: name, PT_* type code, print format (PF_*), and info (flag table name or DIRFD_PARAM(n)). */
export interface ParamInfo {
  readonly name: string;
  readonly type: number;
  readonly fmt: "PF_DEC" | "PF_HEX" | "PF_OCT" | "PF_NA" | string;
  readonly info: string | null;
  /** For FSRELPATH params: index of the dirfd parameter (from DIRFD_PARAM(n)), else -1. */
  readonly dirfdParam: number;
}

/** One row of g_event_info. `dir` is '>' for enter (even codes) and '<' for exit (odd codes), as evt.dir. */
export interface EventInfo {
  readonly code: number;
  readonly enumName: string;
  readonly name: string;
  readonly dir: ">" | "<";
  readonly category: string;
  readonly flags: number;
  readonly params: readonly ParamInfo[];
  /** Parameter index by name (first occurrence). */
  readonly paramIndex: ReadonlyMap<string, number>;
  /** True if the lengths array uses u32 (EF_LARGE_PAYLOAD). */
  readonly largePayload: boolean;
}

function parseFlags(s: string): number {
  let f = 0;
  for (const part of s.split("|")) {
    const k = part.trim().replace(/^EF_/, "") as keyof typeof EF;
    if (k in EF) f |= EF[k];
  }
  return f;
}

/** EVENT_TABLE[code]: every ppm event code 0..PPM_EVENT_MAX-1. */
export const EVENT_TABLE: readonly EventInfo[] = RAW_EVENT_TABLE.map((row, code) => {
  const [enumName, name, category, flagStr, rawParams] = row;
  const params: ParamInfo[] = rawParams.map(([pname, type, fmt, info]) => {
    const m = info ? /^DIRFD_PARAM\((\d+)\)$/.exec(info) : null;
    return { name: pname, type, fmt, info, dirfdParam: m ? Number(m[1]) : -1 };
  });
  const paramIndex = new Map<string, number>();
  params.forEach((p, i) => {
    if (!paramIndex.has(p.name)) paramIndex.set(p.name, i);
  });
  const flags = parseFlags(flagStr);
  return {
    code,
    enumName,
    name,
    dir: code % 2 === 0 ? ">" : "<",
    category,
    flags,
    params,
    paramIndex,
    largePayload: (flags & EF.LARGE_PAYLOAD) !== 0,
  } as EventInfo;
});

/** Event codes by event name (evt.type), both directions, all versions. */
export const EVENT_CODES_BY_NAME: ReadonlyMap<string, readonly number[]> = (() => {
  const m = new Map<string, number[]>();
  for (const e of EVENT_TABLE) {
    if (e.flags & EF.UNUSED) continue;
    let a = m.get(e.name);
    if (!a) m.set(e.name, (a = []));
    a.push(e.code);
  }
  return m;
})();

/** Well-known event codes used by the state engine and the probe (driver/ppm_events_public.h). */
export const PPME = Object.fromEntries(EVENT_TABLE.map((e) => [e.enumName.replace(/^PPME_/, ""), e.code])) as Record<string, number>;
