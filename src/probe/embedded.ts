/**
 * The probe's build outputs, embedded into the program: ffi/build/probe.bpf.o (the BPF object),
 * ffi/build/libfts.so (the C reader) and the shared libraries libfts.so needs that a host with
 * only glibc lacks: ffi/build/sys/libz.so.1 (zlib1g), libelf.so.1 (libelf1), libbpf.so.1
 * (libbpf1), copied from the build host's Debian packages. All are produced by scripts/build.sh.
 *
 * This module is loaded with `require()` from ffi.ts (never with a static import) so that Vite
 * (vitest) does not try to parse the binaries; Bun's bundler still follows the literal require
 * and embeds the files in `bun build --compile` output.
 */
import probeObjectPath from "../../ffi/build/probe.bpf.o" with { type: "file" };
import libftsPath from "../../ffi/build/libfts.so" with { type: "file" };
import libzPath from "../../ffi/build/sys/libz.so.1" with { type: "file" };
import libelfPath from "../../ffi/build/sys/libelf.so.1" with { type: "file" };
import libbpfPath from "../../ffi/build/sys/libbpf.so.1" with { type: "file" };

/** Path of the embedded BPF object (readable with node:fs, also inside a compiled binary). */
export const PROBE_OBJECT_PATH: string = probeObjectPath;
/** Path of the embedded libfts.so (must be copied to a memfd before dlopen in a compiled binary). */
export const LIBFTS_PATH: string = libftsPath;
/**
 * The libraries libfts.so depends on, in load order (each one's DT_NEEDED entries are glibc or an
 * earlier entry): zlib → libelf → libbpf. `soname` is the DT_SONAME that libfts.so's (and the
 * other libraries') DT_NEEDED entries name; `symbol` is one function it exports (bun:ffi's dlopen
 * needs at least one symbol).
 */
export const RUNTIME_LIBS: readonly { readonly soname: string; readonly path: string; readonly symbol: string }[] = [
  { soname: "libz.so.1", path: libzPath, symbol: "zlibVersion" },
  { soname: "libelf.so.1", path: libelfPath, symbol: "elf_version" },
  { soname: "libbpf.so.1", path: libbpfPath, symbol: "libbpf_major_version" },
];
