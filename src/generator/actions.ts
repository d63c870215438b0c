/**
 * The event generator's actions: one per detection, named after its rule in CamelCase. Each
 * action causes the system calls its rule(s) look for, the way falcosecurity/event-generator's
 * `syscall.*` actions do, but self-contained and harmless:
 *  - files it needs live in its private temporary directory (`/tmp/fts-eg-<token>-XXXXXX`,
 *    removed by the runner); writes below /etc, /var/log or a binary directory go to files named
 *    `fts-eg-<token>` that it creates and removes in the same action;
 *  - reads of /etc/shadow happen in a private mount namespace (`unshare -m --propagation private`)
 *    where a fake file is bind-mounted over /etc/shadow: the real file is never opened;
 *  - network traffic goes to 127.0.0.1, or (ssh on a non-standard port) to an address on the
 *    loopback device of a private network namespace;
 *  - where a rule keys on a process name, a symlink named like the program (httpd, login, nc...)
 *    to a harmless binary or to this program (`event-generator __child`) is executed;
 *  - container actions run the local image nginx:latest (scripts/docker-setup.sh) as a container
 *    named `fts-eg-<token>`, removed afterwards; without Docker they report "skipped".
 * Every alert an action causes names its token (command line, file path) or its container id, so
 * `event-generator test` attributes alerts to actions exactly.
 *
 * Source for the triggers: falcosecurity/event-generator events/syscall/*.go (behaviour, not code)
 * and the conditions of the rules (rules/falco_rules.yaml, rules/seed_examples.yaml, upstream
 * falco_rules.yaml 'maturity_stable').
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { aliasBinary, childArgv, dockerStatus, runCmd, startContainer, which, type CmdResult, type Container } from "./util.ts";

/** What an action needs to run: root, a working Docker (implies root), or nothing special ("-"). */
export type Needs = "root" | "docker" | "-";

/** Everything an action gets from the runner. */
export interface ActionContext {
  /** This run's marker, `fts-eg-<10 hex>`. */
  token: string;
  /** A private temporary directory (its path contains the token); the runner removes it. */
  dir: string;
  /** Verbose log (stderr with --verbose). */
  log(msg: string): void;
}

/** What an action reports after running. */
export interface ActionOutcome {
  /** Strings that identify this action's events in alerts: tokens, 12-hex container ids. */
  ids: string[];
  /** Set when the action could not run here (e.g. "docker unavailable (...)"). */
  skipped?: string;
  /** Deferred cleanup (containers are kept until their alerts were seen); idempotent. */
  cleanup?: () => Promise<void>;
}

/** A rule an action targets. */
export interface ActionTarget {
  /** The rule name, exactly. */
  rule: string;
  /**
   * Given the loaded rule's condition text, the reason this rule cannot fire on this machine
   * (reported as "skipped: <reason>", not a failure), or null.
   */
  cannot?: (condition: string) => string | null;
}

/** One event-generator action. */
export interface Action {
  name: string;
  targets: ActionTarget[];
  needs: Needs;
  /** Run by `event-generator run` without REGEX; false for privileged containers and kernel modules. */
  safe: boolean;
  description: string;
  /** @throws Error when the action failed to run (not when a rule did not fire). */
  run(ctx: ActionContext): Promise<ActionOutcome>;
}

// ------------------------------------------------------------------------------------------------
// helpers
// ------------------------------------------------------------------------------------------------

