// The remote-write sink against the receiver emulator (real HTTP, Prometheus' refusal semantics): the
// wire (the four headers, basic or bearer auth, tenant), design §5's names and units, the empty write
// that checks the credentials, and refused samples isolated by splitting, reported once, counted as
// rejected and never blocking the rest.
import { afterEach, describe, expect, it } from "vitest";
import { startPrometheusEmulator } from "../../src/emulator/prometheus/server.js";
import type { PrometheusEmulator, PrometheusEmulatorOptions } from "../../src/emulator/prometheus/types.js";
import { CredentialError } from "../../src/errors.js";
import { createLogger, silentLogger } from "../../src/log.js";
import { RemoteWriteSink, type RemoteWriteSinkOptions } from "../../src/sinks/prometheus/sink.js";
import type { OwnedPoint } from "../../src/sinks/types.js";
import { kv } from "../helpers/tags.js";

const NOW = Date.UTC(2026, 10, 25, 10, 7, 30);
const B = 300;
const T = Math.floor(NOW / 1000 / B) * B - 10 * B;
let emulator: PrometheusEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const TAGS = kv("workspace:ws", "source_slug:web", "destination_id:D1", "team-a:x");

function points(stream: string, bucket: number, value = 41, tags = TAGS): OwnedPoint[] {
  const owner = `${stream}@${bucket * 1000}`;
  return [
    { metric: "p.delivery.successes", kind: "count", timestamp: bucket, value, intervalS: B, tags, owner },
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

async function sinkTo(over: Partial<RemoteWriteSinkOptions> = {}, options: PrometheusEmulatorOptions = {}) {
  emulator = await startPrometheusEmulator({ now: () => NOW, ...options });
  return new RemoteWriteSink({
    url: emulator.writeUrl,
    maxAgeMs: 55 * 60_000,
    origin: { url: "PROMETHEUS_REMOTE_WRITE_URL", credentials: "PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN" },
    logger: silentLogger,
    timeoutMs: 5_000,
    historical: false,
    minBackoffMs: 10,
    ...over,
  });
}

const labels = { destination_id: "D1", source_slug: "web", team_a: "x", workspace: "ws" };

describe("RemoteWriteSink", () => {
  it("writes design §5's names (latency in seconds under _seconds), sorted labels, samples in time order", async () => {
    const sink = await sinkTo(
      { credentials: { username: "u-1", password: "pw-secret" }, tenant: "team-7" },
      { auth: { username: "u-1", password: "pw-secret" } },
    );
    try {
      // Newer bucket first: the sink sorts.
      const outcome = await sink.submit([...points("c1", T + B, 42), ...points("c1", T)]);
      expect(outcome).toEqual({ failed: new Map(), requests: 1, rejected: 0 });
      expect(emulator?.requests[0]).toMatchObject({
        status: 204,
        contentEncoding: "snappy",
        contentType: "application/x-protobuf",
        remoteWriteVersion: "0.1.0",
        tenant: "team-7",
      });
      expect(emulator?.requests[0]?.userAgent).toMatch(/^segment-datadog-exporter\//);
      expect(emulator?.series()).toEqual([
        {
          labels: { __name__: "p_delivery_successes", ...labels },
          samples: [
            { timestampMs: T * 1000, value: 41 },
            { timestampMs: (T + B) * 1000, value: 42 },
          ],
        },
        {
          labels: { __name__: "p_delivery_time_to_success_p95_seconds", ...labels },
          samples: [
            { timestampMs: T * 1000, value: 1.2345 },
            { timestampMs: (T + B) * 1000, value: 1.2345 },
          ],
        },
      ]);
    } finally {
      await sink.close();
    }
  });

  it("checks the credentials with an empty write that stores nothing; refused ones are exit 3 and never shown", async () => {
    const good = await sinkTo({ credentials: { bearerToken: "tok-123456" } }, { auth: { bearerToken: "tok-123456" } });
    await good.verify();
    await good.close();
    expect(emulator?.requests.map((r) => [r.status, r.samples])).toEqual([[204, 0]]);
    expect(emulator?.series()).toEqual([]);
    const bad = new RemoteWriteSink({
      url: emulator?.writeUrl ?? "",
      maxAgeMs: 55 * 60_000,
      credentials: { bearerToken: "wrong-token-987" },
      origin: { url: "--remote-write-url", credentials: "PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN" },
      logger: silentLogger,
      timeoutMs: 5_000,
      historical: false,
    });
    try {
      const error = await bad.verify().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CredentialError);
      expect((error as Error).message).toMatch(
        /^the remote-write receiver \(127\.0\.0\.1:\d+\) refused the credentials \(HTTP 401: Unauthorized\); check PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN$/,
      );
      expect((error as Error).message).not.toContain("wrong-token-987");
      await expect(bad.submit(points("c1", T))).rejects.toBeInstanceOf(CredentialError);
    } finally {
      await bad.close();
    }
  });

  it("isolates refused samples by splitting, reports them in one warning, counts them, and stores the rest", async () => {
    const logs: string[] = [];
    const sink = await sinkTo({ logger: createLogger({ level: "info", pretty: false, write: (l) => logs.push(l) }) });
    try {
      // What a crash between the write and the checkpoint leaves: c1's two buckets are stored…
      await sink.submit([...points("c1", T), ...points("c1", T + B)]);
      const before = emulator?.requests.length ?? 0;
      // …and the next run sends them again, with c1's next bucket and another connection.
      const outcome = await sink.submit([
        ...points("c1", T),
        ...points("c1", T + B),
        ...points("c1", T + 2 * B),
        ...points("c2", T, 7, kv("workspace:ws", "destination_id:D2")),
      ]);
      // c1's T is out of order (T + B is newer) in both series; T + B repeats the newest: accepted.
      expect(outcome.rejected).toBe(2);
      expect(outcome.failed.size).toBe(0);
      expect(emulator?.requests.length ?? 0).toBeGreaterThan(before + 2);
      const successes = (id: string) =>
        emulator?.series().find((s) => s.labels.__name__ === "p_delivery_successes" && s.labels.destination_id === id)
          ?.samples;
      expect(successes("D1")?.map((x) => x.timestampMs)).toEqual([T, T + B, T + 2 * B].map((t) => t * 1000));
      expect(successes("D2")).toEqual([{ timestampMs: T * 1000, value: 7 }]);
      const warnings = logs.filter((l) => l.includes('"level":40'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /the remote-write receiver refused 2 samples it already holds or no longer takes; counted in points.rejected, the rest was stored; first: p_delivery_\w+\{.*\} at .*: out of order sample/,
      );
    } finally {
      await sink.close();
    }
  });

  it("fails (not rejects) what a receiver refuses for another reason, and retries a 5xx", async () => {
    const sink = await sinkTo({}, { futureToleranceMs: 0 });
    try {
      emulator?.faults.queue("503", 2, "write");
      const ok = await sink.submit(points("c1", T));
      expect(ok).toMatchObject({ rejected: 0, requests: 3 });
      expect(ok.failed.size).toBe(0);
      // A sample ahead of the receiver's clock is a clock problem: those buckets fail and stay pending.
      const future = Math.floor(NOW / 1000) + B;
      const outcome = await sink.submit(points("c9", future));
      expect(outcome.rejected).toBe(0);
      expect(outcome.failed.get(`c9@${future * 1000}`)).toMatch(
        /HTTP 400: out of bounds: timestamp is too far in the future/,
      );
    } finally {
      await sink.close();
    }
  });

  it("never sends two samples of one series at one timestamp in a request: the second is counted as rejected", async () => {
    const sink = await sinkTo();
    try {
      const outcome = await sink.submit([...points("c1", T, 5), ...points("c1", T, 6).slice(0, 1)]);
      expect(outcome.rejected).toBe(1);
      expect(emulator?.series().find((s) => s.labels.__name__ === "p_delivery_successes")?.samples).toEqual([
        { timestampMs: T * 1000, value: 5 },
      ]);
    } finally {
      await sink.close();
    }
  });
});
