import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_SEED,
  demoFixture,
  generateFixture,
  type SegmentEmulator,
  startSegmentEmulator,
} from "../../src/emulator/segment/index.js";
import { DAY, get, HOUR, iso, MIN, must, NOW, walk } from "./segment-helpers.js";

let emu: SegmentEmulator;
let clock = NOW;

beforeAll(async () => {
  // With the source whose API calls exceed 2^53: the usage routes must send it as a string.
  emu = await startSegmentEmulator({ now: () => clock, fixture: demoFixture(DEFAULT_SEED, { hugeApiCalls: true }) });
});
afterAll(() => emu.close());

const web = () => must(emu.fixture.sources[0]);
const mixpanelWeb = () => must(emu.fixture.destinations[0]);

function metricsPath(destId: string, sourceId: string, extra: string): string {
  return `/destinations/${destId}/delivery-metrics?sourceId=${sourceId}&${extra}`;
}

function window(startMs: number, endMs: number, granularity?: string): string {
  const g = granularity ? `&granularity=${granularity}` : "";
  return `startTime=${encodeURIComponent(iso(startMs))}&endTime=${encodeURIComponent(iso(endMs))}${g}`;
}

describe("auth, versions, routing", () => {
  it("rejects a missing or wrong token with 401 and never logs it", async () => {
    const none = await fetch(`${emu.url}/sources`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ errors: [{ type: "Unauthorized", message: expect.any(String) }] });
    const wrong = await fetch(`${emu.url}/`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    const basic = await fetch(`${emu.url}/`, { headers: { authorization: `Basic ${emu.token}` } });
    expect(basic.status).toBe(401);
    expect((await get(emu, "/")).json.data.workspace).toEqual(emu.fixture.workspace);
    expect(JSON.stringify(emu.requests)).not.toContain(emu.token);
    const viaHttp = await fetch(`${emu.url}/_emulator/requests`);
    expect(viaHttp.status).toBe(200);
    expect(await viaHttp.text()).not.toContain(emu.token);
  });

  it("accepts JSON, wildcard, no Accept and vendor versions; 406 for v1 on delivery-metrics", async () => {
    for (const accept of [
      "application/json",
      "*/*",
      "application/vnd.segment.v1+json",
      "application/vnd.segment.v1beta+json",
      "application/vnd.segment.v1alpha+json",
    ]) {
      expect((await get(emu, "/sources", { accept })).status).toBe(200);
    }
    const res = await fetch(`${emu.url}/sources`, { headers: { authorization: `Bearer ${emu.token}`, accept: "" } });
    expect(res.status).toBe(200);
    const path = metricsPath(mixpanelWeb().id, web().id, window(NOW - HOUR, NOW));
    expect((await get(emu, path, { accept: "application/vnd.segment.v1beta+json" })).status).toBe(200);
    expect((await get(emu, path, { accept: "application/json" })).status).toBe(200);
    const v1 = await get(emu, path, { accept: "application/vnd.segment.v1+json" });
    expect(v1.status).toBe(406);
    expect(v1.json.errors[0].type).toBeTypeOf("string");
    expect((await get(emu, "/sources", { accept: "text/html" })).status).toBe(406);
    expect(emu.requests.at(-1)?.accept).toBe("text/html");
  });

  it("answers 404 for unknown routes, sources and destinations", async () => {
    expect((await get(emu, "/nope")).status).toBe(404);
    expect(emu.requests.at(-1)?.route).toBe("unknown");
    const src = await get(emu, "/sources/unknown/connected-destinations");
    expect(src.status).toBe(404);
    expect(src.json.errors[0].type).toBe("NotFound");
    expect((await get(emu, metricsPath("unknown", web().id, window(NOW - HOUR, NOW)))).status).toBe(404);
    const ios = must(emu.fixture.sources[1]);
    const notConnected = await get(emu, metricsPath(mixpanelWeb().id, ios.id, window(NOW - HOUR, NOW)));
    expect(notConnected.status).toBe(404);
    expect(notConnected.json.errors[0].type).toBe("NotFound");
  });
});

