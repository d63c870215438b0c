/**
 * Hand-built captures for layouts the corpus does not contain: process lists V1..V4 and V9 with the
 * pre-0.10 layout, EVF V1 blocks, V1 events whose nparams must be guessed, unknown event types,
 * unknown blocks, and the converter on hand-made enter/exit pairs.
 */
import { describe, expect, it } from "vitest";
import { CaptureError, openCaptureBytes } from "../src/capture/reader.ts";
import { Event, EVF_STATE_ONLY } from "../src/events/event.ts";
import { PPME } from "../src/events/event_table.ts";

class W {
  parts: number[] = [];
  u8(v: number) { this.parts.push(v & 0xff); return this; }
  u16(v: number) { this.u8(v); this.u8(v >> 8); return this; }
  u32(v: number) { for (let i = 0; i < 4; i++) this.u8(Number((BigInt(v >>> 0) >> BigInt(8 * i)) & 0xffn)); return this; }
  u64(v: number | bigint) { const b = BigInt.asUintN(64, BigInt(v)); for (let i = 0; i < 8; i++) this.u8(Number((b >> BigInt(8 * i)) & 0xffn)); return this; }
  str(s: string) { const b = new TextEncoder().encode(s); this.u16(b.length); b.forEach((x) => this.u8(x)); return this; }
  raw(b: ArrayLike<number>) { for (let i = 0; i < b.length; i++) this.u8(b[i]!); return this; }
  get length() { return this.parts.length; }
  bytes() { return new Uint8Array(this.parts); }
}

function block(type: number, body: Uint8Array): Uint8Array {
  const total = (8 + body.length + 4 + 3) & ~3;
  const w = new W().u32(type).u32(total).raw(body);
  while (w.length < total - 4) w.u8(0);
  return w.u32(total).bytes();
}

const shb = () => block(0x0a0d0d0a, new W().u32(0x1a2b3c4d).u16(1).u16(0).u64(-1).bytes());

/** A V2 event: ts, tid, type, params (each Uint8Array), lengths u16. */
function evV2(ts: number, tid: number, type: number, params: Uint8Array[]): Uint8Array {
  const len = 26 + params.length * 2 + params.reduce((a, p) => a + p.length, 0);
  const w = new W().u64(ts).u64(tid).u32(len).u16(type).u32(params.length);
  params.forEach((p) => w.u16(p.length));
  params.forEach((p) => w.raw(p));
  return w.bytes();
}
/** Same event in the V1 layout (no nparams; len excludes the 4 missing bytes). */
function evV1(ts: number, tid: number, type: number, params: Uint8Array[]): Uint8Array {
  const len = 22 + params.length * 2 + params.reduce((a, p) => a + p.length, 0);
  const w = new W().u64(ts).u64(tid).u32(len).u16(type);
  params.forEach((p) => w.u16(p.length));
  params.forEach((p) => w.raw(p));
  return w.bytes();
}
const i64 = (v: number) => new W().u64(v).bytes();
const u32 = (v: number) => new W().u32(v).bytes();
const cstr = (s: string) => new TextEncoder().encode(s + "\0");

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function all(bytes: Uint8Array, convert = true) {
  const r = openCaptureBytes(bytes, { convert });
  const ev = new Event();
  const out: { type: number; np: number; flags: number; cpu: number; raw: Uint8Array }[] = [];
  while (r.next(ev)) out.push({ type: ev.type, np: ev.nparams, flags: ev.flags, cpu: ev.cpu, raw: ev.buf.slice(ev.off, ev.off + ev.len) });
  return { r, out };
}

