/**
 * fd.cip.name / fd.sip.name / fd.lip.name / fd.rip.name and the DNS name table (src/fields/dns.ts),
 * with an injected resolver and clock: libsinsp sinsp_dns_manager (dns_manager.cpp) and
 * sinsp_filter_check_fd compare_nocache/compare_domain/extract (sinsp_filtercheck_fd.cpp).
 */
import { describe, expect, it } from "vitest";
import { Event } from "../src/events/event.ts";
import { PPME } from "../src/events/event_table.ts";
import { encodeEvent, encodeSockTuple, type ParamValue } from "../src/events/encode.ts";
import type { FieldContext } from "../src/fields/context.ts";
import { awaitDnsPrefetch, canonicalIp, DnsManager, type DnsResolver } from "../src/fields/dns.ts";
import { createRegistry } from "../src/fields/index.ts";
import { compileCondition } from "../src/rules/compile.ts";
import { parseCondition } from "../src/rules/parser.ts";
import { compileOutput } from "../src/outputs/format.ts";
import { FdType, type FdInfo, type ThreadInfo } from "../src/state/types.ts";

const K8S = "kubernetes.default.svc.cluster.local";

/** A resolver answering from a mutable table, counting calls; unknown names reject (ENOTFOUND). */
function fakeResolver(table: Record<string, string[]>): DnsResolver & { calls: string[] } {
  const calls: string[] = [];
  const r = (async (name: string): Promise<readonly string[]> => {
    calls.push(name);
    const a = table[name];
    if (!a) throw Object.assign(new Error("getaddrinfo ENOTFOUND " + name), { code: "ENOTFOUND" });
    return a;
  }) as unknown as DnsResolver & { calls: string[] };
  r.calls = calls;
  return r;
}

/** A resolver whose answers the test releases by hand. */
function manualResolver(): { resolver: DnsResolver; release: (name: string, addrs: string[]) => void; waiting: () => string[] } {
  const waiting = new Map<string, (a: string[]) => void>();
  return {
    resolver: (name) => new Promise((res) => { waiting.set(name, res); }),
    release: (name, addrs) => {
      const r = waiting.get(name);
      if (!r) throw new Error("no pending resolution of " + name);
      waiting.delete(name);
      r(addrs);
    },
    waiting: () => [...waiting.keys()],
  };
}

