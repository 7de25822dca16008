// New Relic (design §5, Sinks): a point sent twice is stored twice and summed, so each bucket is sent
// once, at its last read age. Over cron runs across late data, and under ~20 % faults on both sides,
// the SUM of the stored count points of every connection, bucket and series equals Segment's truth.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunSummary } from "../../src/domain.js";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { type CheckWindow, newRelicPoints } from "../../src/emulator/verify.js";
import { alignDown, alignUp } from "../../src/plan/buckets.js";
import { runExport } from "../../src/run/export.js";
import { MINUTE } from "../../src/time.js";
import { deps, exportConfig, newRelicSink } from "../helpers/export.js";
import { expectTruth as expectSegmentTruth } from "../helpers/truth.js";

const T0 = Date.UTC(2026, 10, 25, 6, 1, 10);
const BUCKET = 5 * MINUTE;
/** The default schedule's last read: 40 minutes after a bucket ends. */
const SENDING_AGE = 40 * MINUTE;
let now = T0;
let emulators: Emulators;

beforeEach(async () => {
  now = T0;
  // Late retries settle within 20 minutes: at the 40m read a bucket's value is final.
  emulators = await startEmulators({
    segment: { now: () => now, maxRetryDelayMs: 20 * MINUTE, slowMs: 1_500, faultRetryMs: 50 },
    newrelic: { now: () => now, slowMs: 1_500, retryAfterSeconds: 1 },
  });
});
afterEach(async () => {
  await emulators.close();
});

const config = (over = {}) =>
  exportConfig(emulators, { sink: newRelicSink(emulators), pipeline: true, ...over }, { sink: "newrelic" });

/** Buckets from the fresh start (55 min before T0) to the newest one sent by the run at `last`. */
function sentWindow(last: number): CheckWindow {
  return {
    prefix: "segment_exporter",
    bucketMs: BUCKET,
    from: alignUp(T0 - 55 * MINUTE, BUCKET),
    to: alignDown(last - SENDING_AGE, BUCKET),
    // Every bucket is read at its last read age: compare with the truth at that age.
    at: (start) => start + BUCKET + SENDING_AGE,
  };
}

function expectTruth(window: CheckWindow, store = newRelicPoints(emulators.newrelic)) {
  return expectSegmentTruth(emulators.segment, store, window, 100);
}

const dataPoints = () => emulators.newrelic.points().filter((p) => !p.name.includes(".exporter."));

