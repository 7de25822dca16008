// The Delivery Overview client over real HTTP against the emulator: what crosses the wire, pages
// followed to the end, the ground truth under faults, and the errors a caller has to tell apart.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { listen, sendJson } from "../../src/emulator/http.js";
import { demoFixture } from "../../src/emulator/segment/fixture.js";
import { type SegmentEmulator, startSegmentEmulator } from "../../src/emulator/segment/server.js";
import { CredentialError, UpstreamError } from "../../src/errors.js";
import { silentLogger } from "../../src/log.js";
import {
  DELIVERY_OVERVIEW_ACCEPT,
  getFailedDelivery,
  getFailedOnIngest,
  getFilteredAtDestination,
  getFilteredAtSource,
  getSuccessfullyReceived,
} from "../../src/segment/delivery-overview.js";
import { SegmentHttp } from "../../src/segment/http.js";
import { fastClient } from "../emulator/segment-helpers.js";

const NOW = Date.UTC(2026, 10, 25, 10, 0);
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
let emulator: SegmentEmulator;
let http: SegmentHttp;

beforeAll(async () => {
  emulator = await startSegmentEmulator({
    now: () => NOW,
    fixture: demoFixture(),
    slowMs: 300,
    faultRetryMs: 20,
    deliveryOverviewPageCap: 2,
  });
  for (const d of emulator.fixture.destinations.filter((_, i) => i % 2 === 0)) emulator.setHealth(d.id, "failing");
  http = fastClient(emulator, { retries: 8 });
});
afterAll(async () => {
  await http.close();
  await emulator.close();
});
beforeEach(() => {
  emulator.faults.clear();
  emulator.resetRequests();
  emulator.setDeliveryOverview(true);
});

const connections = () => emulator.fixture.destinations.map((d) => ({ sourceId: d.sourceId, destinationId: d.id }));
const args = (c: { sourceId: string; destinationId: string }) => ({
  ...c,
  start: NOW - 2 * HOUR,
  end: NOW,
  granularity: "MINUTE" as const,
});

/** (minute, reason as sent) → count, from an answer or from the truth. */
function cells(dataset: Array<{ discardReason?: string | null; series: Array<{ time: string; count: number }> }>) {
  const out = new Map<string, number>();
  for (const e of dataset) for (const p of e.series) if (p.count > 0) out.set(`${p.time} ${e.discardReason}`, p.count);
  return out;
}
function truthCells(c: { sourceId: string; destinationId: string }) {
  const out = new Map<string, number>();
  for (const f of emulator.truth.failedByReason(c.sourceId, c.destinationId, NOW - 2 * HOUR, NOW, NOW)) {
    out.set(`${iso(f.minuteMs)} ${f.reason}`, f.count);
  }
  return out;
}

