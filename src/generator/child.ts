/**
 * `falco-ts event-generator __child <op> <token> [args...]`: the small programs the actions
 * re-execute under a rule-relevant process name (see util.ts childArgv). Each op performs one
 * system call sequence and exits; the token is only there so the alert's command line names the
 * action that caused it. Not listed in help; not meant for users.
 *
 * Ops:
 *  - `noop`: exit 0 (a process that only has to exist under some name with some arguments);
 *  - `ptrace-attach`: start `sleep 30`, ptrace(PTRACE_ATTACH) it, kill it (ptrace(2));
 *  - `ptrace-traceme`: ptrace(PTRACE_TRACEME) then _exit(0) at once (a traced Bun process must not
 *    receive signals its tracer would have to handle);
 *  - `ssh-netns`: inside a private network namespace (the action runs us under `unshare -n`): bring
 *    `lo` up, give it the documentation address 203.0.113.7, listen on 203.0.113.7:443 and run
 *    `ssh -p 443 <token>@203.0.113.7`; every packet stays on that namespace's loopback. Without an
 *    ssh client (`ssh-netns <token> self`, run under the name `ssh`), this process connects itself.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { runCmd, which } from "./util.ts";

const PTRACE_TRACEME = 0;
const PTRACE_ATTACH = 16;

type Libc = {
  ptrace(req: number, pid: number, addr: bigint, data: bigint): bigint;
  _exit(code: number): void;
};

async function libc(): Promise<Libc> {
  const { dlopen, FFIType } = await import("bun:ffi");
  const lib = dlopen("libc.so.6", {
    // glibc's ptrace is variadic; with integer arguments only the x86-64 calling convention is the same.
    ptrace: { args: [FFIType.i32, FFIType.i32, FFIType.u64, FFIType.u64], returns: FFIType.i64 },
    _exit: { args: [FFIType.i32], returns: FFIType.void },
  });
  return lib.symbols as unknown as Libc;
}

/** Run one child op; resolves with the process exit code (0 success). */
export async function runChildOp(op: string, args: string[]): Promise<number> {
  switch (op) {
    case "noop":
      return 0;
    case "ptrace-attach": {
      const c = await libc();
      const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
      await new Promise((r) => setTimeout(r, 100));
      const res = c.ptrace(PTRACE_ATTACH, sleeper.pid!, 0n, 0n);
      sleeper.kill("SIGKILL");
      await new Promise((r) => sleeper.on("exit", r));
      if (res !== 0n) {
        process.stderr.write(`ptrace(PTRACE_ATTACH, ${sleeper.pid}) returned ${res}\n`);
        return 1;
      }
      return 0;
    }
    case "ptrace-traceme": {
      const c = await libc();
      const res = c.ptrace(PTRACE_TRACEME, 0, 0n, 0n);
      c._exit(res === 0n ? 0 : 1);
      return 1;
    }
    case "ssh-netns":
      return sshInNetns(args[0] ?? "fts-eg", args[1] === "self");
    default:
      process.stderr.write(`event-generator __child: unknown op ${op}\n`);
      return 2;
  }
}

async function sshInNetns(token: string, self: boolean): Promise<number> {
  const ip = which("ip");
  const ssh = which("ssh");
  if (!ip || (!ssh && !self)) {
    process.stderr.write("ssh-netns: needs `ip` and `ssh`\n");
    return 1;
  }
  const addr = "203.0.113.7";
  for (const a of [["link", "set", "lo", "up"], ["addr", "add", `${addr}/32`, "dev", "lo"]]) {
    const r = await runCmd([ip, ...a], { timeoutMs: 5000 });
    if (r.code !== 0) {
      process.stderr.write(`ip ${a.join(" ")}: ${r.stderr.trim()}\n`);
      return 1;
    }
  }
  // A listener that accepts and closes: connect(2) succeeds (evt.rawres >= 0), ssh then fails.
  const server = createServer((sock) => sock.destroy());
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen(443, addr, () => res());
  });
  if (self) {
    // This process runs under the name ssh: connect(2) to 203.0.113.7:443 and close.
    const { connect } = await import("node:net");
    const ok = await new Promise<boolean>((res) => {
      const c = connect({ host: addr, port: 443 }, () => {
        c.end();
        res(true);
      });
      c.on("error", () => res(false));
    });
    server.close();
    return ok ? 0 : 1;
  }
  const r = await runCmd(
    [ssh!, "-p", "443", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=3", `${token}@${addr}`, "true"],
    { timeoutMs: 8000 },
  );
  server.close();
  // ssh fails (the server speaks no SSH): expected; only a missing program is an error.
  return r.code === 127 ? 1 : 0;
}
