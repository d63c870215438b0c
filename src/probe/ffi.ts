/**
 * bun:ffi binding of libfts.so (ffi/reader.c, API in ffi/reader.h).
 *
 * The library, the BPF object and libfts.so's own dependencies (libz.so.1, libelf.so.1,
 * libbpf.so.1, from Debian's zlib1g/libelf1/libbpf1) are embedded in the program
 * (src/probe/embedded.ts), so a host needs only glibc. Each library is copied into an anonymous
 * memfd (memfd_create(2) through libc) and opened as /proc/self/fd/N: nothing is written to disk,
 * a read-only or noexec /tmp does not matter and nothing is left behind after exit.
 *
 * Order and name resolution: zlib → libelf → libbpf are dlopen'ed first (glibc's dlopen(3),
 * RTLD_NOW | RTLD_GLOBAL), then libfts.so. When glibc maps libfts.so it resolves each DT_NEEDED
 * name ("libbpf.so.1", then libbpf's "libelf.so.1", "libz.so.1") against the objects already
 * loaded by comparing with their DT_SONAME (glibc elf/dl-load.c, _dl_map_object), so the embedded
 * copies are used and the system's library path is never searched. All memfds stay open until the
 * last dlopen so that no two loaded objects share a "/proc/self/fd/N" name (glibc also matches by
 * that name).
 */
