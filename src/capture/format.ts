/**
 * Constants and record shapes of the scap capture file format, shared by the reader and the
 * writer. Source: falcosecurity/libs userspace/libscap/scap_savefile.h (block type numbers),
 * scap_machine_info.h, scap.h (scap_fd_type, scap_ifinfo_*, scap_userinfo/groupinfo) and
 * ../../../shared/notes/SCAP_FORMAT.md §1.
 */

/** Section header block (pcapng SHB). */
export const SHB_BLOCK_TYPE = 0x0a0d0d0a;
/** SHB byte-order magic as read in host (little-endian) order. */
export const SHB_MAGIC = 0x1a2b3c4d;
/** Machine info block; legacy "_INT" number. */
export const MI_BLOCK_TYPE = 0x201;
export const MI_BLOCK_TYPE_INT = 0x8002abcd;
/** Process list blocks V1..V9 (and legacy "_INT" numbers for V1..V3). */
export const PL_BLOCK_TYPE_V1 = 0x202;
export const PL_BLOCK_TYPE_V1_INT = 0x8000abcd;
export const PL_BLOCK_TYPE_V2 = 0x207;
export const PL_BLOCK_TYPE_V2_INT = 0x8013abcd;
export const PL_BLOCK_TYPE_V3 = 0x209;
export const PL_BLOCK_TYPE_V3_INT = 0x8014abcd;
export const PL_BLOCK_TYPE_V4 = 0x210;
export const PL_BLOCK_TYPE_V5 = 0x211;
export const PL_BLOCK_TYPE_V6 = 0x212;
export const PL_BLOCK_TYPE_V7 = 0x213;
export const PL_BLOCK_TYPE_V8 = 0x214;
export const PL_BLOCK_TYPE_V9 = 0x215;
/** FD list blocks. */
export const FDL_BLOCK_TYPE = 0x203;
export const FDL_BLOCK_TYPE_INT = 0x8001abcd;
export const FDL_BLOCK_TYPE_V2 = 0x218;
/** Interface list blocks. */
export const IL_BLOCK_TYPE = 0x205;
export const IL_BLOCK_TYPE_INT = 0x8011abcd;
export const IL_BLOCK_TYPE_V2 = 0x219;
/** User list blocks. */
export const UL_BLOCK_TYPE = 0x206;
export const UL_BLOCK_TYPE_INT = 0x8012abcd;
export const UL_BLOCK_TYPE_V2 = 0x220;
/** Event blocks: V1 (22-byte header, no nparams), V2, V2_LARGE. */
export const EV_BLOCK_TYPE = 0x204;
export const EV_BLOCK_TYPE_INT = 0x8010abcd;
export const EV_BLOCK_TYPE_V2 = 0x216;
export const EV_BLOCK_TYPE_V2_LARGE = 0x221;
/** Event-with-flags blocks (u32 flags after the cpu id). */
export const EVF_BLOCK_TYPE = 0x208;
export const EVF_BLOCK_TYPE_V2 = 0x217;
export const EVF_BLOCK_TYPE_V2_LARGE = 0x222;

/** Non-LARGE event blocks may not exceed this many bytes after the 8-byte block header (libscap READER_BUF_SIZE). */
export const READER_BUF_SIZE = 1 << 16;
/** SCAP_MAX_PATH_SIZE: limit of comm/exe/exepath/cwd/root strings and fd names (scap_limits.h). */
export const SCAP_MAX_PATH_SIZE = 1024;
/** SCAP_MAX_ARGS_SIZE / SCAP_MAX_ENV_SIZE / SCAP_MAX_CGROUPS_SIZE (scap_limits.h). */
export const SCAP_MAX_ARGS_SIZE = 4096;
export const SCAP_MAX_ENV_SIZE = 4096;
export const SCAP_MAX_CGROUPS_SIZE = 4096;
/** MAX_CREDENTIALS_STR_LEN (scap.h): user/group/home/shell strings must be shorter. */
export const MAX_CREDENTIALS_STR_LEN = 256;

