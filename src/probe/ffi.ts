/**
 * bun:ffi binding of libfts.so (ffi/reader.c, API in ffi/reader.h).
 *
 * The library and the BPF object are embedded in the program (src/probe/embedded.ts). The library
 * is copied into an anonymous memfd (memfd_create(2) through libc) and opened as
 * /proc/self/fd/N, so nothing is written to disk and a noexec /tmp does not matter. Its own
 * dependencies (libbpf.so.1, libelf.so.1, libz.so.1) come from the system.
 */
import { dlopen, FFIType, type Pointer } from "bun:ffi";
import { closeSync, readFileSync, writeSync } from "node:fs";
import { createRequire } from "node:module";

/** Paths of the embedded build outputs (see embedded.ts). */
export interface EmbeddedAssets {
  readonly PROBE_OBJECT_PATH: string;
  readonly LIBFTS_PATH: string;
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
      `falco-ts: the probe build outputs (ffi/build/probe.bpf.o, ffi/build/libfts.so) are missing: run 'bash scripts/build.sh' (${(first as Error).message}; ${(e as Error).message})`,
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

/**
 * Write `bytes` to a fresh memfd and return its fd (memfd_create(2), MFD_CLOEXEC).
 * @throws Error if memfd_create fails.
 */
function memfdWith(name: string, bytes: Uint8Array): number {
  const libc = dlopen("libc.so.6", {
    memfd_create: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  });
  try {
    const cname = Buffer.from(`${name}\0`, "latin1");
    const fd = libc.symbols.memfd_create(cname, 1 /* MFD_CLOEXEC */);
    if (fd < 0) throw new Error(`memfd_create failed for ${name}`);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    return fd;
  } finally {
    libc.close();
  }
}

/**
 * Open libfts.so once per process (memfd + dlopen) and return its symbols.
 * @throws Error naming the missing system library (libbpf1/libelf1/zlib1g) when dlopen fails.
 */
export function loadLibFts(): LibFts {
  if (lib) return lib;
  const assets = embeddedAssets();
  const bytes = readFileSync(assets.LIBFTS_PATH);
  const fd = memfdWith("libfts.so", bytes);
  try {
    lib = dlopen(`/proc/self/fd/${fd}`, LIBFTS_SYMBOLS).symbols;
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(
      `falco-ts: cannot load libfts.so: ${msg}. Fix: install the probe's runtime libraries (Debian/Ubuntu: apt-get install libbpf1 libelf1 zlib1g)`,
    );
  } finally {
    closeSync(fd);
  }
  return lib;
}

/** Read the embedded BPF object's bytes. */
export function probeObjectBytes(): Uint8Array {
  return readFileSync(embeddedAssets().PROBE_OBJECT_PATH);
}

/** A non-null native handle (fts_probe *). */
export type ProbeHandle = Pointer;
