/**
 * The probe's build outputs, embedded into the program: ffi/build/probe.bpf.o (the BPF object)
 * and ffi/build/libfts.so (the C reader). Both are produced by scripts/build.sh.
 *
 * This module is loaded with `require()` from ffi.ts (never with a static import) so that Vite
 * (vitest) does not try to parse the binaries; Bun's bundler still follows the literal require
 * and embeds both files in `bun build --compile` output.
 */
import probeObjectPath from "../../ffi/build/probe.bpf.o" with { type: "file" };
import libftsPath from "../../ffi/build/libfts.so" with { type: "file" };

/** Path of the embedded BPF object (readable with node:fs, also inside a compiled binary). */
export const PROBE_OBJECT_PATH: string = probeObjectPath;
/** Path of the embedded libfts.so (must be copied to a memfd before dlopen in a compiled binary). */
export const LIBFTS_PATH: string = libftsPath;