describe("process list versions", () => {
  it("PL_V1: tid/pid/ptid/comm/exe/args/cwd/fdlimit/flags/uid/gid; defaults for the rest", () => {
    const body = new W().u64(42).u64(42).u64(1).str("sh").str("/bin/sh").str("-c\0echo hi").str("/root").u64(1024).u32(0).u32(0).u32(0).bytes();
    const ev = block(0x216, new W().u16(3).raw(evV2(1, 42, PPME.SYSCALL_CLOSE_X!, [i64(0), i64(3)])).bytes());
    const { r, out } = all(cat(shb(), block(0x202, body), ev));
    expect(r.threads).toHaveLength(1);
    const t = r.threads[0]!;
    expect(t).toMatchObject({ tid: 42, pid: 42, ptid: 1, comm: "sh", exe: "/bin/sh", args: ["-c", "echo hi"], cwd: "/root", fdlimit: 1024 });
    expect(t.sid).toBe(-1);
    expect(t.vtid).toBe(-1);
    expect(t.loginuid).toBe(0xffffffff);
    expect(t.env).toEqual([]);
    expect(out).toHaveLength(1);
    expect(out[0]!.cpu).toBe(3);
  });

  it("PL_V4: adds vm counters, env, vtid/vpid and cgroups", () => {
    const body = new W()
      .u64(7).u64(7).u64(1).str("x").str("/x").str("").str("/").u64(10).u32(0).u32(1000).u32(1000)
      .u32(100).u32(50).u32(0).u64(1).u64(2).str("A=1\0B=2\0").u64(1).u64(1).str("cpu=/docker/abc\0memory=/docker/abc\0")
      .bytes();
    const ev = block(0x216, new W().u16(0).raw(evV2(1, 7, PPME.SYSCALL_CLOSE_X!, [i64(0), i64(3)])).bytes());
    const { r } = all(cat(shb(), block(0x210, body), ev));
    const t = r.threads[0]!;
    expect(t.vmsizeKb).toBe(100);
    expect(t.env).toEqual(["A=1", "B=2"]);
    expect(t.vtid).toBe(1);
    expect(t.cgroups).toEqual([["cpu", "/docker/abc"], ["memory", "/docker/abc"]]);
    expect(t.root).toBe("");
  });

  it("PL_V9 from libs < 0.10: loginuid follows root directly (no pidns_init_start_ts/tty)", () => {
    const e = new W()
      .u64(9).u64(9).u64(1).u64(9).u64(9).str("c").str("/c").str("/usr/bin/c").str("").str("/").u64(10).u32(0).u32(0).u32(0)
      .u32(0).u32(0).u32(0).u64(0).u64(0).str("").u64(9).u64(9).str("").str("/")
      .u32(501).u8(1).u64(0xff).u64(0xfe).u64(0xfd) // loginuid, exe_writable, caps (29 bytes)
      .bytes();
    const body = new W().u32(e.length + 4).raw(e).bytes();
    const ev = block(0x216, new W().u16(0).raw(evV2(1, 9, PPME.SYSCALL_CLOSE_X!, [i64(0), i64(3)])).bytes());
    const { r } = all(cat(shb(), block(0x215, body), ev));
    const t = r.threads[0]!;
    expect(t.loginuid).toBe(501);
    expect(t.tty).toBe(0);
    expect(t.exeFlags).toBe(1);
    expect(t.capInheritable).toBe(0xffn);
    expect(t.capEffective).toBe(0xfdn);
    expect(t.exepath).toBe("/usr/bin/c");
    expect(t.pgid).toBe(-1);
  });
});

describe("event blocks", () => {
  it("V1 events get their nparams rebuilt; EVF V1 flags are delivered", () => {
    const open = evV1(5, 100, PPME.SYSCALL_OPEN_X!, [i64(3), cstr("/etc/passwd"), u32(1), u32(0)]);
    const evf = block(0x208, new W().u16(1).u32(EVF_STATE_ONLY).raw(open).bytes());
    const { out } = all(cat(shb(), evf), false);
    expect(out).toHaveLength(1);
    expect(out[0]!.np).toBe(4);
    expect(out[0]!.flags).toBe(EVF_STATE_ONLY);
    expect(out[0]!.cpu).toBe(1);
    // converted: dev and ino appended as empty parameters
    const conv = all(cat(shb(), evf)).out;
    expect(conv[0]!.np).toBe(6);
    expect(conv[0]!.flags).toBe(EVF_STATE_ONLY);
  });

  it("unknown event types (>= PPM_EVENT_MAX) and unknown blocks are skipped", () => {
    const unk = block(0x216, new W().u16(0).raw(evV2(1, 1, 60000, [i64(0)])).bytes());
    const ok = block(0x216, new W().u16(0).raw(evV2(2, 1, PPME.SYSCALL_CLOSE_X!, [i64(0), i64(3)])).bytes());
    const weird = block(0x7777, new Uint8Array([1, 2, 3, 4]));
    const { r, out } = all(cat(shb(), weird, unk, ok, weird, ok));
    expect(out).toHaveLength(2);
    expect(r.eventBlocks).toBe(3);
    expect(r.skippedUnknown).toBe(1);
    expect(r.skippedBlocks).toBe(2);
  });

  it("an event whose lengths overrun its block is a positioned CaptureError", () => {
    const good = block(0x216, new W().u16(0).raw(evV2(2, 1, PPME.SYSCALL_CLOSE_X!, [i64(0), i64(3)])).bytes());
    const bad = evV2(3, 1, PPME.SYSCALL_CLOSE_X!, [i64(0), i64(3)]);
    bad[26] = 200; // first param length far beyond the event
    const badBlock = block(0x216, new W().u16(0).raw(bad).bytes());
    const bytes = cat(shb(), good, badBlock);
    const r = openCaptureBytes(bytes);
    const ev = new Event();
    expect(r.next(ev)).toBe(true);
    let err: unknown;
    try {
      r.next(ev);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as CaptureError).offset).toBe(shb().length + good.length);
    expect((err as CaptureError).blockType).toBe(0x216);
  });

  it("non-LARGE event block over 64 KiB is refused", () => {
    const big = evV2(1, 1, PPME.SYSCALL_WRITE_X!, [i64(0), new Uint8Array(70000).subarray(0, 65000), i64(1), i64(1)]);
    const b = block(0x216, new W().u16(0).raw(big).raw(new Uint8Array(2000)).bytes());
    expect(() => {
      const r = openCaptureBytes(cat(shb(), b));
      r.next(new Event());
    }).toThrow(CaptureError);
  });
});

