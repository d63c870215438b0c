/**
 * Address text helpers with libsinsp's formats (falcosecurity/libs userspace/libsinsp/utils.cpp
 * ipv4serveraddr_to_string / ipv4tuple_to_string / ipv6serveraddr_to_string, and glibc inet_ntop
 * for IPv6 text). Ports are printed as numbers (hostname/port resolution off, Falco's default).
 */
import { FdType, type FdInfo } from "./types.ts";

/** IPv4 text from 4 network-order bytes at `off`. */
export function ipv4Text(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** libsinsp is_ipv4_mapped_ipv6: ::ffff:a.b.c.d, or the all-zero address (treated as IPv4 too). */
export function isIpv4Mapped(b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 10; i++) if (b[off + i] !== 0) return false;
  if (b[off + 10] === 0xff && b[off + 11] === 0xff) return true;
  for (let i = 10; i < 16; i++) if (b[off + i] !== 0) return false;
  return true;
}

/** IPv6 text from 16 bytes at `off`, as glibc inet_ntop (longest zero run ≥ 2 → "::", embedded IPv4 for ::ffff:0:0/96 and ::/96). */
export function ipv6Text(b: Uint8Array, off: number): string {
  const w: number[] = new Array(8);
  for (let i = 0; i < 8; i++) w[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase >= 0) {
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
      curBase = -1;
    }
  }
  if (curBase >= 0 && curLen > bestLen) {
    bestBase = curBase;
    bestLen = curLen;
  }
  if (bestLen < 2) bestBase = -1;
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ":";
      continue;
    }
    if (i !== 0) s += ":";
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      s += ipv4Text(b, off + 12);
      break;
    }
    s += w[i]!.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) s += ":";
  return s;
}

/** "ip:port" (ipv4serveraddr_to_string / ipv6serveraddr_to_string). */
export function addrPort(ip: string, port: number): string {
  return `${ip}:${port}`;
}

/** "sip:sport->dip:dport" (ipv4tuple_to_string and the IPv6 form). */
export function tupleText(sip: string, sport: number, dip: string, dport: number): string {
  return `${sip}:${sport}->${dip}:${dport}`;
}

/**
 * fd.name for a socket loaded from a process list / fd list, as libsinsp add_fd_from_scap builds
 * it: IPv4/IPv6 sockets "sip:sport->dip:dport", server sockets "ip:port"; other kinds keep their
 * current name.
 */
export function socketName(f: FdInfo): string {
  switch (f.type) {
    case FdType.IPV4_SOCK:
    case FdType.IPV6_SOCK:
      return tupleText(f.sip, f.sport, f.dip, f.dport);
    case FdType.IPV4_SERVSOCK:
    case FdType.IPV6_SERVSOCK:
      return addrPort(f.sip, f.sport);
    default:
      return f.name;
  }
}
