// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * falco-ts kernel probe: one CO-RE BPF object that turns syscall exits and scheduler process
 * events into ppm events in libscap's V2 layout (struct ppm_evt_hdr, packed, little-endian),
 * written into a BPF ring buffer:
 *
 *   u64 ts (ns since epoch) | u64 tid | u32 len | u16 type | u32 nparams | u16 len[nparams] | params
 *
 * Parameter lists and encodings follow falcosecurity/libs driver/event_table.c (HEAD) and
 * scap_event_encode_params_v (see shared/notes/SCAP_FORMAT.md §1.11). Like Falco's modern probe,
 * only exit events are emitted and they carry every parameter.
 *
 * Structure:
 *  - `fts_sys_exit` (tp_btf/sys_exit) is the dispatcher: drops our own thread group, checks the
 *    per-syscall selection map `sel` (x86-64 syscall number -> u8) and tail-calls the fill
 *    program registered for that syscall number in `sx_table`.
 *  - Adding a syscall = one small `SX(name)` fill program + one `X(nr, name)` entry in SX_LIST
 *    (or SX_LIST_MORE in probe_more.list.h for fillers in probe_more.bpf.h), plus the event name
 *    in PROBE_EVENTS (src/probe/syscalls_x86_64.ts; test/probe.test.ts checks both agree).
 *  - `fts_exec` (tp_btf/sched_process_exec) emits successful execve/execveat exits (the new image
 *    is in place there and bprm->filename is available); failures come from sys_exit.
 *  - `fts_exit` (tp_btf/sched_process_exit) emits procexit for every exiting thread.
 *  - `fts_fork` (tp_btf/sched_process_fork) saves clone3 flags for the child's clone3 exit event
 *    (the parent's struct clone_args may be gone by the time the child returns to user space).
 *  - Loops (path and cgroup walks, argv copies) run through bpf_loop() and keep their counters in
 *    the scratch map so the verifier checks each body once (load time ~0.1 s of CPU).
 *  - Events are built in a per-CPU scratch area (array map indexed by CPU) and copied into the
 *    ring buffer with bpf_ringbuf_output(BPF_RB_NO_WAKEUP): userspace polls without blocking.
 *    Failed reservations are counted in `stats[STAT_DROPS]` (per-CPU).
 *
 * Globals set by userspace before load: self_tgid (events of that thread group are dropped) and
 * boot_offset_ns (CLOCK_REALTIME - CLOCK_BOOTTIME, added to bpf_ktime_get_boot_ns()).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* ------------------------------------------------------------------------------------------ */
/* Constants                                                                                    */
/* ------------------------------------------------------------------------------------------ */

#define EVT_HDR_LEN 26
#define EVT_MAX 32768 /* max event length; offsets are masked with EVT_MASK */
#define EVT_MASK (EVT_MAX - 1)
#define SCR_SIZE 65536 /* scratch area per CPU: EVT_MAX of event + slack for masked writes */
#define SCR_NAMES_OFF (SCR_SIZE - 512) /* 64 pointers of path components (slack area) */
#define MAX_PATH_READ 4096
#define MAX_COMPONENTS 48
#define MAX_CG_DEPTH 16
#define MAX_ARGV 64
#define ARGS_MAX 4096
#define ENV_MAX 4096
#define SYSCALL_TABLE 512

/* Selection-map indices above the x86-64 syscall range, for non-syscall events. */
#define SEL_PROCEXIT 500

/* Per-CPU statistics (stats map). */
#define STAT_DROPS 0   /* ring buffer full: event lost */
#define STAT_EVENTS 1  /* events written to the ring buffer */
#define STAT_TOOBIG 2  /* event did not fit EVT_MAX (params truncated to empty) */
#define STAT_N 4

/* ppm event codes (driver/ppm_events_public.h, enum ppm_event_code) */
#define PPME_SYSCALL_OPEN_X 3
#define PPME_SYSCALL_CLOSE_X 5
#define PPME_SOCKET_SOCKET_X 19
#define PPME_SOCKET_BIND_X 21
#define PPME_SOCKET_CONNECT_X 23
#define PPME_SOCKET_LISTEN_X 25
#define PPME_SOCKET_SENDTO_X 31
#define PPME_SOCKET_SENDMSG_X 49
#define PPME_SYSCALL_CREAT_X 59
#define PPME_SYSCALL_PIPE_X 61
#define PPME_SYSCALL_CHDIR_X 95
#define PPME_SYSCALL_FCHDIR_X 97
#define PPME_SYSCALL_FCNTL_X 151
#define PPME_SYSCALL_PTRACE_X 169
#define PPME_SYSCALL_RENAME_X 175
#define PPME_SYSCALL_RENAMEAT_X 177
#define PPME_SYSCALL_SYMLINK_X 179
#define PPME_SYSCALL_SYMLINKAT_X 181
#define PPME_PROCEXIT_1_E 186
#define PPME_SYSCALL_SETRESUID_X 193
#define PPME_SYSCALL_SETRESGID_X 195
#define PPME_SYSCALL_SETUID_X 199
#define PPME_SYSCALL_SETGID_X 201
#define PPME_SYSCALL_CLONE_20_X 223
#define PPME_SYSCALL_FORK_20_X 225
#define PPME_SYSCALL_VFORK_20_X 227
#define PPME_SYSCALL_SETNS_X 241
#define PPME_SOCKET_ACCEPT_5_X 247
#define PPME_SYSCALL_MOUNT_X 257
#define PPME_SYSCALL_CHROOT_X 267
#define PPME_SYSCALL_MKDIR_2_X 277
#define PPME_SYSCALL_RMDIR_2_X 279
#define PPME_SYSCALL_UNSHARE_X 285
#define PPME_SYSCALL_EXECVE_19_X 293
#define PPME_SYSCALL_UNLINK_2_X 301
#define PPME_SYSCALL_UNLINKAT_2_X 303
#define PPME_SYSCALL_MKDIRAT_X 305
#define PPME_SYSCALL_OPENAT_2_X 307
#define PPME_SYSCALL_LINK_2_X 309
#define PPME_SYSCALL_LINKAT_2_X 311
#define PPME_SYSCALL_FCHMODAT_X 313
#define PPME_SYSCALL_CHMOD_X 315
#define PPME_SYSCALL_FCHMOD_X 317
#define PPME_SYSCALL_RENAMEAT2_X 319
#define PPME_SYSCALL_USERFAULTFD_X 321
#define PPME_SYSCALL_OPENAT2_X 327
#define PPME_SYSCALL_EXECVEAT_X 331
#define PPME_SYSCALL_CLONE3_X 335
#define PPME_SYSCALL_CAPSET_X 353
#define PPME_SYSCALL_DUP2_X 363
#define PPME_SYSCALL_DUP3_X 365
#define PPME_SYSCALL_DUP_1_X 367
#define PPME_SYSCALL_UMOUNT_1_X 387
#define PPME_SOCKET_ACCEPT4_6_X 389
#define PPME_SYSCALL_UMOUNT2_X 391
#define PPME_SYSCALL_PIPE2_X 393
#define PPME_SYSCALL_PRCTL_X 401
#define PPME_SYSCALL_MEMFD_CREATE_X 405
#define PPME_SYSCALL_INIT_MODULE_X 411
#define PPME_SYSCALL_FINIT_MODULE_X 413
#define PPME_SYSCALL_SETREUID_X 427
#define PPME_SYSCALL_SETREGID_X 429

/* x86-64 open flags (asm-generic/fcntl.h) */
#define L_O_WRONLY 01
#define L_O_RDWR 02
#define L_O_CREAT 0100
#define L_O_EXCL 0200
#define L_O_TRUNC 01000
#define L_O_APPEND 02000
#define L_O_NONBLOCK 04000
#define L_O_DSYNC 010000
#define L_O_DIRECT 040000
#define L_O_LARGEFILE 0100000
#define L_O_DIRECTORY 0200000
#define L_O_CLOEXEC 02000000
#define L_O_SYNC 04010000
#define L_O_TMPFILE 020200000

/* PPM_O_* (driver/ppm_events_public.h) */
#define PPM_O_RDONLY (1 << 0)
#define PPM_O_WRONLY (1 << 1)
#define PPM_O_RDWR (PPM_O_RDONLY | PPM_O_WRONLY)
#define PPM_O_CREAT (1 << 2)
#define PPM_O_APPEND (1 << 3)
#define PPM_O_DSYNC (1 << 4)
#define PPM_O_EXCL (1 << 5)
#define PPM_O_NONBLOCK (1 << 6)
#define PPM_O_SYNC (1 << 7)
#define PPM_O_TRUNC (1 << 8)
#define PPM_O_DIRECT (1 << 9)
#define PPM_O_DIRECTORY (1 << 10)
#define PPM_O_LARGEFILE (1 << 11)
#define PPM_O_CLOEXEC (1 << 12)
#define PPM_O_TMPFILE (1 << 13)
#define PPM_O_F_CREATED (1 << 14)

/* PPM_EXE_* (execve flags) */
#define PPM_EXE_WRITABLE (1 << 0)
#define PPM_EXE_UPPER_LAYER (1 << 1)
#define PPM_EXE_FROM_MEMFD (1 << 2)
#define PPM_EXE_LOWER_LAYER (1 << 3)

/* PPM_CL_* (clone flags) */
#define PPM_CL_CLONE_FILES (1 << 0)
#define PPM_CL_CLONE_FS (1 << 1)
#define PPM_CL_CLONE_IO (1 << 2)
#define PPM_CL_CLONE_NEWIPC (1 << 3)
#define PPM_CL_CLONE_NEWNET (1 << 4)
#define PPM_CL_CLONE_NEWNS (1 << 5)
#define PPM_CL_CLONE_NEWPID (1 << 6)
#define PPM_CL_CLONE_NEWUTS (1 << 7)
#define PPM_CL_CLONE_PARENT (1 << 8)
#define PPM_CL_CLONE_PARENT_SETTID (1 << 9)
#define PPM_CL_CLONE_PTRACE (1 << 10)
#define PPM_CL_CLONE_SIGHAND (1 << 11)
#define PPM_CL_CLONE_SYSVSEM (1 << 12)
#define PPM_CL_CLONE_THREAD (1 << 13)
#define PPM_CL_CLONE_UNTRACED (1 << 14)
#define PPM_CL_CLONE_VM (1 << 15)
#define PPM_CL_CLONE_NEWUSER (1 << 20)
#define PPM_CL_CLONE_CHILD_CLEARTID (1 << 23)
#define PPM_CL_CLONE_CHILD_SETTID (1 << 24)
#define PPM_CL_CLONE_SETTLS (1 << 25)
#define PPM_CL_CLONE_STOPPED (1 << 26)
#define PPM_CL_CLONE_VFORK (1 << 27)
#define PPM_CL_CLONE_NEWCGROUP (1 << 28)
#define PPM_CL_CHILD_IN_PIDNS (1 << 29)

/* Linux clone flags (uapi/linux/sched.h) */
#define L_CLONE_VM 0x00000100
#define L_CLONE_FS 0x00000200
#define L_CLONE_FILES 0x00000400
#define L_CLONE_SIGHAND 0x00000800
#define L_CLONE_PTRACE 0x00002000
#define L_CLONE_VFORK 0x00004000
#define L_CLONE_PARENT 0x00008000
#define L_CLONE_THREAD 0x00010000
#define L_CLONE_NEWNS 0x00020000
#define L_CLONE_SYSVSEM 0x00040000
#define L_CLONE_SETTLS 0x00080000
#define L_CLONE_PARENT_SETTID 0x00100000
#define L_CLONE_CHILD_CLEARTID 0x00200000
#define L_CLONE_UNTRACED 0x00800000
#define L_CLONE_CHILD_SETTID 0x01000000
#define L_CLONE_NEWCGROUP 0x02000000
#define L_CLONE_NEWUTS 0x04000000
#define L_CLONE_NEWIPC 0x08000000
#define L_CLONE_NEWUSER 0x10000000
#define L_CLONE_NEWPID 0x20000000
#define L_CLONE_NEWNET 0x40000000
#define L_CLONE_IO 0x80000000ULL

#define L_PF_KTHREAD 0x00200000
#define L_FMODE_CREATED 0x100000
#define L_SB_RDONLY 1
#define L_S_IMMUTABLE 8
#define L_RLIMIT_NOFILE 7
#define L_CAP_DAC_OVERRIDE 1
#define L_CAP_FOWNER 3
#define L_AT_FDCWD -100
#define L_MS_MGC_MSK 0xffff0000UL
#define L_MS_MGC_VAL 0xC0ED0000UL

/* ------------------------------------------------------------------------------------------ */
/* Globals and maps                                                                             */
/* ------------------------------------------------------------------------------------------ */

/* Thread group whose events are dropped (the agent itself). Set before load. */
volatile __u32 self_tgid = 0;
/* CLOCK_REALTIME - CLOCK_BOOTTIME in ns; event ts = bpf_ktime_get_boot_ns() + boot_offset_ns. */
volatile __u64 boot_offset_ns = 0;

/*
 * Per-CPU event build area. The builder positions live in the map value (not in registers) so the
 * verifier sees them as unknown-but-masked scalars and loop iterations converge quickly.
 */
struct ev {
	__u32 pos;  /* next parameter byte */
	__u32 lpos; /* next u16 length slot */
	__u32 np;
	__u16 type;
	__u16 pad;
	__u32 n; /* loop scratch counter (kept in memory for the same reason) */
	__u32 pad2;
	__u8 d[SCR_SIZE];
};

/* Per-CPU event build area; max_entries set to the number of possible CPUs by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ev);
} scratch SEC(".maps");

/* Output ring buffer; size set by userspace (power of two, multiple of the page size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} rb SEC(".maps");

/* Selection: index = x86-64 syscall number (or SEL_* for non-syscall events), value 1 = on. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYSCALL_TABLE);
	__type(key, __u32);
	__type(value, __u8);
} sel SEC(".maps");

/* clone3 flags by child tid, saved at sched_process_fork (in the parent, while struct clone_args is
 * still valid in user memory) for the child's clone3 exit event. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} clone3_flags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_N);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* ------------------------------------------------------------------------------------------ */
/* CO-RE flavors for older kernels                                                              */
/* ------------------------------------------------------------------------------------------ */

struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

/* ------------------------------------------------------------------------------------------ */
/* Event builder                                                                                */
/* ------------------------------------------------------------------------------------------ */

static __always_inline void stat_inc(__u32 idx) {
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);
	if(v)
		*v += 1;
}

