/**
 * Every stable upstream rule (../shared/rules/falco_rules.yaml, unchanged conditions), live: for each
 * rule this file performs the triggering action on this machine (host processes; Docker containers
 * for the container rules) and asserts the rule fires exactly once for that action with the right
 * output fields, then performs a near-miss (same shape, not matching) and asserts it does not fire.
 *
 * One agent for the whole file (test/helpers/upstream_live.ts). A generated user file appends
 * `proc.pid`, `container.id`, `proc.cmdline` and `evt.rawres` (and `fd.sip.name` for the K8S API
 * rule) to every rule's output (Falco `override: output: append`) so an alert can be tied to the
 * exact process that acted; the conditions are untouched. Near-miss
 * absence is checked after a barrier: an exec the agent must report, so earlier events were seen.
 *
 * "Contact K8S API Server From Container" needs fd.sip.name = kubernetes.default.svc.cluster.local
 * (libsinsp's DNS manager: the fd's server IP among the name's resolved addresses). The agent runs
 * in a private mount namespace (`unshare -m`) whose /etc/hosts is a bind-mounted copy of the host's
 * plus `203.0.113.7 kubernetes.default.svc.cluster.local`; the host's /etc/hosts is never touched.
 * A container with NET_ADMIN puts 203.0.113.7 and 203.0.113.8 on its own loopback and connects
 * to a listener there (nothing leaves the container).
 *
 * Without Docker the container rules FAIL with the reason, unless FALCO_TS_NO_CONTAINERS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inCtr, pidIs, startLiveKit, upstreamRules, type LiveKit } from "./helpers/upstream_live.ts";

const K8S_NAME = "kubernetes.default.svc.cluster.local";
const K8S_RULE = "Contact K8S API Server From Container";

let k: LiveKit;
let W = "";
let P = ""; // privileged container id (12 hex)
let U = ""; // unprivileged container id (12 hex)
let K = ""; // NET_ADMIN container for the K8S API server rule (12 hex)
let server: Promise<Record<string, number>> | undefined;

beforeAll(async () => {
  k = await startLiveKit({
    label: "upstream_live.e2e",
    ...upstreamRules(),
    prefix: "fts-uplive-",
    pyCopies: ["fts_up_py", "nginx", "sshd", "ssh", "iptables"],
    trueCopies: ["fts_up_true"],
    append: "fts_pid=%proc.pid fts_cid=%container.id fts_cmd=%proc.cmdline fts_rawres=%evt.rawres",
    appendFor: { [K8S_RULE]: "fts_sipname=%fd.sip.name" },
    extraRules: `- rule: UP sip name
  desc: what fd.sip.name gives on a live connect to the test's addresses (host helper or container)
  condition: evt.type = connect and fd.typechar = 4 and fd.sip in (203.0.113.7, 203.0.113.8)
  output: "sip %fd.sip %fd.sip.name %proc.pid %container.id"
  priority: DEBUG
`,
    // The agent's private /etc/hosts: the host's plus the Kubernetes API server name (see above).
    wrap: (dir) => {
      writeFileSync(join(dir, "hosts"), `${readFileSync("/etc/hosts", "utf8").replace(/\n?$/, "\n")}203.0.113.7 ${K8S_NAME}\n`);
      return ["unshare", "-m", "--propagation", "private", "--", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', join(dir, "hosts")];
    },
  });
  W = k.W;
  // The server helper needs > 5 s of age for "Read sensitive file trusted after startup": start it now.
  server = k.py("nginx", ["server", "5.5"]);
  if (k.dockerUnavailable === "") {
    P = k.container("priv", ["--privileged"]);
    U = k.container("unpriv", []);
    K = k.container("k8s", ["--cap-add", "NET_ADMIN"]);
    k.dexec(K, "ip addr add 203.0.113.7/32 dev lo && ip addr add 203.0.113.8/32 dev lo");
  }
}, 300_000);

afterAll(async () => {
  const code = await k?.stop();
  spawnSync("sh", ["-c", `rm -f /var/log/fts_uplive_${process.pid}.log /dev/shm/fts_uplive_${process.pid}`]);
  expect(code).toBe(0);
}, 60_000);

describe("upstream stable rules, live (falco_rules.yaml)", () => {
  it("Directory traversal monitored file read: /etc/../etc/../etc/passwd fires; one ../ does not", async () => {
    const raw = "/etc/../etc/../etc/passwd";
    const r = await k.py("fts_up_py", ["open", raw, "/etc/../etc/passwd"]);
    const f = await k.once("Directory traversal monitored file read", (x) => x["proc.pid"] === r.spawnPid && x["fd.nameraw"] === raw);
    expect([f["fd.name"], f["proc.name"], f["evt.type"], f["user.name"]]).toEqual(["/etc/passwd", "fts_up_py", "openat", "root"]);
    await k.never("Directory traversal monitored file read", (x) => x["fd.nameraw"] === "/etc/../etc/passwd");
  });

  it("Read sensitive file untrusted: an untrusted program reads /etc/shadow; iptables (trusted) does not fire", async () => {
    const r = await k.py("fts_up_py", ["open", "/etc/shadow"]);
    const f = await k.once("Read sensitive file untrusted", pidIs(r.spawnPid));
    expect([f["fd.name"], f["proc.name"], f["proc.exepath"], f["evt.type"]]).toEqual(["/etc/shadow", "fts_up_py", join(W, "fts_up_py"), "openat"]);
    const t = await k.py("iptables", ["open", "/etc/shadow"]);
    expect(t.results).toEqual([expect.any(Number)]);
    await k.never("Read sensitive file untrusted", pidIs(t.spawnPid));
  });

  it("Read sensitive file trusted after startup: nginx reads /etc/shadow after 5 s fires once; the same read when new does not", async () => {
    const r = await server!;
    const spawnPid = (r as unknown as { spawnPid: number }).spawnPid;
    expect(r.first).toBeGreaterThanOrEqual(0);
    expect(r.second).toBeGreaterThanOrEqual(0);
    const f = await k.once("Read sensitive file trusted after startup", pidIs(spawnPid));
    expect([f["fd.name"], f["proc.name"], f["user.name"]]).toEqual(["/etc/shadow", "nginx", "root"]);
    // The near-miss is the first read (proc_is_new): "once" above already proved it did not fire.
  });

  it("Run shell untrusted: nginx spawns sh fires once; the same sh spawned by a non-server program does not", async () => {
    const r = await server!;
    const f = await k.once("Run shell untrusted", pidIs(r.shell!));
    expect([f["proc.name"], f["proc.pname"], f["proc.cmdline"], f["evt.type"]]).toEqual(["sh", "nginx", "sh -c echo fts_rsu >/dev/null", "execve"]);
    expect(f["proc.pexepath"]).toBe(join(W, "nginx"));
    const n = await k.py("fts_up_py", ["shell"]);
    await k.never("Run shell untrusted", pidIs(n.shell!));
  });

  it("System user interactive: a child of sshd runs as nobody fires; the same as root does not", async () => {
    const r = await k.py("sshd", ["interactive", "65534"]);
    const f = await k.once("System user interactive", pidIs(r.child!));
    expect([f["user.name"], f["user.uid"], f["proc.name"], f["proc.pname"], f["proc.cmdline"]]).toEqual(["nobody", 65534, "true", "sshd", "true fts_interactive"]);
    const n = await k.py("sshd", ["interactive", "0"]);
    await k.never("System user interactive", pidIs(n.child!));
  });

  it("Search Private Keys or Passwords: grep for BEGIN RSA PRIVATE fires; grep for a certificate does not", async () => {
    const r = k.run("grep", ["-r", "BEGIN RSA PRIVATE", join(W, "empty")]);
    const f = await k.once("Search Private Keys or Passwords", pidIs(r.pid));
    expect([f["proc.name"], f["proc.cmdline"], f["evt.type"]]).toEqual(["grep", `grep -r BEGIN RSA PRIVATE ${join(W, "empty")}`, "execve"]);
    const g = k.run("find", [join(W, "empty"), "-name", "id_rsa"]);
    expect((await k.once("Search Private Keys or Passwords", pidIs(g.pid)))["proc.name"]).toBe("find");
    const n = k.run("grep", ["-r", "BEGIN CERTIFICATE", join(W, "empty")]);
    await k.never("Search Private Keys or Passwords", pidIs(n.pid));
  });

  it("Find AWS Credentials: grep aws_access_key_id fires; grep aws_region does not", async () => {
    const r = k.run("grep", ["-r", "aws_access_key_id", join(W, "empty")]);
    const f = await k.once("Find AWS Credentials", pidIs(r.pid));
    expect([f["proc.name"], f["proc.cwd"], f["group.name"]]).toEqual(["grep", `${W}/`, "root"]);
    const n = k.run("grep", ["-r", "aws_region", join(W, "empty")]);
    await k.never("Find AWS Credentials", pidIs(n.pid));
  });

  it("Clear Log Activities: O_TRUNC open of a /var/log file fires; an O_APPEND open does not", async () => {
    const log = `/var/log/fts_uplive_${process.pid}.log`;
    const r = await k.py("fts_up_py", ["writelog", log, "trunc"]);
    const f = await k.once("Clear Log Activities", pidIs(r.spawnPid));
    expect([f["fd.name"], f["proc.name"], f["evt.type"]]).toEqual([log, "fts_up_py", "openat"]);
    const n = await k.py("fts_up_py", ["writelog", log, "append"]);
    await k.never("Clear Log Activities", pidIs(n.spawnPid));
  });

  it("Remove Bulk Data from Disk: shred fires; rm of the same kind of file does not", async () => {
    writeFileSync(join(W, "junk1"), "x");
    writeFileSync(join(W, "junk2"), "x");
    const r = k.run("shred", ["-u", join(W, "junk1")]);
    expect(r.status).toBe(0);
    const f = await k.once("Remove Bulk Data from Disk", pidIs(r.pid));
    expect([f["proc.name"], f["proc.cmdline"]]).toEqual(["shred", `shred -u ${join(W, "junk1")}`]);
    const n = k.run("rm", [join(W, "junk2")]);
    await k.never("Remove Bulk Data from Disk", pidIs(n.pid));
  });

  it("Create Symlink Over Sensitive Files: ln -s /etc/shadow fires; ln -s /etc/hostname does not", async () => {
    const r = k.run("ln", ["-s", "/etc/shadow", join(W, "sl1")]);
    const f = await k.once("Create Symlink Over Sensitive Files", pidIs(r.pid));
    expect([f["evt.arg.target"], f["evt.arg.linkpath"], f["proc.name"], f["evt.type"]]).toEqual(["/etc/shadow", join(W, "sl1"), "ln", "symlinkat"]);
    const n = k.run("ln", ["-s", "/etc/hostname", join(W, "sl2")]);
    await k.never("Create Symlink Over Sensitive Files", pidIs(n.pid));
  });

  it("Create Hardlink Over Sensitive Files: ln /etc/shadow fires; a hard link of a plain file does not", async () => {
    const r = k.run("ln", ["/etc/shadow", join(W, "hl1")]);
    const f = await k.once("Create Hardlink Over Sensitive Files", pidIs(r.pid));
    expect([f["evt.arg.oldpath"], f["evt.arg.newpath"], f["proc.name"], f["evt.type"]]).toEqual(["/etc/shadow", join(W, "hl1"), "ln", "linkat"]);
    writeFileSync(join(W, "plain"), "x");
    const n = k.run("ln", [join(W, "plain"), join(W, "hl2")]);
    expect(n.status).toBe(0);
    await k.never("Create Hardlink Over Sensitive Files", pidIs(n.pid));
  });

  it("PTRACE attached to process / PTRACE anti-debug attempt: ATTACH fires the first once (not DETACH); TRACEME fires the second", async () => {
    const r = await k.py("fts_up_py", ["ptrace"]);
    expect(r.attach).toBe(0);
    const f = await k.once("PTRACE attached to process", pidIs(r.spawnPid));
    expect([f["proc.name"], f["evt.type"], f["user.name"]]).toEqual(["fts_up_py", "ptrace", "root"]);
    const g = await k.once("PTRACE anti-debug attempt", pidIs(r.traceme_pid!));
    expect([f["proc.name"], g["evt.type"]]).toEqual(["fts_up_py", "ptrace"]);
    // Near-misses: the attach is not an anti-debug attempt; TRACEME is not an attach.
    await k.never("PTRACE anti-debug attempt", pidIs(r.spawnPid));
    await k.never("PTRACE attached to process", pidIs(r.traceme_pid!));
  });

  it("Execution from /dev/shm: a binary run from /dev/shm fires; the same binary run from a plain directory does not", async () => {
    const shm = `/dev/shm/fts_uplive_${process.pid}`;
    copyFileSync("/bin/true", shm);
    spawnSync("chmod", ["755", shm]);
    const r = k.run(shm, []);
    const f = await k.once("Execution from /dev/shm", pidIs(r.pid));
    expect([f["proc.exepath"], f["proc.name"], f["evt.type"]]).toEqual([shm, `fts_uplive_${process.pid}`.slice(0, 15), "execve"]);
    const n = k.run(join(W, "fts_up_true"), []);
    await k.never("Execution from /dev/shm", pidIs(n.pid));
  });

  it("Fileless execution via memfd_create: exec from a memfd fires; exec of a regular file does not", async () => {
    const r = await k.py("fts_up_py", ["memfd"]);
    const f = await k.once("Fileless execution via memfd_create", pidIs(r.child!));
    expect([f["proc.pname"], f["evt.type"], f["proc.cmdline"]]).toEqual(["fts_up_py", "execve", `${String(f["proc.name"])}`]);
    // As libs' BPF drivers: the memfd's dentry name, no leading "/" (the form the rule's
    // known_memfd_execution_processes macro compares: memfd:runc_cloned:/proc/self/exe).
    expect(f["proc.exepath"]).toBe("memfd:fts_up_memfd");
    const n = await k.py("fts_up_py", ["memfd", join(W, "fts_up_true")]);
    await k.never("Fileless execution via memfd_create", pidIs(n.child!));
  });

  it("Disallowed SSH Connection Non Standard Port: ssh connecting to :443 fires; to :22 does not (all inside a private network namespace)", async () => {
    const r = await k.py("ssh", ["connect", "203.0.113.7", "443"]);
    // Non-blocking connect on the namespace's loopback: done at once or in progress.
    expect([0, r.einprogress]).toContain(r.res);
    const f = await k.once("Disallowed SSH Connection Non Standard Port", pidIs(r.spawnPid));
    expect([f["proc.name"], f["fd.l4proto"], f["evt.type"]]).toEqual(["ssh", "tcp", "connect"]);
    expect(String(f["fd.name"])).toMatch(/^[\d.]+:\d+->203\.0\.113\.7:443$/);
    const n = await k.py("ssh", ["connect", "203.0.113.7", "22"]);
    await k.never("Disallowed SSH Connection Non Standard Port", pidIs(n.spawnPid));
  });

  it("Contact K8S API Server From Container: a container connects to the address the API server name resolves to: fires once with fd.sip.name; another address and a host process do not", async () => {
    if (!k.needDocker(K8S_RULE)) return;
    // The name resolves only inside the agent's mount namespace (its private /etc/hosts).
    expect(spawnSync("getent", ["hosts", K8S_NAME]).status).not.toBe(0);
    const connectFrom = (ip: string): void => {
      k.dexec(K, `nc -l -p 443 </dev/null >/dev/null & sleep 0.3; nc -w 2 ${ip} 443 </dev/null; kill $! 2>/dev/null; true`);
    };
    const toK = (ip: string) => (x: Record<string, unknown>) => x["container.id"] === K && String(x["fd.name"]).endsWith(`->${ip}:443`);
    connectFrom("203.0.113.7");
    const f = await k.once(K8S_RULE, toK("203.0.113.7"));
    expect([f["evt.type"], f["fd.type"], f["fd.l4proto"], f["fd.sip.name"]]).toEqual(["connect", "ipv4", "tcp", K8S_NAME]);
    const tuple = /^203\.0\.113\.7:(\d+)->203\.0\.113\.7:443$/.exec(String(f["fd.name"]));
    expect(tuple, String(f["fd.name"])).not.toBe(null);
    // libsinsp is_ipv4addr_in_local_machine: for a container thread only the container's IP is
    // local, so the client end (203.0.113.7 on the container's lo) is the remote one here.
    expect([f["fd.lport"], f["fd.rport"]]).toEqual([443, Number(tuple![1])]);
    const text = k.of(K8S_RULE, toK("203.0.113.7"))[0]!.output;
    expect(text).toContain("Unexpected connection to K8s API Server from container | connection=");
    expect(text).toContain(` fts_cid=${K} `);
    expect(text).toMatch(new RegExp(`fts_sipname=${K8S_NAME.replace(/\./g, "\\.")}$`));
    // Near-miss: the same connect to 203.0.113.8 (seen by the agent, no name for it) does not fire.
    connectFrom("203.0.113.8");
    const seen = await k.seen("UP sip name", (x) => x["container.id"] === K && x["fd.sip"] === "203.0.113.8");
    expect(seen.output_fields["fd.sip.name"]).toBe(null);
    await k.never(K8S_RULE, toK("203.0.113.8"));
    // Near-miss: a host process connecting to 203.0.113.7 (own network namespace) is not in a container;
    // its fd.sip.name still prints the name (libsinsp name_of: any fd with that server address).
    const r = await k.py("ssh", ["connect", "203.0.113.7", "8443"]);
    const a = await k.seen("UP sip name", pidIs(r.spawnPid));
    expect([a.output_fields["fd.sip"], a.output_fields["fd.sip.name"], a.output_fields["container.id"]]).toEqual(["203.0.113.7", K8S_NAME, "host"]);
    await k.never(K8S_RULE, pidIs(r.spawnPid));
  });

  it("Terminal shell in container: docker exec -t sh fires once; without a tty it does not", async () => {
    if (!k.needDocker("Terminal shell in container")) return;
    k.dexec(U, "true fts_tty", true);
    const f = await k.once("Terminal shell in container", inCtr(U, "sh -c true fts_tty"));
    expect([f["proc.name"], f["user.name"], f["evt.type"]]).toEqual(["sh", "root", "execve"]);
    expect(Number(f["proc.tty"])).toBeGreaterThan(0);
    k.dexec(U, "true fts_notty");
    await k.never("Terminal shell in container", inCtr(U, "sh -c true fts_notty"));
  });

  it("Netcat Remote Code Execution in Container / Redirect STDOUT/STDIN to Network Connection in Container: nc -e", async () => {
    if (!k.needDocker("Netcat Remote Code Execution in Container", "Redirect STDOUT/STDIN to Network Connection in Container")) return;
    k.dexecArgv(U, ["nc", "-l", "-p", "7777"], true);
    await new Promise((r) => setTimeout(r, 400));
    k.dexecArgv(U, ["nc", "127.0.0.1", "7777", "-e", "/bin/true"]);
    const f = await k.once("Netcat Remote Code Execution in Container", inCtr(U, "nc 127.0.0.1 7777 -e /bin/true"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["nc", "execve"]);
    // busybox nc -e moves the socket to stdin and stdout (dup2(s, 0); dup2(0, 1)): once each.
    for (const fdn of [0, 1]) {
      const g = await k.once("Redirect STDOUT/STDIN to Network Connection in Container", (x) => inCtr(U, "nc 127.0.0.1 7777 -e /bin/true")(x) && x["evt.rawres"] === fdn);
      expect([g["proc.name"], g["fd.type"], g["fd.l4proto"], g["evt.type"], g["fd.sip"]]).toEqual(["nc", "ipv4", "tcp", "dup2", "127.0.0.1"]);
      expect(String(g["fd.name"])).toMatch(/^127\.0\.0\.1:\d+->127\.0\.0\.1:7777$/);
    }
    // Near-misses: the listener (no -e) is not netcat RCE; a shell redirecting stdout to a file is not a network redirect.
    await k.never("Netcat Remote Code Execution in Container", inCtr(U, "nc -l -p 7777"));
    k.dexec(U, "echo x > /tmp/fts_redir_file");
    await k.never("Redirect STDOUT/STDIN to Network Connection in Container", inCtr(U, "sh -c echo x > /tmp/fts_redir_file"));
  });

  it("Packet socket created in container: arping (AF_PACKET) fires; ping (AF_INET) does not", async () => {
    if (!k.needDocker("Packet socket created in container")) return;
    k.dexecArgv(U, ["arping", "-c", "1", "-w", "1", "-I", "eth0", "172.17.0.1"]);
    const f = await k.once("Packet socket created in container", inCtr(U, "arping -c 1 -w 1 -I eth0 172.17.0.1"));
    expect([f["proc.name"], f["evt.type"]]).toEqual(["arping", "socket"]);
    expect(String(f["evt.args"])).toContain("domain=17(AF_PACKET)");
    k.dexecArgv(U, ["ping", "-c", "1", "-W", "1", "127.0.0.1"]);
    await k.never("Packet socket created in container", inCtr(U, "ping -c 1 -W 1 127.0.0.1"));
  });

  it("Linux Kernel Module Injection Detected: insmod in a privileged container (CAP_SYS_MODULE) fires; unprivileged does not", async () => {
    if (!k.needDocker("Linux Kernel Module Injection Detected")) return;
    k.dexec(P, "echo x > /tmp/fts.ko");
    k.dexec(U, "echo x > /tmp/fts.ko");
    k.dexecArgv(P, ["insmod", "/tmp/fts.ko"]);
    // busybox insmod calls finit_module and, as it fails with ENOSYS here (no module support),
    // falls back to init_module: two syscalls, one alert each.
    for (const type of ["finit_module", "init_module"]) {
      const f = await k.once("Linux Kernel Module Injection Detected", (x) => inCtr(P, "insmod /tmp/fts.ko")(x) && x["evt.type"] === type);
      expect([f["proc.name"], f["proc.args"], f["evt.res"]]).toEqual(["insmod", "/tmp/fts.ko", "ENOSYS"]);
      // Who the exec'd process's parent is races with runc's exit: runc, the shim (subreaper), or,
      // when the probe's procexit carries no reaper (reaper_tid = 0, a known gap), the host's pid 1.
      const init = readFileSync("/proc/1/comm", "utf8").trim();
      expect(["runc", "containerd-shim", init]).toContain(f["proc.pname"]);
    }
    k.dexecArgv(U, ["insmod", "/tmp/fts.ko"]);
    await k.never("Linux Kernel Module Injection Detected", inCtr(U, "insmod /tmp/fts.ko"));
  });

  it("Debugfs Launched in Privileged Container: debugfs in a privileged container fires; in an unprivileged one it does not", async () => {
    if (!k.needDocker("Debugfs Launched in Privileged Container")) return;
    k.busyboxAs(P, "debugfs", "fts_debugfs");
    const f = await k.once("Debugfs Launched in Privileged Container", inCtr(P, "debugfs fts_debugfs"));
    expect([f["proc.name"], f["proc.exepath"], f["evt.type"]]).toEqual(["debugfs", "/bin/busybox", "execve"]);
    k.busyboxAs(U, "debugfs", "fts_debugfs");
    await k.never("Debugfs Launched in Privileged Container", inCtr(U, "debugfs fts_debugfs"));
  });

  it("Detect release_agent File Container Escapes: writing a release_agent file with CAP_SYS_ADMIN fires; without it does not", async () => {
    if (!k.needDocker("Detect release_agent File Container Escapes")) return;
    k.dexec(P, "echo x > /tmp/release_agent");
    const f = await k.once("Detect release_agent File Container Escapes", (x) => x["container.id"] === P && x["fd.name"] === "/tmp/release_agent");
    expect([f["proc.name"], f["user.uid"]]).toEqual(["sh", 0]);
    expect(String(f["thread.cap_effective"])).toContain("CAP_SYS_ADMIN");
    k.dexec(U, "echo x > /tmp/release_agent");
    await k.never("Detect release_agent File Container Escapes", (x) => x["container.id"] === U);
  });

  it("Drop and execute new binary in container: a binary copied into the container's upper layer fires; the image's own does not", async () => {
    if (!k.needDocker("Drop and execute new binary in container")) return;
    k.dexec(U, "cp /bin/busybox /tmp/fts_dropped && /tmp/fts_dropped true fts_drop; true");
    const f = await k.once("Drop and execute new binary in container", inCtr(U, "fts_dropped true fts_drop"));
    expect([f["proc.name"], f["proc.exe"], f["evt.type"]]).toEqual(["fts_dropped", "/tmp/fts_dropped", "execve"]);
    k.dexec(U, "/bin/busybox true fts_nodrop");
    await k.never("Drop and execute new binary in container", inCtr(U, "busybox true fts_nodrop"));
  });

  it("covers all 25 stable rules of falco_rules.yaml", () => {
    expect(k.ruleNames.length).toBe(25);
    expect(k.ruleNames.filter((r) => !k.covered.has(r))).toEqual([]);
  });
});
