// The emulated Delivery Overview (reference §3.G) over real HTTP: its ground truth of failed
// deliveries by reason, every groupBy encoding, range limits, 404/403, pagination, faults, counters.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createTruth,
  DELIVERY_OVERVIEW_STEPS,
  DISCARD_REASONS,
  demoFixture,
  type SegmentEmulator,
  startSegmentEmulator,
} from "../../src/emulator/segment/index.js";
import { DAY, get, HOUR, iso, MIN, must, NOW } from "./segment-helpers.js";

let emu: SegmentEmulator;

beforeAll(async () => {
  emu = await startSegmentEmulator({ now: () => NOW });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.faults.clear();
  emu.resetRequests();
  emu.setDeliveryOverview(true);
});

const fixture = demoFixture();
const connections = fixture.destinations.map((d) => ({
  sourceId: d.sourceId,
  destinationId: d.id,
  enabled: d.enabled,
}));
const web = () => must(emu.fixture.sources[0]);
const mixpanelWeb = () => must(emu.fixture.destinations[0]);
const braze = () => must(emu.fixture.destinations.find((d) => d.catalog.slug === "braze"));

function failedPath(opts: {
  sourceId?: string;
  destinationId?: string;
  start?: number;
  end?: number;
  granularity?: string;
  extra?: string;
}): string {
  const parts = [
    `sourceId=${opts.sourceId ?? web().id}`,
    `destinationConfigId=${opts.destinationId ?? mixpanelWeb().id}`,
    `startTime=${encodeURIComponent(iso(opts.start ?? NOW - HOUR))}`,
    `endTime=${encodeURIComponent(iso(opts.end ?? NOW))}`,
    `granularity=${opts.granularity ?? "MINUTE"}`,
  ];
  if (opts.extra) parts.push(opts.extra);
  return `/delivery-overview/failed-delivery?${parts.join("&")}`;
}

interface Dataset {
  discardReason?: string;
  total: number;
  series: Array<{ time: string; count: number }>;
}

describe("ground truth of failed deliveries by reason", () => {
  it("adds up per minute exactly to the summary's discarded, for every connection", () => {
    const truth = createTruth(fixture);
    truth.setHealth(braze().id, "failing", NOW - 2 * HOUR);
    let minutesWithSeveral = 0;
    for (const c of connections) {
      const failed = truth.failedByReason(c.sourceId, c.destinationId, NOW - 3 * HOUR, NOW, NOW);
      const byMinute = new Map<number, number>();
      for (const f of failed) byMinute.set(f.minuteMs, (byMinute.get(f.minuteMs) ?? 0) + f.count);
      const reasonsPerMinute = new Map<number, number>();
      for (const f of failed) reasonsPerMinute.set(f.minuteMs, (reasonsPerMinute.get(f.minuteMs) ?? 0) + 1);
      minutesWithSeveral += [...reasonsPerMinute.values()].filter((n) => n > 1).length;
      for (let m = NOW - 3 * HOUR; m < NOW; m += MIN) {
        const discarded = truth.deliverySummary(c.sourceId, c.destinationId, m, m + MIN, NOW).discarded;
        expect(byMinute.get(m) ?? 0, `${c.destinationId} at ${iso(m)}`).toBe(discarded);
      }
      if (!c.enabled) expect(failed).toEqual([]);
      expect(failed.every((f) => f.count > 0)).toBe(true);
    }
    expect(minutesWithSeveral).toBeGreaterThan(10);
  });

  it("draws reasons from the reference's codes, the timeout in two letter cases, deterministically", () => {
    const truth = createTruth(fixture);
    truth.setHealth(braze().id, "failing");
    const failed = truth.failedByReason(braze().sourceId, braze().id, NOW - 4 * HOUR, NOW, NOW);
    const reasons = new Set(failed.map((f) => f.reason));
    expect(reasons).toContain("ETIMEDOUT");
    expect(reasons).toContain("etimedout");
    for (const r of reasons) expect([...DISCARD_REASONS, "ETIMEDOUT", "etimedout"]).toContain(r);
    expect(reasons.size).toBeGreaterThanOrEqual(3);
    const again = createTruth(demoFixture());
    again.setHealth(braze().id, "failing");
    expect(again.failedByReason(braze().sourceId, braze().id, NOW - 4 * HOUR, NOW, NOW)).toEqual(failed);
  });

  it("counts a minute only once it has ended", () => {
    const truth = createTruth(fixture);
    truth.setHealth(braze().id, "failing");
    expect(truth.failedByReason(braze().sourceId, braze().id, NOW - MIN, NOW, NOW - 1)).toEqual([]);
    expect(truth.failedByReason(braze().sourceId, braze().id, NOW - MIN, NOW, NOW).length).toBeGreaterThan(0);
  });
});