static __always_inline struct ev *ev_start(__u16 type, __u32 np) {
	__u32 cpu = bpf_get_smp_processor_id();
	struct ev *e = bpf_map_lookup_elem(&scratch, &cpu);
	if(!e)
		return NULL;
	e->type = type;
	e->np = np;
	e->lpos = EVT_HDR_LEN;
	e->pos = EVT_HDR_LEN + np * 2;
	return e;
}

static __always_inline void ev_plen(struct ev *e, __u32 l) {
	*(__u16 *)&e->d[e->lpos & EVT_MASK] = (__u16)l;
	e->lpos += 2;
}

#define DEF_PUSH(fn, T)                                        \
	static __always_inline void fn(struct ev *e, T v) {        \
		*(T *)&e->d[e->pos & EVT_MASK] = v;                    \
		e->pos += sizeof(T);                                   \
		ev_plen(e, sizeof(T));                                 \
	}
DEF_PUSH(push_u8, __u8)
DEF_PUSH(push_u16, __u16)
DEF_PUSH(push_u32, __u32)
DEF_PUSH(push_u64, __u64)
#define push_s64(e, v) push_u64(e, (__u64)(__s64)(v))

static __always_inline void push_empty(struct ev *e) {
	ev_plen(e, 0);
}

/* NUL-terminated string from user memory (length counts the NUL; 0 = NULL/unreadable). */
static __always_inline void push_ustr(struct ev *e, const void *p, __u32 max) {
	long n = 0;
	if(p && e->pos + max <= EVT_MAX)
		n = bpf_probe_read_user_str(&e->d[e->pos & EVT_MASK], max, p);
	else if(p)
		stat_inc(STAT_TOOBIG);
	if(n < 0)
		n = 0;
	e->pos += n;
	ev_plen(e, n);
}

