// The CLI with --sink newrelic and --sink prometheus (design §5, Sinks), as a child process against the
// emulators: a missing key or URL is exit 2 with one line and nothing sent, a refused credential is
// exit 3 (in export and in check's credential step), a state file of another sink is exit 2, and
// --dry-run prints what the chosen backend would be sent.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { tempStatePath } from "../helpers/export.js";

const TOKEN = "bearer-token-for-remote-write";
let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators({ prometheus: { auth: { bearerToken: TOKEN } } });
});
afterAll(async () => {
  await emulators.close();
});
beforeEach(() => {
  emulators.segment.resetRequests();
  emulators.newrelic.reset();
  emulators.prometheus.reset();
});

const segmentEnv = () => ({ SEGMENT_API_URL: emulators.segment.url, SEGMENT_TOKEN: emulators.segment.token });
const newRelicEnv = (key = emulators.newrelic.licenseKey) =>
  cleanEnv({ ...segmentEnv(), NEW_RELIC_LICENSE_KEY: key, NEW_RELIC_METRIC_API_URL: emulators.newrelic.metricUrl });
const remoteWriteEnv = (token = TOKEN) =>
  cleanEnv({
    ...segmentEnv(),
    PROMETHEUS_REMOTE_WRITE_URL: emulators.prometheus.writeUrl,
    PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN: token,
  });

const nothingToSinks = () => {
  expect(emulators.newrelic.requests).toEqual([]);
  expect(emulators.prometheus.requests).toEqual([]);
};
const nothingSent = () => {
  expect(emulators.segment.requests).toEqual([]);
  nothingToSinks();
};

function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0] ?? "";
}

