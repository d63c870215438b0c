/**
 * `fd.*` fields (libs userspace/libsinsp sinsp_filtercheck_fd.cpp, libsinsp 0.25.4), read from the
 * fd the state engine attached to the event (Event.fdInfo), else the thread's fd table entry for
 * Event.fdNum (libsinsp m_lastevent_fd). Only events that create, use or destroy an fd
 * (EF_CREATES_FD | EF_USES_FD | EF_DESTROYS_FD) have fd fields; others give <NA>.
 *
 * IP values are text ("1.2.3.4", IPv6 text form) as FdInfo holds them; ports are numbers.
 * fd.ip, fd.port, fd.proto and fd.net are filter-only and compare both ends (BoundField.multi);
 * fd.cnet/snet/lnet/rnet extract one address, which the compiler compares with a network (IPNET).
 * fd.cip.name/sip.name/lip.name/rip.name use the DNS name table (src/fields/dns.ts), see ipName.
 */
import type { Event } from "../events/event.ts";
import { PPME } from "../events/event_table.ts";
import { PPM_O } from "../events/flags.ts";
import { SCAP_L4, fdTypeChar, fdTypeString, isFdEvent, renderParam } from "../events/render.ts";
import { concatenatePaths } from "../state/paths.ts";
import { FdType, type FdInfo, type ThreadInfo } from "../state/types.ts";
import type { FieldContext } from "./context.ts";
import { type DnsTable, sharedDnsManager } from "./dns.ts";
import { type Binder, type BindResult, type FieldClassImpl, nonexistent, parseIndex } from "./defs.ts";
import type { Extractor, FieldValue } from "./registry.ts";

/** The thread and fd of an fd event, as libsinsp extract_fd; undefined when not an fd event or no thread. */
interface FdCtx {
  t: ThreadInfo;
  fd: FdInfo | undefined;
}

const isSock = (fd: FdInfo): boolean => fd.type === FdType.IPV4_SOCK || fd.type === FdType.IPV6_SOCK;
const isServSock = (fd: FdInfo): boolean => fd.type === FdType.IPV4_SERVSOCK || fd.type === FdType.IPV6_SERVSOCK;
const isFile = (fd: FdInfo): boolean => fd.type === FdType.FILE || fd.type === FdType.FILE_V2;

/**
 * sinsp_fdinfo::is_role_none: neither FLAGS_ROLE_CLIENT (FdInfo.isClient) nor FLAGS_ROLE_SERVER
 * (FdInfo.isServer) is set. Producers that do not fill `isClient` get "connected" as the client mark.
 */
export function fdRoleNone(fd: FdInfo): boolean {
  if (fd.isServer) return false;
  if (fd.isClient !== undefined) return !fd.isClient;
  return !fd.connected;
}

function removeDupSlashes(s: string): string {
  return s.includes("//") ? s.replace(/\/{2,}/g, "/") : s;
}