static __always_inline void push_kstr(struct ev *e, const void *p, __u32 max) {
	long n = 0;
	if(p && e->pos + max <= EVT_MAX)
		n = bpf_probe_read_kernel_str(&e->d[e->pos & EVT_MASK], max, p);
	else if(p)
		stat_inc(STAT_TOOBIG);
	if(n < 0)
		n = 0;
	e->pos += n;
	ev_plen(e, n);
}

/* Raw bytes from user memory, at most `max` (a constant power of two). */
static __always_inline void push_ubuf(struct ev *e, const void *p, __u64 len, __u32 max) {
	__u32 n = len > max ? max : (__u32)len;
	n &= (2 * max - 1);
	if(!p || n == 0 || e->pos + max > EVT_MAX) {
		push_empty(e);
		return;
	}
	if(bpf_probe_read_user(&e->d[e->pos & EVT_MASK], n, p) < 0) {
		push_empty(e);
		return;
	}
	e->pos += n;
	ev_plen(e, n);
}

/* Finish the header and copy the event into the ring buffer. */
static __always_inline void ev_submit(struct ev *e, __u64 tid) {
	__u32 len = e->pos;
	if(len > EVT_MAX || len < EVT_HDR_LEN) {
		stat_inc(STAT_TOOBIG);
		return;
	}
	asm volatile("" : "+r"(len)); /* keep the mask below: the verifier needs a visible bound */
	len &= (SCR_SIZE - 1);
	__u8 *d = e->d;
	*(__u64 *)&d[0] = bpf_ktime_get_boot_ns() + boot_offset_ns;
	*(__u64 *)&d[8] = tid;
	*(__u32 *)&d[16] = len;
	*(__u16 *)&d[20] = e->type;
	*(__u32 *)&d[22] = e->np;
	if(bpf_ringbuf_output(&rb, d, len, BPF_RB_NO_WAKEUP) < 0)
		stat_inc(STAT_DROPS);
	else
		stat_inc(STAT_EVENTS);
}

static __always_inline __u64 cur_tid(void) {
	return (__u32)bpf_get_current_pid_tgid();
}

/* ------------------------------------------------------------------------------------------ */
/* Kernel data extraction                                                                       */
/* ------------------------------------------------------------------------------------------ */

/*
 * Syscall argument i (x86-64 ABI: di, si, dx, r10, r8, r9) from the user pt_regs. `regs` is a
 * trusted BTF pointer (tp_btf argument or bpf_task_pt_regs), so fields are loaded directly
 * (CO-RE-relocated PROBE_MEM loads, much cheaper than bpf_probe_read_kernel calls).
 */
static __always_inline unsigned long sc_arg(struct pt_regs *regs, int i) {
	switch(i) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	case 5: return regs->r9;
	}
	return 0;
}

