// Issue #3 acceptance: export over real HTTP against both emulators equals the ground truth.
import { readFileSync, statSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { checkDelivery, checkEventVolume, checkFailures } from "../../src/emulator/verify.js";
import { alignDown } from "../../src/plan/buckets.js";
import { initialWatermark } from "../../src/plan/schedule.js";
import { runExport } from "../../src/run/export.js";
import { MINUTE } from "../../src/time.js";
import { deps, exportConfig } from "../helpers/export.js";

const NOW = Date.UTC(2026, 10, 25, 10, 7, 30);
let emulators: Emulators;
let now = NOW;

beforeEach(async () => {
  now = NOW;
  emulators = await startEmulators({ segment: { now: () => now }, datadog: { now: () => now } });
});
afterEach(async () => {
  await emulators.close();
});

/** Everything but the exporter's own health series. */
function dataPoints() {
  return emulators.datadog.store.all().filter((p) => !p.metric.startsWith("segment_exporter.exporter."));
}

function firstRunWindow(config: ReturnType<typeof exportConfig>) {
  const { schedule } = config;
  return {
    prefix: config.prefix,
    bucketMs: schedule.bucketMs,
    from: initialWatermark(schedule, NOW),
    to: alignDown(NOW - schedule.delayMs, schedule.bucketMs),
    at: NOW,
  };
}

describe("export end to end", () => {
  it("stores, for every connection and bucket, exactly the ground truth; latencies as gauges", async () => {
    const config = exportConfig(emulators);
    const summary = await runExport(
      config,
      deps(() => now),
    );
    const window = firstRunWindow(config);
    const buckets = (window.to - window.from) / window.bucketMs;
    expect(buckets).toBe(10);

    const delivery = checkDelivery(emulators.segment, emulators.datadog.store, window);
    expect(delivery.problems).toEqual([]);
    // 6 enabled connections × 10 buckets × 10 series, all compared.
    expect(delivery.checked).toBe(6 * 10 * 10);
    const events = checkEventVolume(emulators.segment, emulators.datadog.store, window);
    expect(events.problems).toEqual([]);
    expect(events.checked).toBe(emulators.segment.fixture.sources.length * 10);

    const p95 = emulators.datadog.store.series("segment_exporter.delivery.time_to_success.p95");
    expect(p95.length).toBe(60);
    expect(p95.every((p) => p.type === 3 && p.interval === undefined)).toBe(true);
    const counts = emulators.datadog.store.series("segment_exporter.delivery.successes");
    expect(counts.every((p) => p.type === 1 && p.interval === 300)).toBe(true);
    // Nothing arrived outside Datadog's window, so nothing relied on a silently dropped point.
    expect(emulators.datadog.dropped).toEqual([]);

    // Error details: failures by reason for every connection and bucket, equal to the truth, and
    // one Delivery Overview request sequence per connection (not one per bucket).
    const failures = checkFailures(emulators.segment, emulators.datadog.store, window);
    expect(failures.problems).toEqual([]);
    expect(failures.checked).toBeGreaterThan(0);
    const active = emulators.segment.fixture.destinations.filter((d) => d.enabled);
    for (const d of active) {
      expect(emulators.segment.deliveryOverviewRequests({ destinationConfigId: d.id })).toBeLessThanOrEqual(1);
    }
    expect(emulators.segment.deliveryOverviewRequests()).toBe(6);

    expect(summary).toMatchObject({ connections: 6, bucketsExported: 70, bucketsFailed: 0, sinkRequests: 1 });
    // The fewest Segment calls: workspace, sources, destinations, one summary per bucket, one
    // failures sequence per connection, one events request.
    expect(summary.segmentCalls).toBe(3 + 60 + 6 + 1);
    // The disabled destination is never asked for.
    const disabled = emulators.segment.fixture.destinations.find((d) => !d.enabled);
    expect(disabled).toBeDefined();
    expect(emulators.segment.requests.some((r) => disabled && r.path.includes(disabled.id))).toBe(false);
    // Delivery metrics exist only in beta: the versioned media type is asked for.
    const delivered = emulators.segment.requests.filter((r) => r.route === "delivery-metrics");
    expect(delivered.every((r) => r.accept === "application/vnd.segment.v1beta+json")).toBe(true);
  });

  it("tags every delivery point with the six tags of the contract", async () => {
    await runExport(
      exportConfig(emulators),
      deps(() => now),
    );
    const keys = ["workspace", "source_slug", "source_id", "destination", "destination_id", "destination_type"];
    for (const p of emulators.datadog.store.all().filter((x) => x.metric.includes(".delivery."))) {
      for (const key of keys)
        expect(p.tags.some((t) => t.startsWith(`${key}:`) && t.length > key.length + 1)).toBe(true);
    }
    const webhooks = emulators.segment.fixture.destinations.find((d) => d.name === "");
    expect(webhooks).toBeDefined();
    const tagged = emulators.datadog.store
      .all()
      .find((p) => webhooks && p.tags.includes(`destination_id:${webhooks.id.toLowerCase()}`));
    expect(tagged?.tags).toContain(`destination:${webhooks?.catalog.name.toLowerCase()}`);
  });

  it("a second run right after changes no stored value and sends no data", async () => {
    const config = exportConfig(emulators);
    await runExport(
      config,
      deps(() => now),
    );
    const before = JSON.stringify(dataPoints());
    const requests = emulators.datadog.requests.length;
    const second = await runExport(
      config,
      deps(() => now),
    );
    expect(JSON.stringify(dataPoints())).toBe(before);
    // Only the key check before Segment is read and the run's own health series were sent.
    expect(emulators.datadog.requests.length).toBe(requests + 2);
    expect(second.bucketsExported + second.bucketsReread).toBe(0);
  });

  it("submits the exporter's own health series", async () => {
    const config = exportConfig(emulators, { tags: ["env:test"] });
    await runExport(
      config,
      deps(() => now),
    );
    const self = emulators.datadog.store.all().filter((p) => p.metric.startsWith("segment_exporter.exporter."));
    const byName = (m: string) => self.filter((p) => p.metric === `segment_exporter.exporter.${m}`);
    expect(byName("heartbeat")).toEqual([expect.objectContaining({ value: 1, type: 3, timestamp: NOW / 1000 })]);
    expect(byName("heartbeat")[0]?.tags).toEqual(["command:export", "env:test"]);
    expect(byName("buckets.exported")[0]).toMatchObject({ value: 70, type: 1 });
    expect(byName("buckets.exported")[0]?.tags).toContain("workspace:emulated-workspace");
    const calls = byName("segment.calls");
    expect(calls.reduce((n, p) => n + p.value, 0)).toBe(70);
    expect(calls.find((p) => p.tags.includes("endpoint:delivery-metrics"))).toMatchObject({ value: 60 });
    // Lag: now (10:07:30) minus the end of the newest exported bucket (10:05).
    expect(byName("lag")[0]?.value).toBe(150);
    const failed = emulators.datadog.store.series("segment_exporter.delivery.failed").length;
    expect(failed).toBeGreaterThan(0);
    expect(byName("points.submitted")[0]?.value).toBe(60 * 10 + 40 + failed);
  });

  it("a re-export overwrites the same points instead of adding to them", async () => {
    const config = exportConfig(emulators);
    await runExport(
      config,
      deps(() => now),
    );
    const before = new Map(dataPoints().map((p) => [`${p.metric}|${p.tags}|${p.timestamp}`, p.value]));
    // A lost state file: the same buckets are exported again.
    await runExport(
      { ...config, statePath: `${config.statePath}.other` },
      deps(() => now),
    );
    const after = dataPoints();
    expect(after.length).toBe(before.size);
    for (const p of after) {
      expect(p.value).toBe(before.get(`${p.metric}|${p.tags}|${p.timestamp}`));
      expect(p.writes).toBe(2);
    }
  });

  it("the next cron tick reads the new bucket once and re-reads only the scheduled ones", async () => {
    const config = exportConfig(emulators);
    await runExport(
      config,
      deps(() => now),
    );
    emulators.segment.resetRequests();
    now = NOW + 5 * MINUTE;
    const next = await runExport(
      config,
      deps(() => now),
    );
    expect(next.bucketsExported).toBe(6 + 1);
    // One re-read per stage (15m, 40m) per connection; events re-read within one request.
    expect(next.bucketsReread).toBe(6 * 2 + 2);
    const calls = emulators.segment.requests.filter((r) => r.route === "delivery-metrics").length;
    expect(calls).toBe(6 * 3);
    expect(emulators.segment.requests.filter((r) => r.route === "events-volume").length).toBe(1);
    const window = {
      ...firstRunWindow(config),
      to: alignDown(now - config.schedule.delayMs, config.schedule.bucketMs),
      at: now,
    };
    // Buckets re-read now carry today's truth; the others the truth when they were read.
    const lastRead = new Map<number, number>();
    for (let t = window.from; t < window.to; t += window.bucketMs) lastRead.set(t, NOW);
    for (const t of [
      alignDown(now - 15 * MINUTE, 300_000) - 300_000,
      alignDown(now - 40 * MINUTE, 300_000) - 300_000,
      window.to - 300_000,
    ]) {
      lastRead.set(t, now);
    }
    const check = checkDelivery(emulators.segment, emulators.datadog.store, {
      ...window,
      at: (t) => lastRead.get(t) ?? now,
    });
    expect(check.problems).toEqual([]);
  });

  it("writes the state file atomically with mode 0600", async () => {
    const config = exportConfig(emulators);
    await runExport(
      config,
      deps(() => now),
    );
    expect(statSync(config.statePath).mode & 0o777).toBe(0o600);
    const state = JSON.parse(readFileSync(config.statePath, "utf8"));
    expect(state.version).toBe(1);
    expect(state.bucket).toBe("5m");
    const ws = Object.values(state.workspaces)[0] as { delivery: Record<string, unknown> };
    expect(Object.keys(ws.delivery)).toHaveLength(6);
  });
});
