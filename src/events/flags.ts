/**
 * PPM flag/enum name tables and their rendering, as libsinsp prints event parameters.
 *
 * Tables: name → value pairs in the exact order of falcosecurity/libs driver/flags_table.c
 * (libs 0.25.4; values resolved from driver/ppm_events_public.h). The order matters: libsinsp walks
 * a table front to back when rendering (userspace/libsinsp/event.cpp, sinsp_evt::get_param_as_str,
 * cases PT_FLAGS*, PT_ENUMFLAGS*, PT_MODE). Also the errno, signal and capability name tables of
 * userspace/libsinsp/utils.cpp (errno_to_str, signal_to_str, caps_to_string).
 */

/** One flag table: [name, value] pairs in libs order. */
export type FlagTable = readonly (readonly [string, number])[];

/** Every ppm_name_value table of driver/flags_table.c, by its C name (the event table's param `info`). */
export const FLAG_TABLES: Readonly<Record<string, FlagTable>> = {
  socket_families: [["AF_NFC", 39], ["AF_ALG", 38], ["AF_CAIF", 37], ["AF_IEEE802154", 36], ["AF_PHONET", 35], ["AF_ISDN", 34], ["AF_RXRPC", 33], ["AF_IUCV", 32], ["AF_BLUETOOTH", 31], ["AF_TIPC", 30], ["AF_CAN", 29], ["AF_LLC", 26], ["AF_WANPIPE", 25], ["AF_PPPOX", 24], ["AF_IRDA", 23], ["AF_SNA", 22], ["AF_RDS", 21], ["AF_ATMSVC", 20], ["AF_ECONET", 19], ["AF_ASH", 18], ["AF_PACKET", 17], ["AF_ROUTE", 16], ["AF_NETLINK", 16], ["AF_KEY", 15], ["AF_SECURITY", 14], ["AF_NETBEUI", 13], ["AF_DECnet", 12], ["AF_ROSE", 11], ["AF_INET6", 10], ["AF_X25", 9], ["AF_ATMPVC", 8], ["AF_BRIDGE", 7], ["AF_NETROM", 6], ["AF_APPLETALK", 5], ["AF_IPX", 4], ["AF_AX25", 3], ["AF_INET", 2], ["AF_LOCAL", 1], ["AF_UNIX", 1], ["AF_UNSPEC", 0]],
  file_flags: [["O_LARGEFILE", 2048], ["O_DIRECTORY", 1024], ["O_DIRECT", 512], ["O_TRUNC", 256], ["O_SYNC", 128], ["O_NONBLOCK", 64], ["O_EXCL", 32], ["O_DSYNC", 16], ["O_APPEND", 8], ["O_CREAT", 4], ["O_RDWR", 3], ["O_WRONLY", 2], ["O_RDONLY", 1], ["O_CLOEXEC", 4096], ["O_NONE", 0], ["O_TMPFILE", 8192], ["O_F_CREATED", 16384], ["FD_UPPER_LAYER", 32768], ["FD_LOWER_LAYER", 65536]],
  creat_flags: [["FD_UPPER_LAYER_CREAT", 1], ["FD_LOWER_LAYER_CREAT", 2]],
  flock_flags: [["LOCK_SH", 1], ["LOCK_EX", 2], ["LOCK_NB", 4], ["LOCK_UN", 8], ["LOCK_NONE", 0]],
  clone_flags: [["CLONE_FILES", 1], ["CLONE_FS", 2], ["CLONE_IO", 4], ["CLONE_NEWIPC", 8], ["CLONE_NEWNET", 16], ["CLONE_NEWNS", 32], ["CLONE_NEWPID", 64], ["CLONE_NEWUTS", 128], ["CLONE_PARENT", 256], ["CLONE_PARENT_SETTID", 512], ["CLONE_PTRACE", 1024], ["CLONE_SIGHAND", 2048], ["CLONE_SYSVSEM", 4096], ["CLONE_THREAD", 8192], ["CLONE_UNTRACED", 16384], ["CLONE_VM", 32768], ["CLONE_INVERTED", 65536], ["NAME_CHANGED", 131072], ["CLOSED", 262144], ["CLONE_NEWUSER", 1048576], ["CLONE_CHILD_CLEARTID", 8388608], ["CLONE_CHILD_SETTID", 16777216], ["CLONE_SETTLS", 33554432], ["CLONE_STOPPED", 67108864], ["CLONE_VFORK", 134217728], ["CLONE_NEWCGROUP", 268435456], ["CLONE_CHILD_IN_PIDNS", 536870912]],
  futex_operations: [["FUTEX_CLOCK_REALTIME", 256], ["FUTEX_PRIVATE_FLAG", 128], ["FUTEX_CMP_REQUEUE_PI", 12], ["FUTEX_WAIT_REQUEUE_PI", 11], ["FUTEX_WAKE_BITSET", 10], ["FUTEX_WAIT_BITSET", 9], ["FUTEX_TRYLOCK_PI", 8], ["FUTEX_UNLOCK_PI", 7], ["FUTEX_LOCK_PI", 6], ["FUTEX_WAKE_OP", 5], ["FUTEX_CMP_REQUEUE", 4], ["FUTEX_REQUEUE", 3], ["FUTEX_FD", 2], ["FUTEX_WAKE", 1], ["FUTEX_WAIT", 0]],
  poll_flags: [["POLLIN", 1], ["POLLPRI", 2], ["POLLOUT", 4], ["POLLRDHUP", 8], ["POLLERR", 16], ["POLLHUP", 32], ["POLLNVAL", 64], ["POLLRDNORM", 128], ["POLLRDBAND", 256], ["POLLWRNORM", 512], ["POLLWRBAND", 1024]],
  mount_flags: [["RDONLY", 1], ["NOSUID", 2], ["NODEV", 4], ["NOEXEC", 8], ["SYNCHRONOUS", 16], ["REMOUNT", 32], ["MANDLOCK", 64], ["DIRSYNC", 128], ["NOATIME", 1024], ["NODIRATIME", 2048], ["BIND", 4096], ["MOVE", 8192], ["REC", 16384], ["SILENT", 32768], ["POSIXACL", 65536], ["UNBINDABLE", 131072], ["PRIVATE", 262144], ["SLAVE", 524288], ["SHARED", 1048576], ["RELATIME", 2097152], ["KERNMOUNT", 4194304], ["I_VERSION", 8388608], ["STRICTATIME", 16777216], ["LAZYTIME", 33554432], ["NOSEC", 268435456], ["BORN", 536870912], ["ACTIVE", 1073741824], ["NOUSER", 2147483648]],
  umount_flags: [["FORCE", 1], ["DETACH", 2], ["EXPIRE", 4], ["NOFOLLOW", 8]],
  lseek_whence: [["SEEK_END", 2], ["SEEK_CUR", 1], ["SEEK_SET", 0]],
  shutdown_how: [["SHUT_UNKNOWN", 65535], ["SHUT_RDWR", 2], ["SHUT_WR", 1], ["SHUT_RD", 0]],
  rlimit_resources: [["RLIMIT_UNKNOWN", 255], ["RLIMIT_RTTIME", 15], ["RLIMIT_RTPRIO", 14], ["RLIMIT_NICE", 13], ["RLIMIT_MSGQUEUE", 12], ["RLIMIT_SIGPENDING", 11], ["RLIMIT_LOCKS", 10], ["RLIMIT_AS", 9], ["RLIMIT_MEMLOCK", 8], ["RLIMIT_NOFILE", 7], ["RLIMIT_NPROC", 6], ["RLIMIT_RSS", 5], ["RLIMIT_CORE", 4], ["RLIMIT_STACK", 3], ["RLIMIT_DATA", 2], ["RLIMIT_FSIZE", 1], ["RLIMIT_CPU", 0]],
  fcntl_commands: [["F_GETPIPE_SZ", 29], ["F_SETPIPE_SZ", 28], ["F_NOTIFY", 27], ["F_DUPFD_CLOEXEC", 26], ["F_CANCELLK", 25], ["F_GETLEASE", 24], ["F_SETLEASE", 23], ["F_GETOWN_EX", 22], ["F_SETOWN_EX", 21], ["F_SETLKW64", 19], ["F_SETLK64", 18], ["F_GETLK64", 17], ["F_GETSIG", 15], ["F_SETSIG", 13], ["F_GETOWN", 12], ["F_SETOWN", 10], ["F_SETLKW", 9], ["F_SETLK", 8], ["F_GETLK", 6], ["F_SETFL", 5], ["F_GETFL", 4], ["F_SETFD", 3], ["F_GETFD", 2], ["F_DUPFD", 1], ["F_OFD_GETLK", 30], ["F_OFD_SETLK", 31], ["F_OFD_SETLKW", 32], ["UNKNOWN", 0]],
  sockopt_levels: [["SOL_SOCKET", 1], ["SOL_TCP", 2], ["UNKNOWN", 0]],
  sockopt_options: [["SO_COOKIE", 53], ["SO_MEMINFO", 52], ["SO_PEERGROUPS", 51], ["SO_ATTACH_BPF", 50], ["SO_INCOMING_CPU", 49], ["SO_BPF_EXTENSIONS", 48], ["SO_MAX_PACING_RATE", 47], ["SO_BUSY_POLL", 46], ["SO_SELECT_ERR_QUEUE", 45], ["SO_LOCK_FILTER", 44], ["SO_NOFCS", 43], ["SO_PEEK_OFF", 42], ["SO_WIFI_STATUS", 41], ["SO_RXQ_OVFL", 40], ["SO_DOMAIN", 39], ["SO_PROTOCOL", 38], ["SO_TIMESTAMPING", 37], ["SO_MARK", 36], ["SO_TIMESTAMPNS", 35], ["SO_PASSSEC", 34], ["SO_PEERSEC", 31], ["SO_ACCEPTCONN", 30], ["SO_TIMESTAMP", 29], ["SO_PEERNAME", 28], ["SO_DETACH_FILTER", 27], ["SO_ATTACH_FILTER", 26], ["SO_BINDTODEVICE", 25], ["SO_SECURITY_ENCRYPTION_NETWORK", 24], ["SO_SECURITY_ENCRYPTION_TRANSPORT", 23], ["SO_SECURITY_AUTHENTICATION", 22], ["SO_SNDTIMEO", 21], ["SO_RCVTIMEO", 20], ["SO_SNDLOWAT", 19], ["SO_RCVLOWAT", 18], ["SO_PEERCRED", 17], ["SO_PASSCRED", 16], ["SO_REUSEPORT", 15], ["SO_BSDCOMPAT", 14], ["SO_LINGER", 13], ["SO_PRIORITY", 12], ["SO_NO_CHECK", 11], ["SO_OOBINLINE", 10], ["SO_KEEPALIVE", 9], ["SO_RCVBUFFORCE", 33], ["SO_SNDBUFFORCE", 32], ["SO_RCVBUF", 8], ["SO_SNDBUF", 7], ["SO_BROADCAST", 6], ["SO_DONTROUTE", 5], ["SO_ERROR", 4], ["SO_TYPE", 3], ["SO_REUSEADDR", 2], ["SO_DEBUG", 1], ["UNKNOWN", 0]],
  ptrace_requests: [["PTRACE_SINGLEBLOCK", 38], ["PTRACE_SYSEMU_SINGLESTEP", 37], ["PTRACE_SYSEMU", 36], ["PTRACE_ARCH_PRCTL", 35], ["PTRACE_SET_THREAD_AREA", 34], ["PTRACE_GET_THREAD_AREA", 33], ["PTRACE_OLDSETOPTIONS", 32], ["PTRACE_SETFPXREGS", 31], ["PTRACE_GETFPXREGS", 30], ["PTRACE_SETFPREGS", 29], ["PTRACE_GETFPREGS", 28], ["PTRACE_SETREGS", 27], ["PTRACE_GETREGS", 26], ["PTRACE_SETSIGMASK", 25], ["PTRACE_GETSIGMASK", 24], ["PTRACE_PEEKSIGINFO", 23], ["PTRACE_LISTEN", 22], ["PTRACE_INTERRUPT", 21], ["PTRACE_SEIZE", 20], ["PTRACE_SETREGSET", 19], ["PTRACE_GETREGSET", 18], ["PTRACE_SETSIGINFO", 17], ["PTRACE_GETSIGINFO", 16], ["PTRACE_GETEVENTMSG", 15], ["PTRACE_SETOPTIONS", 14], ["PTRACE_SYSCALL", 13], ["PTRACE_DETACH", 12], ["PTRACE_ATTACH", 11], ["PTRACE_SINGLESTEP", 10], ["PTRACE_KILL", 9], ["PTRACE_CONT", 8], ["PTRACE_POKEUSR", 7], ["PTRACE_POKEDATA", 6], ["PTRACE_POKETEXT", 5], ["PTRACE_PEEKUSR", 4], ["PTRACE_PEEKDATA", 3], ["PTRACE_PEEKTEXT", 2], ["PTRACE_TRACEME", 1], ["PTRACE_UNKNOWN", 0]],
  prot_flags: [["PROT_READ", 1], ["PROT_WRITE", 2], ["PROT_EXEC", 4], ["PROT_SEM", 8], ["PROT_GROWSDOWN", 16], ["PROT_GROWSUP", 32], ["PROT_SAO", 64], ["PROT_NONE", 0]],
  mmap_flags: [["MAP_SHARED", 1], ["MAP_PRIVATE", 2], ["MAP_FIXED", 4], ["MAP_ANONYMOUS", 8], ["MAP_32BIT", 16], ["MAP_RENAME", 32], ["MAP_NORESERVE", 64], ["MAP_POPULATE", 128], ["MAP_NONBLOCK", 256], ["MAP_GROWSDOWN", 512], ["MAP_DENYWRITE", 1024], ["MAP_EXECUTABLE", 2048], ["MAP_INHERIT", 4096], ["MAP_FILE", 8192], ["MAP_LOCKED", 16384]],
  splice_flags: [["SPLICE_F_MOVE", 1], ["SPLICE_F_NONBLOCK", 2], ["SPLICE_F_MORE", 4], ["SPLICE_F_GIFT", 8]],
  quotactl_dqi_flags: [["DQF_NONE", 1], ["V1_DQF_RSQUASH", 2]],
  quotactl_cmds: [["Q_QUOTAON", 1], ["Q_QUOTAOFF", 2], ["Q_GETFMT", 4], ["Q_GETINFO", 8], ["Q_SETINFO", 16], ["Q_GETQUOTA", 32], ["Q_SETQUOTA", 64], ["Q_SYNC", 128], ["Q_XQUOTAON", 256], ["Q_XQUOTAOFF", 512], ["Q_XGETQUOTA", 1024], ["Q_XSETQLIM", 2048], ["Q_XGETQSTAT", 4096], ["Q_XQUOTARM", 8192], ["Q_XQUOTASYNC", 16384]],
  quotactl_types: [["USRQUOTA", 1], ["GRPQUOTA", 2]],
  quotactl_quota_fmts: [["QFMT_NOT_USED", 1], ["QFMT_VFS_OLD", 2], ["QFMT_VFS_V0", 4], ["QFMT_VFS_V1", 8]],
  semop_flags: [["IPC_NOWAIT", 1], ["SEM_UNDO", 2]],
  semget_flags: [["IPC_EXCL", 16384], ["IPC_CREAT", 8192]],
  semctl_commands: [["IPC_STAT", 1], ["IPC_SET", 2], ["IPC_RMID", 4], ["IPC_INFO", 8], ["SEM_INFO", 16], ["SEM_STAT", 32], ["GETALL", 64], ["GETNCNT", 128], ["GETPID", 256], ["GETVAL", 512], ["GETZCNT", 1024], ["SETALL", 2048], ["SETVAL", 4096]],
  access_flags: [["F_OK", 0], ["R_OK", 4], ["W_OK", 2], ["X_OK", 1]],
  pf_flags: [["PROTECTION_VIOLATION", 1], ["PAGE_NOT_PRESENT", 2], ["WRITE_ACCESS", 4], ["READ_ACCESS", 8], ["USER_FAULT", 16], ["SUPERVISOR_FAULT", 32], ["RESERVED_PAGE", 64], ["INSTRUCTION_FETCH", 128]],
  unlinkat_flags: [["AT_REMOVEDIR", 512]],
  linkat_flags: [["AT_SYMLINK_FOLLOW", 1024], ["AT_EMPTY_PATH", 4096]],
  newfstatat_flags: [["AT_EMPTY_PATH", 4096], ["AT_NO_AUTOMOUNT", 2048], ["AT_SYMLINK_NOFOLLOW", 256]],
  chmod_mode: [["S_IXOTH", 1], ["S_IWOTH", 2], ["S_IROTH", 4], ["S_IXGRP", 8], ["S_IWGRP", 16], ["S_IRGRP", 32], ["S_IXUSR", 64], ["S_IWUSR", 128], ["S_IRUSR", 256], ["S_ISVTX", 512], ["S_ISGID", 1024], ["S_ISUID", 2048]],
  fchownat_flags: [["AT_SYMLINK_NOFOLLOW", 1024], ["AT_EMPTY_PATH", 4096]],
  renameat2_flags: [["RENAME_NOREPLACE", 1], ["RENAME_EXCHANGE", 2], ["RENAME_WHITEOUT", 4]],
  openat2_flags: [["RESOLVE_BENEATH", 1], ["RESOLVE_IN_ROOT", 2], ["RESOLVE_NO_MAGICLINKS", 4], ["RESOLVE_NO_SYMLINKS", 8], ["RESOLVE_NO_XDEV", 16], ["RESOLVE_CACHED", 32]],
  execve_flags: [["EXE_WRITABLE", 1], ["EXE_UPPER_LAYER", 2], ["EXE_FROM_MEMFD", 4], ["EXE_LOWER_LAYER", 8]],
  execveat_flags: [["AT_EMPTY_PATH", 1], ["AT_SYMLINK_NOFOLLOW", 2]],
  io_uring_setup_flags: [["IORING_SETUP_IOPOLL", 1], ["IORING_SETUP_SQPOLL", 2], ["IORING_SQ_NEED_WAKEUP", 4], ["IORING_SETUP_SQ_AFF", 8], ["IORING_SETUP_CQSIZE", 16], ["IORING_SETUP_CLAMP", 32], ["IORING_SETUP_ATTACH_RW", 64], ["IORING_SETUP_R_DISABLED", 128]],
  io_uring_setup_feats: [["IORING_FEAT_SINGLE_MMAP", 1], ["IORING_FEAT_NODROP", 2], ["IORING_FEAT_SUBMIT_STABLE", 4], ["IORING_FEAT_RW_CUR_POS", 8], ["IORING_FEAT_CUR_PERSONALITY", 16], ["IORING_FEAT_FAST_POLL", 32], ["IORING_FEAT_POLL_32BITS", 64], ["IORING_FEAT_SQPOLL_NONFIXED", 128], ["IORING_FEAT_ENTER_EXT_ARG", 256], ["IORING_FEAT_NATIVE_WORKERS", 512], ["IORING_FEAT_RSRC_TAGS", 1024]],
  io_uring_enter_flags: [["IORING_ENTER_GETEVENTS", 1], ["IORING_ENTER_SQ_WAKEUP", 2], ["IORING_ENTER_SQ_WAIT", 4], ["IORING_ENTER_EXT_ARG", 8]],
  io_uring_register_opcodes: [["IORING_REGISTER_BUFFERS", 0], ["IORING_UNREGISTER_BUFFERS", 1], ["IORING_REGISTER_FILES", 2], ["IORING_UNREGISTER_FILES", 3], ["IORING_REGISTER_EVENTFD", 4], ["IORING_UNREGISTER_EVENTFD", 5], ["IORING_REGISTER_FILES_UPDATE", 6], ["IORING_REGISTER_EVENTFD_ASYNC", 7], ["IORING_REGISTER_PROBE", 8], ["IORING_REGISTER_PERSONALITY", 9], ["IORING_UNREGISTER_PERSONALITY", 10], ["IORING_REGISTER_RESTRICTIONS", 11], ["IORING_REGISTER_ENABLE_RINGS", 12], ["IORING_REGISTER_FILES2", 13], ["IORING_REGISTER_FILES_UPDATE2", 14], ["IORING_REGISTER_BUFFERS2", 15], ["IORING_REGISTER_BUFFERS_UPDATE", 16], ["IORING_REGISTER_IOWQ_AFF", 17], ["IORING_UNREGISTER_IOWQ_AFF", 18], ["IORING_REGISTER_IOWQ_MAX_WORKERS", 19], ["IORING_REGISTER_RING_FDS", 20], ["IORING_UNREGISTER_RING_FDS", 21]],
  mlockall_flags: [["MCL_CURRENT", 1], ["MCL_FUTURE", 2], ["MCL_ONFAULT", 4]],
  mlock2_flags: [["MLOCK_ONFAULT", 1]],
  fsconfig_cmds: [["FSCONFIG_SET_FLAG", 0], ["FSCONFIG_SET_STRING", 1], ["FSCONFIG_SET_BINARY", 2], ["FSCONFIG_SET_PATH", 3], ["FSCONFIG_SET_PATH_EMPTY", 4], ["FSCONFIG_SET_FD", 5], ["FSCONFIG_CMD_CREATE", 6], ["FSCONFIG_CMD_RECONFIGURE", 7]],
  epoll_create1_flags: [["EPOLL_CLOEXEC", 1]],
  prctl_options: [["PR_GET_DUMPABLE", 3], ["PR_SET_DUMPABLE", 4], ["PR_GET_KEEPCAPS", 7], ["PR_SET_KEEPCAPS", 8], ["PR_SET_NAME", 15], ["PR_GET_NAME", 16], ["PR_GET_SECCOMP", 21], ["PR_SET_SECCOMP", 22], ["PR_CAPBSET_READ", 23], ["PR_CAPBSET_DROP", 24], ["PR_GET_SECUREBITS", 27], ["PR_SET_SECUREBITS", 28], ["PR_MCE_KILL", 33], ["PR_MCE_KILL", 33], ["PR_SET_MM", 35], ["PR_SET_CHILD_SUBREAPER", 36], ["PR_GET_CHILD_SUBREAPER", 37], ["PR_SET_NO_NEW_PRIVS", 38], ["PR_GET_NO_NEW_PRIVS", 39], ["PR_GET_TID_ADDRESS", 40], ["PR_SET_THP_DISABLE", 41], ["PR_GET_THP_DISABLE", 42], ["PR_CAP_AMBIENT", 47]],
  keyctl_operations: [["KEYCTL_GET_KEYRING_ID", 0], ["KEYCTL_JOIN_SESSION_KEYRING", 1], ["KEYCTL_UPDATE", 2], ["KEYCTL_REVOKE", 3], ["KEYCTL_CHOWN", 4], ["KEYCTL_SETPERM", 5], ["KEYCTL_DESCRIBE", 6], ["KEYCTL_CLEAR", 7], ["KEYCTL_LINK", 8], ["KEYCTL_UNLINK", 9], ["KEYCTL_SEARCH", 10], ["KEYCTL_READ", 11], ["KEYCTL_INSTANTIATE", 12], ["KEYCTL_NEGATE", 13], ["KEYCTL_SET_REQKEY_KEYRING", 14], ["KEYCTL_SET_TIMEOUT", 15], ["KEYCTL_ASSUME_AUTHORITY", 16], ["KEYCTL_GET_SECURITY", 17], ["KEYCTL_SESSION_TO_PARENT", 18], ["KEYCTL_REJECT", 19], ["KEYCTL_INSTANTIATE_IOV", 20], ["KEYCTL_INVALIDATE", 21], ["KEYCTL_GET_PERSISTENT", 22], ["KEYCTL_DH_COMPUTE", 23], ["KEYCTL_PKEY_QUERY", 24], ["KEYCTL_PKEY_ENCRYPT", 25], ["KEYCTL_PKEY_DECRYPT", 26], ["KEYCTL_PKEY_SIGN", 27], ["KEYCTL_PKEY_VERIFY", 28], ["KEYCTL_RESTRICT_KEYRING", 29], ["KEYCTL_MOVE", 30], ["KEYCTL_CAPABILITIES", 31], ["KEYCTL_WATCH_KEY", 32]],
  memfd_create_flags: [["MFD_CLOEXEC", 1], ["MFD_ALLOW_SEALING", 2], ["MFD_HUGETLB", 4]],
  pidfd_open_flags: [["PIDFD_NONBLOCK", 1]],
  mknod_mode: [["S_IXOTH", 1], ["S_IWOTH", 2], ["S_IROTH", 4], ["S_IXGRP", 8], ["S_IWGRP", 16], ["S_IRGRP", 32], ["S_IXUSR", 64], ["S_IWUSR", 128], ["S_IRUSR", 256], ["S_ISVTX", 512], ["S_ISGID", 1024], ["S_ISUID", 2048], ["S_IFREG", 32768], ["S_IFCHR", 8192], ["S_IFBLK", 24576], ["S_IFIFO", 4096], ["S_IFSOCK", 49152]],
  bpf_commands: [["BPF_MAP_CREATE", 0], ["BPF_MAP_LOOKUP_ELEM", 1], ["BPF_MAP_UPDATE_ELEM", 2], ["BPF_MAP_DELETE_ELEM", 3], ["BPF_MAP_GET_NEXT_KEY", 4], ["BPF_PROG_LOAD", 5], ["BPF_OBJ_PIN", 6], ["BPF_OBJ_GET", 7], ["BPF_PROG_ATTACH", 8], ["BPF_PROG_DETACH", 9], ["BPF_PROG_TEST_RUN", 10], ["BPF_PROG_RUN", 10], ["BPF_PROG_GET_NEXT_ID", 11], ["BPF_MAP_GET_NEXT_ID", 12], ["BPF_PROG_GET_FD_BY_ID", 13], ["BPF_MAP_GET_FD_BY_ID", 14], ["BPF_OBJ_GET_INFO_BY_FD", 15], ["BPF_PROG_QUERY", 16], ["BPF_RAW_TRACEPOINT_OPEN", 17], ["BPF_BTF_LOAD", 18], ["BPF_BTF_GET_FD_BY_ID", 19], ["BPF_TASK_FD_QUERY", 20], ["BPF_MAP_LOOKUP_AND_DELETE_ELEM", 21], ["BPF_MAP_FREEZE", 22], ["BPF_BTF_GET_NEXT_ID", 23], ["BPF_MAP_LOOKUP_BATCH", 24], ["BPF_MAP_LOOKUP_AND_DELETE_BATCH", 25], ["BPF_MAP_UPDATE_BATCH", 26], ["BPF_MAP_DELETE_BATCH", 27], ["BPF_LINK_CREATE", 28], ["BPF_LINK_UPDATE", 29], ["BPF_LINK_GET_FD_BY_ID", 30], ["BPF_LINK_GET_NEXT_ID", 31], ["BPF_ENABLE_STATS", 32], ["BPF_ITER_CREATE", 33], ["BPF_LINK_DETACH", 34], ["BPF_PROG_BIND_MAP", 35]],
  delete_module_flags: [["O_NONBLOCK", 2], ["O_TRUNC", 1]],
  close_range_flags: [["CLOSE_RANGE_UNSHARE", 2], ["CLOSE_RANGE_CLOEXEC", 4]],
  finit_module_flags: [["MODULE_INIT_IGNORE_MODVERSIONS", 1], ["MODULE_INIT_IGNORE_VERMAGIC", 2], ["MODULE_INIT_COMPRESSED_FILE", 4]],
  anon_inode_fd_types: [["ANON_INODE_FD_TYPE_UNKNOWN", 0], ["ANON_INODE_FD_TYPE_EVENTFD", 1], ["ANON_INODE_FD_TYPE_EVENTPOLL", 2], ["ANON_INODE_FD_TYPE_INOTIFY", 3], ["ANON_INODE_FD_TYPE_SIGNALFD", 4], ["ANON_INODE_FD_TYPE_TIMERFD", 5], ["ANON_INODE_FD_TYPE_IO_URING", 6], ["ANON_INODE_FD_TYPE_USERFAULTFD", 7], ["ANON_INODE_FD_TYPE_PIDFD", 8], ["ANON_INODE_FD_TYPE_BPF_MAP", 9], ["ANON_INODE_FD_TYPE_BPF_PROG", 10], ["ANON_INODE_FD_TYPE_BPF_LINK", 11], ["ANON_INODE_FD_TYPE_BPF_ITER", 12], ["ANON_INODE_FD_TYPE_PERF_EVENT", 13]],
};