/* Linux dev_t (MAJOR<<20|MINOR) to the userspace encoding (new_encode_dev), as libs does. */
static __always_inline __u32 encode_dev(__u32 dev) {
	__u32 major = dev >> 20, minor = dev & ((1U << 20) - 1);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

/* nr of a struct pid in its own (deepest) namespace when vnr, else in the initial namespace. */
static __always_inline __s32 pid_nr(struct pid *p, bool vnr) {
	if(!p)
		return 0;
	__u32 level = 0;
	if(vnr)
		level = BPF_CORE_READ(p, level);
	struct upid up = {};
	bpf_probe_read_kernel(&up, sizeof(up), &p->numbers[level & 31]);
	return up.nr;
}

static __always_inline struct pid *task_tgid_pid(struct task_struct *t) {
	return BPF_CORE_READ(t, group_leader, thread_pid);
}

static __always_inline struct pid *task_pgrp_pid(struct task_struct *t) {
	return BPF_CORE_READ(t, signal, pids[PIDTYPE_PGID]);
}

static __always_inline struct file *task_fd_file(struct task_struct *t, __s64 fd) {
	if(fd < 0)
		return NULL;
	struct files_struct *files = t->files;
	if(!files)
		return NULL;
	struct fdtable *fdt = files->fdt;
	if(!fdt)
		return NULL;
	__u32 max = fdt->max_fds;
	if((__u64)fd >= max)
		return NULL;
	struct file **fds = fdt->fd;
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline __u32 open_flags_to_ppm(__u32 f) {
	__u32 r;
	if(f & L_O_RDWR)
		r = PPM_O_RDWR;
	else if(f & L_O_WRONLY)
		r = PPM_O_WRONLY;
	else
		r = PPM_O_RDONLY;
	if(f & L_O_CREAT) r |= PPM_O_CREAT;
	if(f & L_O_TMPFILE) r |= PPM_O_TMPFILE; /* as libs: any bit of O_TMPFILE (incl. O_DIRECTORY) */
	if(f & L_O_APPEND) r |= PPM_O_APPEND;
	if(f & L_O_DSYNC) r |= PPM_O_DSYNC;
	if(f & L_O_EXCL) r |= PPM_O_EXCL;
	if(f & L_O_NONBLOCK) r |= PPM_O_NONBLOCK;
	if(f & L_O_SYNC) r |= PPM_O_SYNC; /* as libs: O_SYNC includes O_DSYNC's bit */
	if(f & L_O_TRUNC) r |= PPM_O_TRUNC;
	if(f & L_O_DIRECT) r |= PPM_O_DIRECT;
	if(f & L_O_DIRECTORY) r |= PPM_O_DIRECTORY;
	if(f & L_O_LARGEFILE) r |= PPM_O_LARGEFILE;
	if(f & L_O_CLOEXEC) r |= PPM_O_CLOEXEC;
	return r;
}

/* open_modes_to_scap: the PPM_S_* bits equal the Linux ones; only meaningful with O_CREAT/O_TMPFILE. */
static __always_inline __u32 open_mode_to_ppm(__u32 flags, __u32 mode) {
	if(!(flags & (L_O_CREAT | L_O_TMPFILE)))
		return 0;
	return mode & 07777;
}

static __always_inline __u32 clone_flags_to_ppm(__u64 f) {
	__u32 r = 0;
	if(f & L_CLONE_FILES) r |= PPM_CL_CLONE_FILES;
	if(f & L_CLONE_FS) r |= PPM_CL_CLONE_FS;
	if(f & L_CLONE_IO) r |= PPM_CL_CLONE_IO;
	if(f & L_CLONE_NEWIPC) r |= PPM_CL_CLONE_NEWIPC;
	if(f & L_CLONE_NEWNET) r |= PPM_CL_CLONE_NEWNET;
	if(f & L_CLONE_NEWNS) r |= PPM_CL_CLONE_NEWNS;
	if(f & L_CLONE_NEWPID) r |= PPM_CL_CLONE_NEWPID;
	if(f & L_CLONE_NEWUTS) r |= PPM_CL_CLONE_NEWUTS;
	if(f & L_CLONE_PARENT) r |= PPM_CL_CLONE_PARENT;
	if(f & L_CLONE_PARENT_SETTID) r |= PPM_CL_CLONE_PARENT_SETTID;
	if(f & L_CLONE_PTRACE) r |= PPM_CL_CLONE_PTRACE;
	if(f & L_CLONE_SIGHAND) r |= PPM_CL_CLONE_SIGHAND;
	if(f & L_CLONE_SYSVSEM) r |= PPM_CL_CLONE_SYSVSEM;
	if(f & L_CLONE_THREAD) r |= PPM_CL_CLONE_THREAD;
	if(f & L_CLONE_UNTRACED) r |= PPM_CL_CLONE_UNTRACED;
	if(f & L_CLONE_VM) r |= PPM_CL_CLONE_VM;
	if(f & L_CLONE_NEWUSER) r |= PPM_CL_CLONE_NEWUSER;
	if(f & L_CLONE_CHILD_CLEARTID) r |= PPM_CL_CLONE_CHILD_CLEARTID;
	if(f & L_CLONE_CHILD_SETTID) r |= PPM_CL_CLONE_CHILD_SETTID;
	if(f & L_CLONE_SETTLS) r |= PPM_CL_CLONE_SETTLS;
	if(f & L_CLONE_VFORK) r |= PPM_CL_CLONE_VFORK;
	if(f & L_CLONE_NEWCGROUP) r |= PPM_CL_CLONE_NEWCGROUP;
	return r;
}

/*
 * Path building. Components are collected leaf-first into a pointer array in the scratch slack
 * (names[], count in e->n), then written root-first as "/a/b". The loops run through bpf_loop()
 * so the verifier checks each body once instead of once per iteration (load time).
 */
struct comp_ctx {
	struct ev *e;
	__u32 start; /* e->pos where the parameter began */
	__u32 limit; /* max parameter bytes */
};

/* bpf_loop body: write "/" + names[n - 1 - i]; stops at n or when the limit is near. */
static long write_comp_cb(__u64 i, void *ctx) {
	struct comp_ctx *c = ctx;
	struct ev *e = c->e;
	__u64 *names = (__u64 *)&e->d[SCR_NAMES_OFF];
	__u32 n = e->n;
	if(i >= n)
		return 1;
	if(e->pos + 260 > EVT_MAX || e->pos - c->start > c->limit - 260)
		return 1;
	e->d[e->pos & EVT_MASK] = '/';
	e->pos++;
	long r = bpf_probe_read_kernel_str(&e->d[e->pos & EVT_MASK], 256, (const void *)names[(n - 1 - i) & 63]);
	if(r > 1)
		e->pos += r - 1;
	return 0;
}

/* Write the e->n collected components as "/a/b" ("/" when none), without the NUL. */
static __always_inline void write_components(struct ev *e, __u32 start, __u32 limit) {
	if(e->n == 0) {
		e->d[e->pos & EVT_MASK] = '/';
		e->pos++;
		return;
	}
	struct comp_ctx c = {.e = e, .start = start, .limit = limit};
	bpf_loop(MAX_COMPONENTS, write_comp_cb, &c, 0);
}

struct dwalk_ctx {
	struct ev *e;
	struct dentry *de;
	struct mount *mnt;
	struct dentry *root_de;
	struct vfsmount *root_vm;
};

/* bpf_loop body: one step of the d_parent / mount walk (fs/d_path.c prepend_path). */
static long dwalk_cb(__u64 i, void *ctx) {
	struct dwalk_ctx *c = ctx;
	struct ev *e = c->e;
	struct dentry *de = c->de;
	struct mount *mnt = c->mnt;
	if(de == c->root_de && (struct vfsmount *)((char *)mnt + bpf_core_field_offset(struct mount, mnt)) == c->root_vm)
		return 1;
	struct dentry *mnt_root = BPF_CORE_READ(mnt, mnt.mnt_root);
	if(de == mnt_root) {
		struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);
		if(!mp || mp == mnt)
			return 1;
		c->de = BPF_CORE_READ(mnt, mnt_mountpoint);
		c->mnt = mp;
		return 0;
	}
	struct dentry *parent = BPF_CORE_READ(de, d_parent);
	if(!parent || parent == de)
		return 1;
	__u32 n = e->n;
	if(n >= MAX_COMPONENTS)
		return 1;
	__u64 *names = (__u64 *)&e->d[SCR_NAMES_OFF];
	names[n & 63] = (__u64)BPF_CORE_READ(de, d_name.name);
	e->n = n + 1;
	c->de = parent;
	return 0;
}

/*
 * Absolute path of (dentry, vfsmount), walking d_parent and crossing mounts through
 * mnt_parent/mnt_mountpoint (bounded to MAX_COMPONENTS components). Written as "/a/b\0"
 * ("/" for the root). Stops at the task's root (root_de, root_vm) when given.
 */
static __always_inline void push_dpath(struct ev *e, struct dentry *de, struct vfsmount *vm,
                                       struct dentry *root_de, struct vfsmount *root_vm) {
	e->n = 0;
	if(!de || !vm) {
		push_empty(e);
		return;
	}
	struct dwalk_ctx w = {
		.e = e,
		.de = de,
		.mnt = (struct mount *)((char *)vm - bpf_core_field_offset(struct mount, mnt)),
		.root_de = root_de,
		.root_vm = root_vm,
	};
	bpf_loop(MAX_COMPONENTS + 8, dwalk_cb, &w, 0);
	__u32 start = e->pos;
	write_components(e, start, MAX_PATH_READ);
	e->d[e->pos & EVT_MASK] = 0;
	e->pos++;
	ev_plen(e, e->pos - start);
}

static __always_inline void push_task_cwd(struct ev *e, struct task_struct *t) {
	struct fs_struct *fs = BPF_CORE_READ(t, fs);
	if(!fs) {
		push_empty(e);
		return;
	}
	push_dpath(e, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt),
	           BPF_CORE_READ(fs, root.dentry), BPF_CORE_READ(fs, root.mnt));
}

