/**
 * Field-by-field ground truth, live (real probe, real kernel): one helper process
 * (test/fixtures/live/field_actions.py run by a copy of python3 named fts_fld_py) performs one raw
 * syscall per action and prints what /proc/self and the syscall's own return value say; the agent
 * runs one rule per event type (`rule_matching=all`) whose output prints the process, user, fd and
 * every exit parameter of that event (`%evt.arg.<name>`), and the JSON alerts are compared value by
 * value with that truth: pid/tid/ppid, session, process group, tty, loginuid, exe path, cmdline, cwd
 * (relative paths resolved after chdir), uid/user name/gid, fd numbers and names, socket tuples and ends, flags/mode rendering, res.
 *
 * Also fork(2) and clone3(2) as raw syscalls. Every event type of issue 4's list is asserted to be captured (PROBE_EVENTS) and checked; none is
 * out of the probe's reach on this machine. Known, documented behaviours asserted as such:
 *  - a successful execveat(2) is reported as evt.type=execve on x86-64 (libs modern_bpf
 *    execveat.bpf.c: "in case of success the execve_x bpf program is called"); a failing one is
 *    evt.type=execveat;
 *  - init_module/finit_module fail with ENOSYS here (kernel built without module support), so
 *    they are checked as failing calls (evt.res=ENOSYS, evt.failed=true);
 *  - setregid's rgid/egid are PT_UID in libs' event table, so evt.arg.rgid renders a *user* name.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { constants as osConstants, tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, startAgent, type AgentHandle, type JsonAlert } from "./helpers/agent.ts";
import { EVENT_CODES_BY_NAME, EVENT_TABLE, EF } from "../src/events/event_table.ts";
import { PROBE_EVENTS } from "../src/probe/syscalls_x86_64.ts";

/** Event types this file checks (issue 4's list; glibc's fork() is clone(2), raw fork(2) and clone3(2) are added). */
const TYPES = [
  "execve", "execveat", "clone", "fork", "clone3", "open", "openat", "openat2", "creat", "close", "dup", "dup2", "dup3", "fcntl",
  "connect", "accept", "accept4", "bind", "listen", "socket", "sendto", "sendmsg", "unlink", "unlinkat", "rename",
  "renameat", "renameat2", "mkdir", "mkdirat", "rmdir", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmod",
  "fchmodat", "setuid", "setgid", "setresuid", "setresgid", "setreuid", "setregid", "setns", "unshare", "ptrace",
  "mount", "umount2", "init_module", "finit_module", "memfd_create", "bpf", "prctl", "userfaultfd",
] as const;

const COMMON = [
  "evt.type", "evt.dir", "evt.res", "evt.rawres", "evt.failed", "proc.name", "proc.pid", "thread.tid", "proc.ppid",
  "proc.pname", "proc.exepath", "proc.exe", "proc.cmdline", "proc.cwd", "user.uid", "user.name", "group.gid", "group.name",
  "fd.num", "fd.name", "fd.nameraw", "fd.type", "fd.typechar", "fd.directory", "fd.filename", "fd.sip", "fd.sport",
  "fd.cip", "fd.cport", "fd.lip", "fd.lport", "fd.rip", "fd.rport", "fd.l4proto", "fd.connected", "fd.is_server",
  "evt.abspath", "evt.abspath.dst", "evt.args", "proc.sid", "proc.vpgid", "proc.vpid", "proc.tty", "user.loginuid",
];

/** Exit parameters of an event type (the newest, non-old exit layout), for %evt.arg.<name>. */
function exitParams(type: string): string[] {
  const codes = EVENT_CODES_BY_NAME.get(type) ?? [];
  const exits = codes.map((c) => EVENT_TABLE[c]!).filter((e) => e.dir === "<" && (e.flags & EF.OLD_VERSION) === 0);
  const e = exits[exits.length - 1];
  return e ? [...new Set(e.params.map((p) => p.name))] : [];
}

