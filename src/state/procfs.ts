/**
 * /proc scanning: seeds the thread table like libscap's proc scan (falcosecurity/libs
 * userspace/libscap/linux/scap_procs.c scap_proc_add_from_proc, scap_fds.c fd scan) and serves
 * libsinsp's on-the-fly lookup of unknown tids (sinsp_thread_manager::get_thread → scap_proc_get).
 *
 * Per thread: comm, exe (argv[0]), exepath (readlink exe), args, env, cwd, root, uid/gid
 * (effective, status), loginuid, tty (stat tty_nr), sid, pgid, vpid/vtid/vpgid (status NS* lines),
 * cgroups (/proc/PID/cgroup), caps (CapInh/CapPrm/CapEff), fdlimit (limits), start time (stat
 * starttime + btime). Per process: fds (readlink /proc/PID/fd/N: files, directories, pipes,
 * sockets resolved through /proc/PID/net/{tcp,tcp6,udp,udp6,raw,raw6,unix,netlink} by inode,
 * anon inodes, memfds) with open flags from /proc/PID/fdinfo/N.
 *
 * All reads are synchronous and failure-tolerant: a vanished process yields null.
 */
import { readFileSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { FdType, type FdInfo } from "./types.ts";
import { type ThreadPartial, type ThreadTable, newFdInfo } from "./threads.ts";
import { containerIdFromCgroups } from "./container.ts";
import { addrPort, ipv4Text, ipv6Text, isIpv4Mapped, tupleText } from "./net.ts";

/** Clock ticks per second for /proc stat times (sysconf(_SC_CLK_TCK); 100 on Linux). */
const CLK_TCK = 100;

function readText(path: string): string | null {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return null;
  }
}
function readUtf8(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}
function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

let bootNsCache: bigint | null = null;
/** Boot time, ns since the epoch (btime from /proc/stat), cached. 0n if unreadable. */
export function bootTimeNs(root = process.env.HOST_ROOT ?? ""): bigint {
  if (bootNsCache !== null) return bootNsCache;
  const s = readText(`${root}/proc/stat`);
  const m = s ? /^btime\s+(\d+)/m.exec(s) : null;
  bootNsCache = m ? BigInt(m[1]!) * 1_000_000_000n : 0n;
  return bootNsCache;
}

/** Linux open(2) flags (x86-64/aarch64 values) → PPM_O_* (libscap open_flags_to_scap). */
export function linuxOpenFlagsToPpm(flags: number): number {
  let r = 0;
  switch (flags & 3) {
    case 1: r |= 2; break; // WRONLY
    case 2: r |= 3; break; // RDWR
    default: r |= 1; // RDONLY
  }
  if (flags & 0o100) r |= 1 << 2; // CREAT
  if (flags & 0o2000) r |= 1 << 3; // APPEND
  if (flags & 0o10000) r |= 1 << 4; // DSYNC
  if (flags & 0o200) r |= 1 << 5; // EXCL
  if (flags & 0o4000) r |= 1 << 6; // NONBLOCK
  if ((flags & 0o4010000) === 0o4010000) r |= 1 << 7; // SYNC
  if (flags & 0o1000) r |= 1 << 8; // TRUNC
  if (flags & 0o40000) r |= 1 << 9; // DIRECT
  if (flags & 0o200000) r |= 1 << 10; // DIRECTORY
  if (flags & 0o100000) r |= 1 << 11; // LARGEFILE
  if (flags & 0o2000000) r |= 1 << 12; // CLOEXEC
  if ((flags & 0o20200000) === 0o20200000) r |= 1 << 13; // TMPFILE
  return r;
}

