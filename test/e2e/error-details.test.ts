// Issue #15, "Done when": error details (`<p>.delivery.failed`, failed deliveries by reason from
// Delivery Overview) through export and backfill, end to end against both emulators.
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunSummary as ExportSummary } from "../../src/domain.js";
import type { StoredPoint } from "../../src/emulator/datadog/types.js";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { SEGMENT_FAULTS } from "../../src/emulator/segment/fault-bodies.js";
import type { FixtureDestination } from "../../src/emulator/segment/index.js";
import { checkDelivery, checkEventVolume, checkFailures } from "../../src/emulator/verify.js";
import { alignDown, alignUp } from "../../src/plan/buckets.js";
import { AGE_MARGIN_MS } from "../../src/plan/limits.js";
import { initialWatermark } from "../../src/plan/schedule.js";
import { runBackfill } from "../../src/run/backfill.js";
import { runExport } from "../../src/run/export.js";
import { datadogOldestAccepted } from "../../src/sinks/datadog/window.js";
import { HOUR, MINUTE } from "../../src/time.js";
import { emulatorEnv, runCli } from "../helpers/cli.js";
import { deps, exportConfig, tempStatePath } from "../helpers/export.js";

const B = 5 * MINUTE;
const PREFIX = "segment_exporter";
const FAILED = `${PREFIX}.delivery.failed`;
const DISCARDED = `${PREFIX}.delivery.discarded`;
const DO_ROUTE = "delivery-overview-failed-delivery";
const T0 = Date.UTC(2026, 10, 25, 6, 1, 10);

let emulators: Emulators;
let now = T0;

const active = (): FixtureDestination[] =>
  emulators.segment.fixture.destinations.filter(
    (d) => d.enabled && emulators.segment.fixture.sources.find((s) => s.id === d.sourceId)?.enabled,
  );
const byCatalog = (slug: string): FixtureDestination => {
  const d = active().find((x) => x.catalog.slug === slug);
  if (!d) throw new Error(`fixture without ${slug}`);
  return d;
};
const destTag = (d: FixtureDestination) => `destination_id:${d.id.toLowerCase()}`;
const reasonOf = (p: StoredPoint) => p.tags.find((t) => t.startsWith("reason:"))?.slice(7) ?? "";

/** Stored points of one series for one connection and bucket start (ms). */
function storedAt(metric: string, d: FixtureDestination, t: number): StoredPoint[] {
  return emulators.datadog.store.series(metric).filter((p) => p.timestamp === t / 1000 && p.tags.includes(destTag(d)));
}

/** The truth's failures of one bucket, per reason as Segment spells it. */
function truthRaw(d: FixtureDestination, t: number, at: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of emulators.segment.truth.failedByReason(d.sourceId, d.id, t, t + B, at)) {
    out.set(f.reason, (out.get(f.reason) ?? 0) + f.count);
  }
  return out;
}

/** Delivery Overview failed-delivery requests per connection, as the emulator counted them. */
function doRequests(): Map<string, number> {
  return new Map(
    active().map((d) => [
      d.id,
      emulators.segment.deliveryOverviewRequests({ step: "failed-delivery", destinationConfigId: d.id }),
    ]),
  );
}

/** Stored failures of one connection over [from, to), `bucket start|reason` → value. */
function storedFailures(d: FixtureDestination, from: number, to: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of emulators.datadog.store.series(FAILED)) {
    const t = p.timestamp * 1000;
    if (p.tags.includes(destTag(d)) && t >= from && t < to) out.set(`${t}|${reasonOf(p)}`, p.value);
  }
  return out;
}

/**
 * For every connection and bucket of [from, to): the stored failures summed over reasons equal the
 * stored discarded of that bucket (both read in the same run, at the same read stage).
 */
function expectFailuresSumToDiscarded(from: number, to: number): number {
  // Indexed once: a 48 h backfill stores tens of thousands of points.
  const index = (metric: string) => {
    const out = new Map<string, number[]>();
    for (const p of emulators.datadog.store.series(metric)) {
      const dest = p.tags.find((t) => t.startsWith("destination_id:"));
      const key = `${dest}|${p.timestamp * 1000}`;
      out.set(key, [...(out.get(key) ?? []), p.value]);
    }
    return out;
  };
  const discarded = index(DISCARDED);
  const failed = index(FAILED);
  let withFailures = 0;
  for (const d of active()) {
    for (let t = from; t < to; t += B) {
      const key = `${destTag(d)}|${t}`;
      const what = `${d.id} @${new Date(t).toISOString()}`;
      expect(discarded.get(key), `discarded of ${what}`).toHaveLength(1);
      const sum = (failed.get(key) ?? []).reduce((n, v) => n + v, 0);
      expect(sum, `failures of ${what}`).toBe(discarded.get(key)?.[0]);
      if (sum > 0) withFailures += 1;
    }
  }
  return withFailures;
}

