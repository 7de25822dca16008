// The first four Delivery Overview steps of the emulated workspace (design §5, The pipeline): the
// ground-truth model and how its steps relate, then the routes over real HTTP against that truth per
// source or connection, minute and reason, with letter cases, the empty code, late data, pagination,
// faults and range limits.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createTruth,
  demoFixture,
  FILTERED_AT_DESTINATION,
  FILTERED_AT_SOURCE,
  INGEST_FAILED,
  type ReasonCount,
  type SegmentEmulator,
  type SegmentTruth,
  startSegmentEmulator,
} from "../../src/emulator/segment/index.js";
import { DAY, get, HOUR, iso, MIN, must, NOW } from "./segment-helpers.js";

const fixture = demoFixture();
const sources = fixture.sources;
const connections = fixture.destinations.map((d) => ({
  sourceId: d.sourceId,
  destinationId: d.id,
  enabled: d.enabled,
}));
const enabled = connections.filter((c) => c.enabled);

const sum = (counts: readonly ReasonCount[]) => counts.reduce((n, f) => n + f.count, 0);
/** (minute, reason as sent) → count. */
const truthCells = (counts: readonly ReasonCount[]) =>
  new Map(counts.map((f) => [`${iso(f.minuteMs)} ${f.reason}`, f.count]));
const perMinute = (counts: readonly ReasonCount[]) => {
  const out = new Map<number, number>();
  for (const f of counts) out.set(f.minuteMs, (out.get(f.minuteMs) ?? 0) + f.count);
  return out;
};

type Step = "failed-on-ingest" | "filtered-at-source" | "filtered-at-destination";
interface Target {
  sourceId: string;
  destinationId?: string;
}
/** The truth of one reason step for a source (or connection), as the routes must serve it. */
function stepTruth(t: SegmentTruth, step: Step, target: Target, start: number, end: number, at: number): ReasonCount[] {
  if (step === "failed-on-ingest") return t.ingestFailedByReason(target.sourceId, start, end, at);
  if (step === "filtered-at-source") return t.filteredAtSourceByReason(target.sourceId, start, end, at);
  return t.filteredAtDestinationByReason(target.sourceId, must(target.destinationId), start, end, at);
}
const targets = (step: Step): Target[] =>
  step === "filtered-at-destination" ? connections : sources.map((s) => ({ sourceId: s.id }));

