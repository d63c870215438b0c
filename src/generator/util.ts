/**
 * Helpers of the event generator: random markers, temporary directories, child processes with a
 * timeout, re-executing this program under another process name, and Docker through its CLI.
 * Everything here is used by the actions in actions.ts; nothing touches a real system file.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/** Prefix of every file, directory, container and marker the generator creates. */
export const MARKER_PREFIX = "fts-eg-";

/** A fresh marker `fts-eg-<10 hex>`: put in paths and command lines so alerts can be attributed. */
export function newToken(): string {
  return MARKER_PREFIX + randomBytes(5).toString("hex");
}

/** Create a private temporary directory named after `token` (mode 0700) below os.tmpdir(). */
export function makeTempDir(token: string): string {
  return mkdtempSync(join(tmpdir(), `${token}-`));
}

/** Remove a path recursively, ignoring errors (best-effort cleanup). */
export function removeQuiet(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

/** Result of a finished child process. */
export interface CmdResult {
  /** Exit code, or null when killed by a signal (see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the timeout killed the process. */
  timedOut: boolean;
  /** Pid of the child (0 if it could not start). */
  pid: number;
}

/** Options of `runCmd`. */
export interface CmdOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Text written to stdin (stdin is closed afterwards; /dev/null when absent). */
  input?: string;
  /** Called with the pid as soon as the child started. */
  onSpawn?: (pid: number) => void;
}

/**
 * Run `argv` (no shell) and collect its output. Never throws: a program that cannot start gives
 * code 127 and the error text in `stderr`. The timeout (default 20 s) sends SIGKILL.
 */