describe("DnsManager (libsinsp sinsp_dns_manager)", () => {
  it("canonicalIp gives FdInfo's text forms", () => {
    expect(canonicalIp("203.0.113.7")).toBe("203.0.113.7");
    expect(canonicalIp("2001:0db8:0:0:0:0:0:7")).toBe("2001:db8::7");
    expect(canonicalIp("fe80::1%eth0")).toBe("fe80::1");
    expect(canonicalIp("::ffff:10.0.0.1")).toBe("::ffff:10.0.0.1");
    expect(canonicalIp("nonsense")).toBeUndefined();
    expect(canonicalIp("1.2.3")).toBeUndefined();
  });

  it("prefetch resolves in the background; match checks membership; nameOf only knows matched names", async () => {
    const r = fakeResolver({ [K8S]: ["203.0.113.7", "2001:db8:0::7", "203.0.113.7"] });
    const m = new DnsManager({ resolver: r, timer: false });
    m.prefetch(K8S);
    m.prefetch(K8S);
    expect(r.calls).toEqual([K8S]);
    expect(await m.settled(1000)).toBe(true);
    expect(m.addresses(K8S)).toEqual(["2001:db8::7", "203.0.113.7"]);
    // libsinsp: name_of only sees names that a match() put in the table
    expect(m.nameOf("203.0.113.7")).toBeUndefined();
    expect(m.match(K8S, "203.0.113.7")).toBe(true);
    expect(m.match(K8S, "2001:db8::7")).toBe(true);
    expect(m.match(K8S, "203.0.113.8")).toBe(false);
    expect(m.nameOf("203.0.113.7")).toBe(K8S);
    expect(m.nameOf("2001:db8::7")).toBe(K8S);
    expect(m.nameOf("203.0.113.8")).toBeUndefined();
  });

  it("held (the agent's shared table): names compiled from rules send no query until startResolving (-L, -V, --dry-run never resolve)", async () => {
    const r = fakeResolver({ [K8S]: ["203.0.113.7"] });
    const m = new DnsManager({ resolver: r, timer: false, held: true });
    m.prefetch(K8S);
    expect(r.calls).toEqual([]);
    expect(await awaitDnsPrefetch(m, 1000)).toBe(true); // starts resolving, then waits
    expect(r.calls).toEqual([K8S]);
    expect(m.match(K8S, "203.0.113.7")).toBe(true);
  });

  it("a name first seen by match misses until its resolution lands (never blocks)", async () => {
    const mr = manualResolver();
    const m = new DnsManager({ resolver: mr.resolver, timer: false });
    expect(m.match("api.example", "198.51.100.1")).toBe(false);
    expect(mr.waiting()).toEqual(["api.example"]);
    expect(m.match("api.example", "198.51.100.1")).toBe(false);
    mr.release("api.example", ["198.51.100.1"]);
    await m.settled(1000);
    expect(m.match("api.example", "198.51.100.1")).toBe(true);
    expect(m.nameOf("198.51.100.1")).toBe("api.example");
  });

  it("a name that does not resolve has no addresses (every match false)", async () => {
    const m = new DnsManager({ resolver: fakeResolver({}), timer: false });
    m.prefetch("nosuch.invalid");
    await m.settled(1000);
    expect(m.addresses("nosuch.invalid")).toEqual([]);
    expect(m.match("nosuch.invalid", "0.0.0.0")).toBe(false);
    // a throwing resolver is a failed resolution too
    const m2 = new DnsManager({ resolver: () => { throw new Error("boom"); }, timer: false });
    m2.prefetch("x");
    await m2.settled(1000);
    expect(m2.addresses("x")).toEqual([]);
  });

  it("refresh: same answer doubles the timeout up to the max, a change resets it to the base", async () => {
    let now = 1_000_000;
    const table: Record<string, string[]> = { svc: ["10.1.0.1"] };
    const r = fakeResolver(table);
    const m = new DnsManager({ resolver: r, timer: false, now: () => now, baseRefreshMs: 10_000, maxRefreshMs: 40_000 });
    m.prefetch("svc");
    await m.settled(1000);
    const step = async (ms: number): Promise<number> => {
      now += ms;
      const before = r.calls.length;
      m.refresh();
      await m.settled(1000);
      return r.calls.length - before;
    };
    expect(await step(10_000)).toBe(0); // not past last_resolve + 10 s yet
    expect(await step(1)).toBe(1); // same answer: timeout 20 s
    expect(await step(20_000)).toBe(0);
    expect(await step(1)).toBe(1); // timeout 40 s (max)
    expect(await step(40_001)).toBe(1); // stays 40 s
    expect(await step(40_001)).toBe(1);
    table.svc = ["10.1.0.2"]; // changed: new addresses, timeout back to 10 s
    expect(await step(40_001)).toBe(1);
    expect(m.addresses("svc")).toEqual(["10.1.0.2"]);
    expect(m.match("svc", "10.1.0.1")).toBe(false);
    expect(m.match("svc", "10.1.0.2")).toBe(true);
    expect(await step(10_001)).toBe(1);
    delete table.svc; // resolution fails: addresses emptied (libsinsp stores the empty result)
    expect(await step(20_001)).toBe(1);
    expect(m.addresses("svc")).toEqual([]);
    expect(m.nameOf("10.1.0.2")).toBeUndefined();
  });

  it("erases names unused for the erase timeout unless a rule registered them", async () => {
    let now = 0;
    const r = fakeResolver({ a: ["10.0.0.1"], b: ["10.0.0.2"] });
    const m = new DnsManager({ resolver: r, timer: false, now: () => now, eraseTimeoutMs: 3_600_000 });
    m.prefetch("a");
    m.match("b", "10.0.0.2");
    await m.settled(1000);
    now = 1_800_000;
    expect(m.match("b", "10.0.0.2")).toBe(true); // used: last-used becomes 1800 s at the next pass
    m.refresh();
    await m.settled(1000);
    now = 1_800_000 + 3_600_001;
    m.refresh();
    await m.settled(1000);
    expect(m.names()).toEqual(["a"]);
    expect(m.nameOf("10.0.0.2")).toBeUndefined();
  });

  it("is bounded: a full table evicts the least recently used name", async () => {
    let now = 0;
    const m = new DnsManager({ resolver: fakeResolver({}), timer: false, now: () => now, maxEntries: 2 });
    m.match("n1", "10.0.0.1");
    now = 10;
    m.match("n2", "10.0.0.1");
    now = 20;
    m.match("n3", "10.0.0.1");
    expect(m.size).toBe(2);
    expect(m.names()).toEqual(["n2", "n3"]);
    await m.settled(1000);
  });

  it("nameOf gives the first matched name holding an address", async () => {
    const m = new DnsManager({ resolver: fakeResolver({ one: ["10.9.0.1"], two: ["10.9.0.1", "10.9.0.2"] }), timer: false });
    m.prefetch("two");
    m.prefetch("one");
    await m.settled(1000);
    m.match("one", "10.9.0.1");
    expect(m.nameOf("10.9.0.1")).toBe("one");
    expect(m.nameOf("10.9.0.2")).toBeUndefined();
    m.match("two", "10.9.0.1");
    expect(m.nameOf("10.9.0.1")).toBe("two"); // "two" was inserted first
    expect(m.nameOf("10.9.0.2")).toBe("two");
  });
});