/** SCAP_DF_LARGE (scap.h): write-side flag meaning "use a _LARGE event block". */
export const SCAP_DF_LARGE = 4;

/** scap_ifinfo type values (scap.h SCAP_II_*). */
export const SCAP_II_IPV4 = 1;
export const SCAP_II_IPV6 = 2;
export const SCAP_II_IPV4_NOLINKSPEED = 3;
export const SCAP_II_IPV6_NOLINKSPEED = 4;

/** Human-readable name of a block type number, for error messages. */
export function blockTypeName(t: number): string {
  switch (t >>> 0) {
    case SHB_BLOCK_TYPE: return "SHB";
    case MI_BLOCK_TYPE: case MI_BLOCK_TYPE_INT: return "MI";
    case PL_BLOCK_TYPE_V1: case PL_BLOCK_TYPE_V1_INT: return "PL_V1";
    case PL_BLOCK_TYPE_V2: case PL_BLOCK_TYPE_V2_INT: return "PL_V2";
    case PL_BLOCK_TYPE_V3: case PL_BLOCK_TYPE_V3_INT: return "PL_V3";
    case PL_BLOCK_TYPE_V4: return "PL_V4";
    case PL_BLOCK_TYPE_V5: return "PL_V5";
    case PL_BLOCK_TYPE_V6: return "PL_V6";
    case PL_BLOCK_TYPE_V7: return "PL_V7";
    case PL_BLOCK_TYPE_V8: return "PL_V8";
    case PL_BLOCK_TYPE_V9: return "PL_V9";
    case FDL_BLOCK_TYPE: case FDL_BLOCK_TYPE_INT: return "FDL_V1";
    case FDL_BLOCK_TYPE_V2: return "FDL_V2";
    case IL_BLOCK_TYPE: case IL_BLOCK_TYPE_INT: return "IL_V1";
    case IL_BLOCK_TYPE_V2: return "IL_V2";
    case UL_BLOCK_TYPE: case UL_BLOCK_TYPE_INT: return "UL_V1";
    case UL_BLOCK_TYPE_V2: return "UL_V2";
    case EV_BLOCK_TYPE: case EV_BLOCK_TYPE_INT: return "EV_V1";
    case EV_BLOCK_TYPE_V2: return "EV_V2";
    case EV_BLOCK_TYPE_V2_LARGE: return "EV_V2_LARGE";
    case EVF_BLOCK_TYPE: return "EVF_V1";
    case EVF_BLOCK_TYPE_V2: return "EVF_V2";
    case EVF_BLOCK_TYPE_V2_LARGE: return "EVF_V2_LARGE";
    default: return `0x${(t >>> 0).toString(16)}`;
  }
}

/** Machine info block (scap_machine_info.h): the capturing host. */
export interface MachineInfo {
  numCpus: number;
  memorySizeBytes: number;
  maxPid: number;
  hostname: string;
  /** Host boot time, ns since the epoch (0 in files from libs <= 2022). */
  bootTsEpoch: bigint;
  /** scap machine-info flags (0 in old files). */
  flags: bigint;
}

/**
 * One thread from a process-list block, shaped like a Partial state ThreadInfo (src/state/types.ts)
 * plus the scap-only counters. Source: scap_threadinfo (scap.h), read as scap_read_proclist.
 * Defaults for fields absent in older block versions: vtid = vpid = sid = vpgid = pgid = -1,
 * loginuid = 0xFFFFFFFF, everything else 0 / "" / [].
 */
