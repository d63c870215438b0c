/**
 * Glue from a capture's tables to the state engine's seed format: thread partials (for
 * ThreadTable.addFromScan, src/state/threads.ts) whose fds follow libsinsp's
 * sinsp_threadinfo::add_fd_from_scap (falcosecurity/libs 0.25.4 userspace/libsinsp/threadinfo.cpp)
 * and sinsp_network_interfaces::update_fd (ifinfo.cpp) for IPv4 sockets:
 *
 *  - IPv4 sockets: TCP ones are marked connected; a zero source (or destination) address is
 *    inferred from the capture's interface list (exact match, same subnet, else first
 *    non-loopback interface); name "sip:sport->dip:dport".
 *  - IPv6 sockets whose two ends are IPv4-mapped (or all-zero) become IPv4 sockets, as above;
 *    other IPv6 sockets keep their addresses (IPv6 inference from interfaces is not done); TCP
 *    ones are marked connected; name "sip:sport->dip:dport".
 *  - Server sockets: name "ip:port".
 *  - UNIX sockets: the path is the name; an empty path marks the client end, else the server end.
 *  - Files (FILE_V2): open flags, dev and name; other kinds: the name.
 */
import type { FdInfo } from "../state/types.ts";
import type { ThreadPartial } from "../state/threads.ts";
import type { CaptureFd, CaptureInterface, CaptureThread } from "./format.ts";
import type { CaptureReader } from "./reader.ts";

/** scap_l4_proto TCP. */
const SCAP_L4_TCP = 2;

function v4num(s: string): number {
  const p = s.split(".");
  if (p.length !== 4) return 0;
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0;
}
function v4text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/** If `ip` (IPv6 text) is IPv4-mapped or all-zero (libsinsp is_ipv4_mapped_ipv6), its IPv4 text, else null. */
function mappedV4(ip: string): string | null {
  if (ip === "::" || ip === "") return "0.0.0.0";
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : null;
}

/** sinsp_network_interfaces::infer_ipv4_address over the capture's IPv4 interfaces (addresses as host-order numbers). */
function inferIpv4(dst: number, ifs: readonly CaptureInterface[]): number {
  const v4 = ifs.filter((i) => i.type === 1 || i.type === 3).map((i) => ({ addr: v4num(i.addr), mask: v4num(i.netmask) }));
  for (const i of v4) if (i.addr === dst) return i.addr;
  for (const i of v4) if (((i.addr & i.mask) >>> 0) === ((dst & i.mask) >>> 0)) return i.addr;
  for (const i of v4) if (i.addr !== 0x7f000001) return i.addr;
  return 0;
}

/**
 * One capture fd as a Partial<FdInfo> the state engine can seed with (see the module comment for
 * the libsinsp rules applied). `interfaces` are used to infer zero IPv4 addresses.
 */
export function captureFdToFdInfo(f: CaptureFd, interfaces: readonly CaptureInterface[] = []): Partial<FdInfo> {
  const out: Partial<FdInfo> = { type: f.type, ino: f.ino, openFlags: 0, name: f.name };
  let type = f.type;
  let sip = f.sip;
  let dip = f.dip;
  if (type === 4) {
    const ms = mappedV4(sip);
    const md = mappedV4(dip);
    if (ms !== null && md !== null) {
      type = 3;
      sip = ms;
      dip = md;
    }
  }
  switch (type) {
    case 3: {
      let s = v4num(sip);
      let d = v4num(dip);
      // update_fd: infer a missing end from the interfaces
      if (s === 0 || d === 0) {
        if (s === 0) {
          const n = inferIpv4(d, interfaces);
          if (!(n === d && f.sport === f.dport)) s = n;
        } else {
          const n = inferIpv4(s, interfaces);
          if (!(n === s && f.sport === f.dport)) d = n;
        }
      }
      out.type = 3;
      out.sip = v4text(s);
      out.dip = v4text(d);
      out.sport = f.sport;
      out.dport = f.dport;
      out.l4proto = f.l4proto;
      out.connected = f.l4proto === SCAP_L4_TCP;
      out.name = `${out.sip}:${f.sport}->${out.dip}:${f.dport}`;
      break;
    }
    case 4:
      out.sip = sip;
      out.dip = dip;
      out.sport = f.sport;
      out.dport = f.dport;
      out.l4proto = f.l4proto;
      out.connected = f.l4proto === SCAP_L4_TCP;
      out.name = `${sip}:${f.sport}->${dip}:${f.dport}`;
      break;
    case 5:
    case 6:
      out.sip = sip;
      out.sport = f.sport;
      out.l4proto = f.l4proto;
      out.name = `${sip}:${f.sport}`;
      break;
    case 8:
      out.name = f.name;
      out.isServer = f.name !== "";
      break;
    case 16:
      out.openFlags = f.openFlags;
      out.dev = f.dev;
      break;
    default:
      break;
  }
  return out;
}

/**
 * The capture's current-section threads as ThreadTable.addFromScan partials, each carrying its fds
 * (from `reader.fds`, converted by captureFdToFdInfo). Call after openCapture (and in onSection for
 * concatenated captures), then ThreadTable.linkGroups()/recountChildren().
 */
export function captureThreadPartials(reader: CaptureReader): ThreadPartial[] {
  return reader.threads.map((t: CaptureThread) => {
    const fds = reader.fds.get(t.tid);
    const p: ThreadPartial = {
      tid: t.tid,
      pid: t.pid,
      ptid: t.ptid,
      sid: t.sid,
      vpgid: t.vpgid,
      pgid: t.pgid,
      vtid: t.vtid,
      vpid: t.vpid,
      comm: t.comm,
      exe: t.exe,
      exepath: t.exepath,
      args: t.args,
      env: t.env,
      cwd: t.cwd,
      root: t.root,
      uid: t.uid,
      gid: t.gid,
      loginuid: t.loginuid,
      tty: t.tty,
      fdlimit: t.fdlimit,
      exeFlags: t.exeFlags,
      capInheritable: t.capInheritable,
      capPermitted: t.capPermitted,
      capEffective: t.capEffective,
      exeIno: t.exeIno,
      exeInoCtime: t.exeInoCtime,
      exeInoMtime: t.exeInoMtime,
      pidnsInitStartTs: t.pidnsInitStartTs,
      cgroups: t.cgroups,
      flags: t.flags,
      fromScan: true,
    };
    if (fds) p.fds = fds.map((f) => [f.fd, captureFdToFdInfo(f, reader.interfaces)] as [number, Partial<FdInfo>]);
    return p;
  });
}
