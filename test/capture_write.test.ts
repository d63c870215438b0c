/**
 * CaptureWriter tests: write a capture from a read one (tables + events), read it back and compare;
 * EVF flags; guard against damaged lengths in files; cross-check with Debian sysdig when installed.
 */
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CaptureError, openCapture, openCaptureBytes, type CaptureReader } from "../src/capture/reader.ts";
import { CaptureWriter, CaptureWriteError } from "../src/capture/writer.ts";
import { Event, EVF_STATE_ONLY } from "../src/events/event.ts";
import { PPME } from "../src/events/event_table.ts";

const CAPTURES = resolve(__dirname, "../../shared/captures");
const dir = mkdtempSync(join(tmpdir(), "falco-ts-capture-w-"));

interface Snap {
  bytes: string[];
  cpus: number[];
  flags: number[];
}

function events(r: CaptureReader): Snap {
  const ev = new Event();
  const s: Snap = { bytes: [], cpus: [], flags: [] };
  while (r.next(ev)) {
    s.bytes.push(Buffer.from(ev.buf.subarray(ev.off, ev.off + ev.len)).toString("base64"));
    s.cpus.push(ev.cpu);
    s.flags.push(ev.flags);
  }
  return s;
}

/** Copy a capture: tables from `r`, every event as read (optionally with flags). */
function copy(r: CaptureReader, path: string | null, flags?: (i: number) => number): CaptureWriter {
  const w = new CaptureWriter(path);
  w.writeHeader(r);
  const ev = new Event();
  let i = 0;
  while (r.next(ev)) {
    if (flags) ev.flags = flags(i);
    w.writeEvent(ev);
    i++;
  }
  w.close();
  return w;
}

