// Raw HTTP against the emulator: malformed bodies, limits, encodings, faults and the inspection
// routes — cases the official client refuses to send or hides behind its own error handling.
import { deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type DatadogEmulator, startDatadogEmulator } from "../../src/emulator/datadog/index.js";

const NOW_MS = 1_795_408_200_000;
const TS = 1_795_408_200 - 300;
const KEY = "raw-key";

let emu: DatadogEmulator;

beforeAll(async () => {
  emu = await startDatadogEmulator({
    apiKeys: [KEY],
    now: () => NOW_MS,
    maxWireBytes: 2_000,
    maxDecompressedBytes: 4_000,
    maxPointsPerRequest: 5,
  });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const payload = (value = 1, points = 1) => ({
  series: [
    {
      metric: "raw.metric",
      type: 1,
      points: Array.from({ length: points }, (_, i) => ({ timestamp: TS + i, value })),
    },
  ],
});

async function post(
  body: string | Buffer | object,
  headers: Record<string, string> = {},
  path = "/api/v2/series",
  target = emu,
): Promise<{ status: number; type: string | null; text: string; headers: Headers }> {
  const data = typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const res = await fetch(`${target.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "dd-api-key": KEY, ...headers },
    body: data,
  });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text(), headers: res.headers };
}

describe("authentication", () => {
  it("answers 403 without a key and with an unknown one, header names in any case", async () => {
    const missing = await fetch(`${emu.url}/api/v2/series`, { method: "POST", body: JSON.stringify(payload()) });
    expect([missing.status, await missing.json()]).toEqual([403, { errors: ["API key required"] }]);
    const wrong = await post(payload(), { "dd-api-key": "nope" });
    expect([wrong.status, JSON.parse(wrong.text)]).toEqual([403, { errors: ["Forbidden"] }]);
    const mixed = await fetch(`${emu.url}/api/v2/series`, {
      method: "POST",
      headers: { "Dd-Api-Key": KEY },
      body: JSON.stringify(payload()),
    });
    expect(mixed.status).toBe(202);
    expect(emu.store.size).toBe(1);
    expect(JSON.stringify(emu.requests)).not.toContain("nope");
    expect(JSON.stringify(emu.requests)).not.toContain(KEY);
  });

  it("validates keys on GET /api/v1/validate", async () => {
    const ok = await fetch(`${emu.url}/api/v1/validate`, { headers: { "DD-API-KEY": KEY } });
    expect([ok.status, await ok.json()]).toEqual([200, { valid: true }]);
    const missing = await fetch(`${emu.url}/api/v1/validate`);
    expect([missing.status, await missing.json()]).toEqual([403, { errors: ["API key required"] }]);
  });
});

describe("encodings", () => {
  it("accepts identity, gzip, zlib deflate and raw deflate; answers 202 {errors: []}", async () => {
    const json = JSON.stringify(payload(4));
    for (const [encoding, body] of [
      ["identity", json],
      ["gzip", gzipSync(json)],
      ["deflate", deflateSync(json)],
      ["deflate", deflateRawSync(json)],
    ] as const) {
      const res = await post(body, { "content-encoding": encoding });
      expect([res.status, res.type, res.text]).toEqual([202, "application/json", '{"errors":[]}']);
    }
    expect(emu.store.get("raw.metric", [], TS)).toMatchObject({ value: 4, writes: 4 });
    expect(emu.requests.map((r) => r.contentEncoding)).toEqual([undefined, "gzip", "deflate", "deflate"]);
    expect(emu.requests[1]).toMatchObject({ decompressedBytes: json.length, series: 1, points: 1, dropped: 0 });
  });

  it("answers 415 to zstd1 and unknown encodings", async () => {
    for (const encoding of ["zstd1", "br"]) {
      const res = await post(Buffer.from("whatever"), { "content-encoding": encoding });
      expect([res.status, JSON.parse(res.text)]).toEqual([415, { errors: ["Unsupported Content-Encoding"] }]);
    }
  });

  it("answers 400 to a body that is not what its encoding says", async () => {
    const res = await post("not gzip", { "content-encoding": "gzip" });
    expect(res.status).toBe(400);
  });
});

describe("limits → 413, nothing stored", () => {
  const bigTags = { series: [{ metric: "raw.metric", tags: ["t:".padEnd(3_000, "x")], points: [] }] };

  it.each([
    ["wire size", () => post(bigTags)],
    [
      "decompressed size",
      () => post(gzipSync(JSON.stringify(bigTags).padEnd(4_000, " ")), { "content-encoding": "gzip" }),
    ],
    ["points per request", () => post(payload(1, 6))],
  ])("%s (JSON body)", async (_name, send) => {
    const res = await send();
    expect([res.status, res.type, JSON.parse(res.text)]).toEqual([
      413,
      "application/json",
      { errors: ["Payload too large"] },
    ]);
    expect(emu.store.size).toBe(0);
    expect(emu.requests[0]?.error).toBeTruthy();
  });

  it("accepts exactly the limits: 5 points, decompressed one byte under the cap", async () => {
    expect((await post(payload(1, 5))).status).toBe(202);
    const json = JSON.stringify(payload()).padEnd(3_999, " ");
    expect((await post(gzipSync(json), { "content-encoding": "gzip" })).status).toBe(202);
  });

  it("answers text/plain with textErrors", async () => {
    const text = await startDatadogEmulator({ apiKeys: [KEY], textErrors: true, maxPointsPerRequest: 1 });
    try {
      const tooLarge = await post(payload(1, 2), {}, "/api/v2/series", text);
      expect([tooLarge.status, tooLarge.type, tooLarge.text]).toEqual([
        413,
        "text/plain; charset=utf-8",
        "Payload too large",
      ]);
      const bad = await post("{", {}, "/api/v2/series", text);
      expect([bad.status, bad.type]).toEqual([400, "text/plain; charset=utf-8"]);
      expect(bad.text).toMatch(/^Payload is not in the expected format: invalid JSON/);
    } finally {
      await text.close();
    }
  });
});

describe("schema violations → 400, nothing stored", () => {
  const point = { timestamp: TS, value: 1 };
  it.each([
    ["invalid JSON", "{", /invalid JSON/],
    ["not an object", "[]", /JSON object/],
    ["series missing", {}, /^series: required array/],
    ["series not an array", { series: {} }, /^series: required array/],
    ["metric missing", { series: [{ points: [point] }] }, /metric: required string/],
    ["metric not a string", { series: [{ metric: 5, points: [point] }] }, /metric: required string/],
    ["metric empty after normalisation", { series: [{ metric: "!!", points: [point] }] }, /not a valid metric name/],
    ["points missing", { series: [{ metric: "m" }] }, /points: required array/],
    ["points not an array", { series: [{ metric: "m", points: point }] }, /points: required array/],
    [
      "timestamp not an integer",
      { series: [{ metric: "m", points: [{ timestamp: TS + 0.5, value: 1 }] }] },
      /timestamp: must be an integer/,
    ],
    [
      "timestamp a string",
      { series: [{ metric: "m", points: [{ timestamp: String(TS), value: 1 }] }] },
      /timestamp: must be an integer/,
    ],
    [
      "value null (NaN sent by the client)",
      { series: [{ metric: "m", points: [{ timestamp: TS, value: null }] }] },
      /value: must be a finite number/,
    ],
    [
      "value a string",
      { series: [{ metric: "m", points: [{ timestamp: TS, value: "1" }] }] },
      /value: must be a finite number/,
    ],
    ["type out of range", { series: [{ metric: "m", type: 4, points: [point] }] }, /type: must be 0, 1, 2 or 3/],
    ["type a string", { series: [{ metric: "m", type: "count", points: [point] }] }, /type: must be 0, 1, 2 or 3/],
    [
      "interval zero",
      { series: [{ metric: "m", interval: 0, points: [point] }] },
      /interval: must be a positive integer/,
    ],
    [
      "interval fractional",
      { series: [{ metric: "m", interval: 1.5, points: [point] }] },
      /interval: must be a positive integer/,
    ],
    [
      "tags not strings",
      { series: [{ metric: "m", tags: ["a:1", 2], points: [point] }] },
      /tags\[1\]: must be a string/,
    ],
  ] as Array<[string, string | object, RegExp]>)("%s", async (_name, body, message) => {
    // A valid series first: a rejected request stores none of its points.
    const withValid =
      typeof body === "object" && Array.isArray((body as { series?: unknown }).series)
        ? { series: [payload().series[0], ...(body as { series: unknown[] }).series] }
        : body;
    const res = await post(withValid);
    expect(res.status).toBe(400);
    const errors = (JSON.parse(res.text) as { errors: string[] }).errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(emu.store.size).toBe(0);
  });

  it("names the offending field", async () => {
    const res = await post({ series: [{ metric: "m", points: [{ timestamp: TS, value: null }] }] });
    expect(JSON.parse(res.text)).toEqual({ errors: ["series[0].points[0].value: must be a finite number (got null)"] });
  });
});

describe("v1 series", () => {
  it("stores [ts, value] points in the same store and answers 202 {status: ok}", async () => {
    const body = { series: [{ metric: "raw.metric", type: "count", points: [[TS, 3]], tags: ["x:1"] }] };
    const res = await post(body, { "content-type": "text/json" }, "/api/v1/series");
    expect([res.status, JSON.parse(res.text)]).toEqual([202, { status: "ok" }]);
    expect(emu.store.get("raw.metric", ["x:1"], TS)).toMatchObject({ value: 3, type: 1 });
  });
});

describe("inspection routes", () => {
  it("lists series (optionally by metric), dropped points and requests, and resets", async () => {
    await post({
      series: [
        { metric: "raw.metric", points: [{ timestamp: TS, value: 1 }] },
        {
          metric: "raw.other",
          points: [
            { timestamp: TS, value: 2 },
            { timestamp: TS - 7_200, value: 3 },
          ],
        },
      ],
    });
    const all = await (await fetch(`${emu.url}/_emulator/series`)).json();
    expect(all).toHaveLength(2);
    const one = await (await fetch(`${emu.url}/_emulator/series?metric=raw.other`)).json();
    expect(one).toEqual([expect.objectContaining({ metric: "raw.other", value: 2, writes: 1 })]);
    const dropped = await (await fetch(`${emu.url}/_emulator/dropped`)).json();
    expect(dropped).toEqual([
      { metric: "raw.other", tags: [], timestamp: TS - 7_200, value: 3, reason: "too-old", receivedAt: NOW_MS },
    ]);
    const requests = await (await fetch(`${emu.url}/_emulator/requests`)).json();
    expect(requests).toEqual([expect.objectContaining({ status: 202, series: 2, points: 3, dropped: 1 })]);
    const reset = await fetch(`${emu.url}/_emulator/reset`, { method: "POST" });
    expect(reset.status).toBe(200);
    expect([emu.store.size, emu.dropped.length, emu.requests.length]).toEqual([0, 0, 0]);
  });

  it("answers 404 to unknown routes and 405 to wrong methods", async () => {
    expect((await fetch(`${emu.url}/api/v2/nothing`)).status).toBe(404);
    expect((await fetch(`${emu.url}/api/v2/series`)).status).toBe(405);
  });
});

describe("faults over raw HTTP", () => {
  it("429 carries the X-RateLimit headers", async () => {
    emu.faults.queue("429");
    const res = await post(payload());
    expect(res.status).toBe(429);
    expect(Object.fromEntries([...res.headers].filter(([k]) => k.startsWith("x-ratelimit")))).toEqual({
      "x-ratelimit-limit": "100",
      "x-ratelimit-period": "10",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": "1",
      "x-ratelimit-name": "metrics_intake",
    });
  });

  it.each([
    ["408", 408, "application/json", '{"errors":["Request timeout"]}'],
    ["500-json", 500, "application/json", '{"errors":["Internal Server Error"]}'],
    ["502-html", 502, "text/html", expect.stringContaining("<h1>502</h1>")],
    ["503-empty", 503, null, ""],
    ["403", 403, "application/json", '{"errors":["Forbidden"]}'],
  ] as const)("%s", async (fault, status, type, text) => {
    emu.faults.queue(fault);
    const res = await post(payload());
    expect([res.status, res.type, res.text]).toEqual([status, type, text]);
    expect(emu.store.size).toBe(0);
    expect(emu.requests[0]).toMatchObject({ status, fault });
  });

  it("applies only to the route it was queued for", async () => {
    emu.faults.queue("500-json", 1, "validate");
    expect((await post(payload())).status).toBe(202);
    expect((await fetch(`${emu.url}/api/v1/validate`, { headers: { "dd-api-key": KEY } })).status).toBe(500);
  });
});
