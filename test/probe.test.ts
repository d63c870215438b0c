/**
 * Probe metadata tests (no kernel needed): the TS event/syscall maps agree with the event table
 * and with the probe's dispatch table in ffi/probe.bpf.c + ffi/probe_more.list.h; batch framing.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EVENT_CODES_BY_NAME, EVENT_TABLE } from "../src/events/event_table.ts";
import { align8, forEachRecord } from "../src/probe/probe.ts";
import {
  PROBE_EVENTS,
  SEL_PROCEXIT,
  SEL_SIZE,
  STATE_EVENTS,
  SYSCALL_NAME,
  SYSCALL_NR,
  selectionIndices,
} from "../src/probe/syscalls_x86_64.ts";

const ROOT = join(import.meta.dirname, "..");

/** Syscall numbers listed in the C dispatch table: X(nr, name) entries of SX_LIST and SX_LIST_MORE. */
function dispatchTable(): Map<number, string> {
  const src = readFileSync(join(ROOT, "ffi/probe.bpf.c"), "utf8") + readFileSync(join(ROOT, "ffi/probe_more.list.h"), "utf8");
  const m = new Map<number, string>();
  for (const block of src.matchAll(/#define SX_LIST(?:_MORE)?\(X\)((?:.*\\\n)*.*)/g)) {
    for (const x of block[1]!.matchAll(/X\((\d+), (\w+)\)/g)) m.set(Number(x[1]), x[2]!);
  }
  return m;
}

describe("probe syscall maps", () => {
  it("maps x86-64 syscall names and numbers both ways", () => {
    expect(SYSCALL_NR.get("openat")).toBe(257);
    expect(SYSCALL_NR.get("execve")).toBe(59);
    expect(SYSCALL_NR.get("clone3")).toBe(435);
    expect(SYSCALL_NR.get("openat2")).toBe(437);
    expect(SYSCALL_NAME.get(322)).toBe("execveat");
    for (const [n, v] of SYSCALL_NR) {
      expect(v).toBeLessThan(SEL_SIZE);
      expect(SYSCALL_NAME.get(v)).toBe(n);
    }
  });

  it("every event the probe emits exists in the event table", () => {
    for (const name of PROBE_EVENTS) {
      const codes = EVENT_CODES_BY_NAME.get(name);
      expect(codes, name).toBeDefined();
      expect(codes!.some((c) => EVENT_TABLE[c]!.dir === (name === "procexit" ? ">" : "<")), name).toBe(true);
    }
    for (const name of STATE_EVENTS) expect(PROBE_EVENTS.has(name), name).toBe(true);
  });

  it("selection indices agree with the C dispatch table", () => {
    const table = dispatchTable();
    expect(table.size).toBeGreaterThan(40);
    const fromTs = new Set<number>();
    for (const name of PROBE_EVENTS) {
      const idx = selectionIndices(name);
      expect(idx.length, name).toBeGreaterThan(0);
      for (const i of idx) fromTs.add(i);
    }
    expect(selectionIndices("procexit")).toEqual([SEL_PROCEXIT]);
    fromTs.delete(SEL_PROCEXIT);
    expect([...fromTs].sort((a, b) => a - b)).toEqual([...table.keys()].sort((a, b) => a - b));
    expect(selectionIndices("read")).toEqual([]); // no filler
    expect(selectionIndices("no_such_event")).toEqual([]);
  });
});

describe("batch framing", () => {
  it("iterates 8-aligned records by their len field and rejects bad lengths", () => {
    const buf = new Uint8Array(128);
    const dv = new DataView(buf.buffer);
    dv.setUint32(16, 30, true); // record 0: 30 bytes -> next at 32
    dv.setUint32(32 + 16, 41, true); // record 1: 41 bytes -> next at 80
    const seen: Array<[number, number]> = [];
    forEachRecord(buf, align8(32 + 41), (off, l) => seen.push([off, l]));
    expect(seen).toEqual([[0, 30], [32, 41]]);
    dv.setUint32(32 + 16, 200, true);
    expect(() => forEachRecord(buf, 80, () => {})).toThrow(/bad record length 200/);
    expect(align8(0)).toBe(0);
    expect(align8(1)).toBe(8);
    expect(align8(26)).toBe(32);
  });
});
