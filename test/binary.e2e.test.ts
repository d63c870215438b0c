/**
 * Issue 8, "one binary to copy to hosts", end to end with the real probe:
 *
 *  - builds ./falco-ts (scripts/build.sh);
 *  - makes a root filesystem that holds only glibc (Debian's libc6 package: `apt-get download
 *    libc6` + `dpkg-deb -x`), copies ./falco-ts alone into it, bind-mounts /proc and /sys (which
 *    carries /sys/kernel/btf), and runs it there with chroot(8): no libbpf, libelf or zlib exist
 *    in that root, so the embedded copies must be what loads. A write performed on the host must
 *    come back as an alert on stdout; the rootfs /tmp must stay empty, also when /tmp is a
 *    read-only, noexec tmpfs and TMPDIR points to a read-only directory;
 *  - the same binary copied to another path runs (`--version`, a short live run) from a cwd
 *    outside the repository, in a private mount namespace whose /tmp is a directory we watch:
 *    nothing is left in it; its memory maps show libbpf/libelf/libz coming from memfds;
 *  - preflight: without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN, or without /sys/kernel/btf, the agent
 *    exits 1 naming the fix;
 *  - `--version` and `--support` print what issue 8 asks for.
 *
 * Mounts and the rootfs are removed in afterAll. Needs root, apt (Debian archive) and the kernel
 * features the probe needs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./helpers/agent.ts";

const TOKEN = `fts-bin-${process.pid}-${Date.now().toString(36)}`;
/** Work area outside /tmp so that /tmp comparisons are not disturbed by our own files. */
const WORK = mkdtempSync("/var/tmp/falco-ts-binary-e2e-");
const ROOTFS = join(WORK, "rootfs");
const mounted: string[] = [];

function run(cmd: string, args: string[], opts: { cwd?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: opts.timeout ?? 120_000, cwd: opts.cwd, env: opts.env ?? process.env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
  return r.stdout;
}

function mount(args: string[], target: string): void {
  run("mount", [...args, target]);
  mounted.push(target);
}

/** A rules file matching any open of a path containing `token` (written into the rootfs). */
function rulesFor(token: string): string {
  return `
- rule: binary_e2e_open
  desc: an open of the test's marker file
  condition: evt.type in (open, openat, openat2, creat) and fd.name contains "${token}"
  output: "binary e2e open %fd.name by %proc.name"
  priority: WARNING
`;
}

/** A live agent started with an arbitrary command line; JSON alerts are parsed from stdout. */
interface Live {
  proc: ChildProcess;
  alerts: { rule: string; output_fields: Record<string, unknown> }[];
  stderr: string;
  exited: Promise<number | null>;
}

function startLive(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd = "/"): Live {
  const proc = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const live: Live = { proc, alerts: [], stderr: "", exited: new Promise((res) => proc.on("exit", (code) => res(code))) };
  let buf = "";
  proc.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.startsWith("{")) continue;
      try {
        live.alerts.push(JSON.parse(line));
      } catch {
        /* partial line: ignored */
      }
    }
  });
  proc.stderr!.on("data", (d: Buffer) => {
    live.stderr += d.toString();
  });
  return live;
}

