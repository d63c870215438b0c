/*
 * libfts: loads the falco-ts BPF probe (probe.bpf.o, passed as bytes), attaches it, and hands
 * batches of events to the caller. Built as libfts.so and used from Bun through bun:ffi; one FFI
 * call moves many events (no per-event calls).
 *
 * Record framing of falcots_poll(): records are copied back to back into the caller's buffer, each at
 * an 8-byte-aligned offset. A record is exactly one ppm event in libscap's V2 layout (struct
 * ppm_evt_hdr, 26 bytes: u64 ts, u64 tid, u32 len, u16 type, u32 nparams; then the u16 lengths and
 * the params). The record's length is the event's own `len` field (bytes 16..19); the next record
 * starts at align8(off + len). falcots_poll() returns the offset just past the last record's padding
 * (0 when nothing was pending), so a reader loops `for (off = 0; off < n; off = align8(off + len))`.
 *
 * Names: the API uses the `falcots_` prefix because glibc already exports fts_open/fts_close/
 * fts_set (fts(3)); libfts.so is also linked with -Bsymbolic so its internal calls stay local.
 *
 * Thread safety: one handle must be used by one thread at a time. Several handles (in one or more
 * processes) are independent probe instances: nothing is pinned or shared.
 */
#ifndef FTS_READER_H
#define FTS_READER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fts_probe fts_probe;

/* Indices of falcots_stats() output. */
enum fts_stat {
	FTS_STAT_DROPS = 0,       /* events lost in the kernel: ring buffer full (sum over CPUs) */
	FTS_STAT_EVENTS = 1,      /* events written to the ring buffer by the kernel */
	FTS_STAT_TOOBIG = 2,      /* parameters emptied because an event would exceed 32 KiB */
	FTS_STAT_READ = 3,        /* events copied out by falcots_poll() */
	FTS_STAT_RING_BYTES = 4,  /* ring buffer size in bytes */
	FTS_STAT_PENDING = 5,     /* bytes currently waiting in the ring buffer */
	FTS_STAT_N = 6
};

/* Selection index of the procexit event (sched_process_exit) in falcots_set_syscall(s). */
#define FTS_SEL_PROCEXIT 500
/* Size of the selection table (x86-64 syscall numbers and FTS_SEL_* indices are below this). */
#define FTS_SEL_SIZE 512

/*
 * Open, load and attach a probe instance.
 *   obj/obj_len: the BPF ELF object bytes (ffi/build/probe.bpf.o).
 *   self_tgid:   thread group whose events the probe drops (the caller's pid), 0 for none.
 *   ring_bytes:  ring buffer size; rounded up to a power of two, at least 64 KiB (0 = 8 MiB).
 *   err/errlen:  receives a NUL-terminated message on failure (may include libbpf's log tail).
 * Returns NULL on failure. All events start deselected: call falcots_set_syscalls() next.
 */
fts_probe *falcots_open(const void *obj, size_t obj_len, uint32_t self_tgid, uint64_t ring_bytes,
                    char *err, size_t errlen);

/* Select one index (x86-64 syscall number or FTS_SEL_*) on/off. Returns 0 or -errno. */
int falcots_set_syscall(fts_probe *h, uint32_t nr, int on);

/* Bulk selection: flags[i] != 0 selects index i, for i < n (n <= FTS_SEL_SIZE); indices >= n are
 * deselected. Returns 0 or -errno. */
int falcots_set_syscalls(fts_probe *h, const uint8_t *flags, uint32_t n);

/*
 * Non-blocking: copy as many whole pending records as fit into buf (see framing above). A record
 * that does not fit stays in the ring for the next call. Returns the bytes used (0 if none), or
 * -E2BIG if the next record is larger than cap (use cap >= 64 KiB and this never happens).
 */
int64_t falcots_poll(fts_probe *h, uint8_t *buf, size_t cap);

/* Fill out[0..n) with the FTS_STAT_* counters (n <= FTS_STAT_N). Returns the count written. */
int falcots_stats(fts_probe *h, uint64_t *out, uint32_t n);

/* Recompute the realtime-boottime offset used for event timestamps (after a clock step).
 * falcots_poll() also does this by itself, at most once a second, when the offset moved > 1 ms. */
void falcots_sync_clock(fts_probe *h);

/* Detach, unload and free. NULL is accepted. */
void falcots_close(fts_probe *h);

#ifdef __cplusplus
}
#endif
#endif
