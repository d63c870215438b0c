/** engine.modern_ebpf.buf_size_preset → the probe's ring buffer size (Falco's preset table). */
import { describe, expect, it } from "vitest";
import { ringBytesOfPreset } from "../src/cli/live.ts";

describe("buf_size_preset", () => {
  it("maps Falco's presets 1..10 to 1 MiB..512 MiB, default 8 MiB", () => {
    expect(ringBytesOfPreset(1)).toBe(1 << 20);
    expect(ringBytesOfPreset(4)).toBe(8 << 20);
    expect(ringBytesOfPreset(7)).toBe(64 << 20);
    expect(ringBytesOfPreset(10)).toBe(512 << 20);
    expect(ringBytesOfPreset(0)).toBe(8 << 20);
    expect(ringBytesOfPreset(11)).toBe(8 << 20);
  });
});
