import { describe, expect, it } from "vitest";
import { Event, EVT_HDR_LEN } from "../src/events/event.ts";
import { PPME, EVENT_TABLE } from "../src/events/event_table.ts";

describe("Event view", () => {
  it("reads a hand-built openat exit", () => {
    const name = new TextEncoder().encode("/etc/passwd\0");
    const params = [8, 8, name.length, 4, 4, 4, 8];
    const len = EVT_HDR_LEN + params.length * 2 + params.reduce((a, b) => a + b, 0);
    const buf = new Uint8Array(len + 8);
    const dv = new DataView(buf.buffer);
    dv.setBigUint64(0, 1_700_000_000_123_456_789n, true);
    dv.setBigUint64(8, 4242n, true);
    dv.setUint32(16, len, true);
    dv.setUint16(20, PPME.SYSCALL_OPENAT_2_X!, true);
    dv.setUint32(22, params.length, true);
    params.forEach((l, i) => dv.setUint16(EVT_HDR_LEN + i * 2, l, true));
    let p = EVT_HDR_LEN + params.length * 2;
    dv.setBigInt64(p, 3n, true); p += 8;
    dv.setBigInt64(p, -100n, true); p += 8;
    buf.set(name, p); p += name.length;
    dv.setUint32(p, 1, true);
    const ev = new Event().reset(buf, 0, buf.length);
    expect(ev.name).toBe("openat");
    expect(ev.dir).toBe("<");
    expect(ev.tid).toBe(4242);
    expect(ev.tsBig()).toBe(1_700_000_000_123_456_789n);
    expect(ev.i64(0)).toBe(3);
    expect(ev.i64(1)).toBe(-100);
    expect(ev.str(2)).toBe("/etc/passwd");
    expect(ev.u32(3)).toBe(1);
    expect(EVENT_TABLE[ev.type]!.params[2]!.name).toBe("name");
  });
  it("rejects a truncated event", () => {
    const buf = new Uint8Array(30);
    new DataView(buf.buffer).setUint32(16, 100, true);
    expect(() => new Event().reset(buf, 0, buf.length)).toThrow(/length/);
  });
});
