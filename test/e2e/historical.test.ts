// --historical with an application key: Datadog is asked first whether historical ingestion is on.
import { afterEach, describe, expect, it } from "vitest";
import { resolveSchedule } from "../../src/config/settings.js";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { UsageError } from "../../src/errors.js";
import { runExport } from "../../src/run/export.js";
import { STREAM_KINDS } from "../../src/streams/registry.js";
import { bucketSeries } from "../../src/streams/series.js";
import { deps, exportConfig } from "../helpers/export.js";

const NOW = Date.UTC(2026, 10, 25, 10, 7, 30);
let emulators: Emulators;
afterEach(async () => {
  await emulators.close();
});

async function start(historical: string[]) {
  emulators = await startEmulators({ segment: { now: () => NOW }, datadog: { now: () => NOW, historical } });
  const config = exportConfig(emulators, { schedule: resolveSchedule({ historical: true }, {}) });
  if (config.sink.name !== "datadog" || !config.sink.settings) throw new Error("no datadog settings");
  config.sink.settings.appKey = emulators.datadog.appKey;
  return config;
}

describe("--historical with DD_APP_KEY", () => {
  it("stops with a clear error, before sending anything, when ingestion is not enabled", async () => {
    const config = await start([]);
    const error = await runExport(
      config,
      deps(() => NOW),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /^--historical: Historical Metrics Ingestion is not enabled for segment_exporter\.delivery\.(successes|failed); enable it/,
    );
    expect(emulators.datadog.store.all().filter((p) => !p.metric.includes(".exporter."))).toEqual([]);
    expect(emulators.segment.requests.some((r) => r.route === "delivery-metrics")).toBe(false);
  });

  it("exports four hours back when it is enabled for the prefix", async () => {
    const config = await start(["segment_exporter.*"]);
    const summary = await runExport(
      config,
      deps(() => NOW),
    );
    // A fresh historical state reaches back over Segment's 4 h retry horizon: 48 buckets per stream.
    expect(summary.bucketsExported).toBe(7 * 48);
    expect(emulators.datadog.dropped).toEqual([]);
    const checks = emulators.datadog.requests.filter((r) => r.path.includes("historical-metrics-configurations"));
    // Ten delivery series, failures by reason and event volume.
    expect(checks.length).toBe(12);
  });

  it("names failures by reason when ingestion is enabled for every series but that one", async () => {
    const config = await start(
      bucketSeries(STREAM_KINDS, {
        prefix: "segment_exporter",
        bucketMs: 300_000,
        eventsGroupBy: [],
        errorDetails: false,
        pipeline: false,
        eventVolume: true,
        usage: false,
      }),
    );
    const error = await runExport(
      config,
      deps(() => NOW),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain("not enabled for segment_exporter.delivery.failed");
    // Without error details that series is not sent, so it is not asked about.
    const summary = await runExport(
      { ...config, errorDetails: false },
      deps(() => NOW),
    );
    expect(summary.bucketsExported).toBe(7 * 48);
    expect(emulators.datadog.dropped).toEqual([]);
  });
});
