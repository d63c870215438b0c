/**
 * Every incubating upstream rule (../shared/rules/falco-incubating_rules.yaml, loaded unchanged after
 * falco_rules.yaml), live, as test/upstream_live.e2e.test.ts does for the stable rules: for each rule
 * the test performs the triggering action on this machine (host processes named as the rule wants —
 * copies of python3 or /bin/true in a temp dir —, private network namespaces, or Docker containers
 * for the container rules) and asserts the rule fires exactly once for that action with the right
 * output fields; then a near-miss that must not fire, checked after a barrier. Alerts are filtered
 * to the test's own pids / container ids / command lines (foreign activity is ignored).
 *
 * Rules not producible here are listed in CANNOT_PRODUCE with the reason (asserted where it can be),
 * and a test asserts covered ∪ CANNOT_PRODUCE = every rule of the file.
 *
 * Without Docker the container rules FAIL with the reason, unless FALCO_TS_NO_CONTAINERS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { SHARED } from "./helpers/agent.ts";
import { cid, inCtr, pidIs, startLiveKit, upstreamRules, type Fields, type LiveKit } from "./helpers/upstream_live.ts";

const FILE = "falco-incubating_rules.yaml";
/** Rules this machine cannot produce, with the reason. */
const CANNOT_PRODUCE: Record<string, string> = {
  "Network Connection outside Local Subnet":
    "needs k8s.ns.name in (namespace_scope_network_only_subnet), a list that is empty upstream (users fill it): `in ()` matches nothing, and there is no Kubernetes here",
};

let k: LiveKit;
let P = ""; // privileged container
let U = ""; // unprivileged container
const env = (extra: Record<string, string>): Record<string, string> => {
  const e: Record<string, string> = {};
  for (const [n, v] of Object.entries(process.env)) if (v !== undefined && !/proxy|GLIBC_TUNABLES/i.test(n)) e[n] = v;
  return { ...e, ...extra };
};

beforeAll(async () => {
  k = await startLiveKit({
    label: "upstream_incubating_live.e2e",
    ...upstreamRules(FILE),
    pyCopies: ["fts_up_py", "postgres", "nsenter", "sort", "id", "sshd", "bpftool"],
    trueCopies: ["crontab", "fts_crontab", "curl", "groupadd", "chage", "nmap", "fts_up_true"],
    enable: [],
  });
  if (k.dockerUnavailable === "") {
    P = k.container("priv", ["--privileged"]);
    U = k.container("unpriv", []);
  }
}, 300_000);

afterAll(async () => {
  const code = await k?.stop();
  expect(code).toBe(0);
}, 60_000);

