import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  type Batch,
  type BatchLimits,
  DATADOG_LIMITS,
  ownersOf,
  packBatches,
  payloadOf,
  SeriesGroups,
  splitBatch,
  timestampsOf,
  toSeries,
} from "../../../src/sinks/datadog/batch.js";
import { encodeBatch } from "../../../src/sinks/datadog/encode.js";
import type { OwnedPoint } from "../../../src/sinks/types.js";
import { kv } from "../../helpers/tags.js";

/** What `JSON.stringify` writes for a batch in the wire shape: the reference the counted sizes must meet. */
const wire = (b: Batch) => JSON.stringify({ series: b.series.map(payloadOf) });

const point = (over: Partial<OwnedPoint> = {}): OwnedPoint => ({
  metric: "p.delivery.successes",
  kind: "count",
  timestamp: 1_795_000_000,
  value: 1,
  intervalS: 300,
  tags: kv("workspace:w", "source_id:s"),
  owner: "s/d@1",
  ...over,
});

describe("series grouping", () => {
  it("collapses duplicate points, last one wins, whatever the tag order", () => {
    const series = toSeries([point({ value: 1 }), point({ value: 2, tags: kv("source_id:s", "workspace:w") })]);
    expect(series).toHaveLength(1);
    expect(series[0]?.payload.points).toEqual([{ timestamp: 1_795_000_000, value: 2 }]);
  });

  it("keeps one series per metric and tag set with all its timestamps, in order", () => {
    const series = toSeries([
      point({ timestamp: 20 }),
      point({ timestamp: 10 }),
      point({ metric: "p.other", kind: "gauge", intervalS: undefined }),
    ]);
    expect(series.map((s) => [s.payload.metric, s.payload.type, s.payload.points.map((p) => p.timestamp)])).toEqual([
      ["p.delivery.successes", 1, [10, 20]],
      ["p.other", 3, [1_795_000_000]],
    ]);
    expect(series[1]?.payload.interval).toBeUndefined();
  });
});

describe("packing", () => {
  it("fills requests by bytes, not by the Agent's 10 000 points: 25 000 small points go in one", () => {
    const points = Array.from({ length: 25_000 }, (_, i) => point({ tags: kv(`d:${i}`) }));
    expect(packBatches(points).map((b) => b.points)).toEqual([25_000]);
  });

  it("puts a typical run in one request", () => {
    const points = Array.from({ length: 3000 }, (_, i) =>
      point({ tags: kv(`destination_id:d${i % 300}`), timestamp: 1000 + Math.floor(i / 300) }),
    );
    const batches = packBatches(points);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.points).toBe(3000);
  });

  it("never exceeds a point cap, and uses as few requests as it allows", () => {
    const points = Array.from({ length: 25_000 }, (_, i) => point({ tags: kv(`d:${i}`) }));
    const batches = packBatches(points, { ...DATADOG_LIMITS, maxPoints: 10_000 });
    expect(batches.map((b) => b.points)).toEqual([10_000, 10_000, 5_000]);
  });

  it("splits a single series longer than the point cap without duplicating timestamps", () => {
    const points = Array.from({ length: 12_000 }, (_, i) => point({ timestamp: i }));
    const batches = packBatches(points, { ...DATADOG_LIMITS, maxPoints: 10_000 });
    expect(batches).toHaveLength(2);
    const all = batches.flatMap((b) => b.series.flatMap(timestampsOf));
    expect(new Set(all).size).toBe(12_000);
  });

  it("respects the uncompressed byte cap", () => {
    const limits: BatchLimits = { ...DATADOG_LIMITS, maxUncompressedBytes: 20_000 };
    const points = Array.from({ length: 500 }, (_, i) => point({ tags: kv(`destination_id:d${i}`) }));
    const batches = packBatches(points, limits);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) {
      expect(Buffer.byteLength(wire(b))).toBeLessThanOrEqual(20_000);
      expect(b.bytes).toBe(Buffer.byteLength(wire(b)));
    }
  });

  it("tracks which owners each half of a split carries", () => {
    const points = [point({ owner: "a", tags: kv("t:1") }), point({ owner: "b", tags: kv("t:2") })];
    const [batch] = packBatches(points);
    if (!batch) throw new Error("no batch");
    expect([...ownersOf(batch)].sort()).toEqual(["a", "b"]);
    const halves = splitBatch(batch);
    expect(halves.map((h) => [...ownersOf(h)])).toEqual([["a"], ["b"]]);
    expect(halves.map((h) => h.points)).toEqual([1, 1]);
  });
});

