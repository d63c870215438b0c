/**
 * The state engine over real captures (../shared/captures, read with src/capture/reader.ts and
 * seeded from their process/fd/user tables): no exceptions on any capture, and known facts of
 * two captures (falco test trace files) come out as libsinsp reports them.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { openCapture, type CaptureReader } from "../src/capture/reader.ts";
import { captureThreadPartials } from "../src/capture/tables.ts";
import { StateEngine } from "../src/state/parser.ts";
import { UserGroupManager } from "../src/state/users.ts";
import { Event } from "../src/events/event.ts";

const CAPTURES = join(import.meta.dirname, "../../shared/captures");

function listCaptures(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...listCaptures(p));
    else if (n.endsWith(".scap")) out.push(p);
  }
  return out.sort();
}

function replay(path: string, onEvent?: (ev: Event, se: StateEngine) => void): { se: StateEngine; events: number } {
  const se = new StateEngine({ queryProc: false, users: new UserGroupManager("/nonexistent", { readFiles: false }) });
  const seed = (r: CaptureReader): void => {
    for (const p of captureThreadPartials(r)) se.threads.addFromScan(p);
    se.threads.linkGroups();
    se.threads.recountChildren();
    for (const u of r.users) se.users.addUser(u);
    for (const g of r.groups) se.users.addGroup(g);
  };
  const r = openCapture(path, { onSection: (rr) => seed(rr) });
  const ev = new Event();
  let events = 0;
  while (r.next(ev)) {
    events++;
    se.process(ev);
    onEvent?.(ev, se);
  }
  r.close();
  return { se, events };
}

describe("state engine on real captures", () => {
  it("processes every capture without throwing and finds a thread for nearly every syscall event", () => {
    const files = listCaptures(CAPTURES);
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      let withThread = 0;
      let syscalls = 0;
      const { events } = replay(f, (ev) => {
        if (!ev.info.category.includes("EC_SYSCALL")) return;
        syscalls++;
        if (ev.thread) withThread++;
      });
      expect(events, f).toBeGreaterThan(0);
      if (syscalls > 0) expect(withThread / syscalls, f).toBeGreaterThan(0.95);
    }
  });

  it("cat_write.scap: cat's exec, its open of /dev/null and its exit", () => {
    const opens: string[] = [];
    let execComm = "";
    let exitSeen = false;
    let catTid = -1;
    const { se } = replay(join(CAPTURES, "falco/trace_files/cat_write.scap"), (ev) => {
      if (ev.name === "execve" && ev.dir === "<" && ev.thread?.comm === "cat") {
        execComm = ev.thread.comm;
        catTid = ev.thread.tid;
        expect(ev.thread.args).toEqual(["/dev/null"]);
      }
      if (ev.name === "open" && ev.dir === "<" && ev.thread?.comm === "cat" && ev.fdInfo) opens.push(ev.fdInfo.name);
      if (ev.name === "procexit" && ev.thread?.tid === catTid) exitSeen = true;
    });
    expect(execComm).toBe("cat");
    expect(opens).toContain("/dev/null");
    expect(opens.length).toBe(4);
    expect(exitSeen).toBe(true);
    se.flush();
    expect(se.threads.get(catTid)).toBeUndefined();
  });

  it("connect_localhost.scap: the connect names its socket 127.0.0.1:47192->127.0.0.1:80", () => {
    const names: string[] = [];
    replay(join(CAPTURES, "falco/trace_files/connect_localhost.scap"), (ev) => {
      if (ev.name === "connect" && ev.dir === "<" && ev.fdInfo) names.push(ev.fdInfo.name);
    });
    expect(names).toEqual(["127.0.0.1:47192->127.0.0.1:80"]);
  });
});
