// The request budget: few or no 429s, and about the time the limit allows.
import { afterEach, describe, expect, it } from "vitest";
import { resolveSchedule } from "../../src/config/settings.js";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { alignDown } from "../../src/plan/buckets.js";
import { runBackfill } from "../../src/run/backfill.js";
import { RateBudget } from "../../src/segment/budget.js";
import { deps, exportConfig } from "../helpers/export.js";

let emulators: Emulators | undefined;
afterEach(async () => {
  await emulators?.close();
  emulators = undefined;
});

describe("rate budget over HTTP", () => {
  it("a run of 3N requests at a limit of N per window gets few or no 429s and takes about two windows", async () => {
    const N = 30;
    const windowMs = 2_500;
    const now = Date.UTC(2026, 10, 25, 10, 7, 30);
    emulators = await startEmulators({
      segment: { now: () => now, rateLimitsPerMinute: { "delivery-metrics": N }, rateLimitWindowMs: windowMs },
      datadog: { now: () => now },
    });
    // 6 connections × 15 buckets = 90 = 3N delivery-metrics calls.
    const end = alignDown(now, 300_000);
    const config = {
      ...exportConfig(emulators, { dryRun: true }),
      window: { start: end - 15 * 300_000, end },
      schedule: { ...resolveSchedule({}, {}), historical: true },
    };
    const started = performance.now();
    const summary = await runBackfill(
      config,
      deps(() => now),
    );
    const elapsed = performance.now() - started;
    const delivery = emulators.segment.requests.filter((r) => r.route === "delivery-metrics");
    const throttled = delivery.filter((r) => r.status === 429).length;
    expect(summary.bucketsExported).toBe(6 * 15 + 15);
    expect(delivery.length - throttled).toBe(3 * N);
    expect(throttled).toBeLessThanOrEqual(1);
    // Windows open with their first request: N now, N after one window, N after two. The reset
    // header has whole seconds, so each wait may run up to a second past the window's end.
    expect(elapsed).toBeGreaterThan(2 * windowMs - 300);
    expect(elapsed).toBeLessThan(2 * windowMs + 2 * 1_000 + 1_000);
  }, 30_000);
});

describe("RateBudget", () => {
  it("keeps a documented fixed limit", async () => {
    const budget = new RateBudget({ perMinute: { "events-volume": 3 }, concurrency: 4, fixedWindowMs: 400 });
    const started = performance.now();
    for (let i = 0; i < 6; i++) {
      await budget.acquire("t", "events-volume");
      budget.observe("t", "events-volume", 200);
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
  });

  it("pauses every request of an endpoint after a 429, for the time the server asked", async () => {
    const budget = new RateBudget({ concurrency: 4 });
    await budget.acquire("t", "sources");
    budget.observe("t", "sources", 429, { "retry-after": "1" });
    const started = performance.now();
    await Promise.all([budget.acquire("t", "sources"), budget.acquire("t", "sources")]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    // Other endpoints and other tokens are not held back.
    const other = performance.now();
    await budget.acquire("t", "destinations");
    await budget.acquire("u", "sources");
    expect(performance.now() - other).toBeLessThan(50);
  });

  it("reads msBeforeNext from the body when there is no header", async () => {
    const budget = new RateBudget({ concurrency: 1 });
    await budget.acquire("t", "x");
    budget.observe("t", "x", 429, {}, { errors: [{ data: { msBeforeNext: 300 } }] });
    const started = performance.now();
    await budget.acquire("t", "x");
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("waits for the window's reset once the allowance is used up", async () => {
    const budget = new RateBudget({ concurrency: 1 });
    await budget.acquire("t", "x");
    const reset = new Date(Math.ceil((Date.now() + 1_000) / 1000) * 1000).toUTCString();
    budget.observe("t", "x", 200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset });
    const started = performance.now();
    await budget.acquire("t", "x");
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(reset));
    expect(performance.now() - started).toBeLessThan(2_200);
  });

  it("passes a request at once only when nothing holds it back", () => {
    const budget = new RateBudget({ concurrency: 4 });
    // Nothing known yet: it passes.
    expect(budget.tryAcquire("t", "x")).toBe(true);
    const reset = new Date(Math.ceil((Date.now() + 5_000) / 1000) * 1000).toUTCString();
    budget.observe("t", "x", 200, { "x-ratelimit-remaining": "1", "x-ratelimit-reset": reset });
    // One left in the window: it takes it; the next one must wait for the reset (acquire).
    expect(budget.tryAcquire("t", "x")).toBe(true);
    expect(budget.tryAcquire("t", "x")).toBe(false);
    // A 429's pause, and a fixed limit's throttle, go through acquire too.
    expect(budget.tryAcquire("t", "y")).toBe(true);
    budget.observe("t", "y", 429, { "retry-after": "1" });
    expect(budget.tryAcquire("t", "y")).toBe(false);
    expect(budget.tryAcquire("t", "events-volume")).toBe(false);
    // Other tokens are not held back.
    expect(budget.tryAcquire("u", "y")).toBe(true);
  });

  it("a stopped run does not wait", async () => {
    const budget = new RateBudget({ concurrency: 1 });
    await budget.acquire("t", "x");
    budget.observe("t", "x", 429, { "retry-after": "30" });
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error("deadline")), 50);
    await expect(budget.acquire("t", "x", stop.signal)).rejects.toMatchObject({
      name: "AbortError",
      cause: { message: "deadline" },
    });
  });
});