/** One rule per event type, printing the common fields and every exit argument. */
function rulesYaml(): string {
  return TYPES.map((t) => {
    const fields = [...COMMON, ...exitParams(t).map((p) => `evt.arg.${p}`)];
    return [
      `- rule: FLD ${t}`,
      `  desc: field ground truth for ${t}`,
      `  condition: evt.type = ${t} and proc.name in (fts_fld_py, fts_fld_true)`,
      `  output: "FLD ${fields.map((f) => `${f}=%${f}`).join(" ")}"`,
      `  priority: WARNING`,
      "",
    ].join("\n");
  }).join("\n");
}

/** One line of the helper's ground truth. */
interface Truth {
  action: string;
  evt: string;
  res: number;
  pid: number;
  tid: number;
  ppid: number;
  uid: number;
  gid: number;
  cwd: string;
  exe: string;
  argv: string[];
  comm: string;
  sid: number;
  pgid: number;
  tty: number;
  loginuid: number;
  [k: string]: unknown;
}

const ERRNO_NAME = new Map<number, string>(Object.entries(osConstants.errno).map(([k, v]) => [v as number, k]));
function nameDb(file: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const f = line.split(":");
    if (f.length >= 3) m.set(Number(f[2]), f[0]!);
  }
  return m;
}
const USERS = nameDb("/etc/passwd");
const GROUPS = nameDb("/etc/group");

let agent: AgentHandle;
let W = "";
let truth: Truth[] = [];
let helperPid = 0;

function t(action: string): Truth {
  const r = truth.find((x) => x.action === action);
  if (!r) throw new Error(`helper printed no ${action} line; got ${truth.map((x) => x.action).join(",")}`);
  return r;
}

function alertsOf(type: string, tid: number): Record<string, unknown>[] {
  return agent.alerts.filter((a) => a.rule === `FLD ${type}` && a.output_fields["thread.tid"] === tid).map((a) => a.output_fields);
}

/** The alert of one action: its type, its thread, and `pred` on the fields. */
function find(tr: Truth, pred: (f: Record<string, unknown>) => boolean = () => true, type = tr.evt, tid = tr.tid): Record<string, unknown> {
  const all = alertsOf(type, tid);
  const hit = all.filter(pred);
  if (hit.length !== 1) {
    throw new Error(`${tr.action}: expected 1 matching ${type} alert of tid ${tid}, got ${hit.length} (of ${all.length}): ${JSON.stringify(all.slice(-3))}`);
  }
  return hit[0]!;
}

/** Process/user/result fields every event carries, compared with /proc and the call's result. */
function expectCommon(f: Record<string, unknown>, tr: Truth): void {
  expect(f["proc.pid"]).toBe(tr.pid);
  expect(f["thread.tid"]).toBe(tr.tid);
  expect(f["proc.ppid"]).toBe(tr.ppid);
  expect(f["proc.exepath"]).toBe(tr.exe);
  expect(f["proc.name"]).toBe(tr.comm);
  expect(f["proc.cmdline"]).toBe([tr.comm, ...tr.argv.slice(1)].join(" "));
  expect(f["proc.cwd"]).toBe(tr.cwd + "/");
  expect(f["user.uid"]).toBe(tr.uid);
  expect(f["user.name"]).toBe(USERS.get(tr.uid));
  expect(f["group.gid"]).toBe(tr.gid);
  expect(f["group.name"]).toBe(GROUPS.get(tr.gid));
  expect(f["proc.vpid"]).toBe(tr.pid); // no pid namespace
  expect(f["proc.sid"]).toBe(tr.sid);
  expect(f["proc.vpgid"]).toBe(tr.pgid);
  expect(f["proc.tty"]).toBe(tr.tty);
  expect(f["user.loginuid"]).toBe(tr.loginuid === 4294967295 ? -1 : tr.loginuid);
  expect(f["evt.dir"]).toBe("<");
  expect(f["evt.rawres"]).toBe(tr.res);
  expect(f["evt.res"]).toBe(tr.res >= 0 ? "SUCCESS" : ERRNO_NAME.get(-tr.res));
  expect(f["evt.failed"]).toBe(tr.res < 0);
}