import { dlopen, FFIType, type Pointer } from "bun:ffi";
import { closeSync, readFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";

/** Paths of the embedded build outputs (see embedded.ts). */
export interface EmbeddedAssets {
  readonly PROBE_OBJECT_PATH: string;
  readonly LIBFTS_PATH: string;
  /** libfts.so's dependencies in load order (zlib, libelf, libbpf). */
  readonly RUNTIME_LIBS: readonly { readonly soname: string; readonly path: string; readonly symbol: string }[];
}

/**
 * Load embedded.ts without a static import: Vite (vitest) would try to parse the binaries, while
 * Bun's bundler follows the literal `require` and embeds them in `bun build --compile` output.
 * Where that `require` is not Bun's own (code evaluated by vitest's module runner), Bun's loader is
 * reached through createRequire.
 * @throws Error if ffi/build/ has not been built (run scripts/build.sh).
 */
export function embeddedAssets(): EmbeddedAssets {
  let first: unknown;
  try {
    return require("./embedded.ts") as EmbeddedAssets;
  } catch (e) {
    first = e;
  }
  try {
    return createRequire(import.meta.url)("./embedded.ts") as EmbeddedAssets;
  } catch (e) {
    throw new Error(
      `falco-ts: the probe build outputs (ffi/build/probe.bpf.o, ffi/build/libfts.so, ffi/build/sys/*.so.1) are missing: run 'bash scripts/build.sh' (${(first as Error).message}; ${(e as Error).message})`,
    );
  }
}

const LIBFTS_SYMBOLS = {
  falcots_open: { args: [FFIType.ptr, FFIType.u64, FFIType.u32, FFIType.u64, FFIType.ptr, FFIType.u64], returns: FFIType.ptr },
  falcots_set_syscall: { args: [FFIType.ptr, FFIType.u32, FFIType.i32], returns: FFIType.i32 },
  falcots_set_syscalls: { args: [FFIType.ptr, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  falcots_poll: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i64_fast },
  falcots_stats: { args: [FFIType.ptr, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  falcots_sync_clock: { args: [FFIType.ptr], returns: FFIType.void },
  falcots_close: { args: [FFIType.ptr], returns: FFIType.void },
} as const;

/** The functions of libfts.so as bun:ffi exposes them (pointers are `Pointer` numbers). */
export type LibFts = ReturnType<typeof dlopen<typeof LIBFTS_SYMBOLS>>["symbols"];

let lib: LibFts | null = null;

/** memfd_create(2) flag: close the fd on exec (linux/memfd.h). */
const MFD_CLOEXEC = 1;
/** dlopen(3) flags (glibc dlfcn.h): resolve all symbols now, make them global. */
const RTLD_NOW = 0x2;
const RTLD_GLOBAL = 0x100;

const LIBC_SYMBOLS = {
  memfd_create: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
} as const;
const LIBDL_SYMBOLS = {
  dlopen: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.ptr },
  dlerror: { args: [], returns: FFIType.cstring },
} as const;

/**
 * glibc's dlopen/dlerror: in libc.so.6 since glibc 2.34, in libdl.so.2 before.
 * @throws Error if neither library provides them.
 */
function openLibdl(): ReturnType<typeof dlopen<typeof LIBDL_SYMBOLS>> {
  try {
    return dlopen("libc.so.6", LIBDL_SYMBOLS);
  } catch {
    return dlopen("libdl.so.2", LIBDL_SYMBOLS);
  }
}

/**
 * Write `bytes` to a fresh memfd (memfd_create(2), MFD_CLOEXEC) and return its fd.
 * @throws Error if memfd_create or the write fails.
 */
function memfdWith(libc: ReturnType<typeof dlopen<typeof LIBC_SYMBOLS>>, name: string, bytes: Uint8Array): number {
  const cname = Buffer.from(`${name}\0`, "latin1");
  const fd = libc.symbols.memfd_create(cname, MFD_CLOEXEC);
  if (fd < 0) throw new Error(`memfd_create failed for ${name} (kernel without memfd_create?)`);
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  return fd;
}

/** What loadLibFts loaded, for --support: each library's SONAME and the memfd path it came from. */
export const loadedLibraries: { soname: string; from: string }[] = [];

/**
 * Open libfts.so once per process and return its symbols: the embedded libz/libelf/libbpf first
 * (memfd + glibc dlopen, RTLD_NOW | RTLD_GLOBAL, in dependency order), then libfts.so (memfd +
 * bun:ffi dlopen). The handles stay open for the life of the process.
 * @throws Error naming the library that failed and dlopen's message (e.g. a glibc too old for the
 *   embedded libraries' symbol versions), or when the build outputs are missing.
 */
export function loadLibFts(): LibFts {
  if (lib) return lib;
  const assets = embeddedAssets();
  const libc = dlopen("libc.so.6", LIBC_SYMBOLS);
  const dl = openLibdl();
  const fds: number[] = [];
  const handles: unknown[] = [];
  try {
    for (const dep of assets.RUNTIME_LIBS) {
      const fd = memfdWith(libc, dep.soname, readFileSync(dep.path));
      fds.push(fd);
      const path = `/proc/self/fd/${fd}`;
      const h = dl.symbols.dlopen(Buffer.from(`${path}\0`, "latin1"), RTLD_NOW | RTLD_GLOBAL);
      if (!h) {
        const why = dl.symbols.dlerror();
        throw new Error(
          `falco-ts: cannot load the embedded ${dep.soname} from ${path}: ${String(why ?? "dlopen failed")}. ` +
            "Fix: the host needs x86-64 glibc >= 2.33 (the embedded libelf needs GLIBC_2.33) and /proc mounted (memfds are opened through /proc/self/fd)",
        );
      }
      handles.push(h);
      loadedLibraries.push({ soname: dep.soname, from: `memfd:${dep.soname}` });
    }
    const fd = memfdWith(libc, "libfts.so", readFileSync(assets.LIBFTS_PATH));
    fds.push(fd);
    try {
      lib = dlopen(`/proc/self/fd/${fd}`, LIBFTS_SYMBOLS).symbols;
    } catch (e) {
      throw new Error(`falco-ts: cannot load the embedded libfts.so: ${(e as Error).message}. Fix: rebuild with 'bash scripts/build.sh' (x86-64 glibc host needed)`);
    }
    loadedLibraries.push({ soname: "libfts.so", from: "memfd:libfts.so" });
  } finally {
    for (const fd of fds) closeSync(fd);
    libc.close();
    dl.close();
  }
  return lib;
}

/** Read the embedded BPF object's bytes. */
export function probeObjectBytes(): Uint8Array {
  return readFileSync(embeddedAssets().PROBE_OBJECT_PATH);
}

/** A non-null native handle (fts_probe *). */
export type ProbeHandle = Pointer;
