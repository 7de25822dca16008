// Error details for a run's buckets, over real HTTP: the failed-delivery stream kind's planned windows
// → failed-delivery → points, held against the emulator's ground truth (and against the summary's
// discarded), under faults.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startDatadogEmulator } from "../../src/emulator/datadog/server.js";
import type { DatadogEmulator } from "../../src/emulator/datadog/types.js";
import { type SegmentEmulator, startSegmentEmulator } from "../../src/emulator/segment/server.js";
import { checkFailures } from "../../src/emulator/verify.js";
import { createLogger, silentLogger } from "../../src/log.js";
import { connectionTags } from "../../src/mapping/tags.js";
import type { MetricPoint } from "../../src/mapping/types.js";
import { SegmentHttp } from "../../src/segment/http.js";
import { DatadogSink } from "../../src/sinks/datadog/sink.js";
import { failedDelivery } from "../../src/streams/failed-delivery.js";
import { OverviewAccess } from "../../src/streams/overview.js";
import type { Job, WorkspaceContext } from "../../src/streams/types.js";
import { HOUR, MINUTE } from "../../src/time.js";
import { fastClient } from "../emulator/segment-helpers.js";

const NOW = Date.UTC(2026, 10, 25, 10, 7, 30);
const B = 5 * MINUTE;
const LAST = Math.floor(NOW / B) * B - B; // newest complete bucket
// A default-schedule run: the newest buckets first read, others re-read at about 15 and 40 minutes of age.
const DEFAULT_RUN = [LAST, LAST - B, LAST - 3 * B, LAST - 8 * B];
let emulator: SegmentEmulator;
let datadog: DatadogEmulator;
let http: SegmentHttp;

beforeAll(async () => {
  emulator = await startSegmentEmulator({ now: () => NOW, slowMs: 300, faultRetryMs: 20 });
  datadog = await startDatadogEmulator({ now: () => NOW });
  for (const d of emulator.fixture.destinations.filter((_, i) => i % 3 === 0)) emulator.setHealth(d.id, "failing");
  http = fastClient(emulator, { retries: 8 });
});
afterAll(async () => {
  await http.close();
  await emulator.close();
  await datadog.close();
});
beforeEach(() => {
  emulator.faults.clear();
  emulator.resetRequests();
  emulator.setDeliveryOverview(true);
});

const connections = () => emulator.fixture.destinations.filter((d) => d.enabled);
const reasonTag = (p: MetricPoint) => `reason:${p.tags.find(([k]) => k === "reason")?.[1]}`;
const tagsOf = (d: ReturnType<typeof connections>[number]) =>
  connectionTags(
    "ws",
    { id: d.sourceId, slug: "s" },
    { id: d.id, name: d.name, catalogName: d.catalog.name, catalogSlug: d.catalog.slug },
    [],
  );

type Destination = ReturnType<typeof connections>[number];

/** The failed-delivery kind's read of one connection's buckets, with the warnings it gave. */
async function readFailures(overview: OverviewAccess, d: Destination, buckets: readonly number[], prefix = "p") {
  const warnings: string[] = [];
  const ws = { id: "ws", slug: "ws", overview } as unknown as WorkspaceContext;
  const source = { id: d.sourceId, slug: "s" };
  const destination = { id: d.id, name: d.name, catalogName: d.catalog.name, catalogSlug: d.catalog.slug };
  const sorted = [...buckets].sort((a, b) => a - b);
  const job: Job = {
    kind: failedDelivery,
    stream: {
      key: `ws/${d.sourceId}/${d.id}`,
      scope: "connection",
      ws,
      connection: { key: `${d.sourceId}/${d.id}`, source, destination: { ...destination, enabled: true } },
      source,
      label: `s → ${d.name}`,
      tags: tagsOf(d),
    },
    start: sorted[0] ?? 0,
    end: (sorted.at(-1) ?? 0) + B,
    buckets: sorted,
    firstReads: [],
  };
  const points = await failedDelivery.read(job, {
    options: {
      prefix,
      bucketMs: B,
      eventsGroupBy: [],
      errorDetails: true,
      pipeline: false,
      eventVolume: true,
      usage: false,
    },
    clock: () => NOW,
    logger: silentLogger,
    warnOnce: (_key, message) => warnings.push(message),
  });
  return { points, warnings };
}

/** bucket second + reason tag → count, from the truth. */
function truthPoints(sourceId: string, destinationId: string, buckets: readonly number[]) {
  const out = new Map<string, number>();
  for (const b of buckets) {
    for (const f of emulator.truth.failedByReason(sourceId, destinationId, b, b + B, NOW)) {
      const key = `${b / 1000} reason:${f.reason.toLowerCase()}`;
      out.set(key, (out.get(key) ?? 0) + f.count);
    }
  }
  return out;
}

