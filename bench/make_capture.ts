/**
 * Build the large replay capture for bench/replay: the events of one source capture repeated N
 * times (default: shared sf-collector/mpm-worker/full_capture.scap × 40 ≈ 1.45 M events), after the
 * source's own tables (machine, interfaces, users, process list, fd lists), written with our
 * CaptureWriter (src/capture/writer.ts) as one plain section.
 *
 * Events are copied as stored (`convert: false`), so both falco-ts and Debian's sysdig 0.29.3 read
 * exactly the layouts of the original file (old sysdig ignores event codes >= 336, which the
 * converter could produce); the SHB has no pcapng options (old libscap cannot read them).
 * Copy k's timestamps are shifted by k × (span of the source + 1 ms) so time stays monotonic.
 *
 * Usage: bun bench/make_capture.ts SRC OUT [copies] [limit]
 * (limit: keep only the first `limit` events of the source; used for the start-up capture)
 * Prints one JSON line: {"events": N, "bytes": B, "copies": K, "source_events": S}.
 */
import { statSync } from "node:fs";
import { openCapture } from "../src/capture/reader.ts";
import { CaptureWriter } from "../src/capture/writer.ts";
import { Event } from "../src/events/event.ts";

const [src, out, copiesArg, limitArg] = process.argv.slice(2);
const limit = limitArg ? Number(limitArg) : Infinity;
if (!src || !out) {
  process.stderr.write("usage: bun bench/make_capture.ts SRC OUT [copies] [limit]\n");
  process.exit(2);
}
const copies = copiesArg ? Number(copiesArg) : 40;
if (!Number.isInteger(copies) || copies < 1) {
  process.stderr.write(`make_capture: copies must be a positive integer, got "${copiesArg}"\n`);
  process.exit(2);
}

const reader = openCapture(src, { convert: false });
// Keep every event's raw bytes (the source is small: a few MB).
const events: { bytes: Uint8Array; cpu: number; flags: number }[] = [];
const ev = new Event();
let tsMin = Number.MAX_SAFE_INTEGER;
let tsMax = 0;
while (events.length < limit && reader.next(ev)) {
  events.push({ bytes: ev.buf.slice(ev.off, ev.off + ev.len), cpu: ev.cpu, flags: ev.flags });
  const t = ev.tsNum();
  if (t < tsMin) tsMin = t;
  if (t > tsMax) tsMax = t;
}
if (reader.sections > 1) process.stderr.write(`make_capture: note: ${src} has ${reader.sections} sections; only the last section's tables are written\n`);

const w = new CaptureWriter(out);
w.writeHeader({
  machine: reader.machine,
  interfaces: reader.interfaces,
  users: reader.users,
  groups: reader.groups,
  threads: reader.threads,
  fds: reader.fds,
});
const span = BigInt(Math.max(0, tsMax - tsMin)) + 1_000_000n;
for (let k = 0; k < copies; k++) {
  const shift = span * BigInt(k);
  for (const e of events) {
    const b = e.bytes;
    if (k > 0) {
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      // ts of the source event + k*span (the copy's bytes are rewritten in place each round)
      if (k === 1) (e as { base?: bigint }).base = dv.getBigUint64(0, true);
      dv.setBigUint64(0, (e as { base?: bigint }).base! + shift, true);
    }
    w.writeRawEvent(b, 0, b.length, e.cpu, e.flags);
  }
}
w.close();
process.stdout.write(`${JSON.stringify({ events: w.events, bytes: statSync(out).size, copies, source_events: events.length })}\n`);
