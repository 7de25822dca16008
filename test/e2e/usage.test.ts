// Usage: month-to-date gauges per source and for the workspace, read once per UTC day, correct
// across a month boundary.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { DEFAULT_SEED, demoFixture } from "../../src/emulator/segment/fixture.js";
import { checkUsage } from "../../src/emulator/verify.js";
import { runExport } from "../../src/run/export.js";
import { deps, exportConfig } from "../helpers/export.js";

let now = 0;
let emulators: Emulators;
beforeAll(async () => {
  // The backend source's API calls exceed 2^53: they must arrive as gauges all the same.
  emulators = await startEmulators({
    segment: { now: () => now, fixture: demoFixture(DEFAULT_SEED, { hugeApiCalls: true }) },
    datadog: { now: () => now },
  });
});
afterAll(async () => {
  await emulators.close();
});

const usageCalls = () => emulators.segment.requests.filter((r) => r.route.startsWith("usage")).length;

describe("usage", () => {
  it("matches the emulator on both sides of a month boundary, once per UTC day", async () => {
    const config = exportConfig(emulators, { usage: true });
    // 30 November, 23:50 UTC: the newest day is the 30th of November.
    now = Date.UTC(2026, 10, 30, 23, 50);
    await runExport(
      config,
      deps(() => now),
    );
    const nov = checkUsage(emulators.segment, emulators.datadog.store, {
      prefix: "segment_exporter",
      at: now,
      timestamp: now / 1000,
    });
    expect(nov.problems).toEqual([]);
    // 4 sources × (4 MTU types + API calls) + the workspace's 4 + 1.
    expect(nov.checked).toBe(4 * 5 + 5);
    expect(emulators.segment.requests.find((r) => r.route === "usage-mtu")?.query).toContain("period=2026-11-01");

    // Later the same day: not read again.
    const before = usageCalls();
    now = Date.UTC(2026, 10, 30, 23, 55);
    await runExport(
      config,
      deps(() => now),
    );
    expect(usageCalls()).toBe(before);

    // 1 December, 00:05 UTC: a new day of a new month, month-to-date starting over.
    now = Date.UTC(2026, 11, 1, 0, 5);
    await runExport(
      config,
      deps(() => now),
    );
    expect(usageCalls()).toBe(before + 4);
    const dec = checkUsage(emulators.segment, emulators.datadog.store, {
      prefix: "segment_exporter",
      at: now,
      timestamp: now / 1000,
    });
    expect(dec.problems).toEqual([]);
    expect(emulators.segment.requests.filter((r) => r.route === "usage-mtu").at(-1)?.query).toContain(
      "period=2026-12-01",
    );
    const mtuDec = emulators.datadog.store
      .all()
      .filter((p) => p.metric === "segment_exporter.usage.mtu" && p.timestamp === now / 1000);
    const mtuNov = emulators.datadog.store
      .all()
      .filter(
        (p) => p.metric === "segment_exporter.usage.mtu" && p.timestamp === Date.UTC(2026, 10, 30, 23, 50) / 1000,
      );
    const sum = (ps: typeof mtuDec) => ps.reduce((n, p) => n + p.value, 0);
    expect(sum(mtuDec)).toBeLessThan(sum(mtuNov));
  });

  it("sends gauges, big numbers included, and the workspace's own totals, not a sum of sources", async () => {
    const calls = emulators.datadog.store.all().filter((p) => p.metric === "segment_exporter.usage.api_calls");
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((p) => p.type === 3 && p.interval === undefined)).toBe(true);
    expect(calls.some((p) => p.value > 2 ** 53)).toBe(true);
    const at = Math.max(...calls.map((p) => p.timestamp));
    const latest = calls.filter((p) => p.timestamp === at);
    const workspace = latest.find((p) => !p.tags.some((t) => t.startsWith("source_id:")));
    const sources = latest.filter((p) => p.tags.some((t) => t.startsWith("source_id:")));
    expect(workspace?.tags).toEqual(["workspace:emulated-workspace"]);
    expect(workspace?.value).not.toBe(sources.reduce((n, p) => n + p.value, 0));
  });
});