/** errno names by positive errno value (libsinsp sinsp_utils::errno_to_str; negated codes map here). */
export const ERRNO_NAMES: ReadonlyMap<number, string> = new Map<number, string>([[1, "EPERM"], [2, "ENOENT"], [3, "ESRCH"], [4, "EINTR"], [5, "EIO"], [6, "ENXIO"], [7, "E2BIG"], [8, "ENOEXEC"], [9, "EBADF"], [10, "ECHILD"], [11, "EAGAIN"], [12, "ENOMEM"], [13, "EACCES"], [14, "EFAULT"], [15, "ENOTBLK"], [16, "EBUSY"], [17, "EEXIST"], [18, "EXDEV"], [19, "ENODEV"], [20, "ENOTDIR"], [21, "EISDIR"], [22, "EINVAL"], [23, "ENFILE"], [24, "EMFILE"], [25, "ENOTTY"], [26, "ETXTBSY"], [27, "EFBIG"], [28, "ENOSPC"], [29, "ESPIPE"], [30, "EROFS"], [31, "EMLINK"], [32, "EPIPE"], [33, "EDOM"], [34, "ERANGE"], [35, "EDEADLK"], [36, "ENAMETOOLONG"], [37, "ENOLCK"], [38, "ENOSYS"], [39, "ENOTEMPTY"], [40, "ELOOP"], [42, "ENOMSG"], [43, "EIDRM"], [44, "ECHRNG"], [45, "EL2NSYNC"], [46, "EL3HLT"], [47, "EL3RST"], [48, "ELNRNG"], [49, "EUNATCH"], [50, "ENOCSI"], [51, "EL2HLT"], [52, "EBADE"], [53, "EBADR"], [54, "EXFULL"], [55, "ENOANO"], [56, "EBADRQC"], [57, "EBADSLT"], [59, "EBFONT"], [60, "ENOSTR"], [61, "ENODATA"], [62, "ETIME"], [63, "ENOSR"], [64, "ENONET"], [65, "ENOPKG"], [66, "EREMOTE"], [67, "ENOLINK"], [68, "EADV"], [69, "ESRMNT"], [70, "ECOMM"], [71, "EPROTO"], [72, "EMULTIHOP"], [73, "EDOTDOT"], [74, "EBADMSG"], [75, "EOVERFLOW"], [76, "ENOTUNIQ"], [77, "EBADFD"], [78, "EREMCHG"], [79, "ELIBACC"], [80, "ELIBBAD"], [81, "ELIBSCN"], [82, "ELIBMAX"], [83, "ELIBEXEC"], [84, "EILSEQ"], [85, "ERESTART"], [86, "ESTRPIPE"], [87, "EUSERS"], [88, "ENOTSOCK"], [89, "EDESTADDRREQ"], [90, "EMSGSIZE"], [91, "EPROTOTYPE"], [92, "ENOPROTOOPT"], [93, "EPROTONOSUPPORT"], [94, "ESOCKTNOSUPPORT"], [95, "EOPNOTSUPP"], [96, "EPFNOSUPPORT"], [97, "EAFNOSUPPORT"], [98, "EADDRINUSE"], [99, "EADDRNOTAVAIL"], [100, "ENETDOWN"], [101, "ENETUNREACH"], [102, "ENETRESET"], [103, "ECONNABORTED"], [104, "ECONNRESET"], [105, "ENOBUFS"], [106, "EISCONN"], [107, "ENOTCONN"], [108, "ESHUTDOWN"], [109, "ETOOMANYREFS"], [110, "ETIMEDOUT"], [111, "ECONNREFUSED"], [112, "EHOSTDOWN"], [113, "EHOSTUNREACH"], [114, "EALREADY"], [115, "EINPROGRESS"], [116, "ESTALE"], [117, "EUCLEAN"], [118, "ENOTNAM"], [119, "ENAVAIL"], [120, "EISNAM"], [121, "EREMOTEIO"], [122, "EDQUOT"], [123, "ENOMEDIUM"], [124, "EMEDIUMTYPE"], [125, "ECANCELED"], [512, "ERESTARTSYS"], [513, "ERESTARTNOINTR"], [514, "ERESTARTNOHAND"], [515, "ENOIOCTLCMD"], [516, "ERESTART_RESTARTBLOCK"], [521, "EBADHANDLE"], [522, "ENOTSYNC"], [523, "EBADCOOKIE"], [524, "ENOTSUPP"], [525, "ETOOSMALL"], [526, "ESERVERFAULT"], [527, "EBADTYPE"], [528, "EJUKEBOX"], [529, "EIOCBQUEUED"], [530, "EIOCBRETRY"]]);

