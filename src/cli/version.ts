/**
 * Version information for `--version`, `--support` and the webserver's /versions.
 * BUILD_COMMIT is injected by scripts/build.sh (`bun build --define`); when running from source
 * it is read from git if available.
 */
import { execFileSync } from "node:child_process";
import pkg from "../../package.json" with { type: "json" };

declare const BUILD_COMMIT: string | undefined;

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
/** Kernel features the live probe needs. */
export const REQUIRED_KERNEL = "Linux >= 5.8 x86-64 with BTF (/sys/kernel/btf/vmlinux), BPF ring buffer, tp_btf tracepoints; root or CAP_BPF+CAP_PERFMON+CAP_SYS_RESOURCE";

/** Version facts; `text()` is what `--version` prints. */
export const VERSION = {
  version: pkg.version as string,
  get commit(): string {
    return commit();
  },
  bun: typeof Bun !== "undefined" ? Bun.version : "n/a",
  text(engineVersion?: string): string {
    return [
      `falco-ts version: ${pkg.version}`,
      `git commit: ${commit()}`,
      `bun version: ${typeof Bun !== "undefined" ? Bun.version : "n/a"}`,
      `falco compatibility: ${FALCO_COMPAT_VERSION} (libs ${LIBS_COMPAT_VERSION})`,
      ...(engineVersion ? [`engine version: ${engineVersion}`] : []),
      `requires: ${REQUIRED_KERNEL}`,
      "",
    ].join("\n");
  },
};
