/**
 * Version information for `--version`, `--support` and the webserver's /versions.
 * BUILD_COMMIT is injected by scripts/build.sh (`bun build --define`); when running from source
 * it is read from git if available.
 */
import { execFileSync } from "node:child_process";
import pkg from "../../package.json" with { type: "json" };
import { FALCO_ENGINE_VERSION } from "../rules/loader.ts";

declare const BUILD_COMMIT: string | undefined;
/** Debian versions of the embedded libz/libelf/libbpf, injected by scripts/build.sh (`--define`). */
declare const EMBEDDED_LIBS: string | undefined;

/** "libbpf1 1:1.1.2-0+deb12u1, libelf1 0.188-2.1, zlib1g 1:1.2.13..." or "system (not a compiled binary)". */
function embeddedLibs(): string {
  if (typeof EMBEDDED_LIBS !== "undefined" && EMBEDDED_LIBS) return EMBEDDED_LIBS;
  return "from ffi/build/sys (running from source)";
}

function commit(): string {
  if (typeof BUILD_COMMIT !== "undefined" && BUILD_COMMIT) return BUILD_COMMIT;
  try {
    return execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: import.meta.dir ?? process.cwd(), stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  } catch {
    return "unknown";
  }
}

/** Falco version whose behaviour falco-ts follows, and the libs version of its field/event tables. */
export const FALCO_COMPAT_VERSION = "0.44.0";
export const LIBS_COMPAT_VERSION = "0.25.4";
/** Kernel features the live probe needs (one line). */
export const REQUIRED_KERNEL = "Linux >= 5.8 x86-64 with BTF (/sys/kernel/btf/vmlinux), BPF ring buffer, tp_btf tracepoints; root or CAP_BPF+CAP_PERFMON+CAP_SYS_RESOURCE";
/** The same, one feature per entry (what `--version` lists and `--support` checks). */
export const REQUIRED_KERNEL_FEATURES: readonly string[] = [
  "x86-64 Linux >= 5.8 (BPF ring buffer, CAP_BPF/CAP_PERFMON)",
  "BTF: /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF=y) for CO-RE and tp_btf tracepoints",
  "BPF syscall, BPF_EVENTS, FTRACE_SYSCALLS (raw_syscalls sys_enter/sys_exit, sched_process_exec/fork/exit)",
  "root, or CAP_BPF + CAP_PERFMON (CAP_SYS_ADMIN also works); CAP_SYS_RESOURCE on kernels < 5.11",
  "lockdown none or integrity (confidentiality forbids bpf_probe_read_kernel)",
  "glibc >= 2.33 on the host; libbpf, libelf and zlib are embedded",
];

/** Version facts; `text()` is what `--version` prints. */
export const VERSION = {
  version: pkg.version as string,
  get commit(): string {
    return commit();
  },
  bun: typeof Bun !== "undefined" ? Bun.version : "n/a",
  /** Falco engine version (falco_engine_version.h of Falco 0.44). */
  engine: FALCO_ENGINE_VERSION,
  /** Versions of the embedded libraries. */
  get embeddedLibs(): string {
    return embeddedLibs();
  },
  /** What `--version` prints: versions, then the required kernel features, one per line. */
  text(engineVersion: string = FALCO_ENGINE_VERSION): string {
    return [
      `falco-ts version: ${pkg.version}`,
      `git commit: ${commit()}`,
      `bun version: ${typeof Bun !== "undefined" ? Bun.version : "n/a"}`,
      `engine version: ${engineVersion}`,
      `falco compatibility: ${FALCO_COMPAT_VERSION} (libs ${LIBS_COMPAT_VERSION})`,
      `embedded libraries: ${embeddedLibs()}`,
      "required kernel features:",
      ...REQUIRED_KERNEL_FEATURES.map((f) => `  - ${f}`),
      "",
    ].join("\n");
  },
};
