/* Dispatch-table entries of the fillers in probe_more.bpf.h: X(x86-64 syscall nr, name). */
#define SX_LIST_MORE(X)                                                                           \
	X(22, pipe) X(32, dup) X(33, dup2) X(41, socket) X(42, connect) X(43, accept) X(44, sendto)  \
	X(46, sendmsg) X(49, bind) X(50, listen) X(72, fcntl) X(82, rename) X(83, mkdir)             \
	X(84, rmdir) X(86, link) X(87, unlink) X(88, symlink) X(90, chmod) X(91, fchmod)             \
	X(101, ptrace) X(105, setuid) X(106, setgid) X(113, setreuid) X(114, setregid)                \
	X(117, setresuid) X(119, setresgid) X(126, capset) X(157, prctl) X(161, chroot)               \
	X(175, init_module) X(258, mkdirat) X(263, unlinkat) X(264, renameat) X(265, linkat)         \
	X(266, symlinkat) X(268, fchmodat) X(272, unshare) X(288, accept4) X(292, dup3)              \
	X(293, pipe2) X(308, setns) X(313, finit_module) X(316, renameat2) X(319, memfd_create)      \
	X(321, bpf) X(323, userfaultfd) X(45, recvfrom) X(47, recvmsg) X(48, shutdown)              \
	X(53, socketpair) X(62, kill) X(79, getcwd) X(92, chown) X(93, fchown) X(94, lchown)          \
	X(109, setpgid) X(112, setsid) X(160, setrlimit) X(213, epoll_create) X(234, tgkill)          \
	X(253, inotify_init) X(260, fchownat) X(282, signalfd) X(283, timerfd_create)                 \
	X(284, eventfd) X(289, signalfd4) X(290, eventfd2) X(291, epoll_create1)                      \
	X(294, inotify_init1) X(302, prlimit) X(304, open_by_handle_at) X(434, pidfd_open)            \
	X(436, close_range) X(438, pidfd_getfd)
