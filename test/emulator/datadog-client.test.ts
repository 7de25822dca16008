// The emulator as the official @datadog/datadog-api-client sees it: what the exporter's sink will
// meet. One file, because loading the client costs about a second per test file.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type DatadogEmulator, startDatadogEmulator } from "../../src/emulator/datadog/index.js";
import { authenticationApi, client, failure, metricsApi, NOW_MS, series, TS } from "./datadog-helpers.js";

let emu: DatadogEmulator;

beforeAll(async () => {
  emu = await startDatadogEmulator({ now: () => NOW_MS, slowMs: 50, historical: ["segment_exporter.*"] });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.reset();
  emu.setNow(() => NOW_MS);
});

const submit = (list: ReturnType<typeof series>[], encoding: "gzip" | "deflate" | "none" = "gzip") =>
  metricsApi(emu).submitMetrics({
    body: { series: list },
    ...(encoding === "none" ? {} : { contentEncoding: encoding }),
  });

describe("submitMetrics", () => {
  it.each(["gzip", "deflate", "none"] as const)("stores a %s body and answers 202 {errors: []}", async (encoding) => {
    const accepted = await submit([series("test.metric", [[TS, 12]], ["env:test"])], encoding);
    expect(accepted).toEqual({ errors: [] });
    expect(emu.store.all()).toEqual([
      {
        metric: "test.metric",
        tags: ["env:test"],
        timestamp: TS,
        value: 12,
        type: 1,
        interval: 300,
        writes: 1,
        lastWriteAt: NOW_MS,
      },
    ]);
    const [log] = emu.requests;
    expect(log).toMatchObject({ method: "POST", path: "/api/v2/series", status: 202, series: 1, points: 1 });
    expect(log?.contentEncoding).toBe(encoding === "none" ? undefined : encoding);
    expect(log?.userAgent).toMatch(/^datadog-api-client-typescript\//);
    expect(JSON.stringify(emu.requests)).not.toContain(emu.apiKey);
  });

  it("overwrites: the same key twice is one point with the last value", async () => {
    await submit([series("test.metric", [[TS, 1]], ["a:1"])]);
    await submit([series("test.metric", [[TS, 5]], ["a:1"])]);
    expect(emu.store.size).toBe(1);
    expect(emu.store.get("test.metric", ["a:1"], TS)).toMatchObject({ value: 5, writes: 2 });
  });

  it("keeps the later of two duplicates inside one request", async () => {
    await submit([series("test.metric", [[TS, 1]]), series("test.metric", [[TS, 9]])]);
    await submit([
      series("test.metric", [
        [TS + 60, 2],
        [TS + 60, 3],
      ]),
    ]);
    expect(emu.store.series("test.metric").map((p) => [p.timestamp, p.value, p.writes])).toEqual([
      [TS, 9, 2],
      [TS + 60, 3, 2],
    ]);
  });

  it("treats tag order and tag/metric spelling as the intake normalises them", async () => {
    await submit([series("Test Metric!", [[TS, 1]], ["Workspace:ACME", "source_id:AbC", "host:WebHost"])]);
    await submit([series("Test_Metric", [[TS, 2]], ["host:WebHost", "source_id:abc", "workspace:acme"])]);
    expect(emu.store.all()).toEqual([
      expect.objectContaining({ metric: "Test_Metric", tags: ["host:WebHost", "source_id:abc", "workspace:acme"] }),
    ]);
    expect(emu.store.get("Test Metric!", ["workspace:ACME", "host:WebHost", "source_id:ABC"], TS)?.writes).toBe(2);
  });

  it("drops too-old and too-far-in-future points yet answers 202; the window edges are kept", async () => {
    const nowS = NOW_MS / 1000;
    const accepted = await submit([
      series("test.metric", [
        [nowS - 3_601, 1],
        [nowS - 3_600, 2],
        [nowS + 600, 3],
        [nowS + 601, 4],
      ]),
    ]);
    expect(accepted).toEqual({ errors: [] });
    expect(emu.store.series("test.metric").map((p) => p.value)).toEqual([2, 3]);
    expect(emu.dropped).toEqual([
      { metric: "test.metric", tags: [], timestamp: nowS - 3_601, value: 1, reason: "too-old", receivedAt: NOW_MS },
      {
        metric: "test.metric",
        tags: [],
        timestamp: nowS + 601,
        value: 4,
        reason: "too-far-in-future",
        receivedAt: NOW_MS,
      },
    ]);
    expect(emu.requests[0]).toMatchObject({ status: 202, points: 4, dropped: 2 });
  });

  it("judges the window by the injected clock", async () => {
    emu.setNow(() => NOW_MS + 7_200_000);
    await submit([series("test.metric", [[TS, 1]])]);
    expect(emu.store.size).toBe(0);
    expect(emu.dropped[0]?.reason).toBe("too-old");
  });

  it("stores old points of historical-enabled metrics (prefix or name), not of others", async () => {
    const old = TS - 86_400 * 30;
    await submit([series("segment_exporter.delivery.successes", [[old, 1]]), series("other.metric", [[old, 1]])]);
    expect(emu.store.all().map((p) => p.metric)).toEqual(["segment_exporter.delivery.successes"]);
    emu.enableHistorical("other.metric");
    await submit([series("other.metric", [[old, 1]])]);
    expect(emu.store.get("other.metric", [], old)?.value).toBe(1);
    expect(emu.store.size).toBe(2);
  });

  it("rejects a missing or unknown key with ApiException 403 and stores nothing", async () => {
    const body = { series: [series("test.metric", [[TS, 1]])] };
    const wrong = await failure(metricsApi(emu, { apiKey: "wrong" }).submitMetrics({ body }));
    expect(wrong.error).toBeInstanceOf(client.ApiException);
    expect([wrong.code, wrong.body]).toEqual([403, { errors: ["Forbidden"] }]);
    const missing = await failure(metricsApi(emu, { apiKey: "" }).submitMetrics({ body }));
    expect([missing.code, missing.body]).toEqual([403, { errors: ["API key required"] }]);
    expect(emu.store.size).toBe(0);
  });

  it("surfaces 413 and 400 as ApiException with a JSON body", async () => {
    const small = await startDatadogEmulator({ now: () => NOW_MS, maxPointsPerRequest: 1 });
    try {
      const tooMany = await failure(
        metricsApi(small).submitMetrics({
          body: {
            series: [
              series("m", [
                [TS, 1],
                [TS + 1, 1],
              ]),
            ],
          },
        }),
      );
      expect([tooMany.code, tooMany.body]).toEqual([413, { errors: ["Payload too large"] }]);
      const nan = await failure(
        metricsApi(small).submitMetrics({ body: { series: [series("m", [[TS, Number.NaN]])] } }),
      );
      expect(nan.code).toBe(400);
      expect(nan.body).toEqual({ errors: ["series[0].points[0].value: must be a finite number (got null)"] });
      expect(small.store.size).toBe(0);
    } finally {
      await small.close();
    }
  });
});

describe("validate", () => {
  it("resolves {valid: true} for a known key and rejects others with 403", async () => {
    expect(await authenticationApi(emu).validate()).toEqual({ valid: true });
    const wrong = await failure(authenticationApi(emu, { apiKey: "wrong" }).validate());
    expect([wrong.code, wrong.body]).toEqual([403, { errors: ["Forbidden"] }]);
  });
});

describe("historical metrics configuration", () => {
  it("creates (201 then 200), gets, deletes, and turns ingestion of old points on and off", async () => {
    const api = metricsApi(emu);
    const name = "custom.metric";
    const missing = await failure(api.getHistoricalMetricsConfiguration({ metricName: name }));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({ errors: [{ status: "404", title: "Not Found" }] });

    const body = { data: { id: name, type: "historical_metrics_configurations" as const } };
    const created = await api.createHistoricalMetricsConfiguration({ body });
    expect(created.data).toMatchObject({ id: name, type: "historical_metrics_configurations" });
    expect(created.data?.attributes?.createdAt?.toISOString()).toBe(new Date(NOW_MS).toISOString());
    expect(created.additionalProperties).toBeUndefined();
    await api.createHistoricalMetricsConfiguration({ body });
    expect(emu.requests.map((r) => r.status)).toEqual([404, 201, 200]);

    const got = await api.getHistoricalMetricsConfiguration({ metricName: name });
    expect(got.data?.id).toBe(name);
    expect(emu.isHistorical(name)).toBe(true);
    await submit([series(name, [[TS - 86_400, 3]])]);
    expect(emu.store.size).toBe(1);

    await api.deleteHistoricalMetricsConfiguration({ metricName: name });
    await api.deleteHistoricalMetricsConfiguration({ metricName: name }); // idempotent 204
    expect((await failure(api.getHistoricalMetricsConfiguration({ metricName: name }))).code).toBe(404);
  });

  it("answers 200 for any name under a configured prefix", async () => {
    const got = await metricsApi(emu).getHistoricalMetricsConfiguration({ metricName: "segment_exporter.usage.mtu" });
    expect(got.data?.id).toBe("segment_exporter.usage.mtu");
  });

  it("needs both keys: 403, which the client reports as an unknown status", async () => {
    for (const keys of [{ appKey: "wrong" }, { appKey: "" }, { apiKey: "wrong" }]) {
      const denied = await failure(
        metricsApi(emu, keys).getHistoricalMetricsConfiguration({ metricName: "segment_exporter.x" }),
      );
      expect(denied.code).toBe(403);
      expect(denied.body).toMatch(/^Unknown API Status Code!/);
    }
  });
});

describe("faults as the client sees them", () => {
  const body = { series: [series("test.metric", [[TS, 1]])] };

  it.each([
    ["408", 408, { errors: ["Request timeout"] }],
    ["413-json", 413, { errors: ["Payload too large"] }],
    ["413-text", 413, "Payload too large"],
    ["400-text", 400, expect.stringMatching(/^Payload is not in the expected format/)],
    ["429", 429, { errors: ["Too many requests"] }],
    ["403", 403, { errors: ["Forbidden"] }],
    ["500-json", 500, 'Unknown API Status Code!\nBody: "{"errors":["Internal Server Error"]}"'],
    ["502-html", 502, expect.stringMatching(/^Unknown API Status Code!\nBody: "<html>/)],
    ["503-empty", 503, 'Unknown API Status Code!\nBody: ""'],
  ] as const)("%s → ApiException %i, nothing stored", async (fault, code, expected) => {
    emu.faults.queue(fault);
    const result = await failure(metricsApi(emu).submitMetrics({ body, contentEncoding: "gzip" }));
    expect(result.error).toBeInstanceOf(client.ApiException);
    expect([result.code, result.body]).toEqual([code, expected]);
    expect(emu.store.size).toBe(0);
    expect(emu.faults.served.get(fault)).toBe(1);
  });

  it("reset → a network error (ECONNRESET), nothing stored", async () => {
    emu.faults.queue("reset");
    const result = await failure(metricsApi(emu).submitMetrics({ body }));
    expect(result.error).not.toBeInstanceOf(client.ApiException);
    expect(result.error).toMatchObject({ name: "FetchError", code: "ECONNRESET" });
    expect(emu.store.size).toBe(0);
    expect(emu.requests[0]).toMatchObject({ status: 0, fault: "reset" });
  });

  it("reset-after-store then a resend → one point, same value, written twice", async () => {
    emu.faults.queue("reset-after-store");
    const lost = await failure(metricsApi(emu).submitMetrics({ body, contentEncoding: "gzip" }));
    expect(lost.code).toBe("ECONNRESET");
    expect(emu.store.get("test.metric", [], TS)).toMatchObject({ value: 1, writes: 1 });
    expect(await metricsApi(emu).submitMetrics({ body, contentEncoding: "gzip" })).toEqual({ errors: [] });
    expect(emu.store.all()).toEqual([expect.objectContaining({ value: 1, writes: 2 })]);
    expect(emu.requests.map((r) => [r.status, r.fault])).toEqual([
      [0, "reset-after-store"],
      [202, undefined],
    ]);
  });

  it("slow → answers normally after slowMs", async () => {
    emu.faults.queue("slow");
    const started = Date.now();
    expect(await metricsApi(emu).submitMetrics({ body })).toEqual({ errors: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(emu.store.size).toBe(1);
  });

  it("slow → a client that times out first still leaves the point stored", async () => {
    await fetch(`${emu.url}/_emulator/requests`); // warm up: the timeout must hit the answer, not the connect
    emu.faults.queue("slow");
    const aborted = await failure(
      fetch(`${emu.url}/api/v2/series`, {
        method: "POST",
        headers: { "dd-api-key": emu.apiKey },
        body: JSON.stringify({ series: [{ metric: "test.metric", points: [{ timestamp: TS, value: 1 }] }] }),
        signal: AbortSignal.timeout(20),
      }),
    );
    expect(aborted.error.name).toBe("TimeoutError");
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(emu.store.size).toBe(1);
    expect(emu.requests[0]).toMatchObject({ fault: "slow", status: 202 });
  });

  it("a faulted validate and historical call surface like the series ones", async () => {
    emu.faults.queue("429", 1, "validate");
    expect((await failure(authenticationApi(emu).validate())).code).toBe(429);
    emu.faults.queue("500-json", 1, "historical");
    const failed = await failure(
      metricsApi(emu).getHistoricalMetricsConfiguration({ metricName: "segment_exporter.x" }),
    );
    expect(failed.code).toBe(500);
  });
});