/** Throw unless the command exited 0. */
function mustSucceed(r: CmdResult, what: string): void {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code ?? r.signal}${r.timedOut ? " (timed out)" : ""}: ${r.stderr.trim().split("\n").slice(-2).join(" ")}`);
}

/** Throw if the program did not run at all (not found / not executable / timed out); other exit codes are expected. */
function mustHaveRun(r: CmdResult, what: string): void {
  if (r.code === 127 || r.code === 126 || r.timedOut) throw new Error(`${what} did not run (exit ${r.code}${r.timedOut ? ", timed out" : ""}): ${r.stderr.trim().split("\n").slice(-2).join(" ")}`);
}

function bin(name: string): string {
  const p = which(name);
  if (!p) throw new Error(`${name} not found in PATH`);
  return p;
}

/** Run `body` in a fresh fts-eg-<token> container; the container is removed by `cleanup`. */
async function inContainer(ctx: ActionContext, opts: { privileged?: boolean; network?: "none" }, body: (c: Container) => Promise<void>): Promise<ActionOutcome> {
  const st = dockerStatus();
  if (!st.ok) return { ids: [], skipped: `docker unavailable (${st.reason})` };
  const c = await startContainer(ctx.token, opts);
  ctx.log(`container ${c.name} ${c.shortId}${opts.privileged ? " (privileged)" : ""}`);
  try {
    await body(c);
  } catch (e) {
    await c.remove();
    throw e;
  }
  return { ids: [c.shortId, ctx.token], cleanup: () => c.remove() };
}

/** A file below a system directory, created and removed by the same action. */
async function withSystemFile(path: string, body: () => unknown): Promise<void> {
  try {
    await body();
  } finally {
    rmSync(path, { force: true });
  }
}

/** A fake /etc/shadow in the action's directory (for the private-mount-namespace reads). */
function fakeShadow(ctx: ActionContext): string {
  const f = join(ctx.dir, "shadow");
  writeFileSync(f, `root:*:20000:0:99999:7:::\n# fake shadow of falco-ts event-generator ${ctx.token}\n`);
  return f;
}

/** Write a `#!/bin/sh` script that exits 0, inside a container, and run it by path. */
function fakeProgramInContainer(path: string, args: string): string {
  const dir = path.slice(0, path.lastIndexOf("/"));
  return `mkdir -p ${dir} && printf '#!/bin/sh\\nexit 0\\n' > ${path} && chmod +x ${path} && ${path} ${args}`;
}

const RES_ZERO = /evt\.(?:raw)?res\s*=\s*0(?!\d)/;

// ------------------------------------------------------------------------------------------------
// the actions
// ------------------------------------------------------------------------------------------------

const shellInContainer = async (ctx: ActionContext): Promise<ActionOutcome> =>
  inContainer(ctx, {}, async (c) => {
    const script = bin("script");
    const st = dockerStatus();
    if (!st.ok) throw new Error("docker unavailable");
    // `docker exec -it` needs a terminal: script(1) gives it a pseudo-terminal.
    const r = await runCmd([script, "-qec", `${st.bin} exec -it ${c.name} bash -c 'exit 0' ${ctx.token}`, "/dev/null"], { timeoutMs: 20_000 });
    mustSucceed(r, "script -qec 'docker exec -it ... bash'");
  });

const netcatExecInContainer = async (ctx: ActionContext): Promise<ActionOutcome> =>
  inContainer(ctx, { network: "none" }, async (c) => {
    // busybox nc in a container without network (only lo): a listener on port 4444, then a client
    // that connects to 127.0.0.1:4444 and runs /bin/true with the connection as stdin/stdout
    // (dup2 of the socket onto fds 0 and 1). Both are started by `docker exec` itself: run from
    // busybox sh, an applet may run without an execve and so without the name "nc".
    mustSucceed(await c.exec(["nc", "-l", "-p", "4444"], { detach: true }), "docker exec -d nc -l");
    await new Promise((r) => setTimeout(r, 300));
    mustSucceed(await c.exec(["nc", "127.0.0.1", "4444", "-e", "/bin/true", ctx.token]), "docker exec nc -e");
  });

