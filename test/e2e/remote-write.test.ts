// Prometheus remote write (design §5, Sinks): a receiver refuses a sample it holds, or an older one
// after a newer one, so each bucket is sent once, at its last read, in time order. Over cron runs
// across late data, into the emulator and into a real Prometheus: every sample equals Segment's
// truth, under design §5's names and units. A crash between a write and its checkpoint costs nothing:
// the next run's repeats are refused, reported, counted, and the run ends well.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { exportFailure } from "../../src/cli/export.js";
import type { ExportConfig } from "../../src/config/settings.js";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import type { StoredSeries } from "../../src/emulator/prometheus/types.js";
import { type CheckWindow, REMOTE_WRITE_NAMING, remoteWritePoints } from "../../src/emulator/verify.js";
import { createLogger } from "../../src/log.js";
import { alignDown, alignUp } from "../../src/plan/buckets.js";
import { runExport } from "../../src/run/export.js";
import { describeRun } from "../../src/run/summary.js";
import { decorate } from "../../src/sinks/decorate.js";
import { RemoteWriteSink } from "../../src/sinks/prometheus/sink.js";
import type { Sink } from "../../src/sinks/types.js";
import { MINUTE } from "../../src/time.js";
import { deps, exportConfig, remoteWriteSink } from "../helpers/export.js";
import { type RealPrometheus, runsWith, startPrometheus } from "../helpers/prometheus.js";
import { expectTruth as expectSegmentTruth } from "../helpers/truth.js";

const BUCKET = 5 * MINUTE;
const SENDING_AGE = 40 * MINUTE;
/**
 * With the default --remote-write-max-age (55m) a fresh start begins where the receiver still takes a
 * sample (50 minutes back, with the margin); with an hour, at the usual 55 minutes.
 */
function sentWindow(first: number, last: number, maxAgeMs = 55 * MINUTE): CheckWindow {
  return {
    prefix: "segment_exporter",
    bucketMs: BUCKET,
    from: alignUp(first - Math.min(55 * MINUTE, maxAgeMs - 5 * MINUTE), BUCKET),
    to: alignDown(last - SENDING_AGE, BUCKET),
    at: (start) => start + BUCKET + SENDING_AGE,
    naming: REMOTE_WRITE_NAMING,
  };
}

function expectTruth(emulators: Emulators, series: () => readonly StoredSeries[], window: CheckWindow) {
  expectSegmentTruth(emulators.segment, remoteWritePoints(series), window);
}

/** The real remote-write sink of a config, for a test to wrap. */
function sinkOf(cfg: ExportConfig, logger = createLogger({ level: "silent" })): RemoteWriteSink {
  if (cfg.sink.name !== "prometheus" || !cfg.sink.settings) throw new Error("not a remote-write config");
  return new RemoteWriteSink({ ...cfg.sink.settings, logger, timeoutMs: 5_000, historical: false });
}

/** Design §5's names: `<p>_` + the Datadog name with underscores, no `_total`, latencies in `_seconds`. */
const EXPECTED_NAMES = [
  "segment_exporter_delivery_successes",
  "segment_exporter_delivery_successes_first_attempt",
  "segment_exporter_delivery_successes_after_retry",
  "segment_exporter_delivery_discarded",
  "segment_exporter_delivery_expired",
  "segment_exporter_delivery_retried",
  "segment_exporter_delivery_time_to_success_avg_seconds",
  "segment_exporter_delivery_time_to_success_p95_seconds",
  "segment_exporter_delivery_time_to_first_attempt_avg_seconds",
  "segment_exporter_delivery_time_to_first_attempt_p95_seconds",
  "segment_exporter_delivery_failed",
  "segment_exporter_events_volume",
  "segment_exporter_exporter_heartbeat",
  "segment_exporter_exporter_run_duration_seconds",
  "segment_exporter_exporter_points_rejected",
];

/** A sink that crashes the run right after the receiver took the first batch: nothing is checkpointed. */
function crashingAfterFirstWrite(inner: Sink): Sink {
  let crashed = false;
  return decorate(inner, {
    close: async () => {},
    submit: async (points) => {
      const outcome = await inner.submit(points);
      if (!crashed && points.some((p) => p.metric.includes(".delivery."))) {
        crashed = true;
        throw new Error("crash between the 2xx and the checkpoint");
      }
      return outcome;
    },
  });
}

