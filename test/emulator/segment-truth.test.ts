import { describe, expect, it } from "vitest";
import { createTruth, DEFAULT_SEED, demoFixture, generateFixture } from "../../src/emulator/segment/index.js";
import { HOUR, MIN, NOW } from "./segment-helpers.js";

const fixture = demoFixture();
const [web, ios, backend, marketing] = fixture.sources;
const mixpanelWeb = fixture.destinations[0];

describe("segment demo fixture", () => {
  it("has the documented shape", () => {
    expect(fixture.workspace.slug).toBe("emulated-workspace");
    expect(fixture.sources.map((s) => [s.slug, s.catalog.slug])).toEqual([
      ["web", "javascript"],
      ["ios", "ios"],
      ["backend", "node"],
      ["marketing-site", "javascript"],
    ]);
    expect(fixture.destinations.filter((d) => d.sourceId === marketing?.id)).toEqual([]);
    const mixpanels = fixture.destinations.filter((d) => d.catalog.slug === "mixpanel");
    expect(mixpanels).toHaveLength(2);
    expect(mixpanels[0]?.catalog.id).toBe(mixpanels[1]?.catalog.id);
    expect(mixpanels[0]?.id).not.toBe(mixpanels[1]?.id);
    expect(mixpanels[0]?.name).not.toBe(mixpanels[1]?.name);
    expect(fixture.destinations.some((d) => d.name === "")).toBe(true);
    expect(fixture.destinations.some((d) => !d.enabled)).toBe(true);
    expect(fixture.destinations.map((d) => d.catalog.slug)).toEqual(
      expect.arrayContaining(["amplitude", "google-analytics-4"]),
    );
    for (const id of [
      fixture.workspace.id,
      ...fixture.sources.map((s) => s.id),
      ...fixture.destinations.map((d) => d.id),
    ]) {
      expect(id).toMatch(/^[0-9A-Za-z]{22}$/);
    }
  });

  it("is deterministic per seed", () => {
    expect(demoFixture()).toEqual(demoFixture());
    expect(demoFixture(7).sources[0]?.id).not.toBe(demoFixture(8).sources[0]?.id);
  });

  it("generates large fixtures with unique ids", () => {
    const big = generateFixture({ sources: 500, destinationsPerSource: 4, seed: 3 });
    expect(big.destinations).toHaveLength(2000);
    expect(new Set(big.destinations.map((d) => d.id)).size).toBe(2000);
    expect(big.destinations.some((d) => d.name === "")).toBe(true);
  });
});

