import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RateLimitForm,
  SEGMENT_FAULTS,
  type SegmentEmulator,
  startSegmentEmulator,
} from "../../src/emulator/segment/index.js";
import { get, HOUR, iso, must, NOW } from "./segment-helpers.js";

describe("rate limits", () => {
  let realClock = Date.UTC(2026, 10, 24, 9, 0, 0, 250);
  const started: SegmentEmulator[] = [];
  const start = async (form: RateLimitForm) => {
    const emu = await startSegmentEmulator({
      now: () => NOW,
      realNow: () => realClock,
      rateLimitForm: form,
      rateLimitsPerMinute: { sources: 2 },
    });
    started.push(emu);
    return emu;
  };
  afterAll(() => Promise.all(started.map((e) => e.close())));

  it("sends X-RateLimit-* on 2xx and the full 429 by default", async () => {
    const emu = await start("full");
    const first = await get(emu, "/sources");
    expect(first.headers.get("x-ratelimit-consumed")).toBe("1");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("1");
    expect(first.headers.get("x-ratelimit-reset")).toBe("Tue, 24 Nov 2026 09:01:01 GMT"); // window end, rounded up
    expect(first.headers.get("x-ratelimit-limit")).toBeNull();
    expect((await get(emu, "/sources")).headers.get("x-ratelimit-remaining")).toBe("0");
    realClock += 10_000;
    const limited = await get(emu, "/sources");
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({
      errors: [
        {
          type: "RequestError",
          message: "Too many requests",
          data: { remainingPoints: 0, msBeforeNext: 50_000, consumedPoints: 3 },
        },
      ],
    });
    expect(limited.headers.get("retry-after")).toBe("50");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("x-ratelimit-consumed")).toBe("3");
    expect(emu.requests.at(-1)?.status).toBe(429);
    expect((await get(emu, "/")).status).toBe(200); // limits are per route
    realClock += 50_000;
    expect((await get(emu, "/sources")).status).toBe(200); // a new window
  });

  it.each([
    ["retry-after", { retryAfter: true, data: false, reset: false }],
    ["ms-before-next", { retryAfter: false, data: true, reset: false }],
    ["reset-only", { retryAfter: false, data: false, reset: true }],
  ] as const)("carries only the %s hint when so configured", async (form, expected) => {
    const emu = await start(form);
    await get(emu, "/sources");
    await get(emu, "/sources");
    const r = await get(emu, "/sources");
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after") !== null).toBe(expected.retryAfter);
    expect(r.json.errors[0].data !== undefined).toBe(expected.data);
    expect(r.headers.get("x-ratelimit-reset") !== null).toBe(expected.reset);
    expect(r.headers.get("x-ratelimit-remaining")).toBeNull();
  });

  it("limits events volume to 60 per minute by default and allows changes at run time", async () => {
    const emu = await start("full");
    const path = `/events/volume?granularity=MINUTE&startTime=${iso(NOW - 5 * 60_000)}&endTime=${iso(NOW)}`;
    for (let i = 0; i < 60; i++) expect((await get(emu, path)).status).toBe(200);
    expect((await get(emu, path)).status).toBe(429);
    emu.setRateLimit("events-volume", 100);
    expect((await get(emu, path)).status).toBe(200);
  });
});