/** Signal names by number (libsinsp sinsp_utils::signal_to_str; only the common signals). */
export const SIGNAL_NAMES: ReadonlyMap<number, string> = new Map<number, string>([[1, "SIGHUP"], [2, "SIGINT"], [3, "SIGQUIT"], [4, "SIGILL"], [5, "SIGTRAP"], [6, "SIGABRT"], [7, "SIGBUS"], [8, "SIGFPE"], [9, "SIGKILL"], [10, "SIGUSR1"], [11, "SIGSEGV"], [12, "SIGUSR2"], [13, "SIGPIPE"], [14, "SIGALRM"], [15, "SIGTERM"], [16, "SIGSTKFLT"], [17, "SIGCHLD"], [18, "SIGCONT"], [19, "SIGSTOP"], [20, "SIGTSTP"], [21, "SIGTTIN"], [22, "SIGTTOU"], [23, "SIGURG"], [24, "SIGXCPU"], [25, "SIGXFSZ"], [26, "SIGVTALRM"], [27, "SIGPROF"], [28, "SIGWINCH"], [29, "SIGIO"], [30, "SIGPWR"], [31, "SIGSYS"]]);

/** PPM_O_* open flags (driver/ppm_events_public.h), as in `open`/`openat` `flags` params. */
export const PPM_O = {
  NONE: 0,
  RDONLY: 1 << 0,
  WRONLY: 1 << 1,
  RDWR: (1 << 0) | (1 << 1),
  CREAT: 1 << 2,
  APPEND: 1 << 3,
  DSYNC: 1 << 4,
  EXCL: 1 << 5,
  NONBLOCK: 1 << 6,
  SYNC: 1 << 7,
  TRUNC: 1 << 8,
  DIRECT: 1 << 9,
  DIRECTORY: 1 << 10,
  LARGEFILE: 1 << 11,
  CLOEXEC: 1 << 12,
  TMPFILE: 1 << 13,
  F_CREATED: 1 << 14,
  FD_UPPER_LAYER: 1 << 15,
  FD_LOWER_LAYER: 1 << 16,
} as const;

