import { describe, expect, it } from "vitest";
import {
  FAILED_SERIES_SUFFIX,
  type FailureEntry,
  mapFailures,
  reasonTag,
  summariseFailures,
} from "../../src/mapping/failures.js";
import { connectionTags } from "../../src/mapping/tags.js";
import { describeReason } from "../../src/reasons/catalog.js";
import { kv, strings } from "../helpers/tags.js";

const T0 = Date.UTC(2026, 10, 25, 10, 0);
const MIN = 60_000;
const B = 5 * MIN;
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
const tags = connectionTags(
  "ws",
  { id: "src1", slug: "web" },
  { id: "dst1", name: "Mixpanel", catalogName: "Mixpanel", catalogSlug: "mixpanel" },
  kv("env:test"),
);
const entry = (reason: string | undefined, points: Array<[number, number]>): FailureEntry => ({
  ...(reason === undefined ? {} : { discardReason: reason }),
  series: points.map(([t, count]) => ({ time: iso(t), count })),
});
const ctx = (buckets: number[]) => ({ prefix: "p", bucketMs: B, buckets, tags });

describe("reasonTag", () => {
  it.each([
    ["ETIMEDOUT", "etimedout"],
    ["etimedout", "etimedout"],
    ["502", "502"],
    ["INVALID_SETTINGS", "invalid_settings"],
    ["successes.attempt.1", "successes.attempt.1"],
    ["a-b", "a-b"],
    ["", "unknown"],
    [undefined, "unknown"],
    [null, "unknown"],
    ["Bad Gateway", "other"],
    ["tab\there", "other"],
    ["colon:value", "other"],
    ["é", "other"],
    ["x".repeat(64), "x".repeat(64)],
    ["x".repeat(65), "other"],
    ["X".repeat(65), "other"],
  ])("%j → %s", (code, expected) => {
    expect(reasonTag(code)).toBe(expected);
  });
});

describe("mapFailures", () => {
  it("emits one count point per bucket and reason, interval = bucket, with the six delivery tags plus reason", () => {
    const points = mapFailures(
      [
        entry("502", [
          [T0, 2],
          [T0 + MIN, 3],
          [T0 + B, 1],
        ]),
      ],
      ctx([T0, T0 + B]),
    );
    expect(points).toEqual([
      {
        metric: `p.${FAILED_SERIES_SUFFIX}`,
        kind: "count",
        timestamp: T0 / 1000,
        value: 5,
        intervalS: 300,
        tags: [...tags, ["reason", "502"]],
      },
      {
        metric: "p.delivery.failed",
        kind: "count",
        timestamp: (T0 + B) / 1000,
        value: 1,
        intervalS: 300,
        tags: [...tags, ["reason", "502"]],
      },
    ]);
    expect(
      strings(points[0]?.tags ?? []).filter((t) =>
        /^(workspace|source_slug|source_id|destination|destination_id|destination_type):/.test(t),
      ),
    ).toHaveLength(6);
  });

  it("sums codes that differ only in case, and codes that all become 'other', instead of overwriting", () => {
    const points = mapFailures(
      [
        entry("ETIMEDOUT", [[T0, 4]]),
        entry("etimedout", [[T0 + MIN, 1]]),
        entry("Bad Gateway", [[T0, 2]]),
        entry("Service Unavailable", [[T0, 3]]),
      ],
      ctx([T0]),
    );
    expect(points.map((p) => [strings(p.tags).at(-1), p.value])).toEqual([
      ["reason:etimedout", 5],
      ["reason:other", 5],
    ]);
  });

  it("tags an entry without a reason (empty or absent) as unknown", () => {
    const points = mapFailures([entry("", [[T0, 1]]), entry(undefined, [[T0, 2]])], ctx([T0]));
    expect(points.map((p) => [strings(p.tags).at(-1), p.value])).toEqual([["reason:unknown", 3]]);
  });

  it("takes a point into a bucket only when its time lies in [start, start + B)", () => {
    const points = mapFailures(
      [
        entry("429", [
          [T0 - 1, 100],
          [T0, 1],
          [T0 + B - 1, 2],
          [T0 + B, 1000],
        ]),
      ],
      ctx([T0]),
    );
    expect(points.map((p) => [p.timestamp, p.value])).toEqual([[T0 / 1000, 3]]);
  });

  it("leaves out the gap between non-contiguous buckets and buckets whose sum is zero", () => {
    const points = mapFailures(
      [
        entry("503", [
          [T0, 1],
          [T0 + B, 7],
          [T0 + 2 * B, 0],
          [T0 + 3 * B, 2],
        ]),
      ],
      ctx([T0 + 3 * B, T0, T0 + 2 * B]),
    );
    expect(points.map((p) => [p.timestamp, p.value])).toEqual([
      [T0 / 1000, 1],
      [(T0 + 3 * B) / 1000, 2],
    ]);
  });

  it("emits nothing for an empty dataset", () => {
    expect(mapFailures([], ctx([T0]))).toEqual([]);
  });
});

describe("summariseFailures", () => {
  it("sums per normalised reason, sorts by count descending, and gives the newest minute with a count", () => {
    const summary = summariseFailures([
      entry("ETIMEDOUT", [
        [T0, 2],
        [T0 + MIN, 0],
        [T0 + 2 * MIN, 1],
      ]),
      entry("etimedout", [
        [T0 + 3 * MIN, 1],
        [T0 + 4 * MIN, 0],
      ]),
      entry("502", [[T0, 9]]),
      entry("404", [[T0, 0]]),
    ]);
    expect(summary).toEqual([
      { reason: "502", count: 9, description: describeReason("502")?.description, lastSeen: iso(T0) },
      {
        reason: "etimedout",
        count: 4,
        description: describeReason("etimedout")?.description,
        lastSeen: iso(T0 + 3 * MIN),
      },
    ]);
    expect(summary.every((s) => typeof s.description === "string")).toBe(true);
    // A code the catalog does not know has a null description, not an invented one.
    expect(summariseFailures([entry("made_up_code", [[T0, 1]])])[0]?.description).toBeNull();
  });

  it("breaks ties by reason so the order is stable", () => {
    const summary = summariseFailures([entry("b", [[T0, 1]]), entry("a", [[T0, 1]])]);
    expect(summary.map((s) => s.reason)).toEqual(["a", "b"]);
  });
});
