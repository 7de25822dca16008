import { afterEach, describe, expect, it } from "vitest";
import { type SegmentEmulator, startSegmentEmulator } from "../../src/emulator/segment/index.js";
import { get } from "./segment-helpers.js";

let emu: SegmentEmulator | undefined;
afterEach(() => emu?.close());

describe("latencyMs", () => {
  it("holds every API answer at least that long and logs when each request ended", async () => {
    emu = await startSegmentEmulator({ latencyMs: 60 });
    const started = Date.now();
    expect((await get(emu, "/")).status).toBe(200);
    expect((await fetch(`${emu.url}/sources`)).status).toBe(401); // before auth too
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 60 - 5);
    for (const r of emu.requests) expect(r.end ?? 0).toBeGreaterThanOrEqual(r.at + 55);
  });

  it("is off by default", async () => {
    emu = await startSegmentEmulator();
    await get(emu, "/");
    const [r] = emu.requests;
    expect(r?.end).toBeGreaterThanOrEqual(r?.at ?? Number.POSITIVE_INFINITY);
  });
});
