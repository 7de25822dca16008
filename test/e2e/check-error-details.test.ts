// Issue #15: `check` shows why deliveries fail, from Delivery Overview, as CI runs it.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { demoFixture } from "../../src/emulator/segment/fixture.js";
import { describeReason } from "../../src/reasons/catalog.js";
import { emulatorEnv, runCli } from "../helpers/cli.js";
import { tempStatePath } from "../helpers/export.js";

/** These tests are about the reasons, not the verdict: the default thresholds are turned off. */
const NO_THRESHOLDS = ["--min-success-rate", "off", "--max-p95", "off"];

const MIN = 60_000;
// A frozen data clock: minutes that end while the CLI runs are not counted, so the truth is exact.
const DATA_NOW = Math.floor(Date.now() / MIN) * MIN;
let emulators: Emulators;

beforeAll(async () => {
  emulators = await startEmulators({ segment: { now: () => DATA_NOW }, datadog: { now: () => DATA_NOW } });
});
afterAll(async () => {
  await emulators.close();
});
beforeEach(() => {
  emulators.segment.resetRequests();
  emulators.segment.setDeliveryOverview(true);
});

const env = () => emulatorEnv(emulators);
const active = () =>
  emulators.segment.fixture.destinations.filter(
    (d) => d.enabled && emulators.segment.fixture.sources.find((s) => s.id === d.sourceId)?.enabled,
  );
const braze = () => {
  const d = active().find((x) => x.catalog.slug === "braze");
  if (!d) throw new Error("no braze");
  return d;
};

interface Report {
  from: string;
  to: string;
  connections: Array<{
    destinationId: string;
    ok: boolean;
    errors?: Array<{ reason: string; count: number; lastSeen: string }>;
  }>;
}

