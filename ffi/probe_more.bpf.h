/*
 * More syscall exit fillers (network, fd, file-system, credential and misc events), included at
 * the end of probe.bpf.c. Each is one SX(name) program; its dispatch entry is in
 * probe_more.list.h. Parameter lists follow the HEAD event table (driver/event_table.c); flag
 * conversions follow driver/ppm_flag_helpers.h.
 */

#define SCR_TMP_OFF (SCR_SIZE - 1024) /* 512 bytes of temporary space (sockaddr copies) */

#define L_AF_UNIX 1
#define L_AF_INET 2
#define L_AF_INET6 10
#define L_S_IFMT 0170000
#define L_S_IFSOCK 0140000
#define SNAPLEN 80

static __always_inline __u16 bswap16(__u16 v) {
	return (v >> 8) | (v << 8);
}

/* ---------------------------------------------------------------------------------------------- */
/* Generic shapes                                                                                   */
/* ---------------------------------------------------------------------------------------------- */

/* (res, path): unlink, rmdir, chroot, umount */
static __always_inline int emit_res_path(__u16 type, long ret, const void *path) {
	struct ev *e = ev_start(type, 2);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_ustr(e, path, MAX_PATH_READ);
	ev_submit(e, cur_tid());
	return 0;
}

/* (res, path1, path2): rename, link, symlink */
static __always_inline int emit_res_2paths(__u16 type, long ret, const void *p1, const void *p2) {
	struct ev *e = ev_start(type, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_ustr(e, p1, MAX_PATH_READ);
	push_ustr(e, p2, MAX_PATH_READ);
	ev_submit(e, cur_tid());
	return 0;
}

/* (res, u32 a[, u32 b, u32 c]): setuid/setgid/setresuid/setresgid/setreuid/setregid */
static __always_inline int emit_res_ids(__u16 type, long ret, __u32 n, __u32 a, __u32 b, __u32 c) {
	struct ev *e = ev_start(type, n + 1);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_u32(e, a);
	if(n > 1)
		push_u32(e, b);
	if(n > 2)
		push_u32(e, c);
	ev_submit(e, cur_tid());
	return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* Sockets                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static __always_inline struct sock *fd_sock(__s64 fd) {
	struct file *f = task_fd_file(bpf_get_current_task_btf(), fd);
	if(!f)
		return NULL;
	__u16 mode = BPF_CORE_READ(f, f_inode, i_mode);
	if((mode & L_S_IFMT) != L_S_IFSOCK)
		return NULL;
	struct socket *s = BPF_CORE_READ(f, private_data);
	if(!s)
		return NULL;
	return BPF_CORE_READ(s, sk);
}

/*
 * PT_SOCKADDR from a user `struct sockaddr *` (SCAP_FORMAT §1.11): INET: family(2), ip4, port;
 * INET6: family(10), ip6, port; UNIX: family(1), path\0. Ports in host order. Empty if unknown.
 */
static __always_inline void push_user_sockaddr(struct ev *e, const void *ua, __u32 ulen) {
	__u8 *tmp = &e->d[SCR_TMP_OFF];
	if(!ua || ulen < 2 || e->pos + 128 > EVT_MAX) {
		push_empty(e);
		return;
	}
	if(ulen > 110)
		ulen = 110;
	__builtin_memset(tmp, 0, 112);
	__u32 rl = ulen;
	asm volatile("" : "+r"(rl));
	rl &= 127;
	if(rl < 2 || bpf_probe_read_user(tmp, rl, ua) < 0) {
		push_empty(e);
		return;
	}
	__u16 fam = *(__u16 *)tmp;
	__u8 *o = &e->d[e->pos & EVT_MASK];
	__u32 start = e->pos;
	if(fam == L_AF_INET) {
		o[0] = L_AF_INET;
		__builtin_memcpy(&o[1], &tmp[4], 4);
		*(__u16 *)&o[5] = bswap16(*(__u16 *)&tmp[2]);
		e->pos += 7;
	} else if(fam == L_AF_INET6) {
		o[0] = L_AF_INET6;
		__builtin_memcpy(&o[1], &tmp[8], 16);
		*(__u16 *)&o[17] = bswap16(*(__u16 *)&tmp[2]);
		e->pos += 19;
	} else if(fam == L_AF_UNIX) {
		o[0] = L_AF_UNIX;
		e->pos += 1;
		long n = bpf_probe_read_kernel_str(&e->d[e->pos & EVT_MASK], 109, &tmp[2]);
		if(n <= 0) {
			e->d[e->pos & EVT_MASK] = 0;
			n = 1;
		}
		e->pos += n;
	}
	ev_plen(e, e->pos - start);
}

/* Write "path\0" of a unix socket's bound address (struct unix_address), at most 108 bytes. */
static __always_inline long write_unix_path(struct ev *e, struct sock *sk) {
	struct unix_address *ua = BPF_CORE_READ((struct unix_sock *)sk, addr);
	long n = 0;
	if(ua)
		n = bpf_probe_read_kernel_str(&e->d[e->pos & EVT_MASK], 109, &ua->name[0].sun_path[0]);
	if(n <= 0) {
		e->d[e->pos & EVT_MASK] = 0;
		n = 1;
	}
	return n;
}

/*
 * PT_SOCKTUPLE of the socket behind `fd`. `local_is_src`: connect/send (source = local end);
 * false for accept (source = peer). `ua`/`ulen`: user sockaddr used as the destination of an
 * unconnected socket (sendto) or as the unix path (connect). Empty when fd is not a socket.
 */
static __always_inline void push_sock_tuple(struct ev *e, __s64 fd, bool local_is_src, const void *ua,
                                             __u32 ulen) {
	struct sock *sk = fd_sock(fd);
	if(!sk || e->pos + 160 > EVT_MAX) {
		push_empty(e);
		return;
	}
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u8 *o = &e->d[e->pos & EVT_MASK];
	__u32 start = e->pos;
	if(fam == L_AF_INET) {
		__u32 lip = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 rip = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		__u16 rport = bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if(rip == 0 && ua && ulen >= 8) {
			__u8 *tmp = &e->d[SCR_TMP_OFF];
			if(bpf_probe_read_user(tmp, 8, ua) == 0 && *(__u16 *)tmp == L_AF_INET) {
				rip = *(__u32 *)&tmp[4];
				rport = bswap16(*(__u16 *)&tmp[2]);
			}
		}
		o[0] = L_AF_INET;
		if(local_is_src) {
			*(__u32 *)&o[1] = lip;
			*(__u16 *)&o[5] = lport;
			*(__u32 *)&o[7] = rip;
			*(__u16 *)&o[11] = rport;
		} else {
			*(__u32 *)&o[1] = rip;
			*(__u16 *)&o[5] = rport;
			*(__u32 *)&o[7] = lip;
			*(__u16 *)&o[11] = lport;
		}
		e->pos += 13;
	} else if(fam == L_AF_INET6) {
		struct in6_addr lip = BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
		struct in6_addr rip = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
		__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		__u16 rport = bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		o[0] = L_AF_INET6;
		if(local_is_src) {
			__builtin_memcpy(&o[1], &lip, 16);
			*(__u16 *)&o[17] = lport;
			__builtin_memcpy(&o[19], &rip, 16);
			*(__u16 *)&o[35] = rport;
		} else {
			__builtin_memcpy(&o[1], &rip, 16);
			*(__u16 *)&o[17] = rport;
			__builtin_memcpy(&o[19], &lip, 16);
			*(__u16 *)&o[35] = lport;
		}
		e->pos += 37;
	} else if(fam == L_AF_UNIX) {
		struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
		o[0] = L_AF_UNIX;
		*(__u64 *)&o[1] = local_is_src ? (__u64)sk : (__u64)peer;
		*(__u64 *)&o[9] = local_is_src ? (__u64)peer : (__u64)sk;
		e->pos += 17;
		long n = 0;
		if(peer)
			n = write_unix_path(e, peer);
		if(n <= 1)
			n = write_unix_path(e, sk);
		e->pos += n;
	} else {
		push_empty(e);
		return;
	}
	ev_plen(e, e->pos - start);
}

/* connect X: res, tuple, fd, addr */
SX(connect) {
	struct ev *e = ev_start(PPME_SOCKET_CONNECT_X, 4);
	if(!e)
		return 0;
	__s64 fd = (__s32)ARG(0);
	push_s64(e, ret);
	if(ret == 0 || ret == -115 /* EINPROGRESS */)
		push_sock_tuple(e, fd, true, (void *)ARG(1), ARG(2));
	else
		push_empty(e);
	push_s64(e, fd);
	push_user_sockaddr(e, (void *)ARG(1), ARG(2));
	ev_submit(e, cur_tid());
	return 0;
}

static __always_inline int emit_accept(__u16 type, struct pt_regs *regs, long ret, bool with_flags) {
	struct ev *e = ev_start(type, with_flags ? 6 : 5);
	if(!e)
		return 0;
	push_s64(e, ret);
	if(ret >= 0)
		push_sock_tuple(e, ret, false, NULL, 0);
	else
		push_empty(e);
	__u32 qlen = 0, qmax = 0;
	struct sock *lsk = fd_sock((__s32)ARG(0));
	if(lsk) {
		qlen = BPF_CORE_READ(lsk, sk_ack_backlog);
		qmax = BPF_CORE_READ(lsk, sk_max_ack_backlog);
	}
	push_u8(e, qmax ? (__u8)((qlen * 100) / qmax) : 0);
	push_u32(e, qlen);
	push_u32(e, qmax);
	if(with_flags)
		push_u32(e, (__u32)ARG(3));
	ev_submit(e, cur_tid());
	return 0;
}

/* accept X: fd, tuple, queuepct, queuelen, queuemax */
SX(accept) {
	return emit_accept(PPME_SOCKET_ACCEPT_5_X, regs, ret, false);
}

/* accept4 X: + flags */
SX(accept4) {
	return emit_accept(PPME_SOCKET_ACCEPT4_6_X, regs, ret, true);
}

/* socket X: fd, domain, type, proto, flags */
SX(socket) {
	struct ev *e = ev_start(PPME_SOCKET_SOCKET_X, 5);
	if(!e)
		return 0;
	__u32 type = ARG(1);
	push_s64(e, ret);
	push_u32(e, (__u32)ARG(0)); /* PPM_AF_* equal the Linux AF_* values */
	push_u32(e, type);
	push_u32(e, (__u32)ARG(2));
	__u32 fl = 0;
	if(type & L_O_NONBLOCK) fl |= PPM_O_NONBLOCK;
	if(type & L_O_CLOEXEC) fl |= PPM_O_CLOEXEC;
	push_u32(e, fl);
	ev_submit(e, cur_tid());
	return 0;
}

/* bind X: res, addr, fd */
SX(bind) {
	struct ev *e = ev_start(PPME_SOCKET_BIND_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_user_sockaddr(e, (void *)ARG(1), ARG(2));
	push_s64(e, (__s32)ARG(0));
	ev_submit(e, cur_tid());
	return 0;
}

/* listen X: res, fd, backlog */
SX(listen) {
	struct ev *e = ev_start(PPME_SOCKET_LISTEN_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_u32(e, (__u32)ARG(1));
	ev_submit(e, cur_tid());
	return 0;
}

/* sendto X: res, data (snaplen), fd, size, tuple */
SX(sendto) {
	struct ev *e = ev_start(PPME_SOCKET_SENDTO_X, 5);
	if(!e)
		return 0;
	__s64 fd = (__s32)ARG(0);
	push_s64(e, ret);
	push_ubuf(e, (void *)ARG(1), ret > 0 ? (ret > SNAPLEN ? SNAPLEN : ret) : 0, 128);
	push_s64(e, fd);
	push_u32(e, (__u32)ARG(2));
	push_sock_tuple(e, fd, true, (void *)ARG(4), ARG(5));
	ev_submit(e, cur_tid());
	return 0;
}

/* sendmsg X: res, data (first iovec, snaplen), fd, size (sum of iov_len), tuple */
SX(sendmsg) {
	struct ev *e = ev_start(PPME_SOCKET_SENDMSG_X, 5);
	if(!e)
		return 0;
	__s64 fd = (__s32)ARG(0);
	struct user_msghdr mh = {};
	bpf_probe_read_user(&mh, sizeof(mh), (void *)ARG(1));
	struct iovec iov0 = {};
	if(mh.msg_iov)
		bpf_probe_read_user(&iov0, sizeof(iov0), mh.msg_iov);
	push_s64(e, ret);
	__u64 n = ret > 0 ? ret : 0;
	if(n > iov0.iov_len)
		n = iov0.iov_len;
	if(n > SNAPLEN)
		n = SNAPLEN;
	push_ubuf(e, iov0.iov_base, n, 128);
	push_s64(e, fd);
	__u64 size = 0;
	for(int i = 0; i < 16; i++) {
		if(i >= mh.msg_iovlen)
			break;
		struct iovec v = {};
		bpf_probe_read_user(&v, sizeof(v), &mh.msg_iov[i]);
		size += v.iov_len;
	}
	push_u32(e, (__u32)size);
	push_sock_tuple(e, fd, true, mh.msg_name, mh.msg_namelen);
	ev_submit(e, cur_tid());
	return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* fds                                                                                              */
/* ---------------------------------------------------------------------------------------------- */

/* dup X: res, oldfd */
SX(dup) {
	return emit_res_fd(PPME_SYSCALL_DUP_1_X, ret, (__s32)ARG(0));
}

/* dup2 X: res, oldfd, newfd */
SX(dup2) {
	struct ev *e = ev_start(PPME_SYSCALL_DUP2_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_s64(e, (__s32)ARG(1));
	ev_submit(e, cur_tid());
	return 0;
}

/* dup3 X: res, oldfd, newfd, flags (O_CLOEXEC -> PPM_O_CLOEXEC) */
SX(dup3) {
	struct ev *e = ev_start(PPME_SYSCALL_DUP3_X, 4);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_s64(e, (__s32)ARG(1));
	push_u32(e, ((__u32)ARG(2) & L_O_CLOEXEC) ? PPM_O_CLOEXEC : 0);
	ev_submit(e, cur_tid());
	return 0;
}

/* Linux F_* -> PPM_FCNTL_* (ppm_flag_helpers.h fcntl_cmd_to_scap) */
static __always_inline __u8 fcntl_cmd_to_ppm(__u32 c) {
	switch(c) {
	case 0: return 1;      /* F_DUPFD */
	case 1: return 2;      /* F_GETFD */
	case 2: return 3;      /* F_SETFD */
	case 3: return 4;      /* F_GETFL */
	case 4: return 5;      /* F_SETFL */
	case 5: return 6;      /* F_GETLK */
	case 6: return 8;      /* F_SETLK */
	case 7: return 9;      /* F_SETLKW */
	case 8: return 10;     /* F_SETOWN */
	case 9: return 12;     /* F_GETOWN */
	case 10: return 13;    /* F_SETSIG */
	case 11: return 15;    /* F_GETSIG */
	case 15: return 21;    /* F_SETOWN_EX */
	case 16: return 22;    /* F_GETOWN_EX */
	case 36: return 30;    /* F_OFD_GETLK */
	case 37: return 31;    /* F_OFD_SETLK */
	case 38: return 32;    /* F_OFD_SETLKW */
	case 1024: return 23;  /* F_SETLEASE */
	case 1025: return 24;  /* F_GETLEASE */
	case 1026: return 27;  /* F_NOTIFY */
	case 1029: return 25;  /* F_CANCELLK */
	case 1030: return 26;  /* F_DUPFD_CLOEXEC */
	case 1031: return 28;  /* F_SETPIPE_SZ */
	case 1032: return 29;  /* F_GETPIPE_SZ */
	}
	return 0;
}

/* fcntl X: res, fd, cmd, arg */
SX(fcntl) {
	struct ev *e = ev_start(PPME_SYSCALL_FCNTL_X, 4);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_u8(e, fcntl_cmd_to_ppm((__u32)ARG(1)));
	push_u64(e, ARG(2));
	ev_submit(e, cur_tid());
	return 0;
}

/* pipe/pipe2 X: res, fd1, fd2, ino[, flags] */
static __always_inline int emit_pipe(__u16 type, struct pt_regs *regs, long ret, bool with_flags) {
	struct ev *e = ev_start(type, with_flags ? 5 : 4);
	if(!e)
		return 0;
	__s32 fds[2] = {-1, -1};
	if(ret == 0)
		bpf_probe_read_user(fds, sizeof(fds), (void *)ARG(0));
	__u32 dev;
	__u64 ino;
	__u32 extra;
	fd_dev_ino(ret == 0 ? fds[0] : -1, &dev, &ino, &extra);
	push_s64(e, ret);
	push_s64(e, fds[0]);
	push_s64(e, fds[1]);
	push_u64(e, ino);
	if(with_flags) {
		__u32 f = ARG(1), r = 0;
		if(f & L_O_CLOEXEC) r |= PPM_O_CLOEXEC;
		if(f & L_O_DIRECT) r |= PPM_O_DIRECT;
		if(f & L_O_NONBLOCK) r |= PPM_O_NONBLOCK;
		push_u32(e, r);
	}
	ev_submit(e, cur_tid());
	return 0;
}

SX(pipe) {
	return emit_pipe(PPME_SYSCALL_PIPE_X, regs, ret, false);
}

SX(pipe2) {
	return emit_pipe(PPME_SYSCALL_PIPE2_X, regs, ret, true);
}

/* memfd_create X: fd, name, flags (PPM_MFD_* equal MFD_CLOEXEC/ALLOW_SEALING/HUGETLB) */
SX(memfd_create) {
	struct ev *e = ev_start(PPME_SYSCALL_MEMFD_CREATE_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_ustr(e, (void *)ARG(0), 256);
	push_u32(e, (__u32)ARG(1) & 7);
	ev_submit(e, cur_tid());
	return 0;
}

/* userfaultfd X: res, flags (O_CLOEXEC/O_NONBLOCK -> PPM_O_*) */
SX(userfaultfd) {
	struct ev *e = ev_start(PPME_SYSCALL_USERFAULTFD_X, 2);
	if(!e)
		return 0;
	__u32 f = ARG(0), r = 0;
	if(f & L_O_CLOEXEC) r |= PPM_O_CLOEXEC;
	if(f & L_O_NONBLOCK) r |= PPM_O_NONBLOCK;
	push_s64(e, ret);
	push_u32(e, r);
	ev_submit(e, cur_tid());
	return 0;
}

/* bpf X (369): fd, cmd (PPM_BPF_* equal the Linux enum bpf_cmd values) */
SX(bpf) {
	struct ev *e = ev_start(369, 2);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_u32(e, (__u32)ARG(0));
	ev_submit(e, cur_tid());
	return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* File system                                                                                      */
/* ---------------------------------------------------------------------------------------------- */

SX(unlink) {
	return emit_res_path(PPME_SYSCALL_UNLINK_2_X, ret, (void *)ARG(0));
}

SX(rmdir) {
	return emit_res_path(PPME_SYSCALL_RMDIR_2_X, ret, (void *)ARG(0));
}

SX(chroot) {
	return emit_res_path(PPME_SYSCALL_CHROOT_X, ret, (void *)ARG(0));
}

/* unlinkat X: res, dirfd, name, flags (PPM_AT_REMOVEDIR == AT_REMOVEDIR) */
SX(unlinkat) {
	struct ev *e = ev_start(PPME_SYSCALL_UNLINKAT_2_X, 4);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_ustr(e, (void *)ARG(1), MAX_PATH_READ);
	push_u32(e, (__u32)ARG(2) & 0x200);
	ev_submit(e, cur_tid());
	return 0;
}

SX(rename) {
	return emit_res_2paths(PPME_SYSCALL_RENAME_X, ret, (void *)ARG(0), (void *)ARG(1));
}

SX(link) {
	return emit_res_2paths(PPME_SYSCALL_LINK_2_X, ret, (void *)ARG(0), (void *)ARG(1));
}

/* symlink X: res, target, linkpath */
SX(symlink) {
	return emit_res_2paths(PPME_SYSCALL_SYMLINK_X, ret, (void *)ARG(0), (void *)ARG(1));
}

/* renameat/renameat2 X: res, olddirfd, oldpath, newdirfd, newpath[, flags]; linkat the same shape with flags */
static __always_inline int emit_at2(__u16 type, struct pt_regs *regs, long ret, bool with_flags, __u32 flags) {
	struct ev *e = ev_start(type, with_flags ? 6 : 5);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_ustr(e, (void *)ARG(1), MAX_PATH_READ);
	push_s64(e, (__s32)ARG(2));
	push_ustr(e, (void *)ARG(3), MAX_PATH_READ);
	if(with_flags)
		push_u32(e, flags);
	ev_submit(e, cur_tid());
	return 0;
}

SX(renameat) {
	return emit_at2(PPME_SYSCALL_RENAMEAT_X, regs, ret, false, 0);
}

/* renameat2 flags: PPM_RENAME_* equal RENAME_NOREPLACE/EXCHANGE/WHITEOUT */
SX(renameat2) {
	return emit_at2(PPME_SYSCALL_RENAMEAT2_X, regs, ret, true, (__u32)ARG(4) & 7);
}

/* linkat flags: PPM_AT_SYMLINK_FOLLOW/EMPTY_PATH equal the Linux values */
SX(linkat) {
	return emit_at2(PPME_SYSCALL_LINKAT_2_X, regs, ret, true, (__u32)ARG(4) & 0x1400);
}

/* symlinkat X: res, target, linkdirfd, linkpath */
SX(symlinkat) {
	struct ev *e = ev_start(PPME_SYSCALL_SYMLINKAT_X, 4);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_ustr(e, (void *)ARG(0), MAX_PATH_READ);
	push_s64(e, (__s32)ARG(1));
	push_ustr(e, (void *)ARG(2), MAX_PATH_READ);
	ev_submit(e, cur_tid());
	return 0;
}

/* mkdir X: res, path, mode */
SX(mkdir) {
	struct ev *e = ev_start(PPME_SYSCALL_MKDIR_2_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_ustr(e, (void *)ARG(0), MAX_PATH_READ);
	push_u32(e, (__u32)ARG(1));
	ev_submit(e, cur_tid());
	return 0;
}

/* mkdirat X: res, dirfd, path, mode */
SX(mkdirat) {
	struct ev *e = ev_start(PPME_SYSCALL_MKDIRAT_X, 4);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_ustr(e, (void *)ARG(1), MAX_PATH_READ);
	push_u32(e, (__u32)ARG(2));
	ev_submit(e, cur_tid());
	return 0;
}

/* chmod X: res, filename, mode (PPM_S_* equal the Linux mode bits) */
SX(chmod) {
	struct ev *e = ev_start(PPME_SYSCALL_CHMOD_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_ustr(e, (void *)ARG(0), MAX_PATH_READ);
	push_u32(e, (__u32)ARG(1) & 07777);
	ev_submit(e, cur_tid());
	return 0;
}

/* fchmod X: res, fd, mode */
SX(fchmod) {
	struct ev *e = ev_start(PPME_SYSCALL_FCHMOD_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_u32(e, (__u32)ARG(1) & 07777);
	ev_submit(e, cur_tid());
	return 0;
}

/* fchmodat X: res, dirfd, filename, mode */
SX(fchmodat) {
	struct ev *e = ev_start(PPME_SYSCALL_FCHMODAT_X, 4);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_ustr(e, (void *)ARG(1), MAX_PATH_READ);
	push_u32(e, (__u32)ARG(2) & 07777);
	ev_submit(e, cur_tid());
	return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* Credentials, namespaces, misc                                                                    */
/* ---------------------------------------------------------------------------------------------- */

SX(setuid) {
	return emit_res_ids(PPME_SYSCALL_SETUID_X, ret, 1, ARG(0), 0, 0);
}
SX(setgid) {
	return emit_res_ids(PPME_SYSCALL_SETGID_X, ret, 1, ARG(0), 0, 0);
}
SX(setresuid) {
	return emit_res_ids(PPME_SYSCALL_SETRESUID_X, ret, 3, ARG(0), ARG(1), ARG(2));
}
SX(setresgid) {
	return emit_res_ids(PPME_SYSCALL_SETRESGID_X, ret, 3, ARG(0), ARG(1), ARG(2));
}
SX(setreuid) {
	return emit_res_ids(PPME_SYSCALL_SETREUID_X, ret, 2, ARG(0), ARG(1), 0);
}
SX(setregid) {
	return emit_res_ids(PPME_SYSCALL_SETREGID_X, ret, 2, ARG(0), ARG(1), 0);
}

/* capset X: res, cap_inheritable, cap_permitted, cap_effective (the resulting credentials) */
SX(capset) {
	struct ev *e = ev_start(PPME_SYSCALL_CAPSET_X, 4);
	if(!e)
		return 0;
	struct task_struct *t = bpf_get_current_task_btf();
	push_s64(e, ret);
	push_u64(e, BPF_CORE_READ(t, cred, cap_inheritable.val));
	push_u64(e, BPF_CORE_READ(t, cred, cap_permitted.val));
	push_u64(e, BPF_CORE_READ(t, cred, cap_effective.val));
	ev_submit(e, cur_tid());
	return 0;
}

/* setns X: res, fd, nstype (clone flags) */
SX(setns) {
	struct ev *e = ev_start(PPME_SYSCALL_SETNS_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_u32(e, clone_flags_to_ppm((__u32)ARG(1)));
	ev_submit(e, cur_tid());
	return 0;
}

/* unshare X: res, flags (clone flags) */
SX(unshare) {
	struct ev *e = ev_start(PPME_SYSCALL_UNSHARE_X, 2);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_u32(e, clone_flags_to_ppm((__u32)ARG(0)));
	ev_submit(e, cur_tid());
	return 0;
}

/* Linux PTRACE_* -> PPM_PTRACE_* (ppm_flag_helpers.h ptrace_requests_to_scap) */
static __always_inline __u16 ptrace_req_to_ppm(__u64 r) {
	switch(r) {
	case 0: return 1;   case 1: return 2;   case 2: return 3;   case 3: return 4;
	case 4: return 5;   case 5: return 6;   case 6: return 7;   case 7: return 8;
	case 8: return 9;   case 9: return 10;  case 12: return 26; case 13: return 27;
	case 14: return 28; case 15: return 29; case 16: return 11; case 17: return 12;
	case 18: return 30; case 19: return 31; case 21: return 32; case 24: return 13;
	case 25: return 33; case 26: return 34; case 30: return 35; case 31: return 36;
	case 32: return 37; case 33: return 38;
	case 0x4200: return 14; case 0x4201: return 15; case 0x4202: return 16; case 0x4203: return 17;
	case 0x4204: return 18; case 0x4205: return 19; case 0x4206: return 20; case 0x4207: return 21;
	case 0x4208: return 22; case 0x4209: return 23; case 0x420a: return 24; case 0x420b: return 25;
	}
	return 0;
}

/* PT_DYN value: u8 index then the value (PPM_PTRACE_IDX_UINT64 = 0: u64; IDX_SIGTYPE = 1: u8) */
static __always_inline void push_dyn_u64(struct ev *e, __u8 idx, __u64 v) {
	__u8 *o = &e->d[e->pos & EVT_MASK];
	o[0] = idx;
	if(idx == 1) {
		o[1] = (__u8)v;
		e->pos += 2;
		ev_plen(e, 2);
	} else {
		*(__u64 *)&o[1] = v;
		e->pos += 9;
		ev_plen(e, 9);
	}
}

/* ptrace X: res, addr, data, request, pid */
SX(ptrace) {
	struct ev *e = ev_start(PPME_SYSCALL_PTRACE_X, 5);
	if(!e)
		return 0;
	__u64 req = ARG(0);
	push_s64(e, ret);
	push_dyn_u64(e, 0, ARG(2));
	/* CONT, SINGLESTEP, DETACH, SYSCALL, SYSEMU*: data is a signal number */
	bool sig = req == 7 || req == 9 || req == 17 || req == 24 || req == 31 || req == 32;
	push_dyn_u64(e, sig ? 1 : 0, ARG(3));
	push_u16(e, ptrace_req_to_ppm(req));
	push_s64(e, (__s32)ARG(1));
	ev_submit(e, cur_tid());
	return 0;
}

/* init_module X: res, img (snaplen), length, uargs */
SX(init_module) {
	struct ev *e = ev_start(PPME_SYSCALL_INIT_MODULE_X, 4);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_ubuf(e, (void *)ARG(0), ARG(1) < SNAPLEN ? ARG(1) : SNAPLEN, 128);
	push_u64(e, ARG(1));
	push_ustr(e, (void *)ARG(2), 1024);
	ev_submit(e, cur_tid());
	return 0;
}

/* finit_module X: res, fd, uargs, flags (PPM_MODULE_INIT_* equal MODULE_INIT_*) */
SX(finit_module) {
	struct ev *e = ev_start(PPME_SYSCALL_FINIT_MODULE_X, 4);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_ustr(e, (void *)ARG(1), 1024);
	push_u32(e, (__u32)ARG(2) & 7);
	ev_submit(e, cur_tid());
	return 0;
}

/* prctl X: res, option, arg2_str (PR_SET_NAME/PR_GET_NAME), arg2_int */
SX(prctl) {
	struct ev *e = ev_start(PPME_SYSCALL_PRCTL_X, 4);
	if(!e)
		return 0;
	__u32 opt = ARG(0);
	unsigned long a2 = ARG(1);
	push_s64(e, ret);
	push_u32(e, opt); /* PPM_PR_* equal the Linux PR_* values */
	if(opt == 15 || opt == 16) {
		push_ustr(e, (void *)a2, 16);
		push_s64(e, 0);
	} else {
		push_empty(e);
		__s64 v = (__s64)a2;
		if(opt == 37 /* PR_GET_CHILD_SUBREAPER */) {
			__s32 x = 0;
			bpf_probe_read_user(&x, sizeof(x), (void *)a2);
			v = x;
		}
		push_s64(e, v);
	}
	ev_submit(e, cur_tid());
	return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* Receives, more fd creators, process groups, signals, limits, ownership                          */
/* ---------------------------------------------------------------------------------------------- */

#define PPME_SOCKET_RECVFROM_X 35
#define PPME_SOCKET_SHUTDOWN_X 37
#define PPME_SOCKET_SOCKETPAIR_X 43
#define PPME_SOCKET_RECVMSG_X 53
#define PPME_SYSCALL_EVENTFD_X 63
#define PPME_SYSCALL_GETCWD_X 93
#define PPME_SYSCALL_SIGNALFD_X 127
#define PPME_SYSCALL_KILL_X 129
#define PPME_SYSCALL_TGKILL_X 133
#define PPME_SYSCALL_TIMERFD_CREATE_X 137
#define PPME_SYSCALL_INOTIFY_INIT_X 139
#define PPME_SYSCALL_SETRLIMIT_X 143
#define PPME_SYSCALL_PRLIMIT_X 145
#define PPME_SYSCALL_SETSID_X 275
#define PPME_SYSCALL_SETPGID_X 295
#define PPME_SYSCALL_OPEN_BY_HANDLE_AT_X 337
#define PPME_SYSCALL_EPOLL_CREATE_X 375
#define PPME_SYSCALL_EPOLL_CREATE1_X 377
#define PPME_SYSCALL_CHOWN_X 379
#define PPME_SYSCALL_LCHOWN_X 381
#define PPME_SYSCALL_FCHOWN_X 383
#define PPME_SYSCALL_FCHOWNAT_X 385
#define PPME_SYSCALL_INOTIFY_INIT1_X 395
#define PPME_SYSCALL_EVENTFD2_X 397
#define PPME_SYSCALL_SIGNALFD4_X 399
#define PPME_SYSCALL_PIDFD_GETFD_X 407
#define PPME_SYSCALL_PIDFD_OPEN_X 409
#define PPME_SYSCALL_CLOSE_RANGE_X 451

/* O_CLOEXEC/O_NONBLOCK (EFD_*, SFD_*, IN_* share these values) -> PPM_O_* */
static __always_inline __u32 cloexec_nonblock_to_ppm(__u32 f) {
	__u32 r = 0;
	if(f & L_O_CLOEXEC) r |= PPM_O_CLOEXEC;
	if(f & L_O_NONBLOCK) r |= PPM_O_NONBLOCK;
	return r;
}

/* recvfrom X: res, data (snaplen), tuple (source = peer), fd, size */
SX(recvfrom) {
	struct ev *e = ev_start(PPME_SOCKET_RECVFROM_X, 5);
	if(!e)
		return 0;
	__s64 fd = (__s32)ARG(0);
	push_s64(e, ret);
	push_ubuf(e, (void *)ARG(1), ret > 0 ? (ret > SNAPLEN ? SNAPLEN : ret) : 0, 128);
	if(ret >= 0)
		push_sock_tuple(e, fd, false, NULL, 0);
	else
		push_empty(e);
	push_s64(e, fd);
	push_u32(e, (__u32)ARG(2));
	ev_submit(e, cur_tid());
	return 0;
}

/* recvmsg X: res, size, data (first iovec, snaplen), tuple (source = peer), msgcontrol (empty), fd */
SX(recvmsg) {
	struct ev *e = ev_start(PPME_SOCKET_RECVMSG_X, 6);
	if(!e)
		return 0;
	__s64 fd = (__s32)ARG(0);
	struct user_msghdr mh = {};
	bpf_probe_read_user(&mh, sizeof(mh), (void *)ARG(1));
	struct iovec iov0 = {};
	if(mh.msg_iov)
		bpf_probe_read_user(&iov0, sizeof(iov0), mh.msg_iov);
	push_s64(e, ret);
	push_u32(e, ret > 0 ? (__u32)ret : 0);
	__u64 n = ret > 0 ? ret : 0;
	if(n > iov0.iov_len)
		n = iov0.iov_len;
	if(n > SNAPLEN)
		n = SNAPLEN;
	push_ubuf(e, iov0.iov_base, n, 128);
	if(ret >= 0)
		push_sock_tuple(e, fd, false, NULL, 0);
	else
		push_empty(e);
	push_empty(e);
	push_s64(e, fd);
	ev_submit(e, cur_tid());
	return 0;
}

/* shutdown X: res, fd, how (PPM_SHUT_* equal SHUT_*) */
SX(shutdown) {
	struct ev *e = ev_start(PPME_SOCKET_SHUTDOWN_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	__u32 how = ARG(1);
	push_u8(e, how <= 2 ? how : 0xff);
	ev_submit(e, cur_tid());
	return 0;
}

/* socketpair X: res, fd1, fd2, source, peer, domain, type, proto */
SX(socketpair) {
	struct ev *e = ev_start(PPME_SOCKET_SOCKETPAIR_X, 8);
	if(!e)
		return 0;
	__s32 fds[2] = {-1, -1};
	if(ret == 0)
		bpf_probe_read_user(fds, sizeof(fds), (void *)ARG(3));
	struct sock *sk = ret == 0 ? fd_sock(fds[0]) : NULL;
	struct sock *peer = sk ? BPF_CORE_READ((struct unix_sock *)sk, peer) : NULL;
	push_s64(e, ret);
	push_s64(e, fds[0]);
	push_s64(e, fds[1]);
	push_u64(e, (__u64)sk);
	push_u64(e, (__u64)peer);
	push_u32(e, (__u32)ARG(0));
	push_u32(e, (__u32)ARG(1));
	push_u32(e, (__u32)ARG(2));
	ev_submit(e, cur_tid());
	return 0;
}

/* (fd, flags16): inotify_init1 X */
SX(inotify_init1) {
	struct ev *e = ev_start(PPME_SYSCALL_INOTIFY_INIT1_X, 2);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_u16(e, cloexec_nonblock_to_ppm(ARG(0)));
	ev_submit(e, cur_tid());
	return 0;
}

/* inotify_init X: res, flags (u8, 0) */
SX(inotify_init) {
	struct ev *e = ev_start(PPME_SYSCALL_INOTIFY_INIT_X, 2);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_u8(e, 0);
	ev_submit(e, cur_tid());
	return 0;
}

/* eventfd2 X: res, flags, initval */
SX(eventfd2) {
	struct ev *e = ev_start(PPME_SYSCALL_EVENTFD2_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_u16(e, cloexec_nonblock_to_ppm(ARG(1)));
	push_u64(e, (__u32)ARG(0));
	ev_submit(e, cur_tid());
	return 0;
}

/* eventfd X: res, initval, flags (0) */
SX(eventfd) {
	struct ev *e = ev_start(PPME_SYSCALL_EVENTFD_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_u64(e, (__u32)ARG(0));
	push_u32(e, 0);
	ev_submit(e, cur_tid());
	return 0;
}

/* signalfd4 X: res, flags, fd, mask */
SX(signalfd4) {
	struct ev *e = ev_start(PPME_SYSCALL_SIGNALFD4_X, 4);
	if(!e)
		return 0;
	__u32 mask = 0;
	bpf_probe_read_user(&mask, sizeof(mask), (void *)ARG(1));
	push_s64(e, ret);
	push_u16(e, cloexec_nonblock_to_ppm(ARG(3)));
	push_s64(e, (__s32)ARG(0));
	push_u32(e, mask);
	ev_submit(e, cur_tid());
	return 0;
}

/* signalfd X: res, fd, mask, flags (0) */
SX(signalfd) {
	struct ev *e = ev_start(PPME_SYSCALL_SIGNALFD_X, 4);
	if(!e)
		return 0;
	__u32 mask = 0;
	bpf_probe_read_user(&mask, sizeof(mask), (void *)ARG(1));
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_u32(e, mask);
	push_u8(e, 0);
	ev_submit(e, cur_tid());
	return 0;
}

/* timerfd_create X: res, clockid, flags (both u8, as libs) */
SX(timerfd_create) {
	struct ev *e = ev_start(PPME_SYSCALL_TIMERFD_CREATE_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_u8(e, (__u8)ARG(0));
	push_u8(e, (__u8)ARG(1));
	ev_submit(e, cur_tid());
	return 0;
}

/* epoll_create X: res, size */
SX(epoll_create) {
	struct ev *e = ev_start(PPME_SYSCALL_EPOLL_CREATE_X, 2);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_u32(e, (__u32)ARG(0));
	ev_submit(e, cur_tid());
	return 0;
}

/* epoll_create1 X: res, flags (EPOLL_CLOEXEC -> PPM_EPOLL_CLOEXEC) */
SX(epoll_create1) {
	struct ev *e = ev_start(PPME_SYSCALL_EPOLL_CREATE1_X, 2);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_u32(e, ((__u32)ARG(0) & L_O_CLOEXEC) ? 1 : 0);
	ev_submit(e, cur_tid());
	return 0;
}

/* pidfd_open X: fd, pid, flags (PIDFD_NONBLOCK == O_NONBLOCK -> PPM_PIDFD_NONBLOCK) */
SX(pidfd_open) {
	struct ev *e = ev_start(PPME_SYSCALL_PIDFD_OPEN_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_u32(e, ((__u32)ARG(1) & L_O_NONBLOCK) ? 1 : 0);
	ev_submit(e, cur_tid());
	return 0;
}

/* pidfd_getfd X: fd, pid_fd, target_fd, flags */
SX(pidfd_getfd) {
	struct ev *e = ev_start(PPME_SYSCALL_PIDFD_GETFD_X, 4);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_s64(e, (__s32)ARG(1));
	push_u32(e, (__u32)ARG(2));
	ev_submit(e, cur_tid());
	return 0;
}

/* close_range X: res, first, last, flags (PPM_CLOSE_RANGE_* equal the Linux values) */
SX(close_range) {
	struct ev *e = ev_start(PPME_SYSCALL_CLOSE_RANGE_X, 4);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_u32(e, (__u32)ARG(0));
	push_u32(e, (__u32)ARG(1));
	push_u32(e, (__u32)ARG(2) & 6);
	ev_submit(e, cur_tid());
	return 0;
}

/* getcwd X: res, path (the user buffer, valid when res > 0) */
SX(getcwd) {
	struct ev *e = ev_start(PPME_SYSCALL_GETCWD_X, 2);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_ustr(e, ret > 0 ? (void *)ARG(0) : NULL, MAX_PATH_READ);
	ev_submit(e, cur_tid());
	return 0;
}

/* setsid X: res */
SX(setsid) {
	struct ev *e = ev_start(PPME_SYSCALL_SETSID_X, 1);
	if(!e)
		return 0;
	push_s64(e, ret);
	ev_submit(e, cur_tid());
	return 0;
}

/* setpgid X: res, pid, pgid */
SX(setpgid) {
	struct ev *e = ev_start(PPME_SYSCALL_SETPGID_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_s64(e, (__s32)ARG(1));
	ev_submit(e, cur_tid());
	return 0;
}

/* kill X: res, pid, sig */
SX(kill) {
	struct ev *e = ev_start(PPME_SYSCALL_KILL_X, 3);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_u8(e, (__u8)ARG(1));
	ev_submit(e, cur_tid());
	return 0;
}

/* tgkill X: res, pid, tid, sig */
SX(tgkill) {
	struct ev *e = ev_start(PPME_SYSCALL_TGKILL_X, 4);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_s64(e, (__s32)ARG(1));
	push_u8(e, (__u8)ARG(2));
	ev_submit(e, cur_tid());
	return 0;
}

/* setrlimit X: res, cur, max, resource (PPM_RLIMIT_* equal RLIMIT_*) */
SX(setrlimit) {
	struct ev *e = ev_start(PPME_SYSCALL_SETRLIMIT_X, 4);
	if(!e)
		return 0;
	__s64 lim[2] = {-1, -1};
	bpf_probe_read_user(lim, sizeof(lim), (void *)ARG(1));
	__u32 res = ARG(0);
	push_s64(e, ret);
	push_s64(e, lim[0]);
	push_s64(e, lim[1]);
	push_u8(e, res <= 15 ? res : 255);
	ev_submit(e, cur_tid());
	return 0;
}

/* prlimit64 X: res, newcur, newmax, oldcur, oldmax, pid, resource */
SX(prlimit) {
	struct ev *e = ev_start(PPME_SYSCALL_PRLIMIT_X, 7);
	if(!e)
		return 0;
	__s64 nl[2] = {-1, -1}, ol[2] = {-1, -1};
	if(ARG(2))
		bpf_probe_read_user(nl, sizeof(nl), (void *)ARG(2));
	if(ret == 0 && ARG(3))
		bpf_probe_read_user(ol, sizeof(ol), (void *)ARG(3));
	__u32 res = ARG(1);
	push_s64(e, ret);
	push_s64(e, nl[0]);
	push_s64(e, nl[1]);
	push_s64(e, ol[0]);
	push_s64(e, ol[1]);
	push_s64(e, (__s32)ARG(0));
	push_u8(e, res <= 15 ? res : 255);
	ev_submit(e, cur_tid());
	return 0;
}

/* chown/lchown X: res, path, uid, gid */
static __always_inline int emit_chown(__u16 type, struct pt_regs *regs, long ret) {
	struct ev *e = ev_start(type, 4);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_ustr(e, (void *)ARG(0), MAX_PATH_READ);
	push_u32(e, (__u32)ARG(1));
	push_u32(e, (__u32)ARG(2));
	ev_submit(e, cur_tid());
	return 0;
}

SX(chown) {
	return emit_chown(PPME_SYSCALL_CHOWN_X, regs, ret);
}

SX(lchown) {
	return emit_chown(PPME_SYSCALL_LCHOWN_X, regs, ret);
}

/* fchown X: res, fd, uid, gid */
SX(fchown) {
	struct ev *e = ev_start(PPME_SYSCALL_FCHOWN_X, 4);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_u32(e, (__u32)ARG(1));
	push_u32(e, (__u32)ARG(2));
	ev_submit(e, cur_tid());
	return 0;
}

/* fchownat X: res, dirfd, pathname, uid, gid, flags (AT_SYMLINK_NOFOLLOW/AT_EMPTY_PATH as Linux) */
SX(fchownat) {
	struct ev *e = ev_start(PPME_SYSCALL_FCHOWNAT_X, 6);
	if(!e)
		return 0;
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_ustr(e, (void *)ARG(1), MAX_PATH_READ);
	push_u32(e, (__u32)ARG(2));
	push_u32(e, (__u32)ARG(3));
	push_u32(e, (__u32)ARG(4) & 0x1100);
	ev_submit(e, cur_tid());
	return 0;
}

/* open_by_handle_at X: fd, mountfd, flags, path (of the opened file), dev, ino */
SX(open_by_handle_at) {
	struct ev *e = ev_start(PPME_SYSCALL_OPEN_BY_HANDLE_AT_X, 6);
	if(!e)
		return 0;
	__u32 fl = ARG(2), dev;
	__u64 ino;
	__u32 extra;
	fd_dev_ino(ret, &dev, &ino, &extra);
	push_s64(e, ret);
	push_s64(e, (__s32)ARG(0));
	push_u32(e, open_flags_to_ppm(fl));
	push_file_path(e, ret >= 0 ? task_fd_file(bpf_get_current_task_btf(), ret) : NULL);
	push_u32(e, dev);
	push_u64(e, ino);
	ev_submit(e, cur_tid());
	return 0;
}
