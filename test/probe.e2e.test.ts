/**
 * End-to-end test of the eBPF probe on the real kernel (root, no mocks): runs processes, polls the
 * ring buffer through libfts.so and decodes the records with the Event view.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Event } from "../src/events/event.ts";
import { Probe, forEachRecord } from "../src/probe/probe.ts";
import { PROBE_EVENTS } from "../src/probe/syscalls_x86_64.ts";

/** A decoded copy of one event (the batch buffer is reused by the next poll). */
interface Rec {
  type: number;
  name: string;
  tid: number;
  ts: bigint;
  nparams: number;
  params: Record<string, number | bigint | string | string[] | null>;
  /** Encoding problems found (must stay empty). */
  problems: string[];
}

const STRING_PT = new Set([9, 17, 43]); // CHARBUF, FSPATH, FSRELPATH
const LIST_PARAMS = new Set(["args", "env", "cgroups"]);
/** Fixed encoded width of PT_* types (SCAP_FORMAT.md §1.11). */
const PT_WIDTH = new Map<number, number>([
  ...[1, 5, 28, 44, 19, 23, 24].map((t) => [t, 1] as [number, number]),
  ...[2, 6, 29, 45, 18, 22].map((t) => [t, 2] as [number, number]),
  ...[3, 7, 30, 46, 25, 31, 32, 42, 34, 26, 47, 48].map((t) => [t, 4] as [number, number]),
  ...[4, 8, 11, 14, 15, 20, 21, 33].map((t) => [t, 8] as [number, number]),
]);

/** Encoding problems of one event against the HEAD table (parameter count, widths, strings). */
function encodingProblems(ev: Event): string[] {
  const bad: string[] = [];
  const params = ev.info.params;
  if (ev.nparams !== params.length) bad.push(`${ev.name}: ${ev.nparams} params, table has ${params.length}`);
  for (let i = 0; i < ev.nparams && i < params.length; i++) {
    const p = params[i]!;
    const l = ev.paramLen(i);
    const w = PT_WIDTH.get(p.type);
    if (w !== undefined && l !== w) bad.push(`${ev.name}.${p.name}: length ${l}, expected ${w}`);
    if (STRING_PT.has(p.type) && l > 0) {
      const b = ev.bytes(i);
      if (b[l - 1] !== 0) bad.push(`${ev.name}.${p.name}: string not NUL-terminated`);
      if (b.subarray(0, l - 1).includes(0)) bad.push(`${ev.name}.${p.name}: NUL inside string`);
    }
  }
  return bad;
}

