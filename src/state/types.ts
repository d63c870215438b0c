/**
 * State shapes the engine keeps and fields read: threads (libsinsp sinsp_threadinfo) and fds
 * (sinsp_fdinfo). Source: falcosecurity/libs userspace/libsinsp/threadinfo.h, fdinfo.h.
 */

/** scap_fd_type (userspace/libscap/scap.h): the fd kind, shown by fd.type / fd.typechar. */
export const enum FdType {
  UNINITIALIZED = -1,
  UNKNOWN = 0,
  FILE = 1,
  DIRECTORY = 2,
  IPV4_SOCK = 3,
  IPV6_SOCK = 4,
  IPV4_SERVSOCK = 5,
  IPV6_SERVSOCK = 6,
  FIFO = 7,
  UNIX_SOCK = 8,
  EVENT = 9,
  UNSUPPORTED = 10,
  SIGNALFD = 11,
  EVENTPOLL = 12,
  INOTIFY = 13,
  TIMERFD = 14,
  NETLINK = 15,
  FILE_V2 = 16,
  BPF = 17,
  USERFAULTFD = 18,
  IOURING = 19,
  MEMFD = 20,
  PIDFD = 21,
}

/** One open file descriptor of a process (libsinsp sinsp_fdinfo). */
export interface FdInfo {
  type: FdType;
  /** fd.name: path for files, "sip:sport->dip:dport" for sockets, etc. */
  name: string;
  /** PPM_O_* open flags (for files). */
  openFlags: number;
  /** Device and inode when known. */
  dev: number;
  ino: number;
  /** Sockets: l4 protocol (scap_l4_proto: 0 unknown, 1 n/a, 2 tcp, 3 udp, 4 icmp, 5 raw). */
  l4proto: number;
  /** Sockets: addresses as strings ("1.2.3.4" / IPv6 text) and ports; server side for servsocks in sip/sport. */
  sip: string;
  sport: number;
  dip: string;
  dport: number;
  /** fd.connected: true after a successful connect/accept. */
  connected: boolean;
  /** True once the socket's role is known: the process is the client (connect) vs server (accept/bind). */
  isServer: boolean;
  /** fd.name_changed for this event. */
  nameChanged: boolean;
  /** fd.nameraw: the path as passed to the syscall (files opened by events), when known. */
  nameRaw?: string;
  /** True once the process is known to be the client end (connect, or guessed); libsinsp FLAGS_ROLE_CLIENT. */
  isClient?: boolean;
  /** Unix sockets: kernel pointers of the two ends (scap unix socktuple source/dest). */
  unixSource?: bigint;
  unixDest?: bigint;
  /** pidfds: the pid the fd refers to. */
  pid?: number;
}

/** One thread (libsinsp sinsp_threadinfo); process-wide data is shared through `main` (the thread group leader). */
export interface ThreadInfo {
  tid: number;
  pid: number;
  ptid: number;
  sid: number;
  vtid: number;
  vpid: number;
  vpgid: number;
  pgid: number;
  /** proc.name: the comm (task->comm, 16 bytes max). */
  comm: string;
  /** proc.exe: argv[0] as given to execve. */
  exe: string;
  /** proc.exepath: the full executable path resolved by the kernel. */
  exepath: string;
  /** argv[1..]. */
  args: string[];
  env: string[];
  cwd: string;
  root: string;
  uid: number;
  gid: number;
  /** loginuid; 0xFFFFFFFF (-1) when unset. */
  loginuid: number;
  tty: number;
  fdlimit: number;
  /** PPM_EXE_* flags (EXE_WRITABLE=1, EXE_UPPER_LAYER=2, EXE_FROM_MEMFD=4, EXE_LOWER_LAYER=8). */
  exeFlags: number;
  capInheritable: bigint;
  capPermitted: bigint;
  capEffective: bigint;
  exeIno: number;
  exeInoCtime: bigint;
  exeInoMtime: bigint;
  /** Process start time (clone ts), ns since the epoch. */
  cloneTs: bigint;
  /** Time of the last execve, ns since the epoch (0 if none seen). */
  lastExecTs: bigint;
  pidnsInitStartTs: bigint;
  /** cgroups as [subsys, path] pairs. */
  cgroups: [string, string][];
  /** container.id: 12-hex short id, or "host" (or "" if unknown). */
  containerId: string;
  /** PPM_CL_* clone flags the thread was created with. */
  flags: number;
  /** fd table, shared by all threads of a process (CLONE_FILES); keyed by fd number. */
  fds: Map<number, FdInfo>;
  /** Whether the data came from a /proc scan or a process list (true) rather than observed events. */
  fromScan: boolean;
  /** proc.vmsize / proc.vmrss / proc.vmswap in KiB (clone/execve/brk/mmap/munmap events, /proc status). */
  vmSizeKb?: number;
  vmRssKb?: number;
  vmSwapKb?: number;
  /** thread.pfmajor / thread.pfminor: page faults (clone/execve events, /proc stat). */
  pfMajor?: number;
  pfMinor?: number;
}
