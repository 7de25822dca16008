// Issue #5: bad input of every kind. Each case: the documented exit code, exactly one error line
// that names what is wrong and how to fix it, no stack trace, no token or key anywhere in the
// output, and a state file left byte for byte as it was — with work really due in it.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { cleanEnv, runCli } from "../helpers/cli.js";

const SEGMENT_TOKEN = "bad-input-segment-token-0123456789";
const DD_API_KEY = "fake-datadog-key-for-tests-0001";
let emulators: Emulators;
let prepared: string;
const dir = mkdtempSync(join(tmpdir(), "sde-bad-"));

const env = (extra: Record<string, string | undefined> = {}) =>
  cleanEnv({
    SEGMENT_API_URL: emulators.segment.url,
    SEGMENT_TOKEN,
    DD_API_URL: emulators.datadog.url,
    DD_API_KEY,
    ...extra,
  });

beforeAll(async () => {
  emulators = await startEmulators({
    segment: { token: SEGMENT_TOKEN, slowMs: 100, faultRetryMs: 10 },
    datadog: { apiKeys: [DD_API_KEY] },
  });
  prepared = join(dir, "prepared.json");
  // Without the pipeline steps: a source's streams read only Delivery Overview, which most cases here
  // do not break, so they would rightly move on in a run that crosses a bucket boundary and make the
  // "state untouched" check below depend on the clock (pipeline.test.ts covers them).
  const ok = await runCli(["export", "--no-pipeline", "--state", prepared], env());
  expect(ok.code).toBe(0);
  // Move every watermark 5 minutes back: the next run has buckets due on every stream (further
  // back, some re-reads would fall out of Datadog's window and be skipped, which moves the state).
  const state = JSON.parse(readFileSync(prepared, "utf8"));
  for (const ws of Object.values(state.workspaces) as Array<{
    delivery: Record<string, { stages: Record<string, string> }>;
    events?: { stages: Record<string, string> };
  }>) {
    for (const stream of [...Object.values(ws.delivery), ...(ws.events ? [ws.events] : [])]) {
      for (const key of Object.keys(stream.stages)) {
        stream.stages[key] = new Date(Date.parse(stream.stages[key] as string) - 5 * 60_000).toISOString();
      }
    }
  }
  writeFileSync(prepared, JSON.stringify(state, null, 2));
});
afterAll(async () => {
  await emulators.close();
});