/** What `errors` must be, from the emulator's ground truth over the report's window. */
function expectedErrors(sourceId: string, destinationId: string, report: Report) {
  const failed = emulators.segment.truth.failedByReason(
    sourceId,
    destinationId,
    Date.parse(report.from),
    Date.parse(report.to),
    DATA_NOW,
  );
  const byReason = new Map<string, { count: number; last: number }>();
  for (const f of failed) {
    const reason = f.reason.toLowerCase(); // every emulated code is a valid tag once lowercased
    const acc = byReason.get(reason) ?? { count: 0, last: 0 };
    acc.count += f.count;
    acc.last = Math.max(acc.last, f.minuteMs);
    byReason.set(reason, acc);
  }
  return [...byReason.entries()]
    .map(([reason, v]) => ({
      reason,
      count: v.count,
      description: describeReason(reason)?.description ?? null,
      lastSeen: new Date(v.last).toISOString().replace(".000Z", "Z"),
    }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

describe("check: error details", () => {
  it("puts errors by reason on each connection in --json, equal to the ground truth, one request per connection", async () => {
    emulators.segment.setHealth(braze().id, "failing");
    try {
      const result = await runCli(["check", "--json", ...NO_THRESHOLDS], env());
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as Report;
      for (const d of active()) {
        const c = report.connections.find((x) => x.destinationId === d.id);
        expect(c?.errors, d.id).toEqual(expectedErrors(d.sourceId, d.id, report));
        expect(emulators.segment.deliveryOverviewRequests({ step: "failed-delivery", destinationConfigId: d.id })).toBe(
          1,
        );
      }
      const brazeErrors = report.connections.find((c) => c.destinationId === braze().id)?.errors ?? [];
      expect(brazeErrors.map((e) => e.reason)).toContain("etimedout"); // ETIMEDOUT and etimedout, summed
      expect(brazeErrors.map((e) => e.count)).toEqual([...brazeErrors.map((e) => e.count)].sort((a, b) => b - a));
      const query = emulators.segment.requests.find((r) => r.route === "delivery-overview-failed-delivery")?.query;
      expect(query).toContain(`startTime=${encodeURIComponent(report.from)}`);
      expect(query).toContain(`endTime=${encodeURIComponent(report.to)}`);
    } finally {
      emulators.segment.setHealth(braze().id, "healthy");
    }
  });

  it("prints the Error Details table and names the top reason in the failing JUnit case", async () => {
    emulators.segment.setHealth(braze().id, "failing");
    const junit = join(tempStatePath(), "..", "check.xml");
    try {
      const result = await runCli(["check", "--min-success-rate", "95%", "--junit", junit], env());
      expect(result.code).toBe(5);
      const section = result.stdout.slice(result.stdout.indexOf("Error details (top 5 reasons per connection)"));
      expect(section).not.toBe(result.stdout);
      const brazeRows = section.split("\n").filter((l) => l.startsWith("backend → Braze"));
      expect(brazeRows.length).toBeGreaterThan(1);
      expect(brazeRows.length).toBeLessThanOrEqual(5);
      expect(brazeRows[0]).toMatch(
        /^backend → Braze {2,}\S.*?\S {2,}\d+ {2,}\d+[smhd] ago \(\d{4}-\d\d-\d\dT\d\d:\d\d:00Z\)$/,
      );
      const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(
        readFileSync(junit, "utf8"),
      );
      const cases = [xml.testsuites.testsuite]
        .flat()
        .flatMap((s: { testcase: unknown }) => [s.testcase].flat()) as Array<{
        name: string;
        failure?: { message: string };
      }>;
      const failing = cases.find((c) => c.name === `backend → ${braze().id}`);
      // The table and the JUnit message name the top reason the same way (code with its label).
      const top = brazeRows[0]?.split(/\s{2,}/)[1] ?? "";
      const escaped = top.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      expect(failing?.failure?.message).toMatch(
        new RegExp(`success rate .*; top failure reason: ${escaped}, \\d+ in the window, last seen \\S+(: .+)?$`),
      );
      expect(cases.filter((c) => c.failure)).toHaveLength(1);
    } finally {
      emulators.segment.setHealth(braze().id, "healthy");
    }
  });

  it("warns once and exits as if off when the token may not use Delivery Overview (403)", async () => {
    emulators.segment.setDeliveryOverview(false);
    const result = await runCli(["check", "--json", ...NO_THRESHOLDS], env());
    expect(result.code).toBe(0);
    const warnings = result.stderr.split("\n").filter((l) => l.includes("Delivery Overview"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("403");
    expect(result.stderr).not.toContain(emulators.segment.token);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.connections.length).toBe(active().length);
    expect(report.connections.every((c) => c.errors === undefined)).toBe(true);
  });

  it("keeps the exit code when one connection's error details cannot be read, and says so", async () => {
    emulators.segment.faults.queue("missing-fields", 1, "delivery-overview-failed-delivery");
    try {
      const result = await runCli(["check", "--json", ...NO_THRESHOLDS], env());
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as Report;
      expect(report.connections.filter((c) => c.errors === undefined)).toHaveLength(1);
      expect(report.connections.filter((c) => c.errors !== undefined)).toHaveLength(active().length - 1);
      const warnings = result.stderr.split("\n").filter((l) => l.includes("no error details for"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/unexpected shape at data\.total/);
    } finally {
      emulators.segment.faults.clear();
    }
  });

  it("reads nothing from Delivery Overview with --no-error-details or config export.errorDetails: false", async () => {
    const flag = await runCli(["check", "--json", "--no-error-details", ...NO_THRESHOLDS], env());
    expect(flag.code).toBe(0);
    expect((JSON.parse(flag.stdout) as Report).connections.every((c) => c.errors === undefined)).toBe(true);
    const file = join(tempStatePath(), "..", "config.yaml");
    writeFileSync(file, "export:\n  errorDetails: false\n");
    const fromFile = await runCli(["check", "--config", file, ...NO_THRESHOLDS], env());
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).not.toContain("Error details");
    expect(emulators.segment.deliveryOverviewRequests({ step: "failed-delivery" })).toBe(0);
    expect(emulators.segment.requests.some((r) => r.route === "delivery-metrics")).toBe(true);
  });

  it("documents the switch in --help", async () => {
    const result = await runCli(["check", "--help"], env());
    expect(result.stdout).toMatch(/--no-error-details\s+do not read failed deliveries by reason/);
  });
});

describe("check: text from the network in the terminal", () => {
  it("shows control characters in names escaped, never raw", async () => {
    const fixture = demoFixture();
    const first = fixture.destinations[0];
    if (!first) throw new Error("no destination");
    first.name = "Evil\u001b[2J\u0007Name";
    const own = await startEmulators({ segment: { fixture }, datadog: {} });
    try {
      const result = await runCli(["check", ...NO_THRESHOLDS], emulatorEnv(own));
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain("\u001b");
      expect(result.stdout).not.toContain("\u0007");
      expect(result.stdout).toContain("Evil\\u{1b}[2J\\u{7}Name");
    } finally {
      await own.close();
    }
  });
});