async function waitUntil(what: string, live: Live, cond: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (live.proc.exitCode !== null) throw new Error(`agent exited (${live.proc.exitCode}) while waiting for ${what}; stderr:\n${live.stderr}`);
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}; stderr:\n${live.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(live: Live): Promise<number | null> {
  if (live.proc.exitCode === null) live.proc.kill("SIGTERM");
  const t = setTimeout(() => live.proc.kill("SIGKILL"), 10_000);
  const code = await live.exited;
  clearTimeout(t);
  return code;
}

/** Open (create) a marker file on the host and wait until the agent reports it. */
async function hostWriteDetected(live: Live, token: string, rule: string): Promise<void> {
  const marker = join(WORK, `${token}.marker`);
  const deadline = Date.now() + 15_000;
  // Repeat the write until it is seen (the first one may race the end of start-up).
  while (!live.alerts.some((a) => a.rule === rule && String(a.output_fields["fd.name"] ?? "").includes(token))) {
    if (Date.now() > deadline) throw new Error(`no ${rule} alert for ${marker}; ${live.alerts.length} alerts; stderr:\n${live.stderr}`);
    writeFileSync(marker, "x");
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(() => {
  run("bash", [join(REPO, "scripts/build.sh")], { timeout: 600_000 });
  // glibc only, from Debian's libc6 package.
  const debDir = join(WORK, "deb");
  mkdirSync(debDir);
  let dl = spawnSync("apt-get", ["download", "libc6"], { cwd: debDir, encoding: "utf8", timeout: 120_000 });
  if (dl.status !== 0) {
    run("apt-get", ["update", "-qq"], { timeout: 300_000 });
    dl = spawnSync("apt-get", ["download", "libc6"], { cwd: debDir, encoding: "utf8", timeout: 120_000 });
  }
  if (dl.status !== 0) throw new Error(`apt-get download libc6 failed: ${dl.stderr}`);
  const deb = readdirSync(debDir).find((f) => f.startsWith("libc6_") && f.endsWith(".deb"));
  if (!deb) throw new Error(`apt-get download libc6 produced no .deb in ${debDir}`);
  run("dpkg-deb", ["-x", join(debDir, deb), ROOTFS]);
  for (const d of ["proc", "sys", "tmp", "ro", "etc/falco"]) mkdirSync(join(ROOTFS, d), { recursive: true });
  copyFileSync(join(REPO, "falco-ts"), join(ROOTFS, "falco-ts"));
  run("chmod", ["0755", join(ROOTFS, "falco-ts")]);
  writeFileSync(join(ROOTFS, "rules.yaml"), rulesFor(TOKEN));
  mount(["--bind", "/proc"], join(ROOTFS, "proc"));
  mount(["--bind", "/sys"], join(ROOTFS, "sys")); // sysfs itself holds kernel/btf/vmlinux
  // A read-only TMPDIR inside the rootfs.
  mount(["--bind", join(ROOTFS, "ro")], join(ROOTFS, "ro"));
  run("mount", ["-o", "remount,bind,ro", join(ROOTFS, "ro")]);
}, 900_000);

afterAll(() => {
  for (const m of mounted.reverse()) {
    if (spawnSync("umount", [m]).status !== 0) spawnSync("umount", ["-l", m]);
  }
  const still = readFileSync("/proc/self/mounts", "utf8").split("\n").filter((l) => l.includes(WORK));
  if (still.length === 0) rmSync(WORK, { recursive: true, force: true });
  else console.warn(`[binary.e2e] mounts still present under ${WORK}; not removing it:\n${still.join("\n")}`);
});

describe("the rootfs holds only glibc", () => {
  it("has libc but no libbpf, libelf or zlib, and the binary alone", () => {
    const all = spawnSync("find", [ROOTFS, "-xdev", "-name", "*.so*"], { encoding: "utf8" }).stdout;
    expect(all).toMatch(/libc\.so\.6/);
    expect(all).not.toMatch(/libbpf|libelf|libz\.so/);
    expect(existsSync(join(ROOTFS, "usr/bin/bash"))).toBe(false);
  });
});

describe("chroot with only glibc", () => {
  it("--version works", () => {
    const out = run("chroot", [ROOTFS, "/falco-ts", "--version"]);
    expect(out).toMatch(/^falco-ts version: \S+/m);
    expect(out).toMatch(/^engine version: \d+\.\d+\.\d+$/m);
  });

  it("detects a write made on the host; leaves /tmp empty", async () => {
    const before = readdirSync(join(ROOTFS, "tmp"));
    const live = startLive("chroot", [ROOTFS, "/falco-ts", "-r", "/rules.yaml", "-o", "json_output=true"]);
    try {
      await waitUntil("capture started", live, () => /capture started/.test(live.stderr), 30_000);
      await hostWriteDetected(live, TOKEN, "binary_e2e_open");
    } finally {
      expect(await stop(live)).toBe(0);
    }
    expect(readdirSync(join(ROOTFS, "tmp"))).toEqual(before);
  }, 60_000);

  it("without /sys/kernel/btf: exit 1 naming the BTF fix", () => {
    // /sys unmounted in a private mount namespace only: the rootfs keeps it for the other tests.
    const r = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", 'umount "$1/sys" && exec chroot "$1" /falco-ts -r /rules.yaml', "sh", ROOTFS], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.stderr).toMatch(/btf: \/sys\/kernel\/btf\/vmlinux missing\. Fix: .*CONFIG_DEBUG_INFO_BTF=y/);
    expect(r.status).toBe(1);
  });

  it("works with a read-only noexec /tmp and TMPDIR on a read-only directory", async () => {
    const tmpMnt = join(ROOTFS, "tmp");
    mount(["-t", "tmpfs", "-o", "ro,noexec,nosuid,size=1m", "fts-ro-tmp"], tmpMnt);
    try {
      const tok = `${TOKEN}-ro`;
      writeFileSync(join(ROOTFS, "rules-ro.yaml"), rulesFor(tok));
      const live = startLive("chroot", [ROOTFS, "/falco-ts", "-r", "/rules-ro.yaml", "-o", "json_output=true"], { ...process.env, TMPDIR: "/ro" });
      try {
        await waitUntil("capture started", live, () => /capture started/.test(live.stderr), 30_000);
        await hostWriteDetected(live, tok, "binary_e2e_open");
      } finally {
        expect(await stop(live)).toBe(0);
      }
      expect(readdirSync(tmpMnt)).toEqual([]);
      expect(readdirSync(join(ROOTFS, "ro"))).toEqual([]);
    } finally {
      run("umount", [tmpMnt]);
      mounted.splice(mounted.indexOf(tmpMnt), 1);
    }
  }, 60_000);
});

describe("the binary moved to another path", () => {
  const elsewhere = join(WORK, "elsewhere", "bin");
  const moved = join(elsewhere, "fts-moved");
  const watchedTmp = join(WORK, "watched-tmp");

  beforeAll(() => {
    mkdirSync(elsewhere, { recursive: true });
    mkdirSync(watchedTmp, { recursive: true });
    copyFileSync(join(REPO, "falco-ts"), moved);
    run("chmod", ["0755", moved]);
  });

  it("--version works from / (no repository around)", () => {
    const out = run(moved, ["--version"], { cwd: "/" });
    expect(out).toMatch(/^falco-ts version:/m);
  });

  it("a short live run with the embedded rules: alert, memfd libraries, nothing left in /tmp", async () => {
    // A private mount namespace whose /tmp is our watched directory: its listing is exact, not
    // disturbed by other processes on the machine. TMPDIR points to a read-only directory.
    const roDir = join(WORK, "ro-tmpdir");
    mkdirSync(roDir, { recursive: true });
    mount(["--bind", roDir], roDir);
    run("mount", ["-o", "remount,bind,ro", roDir]);
    const before = readdirSync(watchedTmp);
    const tok = `${TOKEN}-moved`;
    const live = startLive(
      "unshare",
      ["-m", "--propagation", "private", "sh", "-c", 'mount --bind "$1" /tmp && shift && exec "$@"', "sh", watchedTmp, moved, "-o", "json_output=true"],
      { ...process.env, TMPDIR: roDir },
    );
    try {
      await waitUntil("capture started", live, () => /capture started/.test(live.stderr), 30_000);
      // The embedded rules include the seed's Write_Outside_Userdata (any write outside /userdata).
      await hostWriteDetected(live, tok, "Write_Outside_Userdata");
      const maps = readFileSync(`/proc/${live.proc.pid}/maps`, "latin1");
      for (const so of ["libbpf.so.1", "libelf.so.1", "libz.so.1", "libfts.so"]) expect(maps).toContain(`/memfd:${so}`);
      expect(maps).not.toMatch(/\/lib\/x86_64-linux-gnu\/lib(bpf|elf|z)[.-]/);
    } finally {
      expect(await stop(live)).toBe(0);
    }
    expect(readdirSync(watchedTmp)).toEqual(before);
    expect(readdirSync(roDir)).toEqual([]);
  }, 60_000);
});

describe("preflight and information", () => {
  it("without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN: exit 1 with the fix", () => {
    const r = spawnSync("setpriv", ["--bounding-set", "-bpf,-perfmon,-sys_admin", join(REPO, "falco-ts"), "-r", join(REPO, "rules")], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/capabilities: .*neither CAP_BPF\+CAP_PERFMON nor CAP_SYS_ADMIN\. Fix: .*--cap-add BPF/);
  });

  it("--version: version, commit, Bun, engine, required kernel features", () => {
    const out = run(join(REPO, "falco-ts"), ["--version"]);
    expect(out).toMatch(/^falco-ts version: \d+\.\d+\.\d+/m);
    expect(out).toMatch(/^git commit: [0-9a-f]{7,}$/m);
    expect(out).toMatch(/^bun version: \d+\.\d+\.\d+/m);
    expect(out).toMatch(/^engine version: 0\.63\.0$/m);
    expect(out).toMatch(/^embedded libraries: libbpf1 /m);
    expect(out).toMatch(/^required kernel features:\n {2}- .*5\.8/m);
    expect(out).toMatch(/BTF/);
  });

  it("--support: host checks, capabilities, probe load", () => {
    const rep = JSON.parse(run(join(REPO, "falco-ts"), ["--support", "-r", join(REPO, "rules")])) as {
      engine_version: string;
      system_info: { kernel_ok: boolean; btf: boolean; capabilities_ok: boolean; lockdown: string };
      host_checks: { name: string; ok: boolean }[];
      probe: { loads: boolean; load_ms: number; error?: string };
    };
    expect(rep.engine_version).toBe("0.63.0");
    expect(rep.system_info.kernel_ok).toBe(true);
    expect(rep.system_info.btf).toBe(true);
    expect(rep.system_info.capabilities_ok).toBe(true);
    expect(rep.host_checks.map((c) => c.name)).toEqual(["arch", "kernel", "btf", "capabilities", "lockdown", "memlock", "instances"]);
    expect(rep.probe.error ?? "").toBe("");
    expect(rep.probe.loads).toBe(true);
  });

  it("--support without capabilities says the probe cannot load and why", () => {
    const r = spawnSync("setpriv", ["--bounding-set", "-bpf,-perfmon,-sys_admin", join(REPO, "falco-ts"), "--support", "-r", join(REPO, "rules")], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    const rep = JSON.parse(r.stdout) as { system_info: { capabilities_ok: boolean }; probe: { loads: boolean; error?: string } };
    expect(rep.system_info.capabilities_ok).toBe(false);
    expect(rep.probe.loads).toBe(false);
    expect(rep.probe.error).toMatch(/capabilities/);
  });
});
