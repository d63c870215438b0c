/**
 * AlertGate: alerts from a container whose metadata is pending wait (bounded) and are formatted
 * from a snapshot of the event; order is kept; host alerts with nothing queued go out at once.
 * Uses a real ContainerManager with a delayed fake lookup (via insert) and one with a missing socket.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { AlertGate, type ContainerWaiter, snapshotEvent } from "../src/containers/alert_gate.ts";
import { ContainerManager } from "../src/containers/cache.ts";
import { HOST_CONTAINER } from "../src/containers/types.ts";
import { Event } from "../src/events/event.ts";
import { encodeEvent } from "../src/events/encode.ts";
import { PPME } from "../src/events/event_table.ts";
import { Thread } from "../src/state/threads.ts";

const CID = "0123456789ab";

function eventFor(containerId: string, fd: number, comm: string): { ev: Event; buf: Uint8Array } {
  const buf = encodeEvent(PPME.SYSCALL_CLOSE_E!, 100 + fd, 1_000n + BigInt(fd), [fd]);
  const ev = new Event().reset(buf, 0, buf.length);
  const t = new Thread();
  t.tid = 100 + fd;
  t.pid = 100 + fd;
  t.comm = comm;
  t.containerId = containerId;
  ev.thread = t;
  ev.num = fd;
  return { ev, buf };
}

/** A waiter whose container `CID` becomes ready when `release()` is called (or never). */
function controlledWaiter(): ContainerWaiter & { release(): void; ready: boolean; waits: number } {
  let resolve!: () => void;
  const p = new Promise<void>((r) => (resolve = r));
  const w = {
    ready: false,
    waits: 0,
    needsWait: (id: string) => id === CID && !w.ready,
    whenReady: (_id: string) => {
      w.waits++;
      return p;
    },
    release() {
      w.ready = true;
      resolve();
    },
  };
  return w;
}

describe("AlertGate", () => {
  it("emits host alerts synchronously when nothing is held", () => {
    const w = controlledWaiter();
    const gate = new AlertGate(w);
    const out: number[] = [];
    const { ev } = eventFor("host", 1, "sh");
    gate.submit(ev, (e) => out.push(e.num));
    expect(out).toEqual([1]);
    expect(gate.counters.immediate).toBe(1);
  });

  it("holds an alert from a pending container, keeps order behind it, emits from snapshots", async () => {
    const w = controlledWaiter();
    const gate = new AlertGate(w);
    const out: string[] = [];
    const emit = (e: Event): void => {
      out.push(`${e.num}:${e.thread?.comm}:${e.thread?.containerId}:${e.i64(0)}`);
    };
    const a = eventFor(CID, 1, "bash");
    gate.submit(a.ev, emit);
    // The view and thread change after submit (buffer reuse, later execve): the alert must not see it.
    a.buf.fill(0xff, 26);
    a.ev.thread!.comm = "changed";
    const b = eventFor("host", 2, "sh");
    gate.submit(b.ev, emit);
    expect(out).toEqual([]);
    expect(gate.pending).toBe(2);
    w.release();
    await gate.drain();
    expect(out).toEqual([`1:bash:${CID}:1`, "2:sh:host:2"]);
    expect(gate.counters).toMatchObject({ immediate: 0, held: 2, emitErrors: 0 });
    // Once ready, later alerts from the container go straight out.
    gate.submit(eventFor(CID, 3, "nginx").ev, emit);
    expect(out.length).toBe(3);
  });

  it("with a real ContainerManager: metadata inserted during the wait is visible to the held alert", async () => {
    const m = new ContainerManager({ hostRoot: "", dockerSocket: join(tmpdir(), "fts-no-such.sock"), metadataWaitMs: 2000, retryAfterMs: 0 });
    // Simulate the runtime answering 50 ms later (as a create event would).
    const gate = new AlertGate({ needsWait: (id) => id === CID && m.get(id) === undefined, whenReady: async () => {
      await Bun.sleep(50);
      m.insert(CID, { ...HOST_CONTAINER, id: CID, fullId: CID.padEnd(64, "0"), name: "example1", type: "docker", image: "nginx" });
    } });
    const seen: (string | undefined)[] = [];
    gate.submit(eventFor(CID, 1, "bash").ev, (e) => seen.push(m.get(e.thread!.containerId)?.name));
    await gate.drain();
    expect(seen).toEqual(["example1"]);
  });

  it("a runtime that fails never blocks for longer than the bound", async () => {
    const m = new ContainerManager({ hostRoot: "", dockerSocket: join(tmpdir(), "fts-no-such.sock"), metadataWaitMs: 200 });
    const gate = new AlertGate(m);
    const out: number[] = [];
    const t0 = performance.now();
    gate.submit(eventFor(CID, 1, "bash").ev, (e) => out.push(e.num));
    gate.submit(eventFor(CID, 2, "bash").ev, (e) => out.push(e.num));
    await gate.drain();
    expect(performance.now() - t0).toBeLessThan(200 + 400);
    expect(out).toEqual([1, 2]);
    expect(m.counters.lookupFailures).toBe(1);
    expect(m.needsWait(CID)).toBe(false);
    gate.submit(eventFor(CID, 3, "bash").ev, (e) => out.push(e.num));
    expect(out).toEqual([1, 2, 3]);
  });

  it("counts emit errors and goes on", async () => {
    const w = controlledWaiter();
    const gate = new AlertGate(w);
    const out: number[] = [];
    gate.submit(eventFor(CID, 1, "x").ev, () => {
      throw new Error("boom");
    });
    gate.submit(eventFor(CID, 2, "x").ev, (e) => out.push(e.num));
    w.release();
    await gate.drain();
    expect(out).toEqual([2]);
    expect(gate.counters.emitErrors).toBe(1);
  });

  it("snapshotEvent copies bytes and the thread, keeps prototype behaviour", () => {
    const { ev, buf } = eventFor(CID, 7, "bash");
    const s = snapshotEvent(ev);
    buf.fill(0, 0);
    expect(s.i64(0)).toBe(7);
    expect(s.tid).toBe(107);
    expect(s.thread).not.toBe(ev.thread);
    expect((s.thread as Thread).isMain()).toBe(true);
    expect(s.thread?.cwd).toBe("/");
  });
});