describe("lists and pagination", () => {
  it("walks every source exactly once with count 1 and 1000", async () => {
    const one = (await walk(emu, "/sources", 1, "sources")) as Array<{ id: string }>;
    expect(one.map((s) => s.id)).toEqual(emu.fixture.sources.map((s) => s.id));
    const all = (await walk(emu, "/sources", 1000, "sources")) as Array<{ id: string }>;
    expect(all.map((s) => s.id)).toEqual(emu.fixture.sources.map((s) => s.id));
  });

  it("pages a large workspace with count 1000, 7 and the default 200", async () => {
    const big = await startSegmentEmulator({
      now: () => NOW,
      fixture: generateFixture({ sources: 2100, destinationsPerSource: 1 }),
    });
    try {
      const ids = big.fixture.sources.map((s) => s.id);
      expect(((await walk(big, "/sources", 1000, "sources")) as Array<{ id: string }>).map((s) => s.id)).toEqual(ids);
      const dests = (await walk(big, "/destinations", 7, "destinations")) as Array<{ id: string; sourceId: string }>;
      expect(dests.map((d) => d.id)).toEqual(big.fixture.destinations.map((d) => d.id));
      const first = await get(big, "/sources");
      expect(first.json.data.sources).toHaveLength(200);
      expect(first.json.data.pagination).toEqual({
        current: "MA==",
        next: Buffer.from("200").toString("base64"),
        totalEntries: 2100,
      });
    } finally {
      await big.close();
    }
  });

  it("rejects count 0, 1001 and bad cursors with 422 naming the field", async () => {
    for (const q of ["pagination.count=0", "pagination%5Bcount%5D=1001", "pagination.count=x"]) {
      const r = await get(emu, `/sources?${q}`);
      expect(r.status).toBe(422);
      expect(r.json.errors[0]).toMatchObject({ type: "ValidationFailure", field: "pagination.count" });
    }
    const bad = await get(emu, "/sources?pagination.count=2&pagination.cursor=%21%21");
    expect(bad.status).toBe(422);
    expect(bad.json.errors[0].field).toBe("pagination.cursor");
  });

  it("serves SourceV1 and DestinationV1 shapes", async () => {
    const src = (await get(emu, "/sources")).json.data.sources[0];
    expect(src).toMatchObject({
      id: web().id,
      slug: "web",
      workspaceId: emu.fixture.workspace.id,
      enabled: true,
      writeKeys: [],
      labels: [],
    });
    expect(src.metadata).toMatchObject({
      slug: "javascript",
      options: [],
      isCloudEventSource: false,
      status: "PUBLIC",
    });
    expect(src.metadata.logos.default).toBeTypeOf("string");
    const dests = (await get(emu, `/sources/${web().id}/connected-destinations`)).json.data.destinations;
    expect(dests.map((d: { id: string }) => d.id)).toEqual(
      emu.fixture.destinations.filter((d) => d.sourceId === web().id).map((d) => d.id),
    );
    expect(dests[0]).toMatchObject({ sourceId: web().id, enabled: true, settings: {} });
    for (const key of [
      "id",
      "name",
      "description",
      "slug",
      "logos",
      "options",
      "status",
      "previousNames",
      "categories",
      "website",
      "components",
      "supportedFeatures",
      "supportedMethods",
      "supportedPlatforms",
      "actions",
      "presets",
    ]) {
      expect(dests[0].metadata).toHaveProperty(key);
    }
    const marketing = must(emu.fixture.sources[3]);
    const empty = (await get(emu, `/sources/${marketing.id}/connected-destinations`)).json.data;
    expect(empty).toEqual({ destinations: [], pagination: { current: "MA==", totalEntries: 0 } });
    const all = (await get(emu, "/destinations")).json.data.destinations;
    expect(all.every((d: { sourceId: string }) => typeof d.sourceId === "string")).toBe(true);
  });
});

