import { describe, expect, it } from "vitest";
import { AGE_MARGIN_MS, DELIVERY_OVERVIEW_LIMITS } from "../../src/plan/limits.js";
import { maxGapMs, overviewGranularityFor, planOverviewWindows } from "../../src/plan/overview-windows.js";
import { DAY, HOUR, MINUTE } from "../../src/time.js";

const now = Date.UTC(2026, 10, 25, 12, 0, 0);
const B = 5 * MINUTE;
const range = (from: number, count: number, step = B) => Array.from({ length: count }, (_, i) => from + i * step);
const shape = (plan: ReturnType<typeof planOverviewWindows>) =>
  plan.windows.map((w) => [w.granularity, (now - w.start) / MINUTE, (w.end - w.start) / MINUTE, w.buckets.length]);

describe("Delivery Overview limits table", () => {
  it("is its own table, longer than the summary's (reference §3.G)", () => {
    expect(DELIVERY_OVERVIEW_LIMITS.map((l) => [l.granularity, l.maxRangeMs, l.oldestStartMs])).toEqual([
      ["MINUTE", 4 * HOUR, 48 * HOUR],
      ["HOUR", 14 * DAY, 30 * DAY],
      ["DAY", 30 * DAY, 30 * DAY],
    ]);
  });
});

describe("overviewGranularityFor", () => {
  it.each([
    ["recent 5m bucket", 10 * MINUTE, 5 * MINUTE, "MINUTE"],
    ["MINUTE oldest start, margin kept", 48 * HOUR - AGE_MARGIN_MS, HOUR, "MINUTE"],
    ["1 ms past the MINUTE oldest start, hour bucket", 48 * HOUR - AGE_MARGIN_MS + 1, HOUR, "HOUR"],
    ["1 ms past the MINUTE oldest start, 5m bucket: no step divides it", 48 * HOUR - AGE_MARGIN_MS + 1, B, undefined],
    ["HOUR oldest start, margin kept", 30 * DAY - AGE_MARGIN_MS, HOUR, "HOUR"],
    ["1 ms past the HOUR oldest start", 30 * DAY - AGE_MARGIN_MS + 1, HOUR, undefined],
    ["a 4h bucket fits MINUTE's max range", HOUR * 5, 4 * HOUR, "MINUTE"],
    ["a 6h bucket is over MINUTE's 4h: HOUR", HOUR * 7, 6 * HOUR, "HOUR"],
    ["a 15d bucket is over HOUR's 14d: DAY", 15 * DAY, 15 * DAY, "DAY"],
    ["a 31d bucket fits nothing", 31 * DAY, 31 * DAY, undefined],
    ["DAY oldest start, margin kept", 30 * DAY - AGE_MARGIN_MS, 15 * DAY, "DAY"],
    ["1 ms past the DAY oldest start", 30 * DAY - AGE_MARGIN_MS + 1, 15 * DAY, undefined],
    ["DAY max range exactly", 30 * DAY - AGE_MARGIN_MS, 30 * DAY, "DAY"],
  ])("%s", (_name, age, bucketMs, expected) => {
    expect(overviewGranularityFor(now - age, bucketMs, now)?.granularity).toBe(expected);
  });
});

