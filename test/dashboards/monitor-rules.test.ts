// What the delivery monitors alert on. The Datadog emulator stores monitors and checks their
// threshold against the query, but it does not evaluate monitor queries (it has no query engine), so
// these tests read the query text: they take it apart, check its structure, and evaluate the
// arithmetic the way Datadog documents it for each path (the numbers in, the alert out), so a wrong
// operand, a wrong gate or a wrong count fails here.
import { describe, expect, it } from "vitest";
import { buildMonitors, p95Rule, window } from "../../src/dashboards/monitors.js";
import { seriesNames } from "../../src/dashboards/series.js";
import { assetOptions, PREFIX } from "../helpers/assets.js";

const s = seriesNames(PREFIX);
const CONNECTION = "workspace,source_slug,destination_id,destination";

/** `{value, alerts}` of a query alert once the comparison at its end is applied (NaN: no data). */
function compare(value: number, comparator: string, threshold: number): boolean {
  if (Number.isNaN(value)) return false;
  return comparator === "<" ? value < threshold : comparator === ">=" ? value >= threshold : value > threshold;
}

const isGreater = (a: number, b: number) => (a > b ? 1 : 0);

/**
 * Datadog's as_count() path ("as_count() in Monitor Evaluations"): every `.as_count()` query is
 * summed over the window first, then the arithmetic (and is_greater) runs on those sums.
 */
function evaluateRate(query: string, totals: { successes: number; discarded: number; expired: number }) {
  const match = /^sum\((last_\w+)\):(.+) (<) ([\d.]+)$/.exec(query);
  if (!match) throw new Error(`not a sum() query alert: ${query}`);
  const byMetric: Record<string, number> = {
    [s.successes]: totals.successes,
    [s.discarded]: totals.discarded,
    [s.expired]: totals.expired,
  };
  const expression = (match[2] as string).replace(
    /sum:([\w.]+)\{\*\} by \{([^}]*)\}\.as_count\(\)/g,
    (_all, metric: string, by: string) => {
      expect(by).toBe(CONNECTION);
      const total = byMetric[metric];
      if (total === undefined) throw new Error(`unexpected series ${metric}`);
      return String(total);
    },
  );
  // Nothing but numbers, arithmetic and the one function is left to evaluate.
  expect(expression).toMatch(/^(?:[\d.\s+\-*/(),]|is_greater)+$/);
  const value = new Function("is_greater", `return (${expression});`)(isGreater) as number;
  return { window: match[1], value, alerts: compare(value, match[3] as string, Number(match[4])) };
}

describe("success-rate monitor", () => {
  const rateQuery = (over: Parameters<typeof assetOptions>[0] = {}) =>
    String(buildMonitors(assetOptions({ minSuccessRate: 0.99, ...over }))[0]?.query);

  it("does not alert on a connection with fewer deliveries than --min-deliveries (one failure of one was 0 %)", () => {
    const q = rateQuery({ minDeliveries: 20 });
    expect(evaluateRate(q, { successes: 0, discarded: 1, expired: 0 })).toMatchObject({ value: 1, alerts: false });
    expect(evaluateRate(q, { successes: 14, discarded: 3, expired: 2 })).toMatchObject({ value: 1, alerts: false });
    // From the minimum on it is the plain rate, successes / (successes + discarded + expired).
    expect(evaluateRate(q, { successes: 19, discarded: 1, expired: 0 })).toMatchObject({ value: 0.95, alerts: true });
    expect(evaluateRate(q, { successes: 990, discarded: 6, expired: 4 })).toMatchObject({ alerts: false });
    expect(evaluateRate(q, { successes: 989, discarded: 6, expired: 5 }).alerts).toBe(true);
    expect(evaluateRate(q, { successes: 989, discarded: 6, expired: 5 }).value).toBeCloseTo(0.989, 12);
    expect(evaluateRate(q, { successes: 20, discarded: 0, expired: 0 })).toMatchObject({ value: 1, alerts: false });
  });

  it("takes the minimum from the option, and with 1 (or 0) rates every connection", () => {
    const q100 = rateQuery({ minDeliveries: 100 });
    expect(q100).toContain(", 99) < 0.99");
    expect(evaluateRate(q100, { successes: 80, discarded: 19, expired: 0 }).alerts).toBe(false);
    expect(evaluateRate(q100, { successes: 80, discarded: 20, expired: 0 }).alerts).toBe(true);
    for (const minDeliveries of [0, 1]) {
      const q = rateQuery({ minDeliveries });
      expect(q).not.toContain("is_greater");
      expect(evaluateRate(q, { successes: 0, discarded: 1, expired: 0 })).toMatchObject({ value: 0, alerts: true });
    }
    // The window is the monitor's (an hour, or two buckets when longer): the minimum counts over it.
    expect(evaluateRate(rateQuery(), { successes: 1, discarded: 0, expired: 0 }).window).toBe("last_1h");
    expect(evaluateRate(rateQuery({ bucketMs: 3_600_000 }), { successes: 1, discarded: 0, expired: 0 }).window).toBe(
      "last_2h",
    );
  });
});

