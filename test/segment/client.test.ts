// The Segment client over real HTTP against the emulator: envelope, validation, pagination,
// versioned Accept, retries and the errors a user sees.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateFixture } from "../../src/emulator/segment/fixture.js";
import { type SegmentEmulator, startSegmentEmulator } from "../../src/emulator/segment/server.js";
import { CredentialError, UpstreamError } from "../../src/errors.js";
import { silentLogger } from "../../src/log.js";
import { getWorkspace, listDestinations, listSources } from "../../src/segment/catalog.js";
import { getDeliverySummary } from "../../src/segment/delivery.js";
import { getEventVolume } from "../../src/segment/events.js";
import { SegmentHttp } from "../../src/segment/http.js";
import { fastClient } from "../emulator/segment-helpers.js";

const NOW = Date.UTC(2026, 10, 25, 10, 0);
let emulator: SegmentEmulator;
let http: SegmentHttp;

beforeAll(async () => {
  emulator = await startSegmentEmulator({
    now: () => NOW,
    fixture: generateFixture({ sources: 1200, destinationsPerSource: 1, seed: 3 }),
    slowMs: 1500,
    faultRetryMs: 50,
  });
  http = fastClient(emulator, { minBackoffMs: 10 });
});
afterAll(async () => {
  await http.close();
  await emulator.close();
});
beforeEach(() => {
  emulator.faults.clear();
  emulator.resetRequests();
});

describe("listing", () => {
  it("walks every page at the largest page size", async () => {
    const sources = await listSources(http);
    expect(sources).toHaveLength(1200);
    expect(new Set(sources.map((s) => s.id)).size).toBe(1200);
    const calls = emulator.requests.filter((r) => r.route === "sources");
    expect(calls).toHaveLength(2);
    expect(calls[0]?.query).toContain("pagination.count=1000");
  });

  it("lists every connection with one paginated call family", async () => {
    const destinations = await listDestinations(http);
    expect(destinations).toHaveLength(emulator.fixture.destinations.length);
    expect(emulator.requests.filter((r) => r.route === "destinations")).toHaveLength(
      Math.ceil(emulator.fixture.destinations.length / 1000),
    );
  });

  it("reads the workspace", async () => {
    expect(await getWorkspace(http)).toMatchObject({ slug: emulator.fixture.workspace.slug });
  });
});

const d = () => emulator.fixture.destinations.find((x) => x.enabled) ?? emulator.fixture.destinations[0];

describe("delivery metrics and event volume", () => {
  it("asks for the beta media type and returns the summary", async () => {
    const dest = d();
    if (!dest) throw new Error("fixture has no destination");
    const summary = await getDeliverySummary(http, {
      sourceId: dest.sourceId,
      destinationId: dest.id,
      start: NOW - 3_600_000,
      end: NOW - 3_300_000,
      granularity: "MINUTE",
    });
    const truth = emulator.truth.deliverySummary(dest.sourceId, dest.id, NOW - 3_600_000, NOW - 3_300_000, NOW);
    expect(summary.metrics.find((m) => m.metricName === "successes")?.total).toBe(truth.successes);
    expect(emulator.requests.at(-1)?.accept).toBe("application/vnd.segment.v1beta+json");
    expect(emulator.requests.at(-1)?.query).toContain("startTime=2026-11-25T09%3A00%3A00Z");
  });

  it("reads event volume grouped by source across pages", async () => {
    const entries = await getEventVolume(http, {
      start: NOW - 3_600_000,
      end: NOW - 3_300_000,
      granularity: "MINUTE",
      groupBy: ["source"],
    });
    expect(new Set(entries.map((e) => e.source?.id)).size).toBe(1200);
    expect(entries.every((e) => e.series.length === 5)).toBe(true);
  });
});

describe("failures", () => {
  it("a wrong token is a CredentialError naming the setting, without retries", async () => {
    const bad = new SegmentHttp({
      baseUrl: emulator.url,
      token: "nope-nope-nope",
      logger: silentLogger,
      minBackoffMs: 10,
    });
    const error = await getWorkspace(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as Error).message).toMatch(/SEGMENT_TOKEN/);
    expect(emulator.requests).toHaveLength(1);
    await bad.close();
  });

  it.each([
    "500-json",
    "502-html",
    "503-html",
    "500-empty",
    "reset",
    "429-retry-after",
    "429-ms-before-next",
    "429-reset",
  ] as const)("retries %s and then succeeds", async (fault) => {
    emulator.faults.queue(fault, 2, "workspace");
    expect(await getWorkspace(http)).toMatchObject({ slug: emulator.fixture.workspace.slug });
    expect(emulator.requests.filter((r) => r.route === "workspace")).toHaveLength(3);
  });

  // The emulator holds a "slow" answer 1500 ms; the client gives up after its 1000 ms (fastClient).
  it("times out a slow answer and retries", async () => {
    emulator.faults.queue("slow", 1, "workspace");
    expect(await getWorkspace(http)).toMatchObject({ slug: emulator.fixture.workspace.slug });
    // Waiting the 1500 ms out would also succeed, in one request: the retry shows the timeout fired.
    const calls = emulator.requests.filter((r) => r.route === "workspace");
    expect(calls.map((r) => r.fault)).toEqual(["slow", undefined]);
  });

  it("a slow answer without retries is an UpstreamError naming the timeout", async () => {
    const once = fastClient(emulator, { retries: 0 });
    emulator.faults.queue("slow", 1, "workspace");
    const error = await getWorkspace(once).catch((e: unknown) => e);
    await once.close();
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toBe("Segment GET / timed out after 1000 ms");
  });

  it.each([
    ["invalid-json", /answered 200 with invalid JSON \(truncated or malformed\)/],
    ["html-200", /an HTML page/],
    ["missing-fields", /unexpected shape at data\.workspace/],
  ] as const)("%s is a one-line UpstreamError, not retried", async (fault, pattern) => {
    emulator.faults.queue(fault, 1, "workspace");
    const error = await getWorkspace(http).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).not.toContain("\n");
    expect(emulator.requests.filter((r) => r.route === "workspace")).toHaveLength(1);
  });

  it("a limit violation (422) names the field and is not retried", async () => {
    const dest = d();
    if (!dest) throw new Error("fixture has no destination");
    const error = await getDeliverySummary(http, {
      sourceId: dest.sourceId,
      destinationId: dest.id,
      start: NOW - 49 * 3_600_000,
      end: NOW - 48 * 3_600_000,
      granularity: "MINUTE",
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/HTTP 422.*startTime/);
    expect(emulator.requests).toHaveLength(1);
  });

  it("negative counts are rejected as an unexpected shape", async () => {
    const dest = d();
    if (!dest) throw new Error("fixture has no destination");
    emulator.faults.queue("negative-counts", 1, "delivery-metrics");
    const error = await getDeliverySummary(http, {
      sourceId: dest.sourceId,
      destinationId: dest.id,
      start: NOW - 3_600_000,
      end: NOW - 3_300_000,
      granularity: "MINUTE",
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/negative value/);
  });
});
