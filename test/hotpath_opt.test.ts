/**
 * Checks for the hot-path optimisations: the decoded-string cache of src/events/event.ts
 * (same text as a plain decode, whatever the collisions), the EAGAIN detection used by
 * Probe.open's retry, and the event-code inference of compile.ts on combined conditions.
 */
import { describe, expect, it } from "vitest";
import { decodeString } from "../src/events/event.ts";
import { isEagain, OPEN_EAGAIN_RETRIES } from "../src/probe/probe.ts";
import { eventCodesOf } from "../src/rules/compile.ts";
import { parseCondition } from "../src/rules/parser.ts";
import { EVENT_CODES_BY_NAME } from "../src/events/event_table.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("decodeString cache", () => {
  it("returns the same text as a UTF-8 decode for many repeated and colliding strings", () => {
    const buf = new Uint8Array(70_000);
    const strs: string[] = [];
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      const len = 1 + rnd(300);
      let s = "";
      for (let k = 0; k < len; k++) s += String.fromCharCode(32 + rnd(95));
      if (i % 7 === 0) s += "é"; // non-ASCII: not cached
      if (i % 5 === 0 && strs.length) s = strs[rnd(strs.length)]!; // repeats
      strs.push(s);
    }
    for (const s of strs) {
      const b = enc.encode(s);
      const off = 17 + (s.length % 13);
      buf.set(b, off);
      const got = decodeString(buf, off, off + b.length);
      expect(got).toBe(dec.decode(b));
    }
    // Same length, one byte different: must not return the cached string.
    const a = enc.encode("/etc/passwd");
    const b2 = enc.encode("/etc/passwe");
    buf.set(a, 0);
    expect(decodeString(buf, 0, a.length)).toBe("/etc/passwd");
    buf.set(b2, 0);
    expect(decodeString(buf, 0, b2.length)).toBe("/etc/passwe");
    expect(decodeString(buf, 5, 5)).toBe("");
  });
});

describe("probe open retry", () => {
  it("recognises EAGAIN failures only", () => {
    expect(OPEN_EAGAIN_RETRIES).toBeGreaterThan(0);
    expect(isEagain("loading the BPF probe failed (Resource temporarily unavailable): the kernel verifier or BTF rejected it")).toBe(true);
    expect(isEagain("loading the BPF probe failed (Invalid argument): the kernel verifier or BTF rejected it")).toBe(false);
    expect(isEagain("loading the BPF probe was refused (Operation not permitted)")).toBe(false);
  });
});

describe("event-code inference", () => {
  const codes = (cond: string): number[] | null => {
    const r = eventCodesOf(parseCondition(cond));
    return r === null ? null : [...r].sort((x, y) => x - y);
  };
  const of = (...names: string[]): number[] => names.flatMap((n) => EVENT_CODES_BY_NAME.get(n) ?? []).sort((x, y) => x - y);
  it("intersects, unions and negates event types", () => {
    expect(codes("proc.name = a")).toBeNull();
    expect(codes("evt.type = open and proc.name = a")).toEqual(of("open"));
    expect(codes("evt.type in (open, openat) and evt.type = openat")).toEqual(of("openat"));
    expect(codes("evt.type = open or evt.type = close")).toEqual(of("open", "close"));
    expect(codes("evt.type = open or proc.name = a")).toBeNull();
    expect(codes("not (evt.type != open)")).toEqual(of("open"));
    expect(codes("evt.type = open and not evt.type = open")).toEqual([]);
  });
});
