// The New Relic sink against the Metric API emulator (real HTTP): the wire (Api-Key, gzip JSON,
// counts with interval.ms and their bucket start in ms, gauges, tags as attributes), the key check
// that stores nothing, splitting on bucket boundaries, Retry-After within the run's deadline, and the
// streams held back behind a failed request.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { startNewRelicEmulator } from "../../src/emulator/newrelic/server.js";
import type { NewRelicEmulator } from "../../src/emulator/newrelic/types.js";
import { generateFixture } from "../../src/emulator/segment/fixture.js";
import { CredentialError } from "../../src/errors.js";
import { silentLogger } from "../../src/log.js";
import { mapDeliverySummary } from "../../src/mapping/delivery.js";
import { connectionTags } from "../../src/mapping/tags.js";
import { NEW_RELIC_SUBMISSION } from "../../src/sinks/newrelic/index.js";
import { NewRelicSubmissionSize } from "../../src/sinks/newrelic/payload.js";
import {
  encodeBody,
  MAX_COMPRESSED_BYTES,
  NewRelicSink,
  type NewRelicSinkOptions,
} from "../../src/sinks/newrelic/sink.js";
import type { OwnedPoint } from "../../src/sinks/types.js";
import { kv } from "../helpers/tags.js";

const NOW = Date.UTC(2026, 10, 25, 10, 7, 30);
const BUCKET_S = 300;
const T = NOW / 1000 - 3000 - ((NOW / 1000) % BUCKET_S);
let emulator: NewRelicEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const TAGS = kv("workspace:ws", "source_slug:web", "source_id:S1", "destination:Amp", "destination_id:D1", "team-a:x");

function points(stream: string, bucket: number, tags = TAGS): OwnedPoint[] {
  const owner = `${stream}@${bucket * 1000}`;
  return [
    { metric: "p.delivery.successes", kind: "count", timestamp: bucket, value: 41, intervalS: BUCKET_S, tags, owner },
    {
      metric: "p.delivery.time_to_success.p95",
      kind: "gauge",
      timestamp: bucket,
      value: 1234.5,
      unit: "milliseconds",
      tags,
      owner,
    },
  ];
}

async function sinkTo(over: Partial<NewRelicSinkOptions> = {}, emulatorOptions = {}) {
  emulator = await startNewRelicEmulator({ now: () => NOW, ...emulatorOptions });
  return new NewRelicSink({
    licenseKey: emulator.licenseKey,
    url: emulator.metricUrl,
    origin: { url: "NEW_RELIC_METRIC_API_URL", key: "NEW_RELIC_LICENSE_KEY" },
    logger: silentLogger,
    timeoutMs: 5_000,
    historical: false,
    minBackoffMs: 10,
    ...over,
  });
}

