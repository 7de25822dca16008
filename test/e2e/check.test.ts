// Issue #7: `check` as CI runs it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { emulatorEnv, runCli } from "../helpers/cli.js";
import { tempStatePath } from "../helpers/export.js";

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(async () => {
  await emulators.close();
});
const env = (extra: Record<string, string> = {}) => emulatorEnv(emulators, extra);
const thresholds = ["--min-success-rate", "95%", "--max-p95", "10s", "--min-events", "1"];
const active = () =>
  emulators.segment.fixture.destinations.filter(
    (d) => d.enabled && emulators.segment.fixture.sources.find((s) => s.id === d.sourceId)?.enabled,
  );

describe("check", () => {
  it("passes on healthy data, with a JSON report naming each connection by source slug and destination id", async () => {
    const result = await runCli(["check", ...thresholds, "--json"], env());
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      from: string;
      to: string;
      connections: Array<{ source: string; destinationId: string; ok: boolean; numbers: { trend: number[] } }>;
      sources: Array<{ source: string; events: number }>;
    };
    expect(report.ok).toBe(true);
    expect(Date.parse(report.to) - Date.parse(report.from)).toBe(3_600_000);
    expect(report.connections.map((c) => c.destinationId).sort()).toEqual(
      active()
        .map((d) => d.id)
        .sort(),
    );
    expect(report.connections.every((c) => c.source && c.numbers.trend.length === 4)).toBe(true);
    expect(report.sources.every((s) => s.events > 0)).toBe(true);
  });

  it("exits 5 when a destination fails, with a JUnit file of one test case per connection and per source", async () => {
    const braze = active().find((d) => d.catalog.slug === "braze");
    if (!braze) throw new Error("no braze");
    emulators.segment.setHealth(braze.id, "failing");
    const junit = join(tempStatePath(), "..", "check.xml");
    try {
      const result = await runCli(["check", ...thresholds, "--junit", junit], env());
      expect(result.code).toBe(5);
      expect(result.stdout).toMatch(/^FAIL\s+backend → Braze\s+/m);
      expect(result.stdout).toMatch(/^OK\s+web → /m);
      expect(result.stderr.trim().split("\n").at(-1)).toMatch(
        /^segment-datadog-exporter: 1 check\(s\) failed; first: backend → \w+: success rate \d+\.\d+% is below 95\.00%/,
      );
      const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(
        readFileSync(junit, "utf8"),
      );
      const suites = [xml.testsuites.testsuite].flat() as Array<{ name: string; testcase: unknown }>;
      const cases = suites.flatMap((s) => [s.testcase].flat()) as Array<{
        name: string;
        failure?: { type: string };
        error?: unknown;
      }>;
      const delivery = cases.filter((c) => c.name.includes("→"));
      expect(delivery.map((c) => c.name.split(" → ")[1]).sort()).toEqual(
        active()
          .map((d) => d.id)
          .sort(),
      );
      expect(cases.filter((c) => c.name.endsWith(" events"))).toHaveLength(emulators.segment.fixture.sources.length);
      const failed = cases.filter((c) => c.failure);
      expect(failed.map((c) => c.name)).toEqual([`backend → ${braze.id}`]);
      expect(failed[0]?.failure?.type).toBe("threshold");
      expect(cases.some((c) => c.error !== undefined)).toBe(false);
    } finally {
      emulators.segment.setHealth(braze.id, "healthy");
    }
  });

  it.each([
    ["a bad Segment token", { SEGMENT_TOKEN: "not-the-right-token" }, /Segment rejected the token/],
    [
      "a bad Datadog key",
      { DD_API_KEY: "fake-datadog-key-for-tests-0001" },
      /^segment-datadog-exporter: Datadog \(http:\/\/127\.0\.0\.1:\d+\) rejected the API key \(GET \/api\/v1\/validate/,
    ],
  ])("exits 3 for %s and says which", async (_name, extra, pattern) => {
    const result = await runCli(["check"], env(extra));
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split("\n").at(-1)).toMatch(pattern);
    expect(result.stderr).not.toContain(Object.values(extra)[0]);
  });

  it("exits 3 naming both when both are wrong", async () => {
    const result = await runCli(
      ["check"],
      env({ SEGMENT_TOKEN: "not-the-right-token", DD_API_KEY: "fake-datadog-key-for-tests-0001" }),
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Segment rejected the token.*; Datadog \(.*\) rejected the API key/);
  });

  it("a bare check applies the monitors' defaults (99%, 60s) and says so; `off` turns one off", async () => {
    // One destination failing most deliveries: far under 99%, with enough deliveries to be judged.
    const failing = active()[0];
    if (!failing) throw new Error("no connection");
    emulators.segment.setHealth(failing.id, "failing");
    try {
      await bareCheck();
    } finally {
      emulators.segment.setHealth(failing.id, failing.health);
    }
  });

  async function bareCheck() {
    const bare = await runCli(["check", "--json"], env());
    const report = JSON.parse(bare.stdout) as {
      thresholds: { minSuccessRate: number; maxP95Ms: number };
      connections: Array<{ ok: boolean; successRate?: number; failures: string[] }>;
    };
    expect(report.thresholds).toMatchObject({ minSuccessRate: 0.99, maxP95Ms: 60_000 });
    // The emulator's workspace has connections under 99%: a bare check must catch them.
    const below = report.connections.filter((c) => c.successRate !== undefined && c.successRate < 0.99);
    expect(below.length).toBeGreaterThan(0);
    expect(below.every((c) => !c.ok && c.failures.some((f) => f.includes("below 99.00%")))).toBe(true);
    expect(bare.code).toBe(5);
    const table = await runCli(["check"], env());
    expect(table.stdout).toMatch(
      /^Thresholds: success rate ≥ 99\.00% \(from 20 deliveries\), p95 ≤ 1m, events: no minimum$/m,
    );
    const off = await runCli(["check", "--min-success-rate", "off", "--max-p95", "off"], env());
    expect(off.stdout).toMatch(/^Thresholds: success rate: off, p95: off, events: no minimum$/m);
    expect(off.code).toBe(0);
  }

  it("--submit also exports the window's complete buckets", async () => {
    emulators.datadog.reset();
    const result = await runCli(["check", "--window", "30m", "--submit", ...thresholds], env());
    expect(result.code).toBe(0);
    expect(emulators.datadog.store.series("segment_exporter.delivery.successes").length).toBeGreaterThan(
      active().length * 4,
    );
    expect(emulators.datadog.dropped).toEqual([]);
  });

  it.each([
    [["--min-success-rate", "1.5"], /--min-success-rate: '1\.5' is not a success rate/],
    [["--window", "30d"], /--window: '30d' does not fit Segment's limits/],
    [["--max-p95", "fast"], /--max-p95: 'fast' is not a duration/],
    [["--min-events", "-1"], /--min-events: '-1' is not a count/],
  ])("%j exits 2", async (args, pattern) => {
    const result = await runCli(["check", ...args], env());
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(pattern);
  });
});
