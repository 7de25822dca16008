import { describe, expect, it } from "vitest";
import { DELIVERY_SERIES, type DeliveryMetricValue, mapDeliverySummary } from "../../src/mapping/delivery.js";
import { connectionTags } from "../../src/mapping/tags.js";
import { kv, strings } from "../helpers/tags.js";

const ctx = { prefix: "segment_exporter", timestamp: 1_795_000_000, intervalS: 300, tags: kv("workspace:w") };

/** The reference's official example response, with distinct values per name. */
const example: DeliveryMetricValue[] = [
  {
    metricName: "successes",
    total: 120,
    breakdown: [
      { metricName: "successes_on_first_attempt", value: 70 },
      { metricName: "successes_after_retry", value: 50 },
    ],
  },
  { metricName: "expired", total: 3 },
  { metricName: "discarded", total: 4 },
  { metricName: "retried", total: 55 },
  {
    metricName: "time_to_success",
    total: 10,
    breakdown: [
      { metricName: "time_to_success_average", value: 812 },
      { metricName: "time_to_success_p95", value: 2400 },
    ],
  },
  {
    metricName: "time_to_first_attempt",
    total: 10,
    breakdown: [
      { metricName: "time_to_first_attempt_average", value: 95 },
      { metricName: "time_to_first_attempt_p95", value: 310 },
    ],
  },
];

describe("series table (design §5)", () => {
  const { points, warnings } = mapDeliverySummary(example, ctx);
  const byName = new Map(points.map((p) => [p.metric, p]));

  it.each([
    ["segment_exporter.delivery.successes", "count", 120],
    ["segment_exporter.delivery.successes.first_attempt", "count", 70],
    ["segment_exporter.delivery.successes.after_retry", "count", 50],
    ["segment_exporter.delivery.discarded", "count", 4],
    ["segment_exporter.delivery.expired", "count", 3],
    ["segment_exporter.delivery.retried", "count", 55],
    ["segment_exporter.delivery.time_to_success.avg", "gauge", 812],
    ["segment_exporter.delivery.time_to_success.p95", "gauge", 2400],
    ["segment_exporter.delivery.time_to_first_attempt.avg", "gauge", 95],
    ["segment_exporter.delivery.time_to_first_attempt.p95", "gauge", 310],
  ])("%s is a %s of the Segment value", (metric, kind, value) => {
    const point = byName.get(metric);
    expect(point?.kind).toBe(kind);
    expect(point?.value).toBe(value);
    expect(point?.timestamp).toBe(ctx.timestamp);
    expect(point?.tags).toEqual(ctx.tags);
    // Counts carry the bucket as interval; gauges carry none.
    expect(point?.intervalS).toBe(kind === "count" ? 300 : undefined);
  });

  it("exports exactly those ten series and no time_to_* total", () => {
    expect(points).toHaveLength(10);
    expect(points.some((p) => p.value === 10)).toBe(false);
    expect(warnings).toEqual([]);
    expect(Object.keys(DELIVERY_SERIES)).toHaveLength(10);
  });

  it("uses the prefix given", () => {
    const mapped = mapDeliverySummary(example, { ...ctx, prefix: "acme.segment" });
    expect(mapped.points.every((p) => p.metric.startsWith("acme.segment.delivery."))).toBe(true);
  });
});

describe("unknown, missing and odd values", () => {
  it("exports an unknown metric as a snake-case count and warns once per name", () => {
    const { points, warnings } = mapDeliverySummary(
      [...example, { metricName: "filteredAtDestination", total: 7 }],
      ctx,
    );
    const p = points.find((x) => x.metric === "segment_exporter.delivery.filtered_at_destination");
    expect(p).toMatchObject({ kind: "count", value: 7, intervalS: 300 });
    expect(warnings.map((w) => w.key)).toEqual(["unknown-metric:filteredAtDestination"]);
  });

  it("treats an unknown statistic of a latency family as a gauge, never a count", () => {
    const { points } = mapDeliverySummary(
      [{ metricName: "time_to_success", total: 3, breakdown: [{ metricName: "time_to_success_p99", value: 9000 }] }],
      ctx,
    );
    expect(points).toEqual([
      expect.objectContaining({ metric: "segment_exporter.delivery.time_to_success_p99", kind: "gauge", value: 9000 }),
    ]);
  });

  it("skips missing and non-numeric values with a warning and never invents a zero", () => {
    const { points, warnings } = mapDeliverySummary(
      [
        {
          metricName: "successes",
          total: null,
          breakdown: [{ metricName: "successes_on_first_attempt", value: "12" }],
        },
        { metricName: "discarded" },
        { metricName: "retried", total: Number.NaN },
        { metricName: "expired", total: 0 },
      ],
      ctx,
    );
    expect(points.map((p) => [p.metric, p.value])).toEqual([["segment_exporter.delivery.expired", 0]]);
    expect(warnings.map((w) => w.key)).toEqual([
      "non-numeric:successes",
      "non-numeric:successes_on_first_attempt",
      "non-numeric:discarded",
      "non-numeric:retried",
      "missing:time_to_success",
      "missing:time_to_first_attempt",
    ]);
  });
});

describe("tags", () => {
  const source = { id: "src1", slug: "web" };

  it("always carries the six delivery tags, non-empty", () => {
    const tags = connectionTags(
      "acme",
      source,
      { id: "d1", name: "Prod Mixpanel", catalogName: "Mixpanel", catalogSlug: "mixpanel" },
      kv("team:growth"),
    );
    expect(strings(tags)).toEqual([
      "workspace:acme",
      "source_slug:web",
      "source_id:src1",
      "destination:Prod Mixpanel",
      "destination_id:d1",
      "destination_type:mixpanel",
      "team:growth",
    ]);
  });

  it("tags a destination with an empty name by its catalog name", () => {
    const tags = connectionTags(
      "acme",
      source,
      { id: "d2", name: "", catalogName: "Webhooks", catalogSlug: "webhooks" },
      [],
    );
    expect(strings(tags)).toContain("destination:Webhooks");
    expect(tags.every(([, value]) => value !== "")).toBe(true);
  });
});
