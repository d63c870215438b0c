/**
 * /proc scanning against the real /proc of this machine (no mocks): the test process itself must
 * be found with the right comm, exepath, cwd, uid, args and a known open fd; live-mode on-the-fly
 * lookup of an unknown tid must read /proc too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSync, mkdtempSync, openSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ThreadTable, newFdInfo } from "../src/state/threads.ts";
import { readProcThread, scanProc, linuxOpenFlagsToPpm } from "../src/state/procfs.ts";
import { StateEngine, PPM_O } from "../src/state/parser.ts";
import { Event } from "../src/events/event.ts";
import { PPME } from "../src/events/event_table.ts";
import { encodeEvent } from "../src/events/encode.ts";
import { FdType } from "../src/state/types.ts";

const pid = process.pid;
let tmpFile = "";
let fd = -1;
let server: Server;
let port = 0;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "falcots-proc-"));
  tmpFile = join(realpathSync(dir), "known.txt");
  fd = openSync(tmpFile, "w");
  server = createServer();
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", () => res()));
  const a = server.address();
  port = typeof a === "object" && a ? a.port : 0;
});
afterAll(() => {
  if (fd >= 0) closeSync(fd);
  server?.close();
});

/** Expected values from independent sources (ps, node APIs), not from our parser. */
function psField(field: string): string {
  return execFileSync("ps", ["-o", `${field}=`, "-p", String(pid)], { encoding: "utf8" }).trim();
}

describe("scanProc on the real /proc", () => {
  const table = new ThreadTable();
  let res: ReturnType<typeof scanProc>;
  beforeAll(() => {
    res = scanProc(table, "");
  });

  it("finds many processes and threads, including pid 1", () => {
    expect(res.processes).toBeGreaterThan(3);
    expect(res.threads).toBeGreaterThanOrEqual(res.processes);
    expect(table.get(1)).toBeDefined();
    expect(table.get(1)!.pid).toBe(1);
  });

  it("finds this test process with correct comm, exepath, cwd, uid/gid and args", () => {
    const t = table.get(pid)!;
    expect(t).toBeDefined();
    expect(t.pid).toBe(pid);
    expect(t.ptid).toBe(process.ppid);
    expect(t.comm).toBe(psField("comm"));
    expect(t.exepath).toBe(realpathSync(process.execPath));
    expect(t.cwd).toBe(process.cwd().replace(/\/?$/, "/"));
    expect(t.uid).toBe(process.getuid!());
    expect(t.gid).toBe(process.getgid!());
    expect([t.exe, ...t.args].join(" ")).toBe(psField("args"));
    expect(t.sid).toBe(Number(psField("sess")));
    expect(t.pgid).toBe(Number(psField("pgid")));
    expect(t.vtid).toBe(pid);
    expect(t.vpid).toBe(pid);
    expect(t.root).toBe("/");
    expect(t.env.length).toBeGreaterThan(0);
    expect(t.env.some((e) => e.startsWith("PATH="))).toBe(true);
    expect(t.capEffective).toBeTypeOf("bigint");
    expect(t.cloneTs).toBeGreaterThan(1_600_000_000_000_000_000n);
    expect(t.vmRssKb).toBeGreaterThan(1000);
    expect(t.vmSizeKb).toBeGreaterThanOrEqual(t.vmRssKb);
    expect(t.pfMinor).toBeGreaterThan(0);
    expect(t.fdlimit).toBeGreaterThan(0);
    // the machine's host cgroups use 32-hex names: must be host
    expect(t.containerId).toBe("host");
    expect(t.cgroups.length).toBeGreaterThan(0);
  });

  it("finds the known open file fd with its path and write flag", () => {
    const t = table.get(pid)!;
    const f = t.fds.get(fd);
    expect(f).toBeDefined();
    expect(f!.type).toBe(FdType.FILE_V2);
    expect(f!.name).toBe(tmpFile);
    expect(f!.openFlags & PPM_O.RDWR).toBe(PPM_O.WRONLY);
  });

  it("finds the listening TCP socket as an IPv4 server socket", () => {
    const t = table.get(pid)!;
    const socks = [...t.fds.values()].filter((f) => f.type === FdType.IPV4_SERVSOCK && f.sport === port);
    expect(socks.length).toBe(1);
    expect(socks[0]!.name).toBe(`127.0.0.1:${port}`);
    expect(socks[0]!.l4proto).toBe(2);
  });

  it("threads of this process share its fd table", () => {
    const tids = execFileSync("ls", [`/proc/${pid}/task`], { encoding: "utf8" }).trim().split("\n").map(Number);
    const main = table.get(pid)!;
    for (const tid of tids) {
      const t = table.get(tid);
      if (!t || tid === pid) continue;
      expect(t.pid).toBe(pid);
      expect(t.fds).toBe(main.fds);
      expect(t.cwd).toBe(main.cwd);
    }
    expect(table.threadCount(pid)).toBeGreaterThanOrEqual(1);
  });

  it("loginuid and tty match /proc files", () => {
    const t = table.get(pid)!;
    expect(t.loginuid).toBe(Number(readFileSync(`/proc/${pid}/loginuid`, "utf8").trim()) >>> 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    expect(t.tty).toBe(Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[4]));
  });
});