function splitNul(s: string): string[] {
  if (!s) return [];
  const parts = s.split("\0");
  if (parts.length && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** Options of `readProcThread`. */
export interface ProcReadOptions {
  /** Read the fd table (main threads only). Default true. */
  fds?: boolean;
  /** Read the environment. Default true. */
  env?: boolean;
  /** Resolve socket inodes through /proc/PID/net tables. Default true. */
  sockets?: boolean;
  /** Cache of socket tables per network namespace, shared across a scan. */
  netCache?: Map<string, Map<number, Partial<FdInfo>>>;
}

/**
 * /proc/PID/cgroup text ("hierarchy-ID:controller-list:cgroup-path" lines, cgroups(7)) as
 * [subsystem, path] pairs; "name=systemd" reads as "systemd", the v2 line has subsystem "".
 */
export function parseProcCgroup(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const a = line.indexOf(":");
    const b = line.indexOf(":", a + 1);
    if (a < 0 || b < 0) continue;
    let subsys = line.slice(a + 1, b);
    if (subsys.startsWith("name=")) subsys = subsys.slice(5);
    out.push([subsys, line.slice(b + 1)]);
  }
  return out;
}

/**
 * Read one thread from `${root}/proc/${pid}/task/${tid}` (or `${root}/proc/${tid}` when pid is not
 * given; works for any tid). Returns null if the thread is gone, or is a kernel thread/zombie (no
 * cmdline and no exe, as libscap skips them).
 */
export function readProcThread(tid: number, root = process.env.HOST_ROOT ?? "", pid?: number, opts: ProcReadOptions = {}): ThreadPartial | null {
  const dir = pid !== undefined && pid !== tid ? `${root}/proc/${pid}/task/${tid}` : `${root}/proc/${tid}`;
  const status = readText(`${dir}/status`);
  if (status === null) return null;
  const cmdline = readUtf8(`${dir}/cmdline`) ?? "";
  const exepath = readLink(`${dir}/exe`);
  if (cmdline.length === 0 && exepath === null) return null;
  const t: ThreadPartial = { tid };
  t.exepath = exepath ?? "";
  t.comm = (readUtf8(`${dir}/comm`) ?? "").replace(/\n$/, "");
  const argv = splitNul(cmdline);
  t.exe = argv.length ? argv[0]! : t.comm;
  t.args = argv.slice(1);
  if (opts.env !== false) t.env = splitNul(readUtf8(`${dir}/environ`) ?? "");
  const cwd = readLink(`${dir}/cwd`);
  t.cwd = cwd === null ? "/" : cwd.endsWith("/") ? cwd : cwd + "/";
  t.root = readLink(`${dir}/root`) ?? "/";
  // status
  let nsPid: number[] = [];
  let nsTgid: number[] = [];
  let nsPgid: number[] = [];
  for (const line of status.split("\n")) {
    const c = line.indexOf(":");
    if (c < 0) continue;
    const k = line.slice(0, c);
    const v = line.slice(c + 1).trim();
    switch (k) {
      case "Tgid": t.pid = Number(v); break;
      case "PPid": t.ptid = Number(v); break;
      case "Uid": t.uid = Number(v.split(/\s+/)[1]); break;
      case "Gid": t.gid = Number(v.split(/\s+/)[1]); break;
      case "CapInh": t.capInheritable = BigInt("0x" + v); break;
      case "CapPrm": t.capPermitted = BigInt("0x" + v); break;
      case "CapEff": t.capEffective = BigInt("0x" + v); break;
      case "NSpid": nsPid = v.split(/\s+/).map(Number); break;
      case "NStgid": nsTgid = v.split(/\s+/).map(Number); break;
      case "NSpgid": nsPgid = v.split(/\s+/).map(Number); break;
      case "VmSize": t.vmSizeKb = parseInt(v, 10); break;
      case "VmRSS": t.vmRssKb = parseInt(v, 10); break;
      case "VmSwap": t.vmSwapKb = parseInt(v, 10); break;
      default: break;
    }
  }
  if (t.pid === undefined) t.pid = pid ?? tid;
  t.vtid = nsPid.length >= 2 ? nsPid[nsPid.length - 1]! : tid;
  t.vpid = nsTgid.length >= 2 ? nsTgid[nsTgid.length - 1]! : t.pid;
  // stat
  const stat = readText(`${dir}/stat`);
  if (stat) {
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // rest[0] = field 3 (state); field n = rest[n - 3]
    t.pgid = Number(rest[2]);
    t.sid = Number(rest[3]);
    t.tty = Number(rest[4]) >>> 0;
    t.pfMinor = Number(rest[7]);
    t.pfMajor = Number(rest[9]);
    const start = BigInt(rest[19] ?? "0");
    t.cloneTs = bootTimeNs(root) + (start * 1_000_000_000n) / BigInt(CLK_TCK);
  }
  t.vpgid = nsPgid.length >= 2 ? nsPgid[nsPgid.length - 1]! : t.pgid ?? -1;
  if (nsPgid.length >= 2) t.pgid = nsPgid[0]!;
  // loginuid
  const lu = readText(`${dir}/loginuid`);
  t.loginuid = lu === null ? 0xffffffff : Number(lu.trim()) >>> 0;
  // cgroups
  t.cgroups = parseProcCgroup(readText(`${dir}/cgroup`) ?? "");
  t.containerId = containerIdFromCgroups(t.cgroups).id;
  // fdlimit
  const lim = readText(`${dir}/limits`);
  const lm = lim ? /^Max open files\s+(\d+|unlimited)/m.exec(lim) : null;
  t.fdlimit = lm ? (lm[1] === "unlimited" ? -1 : Number(lm[1])) : 0;
  // exe inode and times
  try {
    const st = statSync(`${dir}/exe`, { bigint: true });
    t.exeIno = Number(st.ino);
    t.exeInoCtime = st.ctimeNs;
    t.exeInoMtime = st.mtimeNs;
  } catch {
    /* no exe */
  }
  // pid namespace init start (scap_proc_fill_pidns_start_ts): ctime of the namespace's
  // /proc/1/cmdline as seen through the process' root.
  try {
    t.pidnsInitStartTs = statSync(`${dir}/root/proc/1/cmdline`, { bigint: true }).ctimeNs;
  } catch {
    t.pidnsInitStartTs = 0n;
  }
  t.flags = t.tid === t.pid ? 0 : (1 << 13) | (1 << 0); // CLONE_THREAD | CLONE_FILES
  if (opts.fds !== false && t.tid === t.pid) t.fds = readProcFds(`${root}/proc/${t.pid}`, opts);
  return t;
}

/** Socket tables of one network namespace, keyed by inode. */
function readNetTables(procPidDir: string, sockets: boolean): Map<number, Partial<FdInfo>> {
  const m = new Map<number, Partial<FdInfo>>();
  if (!sockets) return m;
  const listenPorts = new Set<number>();
  const conns: Partial<FdInfo>[] = [];
  const inet = (file: string, v6: boolean, l4: number): void => {
    const txt = readText(`${procPidDir}/net/${file}`);
    if (!txt) return;
    const lines = txt.split("\n");
    for (let i = 1; i < lines.length; i++) {
      const f = lines[i]!.trim().split(/\s+/);
      if (f.length < 10) continue;
      const ino = Number(f[9]);
      if (!ino) continue;
      const [lip, lport] = parseHexAddr(f[1]!, v6);
      const [rip, rport] = parseHexAddr(f[2]!, v6);
      const zeroRemote = rport === 0 && (rip === "0.0.0.0" || rip === "::");
      const v4 = !v6 || (isMappedText(lip) && isMappedText(rip));
      const l = v4 && v6 ? unmap(lip) : lip;
      const r = v4 && v6 ? unmap(rip) : rip;
      if (zeroRemote) {
        const fi: Partial<FdInfo> = { type: v4 ? FdType.IPV4_SERVSOCK : FdType.IPV6_SERVSOCK, sip: l, sport: lport, l4proto: l4, isServer: true };
        fi.name = addrPort(l, lport);
        m.set(ino, fi);
        if (l4 === 2) listenPorts.add(lport);
      } else {
        const fi: Partial<FdInfo> = { type: v4 ? FdType.IPV4_SOCK : FdType.IPV6_SOCK, sip: l, sport: lport, dip: r, dport: rport, l4proto: l4, connected: l4 === 2 };
        m.set(ino, fi);
        conns.push(fi);
      }
    }
  };
  inet("tcp", false, 2);
  inet("udp", false, 3);
  inet("raw", false, 5);
  inet("tcp6", true, 2);
  inet("udp6", true, 3);
  inet("raw6", true, 5);
  // Orient connected sockets: client → server (libsinsp fix_sockets_coming_from_proc).
  for (const fi of conns) {
    if (listenPorts.has(fi.sport!) && !listenPorts.has(fi.dport!)) {
      const ip = fi.sip!;
      const port = fi.sport!;
      fi.sip = fi.dip;
      fi.sport = fi.dport;
      fi.dip = ip;
      fi.dport = port;
      fi.isServer = true;
    }
    fi.name = fi.l4proto === 5 && fi.type === FdType.IPV4_SOCK ? `${fi.sip}->${fi.dip}` : tupleText(fi.sip!, fi.sport!, fi.dip!, fi.dport!);
  }
  const ux = readText(`${procPidDir}/net/unix`);
  if (ux) {
    const lines = ux.split("\n");
    for (let i = 1; i < lines.length; i++) {
      const f = lines[i]!.trim().split(/\s+/);
      if (f.length < 7) continue;
      const ino = Number(f[6]);
      if (!ino) continue;
      const path = f.length > 7 ? f.slice(7).join(" ") : "";
      m.set(ino, { type: FdType.UNIX_SOCK, name: path, isServer: path !== "" });
    }
  }
  const nl = readText(`${procPidDir}/net/netlink`);
  if (nl) {
    const lines = nl.split("\n");
    for (let i = 1; i < lines.length; i++) {
      const f = lines[i]!.trim().split(/\s+/);
      const ino = Number(f[f.length - 1]);
      if (ino) m.set(ino, { type: FdType.NETLINK, name: "" });
    }
  }
  return m;
}

function isMappedText(ip: string): boolean {
  return ip === "::" || ip.startsWith("::ffff:");
}
function unmap(ip: string): string {
  return ip === "::" ? "0.0.0.0" : ip.slice(7);
}

/** "0100007F:1F90" (IPv4) or 32-hex (IPv6, four host-order u32 words) ":PORT" → [text, port]. */
function parseHexAddr(s: string, v6: boolean): [string, number] {
  const c = s.indexOf(":");
  const a = s.slice(0, c);
  const port = parseInt(s.slice(c + 1), 16);
  const n = v6 ? 16 : 4;
  const b = new Uint8Array(n);
  for (let w = 0; w < n / 4; w++) {
    const v = parseInt(a.slice(w * 8, w * 8 + 8), 16) >>> 0;
    b[w * 4] = v & 0xff;
    b[w * 4 + 1] = (v >>> 8) & 0xff;
    b[w * 4 + 2] = (v >>> 16) & 0xff;
    b[w * 4 + 3] = (v >>> 24) & 0xff;
  }
  if (!v6) return [ipv4Text(b, 0), port];
  return [isIpv4Mapped(b, 0) && b[10] === 0xff ? "::ffff:" + ipv4Text(b, 12) : ipv6Text(b, 0), port];
}

const ANON: Record<string, FdType> = {
  "[eventfd]": FdType.EVENT,
  "[eventpoll]": FdType.EVENTPOLL,
  inotify: FdType.INOTIFY,
  "[signalfd]": FdType.SIGNALFD,
  "[timerfd]": FdType.TIMERFD,
  "[io_uring]": FdType.IOURING,
  "[userfaultfd]": FdType.USERFAULTFD,
  "[pidfd]": FdType.PIDFD,
  "bpf-map": FdType.BPF,
  "bpf-prog": FdType.BPF,
  "bpf-link": FdType.BPF,
  bpf_iter: FdType.BPF,
};

/** A lazy getter of the socket table of a process' network namespace (cached per namespace in opts.netCache). */
function netTablesFor(procPidDir: string, opts: ProcReadOptions): () => Map<number, Partial<FdInfo>> {
  let net: Map<number, Partial<FdInfo>> | undefined;
  return () => {
    if (net) return net;
    const nsLink = readLink(`${procPidDir}/ns/net`) ?? procPidDir;
    const cache = opts.netCache;
    net = cache?.get(nsLink);
    if (!net) {
      net = readNetTables(procPidDir, opts.sockets !== false);
      cache?.set(nsLink, net);
    }
    return net;
  };
}

/** One fd of a process from /proc (libscap scap_fd_scan_fd_dir / handle_file), or null if gone or an unresolved socket. */
function procFd(procPidDir: string, n: string, netTables: () => Map<number, Partial<FdInfo>>): Partial<FdInfo> | null {
  const link = readLink(`${procPidDir}/fd/${n}`);
  if (link === null) return null;
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(`${procPidDir}/fd/${n}`);
  } catch {
    st = undefined;
  }
  if (link.startsWith("socket:[")) {
    const ino = Number(link.slice(8, -1));
    const s = netTables().get(ino);
    if (!s) return null; // unresolved sockets are not added (libsinsp add_fd_from_scap drops UNKNOWN)
    return { ...s, ino };
  }
  if (link.startsWith("pipe:[")) return { type: FdType.FIFO, name: link, ino: Number(link.slice(6, -1)) };
  if (link.startsWith("anon_inode:")) return { type: ANON[link.slice(11)] ?? FdType.UNSUPPORTED, name: "" };
  if (link.startsWith("/memfd:")) return { type: FdType.MEMFD, name: link };
  if (st && st.isFIFO()) return { type: FdType.FIFO, name: link, ino: Number(st.ino) };
  if (st && st.isDirectory()) return { type: FdType.DIRECTORY, name: link, ino: Number(st.ino) };
  if (st && (st.isFile() || st.isBlockDevice() || st.isCharacterDevice() || st.isSymbolicLink())) {
    const fi: Partial<FdInfo> = { type: FdType.FILE_V2, name: link, ino: Number(st.ino), dev: Number(st.dev) };
    const info = readText(`${procPidDir}/fdinfo/${n}`);
    const fm = info ? /^flags:\s+([0-7]+)/m.exec(info) : null;
    if (fm) fi.openFlags = linuxOpenFlagsToPpm(parseInt(fm[1]!, 8));
    return fi;
  }
  return { type: FdType.UNSUPPORTED, name: link, ino: st ? Number(st.ino) : 0 };
}