describe("GET /delivery-overview/failed-delivery", () => {
  it("answers the truth per minute and reason, with Segment's response shape", async () => {
    emu.setHealth(braze().id, "failing");
    try {
      const r = await get(
        emu,
        failedPath({ sourceId: braze().sourceId, destinationId: braze().id, extra: "groupBy=discardReason" }),
        { accept: "application/vnd.segment.v1beta+json" },
      );
      expect(r.status).toBe(200);
      const data = r.json.data as { total: number; dataset: Dataset[]; pagination: { current: string } };
      expect(data.pagination.current).toBe("MA==");
      const truth = emu.truth.failedByReason(braze().sourceId, braze().id, NOW - HOUR, NOW, NOW);
      const expected = new Map<string, number>();
      for (const f of truth) expected.set(`${iso(f.minuteMs)} ${f.reason}`, f.count);
      const served = new Map<string, number>();
      for (const e of data.dataset) {
        expect(e.series).toHaveLength(60);
        expect(e.total).toBe(e.series.reduce((n, p) => n + p.count, 0));
        for (const p of e.series) if (p.count > 0) served.set(`${p.time} ${e.discardReason}`, p.count);
      }
      expect(served).toEqual(expected);
      expect(data.total).toBe(truth.reduce((n, f) => n + f.count, 0));
      expect(data.dataset.map((e) => e.total)).toEqual([...data.dataset.map((e) => e.total)].sort((a, b) => b - a));
    } finally {
      emu.setHealth(braze().id, "healthy");
    }
  });

  it.each([
    ["repeated keys", "groupBy=discardReason&groupBy=eventName"],
    ["comma-joined", "groupBy=discardReason,eventName"],
    ["bracket index (TypeScript SDK)", "groupBy%5B0%5D=discardReason&groupBy%5B1%5D=eventName"],
    ["dot index (docs, Go SDK)", "groupBy.0=discardReason&groupBy.1=eventName"],
    ["empty brackets", "groupBy[]=discardReason&groupBy[]=eventName"],
    ["JSON", `groupBy=${encodeURIComponent('["discardReason","eventName"]')}`],
  ])("reads groupBy as %s", async (_name, encoded) => {
    const reference = await get(emu, failedPath({ extra: "groupBy=discardReason" }));
    const r = await get(emu, failedPath({ extra: encoded }));
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual(reference.json.data);
    expect((r.json.data.dataset as Dataset[]).every((e) => typeof e.discardReason === "string")).toBe(true);
  });

  it("answers one ungrouped entry, and narrows to filter.discardReason", async () => {
    const grouped = (await get(emu, failedPath({ extra: "groupBy=discardReason" }))).json.data;
    const plain = (await get(emu, failedPath({}))).json.data;
    expect(plain.dataset).toHaveLength(1);
    expect(plain.dataset[0].discardReason).toBeUndefined();
    expect(plain.total).toBe(grouped.total);
    const one = (grouped.dataset as Dataset[])[0]?.discardReason ?? "";
    const filtered = await get(
      emu,
      failedPath({ extra: `groupBy=discardReason&filter%5BdiscardReason%5D%5B0%5D=${one}` }),
    );
    expect((filtered.json.data.dataset as Dataset[]).map((e) => e.discardReason)).toEqual([one]);
  });

  it("serves HOUR and DAY series and the pre-2024 lowercase granularity", async () => {
    const hour = await get(emu, failedPath({ start: NOW - 20 * HOUR, granularity: "HOUR" }));
    expect(hour.status).toBe(200);
    expect(hour.json.data.dataset[0].series).toHaveLength(20);
    const minutes = emu.truth.failedByReason(web().id, mixpanelWeb().id, NOW - 20 * HOUR, NOW, NOW);
    expect(hour.json.data.total).toBe(minutes.reduce((n, f) => n + f.count, 0));
    const lower = await get(emu, failedPath({ start: NOW - 20 * HOUR, granularity: "hour" }));
    expect(lower.json.data).toEqual(hour.json.data);
    const day = await get(emu, failedPath({ start: NOW - 3 * DAY, granularity: "DAY" }));
    // Buckets are epoch-aligned and clipped: three days from noon touch four UTC days.
    expect((day.json.data.dataset[0].series as Dataset["series"]).map((p) => p.time.slice(11))).toEqual(
      Array(4).fill("00:00:00Z"),
    );
  });

  it.each([
    ["MINUTE over 4h", NOW - 4 * HOUR - MIN, NOW, "MINUTE", "endTime"],
    ["MINUTE older than 48h", NOW - 48 * HOUR - MIN, NOW - 47 * HOUR, "MINUTE", "startTime"],
    ["HOUR over 14d", NOW - 14 * DAY - HOUR, NOW, "HOUR", "endTime"],
    ["HOUR older than 30d", NOW - 30 * DAY - HOUR, NOW - 29 * DAY, "HOUR", "startTime"],
    ["DAY older than 30d", NOW - 31 * DAY, NOW, "DAY", "startTime"],
    ["end before start", NOW, NOW - HOUR, "MINUTE", "endTime"],
  ])("rejects %s with 422 and Segment's error envelope", async (_name, start, end, granularity, field) => {
    const r = await get(emu, failedPath({ start, end, granularity }));
    expect(r.status).toBe(422);
    expect(r.json).toEqual({ errors: [{ type: "ValidationFailure", message: expect.any(String), field }] });
  });

  it.each([
    ["MINUTE 4h at the 48h edge", NOW - 48 * HOUR, NOW - 44 * HOUR, "MINUTE"],
    ["HOUR 14d", NOW - 14 * DAY, NOW, "HOUR"],
    ["HOUR at the 30d edge", NOW - 30 * DAY, NOW - 29 * DAY, "HOUR"],
    ["DAY 30d", NOW - 30 * DAY, NOW, "DAY"],
  ])("accepts %s (longer than the summary's limits)", async (_name, start, end, granularity) => {
    expect((await get(emu, failedPath({ start, end, granularity }))).status).toBe(200);
  });

  it("answers 404 for an unknown or unconnected connection and 422 without a destination", async () => {
    const unknown = await get(emu, failedPath({ destinationId: "nope" }));
    expect(unknown.status).toBe(404);
    expect(unknown.json.errors[0].type).toBe("NotFound");
    expect((await get(emu, failedPath({ sourceId: "nope" }))).status).toBe(404);
    const ios = must(emu.fixture.sources[1]);
    expect((await get(emu, failedPath({ sourceId: ios.id }))).status).toBe(404);
    const none = await get(
      emu,
      `/delivery-overview/failed-delivery?sourceId=${web().id}&startTime=${iso(NOW - HOUR)}&endTime=${iso(NOW)}&granularity=MINUTE`,
    );
    expect(none.status).toBe(422);
    expect(none.json.errors[0].field).toBe("destinationConfigId");
    const badGroup = await get(emu, failedPath({ extra: "groupBy=color" }));
    expect(badGroup.status).toBe(422);
    expect(badGroup.json.errors[0].field).toBe("groupBy");
  });

  it("pages the dataset with a cursor, every reason exactly once", async () => {
    emu.setHealth(braze().id, "failing");
    try {
      const base = failedPath({
        sourceId: braze().sourceId,
        destinationId: braze().id,
        extra: "groupBy=discardReason",
      });
      const all = (await get(emu, base)).json.data as { total: number; dataset: Dataset[] };
      expect(all.dataset.length).toBeGreaterThanOrEqual(3);
      const seen: Dataset[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const r = await get(emu, `${base}&pagination.count=1${cursor ? `&pagination.cursor=${cursor}` : ""}`);
        expect(r.status).toBe(200);
        expect(r.json.data.total).toBe(all.total); // the whole answer's total on every page
        seen.push(...r.json.data.dataset);
        cursor = r.json.data.pagination.next;
        pages++;
      } while (cursor);
      expect(pages).toBe(all.dataset.length);
      expect(seen).toEqual(all.dataset);
    } finally {
      emu.setHealth(braze().id, "healthy");
    }
  });

  it("is beta only: 406 for a v1 Accept", async () => {
    expect((await get(emu, failedPath({}), { accept: "application/vnd.segment.v1+json" })).status).toBe(406);
    expect((await get(emu, failedPath({}), { accept: "application/json" })).status).toBe(200);
  });
});