static __always_inline void push_file_path(struct ev *e, struct file *f) {
	if(!f) {
		push_empty(e);
		return;
	}
	struct dentry *de = BPF_CORE_READ(f, f_path.dentry);
	struct vfsmount *vm = BPF_CORE_READ(f, f_path.mnt);
	/* A pseudo file (memfd, anon inode: d_alloc_pseudo) is its own d_parent without being its
	 * mount's root: the walk has nothing to climb. libs' BPF drivers then report the dentry name
	 * alone, e.g. "memfd:NAME" (test/drivers execveX_success_memfd; the kmod's d_path gives
	 * "/memfd:NAME (deleted)"), which the upstream rule macro known_memfd_execution_processes uses. */
	if(de && vm && BPF_CORE_READ(de, d_parent) == de && BPF_CORE_READ(vm, mnt_root) != de) {
		push_kstr(e, (const char *)BPF_CORE_READ(de, d_name.name), MAX_PATH_READ);
		return;
	}
	push_dpath(e, de, vm, NULL, NULL);
}

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn) {
	if(bpf_core_field_exists(struct kernfs_node, __parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

struct kwalk_ctx {
	struct ev *e;
	struct kernfs_node *kn;
};

/* bpf_loop body: collect kernfs node names up to (not including) the hierarchy root. */
static long kwalk_cb(__u64 i, void *ctx) {
	struct kwalk_ctx *c = ctx;
	struct ev *e = c->e;
	struct kernfs_node *kn = c->kn;
	struct kernfs_node *p = kn_parent(kn);
	if(!p)
		return 1;
	__u32 n = e->n;
	if(n >= MAX_CG_DEPTH)
		return 1;
	__u64 *names = (__u64 *)&e->d[SCR_NAMES_OFF];
	names[n & 63] = (__u64)BPF_CORE_READ(kn, name);
	e->n = n + 1;
	c->kn = p;
	return 0;
}

/* cgroups as "subsys=/path\0" items, one per attached controller (libs: ss->name + kernfs path). */
static __always_inline void push_cgroups(struct ev *e, struct task_struct *t) {
	__u32 start = e->pos;
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	if(!cs) {
		push_empty(e);
		return;
	}
	for(int s = 0; s < CGROUP_SUBSYS_COUNT; s++) {
		struct cgroup_subsys_state *css = NULL;
		bpf_probe_read_kernel(&css, sizeof(css), &cs->subsys[s]);
		if(!css)
			continue;
		const char *ssname = BPF_CORE_READ(css, ss, name);
		struct kernfs_node *kn = BPF_CORE_READ(css, cgroup, kn);
		if(!ssname || !kn)
			continue;
		if(e->pos + 300 > EVT_MAX || e->pos - start > 8000)
			break;
		e->n = 0;
		struct kwalk_ctx w = {.e = e, .kn = kn};
		bpf_loop(MAX_CG_DEPTH, kwalk_cb, &w, 0);
		long r = bpf_probe_read_kernel_str(&e->d[e->pos & EVT_MASK], 32, ssname);
		if(r <= 1)
			continue;
		e->pos += r - 1;
		e->d[e->pos & EVT_MASK] = '=';
		e->pos++;
		write_components(e, start, 8192);
		e->d[e->pos & EVT_MASK] = 0;
		e->pos++;
	}
	ev_plen(e, e->pos - start);
}

static __always_inline __u32 task_tty(struct task_struct *t) {
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if(!tty)
		return 0;
	struct tty_driver *drv = BPF_CORE_READ(tty, driver);
	if(!drv)
		return 0;
	int index = BPF_CORE_READ(tty, index);
	int major = BPF_CORE_READ(drv, major);
	int minor_start = BPF_CORE_READ(drv, minor_start);
	return encode_dev(((__u32)major << 20) + (__u32)minor_start + (__u32)index);
}

/* Approximation of libs' extract__exe_writable (no POSIX ACLs, no supplementary groups). */
static __always_inline bool exe_writable(struct task_struct *t, struct inode *ino) {
	if(!ino)
		return false;
	__u16 mode = BPF_CORE_READ(ino, i_mode);
	__u32 iflags = BPF_CORE_READ(ino, i_flags);
	unsigned long sflags = BPF_CORE_READ(ino, i_sb, s_flags);
	if(sflags & L_SB_RDONLY)
		return false;
	if(iflags & L_S_IMMUTABLE)
		return false;
	__u32 iuid = BPF_CORE_READ(ino, i_uid.val);
	__u32 igid = BPF_CORE_READ(ino, i_gid.val);
	__u32 fsuid = BPF_CORE_READ(t, cred, fsuid.val);
	__u32 fsgid = BPF_CORE_READ(t, cred, fsgid.val);
	if(iuid == (__u32)-1 || igid == (__u32)-1)
		return false;
	if(fsuid == iuid)
		return true;
	__u16 m = mode;
	if(igid == fsgid)
		m >>= 3;
	if(m & 02)
		return true;
	__u64 caps = BPF_CORE_READ(t, cred, cap_effective.val);
	if(caps & ((1ULL << L_CAP_DAC_OVERRIDE) | (1ULL << L_CAP_FOWNER)))
		return true;
	return false;
}

#define L_OVERLAYFS_SUPER_MAGIC 0x794c7630

/*
 * overlayfs layer of a file: 0 not on overlayfs, 1 upper (written in the container), 2 lower
 * (from the image). As libs: struct ovl_inode keeps `__upperdentry` right after its vfs inode.
 */
static __always_inline __u32 overlay_layer(struct file *f) {
	if(!f)
		return 0;
	struct dentry *de = BPF_CORE_READ(f, f_path.dentry);
	if(!de || BPF_CORE_READ(de, d_sb, s_magic) != L_OVERLAYFS_SUPER_MAGIC)
		return 0;
	char *vi = (char *)BPF_CORE_READ(de, d_inode);
	struct dentry *up = NULL;
	if(!vi || bpf_probe_read_kernel(&up, sizeof(up), vi + bpf_core_type_size(struct inode)) < 0 || !up)
		return 2;
	return BPF_CORE_READ(up, d_inode, i_ino) != 0 ? 1 : 2;
}

static __always_inline bool file_is_memfd(struct file *f) {
	struct dentry *de = BPF_CORE_READ(f, f_path.dentry);
	if(!de || BPF_CORE_READ(de, d_parent) != de)
		return false;
	const unsigned char *name = BPF_CORE_READ(de, d_name.name);
	char buf[8] = {};
	if(bpf_probe_read_kernel_str(buf, sizeof(buf), name) < 7)
		return false;
	return buf[0] == 'm' && buf[1] == 'e' && buf[2] == 'm' && buf[3] == 'f' && buf[4] == 'd' &&
	       buf[5] == ':';
}

/* ------------------------------------------------------------------------------------------ */
/* Process events: execve/execveat exit and clone-family exit                                   */
/* ------------------------------------------------------------------------------------------ */

/* exe (argv[0]) and args (argv[1..], "a\0b\0") from the new image's argument area. */
static __always_inline void push_exe_args_mm(struct ev *e, struct mm_struct *mm) {
	unsigned long as = BPF_CORE_READ(mm, arg_start), ae = BPF_CORE_READ(mm, arg_end);
	if(!mm || ae <= as) {
		push_empty(e);
		push_empty(e);
		return;
	}
	__u64 total = ae - as;
	if(total > ARGS_MAX)
		total = ARGS_MAX;
	__u32 p0 = e->pos;
	push_ustr(e, (const void *)as, ARGS_MAX);
	__u32 l0 = e->pos - p0;
	if(l0 == 0 || l0 >= total) {
		push_empty(e);
		return;
	}
	push_ubuf(e, (const void *)(as + l0), total - l0, ARGS_MAX);
}

/* env from the new image's environment area (truncated to ENV_MAX). */
static __always_inline void push_env_mm(struct ev *e, struct mm_struct *mm) {
	unsigned long es = BPF_CORE_READ(mm, env_start), ee = BPF_CORE_READ(mm, env_end);
	if(!mm || ee <= es) {
		push_empty(e);
		return;
	}
	push_ubuf(e, (const void *)es, ee - es, ENV_MAX);
}

struct argv_ctx {
	struct ev *e;
	const char *const *argv;
	__u32 start;
	__u32 budget;
	__u32 first;
};

/* bpf_loop body: append argv[i] ("item\0") while it fits the budget. */
static long argv_cb(__u64 i, void *ctx) {
	struct argv_ctx *c = ctx;
	struct ev *e = c->e;
	if(i < c->first)
		return 0;
	const char *p = NULL;
	if(bpf_probe_read_user(&p, sizeof(p), &c->argv[i]) < 0 || !p)
		return 1;
	if(e->pos - c->start > c->budget - 1024 || e->pos + 1024 > EVT_MAX)
		return 1;
	long r = bpf_probe_read_user_str(&e->d[e->pos & EVT_MASK], 1024, p);
	if(r <= 0)
		return 1;
	e->pos += r;
	return 0;
}

/* A user `char *argv[]` from index `first` as "a\0b\0" (execve failure path; libs does the same). */
static __always_inline void push_argv_user(struct ev *e, const char *const *argv, int first, __u32 budget) {
	__u32 start = e->pos;
	if(!argv) {
		push_empty(e);
		return;
	}
	struct argv_ctx c = {.e = e, .argv = argv, .start = start, .budget = budget, .first = first};
	bpf_loop(MAX_ARGV, argv_cb, &c, 0);
	ev_plen(e, e->pos - start);
}

/* Fields 3..13 shared by execve and clone exits: tid pid ptid cwd fdlimit pgft_maj pgft_min vm_size vm_rss vm_swap comm. */
static __always_inline void push_proc_common(struct ev *e, struct task_struct *t, struct mm_struct *mm) {
	push_s64(e, BPF_CORE_READ(t, pid));
	push_s64(e, BPF_CORE_READ(t, tgid));
	push_s64(e, BPF_CORE_READ(t, real_parent, pid));
	push_task_cwd(e, t);
	push_u64(e, BPF_CORE_READ(t, signal, rlim[L_RLIMIT_NOFILE].rlim_cur));
	push_u64(e, BPF_CORE_READ(t, maj_flt));
	push_u64(e, BPF_CORE_READ(t, min_flt));
	__u64 vm = 0, rss = 0, swap = 0;
	if(mm) {
		vm = BPF_CORE_READ(mm, total_vm);
		__s64 a = BPF_CORE_READ(mm, rss_stat[MM_FILEPAGES].count);
		__s64 b = BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES].count);
		__s64 c = BPF_CORE_READ(mm, rss_stat[MM_SHMEMPAGES].count);
		__s64 s = BPF_CORE_READ(mm, rss_stat[MM_SWAPENTS].count);
		__s64 sum = a + b + c;
		rss = sum > 0 ? sum : 0;
		swap = s > 0 ? s : 0;
	}
	push_u32(e, (__u32)(vm << 2)); /* pages -> KiB (4 KiB pages) */
	push_u32(e, (__u32)(rss << 2));
	push_u32(e, (__u32)(swap << 2));
	push_kstr(e, t->comm, 16);
}

/* execve X (31 params) / execveat X (30 params). `ok`: successful exec (new image in place). */
static __always_inline void emit_exec(struct task_struct *t, __u16 type, long res, bool ok,
                                      struct pt_regs *regs, const char *kfilename) {
	__u32 np = type == PPME_SYSCALL_EXECVE_19_X ? 31 : 30;
	struct ev *e = ev_start(type, np);
	if(!e)
		return;
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	push_s64(e, res);
	if(ok) {
		push_exe_args_mm(e, mm);
	} else {
		const char *const *argv = (const char *const *)sc_arg(regs, type == PPME_SYSCALL_EXECVE_19_X ? 1 : 2);
		const char *a0 = NULL;
		if(argv)
			bpf_probe_read_user(&a0, sizeof(a0), &argv[0]);
		push_ustr(e, a0, ARGS_MAX);
		push_argv_user(e, argv, 1, ARGS_MAX);
	}
	push_proc_common(e, t, mm);
	push_cgroups(e, t);
	if(ok)
		push_env_mm(e, mm);
	else
		push_argv_user(e, (const char *const *)sc_arg(regs, type == PPME_SYSCALL_EXECVE_19_X ? 2 : 3), 0, ENV_MAX);
	push_u32(e, task_tty(t));
	struct pid *pg = task_pgrp_pid(t);
	push_s64(e, pid_nr(pg, true));
	push_u32(e, BPF_CORE_READ(t, loginuid.val));
	struct file *exe = mm ? BPF_CORE_READ(mm, exe_file) : NULL;
	struct inode *ino = exe ? BPF_CORE_READ(exe, f_inode) : NULL;
	__u32 flags = 0;
	if(exe_writable(t, ino))
		flags |= PPM_EXE_WRITABLE;
	if(exe && file_is_memfd(exe))
		flags |= PPM_EXE_FROM_MEMFD;
	__u32 ol = overlay_layer(exe);
	if(ol == 1)
		flags |= PPM_EXE_UPPER_LAYER;
	else if(ol == 2)
		flags |= PPM_EXE_LOWER_LAYER;
	push_u32(e, flags);
	push_u64(e, BPF_CORE_READ(t, cred, cap_inheritable.val));
	push_u64(e, BPF_CORE_READ(t, cred, cap_permitted.val));
	push_u64(e, BPF_CORE_READ(t, cred, cap_effective.val));
	push_u64(e, ino ? BPF_CORE_READ(ino, i_ino) : 0);
	__u64 ct = 0, mt = 0;
	if(ino) {
		ct = (__u64)BPF_CORE_READ(ino, i_ctime_sec) * 1000000000ULL + (BPF_CORE_READ(ino, i_ctime_nsec) & 0x3fffffff); /* bit 31: multigrain I_CTIME_QUERIED */
		mt = (__u64)BPF_CORE_READ(ino, i_mtime_sec) * 1000000000ULL + (BPF_CORE_READ(ino, i_mtime_nsec) & 0x3fffffff);
	}
	push_u64(e, ct);
	push_u64(e, mt);
	push_u32(e, BPF_CORE_READ(t, cred, euid.val));
	push_file_path(e, exe);
	push_s64(e, pid_nr(pg, false));
	push_u32(e, BPF_CORE_READ(t, cred, egid.val));
	if(type == PPME_SYSCALL_EXECVE_19_X) {
		if(ok)
			push_kstr(e, kfilename, MAX_PATH_READ);
		else
			push_ustr(e, (const void *)sc_arg(regs, 0), MAX_PATH_READ);
	}
	ev_submit(e, BPF_CORE_READ(t, pid));
}

/* clone/fork/vfork/clone3 X (21 params), in the parent (res = child tid) and the child (res = 0). */
static __always_inline void emit_clone(struct pt_regs *regs, long ret, __u16 type, __u64 raw_flags) {
	struct task_struct *t = bpf_get_current_task_btf();
	struct ev *e = ev_start(type, 21);
	if(!e)
		return;
	struct mm_struct *mm = BPF_CORE_READ(t, mm);
	push_s64(e, ret);
	push_exe_args_mm(e, mm);
	push_proc_common(e, t, mm);
	push_cgroups(e, t);
	__u32 flags = clone_flags_to_ppm(raw_flags);
	struct pid *tp = BPF_CORE_READ(t, thread_pid);
	struct pid_namespace *ns = NULL;
	__u32 level = BPF_CORE_READ(tp, level);
	ns = BPF_CORE_READ(tp, numbers[level & 31].ns);
	if(level != 0 || BPF_CORE_READ(t, nsproxy, pid_ns_for_children) != ns)
		flags |= PPM_CL_CHILD_IN_PIDNS;
	push_u32(e, flags);
	push_u32(e, BPF_CORE_READ(t, cred, euid.val));
	push_u32(e, BPF_CORE_READ(t, cred, egid.val));
	push_s64(e, pid_nr(tp, true));
	push_s64(e, pid_nr(task_tgid_pid(t), true));
	__u64 init_ts = 0;
	if(ret == 0 && ns)
		init_ts = BPF_CORE_READ(ns, child_reaper, start_time);
	push_u64(e, init_ts);
	ev_submit(e, BPF_CORE_READ(t, pid));
}

/* ------------------------------------------------------------------------------------------ */
/* Attached programs                                                                            */
/* ------------------------------------------------------------------------------------------ */

static __always_inline bool selected(__u32 idx) {
	__u8 *on = bpf_map_lookup_elem(&sel, &idx);
	return on && *on;
}

/*
 * Dispatch table: x86-64 syscall number -> filler program `sx_<name>` (defined below with SX()).
 * Adding a syscall: write `SX(name) { ... }` below and add `X(nr, name)` here. Several numbers
 * may share one program (it can tell them apart with regs->orig_ax).
 */
#define SX_LIST(X)                                                                               \
	X(2, open) X(3, close) X(56, clone) X(57, clone) X(58, clone) X(59, execve) X(80, chdir)     \
	X(81, fchdir) X(85, creat) X(165, mount) X(166, umount2) X(257, openat) X(322, execve)       \
	X(435, clone) X(437, openat2) SX_LIST_MORE(X)

#define SX_DECL(nr, name) int sx_##name(unsigned long long *ctx);
#define SX_ENTRY(nr, name) [nr] = (void *)&sx_##name,
#include "probe_more.list.h"
SX_LIST(SX_DECL)

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, SYSCALL_TABLE);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} sx_table SEC(".maps") = {
	.values = {SX_LIST(SX_ENTRY)},
};

