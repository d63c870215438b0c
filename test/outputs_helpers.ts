/**
 * Test helpers for the outputs tests: a small fake FieldRegistry (the real one is
 * src/fields/index.ts) whose extractors read from a mutable `vals` record, and an Event view
 * pointed at a header-only event carrying a given timestamp.
 */
import { Event, EVT_HDR_LEN } from "../src/events/event.ts";
import {
  type BoundField,
  type Extractor,
  type FieldDef,
  FieldError,
  type FieldArgMode,
  type FieldRegistry,
  type FieldType,
  type FieldValue,
} from "../src/fields/registry.ts";

/** Values the fake extractors return, keyed by field name (or `name[arg]`). */
export const vals: Record<string, FieldValue> = {};

function isoOf(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0");
  return new Date(Number(sec) * 1000).toISOString().slice(0, 19) + "." + frac + "+0000";
}

interface Spec {
  name: string;
  type: FieldType;
  arg?: FieldArgMode;
  flags?: string[];
  ex?: Extractor;
}

const specs: Spec[] = [
  { name: "proc.name", type: "CHARBUF" },
  { name: "proc.cmdline", type: "CHARBUF" },
  { name: "proc.exepath", type: "CHARBUF" },
  { name: "proc.pid", type: "INT64" },
  { name: "proc.aname", type: "CHARBUF", arg: "optional" },
  { name: "user.name", type: "CHARBUF" },
  { name: "fd.name", type: "CHARBUF" },
  { name: "fd.types", type: "CHARBUF", flags: ["EPF_IS_LIST", "EPF_ARG_ALLOWED", "EPF_NO_RHS"], arg: "optional" },
  { name: "fd.dev", type: "INT32" },
  { name: "fd.ip", type: "IPADDR", flags: ["EPF_FILTER_ONLY"] },
  { name: "fd.rip", type: "IPADDR" },
  { name: "evt.is_async", type: "BOOL" },
  { name: "evt.buffer", type: "BYTEBUF" },
  { name: "evt.rawtime", type: "ABSTIME", ex: (ev) => ev.tsBig() },
  { name: "evt.rawtime.ns", type: "ABSTIME", ex: (ev) => Number(ev.tsBig() % 1_000_000_000n) },
  { name: "evt.time.iso8601", type: "CHARBUF", ex: (ev) => isoOf(ev.tsBig()) },
  { name: "evt.time", type: "CHARBUF", ex: (ev) => isoOf(ev.tsBig()).slice(11, 29) },
  { name: "thread.cpu", type: "DOUBLE" },
  { name: "thread.cap_permitted", type: "UINT64" },
  { name: "evt.arg", type: "CHARBUF", arg: "required" },
];

function mkDef(s: Spec): FieldDef {
  const def: FieldDef = {
    name: s.name,
    type: s.type,
    desc: s.name,
    cls: s.name.split(".")[0]!,
    arg: s.arg ?? "none",
    flags: s.flags,
    bind(arg: string | undefined): Extractor {
      if (def.arg === "none" && arg !== undefined) throw new FieldError(`field ${s.name} does not take an argument`);
      if (def.arg === "required" && arg === undefined) throw new FieldError(`field ${s.name} requires an argument`);
      if (s.name === "proc.aname" && arg !== undefined && !/^\d+$/.test(arg)) throw new FieldError(`wrong argument ${arg}`);
      const key = arg === undefined ? s.name : `${s.name}[${arg}]`;
      return s.ex ?? (() => vals[key]);
    },
  };
  return def;
}

const defs = new Map(specs.map((s) => [s.name, mkDef(s)]));

/** A FieldRegistry over the specs above; `evt.arg.X` is `evt.arg` with argument X. */
export const fakeRegistry: FieldRegistry = {
  lookup(name) {
    return defs.get(name) ?? (name.startsWith("evt.arg.") ? defs.get("evt.arg") : undefined);
  },
  bind(name, arg): BoundField {
    let def = defs.get(name);
    let a = arg;
    if (!def && name.startsWith("evt.arg.") && arg === undefined) {
      def = defs.get("evt.arg");
      a = name.slice(8);
    }
    if (!def) throw new FieldError(`filter_check called with nonexistent field ${name}`);
    return { def, arg: a, type: def.type, extract: def.bind(a) };
  },
  all() {
    return [...defs.values()];
  },
};

/** An Event view on a header-only event with timestamp `ts` (ns). */
export function eventAt(ts: bigint): Event {
  const buf = new Uint8Array(EVT_HDR_LEN);
  const dv = new DataView(buf.buffer);
  dv.setBigUint64(0, ts, true);
  dv.setBigUint64(8, 1234n, true);
  dv.setUint32(16, EVT_HDR_LEN, true);
  dv.setUint16(20, 0, true);
  dv.setUint32(22, 0, true);
  return new Event().reset(buf, 0, buf.length);
}

/** Parse JSON keeping integers of 16+ digits exact (as strings suffixed with "n"). */
export function parseJsonExact(s: string): unknown {
  return JSON.parse(s.replace(/([:,[]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2n"'));
}