describe("switches, faults and counters", () => {
  it("answers 403 on every step when the workspace may not use Delivery Overview", async () => {
    emu.setDeliveryOverview(false);
    const r = await get(emu, failedPath({}));
    expect(r.status).toBe(403);
    expect(r.json).toEqual({ errors: [{ type: "Forbidden", message: expect.any(String) }] });
    for (const step of DELIVERY_OVERVIEW_STEPS) {
      expect((await get(emu, `/delivery-overview/${step}?sourceId=${web().id}`)).status).toBe(403);
    }
    expect((await get(emu, "/sources")).status).toBe(200);
    emu.setDeliveryOverview(true);
    expect((await get(emu, failedPath({}))).status).toBe(200);
  });

  it("answers 404 on every step in not-found mode, as an API without the endpoint", async () => {
    emu.setDeliveryOverview("not-found");
    for (const step of DELIVERY_OVERVIEW_STEPS) {
      const r = await get(emu, `/delivery-overview/${step}?sourceId=${web().id}`);
      expect(r.status).toBe(404);
      expect(r.json.errors[0].type).toBe("NotFound");
    }
  });

  it("takes the switch from the fixture too", async () => {
    const off = await startSegmentEmulator({ now: () => NOW, fixture: { ...demoFixture(), deliveryOverview: false } });
    try {
      expect((await get(off, failedPath({}))).status).toBe(403);
    } finally {
      await off.close();
    }
  });

  it("applies the fault injector to Delivery Overview routes", async () => {
    emu.faults.queue("503-html", 1, "delivery-overview-failed-delivery");
    expect((await get(emu, failedPath({}))).status).toBe(503);
    expect((await get(emu, failedPath({}))).status).toBe(200);
    expect(emu.requests.map((r) => r.fault)).toEqual(["503-html", undefined]);
  });

  it("counts Delivery Overview requests per step and connection", async () => {
    const ios = must(emu.fixture.sources[1]);
    const amplitude = must(emu.fixture.destinations.find((d) => d.sourceId === ios.id));
    await get(emu, failedPath({}));
    await get(emu, failedPath({}));
    await get(emu, failedPath({ sourceId: ios.id, destinationId: amplitude.id }));
    await get(emu, `/delivery-overview/successful-delivery?sourceId=${web().id}`);
    expect(emu.deliveryOverviewRequests()).toBe(4);
    expect(emu.deliveryOverviewRequests({ step: "failed-delivery" })).toBe(3);
    expect(emu.deliveryOverviewRequests({ step: "failed-delivery", destinationConfigId: mixpanelWeb().id })).toBe(2);
    expect(emu.deliveryOverviewRequests({ destinationConfigId: amplitude.id })).toBe(1);
    expect(emu.deliveryOverviewRequests({ sourceId: web().id })).toBe(3);
  });

  it("exposes the truth over HTTP for tools outside the process", async () => {
    const r = await fetch(
      `${emu.url}/_emulator/truth/failed-delivery?sourceId=${web().id}&destinationConfigId=${mixpanelWeb().id}&startTime=${iso(NOW - HOUR)}&endTime=${iso(NOW)}`,
    );
    const body = (await r.json()) as { data: { failed: Array<{ time: string; reason: string; count: number }> } };
    const truth = emu.truth.failedByReason(web().id, mixpanelWeb().id, NOW - HOUR, NOW, NOW);
    expect(body.data.failed).toEqual(truth.map((f) => ({ time: iso(f.minuteMs), reason: f.reason, count: f.count })));
  });
});

