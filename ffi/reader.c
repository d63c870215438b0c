/*
 * libfts: load/attach the falco-ts probe and read its ring buffer in batches. See reader.h for the
 * API and the record framing.
 *
 * The ring buffer is consumed directly through its mmap'ed pages (the protocol of
 * kernel/bpf/ringbuf.c: a consumer page, a producer page, then the data area mapped twice so a
 * record is always contiguous; each record has an 8-byte header {u32 len | BUSY | DISCARD, u32 pgoff}
 * and is rounded up to 8 bytes). libbpf's ring_buffer__consume() is not used because it consumes
 * a record even when the callback cannot take it.
 */
#define _GNU_SOURCE
#include "reader.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RB_BUSY_BIT (1U << 31)
#define RB_DISCARD_BIT (1U << 30)
#define RB_HDR_SZ 8
#define N_STATS_KERNEL 3

struct fts_probe {
	struct bpf_object *obj;
	struct bpf_link *links[4];
	int sel_fd;
	int stats_fd;
	int ncpus;
	/* ring buffer */
	void *cons_page;
	void *prod_data;
	size_t page;
	uint64_t ring_size;
	uint64_t mask;
	volatile uint64_t *cons_pos;
	volatile uint64_t *prod_pos;
	uint8_t *data;
	uint64_t nread;
	/* .bss of the object (updated through the map fd), for the clock offset */
	int bss_fd;
	size_t bss_size;
	size_t boot_off_at;
	uint64_t boot_off;      /* offset currently in the probe */
	uint64_t last_clock_ns; /* CLOCK_MONOTONIC of the last clock check */
};

/* libbpf log capture: the tail of what libbpf printed during falcots_open (verifier log included). */
static char g_log[8192];
static size_t g_log_len;

static int log_cb(enum libbpf_print_level level, const char *fmt, va_list ap) {
	if(getenv("FTS_LIBBPF_DEBUG")) {
		va_list aq;
		va_copy(aq, ap);
		vfprintf(stderr, fmt, aq);
		va_end(aq);
	}
	if(level == LIBBPF_DEBUG)
		return 0;
	char tmp[1024];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	if(n <= 0)
		return 0;
	if((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	if(g_log_len + (size_t)n >= sizeof(g_log)) {
		/* keep the tail */
		size_t keep = sizeof(g_log) / 2;
		memmove(g_log, g_log + g_log_len - keep, keep);
		g_log_len = keep;
	}
	memcpy(g_log + g_log_len, tmp, (size_t)n);
	g_log_len += (size_t)n;
	g_log[g_log_len] = 0;
	return 0;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...) {
	if(!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if(n < 0 || (size_t)n >= errlen || !g_log_len)
		return;
	/* append the last lines of libbpf's log */
	const char *tail = g_log;
	size_t room = errlen - (size_t)n - 1;
	if(g_log_len > room && room > 16)
		tail = g_log + g_log_len - (room - 16);
	snprintf(err + n, errlen - (size_t)n, "\nlibbpf: %s", tail);
}

static uint64_t boot_offset_ns(void) {
	struct timespec r1, b, r2;
	clock_gettime(CLOCK_REALTIME, &r1);
	clock_gettime(CLOCK_BOOTTIME, &b);
	clock_gettime(CLOCK_REALTIME, &r2);
	uint64_t rt = ((uint64_t)r1.tv_sec * 1000000000ULL + r1.tv_nsec) / 2 +
	              ((uint64_t)r2.tv_sec * 1000000000ULL + r2.tv_nsec) / 2;
	uint64_t bt = (uint64_t)b.tv_sec * 1000000000ULL + b.tv_nsec;
	return rt - bt;
}

/* Offset of global variable `name` in the object's `sec` datasec, or -1. */
static long global_offset(struct bpf_object *obj, const char *sec, const char *name) {
	struct btf *btf = bpf_object__btf(obj);
	if(!btf)
		return -1;
	int id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
	if(id < 0)
		return -1;
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_var_secinfo *vs = btf_var_secinfos(t);
	for(int i = 0; i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);
		if(strcmp(btf__name_by_offset(btf, v->name_off), name) == 0)
			return (long)vs->offset;
	}
	return -1;
}

static struct bpf_map *find_map_suffix(struct bpf_object *obj, const char *suffix) {
	struct bpf_map *m;
	size_t sl = strlen(suffix);
	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);
		size_t nl = strlen(n);
		if(nl >= sl && strcmp(n + nl - sl, suffix) == 0)
			return m;
	}
	return NULL;
}

