import { describe, expect, it } from "vitest";
import { mapEventVolume } from "../../src/mapping/events.js";
import { MINUTE } from "../../src/time.js";
import { kv } from "../helpers/tags.js";

const t0 = Date.UTC(2026, 10, 25, 10, 0);
const iso = (ms: number) => new Date(ms).toISOString().replace(".000", "");

describe("event volume mapping", () => {
  it("sums finer points into exact bucket counts at the bucket start", () => {
    const series = Array.from({ length: 10 }, (_, i) => ({ time: iso(t0 + i * MINUTE), count: i + 1 }));
    const points = mapEventVolume([{ tags: kv("source_id:s"), series }], {
      prefix: "p",
      bucketMs: 5 * MINUTE,
      wanted: () => true,
    });
    expect(points.map((p) => [p.timestamp, p.value, p.kind, p.intervalS])).toEqual([
      [t0 / 1000, 15, "count", 300],
      [(t0 + 5 * MINUTE) / 1000, 40, "count", 300],
    ]);
    expect(points[0]?.metric).toBe("p.events.volume");
  });

  it("emits only wanted buckets and keeps zero counts Segment reported", () => {
    const series = [
      { time: iso(t0), count: 0 },
      { time: iso(t0 + 5 * MINUTE), count: 9 },
    ];
    const points = mapEventVolume([{ tags: [], series }], {
      prefix: "p",
      bucketMs: 5 * MINUTE,
      wanted: (s) => s === t0,
    });
    expect(points.map((p) => p.value)).toEqual([0]);
  });
});