describe("delivery metrics", () => {
  it("equals the ground truth for every connection", async () => {
    for (const d of emu.fixture.destinations) {
      const r = await get(emu, metricsPath(d.id, d.sourceId, window(NOW - 2 * HOUR, NOW, "MINUTE")));
      expect(r.status).toBe(200);
      const s = emu.truth.deliverySummary(d.sourceId, d.id, NOW - 2 * HOUR, NOW, NOW);
      const summary = r.json.data.deliveryMetricsSummary;
      expect(summary.sourceId).toBe(d.sourceId);
      expect(summary.destinationMetadataId).toBe(d.catalog.id);
      const m = Object.fromEntries(summary.metrics.map((x: { metricName: string }) => [x.metricName, x]));
      const bd = (name: string, part: string) =>
        m[name].breakdown.find((b: { metricName: string }) => b.metricName === part).value;
      expect(m.successes.total).toBe(s.successes);
      expect(bd("successes", "successes_on_first_attempt")).toBe(s.successesOnFirstAttempt);
      expect(bd("successes", "successes_after_retry")).toBe(s.successesAfterRetry);
      expect([m.expired.total, m.discarded.total, m.retried.total]).toEqual([s.expired, s.discarded, s.retried]);
      expect(bd("time_to_success", "time_to_success_average")).toBe(s.timeToSuccessAverage);
      expect(bd("time_to_success", "time_to_success_p95")).toBe(s.timeToSuccessP95);
      expect(bd("time_to_first_attempt", "time_to_first_attempt_average")).toBe(s.timeToFirstAttemptAverage);
      expect(bd("time_to_first_attempt", "time_to_first_attempt_p95")).toBe(s.timeToFirstAttemptP95);
    }
  });

  it("shows late retries growing with the data clock", async () => {
    const late = await startSegmentEmulator({ now: () => NOW, maxRetryDelayMs: 20 * MIN });
    try {
      const d = must(late.fixture.destinations[0]);
      const path = metricsPath(d.id, d.sourceId, window(NOW - 10 * MIN, NOW));
      const afterRetry = async () => {
        const m = (await get(late, path)).json.data.deliveryMetricsSummary.metrics[0];
        return m.breakdown[1].value as number;
      };
      const before = await afterRetry();
      late.setNow(() => NOW + 15 * MIN);
      expect(await afterRetry()).toBeGreaterThan(before);
      const truth = await fetch(
        `${late.url}/_emulator/truth/delivery?sourceId=${d.sourceId}&destinationId=${d.id}&${window(NOW - 10 * MIN, NOW)}`,
      );
      expect(((await truth.json()) as { data: { successesAfterRetry: number } }).data.successesAfterRetry).toBe(
        await afterRetry(),
      );
    } finally {
      await late.close();
    }
  });

  it("reflects setHealth at once", async () => {
    const d = must(emu.fixture.destinations[1]);
    const path = metricsPath(d.id, d.sourceId, window(NOW - HOUR, NOW));
    const discarded = async () => (await get(emu, path)).json.data.deliveryMetricsSummary.metrics[2].total as number;
    const healthy = await discarded();
    emu.setHealth(d.id, "failing");
    try {
      expect(await discarded()).toBeGreaterThan(healthy * 5);
    } finally {
      emu.setHealth(d.id, "healthy");
    }
  });

  const limits = [
    { g: "MINUTE", range: 4 * HOUR, oldest: 48 * HOUR },
    { g: "HOUR", range: 7 * DAY, oldest: 7 * DAY },
    { g: "DAY", range: 14 * DAY, oldest: 14 * DAY },
  ];
  for (const route of ["delivery-metrics", "events-volume"] as const) {
    for (const { g, range, oldest } of limits) {
      it(`${route}: enforces ${g} limits at their exact boundaries`, async () => {
        const path = (start: number, end: number) =>
          route === "delivery-metrics"
            ? metricsPath(mixpanelWeb().id, web().id, window(start, end, g))
            : `/events/volume?${window(start, end, g)}`;
        expect((await get(emu, path(NOW - range, NOW))).status).toBe(200);
        const tooLong = await get(emu, path(NOW - range, NOW + 1000)); // range + 1 s, start still allowed
        expect(tooLong.status).toBe(422);
        expect(tooLong.json.errors[0]).toMatchObject({ type: "ValidationFailure", field: "endTime" });
        expect((await get(emu, path(NOW - oldest, NOW - oldest + HOUR))).status).toBe(200);
        const tooOld = await get(emu, path(NOW - oldest - 1000, NOW - oldest + HOUR));
        expect(tooOld.status).toBe(422);
        expect(tooOld.json.errors[0]).toMatchObject({ type: "ValidationFailure", field: "startTime" });
      });
    }
  }

  it("rejects missing, unparseable and inverted parameters with 422", async () => {
    const d = mixpanelWeb();
    const cases: Array<[string, string]> = [
      [`/destinations/${d.id}/delivery-metrics?${window(NOW - HOUR, NOW)}`, "sourceId"],
      [metricsPath(d.id, web().id, "startTime=yesterday&endTime=2026-11-24T12:00:00Z"), "startTime"],
      [metricsPath(d.id, web().id, window(NOW, NOW - HOUR)), "endTime"],
      [metricsPath(d.id, web().id, window(NOW - HOUR, NOW, "WEEK")), "granularity"],
      [metricsPath(d.id, web().id, "granularity=DAY"), "startTime"], // default start 30 d > 14 d limit
      [`/events/volume?startTime=${iso(NOW - HOUR)}&endTime=${iso(NOW)}`, "granularity"],
      [`/events/volume?granularity=HOUR&endTime=${iso(NOW)}`, "startTime"],
      [`/events/volume?granularity=HOUR&startTime=${iso(NOW - HOUR)}`, "endTime"],
      [`/events/volume?${window(NOW - HOUR, NOW, "HOUR")}&groupBy=appVersion`, "groupBy"],
    ];
    for (const [path, field] of cases) {
      const r = await get(emu, path);
      expect(r.status, path).toBe(422);
      expect(r.json.errors[0]).toMatchObject({ type: "ValidationFailure", field });
    }
    expect((await get(emu, metricsPath(d.id, web().id, ""))).status).toBe(200); // defaults: last hour, MINUTE
  });
});