static uint64_t round_pow2(uint64_t v) {
	uint64_t p = 1;
	while(p < v)
		p <<= 1;
	return p;
}

fts_probe *falcots_open(const void *obj_buf, size_t obj_len, uint32_t self_tgid, uint64_t ring_bytes,
                    char *err, size_t errlen) {
	g_log_len = 0;
	g_log[0] = 0;
	libbpf_set_print(log_cb);
	if(access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		set_err(err, errlen, "kernel BTF not available (/sys/kernel/btf/vmlinux): a kernel built with CONFIG_DEBUG_INFO_BTF=y is required");
		return NULL;
	}
	fts_probe *h = calloc(1, sizeof(*h));
	if(!h) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	h->sel_fd = h->stats_fd = h->bss_fd = -1;
	h->page = (size_t)sysconf(_SC_PAGESIZE);
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "fts");
	h->obj = bpf_object__open_mem(obj_buf, obj_len, &oo);
	if(!h->obj) {
		int e = errno;
		set_err(err, errlen, "cannot open the BPF object (%d bytes): %s", (int)obj_len, strerror(e));
		free(h);
		return NULL;
	}
	int ncpus = libbpf_num_possible_cpus();
	if(ncpus <= 0)
		ncpus = 1;
	h->ncpus = ncpus;
	struct bpf_map *scratch = bpf_object__find_map_by_name(h->obj, "scratch");
	struct bpf_map *rb = bpf_object__find_map_by_name(h->obj, "rb");
	struct bpf_map *bss = find_map_suffix(h->obj, ".bss");
	if(!scratch || !rb || !bss) {
		set_err(err, errlen, "BPF object lacks the scratch/rb/.bss maps (wrong probe.bpf.o?)");
		goto fail;
	}
	bpf_map__set_max_entries(scratch, (uint32_t)ncpus);
	if(ring_bytes == 0)
		ring_bytes = 8ULL << 20;
	if(ring_bytes < (64ULL << 10))
		ring_bytes = 64ULL << 10;
	if(ring_bytes > (1ULL << 30))
		ring_bytes = 1ULL << 30;
	ring_bytes = round_pow2(ring_bytes);
	if(ring_bytes < h->page)
		ring_bytes = h->page;
	h->ring_size = ring_bytes;
	h->mask = ring_bytes - 1;
	bpf_map__set_max_entries(rb, (uint32_t)ring_bytes);

	long off_tgid = global_offset(h->obj, ".bss", "self_tgid");
	long off_boot = global_offset(h->obj, ".bss", "boot_offset_ns");
	size_t bss_sz = 0;
	uint8_t *init = (uint8_t *)bpf_map__initial_value(bss, &bss_sz);
	if(off_tgid < 0 || off_boot < 0 || !init || (size_t)off_boot + 8 > bss_sz) {
		set_err(err, errlen, "BPF object lacks the self_tgid/boot_offset_ns globals");
		goto fail;
	}
	memcpy(init + off_tgid, &self_tgid, 4);
	uint64_t bo = boot_offset_ns();
	memcpy(init + off_boot, &bo, 8);
	h->boot_off_at = (size_t)off_boot;
	h->boot_off = bo;

	/* Only the four entry programs are attached; sx_* are tail-call targets (loaded, not attached). */
	/*
	 * The verifier gives up with EAGAIN when a signal is pending (kernel/bpf/verifier.c do_check:
	 * signal_pending -> -EAGAIN). The Bun runtime signals its threads (GC thread suspension, the
	 * profiler), so block every signal on this thread while loading: they stay pending and are
	 * delivered when the mask is restored.
	 */
	sigset_t all_sigs, old_sigs;
	sigfillset(&all_sigs);
	int masked = pthread_sigmask(SIG_BLOCK, &all_sigs, &old_sigs) == 0;
	int load_rc = bpf_object__load(h->obj);
	int load_errno = errno;
	if(masked)
		pthread_sigmask(SIG_SETMASK, &old_sigs, NULL);
	if(load_rc) {
		int e = load_errno;
		if(e == EPERM || (e == EACCES && !strstr(g_log, "PROG LOAD LOG")))
			set_err(err, errlen, "loading the BPF probe was refused (%s): run as root, or grant CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE (and CAP_SYS_ADMIN on kernels < 5.8)", strerror(e));
		else
			set_err(err, errlen, "loading the BPF probe failed (%s): the kernel verifier or BTF rejected it", strerror(e));
		goto fail;
	}
	h->bss_fd = bpf_map__fd(bss);
	h->bss_size = bss_sz;
	h->sel_fd = bpf_object__find_map_fd_by_name(h->obj, "sel");
	h->stats_fd = bpf_object__find_map_fd_by_name(h->obj, "stats");

	/* ring buffer mappings */
	int rb_fd = bpf_map__fd(rb);
	h->cons_page = mmap(NULL, h->page, PROT_READ | PROT_WRITE, MAP_SHARED, rb_fd, 0);
	if(h->cons_page == MAP_FAILED) {
		h->cons_page = NULL;
		set_err(err, errlen, "mmap of the ring buffer consumer page failed: %s", strerror(errno));
		goto fail;
	}
	h->prod_data = mmap(NULL, h->page + 2 * ring_bytes, PROT_READ, MAP_SHARED, rb_fd, (off_t)h->page);
	if(h->prod_data == MAP_FAILED) {
		h->prod_data = NULL;
		set_err(err, errlen, "mmap of the ring buffer data failed: %s", strerror(errno));
		goto fail;
	}
	h->cons_pos = (volatile uint64_t *)h->cons_page;
	h->prod_pos = (volatile uint64_t *)h->prod_data;
	h->data = (uint8_t *)h->prod_data + h->page;

	const char *progs[4] = {"fts_sys_exit", "fts_exec", "fts_exit", "fts_fork"};
	for(int i = 0; i < 4; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(h->obj, progs[i]);
		if(!p) {
			set_err(err, errlen, "BPF program %s missing from the object", progs[i]);
			goto fail;
		}
		h->links[i] = bpf_program__attach(p);
		if(!h->links[i]) {
			int e = errno;
			h->links[i] = NULL;
			set_err(err, errlen, "attaching %s failed: %s", progs[i], strerror(e));
			goto fail;
		}
	}
	return h;