describe("converter on hand-made pairs", () => {
  it("socket enter is stored and dropped; the exit gets domain/type/proto from it", () => {
    const e = block(0x216, new W().u16(0).raw(evV2(1, 5, PPME.SOCKET_SOCKET_E!, [u32(2), u32(1), u32(0)])).bytes());
    const x = block(0x216, new W().u16(0).raw(evV2(2, 5, PPME.SOCKET_SOCKET_X!, [i64(4)])).bytes());
    const { out, r } = all(cat(shb(), e, x));
    expect(out).toHaveLength(1);
    expect(out[0]!.type).toBe(PPME.SOCKET_SOCKET_X);
    expect(out[0]!.np).toBe(5); // 1 → 4 (from the enter) → 5 (flags, default)
    const ev = new Event().reset(out[0]!.raw, 0, out[0]!.raw.length);
    expect(ev.i64(0)).toBe(4);
    expect(ev.u32(1)).toBe(2);
    expect(ev.u32(2)).toBe(1);
    expect(r.converter!.dropped).toBe(1);
    expect(ev.paramLen(4)).toBe(4);
    expect(ev.u32(4)).toBe(0);
  });

  it("an exit without its enter gets the types' default values when there is no empty fallback", () => {
    const x = block(0x216, new W().u16(0).raw(evV2(2, 6, PPME.SOCKET_SOCKET_X!, [i64(4)])).bytes());
    const { out } = all(cat(shb(), x));
    const ev = new Event().reset(out[0]!.raw, 0, out[0]!.raw.length);
    expect(ev.nparams).toBe(5);
    for (let i = 1; i < 5; i++) {
      expect(ev.paramLen(i)).toBe(4);
      expect(ev.u32(i)).toBe(0);
    }
  });

  it("an exit without its enter gets an empty parameter where the rule falls back to empty", () => {
    // setuid exit with 1 param (res) → uid FROM_ENTER, fallback empty
    const x = block(0x216, new W().u16(0).raw(evV2(2, 5, PPME.SYSCALL_SETUID_X!, [i64(0)])).bytes());
    const { out } = all(cat(shb(), x));
    expect(out[0]!.np).toBe(2);
    const ev = new Event().reset(out[0]!.raw, 0, out[0]!.raw.length);
    expect(ev.paramLen(1)).toBe(0);
  });

  it("old execve (v8, 8 params) with its enter becomes execve 293 with 31 params", () => {
    const e = block(0x216, new W().u16(0).raw(evV2(1, 9, PPME.SYSCALL_EXECVE_8_E!, [])).bytes());
    const x = block(
      0x216,
      new W().u16(0).raw(evV2(2, 9, PPME.SYSCALL_EXECVE_8_X!, [i64(0), cstr("ls"), new TextEncoder().encode("-l\0"), i64(9), i64(9), i64(1), cstr("/"), i64(1024)])).bytes(),
    );
    const { out } = all(cat(shb(), e, x));
    const exits = out.filter((o) => o.type === PPME.SYSCALL_EXECVE_19_X);
    const enters = out.filter((o) => o.type === PPME.SYSCALL_EXECVE_19_E);
    expect(exits).toHaveLength(1);
    expect(enters).toHaveLength(1); // EXECVE_19_E is STORE_AND_PASS
    const ev = new Event().reset(exits[0]!.raw, 0, exits[0]!.raw.length);
    expect(ev.nparams).toBe(31);
    expect(ev.str(1)).toBe("ls");
    expect(ev.strList(2)).toEqual(["-l"]);
    expect(ev.i64(5)).toBe(1);
    expect(ev.str(6)).toBe("/");
    expect(ev.paramLen(13)).toBe(0); // comm: empty
  });

  it("execve 19 enter filename is copied into the exit's last parameter", () => {
    const e = block(0x216, new W().u16(0).raw(evV2(1, 9, PPME.SYSCALL_EXECVE_19_E!, [cstr("/bin/ls")])).bytes());
    const params = [i64(0), cstr("ls"), new Uint8Array(0), i64(9), i64(9), i64(1), cstr("/"), i64(1024), i64(0), i64(0), u32(0), u32(0), u32(0), cstr("ls"), new Uint8Array(0), new Uint8Array(0), u32(0), i64(9), u32(0), u32(0)];
    const x = block(0x216, new W().u16(0).raw(evV2(2, 9, PPME.SYSCALL_EXECVE_19_X!, params)).bytes());
    const { out } = all(cat(shb(), e, x));
    const exit = out.find((o) => o.type === PPME.SYSCALL_EXECVE_19_X)!;
    const ev = new Event().reset(exit.raw, 0, exit.raw.length);
    expect(ev.nparams).toBe(31);
    expect(ev.str(30)).toBe("/bin/ls");
    expect(ev.str(13)).toBe("ls");
  });
});