/** A deterministic stand-in for Segment's numbers: the digits are what gzip cannot shrink. */
function numbers(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe("NewRelicSink", () => {
  it("a submission filled to its limit with the exporter's own series is one body well under 10^6 bytes", async () => {
    // One bucket per connection, as a cron run sends: the fewest points per block, the least
    // repetition for gzip. Tags as the exporter writes them, from the emulator's generated workspace.
    const fixture = generateFixture({ sources: 3000, destinationsPerSource: 5, seed: 5 });
    const slugOf = new Map(fixture.sources.map((s) => [s.id, s.slug]));
    const random = numbers(7);
    const count = () => Math.floor(random() * 50_000);
    const size = new NewRelicSubmissionSize();
    const points: OwnedPoint[] = [];
    for (const d of fixture.destinations) {
      if (size.bytes >= NEW_RELIC_SUBMISSION.bytes || points.length >= NEW_RELIC_SUBMISSION.points) break;
      const source = { id: d.sourceId, slug: slugOf.get(d.sourceId) ?? "" };
      const destination = { id: d.id, name: d.name, catalogName: d.catalog.name, catalogSlug: d.catalog.slug };
      const tags = connectionTags(fixture.workspace.slug, source, destination, []);
      const latency = (name: string) => ({
        metricName: name,
        breakdown: [
          { metricName: `${name}_average`, value: Math.round(random() * 1e6) / 100 },
          { metricName: `${name}_p95`, value: Math.round(random() * 1e7) / 100 },
        ],
      });
      const { points: mapped } = mapDeliverySummary(
        [
          {
            metricName: "successes",
            total: count(),
            breakdown: [
              { metricName: "successes_on_first_attempt", value: count() },
              { metricName: "successes_after_retry", value: count() },
            ],
          },
          { metricName: "discarded", total: count() },
          { metricName: "expired", total: count() },
          { metricName: "retried", total: count() },
          latency("time_to_success"),
          latency("time_to_first_attempt"),
        ],
        { prefix: "segment_exporter", timestamp: T, intervalS: BUCKET_S, tags },
      );
      for (const p of mapped) {
        size.add(p);
        points.push({ ...p, owner: `${d.id}@${T * 1000}` });
      }
    }
    expect(size.bytes).toBeGreaterThanOrEqual(NEW_RELIC_SUBMISSION.bytes);
    const body = await encodeBody(points);
    // The measure is the JSON's size as sent, not a guess…
    // (it counts a little high, never low: a submission is never larger than its limit says)…
    const json = gunzipSync(body).length;
    expect(size.bytes).toBeGreaterThanOrEqual(json);
    expect(size.bytes).toBeLessThan(json * 1.02);
    // …and a full submission compresses to under two thirds of the limit (27× here, random digits in
    // every value): the split before sending is for tags that compress far worse, not the rule.
    expect(body.length).toBeLessThan((MAX_COMPRESSED_BYTES * 2) / 3);
  });

  it("sends counts with interval.ms and their bucket start in ms, latency gauges unchanged, tags as attributes", async () => {
    const sink = await sinkTo();
    try {
      const outcome = await sink.submit([...points("c1", T), ...points("c1", T + BUCKET_S)]);
      expect(outcome).toEqual({ failed: new Map(), requests: 1 });
      const [request] = emulator?.requests ?? [];
      expect(request).toMatchObject({ status: 202, contentEncoding: "gzip", points: 4, stored: 4 });
      expect(request?.userAgent).toMatch(/^segment-datadog-exporter\//);
      const attributes = {
        workspace: "ws",
        source_slug: "web",
        source_id: "S1",
        destination: "Amp",
        destination_id: "D1",
        // New Relic's attribute names take letters, digits, `:`, `.` and `_`.
        team_a: "x",
      };
      expect(emulator?.points("p.delivery.successes")).toEqual([
        expect.objectContaining({ type: "count", value: 41, timestampMs: T * 1000, intervalMs: 300_000, attributes }),
        expect.objectContaining({ timestampMs: (T + BUCKET_S) * 1000 }),
      ]);
      const [gauge] = emulator?.points("p.delivery.time_to_success.p95") ?? [];
      expect(gauge).toMatchObject({ type: "gauge", value: 1234.5, timestampMs: T * 1000 });
      expect(gauge?.intervalMs).toBeUndefined();
    } finally {
      await sink.close();
    }
  });

  it("checks the key with an empty payload that stores nothing; a refused key is exit 3 and never shown", async () => {
    const good = await sinkTo();
    await good.verify();
    expect(emulator?.requests.map((r) => r.status)).toEqual([202]);
    expect(emulator?.points()).toEqual([]);
    await good.close();
    const url = emulator?.metricUrl ?? "";
    const bad = new NewRelicSink({
      licenseKey: "wrong-license-key-123",
      url,
      origin: { url: "NEW_RELIC_REGION", key: "NEW_RELIC_LICENSE_KEY" },
      logger: silentLogger,
      timeoutMs: 5_000,
      historical: false,
    });
    try {
      const error = await bad.verify().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CredentialError);
      expect((error as Error).message).toMatch(
        /^New Relic \(127\.0\.0\.1:\d+\) rejected the license key \(HTTP 403\); check NEW_RELIC_LICENSE_KEY/,
      );
      expect((error as Error).message).not.toContain("wrong-license-key-123");
      await expect(bad.submit(points("c1", T))).rejects.toBeInstanceOf(CredentialError);
    } finally {
      await bad.close();
    }
  });

  it("splits a body over the compressed limit, and a 413, on bucket boundaries: no bucket in two requests", async () => {
    const sink = await sinkTo({ maxCompressedBytes: 4_000 });
    try {
      // Tags that do not compress: 120 buckets of 2 points cannot fit one 4 kB body, nor two.
      const all = Array.from({ length: 120 }, (_, i) =>
        points(`c${i}`, T, kv("workspace:ws", `noise:${randomBytes(40).toString("hex")}`)),
      ).flat();
      emulator?.faults.queue("413", 1, "metric");
      const outcome = await sink.submit(all);
      expect(outcome.failed.size).toBe(0);
      const requests = emulator?.requests ?? [];
      expect(requests[0]?.status).toBe(413);
      const accepted = requests.filter((r) => r.status === 202);
      expect(accepted.length).toBeGreaterThan(2);
      expect(accepted.every((r) => r.wireBytes < 4_000)).toBe(true);
      const stored = emulator?.points() ?? [];
      expect(stored).toHaveLength(240);
      // Both points of every bucket went in the same request.
      for (const p of stored) {
        const sibling = stored.filter((q) => q.attributes.noise === p.attributes.noise);
        expect(new Set(sibling.map((q) => q.requestId)).size).toBe(1);
      }
    } finally {
      await sink.close();
    }
  });

  it("waits the Retry-After of a 429, but fails at once (the bucket stays pending) when that ends past the deadline", async () => {
    const sink = await sinkTo({}, { retryAfterSeconds: 1 });
    try {
      emulator?.faults.queue("429", 1, "metric");
      const started = performance.now();
      expect((await sink.submit(points("c1", T))).failed.size).toBe(0);
      expect(performance.now() - started).toBeGreaterThanOrEqual(1_000);
    } finally {
      await sink.close();
    }
    const url = emulator?.metricUrl ?? "";
    const hurried = new NewRelicSink({
      licenseKey: emulator?.licenseKey ?? "",
      url,
      origin: { url: "NEW_RELIC_REGION", key: "NEW_RELIC_LICENSE_KEY" },
      logger: silentLogger,
      timeoutMs: 5_000,
      historical: false,
      deadlineAt: Date.now() + 300,
    });
    try {
      emulator?.faults.queue("429", 1, "metric");
      const started = performance.now();
      const outcome = await hurried.submit(points("c2", T));
      expect(performance.now() - started).toBeLessThan(900);
      expect(outcome.failed.get(`c2@${T * 1000}`)).toMatch(/asked to wait 1 s, past the run's deadline/);
    } finally {
      await hurried.close();
    }
  });

  it("holds back the later buckets of a stream whose request failed; other streams go on", async () => {
    const sink = await sinkTo({
      maxCompressedBytes: 300,
      retries: 1,
    });
    try {
      // Tags that do not compress: one bucket per request (300 bytes). The first request (c1's older
      // bucket) fails twice, so for good.
      const noise = () => kv(`noise:${randomBytes(60).toString("hex")}`);
      emulator?.faults.queue("500", 2, "metric");
      const outcome = await sink.submit([
        ...points("c1", T, noise()),
        ...points("c1", T + BUCKET_S, noise()),
        ...points("c2", T + BUCKET_S, noise()),
      ]);
      expect([...outcome.failed.keys()].sort()).toEqual([`c1@${T * 1000}`, `c1@${(T + BUCKET_S) * 1000}`]);
      expect(outcome.failed.get(`c1@${(T + BUCKET_S) * 1000}`)).toMatch(/^held back: an earlier bucket/);
      // c1's later bucket was never sent; c2's was.
      const stored = emulator?.points() ?? [];
      expect(stored.every((p) => p.timestampMs === (T + BUCKET_S) * 1000)).toBe(true);
      expect(stored).toHaveLength(2);
    } finally {
      await sink.close();
    }
  });

  it("follows no redirect: the key stays with the configured host, and the bucket stays pending", async () => {
    emulator = await startNewRelicEmulator({ now: () => NOW });
    const target = emulator;
    // A server that sends every request on to the emulator with a 307.
    const redirecting = createServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: target.metricUrl }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    const { port } = redirecting.address() as AddressInfo;
    const sink = new NewRelicSink({
      licenseKey: target.licenseKey,
      url: `http://127.0.0.1:${port}/metric/v1`,
      origin: { url: "NEW_RELIC_METRIC_API_URL", key: "NEW_RELIC_LICENSE_KEY" },
      logger: silentLogger,
      timeoutMs: 5_000,
      historical: false,
    });
    try {
      const outcome = await sink.submit(points("c1", T));
      expect(outcome.requests).toBe(1);
      expect(outcome.failed.get(`c1@${T * 1000}`)).toMatch(
        /answered a redirect \(HTTP 307\); not followed, so the license key stays with the configured host: check NEW_RELIC_METRIC_API_URL/,
      );
      expect(target.requests).toEqual([]);
    } finally {
      await sink.close();
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
    }
  });
});
