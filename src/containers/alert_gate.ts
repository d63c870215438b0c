/**
 * AlertGate: holds alerts from a container whose metadata is still being looked up, for at most
 * the bounded wait, so the first alert from a new container carries container.* and k8s.* fields.
 *
 * The engine's match handler is synchronous and must not retain the reusable Event view; the gate
 * therefore takes a snapshot of a held event (its bytes, the thread as it was at match time, the
 * fd) and formats the alert later from the snapshot, when ContainerManager.whenReady resolves.
 * Alerts leave in submission order: once one alert is held, later ones (from any container, host
 * included) queue behind it, so outputs stay ordered; each container's wait is bounded by the
 * manager (at most metadataWaitMs per lookup attempt, see ContainerManager.whenReady).
 *
 * Falco itself does not wait (its container plugin fills metadata asynchronously and the first
 * events of a container may print <NA>); this gate is falco-ts's bounded improvement on that.
 */
import { Event } from "../events/event.ts";
import type { ThreadInfo } from "../state/types.ts";

/** What the gate needs of the container cache (ContainerManager implements it). */
export interface ContainerWaiter {
  /** True when an alert for this container id should wait for metadata. */
  needsWait(id: string): boolean;
  /** Resolves when metadata arrived, the lookup failed, or the bound passed. Never rejects. */
  whenReady(id: string): Promise<void>;
}

/** Counters of the gate. */
export interface AlertGateCounters {
  /** Alerts emitted at once (nothing to wait for, nothing queued). */
  immediate: number;
  /** Alerts that went through the queue (held for metadata, or behind a held one). */
  held: number;
  /** emit callbacks that threw (counted; the queue goes on). */
  emitErrors: number;
}

interface Held {
  containerId: string;
  ev: Event;
  emit: (ev: Event) => void;
}

/**
 * Copy of an event view that stays valid after the batch buffer is reused: own bytes, same
 * number/cpu/flags/extra, a shallow copy of the thread as it is now (so later execve/chdir do not
 * change what the alert shows; its fd table and parents are still shared) and the same fd info.
 */
export function snapshotEvent(ev: Event): Event {
  const bytes = ev.buf.slice(ev.off, ev.off + ev.len);
  const copy = new Event().reset(bytes, 0, bytes.length);
  copy.num = ev.num;
  copy.cpu = ev.cpu;
  copy.flags = ev.flags;
  copy.fdInfo = ev.fdInfo;
  copy.fdNum = ev.fdNum;
  for (const [k, v] of ev.extra) copy.extra.set(k, v);
  const t = ev.thread;
  if (t) {
    const c = Object.assign(Object.create(Object.getPrototypeOf(t) as object) as object, t) as ThreadInfo & { fs?: { cwd: string } };
    if (c.fs && typeof c.fs === "object") c.fs = { ...c.fs };
    copy.thread = c;
  }
  return copy;
}

/** Ordered, bounded deferral of alert emission until container metadata is ready. */
export class AlertGate {
  readonly counters: AlertGateCounters = { immediate: 0, held: 0, emitErrors: 0 };
  private readonly queue: Held[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly containers: ContainerWaiter) {}

  /** Alerts currently held. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Emit an alert for `ev` now (calls `emit(ev)` synchronously) when its container needs no wait
   * and nothing is queued; otherwise snapshot the event and call `emit(snapshot)` later, in order.
   * `emit` formats and queues the output; it must not throw (if it does, the error is counted).
   */
  submit(ev: Event, emit: (ev: Event) => void): void {
    const id = ev.thread?.containerId ?? "";
    if (this.queue.length === 0 && !this.containers.needsWait(id)) {
      this.counters.immediate++;
      this.safeEmit(emit, ev);
      return;
    }
    this.counters.held++;
    this.queue.push({ containerId: id, ev: snapshotEvent(ev), emit });
    if (!this.running) this.running = this.pump();
  }

  /** Resolves when every held alert has been emitted (for shutdown and tests). Never rejects. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const h = this.queue[0]!;
        if (this.containers.needsWait(h.containerId)) {
          try {
            await this.containers.whenReady(h.containerId);
          } catch {
            /* a waiter must not reject; emit anyway */
          }
        }
        this.queue.shift();
        this.safeEmit(h.emit, h.ev);
      }
    } finally {
      this.running = undefined;
    }
  }

  private safeEmit(emit: (ev: Event) => void, ev: Event): void {
    try {
      emit(ev);
    } catch {
      this.counters.emitErrors++;
    }
  }
}