describe("getFailedDelivery", () => {
  it("sends what the SDK sends, with the beta media type, and follows every page", async () => {
    const c = connections()[0];
    if (!c) throw new Error("no connection");
    const result = await getFailedDelivery(http, args(c));
    const calls = emulator.requests.filter((r) => r.route === "delivery-overview-failed-delivery");
    expect(result.dataset.length).toBeGreaterThan(2); // so the cap of 2 forced a second page
    expect(calls).toHaveLength(Math.ceil(result.dataset.length / 2));
    const first = calls[0];
    expect(first?.accept).toBe(DELIVERY_OVERVIEW_ACCEPT);
    expect(first?.query).toContain("groupBy%5B0%5D=discardReason");
    expect(first?.query).toContain(`destinationConfigId=${c.destinationId}`);
    expect(first?.query).toContain(`startTime=${encodeURIComponent(iso(NOW - 2 * HOUR))}`);
    expect(first?.query).toContain("granularity=MINUTE");
    expect(calls[1]?.query).toContain("pagination.cursor=");
    expect(new Set(result.dataset.map((e) => e.discardReason)).size).toBe(result.dataset.length);
    expect(cells(result.dataset)).toEqual(truthCells(c));
    expect(result.total).toBe([...truthCells(c).values()].reduce((n, v) => n + v, 0));
  });

  it("ends equal to the ground truth for every connection under 20% faults on the route", async () => {
    emulator.faults.setChaos({
      probability: 0.2,
      kinds: ["502-html", "503-html", "500-json", "500-empty", "reset", "slow", "429-retry-after", "429-reset"],
      routes: ["delivery-overview-failed-delivery"],
      seed: 15,
    });
    const results = await Promise.all(connections().map((c) => getFailedDelivery(http, args(c))));
    expect(emulator.requests.some((r) => r.fault !== undefined)).toBe(true);
    for (const [i, c] of connections().entries()) {
      expect(cells(results[i]?.dataset ?? []), c.destinationId).toEqual(truthCells(c));
      // One request sequence per connection: its pages, plus only the retries the faults caused.
      const made = emulator.deliveryOverviewRequests({ step: "failed-delivery", destinationConfigId: c.destinationId });
      // A "slow" fault still answers (within the timeout), so it is not a failed attempt.
      const faulted = emulator.requests.filter(
        (r) => r.fault && r.fault !== "slow" && r.query.includes(c.destinationId),
      ).length;
      expect(made - faulted).toBe(Math.max(1, Math.ceil((results[i]?.dataset.length ?? 0) / 2)));
    }
  });

  it("throws a CredentialError on 403 and a non-retryable 404 for an unknown connection, without the token", async () => {
    emulator.setDeliveryOverview(false);
    const forbidden = await getFailedDelivery(http, args({ sourceId: "x", destinationId: "y" })).catch((e) => e);
    expect(forbidden).toBeInstanceOf(CredentialError);
    expect(String(forbidden.message)).toContain("HTTP 403");
    emulator.setDeliveryOverview(true);
    const c = connections()[0];
    const missing = await getFailedDelivery(http, args({ sourceId: c?.sourceId ?? "", destinationId: "nope" })).catch(
      (e) => e,
    );
    expect(missing).toBeInstanceOf(UpstreamError);
    expect(missing.details).toMatchObject({ status: 404, retryable: false });
    expect(emulator.deliveryOverviewRequests({ destinationConfigId: "nope" })).toBe(1);
    for (const e of [forbidden, missing]) {
      expect(e.message).not.toContain(emulator.token);
      expect(e.message).not.toContain("\n");
    }
  });

  it("reports a range the limits refuse as a one-line 422, not retried", async () => {
    const c = connections()[0];
    if (!c) throw new Error("no connection");
    const error = await getFailedDelivery(http, { ...c, start: NOW - 5 * HOUR, end: NOW, granularity: "MINUTE" }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toMatch(/answered HTTP 422: ValidationFailure: .* \(field endTime\)$/);
    expect(emulator.deliveryOverviewRequests()).toBe(1);
  });

  it.each([
    ["negative-counts", /unexpected shape at data\.total: /],
    ["wrong-types", /unexpected shape at data\.total: /],
    ["missing-fields", /unexpected shape at data\.total: /],
    ["invalid-json", /invalid JSON \(truncated or malformed\)/],
  ] as const)("refuses a %s body in one line, without retrying it", async (fault, pattern) => {
    const c = connections()[0];
    if (!c) throw new Error("no connection");
    emulator.faults.queue(fault, 1, "delivery-overview-failed-delivery");
    const error = await getFailedDelivery(http, args(c)).catch((e) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.message).toMatch(pattern);
    expect(error.message).not.toContain("\n");
    expect(emulator.deliveryOverviewRequests()).toBe(1);
  });

  it("stops on an empty page that still has a next cursor instead of paging forever", async () => {
    let served = 0;
    const server = await listen((_req, res) => {
      served++;
      sendJson(res, 200, {
        data: {
          total: 0,
          dataset: [],
          pagination: { current: "MA==", next: Buffer.from(String(served)).toString("base64") },
        },
      });
    });
    const own = new SegmentHttp({ baseUrl: server.url, token: "t-0000000000000000", logger: silentLogger, retries: 0 });
    try {
      const error = await getFailedDelivery(own, args({ sourceId: "s", destinationId: "d" })).catch((e) => e);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.message).toMatch(/empty page that still has a next cursor/);
      expect(served).toBe(1);
    } finally {
      await own.close();
      await server.close();
    }
  });
});

