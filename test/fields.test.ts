import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { Event } from "../src/events/event.ts";
import { PPME } from "../src/events/event_table.ts";
import { encodeEvent, encodeSockTuple, type ParamValue } from "../src/events/encode.ts";
import { FLAG_TABLES, PPM_O, capsToString, renderFlags, renderMode } from "../src/events/flags.ts";
import { formatG, paramText, renderArgs, sockaddrText, socktupleText } from "../src/events/render.ts";
import { FdType, type FdInfo, type ThreadInfo } from "../src/state/types.ts";
import { type ContainerInfo, type FieldContext, localAddressCheck, parseIpv6 } from "../src/fields/context.ts";
import { createRegistry } from "../src/fields/index.ts";
import { FieldError } from "../src/fields/registry.ts";

// ---------------------------------------------------------------- fixtures

function thread(p: Partial<ThreadInfo> & { tid: number; comm: string }): ThreadInfo {
  return {
    pid: p.tid, ptid: 0, sid: 0, vtid: p.tid, vpid: p.tid, vpgid: 0, pgid: 0,
    exe: p.comm, exepath: `/usr/bin/${p.comm}`, args: [], env: [], cwd: "/root/", root: "/",
    uid: 0, gid: 0, loginuid: 0xffffffff, tty: 0, fdlimit: 1024, exeFlags: 0,
    capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeIno: 0, exeInoCtime: 0n, exeInoMtime: 0n,
    cloneTs: 0n, lastExecTs: 0n, pidnsInitStartTs: 0n, cgroups: [], containerId: "host", flags: 0,
    fds: new Map(), fromScan: false,
    ...p,
  };
}

function fdFile(name: string, type = FdType.FILE): FdInfo {
  return {
    type, name, openFlags: 0, dev: 0, ino: 0, l4proto: 0, sip: "", sport: 0, dip: "", dport: 0,
    connected: false, isServer: false, nameChanged: false,
  };
}

const init = thread({ tid: 1, comm: "systemd", ptid: 0, exepath: "/usr/lib/systemd/systemd" });
const sshd = thread({ tid: 50, comm: "sshd", ptid: 1, args: ["-D"] });
const bash = thread({
  tid: 100, comm: "bash", ptid: 50, sid: 100, vpgid: 100, pgid: 100, args: ["-i"],
  env: ["HOME=/root", "PATH=/usr/bin", "EMPTY=", "SPACED=  a b  "], tty: 34816, cloneTs: 1_000_000_000n,
});
const cat = thread({
  tid: 200, comm: "cat", ptid: 100, sid: 100, vpgid: 200, pgid: 200, args: ["/etc/passwd", "-n"], uid: 1000, gid: 1000,
  loginuid: 1000, capEffective: 0x1n | 0x2n | (1n << 21n), capPermitted: 0x1ffffffffffn, cloneTs: 5_000_000_000n,
  env: ["HOME=/home/u"],
});
const catThread = thread({ tid: 201, pid: 200, comm: "cat", ptid: 100, fds: cat.fds });
const threads = new Map<number, ThreadInfo>([init, sshd, bash, cat, catThread].map((t) => [t.tid, t]));

const nginx: ContainerInfo = {
  id: "3ad7b26ded6d", fullId: "3ad7b26ded6d8e7b23da7d48fe889434573036c27ae5a74837233de441c3601e", name: "web",
  type: "docker", image: "nginx:1.25", imageId: "6f7e2741b66b", imageRepo: "nginx", imageTag: "1.25", imageDigest: "sha256:abc",
  ip: "172.17.0.2", privileged: true, hostPid: false, hostNetwork: true, hostIpc: false,
  mounts: [
    { source: "/var/run/docker.sock", dest: "/var/run/docker.sock", mode: "", rdwr: true, propagation: "rprivate" },
    { source: "/proc", dest: "/host/proc", mode: "ro", rdwr: false, propagation: "rprivate" },
  ],
  labels: new Map([["io.kubernetes.pod.name", "web-1"], ["io.kubernetes.pod.namespace", "prod"], ["app", "web"], ["tier", ""]]),
  podSandboxId: "", podSandboxLabels: new Map([["app", "web"]]), podCniResult: "",
};

const ctx: FieldContext = {
  threads: { get: (tid) => threads.get(tid), threadCount: (pid) => (pid === 200 ? 2 : 1) },
  users: { get: (uid) => (uid === 1000 ? { name: "u", homedir: "/home/u", shell: "/bin/zsh" } : undefined) },
  groups: { get: (gid) => (gid === 1000 ? { name: "users" } : undefined) },
  containers: { get: (id) => (id === nginx.id ? nginx : undefined) },
  hostname: () => "test-host",
  isLocalAddress: (ip) => ip === "10.0.0.5",
};
const reg = createRegistry(ctx);

const TS = 1_470_327_477_881_781_397n; // 2016-08-04T16:17:57.881781397Z (testing_outputs)

function mkEvent(type: number | undefined, params: ParamValue[], opts: { t?: ThreadInfo; fd?: FdInfo; fdNum?: number; ts?: bigint } = {}): Event {
  const bytes = encodeEvent(type!, opts.t?.tid ?? 200, opts.ts ?? TS, params);
  const ev = new Event().reset(bytes, 0, bytes.length);
  ev.thread = opts.t ?? null;
  ev.fdInfo = opts.fd ?? null;
  ev.fdNum = opts.fdNum ?? -1;
  ev.num = 7;
  return ev;
}
const x = (field: string, ev: Event, arg?: string): unknown => reg.bind(field, arg).extract(ev);