describe("live lookup of unknown tids", () => {
  it("StateEngine reads an unknown tid from /proc (queryProc: true)", () => {
    const se = new StateEngine({ queryProc: true });
    const bytes = encodeEvent(PPME.SYSCALL_CLOSE_X!, pid, 1n, [0, fd]);
    const ev = new Event().reset(bytes, 0, bytes.length);
    se.process(ev);
    expect(se.stats.procLookups).toBe(1);
    expect(ev.thread?.tid).toBe(pid);
    expect(ev.thread?.exepath).toBe(readlinkSync(`/proc/${pid}/exe`));
    expect(ev.fdInfo?.name).toBe(tmpFile);
  });

  it("fds received with SCM_RIGHTS on a unix socket are read from /proc", () => {
    const se = new StateEngine({ queryProc: true });
    const first = encodeEvent(PPME.SYSCALL_CLOSE_X!, pid, 1n, [-9, 987654]);
    se.process(new Event().reset(first, 0, first.length));
    const t = se.threads.get(pid)!;
    expect(t.fds.get(fd)?.name).toBe(tmpFile);
    t.fds.delete(fd);
    t.fds.set(999, newFdInfo(FdType.UNIX_SOCK, "/run/x.sock"));
    const ctl = new Uint8Array(24);
    const dv = new DataView(ctl.buffer);
    dv.setBigUint64(0, 20n, true); // cmsg_len = 16 + one int
    dv.setInt32(8, 1, true); // SOL_SOCKET
    dv.setInt32(12, 1, true); // SCM_RIGHTS
    dv.setInt32(16, fd, true);
    const bytes = encodeEvent(PPME.SOCKET_RECVMSG_X!, pid, 2n, [1, 1, new Uint8Array([120]), null, ctl, 999]);
    const ev = new Event().reset(bytes, 0, bytes.length);
    se.process(ev);
    expect(ev.fdInfo?.name).toBe("/run/x.sock");
    expect(t.fds.get(fd)?.name).toBe(tmpFile);
    expect(t.fds.get(fd)?.type).toBe(FdType.FILE_V2);
  });

  it("a vanished tid becomes a placeholder", () => {
    const se = new StateEngine({ queryProc: true });
    const bytes = encodeEvent(PPME.SYSCALL_CLOSE_X!, 0x3ffffff0, 1n, [0, 3]);
    const ev = new Event().reset(bytes, 0, bytes.length);
    se.process(ev);
    expect(ev.thread?.comm).toBe("<NA>");
    expect(se.stats.procLookupFailures).toBe(1);
  });

  it("readProcThread returns null for kernel threads (no cmdline, no exe)", () => {
    expect(readProcThread(2, "")).toBeNull();
  });

  it("converts Linux open flags to PPM_O_*", () => {
    expect(linuxOpenFlagsToPpm(0o2000102)).toBe(PPM_O.RDWR | PPM_O.CREAT | PPM_O.CLOEXEC);
    expect(linuxOpenFlagsToPpm(0o200000)).toBe(PPM_O.RDONLY | PPM_O.DIRECTORY);
  });
});

describe("a real Docker container (scripts/docker-setup.sh)", () => {
  let id = "";
  let cpid = 0;
  const env = { ...process.env, DOCKER_HOST: "unix:///var/run/docker.sock", DOCKER_API_VERSION: "1.41" };
  beforeAll(() => {
    execFileSync("bash", [join(import.meta.dirname, "../scripts/docker-setup.sh")], { stdio: "ignore", timeout: 170_000 });
    id = execFileSync("docker", ["run", "-d", "--rm", "nginx:latest", "sleep", "60"], { encoding: "utf8", env }).trim();
    cpid = Number(execFileSync("docker", ["inspect", "-f", "{{.State.Pid}}", id], { encoding: "utf8", env }).trim());
  }, 180_000);
  afterAll(() => {
    if (id) execFileSync("docker", ["rm", "-f", id], { stdio: "ignore", env });
  });

  it("the container's process gets the 12-hex container id, pid-namespace ids and its own root", () => {
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const p = readProcThread(cpid, "")!;
    expect(p).not.toBeNull();
    expect(p.containerId).toBe(id.slice(0, 12));
    expect(p.comm).toBe("sleep");
    expect(p.vpid).toBe(1);
    expect(p.vtid).toBe(1);
    expect(p.pid).toBe(cpid);
    // the host side of the same machine stays "host"
    expect(readProcThread(pid, "")!.containerId).toBe("host");
  });

  it("an exec'd process in the container, found on the fly by the live engine", () => {
    const se = new StateEngine({ queryProc: true });
    const bytes = encodeEvent(PPME.SYSCALL_OPEN_X!, cpid, 1n, [3, "/etc/hostname", PPM_O.RDONLY, 0, 0, 0]);
    const ev = new Event().reset(bytes, 0, bytes.length);
    se.process(ev);
    expect(ev.thread?.containerId).toBe(id.slice(0, 12));
    expect(ev.fdInfo?.name).toBe("/etc/hostname");
  });
});