describe("planOverviewWindows", () => {
  it("reads contiguous buckets up to exactly the MINUTE max range (4h) in one request", () => {
    const plan = planOverviewWindows(range(now - 4 * HOUR, 48), B, now);
    expect(shape(plan)).toEqual([["MINUTE", 240, 240, 48]]);
    expect(plan.unreachable).toEqual([]);
  });

  it("splits one bucket past the max range, and only there", () => {
    const plan = planOverviewWindows(range(now - 4 * HOUR - B, 49), B, now);
    expect(shape(plan)).toEqual([
      ["MINUTE", 245, 240, 48],
      ["MINUTE", 5, 5, 1],
    ]);
  });

  it("merges first reads and re-read stages into one request, never one per bucket", () => {
    // Default schedule: first read 2m after the end, re-reads at 15m and 40m of age.
    const buckets = [now - 10 * MINUTE, now - 25 * MINUTE, now - 45 * MINUTE, now - 50 * MINUTE];
    const plan = planOverviewWindows(buckets, B, now);
    expect(plan.windows).toEqual([
      {
        start: now - 50 * MINUTE,
        end: now - 5 * MINUTE,
        granularity: "MINUTE",
        buckets: [now - 50 * MINUTE, now - 45 * MINUTE, now - 25 * MINUTE, now - 10 * MINUTE],
      },
    ]);
  });

  it("merges across a gap of exactly half the max range and splits one bucket longer", () => {
    const minute = DELIVERY_OVERVIEW_LIMITS[0];
    if (!minute) throw new Error("no MINUTE limit");
    const gap = maxGapMs(minute);
    expect(gap).toBe(2 * HOUR);
    const a = now - 3 * HOUR;
    expect(shape(planOverviewWindows([a, a + B + gap], B, now))).toEqual([["MINUTE", 180, 130, 2]]);
    expect(shape(planOverviewWindows([a - B, a + B + gap], B, now))).toEqual([
      ["MINUTE", 185, 5, 1],
      ["MINUTE", 55, 5, 1],
    ]);
  });

  it("dedupes and sorts its input", () => {
    const plan = planOverviewWindows([now - B, now - 2 * B, now - B], B, now);
    expect(plan.windows.map((w) => w.buckets)).toEqual([[now - 2 * B, now - B]]);
  });

  it("switches to HOUR where MINUTE's oldest start is passed, splitting there", () => {
    const edge = now - 48 * HOUR + AGE_MARGIN_MS; // oldest MINUTE start
    const older = edge - HOUR - 1; // unaligned on purpose: the planner does not align, it only groups
    const plan = planOverviewWindows([older, edge], HOUR, now);
    expect(plan.windows.map((w) => [w.granularity, w.buckets])).toEqual([
      ["HOUR", [older]],
      ["MINUTE", [edge]],
    ]);
  });

  it("reads hour buckets up to exactly HOUR's 14-day max range in one request, one more splits", () => {
    const start = now - 20 * DAY;
    const exact = planOverviewWindows(range(start, 14 * 24, HOUR), HOUR, now);
    expect(exact.windows.map((w) => [w.granularity, (w.end - w.start) / DAY])).toEqual([["HOUR", 14]]);
    const over = planOverviewWindows(range(start, 14 * 24 + 1, HOUR), HOUR, now);
    expect(over.windows.map((w) => [w.granularity, w.buckets.length])).toEqual([
      ["HOUR", 14 * 24],
      ["HOUR", 1],
    ]);
  });

  it("reads day buckets with HOUR (finest first), and 15-day buckets with DAY up to its 30-day range", () => {
    const days = planOverviewWindows(range(now - 20 * DAY, 3, DAY), DAY, now);
    expect(days.windows.map((w) => w.granularity)).toEqual(["HOUR"]);
    const bucket = 15 * DAY;
    const start = now - 30 * DAY + AGE_MARGIN_MS;
    const long = planOverviewWindows([start, start + bucket], bucket, now);
    expect(long.windows.map((w) => [w.granularity, (w.end - w.start) / DAY])).toEqual([["DAY", 30]]);
  });

  it("reports buckets too old for every granularity instead of dropping them", () => {
    const tooOld = now - 30 * DAY + AGE_MARGIN_MS - HOUR;
    const plan = planOverviewWindows([tooOld, now - HOUR], HOUR, now);
    expect(plan.unreachable).toEqual([tooOld]);
    expect(plan.windows.map((w) => w.buckets)).toEqual([[now - HOUR]]);
  });

  it("plans nothing for no buckets", () => {
    expect(planOverviewWindows([], B, now)).toEqual({ windows: [], unreachable: [] });
  });
});