describe("export to New Relic", () => {
  it("sends each bucket once at its last read: every count summed once, equal to the truth", async () => {
    const cfg = config();
    expect(cfg.schedule.once).toBe(true);
    const summaries: RunSummary[] = [];
    for (let i = 0; i < 18; i++, now += 5 * MINUTE)
      summaries.push(
        await runExport(
          cfg,
          deps(() => now),
        ),
      );
    const last = now - 5 * MINUTE;
    expect(summaries.every((s) => s.bucketsFailed === 0 && s.bucketsMissed === 0)).toBe(true);
    expectTruth(sentWindow(last));
    // Each (series, bucket) was stored exactly once: nothing was sent at a first read and again later.
    const keys = dataPoints().map((p) => JSON.stringify([p.name, p.attributes, p.timestampMs]));
    expect(new Set(keys).size).toBe(keys.length);
    // Late data really changed buckets after the 2m first read a Datadog export would have sent.
    const lateChanged = dataPoints().filter((p) => {
      if (p.name !== "segment_exporter.delivery.successes.after_retry") return false;
      const s = emulators.segment.fixture.sources.find((x) => x.id === p.attributes.source_id);
      const d = emulators.segment.fixture.destinations.find((x) => x.id === p.attributes.destination_id);
      if (!s || !d) return false;
      const t = p.timestampMs;
      return (
        emulators.segment.truth.deliverySummary(s.id, d.id, t, t + BUCKET, t + BUCKET + 2 * MINUTE)
          .successesAfterRetry !== p.value
      );
    });
    expect(lateChanged.length).toBeGreaterThan(0);
    // Counts carry the bucket as interval.ms and its start as timestamp; latencies are gauges, in ms.
    const count = dataPoints().find((p) => p.name === "segment_exporter.delivery.successes");
    expect(count).toMatchObject({ type: "count", intervalMs: BUCKET });
    expect((count?.timestampMs ?? 1) % BUCKET).toBe(0);
    expect(dataPoints().find((p) => p.name === "segment_exporter.delivery.time_to_success.p95")?.type).toBe("gauge");
    expect(emulators.newrelic.dropped).toEqual([]);
    // The health series go through New Relic too.
    expect(emulators.newrelic.points("segment_exporter.exporter.heartbeat").length).toBe(18);
  }, 120_000);

  it("under ~20 % faults on both sides, only a request whose answer was lost is ever stored twice", async () => {
    emulators.segment.faults.setChaos({
      probability: 0.2,
      kinds: ["502-html", "500-json", "reset", "slow", "429-retry-after"],
      seed: 11,
    });
    emulators.newrelic.faults.setChaos({
      probability: 0.2,
      kinds: ["408", "413", "429", "500", "502-html", "503", "reset", "slow", "reset-after-store"],
      seed: 12,
    });
    // 1 s timeouts: every "slow" answer (1.5 s) is lost to the client after the emulator stored it.
    const cfg = config({ requestTimeoutMs: 1_000 });
    for (let i = 0; i < 8; i++, now += 5 * MINUTE)
      await runExport(
        cfg,
        deps(() => now),
      ).catch(() => undefined);
    emulators.segment.faults.setChaos(undefined);
    emulators.newrelic.faults.setChaos(undefined);
    // Calm runs at the same clock send what the faults held back, oldest first.
    let calm: RunSummary | undefined;
    for (let i = 0; i < 3 && !(calm && calm.bucketsFailed === 0 && calm.bucketsPending === 0); i++)
      calm = await runExport(
        cfg,
        deps(() => now),
      );
    expect(calm?.bucketsFailed).toBe(0);
    const served = [...emulators.newrelic.faults.served.values()].reduce((a, b) => a + b, 0);
    expect(served).toBeGreaterThan(5);

    // Requests New Relic stored but whose 202 the exporter never saw: the at-least-once window.
    const lost = new Set(
      emulators.newrelic.requests
        .filter((r) => r.requestId !== undefined && (r.fault === "reset-after-store" || r.fault === "slow"))
        .map((r) => r.requestId),
    );
    const all = emulators.newrelic.points();
    const withoutLost = { points: () => all.filter((p) => !lost.has(p.requestId)) };
    expectTruth(sentWindow(now), newRelicPoints(withoutLost));
    // What was stored twice came from those requests only, each sent again whole: one request per window.
    const seen = new Map<string, string>();
    const doubled = all.filter((p) => {
      const key = JSON.stringify([p.name, p.attributes, p.timestampMs]);
      const first = seen.get(key);
      seen.set(key, p.requestId);
      return first !== undefined;
    });
    for (const p of doubled) {
      const key = JSON.stringify([p.name, p.attributes, p.timestampMs]);
      const copies = all.filter((q) => JSON.stringify([q.name, q.attributes, q.timestampMs]) === key);
      expect(copies.filter((q) => !lost.has(q.requestId))).toHaveLength(1);
    }
  }, 240_000);

  it("sends no part of a bucket that failed, nor any later bucket of its stream, until a run can send them in order", async () => {
    const cfg = config();
    const [target] = emulators.segment.fixture.destinations.filter((d) => d.enabled);
    if (!target) throw new Error("no destination");
    // The first run sends 05:10 and 05:15; the summary of 05:10 fails for one connection (an answer
    // of the wrong shape: not retried), while that connection's failures by reason (another job) were
    // read fine.
    const failing = new Date(Date.UTC(2026, 10, 25, 5, 10)).toISOString().replace(".000Z", "Z");
    emulators.segment.faults.queue(
      "missing-fields",
      1_000,
      (route, request) =>
        route === "delivery-metrics" &&
        (request?.path.includes(target.id) ?? false) &&
        (request?.query.includes(`startTime=${encodeURIComponent(failing)}`) ?? false),
    );
    const first = await runExport(
      cfg,
      deps(() => now),
    );
    expect(first.bucketsFailed).toBe(2);
    expect(first.failures[0]).toMatch(/unexpected shape/);
    const ofTarget = () => dataPoints().filter((p) => p.attributes.destination_id === target.id);
    // Nothing of that connection was sent: not the failures of 05:10, not the later 05:15.
    expect(ofTarget()).toEqual([]);
    expect(dataPoints().length).toBeGreaterThan(0);

    emulators.segment.faults.clear();
    now += 5 * MINUTE;
    const second = await runExport(
      cfg,
      deps(() => now),
    );
    expect(second.bucketsFailed).toBe(0);
    expect(new Set(ofTarget().map((p) => p.timestampMs))).toEqual(
      new Set([10, 15, 20].map((m) => Date.UTC(2026, 10, 25, 5, m))),
    );

    // Then New Relic fails one submission after every retry: those buckets wait for the next run.
    now += 5 * MINUTE;
    // (The key check before the run passes: the faults start at the first submission.)
    let requests = 0;
    emulators.newrelic.faults.queue("500", 5, (route) => route === "metric" && ++requests > 1);
    const third = await runExport(
      { ...cfg, concurrency: 1 },
      deps(() => now),
    );
    expect(third.bucketsFailed).toBeGreaterThan(0);
    now += 5 * MINUTE;
    const fourth = await runExport(
      cfg,
      deps(() => now),
    );
    expect(fourth.bucketsFailed).toBe(0);

    const keys = dataPoints().map((p) => JSON.stringify([p.name, p.attributes, p.timestampMs]));
    expect(new Set(keys).size).toBe(keys.length);
    expectTruth(sentWindow(now));
  }, 60_000);
});
