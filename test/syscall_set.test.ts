/**
 * syscallSet: which ppm events the live probe selects, as Falco's configure_interesting_sets does
 * (rules' event types ∪ libsinsp's state set by default; base_syscalls.custom_set / repair / all).
 */
import { describe, expect, it } from "vitest";
import { syscallSet } from "../src/cli/syscall_set.ts";
import { defaultConfig } from "../src/cli/config.ts";
import { MODIFIES_STATE_EVENTS, PROBE_EVENTS, STATE_EVENTS } from "../src/probe/syscalls_x86_64.ts";

const active = (names: string[]) => ({ eventNames: new Set(names) });
function cfg(custom: string[] = [], repair = false, all = false) {
  const c = defaultConfig();
  c.base_syscalls = { custom_set: custom, repair, all };
  return c;
}

describe("syscallSet (base_syscalls)", () => {
  it("the state set is libsinsp's EF_MODIFIES_STATE events the probe emits, a superset of STATE_EVENTS", () => {
    for (const n of ["socket", "bind", "connect", "accept4", "dup2", "fcntl", "pipe2", "sendto", "recvmsg", "setuid", "mount", "chroot"]) expect(MODIFIES_STATE_EVENTS.has(n)).toBe(true);
    for (const n of ["unlinkat", "kill", "ptrace", "bpf", "chmod"]) expect(MODIFIES_STATE_EVENTS.has(n)).toBe(false);
    for (const n of STATE_EVENTS) expect(MODIFIES_STATE_EVENTS.has(n)).toBe(true);
    for (const n of MODIFIES_STATE_EVENTS) expect(PROBE_EVENTS.has(n)).toBe(true);
  });

  it("default: the rules' events plus the state set", () => {
    const s = syscallSet(cfg(), active(["ptrace", "execve"]));
    expect(s.has("ptrace")).toBe(true);
    expect(s.has("socket")).toBe(true);
    expect(s.has("connect")).toBe(true);
    expect(s.has("kill")).toBe(false);
  });

  it("custom_set with positive names replaces the state set; negatives are removed last", () => {
    const s = syscallSet(cfg(["kill", "!ptrace"]), active(["ptrace", "execve"]));
    expect(s.has("kill")).toBe(true);
    expect(s.has("execve")).toBe(true);
    expect(s.has("socket")).toBe(false);
    expect(s.has("ptrace")).toBe(false);
    // negatives only: the state set stays
    expect(syscallSet(cfg(["!sendto"]), active([])).has("socket")).toBe(true);
    expect(syscallSet(cfg(["!sendto"]), active([])).has("sendto")).toBe(false);
  });

  it("repair with no positive names: no state set beyond the probe's own minimum", () => {
    const s = syscallSet(cfg([], true), active(["ptrace"]));
    expect([...s]).toEqual(["ptrace"]);
  });

  it("all (-A): every event", () => {
    expect(syscallSet(cfg([], false, true), active([])).has("read")).toBe(true);
  });
});
