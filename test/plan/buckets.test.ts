import { describe, expect, it } from "vitest";
import { alignDown, alignUp, chunkWindow } from "../../src/plan/buckets.js";
import { HOUR, MINUTE } from "../../src/time.js";

describe("bucket alignment", () => {
  const t = Date.UTC(2026, 10, 25, 10, 7, 31, 250);

  it("aligns to the epoch, whatever the run time", () => {
    expect(new Date(alignDown(t, 5 * MINUTE)).toISOString()).toBe("2026-11-25T10:05:00.000Z");
    expect(new Date(alignUp(t, 5 * MINUTE)).toISOString()).toBe("2026-11-25T10:10:00.000Z");
    expect(alignDown(alignDown(t, 5 * MINUTE), 5 * MINUTE)).toBe(alignDown(t, 5 * MINUTE));
    expect(alignUp(Date.UTC(2026, 10, 25, 10), HOUR)).toBe(Date.UTC(2026, 10, 25, 10));
  });

  it("chunks a window to the max range on bucket edges", () => {
    const start = Date.UTC(2026, 10, 25, 0);
    const chunks = chunkWindow({ start, end: start + 9 * HOUR }, 5 * MINUTE, 4 * HOUR);
    expect(chunks.map((c) => (c.end - c.start) / HOUR)).toEqual([4, 4, 1]);
    for (const c of chunks) expect(c.end - c.start).toBeLessThanOrEqual(4 * HOUR);
    expect(chunks[0]?.start).toBe(start);
    expect(chunks.at(-1)?.end).toBe(start + 9 * HOUR);
  });

  it("never cuts a bucket when the range is not a multiple of the bucket", () => {
    const start = Date.UTC(2026, 10, 25, 0);
    const chunks = chunkWindow({ start, end: start + 2 * HOUR }, 7 * MINUTE, HOUR);
    for (const c of chunks.slice(0, -1)) expect((c.end - c.start) % (7 * MINUTE)).toBe(0);
  });
});