// ---------------------------------------------------------------- fields and compiler

function thread(tid: number, containerId = "host"): ThreadInfo {
  return {
    tid, pid: tid, ptid: 1, sid: 0, vtid: tid, vpid: tid, vpgid: 0, pgid: 0, comm: "curl", exe: "curl",
    exepath: "/usr/bin/curl", args: [], env: [], cwd: "/", root: "/", uid: 0, gid: 0, loginuid: -1, tty: 0,
    fdlimit: 1024, exeFlags: 0, capInheritable: 0n, capPermitted: 0n, capEffective: 0n, exeIno: 0,
    exeInoCtime: 0n, exeInoMtime: 0n, cloneTs: 0n, lastExecTs: 0n, pidnsInitStartTs: 0n, cgroups: [],
    containerId, flags: 0, fds: new Map(), fromScan: false,
  };
}

function sock(sip: string, sport: number, dip: string, dport: number, over: Partial<FdInfo> = {}): FdInfo {
  const v6 = sip.includes(":");
  return {
    type: v6 ? FdType.IPV6_SOCK : FdType.IPV4_SOCK, name: `${sip}:${sport}->${dip}:${dport}`, openFlags: 0, dev: 0, ino: 0,
    l4proto: 2, sip, sport, dip, dport, connected: true, isServer: false, isClient: true, nameChanged: false, ...over,
  };
}

const LOCAL = new Set(["10.0.0.5", "2001:db8::5"]);

function setup(table: Record<string, string[]>) {
  const dns = new DnsManager({ resolver: fakeResolver(table), timer: false });
  const t = thread(4242);
  const ctx: FieldContext = {
    threads: { get: (tid) => (tid === t.tid ? t : undefined) },
    users: { get: () => undefined },
    groups: { get: () => undefined },
    hostname: () => "h",
    isLocalAddress: (ip) => LOCAL.has(ip),
    dns,
  };
  const reg = createRegistry(ctx);
  const connect = (fd: FdInfo): Event => {
    t.fds.set(3, fd);
    const tuple = fd.type === FdType.IPV4_SOCK || fd.type === FdType.IPV6_SOCK ? encodeSockTuple(fd.sip, fd.sport, fd.dip, fd.dport) : null;
    const b = encodeEvent(PPME.SOCKET_CONNECT_X, t.tid, 1n, [0, tuple, 3, null] as ParamValue[]);
    const ev = new Event().reset(b, 0, b.length);
    ev.thread = t;
    ev.fdInfo = fd;
    ev.fdNum = 3;
    return ev;
  };
  const nonFd = (): Event => {
    const b = encodeEvent(PPME.SYSCALL_SETUID_X, t.tid, 1n, [0, 0]);
    const ev = new Event().reset(b, 0, b.length);
    ev.thread = t;
    return ev;
  };
  const cond = (text: string) => compileCondition(parseCondition(text), reg, { noEvttypes: true });
  const x = (field: string, ev: Event) => reg.bind(field, undefined).extract(ev);
  return { dns, reg, t, connect, nonFd, cond, x };
}