describe("export by remote write, into the emulator", () => {
  const T0 = Date.UTC(2026, 10, 25, 6, 1, 10);
  let now = T0;
  let emulators: Emulators;
  beforeEach(async () => {
    now = T0;
    emulators = await startEmulators({
      segment: { now: () => now, maxRetryDelayMs: 20 * MINUTE, faultRetryMs: 50 },
      prometheus: { now: () => now },
    });
  });
  afterEach(async () => {
    await emulators.close();
  });
  const config = () =>
    exportConfig(
      emulators,
      { pipeline: true, sink: remoteWriteSink(emulators.prometheus.writeUrl) },
      { sink: "prometheus" },
    );

  it("stores every sample once, equal to the truth, under design §5's names and units", async () => {
    const cfg = config();
    for (let i = 0; i < 15; i++, now += 5 * MINUTE) {
      const summary = await runExport(
        cfg,
        deps(() => now),
      );
      expect(exportFailure(summary)).toBeUndefined();
      expect(summary.bucketsMissed).toBe(0);
      expect(summary.pointsRejected).toBe(0);
    }
    expectTruth(emulators, () => emulators.prometheus.series(), sentWindow(T0, now - 5 * MINUTE));
    const names = new Set(emulators.prometheus.series().map((s) => s.labels.__name__));
    for (const name of EXPECTED_NAMES) expect(names).toContain(name);
    expect([...names].filter((n) => n?.endsWith("_total"))).toEqual([]);
    // Nothing was refused, and no request held a sample the receiver dropped silently.
    expect(emulators.prometheus.requests.filter((r) => r.status !== 204)).toEqual([]);
    expect(emulators.prometheus.requests.some((r) => (r.ignored ?? 0) > 0)).toBe(false);
    const delivered = emulators.prometheus
      .series()
      .find((s) => s.labels.__name__ === "segment_exporter_delivery_successes");
    expect(Object.keys(delivered?.labels ?? {}).sort()).toEqual([
      "__name__",
      "destination",
      "destination_id",
      "destination_type",
      "source_id",
      "source_slug",
      "workspace",
    ]);
  }, 60_000);

  it("after a crash between a write and its checkpoint, the next run ends well: repeats refused, reported, counted", async () => {
    // A cron tick 10 minutes after the first run: the crashing run sends two buckets per series, so it
    // leaves every series two samples ahead of the checkpoint. (--remote-write-max-age 2h keeps the
    // first of them in reach when it is sent again: the default leaves 5 minutes of slack.)
    const cfg = exportConfig(
      emulators,
      { pipeline: true, sink: remoteWriteSink(emulators.prometheus.writeUrl, 120 * MINUTE) },
      { sink: "prometheus", remoteWriteMaxAge: "2h" },
    );
    const logs: string[] = [];
    const logger = createLogger({ level: "info", pretty: false, write: (l) => logs.push(l) });
    const real = sinkOf(cfg, logger);
    expect(
      exportFailure(
        await runExport(
          cfg,
          deps(() => now),
        ),
      ),
    ).toBeUndefined();
    now += 10 * MINUTE;
    try {
      const crashed = await runExport(cfg, { ...deps(() => now), sink: crashingAfterFirstWrite(real) }).catch(
        (e: Error) => e,
      );
      expect(crashed).toBeInstanceOf(Error);
      expect((crashed as Error).message).toMatch(/crash between the 2xx and the checkpoint/);
      const stored = emulators.prometheus.series().reduce((n, s) => n + s.samples.length, 0);
      expect(stored).toBeGreaterThan(0);
    } finally {
      await real.close();
    }
    // The next cron tick re-reads and re-sends the crashed buckets, with one new bucket per stream.
    now += 5 * MINUTE;
    const next = await runExport(cfg, { ...deps(() => now, logs) });
    expect(exportFailure(next)).toBeUndefined();
    expect(next.pointsRejected).toBeGreaterThan(0);
    const warnings = logs.filter((l) => l.includes('"level":40') && l.includes("refused"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`refused ${next.pointsRejected} samples`);
    // The run's one log line says so too.
    expect(describeRun(next, now)).toMatch(
      new RegExp(
        `points in \\d+ remote-write receiver requests? .*, ${next.pointsRejected} points refused as already stored,`,
      ),
    );
    // The health series counts them.
    const rejected = emulators.prometheus
      .series()
      .find((s) => s.labels.__name__ === "segment_exporter_exporter_points_rejected");
    expect(rejected?.samples.at(-1)?.value).toBe(next.pointsRejected);
    now += 5 * MINUTE;
    expect(
      exportFailure(
        await runExport(
          cfg,
          deps(() => now),
        ),
      ),
    ).toBeUndefined();
    expectTruth(emulators, () => emulators.prometheus.series(), sentWindow(T0, now));
  }, 60_000);

  it("under ~20 % faults on both sides, ends with every sample equal to the truth", async () => {
    emulators.segment.faults.setChaos({
      probability: 0.2,
      kinds: ["502-html", "500-json", "reset", "429-retry-after"],
      seed: 5,
    });
    emulators.prometheus.faults.setChaos({
      probability: 0.2,
      kinds: ["429", "500", "502-html", "503", "reset", "reset-after-store"],
      seed: 6,
    });
    // A window with room to catch up on what the faults held back.
    const cfg = exportConfig(
      emulators,
      { pipeline: true, sink: remoteWriteSink(emulators.prometheus.writeUrl, 120 * MINUTE), requestTimeoutMs: 1_000 },
      { sink: "prometheus", remoteWriteMaxAge: "2h" },
    );
    for (let i = 0; i < 6; i++, now += 5 * MINUTE)
      await runExport(
        cfg,
        deps(() => now),
      ).catch(() => undefined);
    emulators.segment.faults.setChaos(undefined);
    emulators.prometheus.faults.setChaos(undefined);
    const calm = await runExport(
      cfg,
      deps(() => now),
    );
    expect(exportFailure(calm)).toBeUndefined();
    expect(calm.bucketsMissed).toBe(0);
    expect([...emulators.prometheus.faults.served.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(3);
    expectTruth(emulators, () => emulators.prometheus.series(), sentWindow(T0, now, 120 * MINUTE));
  }, 120_000);
});

describe.runIf(runsWith("prometheus"))("export by remote write, into a real Prometheus", () => {
  // Real time, frozen: the TSDB takes samples relative to its own newest.
  const T0 = Date.now();
  let now = T0;
  let emulators: Emulators;
  let prometheus: RealPrometheus;
  beforeAll(async () => {
    prometheus = await startPrometheus();
    emulators = await startEmulators({ segment: { now: () => now, maxRetryDelayMs: 20 * MINUTE } });
  }, 60_000);
  afterAll(async () => {
    await prometheus?.stop();
    await emulators?.close();
  });

  it("holds every sample equal to the truth, read back through its HTTP API, after a crash and cron runs", async () => {
    const cfg = exportConfig(
      emulators,
      { pipeline: true, sink: remoteWriteSink(prometheus.writeUrl, 120 * MINUTE) },
      { sink: "prometheus", remoteWriteMaxAge: "2h" },
    );
    const real = sinkOf(cfg);
    expect(
      exportFailure(
        await runExport(
          cfg,
          deps(() => now),
        ),
      ),
    ).toBeUndefined();
    now += 10 * MINUTE;
    try {
      await expect(runExport(cfg, { ...deps(() => now), sink: crashingAfterFirstWrite(real) })).rejects.toThrow(
        /crash/,
      );
    } finally {
      await real.close();
    }
    let rejected = 0;
    for (let i = 0; i < 3; i++) {
      now += 5 * MINUTE;
      const summary = await runExport(
        cfg,
        deps(() => now),
      );
      expect(exportFailure(summary)).toBeUndefined();
      rejected += summary.pointsRejected;
    }
    // The real receiver refused the crashed run's repeats just as the emulator does.
    expect(rejected).toBeGreaterThan(0);
    const read = await prometheus.rawSamples('{__name__=~"segment_exporter_.+"}', "3h", now + MINUTE);
    expectTruth(emulators, () => read, sentWindow(T0, now, 120 * MINUTE));
    const names = new Set(read.map((s) => s.labels.__name__));
    for (const name of EXPECTED_NAMES) expect(names).toContain(name);
  }, 120_000);
});