/** PT_SOCKADDR / PT_SOCKTUPLE (INET only) as "ip:port" strings. */
function inet(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}:${b[at + 4]! | (b[at + 5]! << 8)}`;
}
function sockaddr(b: Uint8Array): string | null {
  return b.length === 7 && b[0] === 2 ? inet(b, 1) : null;
}
function tuple(b: Uint8Array): string | null {
  return b.length === 13 && b[0] === 2 ? `${inet(b, 1)}->${inet(b, 7)}` : null;
}

function decode(ev: Event): Rec {
  const params: Rec["params"] = {};
  for (let i = 0; i < ev.nparams && i < ev.info.params.length; i++) {
    const p = ev.info.params[i]!;
    if (ev.paramLen(i) === 0) {
      params[p.name] = null;
    } else if (p.type === 12) {
      params[p.name] = sockaddr(ev.bytes(i));
    } else if (p.type === 13) {
      params[p.name] = tuple(ev.bytes(i));
    } else if (p.type === 10 && !LIST_PARAMS.has(p.name)) {
      params[p.name] = Buffer.from(ev.bytes(i)).toString("latin1");
    } else if (LIST_PARAMS.has(p.name)) {
      params[p.name] = ev.strList(i);
    } else if (STRING_PT.has(p.type)) {
      params[p.name] = ev.str(i);
    } else if (ev.paramLen(i) === 8) {
      params[p.name] = ev.i64(i);
    } else {
      params[p.name] = ev.int(i);
    }
  }
  return { type: ev.type, name: ev.name, tid: ev.tid, ts: ev.tsBig(), nparams: ev.nparams, params, problems: encodingProblems(ev) };
}

/** Poll until `done(recs)` or the deadline; returns every decoded record. */
async function collect(probe: Probe, done: (r: Rec[]) => boolean, ms = 3000): Promise<Rec[]> {
  const out: Rec[] = [];
  const ev = new Event();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const { buf, len } = probe.poll();
    if (len > 0) {
      forEachRecord(buf, len, (off, l) => {
        ev.reset(buf, off, l);
        out.push(decode(ev));
      });
    } else {
      if (done(out)) break;
      await Bun.sleep(5);
    }
  }
  return out;
}

function ownTids(): Set<number> {
  return new Set(readdirSync("/proc/self/task").map(Number));
}

describe("probe (real kernel)", () => {
  let probe: Probe;
  let tmp: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "fts-probe-"));
    // A large ring: other processes on the machine may be busy while this test does not poll.
    probe = Probe.open({ syscalls: new Set(["openat", "execve", "mount", "umount2", "procexit"]), bufferBytes: 64 << 20 });
  });

  afterAll(() => {
    probe?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("captures exec, open, clone, procexit and mount of child processes, not its own", async () => {
    while (probe.poll().len > 0); // drain
    const startNs = BigInt(Date.now()) * 1_000_000n;
    // Own activity, which must be excluded (self_tgid = process.pid).
    readFileSync("/etc/hostname");
    const cat = Bun.spawnSync(["/bin/cat", "/etc/hostname"], { stdout: "pipe" });
    expect(cat.exitCode).toBe(0);
    const catPid = cat.pid;
    const mnt = Bun.spawnSync(["mount", "--bind", "/proc", tmp]);
    expect(mnt.exitCode).toBe(0);
    const um = Bun.spawnSync(["umount", tmp]);
    expect(um.exitCode).toBe(0);

    const recs = await collect(probe, (r) =>
      r.some((x) => x.type === 186 && x.tid === catPid) && r.some((x) => x.type === 391 && x.params.name === tmp),
    );

    // execve exit for cat
    const ex = recs.find((r) => r.type === 293 && r.tid === catPid);
    expect(ex, "execve exit of cat").toBeDefined();
    expect(ex!.nparams).toBe(31);
    expect(ex!.params.res).toBe(0);
    expect(ex!.params.exe).toBe("/bin/cat");
    expect(ex!.params.args).toEqual(["/etc/hostname"]);
    expect(ex!.params.comm).toBe("cat");
    expect(ex!.params.tid).toBe(catPid);
    expect(ex!.params.pid).toBe(catPid);
    expect(ex!.params.ptid).toBe(process.pid);
    expect(ex!.params.filename).toBe("/bin/cat");
    expect(ex!.params.trusted_exepath).toMatch(/\/cat$/);
    expect(typeof ex!.params.cwd).toBe("string");
    expect(ex!.params.cwd).toBe(process.cwd());
    expect(ex!.params.uid).toBe(process.getuid!());
    expect(Number(ex!.params.exe_ino)).toBeGreaterThan(0);
    expect(Number(ex!.params.fdlimit)).toBeGreaterThan(0);
    const cg = ex!.params.cgroups as string[];
    expect(cg.length).toBeGreaterThan(0);
    for (const item of cg) expect(item).toMatch(/^[a-z_]+=\//);
    expect((ex!.params.env as string[]).some((e) => e.startsWith("PATH="))).toBe(true);
    // timestamps are wall-clock ns since the epoch
    expect(ex!.ts).toBeGreaterThanOrEqual(startNs - 1_000_000_000n);
    expect(ex!.ts).toBeLessThan(startNs + 60_000_000_000n);

    // openat exit for /etc/hostname by cat
    const op = recs.find((r) => r.type === 307 && r.tid === catPid && r.params.name === "/etc/hostname");
    expect(op, "openat of /etc/hostname by cat").toBeDefined();
    expect(op!.params.fd as number).toBeGreaterThanOrEqual(0);
    expect((op!.params.flags as number) & 3).toBe(1); // PPM_O_RDONLY
    expect(op!.params.dirfd).toBe(-100);
    expect(Number(op!.params.ino)).toBeGreaterThan(0);

    // clone family exit in the child (res = 0) for cat
    const cl = recs.find((r) => [223, 225, 227, 335].includes(r.type) && r.tid === catPid && r.params.res === 0);
    expect(cl, "clone-family exit in the child").toBeDefined();
    expect(cl!.nparams).toBe(21);
    expect(cl!.params.ptid).toBe(process.pid);

    // procexit for cat
    const pe = recs.find((r) => r.type === 186 && r.tid === catPid);
    expect(pe, "procexit of cat").toBeDefined();
    expect(pe!.params.status).toBe(0);
    expect(pe!.params.ret).toBe(0);
    expect(pe!.params.sig).toBe(0);

    // mount and umount2
    const mo = recs.find((r) => r.type === 257 && r.params.dir === tmp);
    expect(mo, "mount exit").toBeDefined();
    expect(mo!.params.res).toBe(0);
    expect(mo!.params.dev).toBe("/proc");
    expect((mo!.params.flags as number) & 4096).toBe(4096); // PPM_MS_BIND
    const umo = recs.find((r) => r.type === 391 && r.params.name === tmp);
    expect(umo, "umount2 exit").toBeDefined();
    expect(umo!.params.res).toBe(0);

    // every record is encoded as the HEAD table says
    expect(recs.flatMap((r) => r.problems)).toEqual([]);

    // self exclusion: nothing from this process's threads
    const mine = ownTids();
    const own = recs.filter((r) => mine.has(r.tid));
    expect(own.map((r) => `${r.name}:${r.tid}`)).toEqual([]);

    const st = probe.stats();
    expect(Number.isInteger(st.drops) && st.drops >= 0).toBe(true); // counted for real in the drops test
    expect(st.ringBytes).toBe(64 << 20);
    expect(st.events).toBeGreaterThanOrEqual(recs.length);
    expect(st.read).toBeGreaterThanOrEqual(recs.length);
  });

  it("setSyscalls removes openat events live", async () => {
    probe.setSyscalls(new Set(["execve"]), { stateEvents: false });
    expect(probe.selected.has("openat")).toBe(false);
    while (probe.poll().len > 0); // drain
    const c1 = Bun.spawnSync(["/bin/cat", "/etc/hostname"]);
    const r1 = await collect(probe, (r) => r.some((x) => x.type === 293 && x.tid === c1.pid));
    expect(r1.some((x) => x.type === 293 && x.tid === c1.pid)).toBe(true);
    expect(r1.filter((x) => x.type === 307)).toEqual([]);

    probe.setSyscalls(new Set(["execve", "openat"]), { stateEvents: false });
    const c2 = Bun.spawnSync(["/bin/cat", "/etc/hostname"]);
    const r2 = await collect(probe, (r) => r.some((x) => x.type === 307 && x.tid === c2.pid && x.params.name === "/etc/hostname"));
    expect(r2.some((x) => x.type === 307 && x.tid === c2.pid && x.params.name === "/etc/hostname")).toBe(true);
  });

  it("captures file-system and network events of a child", async () => {
    probe.setSyscalls(new Set(PROBE_EVENTS));
    while (probe.poll().len > 0); // drain
    const script = join(tmp, "child.js");
    await Bun.write(
      script,
      `const fs = require("node:fs"); const net = require("node:net");