SEC("tp_btf/sys_exit")
int BPF_PROG(fts_sys_exit, struct pt_regs *regs, long ret) {
	__u64 id = bpf_get_current_pid_tgid();
	if((__u32)(id >> 32) == self_tgid)
		return 0;
	__u32 nr = (__u32)regs->orig_ax;
	if(nr >= SYSCALL_TABLE || !selected(nr))
		return 0;
	/* 32-bit (ia32) syscalls use another numbering: not supported, dropped (TS_COMPAT = 0x2). */
	struct task_struct *t = bpf_get_current_task_btf();
	if(t->thread_info.status & 0x2)
		return 0;
	bpf_tail_call(ctx, &sx_table, nr);
	return 0;
}

/* Successful execve/execveat (see the file comment). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(fts_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) {
	struct task_struct *t = bpf_get_current_task_btf();
	if(BPF_CORE_READ(t, tgid) == self_tgid)
		return 0;
	if(BPF_CORE_READ(t, flags) & L_PF_KTHREAD)
		return 0;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);
	__u32 nr = (__u32)BPF_CORE_READ(regs, orig_ax);
	__u16 type;
	if(nr == 322) {
		if(!selected(322))
			return 0;
		type = PPME_SYSCALL_EXECVEAT_X;
	} else {
		if(!selected(59))
			return 0;
		type = PPME_SYSCALL_EXECVE_19_X;
	}
	emit_exec(t, type, 0, true, regs, BPF_CORE_READ(bprm, filename));
	return 0;
}

/* clone3: remember the flags for the child's event (the parent may reuse its stack first). */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(fts_fork, struct task_struct *parent, struct task_struct *child) {
	if(BPF_CORE_READ(parent, tgid) == self_tgid || !selected(435))
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);
	if((__u32)BPF_CORE_READ(regs, orig_ax) != 435)
		return 0;
	__u64 flags = 0;
	if(bpf_probe_read_user(&flags, sizeof(flags), (void *)BPF_CORE_READ(regs, di)) < 0)
		return 0;
	__u32 ctid = BPF_CORE_READ(child, pid);
	bpf_map_update_elem(&clone3_flags, &ctid, &flags, BPF_ANY);
	return 0;
}