describe("error details: export", () => {
  beforeEach(async () => {
    now = T0;
    // Late discards (and retries) settle within 20 minutes: after the 40m re-read a bucket is final.
    emulators = await startEmulators({
      segment: { now: () => now, maxRetryDelayMs: 20 * MINUTE, slowMs: 1_500, faultRetryMs: 50 },
      datadog: { now: () => now },
    });
    // A failing destination has many failures per bucket, spread over more reasons.
    emulators.segment.setHealth(byCatalog("braze").id, "failing");
  });
  afterEach(async () => {
    emulators.segment.faults.clear();
    await emulators.close();
  });

  it("stores per connection, bucket and reason the truth, letter-case variants summed, adding up to discarded", async () => {
    const config = exportConfig(emulators);
    const summary = await runExport(
      config,
      deps(() => now),
    );
    expect(summary.bucketsFailed + summary.bucketsPending).toBe(0);
    const from = initialWatermark(config.schedule, T0);
    const to = alignDown(T0 - config.schedule.delayMs, B);
    expect((to - from) / B).toBe(9);
    const window = { prefix: PREFIX, bucketMs: B, from, to, at: T0 };
    const failures = checkFailures(emulators.segment, emulators.datadog.store, window);
    expect(failures.problems).toEqual([]);
    expect(failures.checked).toBeGreaterThan(6 * 9);

    // ETIMEDOUT and etimedout are distinct codes on the wire: where a bucket has both, one point
    // reason:etimedout holds their sum (not the last one written, not two points).
    let pairs = 0;
    for (const d of active()) {
      for (let t = from; t < to; t += B) {
        const raw = truthRaw(d, t, T0);
        const upper = raw.get("ETIMEDOUT") ?? 0;
        const lower = raw.get("etimedout") ?? 0;
        const points = storedAt(FAILED, d, t).filter((p) => reasonOf(p) === "etimedout");
        if (upper + lower === 0) {
          expect(points).toEqual([]);
          continue;
        }
        expect(points).toHaveLength(1);
        expect(points[0]?.value).toBe(upper + lower);
        if (upper > 0 && lower > 0) pairs += 1;
      }
    }
    expect(pairs).toBeGreaterThan(0);
    // Every reason tag is lowercase; none is `other` or `unknown` for the emulated codes.
    for (const p of emulators.datadog.store.series(FAILED)) {
      expect(reasonOf(p)).toMatch(/^[a-z0-9_.-]+$/);
      expect(["other", "unknown"]).not.toContain(reasonOf(p));
      expect(p).toMatchObject({ type: 1, interval: B / 1000 });
    }

    expect(expectFailuresSumToDiscarded(from, to)).toBeGreaterThan(10);
    expect(emulators.datadog.dropped).toEqual([]);
  });

  it("re-reads overwrite with late failures (new truth, not old + new), one request sequence per connection per run", async () => {
    const config = exportConfig(emulators);
    const firstFrom = initialWatermark(config.schedule, T0);
    const firstTo = alignDown(T0 - config.schedule.delayMs, B);
    const connections = active().length;
    const runs: Array<{ at: number; summary: ExportSummary; requests: Map<string, number> }> = [];
    let firstRead = new Map<string, number>();
    // An hour of cron every 5 minutes: every bucket of the first run goes through its 15m and 40m re-reads.
    for (let i = 0; i <= 12; i++, now += 5 * MINUTE) {
      emulators.segment.resetRequests();
      const summary = await runExport(
        config,
        deps(() => now),
      );
      const after = doRequests();
      runs.push({ at: now, summary, requests: after });
      expect(summary.bucketsFailed + summary.bucketsPending).toBe(0);
      // One Delivery Overview request per connection per run, first reads and re-reads together.
      for (const d of active()) expect(after.get(d.id), `${d.id} run ${i}`).toBe(1);
      expect(emulators.segment.deliveryOverviewRequests()).toBe(connections);
      if (summary.bucketsReread > 0) {
        // That one request spans the oldest re-read bucket and the newest first read.
        const oldestReread = alignDown(now - 40 * MINUTE, B) - B;
        for (const r of emulators.segment.requests.filter((x) => x.route === DO_ROUTE)) {
          const q = new URLSearchParams(r.query);
          const start = Date.parse(q.get("startTime") ?? "");
          const end = Date.parse(q.get("endTime") ?? "");
          if (i >= 9) expect(start).toBeLessThanOrEqual(oldestReread);
          expect(end).toBe(alignDown(now - config.schedule.delayMs, B));
        }
      }
      if (i === 0) {
        firstRead = new Map(
          emulators.datadog.store.series(FAILED).map((p) => [`${p.tags.join(",")}|${p.timestamp}`, p.value]),
        );
      }
    }
    // Runs with both first reads and re-reads happened, each still one request per connection.
    const mixed = runs.filter((r) => r.summary.bucketsExported > 0 && r.summary.bucketsReread > 0);
    expect(mixed.length).toBeGreaterThan(5);
    expect(runs.every((r) => [...r.requests.values()].every((n) => n === 1))).toBe(true);

    // The first run's buckets went through both re-reads: they hold the settled truth.
    const settled = { prefix: PREFIX, bucketMs: B, from: firstFrom, to: firstTo, at: now + 24 * HOUR };
    const failures = checkFailures(emulators.segment, emulators.datadog.store, settled);
    expect(failures.problems).toEqual([]);
    expect(checkDelivery(emulators.segment, emulators.datadog.store, settled).problems).toEqual([]);
    expect(expectFailuresSumToDiscarded(firstFrom, firstTo)).toBeGreaterThan(10);

    // Late failures really appeared after the first read, and each re-read overwrote the point.
    let grown = 0;
    let appeared = 0;
    for (const p of emulators.datadog.store.series(FAILED)) {
      if (p.timestamp * 1000 < firstFrom || p.timestamp * 1000 >= firstTo) continue;
      const old = firstRead.get(`${p.tags.join(",")}|${p.timestamp}`);
      if (old === undefined) appeared += 1;
      else if (p.value > old) {
        grown += 1;
        expect(p.writes).toBeGreaterThanOrEqual(2);
      } else expect(p.value).toBe(old);
      expect(p.writes).toBeLessThanOrEqual(3); // first read, 15m, 40m: three writes at most
    }
    expect(grown).toBeGreaterThan(0);
    expect(appeared + grown).toBeGreaterThan(2);
    expect(emulators.datadog.dropped).toEqual([]);
  }, 120_000);

  it("under 20% faults on Delivery Overview, follow-up runs still end equal to the truth", async () => {
    const config = exportConfig(emulators, { requestTimeoutMs: 1_000 });
    const firstFrom = initialWatermark(config.schedule, T0);
    emulators.segment.faults.setChaos({
      probability: 0.2,
      // Every fault but 401: that one is a verdict on the token (exit 3), not something to ride out.
      kinds: SEGMENT_FAULTS.filter((k) => k !== "401"),
      routes: [DO_ROUTE],
      seed: 15,
    });
    const summaries: ExportSummary[] = [];
    const run = async () =>
      summaries.push(
        await runExport(
          config,
          deps(() => now),
        ),
      );
    // An hour of cron every 5 minutes under faults, then follow-up runs at the last tick (faults on).
    for (let i = 0; i <= 12; i++, now += 5 * MINUTE) await run();
    now -= 5 * MINUTE;
    for (let i = 0; i < 6; i++) {
      const last = summaries.at(-1);
      if (last && last.bucketsFailed === 0 && last.bucketsPending === 0) break;
      await run();
    }
    const served = [...emulators.segment.faults.served.values()].reduce((a, b) => a + b, 0);
    expect(served).toBeGreaterThan(10);
    expect(emulators.segment.faults.served.get("negative-counts") ?? 0).toBeGreaterThan(0);
    expect(summaries.at(-1)).toMatchObject({ bucketsFailed: 0, bucketsPending: 0 });
    // Faults that outlasted the retries really failed some buckets, which later runs completed.
    expect(summaries.some((s) => s.bucketsFailed > 0)).toBe(true);

    // Every bucket that went through its 40m re-read holds the settled truth.
    const settled = {
      prefix: PREFIX,
      bucketMs: B,
      from: firstFrom,
      to: alignDown(now - 40 * MINUTE, B),
      at: now + 24 * HOUR,
    };
    const failures = checkFailures(emulators.segment, emulators.datadog.store, settled);
    expect(failures.problems).toEqual([]);
    expect(failures.checked).toBeGreaterThan(6 * 9);
    expect(checkDelivery(emulators.segment, emulators.datadog.store, settled).problems).toEqual([]);
    expectFailuresSumToDiscarded(settled.from, settled.to);
    // No negative count got through to Datadog.
    expect(emulators.datadog.store.series(FAILED).every((p) => p.value > 0)).toBe(true);
  }, 180_000);

  it("a bucket whose error details failed is not checkpointed; the next healthy run completes it", async () => {
    const config = exportConfig(emulators);
    const braze = byCatalog("braze");
    const marks = () => {
      const state = JSON.parse(readFileSync(config.statePath, "utf8")) as {
        workspaces: Record<string, { delivery: Record<string, { stages: Record<string, string> }> }>;
      };
      const ws = Object.values(state.workspaces)[0];
      return new Map(
        Object.entries(ws?.delivery ?? {}).map(([key, v]) => [
          key.slice(key.lastIndexOf("/") + 1),
          Object.fromEntries(Object.entries(v.stages).map(([k, iso]) => [k, Date.parse(iso)])),
        ]),
      );
    };
    const first = await runExport(
      config,
      deps(() => now),
    );
    expect(first.bucketsFailed).toBe(0);
    const before = marks().get(braze.id);
    expect(before?.first).toBe(alignDown(T0 - config.schedule.delayMs, B));

    // 15 minutes later: three new buckets and the first 15m re-reads are due. Braze's Delivery
    // Overview answers 500 to every attempt; its summaries are fine.
    now += 15 * MINUTE;
    const due = alignDown(now - config.schedule.delayMs, B);
    emulators.segment.faults.queue(
      "500-json",
      1_000,
      (route, request) => route === DO_ROUTE && (request?.query.includes(`destinationConfigId=${braze.id}`) ?? false),
    );
    emulators.segment.resetRequests();
    const failing = await runExport(
      config,
      deps(() => now),
    );
    // The client retried, then gave up: the buckets of that connection failed, and only those.
    expect(emulators.segment.deliveryOverviewRequests({ destinationConfigId: braze.id })).toBeGreaterThan(1);
    expect(failing.bucketsFailed).toBeGreaterThan(0);
    expect(failing.workspaces[0]?.bucketsFailed).toBe(failing.bucketsFailed);
    const during = marks();
    // No stage of braze moved over a bucket it read: its summaries were sent, but a bucket is done
    // only with both parts. (A re-read stage only skips, as reported, what Datadog no longer accepts.)
    const reach = alignUp(datadogOldestAccepted(now, false), B);
    expect(failing.rereadsSkipped).toBeGreaterThan(0);
    const stuck = during.get(braze.id) ?? {};
    expect(Object.keys(stuck).sort()).toEqual(Object.keys(before ?? {}).sort());
    for (const [stage, mark] of Object.entries(before ?? {})) expect(stuck[stage], stage).toBe(Math.max(mark, reach));
    for (const d of active().filter((x) => x.id !== braze.id)) {
      expect(during.get(d.id)?.first).toBe(due);
      for (const [stage, mark] of Object.entries(stuck)) expect(during.get(d.id)?.[stage]).toBeGreaterThan(mark);
    }
    const pendingFrom = before?.first ?? 0;
    expect(storedFailures(braze, pendingFrom, due)).toEqual(new Map());

    emulators.segment.faults.clear();
    emulators.segment.resetRequests();
    const healthy = await runExport(
      config,
      deps(() => now),
    );
    expect(healthy).toMatchObject({ bucketsFailed: 0, bucketsPending: 0 });
    // Only braze had anything due, and it re-read exactly what the failed run did not complete.
    expect(emulators.segment.deliveryOverviewRequests()).toBe(1);
    expect(healthy.bucketsExported).toBe(3);
    expect(healthy.bucketsReread).toBeGreaterThan(0);
    const after = marks();
    expect(after.get(braze.id)).toEqual(after.get(active().find((x) => x.id !== braze.id)?.id ?? ""));
    expect(after.get(braze.id)?.first).toBe(due);
    // The buckets first read in the failed run, now with their error details, equal to the truth.
    const truth = new Map<string, number>();
    for (let t = pendingFrom; t < due; t += B) {
      for (const [reason, count] of truthRaw(braze, t, now)) {
        const key = `${t}|${reason.toLowerCase()}`;
        truth.set(key, (truth.get(key) ?? 0) + count);
      }
    }
    expect(truth.size).toBeGreaterThan(3);
    expect(storedFailures(braze, pendingFrom, due)).toEqual(truth);
    expectFailuresSumToDiscarded(pendingFrom, due);
  }, 60_000);

  it.each([
    { access: false as const, status: 403 },
    { access: "not-found" as const, status: 404 },
  ])(
    "a workspace whose Delivery Overview answers $status: everything else exported, one warning per run",
    async ({ access, status }) => {
      emulators.segment.setDeliveryOverview(access);
      const config = exportConfig(emulators);
      for (const step of [0, 5 * MINUTE]) {
        now = T0 + step;
        emulators.datadog.reset();
        const logs: string[] = [];
        const summary = await runExport(
          config,
          deps(() => now, logs),
        );
        expect(summary).toMatchObject({ bucketsFailed: 0, bucketsPending: 0 });
        expect(summary.bucketsExported).toBe(step === 0 ? 7 * 9 : 7);
        const from = step === 0 ? initialWatermark(config.schedule, T0) : alignDown(T0 - config.schedule.delayMs, B);
        const window = { prefix: PREFIX, bucketMs: B, from, to: alignDown(now - config.schedule.delayMs, B), at: now };
        const delivery = checkDelivery(emulators.segment, emulators.datadog.store, window);
        expect(delivery.problems).toEqual([]);
        expect(delivery.checked).toBeGreaterThan(0);
        expect(checkEventVolume(emulators.segment, emulators.datadog.store, window).problems).toEqual([]);
        expect(emulators.datadog.store.series(FAILED)).toEqual([]);
        const warnings = logs.filter((l) => l.includes("Delivery Overview answered"));
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(`HTTP ${status}`);
        expect(JSON.parse(warnings[0] ?? "{}").level).toBe(40);
        // Nothing else was a warning or worse.
        expect(logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 40)).toEqual(warnings);
      }
    },
  );
});