describe("events volume", () => {
  const path = (extra: string) => `/events/volume?${window(NOW - 4 * HOUR, NOW, "HOUR")}&${extra}`;

  it("groups by source with pagination and equals the truth", async () => {
    const result = (await walk(emu, path("groupBy.0=source"), 1, "result")) as Array<{
      source: { id: string; name: string; slug: string };
      total: number;
      series: Array<{ time: string; count: number }>;
    }>;
    expect(result.map((r) => r.source.id).sort()).toEqual(emu.fixture.sources.map((s) => s.id).sort());
    const totals = result.map((r) => r.total);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
    for (const entry of result) {
      const src = must(emu.fixture.sources.find((s) => s.id === entry.source.id));
      expect(entry.source).toEqual({ id: src.id, name: src.name, slug: src.slug });
      expect(entry.total).toBe(emu.truth.eventVolume(src.id, NOW - 4 * HOUR, NOW, NOW));
      expect(entry.series.map((p) => p.time)).toEqual(
        [8, 9, 10, 11].map((h) => `2026-11-24T${String(h).padStart(2, "0")}:00:00Z`),
      );
      entry.series.forEach((p, i) => {
        const start = NOW - (4 - i) * HOUR;
        expect(p.count).toBe(emu.truth.eventVolume(src.id, start, start + HOUR, NOW));
      });
    }
  });

  it("accepts every query encoding for groupBy and pagination", async () => {
    const encodings = [
      "groupBy.0=source&groupBy.1=eventType&pagination.count=3",
      "groupBy%5B0%5D=source&groupBy%5B1%5D=eventType&pagination%5Bcount%5D=3",
      "groupBy[0]=source&groupBy[1]=eventType&pagination[count]=3",
      "groupBy=source&groupBy=eventType&pagination.count=3",
      "groupBy=source,eventType&pagination.count=3",
      `groupBy=source%2CeventType&pagination=${encodeURIComponent('{"count":3}')}`,
    ];
    const bodies = [];
    for (const q of encodings) {
      const r = await get(emu, path(q));
      expect(r.status, q).toBe(200);
      expect(r.json.data.result, q).toHaveLength(3);
      expect(r.json.data.query.groupBy, q).toEqual(["source", "eventType"]);
      bodies.push(r.json.data.result);
    }
    for (const b of bodies) expect(b).toEqual(bodies[0]);
    expect(bodies[0][0]).toHaveProperty("eventType");
    expect(bodies[0][0]).not.toHaveProperty("eventName");
  });

  it("filters by source, event name and type and echoes the query", async () => {
    const src = must(emu.fixture.sources[2]);
    const r = await get(emu, path(`sourceId.0=${src.id}&eventType.0=track&groupBy.0=eventName`));
    const data = r.json.data;
    expect(data.path).toBe("/observability/event_volume/v2.json");
    expect(data.query).toMatchObject({
      workspaceId: emu.fixture.workspace.id,
      granularity: "HOUR",
      sourceId: [src.id],
      eventType: ["track"],
    });
    const tracks = emu.truth.eventKinds(src.id).filter((k) => k.eventType === "track");
    expect(data.result.map((e: { eventName: string }) => e.eventName).sort()).toEqual(
      tracks.map((k) => k.eventName).sort(),
    );
    const ungrouped = (await get(emu, path(`eventName=${encodeURIComponent("Identify")}`))).json.data.result;
    expect(ungrouped).toHaveLength(1);
    const expected = emu.fixture.sources.reduce(
      (sum, s) => sum + emu.truth.eventVolume(s.id, NOW - 4 * HOUR, NOW, NOW, { eventName: "Identify" }),
      0,
    );
    expect(ungrouped[0].total).toBe(expected);
  });

  it("includes zero buckets and aligns unaligned windows to bucket starts", async () => {
    const r = await get(emu, `/events/volume?${window(NOW - 90 * MIN, NOW + HOUR, "HOUR")}`);
    const series = r.json.data.result[0].series;
    expect(series.map((p: { time: string }) => p.time)).toEqual([
      "2026-11-24T10:00:00Z",
      "2026-11-24T11:00:00Z",
      "2026-11-24T12:00:00Z",
    ]);
    expect(series[2].count).toBe(0); // not ended yet
    expect(series[0].count).toBe(
      emu.fixture.sources.reduce((sum, s) => sum + emu.truth.eventVolume(s.id, NOW - 90 * MIN, NOW - HOUR, NOW), 0),
    );
  });
});