/** PPM_S_IX{USR,GRP,OTH}: any exec bit in an open/creat `mode` param (PPM encoding, not the kernel's). */
export const PPM_S_IXANY = (1 << 6) | (1 << 3) | (1 << 0);

/** PPM_AT_FDCWD: the `dirfd` value meaning "relative to the cwd" (driver/ppm_events_public.h). */
export const PPM_AT_FDCWD = -100;

/** PPM_EXE_* flags of execve exit `flags` (driver/ppm_events_public.h). */
export const PPM_EXE = { WRITABLE: 1 << 0, UPPER_LAYER: 1 << 1, FROM_MEMFD: 1 << 2, LOWER_LAYER: 1 << 3 } as const;

/** Linux capability names by bit number (libsinsp utils.cpp `capabilities`, CAP_CHOWN = bit 0). */
export const CAPABILITIES: readonly string[] = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
  "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
  "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
];

/**
 * Render a flags value with a table as libsinsp does for PT_FLAGS8/16/32 (`exact` false) and
 * PT_ENUMFLAGS8/16/32 (`exact` true); source: event.cpp sinsp_evt::get_param_as_str.
 *
 * Bit flags: the table is walked in order; an entry matches when its bits are all set in what is
 * left of the value (a zero entry only matches a zero value); matched bits are removed, names are
 * joined with "|", and the walk stops at an entry equal to the whole value. So
 * PPM_O_WRONLY|PPM_O_CREAT|PPM_O_TRUNC renders "O_TRUNC|O_CREAT|O_WRONLY" (table order), 0 renders
 * "O_NONE", and 3 renders "O_RDWR". Enum flags: every entry equal to the value, joined with "|"
 * (socket family 1 renders "AF_LOCAL|AF_UNIX").
 *
 * @param table a FLAG_TABLES entry (undefined: no resolution).
 * @param value the unsigned value (u8/u16/u32).
 * @returns the names, or "" when nothing matches (libsinsp then shows the number).
 */