describe("the failed-delivery kind", () => {
  it("ends equal to the truth for every connection under 20% faults, one request per connection per run", async () => {
    emulator.faults.setChaos({
      probability: 0.2,
      kinds: ["502-html", "503-html", "500-json", "reset", "429-retry-after", "429-ms-before-next"],
      routes: ["delivery-overview-failed-delivery"],
      seed: 7,
    });
    const overview = new OverviewAccess(http, "ws", silentLogger);
    for (const d of connections()) {
      const result = await readFailures(overview, d, DEFAULT_RUN);
      expect(result.warnings).toEqual([]);
      const got = new Map(result.points.map((p) => [`${p.timestamp} ${reasonTag(p)}`, p.value]));
      expect(got, d.id).toEqual(truthPoints(d.sourceId, d.id, DEFAULT_RUN));
      expect(result.points.every((p) => p.metric === "p.delivery.failed" && p.intervalS === 300)).toBe(true);
      // The same failures the summary counts as discarded, bucket by bucket.
      for (const b of DEFAULT_RUN) {
        const sum = result.points.filter((p) => p.timestamp === b / 1000).reduce((n, p) => n + p.value, 0);
        expect(sum).toBe(emulator.truth.deliverySummary(d.sourceId, d.id, b, b + B, NOW).discarded);
      }
      const made = emulator.deliveryOverviewRequests({ destinationConfigId: d.id });
      const failedAttempts = emulator.requests.filter((r) => r.fault && r.query.includes(d.id)).length;
      expect(made - failedAttempts).toBe(1);
    }
    expect(emulator.requests.some((r) => r.fault !== undefined)).toBe(true);
  });

  it("splits only where the limits or a long gap force it, and reports buckets out of reach", async () => {
    const d = connections()[0];
    if (!d) throw new Error("no connection");
    const overview = new OverviewAccess(http, "ws", silentLogger);
    // --historical's re-reads reach 5 h back: over MINUTE's 4 h span, so two windows.
    const historical = [LAST, LAST - 3 * B, LAST - 9 * B, LAST - 25 * B, LAST - 61 * B];
    const tooOld = LAST - 50 * HOUR;
    const result = await readFailures(overview, d, [...historical, tooOld]);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/older than Delivery Overview serves.*e\.g\. 1 of/);
    expect(emulator.deliveryOverviewRequests({ destinationConfigId: d.id })).toBe(2);
    const got = new Map(result.points.map((p) => [`${p.timestamp} ${reasonTag(p)}`, p.value]));
    expect(got).toEqual(truthPoints(d.sourceId, d.id, historical));
  });

  it("warns once per workspace and reads nothing more when the token gets 403", async () => {
    emulator.setDeliveryOverview(false);
    const lines: string[] = [];
    const logger = createLogger({ level: "info", write: (l) => lines.push(l), pretty: false });
    const overview = new OverviewAccess(http, "ws", logger);
    for (const d of connections()) {
      const result = await readFailures(overview, d, DEFAULT_RUN);
      expect(result.points).toEqual([]);
    }
    expect(overview.available).toBe(false);
    expect(emulator.deliveryOverviewRequests()).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Delivery Overview answered HTTP 403 for workspace ws/);
    expect(lines[0]).not.toContain(emulator.token);
  });

  it("treats a 404 from the endpoint like a 403: one warning, no error details", async () => {
    emulator.setDeliveryOverview("not-found");
    const lines: string[] = [];
    const logger = createLogger({ level: "info", write: (l) => lines.push(l), pretty: false });
    const overview = new OverviewAccess(http, "ws", logger);
    const d = connections()[0];
    if (!d) throw new Error("no connection");
    expect((await readFailures(overview, d, DEFAULT_RUN)).points).toEqual([]);
    expect((await readFailures(overview, d, DEFAULT_RUN)).points).toEqual([]);
    expect(emulator.deliveryOverviewRequests()).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Delivery Overview answered HTTP 404 for workspace ws/);
  });

  it("lets other errors through: a 5xx after retries is the run's to handle", async () => {
    emulator.faults.queue("500-json", 50, "delivery-overview-failed-delivery");
    const few = new SegmentHttp({
      baseUrl: emulator.url,
      token: emulator.token,
      logger: silentLogger,
      minBackoffMs: 1,
      retries: 1,
    });
    try {
      const overview = new OverviewAccess(few, "ws", silentLogger);
      const d = connections()[0];
      if (!d) throw new Error("no connection");
      const error = await overview
        .read(
          "failed-delivery",
          { sourceId: d.sourceId, destinationId: d.id },
          { start: LAST, end: LAST + B, granularity: "MINUTE" },
        )
        .catch((e: Error) => e);
      expect(String(error)).toMatch(/answered HTTP 500/);
      expect(overview.available).toBe(true);
    } finally {
      await few.close();
    }
  });

  it("is off when error details are off, so a run makes no Delivery Overview request for it", () => {
    const options = { prefix: "p", bucketMs: B, eventsGroupBy: [], eventVolume: true, usage: false, pipeline: true };
    expect(failedDelivery.enabled({ ...options, errorDetails: false })).toBe(false);
    expect(failedDelivery.enabled({ ...options, errorDetails: true })).toBe(true);
  });

  it("lands in Datadog as the truth: one count per connection, bucket and reason, nothing else", async () => {
    datadog.reset();
    const overview = new OverviewAccess(http, "ws", silentLogger);
    const points: MetricPoint[] = [];
    for (const d of connections())
      points.push(...(await readFailures(overview, d, DEFAULT_RUN, "segment_exporter")).points);
    const sink = new DatadogSink({
      apiKey: datadog.apiKey,
      site: "datadoghq.com",
      apiUrl: datadog.url,
      logger: silentLogger,
    });
    try {
      const outcome = await sink.submit(points.map((p) => ({ ...p, owner: "test" })));
      expect(outcome.failed.size).toBe(0);
    } finally {
      await sink.close();
    }
    const window = { prefix: "segment_exporter", bucketMs: B, at: NOW };
    const runs = [LAST, LAST - B, LAST - 3 * B, LAST - 8 * B].map((from) =>
      checkFailures(emulator, datadog.store, { ...window, from, to: from + B }),
    );
    expect(runs.flatMap((r) => r.problems)).toEqual([]);
    expect(runs.reduce((n, r) => n + r.checked, 0)).toBe(points.length);
    // A bucket the run did not read is reported missing, not passed.
    const unread = checkFailures(emulator, datadog.store, { ...window, from: LAST - 2 * B, to: LAST - B });
    expect(unread.problems.length).toBeGreaterThan(0);
    expect(unread.problems.every((p) => p.includes("missing"))).toBe(true);
  });
});