describe("the first pipeline steps", () => {
  const sources = () => emulator.fixture.sources.map((src) => src.id);
  const window = (sourceId: string) => ({ sourceId, start: NOW - 2 * HOUR, end: NOW, granularity: "MINUTE" as const });
  const reasonCells = (counts: Array<{ minuteMs: number; reason: string; count: number }>) =>
    new Map(counts.map((f) => [`${iso(f.minuteMs)} ${f.reason}`, f.count]));
  /** Per read function: the route it calls, and the truth of one source or connection over the window. */
  const steps = [
    {
      step: "failed-on-ingest",
      perConnection: false,
      read: (c: { sourceId: string; destinationId: string }) => getFailedOnIngest(http, window(c.sourceId)),
      truth: (c: { sourceId: string }) =>
        reasonCells(emulator.truth.ingestFailedByReason(c.sourceId, NOW - 2 * HOUR, NOW, NOW)),
    },
    {
      step: "filtered-at-source",
      perConnection: false,
      read: (c: { sourceId: string; destinationId: string }) => getFilteredAtSource(http, window(c.sourceId)),
      truth: (c: { sourceId: string }) =>
        reasonCells(emulator.truth.filteredAtSourceByReason(c.sourceId, NOW - 2 * HOUR, NOW, NOW)),
    },
    {
      step: "filtered-at-destination",
      perConnection: true,
      read: (c: { sourceId: string; destinationId: string }) =>
        getFilteredAtDestination(http, { ...window(c.sourceId), destinationId: c.destinationId }),
      truth: (c: { sourceId: string; destinationId: string }) =>
        reasonCells(
          emulator.truth.filteredAtDestinationByReason(c.sourceId, c.destinationId, NOW - 2 * HOUR, NOW, NOW),
        ),
    },
  ] as const;
  /** Every source once (per-source steps), or every connection. */
  const targetsOf = (perConnection: boolean) =>
    perConnection ? connections() : sources().map((sourceId) => ({ sourceId, destinationId: "" }));

  it.each(steps)(
    "$step: grouped by reason, every page followed, equal to the truth",
    async ({ step, perConnection, read, truth }) => {
      for (const target of targetsOf(perConnection)) {
        emulator.resetRequests();
        const result = await read(target);
        const calls = emulator.requests.filter((r) => r.route === `delivery-overview-${step}`);
        expect(calls).toHaveLength(Math.max(1, Math.ceil(result.dataset.length / 2))); // the cap of 2 forces pages
        for (const call of calls) {
          expect(call.accept).toBe(DELIVERY_OVERVIEW_ACCEPT);
          expect(call.query).toContain("groupBy%5B0%5D=discardReason");
          expect(call.query).toContain(`sourceId=${target.sourceId}`);
          expect(call.query.includes("destinationConfigId=")).toBe(perConnection);
        }
        expect(cells(result.dataset)).toEqual(truth(target));
        expect(result.total).toBe([...truth(target).values()].reduce((n, v) => n + v, 0));
      }
    },
  );

  it("reads successfully-received ungrouped, as one series equal to the event volume", async () => {
    for (const sourceId of sources()) {
      emulator.resetRequests();
      const result = await getSuccessfullyReceived(http, window(sourceId));
      const [call, ...more] = emulator.requests;
      expect(more).toEqual([]);
      expect(call?.route).toBe("delivery-overview-successfully-received");
      expect(call?.query).not.toContain("groupBy");
      expect(result.dataset).toHaveLength(1);
      for (const p of result.dataset[0]?.series ?? []) {
        const start = Date.parse(p.time);
        expect(p.count).toBe(emulator.truth.received(sourceId, start, start + 60_000, NOW));
      }
      expect(result.total).toBe(emulator.truth.eventVolume(sourceId, NOW - 2 * HOUR, NOW, NOW));
    }
  });

  it("sends no destinationConfigId on a per-source step, even when handed a connection's window", async () => {
    const c = connections()[0];
    if (!c) throw new Error("no connection");
    const connectionWindow = { ...window(c.sourceId), destinationId: c.destinationId };
    await getFailedOnIngest(http, connectionWindow);
    expect(emulator.requests.length).toBeGreaterThan(0);
    expect(emulator.requests.every((r) => !r.query.includes("destinationConfigId"))).toBe(true);
  });

  it("ends equal to the truth for every source and connection under 20% faults, one request sequence each", async () => {
    emulator.faults.setChaos({
      probability: 0.2,
      kinds: ["502-html", "503-html", "500-json", "500-empty", "reset", "429-retry-after", "429-reset"],
      routes: steps.map((s) => `delivery-overview-${s.step}`),
      seed: 20,
    });
    for (const { step, perConnection, read, truth } of steps) {
      const targets = targetsOf(perConnection);
      const results = await Promise.all(targets.map((t) => read(t)));
      for (const [i, target] of targets.entries()) {
        expect(cells(results[i]?.dataset ?? []), `${step} ${target.sourceId}`).toEqual(truth(target));
        const filter = perConnection
          ? { step, destinationConfigId: target.destinationId }
          : { step, sourceId: target.sourceId };
        const made = emulator.deliveryOverviewRequests(filter);
        const faulted = emulator.requests.filter(
          (r) =>
            r.fault &&
            r.route === `delivery-overview-${step}` &&
            r.query.includes(perConnection ? target.destinationId : target.sourceId),
        ).length;
        expect(made - faulted, `${step} ${target.sourceId}`).toBe(
          Math.max(1, Math.ceil((results[i]?.dataset.length ?? 0) / 2)),
        );
      }
    }
    expect(emulator.requests.some((r) => r.fault !== undefined)).toBe(true);
  });

  it("throws a CredentialError on 403 from every step, without the token", async () => {
    emulator.setDeliveryOverview(false);
    const c = connections()[0];
    if (!c) throw new Error("no connection");
    const errors = await Promise.all([
      getSuccessfullyReceived(http, window(c.sourceId)).catch((e) => e),
      ...steps.map((s) => s.read(c).catch((e) => e)),
    ]);
    for (const e of errors) {
      expect(e).toBeInstanceOf(CredentialError);
      expect(e.message).toContain("HTTP 403");
      expect(e.message).not.toContain(emulator.token);
    }
  });
});