export function renderFlags(table: FlagTable | undefined, value: number, exact = false): string {
  if (!table) return "";
  const initial = value >>> 0;
  let val = initial;
  let out = "";
  for (const [name, fv] of table) {
    let match = false;
    if (exact) {
      match = fv === initial;
    } else if ((fv === 0 && initial === 0) || (fv !== 0 && val !== 0 && ((val & fv) >>> 0) === fv)) {
      match = true;
      val = (val & ~fv) >>> 0;
    }
    if (match) {
      out = out === "" ? name : out + "|" + name;
      if (!exact && fv === initial) break;
    }
  }
  return out;
}

/**
 * Render a PT_MODE value with its table (chmod_mode, mknod_mode) as libsinsp: entries are walked in
 * order until one equals the whole value; each earlier entry whose bits are all set in what is left
 * is printed and removed; the equal entry (if any) is printed last. "" when nothing matches.
 * Source: event.cpp sinsp_evt::get_param_as_str, case PT_MODE.
 */
export function renderMode(table: FlagTable | undefined, value: number): string {
  if (!table) return "";
  const initial = value >>> 0;
  let val = initial;
  let out = "";
  let i = 0;
  for (; i < table.length; i++) {
    const [name, mv] = table[i]!;
    if (mv === initial) break;
    if ((mv === 0 && initial === 0) || (mv !== 0 && val !== 0 && ((val & mv) >>> 0) === mv)) {
      out = out === "" ? name : out + "|" + name;
      val = (val & ~mv) >>> 0;
    }
  }
  if (i < table.length) out = out === "" ? table[i]![0] : out + "|" + table[i]![0];
  return out;
}

