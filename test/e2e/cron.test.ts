// Issue #4: many consecutive cron runs on an injected clock while late retries keep changing the
// totals of recent buckets; an outage in the middle; connections appearing and disappearing.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunSummary } from "../../src/domain.js";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { checkDelivery, checkEventVolume } from "../../src/emulator/verify.js";
import { alignDown } from "../../src/plan/buckets.js";
import { initialWatermark } from "../../src/plan/schedule.js";
import { runExport } from "../../src/run/export.js";
import { MINUTE } from "../../src/time.js";
import { deps, exportConfig } from "../helpers/export.js";

const T0 = Date.UTC(2026, 10, 25, 6, 1, 10);
const BUCKET = 5 * MINUTE;
let now = T0;
let emulators: Emulators;

beforeEach(async () => {
  now = T0;
  // Late retries settle within 20 minutes: after the 40m re-read a bucket's value is final.
  emulators = await startEmulators({
    segment: { now: () => now, maxRetryDelayMs: 20 * MINUTE },
    datadog: { now: () => now },
  });
});
afterEach(async () => {
  await emulators.close();
});

const dataPoints = () => emulators.datadog.store.all().filter((p) => !p.metric.includes(".exporter."));

describe("cron runs over late data", () => {
  it("ends with the latest value of every bucket, overwritten not added, and reports missed buckets", async () => {
    const config = exportConfig(emulators);
    const logs: string[] = [];
    const summaries: RunSummary[] = [];
    const run = async () =>
      summaries.push(
        await runExport(
          config,
          deps(() => now, logs),
        ),
      );
    const firstFrom = initialWatermark(config.schedule, T0);
    // 2 hours of cron every 5 minutes…
    for (let i = 0; i < 24; i++, now += 5 * MINUTE) await run();
    const outageStart = now;
    // …an outage of 2 h 30 min…
    now += 150 * MINUTE;
    // …then 1 h 30 min more of cron.
    for (let i = 0; i < 18; i++, now += 5 * MINUTE) await run();
    const end = now - 5 * MINUTE;

    // Every run but the one after the outage missed nothing; that one reports the exact number.
    const missed = summaries.map((s) => s.bucketsMissed);
    const afterOutage = summaries[24];
    // Buckets first-read up to the outage end at alignDown(outageStart − 5m − 2m); reach restarts 55 min
    // before the run after the outage: each connection and the event volume missed those in between.
    const lastReadEnd = alignDown(outageStart - 5 * MINUTE - 2 * MINUTE, BUCKET);
    const reach = Math.ceil((outageStart + 150 * MINUTE - 55 * MINUTE) / BUCKET) * BUCKET;
    const perStream = (reach - lastReadEnd) / BUCKET;
    expect(perStream).toBeGreaterThan(15);
    expect(afterOutage?.bucketsMissed).toBe(7 * perStream);
    expect(missed.filter((m) => m > 0)).toHaveLength(1);
    expect(logs.some((l) => l.includes(`"missed":${perStream}`) && l.includes("out of reach"))).toBe(true);
    expect(summaries.every((s) => s.bucketsFailed === 0 && s.bucketsPending === 0)).toBe(true);

    // Buckets that went through every read stage hold the settled truth, before and after the outage.
    const settledBefore = { from: firstFrom, to: alignDown(outageStart - 5 * MINUTE - 40 * MINUTE, BUCKET) };
    const settledAfter = { from: reach, to: alignDown(end - 40 * MINUTE, BUCKET) };
    for (const w of [settledBefore, settledAfter]) {
      const window = { prefix: config.prefix, bucketMs: BUCKET, ...w, at: now + 24 * 60 * MINUTE };
      const delivery = checkDelivery(emulators.segment, emulators.datadog.store, window);
      expect(delivery.problems).toEqual([]);
      expect(delivery.checked).toBeGreaterThan(0);
      expect(checkEventVolume(emulators.segment, emulators.datadog.store, window).problems).toEqual([]);
    }
    // Late retries really happened: those buckets changed after their first read, and each re-read
    // overwrote the point (three writes: first read, 15m, 40m), never added to it.
    const afterRetry = dataPoints().filter(
      (p) =>
        p.metric === "segment_exporter.delivery.successes.after_retry" &&
        // Buckets that began after the outage went through each stage on its own run.
        p.timestamp * 1000 >= outageStart + 150 * MINUTE &&
        p.timestamp * 1000 < settledAfter.to,
    );
    expect(afterRetry.length).toBeGreaterThan(0);
    expect(afterRetry.every((p) => p.writes === 3)).toBe(true);
    const changed = afterRetry.filter((p) => {
      const source = p.tags.find((t) => t.startsWith("source_id:"))?.slice(10);
      const dest = p.tags.find((t) => t.startsWith("destination_id:"))?.slice(15);
      const s = emulators.segment.fixture.sources.find((x) => x.id.toLowerCase() === source);
      const d = emulators.segment.fixture.destinations.find((x) => x.id.toLowerCase() === dest);
      if (!s || !d) return false;
      const t = p.timestamp * 1000;
      return (
        emulators.segment.truth.deliverySummary(s.id, d.id, t, t + BUCKET, t + BUCKET + 2 * MINUTE)
          .successesAfterRetry !== p.value
      );
    });
    expect(changed.length).toBeGreaterThan(0);
    // Nothing we sent was dropped for being outside Datadog's window.
    expect(emulators.datadog.dropped).toEqual([]);
  });

  it("picks up a connection that appears and drops one that disappears", async () => {
    const config = exportConfig(emulators);
    await runExport(
      config,
      deps(() => now),
    );
    const braze = emulators.segment.fixture.destinations.find((d) => d.catalog.slug === "braze");
    if (!braze) throw new Error("fixture without braze");
    // Disable Braze: it leaves the export and the state file.
    braze.enabled = false;
    now += 5 * MINUTE;
    const second = await runExport(
      config,
      deps(() => now),
    );
    expect(second.connections).toBe(5);
    const state = JSON.parse(await import("node:fs/promises").then((fs) => fs.readFile(config.statePath, "utf8")));
    const delivery = Object.values(state.workspaces as Record<string, { delivery: Record<string, unknown> }>)[0]
      ?.delivery;
    expect(Object.keys(delivery ?? {}).some((k) => k.endsWith(braze.id))).toBe(false);
    // Re-enable it: it is picked up again from a fresh start inside Datadog's window.
    braze.enabled = true;
    now += 5 * MINUTE;
    const third = await runExport(
      config,
      deps(() => now),
    );
    expect(third.connections).toBe(6);
    expect(third.bucketsExported).toBeGreaterThanOrEqual(10);
    expect(emulators.datadog.dropped).toEqual([]);
  });

  it("--max-duration stops cleanly, checkpoints what is done, and the next run finishes", async () => {
    const config = exportConfig(emulators, { maxDurationMs: 1_000 });
    emulators.segment.faults.queue("slow", 1000, "delivery-metrics");
    const started = performance.now();
    const first = await runExport(
      { ...config, concurrency: 2 },
      deps(() => now),
    );
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(first.bucketsPending).toBeGreaterThan(0);
    expect(first.stopped).toBeDefined();
    emulators.segment.faults.clear();
    const second = await runExport(
      { ...config, maxDurationMs: undefined },
      deps(() => now),
    );
    expect(second.bucketsPending + second.bucketsFailed).toBe(0);
    const window = {
      prefix: config.prefix,
      bucketMs: BUCKET,
      from: initialWatermark(config.schedule, T0),
      to: alignDown(T0 - 2 * MINUTE, BUCKET),
      at: now,
    };
    expect(checkDelivery(emulators.segment, emulators.datadog.store, window).problems).toEqual([]);
  });
});