fail:
	falcots_close(h);
	return NULL;
}

int falcots_set_syscall(fts_probe *h, uint32_t nr, int on) {
	if(!h || nr >= FTS_SEL_SIZE)
		return -EINVAL;
	uint8_t v = on ? 1 : 0;
	return bpf_map_update_elem(h->sel_fd, &nr, &v, BPF_ANY) ? -errno : 0;
}

int falcots_set_syscalls(fts_probe *h, const uint8_t *flags, uint32_t n) {
	if(!h || n > FTS_SEL_SIZE)
		return -EINVAL;
	uint32_t keys[FTS_SEL_SIZE];
	uint8_t vals[FTS_SEL_SIZE];
	for(uint32_t i = 0; i < FTS_SEL_SIZE; i++) {
		keys[i] = i;
		vals[i] = (i < n && flags[i]) ? 1 : 0;
	}
	uint32_t count = FTS_SEL_SIZE;
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	if(bpf_map_update_batch(h->sel_fd, keys, vals, &count, &bo) == 0)
		return 0;
	for(uint32_t i = 0; i < FTS_SEL_SIZE; i++)
		if(bpf_map_update_elem(h->sel_fd, &keys[i], &vals[i], BPF_ANY))
			return -errno;
	return 0;
}

/* Follow clock steps (settimeofday, NTP steps): at most once a second, and only when the offset
 * moved by more than 1 ms, so ordinary jitter never makes timestamps wobble. */