/** errno name for a (negative) syscall result, e.g. -2 → "ENOENT"; "" if unknown (sinsp_utils::errno_to_str). */
export function errnoName(code: number): string {
  return ERRNO_NAMES.get(-code) ?? "";
}

/** Signal name, e.g. 9 → "SIGKILL"; undefined if not one of libsinsp's (sinsp_utils::signal_to_str). */
export function signalName(sig: number): string | undefined {
  return SIGNAL_NAMES.get(sig);
}

/**
 * Capability set as libsinsp prints thread.cap_* fields: names of the set bits, lowest first,
 * separated by one space; "" for an empty set; bits above CAP_CHECKPOINT_RESTORE are ignored
 * (sinsp_utils::caps_to_string).
 */
export function capsToString(caps: bigint): string {
  let out = "";
  for (let i = 0; i < CAPABILITIES.length; i++) {
    if ((caps >> BigInt(i)) & 1n) out = out === "" ? CAPABILITIES[i]! : out + " " + CAPABILITIES[i]!;
  }
  return out;
}

/**
 * ppm_sc syscall names by code, as scap_get_ppm_sc_name returns them (driver/ppm_events_public.h
 * PPM_SC_X list, libs 0.25.4); "" for unused codes. Used for PT_SYSCALLID params and generic events.
 */
