// A client nobody here wrote: Segment's own TypeScript SDK reads the emulated Delivery Overview, the
// failed-delivery step and the first four pipeline steps.
// Its `configureApis` has no Delivery Overview client, so `DeliveryOverviewApi` is built directly,
// with the emulator as its base path (the SDK appends `/delivery-overview/failed-delivery` to it).
// The npm release (47.0.0) predates April 2024: it sends the granularity in lowercase, a required
// `pagination[count]`, and arrays as `groupBy[0]` through `request`'s qs encoding.
import { DeliveryOverviewApi } from "@segment/public-api-sdk-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoFixture, type SegmentEmulator, startSegmentEmulator } from "../../src/emulator/segment/index.js";
import { HOUR, iso, must, NOW } from "./segment-helpers.js";

let emu: SegmentEmulator;
beforeAll(async () => {
  emu = await startSegmentEmulator({ now: () => NOW, fixture: demoFixture() });
});
afterAll(() => emu.close());

describe("@segment/public-api-sdk-typescript against the emulator", () => {
  it("reads failed-delivery by reason and gets the ground truth", async () => {
    const braze = must(emu.fixture.destinations.find((d) => d.catalog.slug === "braze"));
    emu.setHealth(braze.id, "failing");
    const api = new DeliveryOverviewApi(emu.url);
    api.accessToken = emu.token;
    const { body } = await api.getEgressFailedMetricsFromDeliveryOverview(
      braze.sourceId,
      braze.id,
      iso(NOW - 2 * HOUR),
      iso(NOW),
      "minute",
      { count: 1000 },
      ["discardReason"],
    );
    const sent = must(emu.requests.at(-1));
    expect(sent.route).toBe("delivery-overview-failed-delivery");
    expect(sent.query).toContain("groupBy%5B0%5D=discardReason");
    expect(sent.query).toContain("pagination%5Bcount%5D=1000");
    expect(sent.accept).toBe("application/json");

    const data = must(body.data);
    const served = new Map<string, number>();
    for (const entry of data.dataset) {
      for (const p of entry.series) if (p.count > 0) served.set(`${p.time} ${entry.discardReason}`, p.count);
    }
    const truth = emu.truth.failedByReason(braze.sourceId, braze.id, NOW - 2 * HOUR, NOW, NOW);
    expect(truth.length).toBeGreaterThan(100);
    expect(served).toEqual(new Map(truth.map((f) => [`${iso(f.minuteMs)} ${f.reason}`, f.count])));
    expect(data.total).toBe(truth.reduce((n, f) => n + f.count, 0));
    expect(data.pagination.next).toBeUndefined();
  });

  it("reads the first four pipeline steps, each equal to the ground truth", async () => {
    const api = new DeliveryOverviewApi(emu.url);
    api.accessToken = emu.token;
    const [start, end] = [iso(NOW - 2 * HOUR), iso(NOW)];
    const byReason = ["discardReason"];
    const page = { count: 1000 };
    const cells = (dataset: Array<{ discardReason?: string; series: Array<{ time: string; count: number }> }>) => {
      const out = new Map<string, number>();
      for (const e of dataset)
        for (const p of e.series) if (p.count > 0) out.set(`${p.time} ${e.discardReason}`, p.count);
      return out;
    };
    const truthCells = (counts: Array<{ minuteMs: number; reason: string; count: number }>) =>
      new Map(counts.map((f) => [`${iso(f.minuteMs)} ${f.reason}`, f.count]));
    const lastQuery = () => must(emu.requests.at(-1)).query;

    for (const source of emu.fixture.sources) {
      const received = must(
        (await api.getIngressSuccessMetricsFromDeliveryOverview(source.id, start, end, "minute", page)).body.data,
      );
      expect(must(emu.requests.at(-1)).route).toBe("delivery-overview-successfully-received");
      expect(received.dataset).toHaveLength(1);
      for (const p of must(received.dataset[0]).series) {
        const t = Date.parse(p.time);
        expect(p.count).toBe(emu.truth.received(source.id, t, t + 60_000, NOW));
      }
      expect(received.total).toBe(emu.truth.received(source.id, NOW - 2 * HOUR, NOW, NOW));

      const ingest = must(
        (await api.getIngressFailedMetricsFromDeliveryOverview(source.id, start, end, "minute", page, byReason)).body
          .data,
      );
      expect(lastQuery()).toContain("groupBy%5B0%5D=discardReason");
      const ingestTruth = emu.truth.ingestFailedByReason(source.id, NOW - 2 * HOUR, NOW, NOW);
      expect(ingestTruth.length).toBeGreaterThan(20);
      expect(cells(ingest.dataset)).toEqual(truthCells(ingestTruth));

      const atSource = must(
        (await api.getFilteredAtSourceMetricsFromDeliveryOverview(source.id, start, end, "minute", page, byReason)).body
          .data,
      );
      expect(cells(atSource.dataset)).toEqual(
        truthCells(emu.truth.filteredAtSourceByReason(source.id, NOW - 2 * HOUR, NOW, NOW)),
      );
    }

    for (const d of emu.fixture.destinations) {
      const { body } = await api.getFilteredAtDestinationMetricsFromDeliveryOverview(
        d.sourceId,
        d.id,
        start,
        end,
        "minute",
        page,
        byReason,
      );
      const sent = must(emu.requests.at(-1));
      expect(sent.route).toBe("delivery-overview-filtered-at-destination");
      expect(sent.query).toContain(`destinationConfigId=${d.id}`);
      const truth = emu.truth.filteredAtDestinationByReason(d.sourceId, d.id, NOW - 2 * HOUR, NOW, NOW);
      expect(cells(must(body.data).dataset)).toEqual(truthCells(truth));
      expect(must(body.data).total).toBe(truth.reduce((n, f) => n + f.count, 0));
      expect(must(body.data).pagination.next).toBeUndefined();
    }
  });

  it("gets Segment's error envelope as the SDK's HttpError for an unknown connection", async () => {
    const api = new DeliveryOverviewApi(emu.url);
    api.accessToken = emu.token;
    const source = must(emu.fixture.sources[0]);
    const error = (await api
      .getEgressFailedMetricsFromDeliveryOverview(source.id, "nope", iso(NOW - HOUR), iso(NOW), "minute", { count: 10 })
      .catch((e: unknown) => e)) as { statusCode?: number; body?: { errors?: Array<{ type: string }> } };
    expect(error.statusCode).toBe(404);
    expect(error.body?.errors?.[0]?.type).toBe("NotFound");
  });
});