let n = 0;
function stateCopy(): string {
  const path = join(dir, `state-${n++}.json`);
  copyFileSync(prepared, path);
  return path;
}
function fileWith(text: string, ext = "yaml"): string {
  const path = join(dir, `input-${n++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

interface Case {
  args: (state: string) => string[];
  env?: Record<string, string | undefined>;
  setup?: () => void;
  code: number;
  pattern: RegExp;
}

const SEGMENT_ROUTE_FAULT = (kind: Parameters<Emulators["segment"]["faults"]["queue"]>[0], route: string) => () =>
  emulators.segment.faults.queue(kind, 10_000, route);

const cases: Record<string, Case> = {
  // Flags
  "unknown flag": { args: () => ["export", "--no-such-flag"], code: 2, pattern: /unknown option '--no-such-flag'/ },
  "flag without its value": {
    args: () => ["export", "--bucket"],
    code: 2,
    pattern: /option '--bucket <duration>' argument missing/,
  },
  "flag of the wrong type": {
    args: (s) => ["export", "--concurrency", "lots", "--state", s],
    code: 2,
    pattern: /--concurrency: 'lots' must be a whole number from 1 to 64/,
  },
  "bad shard": {
    args: (s) => ["export", "--shard", "3/3", "--state", s],
    code: 2,
    pattern: /--shard: '3\/3' is not a shard; write i\/n with 0 ≤ i < n/,
  },
  "bad log level": {
    args: (s) => ["export", "--log-level", "loud", "--state", s],
    code: 2,
    pattern: /--log-level: 'loud' is not a log level; use one of/,
  },
  "bad rate limit": {
    args: (s) => ["export", "--rate-limit", "everything=5", "--state", s],
    code: 2,
    pattern:
      /--rate-limit: 'everything' is not an endpoint the exporter reads; use one of workspace, .*delivery-metrics/,
  },
  // Dates and durations
  "time not ISO": {
    args: (s) => ["backfill", "--from", "last tuesday", "--state", s],
    code: 2,
    pattern: /--from: 'last tuesday' is not a time; use ISO 8601/,
  },
  "time without zone": {
    args: (s) => ["backfill", "--from", "2026-11-24T06:00:00", "--state", s],
    code: 2,
    pattern: /has no time zone; add Z/,
  },
  "from after to": {
    args: (s) => ["backfill", "--from", "-1h", "--to", "-2h", "--state", s],
    code: 2,
    pattern: /--from .* must be before --to/,
  },
  "time in the future": {
    args: (s) => ["backfill", "--from", "2099-01-01T00:00:00Z", "--state", s],
    code: 2,
    pattern: /is in the future/,
  },
  "time too old": {
    args: (s) => ["backfill", "--from", "-40d", "--bucket", "1h", "--historical", "--state", s],
    code: 2,
    pattern: /older than Segment serves delivery metrics .* oldest allowed start is \d{4}-/,
  },
  "duration not a duration": {
    args: (s) => ["export", "--delay", "two minutes", "--state", s],
    code: 2,
    pattern: /--delay: 'two minutes' is not a duration; write a whole number and a unit/,
  },
  // Config file
  "config malformed": {
    args: (s) => ["export", "--config", fileWith("workspaces: [\n"), "--state", s],
    code: 2,
    pattern: /--config: .* is not valid YAML/,
  },
  "config unknown key": {
    args: (s) => [
      "export",
      "--config",
      fileWith("workspaces:\n  - tokenEnv: SEGMENT_TOKEN\n    sorces: [web]\n"),
      "--state",
      s,
    ],
    code: 2,
    pattern: /workspaces\[0\]: unknown key 'sorces'; check the spelling/,
  },
  "config wrong type": {
    args: (s) => ["export", "--config", fileWith('{"concurrency": "8"}', "json"), "--state", s],
    code: 2,
    pattern: /: concurrency: .*number/,
  },
  "config token missing": {
    args: (s) => ["export", "--config", fileWith("workspaces:\n  - tokenEnv: PROD_SEGMENT_TOKEN\n"), "--state", s],
    code: 2,
    pattern: /workspaces\[0\]\.tokenEnv: environment variable PROD_SEGMENT_TOKEN is not set/,
  },
  "config literal token": {
    args: (s) => ["export", "--config", fileWith(`workspaces:\n  - token: ${SEGMENT_TOKEN}\n`), "--state", s],
    code: 2,
    pattern: /the token is never written in the config file/,
  },
  "no token at all": {
    args: (s) => ["export", "--state", s],
    env: { SEGMENT_TOKEN: undefined },
    code: 2,
    pattern: /SEGMENT_TOKEN is not set; export SEGMENT_TOKEN/,
  },
  // State file
  "state corrupt": {
    args: () => ["export", "--state", fileWith("{ not json", "json")],
    code: 2,
    pattern: /--state: .* is not valid JSON \(corrupt or edited by hand\); restore it, or move it away/,
  },
  "state from a future version": {
    args: () => ["export", "--state", fileWith('{"version": 9, "bucket": "5m", "workspaces": {}}', "json")],
    code: 2,
    pattern: /written by a newer segment-datadog-exporter \(state version 9/,
  },
  "state of another bucket": {
    args: (s) => ["export", "--bucket", "15m", "--state", s],
    code: 2,
    pattern: /--bucket: .* was written with --bucket 5m; keep --bucket 5m, or use a new --state file/,
  },
  "state folder unwritable": {
    // A path through a regular file: unwritable even for root (permissions would not stop root).
    args: () => ["export", "--state", join(fileWith("not a folder", "txt"), "state.json")],
    code: 2,
    pattern: /--state: .*input-\d+\.txt is a file, not a folder; choose a --state path inside a folder/,
  },
  // URLs
  "plain http to a remote host": {
    args: (s) => ["export", "--state", s],
    env: { DD_API_URL: "http://intake.example.com" },
    code: 2,
    pattern: /^segment-datadog-exporter: DD_API_URL: plain http:\/\/ is refused/,
  },
  "not a URL": {
    args: (s) => ["export", "--segment-url", "segment", "--state", s],
    code: 2,
    pattern: /--segment-url: 'segment' is not a URL/,
  },
  // Segment answers
  "a wrong Segment token": {
    args: (s) => ["export", "--state", s],
    env: { SEGMENT_TOKEN: "wrong-token-0123456789" },
    code: 3,
    pattern: /Segment rejected the token \(HTTP 401\)/,
  },
  "Segment answers an HTML page": {
    args: (s) => ["export", "--state", s],
    setup: SEGMENT_ROUTE_FAULT("html-200", "sources"),
    code: 4,
    pattern: /could not list the sources and destinations .* an HTML page/,
  },
  "Segment answers invalid JSON": {
    args: (s) => ["export", "--no-event-volume", "--state", s],
    setup: SEGMENT_ROUTE_FAULT("invalid-json", "delivery-metrics"),
    code: 4,
    pattern: /buckets failed after retries; .* answered 200 with invalid JSON/,
  },
  "Segment answers without fields": {
    args: (s) => ["export", "--no-event-volume", "--state", s],
    setup: SEGMENT_ROUTE_FAULT("missing-fields", "delivery-metrics"),
    code: 4,
    pattern: /unexpected shape at data\.deliveryMetricsSummary/,
  },
  "Segment answers wrong types": {
    args: (s) => ["export", "--no-event-volume", "--state", s],
    setup: SEGMENT_ROUTE_FAULT("wrong-types", "delivery-metrics"),
    code: 4,
    pattern: /without a single numeric value/,
  },
  "Segment answers negative counts": {
    args: (s) => ["export", "--no-event-volume", "--state", s],
    setup: SEGMENT_ROUTE_FAULT("negative-counts", "delivery-metrics"),
    code: 4,
    pattern: /unexpected shape .*negative value/,
  },
  // Datadog answers
  "a wrong Datadog key": {
    args: (s) => ["export", "--state", s],
    env: { DD_API_KEY: "fake-datadog-key-wrong-0002" },
    code: 3,
    pattern: /Datadog \(http:\/\/127\.0\.0\.1:\d+\) rejected the API key .*check DD_API_KEY/,
  },
  "Datadog answers a text/plain 400": {
    args: (s) => ["export", "--state", s],
    setup: () => emulators.datadog.faults.queue("400-text", 10_000, "series"),
    code: 4,
    pattern:
      /buckets failed after retries; they stay pending for the next run; first error: Datadog answered HTTP 400: Payload is not in the expected format/,
  },
};

describe("bad input", () => {
  it.each(Object.entries(cases))("%s", async (_name, c) => {
    emulators.segment.faults.clear();
    emulators.datadog.faults.clear();
    const state = stateCopy();
    const before = readFileSync(state);
    c.setup?.();
    const args = c.args(state);
    if (args[0] === "export" || args[0] === "backfill") args.splice(1, 0, "--no-pipeline");
    const result = await runCli(args, env(c.env));
    emulators.segment.faults.clear();
    emulators.datadog.faults.clear();
    expect(result.code).toBe(c.code);
    const errorLines = result.stderr.split("\n").filter((l) => l.startsWith("segment-datadog-exporter:"));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(c.pattern);
    if (c.code === 2) {
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stdout).toBe("");
    }
    for (const output of [result.stdout, result.stderr]) {
      expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(output).not.toContain(SEGMENT_TOKEN);
      expect(output).not.toContain(DD_API_KEY);
      expect(output).not.toContain("wrong-token-0123456789");
      expect(output).not.toContain("fake-datadog-key-wrong-0002");
    }
    expect(readFileSync(state).equals(before)).toBe(true);
  });

  it("has at least 25 cases", () => {
    expect(Object.keys(cases).length).toBeGreaterThanOrEqual(25);
  });

  it("Datadog's text/plain 413 splits the batch and everything arrives", async () => {
    emulators.datadog.faults.queue("413-text", 1, "series");
    const result = await runCli(["export", "--state", stateCopy()], env());
    expect(result.code).toBe(0);
    const sizes = emulators.datadog.requests.slice(-4).map((r) => r.status);
    expect(sizes).toContain(413);
  });

  it("a workspace without connections exports event volume and says so", async () => {
    const empty = await startEmulators({
      segment: { fixture: { ...emulators.segment.fixture, destinations: [] } },
    });
    try {
      const result = await runCli(
        ["export", "--state", join(dir, `empty-${n++}.json`)],
        cleanEnv({
          SEGMENT_API_URL: empty.segment.url,
          SEGMENT_TOKEN: empty.segment.token,
          DD_API_URL: empty.datadog.url,
          DD_API_KEY: empty.datadog.apiKey,
        }),
      );
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(
        /has no enabled source→destination connection; only its sources' series are exported/,
      );
      expect(empty.datadog.store.series("segment_exporter.events.volume").length).toBeGreaterThan(0);
    } finally {
      await empty.close();
    }
  });
});