export const PPM_SC_NAMES: readonly string[] = [
  "unknown", "restart_syscall", "exit", "read", "write", "open", "close", "creat", "link", "unlink",
  "chdir", "time", "mknod", "chmod", "stat", "lseek", "getpid", "mount", "ptrace", "alarm",
  "fstat", "pause", "utime", "access", "sync", "kill", "rename", "mkdir", "rmdir", "dup",
  "pipe", "times", "brk", "acct", "ioctl", "fcntl", "setpgid", "umask", "chroot", "ustat",
  "dup2", "getppid", "getpgrp", "setsid", "sethostname", "setrlimit", "getrusage", "gettimeofday", "settimeofday", "symlink",
  "lstat", "readlink", "uselib", "swapon", "reboot", "mmap", "munmap", "truncate", "ftruncate", "fchmod",
  "getpriority", "setpriority", "statfs", "fstatfs", "syslog", "setitimer", "getitimer", "uname", "vhangup", "wait4",
  "swapoff", "sysinfo", "fsync", "setdomainname", "adjtimex", "mprotect", "init_module", "delete_module", "quotactl", "getpgid",
  "fchdir", "sysfs", "personality", "getdents", "select", "flock", "msync", "readv", "writev", "getsid",
  "fdatasync", "mlock", "munlock", "mlockall", "munlockall", "sched_setparam", "sched_getparam", "sched_setscheduler", "sched_getscheduler", "sched_yield",
  "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval", "nanosleep", "mremap", "poll", "prctl", "rt_sigaction", "rt_sigprocmask", "rt_sigpending",
  "rt_sigtimedwait", "rt_sigqueueinfo", "rt_sigsuspend", "getcwd", "capget", "capset", "sendfile", "getrlimit", "lchown", "getuid",
  "getgid", "geteuid", "getegid", "setreuid", "setregid", "getgroups", "setgroups", "fchown", "setresuid", "getresuid",
  "setresgid", "getresgid", "chown", "setuid", "setgid", "setfsuid", "setfsgid", "pivot_root", "mincore", "madvise",
  "gettid", "setxattr", "lsetxattr", "fsetxattr", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr",
  "removexattr", "lremovexattr", "fremovexattr", "tkill", "futex", "sched_setaffinity", "sched_getaffinity", "set_thread_area", "get_thread_area", "io_setup",
  "io_destroy", "io_getevents", "io_submit", "io_cancel", "exit_group", "epoll_create", "epoll_ctl", "epoll_wait", "remap_file_pages", "set_tid_address",
  "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete", "clock_settime", "clock_gettime", "clock_getres", "clock_nanosleep", "tgkill",
  "utimes", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr", "kexec_load", "waitid", "add_key",
  "request_key", "keyctl", "ioprio_set", "ioprio_get", "inotify_init", "inotify_add_watch", "inotify_rm_watch", "openat", "mkdirat", "mknodat",
  "fchownat", "futimesat", "unlinkat", "renameat", "linkat", "symlinkat", "readlinkat", "fchmodat", "faccessat", "pselect6",
  "ppoll", "unshare", "set_robust_list", "get_robust_list", "splice", "tee", "vmsplice", "getcpu", "epoll_pwait", "utimensat",
  "signalfd", "timerfd_create", "eventfd", "timerfd_settime", "timerfd_gettime", "signalfd4", "eventfd2", "epoll_create1", "dup3", "pipe2",
  "inotify_init1", "preadv", "pwritev", "rt_tgsigqueueinfo", "perf_event_open", "fanotify_init", "prlimit64", "clock_adjtime", "syncfs", "setns",
  "getdents64", "socket", "bind", "connect", "listen", "accept", "getsockname", "getpeername", "socketpair", "sendto",
  "recvfrom", "shutdown", "setsockopt", "getsockopt", "sendmsg", "sendmmsg", "recvmsg", "recvmmsg", "accept4", "semop",
  "semget", "semctl", "msgsnd", "msgrcv", "msgget", "msgctl", "shmdt", "shmget", "shmctl", "statfs64",
  "fstatfs64", "fstatat64", "sendfile64", "ugetrlimit", "bdflush", "sigprocmask", "ipc", "socketcall", "stat64", "lstat64",
  "fstat64", "fcntl64", "mmap2", "_newselect", "sgetmask", "ssetmask", "sigpending", "olduname", "umount", "signal",
  "nice", "stime", "_llseek", "waitpid", "pread64", "pwrite64", "arch_prctl", "shmat", "rt_sigreturn", "fallocate",
  "newfstatat", "process_vm_readv", "process_vm_writev", "fork", "vfork", "setuid32", "getuid32", "setgid32", "geteuid32", "getgid32",
  "setresuid32", "setresgid32", "getresuid32", "getresgid32", "finit_module", "bpf", "seccomp", "sigaltstack", "getrandom", "fadvise64",
  "renameat2", "userfaultfd", "openat2", "umount2", "execve", "execveat", "copy_file_range", "clone", "clone3", "open_by_handle_at",
  "io_uring_setup", "io_uring_enter", "io_uring_register", "mlock2", "getegid32", "fsconfig", "fspick", "fsmount", "fsopen", "open_tree",
  "move_mount", "mount_setattr", "memfd_create", "memfd_secret", "ioperm", "kexec_file_load", "pidfd_getfd", "pidfd_open", "pidfd_send_signal", "pkey_alloc",
  "pkey_mprotect", "pkey_free", "landlock_create_ruleset", "quotactl_fd", "landlock_restrict_self", "landlock_add_rule", "epoll_pwait2", "migrate_pages", "move_pages", "preadv2",
  "pwritev2", "kcmp", "sched_setattr", "mbind", "epoll_ctl_old", "lookup_dcookie", "modify_ldt", "statx", "set_mempolicy", "io_pgetevents",
  "set_mempolicy_home_node", "semtimedop", "get_kernel_syms", "readahead", "futex_waitv", "getpmsg", "name_to_handle_at", "process_mrelease", "nfsservctl", "epoll_wait_old",
  "rseq", "create_module", "na_1", "sched_getattr", "faccessat2", "_sysctl", "query_module", "get_mempolicy", "sync_file_range", "process_madvise",
  "membarrier", "iopl", "close_range", "fanotify_mark", "recv", "send", "sched_process_exit", "sched_switch", "page_fault_user", "page_fault_kernel",
  "signal_deliver", "timerfd", "s390_pci_mmio_read", "sigaction", "s390_pci_mmio_write", "readdir", "s390_sthyi", "sigsuspend", "idle", "s390_runtime_instr",
  "sigreturn", "s390_guarded_storage", "cachestat", "fchmodat2", "map_shadow_stack", "riscv_flush_icache", "riscv_hwprobe", "futex_wake", "futex_requeue", "futex_wait",
  "oldstat", "switch_endian", "multiplexer", "oldlstat", "spu_create", "sync_file_range2", "oldfstat", "spu_run", "swapcontext", "pciconfig_write",
  "rtas", "pciconfig_read", "sys_debug_setcontext", "vm86", "oldolduname", "subpage_prot", "pciconfig_iobase", "listmount", "statmount", "lsm_get_self_attr",
  "lsm_set_self_attr", "lsm_list_modules", "mseal", "uretprobe", "removexattrat", "listxattrat", "getxattrat", "setxattrat", "open_tree_attr", "file_getattr",
  "file_setattr", "listns", "uprobe", "rseq_slice_yield",
];