describe("sizes counted from lengths", () => {
  it("equal the serialised size, escapes and non-ASCII included", () => {
    const tags = [kv("a:b", 'destination:Café "quoted" \\ back'), kv("x:1"), []];
    for (const [i, t] of tags.entries()) {
      const points = Array.from({ length: 5 }, (_, k) =>
        point({
          tags: t,
          timestamp: 1_795_000_000 + k * 300,
          value: [0, 1.5, -2, 1e21, 123456789][k] ?? 0,
          kind: i === 1 ? "gauge" : "count",
          ...(i === 1 ? { intervalS: undefined } : {}),
        }),
      );
      for (const b of packBatches(points)) expect(b.bytes).toBe(Buffer.byteLength(wire(b)));
      const measured = new SeriesGroups();
      for (const p of points) measured.add(p);
      const [packed] = packBatches(points);
      if (!packed) throw new Error("no batch");
      expect(measured.bytes).toBe(Buffer.byteLength(wire(packed)));
    }
  });

  it("replace a point of a long series (its timestamps indexed) in place", () => {
    const points = Array.from({ length: 40 }, (_, k) => point({ timestamp: 1_795_000_000 + k * 300, value: k }));
    const again = point({ timestamp: 1_795_000_000 + 3 * 300, value: 1234.5, owner: "again" });
    const measured = new SeriesGroups();
    for (const p of [...points, again]) measured.add(p);
    const [batch] = packBatches([...points, again]);
    if (!batch) throw new Error("no batch");
    expect(measured.points).toBe(40);
    expect(measured.bytes).toBe(Buffer.byteLength(wire(batch)));
    const payload = payloadOf(batch.series[0] as (typeof batch.series)[number]);
    expect(payload.points).toHaveLength(40);
    expect(payload.points[3]).toEqual({ timestamp: 1_795_000_900, value: 1234.5 });
    expect(ownersOf(batch).has("again")).toBe(true);
  });

  it("once sealed (being sent) keep their series and take no more points", () => {
    const measured = new SeriesGroups();
    measured.add(point());
    measured.seal();
    expect(measured.series).toHaveLength(1);
    expect(() => measured.add(point({ timestamp: 1 }))).toThrow(/after seal/);
  });

  it("count a replaced point once, at its new value", () => {
    const measured = new SeriesGroups();
    for (const value of [1, 123456]) measured.add(point({ value }));
    const [batch] = packBatches([point({ value: 1 }), point({ value: 123456 })]);
    if (!batch) throw new Error("no batch");
    expect(measured.points).toBe(1);
    expect(measured.bytes).toBe(Buffer.byteLength(wire(batch)));
  });
});

describe("request body", () => {
  it("is the wire JSON, gzip-compressed, written in slices (series past the first slice included)", async () => {
    const points = Array.from({ length: 2500 }, (_, i) =>
      point({ tags: kv(`destination_id:d${i % 1200}`, 'destination:Café "q"'), timestamp: 1000 + (i % 3) * 300 }),
    );
    const [batch] = packBatches(points);
    if (!batch) throw new Error("no batch");
    expect(batch.series.length).toBeGreaterThan(1000);
    const json = gunzipSync(await encodeBatch(batch)).toString("utf8");
    expect(json).toBe(wire(batch));
    expect(Buffer.byteLength(json)).toBe(batch.bytes);
  });
});