// cat opens /etc/passwd O_WRONLY|O_CREAT|O_TRUNC, fd 3
const passwd = fdFile("/etc/passwd");
cat.fds.set(3, passwd);
const openFlags = PPM_O.WRONLY | PPM_O.CREAT | PPM_O.TRUNC;
const openEv = (): Event =>
  mkEvent(PPME.SYSCALL_OPENAT_2_X, [3, -100, "/etc/passwd", openFlags, 0o644, 0x803, 1234], { t: cat, fd: passwd, fdNum: 3 });

// ---------------------------------------------------------------- flags

describe("flags rendering (driver/flags_table.c, event.cpp get_param_as_str)", () => {
  it("renders bit flags in table order, removing matched bits", () => {
    expect(renderFlags(FLAG_TABLES.file_flags, PPM_O.WRONLY | PPM_O.CREAT | PPM_O.TRUNC)).toBe("O_TRUNC|O_CREAT|O_WRONLY");
    expect(renderFlags(FLAG_TABLES.file_flags, PPM_O.RDWR)).toBe("O_RDWR");
    expect(renderFlags(FLAG_TABLES.file_flags, PPM_O.RDONLY)).toBe("O_RDONLY");
    expect(renderFlags(FLAG_TABLES.file_flags, PPM_O.RDWR | PPM_O.CLOEXEC)).toBe("O_RDWR|O_CLOEXEC");
    expect(renderFlags(FLAG_TABLES.file_flags, 0)).toBe("O_NONE");
    expect(renderFlags(FLAG_TABLES.clone_flags, 0)).toBe("");
  });
  it("renders enum flags by exact value, all aliases", () => {
    expect(renderFlags(FLAG_TABLES.socket_families, 1, true)).toBe("AF_LOCAL|AF_UNIX");
    expect(renderFlags(FLAG_TABLES.socket_families, 2, true)).toBe("AF_INET");
    expect(renderFlags(FLAG_TABLES.ptrace_requests, FLAG_TABLES.ptrace_requests!.find(([n]) => n === "PTRACE_ATTACH")![1], true)).toBe("PTRACE_ATTACH");
    expect(renderFlags(FLAG_TABLES.ptrace_requests, 9999, true)).toBe("");
  });
  it("renders modes", () => {
    expect(renderMode(FLAG_TABLES.chmod_mode, 0o755)).toBe("S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR");
    expect(renderMode(FLAG_TABLES.chmod_mode, 1)).toBe("S_IXOTH");
  });
  it("has every table the event table names", () => {
    for (const t of ["file_flags", "mount_flags", "umount_flags", "clone_flags", "execve_flags", "prot_flags", "mmap_flags",
      "ptrace_requests", "unlinkat_flags", "renameat2_flags", "linkat_flags", "memfd_create_flags", "prctl_options",
      "socket_families", "openat2_flags", "chmod_mode", "fcntl_commands", "access_flags", "finit_module_flags", "bpf_commands"]) {
      expect(FLAG_TABLES[t]?.length, t).toBeGreaterThan(0);
    }
  });
  it("prints capabilities as libsinsp", () => {
    expect(capsToString(0x3n | (1n << 21n))).toBe("CAP_CHOWN CAP_DAC_OVERRIDE CAP_SYS_ADMIN");
    expect(capsToString(0n)).toBe("");
  });
  it("formats %lg", () => {
    expect(formatG(1.5)).toBe("1.5");
    expect(formatG(0.000001)).toBe("1e-06");
    expect(formatG(123456789)).toBe("1.23457e+08");
    expect(formatG(0.25)).toBe("0.25");
  });
});

// ---------------------------------------------------------------- params