/** Build the fd.* implementations bound to a context. */
export function fdFields(ctx: FieldContext): FieldClassImpl {
  const local = (ip: string, t: ThreadInfo): boolean => (ctx.isLocalAddress ? ctx.isLocalAddress(ip, t) : false);

  // One scratch object reused by every extraction (extractors run synchronously, one at a time).
  const scratch: FdCtx = { t: null as unknown as ThreadInfo, fd: undefined };
  function fdctx(ev: Event, argFd = -1): FdCtx | undefined {
    if (!isFdEvent(ev)) return undefined;
    const t = ev.thread;
    if (!t) return undefined;
    scratch.t = t;
    if (argFd !== -1) {
      scratch.fd = t.fds.get(argFd);
      return scratch;
    }
    let fd: FdInfo | undefined = ev.fdInfo ?? undefined;
    if (!fd && ev.fdNum !== -1) fd = t.fds.get(ev.fdNum);
    scratch.fd = fd;
    return scratch;
  }

  /** sinsp_filter_check_fd::extract_fdname_from_event: the name from the event when no fd is known. */
  function nameFromEvent(ev: Event, raw: boolean): string | undefined {
    if (ev.dir === ">") return undefined;
    switch (ev.type) {
      case PPME.SYSCALL_OPEN_X:
      case PPME.SOCKET_ACCEPT_5_X:
      case PPME.SOCKET_ACCEPT4_6_X:
      case PPME.SYSCALL_CREAT_X:
      case PPME.SOCKET_CONNECT_X:
        return renderParam(ev, 1, ctx) ?? "";
      case PPME.SYSCALL_OPENAT_2_X:
      case PPME.SYSCALL_OPENAT2_X: {
        if (ev.nparams < 3 || ev.paramLen(2) === 0) return undefined;
        const name = ev.str(2) ?? "";
        if (raw) return name;
        if (ev.paramLen(1) === 0) return undefined;
        const dirfd = ev.int(1);
        return concatenatePaths(parseDirfd(ev, name, dirfd), name);
      }
      case PPME.SYSCALL_OPEN_BY_HANDLE_AT_X:
        return ev.str(3) ?? "";
      default:
        return "";
    }
  }

  const F = (fn: (c: FdCtx, ev: Event) => FieldValue): Extractor => (ev) => {
    const c = fdctx(ev);
    return c ? fn(c, ev) : undefined;
  };
  /** Fields that need a known fd. */
  const FD = (fn: (fd: FdInfo, c: FdCtx, ev: Event) => FieldValue): Extractor => (ev) => {
    const c = fdctx(ev);
    return c && c.fd ? fn(c.fd, c, ev) : undefined;
  };

  const fdName = (c: FdCtx, ev: Event): string | undefined => (c.fd ? c.fd.name : nameFromEvent(ev, false));
  const fdDirectory = (c: FdCtx, ev: Event): string | undefined => {
    let s: string | undefined;
    if (!c.fd) s = nameFromEvent(ev, false);
    else if (!(isFile(c.fd) || c.fd.type === FdType.DIRECTORY)) return undefined;
    else s = c.fd.name;
    if (s === undefined) return undefined;
    return !c.fd || isFile(c.fd) ? dirOf(s) : s;
  };
  // fd.directory of a file path, memoised for the last path: several rules read fd.directory of
  // the same event (same fd.name string), and consecutive events often open the same path.
  let memoPath = "";
  let memoDir = "/";
  const dirOf = (s: string): string => {
    if (s === memoPath) return memoDir;
    let d = s;
    const pos = s.lastIndexOf("/");
    if (pos > 0) {
      if (pos < s.length - 1) d = s.slice(0, pos);
    } else d = "/";
    memoPath = s;
    memoDir = d;
    return d;
  };
  // libsinsp prefixes the plugin's thread container id, which is "" for host processes.
  const containerId = (t: ThreadInfo): string => (t.containerId === "host" ? "" : t.containerId);

  // Client/server/local/remote sides of a connected socket (FdInfo: sip/sport = client, dip/dport = server).
  const clientIp = FD((fd) => (fdRoleNone(fd) || !isSock(fd) ? undefined : fd.sip));
  const serverIp = FD((fd) => {
    if (isServSock(fd)) return fd.sip;
    if (isSock(fd)) return fdRoleNone(fd) ? undefined : fd.dip;
    return undefined;
  });
  const localRemote = (want: "l" | "r", what: "ip" | "port" | "proto"): Extractor =>
    FD((fd, c) => {
      if (!isSock(fd) || fdRoleNone(fd)) return undefined;
      const isLocal = local(fd.sip, c.t);
      const useClient = (want === "l") === isLocal;
      if (what === "ip") return useClient ? fd.sip : fd.dip;
      const port = useClient ? fd.sport : fd.dport;
      return what === "port" ? port : String(port);
    });
  const clientPort = (asText: boolean): Extractor =>
    FD((fd) => {
      if (fdRoleNone(fd)) return undefined;
      if (isSock(fd)) return asText ? String(fd.sport) : fd.sport;
      return asText ? "" : undefined;
    });
  const serverPort = (asText: boolean): Extractor =>
    FD((fd) => {
      let p: number;
      if (isSock(fd)) {
        if (fdRoleNone(fd)) return undefined;
        p = fd.dport;
      } else if (isServSock(fd)) p = fd.sport;
      else return undefined;
      if (!asText) return p;
      return isSock(fd) ? String(p) : "";
    });

  /** fd.ip / fd.net: both ends (servsock: its address), for BoundField.multi. */
  const bothIps = (ev: Event): FieldValue[] | undefined => {
    const c = fdctx(ev);
    if (!c || !c.fd) return undefined;
    const fd = c.fd;
    if (isSock(fd)) return [fd.sip, fd.dip];
    if (isServSock(fd)) return [fd.sip];
    return [];
  };
  const bothPorts = (ev: Event): FieldValue[] | undefined => {
    const c = fdctx(ev);
    if (!c || !c.fd) return undefined;
    const fd = c.fd;
    if (isSock(fd)) return [fd.sport, fd.dport];
    if (isServSock(fd)) return [fd.sport];
    return [];
  };
  /*
   * fd.cip.name / fd.sip.name / fd.lip.name / fd.rip.name (sinsp_filtercheck_fd.cpp
   * TYPE_CLIENTIP_NAME, TYPE_SERVERIP_NAME, TYPE_LIP_NAME, TYPE_RIP_NAME) over the DNS table
   * (src/fields/dns.ts, libsinsp sinsp_dns_manager):
   * - extract: the name the table gives for the side's address (name_of), <NA> when none, when the
   *   socket's role is unknown, or for other fd kinds. Sides: cip = client address (sip); sip =
   *   server address (dip; a listening socket's own address); lip/rip = local/remote end of a
   *   connected socket as fd.lip/fd.rip choose it.
   * - compare (BoundField.domain, libsinsp compare_domain when extract gives nothing): whether the
   *   side's address is among the constant name's resolved addresses; listening sockets have no
   *   address there (libsinsp only handles connected IPv4/IPv6 sockets in compare_domain).
   */
  const dns = (): DnsTable => ctx.dns ?? sharedDnsManager();
  /** The side's address for compare_domain: undefined without fd, "" when not a connected socket. */
  const domainTarget = (side: "c" | "s" | "l" | "r") => (ev: Event): string | undefined => {
    const c = fdctx(ev);
    if (!c || !c.fd) return undefined;
    const fd = c.fd;
    if (!isSock(fd) || fdRoleNone(fd)) return "";
    if (side === "c") return fd.sip;
    if (side === "s") return fd.dip;
    const useClient = (side === "l") === local(fd.sip, c.t);
    return useClient ? fd.sip : fd.dip;
  };
  const ipName = (side: "c" | "s" | "l" | "r"): Binder => (): BindResult => {
    const extract: Extractor = FD((fd, c) => {
      let ip: string;
      if (side === "c" || side === "s") {
        if (fdRoleNone(fd)) return undefined;
        if (isSock(fd)) ip = side === "c" ? fd.sip : fd.dip;
        else if (side === "s" && isServSock(fd)) ip = fd.sip;
        else return undefined;
      } else {
        if (!isSock(fd) || fdRoleNone(fd)) return undefined;
        ip = (side === "l") === local(fd.sip, c.t) ? fd.sip : fd.dip;
      }
      const name = dns().nameOf(ip);
      return name === undefined || name === "" ? undefined : name;
    });
    return {
      extract,
      domain: {
        target: domainTarget(side),
        match: (name, ip) => dns().match(name, ip),
        prefetch: (name) => dns().prefetch(name),
      },
    };
  };

  const multi = (values: (ev: Event) => FieldValue[] | undefined): Binder => (): BindResult => ({
    extract: values,
    multi: { values, neAll: true },
  });

  const binders: Record<string, Binder> = {
    "fd.num": () => F((_c, ev) => ev.fdNum),
    "fd.type": () => FD((fd) => fdTypeString(fd)),
    "fd.typechar": () => F((c, ev) => (c.fd ? fdTypeChar(c.fd) : eventTypeChar(ev))),
    "fd.name": () => F((c, ev) => fdName(c, ev)),
    "fd.directory": () => F((c, ev) => fdDirectory(c, ev)),
    "fd.filename": () => FD((fd) => {
      if (!isFile(fd)) return undefined;
      const s = fd.name;
      const pos = s.lastIndexOf("/");
      if (pos < 0) return "/";
      return pos < s.length - 1 ? s.slice(pos + 1) : s;
    }),
    "fd.ip": multi(bothIps),
    "fd.cip": () => clientIp,
    "fd.sip": () => serverIp,
    "fd.lip": () => localRemote("l", "ip"),
    "fd.rip": () => localRemote("r", "ip"),
    "fd.port": multi(bothPorts),
    "fd.cport": () => clientPort(false),
    "fd.sport": () => serverPort(false),
    "fd.lport": () => localRemote("l", "port"),
    "fd.rport": () => localRemote("r", "port"),
    "fd.l4proto": () => FD((fd) => {
      switch (fd.l4proto) {
        case SCAP_L4.TCP: return "tcp";
        case SCAP_L4.UDP: return "udp";
        case SCAP_L4.ICMP: return "icmp";
        case SCAP_L4.RAW: return "raw";
        default: return "<NA>";
      }
    }),
    "fd.sockfamily": () => FD((fd) => (isSock(fd) || isServSock(fd) ? "ip" : fd.type === FdType.UNIX_SOCK ? "unix" : undefined)),
    "fd.is_server": () => FD((fd, c) => {
      if (isServSock(fd)) return true;
      if (isSock(fd)) return local(fd.dip, c.t);
      return false;
    }),
    "fd.uid": () => F((c, ev) => String(c.t.tid) + String(ev.fdNum)),
    "fd.containername": () => F((c, ev) => {
      const n = fdName(c, ev);
      return n === undefined ? undefined : containerId(c.t) + ":" + n;
    }),
    "fd.containerdirectory": () => F((c, ev) => {
      const d = fdDirectory(c, ev);
      return d === undefined ? undefined : containerId(c.t) + ":" + d;
    }),
    "fd.proto": multi(bothPorts),
    "fd.cproto": () => clientPort(true),
    "fd.sproto": () => serverPort(true),
    "fd.lproto": () => localRemote("l", "proto"),
    "fd.rproto": () => localRemote("r", "proto"),
    "fd.net": multi(bothIps),
    "fd.cnet": () => clientIp,
    "fd.snet": () => serverIp,
    "fd.lnet": () => localRemote("l", "ip"),
    "fd.rnet": () => localRemote("r", "ip"),
    "fd.connected": () => FD((fd) => fd.connected),
    "fd.name_changed": () => FD((fd) => fd.nameChanged),
    "fd.cip.name": ipName("c"),
    "fd.sip.name": ipName("s"),
    "fd.lip.name": ipName("l"),
    "fd.rip.name": ipName("r"),
    "fd.dev": () => FD((fd) => fd.dev >>> 0),
    "fd.dev.major": () => FD((fd) => (fd.dev & 0xfff00) >>> 8),
    "fd.dev.minor": () => FD((fd) => ((fd.dev & 0xff) | ((fd.dev >>> 12) & 0xfff00)) >>> 0),
    "fd.ino": () => FD((fd) => fd.ino),
    "fd.nameraw": () => F((c, ev) => {
      const raw = c.fd ? (c.fd.nameRaw ?? "") : nameFromEvent(ev, true);
      return raw === undefined ? undefined : removeDupSlashes(raw);
    }),
    "fd.types": (arg, style, fullName) => {
      if (arg !== undefined) {
        if (style !== "bracket") throw nonexistent(fullName);
        const n = parseIndex(arg, fullName);
        return (ev: Event) => {
          const c = fdctx(ev, n);
          return c && c.fd ? [fdTypeString(c.fd)] : undefined;
        };
      }
      return F((c) => {
        const seen = new Set<string>();
        for (const fd of c.t.fds.values()) seen.add(fdTypeString(fd));
        return [...seen];
      });
    },
    "fd.is_upper_layer": () => FD((fd) => (fd.openFlags & PPM_O.FD_UPPER_LAYER) !== 0),
    "fd.is_lower_layer": () => FD((fd) => (fd.openFlags & PPM_O.FD_LOWER_LAYER) !== 0),
  };

  /** sinsp_parser::parse_dirfd: the directory a relative openat path is resolved from. */
  function parseDirfd(ev: Event, name: string, dirfd: number): string {
    if (name.charCodeAt(0) === 47) return ".";
    const t = ev.thread;
    if (!t) return "<UNKNOWN>";
    if (dirfd === -100) return t.cwd.endsWith("/") ? t.cwd : t.cwd + "/";
    const fd = t.fds.get(dirfd);
    if (!fd) return "<UNKNOWN>";
    return fd.name === "" || fd.name.endsWith("/") ? fd.name : fd.name + "/";
  }

  return { binders };
}

/** sinsp_evt::extract_typechar: the fd kind an event creates, when the fd itself is unknown. */
function eventTypeChar(ev: Event): string {
  const code = ev.type | 1; // PPME_MAKE_EXIT
  switch (code) {
    case PPME.SYSCALL_OPENAT_2_X: case PPME.SYSCALL_OPENAT2_X: case PPME.SYSCALL_CREAT_X:
      return "f";
    case PPME.SOCKET_SOCKET_X: case PPME.SOCKET_ACCEPT_5_X: case PPME.SOCKET_ACCEPT4_6_X:
      return "4";
    case PPME.SYSCALL_PIPE_X: case PPME.SYSCALL_PIPE2_X:
      return "p";
    case PPME.SYSCALL_EVENTFD_X: case PPME.SYSCALL_EVENTFD2_X:
      return "e";
    case PPME.SYSCALL_SIGNALFD_X: case PPME.SYSCALL_SIGNALFD4_X:
      return "s";
    case PPME.SYSCALL_TIMERFD_CREATE_X:
      return "t";
    case PPME.SYSCALL_INOTIFY_INIT_X: case PPME.SYSCALL_INOTIFY_INIT1_X:
      return "i";
    default:
      return "o";
  }
}