const d = ${JSON.stringify(tmp)};
fs.mkdirSync(d + "/a"); fs.writeFileSync(d + "/a/f", "x"); fs.renameSync(d + "/a/f", d + "/a/g");
fs.symlinkSync(d + "/a/g", d + "/a/s"); fs.linkSync(d + "/a/g", d + "/a/h"); fs.chmodSync(d + "/a/g", 0o600);
fs.unlinkSync(d + "/a/s"); fs.unlinkSync(d + "/a/h"); fs.unlinkSync(d + "/a/g"); fs.rmdirSync(d + "/a");
const srv = net.createServer((c) => { c.on("data", () => { c.end(); srv.close(); }); });
srv.listen(0, "127.0.0.1", () => {
  const port = srv.address().port; console.log(port);
  const c = net.connect(port, "127.0.0.1", () => c.write("hello"));
  c.on("close", () => process.exit(0));
});
`,
    );
    const child = Bun.spawnSync([process.execPath, script], { stdout: "pipe", stderr: "pipe" });
    expect(child.exitCode, child.stderr.toString()).toBe(0);
    const port = Number(child.stdout.toString().trim());
    expect(port).toBeGreaterThan(0);
    const recs = await collect(probe, (r) => r.some((x) => x.type === 186 && x.tid === child.pid));
    const mine = recs.filter((r) => r.params.pid === child.pid || r.tid === child.pid);
    const by = (names: string[], pred: (r: Rec) => boolean): Rec | undefined =>
      mine.find((r) => names.includes(r.name) && pred(r));
    const d = tmp;
    const path = (r: Rec, ...keys: string[]): string => keys.map((k) => r.params[k]).find((v) => typeof v === "string") as string;

    expect(by(["mkdir", "mkdirat"], (r) => path(r, "path") === `${d}/a` && r.params.res === 0), "mkdir").toBeDefined();
    const created = by(["open", "openat", "openat2", "creat"], (r) => r.params.name === `${d}/a/f` && (r.params.fd as number) >= 0);
    expect(created, "open creating a/f").toBeDefined();
    expect((created!.params.flags as number) & ((1 << 14) | 4)).toBe((1 << 14) | 4); // PPM_O_F_CREATED | PPM_O_CREAT
    expect(by(["rename", "renameat", "renameat2"], (r) => path(r, "newpath") === `${d}/a/g` && r.params.res === 0), "rename").toBeDefined();
    expect(by(["symlink", "symlinkat"], (r) => r.params.target === `${d}/a/g` && path(r, "linkpath") === `${d}/a/s`), "symlink").toBeDefined();
    expect(by(["link", "linkat"], (r) => path(r, "newpath") === `${d}/a/h` && r.params.res === 0), "link").toBeDefined();
    expect(by(["chmod", "fchmodat"], (r) => path(r, "filename") === `${d}/a/g` && r.params.mode === 0o600), "chmod").toBeDefined();
    expect(by(["unlink", "unlinkat"], (r) => path(r, "path", "name") === `${d}/a/s` && r.params.res === 0), "unlink").toBeDefined();
    expect(by(["rmdir", "unlinkat"], (r) => path(r, "path", "name") === `${d}/a` && r.params.res === 0), "rmdir").toBeDefined();

    const sock = by(["socket"], (r) => r.params.domain === 2 && (r.params.fd as number) >= 0);
    expect(sock, "socket").toBeDefined();
    expect(by(["bind"], (r) => r.params.res === 0 && (r.params.addr as string)?.startsWith("127.0.0.1:")), "bind").toBeDefined();
    expect(by(["listen"], (r) => r.params.res === 0), "listen").toBeDefined();
    const con = by(["connect"], (r) => (r.params.addr as string) === `127.0.0.1:${port}`);
    expect(con, "connect").toBeDefined();
    expect([0, -115]).toContain(con!.params.res);
    expect(con!.params.tuple).toMatch(new RegExp(`^127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}$`));
    const clientEnd = (con!.params.tuple as string).split("->")[0];
    const acc = by(["accept", "accept4"], (r) => (r.params.fd as number) >= 0);
    expect(acc, "accept").toBeDefined();
    expect(acc!.params.tuple).toBe(`${clientEnd}->127.0.0.1:${port}`);
    const snd = by(["sendto", "sendmsg"], (r) => r.params.res === 5);
    expect(snd, "send").toBeDefined();
    expect(snd!.params.data).toBe("hello");
    expect(snd!.params.tuple).toBe(`${clientEnd}->127.0.0.1:${port}`);

    expect(recs.flatMap((r) => r.problems)).toEqual([]);
  });

  it("runs independent instances side by side", async () => {
    probe.setSyscalls(new Set(["execve"]), { stateEvents: false });
    const second = Probe.open({ syscalls: new Set(["execve"]), stateEvents: false, bufferBytes: 3 << 20 });
    try {
      expect(second.stats().ringBytes).toBe(4 << 20); // rounded up to a power of two
      while (probe.poll().len > 0); // drain
      const c = Bun.spawnSync(["/bin/true"]);
      const want = (r: Rec[]): boolean => r.some((x) => x.type === 293 && x.tid === c.pid);
      const [a, b] = [await collect(probe, want), await collect(second, want)];
      expect(want(a)).toBe(true);
      expect(want(b)).toBe(true);
    } finally {
      second.close();
    }
    expect(() => second.poll()).toThrow(/closed/);
  });

  it("counts ring-buffer drops when nobody reads", async () => {
    const small = Probe.open({ syscalls: new Set(["openat", "close"]), stateEvents: false, bufferBytes: 64 << 10 });
    try {
      const n = 20_000;
      const code = `const fs = require("node:fs"); for (let i = 0; i < ${n}; i++) fs.closeSync(fs.openSync("/etc/hostname", "r"));`;
      const c = Bun.spawnSync([process.execPath, "-e", code]);
      expect(c.exitCode).toBe(0);
      const st = small.stats();
      expect(st.ringBytes).toBe(64 << 10);
      expect(st.drops).toBeGreaterThan(0);
      expect(st.events + st.drops).toBeGreaterThanOrEqual(2 * n);
      // what was kept is still readable, whole records only
      let got = 0;
      for (let b = small.poll(); b.len > 0; b = small.poll()) forEachRecord(b.buf, b.len, () => got++);
      expect(got).toBeGreaterThan(0);
      expect(small.stats().read).toBe(got);
    } finally {
      small.close();
    }
  });

  it("explains how to fix a start without privileges", () => {
    const probeTs = join(import.meta.dirname, "..", "src", "probe", "probe.ts");
    const code = `import(${JSON.stringify(probeTs)}).then((m) => { try { m.Probe.open({ syscalls: new Set() }); console.log("OPENED"); } catch (e) { console.log(e.message); } });`;
    const r = Bun.spawnSync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", process.execPath, "-e", code], {
      stdout: "pipe",
      stderr: "pipe",
      cwd: "/",
    });
    const out = r.stdout.toString();
    expect(out, r.stderr.toString()).not.toContain("OPENED");
    expect(out).toContain("cannot start the eBPF probe");
    expect(out).toMatch(/Fix: .*(root|CAP_BPF)/);
  });

  it("reports unsupported event names and keeps state events by default", () => {
    probe.setSyscalls(new Set(["no_such_event"]));
    expect(probe.unsupported).toContain("no_such_event");
    expect(probe.selected.has("execve")).toBe(true);
    expect(probe.selected.has("close")).toBe(true);
    expect(probe.selected.has("procexit")).toBe(true);
  });
});