describe("the other steps", () => {
  const window = `startTime=${encodeURIComponent(iso(NOW - HOUR))}&endTime=${encodeURIComponent(iso(NOW))}&granularity=MINUTE`;

  it("successful-delivery carries the summary's successes, successfully-received the event volume", async () => {
    const ok = await get(
      emu,
      `/delivery-overview/successful-delivery?sourceId=${web().id}&destinationConfigId=${mixpanelWeb().id}&${window}`,
    );
    expect(ok.json.data.total).toBe(
      emu.truth.deliverySummary(web().id, mixpanelWeb().id, NOW - HOUR, NOW, NOW).successes,
    );
    const received = await get(emu, `/delivery-overview/successfully-received?sourceId=${web().id}&${window}`);
    expect(received.json.data.total).toBe(emu.truth.eventVolume(web().id, NOW - HOUR, NOW, NOW));
  });

  // Their ground truth by reason is tested in segment-pipeline.test.ts.
  it.each(["failed-on-ingest", "filtered-at-source"])("%s needs no destination and serves the truth", async (step) => {
    const r = await get(emu, `/delivery-overview/${step}?sourceId=${web().id}&${window}`);
    expect(r.status).toBe(200);
    const truth =
      step === "failed-on-ingest"
        ? emu.truth.ingestFailedByReason(web().id, NOW - HOUR, NOW, NOW)
        : emu.truth.filteredAtSourceByReason(web().id, NOW - HOUR, NOW, NOW);
    expect(r.json.data.total).toBe(truth.reduce((n, f) => n + f.count, 0));
    expect(r.json.data.total).toBeGreaterThan(0);
    expect(r.json.data.dataset[0].series).toHaveLength(60);
  });

  it("filtered-at-destination needs a destination", async () => {
    const r = await get(emu, `/delivery-overview/filtered-at-destination?sourceId=${web().id}&${window}`);
    expect(r.status).toBe(422);
    expect(r.json.errors[0].field).toBe("destinationConfigId");
  });
});
