/**
 * The probe's start-up checks (src/probe/probe.ts preflight), with host facts injected: each
 * blocking condition is reported with its fix; a healthy host reports none. The live values
 * (this machine) are checked in test/binary.e2e.test.ts.
 */
import { describe, expect, it } from "vitest";
import { hostTgid, kernelVersion, preflight, preflightProblems, type PreflightHost } from "../src/probe/probe.ts";

const CAP = (...bits: number[]) => bits.reduce((a, b) => a | (1n << BigInt(b)), 0n);
const CAP_SYS_ADMIN = 21;
const CAP_SYS_RESOURCE = 24;
const CAP_PERFMON = 38;
const CAP_BPF = 39;
const HEALTHY: PreflightHost = {
  arch: "x64",
  release: "6.1.0-18-amd64",
  btf: true,
  capEff: CAP(CAP_BPF, CAP_PERFMON),
  uid: 0,
  lockdown: "none",
  instances: "0 other falco-ts process(es)",
};
const problems = (h: PreflightHost) => preflightProblems(preflight({ ...HEALTHY, ...h }));

describe("kernelVersion", () => {
  it("parses major.minor from uname -r", () => {
    expect(kernelVersion("6.18.44-fc-v669")).toEqual([6, 18]);
    expect(kernelVersion("5.8.0")).toEqual([5, 8]);
    expect(kernelVersion("4.19.0-26-amd64")).toEqual([4, 19]);
    expect(kernelVersion("garbage")).toBeNull();
  });
});

describe("preflight", () => {
  it("a healthy host has no problems, and every check is listed", () => {
    expect(problems({})).toEqual([]);
    expect(preflight(HEALTHY).map((c) => c.name)).toEqual(["arch", "kernel", "btf", "capabilities", "lockdown", "memlock", "instances"]);
  });

  it("kernel older than 5.8", () => {
    const p = problems({ release: "5.4.0-150-generic" });
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^kernel: 5\.4\.0-150-generic\. Fix: kernel 5\.4 is too old: the probe needs Linux >= 5\.8/);
    expect(problems({ release: "5.8.0" })).toEqual([]);
  });

  it("no BTF", () => {
    expect(problems({ btf: false })).toEqual([expect.stringMatching(/^btf: .*Fix: .*CONFIG_DEBUG_INFO_BTF=y.*-v \/sys\/kernel\/btf:\/sys\/kernel\/btf:ro/)]);
  });

  it("missing capabilities: non-root gets sudo/setcap, root (a container) gets the docker/k8s fix", () => {
    expect(problems({ capEff: 0n, uid: 1000 })).toEqual([expect.stringMatching(/^capabilities: uid 1000.*Fix: run as root .*setcap cap_bpf,cap_perfmon/)]);
    expect(problems({ capEff: CAP(CAP_BPF), uid: 0 })).toEqual([expect.stringMatching(/^capabilities: .*Fix: .*--privileged.*--cap-add BPF --cap-add PERFMON/)]);
    expect(problems({ capEff: CAP(CAP_SYS_ADMIN) })).toEqual([]);
  });

  it("lockdown=confidentiality blocks; integrity and none do not", () => {
    expect(problems({ lockdown: "confidentiality" })).toEqual([expect.stringMatching(/^lockdown: confidentiality\. Fix: .*lockdown=integrity or lockdown=none/)]);
    expect(problems({ lockdown: "integrity" })).toEqual([]);
    expect(problems({ lockdown: "" })).toEqual([]);
  });

  it("memlock on kernels < 5.11 without CAP_SYS_RESOURCE is a warning, not a start-up error", () => {
    const c = preflight({ ...HEALTHY, release: "5.10.0-28-amd64" }).find((x) => x.name === "memlock")!;
    expect(c.ok).toBe(false);
    expect(c.fatal).toBe(false);
    expect(c.fix).toMatch(/CAP_SYS_RESOURCE|LimitMEMLOCK/);
    expect(problems({ release: "5.10.0-28-amd64" })).toEqual([]);
    expect(preflight({ ...HEALTHY, release: "5.10.0", capEff: CAP(CAP_BPF, CAP_PERFMON, CAP_SYS_RESOURCE) }).find((x) => x.name === "memlock")!.ok).toBe(true);
  });

  it("other running instances are reported, never an error", () => {
    const c = preflight({ ...HEALTHY, instances: undefined }).find((x) => x.name === "instances")!;
    expect(c.ok).toBe(true);
    expect(c.detail).toMatch(/other falco-ts process\(es\).*nothing is pinned/);
  });

  it("several problems are all listed", () => {
    expect(problems({ arch: "arm64", release: "4.19.0", btf: false, capEff: 0n, uid: 1000 }).map((p) => p.split(":")[0])).toEqual(["arch", "kernel", "btf", "capabilities"]);
  });
});

describe("hostTgid", () => {
  it("is this process's pid on the host (no HOST_ROOT, or a HOST_ROOT whose proc is this procfs)", () => {
    expect(hostTgid("")).toBe(process.pid);
    expect(hostTgid("/")).toBe(process.pid);
    expect(hostTgid("/nonexistent-host-root")).toBe(process.pid);
  });
});