/** The p95 query's parts: window, the per-bucket rollup, the maximum and the count of slow buckets. */
function p95Parts(query: string) {
  const match =
    /^sum\(last_(\d+)([mh])\):is_greater\(max:([\w.]+)\{\*\} by \{([^}]*)\}\.rollup\(max, (\d+)\), (\d+)\) >= (\d+)$/.exec(
      query,
    );
  if (!match) throw new Error(`unexpected p95 query: ${query}`);
  const [, n, unit, metric, by, rollupS, max, slow] = match;
  return {
    windowS: Number(n) * (unit === "h" ? 3600 : 60),
    metric,
    by,
    rollupS: Number(rollupS),
    max: Number(max),
    slow: Number(slow),
  };
}

describe("p95 monitor", () => {
  it("counts slow buckets instead of taking min(): one slow bucket never alerts, a sustained slowdown does", () => {
    const [, monitor] = buildMonitors(assetOptions({ maxP95Ms: 30_000, bucketMs: 300_000 }));
    const q = p95Parts(String(monitor?.query));
    expect(q).toEqual({
      windowS: 1800,
      metric: s.timeToSuccessP95,
      by: CONNECTION,
      rollupS: 300,
      max: 30_000,
      slow: 3,
    });
    expect(monitor?.options).toMatchObject({ thresholds: { critical: 3 }, evaluation_delay: 420 });
    // Classic path: is_greater per point (one per bucket, by the rollup), then sum over the window.
    const alerts = (p95PerBucket: number[]) =>
      compare(
        p95PerBucket.reduce((n, v) => n + isGreater(v, q.max), 0),
        ">=",
        q.slow,
      );
    // The finding: traffic in one bucket only, and that bucket slow. min() over it was 90 s: alert.
    expect(alerts([90_000])).toBe(false);
    expect(alerts([90_000, 90_000])).toBe(false);
    expect(alerts([90_000, 90_000, 90_000])).toBe(true);
    expect(alerts([90_000, 1_000, 90_000, 1_000, 90_000, 1_000])).toBe(true);
    expect(alerts([90_000, 1_000, 90_000, 1_000, 1_000, 1_000])).toBe(false);
    expect(alerts([30_000, 30_000, 30_000, 30_000])).toBe(false); // at the maximum is not above it
  });

  it.each([60_000, 120_000, 300_000, 600_000, 900_000, 3_600_000, 86_400_000])(
    "with %i ms buckets: one point per bucket, at least 30 minutes, slow in at least half and 3 of them",
    (bucketMs) => {
      const rule = p95Rule(bucketMs);
      const [, monitor] = buildMonitors(assetOptions({ bucketMs }));
      const q = p95Parts(String(monitor?.query));
      expect(q.rollupS * 1000).toBe(bucketMs);
      expect(q.windowS * 1000).toBe(rule.windowMs);
      expect(rule.windowMs).toBeGreaterThanOrEqual(30 * 60_000);
      expect(rule.windowMs).toBeLessThanOrEqual(168 * 3_600_000); // Datadog's longest last_#h
      expect(rule.buckets * bucketMs).toBe(rule.windowMs);
      expect(q.slow).toBe(rule.slowBuckets);
      expect(q.slow).toBeGreaterThanOrEqual(3);
      expect(2 * q.slow).toBeGreaterThanOrEqual(rule.buckets);
      expect(monitor?.options).toMatchObject({ thresholds: { critical: rule.slowBuckets } });
    },
  );
});

describe("heartbeat monitor", () => {
  it.each([60_000, 300_000, 3_600_000])(
    "with %i ms buckets waits at least twice its window for data, and says so",
    (bucketMs) => {
      const stopped = buildMonitors(assetOptions({ bucketMs }))[2];
      if (!stopped) throw new Error("expected the heartbeat monitor third");
      const match = /^max\(last_(\d+)([mh])\):/.exec(String(stopped.query));
      const windowMinutes = Number(match?.[1]) * (match?.[2] === "h" ? 60 : 1);
      const noData = (stopped.options as { no_data_timeframe: number }).no_data_timeframe;
      expect(windowMinutes).toBeGreaterThanOrEqual((3 * bucketMs) / 60_000); // three runs of the cron
      expect(noData).toBeGreaterThanOrEqual(2 * windowMinutes);
      expect(String(stopped.message)).toContain(`No export run has reported for ${noData} minutes`);
    },
  );

  it("still alerts after 30 minutes without a run with the default 5m bucket", () => {
    const stopped = buildMonitors(assetOptions())[2];
    expect(stopped?.query).toMatch(/^max\(last_15m\):/);
    expect(stopped?.options).toMatchObject({ notify_no_data: true, no_data_timeframe: 30 });
  });
});

it("window() prints Datadog's time-window syntax", () => {
  expect([window(1_800_000), window(3_600_000), window(90 * 60_000), window(144 * 3_600_000)]).toEqual([
    "last_30m",
    "last_1h",
    "last_90m",
    "last_144h",
  ]);
});