describe("parameter rendering (evt.arg / evt.args)", () => {
  it("renders openat exit like libsinsp", () => {
    const ev = openEv();
    expect(x("evt.arg.flags", ev)).toBe("O_TRUNC|O_CREAT|O_WRONLY");
    expect(x("evt.arg[0]", ev)).toBe("<f>/etc/passwd");
    expect(x("evt.arg.fd", ev)).toBe("<f>/etc/passwd");
    expect(x("evt.arg.dirfd", ev)).toBe("AT_FDCWD");
    expect(x("evt.arg.mode", ev)).toBe("0644");
    expect(x("evt.arg.dev", ev)).toBe("803");
    expect(x("evt.arg.name", ev)).toBe("/etc/passwd");
    expect(x("evt.arg[9]", ev)).toBeUndefined();
    expect(x("evt.rawarg.flags", ev)).toBe(openFlags);
    expect(x("evt.rawarg.name", ev)).toBe("/etc/passwd");
    expect(x("evt.args", ev)).toBe(
      `fd=3(<f>/etc/passwd) dirfd=-100(AT_FDCWD) name=/etc/passwd flags=${openFlags}(O_TRUNC|O_CREAT|O_WRONLY) mode=0644 dev=803 ino=1234`,
    );
  });
  it("resolves relative paths against cwd and dirfd", () => {
    const dir = fdFile("/var/log", FdType.DIRECTORY);
    cat.fds.set(9, dir);
    const ev = mkEvent(PPME.SYSCALL_OPENAT_2_X, [-2, 9, "app/x.log", PPM_O.RDONLY, 0, 0, 0], { t: cat });
    expect(paramText(ev, 2)).toEqual({ plain: "app/x.log", resolved: "/var/log/app/x.log" });
    expect(x("evt.arg.name", ev)).toBe("/var/log/app/x.log");
    expect(x("evt.arg.fd", ev)).toBe("ENOENT");
    expect(x("evt.res", ev)).toBe("ENOENT");
    expect(x("evt.rawres", ev)).toBe(-2);
    expect(x("evt.failed", ev)).toBe(true);
    const ev2 = mkEvent(PPME.SYSCALL_OPENAT_2_X, [4, -100, "../etc/./hosts", PPM_O.RDONLY, 0, 0, 0], { t: cat });
    expect(x("evt.arg.name", ev2)).toBe("/etc/hosts");
    expect(x("evt.res", ev2)).toBe("SUCCESS");
    expect(x("evt.failed", ev2)).toBe(false);
    cat.fds.delete(9);
  });
  it("renders empty params, uid names and none", () => {
    const ev = mkEvent(PPME.SYSCALL_SETUID_X, [0, 1000], { t: cat });
    expect(x("evt.arg.uid", ev)).toBe("u");
    const ev2 = mkEvent(PPME.SYSCALL_SETUID_X, [0, 4242], { t: cat });
    expect(x("evt.arg.uid", ev2)).toBe("<NA>");
    const ev3 = mkEvent(PPME.SYSCALL_SETUID_X, [0, 0xffffffff], { t: cat });
    expect(x("evt.arg.uid", ev3)).toBe("<NONE>");
    expect(renderArgs(ev3)).toBe("res=0 uid=-1(<NONE>)");
    const ev4 = mkEvent(PPME.SYSCALL_SETUID_X, [0, null], { t: cat });
    expect(x("evt.arg.uid", ev4)).toBe("<NA>");
  });
  it("renders socket tuples and addresses", () => {
    const tup = encodeSockTuple("10.0.0.5", 40000, "1.2.3.4", 443);
    expect(socktupleText(tup)).toBe("10.0.0.5:40000->1.2.3.4:443");
    const six = encodeSockTuple("2001:db8::1", 1, "::ffff:1.2.3.4", 2);
    expect(socktupleText(six)).toBe("2001:db8::1:1->::ffff:1.2.3.4:2");
    expect(sockaddrText(new Uint8Array([2, 127, 0, 0, 1, 0x50, 0]))).toBe("127.0.0.1:80");
    expect(sockaddrText(new Uint8Array([1, 47, 116, 0]))).toBe("/t");
  });
  it("prints IPv6 as inet_ntop", () => {
    const v6 = (ip: string): string => socktupleText(encodeSockTuple(ip, 1, "2001:db8::2", 2)).split(":1->")[0]!;
    expect(v6("::1")).toBe("::1");
    expect(v6("fe80::1")).toBe("fe80::1");
    expect(v6("2001:db8:0:0:1:0:0:1")).toBe("2001:db8::1:0:0:1");
    expect(v6("2001:db8:0:1:0:0:0:1")).toBe("2001:db8:0:1::1");
    expect(v6("1::")).toBe("1::");
    expect(v6("::2.3.4.5")).toBe("::2.3.4.5");
    expect(v6("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2:3:4:5:6");
  });
  it("renders buffers, syscall ids and generic events", () => {
    const w = mkEvent(PPME.SYSCALL_WRITE_X, [5, "hi\n\u0001x"], { t: cat });
    expect(x("evt.arg.data", w)).toBe("hi..x");
    expect(x("evt.buffer", w)).toEqual(new TextEncoder().encode("hi\n\u0001x"));
    const g = mkEvent(PPME.GENERIC_X, [5, 2], { t: cat });
    expect(x("evt.type", g)).toBe("open");
    expect(x("evt.arg.ID", g)).toBe("open");
    expect(x("evt.args", g)).toBe("");
  });
  it("renders the socket domain enum and signals", () => {
    const ev = mkEvent(PPME.SOCKET_SOCKET_E, [1, 1, 0], { t: cat });
    expect(x("evt.arg.domain", ev)).toBe("AF_LOCAL|AF_UNIX");
    const k = mkEvent(PPME.SYSCALL_KILL_E, [100, 9], { t: cat });
    expect(x("evt.arg.pid", k)).toBe("bash");
    expect(x("evt.arg.sig", k)).toBe("SIGKILL");
    expect(renderArgs(k, ctx)).toBe("pid=100(bash) sig=9(SIGKILL)");
  });
  it("matches libsinsp's own unit-test expectations (filterchecks/evt.cpp, evt/rawarg.cpp)", () => {
    const load = FLAG_TABLES.bpf_commands!.find(([n]) => n === "BPF_PROG_LOAD")![1];
    expect(x("evt.arg.cmd", mkEvent(PPME.SYSCALL_BPF_2_X, [1, load], { t: cat }))).toBe("BPF_PROG_LOAD");
    const ep = mkEvent(PPME.SYSCALL_EPOLL_CREATE_X, [0, -22], { t: cat });
    expect(x("evt.rawarg.size", ep)).toBe(-22);
    const tf = mkEvent(PPME.SYSCALL_TIMERFD_CREATE_X, [0, 255, 255], { t: cat });
    expect(x("evt.rawarg.flags", tf)).toBe(255);
    expect(reg.bind("evt.rawarg.flags", undefined).print).toBe("HEX");
    const ev = openEv();
    expect(x("evt.count", ev)).toBe(1);
    expect(x("evt.count.exit", ev)).toBe(1);
    expect(x("evt.count.error", ev)).toBe(0);
    expect(x("evt.count.procinfo", ev)).toBe(0);
    expect(x("evt.count.threadinfo", ev)).toBe(0);
  });
  it("aliases evt.arg.source/target to mount's dev/dir", () => {
    const ev = mkEvent(PPME.SYSCALL_MOUNT_X, [0, "/proc", "/mnt/p", "proc", 0], { t: cat });
    expect(x("evt.arg.source", ev)).toBe("/proc");
    expect(x("evt.arg.target", ev)).toBe("/mnt/p");
    expect(x("fs.path.source", ev)).toBe("/proc");
    expect(x("fs.path.target", ev)).toBe("/mnt/p");
    const sym = mkEvent(PPME.SYSCALL_SYMLINK_X, [0, "/etc/shadow", "s"], { t: cat });
    expect(x("evt.arg.target", sym)).toBe("/etc/shadow");
  });
});

// ---------------------------------------------------------------- evt.*

describe("evt.* fields", () => {
  it("renders times exactly", () => {
    const ev = openEv();
    expect(x("evt.time.iso8601", ev)).toBe("2016-08-04T16:17:57.881781397+0000");
    expect(x("evt.time", ev)).toBe("16:17:57.881781397");
    expect(x("evt.time.s", ev)).toBe("16:17:57");
    expect(x("evt.datetime", ev)).toBe("2016-08-04 16:17:57.881781397");
    expect(x("evt.datetime.s", ev)).toBe("2016-08-04 16:17:57");
    expect(x("evt.rawtime", ev)).toBe(TS);
    expect(x("evt.rawtime.s", ev)).toBe(1_470_327_477n);
    expect(x("evt.rawtime.ns", ev)).toBe(881_781_397n);
    expect(reg.bind("evt.time.iso8601", undefined).json!(ev)).toBe(TS);
  });
  it("has type, dir, num, category, hostname, source", () => {
    const ev = openEv();
    expect(x("evt.type", ev)).toBe("openat");
    expect(x("evt.dir", ev)).toBe("<");
    expect(x("evt.num", ev)).toBe(7);
    expect(x("evt.category", ev)).toBe("file");
    expect(x("evt.hostname", ev)).toBe("test-host");
    expect(x("evt.source", ev)).toBe("syscall");
    expect(x("syscall.type", ev)).toBe("openat");
    // libsinsp matches only the first table row with that name (and the next code): the old
    // PPME_SYSCALL_OPENAT_E/X pair, not PPME_SYSCALL_OPENAT_2_X.
    expect(x("evt.type.is.openat", ev)).toBe(0);
    expect(x("evt.type.is.kill", mkEvent(PPME.SYSCALL_KILL_E, [1, 9], { t: cat }))).toBe(1);
    expect(x("evt.type.is.open", ev)).toBe(0);
    expect(x("evt.is_async", ev)).toBe(false);
  });
  it("computes evt.is_open_*", () => {
    const ev = openEv();
    expect(x("evt.is_open_write", ev)).toBe(true);
    expect(x("evt.is_open_read", ev)).toBe(false);
    expect(x("evt.is_open_exec", ev)).toBe(false);
    expect(x("evt.is_open_create", ev)).toBe(false);
    const ex = mkEvent(PPME.SYSCALL_OPENAT_2_X, [3, -100, "/tmp/x", PPM_O.RDWR | PPM_O.CREAT | PPM_O.F_CREATED, 0o755, 0, 0], { t: cat });
    expect(x("evt.is_open_read", ex)).toBe(true);
    expect(x("evt.is_open_write", ex)).toBe(true);
    expect(x("evt.is_open_exec", ex)).toBe(true);
    expect(x("evt.is_open_create", ex)).toBe(true);
    const other = mkEvent(PPME.SYSCALL_SETUID_X, [0, 0], { t: cat });
    expect(x("evt.is_open_read", other)).toBe(false);
    expect(x("evt.res", mkEvent(PPME.SYSCALL_KILL_E, [1, 9], { t: cat }))).toBeUndefined();
  });
  it("gives evt.abspath for relative *at paths", () => {
    const ev = mkEvent(PPME.SYSCALL_UNLINKAT_2_X, [0, -100, "tmp/f", 0], { t: cat });
    expect(x("evt.abspath", ev)).toBe("/root/tmp/f");
    const r = mkEvent(PPME.SYSCALL_RENAMEAT2_X, [0, -100, "a", -100, "/b/c", 0], { t: cat });
    expect(x("evt.abspath.src", r)).toBe("/root/a");
    expect(x("evt.abspath.dst", r)).toBe("/b/c");
  });
});

// ---------------------------------------------------------------- proc.* / thread.*

describe("process fields", () => {
  const ev = openEv();
  it("names the process and its ancestors", () => {
    expect(x("proc.name", ev)).toBe("cat");
    expect(x("proc.pname", ev)).toBe("bash");
    expect(x("proc.aname", ev, "0")).toBe("cat");
    expect(x("proc.aname[1]", ev)).toBe("bash");
    expect(x("proc.aname", ev, "2")).toBe("sshd");
    expect(x("proc.aname", ev, "3")).toBe("systemd");
    expect(x("proc.aname", ev, "4")).toBeUndefined();
    expect(x("proc.aname", ev)).toBe("bash sshd systemd");
    expect(reg.bind("proc.aname", undefined).multi!.values(ev)).toEqual(["bash", "sshd", "systemd"]);
    expect(reg.bind("proc.apid", undefined).multi!.values(ev)).toEqual([100, 50, 1]);
    expect(x("proc.apid", ev, "2")).toBe(50);
    expect(x("proc.apid", ev)).toBe(200); // libsinsp prints ancestor 0 without an index
    expect(x("proc.pid", ev)).toBe(200);
    expect(x("proc.ppid", ev)).toBe(100);
    expect(x("proc.pexepath", ev)).toBe("/usr/bin/bash");
    expect(x("proc.aexepath", ev, "3")).toBe("/usr/lib/systemd/systemd");
    expect(x("proc.sname", ev)).toBe("bash");
    expect(x("proc.vpgid.name", ev)).toBe("cat");
    expect(x("proc.is_vpgid_leader", ev)).toBe(true);
    expect(x("proc.loginshellid", ev)).toBe(100);
  });
  it("renders command lines, args and env", () => {
    expect(x("proc.cmdline", ev)).toBe("cat /etc/passwd -n");
    expect(x("proc.pcmdline", ev)).toBe("bash -i");
    expect(x("proc.args", ev)).toBe("/etc/passwd -n");
    expect(x("proc.args", ev, "1")).toBe("-n");
    expect(x("proc.args", ev, "5")).toBe("");
    expect(x("proc.cmdnargs", ev)).toBe(2);
    expect(x("proc.cmdlenargs", ev)).toBe(13);
    expect(x("proc.exeline", ev)).toBe("cat /etc/passwd -n");
    expect(x("proc.env", ev)).toBe("HOME=/home/u");
    expect(x("proc.env", ev, "HOME")).toBe("/home/u");
    expect(x("proc.aenv", ev, "PATH")).toBe("/usr/bin");
    expect(x("proc.aenv", ev, "SPACED")).toBe("a b");
    expect(x("proc.acmdline", ev, "1")).toBe("bash -i");
    expect(x("proc.cwd", ev)).toBe("/root/");
  });
  it("reports thread facts", () => {
    expect(x("thread.cap_effective", ev)).toBe("CAP_CHOWN CAP_DAC_OVERRIDE CAP_SYS_ADMIN");
    expect((x("thread.cap_permitted", ev) as string).split(" ")).toHaveLength(41);
    expect(x("thread.tid", ev)).toBe(200);
    expect(x("thread.ismain", ev)).toBe(true);
    expect(x("proc.nthreads", ev)).toBe(2);
    expect(x("proc.nchilds", ev)).toBe(1);
    expect(x("proc.duration", ev)).toBe(TS - 5_000_000_000n);
    expect(x("proc.tty", ev)).toBe(0);
    expect(x("proc.exe_ino", ev)).toBeUndefined();
    expect(x("proc.stdin.type", ev)).toBeUndefined();
    const t2 = mkEvent(PPME.SYSCALL_SETUID_X, [0, 0], { t: catThread });
    expect(x("thread.ismain", t2)).toBe(false);
    expect(x("proc.pname", t2)).toBe("bash");
    expect(x("proc.env", t2)).toBe("HOME=/home/u");
  });
  it("gives <NA> without a thread", () => {
    const n = mkEvent(PPME.SYSCALL_SETUID_X, [0, 0]);
    expect(x("proc.name", n)).toBeUndefined();
    expect(x("proc.aname", n, "1")).toBeUndefined();
    expect(x("user.name", n)).toBeUndefined();
    expect(x("thread.tid", n)).toBe(200);
    expect(x("fd.name", n)).toBeUndefined();
  });
});

// ---------------------------------------------------------------- user / group / container

describe("user, group and container fields", () => {
  const ev = openEv();
  it("resolves users and groups", () => {
    expect(x("user.uid", ev)).toBe(1000);
    expect(x("user.name", ev)).toBe("u");
    expect(x("user.homedir", ev)).toBe("/home/u");
    expect(x("user.shell", ev)).toBe("/bin/zsh");
    expect(x("user.loginuid", ev)).toBe(1000);
    expect(x("user.loginname", ev)).toBe("u");
    expect(x("group.name", ev)).toBe("users");
    const b = mkEvent(PPME.SYSCALL_SETUID_X, [0, 0], { t: bash });
    expect(x("user.name", b)).toBe("root");
    expect(x("user.homedir", b)).toBe("/root");
    expect(x("user.shell", b)).toBe("<NA>");
    expect(x("user.loginuid", b)).toBe(-1);
    expect(x("user.loginname", b)).toBe("<NA>");
    expect(x("group.name", b)).toBe("root");
  });
  it("gives host container fields for host processes", () => {
    expect(x("container.id", ev)).toBe("host");
    expect(x("container.name", ev)).toBe("host");
    expect(x("container.image.repository", ev)).toBe("");
    expect(x("container.privileged", ev)).toBe(false);
    expect(x("k8s.ns.name", ev)).toBeUndefined();
  });
  it("reads container metadata", () => {
    const c = thread({ tid: 300, comm: "nginx", containerId: nginx.id, pidnsInitStartTs: 1_000n });
    const cev = mkEvent(PPME.SYSCALL_SETUID_X, [0, 0], { t: c });
    expect(x("container.id", cev)).toBe("3ad7b26ded6d");
    expect(x("container.name", cev)).toBe("web");
    expect(x("container.image", cev)).toBe("nginx:1.25");
    expect(x("container.image.tag", cev)).toBe("1.25");
    expect(x("container.privileged", cev)).toBe(true);
    expect(x("container.host_network", cev)).toBe(true);
    expect(x("container.mount.dest", cev, "/var/run/docker.sock")).toBe("/var/run/docker.sock");
    expect(x("container.mount.dest[/proc*]", cev)).toBe("/host/proc");
    expect(x("container.mount.source", cev, "/host/proc")).toBe("/proc");
    expect(x("container.mount", cev, "1")).toBe("/proc:/host/proc:ro:false:rprivate");
    expect(x("container.mount.dest", cev, "/etc")).toBeUndefined();
    expect(x("container.mounts", cev)).toBe("/var/run/docker.sock:/var/run/docker.sock::true:rprivate,/proc:/host/proc:ro:false:rprivate");
    expect(x("container.label.app", cev)).toBe("web");
    expect(x("container.labels", cev)).toBe("app:web, tier");
    expect(x("k8s.pod.name", cev)).toBe("web-1");
    expect(x("k8s.ns.name", cev)).toBe("prod");
    expect(x("k8s.pod.label[app]", cev)).toBe("web");
    expect(x("container.start_ts", cev)).toBe(1_000n);
    expect(x("container.duration", cev)).toBe(TS - 1_000n);
    const u = thread({ tid: 301, comm: "x", containerId: "0123456789ab" });
    const uev = mkEvent(PPME.SYSCALL_SETUID_X, [0, 0], { t: u });
    expect(x("container.id", uev)).toBe("0123456789ab");
    expect(x("container.name", uev)).toBeUndefined();
  });
});

// ---------------------------------------------------------------- fd.*

describe("fd fields", () => {
  it("splits file names", () => {
    const ev = openEv();
    expect(x("fd.name", ev)).toBe("/etc/passwd");
    expect(x("fd.directory", ev)).toBe("/etc");
    expect(x("fd.filename", ev)).toBe("passwd");
    expect(x("fd.type", ev)).toBe("file");
    expect(x("fd.typechar", ev)).toBe("f");
    expect(x("fd.num", ev)).toBe(3);
    expect(x("fd.uid", ev)).toBe("2003");
    expect(x("fd.containername", ev)).toBe(":/etc/passwd"); // the plugin keeps "" as the host thread's container id
    expect(x("fd.types", ev)).toEqual(["file"]);
    expect(x("fd.types", ev, "3")).toEqual(["file"]);
    expect(x("fd.ip", ev)).toEqual([]);
    const root = fdFile("/vmlinuz");
    const r = mkEvent(PPME.SYSCALL_OPENAT_2_X, [5, -100, "/vmlinuz", 1, 0, 0, 0], { t: cat, fd: root, fdNum: 5 });
    expect(x("fd.directory", r)).toBe("/");
    expect(x("fd.filename", r)).toBe("vmlinuz");
  });
  it("takes the name from the event when the fd is unknown", () => {
    const ev = mkEvent(PPME.SYSCALL_OPENAT_2_X, [-2, -100, "nosuch", 1, 0, 0, 0], { t: cat });
    expect(x("fd.name", ev)).toBe("/root/nosuch");
    expect(x("fd.nameraw", ev)).toBe("nosuch");
    expect(x("fd.directory", ev)).toBe("/root");
    expect(x("fd.filename", ev)).toBeUndefined();
    expect(x("fd.typechar", ev)).toBe("f");
    expect(x("fd.name", mkEvent(PPME.SYSCALL_SETUID_X, [0, 0], { t: cat }))).toBeUndefined();
    const withRaw: FdInfo = { ...fdFile("/tmp/a"), nameRaw: "..//tmp//a" };
    const ev2 = mkEvent(PPME.SYSCALL_OPENAT_2_X, [6, -100, "..//tmp//a", 1, 0, 0, 0], { t: cat, fd: withRaw, fdNum: 6 });
    expect(x("fd.nameraw", ev2)).toBe("../tmp/a");
    expect(x("fs.path.name", ev2)).toBe("/tmp/a");
    expect(x("fs.path.nameraw", ev2)).toBe("..//tmp//a");
  });
  it("reads sockets: sides, ports, nets", () => {
    const s: FdInfo = { ...fdFile("10.0.0.5:40000->1.2.3.4:443", FdType.IPV4_SOCK), l4proto: 2, sip: "10.0.0.5", sport: 40000, dip: "1.2.3.4", dport: 443, connected: true };
    cat.fds.set(4, s);
    const ev = mkEvent(PPME.SOCKET_CONNECT_X, [0, encodeSockTuple("10.0.0.5", 40000, "1.2.3.4", 443), 4, null], { t: cat, fd: s, fdNum: 4 });
    expect(x("fd.typechar", ev)).toBe("4");
    expect(x("fd.type", ev)).toBe("ipv4");
    expect(x("fd.l4proto", ev)).toBe("tcp");
    expect(x("fd.sockfamily", ev)).toBe("ip");
    expect(x("fd.cip", ev)).toBe("10.0.0.5");
    expect(x("fd.sip", ev)).toBe("1.2.3.4");
    expect(x("fd.lip", ev)).toBe("10.0.0.5");
    expect(x("fd.rip", ev)).toBe("1.2.3.4");
    expect(x("fd.sport", ev)).toBe(443);
    expect(x("fd.cport", ev)).toBe(40000);
    expect(x("fd.lport", ev)).toBe(40000);
    expect(x("fd.rport", ev)).toBe(443);
    expect(x("fd.sproto", ev)).toBe("443");
    expect(x("fd.is_server", ev)).toBe(false);
    expect(x("fd.connected", ev)).toBe(true);
    const net = reg.bind("fd.net", undefined);
    expect(net.type).toBe("IPNET");
    expect(net.multi!.neAll).toBe(true);
    expect(net.multi!.values(ev)).toEqual(["10.0.0.5", "1.2.3.4"]);
    expect(reg.bind("fd.snet", undefined).extract(ev)).toBe("1.2.3.4");
    expect(reg.bind("fd.port", undefined).multi!.values(ev)).toEqual([40000, 443]);
    expect(x("evt.arg.fd", ev)).toBe("<4t>10.0.0.5:40000->1.2.3.4:443");
    expect(x("evt.arg.tuple", ev)).toBe("10.0.0.5:40000->1.2.3.4:443");
    expect(x("evt.arg.addr", ev)).toBe("<NA>");
    cat.fds.delete(4);
  });
});

describe("local address check (ifinfo.cpp)", () => {
  it("parses IPv6 text", () => {
    expect([...parseIpv6("::ffff:1.2.3.4")!]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect(parseIpv6("2001:db8::1")![15]).toBe(1);
    expect(parseIpv6("1:2:3")).toBeUndefined();
    expect(parseIpv6("::1:2::3")).toBeUndefined();
  });
  it("follows libsinsp's host/container rules", () => {
    const check = localAddressCheck(
      { ipv4: () => new Set(["10.0.0.5"]), ipv6: () => ["2001:db8:1:2::1"] },
      { get: (id) => (id === nginx.id ? nginx : undefined) },
      () => ["172.17.0.9"],
    );
    const host = thread({ tid: 400, comm: "h" });
    const inC = thread({ tid: 401, comm: "c", containerId: nginx.id });
    const noIp = thread({ tid: 402, comm: "c", containerId: "aaaaaaaaaaaa" });
    expect(check("10.0.0.5", host)).toBe(true);
    expect(check("10.0.0.6", host)).toBe(false);
    expect(check("2001:db8:1:2:ffff::9", host)).toBe(true);
    expect(check("2001:db8:1:3::1", host)).toBe(false);
    expect(check("172.17.0.2", inC)).toBe(true);
    // a container with an IP: its own IP, else the host's interfaces (ifinfo.cpp falls through)
    expect(check("10.0.0.5", inC)).toBe(true);
    expect(check("10.0.0.7", inC)).toBe(false);
    // a container without an IP: any container's IP, and no interface fallback
    expect(check("172.17.0.9", noIp)).toBe(true);
    expect(check("10.0.0.5", noIp)).toBe(false);
    expect(check("2001:db8:1:2::1", inC)).toBe(false);
  });
});

// ---------------------------------------------------------------- registry

describe("registry lookup and binding", () => {
  it("rejects unknown fields and bad arguments as libsinsp", () => {
    expect(() => reg.bind("proc.nosuch", undefined)).toThrow(FieldError);
    expect(() => reg.bind("proc.nosuch", undefined)).toThrow("filter_check called with nonexistent field proc.nosuch");
    expect(() => reg.bind("proc.name", "1")).toThrow("nonexistent field proc.name[1]");
    expect(() => reg.bind("proc.aname", "x")).toThrow(FieldError);
    expect(() => reg.bind("evt.arg.nosuchparam", undefined)).toThrow("unknown event argument nosuchparam");
    expect(() => reg.bind("evt.arg.flagsx", undefined)).toThrow("nonexistent field evt.arg.flagsx");
    expect(() => reg.bind("evt.arg", undefined)).toThrow("filter syntax error: evt.arg");
    expect(() => reg.bind("container.mount.dest", undefined)).toThrow("requires an argument");
    expect(() => reg.bind("container.name", "x")).toThrow("does not allow nor require an argument");
    expect(reg.lookup("evt.arg.flags")?.name).toBe("evt.arg");
    expect(reg.lookup("proc.aname[2]")?.name).toBe("proc.aname");
    expect(reg.lookup("evt.args")?.name).toBe("evt.args");
    expect(reg.lookup("thread.cgroups")?.name).toBe("thread.cgroups");
    expect(reg.lookup("nope")).toBeUndefined();
    expect(reg.bind("evt.rawarg.res", undefined).type).toBe("ERRNO");
    expect(reg.bind("evt.arg.res", undefined).type).toBe("CHARBUF");
  });

  const table = JSON.parse(readFileSync(new URL("../../shared/conformance/libsinsp_0.25.4_fields.json", import.meta.url), "utf8")) as {
    name: string; type: string; flags: string[];
  }[];
  it("lists every libsinsp 0.25.4 field with its type and flags", () => {
    const all = new Map(reg.all().map((d) => [d.name, d]));
    let n = 0;
    for (const f of table) {
      if (f.name === "NA") continue;
      const d = all.get(f.name);
      expect(d, f.name).toBeDefined();
      expect(d!.type, f.name).toBe(f.type.replace(/^PT_/, ""));
      expect([...(d!.flags ?? [])].sort(), f.name).toEqual(f.flags.filter((x) => x !== "EPF_NONE").map((x) => x.slice(4)).sort());
      n++;
    }
    expect(n).toBeGreaterThan(230);
    // --list order: libsinsp's filter_check_list class order, then the container plugin.
    const classes = reg.all().map((d) => d.cls).filter((c, i, a) => a.indexOf(c) === i);
    expect(classes).toEqual(["evt", "process", "user", "group", "fd", "fs.path", "util", "fdlist", "container"]);
    expect(reg.all()[0]!.name).toBe("evt.num");
  });
  it("binds and extracts every field on sample events without throwing", () => {
    const samples = [openEv(), mkEvent(PPME.SYSCALL_SETUID_X, [0, 0], { t: bash }), mkEvent(PPME.SYSCALL_SETUID_X, [0, 0])];
    for (const d of reg.all()) {
      const arg = d.arg === "required" ? (d.name.startsWith("container.mount") || d.name.endsWith(".label") ? "x" : undefined) : undefined;
      if (d.arg === "required" && arg === undefined) continue; // evt.arg, evt.rawarg, evt.type.is, evt.abspath, thread.cgroup: dot forms below
      const b = reg.bind(d.name, arg);
      for (const ev of samples) expect(() => b.extract(ev), d.name).not.toThrow();
    }
    for (const name of ["evt.arg.flags", "evt.rawarg.flags", "evt.type.is.open", "thread.cgroup.cpu"]) {
      for (const ev of samples) expect(() => reg.bind(name, undefined).extract(ev), name).not.toThrow();
    }
  });

  it("resolves every field the upstream rules use", () => {
    const dir = new URL("../../shared/rules/", import.meta.url);
    const names = new Set<string>();
    const fieldRe = /(?<![\w.\-/])((?:evt|proc|thread|fd|fdlist|fs\.path|user|group|container|k8s|syscall|util)\.[A-Za-z0-9_.]*[A-Za-z0-9_])(\[[^\]]*\])?/g;
    const scan = (text: string): void => {
      const noStrings = text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, " ");
      for (const m of noStrings.matchAll(fieldRe)) names.add(m[1]! + (m[2] ?? ""));
    };
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".yaml"))) {
      const doc = parseYaml(readFileSync(new URL(f, dir), "utf8")) as Record<string, unknown>[];
      for (const item of doc) {
        if (typeof item.condition === "string") scan(item.condition);
        if (typeof item.output === "string") scan(item.output.replace(/%/g, " "));
        if (Array.isArray(item.exceptions)) for (const e of item.exceptions as { fields?: unknown }[]) {
          if (Array.isArray(e.fields)) for (const fld of e.fields) if (typeof fld === "string") names.add(fld);
          else if (typeof e.fields === "string") names.add(e.fields);
        }
      }
    }
    expect(names.size).toBeGreaterThan(80);
    // Falco's own conformance rule files: every field must resolve except these deliberate ones.
    const tdir = new URL("../../shared/conformance/testing_rules/", import.meta.url);
    const expectedUnknown = new Set(["container.info", "k8s.gcr.io", "proc.nobody"]);
    for (const f of readdirSync(tdir).filter((n) => n.endsWith(".yaml"))) {
      let doc: unknown;
      try {
        doc = parseYaml(readFileSync(new URL(f, tdir), "utf8"), { logLevel: "silent" });
      } catch {
        continue; // malformed YAML cases belong to the loader tests
      }
      if (!Array.isArray(doc)) continue;
      for (const item of doc as Record<string, unknown>[]) {
        if (!item || typeof item !== "object") continue;
        if (typeof item.condition === "string") scan(item.condition);
        if (typeof item.output === "string") scan(item.output.replace(/%/g, " "));
      }
    }
    for (const n of expectedUnknown) {
      expect(names.has(n), n).toBe(true);
      expect(() => reg.bind(n, undefined), n).toThrow(FieldError);
      names.delete(n);
    }
    const failures: string[] = [];
    for (const n of names) {
      try {
        reg.bind(n, undefined);
      } catch (e) {
        failures.push(`${n}: ${(e as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

// ---------------------------------------------------------------- with the real state objects

import { Thread, ThreadTable } from "../src/state/threads.ts";
import { UserGroupManager } from "../src/state/users.ts";
import { fieldContextFromState } from "../src/fields/context.ts";

describe("fields over the state engine's ThreadTable and UserGroupManager", () => {
  it("walks real Thread objects and resolves users per container", () => {
    const table = new ThreadTable();
    const mk = (tid: number, pid: number, ptid: number, comm: string): Thread => {
      const t = new Thread();
      Object.assign(t, { tid, pid, ptid, vtid: tid, vpid: pid, comm, exe: comm, exepath: `/bin/${comm}`, uid: 1000, gid: 1000, containerId: "host" });
      table.add(t);
      return t;
    };
    mk(1, 1, 0, "init");
    mk(10, 10, 1, "sh");
    const child = mk(20, 20, 10, "curl");
    mk(21, 20, 10, "curl");
    const ug = new UserGroupManager("/nonexistent-root", { readFiles: false });
    ug.addUser({ uid: 1000, gid: 1000, name: "alice", homedir: "/home/alice", shell: "/bin/sh" }, "");
    ug.addGroup({ gid: 1000, name: "staff" }, "");
    const sctx = fieldContextFromState({ threads: table, usergroups: ug, hostname: () => "h" });
    const r = createRegistry(sctx);
    const ev = mkEvent(PPME.SYSCALL_SETUID_X, [0, 1000], { t: table.get(21)! });
    expect(r.bind("proc.aname", "1").extract(ev)).toBe("sh");
    expect(r.bind("proc.aname", undefined).extract(ev)).toBe("sh init");
    expect(r.bind("proc.pid", undefined).extract(ev)).toBe(20);
    expect(r.bind("thread.tid", undefined).extract(ev)).toBe(21);
    expect(r.bind("thread.ismain", undefined).extract(ev)).toBe(false);
    expect(r.bind("proc.nthreads", undefined).extract(ev)).toBe(2);
    expect(r.bind("user.name", undefined).extract(ev)).toBe("alice");
    expect(r.bind("group.name", undefined).extract(ev)).toBe("staff");
    expect(r.bind("evt.arg.uid", undefined).extract(ev)).toBe("alice");
    expect(child.cwd.endsWith("/")).toBe(true);
    expect(r.bind("proc.cwd", undefined).extract(ev)).toBe(child.cwd);
  });
});

// Compile-time: the container manager plugs into FieldContext.containers (checked by `tsc`).
import type { ContainerManager } from "../src/containers/cache.ts";
import type { StateSources } from "../src/fields/context.ts";
type ContainersFit = ContainerManager extends NonNullable<StateSources["containers"]> ? true : false;
const containersFit: ContainersFit = true;
it("container manager type fits FieldContext.containers", () => expect(containersFit).toBe(true));