describe("ground truth of the first pipeline steps", () => {
  it("receives exactly the event volume, minute by minute, for every source", () => {
    const t = createTruth(fixture);
    for (const s of sources) {
      for (let m = NOW - 30 * MIN; m < NOW; m += MIN) {
        expect(t.received(s.id, m, m + MIN, NOW)).toBe(t.eventVolume(s.id, m, m + MIN, NOW));
      }
      expect(t.received(s.id, NOW - 4 * HOUR, NOW, NOW)).toBe(t.eventVolume(s.id, NOW - 4 * HOUR, NOW, NOW));
      expect(t.received(s.id, NOW - MIN, NOW, NOW - 1)).toBe(0); // a minute counts once it has ended
    }
  });

  it("filters at the source a part of what was received, and at a destination a part of what is left", () => {
    const t = createTruth(fixture, { maxRetryDelayMs: 20 * MIN });
    const start = NOW - 2 * HOUR;
    let filtered = 0;
    // At the first read, while late counts are still coming, and once every one is in: a visible count
    // never exceeds its final one, so the bounds hold at every as-of time.
    for (const at of [NOW, NOW + 5 * MIN, NOW + HOUR]) {
      for (const s of sources) {
        const atSource = perMinute(t.filteredAtSourceByReason(s.id, start, NOW, at));
        const atDestination = connections
          .filter((c) => c.sourceId === s.id)
          .map((c) => perMinute(t.filteredAtDestinationByReason(s.id, c.destinationId, start, NOW, at)));
        for (let m = start; m < NOW; m += MIN) {
          const received = t.received(s.id, m, m + MIN, at);
          const reaching = received - (atSource.get(m) ?? 0);
          expect(reaching, `${s.slug} @${iso(m)}`).toBeGreaterThanOrEqual(0);
          for (const byMinute of atDestination) {
            expect(byMinute.get(m) ?? 0).toBeLessThanOrEqual(reaching);
            filtered += byMinute.get(m) ?? 0;
          }
        }
      }
    }
    expect(filtered).toBeGreaterThan(0);
  });

  it("fails a few percent on ingest, apart from what was received", () => {
    const t = createTruth(fixture);
    for (const s of sources) {
      const received = t.received(s.id, NOW - 4 * HOUR, NOW, NOW);
      const failed = sum(t.ingestFailedByReason(s.id, NOW - 4 * HOUR, NOW, NOW));
      expect(failed, s.slug).toBeGreaterThan(0);
      expect(failed, s.slug).toBeLessThan(received * 0.1);
      expect(sum(t.filteredAtSourceByReason(s.id, NOW - 4 * HOUR, NOW, NOW)), s.slug).toBeGreaterThan(0);
    }
  });

  it.each([
    ["failed-on-ingest", INGEST_FAILED.pool, ["EMPTY_BATCH", "empty_batch", "bad_request", "BAD_REQUEST", ""]],
    ["filtered-at-source", FILTERED_AT_SOURCE.pool, []],
    ["filtered-at-destination", FILTERED_AT_DESTINATION.pool, ["UNSUPPORTED_EVENT_TYPE", "unsupported_event_type", ""]],
  ] as const)("%s draws every code of its pool, the awkward ones included", (step, pool, awkward) => {
    const t = createTruth(fixture);
    for (const target of targets(step).filter((x) => !("enabled" in x) || x.enabled)) {
      const reasons = new Set(stepTruth(t, step, target, NOW - 4 * HOUR, NOW, NOW).map((f) => f.reason));
      for (const r of reasons) expect(pool.map((p) => p.reason)).toContain(r);
      for (const r of awkward) expect(reasons, `${step} ${JSON.stringify(r)}`).toContain(r);
      // A code the tag rules turn into `other`: a space, or over 64 characters.
      expect([...reasons].some((r) => r.includes(" ") || r.length > 64)).toBe(step !== "filtered-at-destination");
      expect(reasons.size).toBeGreaterThanOrEqual(pool.length - 2);
    }
  });

  it("is deterministic, adds up over adjacent windows and counts a minute only once it has ended", () => {
    const a = createTruth(fixture);
    const b = createTruth(demoFixture());
    for (const step of ["failed-on-ingest", "filtered-at-source", "filtered-at-destination"] as const) {
      for (const target of targets(step)) {
        const whole = stepTruth(a, step, target, NOW - HOUR, NOW, NOW);
        expect(stepTruth(b, step, target, NOW - HOUR, NOW, NOW)).toEqual(whole);
        const halves = [
          ...stepTruth(a, step, target, NOW - HOUR, NOW - 30 * MIN, NOW),
          ...stepTruth(a, step, target, NOW - 30 * MIN, NOW, NOW),
        ];
        expect(halves).toEqual(whole);
        expect(whole.every((f) => f.count > 0 && f.minuteMs >= NOW - HOUR && f.minuteMs < NOW)).toBe(true);
        expect(stepTruth(a, step, target, NOW - MIN, NOW, NOW - 1)).toEqual([]);
      }
    }
  });

  it("makes some counts visible only later, all in by the longest retry delay", () => {
    const t = createTruth(fixture, { maxRetryDelayMs: 20 * MIN });
    for (const step of ["failed-on-ingest", "filtered-at-source", "filtered-at-destination"] as const) {
      let grew = 0;
      for (const target of targets(step)) {
        const seen = [NOW, NOW + 5 * MIN, NOW + 20 * MIN, NOW + 5 * HOUR].map((at) =>
          sum(stepTruth(t, step, target, NOW - HOUR, NOW, at)),
        );
        expect(seen[1]).toBeGreaterThanOrEqual(seen[0] ?? 0);
        expect(seen[2]).toBeGreaterThanOrEqual(seen[1] ?? 0);
        expect(seen[3]).toBe(seen[2]);
        if ((seen[2] ?? 0) > (seen[0] ?? 0)) grew++;
      }
      expect(grew, step).toBeGreaterThan(0);
    }
  });

  it("filters nothing at a disabled destination and refuses unknown sources and connections", () => {
    const t = createTruth(fixture);
    const disabled = must(connections.find((c) => !c.enabled));
    expect(t.filteredAtDestinationByReason(disabled.sourceId, disabled.destinationId, NOW - HOUR, NOW, NOW)).toEqual(
      [],
    );
    expect(() => t.ingestFailedByReason("nope", NOW - HOUR, NOW, NOW)).toThrow();
    expect(() => t.filteredAtSourceByReason("nope", NOW - HOUR, NOW, NOW)).toThrow();
    const other = must(sources.find((s) => s.id !== disabled.sourceId));
    expect(() => t.filteredAtDestinationByReason(other.id, disabled.destinationId, NOW - HOUR, NOW, NOW)).toThrow();
  });

  it("leaves the delivery model's numbers as they were", () => {
    const t = createTruth(fixture);
    const c = must(enabled[0]);
    const before = t.deliverySummary(c.sourceId, c.destinationId, NOW - HOUR, NOW, NOW);
    const failed = t.failedByReason(c.sourceId, c.destinationId, NOW - HOUR, NOW, NOW);
    t.filteredAtDestinationByReason(c.sourceId, c.destinationId, NOW - HOUR, NOW, NOW);
    t.ingestFailedByReason(c.sourceId, NOW - HOUR, NOW, NOW);
    expect(t.deliverySummary(c.sourceId, c.destinationId, NOW - HOUR, NOW, NOW)).toEqual(before);
    expect(sum(failed)).toBe(before.discarded);
  });

  it("is fast enough for 30 days of DAY buckets", () => {
    const t = createTruth(fixture);
    const c = must(enabled[0]);
    const started = performance.now();
    t.filteredAtDestinationByReason(c.sourceId, c.destinationId, NOW - 30 * DAY, NOW, NOW);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

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

function stepPath(
  step: Step | "successfully-received",
  target: Target,
  opts: { start?: number; end?: number; granularity?: string; extra?: string } = {},
): string {
  const parts = [
    `sourceId=${target.sourceId}`,
    ...(target.destinationId ? [`destinationConfigId=${target.destinationId}`] : []),
    `startTime=${encodeURIComponent(iso(opts.start ?? NOW - HOUR))}`,
    `endTime=${encodeURIComponent(iso(opts.end ?? NOW))}`,
    `granularity=${opts.granularity ?? "MINUTE"}`,
  ];
  if (opts.extra) parts.push(opts.extra);
  return `/delivery-overview/${step}?${parts.join("&")}`;
}

interface Dataset {
  discardReason?: string;
  total: number;
  series: Array<{ time: string; count: number }>;
}
function servedCells(dataset: readonly Dataset[]) {
  const out = new Map<string, number>();
  for (const e of dataset) for (const p of e.series) if (p.count > 0) out.set(`${p.time} ${e.discardReason}`, p.count);
  return out;
}

const STEPS: Step[] = ["failed-on-ingest", "filtered-at-source", "filtered-at-destination"];

describe("GET /delivery-overview/{failed-on-ingest,filtered-at-source,filtered-at-destination}", () => {
  it.each(STEPS)("%s answers the truth per source or connection, minute and reason", async (step) => {
    for (const target of targets(step)) {
      const r = await get(emu, stepPath(step, target, { extra: "groupBy=discardReason" }), {
        accept: "application/vnd.segment.v1beta+json",
      });
      expect(r.status).toBe(200);
      const data = r.json.data as { total: number; dataset: Dataset[]; pagination: { current: string } };
      const truth = stepTruth(emu.truth, step, target, NOW - HOUR, NOW, NOW);
      expect(servedCells(data.dataset)).toEqual(truthCells(truth));
      expect(data.total).toBe(sum(truth));
      for (const e of data.dataset) {
        expect(e.series).toHaveLength(60);
        expect(e.total).toBe(e.series.reduce((n, p) => n + p.count, 0));
      }
      expect(new Set(data.dataset.map((e) => e.discardReason)).size).toBe(data.dataset.length);
      expect(data.dataset.map((e) => e.total)).toEqual([...data.dataset.map((e) => e.total)].sort((a, b) => b - a));
      expect(data.pagination.current).toBe("MA==");
    }
  });

  it("serves codes that differ only in letter case as separate entries, and the empty code as an empty string", async () => {
    const reasons = new Set<string>();
    for (const s of sources) {
      const r = await get(
        emu,
        stepPath("failed-on-ingest", { sourceId: s.id }, { start: NOW - 4 * HOUR, extra: "groupBy=discardReason" }),
      );
      for (const e of r.json.data.dataset as Dataset[]) reasons.add(must(e.discardReason, "discardReason"));
    }
    for (const code of ["EMPTY_BATCH", "empty_batch", "BAD_REQUEST", "bad_request", ""])
      expect(reasons).toContain(code);
    expect([...reasons].some((r) => r.includes(" "))).toBe(true);
    const fromSource = await get(
      emu,
      stepPath(
        "filtered-at-source",
        { sourceId: must(sources[0]).id },
        { start: NOW - 4 * HOUR, extra: "groupBy=discardReason" },
      ),
    );
    expect((fromSource.json.data.dataset as Dataset[]).some((e) => (e.discardReason ?? "").length > 64)).toBe(true);
  });

  it.each(STEPS)(
    "%s answers one ungrouped entry with the same total, and narrows to filter.discardReason",
    async (step) => {
      const target = must(targets(step)[0]);
      const grouped = (await get(emu, stepPath(step, target, { extra: "groupBy=discardReason" }))).json.data;
      const plain = (await get(emu, stepPath(step, target))).json.data;
      expect(plain.dataset).toHaveLength(1);
      expect(plain.dataset[0].discardReason).toBeUndefined();
      expect(plain.total).toBe(grouped.total);
      const one = must((grouped.dataset as Dataset[])[0]).discardReason ?? "";
      const filtered = await get(
        emu,
        stepPath(step, target, {
          extra: `groupBy=discardReason&filter%5BdiscardReason%5D%5B0%5D=${encodeURIComponent(one)}`,
        }),
      );
      expect((filtered.json.data.dataset as Dataset[]).map((e) => e.discardReason)).toEqual([one]);
    },
  );

  it.each(STEPS)("%s accepts the other dimensions beside discardReason, without splitting by them", async (step) => {
    const target = must(targets(step)[0]);
    const reference = (await get(emu, stepPath(step, target, { extra: "groupBy=discardReason" }))).json.data;
    const r = await get(
      emu,
      stepPath(step, target, {
        extra: "groupBy%5B0%5D=discardReason&groupBy%5B1%5D=eventType&filter%5BeventName%5D%5B0%5D=Identify",
      }),
    );
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual(reference);
  });

  it.each(STEPS)("%s serves HOUR buckets that add up the truth's minutes", async (step) => {
    const target = must(targets(step)[1]);
    const r = await get(emu, stepPath(step, target, { start: NOW - 20 * HOUR, granularity: "HOUR" }));
    expect(r.status).toBe(200);
    const series = r.json.data.dataset[0].series as Dataset["series"];
    expect(series).toHaveLength(20);
    for (const p of series) {
      const start = Date.parse(p.time);
      expect(p.count).toBe(sum(stepTruth(emu.truth, step, target, start, start + HOUR, NOW)));
    }
  });

  it.each(STEPS)("%s pages the reasons with a cursor, each exactly once", async (step) => {
    const target = must(targets(step)[0]);
    const base = stepPath(step, target, { start: NOW - 2 * HOUR, extra: "groupBy=discardReason" });
    const all = (await get(emu, base)).json.data as { total: number; dataset: Dataset[] };
    expect(all.dataset.length).toBeGreaterThanOrEqual(4);
    const seen: Dataset[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await get(emu, `${base}&pagination.count=3${cursor ? `&pagination.cursor=${cursor}` : ""}`);
      expect(r.status).toBe(200);
      expect(r.json.data.total).toBe(all.total);
      seen.push(...r.json.data.dataset);
      cursor = r.json.data.pagination.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(all.dataset.length / 3));
    expect(seen).toEqual(all.dataset);
  });

  it.each([
    ["MINUTE over 4h", NOW - 4 * HOUR - MIN, NOW, "MINUTE", "endTime"],
    ["MINUTE older than 48h", NOW - 48 * HOUR - MIN, NOW - 47 * HOUR, "MINUTE", "startTime"],
    ["HOUR over 14d", NOW - 14 * DAY - HOUR, NOW, "HOUR", "endTime"],
    ["DAY older than 30d", NOW - 31 * DAY, NOW, "DAY", "startTime"],
  ])("rejects %s with 422 on every step", async (_name, start, end, granularity, field) => {
    for (const step of [...STEPS, "successfully-received"] as const) {
      const target = step === "filtered-at-destination" ? must(connections[0]) : { sourceId: must(sources[0]).id };
      const r = await get(emu, stepPath(step, target, { start, end, granularity }));
      expect(r.status, step).toBe(422);
      expect(r.json.errors[0].field).toBe(field);
    }
  });

  it("accepts the Delivery Overview's longer ranges: HOUR over 14 days, DAY over 30", async () => {
    for (const step of STEPS) {
      const target = must(targets(step)[0]);
      expect((await get(emu, stepPath(step, target, { start: NOW - 14 * DAY, granularity: "HOUR" }))).status).toBe(200);
      expect((await get(emu, stepPath(step, target, { start: NOW - 30 * DAY, granularity: "DAY" }))).status).toBe(200);
    }
  });

  it("answers 404 for an unknown source or an unconnected destination, 422 for a wrong groupBy", async () => {
    expect((await get(emu, stepPath("failed-on-ingest", { sourceId: "nope" }))).status).toBe(404);
    const ios = must(sources[1]);
    const webDestination = must(connections[0]);
    const unconnected = await get(
      emu,
      stepPath("filtered-at-destination", { sourceId: ios.id, destinationId: webDestination.destinationId }),
    );
    expect(unconnected.status).toBe(404);
    const noDestination = await get(emu, stepPath("filtered-at-destination", { sourceId: ios.id }));
    expect(noDestination.status).toBe(422);
    expect(noDestination.json.errors[0].field).toBe("destinationConfigId");
    // successfully-received has no reasons (reference §3.G: G1 groups by event name, type, app version).
    const received = await get(
      emu,
      stepPath("successfully-received", { sourceId: ios.id }, { extra: "groupBy=discardReason" }),
    );
    expect(received.status).toBe(422);
    expect(received.json.errors[0].field).toBe("groupBy");
  });

  it.each(STEPS)("%s goes through the fault injector", async (step) => {
    emu.faults.queue("503-html", 1, `delivery-overview-${step}`);
    const path = stepPath(step, must(targets(step)[0]));
    expect((await get(emu, path)).status).toBe(503);
    expect((await get(emu, path)).status).toBe(200);
    expect(emu.requests.map((r) => r.fault)).toEqual(["503-html", undefined]);
    expect(emu.deliveryOverviewRequests({ step })).toBe(2);
  });

  it("exposes the truth over HTTP for tools outside the process", async () => {
    for (const step of STEPS) {
      const target = must(targets(step)[0]);
      const dest = target.destinationId ? `&destinationConfigId=${target.destinationId}` : "";
      const r = await fetch(
        `${emu.url}/_emulator/truth/${step}?sourceId=${target.sourceId}${dest}&startTime=${iso(NOW - HOUR)}&endTime=${iso(NOW)}`,
      );
      const body = (await r.json()) as { data: { counts: Array<{ time: string; reason: string; count: number }> } };
      const truth = stepTruth(emu.truth, step, target, NOW - HOUR, NOW, NOW);
      expect(body.data.counts).toEqual(truth.map((f) => ({ time: iso(f.minuteMs), reason: f.reason, count: f.count })));
    }
    expect((await fetch(`${emu.url}/_emulator/truth/failed-on-ingest?sourceId=nope`)).status).toBe(404);
    const unknownStep = await fetch(`${emu.url}/_emulator/truth/toString?sourceId=${must(sources[0]).id}`);
    expect(unknownStep.status).toBe(404);
    const unconnected = `sourceId=${must(sources[1]).id}&destinationConfigId=${must(connections[0]).destinationId}`;
    expect((await fetch(`${emu.url}/_emulator/truth/filtered-at-destination?${unconnected}`)).status).toBe(404);
  });
});

describe("GET /delivery-overview/successfully-received", () => {
  it("answers the event volume per minute, for every source", async () => {
    for (const s of sources) {
      const r = await get(emu, stepPath("successfully-received", { sourceId: s.id }));
      expect(r.status).toBe(200);
      const [entry, ...rest] = r.json.data.dataset as Dataset[];
      expect(rest).toEqual([]);
      expect(must(entry).discardReason).toBeUndefined();
      for (const p of must(entry).series) {
        const start = Date.parse(p.time);
        expect(p.count).toBe(emu.truth.eventVolume(s.id, start, start + MIN, NOW));
      }
      expect(r.json.data.total).toBe(emu.truth.received(s.id, NOW - HOUR, NOW, NOW));
    }
  });
});

describe("late data over HTTP", () => {
  it("serves the counts visible at the data clock, growing as it advances", async () => {
    let clock = NOW;
    const late = await startSegmentEmulator({ now: () => clock, maxRetryDelayMs: 20 * MIN });
    try {
      for (const step of STEPS) {
        // A source or connection with late counts in the window (the truth's own test shows some have).
        const grows = (x: Target) =>
          sum(stepTruth(late.truth, step, x, NOW - 30 * MIN, NOW, NOW + 20 * MIN)) >
          sum(stepTruth(late.truth, step, x, NOW - 30 * MIN, NOW, NOW));
        const target = must(targets(step).find(grows), `${step} target with late counts`);
        const path = stepPath(step, target, { start: NOW - 30 * MIN, end: NOW, extra: "groupBy=discardReason" });
        const read = async () => (await get(late, path)).json.data as { total: number; dataset: Dataset[] };
        clock = NOW;
        const first = await read();
        clock = NOW + 20 * MIN;
        const settled = await read();
        expect(settled.total, step).toBeGreaterThan(first.total);
        for (const [data, at] of [
          [first, NOW],
          [settled, NOW + 20 * MIN],
        ] as const) {
          expect(servedCells(data.dataset)).toEqual(
            truthCells(stepTruth(late.truth, step, target, NOW - 30 * MIN, NOW, at)),
          );
        }
      }
    } finally {
      await late.close();
    }
  });
});