describe("error details: the CLI", () => {
  // A frozen data clock: minutes that end while the CLI runs are not counted, so the truth is exact.
  const DATA_NOW = Math.floor(Date.now() / MINUTE) * MINUTE;
  beforeAll(async () => {
    emulators = await startEmulators({ segment: { now: () => DATA_NOW }, datadog: { now: () => DATA_NOW } });
  });
  afterAll(async () => {
    await emulators.close();
  });
  beforeEach(() => {
    emulators.datadog.reset();
    emulators.segment.resetRequests();
    emulators.segment.setDeliveryOverview(true);
  });

  /** Delivery summaries and event volume over every bucket the run stored equal the truth. */
  function expectExportedTruth() {
    const starts = emulators.datadog.store.series(`${PREFIX}.delivery.successes`).map((p) => p.timestamp * 1000);
    expect(starts.length).toBeGreaterThan(0);
    const window = {
      prefix: PREFIX,
      bucketMs: B,
      from: Math.min(...starts),
      to: Math.max(...starts) + B,
      at: DATA_NOW,
    };
    expect((window.to - window.from) / B).toBeGreaterThanOrEqual(9);
    const delivery = checkDelivery(emulators.segment, emulators.datadog.store, window);
    expect(delivery.problems).toEqual([]);
    expect(delivery.checked).toBe(active().length * 10 * ((window.to - window.from) / B));
    expect(checkEventVolume(emulators.segment, emulators.datadog.store, window).problems).toEqual([]);
    return window;
  }

  it("Delivery Overview answering 403: exit 0, one warning, everything else exported", async () => {
    emulators.segment.setDeliveryOverview(false);
    const result = await runCli(["export", "--state", tempStatePath()], emulatorEnv(emulators));
    expect(result.stderr.split("\n").filter((l) => l.includes("Delivery Overview answered"))).toHaveLength(1);
    expect(result.stderr).toContain("HTTP 403");
    expect(result.code).toBe(0);
    expect(emulators.segment.deliveryOverviewRequests()).toBeGreaterThan(0);
    expectExportedTruth();
    expect(emulators.datadog.store.series(FAILED)).toEqual([]);
  });

  it("--no-error-details makes no Delivery Overview request", async () => {
    const result = await runCli(["export", "--no-error-details", "--state", tempStatePath()], emulatorEnv(emulators));
    expect(result.code).toBe(0);
    expect(emulators.segment.deliveryOverviewRequests({ step: "failed-delivery" })).toBe(0);
    expectExportedTruth();
    expect(emulators.datadog.store.series(FAILED)).toEqual([]);
    // The same run with error details on does read them, and they equal the truth.
    const state = tempStatePath();
    const on = await runCli(["export", "--state", state], emulatorEnv(emulators));
    expect(on.code).toBe(0);
    expect(emulators.segment.deliveryOverviewRequests({ step: "failed-delivery" })).toBe(active().length);
    const window = expectExportedTruth();
    const failures = checkFailures(emulators.segment, emulators.datadog.store, window);
    expect(failures.problems).toEqual([]);
    expect(failures.checked).toBeGreaterThan(0);
  });
});