describe("CaptureWriter round trip", () => {
  const cases = [
    "falco/trace_files/cat_write.scap", // V1 event blocks, PL V? / FDL V1
    "libs/curl_google.scap", // IPv6 fds and interfaces
    "libs/sample.scap", // useradded/groupadded, PL_V9
    "sf-collector/rename/rename.scap", // EV_V2_LARGE
    "falco/trace_files/syscall.scap",
  ];
  for (const rel of cases) {
    for (const convert of [false, true]) {
      it(`${rel} (convert=${convert}): tables and events survive write + read`, () => {
        const src = join(CAPTURES, rel);
        const out = join(dir, rel.replace(/\//g, "_") + `.${convert}.scap`);
        const w = copy(openCapture(src, { convert }), out);
        const a = openCapture(src, { convert });
        const b = openCapture(out, { convert });
        expect(b.major).toBe(1);
        expect(b.minor).toBe(2);
        expect(b.machine).toEqual(a.machine);
        expect(b.threads).toEqual(a.threads);
        expect(b.fds).toEqual(a.fds);
        expect(b.interfaces).toEqual(a.interfaces);
        expect(b.users).toEqual(a.users);
        expect(b.groups).toEqual(a.groups);
        const ea = events(a);
        const eb = events(b);
        expect(eb.bytes.length).toBe(w.events);
        expect(eb.bytes).toEqual(ea.bytes);
        expect(eb.cpus).toEqual(ea.cpus);
        expect(b.eventBlocks).toBe(w.events);
        expect(readFileSync(out).subarray(0, 4).toString("hex")).toBe("0a0d0d0a");
      });
    }
  }

  it("EVF flags (state-only) are written as EVF blocks and read back on ev.flags", () => {
    const src = join(CAPTURES, "falco/trace_files/cat_write.scap");
    const w = copy(openCapture(src), null, (i) => (i % 3 === 0 ? EVF_STATE_ONLY : 0));
    const b = openCaptureBytes(w.bytes());
    const s = events(b);
    expect(s.flags.length).toBe(w.events);
    s.flags.forEach((f, i) => expect(f).toBe(i % 3 === 0 ? EVF_STATE_ONLY : 0));
    expect(s.bytes).toEqual(events(openCapture(src)).bytes);
  });

  it("a capture written without tables is readable (plugin-style: SHB + events only)", () => {
    const src = openCapture(join(CAPTURES, "falco/trace_files/syscall.scap"));
    const w = new CaptureWriter(null);
    w.writeHeader({});
    const ev = new Event();
    let n = 0;
    while (src.next(ev) && n < 50) {
      w.writeEvent(ev);
      n++;
    }
    w.close();
    const r = openCaptureBytes(w.bytes());
    expect(r.machine).toBeNull();
    expect(r.threads).toEqual([]);
    expect(events(r).bytes.length).toBe(50);
  });

  it("rejects events before the header and malformed events", () => {
    const w = new CaptureWriter(null);
    expect(() => w.writeRawEvent(new Uint8Array(30), 0, 30)).toThrow(CaptureWriteError);
    w.writeHeader({});
    expect(() => w.writeRawEvent(new Uint8Array(10), 0, 10)).toThrow(CaptureWriteError);
    expect(() => w.writeHeader({})).toThrow(CaptureWriteError);
  });

  it("over-long /proc strings (a 25 KiB command line, long env, cwd, fd name) are cut to libscap's limits and the file stays readable", () => {
    // CI once recorded a host process whose cmdline was 25,713 bytes: libscap refuses such a
    // process list ("invalid argslen"), so the writer cuts as libscap's own /proc scan does.
    const src = openCapture(join(CAPTURES, "falco/trace_files/syscall.scap"));
    const long = "x".repeat(25_700);
    const w = new CaptureWriter(join(dir, "long.scap"));
    w.writeHeader({
      threads: [{ tid: 4242, pid: 4242, ptid: 1, comm: "c".repeat(2000), exe: "/bin/long", args: [long, "é".repeat(3000)], env: [`A=${long}`], cwd: `/${"d".repeat(3000)}`, cgroups: [["cpu", `/${long}`]] }],
      fds: new Map([[4242, [{ fd: 3, type: 1, name: `/${"f".repeat(5000)}` }]]]),
      users: [{ uid: 1, gid: 1, name: "u".repeat(400), homedir: "/h", shell: "/bin/sh" }],
    });
    const ev = new Event();
    for (let n = 0; n < 5 && src.next(ev); n++) w.writeEvent(ev);
    w.close();
    const r = openCapture(join(dir, "long.scap"));
    const th = r.threads.find((t) => t.tid === 4242)!;
    expect(th.args[0]).toBe(long.slice(0, 4095));
    expect(th.args.join("\0").length).toBe(4095);
    expect(th.env.join("\0").length).toBe(4095);
    expect(th.comm.length).toBe(1023);
    expect(th.cwd.length).toBe(1023);
    expect(r.fds.get(4242)![0]!.name.length).toBe(1023);
    expect(events(r).bytes.length).toBe(5);
    const sysdig = ["/usr/bin/sysdig", "/usr/local/bin/sysdig"].find((p) => existsSync(p));
    if (sysdig) {
      const res = spawnSync(sysdig, ["-r", join(dir, "long.scap")], { encoding: "utf8", timeout: 60_000 });
      expect(res.stderr).not.toMatch(/invalid|Could not/);
      expect(res.status).toBe(0);
    }
  });

  it("a header with no event block is 'no events in file'", () => {
    const w = new CaptureWriter(null);
    w.writeHeader({ machine: { numCpus: 1, memorySizeBytes: 1, maxPid: 1, hostname: "h", bootTsEpoch: 0n, flags: 0n } });
    expect(() => openCaptureBytes(w.bytes())).toThrow(/no events in file/);
  });
});

describe("damaged lengths in files", () => {
  it("a huge block length is a CaptureError, not a 4 GiB allocation", () => {
    const src = join(CAPTURES, "sf-collector/setuid/setuid.scap");
    const full = new Uint8Array(readFileSync(src));
    const at = openCapture(src).offset; // first event block
    const dv = new DataView(full.buffer);
    dv.setUint32(at + 4, 0x7ffffff0, true);
    // an EV_V2 block with that length is over the non-LARGE limit; make it a LARGE one
    dv.setUint32(at, 0x221, true);
    const p = join(dir, "huge.scap");
    writeFileSync(p, full);
    const r = openCapture(p);
    let err: unknown = null;
    try {
      while (r.next(new Event()));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as CaptureError).offset).toBe(at);
    expect((err as CaptureError).blockType).toBe(0x221);
  });
});

describe("Debian sysdig cross-check", () => {
  const sysdig = ["/usr/bin/sysdig", "/usr/local/bin/sysdig"].find((p) => existsSync(p));
  it("sysdig -r reads a capture written by CaptureWriter", () => {
    if (!sysdig) {
      console.log("OUT OF SCOPE: sysdig cross-check — sysdig is not installed (apt-get install sysdig)");
      return;
    }
    const out = join(dir, "for-sysdig.scap");
    copy(openCapture(join(CAPTURES, "falco/trace_files/cat_write.scap"), { convert: false }), out);
    const res = spawnSync(sysdig, ["-r", out, "proc.name=cat and evt.type=open and evt.dir=<"], { encoding: "utf8", timeout: 60_000 });
    expect(res.status).toBe(0);
    const lines = res.stdout.trim().split("\n");
    expect(lines.length).toBe(4);
    expect(res.stdout).toContain("fd=3(<f>/dev/null)");
    // the process list we wrote resolves the parent name
    const ex = spawnSync(sysdig, ["-r", out, "evt.type=execve"], { encoding: "utf8", timeout: 60_000 });
    expect(ex.stdout).toContain("ptid=11310(bash)");
    const all = spawnSync(sysdig, ["-r", out, "-q", "-v"], { encoding: "utf8", timeout: 60_000 });
    expect(all.stdout + all.stderr).toContain("Captured Events: 345");
    expect(PPME.SYSCALL_OPEN_X).toBe(3);
  });
});