export interface CaptureThread {
  tid: number;
  pid: number;
  ptid: number;
  sid: number;
  vpgid: number;
  pgid: number;
  comm: string;
  exe: string;
  exepath: string;
  /** argv[1..] (the exe is argv[0]). */
  args: string[];
  env: string[];
  cwd: string;
  fdlimit: number;
  /** PPM_CL_* flags. */
  flags: number;
  uid: number;
  gid: number;
  vmsizeKb: number;
  vmrssKb: number;
  vmswapKb: number;
  pfmajor: number;
  pfminor: number;
  vtid: number;
  vpid: number;
  /** cgroups as [subsys, path] pairs (from "subsys=path" items). */
  cgroups: [string, string][];
  root: string;
  pidnsInitStartTs: bigint;
  tty: number;
  /** 0xFFFFFFFF when unset. */
  loginuid: number;
  /** PPM_EXE_* flags rebuilt from the entry's booleans (WRITABLE=1, UPPER_LAYER=2, FROM_MEMFD=4, LOWER_LAYER=8). */
  exeFlags: number;
  capInheritable: bigint;
  capPermitted: bigint;
  capEffective: bigint;
  exeIno: number;
  exeInoCtime: bigint;
  exeInoMtime: bigint;
  /** Always true: the data comes from a capture's process list (ThreadInfo.fromScan). */
  fromScan: true;
}

/**
 * One fd from an fd-list block (scap_fdinfo, read as scap_fd_read_from_disk). `type` is the
 * scap_fd_type value (FdType in src/state/types.ts); an unknown type becomes UNSUPPORTED (10)
 * named "unknown-type:[N]". IPs are strings ("1.2.3.4", IPv6 text); ports host order.
 */
export interface CaptureFd {
  fd: number;
  ino: number;
  type: number;
  /** File/dir/unix path or other name ("" for IP sockets). */
  name: string;
  /** PPM_O_* flags (FILE_V2 only, else 0). */
  openFlags: number;
  /** Device number (FILE_V2 entries of newer files, else 0). */
  dev: number;
  /** IPv4/IPv6 sockets: source and destination; servsocks: the bound ip/port in sip/sport. */
  sip: string;
  dip: string;
  sport: number;
  dport: number;
  /** scap_l4_proto: 0 unknown, 1 n/a, 2 tcp, 3 udp, 4 icmp, 5 raw. */
  l4proto: number;
  /** UNIX sockets: kernel pointers of the two ends. */
  unixSource: bigint;
  unixDest: bigint;
}

/** One network interface address (scap_ifinfo_ipv4 / scap_ifinfo_ipv6). */
export interface CaptureInterface {
  /** SCAP_II_* type. */
  type: number;
  name: string;
  /** Address, netmask, broadcast as text. */
  addr: string;
  netmask: string;
  bcast: string;
  /** Raw network-order IPv4 address as read (u32 LE of the 4 bytes), 0 for IPv6. */
  addrRaw: number;
  linkspeed: number;
}

/** One user (scap_userinfo). */
export interface CaptureUser {
  uid: number;
  gid: number;
  name: string;
  homedir: string;
  shell: string;
}

/** One group (scap_groupinfo). */
export interface CaptureGroup {
  gid: number;
  name: string;
}

/** Format 4 network-order bytes at `o` as dotted IPv4 text. */
export function ipv4Text(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** Format 16 network-order bytes at `o` as IPv6 text the way glibc inet_ntop does (first longest zero run of 2+ words as "::"; ::ffff:a.b.c.d and ::a.b.c.d embed IPv4). */
export function ipv6Text(b: Uint8Array, o: number): string {
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!);
  if (w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff) {
    return `::ffff:${ipv4Text(b, o + 12)}`;
  }
  let bestS = -1, bestL = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestL && j - i >= 2) { bestS = i; bestL = j - i; }
    i = j;
  }
  const hex = (x: number) => x.toString(16);
  if (bestS === 0 && bestL === 6) return `::${ipv4Text(b, o + 12)}`; // IPv4-compatible (glibc inet_ntop)
  if (bestS < 0) return w.map(hex).join(":");
  const left = w.slice(0, bestS).map(hex).join(":");
  const right = w.slice(bestS + bestL).map(hex).join(":");
  return `${left}::${right}`;
}