describe("usage", () => {
  it("serves month-to-date per-source and workspace rows with bigint strings", async () => {
    const mtuSrc = (await walk(
      emu,
      "/usage/mtu/sources/daily?period=2026-11-01",
      10,
      "dailyPerSourceMTUUsage",
    )) as Array<Record<string, string | number>>;
    expect(mtuSrc).toHaveLength(24 * 4);
    expect(mtuSrc[0]).toEqual({
      sourceId: web().id,
      periodStart: Date.UTC(2026, 10, 1) / 1000,
      periodEnd: Date.UTC(2026, 11, 1) / 1000,
      anonymous: expect.stringMatching(/^\d+$/),
      anonymousIdentified: expect.stringMatching(/^\d+$/),
      identified: expect.stringMatching(/^\d+$/),
      neverIdentified: expect.stringMatching(/^\d+$/),
      timestamp: "2026-11-01T00:00:00.000Z",
    });
    const webRows = mtuSrc.filter((r) => r.sourceId === web().id);
    const identified = webRows.map((r) => BigInt(r.identified as string));
    expect(identified).toEqual([...identified].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

    const ws = (await get(emu, "/usage/mtu/daily?period=2026-11-01")).json.data.dailyWorkspaceMTUUsage;
    expect(ws).toHaveLength(24);
    const day10 = mtuSrc.filter((r) => r.timestamp === ws[9].timestamp);
    const sum = day10.reduce((a, r) => a + BigInt(r.identified as string), 0n);
    expect(BigInt(ws[9].identified)).not.toBe(sum);

    const calls = (await get(emu, "/usage/api-calls/sources/daily?period=2026-11-01")).json.data
      .dailyPerSourceAPICallsUsage;
    const backend = must(emu.fixture.sources[2]);
    const big = calls.find((r: { sourceId: string }) => r.sourceId === backend.id);
    expect(BigInt(big.apiCalls)).toBeGreaterThan(2n ** 53n);
    const truth = emu.truth.dailyUsage("2026-11-01", NOW).sources.find((r) => r.sourceId === backend.id);
    expect(big.apiCalls).toBe(String(truth?.apiCalls));
    const wsCalls = (await get(emu, "/usage/api-calls/daily?period=2026-11-01")).json.data.dailyWorkspaceAPICallsUsage;
    expect(wsCalls[0]).toEqual({ apiCalls: expect.stringMatching(/^\d+$/), timestamp: "2026-11-01T00:00:00.000Z" });
  });

  it("resets at a month boundary", async () => {
    clock = Date.UTC(2026, 11, 1, 0, 30);
    try {
      const nov = (await get(emu, "/usage/mtu/daily?period=2026-11-01")).json.data.dailyWorkspaceMTUUsage;
      const dec = (await get(emu, "/usage/mtu/daily?period=2026-12-01")).json.data.dailyWorkspaceMTUUsage;
      expect(nov).toHaveLength(30);
      expect(dec).toHaveLength(1);
      expect(BigInt(dec[0].anonymous)).toBeLessThan(BigInt(nov[29].anonymous));
    } finally {
      clock = NOW;
    }
  });

  it("requires period to be the first day of a month", async () => {
    for (const q of ["", "?period=2026-11-02", "?period=2026-13-01", "?period=nov"]) {
      const r = await get(emu, `/usage/mtu/daily${q}`);
      expect(r.status, q).toBe(422);
      expect(r.json.errors[0].field).toBe("period");
    }
  });
});

describe("echo", () => {
  it("echoes the message without the Authorization header and honours its error switches", async () => {
    const ok = await get(emu, "/echo?message=hello");
    expect(ok.json.data).toMatchObject({ method: "get", message: "hello" });
    expect(ok.json.data.headers.authorization).toBeUndefined();
    expect((await get(emu, "/echo?message=x&triggerError=true")).status).toBe(400);
    expect((await get(emu, "/echo?message=x&triggerMultipleErrors=true")).json.errors).toHaveLength(2);
    expect((await get(emu, "/echo?message=x&triggerUnexpectedError=true")).status).toBe(500);
    expect((await get(emu, "/echo?message=x&statusCode=503")).status).toBe(503);
    expect((await get(emu, "/echo?message=x&statusCode=202")).status).toBe(202);
    const started = Date.now();
    expect((await get(emu, "/echo?message=x&delay=100")).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect((await get(emu, "/echo")).status).toBe(422);
  });
});