function expectFile(f: Record<string, unknown>, fd: number, path: string): void {
  expect(f["fd.num"]).toBe(fd);
  expect(f["fd.name"]).toBe(path);
  expect(f["fd.type"]).toBe("file");
  expect(f["fd.typechar"]).toBe("f");
  expect(f["fd.directory"]).toBe(path.slice(0, path.lastIndexOf("/")));
  expect(f["fd.filename"]).toBe(path.slice(path.lastIndexOf("/") + 1));
}

beforeAll(async () => {
  W = mkdtempSync(join(tmpdir(), "fts-fld-"));
  copyFileSync("/usr/bin/python3", join(W, "fts_fld_py"));
  spawnSync("chmod", ["755", join(W, "fts_fld_py")]);
  copyFileSync("/bin/true", join(W, "fts_fld_true"));
  spawnSync("chmod", ["755", join(W, "fts_fld_true")]);
  writeFileSync(join(W, "rules.yaml"), rulesYaml());
  agent = await startAgent(["-r", join(W, "rules.yaml"), "-o", "json_output=true", "-o", "rule_matching=all"], { readyMs: 30_000 });
  const r = spawnSync(join(W, "fts_fld_py"), [join(REPO, "test/fixtures/live/field_actions.py"), W], { cwd: W, encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`helper failed (${r.status}): ${r.stderr}`);
  helperPid = r.pid!;
  truth = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Truth);
  // The execveat child's exec is the helper's last traced event: wait for it, then a little longer.
  const child = (t("execveat").child as Truth).pid;
  await agent.waitFor((a) => a.rule === "FLD execve" && a.output_fields["proc.pid"] === child, 5000);
  await new Promise((res) => setTimeout(res, 300));
}, 90_000);

afterAll(async () => {
  const code = await agent?.stop();
  rmSync(W, { recursive: true, force: true });
  expect(code).toBe(0);
});