describe("IPv6 text and state seeding", () => {
  it("ipv6Text matches glibc inet_ntop forms", async () => {
    const { ipv6Text } = await import("../src/capture/format.ts");
    const t = (hex: string) => ipv6Text(Uint8Array.from(hex.match(/../g)!.map((x) => parseInt(x, 16))), 0);
    expect(t("00000000000000000000000000000001")).toBe("::1");
    expect(t("00000000000000000000000000000000")).toBe("::");
    expect(t("00000000000000000000ffff7f000001")).toBe("::ffff:127.0.0.1");
    expect(t("0000000000000000000000000a000001")).toBe("::10.0.0.1");
    expect(t("20014860486000000000000000008888")).toBe("2001:4860:4860::8888");
    expect(t("20010db8000000010000000000000001")).toBe("2001:db8:0:1::1");
    expect(t("fe800000000000000a0027fffe616071")).toBe("fe80::a00:27ff:fe61:6071");
  });

  it("captureFdToFdInfo follows add_fd_from_scap: mapped IPv6 → IPv4, TCP connected, names, unix roles, inferred source", async () => {
    const { captureFdToFdInfo } = await import("../src/capture/tables.ts");
    const base = { fd: 3, ino: 1, name: "", openFlags: 0, dev: 0, sip: "", dip: "", sport: 0, dport: 0, l4proto: 0, unixSource: 0n, unixDest: 0n };
    const ifs = [
      { type: 1, name: "lo", addr: "127.0.0.1", netmask: "255.0.0.0", bcast: "127.0.0.1", addrRaw: 0, linkspeed: 0 },
      { type: 1, name: "eth0", addr: "10.0.2.15", netmask: "255.255.255.0", bcast: "10.0.2.255", addrRaw: 0, linkspeed: 0 },
    ];
    const m = captureFdToFdInfo({ ...base, type: 4, sip: "::ffff:10.0.2.15", dip: "::ffff:1.1.1.1", sport: 40000, dport: 443, l4proto: 2 }, ifs);
    expect(m).toMatchObject({ type: 3, sip: "10.0.2.15", dip: "1.1.1.1", connected: true, name: "10.0.2.15:40000->1.1.1.1:443" });
    const z = captureFdToFdInfo({ ...base, type: 3, sip: "0.0.0.0", dip: "10.0.2.7", sport: 5, dport: 6, l4proto: 3 }, ifs);
    expect(z).toMatchObject({ sip: "10.0.2.15", connected: false, name: "10.0.2.15:5->10.0.2.7:6" });
    expect(captureFdToFdInfo({ ...base, type: 5, sip: "0.0.0.0", sport: 80, l4proto: 2 }).name).toBe("0.0.0.0:80");
    expect(captureFdToFdInfo({ ...base, type: 8, name: "/run/x.sock" }).isServer).toBe(true);
    expect(captureFdToFdInfo({ ...base, type: 8, name: "" }).isServer).toBe(false);
    expect(captureFdToFdInfo({ ...base, type: 16, name: "/etc/passwd", openFlags: 1, dev: 7 })).toMatchObject({ name: "/etc/passwd", openFlags: 1, dev: 7 });
  });

  it("captureThreadPartials seeds the state thread table from cat_write.scap", async () => {
    const { captureThreadPartials } = await import("../src/capture/tables.ts");
    const { openCapture } = await import("../src/capture/reader.ts");
    const { ThreadTable } = await import("../src/state/threads.ts");
    const { resolve, join } = await import("node:path");
    const r = openCapture(join(resolve(__dirname, "../../shared/captures"), "falco/trace_files/cat_write.scap"));
    const table = new ThreadTable();
    const parts = captureThreadPartials(r);
    for (const p of parts) table.addFromScan(p);
    table.linkGroups();
    table.recountChildren();
    expect(table.size).toBe(r.threads.length);
    const bash = table.get(11310)!;
    expect(bash.comm).toBe("bash");
    expect(bash.fds.size).toBe(r.fds.get(11310)!.length);
    expect(table.get(1)!.fds.get(0)!.name).toBe("/dev/null");
  });
});