export function runCmd(argv: readonly string[], opts: CmdOptions = {}): Promise<CmdResult> {
  return new Promise((resolveP) => {
    const [cmd, ...args] = argv;
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let done = false;
    const child = spawn(cmd!, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input !== undefined ? "pipe" : "ignore", "pipe", "pipe"],
    });
    const finish = (r: Omit<CmdResult, "stdout" | "stderr" | "timedOut" | "pid">) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolveP({ ...r, stdout, stderr, timedOut, pid: child.pid ?? 0 });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 20_000);
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e) => {
      stderr += `${cmd}: ${e.message}`;
      finish({ code: 127, signal: null });
    });
    child.on("close", (code, signal) => finish({ code, signal }));
    if (child.pid && opts.onSpawn) opts.onSpawn(child.pid);
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** Find an executable by name in PATH (or check an absolute path); null when absent. */
export function which(name: string): string | null {
  if (isAbsolute(name)) return existsSync(name) ? name : null;
  for (const dir of (process.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    if (!dir) continue;
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  for (const dir of ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return null;
}

/**
 * How to run this very program again: the executable and the arguments that come before the
 * program's own arguments. From source (`bun src/cli/main.ts ...`) that is [bun, /abs/main.ts];
 * for the compiled single binary (Bun puts its entry under `/$bunfs/`) just the binary.
 */
export function selfCommand(): { exe: string; pre: string[] } {
  const main = process.argv[1] ?? "";
  const fromSource = /\.(ts|js|mjs|cjs|tsx)$/.test(main) && !main.startsWith("/$bunfs/") && !main.startsWith("B:/~BUN/");
  return fromSource ? { exe: process.execPath, pre: [resolve(main)] } : { exe: process.execPath, pre: [] };
}

/**
 * Argument vector that re-executes this program as `event-generator __child <op> <args...>`
 * under the process name `name`: a symlink `dir/name` to the executable (the kernel names the
 * process after the path it executes, so proc.name = name).
 */
export function childArgv(dir: string, name: string, op: string, args: readonly string[]): string[] {
  const self = selfCommand();
  const link = join(dir, name);
  if (!existsSync(link)) symlinkSync(self.exe, link);
  return [link, ...self.pre, "event-generator", "__child", "--", op, ...args];
}

/** Create `dir/name` as a symlink to `target` (a system binary), returning the link path. */
export function aliasBinary(dir: string, name: string, target: string): string {
  const link = join(dir, name);
  if (!existsSync(link)) symlinkSync(target, link);
  return link;
}

// ------------------------------------------------------------------------------------------------
// Docker (through the CLI; Debian's CLI first since it matches the daemon's API version)
// ------------------------------------------------------------------------------------------------

/** The image the container actions run (built by scripts/docker-setup.sh). */
export const DOCKER_IMAGE = "nginx:latest";

let dockerState: { ok: true; bin: string } | { ok: false; reason: string } | undefined;

/**
 * Whether Docker can run the container actions: a docker CLI, a daemon that answers, and the
 * image nginx:latest. Cached for the process. Returns the CLI path, or the reason it cannot.
 */
export function dockerStatus(): { ok: true; bin: string } | { ok: false; reason: string } {
  if (dockerState) return dockerState;
  if (process.env.FALCO_TS_NO_CONTAINERS === "1") return (dockerState = { ok: false, reason: "FALCO_TS_NO_CONTAINERS=1" });
  const bin = existsSync("/usr/bin/docker") ? "/usr/bin/docker" : which("docker");
  if (!bin) return (dockerState = { ok: false, reason: "no docker CLI" });
  const info = spawnSync(bin, ["version", "--format", "{{.Server.Version}}"], { timeout: 10_000, encoding: "utf8" });
  if (info.status !== 0) return (dockerState = { ok: false, reason: `daemon not answering (${(info.stderr || info.error?.message || "").trim().split("\n")[0]})` });
  const img = spawnSync(bin, ["image", "inspect", "--format", "{{.Id}}", DOCKER_IMAGE], { timeout: 10_000, encoding: "utf8" });
  if (img.status !== 0) return (dockerState = { ok: false, reason: `image ${DOCKER_IMAGE} missing (run scripts/docker-setup.sh)` });
  return (dockerState = { ok: true, bin });
}

/** Thrown when a docker command fails; carries its stderr. */
export class DockerError extends Error {
  constructor(what: string, r: CmdResult) {
    super(`${what} failed (exit ${r.code}${r.timedOut ? ", timed out" : ""}): ${r.stderr.trim().split("\n").slice(-2).join(" ")}`);
    this.name = "DockerError";
  }
}

/** A container started for one action; `remove()` deletes it (and is safe to call twice). */
export interface Container {
  name: string;
  /** Full 64-hex id. */
  id: string;
  /** The 12-character id Falco prints as container.id. */
  shortId: string;
  /** `docker exec [-it|-d] <name> args...`: `tty` allocates a terminal, `detach` returns at once. */
  exec(args: readonly string[], opts?: { tty?: boolean; detach?: boolean; timeoutMs?: number }): Promise<CmdResult>;
  remove(): Promise<void>;
}

/**
 * Start `nginx:latest` detached as `fts-eg-<token>` (label fts-eg=1), optionally privileged or
 * without network. Its main process is the image's long-running `nginx`.
 * @throws DockerError when Docker is unavailable or `docker run` fails.
 */
export async function startContainer(token: string, opts: { privileged?: boolean; network?: "none" } = {}): Promise<Container> {
  const st = dockerStatus();
  if (!st.ok) throw new Error(`docker unavailable: ${st.reason}`);
  const name = token;
  const args = ["run", "-d", "--name", name, "--label", "fts-eg=1"];
  if (opts.privileged) args.push("--privileged");
  if (opts.network) args.push("--network", opts.network);
  args.push(DOCKER_IMAGE);
  const r = await runCmd([st.bin, ...args], { timeoutMs: 30_000 });
  if (r.code !== 0) {
    await runCmd([st.bin, "rm", "-f", name], { timeoutMs: 15_000 });
    throw new DockerError(`docker run ${name}`, r);
  }
  const id = r.stdout.trim();
  let removed = false;
  return {
    name,
    id,
    shortId: id.slice(0, 12),
    exec(execArgs, o = {}) {
      const a = ["exec"];
      if (o.tty) a.push("-it");
      if (o.detach) a.push("-d");
      return runCmd([st.bin, ...a, name, ...execArgs], { timeoutMs: o.timeoutMs ?? 15_000 });
    },
    async remove() {
      if (removed) return;
      removed = true;
      await runCmd([st.bin, "rm", "-f", name], { timeoutMs: 20_000 });
    },
  };
}

/** Parse a duration such as `100ms`, `2s`, `1.5s`, `1m` or a bare number of milliseconds. @throws Error if malformed. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) throw new Error(`invalid duration "${text}" (expected e.g. 100ms, 2s, 1m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? "ms";
  return Math.round(n * (unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 3_600_000));
}