describe("live field ground truth (real probe)", () => {
  it("every event type checked here is captured by the probe, and each produced an alert", () => {
    const notCaptured = TYPES.filter((x) => !PROBE_EVENTS.has(x));
    expect(notCaptured).toEqual([]);
    const seen = new Set(agent.alerts.filter((a) => a.rule.startsWith("FLD ")).map((a) => a.rule.slice(4)));
    expect(TYPES.filter((x) => !seen.has(x))).toEqual([]);
    expect(truth.at(-1)!.action).toBe("done");
  });

  it("execve: the helper's own exec (pid, ppid = the test process, exe path, cmdline, cwd, user)", () => {
    const tr = { ...t("open"), res: 0 };
    const f = find(tr, (x) => x["proc.pid"] === helperPid, "execve");
    expect(tr.pid).toBe(helperPid);
    expect(tr.ppid).toBe(process.pid);
    expectCommon(f, tr);
    expect(f["proc.exe"]).toBe(join(W, "fts_fld_py"));
    expect(f["proc.pname"]).toBe(readFileSync(`/proc/${process.pid}/comm`, "utf8").trim());
    expect(f["evt.arg.exe"]).toBe(join(W, "fts_fld_py"));
    expect(f["evt.arg.args"]).toBe(`${tr.argv.slice(1).join(".")}.`);
  });

  it("execveat: success is reported as execve (libs x86-64 behaviour) with the new image; failure as execveat", () => {
    const tr = t("execveat");
    const child = tr.child as Truth;
    const f = find({ ...child, action: "execveat child", evt: "execve", res: 0, comm: "fts_fld_true", exe: tr.path as string, argv: ["fts_fld_true", "--x"] });
    expectCommon(f, { ...child, action: "", evt: "execve", res: 0, comm: "fts_fld_true", exe: tr.path as string, argv: ["fts_fld_true", "--x"] });
    expect(f["proc.exe"]).toBe("fts_fld_true");
    expect(f["proc.pname"]).toBe("fts_fld_py");
    expect(alertsOf("execveat", child.tid)).toEqual([]);
    const fail = t("execveat_fail");
    expect(fail.res).toBe(-2);
    const g = find(fail);
    expectCommon(g, fail);
    expect(g["evt.arg.exe"]).toBe("fts_fld_missing");
  });

  it("clone (fork): parent side res = child pid, child side res = 0 with ppid = parent", () => {
    const tr = t("fork");
    const p = find(tr, (x) => x["evt.rawres"] === tr.child);
    expectCommon(p, tr);
    expect(p["evt.arg.flags"]).toBe("CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID");
    const c = find(tr, () => true, "clone", tr.child as number);
    expectCommon(c, { ...tr, pid: tr.child as number, tid: tr.child as number, ppid: tr.pid, res: 0 });
    expect(c["proc.pname"]).toBe("fts_fld_py");
  });

  it("fork (raw syscall) / clone3: parent side res = child pid, child side res = 0", () => {
    for (const name of ["fork_raw", "clone3"]) {
      const tr = t(name);
      expect(tr.res).toBeGreaterThan(0);
      const p = find(tr, (x) => x["evt.rawres"] === tr.child);
      expectCommon(p, tr);
      const c = find(tr, () => true, tr.evt, tr.child as number);
      expectCommon(c, { ...tr, pid: tr.child as number, tid: tr.child as number, ppid: tr.pid, res: 0 });
    }
  });

  it("open / openat (relative path after chdir) / openat2 / creat: fd number, resolved names, flags, mode", () => {
    const o = t("open");
    let f = find(o, (x) => x["fd.num"] === o.fd && x["fd.name"] === o.path);
    expectCommon(f, o);
    expectFile(f, o.fd as number, o.path as string);
    expect(f["evt.arg.flags"]).toBe("O_RDONLY|O_CLOEXEC");
    expect(f["evt.arg.name"]).toBe(o.path);

    const r = t("openat_rel");
    f = find(r, (x) => x["fd.nameraw"] === "../rel.txt");
    expectCommon(f, r);
    expectFile(f, r.fd as number, r.path as string);
    expect(f["evt.arg.flags"]).toBe("O_TRUNC|O_CREAT|O_WRONLY|O_F_CREATED");
    expect(f["evt.arg.mode"]).toBe("0640");
    expect(f["evt.arg.dirfd"]).toBe("AT_FDCWD");
    expect(f["evt.abspath"]).toBe(r.path);

    const a = t("openat2");
    f = find(a, (x) => x["fd.num"] === a.fd);
    expectCommon(f, a);
    expectFile(f, a.fd as number, a.path as string);
    expect(f["fd.nameraw"]).toBe("open.txt");
    expect(f["evt.arg.flags"]).toBe("O_APPEND|O_RDWR");
    expect(f["evt.arg.dirfd"]).toBe(`<d>${W}`);

    const c = t("creat");
    f = find(c);
    expectCommon(f, c);
    expectFile(f, c.fd as number, c.path as string);
    expect(f["evt.arg.mode"]).toBe("0600");
  });

  it("close: the closed fd's number and name", () => {
    const c = t("close");
    const f = find(c, (x) => x["fd.num"] === c.fd && x["fd.name"] === c.path);
    expectCommon(f, c);
    expectFile(f, c.fd as number, c.path as string);
    expect(f["evt.arg.fd"]).toBe(`<f>${c.path}`);
  });

  it("dup / dup2 / dup3 / fcntl(F_DUPFD_CLOEXEC): new fd number and the duplicated file", () => {
    for (const name of ["dup", "dup2", "dup3"]) {
      const d = t(name);
      const f = find(d);
      expectCommon(f, d);
      expectFile(f, d.fd as number, d.path as string);
      expect(f["evt.arg.oldfd"]).toBe(`<f>${d.path}`);
      if (name !== "dup") expect(f["evt.arg.newfd"]).toBe(`<f>${d.path}`);
      if (name === "dup3") expect(f["evt.arg.flags"]).toBe("O_CLOEXEC");
    }
    const c = t("fcntl");
    const f = find(c, (x) => x["evt.arg.cmd"] === "F_DUPFD_CLOEXEC" && x["evt.arg.fd"] === `<f>${c.path}`);
    expectCommon(f, c);
    expect(f["fd.name"]).toBe(c.path);
    expect(f["evt.arg.fd"]).toBe(`<f>${c.path}`);
  });

  it("socket / bind / listen: fd numbers, addresses, l4 protocol", () => {
    const s = t("socket");
    let f = find(s, (x) => x["fd.num"] === s.fd && x["evt.arg.type"] === "1");
    expectCommon(f, s);
    expect(f["evt.arg.domain"]).toBe("AF_INET");
    expect(f["fd.type"]).toBe("ipv4");
    expect(f["fd.l4proto"]).toBe("tcp");
    const b = t("bind");
    f = find(b, (x) => x["fd.num"] === b.fd);
    expectCommon(f, b);
    expect(f["evt.arg.addr"]).toBe(`127.0.0.1:${b.port}`);
    expect(f["fd.name"]).toBe(`127.0.0.1:${b.port}`);
    const l = t("listen");
    f = find(l);
    expectCommon(f, l);
    expect(f["fd.num"]).toBe(l.fd);
    expect(f["evt.arg.backlog"]).toBe("5"); // evt.arg.* is always text
    expect(f["fd.name"]).toBe(`127.0.0.1:${l.port}`);
  });

  it("connect / accept / accept4: tuples, client/server/local/remote ends on loopback", () => {
    for (const name of ["connect", "accept", "accept4"]) {
      const c = t(name);
      const f = find(c, (x) => x["fd.num"] === c.fd);
      expectCommon(f, c);
      const tuple = `127.0.0.1:${c.cport}->127.0.0.1:${c.sport}`;
      expect(f["fd.name"]).toBe(tuple);
      expect(f["fd.type"]).toBe("ipv4");
      expect(f["fd.l4proto"]).toBe("tcp");
      expect(f["fd.connected"]).toBe(true);
      expect([f["fd.cip"], f["fd.cport"], f["fd.sip"], f["fd.sport"]]).toEqual(["127.0.0.1", c.cport, "127.0.0.1", c.sport]);
      // libsinsp: 127.0.0.1 is a local interface address, so the client end is "local" on both
      // sides of a loopback connection, and fd.is_server is "server address is local".
      expect([f["fd.lip"], f["fd.lport"], f["fd.rip"], f["fd.rport"], f["fd.is_server"]]).toEqual(["127.0.0.1", c.cport, "127.0.0.1", c.sport, true]);
      expect(f["evt.arg.tuple"]).toBe(tuple);
      if (name === "connect") expect(f["evt.arg.addr"]).toBe(`127.0.0.1:${c.sport}`);
      if (name === "accept4") expect(f["evt.arg.flags"]).toBe("80000"); // SOCK_CLOEXEC, PF_HEX
    }
  });

  it("sendto / sendmsg (UDP): tuple from the socket, size, data", () => {
    for (const name of ["sendto", "sendmsg"]) {
      const s = t(name);
      const f = find(s, (x) => x["fd.num"] === s.fd);
      expectCommon(f, s);
      const tuple = `${s.sip}:${s.sport}->127.0.0.1:${s.dport}`;
      expect(f["evt.arg.tuple"]).toBe(tuple);
      expect(f["fd.name"]).toBe(tuple);
      expect(f["fd.l4proto"]).toBe("udp");
      expect(f["evt.arg.size"]).toBe(String(s.size));
      expect(f["evt.arg.data"]).toBe(s.data);
    }
  });

  it("unlink / unlinkat / rmdir / mkdir / mkdirat: paths (dirfd-relative resolved), modes", () => {
    let tr = t("unlink");
    let f = find(tr, (x) => x["evt.arg.path"] === tr.path);
    expectCommon(f, tr);
    // libsinsp evt.abspath covers only the dirfd-relative (*at) events: none for unlink/rename/link.
    expect(f["evt.abspath"]).toBe(null);
    tr = t("unlinkat");
    f = find(tr);
    expectCommon(f, tr);
    expect(f["evt.arg.name"]).toBe(tr.path);
    expect(f["evt.abspath"]).toBe(tr.path);
    expect(f["fd.num"]).toBe(tr.dirfd);
    expect(f["fd.name"]).toBe(W);
    expect(f["fd.type"]).toBe("directory");
    tr = t("rmdir");
    f = find(tr, (x) => x["evt.arg.path"] === tr.path);
    expectCommon(f, tr);
    tr = t("mkdir");
    f = find(tr, (x) => x["evt.arg.path"] === tr.path);
    expectCommon(f, tr);
    expect(f["evt.arg.mode"]).toBe("1E8"); // 0750, PF_HEX
    tr = t("mkdirat");
    f = find(tr);
    expectCommon(f, tr);
    expect(f["evt.arg.path"]).toBe(tr.path);
    expect(f["evt.abspath"]).toBe(tr.path);
    expect(f["evt.arg.mode"]).toBe("1C0"); // 0700
  });

  it("rename / renameat / renameat2 / link / linkat / symlink / symlinkat: both paths resolved", () => {
    for (const name of ["rename", "renameat", "renameat2", "link", "linkat"]) {
      const tr = t(name);
      const f = find(tr);
      expectCommon(f, tr);
      expect(f["evt.arg.oldpath"]).toBe(tr.oldpath);
      expect(f["evt.arg.newpath"]).toBe(tr.newpath);
      const at = name.endsWith("at") || name === "renameat2";
      expect(f["evt.abspath"]).toBe(at ? tr.oldpath : null);
      expect(f["evt.abspath.dst"]).toBe(at ? tr.newpath : null);
      if (name === "renameat2") expect(f["evt.arg.flags"]).toBe("RENAME_NOREPLACE");
    }
    for (const name of ["symlink", "symlinkat"]) {
      const tr = t(name);
      const f = find(tr);
      expectCommon(f, tr);
      expect(f["evt.arg.target"]).toBe(tr.target);
      expect(f["evt.arg.linkpath"]).toBe(tr.linkpath);
    }
  });

  it("chmod / fchmod / fchmodat: path or fd, mode rendered as S_* flags", () => {
    let tr = t("chmod");
    let f = find(tr);
    expectCommon(f, tr);
    expect(f["evt.arg.filename"]).toBe(tr.path);
    expect(f["evt.arg.mode"]).toBe("S_IROTH|S_IWUSR|S_IRUSR");
    tr = t("fchmod");
    f = find(tr);
    expectCommon(f, tr);
    expectFile(f, tr.fd as number, tr.path as string);
    expect(f["evt.arg.mode"]).toBe("S_IROTH|S_IRGRP|S_IWUSR|S_IRUSR");
    tr = t("fchmodat");
    f = find(tr);
    expectCommon(f, tr);
    expect(f["evt.arg.filename"]).toBe(tr.path);
    expect(f["evt.arg.mode"]).toBe("S_IWUSR|S_IRUSR");
  });

  it("setgid/setresgid/setregid/setresuid/setreuid/setuid: args, and user/group follow the change", () => {
    for (const name of ["setgid", "setresgid", "setregid", "setresuid", "setreuid", "setuid"]) {
      const tr = t(name);
      const f = find(tr, (x) => x["evt.rawres"] === 0);
      expectCommon(f, tr);
    }
    expect(find(t("setgid"))["evt.arg.gid"]).toBe("nogroup");
    expect(find(t("setresgid"))["evt.arg.egid"]).toBe("nogroup");
    // libs' event table types setregid's rgid/egid as PT_UID: rendered as a user name.
    expect(find(t("setregid"))["evt.arg.rgid"]).toBe(USERS.get(65534));
    expect(find(t("setresuid"))["evt.arg.euid"]).toBe("root");
    expect(find(t("setuid"), (x) => x["evt.rawres"] === 0)["evt.arg.uid"]).toBe("nobody");
    const fail = t("setuid_fail");
    expect(fail.res).toBe(-1);
    const f = find(fail, (x) => x["evt.rawres"] === -1);
    expectCommon(f, fail);
    expect(f["user.name"]).toBe("nobody");
    expect(f["evt.arg.uid"]).toBe("root");
  });

  it("setns / unshare: fd of the namespace file, CLONE_NEWUTS", () => {
    const s = t("setns");
    let f = find(s);
    expectCommon(f, s);
    expect(f["fd.num"]).toBe(s.fd);
    expect(f["fd.name"]).toBe("/proc/self/ns/uts");
    expect(f["evt.arg.nstype"]).toBe("CLONE_NEWUTS");
    const u = t("unshare");
    f = find(u);
    expectCommon(f, u);
    expect(f["evt.arg.flags"]).toBe("CLONE_NEWUTS");
  });

  it("ptrace: request and target pid", () => {
    const p = t("ptrace");
    const f = find(p, (x) => x["evt.arg.request"] === "PTRACE_ATTACH");
    expectCommon(f, p);
    expect(f["evt.arg.pid"]).toBe("fts_fld_py");
    expect(f["evt.args"]).toContain(`pid=${p.target}(fts_fld_py)`);
  });

  it("mount / umount2: source, target, fstype", () => {
    const m = t("mount");
    let f = find(m);
    expectCommon(f, m);
    expect([f["evt.arg.dev"], f["evt.arg.dir"], f["evt.arg.type"]]).toEqual([m.source, m.target, m.fstype]);
    const u = t("umount2");
    f = find(u);
    expectCommon(f, u);
    expect(f["evt.arg.name"]).toBe(u.target);
  });

  it("init_module / finit_module: failing calls (this kernel has no module support: ENOSYS)", () => {
    const i = t("init_module");
    expect(i.res).toBe(-38);
    let f = find(i);
    expectCommon(f, i);
    const fi = t("finit_module");
    f = find(fi);
    expectCommon(f, fi);
    expectFile(f, fi.fd as number, fi.path as string);
  });

  it("memfd_create / bpf / userfaultfd: new fd, its type and name", () => {
    const m = t("memfd_create");
    let f = find(m);
    expectCommon(f, m);
    expect([f["fd.num"], f["fd.name"], f["fd.type"], f["fd.typechar"]]).toEqual([m.fd, "fts_memfd", "memfd", "m"]);
    expect(f["evt.arg.flags"]).toBe("MFD_CLOEXEC");
    const b = t("bpf");
    f = find(b);
    expectCommon(f, b);
    expect([f["fd.num"], f["fd.type"], f["evt.arg.cmd"]]).toEqual([b.fd, "bpf", "BPF_MAP_CREATE"]);
    const u = t("userfaultfd");
    f = find(u);
    expectCommon(f, u);
    expect([f["fd.num"], f["fd.type"], f["evt.arg.flags"]]).toEqual([u.fd, "userfaultfd", "O_CLOEXEC"]);
  });

  it("prctl: option and result", () => {
    const p = t("prctl");
    const f = find(p, (x) => x["evt.arg.option"] === "PR_GET_DUMPABLE");
    expectCommon(f, p);
    expect(p.res).toBe(1);
  });
});
