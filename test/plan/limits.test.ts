import { describe, expect, it } from "vitest";
import {
  AGE_MARGIN_MS,
  DELIVERY_METRICS_LIMITS,
  EVENTS_VOLUME_LIMITS,
  eventsGranularityFor,
  granularityFor,
  oldestFetchableStart,
} from "../../src/plan/limits.js";
import { datadogOldestAccepted } from "../../src/sinks/datadog/window.js";
import { DAY, HOUR, MINUTE } from "../../src/time.js";

const now = Date.UTC(2026, 10, 25, 12, 0, 0);

describe("delivery-metrics granularity limits", () => {
  it("matches the documented table", () => {
    expect(DELIVERY_METRICS_LIMITS.map((l) => [l.granularity, l.maxRangeMs, l.oldestStartMs])).toEqual([
      ["MINUTE", 4 * HOUR, 48 * HOUR],
      ["HOUR", 7 * DAY, 7 * DAY],
      ["DAY", 14 * DAY, 14 * DAY],
    ]);
  });

  it.each([
    // [age of the start, length, expected granularity]
    ["recent 5m bucket", 10 * MINUTE, 5 * MINUTE, "MINUTE"],
    ["MINUTE oldest start, margin kept", 48 * HOUR - AGE_MARGIN_MS, 5 * MINUTE, "MINUTE"],
    ["1 ms past the MINUTE oldest start", 48 * HOUR - AGE_MARGIN_MS + 1, 5 * MINUTE, "HOUR"],
    ["MINUTE max range exactly", HOUR, 4 * HOUR, "MINUTE"],
    ["1 ms over the MINUTE max range", HOUR, 4 * HOUR + 1, "HOUR"],
    ["HOUR oldest start, margin kept", 7 * DAY - AGE_MARGIN_MS, HOUR, "HOUR"],
    ["1 ms past the HOUR oldest start", 7 * DAY - AGE_MARGIN_MS + 1, HOUR, "DAY"],
    ["HOUR max range exactly", HOUR, 7 * DAY, "HOUR"],
    ["1 ms over the HOUR max range", HOUR, 7 * DAY + 1, "DAY"],
    ["DAY oldest start, margin kept", 14 * DAY - AGE_MARGIN_MS, DAY, "DAY"],
    ["DAY max range exactly", 14 * DAY - AGE_MARGIN_MS, 14 * DAY, "DAY"],
  ])("%s", (_name, age, length, expected) => {
    expect(granularityFor(DELIVERY_METRICS_LIMITS, now - age, length, now)?.granularity).toBe(expected);
  });

  it("has no granularity past the DAY oldest start or over the DAY max range", () => {
    expect(granularityFor(DELIVERY_METRICS_LIMITS, now - 14 * DAY + AGE_MARGIN_MS - 1, DAY, now)).toBeUndefined();
    expect(granularityFor(DELIVERY_METRICS_LIMITS, now - HOUR, 14 * DAY + 1, now)).toBeUndefined();
  });

  it("reports the oldest fetchable start for a bucket length", () => {
    expect(oldestFetchableStart(DELIVERY_METRICS_LIMITS, 5 * MINUTE, now)).toBe(now - 14 * DAY + AGE_MARGIN_MS);
  });
});

describe("event-volume granularity", () => {
  it("picks the coarsest granularity that divides the bucket", () => {
    expect(eventsGranularityFor(EVENTS_VOLUME_LIMITS, now - HOUR, 5 * MINUTE, now)?.granularity).toBe("MINUTE");
    expect(eventsGranularityFor(EVENTS_VOLUME_LIMITS, now - HOUR, HOUR, now)?.granularity).toBe("HOUR");
    expect(eventsGranularityFor(EVENTS_VOLUME_LIMITS, now - 2 * DAY, DAY, now)?.granularity).toBe("DAY");
  });

  it("has none when the only dividing granularity is too old", () => {
    // A 5m bucket needs MINUTE points, which Segment keeps for 48 h.
    expect(
      eventsGranularityFor(EVENTS_VOLUME_LIMITS, now - 48 * HOUR + AGE_MARGIN_MS, 5 * MINUTE, now)?.granularity,
    ).toBe("MINUTE");
    expect(
      eventsGranularityFor(EVENTS_VOLUME_LIMITS, now - 48 * HOUR + AGE_MARGIN_MS - 1, 5 * MINUTE, now),
    ).toBeUndefined();
  });
});

describe("Datadog window", () => {
  it("keeps a margin inside the 1 h window, and has none with historical ingestion", () => {
    expect(datadogOldestAccepted(now, false)).toBe(now - HOUR + AGE_MARGIN_MS);
    expect(datadogOldestAccepted(now, true)).toBe(Number.NEGATIVE_INFINITY);
  });
});