/*
 * The task that will adopt `father`'s children (the kernel's find_new_reaper(), as Falco's modern
 * probe computes it): another live thread of the group; else, when the process has a child
 * subreaper above it, the nearest ancestor in the same pid namespace that is one; else the pid
 * namespace's init. 0 when `father` is that init (userspace then decides).
 */
static __always_inline __s64 find_new_reaper_tid(struct task_struct *father) {
	struct signal_struct *sig = BPF_CORE_READ(father, signal);
	if(BPF_CORE_READ(sig, live.counter) > 0) {
		/* Other threads of the group remain: the group leader (or, if it is the one exiting,
		 * userspace picks another thread). */
		__s32 tgid = BPF_CORE_READ(father, tgid);
		return tgid != BPF_CORE_READ(father, pid) ? tgid : 0;
	}
	struct pid *fp = BPF_CORE_READ(father, thread_pid);
	__u32 level = BPF_CORE_READ(fp, level);
	struct pid_namespace *ns = BPF_CORE_READ(fp, numbers[level & 31].ns);
	struct task_struct *child_reaper = BPF_CORE_READ(ns, child_reaper);
	if(child_reaper == father)
		return 0;
	if(BPF_CORE_READ_BITFIELD_PROBED(sig, has_child_subreaper)) {
		struct task_struct *r = BPF_CORE_READ(father, real_parent);
		for(int i = 0; i < 32; i++) {
			if(!r || BPF_CORE_READ(r, pid) == 0)
				break;
			if(BPF_CORE_READ(r, thread_pid, level) != level)
				break;
			struct signal_struct *rs = BPF_CORE_READ(r, signal);
			if(BPF_CORE_READ_BITFIELD_PROBED(rs, is_child_subreaper) && BPF_CORE_READ(rs, live.counter) > 0)
				return BPF_CORE_READ(r, tgid);
			r = BPF_CORE_READ(r, real_parent);
		}
	}
	return child_reaper ? BPF_CORE_READ(child_reaper, pid) : 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(fts_exit, struct task_struct *p) {
	if(BPF_CORE_READ(p, tgid) == self_tgid)
		return 0;
	if(BPF_CORE_READ(p, flags) & L_PF_KTHREAD)
		return 0;
	if(!selected(SEL_PROCEXIT))
		return 0;
	struct ev *e = ev_start(PPME_PROCEXIT_1_E, 5);
	if(!e)
		return 0;
	__s32 code = BPF_CORE_READ(p, exit_code);
	push_s64(e, code);
	push_s64(e, (code >> 8) & 0xff); /* WEXITSTATUS */
	__u8 sig = 0;
	if((code & 0x7f) != 0 && (code & 0x7f) != 0x7f) /* WIFSIGNALED */
		sig = code & 0x7f;
	push_u8(e, sig);
	push_u8(e, (code & 0x80) ? 1 : 0); /* WCOREDUMP */
	push_s64(e, find_new_reaper_tid(p)); /* reaper_tid (host tid), 0 = let userspace pick */
	ev_submit(e, BPF_CORE_READ(p, pid));
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Tail-called syscall exit fillers                                                             */
/* ------------------------------------------------------------------------------------------ */

#define SX(name) \
	SEC("tp_btf/sys_exit") int BPF_PROG(sx_##name, struct pt_regs *regs, long ret)

#define ARG(i) sc_arg(regs, i)

#define PPM_FD_UPPER_LAYER (1 << 15)
#define PPM_FD_LOWER_LAYER (1 << 16)

/*
 * dev/ino of the file behind an fd, and extra PPM_O_* bits for the open flags: PPM_O_F_CREATED
 * (FMODE_CREATED: O_CREAT created the file) and PPM_FD_UPPER_LAYER/PPM_FD_LOWER_LAYER (overlayfs).
 */
static __always_inline void fd_dev_ino(__s64 fd, __u32 *dev, __u64 *ino, __u32 *extra) {
	struct task_struct *t = bpf_get_current_task_btf();
	struct file *f = task_fd_file(t, fd);
	*dev = 0;
	*ino = 0;
	*extra = 0;
	if(!f)
		return;
	struct inode *i = BPF_CORE_READ(f, f_inode);
	if(!i)
		return;
	*ino = BPF_CORE_READ(i, i_ino);
	*dev = encode_dev(BPF_CORE_READ(i, i_sb, s_dev));
	__u32 x = (BPF_CORE_READ(f, f_mode) & L_FMODE_CREATED) ? PPM_O_F_CREATED : 0;
	__u32 ol = overlay_layer(f);
	if(ol == 1)
		x |= PPM_FD_UPPER_LAYER;
	else if(ol == 2)
		x |= PPM_FD_LOWER_LAYER;
	*extra = x;
}

/* execve/execveat failures (x86-64 59/322; one program for both, the type comes from orig_ax). */
SX(execve) {
	if(ret == 0)
		return 0; /* success is emitted from sched_process_exec */
	__u32 nr = (__u32)BPF_CORE_READ(regs, orig_ax);
	emit_exec(bpf_get_current_task_btf(), nr == 322 ? PPME_SYSCALL_EXECVEAT_X : PPME_SYSCALL_EXECVE_19_X,
	          ret, false, regs, NULL);
	return 0;
}

/* clone/fork/vfork/clone3 (x86-64 56/57/58/435; one program, dispatched on orig_ax). */
SX(clone) {
	__u32 nr = (__u32)BPF_CORE_READ(regs, orig_ax);
	__u16 type = PPME_SYSCALL_CLONE_20_X;
	__u64 flags = 0;
	if(nr == 57) {
		type = PPME_SYSCALL_FORK_20_X;
	} else if(nr == 58) {
		type = PPME_SYSCALL_VFORK_20_X;
		flags = L_CLONE_VM | L_CLONE_VFORK;
	} else if(nr == 435) {
		type = PPME_SYSCALL_CLONE3_X;
		__u32 tid = (__u32)bpf_get_current_pid_tgid();
		__u64 *saved = ret == 0 ? bpf_map_lookup_elem(&clone3_flags, &tid) : NULL;
		if(saved) {
			flags = *saved;
			bpf_map_delete_elem(&clone3_flags, &tid);
		} else {
			bpf_probe_read_user(&flags, sizeof(flags), (void *)ARG(0)); /* struct clone_args.flags */
		}
	} else {
		flags = ARG(0);
	}
	emit_clone(regs, ret, type, flags);
	return 0;
}

/* open X: fd, name, flags, mode, dev, ino */
SX(open) {
	struct ev *e = ev_start(PPME_SYSCALL_OPEN_X, 6);
	if(!e)
		return 0;
	__u32 fl = ARG(1), mode = ARG(2), dev;
	__u64 ino;
	__u32 extra;
	fd_dev_ino(ret, &dev, &ino, &extra);
	push_s64(e, ret);
	push_ustr(e, (void *)ARG(0), MAX_PATH_READ);
	push_u32(e, open_flags_to_ppm(fl) | extra);
	push_u32(e, open_mode_to_ppm(fl, mode));
	push_u32(e, dev);
	push_u64(e, ino);
	ev_submit(e, cur_tid());
	return 0;
}

/* openat X: fd, dirfd, name, flags, mode, dev, ino */
SX(openat) {
	struct ev *e = ev_start(PPME_SYSCALL_OPENAT_2_X, 7);
	if(!e)
		return 0;
	__u32 fl = ARG(2), mode = ARG(3), dev;
	__u64 ino;
	__u32 extra;
	fd_dev_ino(ret, &dev, &ino, &extra);
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_ustr(e, (void *)ARG(1), MAX_PATH_READ);
	push_u32(e, open_flags_to_ppm(fl) | extra);
	push_u32(e, open_mode_to_ppm(fl, mode));
	push_u32(e, dev);
	push_u64(e, ino);
	ev_submit(e, cur_tid());
	return 0;
}

/* openat2 X: fd, dirfd, name, flags, mode, resolve, dev, ino (flags/mode/resolve from struct open_how) */
SX(openat2) {
	struct ev *e = ev_start(PPME_SYSCALL_OPENAT2_X, 8);
	if(!e)
		return 0;
	struct {
		__u64 flags, mode, resolve;
	} how = {};
	bpf_probe_read_user(&how, sizeof(how), (void *)ARG(2));
	__u32 dev;
	__u64 ino;
	__u32 extra;
	fd_dev_ino(ret, &dev, &ino, &extra);
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_ustr(e, (void *)ARG(1), MAX_PATH_READ);
	push_u32(e, open_flags_to_ppm(how.flags) | extra);
	push_u32(e, open_mode_to_ppm(how.flags, how.mode));
	/* PPM_RESOLVE_* (openat2_flags): BENEATH 1, IN_ROOT 2, NO_MAGICLINKS 4, NO_SYMLINKS 8, NO_XDEV 16, CACHED 32 */
	__u32 rs = 0;
	if(how.resolve & 0x08) rs |= 1;  /* RESOLVE_BENEATH */
	if(how.resolve & 0x10) rs |= 2;  /* RESOLVE_IN_ROOT */
	if(how.resolve & 0x02) rs |= 4;  /* RESOLVE_NO_MAGICLINKS */
	if(how.resolve & 0x04) rs |= 8;  /* RESOLVE_NO_SYMLINKS */
	if(how.resolve & 0x01) rs |= 16; /* RESOLVE_NO_XDEV */
	if(how.resolve & 0x20) rs |= 32; /* RESOLVE_CACHED */
	push_u32(e, rs);
	push_u32(e, dev);
	push_u64(e, ino);
	ev_submit(e, cur_tid());
	return 0;
}

/* creat X: fd, name, mode, dev, ino, creat_flags */
SX(creat) {
	struct ev *e = ev_start(PPME_SYSCALL_CREAT_X, 6);
	if(!e)
		return 0;
	__u32 dev;
	__u64 ino;
	__u32 extra;
	fd_dev_ino(ret, &dev, &ino, &extra);
	push_s64(e, ret);
	push_ustr(e, (void *)ARG(0), MAX_PATH_READ);
	push_u32(e, open_mode_to_ppm(L_O_CREAT, ARG(1)));
	push_u32(e, dev);
	push_u64(e, ino);
	/* creat_flags: PPM_FD_UPPER_LAYER_CREAT (1), PPM_FD_LOWER_LAYER_CREAT (2) */
	push_u16(e, (extra & PPM_FD_UPPER_LAYER) ? 1 : (extra & PPM_FD_LOWER_LAYER) ? 2 : 0);
	ev_submit(e, cur_tid());
	return 0;
}

/* mount X: res, dev, dir, type, flags */
SX(mount) {
	struct ev *e = ev_start(PPME_SYSCALL_MOUNT_X, 5);
	if(!e)
		return 0;
	unsigned long fl = ARG(3);
	if((fl & L_MS_MGC_MSK) == L_MS_MGC_VAL)
		fl &= ~L_MS_MGC_MSK;
	push_s64(e, ret);
	push_ustr(e, (void *)ARG(0), MAX_PATH_READ);
	push_ustr(e, (void *)ARG(1), MAX_PATH_READ);
	push_ustr(e, (void *)ARG(2), 256);
	push_u32(e, (__u32)fl); /* PPM_MS_* equal the Linux MS_* bits */
	ev_submit(e, cur_tid());
	return 0;
}

/* umount2 X: res, name, flags (PPM_MNT_* equal MNT_FORCE/DETACH/EXPIRE/UMOUNT_NOFOLLOW) */
SX(umount2) {
	struct ev *e = ev_start(PPME_SYSCALL_UMOUNT2_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_ustr(e, (void *)ARG(0), MAX_PATH_READ);
	push_u32(e, (__u32)ARG(1) & 0xf);
	ev_submit(e, cur_tid());
	return 0;
}

/* chdir X: res, path */
SX(chdir) {
	struct ev *e = ev_start(PPME_SYSCALL_CHDIR_X, 2);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_ustr(e, (void *)ARG(0), MAX_PATH_READ);
	ev_submit(e, cur_tid());
	return 0;
}

/* Events whose parameters are (res, <one fd/int argument as s64>): fchdir, dup. */
static __always_inline int emit_res_fd(__u16 type, long ret, __s64 fd) {
	struct ev *e = ev_start(type, 2);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, fd);
	ev_submit(e, cur_tid());
	return 0;
}

SX(fchdir) {
	return emit_res_fd(PPME_SYSCALL_FCHDIR_X, ret, (__s32)ARG(0));
}

/* close X: res, fd — only successful closes (a failed close changes no state) */
SX(close) {
	if(ret != 0)
		return 0;
	return emit_res_fd(PPME_SYSCALL_CLOSE_X, ret, (__s32)ARG(0));
}

#include "probe_more.bpf.h"
