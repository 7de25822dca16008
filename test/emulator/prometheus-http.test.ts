// The remote-write receiver emulator over real HTTP: Prometheus' refusals and rollback, the commit's
// silent drops, invalid label sets, media types, auth, tenant, faults and the inspection routes.
import { compress } from "snappyjs";
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type PrometheusEmulator, startPrometheusEmulator } from "../../src/emulator/prometheus/index.js";
import { encodeWriteRequestProto, type ProtoTimeSeries } from "../../src/sinks/prometheus/proto.js";
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, type RemoteWriteSeries } from "../../src/sinks/prometheus/wire.js";

const NOW = 1_795_408_200_000;
const MIN = 60_000;
const HOUR = 3_600_000;

let emu: PrometheusEmulator;

beforeAll(async () => {
  emu = await startPrometheusEmulator({ now: () => NOW, slowMs: 300, retryAfterSeconds: 7 });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const series = (
  name: string,
  points: Array<[number, number]>,
  labels: Record<string, string> = {},
): RemoteWriteSeries => ({
  labels: { __name__: name, ...labels },
  samples: points.map(([timestampMs, value]) => ({ timestampMs, value })),
});

async function post(
  body: Uint8Array | string,
  headers: Record<string, string> = { ...REMOTE_WRITE_HEADERS },
  target = emu,
): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const res = await request(target.writeUrl, { method: "POST", headers, body });
  return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
}

const write = (...input: RemoteWriteSeries[]) => post(encodeWriteRequest(input));

describe("accepted writes", () => {
  it("answer 204 with no body, store samples per label set and log the request's headers", async () => {
    const res = await post(
      encodeWriteRequest([
        series(
          "sde_delivered",
          [
            [NOW - 10 * MIN, 3],
            [NOW - 5 * MIN, 4],
          ],
          { d: "x" },
        ),
      ]),
      {
        ...REMOTE_WRITE_HEADERS,
        "X-Scope-OrgID": "tenant-1",
      },
    );
    expect([res.status, res.text]).toEqual([204, ""]);
    expect(emu.samples({ __name__: "sde_delivered", d: "x" })).toEqual([
      { timestampMs: NOW - 10 * MIN, value: 3 },
      { timestampMs: NOW - 5 * MIN, value: 4 },
    ]);
    expect(emu.series()).toEqual([{ labels: { __name__: "sde_delivered", d: "x" }, samples: expect.any(Array) }]);
    expect(emu.requests).toEqual([
      expect.objectContaining({
        status: 204,
        tenant: "tenant-1",
        contentEncoding: "snappy",
        contentType: "application/x-protobuf",
        remoteWriteVersion: "0.1.0",
        userAgent: REMOTE_WRITE_HEADERS["User-Agent"],
        series: 1,
        samples: 2,
        appended: 2,
      }),
    ]);
  });

  it("take a repeat of a series' newest sample (same value) silently, storing it once", async () => {
    await write(series("m", [[NOW - 5 * MIN, 1]]));
    const again = await write(series("m", [[NOW - 5 * MIN, 1]]));
    expect(again.status).toBe(204);
    expect(emu.samples({ __name__: "m" })).toEqual([{ timestampMs: NOW - 5 * MIN, value: 1 }]);
    expect(emu.requests[1]).toMatchObject({ appended: 0, ignored: 1 });
  });

  it("drop, without an error, the later of two samples of one series that conflict within one request", async () => {
    const proto = encodeWriteRequestProto([
      {
        labels: [{ name: "__name__", value: "m" }],
        samples: [
          { timestamp: NOW - 5 * MIN, value: 1 },
          { timestamp: NOW - 10 * MIN, value: 2 }, // older than the one before it
          { timestamp: NOW - 5 * MIN, value: 3 }, // same time, another value
        ],
      },
    ]);
    const res = await post(compress(proto));
    expect(res.status).toBe(204);
    expect(emu.samples({ __name__: "m" })).toEqual([{ timestampMs: NOW - 5 * MIN, value: 1 }]);
    expect(emu.requests[0]).toMatchObject({ appended: 1, ignored: 2, metrics: ["m"], decodedBytes: proto.length });
  });
});

describe("refused samples roll the whole request back", () => {
  it("an older sample than its series' newest is 400 'out of order sample', even with the same value", async () => {
    await write(
      series("m", [
        [NOW - 10 * MIN, 1],
        [NOW - 5 * MIN, 2],
      ]),
    );
    for (const value of [1, 9]) {
      const res = await write(series("other", [[NOW - MIN, 5]]), series("m", [[NOW - 10 * MIN, value]]));
      expect([res.status, res.text]).toEqual([400, "out of order sample\n"]);
      expect(res.headers["x-content-type-options"]).toBe("nosniff"); // Go's http.Error
    }
    expect(emu.samples({ __name__: "other" })).toEqual([]); // the valid series of the request is not kept
    expect(emu.requests.at(-1)).toMatchObject({ status: 400, error: "out of order sample" });
  });

  it("the newest timestamp with another value is 400 'duplicate sample for timestamp' (values compared by bits)", async () => {
    await write(series("m", [[NOW - 5 * MIN, 0]]));
    const res = await write(series("m", [[NOW - 5 * MIN, -0]]));
    expect([res.status, res.text]).toEqual([400, "duplicate sample for timestamp\n"]);
    await write(series("nan", [[NOW - 5 * MIN, Number.NaN]]));
    expect((await write(series("nan", [[NOW - 5 * MIN, Number.NaN]]))).status).toBe(204);
  });

  it("a sample more than an hour behind the newest of the whole head is 400 'out of bounds'", async () => {
    await write(series("a", [[NOW - 2 * MIN, 1]]));
    const edge = await write(series("b", [[NOW - 2 * MIN - HOUR, 1]]));
    expect(edge.status).toBe(204);
    const res = await write(series("c", [[NOW - 2 * MIN - HOUR - 1, 1]]));
    expect([res.status, res.text]).toEqual([400, "out of bounds\n"]);
    expect(emu.samples({ __name__: "c" })).toEqual([]);
  });

  it("a fresh head takes its range from the first sample offered, even when that request is refused", async () => {
    // Series go in the order given: the head starts at "a"'s sample, an hour and 1 ms after "b"'s.
    const refused = await write(series("a", [[NOW - MIN, 1]]), series("b", [[NOW - MIN - HOUR - 1, 1]]));
    expect([refused.status, refused.text]).toEqual([400, "out of bounds\n"]);
    expect(emu.series()).toEqual([]);
    expect((await write(series("c", [[NOW - 2 * HOUR, 1]]))).text).toBe("out of bounds\n");
  });

  it("a sample over 10 minutes ahead of the clock is 400 'too far in the future'", async () => {
    expect((await write(series("m", [[NOW + 10 * MIN, 1]]))).status).toBe(204);
    const res = await write(series("m", [[NOW + 10 * MIN + 1, 1]]));
    expect([res.status, res.text]).toEqual([400, "out of bounds: timestamp is too far in the future\n"]);
  });

  it("a receiver reset after storing makes a resend of two samples per series 'out of order'", async () => {
    emu.faults.queue("reset-after-store");
    const body = encodeWriteRequest([
      series("m", [
        [NOW - 10 * MIN, 1],
        [NOW - 5 * MIN, 2],
      ]),
    ]);
    await expect(post(body)).rejects.toThrow();
    expect(emu.samples({ __name__: "m" })).toHaveLength(2);
    const resend = await post(body);
    expect([resend.status, resend.text]).toEqual([400, "out of order sample\n"]);
    expect(emu.requests.map((r) => [r.status, r.fault])).toEqual([
      [0, "reset-after-store"],
      [400, undefined],
    ]);
  });
});

describe("no future bound (Prometheus before 2.54)", () => {
  it("accepts a sample far ahead of the clock", async () => {
    const old = await startPrometheusEmulator({ now: () => NOW, futureToleranceMs: null });
    try {
      expect((await post(encodeWriteRequest([series("m", [[NOW + 5 * HOUR, 1]])]), undefined, old)).status).toBe(204);
    } finally {
      await old.close();
    }
  });
});

describe("bodies and media types", () => {
  const raw = (labels: Array<[string, string]>): ProtoTimeSeries => ({
    labels: labels.map(([name, value]) => ({ name, value })),
    samples: [{ timestamp: NOW - MIN, value: 1 }],
  });

  it("skips and counts the samples of invalid label sets, stores the rest, drops empty values", async () => {
    const proto = encodeWriteRequestProto([
      raw([["job", "no name"]]),
      raw([["__name__", "bad-name"]]),
      raw([
        ["__name__", "m"],
        ["bad.label", "x"],
      ]),
      raw([
        ["__name__", "m"],
        ["a", "1"],
        ["a", "2"],
      ]),
      raw([
        ["zone", "z"],
        ["__name__", "ok"],
        ["empty", ""],
      ]),
    ]);
    const res = await post(compress(proto));
    expect(res.status).toBe(204);
    expect(emu.series()).toEqual([
      { labels: { __name__: "ok", zone: "z" }, samples: [{ timestampMs: NOW - MIN, value: 1 }] },
    ]);
    expect(emu.requests[0]).toMatchObject({ invalidLabelSamples: 4, appended: 1 });
  });

  it("answers 400 to a body that is not Snappy or not a WriteRequest", async () => {
    const notSnappy = await post("plain text");
    expect(notSnappy.status).toBe(400);
    const notProto = await post(compress(new Uint8Array([0x0a, 0x05, 0x01])));
    expect([notProto.status, notProto.text]).toEqual([400, "truncated TimeSeries\n"]);
  });

  it("answers 415 to another encoding or content type, and takes a body with neither header", async () => {
    const body = encodeWriteRequest([series("m", [[NOW - MIN, 1]])]);
    const gzip = await post(body, { ...REMOTE_WRITE_HEADERS, "Content-Encoding": "gzip" });
    expect([gzip.status, gzip.text]).toEqual([415, "unsupported compression: gzip. Only snappy is supported\n"]);
    const json = await post(body, { ...REMOTE_WRITE_HEADERS, "Content-Type": "application/json" });
    expect(json.status).toBe(415);
    expect((await post(body, {})).status).toBe(204);
  });

  it("answers 404 elsewhere and 405 to another method", async () => {
    const res = await request(`${emu.url}/api/v1/push`, { method: "POST", body: "x" });
    expect([res.statusCode, await res.body.text()]).toEqual([404, "404 page not found\n"]);
    const get = await request(emu.writeUrl);
    expect([get.statusCode, await get.body.text()]).toEqual([405, "Method Not Allowed\n"]);
  });
});

describe("authentication", () => {
  const body = () => encodeWriteRequest([series("m", [[NOW - MIN, 1]])]);

  it("basic: 401 with a challenge when missing or wrong, 204 when right, never logged", async () => {
    const basic = await startPrometheusEmulator({
      now: () => NOW,
      auth: { username: "inst-1", password: "s3cret-pw" },
    });
    try {
      const missing = await post(body(), { ...REMOTE_WRITE_HEADERS }, basic);
      expect([missing.status, missing.headers["www-authenticate"]]).toEqual([401, 'Basic realm="remote write"']);
      const bad = Buffer.from("inst-1:wrong").toString("base64");
      expect((await post(body(), { ...REMOTE_WRITE_HEADERS, Authorization: `Basic ${bad}` }, basic)).status).toBe(401);
      const good = Buffer.from("inst-1:s3cret-pw").toString("base64");
      expect((await post(body(), { ...REMOTE_WRITE_HEADERS, Authorization: `Basic ${good}` }, basic)).status).toBe(204);
      expect(basic.series()).toHaveLength(1);
      const logged = JSON.stringify(basic.requests);
      expect(logged).not.toContain("s3cret-pw");
      expect(logged).not.toContain(good);
    } finally {
      await basic.close();
    }
  });

  it("bearer: 401 when missing or wrong, 204 when right", async () => {
    const bearer = await startPrometheusEmulator({ now: () => NOW, auth: { bearerToken: "tok-123" } });
    try {
      expect((await post(body(), { ...REMOTE_WRITE_HEADERS }, bearer)).status).toBe(401);
      expect((await post(body(), { ...REMOTE_WRITE_HEADERS, Authorization: "Bearer nope" }, bearer)).status).toBe(401);
      expect((await post(body(), { ...REMOTE_WRITE_HEADERS, Authorization: "Bearer tok-123" }, bearer)).status).toBe(
        204,
      );
      expect(JSON.stringify(bearer.requests)).not.toContain("tok-123");
    } finally {
      await bearer.close();
    }
  });
});

describe("faults", () => {
  const body = () => encodeWriteRequest([series("m", [[NOW - MIN, 1]])]);

  it("serve 429 with Retry-After, 500, 502 HTML and 503, storing nothing", async () => {
    for (const kind of ["429", "500", "502-html", "503"] as const) emu.faults.queue(kind);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await post(body()));
    expect(statuses.map((s) => s.status)).toEqual([429, 500, 502, 503]);
    expect(statuses[0]?.headers["retry-after"]).toBe("7");
    expect(statuses[2]?.text).toContain("<html>");
    expect(emu.series()).toEqual([]);
    expect((await post(body())).status).toBe(204);
  });

  it("reset the connection without storing, and answer late when slow", async () => {
    emu.faults.queue("reset");
    await expect(post(body())).rejects.toThrow();
    expect(emu.series()).toEqual([]);
    emu.faults.queue("slow");
    const started = Date.now();
    expect((await post(body())).status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe("inspection routes", () => {
  it("list series and requests and reset the head", async () => {
    await write(series("m", [[NOW - MIN, 2]]));
    const listed = await request(`${emu.url}/_emulator/series`);
    expect(await listed.body.json()).toEqual([
      { labels: { __name__: "m" }, samples: [{ timestampMs: NOW - MIN, value: 2 }] },
    ]);
    const log = (await (await request(`${emu.url}/_emulator/requests`)).body.json()) as unknown[];
    expect(log).toHaveLength(1);
    await (await request(`${emu.url}/_emulator/reset`, { method: "POST" })).body.text();
    expect(emu.series()).toEqual([]);
    // The head's time range went with it: an old sample is in bounds again.
    expect((await write(series("m", [[NOW - 5 * HOUR, 1]]))).status).toBe(204);
  });
});