describe("fd.*ip.name fields (sinsp_filtercheck_fd.cpp)", () => {
  it("compiling a comparison pre-resolves its names; = / != / in test the fd address against them", async () => {
    const s = setup({ [K8S]: ["203.0.113.7"], "other.svc": ["198.51.100.9"] });
    const eq = s.cond(`fd.sip.name = "${K8S}"`);
    const ne = s.cond(`fd.sip.name != "${K8S}"`);
    const inn = s.cond(`fd.sip.name in ("nosuch.invalid", "other.svc")`);
    expect(s.dns.names()).toEqual([K8S, "nosuch.invalid", "other.svc"]);
    await s.dns.settled(1000);
    const hit = s.connect(sock("10.0.0.5", 40000, "203.0.113.7", 443));
    const miss = s.connect(sock("10.0.0.5", 40001, "203.0.113.8", 443));
    const other = s.connect(sock("10.0.0.5", 40002, "198.51.100.9", 443));
    expect(eq.match(hit)).toBe(true);
    expect(eq.match(miss)).toBe(false);
    expect(ne.match(hit)).toBe(false);
    expect(ne.match(miss)).toBe(true);
    expect(inn.match(other)).toBe(true);
    expect(inn.match(hit)).toBe(false);
    expect(inn.match(miss)).toBe(false);
  });

  it("before its name resolves, = misses (first sighting) and matches once resolved", async () => {
    const mr = manualResolver();
    const dns = new DnsManager({ resolver: mr.resolver, timer: false });
    const t = thread(7);
    const reg = createRegistry({
      threads: { get: () => t }, users: { get: () => undefined }, groups: { get: () => undefined }, hostname: () => "h", dns,
    });
    const c = compileCondition(parseCondition(`fd.sip.name = "${K8S}"`), reg, { noEvttypes: true });
    const fd = sock("10.0.0.5", 40000, "203.0.113.7", 443);
    const b = encodeEvent(PPME.SOCKET_CONNECT_X, 7, 1n, [0, encodeSockTuple(fd.sip, fd.sport, fd.dip, fd.dport), 3, null]);
    const ev = new Event().reset(b, 0, b.length);
    ev.thread = t;
    ev.fdInfo = fd;
    ev.fdNum = 3;
    expect(c.match(ev)).toBe(false);
    mr.release(K8S, ["203.0.113.7"]);
    await dns.settled(1000);
    expect(c.match(ev)).toBe(true);
  });

  it("extraction (outputs) is the reverse lookup of names a comparison used: <NA> before, the name after", async () => {
    const s = setup({ [K8S]: ["203.0.113.7", "2001:db8::7"] });
    const eq = s.cond(`fd.sip.name = "${K8S}"`);
    await s.dns.settled(1000);
    const ev = s.connect(sock("10.0.0.5", 40000, "203.0.113.7", 443));
    const tmpl = compileOutput("name=%fd.sip.name sip=%fd.sip", s.reg);
    expect(s.x("fd.sip.name", ev)).toBeUndefined();
    expect(tmpl.renderText(ev)).toBe("name=<NA> sip=203.0.113.7");
    expect(eq.match(ev)).toBe(true);
    expect(s.x("fd.sip.name", ev)).toBe(K8S);
    expect(tmpl.renderText(ev)).toBe(`name=${K8S} sip=203.0.113.7`);
    expect(s.x("fd.cip.name", ev)).toBeUndefined();
    expect(s.x("fd.rip.name", ev)).toBe(K8S); // 10.0.0.5 is local: remote = server
    expect(s.x("fd.lip.name", ev)).toBeUndefined();
    // the same host as client of an inbound connection: cip.name and (remote side) rip.name
    const inbound = s.connect(sock("203.0.113.7", 5555, "10.0.0.9", 22, { isClient: false, isServer: true }));
    expect(s.x("fd.cip.name", inbound)).toBe(K8S);
    expect(s.x("fd.sip.name", inbound)).toBeUndefined();
    expect(s.x("fd.rip.name", inbound)).toBe(K8S); // client 203.0.113.7 is not local: remote = client
    expect(s.x("fd.lip.name", inbound)).toBeUndefined();
    // IPv6
    const v6 = s.connect(sock("2001:db8::5", 40000, "2001:db8::7", 443));
    expect(s.x("fd.sip.name", v6)).toBe(K8S);
  });

  it("once a name is known for the address, every string operator compares it (compare_rhs)", async () => {
    const s = setup({ [K8S]: ["203.0.113.7"] });
    const eq = s.cond(`fd.sip.name = "${K8S}"`);
    const sw = s.cond(`fd.sip.name startswith "kubernetes."`);
    const gl = s.cond(`fd.sip.name glob "*.cluster.local"`);
    await s.dns.settled(1000);
    const ev = s.connect(sock("10.0.0.5", 40000, "203.0.113.7", 443));
    // no name known for the address yet: compare_domain, which only supports = != in
    expect(sw.match(ev)).toBe(false);
    expect(eq.match(ev)).toBe(true);
    expect(sw.match(ev)).toBe(true);
    expect(gl.match(ev)).toBe(true);
    expect(s.cond(`fd.sip.name contains "nosuch"`).match(ev)).toBe(false);
    expect(s.cond(`fd.sip.name != "x.example"`).match(ev)).toBe(true);
  });

  it("sides: cip, lip, rip compare the client / local / remote address", async () => {
    const s = setup({ client: ["192.0.2.10"], me: ["10.0.0.5"] });
    const cip = s.cond(`fd.cip.name = client`);
    const lip = s.cond(`fd.lip.name = me`);
    const rip = s.cond(`fd.rip.name = client`);
    const sip = s.cond(`fd.sip.name = client`);
    await s.dns.settled(1000);
    // inbound connection from 192.0.2.10 to local 10.0.0.5
    const ev = s.connect(sock("192.0.2.10", 5000, "10.0.0.5", 22, { isClient: false, isServer: true }));
    expect(cip.match(ev)).toBe(true);
    expect(sip.match(ev)).toBe(false);
    expect(rip.match(ev)).toBe(true); // client 192.0.2.10 is not local: remote = client (sip), local = server (dip)
    expect(lip.match(ev)).toBe(true);
    expect(s.cond(`fd.lip.name = client`).match(ev)).toBe(false);
    // outbound from local 10.0.0.5 to 192.0.2.10
    const out = s.connect(sock("10.0.0.5", 5000, "192.0.2.10", 22));
    expect(s.cond(`fd.rip.name = client`).match(out)).toBe(true);
    expect(s.cond(`fd.lip.name = me`).match(out)).toBe(true);
  });

  it("non-socket fds, unknown roles and non-fd events: false; exists holds whenever there is an fd", async () => {
    const s = setup({ [K8S]: ["203.0.113.7"] });
    const eq = s.cond(`fd.sip.name = "${K8S}"`);
    const ne = s.cond(`fd.sip.name != "${K8S}"`);
    const ex = s.cond(`fd.sip.name exists`);
    await s.dns.settled(1000);
    const file: FdInfo = { ...sock("", 0, "", 0), type: FdType.FILE, name: "/etc/hosts", connected: false, isClient: false };
    const fileEv = s.connect(file);
    expect(eq.match(fileEv)).toBe(false);
    expect(ne.match(fileEv)).toBe(false);
    expect(ex.match(fileEv)).toBe(true);
    const roleless = s.connect(sock("10.0.0.5", 1, "203.0.113.7", 443, { isClient: false, connected: false }));
    expect(eq.match(roleless)).toBe(false);
    expect(ne.match(roleless)).toBe(false);
    expect(s.x("fd.sip.name", roleless)).toBeUndefined();
    expect(eq.match(s.nonFd())).toBe(false);
    expect(ne.match(s.nonFd())).toBe(false);
    expect(ex.match(s.nonFd())).toBe(false);
    // a listening socket: extract knows its address, compare_domain does not
    const listen: FdInfo = { ...sock("203.0.113.7", 443, "0.0.0.0", 0), type: FdType.IPV4_SERVSOCK, isServer: true, isClient: false };
    expect(eq.match(listen.type === FdType.IPV4_SERVSOCK ? s.connect(listen) : s.nonFd())).toBe(false);
    expect(eq.match(s.connect(sock("10.0.0.5", 40000, "203.0.113.7", 443)))).toBe(true); // activates the name
    expect(s.x("fd.sip.name", s.connect(listen))).toBe(K8S);
  });

  it("the upstream macro k8s_api_server compiles and matches through the loader's condition syntax", async () => {
    const s = setup({ [K8S]: ["203.0.113.7"] });
    const c = s.cond(`evt.type = connect and evt.dir = < and (fd.typechar = 4 or fd.typechar = 6) and (fd.sip.name = "${K8S}")`);
    await s.dns.settled(1000);
    expect(c.match(s.connect(sock("10.0.0.5", 40000, "203.0.113.7", 443)))).toBe(true);
    expect(c.match(s.connect(sock("10.0.0.5", 40000, "203.0.113.70", 443)))).toBe(false);
  });
});