describe("faults", () => {
  let emu: SegmentEmulator;
  beforeAll(async () => {
    emu = await startSegmentEmulator({ now: () => NOW, slowMs: 150, faultRetryMs: 2000 });
  });
  afterAll(() => emu.close());

  const dest = () => must(emu.fixture.destinations[0]);
  const metrics = () =>
    `/destinations/${dest().id}/delivery-metrics?sourceId=${dest().sourceId}&startTime=${iso(NOW - HOUR)}&endTime=${iso(NOW)}`;

  async function faulted(kind: (typeof SEGMENT_FAULTS)[number], path = metrics()) {
    emu.faults.queue(kind, 1, path.startsWith("/destinations") ? "delivery-metrics" : undefined);
    return get(emu, path);
  }

  it("serves server errors in JSON, HTML and empty forms", async () => {
    const json = await faulted("500-json");
    expect(json.status).toBe(500);
    expect(json.json.errors[0].type).toBeTypeOf("string");
    for (const [kind, status] of [
      ["502-html", 502],
      ["503-html", 503],
    ] as const) {
      const r = await faulted(kind);
      expect(r.status).toBe(status);
      expect(r.headers.get("content-type")).toContain("text/html");
      expect(r.text).toContain("<html>");
    }
    const empty = await faulted("500-empty");
    expect([empty.status, empty.text]).toEqual([500, ""]);
    expect(emu.requests.at(-1)?.fault).toBe("500-empty");
    expect((await get(emu, metrics())).status).toBe(200); // one fault, then normal
  });

  it("resets the connection without a response", async () => {
    emu.faults.queue("reset", 1, "delivery-metrics");
    await expect(fetch(emu.url + metrics(), { headers: { authorization: `Bearer ${emu.token}` } })).rejects.toThrow();
    expect(emu.requests.at(-1)).toMatchObject({ fault: "reset", status: 0 });
  });

  it("answers slowly, then normally", async () => {
    const started = Date.now();
    const r = await faulted("slow");
    expect(r.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("injects each 429 form and a 401", async () => {
    const ra = await faulted("429-retry-after");
    expect([ra.status, ra.headers.get("retry-after"), ra.headers.get("x-ratelimit-reset")]).toEqual([429, "2", null]);
    expect(ra.json.errors[0].data).toBeUndefined();
    const ms = await faulted("429-ms-before-next");
    expect([ms.status, ms.headers.get("retry-after"), ms.json.errors[0].data.msBeforeNext]).toEqual([429, null, 2000]);
    const reset = await faulted("429-reset");
    expect(reset.status).toBe(429);
    expect(reset.headers.get("retry-after")).toBeNull();
    const resetAt = Date.parse(reset.headers.get("x-ratelimit-reset") ?? "");
    expect(resetAt - Date.now()).toBeGreaterThan(0);
    expect(resetAt - Date.now()).toBeLessThanOrEqual(3100);
    const unauthorized = await faulted("401");
    expect(unauthorized.status).toBe(401);
  });

  it("corrupts 200 bodies: invalid JSON, missing fields, wrong types, negative counts, HTML", async () => {
    const invalid = await faulted("invalid-json");
    expect(invalid.status).toBe(200);
    expect(() => JSON.parse(invalid.text)).toThrow();
    expect((await faulted("missing-fields")).json).toEqual({ data: {} });
    const wrong = await faulted("wrong-types");
    expect(wrong.json.data.deliveryMetricsSummary.metrics[0].total).toBeTypeOf("string");
    const negative = await faulted("negative-counts");
    const metricsList = negative.json.data.deliveryMetricsSummary.metrics;
    expect(metricsList[0].total).toBeLessThan(0);
    expect(metricsList[1].total).toBeLessThan(0); // expired 0 becomes -1
    expect(metricsList[4].breakdown[0].value).toBeGreaterThan(0); // latencies untouched
    const html = await faulted("html-200");
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toContain("text/html");
  });

  it("applies body faults to other routes too", async () => {
    const usage = await faulted("wrong-types", "/usage/api-calls/daily?period=2026-11-01");
    expect(usage.json.data.dailyWorkspaceAPICallsUsage[0].apiCalls).toBeTypeOf("object");
    const volume = await faulted(
      "negative-counts",
      `/events/volume?granularity=HOUR&startTime=${iso(NOW - HOUR)}&endTime=${iso(NOW)}`,
    );
    expect(volume.json.data.result[0].total).toBeLessThan(0);
    const ws = await faulted("wrong-types", "/");
    expect(Array.isArray(ws.json.data.workspace)).toBe(true);
  });

  it("checks auth before faults and serves chaos deterministically", async () => {
    emu.faults.queue("500-json");
    const res = await fetch(`${emu.url}/sources`);
    expect(res.status).toBe(401);
    expect((await get(emu, "/sources")).status).toBe(500); // the queued fault was still pending
    emu.faults.setChaos({ probability: 1, kinds: ["503-html"], routes: ["sources"] });
    expect((await get(emu, "/sources")).status).toBe(503);
    expect((await get(emu, "/")).status).toBe(200);
    emu.faults.clear();
    expect(SEGMENT_FAULTS).toHaveLength(15);
  });
});