/** Read the fd table of the process whose /proc directory is `procPidDir` (e.g. "/proc/1234"). */
export function readProcFds(procPidDir: string, opts: ProcReadOptions = {}): Array<[number, Partial<FdInfo>]> {
  const out: Array<[number, Partial<FdInfo>]> = [];
  let names: string[];
  try {
    names = readdirSync(`${procPidDir}/fd`);
  } catch {
    return out;
  }
  const netTables = netTablesFor(procPidDir, opts);
  for (const n of names) {
    const fd = Number(n);
    if (!Number.isInteger(fd)) continue;
    const fi = procFd(procPidDir, n, netTables);
    if (fi) out.push([fd, fi]);
  }
  return out;
}

/**
 * Read one fd of a process from /proc (libscap scap_get_fdinfo, used for fds received with
 * SCM_RIGHTS). Returns null if the fd is gone or is a socket not found in the socket tables.
 */
export function readProcFd(procPidDir: string, fd: number, opts: ProcReadOptions = {}): Partial<FdInfo> | null {
  return procFd(procPidDir, String(fd), netTablesFor(procPidDir, opts));
}

/** Counters of one scan. */
export interface ScanResult {
  threads: number;
  processes: number;
  fds: number;
  skipped: number;
}

/**
 * Seed `table` from `${root}/proc`: every process and every task (thread) of it, fds of main
 * threads. Existing entries with the same tid are replaced. Returns counters.
 */
export function scanProc(table: ThreadTable, root = process.env.HOST_ROOT ?? "", opts: ProcReadOptions = {}): ScanResult {
  const res: ScanResult = { threads: 0, processes: 0, fds: 0, skipped: 0 };
  const netCache = opts.netCache ?? new Map();
  let pids: string[];
  try {
    pids = readdirSync(`${root}/proc`);
  } catch {
    return res;
  }
  for (const ps of pids) {
    const pid = Number(ps);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    let tids: string[];
    try {
      tids = readdirSync(`${root}/proc/${pid}/task`);
    } catch {
      tids = [ps];
    }
    let counted = false;
    for (const ts of tids) {
      const tid = Number(ts);
      if (!Number.isInteger(tid)) continue;
      const p = readProcThread(tid, root, pid, { ...opts, netCache });
      if (!p) {
        res.skipped++;
        continue;
      }
      const t = table.addFromScan(p);
      if (!t) continue;
      res.threads++;
      if (!counted) {
        res.processes++;
        counted = true;
      }
      if (t.tid === t.pid) res.fds += t.fds.size;
    }
  }
  table.linkGroups();
  table.recountChildren();
  return res;
}

/** newFdInfo re-export for callers building fds by hand from scan data. */
export { newFdInfo };