describe("segment ground truth: delivery", () => {
  it("is deterministic and counts a minute only once it has ended", () => {
    const t = createTruth(fixture);
    const id = mixpanelWeb?.id ?? "";
    const a = t.deliverySummary(web?.id ?? "", id, NOW - HOUR, NOW, NOW);
    expect(a).toEqual(createTruth(demoFixture()).deliverySummary(web?.id ?? "", id, NOW - HOUR, NOW, NOW));
    expect(a.successes).toBe(a.successesOnFirstAttempt + a.successesAfterRetry);
    expect(a.successes).toBeGreaterThan(60 * 5 * 0.5);
    expect(t.deliverySummary(web?.id ?? "", id, NOW - MIN, NOW, NOW - 1).successes).toBe(0);
    expect(t.deliverySummary(web?.id ?? "", id, NOW - MIN, NOW, NOW).retried).toBeGreaterThanOrEqual(0);
    // Sums over adjacent windows add up (counts only).
    const left = t.deliverySummary(web?.id ?? "", id, NOW - HOUR, NOW - 30 * MIN, NOW);
    const right = t.deliverySummary(web?.id ?? "", id, NOW - 30 * MIN, NOW, NOW);
    expect(left.successes + right.successes).toBe(a.successes);
    expect(left.discarded + right.discarded).toBe(a.discarded);
  });

  it("lands late retries and expires the rest as the clock advances", () => {
    const t = createTruth(fixture, { maxRetryDelayMs: 20 * MIN });
    const [s, d] = [web?.id ?? "", mixpanelWeb?.id ?? ""];
    t.setHealth(d, "failing");
    const at0 = t.deliverySummary(s, d, NOW - 10 * MIN, NOW, NOW);
    const at1 = t.deliverySummary(s, d, NOW - 10 * MIN, NOW, NOW + 10 * MIN);
    const at2 = t.deliverySummary(s, d, NOW - 10 * MIN, NOW, NOW + 20 * MIN);
    const later = t.deliverySummary(s, d, NOW - 10 * MIN, NOW, NOW + 5 * HOUR);
    expect(at0.expired).toBe(0);
    expect(at1.successesAfterRetry).toBeGreaterThan(at0.successesAfterRetry);
    expect(at2.expired).toBeGreaterThan(0);
    expect(later).toEqual(at2); // every retry is settled 20 min after its minute ended
    expect(later.successesAfterRetry + later.expired).toBe(later.retried);
    expect(at0.retried).toBe(later.retried);
  });

  it("makes some discards visible only later, failures by reason agreeing with discarded at every time", () => {
    const t = createTruth(fixture, { maxRetryDelayMs: 20 * MIN });
    const [s, d] = [web?.id ?? "", mixpanelWeb?.id ?? ""];
    t.setHealth(d, "failing");
    const failed = (at: number) => t.failedByReason(s, d, NOW - 10 * MIN, NOW, at).reduce((n, f) => n + f.count, 0);
    const seen = [NOW, NOW + 5 * MIN, NOW + 20 * MIN, NOW + 5 * HOUR].map((at) => {
      const discarded = t.deliverySummary(s, d, NOW - 10 * MIN, NOW, at).discarded;
      expect(failed(at)).toBe(discarded);
      return discarded;
    });
    // Late discards appear as the clock advances, and are all in by the longest retry delay.
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[2]).toBeGreaterThan(seen[0] ?? 0);
    expect(seen[3]).toBe(seen[2]);
  });

  it("makes failing destinations discard more and answer slower", () => {
    const t = createTruth(fixture);
    const [s, d] = [web?.id ?? "", mixpanelWeb?.id ?? ""];
    const healthy = t.deliverySummary(s, d, NOW - HOUR, NOW, NOW);
    t.setHealth(d, "failing", NOW - 30 * MIN);
    const mixed = t.deliverySummary(s, d, NOW - HOUR, NOW, NOW);
    const failingHalf = t.deliverySummary(s, d, NOW - 30 * MIN, NOW, NOW);
    expect(t.deliverySummary(s, d, NOW - HOUR, NOW - 30 * MIN, NOW)).toEqual(
      t.deliverySummary(s, d, NOW - HOUR, NOW - 30 * MIN, NOW),
    );
    expect(mixed.discarded).toBeGreaterThan(healthy.discarded * 5);
    expect(failingHalf.timeToFirstAttemptAverage).toBeGreaterThan(healthy.timeToFirstAttemptAverage * 3);
    expect(mixed.timeToSuccessP95).toBeGreaterThan(healthy.timeToSuccessP95);
    expect(healthy.timeToSuccessP95).toBeGreaterThanOrEqual(healthy.timeToSuccessAverage);
  });

  it("reports nothing for a disabled destination and rejects unknown connections", () => {
    const t = createTruth(fixture);
    const disabled = fixture.destinations.find((d) => !d.enabled);
    expect(t.deliverySummary(disabled?.sourceId ?? "", disabled?.id ?? "", NOW - HOUR, NOW, NOW).successes).toBe(0);
    expect(() => t.deliverySummary(ios?.id ?? "", mixpanelWeb?.id ?? "", NOW - HOUR, NOW, NOW)).toThrow();
  });

  it("is fast: 2000 four-hour summaries", () => {
    const t = createTruth(fixture);
    const started = performance.now();
    for (let i = 0; i < 2000; i++)
      t.deliverySummary(web?.id ?? "", mixpanelWeb?.id ?? "", NOW - 4 * HOUR - i * MIN, NOW - i * MIN, NOW);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe("segment ground truth: events", () => {
  it("gives every source 3-5 kinds, marketing-site included, counted once minutes end", () => {
    const t = createTruth(fixture);
    for (const src of fixture.sources) {
      const kinds = t.eventKinds(src.id);
      expect(kinds.length).toBeGreaterThanOrEqual(3);
      expect(kinds.length).toBeLessThanOrEqual(5);
      expect(t.eventVolume(src.id, NOW - HOUR, NOW, NOW)).toBeGreaterThan(0);
    }
    const id = marketing?.id ?? "";
    expect(t.eventVolume(id, NOW - MIN, NOW, NOW - 1)).toBe(0);
    const total = t.eventVolume(id, NOW - HOUR, NOW, NOW);
    const byKind = t.eventKinds(id).reduce((sum, k) => sum + t.eventVolume(id, NOW - HOUR, NOW, NOW, k), 0);
    expect(byKind).toBe(total);
    const [first] = t.eventKinds(id);
    expect(t.eventVolume(id, NOW - HOUR, NOW, NOW, { eventType: first?.eventType ?? "" })).toBeGreaterThan(0);
    expect(t.eventVolume(id, NOW - HOUR, NOW, NOW, { eventName: "No Such Event" })).toBe(0);
  });
});

describe("segment ground truth: event volume cache", () => {
  it("sums whole hours exactly like their minutes, at any observation time", () => {
    const t = createTruth(fixture);
    const id = web?.id ?? "";
    for (const at of [NOW, NOW - 30 * MIN - 1, NOW + 90 * MIN]) {
      let byMinute = 0;
      for (let m = NOW - 3 * HOUR - 7 * MIN; m < NOW + HOUR; m += MIN) byMinute += t.eventVolume(id, m, m + MIN, at);
      expect(t.eventVolume(id, NOW - 3 * HOUR - 7 * MIN, NOW + HOUR, at)).toBe(byMinute);
      expect(t.eventVolume(id, NOW - 3 * HOUR - 7 * MIN, NOW + HOUR, at)).toBe(byMinute); // cached now
    }
  });

  it("answers 14 daily buckets for 200 sources quickly, and faster once cached", () => {
    const big = createTruth(generateFixture({ sources: 200, destinationsPerSource: 0 }));
    const started = performance.now();
    let total = 0;
    for (const s of big.fixture.sources) total += big.eventVolume(s.id, NOW - 14 * 24 * HOUR, NOW, NOW);
    const cold = performance.now() - started;
    expect(total).toBeGreaterThan(0);
    expect(cold).toBeLessThan(5000);
    const again = performance.now();
    for (const s of big.fixture.sources) total -= big.eventVolume(s.id, NOW - 14 * 24 * HOUR, NOW, NOW);
    expect(total).toBe(0);
    expect(performance.now() - again).toBeLessThan(cold / 5);
  });
});

describe("segment ground truth: usage", () => {
  const t = createTruth(fixture);
  const MTU = ["anonymous", "anonymousIdentified", "identified", "neverIdentified"] as const;

  it("is cumulative within the month and monotonic per day", () => {
    const u = t.dailyUsage("2026-11-01", NOW);
    expect(u.workspace).toHaveLength(24);
    expect(u.sources).toHaveLength(24 * 4);
    for (const src of fixture.sources) {
      const rows = u.sources.filter((r) => r.sourceId === src.id);
      for (let i = 1; i < rows.length; i++) {
        const [prev, cur] = [rows[i - 1], rows[i]];
        for (const f of MTU) expect(cur?.mtu[f] ?? 0n).toBeGreaterThanOrEqual(prev?.mtu[f] ?? 0n);
        expect(cur?.apiCalls ?? 0n).toBeGreaterThan(prev?.apiCalls ?? 0n);
      }
    }
  });

  it("grows during the current day and resets at the month boundary", () => {
    const early = t.dailyUsage("2026-11-01", NOW - 6 * HOUR).workspace.at(-1);
    const late = t.dailyUsage("2026-11-01", NOW + 6 * HOUR).workspace.at(-1);
    expect(late?.apiCalls ?? 0n).toBeGreaterThan(early?.apiCalls ?? 0n);
    const october = t.dailyUsage("2026-10-01", NOW);
    expect(october.workspace).toHaveLength(31);
    const nov1 = t.dailyUsage("2026-11-01", NOW).workspace[0];
    expect(nov1?.mtu.identified ?? 0n).toBeLessThan(october.workspace.at(-1)?.mtu.identified ?? 0n);
    expect(t.dailyUsage("2026-12-01", NOW).workspace).toEqual([]);
    expect(() => t.dailyUsage("2026-11-02", NOW)).toThrow();
  });

  it("keeps the workspace row different from the sum over sources", () => {
    const u = t.dailyUsage("2026-11-01", NOW);
    const day = u.workspace[10];
    const rows = u.sources.filter((r) => r.day === day?.day);
    const sum = (f: (r: (typeof rows)[number]) => bigint) => rows.reduce((a, r) => a + f(r), 0n);
    for (const f of MTU) expect(day?.mtu[f]).not.toBe(sum((r) => r.mtu[f]));
    expect(day?.apiCalls).not.toBe(sum((r) => r.apiCalls));
  });

  it("has a source whose API calls exceed 2^53 when asked to, for the tests of big counts", () => {
    const huge = createTruth(demoFixture(DEFAULT_SEED, { hugeApiCalls: true }));
    const u = huge.dailyUsage("2026-11-01", Date.UTC(2026, 10, 1, 0, 0, 0));
    const row = u.sources.find((r) => r.sourceId === backend?.id);
    expect(row?.apiCalls ?? 0n).toBeGreaterThan(2n ** 53n);
  });

  it("looks like a real workspace by default (what demo and sandbox show): no count near 2^53", () => {
    // A whole month, so the largest month-to-date values are among the rows.
    const u = t.dailyUsage("2026-11-01", Date.UTC(2026, 11, 1) - 1);
    const calls = [...u.sources, ...u.workspace].map((r) => r.apiCalls);
    expect(calls.every((n) => n > 0n && n < 1_000_000_000n)).toBe(true);
    const mtu = [...u.sources, ...u.workspace].flatMap((r) => MTU.map((f) => r.mtu[f]));
    expect(mtu.every((n) => n >= 0n && n < 10_000_000n)).toBe(true);
  });
});