describe("error details: 48 h backfill --historical", () => {
  const NOW = Date.UTC(2026, 10, 25, 10, 7, 30);
  beforeAll(async () => {
    emulators = await startEmulators({
      segment: { now: () => NOW },
      datadog: { now: () => NOW, historical: [`${PREFIX}.*`] },
    });
    emulators.segment.setHealth(byCatalog("braze").id, "failing");
  });
  afterAll(async () => {
    await emulators.close();
  });

  it("exports error details for every bucket Delivery Overview serves, within its limits, equal to the truth", async () => {
    const end = alignDown(NOW, B);
    const start = end - 48 * HOUR;
    // Event volume is left out: its backfill plan takes one granularity from the oldest bucket, and no
    // granularity dividing 5m serves a start 48 h back, so it would stay pending (reported separately).
    const base = exportConfig(emulators, { statePath: tempStatePath(), eventVolume: false });
    if (base.sink.name !== "datadog" || !base.sink.settings) throw new Error("no datadog settings");
    base.sink.settings.appKey = emulators.datadog.appKey;
    const config = {
      ...base,
      window: { start, end },
      schedule: { bucketMs: B, delayMs: 0, rereadMs: [], historical: true },
    };
    const logs: string[] = [];
    const summary = await runBackfill(
      config,
      deps(() => NOW, logs),
    );
    const buckets = (48 * HOUR) / B;
    expect(summary).toMatchObject({ bucketsFailed: 0, bucketsPending: 0, bucketsExported: active().length * buckets });
    expect(emulators.datadog.dropped).toEqual([]);

    // Delivery Overview's MINUTE granularity (the only one dividing 5m) serves starts up to 48 h back;
    // the plan keeps its age margin. Older buckets are exported without error details, and said so.
    const served = alignUp(NOW - 48 * HOUR + AGE_MARGIN_MS, B);
    const unreachable = (served - start) / B;
    expect(unreachable).toBeGreaterThan(0);
    expect(unreachable).toBeLessThanOrEqual(AGE_MARGIN_MS / B + 1);
    const warned = logs.filter((l) => l.includes("older than Delivery Overview serves"));
    expect(warned).toHaveLength(1);

    // Within its limits: no 422 anywhere, every failed-delivery window at most 4 h and at most 48 h old.
    expect(emulators.segment.requests.filter((r) => r.status !== 200)).toEqual([]);
    const windows = emulators.segment.requests.filter((r) => r.route === DO_ROUTE);
    for (const r of windows) {
      const q = new URLSearchParams(r.query);
      const from = Date.parse(q.get("startTime") ?? "");
      const to = Date.parse(q.get("endTime") ?? "");
      expect(q.get("granularity")).toBe("MINUTE");
      expect(from).toBeGreaterThanOrEqual(NOW - 48 * HOUR);
      expect(to - from).toBeLessThanOrEqual(4 * HOUR);
    }
    // One request sequence per connection: the fewest 4-hour windows that cover the served buckets.
    const perConnection = Math.ceil((end - served) / (4 * HOUR));
    for (const d of active()) {
      expect(emulators.segment.deliveryOverviewRequests({ destinationConfigId: d.id })).toBe(perConnection);
    }

    const window = { prefix: PREFIX, bucketMs: B, from: served, to: end, at: NOW };
    const failures = checkFailures(emulators.segment, emulators.datadog.store, window);
    expect(failures.problems).toEqual([]);
    expect(failures.checked).toBeGreaterThan(buckets);
    expect(expectFailuresSumToDiscarded(served, end)).toBeGreaterThan(buckets);
    expect(emulators.datadog.store.series(FAILED).filter((p) => p.timestamp * 1000 < served)).toEqual([]);
    expect(checkDelivery(emulators.segment, emulators.datadog.store, { ...window, from: start }).problems).toEqual([]);
  }, 180_000);
});