static void maybe_sync_clock(fts_probe *h) {
	struct timespec m;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &m);
	uint64_t now = (uint64_t)m.tv_sec * 1000000000ULL + (uint64_t)m.tv_nsec;
	if(now - h->last_clock_ns < 1000000000ULL)
		return;
	h->last_clock_ns = now;
	uint64_t bo = boot_offset_ns();
	uint64_t d = bo > h->boot_off ? bo - h->boot_off : h->boot_off - bo;
	if(d > 1000000ULL)
		falcots_sync_clock(h);
}

int64_t falcots_poll(fts_probe *h, uint8_t *buf, size_t cap) {
	if(!h || !buf)
		return -EINVAL;
	maybe_sync_clock(h);
	uint64_t cons = __atomic_load_n(h->cons_pos, __ATOMIC_ACQUIRE);
	uint64_t prod = __atomic_load_n(h->prod_pos, __ATOMIC_ACQUIRE);
	size_t off = 0;
	int64_t rc = 0;
	while(cons < prod) {
		uint32_t *hdr = (uint32_t *)(h->data + (cons & h->mask));
		uint32_t l = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		if(l & RB_BUSY_BIT)
			break;
		uint32_t len = l & ~(RB_BUSY_BIT | RB_DISCARD_BIT);
		if(!(l & RB_DISCARD_BIT)) {
			if(off + len > cap) {
				if(off == 0)
					rc = -E2BIG;
				break;
			}
			memcpy(buf + off, (uint8_t *)hdr + RB_HDR_SZ, len);
			off = (off + len + 7) & ~(size_t)7;
			if(off > cap)
				off = cap;
			h->nread++;
		}
		cons += (len + RB_HDR_SZ + 7) & ~7ULL;
		__atomic_store_n(h->cons_pos, cons, __ATOMIC_RELEASE);
	}
	return rc ? rc : (int64_t)off;
}

int falcots_stats(fts_probe *h, uint64_t *out, uint32_t n) {
	if(!h || !out)
		return 0;
	if(n > FTS_STAT_N)
		n = FTS_STAT_N;
	uint64_t vals[FTS_STAT_N] = {0};
	uint64_t *percpu = calloc((size_t)h->ncpus, sizeof(uint64_t));
	if(percpu) {
		for(uint32_t k = 0; k < N_STATS_KERNEL; k++) {
			if(bpf_map_lookup_elem(h->stats_fd, &k, percpu) == 0)
				for(int c = 0; c < h->ncpus; c++)
					vals[k] += percpu[c];
		}
		free(percpu);
	}
	vals[FTS_STAT_READ] = h->nread;
	vals[FTS_STAT_RING_BYTES] = h->ring_size;
	vals[FTS_STAT_PENDING] = __atomic_load_n(h->prod_pos, __ATOMIC_ACQUIRE) -
	                         __atomic_load_n(h->cons_pos, __ATOMIC_ACQUIRE);
	memcpy(out, vals, n * sizeof(uint64_t));
	return (int)n;
}

void falcots_sync_clock(fts_probe *h) {
	if(!h || h->bss_fd < 0 || h->bss_size == 0 || h->bss_size > 4096)
		return;
	uint8_t val[4096];
	uint32_t key = 0;
	if(bpf_map_lookup_elem(h->bss_fd, &key, val))
		return;
	uint64_t bo = boot_offset_ns();
	memcpy(val + h->boot_off_at, &bo, 8);
	if(bpf_map_update_elem(h->bss_fd, &key, val, BPF_ANY) == 0)
		h->boot_off = bo;
}

void falcots_close(fts_probe *h) {
	if(!h)
		return;
	for(int i = 0; i < 4; i++)
		if(h->links[i])
			bpf_link__destroy(h->links[i]);
	if(h->prod_data)
		munmap(h->prod_data, h->page + 2 * h->ring_size);
	if(h->cons_page)
		munmap(h->cons_page, h->page);
	if(h->obj)
		bpf_object__close(h->obj);
	free(h);
}
