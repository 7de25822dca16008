// The New Relic Metric API emulator over real HTTP: every point stored (a count sent twice sums
// twice), `common` merged, validation (400), the 48 h / 24 h window and other drops after a 202,
// the license key (403), body limits and media types, faults and the inspection routes.
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type NewRelicEmulator, startNewRelicEmulator } from "../../src/emulator/newrelic/index.js";

const NOW = 1_795_408_200_000;
const HOUR = 3_600_000;
const BUCKET = NOW - HOUR;
const KEY = "nr-test-license-key";

let emu: NewRelicEmulator;

beforeAll(async () => {
  emu = await startNewRelicEmulator({ licenseKeys: [KEY], now: () => NOW, retryAfterSeconds: 7, slowMs: 300 });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

interface Answer {
  status: number;
  body: string;
  headers: Record<string, unknown>;
}

async function post(
  payload: unknown,
  options: { headers?: Record<string, string>; gzip?: boolean; path?: string } = {},
): Promise<Answer> {
  const text = typeof payload === "string" ? payload : JSON.stringify(payload);
  const body = options.gzip ? gzipSync(text) : text;
  const res = await request(`${emu.url}${options.path ?? "/metric/v1"}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "api-key": KEY,
      ...(options.gzip ? { "content-encoding": "GZIP" } : {}),
      ...options.headers,
    },
    body,
  });
  return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
}

const count = (value: number, attributes: Record<string, string> = { destination: "d1" }, timestamp = BUCKET) => ({
  name: "segment_exporter.delivery.delivered",
  type: "count",
  value,
  timestamp,
  "interval.ms": 300_000,
  attributes,
});

describe("accepted requests", () => {
  it("answer 202 with a requestId, gzip or identity, and store points with common merged in", async () => {
    const res = await post(
      [
        {
          common: {
            timestamp: BUCKET / 1000,
            "interval.ms": 300_000,
            attributes: { workspace: "w", destination: "common" },
          },
          metrics: [
            { name: "m.count", type: "count", value: 5, attributes: { destination: "d1" } },
            { name: "m.p95", value: 812.5, timestamp: BUCKET + 1 },
          ],
        },
      ],
      { gzip: true, headers: { "user-agent": "test/1" } },
    );
    expect(res.status).toBe(202);
    const { requestId } = JSON.parse(res.body) as { requestId: string };
    expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(emu.points()).toEqual([
      {
        name: "m.count",
        type: "count",
        value: 5,
        timestampMs: BUCKET, // sent in seconds in common
        intervalMs: 300_000,
        attributes: { workspace: "w", destination: "d1" }, // the point's key wins
        requestId,
        receivedAt: NOW,
      },
      {
        name: "m.p95",
        type: "gauge",
        value: 812.5,
        timestampMs: BUCKET + 1,
        intervalMs: 300_000,
        attributes: { workspace: "w", destination: "common" },
        requestId,
        receivedAt: NOW,
      },
    ]);
    expect(emu.requests).toEqual([
      expect.objectContaining({
        status: 202,
        contentEncoding: "GZIP",
        userAgent: "test/1",
        requestId,
        points: 2,
        metrics: ["m.count", "m.p95"],
        stored: 2,
      }),
    ]);
    expect(emu.requests[0]?.decodedBytes).toBeGreaterThan(emu.requests[0]?.wireBytes ?? 0);
  });

  it("store a point sent twice twice: the count's sum doubles, as New Relic has no overwrite", async () => {
    await post([{ metrics: [count(40), count(2, { destination: "d2" })] }]);
    await post([{ metrics: [count(40)] }], { gzip: true });
    expect(emu.points("segment_exporter.delivery.delivered")).toHaveLength(3);
    expect(emu.sum("segment_exporter.delivery.delivered", { destination: "d1" }, BUCKET)).toBe(80);
    expect(emu.sum("segment_exporter.delivery.delivered", { destination: "d2" }, BUCKET)).toBe(2);
    expect(emu.sum("segment_exporter.delivery.delivered", { destination: "d1", extra: "x" }, BUCKET)).toBeUndefined();
    expect(emu.sum("segment_exporter.delivery.delivered", { destination: "d1" }, BUCKET + 1)).toBeUndefined();
    expect(emu.countSums()).toEqual([
      {
        name: "segment_exporter.delivery.delivered",
        attributes: { destination: "d1" },
        timestampMs: BUCKET,
        sum: 80,
        points: 2,
      },
      {
        name: "segment_exporter.delivery.delivered",
        attributes: { destination: "d2" },
        timestampMs: BUCKET,
        sum: 2,
        points: 1,
      },
    ]);
  });

  it("convert timestamps in seconds, microseconds and nanoseconds to ms", async () => {
    const at = (timestamp: number) => ({ name: "g", value: 1, timestamp });
    await post([{ metrics: [at(BUCKET / 1e3), at(BUCKET), at(BUCKET * 1e3), at(BUCKET * 1e6)] }]);
    expect(emu.points().map((p) => p.timestampMs)).toEqual([BUCKET, BUCKET, BUCKET, BUCKET]);
  });
});

describe("drops after the 202", () => {
  it("keep apart points over 48 h old or 24 h ahead, negative counts and reserved attribute names", async () => {
    const res = await post([
      {
        metrics: [
          count(1, { d: "edge" }, NOW - 48 * HOUR),
          count(1, { d: "old" }, NOW - 48 * HOUR - 1),
          count(1, { d: "future" }, NOW + 24 * HOUR + 1),
          count(-3, { d: "negative" }),
          count(1, { d: "reserved", "interval.ms": "5" }),
          count(0, { d: "zero" }),
        ],
      },
    ]);
    expect(res.status).toBe(202);
    expect(emu.points().map((p) => p.attributes.d)).toEqual(["edge", "zero"]);
    expect(emu.dropped.map((p) => [p.attributes.d, p.reason])).toEqual([
      ["old", "too-old"],
      ["future", "too-far-in-future"],
      ["negative", "negative-count"],
      ["reserved", "reserved-attribute"],
    ]);
    expect(emu.requests[0]).toMatchObject({ points: 6, stored: 2, dropped: 4 });
  });
});

describe("400 on bad structure, naming the field", () => {
  it.each([
    ["not JSON", "{", "body is not valid JSON"],
    ["not an array", { metrics: [] }, "body must be a JSON array of {common?, metrics}"],
    ["no metrics", [{ common: {} }], "[0].metrics must be an array"],
    [
      "a count without interval.ms",
      [{ metrics: [{ name: "c", type: "count", value: 1, timestamp: BUCKET }] }],
      "[0].metrics[0].interval.ms is required for a count",
    ],
    [
      "a bad type",
      [{ metrics: [{ name: "c", type: "histogram", value: 1 }] }],
      "[0].metrics[0].type must be gauge, count or summary",
    ],
    ["a string value", [{ metrics: [{ name: "c", value: "1" }] }], "[0].metrics[0].value must be a number for a gauge"],
    [
      "a summary without max",
      [{ metrics: [{ name: "s", type: "summary", value: { count: 1, sum: 1, min: 1 }, "interval.ms": 1 }] }],
      "[0].metrics[0].value must be {count, sum, min, max} for a summary",
    ],
    [
      "a nested attribute",
      [{ metrics: [{ name: "c", value: 1, attributes: { a: { b: 1 } } }] }],
      "[0].metrics[0].attributes.a must be a string, number or boolean",
    ],
    [
      "a 255-character name",
      [{ metrics: [{ name: "n".repeat(255), value: 1 }] }],
      "[0].metrics[0].name must be a string of 1 to 254 characters",
    ],
    [
      "a zero interval",
      [{ common: { "interval.ms": 0 }, metrics: [] }],
      "[0].common.interval.ms must be a positive integer",
    ],
  ])("%s", async (_what, payload, error) => {
    const res = await post(payload);
    expect([res.status, JSON.parse(res.body)]).toEqual([400, { error }]);
    expect(emu.points()).toEqual([]);
  });

  it("takes interval.ms from common for a count", async () => {
    const res = await post([
      { common: { "interval.ms": 300_000 }, metrics: [{ name: "c", type: "count", value: 1, timestamp: BUCKET }] },
    ]);
    expect(res.status).toBe(202);
    expect(emu.points()[0]?.intervalMs).toBe(300_000);
  });
});

describe("license key", () => {
  it("answers 403 when missing, wrong or different in header and query, and accepts the query parameter", async () => {
    const body = [{ metrics: [count(1)] }];
    expect((await post(body, { headers: { "api-key": "wrong-key" } })).status).toBe(403);
    const missing = await request(`${emu.url}/metric/v1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(missing.statusCode).toBe(403);
    await missing.body.text();
    expect((await post(body, { path: `/metric/v1?Api-Key=other` })).status).toBe(403);
    const query = await request(`${emu.url}/metric/v1?Api-Key=${KEY}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(query.statusCode).toBe(202);
    await query.body.text();
    expect(emu.points()).toHaveLength(1);
    const logged = JSON.stringify(emu.requests);
    expect(logged).not.toContain("wrong-key");
    expect(logged).not.toContain(KEY);
  });
});

describe("body limits and media types", () => {
  /** A valid identity body of exactly `size` bytes. */
  function bodyOfSize(size: number): string {
    const shell = (pad: string) =>
      JSON.stringify([{ metrics: [{ name: "g", value: 1, timestamp: BUCKET, attributes: { pad } }] }]);
    return shell("x".repeat(size - shell("").length));
  }

  it("answers 413 from 10^6 bytes as sent (the docs: 'must be under 1MB'); the limit is on the compressed body", async () => {
    expect(bodyOfSize(999_999)).toHaveLength(999_999);
    expect((await post(bodyOfSize(999_999))).status).toBe(202);
    const over = await post(bodyOfSize(1_000_000));
    expect([over.status, JSON.parse(over.body)]).toEqual([
      413,
      { error: "body of 1000000 bytes, must be under 1000000" },
    ]);
    const zipped = await post(bodyOfSize(3_000_000), { gzip: true });
    expect(zipped.status).toBe(202);
    expect(emu.requests.at(-1)?.decodedBytes).toBe(3_000_000);
  });

  it("answers 415 to another content type or encoding, 411 without Content-Length, 404 and 405", async () => {
    const payload = [{ metrics: [count(1)] }];
    expect((await post(payload, { headers: { "content-type": "text/plain" } })).status).toBe(415);
    expect((await post(payload, { headers: { "content-encoding": "deflate" } })).status).toBe(415);
    expect((await post(payload, { headers: { "content-encoding": "Identity" } })).status).toBe(202);
    const chunked = await request(`${emu.url}/metric/v1`, {
      method: "POST",
      headers: { "content-type": "application/json", "api-key": KEY },
      body: Readable.from([Buffer.from(JSON.stringify(payload))]),
    });
    expect(chunked.statusCode).toBe(411);
    await chunked.body.text();
    expect((await post(payload, { path: "/metric/v2" })).status).toBe(404);
    const get = await request(`${emu.url}/metric/v1`, { headers: { "api-key": KEY } });
    expect(get.statusCode).toBe(405);
    await get.body.text();
    expect(emu.points()).toHaveLength(1);
  });

  it("answers 400 to a body that claims gzip but is not", async () => {
    const res = await post("[]", { headers: { "content-encoding": "gzip" } });
    expect([res.status, JSON.parse(res.body)]).toEqual([400, { error: "body is not valid gzip" }]);
  });
});

describe("faults", () => {
  const payload = [{ metrics: [count(1)] }];

  it("serve 429 with and without Retry-After, 408, 413, 500, 502 HTML and 503, storing nothing", async () => {
    const kinds = ["429", "429-no-retry-after", "408", "413", "500", "502-html", "503"] as const;
    for (const kind of kinds) emu.faults.queue(kind);
    const answers: Answer[] = [];
    for (const _ of kinds) answers.push(await post(payload));
    expect(answers.map((a) => a.status)).toEqual([429, 429, 408, 413, 500, 502, 503]);
    expect(answers[0]?.headers["retry-after"]).toBe("7");
    expect(answers[1]?.headers["retry-after"]).toBeUndefined();
    expect(answers[5]?.body).toContain("<html>");
    expect(emu.points()).toEqual([]);
    expect(emu.requests.map((r) => r.fault)).toEqual(kinds);
  });

  it("reset without storing; reset after storing, so the resend is stored again (at least once)", async () => {
    emu.faults.queue("reset");
    await expect(post(payload)).rejects.toThrow();
    expect(emu.points()).toEqual([]);
    emu.faults.queue("reset-after-store");
    await expect(post(payload)).rejects.toThrow();
    expect((await post(payload)).status).toBe(202);
    expect(emu.sum("segment_exporter.delivery.delivered", { destination: "d1" }, BUCKET)).toBe(2);
    expect(emu.requests.map((r) => r.status)).toEqual([0, 0, 202]);
  });

  it("answer late when slow", async () => {
    emu.faults.queue("slow");
    const started = Date.now();
    expect((await post(payload)).status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe("inspection routes", () => {
  it("list points, sums, dropped points and requests, and reset", async () => {
    await post([{ metrics: [count(3), count(4, { destination: "d1" }, NOW - 49 * HOUR)] }]);
    const get = async (path: string) =>
      (await (await request(`${emu.url}/_emulator/${path}`)).body.json()) as unknown[];
    expect(await get("points")).toHaveLength(1);
    expect(await get("sums")).toEqual([expect.objectContaining({ sum: 3, points: 1 })]);
    expect(await get("dropped")).toEqual([expect.objectContaining({ reason: "too-old", value: 4 })]);
    expect(await get("requests")).toHaveLength(1);
    await (await request(`${emu.url}/_emulator/reset`, { method: "POST" })).body.text();
    expect([emu.points(), emu.dropped, emu.requests]).toEqual([[], [], []]);
  });
});
