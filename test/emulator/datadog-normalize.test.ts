import { describe, expect, it } from "vitest";
import {
  HistoricalConfig,
  MemoryPointStore,
  normalizeMetricName,
  normalizeTag,
  normalizeTags,
  parseV1Payload,
  parseV2Payload,
} from "../../src/emulator/datadog/index.js";

describe("normalizeMetricName (§4.3)", () => {
  it.each([
    ["segment_exporter.delivery.successes", "segment_exporter.delivery.successes"],
    ["Segment Exporter.Delivery", "Segment_Exporter.Delivery"], // case sensitive, space → _
    ["1abc", "abc"], // must start with a letter
    ["_abc_", "abc"],
    ["a__.__b", "a.b"],
    ["a-b/c", "a_b_c"],
    ["a..b", "a..b"],
    ["métrique.x", "m_trique.x"],
    ["!!!", ""],
  ])("%s → %s", (input, expected) => {
    expect(normalizeMetricName(input)).toBe(expected);
  });
});

describe("normalizeTag (§4.4)", () => {
  it.each([
    ["Workspace:ACME", "workspace:acme"],
    ["host:MyHost-1", "host:MyHost-1"], // host and device values keep their case
    ["Device:SDA", "device:SDA"],
    ["env:staging:east", "env:staging:east"],
    ["a b!c:d e", "a_b_c:d_e"],
    ["path:/a/b.c-d_e", "path:/a/b.c-d_e"],
    ["9lives:x", "lives:x"], // must start with a letter
    ["env:", "env"], // may not end with ":"
    ["café:ü", "café:ü"], // Unicode letters are allowed
    ["123", undefined],
    ["", undefined],
  ])("%s → %s", (input, expected) => {
    expect(normalizeTag(input)).toBe(expected);
  });

  it("truncates to 200 characters", () => {
    expect(normalizeTag(`k:${"v".repeat(300)}`)).toHaveLength(200);
  });

  it("makes a set: sorted, de-duplicated, empty tags dropped", () => {
    expect(normalizeTags(["b:2", "A:1", "a:1", "!!"])).toEqual(["a:1", "b:2"]);
  });
});

describe("MemoryPointStore", () => {
  const write = { metric: "m", tags: ["a:1", "b:2"], timestamp: 100, value: 1, type: 1 as const, interval: 60 };

  it("overwrites the same key and counts the writes", () => {
    const store = new MemoryPointStore();
    store.write(write, 1);
    store.write({ ...write, value: 7, interval: undefined }, 2);
    expect(store.size).toBe(1);
    expect(store.get("m", ["B:2", "a:1"], 100)).toEqual({
      metric: "m",
      tags: ["a:1", "b:2"],
      timestamp: 100,
      value: 7,
      type: 1,
      writes: 2,
      lastWriteAt: 2,
    });
  });

  it("keeps different timestamps and tag sets apart and returns sorted copies", () => {
    const store = new MemoryPointStore();
    store.write({ ...write, timestamp: 200 }, 1);
    store.write(write, 1);
    store.write({ ...write, tags: ["a:1"] }, 1);
    store.write({ ...write, metric: "other" }, 1);
    expect(store.series("m").map((p) => [p.tags.join(","), p.timestamp])).toEqual([
      ["a:1", 100],
      ["a:1,b:2", 100],
      ["a:1,b:2", 200],
    ]);
    const first = store.all()[0];
    if (first) first.value = 99;
    expect(store.all()[0]?.value).toBe(1);
  });
});

describe("HistoricalConfig", () => {
  it("matches exact names and prefixes; delete removes only exact names", () => {
    const config = new HistoricalConfig();
    config.enable("segment_exporter.*");
    expect(config.enable("x.y")).toBe("created");
    expect(config.enable("x.y")).toBe("exists");
    expect(config.enabledAt("segment_exporter.delivery.successes")).toBeInstanceOf(Date);
    expect(config.enabledAt("segment_exporterx")).toBeUndefined();
    config.disable("x.y");
    config.disable("segment_exporter.delivery.successes");
    expect(config.enabledAt("x.y")).toBeUndefined();
    expect(config.enabledAt("segment_exporter.delivery.successes")).toBeInstanceOf(Date);
  });
});

describe("payload parsing", () => {
  it("turns a v2 payload into normalised points, host resources into a host tag", () => {
    const parsed = parseV2Payload(
      JSON.stringify({
        series: [
          {
            metric: "A b",
            type: 3,
            unit: "millisecond",
            tags: ["Z:1"],
            resources: [{ name: "Web01", type: "host" }],
            points: [{ timestamp: 10, value: 1.5 }],
          },
        ],
      }),
    );
    expect(parsed).toEqual({
      series: 1,
      points: [{ metric: "A_b", tags: ["host:Web01", "z:1"], timestamp: 10, value: 1.5, type: 3, unit: "millisecond" }],
    });
  });

  it("reads v1 points, string types (default gauge) and the host field", () => {
    const parsed = parseV1Payload(
      JSON.stringify({
        series: [
          { metric: "m", points: [[10.7, 2]], host: "h" },
          { metric: "n", type: "count", interval: 60, points: [[20, 3]] },
        ],
      }),
    );
    expect(parsed).toEqual({
      series: 2,
      points: [
        { metric: "m", tags: ["host:h"], timestamp: 10, value: 2, type: 3 },
        { metric: "n", tags: [], timestamp: 20, value: 3, type: 1, interval: 60 },
      ],
    });
  });

  it("treats null optional fields as absent", () => {
    const parsed = parseV2Payload(
      JSON.stringify({ series: [{ metric: "m", type: null, tags: null, interval: null, points: [] }] }),
    );
    expect(parsed).toEqual({ series: 1, points: [] });
  });
});