describe("--sink newrelic and --sink prometheus on the command line", () => {
  it("a missing license key or remote-write URL is exit 2, one line, nothing sent", async () => {
    const nr = await runCli(["export", "--sink", "newrelic", "--state", tempStatePath()], cleanEnv(segmentEnv()));
    expect(nr.code).toBe(2);
    expect(nr.stdout).toBe("");
    expect(oneLine(nr.stderr)).toMatch(/^segment-datadog-exporter: NEW_RELIC_LICENSE_KEY is not set; export/);
    const prw = await runCli(
      ["export", "--state", tempStatePath()],
      cleanEnv({ ...segmentEnv(), SEGMENT_EXPORTER_SINK: "prometheus" }),
    );
    expect(prw.code).toBe(2);
    expect(oneLine(prw.stderr)).toMatch(/^segment-datadog-exporter: PROMETHEUS_REMOTE_WRITE_URL is not set; export/);
    nothingSent();
  });

  it("a refused key is exit 3, before Segment is read; the key never shows", async () => {
    const nr = await runCli(
      ["export", "--sink", "newrelic", "--state", tempStatePath()],
      newRelicEnv("not-the-license-key"),
    );
    expect(nr.code).toBe(3);
    expect(oneLine(nr.stderr)).toMatch(
      /^segment-datadog-exporter: New Relic \(127\.0\.0\.1:\d+\) rejected the license key \(HTTP 403\); check NEW_RELIC_LICENSE_KEY/,
    );
    expect(nr.stderr).not.toContain("not-the-license-key");
    const prw = await runCli(
      ["export", "--sink", "prometheus", "--state", tempStatePath()],
      remoteWriteEnv("not-the-token-1234"),
    );
    expect(prw.code).toBe(3);
    expect(oneLine(prw.stderr)).toMatch(
      /refused the credentials \(HTTP 401: Unauthorized\); check PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN/,
    );
    expect(prw.stderr).not.toContain("not-the-token-1234");
    // Nothing of Segment's was read.
    expect(emulators.segment.requests).toEqual([]);
  });

  it("check validates the chosen sink's key: exit 3 naming New Relic", async () => {
    const result = await runCli(["check", "--sink", "newrelic", "--json"], newRelicEnv("wrong-license-key"));
    expect(result.code).toBe(3);
    expect(oneLine(result.stderr)).toMatch(/New Relic .* rejected the license key/);
    const good = await runCli(["check", "--sink", "prometheus", "--json"], remoteWriteEnv());
    expect([0, 5]).toContain(good.code);
    expect(JSON.parse(good.stdout).connections.length).toBeGreaterThan(0);
    // The credential step wrote nothing.
    expect(emulators.prometheus.series()).toEqual([]);
  });

  it("exports to each, and refuses a --sink switch on an existing state file (exit 2, nothing sent)", async () => {
    const state = tempStatePath();
    const first = await runCli(["export", "--sink", "newrelic", "--state", state], newRelicEnv());
    expect(first.code).toBe(0);
    expect(emulators.newrelic.points().length).toBeGreaterThan(0);
    emulators.segment.resetRequests();
    emulators.newrelic.reset();
    const switched = await runCli(["export", "--sink", "prometheus", "--state", state], remoteWriteEnv());
    expect(switched.code).toBe(2);
    expect(oneLine(switched.stderr)).toMatch(
      /^segment-datadog-exporter: --sink: .* holds the progress of --sink newrelic; keep --sink newrelic, or use a new --state file for --sink prometheus/,
    );
    nothingSent();
    const own = await runCli(["export", "--sink", "prometheus", "--state", tempStatePath()], remoteWriteEnv());
    expect(own.code).toBe(0);
    expect(emulators.prometheus.series().length).toBeGreaterThan(0);
  });

  it("--dry-run prints, one JSON line per series, what New Relic would be sent, with no key", async () => {
    const result = await runCli(["export", "--sink", "newrelic", "--dry-run", "--no-usage"], cleanEnv(segmentEnv()));
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(10);
    const count = lines.find((l) => l.metrics[0].name === "segment_exporter.delivery.successes");
    expect(count.common.attributes).toMatchObject({
      workspace: expect.any(String),
      destination_id: expect.any(String),
    });
    expect(count.metrics[0]).toEqual({
      name: "segment_exporter.delivery.successes",
      type: "count",
      "interval.ms": 300_000,
      value: expect.any(Number),
      timestamp: expect.any(Number),
    });
    const [point] = count.metrics;
    expect(point.timestamp % 300_000).toBe(0);
    // Sent once, at the last read (40 minutes after the bucket ends): no bucket younger than that.
    expect(Date.now() - point.timestamp).toBeGreaterThanOrEqual(45 * 60_000);
    const p95 = lines.find((l) => l.metrics[0].name === "segment_exporter.delivery.time_to_success.p95");
    expect(p95.metrics[0].type).toBe("gauge");
    expect(p95.metrics[0]["interval.ms"]).toBeUndefined();
    nothingToSinks();
  });

  it("--dry-run prints, one JSON line per series, the remote-write label set and samples, with no URL", async () => {
    const result = await runCli(["export", "--sink", "prometheus", "--dry-run", "--no-usage"], cleanEnv(segmentEnv()));
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const p95 = lines.find((l) => l.labels.__name__ === "segment_exporter_delivery_time_to_success_p95_seconds");
    expect(Object.keys(p95.labels)).toEqual([...Object.keys(p95.labels)].sort());
    expect(p95.samples[0]).toEqual({ timestamp: expect.any(Number), value: expect.any(Number) });
    expect(p95.samples[0].value).toBeLessThan(100); // seconds, not milliseconds
    expect(lines.some((l) => l.labels.__name__ === "segment_exporter_delivery_successes")).toBe(true);
    expect(lines.every((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(l.labels.__name__))).toBe(true);
    nothingToSinks();
  });

  it.each(["newrelic", "prometheus"])("demo --sink %s checks every stored point against the truth", async (sink) => {
    const result = await runCli(["demo", "--sink", sink, "--json"], cleanEnv());
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      sink: string;
      problems: string[];
      checkedAgainstTruth: number;
      points: number;
    };
    expect(report.sink).toBe(sink);
    expect(report.problems).toEqual([]);
    expect(report.checkedAgainstTruth).toBe(report.points);
    expect(report.points).toBeGreaterThan(50);
  });
});
