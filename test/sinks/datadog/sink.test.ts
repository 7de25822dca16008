// The Datadog sink's transport: it compresses each body once, with zlib, and a body over the
// intake's compressed limit is never sent: the batch is halved instead, until every part fits.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startDatadogEmulator } from "../../../src/emulator/datadog/server.js";
import type { DatadogEmulator } from "../../../src/emulator/datadog/types.js";
import { silentLogger } from "../../../src/log.js";
import { DatadogSink } from "../../../src/sinks/datadog/sink.js";
import type { OwnedPoint } from "../../../src/sinks/types.js";
import { kv } from "../../helpers/tags.js";

const NOW = Date.UTC(2026, 10, 25, 10, 7, 30);
let emulator: DatadogEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const point = (i: number, tag: string): OwnedPoint => ({
  metric: "p.delivery.successes",
  kind: "count",
  timestamp: NOW / 1000 - 600,
  value: i,
  intervalS: 300,
  tags: kv(tag),
  owner: `o${i}`,
});

function sinkTo(url: string, maxCompressedBytes?: number): DatadogSink {
  return new DatadogSink({
    apiKey: "sandbox-datadog-api-key",
    site: "datadoghq.com",
    apiUrl: url,
    logger: silentLogger,
    ...(maxCompressedBytes ? { maxCompressedBytes } : {}),
  });
}

describe("DatadogSink transport", () => {
  it("sends gzip bodies under the compressed limit, splitting a batch whose tags do not compress", async () => {
    emulator = await startDatadogEmulator({ now: () => NOW });
    const sink = sinkTo(emulator.url, 30_000);
    try {
      const points = Array.from({ length: 2000 }, (_, i) => point(i, `x:${randomBytes(24).toString("hex")}`));
      const outcome = await sink.submit(points);
      expect(outcome.failed.size).toBe(0);
      const sent = emulator.requests.filter((r) => r.path === "/api/v2/series" && r.status === 202);
      expect(sent.length).toBeGreaterThan(1);
      for (const r of sent) {
        expect(r.contentEncoding).toBe("gzip");
        expect(r.wireBytes).toBeLessThanOrEqual(30_000);
      }
      // Oversized bodies were halved before sending, never sent and refused.
      expect(emulator.requests.some((r) => r.status === 413)).toBe(false);
      expect(emulator.store.series("p.delivery.successes")).toHaveLength(2000);
    } finally {
      await sink.close();
    }
  });

  it("a compressible batch of 20 000 points goes in one request", async () => {
    emulator = await startDatadogEmulator({ now: () => NOW });
    const sink = sinkTo(emulator.url);
    try {
      const points = Array.from({ length: 20_000 }, (_, i) => point(i, `destination_id:d${i}`));
      const outcome = await sink.submit(points);
      expect(outcome.failed.size).toBe(0);
      expect(outcome.requests).toBe(1);
      expect(emulator.store.series("p.delivery.successes")).toHaveLength(20_000);
    } finally {
      await sink.close();
    }
  });
});