/** All actions, in the order `list` prints them. */
export const ACTIONS: readonly Action[] = [
  // ---------------------------------------------------------------- files
  {
    name: "WriteBelowEtc",
    targets: [{ rule: "Write below etc" }],
    needs: "root",
    safe: true,
    description: "create /etc/fts-eg-<token> for writing, then remove it",
    async run(ctx) {
      const f = `/etc/${ctx.token}`;
      await withSystemFile(f, () => writeFileSync(f, "falco-ts event-generator\n"));
      return { ids: [ctx.token] };
    },
  },
  {
    name: "WriteBelowBinaryDir",
    targets: [{ rule: "Write below binary dir" }],
    needs: "root",
    safe: true,
    description: "create /usr/local/bin/fts-eg-<token> (or /usr/bin/...) for writing, then remove it",
    async run(ctx) {
      const dir = existsSync("/usr/local/bin") ? "/usr/local/bin" : "/usr/bin";
      const f = `${dir}/${ctx.token}`;
      await withSystemFile(f, () => writeFileSync(f, "#!/bin/sh\nexit 0\n"));
      return { ids: [ctx.token] };
    },
  },
  {
    name: "ClearLogActivities",
    targets: [{ rule: "Clear log activities" }, { rule: "Clear Log Activities" }],
    needs: "root",
    safe: true,
    description: "create /var/log/fts-eg-<token>.log, reopen it with O_TRUNC, remove it",
    async run(ctx) {
      const f = `/var/log/${ctx.token}.log`;
      await withSystemFile(f, () => {
        writeFileSync(f, "line\n");
        closeSync(openSync(f, "w")); // O_WRONLY|O_CREAT|O_TRUNC
      });
      return { ids: [ctx.token] };
    },
  },
  {
    name: "WriteOutsideUserdata",
    targets: [{ rule: "Write_Outside_Userdata" }],
    needs: "-",
    safe: true,
    description: "seed scenario: write a file in the action's temporary directory (not below /userdata)",
    async run(ctx) {
      writeFileSync(join(ctx.dir, "written.txt"), "falco-ts event-generator\n");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "ReadSensitiveFileUntrusted",
    targets: [{ rule: "Read sensitive file untrusted" }],
    needs: "root",
    safe: true,
    description: "cat /etc/shadow in a private mount namespace where a fake file is bind-mounted over it",
    async run(ctx) {
      const fake = fakeShadow(ctx);
      const r = await runCmd([bin("unshare"), "-m", "--propagation", "private", "sh", "-c", 'mount --bind "$0" /etc/shadow && exec cat /etc/shadow "$0" >/dev/null', fake]);
      mustSucceed(r, "unshare -m ... cat /etc/shadow");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "ReadSensitiveFileTrustedAfterStartup",
    targets: [{ rule: "Read sensitive file trusted after startup" }],
    needs: "root",
    safe: true,
    description: "a process named httpd (cat) reads the bind-mounted fake /etc/shadow 5.5 s after it started",
    async run(ctx) {
      const fake = fakeShadow(ctx);
      const httpd = aliasBinary(ctx.dir, "httpd", bin("cat"));
      const r = await runCmd(
        [bin("unshare"), "-m", "--propagation", "private", "sh", "-c", 'mount --bind "$0" /etc/shadow && sleep 5.5 && exec "$1" /etc/shadow "$0" >/dev/null', fake, httpd],
        { timeoutMs: 20_000 },
      );
      mustSucceed(r, "unshare -m ... httpd /etc/shadow");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "DirectoryTraversalMonitoredFileRead",
    targets: [{ rule: "Directory traversal monitored file read" }],
    needs: "root",
    safe: true,
    description: "create /etc/fts-eg-<token>, read it as /etc/../etc/../etc/fts-eg-<token>, remove it",
    async run(ctx) {
      const f = `/etc/${ctx.token}`;
      await withSystemFile(f, async () => {
        writeFileSync(f, "falco-ts event-generator\n");
        const r = await runCmd([bin("cat"), `/etc/../etc/../etc/${ctx.token}`]);
        mustSucceed(r, "cat /etc/../etc/../etc/...");
      });
      return { ids: [ctx.token] };
    },
  },
  {
    name: "CreateSymlinkOverSensitiveFiles",
    targets: [{ rule: "Create Symlink Over Sensitive Files" }],
    needs: "-",
    safe: true,
    description: "ln -s /etc/shadow <tmp>/shadow-link",
    async run(ctx) {
      mustSucceed(await runCmd([bin("ln"), "-s", "/etc/shadow", join(ctx.dir, "shadow-link")]), "ln -s /etc/shadow");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "CreateHardlinkOverSensitiveFiles",
    targets: [{ rule: "Create Hardlink Over Sensitive Files" }],
    needs: "-",
    safe: true,
    description: "ln /etc/shadow <tmp>/missing/shadow-link: linkat(2) with oldpath /etc/shadow, failing (ENOENT) by design",
    async run(ctx) {
      // The rule does not look at the result; a link that fails leaves the real file untouched.
      mustHaveRun(await runCmd([bin("ln"), "/etc/shadow", join(ctx.dir, "missing", "shadow-link")]), "ln /etc/shadow");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "SearchPrivateKeysOrPasswords",
    targets: [{ rule: "Search private keys or passwords" }, { rule: "Search Private Keys or Passwords" }],
    needs: "-",
    safe: true,
    description: 'grep -r "BEGIN PRIVATE" <tmp>',
    async run(ctx) {
      writeFileSync(join(ctx.dir, "notes.txt"), "nothing to see\n");
      mustHaveRun(await runCmd([bin("grep"), "-r", "BEGIN PRIVATE", ctx.dir]), "grep");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "FindAwsCredentials",
    targets: [{ rule: "Find AWS Credentials" }],
    needs: "-",
    safe: true,
    description: "find <tmp> -path '*/.aws/credentials'",
    async run(ctx) {
      mustSucceed(await runCmd([bin("find"), ctx.dir, "-path", "*/.aws/credentials"]), "find");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "RemoveBulkDataFromDisk",
    targets: [{ rule: "Remove Bulk Data from Disk" }],
    needs: "-",
    safe: true,
    description: "shred -u a 4 KiB file in the action's temporary directory",
    async run(ctx) {
      const f = join(ctx.dir, "data.bin");
      writeFileSync(f, Buffer.alloc(4096));
      mustSucceed(await runCmd([bin("shred"), "-u", f]), "shred");
      return { ids: [ctx.token] };
    },
  },
  // ---------------------------------------------------------------- mounts
  {
    name: "SensitiveHostPathMounted",
    targets: [{ rule: "Sensitive host path mounted" }],
    needs: "root",
    safe: true,
    description: "mount --bind /proc <tmp>/mnt in a private mount namespace (unshare -m)",
    async run(ctx) {
      const mnt = join(ctx.dir, "mnt");
      mkdirSync(mnt);
      mustSucceed(await runCmd([bin("unshare"), "-m", "--propagation", "private", "mount", "--bind", "/proc", mnt]), "unshare -m mount --bind /proc");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "SensitiveMount",
    targets: [{ rule: "Sensitive_Mount" }],
    needs: "docker",
    safe: false,
    description: "seed scenario: mount --bind /proc /tmp/fts-eg-<token> inside a privileged fts-eg container",
    run: (ctx) =>
      inContainer(ctx, { privileged: true }, async (c) => {
        mustSucceed(await c.exec(["sh", "-c", `mkdir -p /tmp/${ctx.token} && mount --bind /proc /tmp/${ctx.token} && umount /tmp/${ctx.token}`]), "mount --bind /proc in container");
      }),
  },
  // ---------------------------------------------------------------- processes
  {
    name: "RunShellUntrusted",
    targets: [{ rule: "Run shell untrusted" }],
    needs: "-",
    safe: true,
    description: "a shell named httpd runs `sh -c ': fts-eg-<token>'` (a shell below a web server)",
    async run(ctx) {
      const httpd = aliasBinary(ctx.dir, "httpd", bin("sh"));
      mustSucceed(await runCmd([httpd, "-c", `sh -c ': ${ctx.token}'; :`]), "httpd -c sh");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "SystemUserInteractive",
    targets: [{ rule: "System user interactive" }],
    needs: "root",
    safe: true,
    description: "as user daemon (setpriv), run a program named login (a symlink to true)",
    async run(ctx) {
      chmodSync(ctx.dir, 0o755);
      const login = aliasBinary(ctx.dir, "login", bin("true"));
      mustSucceed(await runCmd([bin("setpriv"), "--reuid=daemon", "--regid=daemon", "--clear-groups", login, ctx.token]), "setpriv ... login");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "SearchPrivateKeysOrPasswordsFind",
    targets: [{ rule: "Search private keys or passwords" }, { rule: "Search Private Keys or Passwords" }],
    needs: "-",
    safe: true,
    description: "find <tmp> -name id_rsa",
    async run(ctx) {
      mustSucceed(await runCmd([bin("find"), ctx.dir, "-name", "id_rsa"]), "find -name id_rsa");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "NetcatRemoteCodeExecution",
    targets: [{ rule: "Netcat remote code execution" }],
    needs: "-",
    safe: true,
    description: "a program named nc (this program, doing nothing) started with `-e /bin/true`",
    async run(ctx) {
      mustSucceed(await runCmd(childArgv(ctx.dir, "nc", "noop", [ctx.token, "-e", "/bin/true"])), "nc -e");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "PtraceAttachedToProcess",
    targets: [{ rule: "PTRACE attached to process" }],
    needs: "-",
    safe: true,
    description: "a child (fts-eg-tracer) runs sleep, attaches to it with PTRACE_ATTACH, kills it",
    async run(ctx) {
      mustSucceed(await runCmd(childArgv(ctx.dir, "fts-eg-tracer", "ptrace-attach", [ctx.token])), "ptrace-attach child");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "PtraceAntiDebugAttempt",
    targets: [{ rule: "PTRACE anti-debug attempt" }],
    needs: "-",
    safe: true,
    description: "a child (fts-eg-antidbg) calls ptrace(PTRACE_TRACEME) and exits",
    async run(ctx) {
      mustSucceed(await runCmd(childArgv(ctx.dir, "fts-eg-antidbg", "ptrace-traceme", [ctx.token])), "ptrace-traceme child");
      return { ids: [ctx.token] };
    },
  },
  {
    name: "FilelessExecutionViaMemfdCreate",
    targets: [{ rule: "Fileless execution via memfd_create" }],
    needs: "-",
    safe: true,
    description: "copy /bin/true into a memfd (memfd_create) and execute /proc/<pid>/fd/<n>",
    async run(ctx) {
      const { dlopen, FFIType } = await import("bun:ffi");
      const libc = dlopen("libc.so.6", { memfd_create: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 } });
      const name = Buffer.from(`${ctx.token}\0`);
      const fd = libc.symbols.memfd_create(name, 0);
      libc.close();
      if (fd < 0) throw new Error(`memfd_create failed (${fd})`);
      try {
        const image = readFileSync(bin("true"));
        let off = 0;
        while (off < image.length) off += writeSync(fd, image, off, image.length - off);
        mustSucceed(await runCmd([`/proc/${process.pid}/fd/${fd}`, ctx.token]), "exec memfd");
      } finally {
        closeSync(fd);
      }
      return { ids: [ctx.token] };
    },
  },
  {
    name: "ExecutionFromDevShm",
    targets: [{ rule: "Execution from /dev/shm" }],
    needs: "-",
    safe: true,
    description: "write /dev/shm/fts-eg-<token>.sh and run it with `sh -c`, then remove it",
    async run(ctx) {
      if (!existsSync("/dev/shm")) return { ids: [], skipped: "/dev/shm does not exist" };
      const f = `/dev/shm/${ctx.token}.sh`;
      await withSystemFile(f, async () => {
        writeFileSync(f, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
        // 126 = /dev/shm mounted noexec: the shell's execve (what the rule sees) still happened.
        const r = await runCmd([bin("sh"), "-c", f]);
        if (r.code !== 0 && r.code !== 126) mustSucceed(r, "sh -c /dev/shm/...");
      });
      return { ids: [ctx.token] };
    },
  },
  {
    name: "DisallowedSSHConnectionNonStandardPort",
    targets: [{ rule: "Disallowed SSH Connection Non Standard Port" }],
    needs: "root",
    safe: true,
    description: "in a private network namespace, ssh to 203.0.113.7:443 (an address on that namespace's loopback, answered by a local listener); without an ssh client, this program named ssh connects",
    async run(ctx) {
      if (!which("ip")) return { ids: [], skipped: "ip (iproute2) is not installed" };
      // With no ssh client installed, this program connects itself under the name "ssh".
      const child = which("ssh") ? childArgv(ctx.dir, "fts-eg-sshns", "ssh-netns", [ctx.token]) : childArgv(ctx.dir, "ssh", "ssh-netns", [ctx.token, "self"]);
      mustSucceed(await runCmd([bin("unshare"), "-n", ...child], { timeoutMs: 20_000 }), "ssh in private netns");
      return { ids: [ctx.token] };
    },
  },
  // ---------------------------------------------------------------- containers
  {
    name: "TerminalShellInContainer",
    targets: [{ rule: "Terminal shell in container" }],
    needs: "docker",
    safe: true,
    description: "docker exec -it <fts-eg container> bash (in a pseudo-terminal made by script -qec)",
    run: shellInContainer,
  },
  {
    name: "ShellEnteredContainer",
    targets: [{ rule: "Shell_Entered_Container" }],
    needs: "docker",
    safe: true,
    description: "seed scenario: docker exec -it <fts-eg container> bash (pseudo-terminal by script -qec)",
    run: shellInContainer,
  },
  {
    name: "UnexpectedProcessInNginx",
    targets: [{ rule: "Unexpected_Process_In_Nginx" }],
    needs: "docker",
    safe: true,
    description: "seed scenario: docker exec <fts-eg nginx:latest container> sh -c 'ls /' fts-eg-<token>",
    run: (ctx) =>
      inContainer(ctx, {}, async (c) => {
        mustSucceed(await c.exec(["sh", "-c", "ls / >/dev/null", ctx.token]), "docker exec sh -c ls");
      }),
  },
  {
    name: "PackageManagementProcessLaunchedInContainer",
    targets: [{ rule: "Package management process launched in container" }],
    needs: "docker",
    safe: true,
    description: "docker exec <container> rpm -q fts-eg-<token> (busybox rpm)",
    run: (ctx) =>
      inContainer(ctx, {}, async (c) => {
        mustHaveRun(await c.exec(["rpm", "-q", ctx.token]), "docker exec rpm");
      }),
  },
  {
    name: "NetworkToolLaunchedInContainer",
    targets: [{ rule: "Network tool launched in container" }],
    needs: "docker",
    safe: true,
    description: "docker exec <container> nc -w 1 127.0.0.1 9 (busybox nc)",
    run: (ctx) =>
      inContainer(ctx, {}, async (c) => {
        mustHaveRun(await c.exec(["nc", "-w", "1", "127.0.0.1", "9"]), "docker exec nc");
      }),
  },
  {
    name: "NetcatRemoteCodeExecutionInContainer",
    targets: [{ rule: "Netcat Remote Code Execution in Container" }],
    needs: "docker",
    safe: true,
    description: "in a container without network: `nc -l -p 4444`, then `nc 127.0.0.1 4444 -e /bin/true fts-eg-<token>`",
    run: netcatExecInContainer,
  },
  {
    name: "RedirectStdoutStdinToNetworkConnectionInContainer",
    targets: [{ rule: "Redirect STDOUT/STDIN to Network Connection in Container" }],
    needs: "docker",
    safe: true,
    description: "in a container: `nc 127.0.0.1 4444 -e /bin/true` dup2()s the socket onto stdin/stdout",
    run: netcatExecInContainer,
  },
  {
    name: "PacketSocketCreatedInContainer",
    targets: [{ rule: "Packet socket created in container" }],
    needs: "docker",
    safe: true,
    description: "docker exec <container> arping -c 1 -w 1 -I lo 127.0.0.1 (socket(AF_PACKET), loopback only)",
    run: (ctx) =>
      inContainer(ctx, {}, async (c) => {
        mustHaveRun(await c.exec(["arping", "-c", "1", "-w", "1", "-I", "lo", "127.0.0.1", ctx.token]), "docker exec arping");
      }),
  },
  {
    name: "DropAndExecuteNewBinaryInContainer",
    targets: [{ rule: "Drop and execute new binary in container" }],
    needs: "docker",
    safe: true,
    description: "in a container: copy busybox to /tmp/fts-eg/true (overlayfs upper layer) and run it",
    run: (ctx) =>
      inContainer(ctx, {}, async (c) => {
        mustSucceed(await c.exec(["sh", "-c", `mkdir -p /tmp/fts-eg && cp /bin/busybox /tmp/fts-eg/true && /tmp/fts-eg/true ${ctx.token}`]), "docker exec drop+exec");
      }),
  },
  {
    name: "ContactK8SAPIServerFromContainer",
    targets: [
      {
        rule: "Contact K8S API Server From Container",
        cannot: () => "needs fd.sip.name = kubernetes.default.svc.cluster.local: a connect from a container to an address that name resolves to (a Kubernetes API server); there is no Kubernetes cluster DNS or API server here",
      },
    ],
    needs: "docker",
    safe: true,
    description: "not triggerable here (see the reason in `test`); does nothing",
    async run() {
      return { ids: [], skipped: "no Kubernetes API server here (kubernetes.default.svc.cluster.local, which fd.sip.name compares with, does not resolve to one)" };
    },
  },
  {
    name: "DebugfsLaunchedInPrivilegedContainer",
    targets: [{ rule: "Debugfs Launched in Privileged Container" }, { rule: "Launch Privileged Container" }],
    needs: "docker",
    safe: false,
    description: "start a privileged container (its first process: Launch Privileged Container), run a program named debugfs in it (a script that exits 0)",
    run: (ctx) =>
      inContainer(ctx, { privileged: true }, async (c) => {
        mustSucceed(await c.exec(["sh", "-c", fakeProgramInContainer("/tmp/fts-eg/debugfs", `-V ${ctx.token}`)]), "docker exec debugfs");
      }),
  },
  {
    name: "DetectReleaseAgentFileContainerEscapes",
    targets: [{ rule: "Detect release_agent File Container Escapes" }],
    needs: "docker",
    safe: false,
    description: "in a privileged container: write /tmp/fts-eg-<token>/release_agent (a plain file, not a cgroup's)",
    run: (ctx) =>
      inContainer(ctx, { privileged: true }, async (c) => {
        mustSucceed(await c.exec(["sh", "-c", `mkdir -p /tmp/${ctx.token} && echo 1 > /tmp/${ctx.token}/release_agent`]), "docker exec release_agent");
      }),
  },
  {
    name: "LinuxKernelModuleInjectionDetected",
    targets: [
      {
        rule: "Linux Kernel Module Injection Detected",
        cannot: (cond) =>
          RES_ZERO.test(cond)
            ? existsSync("/proc/modules")
              ? "this rule needs a successful module load (evt.res = 0); the action never loads a real module"
              : "this rule needs a successful module load (evt.res = 0); this kernel has no module support (no /proc/modules, init_module fails with ENOSYS)"
            : null,
      },
    ],
    needs: "docker",
    safe: false,
    description: "in a privileged container: busybox insmod of a bogus file (init_module/finit_module fails; no module is loaded)",
    run: (ctx) =>
      inContainer(ctx, { privileged: true }, async (c) => {
        mustHaveRun(await c.exec(["sh", "-c", `echo not-a-module > /tmp/${ctx.token}.ko; insmod /tmp/${ctx.token}.ko; true`]), "docker exec insmod");
      }),
  },
];

/** "ReadSensitiveFileUntrusted" -> "Read Sensitive File Untrusted" (acronyms kept: "PTRACE", "SSH"). */
export function spacedName(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/([A-Z0-9]+)([A-Z][a-z])/g, "$1 $2");
}

/**
 * Actions whose name matches `pattern`, a case-insensitive regular expression tested against the
 * name and against its spaced form (so both `ReadSensitive` and `read sensitive` select
 * ReadSensitiveFileUntrusted). Without a pattern: the safe actions, or all with `opts.all`.
 * @throws SyntaxError for a bad pattern.
 */
export function selectActions(pattern: string | undefined, opts: { all?: boolean } = {}): Action[] {
  if (pattern === undefined) return ACTIONS.filter((a) => opts.all || a.safe);
  const re = new RegExp(pattern, "i");
  return ACTIONS.filter((a) => re.test(a.name) || re.test(spacedName(a.name)));
}

/**
 * `event-generator list` lines: `name<TAB>target rule<TAB>needs`, one per (action, target rule).
 * With `describe`, two more columns: `safe` or `unsafe`, and what the action does.
 */
export function listLines(describe = false): string[] {
  const out: string[] = [];
  for (const a of ACTIONS) {
    for (const t of a.targets) out.push(`${a.name}\t${t.rule}\t${a.needs}${describe ? `\t${a.safe ? "safe" : "unsafe"}\t${a.description}` : ""}`);
  }
  return out;
}