describe("upstream incubating rules, live (falco-incubating_rules.yaml)", () => {
  it("Modify Shell Configuration File: writing a .bashrc fires; writing bashrc_fts does not", async () => {
    const r = await k.py("fts_up_py", ["write", join(k.W, ".bashrc")]);
    const f = await k.once("Modify Shell Configuration File", pidIs(r.spawnPid));
    expect([f["fd.name"], f["proc.name"], f["evt.type"]]).toEqual([join(k.W, ".bashrc"), "fts_up_py", "openat"]);
    const n = await k.py("fts_up_py", ["write", join(k.W, "bashrc_fts")]);
    await k.never("Modify Shell Configuration File", pidIs(n.spawnPid));
  });

  it("Schedule Cron Jobs: running crontab fires; a write below /etc/cron.d in a container fires; fts_crontab and /etc/fts_notcron do not", async () => {
    const r = k.run(join(k.W, "crontab"), ["-l"]);
    const f = await k.once("Schedule Cron Jobs", pidIs(r.pid));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["crontab", "execve"]);
    const n = k.run(join(k.W, "fts_crontab"), ["-l"]);
    await k.never("Schedule Cron Jobs", pidIs(n.pid));
    if (!k.needDocker("Schedule Cron Jobs")) return;
    k.dexec(U, "mkdir -p /etc/cron.d; echo x > /etc/cron.d/fts_job; echo x > /etc/fts_notcron");
    const g = await k.once("Schedule Cron Jobs", cid(U, (x) => x["fd.name"] === "/etc/cron.d/fts_job"));
    expect([g["proc.name"], g["evt.type"]]).toEqual(["sh", "openat"]);
    await k.never("Schedule Cron Jobs", cid(U, (x) => x["fd.name"] === "/etc/fts_notcron"));
  });

  it("Read ssh information: cat of a file below /root/.ssh (container) fires; cat of /root/fts_notssh does not", async () => {
    if (!k.needDocker("Read ssh information")) return;
    k.dexec(U, "mkdir -p /root/.ssh; echo k > /root/.ssh/fts_known; echo k > /root/fts_notssh");
    k.dexecArgv(U, ["cat", "/root/.ssh/fts_known"]);
    const f = await k.once("Read ssh information", inCtr(U, "cat /root/.ssh/fts_known"));
    expect([f["fd.name"], f["proc.name"], f["evt.type"]]).toEqual(["/root/.ssh/fts_known", "cat", "openat"]);
    k.dexecArgv(U, ["cat", "/root/fts_notssh"]);
    await k.never("Read ssh information", inCtr(U, "cat /root/fts_notssh"));
  });

  it("DB program spawned process: postgres spawning true fires; another parent spawning it does not", async () => {
    const r = await k.py("postgres", ["spawn", "/bin/true", "true", "fts_db"]);
    const f = await k.once("DB program spawned process", pidIs(r.child!));
    expect([f["proc.name"], f["proc.pname"], f["proc.cmdline"], f["evt.type"]]).toEqual(["true", "postgres", "true fts_db", "execve"]);
    const n = await k.py("fts_up_py", ["spawn", "/bin/true", "true", "fts_db"]);
    await k.never("DB program spawned process", pidIs(n.child!));
  });

  it("Change thread namespace: setns by an unexpected host program fires; by nsenter on the host does not", async () => {
    const r = await k.py("fts_up_py", ["setns"]);
    expect(r.res).toBe(0);
    const f = await k.once("Change thread namespace", pidIs(r.spawnPid));
    expect([f["proc.name"], f["evt.type"], f["container.id"]]).toEqual(["fts_up_py", "setns", "host"]);
    const n = await k.py("nsenter", ["setns"]);
    await k.never("Change thread namespace", pidIs(n.spawnPid));
  });

  it("Change namespace privileges via unshare: unshare without CAP_SYS_ADMIN in a container fires; in a privileged container does not", async () => {
    if (!k.needDocker("Change namespace privileges via unshare")) return;
    k.dexecArgv(U, ["unshare", "-U", "true"]);
    const f = await k.once("Change namespace privileges via unshare", inCtr(U, "unshare -U true"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["unshare", "unshare"]);
    k.dexecArgv(P, ["unshare", "-U", "true"]);
    await k.never("Change namespace privileges via unshare", inCtr(P, "unshare -U true"));
  });

  it("Launch Privileged Container / Launch Excessively Capable Container: the privileged container's start fires both; the unprivileged one's does not", async () => {
    if (!k.needDocker("Launch Privileged Container") || !k.needDocker("Launch Excessively Capable Container")) return;
    const f = await k.once("Launch Privileged Container", inCtr(P, "sleep 1000"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["sleep", "execve"]);
    const g = await k.once("Launch Excessively Capable Container", inCtr(P, "sleep 1000"));
    expect(String(g["thread.cap_permitted"])).toContain("CAP_SYS_ADMIN");
    await k.never("Launch Privileged Container", (x) => x["container.id"] === U);
    await k.never("Launch Excessively Capable Container", (x) => x["container.id"] === U);
  });

  it("System procs network activity / Unexpected UDP Traffic: sort connecting UDP to :9999 fires both; id (known) does not fire the first, port 53 not the second", async () => {
    const r = await k.py("sort", ["udpconnect", "203.0.113.7", "9999"]);
    const f = await k.once("System procs network activity", pidIs(r.spawnPid));
    // 203.0.113.7 is no host interface address, so (libsinsp is_ipv4addr_in_local_machine) the
    // client side counts as remote and the server side as local: fd.lport is the server port.
    expect([f["proc.name"], f["fd.l4proto"], f["evt.type"], f["fd.lport"]]).toEqual(["sort", "udp", "connect", 9999]);
    const g = await k.once("Unexpected UDP Traffic", pidIs(r.spawnPid));
    expect([g["fd.l4proto"], g["evt.type"]]).toEqual(["udp", "connect"]);
    expect(String(g["fd.name"])).toMatch(/^203\.0\.113\.7:\d+->203\.0\.113\.7:9999$/);
    const n = await k.py("id", ["udpconnect", "203.0.113.7", "9999"]);
    await k.never("System procs network activity", pidIs(n.spawnPid));
    const m = await k.py("fts_up_py", ["udpconnect", "203.0.113.7", "53"]);
    await k.never("Unexpected UDP Traffic", pidIs(m.spawnPid));
  });

  it("Program run with disallowed http proxy env: curl with HTTP_PROXY fires; curl without it does not", async () => {
    const r = k.run(join(k.W, "curl"), ["fts_proxy"], env({ HTTP_PROXY: "http://203.0.113.7:3128" }));
    const f = await k.once("Program run with disallowed http proxy env", pidIs(r.pid));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["curl", "execve"]);
    expect(String(f["proc.env"])).toContain("HTTP_PROXY=http://203.0.113.7:3128");
    const n = k.run(join(k.W, "curl"), ["fts_proxy"], env({}));
    await k.never("Program run with disallowed http proxy env", pidIs(n.pid));
  });

  it("Non sudo setuid: nobody calling setuid(12345) fires once; root's setuid(nobody) and nobody's setuid(nobody) do not", async () => {
    const r = await k.py("fts_up_py", ["setuid", "12345"]);
    // The child makes three setuid calls; only the last one (nobody -> 12345) matches.
    const f = await k.once("Non sudo setuid", pidIs(r.child!));
    // evt.arg.uid is the resolved form, as libsinsp's PT_UID rendering: a uid with no user is "<NA>"
    // (and the two setuid(65534) calls give "nobody", which somebody_becoming_themselves excludes).
    expect([f["evt.type"], f["user.name"], f["user.uid"], f["evt.arg.uid"], f["evt.rawres"]]).toEqual(["setuid", "nobody", 65534, "<NA>", -1]);
  });

  it("User mgmt binaries: groupadd on the host fires; chage -l does not", async () => {
    const r = k.run(join(k.W, "groupadd"), ["fts_grp"]);
    const f = await k.once("User mgmt binaries", pidIs(r.pid));
    expect([f["proc.name"], f["proc.cmdline"], f["evt.type"]]).toEqual(["groupadd", "groupadd fts_grp", "execve"]);
    const n = k.run(join(k.W, "chage"), ["-l", "root"]);
    await k.never("User mgmt binaries", pidIs(n.pid));
  });

  it("Create files below dev: creating /dev/fts_created (container) fires; writing /dev/null does not", async () => {
    if (!k.needDocker("Create files below dev")) return;
    k.dexec(U, "echo x > /dev/fts_created");
    const f = await k.once("Create files below dev", cid(U, (x) => x["fd.name"] === "/dev/fts_created"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["sh", "openat"]);
    k.dexec(U, "echo x > /dev/null");
    await k.never("Create files below dev", inCtr(U, "sh -c echo x > /dev/null"));
  });

  it("Contact EC2 Instance Metadata Service From Container / Contact cloud metadata service from container: connect to 169.254.169.254 fires both; to .253 neither", async () => {
    if (!k.needDocker("Contact EC2 Instance Metadata Service From Container") || !k.needDocker("Contact cloud metadata service from container")) return;
    // In the privileged container's own network namespace: both addresses sit on its loopback.
    k.dexecArgv(P, ["ip", "addr", "add", "169.254.169.254/32", "dev", "lo"]);
    k.dexecArgv(P, ["ip", "addr", "add", "169.254.169.253/32", "dev", "lo"]);
    k.dexecArgv(P, ["nc", "-l", "-p", "80"], true);
    await new Promise((r) => setTimeout(r, 400));
    k.dexecArgv(P, ["nc", "-w", "1", "169.254.169.254", "80"]);
    k.dexecArgv(P, ["nc", "-l", "-p", "80"], true);
    await new Promise((r) => setTimeout(r, 400));
    for (const rule of ["Contact EC2 Instance Metadata Service From Container", "Contact cloud metadata service from container"]) {
      const f = await k.once(rule, inCtr(P, "nc -w 1 169.254.169.254 80"));
      expect([f["proc.name"], f["evt.type"], f["fd.lport"], f["fd.l4proto"]]).toEqual(["nc", "connect", 80, "tcp"]);
    }
    k.dexecArgv(P, ["nc", "-w", "1", "169.254.169.253", "80"]);
    await k.never("Contact EC2 Instance Metadata Service From Container", inCtr(P, "nc -w 1 169.254.169.253 80"));
    await k.never("Contact cloud metadata service from container", inCtr(P, "nc -w 1 169.254.169.253 80"));
  });

  it("Launch Package Management Process in Container: apk fires; fts_apk does not", async () => {
    if (!k.needDocker("Launch Package Management Process in Container")) return;
    k.busyboxAs(U, "apk", "fts_apk");
    k.busyboxAs(U, "fts_apk", "fts_apk");
    const f = await k.once("Launch Package Management Process in Container", inCtr(U, "apk fts_apk"));
    expect([f["proc.name"], f["proc.exepath"], f["evt.type"]]).toEqual(["apk", "/bin/busybox", "execve"]);
    await k.never("Launch Package Management Process in Container", inCtr(U, "fts_apk fts_apk"));
  });

  it("Launch Suspicious Network Tool in Container / on Host: nmap in a container fires the first (not the second); nmap on the host fires the second (not the first)", async () => {
    const r = k.run(join(k.W, "nmap"), ["fts_nmap"]);
    const f = await k.once("Launch Suspicious Network Tool on Host", pidIs(r.pid));
    expect([f["proc.name"], f["container.id"]]).toEqual(["nmap", "host"]);
    await k.never("Launch Suspicious Network Tool in Container", pidIs(r.pid));
    if (!k.needDocker("Launch Suspicious Network Tool in Container")) return;
    k.busyboxAs(U, "nmap", "fts_nmap");
    const g = await k.once("Launch Suspicious Network Tool in Container", inCtr(U, "nmap fts_nmap"));
    expect([g["proc.name"], g["evt.type"]]).toEqual(["nmap", "execve"]);
    await k.never("Launch Suspicious Network Tool on Host", inCtr(U, "nmap fts_nmap"));
  });

  it("Delete or rename shell history: rm of a .bash_history fires; rm of fts_history.txt does not", async () => {
    writeFileSync(join(k.W, "fts.bash_history"), "x");
    writeFileSync(join(k.W, "fts_history.txt"), "x");
    const r = k.run("rm", [join(k.W, "fts.bash_history")]);
    const f = await k.once("Delete or rename shell history", pidIs(r.pid));
    expect([f["proc.name"], f["evt.type"], f["evt.arg.name"]]).toEqual(["rm", "unlinkat", join(k.W, "fts.bash_history")]);
    const n = k.run("rm", [join(k.W, "fts_history.txt")]);
    await k.never("Delete or rename shell history", pidIs(n.pid));
  });

  it("Set Setuid or Setgid bit: chmod u+s fires; chmod 755 does not", async () => {
    writeFileSync(join(k.W, "fts_suid"), "x");
    const r = k.run("chmod", ["u+s", join(k.W, "fts_suid")]);
    const f = await k.once("Set Setuid or Setgid bit", pidIs(r.pid));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["chmod", "fchmodat"]);
    expect(String(f["evt.arg.mode"])).toContain("S_ISUID");
    const n = k.run("chmod", ["755", join(k.W, "fts_suid")]);
    await k.never("Set Setuid or Setgid bit", pidIs(n.pid));
  });

  it("Launch Remote File Copy Tools in Container: scp fires; fts_scp does not", async () => {
    if (!k.needDocker("Launch Remote File Copy Tools in Container")) return;
    k.busyboxAs(U, "scp", "fts_scp");
    k.busyboxAs(U, "fts_scp", "fts_scp");
    const f = await k.once("Launch Remote File Copy Tools in Container", inCtr(U, "scp fts_scp"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["scp", "execve"]);
    await k.never("Launch Remote File Copy Tools in Container", inCtr(U, "fts_scp fts_scp"));
  });

  it("Mount Launched in Privileged Container: mount -t tmpfs in the privileged container fires; mount with no args (info) and in the unprivileged one do not", async () => {
    if (!k.needDocker("Mount Launched in Privileged Container")) return;
    k.dexecArgv(P, ["mkdir", "-p", "/tmp/fts_m"]);
    k.dexecArgv(U, ["mkdir", "-p", "/tmp/fts_m"]);
    k.dexecArgv(P, ["mount", "-t", "tmpfs", "none", "/tmp/fts_m"]);
    const f = await k.once("Mount Launched in Privileged Container", inCtr(P, "mount -t tmpfs none /tmp/fts_m"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["mount", "execve"]);
    k.dexecArgv(P, ["mount"]);
    k.dexecArgv(U, ["mount", "-t", "tmpfs", "none", "/tmp/fts_m"]);
    await k.never("Mount Launched in Privileged Container", inCtr(P, "mount"));
    await k.never("Mount Launched in Privileged Container", (x) => x["container.id"] === U);
  });

  it("Launch Ingress Remote File Copy Tools in Container: wget and curl -o fire; curl without -o does not", async () => {
    if (!k.needDocker("Launch Ingress Remote File Copy Tools in Container")) return;
    k.dexecArgv(U, ["wget", "-q", "-T", "1", "http://127.0.0.1:1/fts"]);
    const f = await k.once("Launch Ingress Remote File Copy Tools in Container", inCtr(U, "wget -q -T 1 http://127.0.0.1:1/fts"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["wget", "execve"]);
    k.busyboxAs(U, "curl", "-o /tmp/fts_dl http://127.0.0.1:1/");
    k.busyboxAs(U, "curl", "http://127.0.0.1:1/fts_nodl");
    expect((await k.once("Launch Ingress Remote File Copy Tools in Container", inCtr(U, "curl -o /tmp/fts_dl http://127.0.0.1:1/")))["proc.name"]).toBe("curl");
    await k.never("Launch Ingress Remote File Copy Tools in Container", inCtr(U, "curl http://127.0.0.1:1/fts_nodl"));
  });

  it("Read environment variable from /proc files: cat /proc/1/environ in a container fires; cat /proc/1/cmdline does not", async () => {
    if (!k.needDocker("Read environment variable from /proc files")) return;
    k.dexecArgv(U, ["cat", "/proc/1/environ"]);
    const f = await k.once("Read environment variable from /proc files", inCtr(U, "cat /proc/1/environ"));
    expect([f["fd.name"], f["proc.name"], f["evt.type"]]).toEqual(["/proc/1/environ", "cat", "openat"]);
    k.dexecArgv(U, ["cat", "/proc/1/cmdline"]);
    await k.never("Read environment variable from /proc files", inCtr(U, "cat /proc/1/cmdline"));
  });

  it("Exfiltrating Artifacts via Kubernetes Control Plane: tar as the exec'd entry reading /tmp fires; reading /etc/hostname does not", async () => {
    if (!k.needDocker("Exfiltrating Artifacts via Kubernetes Control Plane")) return;
    k.dexec(U, "echo x > /tmp/fts_exfil");
    k.dexecArgv(U, ["tar", "cf", "/dev/null", "/tmp/fts_exfil"]);
    const f = await k.once("Exfiltrating Artifacts via Kubernetes Control Plane", (x) => inCtr(U, "tar cf /dev/null /tmp/fts_exfil")(x) && x["fd.name"] === "/tmp/fts_exfil");
    expect([f["proc.name"], f["evt.type"]]).toEqual(["tar", "openat"]);
    // container_entrypoint: the exec'd process's parent is runc exec or, once runc has exited, the shim.
    expect(["runc", "containerd-shim"]).toContain(f["proc.pname"]);
    k.dexecArgv(U, ["tar", "cf", "/dev/null", "/etc/hostname"]);
    await k.never("Exfiltrating Artifacts via Kubernetes Control Plane", inCtr(U, "tar cf /dev/null /etc/hostname"));
  });

  it("Adding ssh keys to authorized_keys: appending to /root/.ssh/authorized_keys (container) fires; another file there does not", async () => {
    if (!k.needDocker("Adding ssh keys to authorized_keys")) return;
    k.dexec(U, "mkdir -p /root/.ssh; echo k >> /root/.ssh/authorized_keys; echo k >> /root/.ssh/fts_notkeys");
    const f = await k.once("Adding ssh keys to authorized_keys", cid(U, (x) => x["fd.name"] === "/root/.ssh/authorized_keys"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["sh", "openat"]);
    await k.never("Adding ssh keys to authorized_keys", cid(U, (x) => x["fd.name"] === "/root/.ssh/fts_notkeys"));
  });

  it("Potential Local Privilege Escalation via Environment Variables Misuse: a program run with GLIBC_TUNABLES fires; without it does not", async () => {
    const r = k.run(join(k.W, "fts_up_true"), ["fts_tun"], env({ GLIBC_TUNABLES: "glibc.malloc.check=0" }));
    const f = await k.once("Potential Local Privilege Escalation via Environment Variables Misuse", pidIs(r.pid));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["fts_up_true", "execve"]);
    expect(String(f["proc.env"])).toContain("GLIBC_TUNABLES=glibc.malloc.check=0");
    const n = k.run(join(k.W, "fts_up_true"), ["fts_tun"], env({}));
    await k.never("Potential Local Privilege Escalation via Environment Variables Misuse", pidIs(n.pid));
  });

  it("Backdoored library loaded into SSHD (CVE-2024-3094): sshd opening liblzma.so.5.6.1 fires; liblzma.so.5.4.5 does not", async () => {
    writeFileSync(join(k.W, "liblzma.so.5.6.1"), "x");
    writeFileSync(join(k.W, "liblzma.so.5.4.5"), "x");
    const r = await k.py("sshd", ["open", join(k.W, "liblzma.so.5.6.1")]);
    const f = await k.once("Backdoored library loaded into SSHD (CVE-2024-3094)", (x) => pidIs(r.spawnPid)(x) && x["fd.name"] === join(k.W, "liblzma.so.5.6.1"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["sshd", "openat"]);
    const n = await k.py("sshd", ["open", join(k.W, "liblzma.so.5.4.5")]);
    await k.never("Backdoored library loaded into SSHD (CVE-2024-3094)", pidIs(n.spawnPid));
  });

  it("BPF Program Not Profiled: BPF_PROG_LOAD by an unknown program fires; by bpftool, or BPF_MAP_CREATE, does not", async () => {
    const r = await k.py("fts_up_py", ["bpf", "5"]);
    const f = await k.once("BPF Program Not Profiled", pidIs(r.spawnPid));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["fts_up_py", "bpf"]);
    expect(String(f["evt.arg.cmd"])).toMatch(/BPF_PROG_LOAD|^5$/);
    const n = await k.py("bpftool", ["bpf", "5"]);
    const m = await k.py("fts_up_py", ["bpf", "0"]);
    await k.never("BPF Program Not Profiled", (x) => pidIs(n.spawnPid)(x) || pidIs(m.spawnPid)(x));
  });

  it("Network Connection outside Local Subnet: not producible (its namespace list is empty upstream)", () => {
    const items = parse(readFileSync(join(SHARED, "rules", FILE), "utf8")) as { list?: string; items?: unknown[] }[];
    expect(items.find((x) => x.list === "namespace_scope_network_only_subnet")?.items).toEqual([]);
  });

  it("covers every rule of falco-incubating_rules.yaml (live or CANNOT_PRODUCE with a reason)", () => {
    for (const r of Object.keys(CANNOT_PRODUCE)) {
      expect(k.ruleNames).toContain(r);
      expect(k.covered.has(r), `${r} is both covered and in CANNOT_PRODUCE`).toBe(false);
      console.log(`[upstream_incubating_live.e2e] not producible: "${r}": ${CANNOT_PRODUCE[r]}`);
    }
    expect(k.ruleNames.filter((r) => !k.covered.has(r) && !(r in CANNOT_PRODUCE))).toEqual([]);
    expect(k.ruleNames.length).toBe(31);
  });
});
