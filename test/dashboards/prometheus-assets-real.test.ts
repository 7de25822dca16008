// Issue #21.6, done when: "the Grafana dashboard's expressions run on the real Prometheus". Points
// made by the export's own mapping functions (so every name, label and unit is the real one) go
// into a real Prometheus over remote write; then every Grafana panel expression and every alerting
// rule runs through its HTTP API. Each must parse, the delivery panels must show the numbers that
// went in, and each alert must fire for exactly the connection or workspace built to trip it.
// Runs when `prometheus` is on the PATH; in CI its absence fails the suite (see test/helpers).
// TODO(#21, branch sinks): once `export --sink prometheus` is on main, write these with a real export
// against the Segment emulator instead of posting the mapped points directly.
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGrafanaDashboard, grafanaTargets } from "../../src/dashboards/grafana.js";
import { buildPrometheusRules, PROMETHEUS_ALERT_NAMES } from "../../src/dashboards/prometheus-rules.js";
import { remoteWriteName, remoteWriteValue } from "../../src/dashboards/refs.js";
import { mapDeliverySummary } from "../../src/mapping/delivery.js";
import { mapEventVolume } from "../../src/mapping/events.js";
import { mapFailures } from "../../src/mapping/failures.js";
import { PIPELINE_SERIES } from "../../src/mapping/pipeline.js";
import { connectionTags, sourceTags } from "../../src/mapping/tags.js";
import type { MetricPoint } from "../../src/mapping/types.js";
import { mapUsage } from "../../src/mapping/usage.js";
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, type RemoteWriteSeries } from "../../src/sinks/prometheus/wire.js";
import { assetOptions, exportRunHealth, PREFIX } from "../helpers/assets.js";
import { type RealPrometheus, runsWith, startPrometheus } from "../helpers/prometheus.js";

const MIN = 60_000;
const BUCKET = 5 * MIN;
/** The newest bucket written: a bucket boundary in the past; ten buckets end with it. */
const T = Math.floor(Date.now() / BUCKET) * BUCKET - BUCKET;
const BUCKETS = Array.from({ length: 10 }, (_, i) => T - (9 - i) * BUCKET);
/** The end of the newest bucket: where the dashboard's panels are evaluated. */
const END = T + BUCKET;
const iso = (ms: number) => new Date(ms).toISOString();
const WORKSPACE = "acme-prod";
const options = assetOptions({ sendAgeMs: 40 * MIN }); // min success 99.9 %, max p95 30 s, 20 deliveries

interface Connection {
  source: string;
  destination: string;
  id: string;
  successes: number;
  discarded: number;
  /** p95 time to success per bucket (ms): slow in the given buckets (index into BUCKETS). */
  p95: (bucket: number) => number;
  buckets: number[];
}

const CONNECTIONS: Connection[] = [
  // Healthy: every delivery succeeds quickly.
  {
    source: "web",
    destination: "Amplitude",
    id: "d-good",
    successes: 100,
    discarded: 0,
    p95: () => 1_200,
    buckets: [...BUCKETS.keys()],
  },
  // Failing: 10 of 60 discarded (502) in every bucket, and slow in 4 of the last 6 buckets.
  {
    source: "web",
    destination: "Webhooks",
    id: "d-bad",
    successes: 50,
    discarded: 10,
    p95: (b) => (b >= 6 ? 90_000 : 2_000),
    buckets: [...BUCKETS.keys()],
  },
  // Quiet: one delivery, discarded: 0 % of too few deliveries to be rated.
  { source: "ios", destination: "Webhooks", id: "d-quiet", successes: 0, discarded: 1, p95: () => 0, buckets: [9] },
];

function connectionPoints(c: Connection): MetricPoint[] {
  const tags = connectionTags(
    WORKSPACE,
    { id: `src-${c.source}`, slug: c.source },
    { id: c.id, name: c.destination, catalogName: c.destination, catalogSlug: c.destination.toLowerCase() },
    [["env", "test"]],
  );
  const points = c.buckets.flatMap((b) => {
    const latency = (name: string, p95: number) => ({
      metricName: name,
      breakdown: [
        { metricName: `${name}_average`, value: p95 / 2 },
        { metricName: `${name}_p95`, value: p95 },
      ],
    });
    const mapped = mapDeliverySummary(
      [
        {
          metricName: "successes",
          total: c.successes,
          breakdown: [
            { metricName: "successes_on_first_attempt", value: c.successes },
            { metricName: "successes_after_retry", value: 0 },
          ],
        },
        { metricName: "discarded", total: c.discarded },
        { metricName: "expired", total: 0 },
        { metricName: "retried", total: c.discarded },
        latency("time_to_success", c.p95(b)),
        latency("time_to_first_attempt", 100),
      ],
      { prefix: PREFIX, timestamp: (BUCKETS[b] as number) / 1000, intervalS: BUCKET / 1000, tags },
    );
    expect(mapped.warnings).toEqual([]);
    return mapped.points;
  });
  const buckets = c.buckets.map((b) => BUCKETS[b] as number);
  const perBucket = (reason: string, count: number) => ({
    discardReason: reason,
    series: buckets.map((b) => ({ time: iso(b), count })),
  });
  const failures = mapFailures([perBucket("502", c.discarded)], { prefix: PREFIX, bucketMs: BUCKET, buckets, tags });
  // Filtered at destination: 3 events per bucket dropped by a destination filter.
  const filtered = mapFailures([perBucket("FILTERED_BY_DESTINATION_FILTER", 3)], {
    prefix: PREFIX,
    bucketMs: BUCKET,
    buckets,
    tags,
    suffix: PIPELINE_SERIES.filteredAtDestination,
  });
  return [...points, ...failures, ...filtered];
}

/** The first pipeline steps per source, as the Delivery Overview kinds map them: received, failed on ingest, filtered at source. */
function sourcePipelinePoints(slug: string): MetricPoint[] {
  const tags = sourceTags(WORKSPACE, { id: `src-${slug}`, slug }, []);
  const step = (suffix: string, byReason: boolean, reason: string, count: number) =>
    mapFailures([{ discardReason: reason, series: BUCKETS.map((b) => ({ time: iso(b), count })) }], {
      prefix: PREFIX,
      bucketMs: BUCKET,
      buckets: BUCKETS,
      tags,
      suffix,
      byReason,
    });
  return [
    ...step(PIPELINE_SERIES.received, false, "", 200),
    ...step(PIPELINE_SERIES.ingestFailed, true, "MISSING_USER_ID", 4),
    ...step(PIPELINE_SERIES.filteredAtSource, true, "PROTOCOLS_BLOCKED", 2),
  ];
}

function otherPoints(): MetricPoint[] {
  const volume = mapEventVolume(
    ["web", "ios"].map((slug) => ({
      tags: sourceTags(WORKSPACE, { id: `src-${slug}`, slug }, []),
      series: BUCKETS.map((b) => ({ time: iso(b), count: 500 })),
    })),
    { prefix: PREFIX, bucketMs: BUCKET, wanted: () => true },
  );
  const day = iso(T).slice(0, 10);
  const usage = mapUsage(
    {
      sourceMtu: [],
      workspaceMtu: [
        { anonymous: 10, anonymousIdentified: 20, identified: 30, neverIdentified: 40, timestamp: `${day}T00:00:00Z` },
      ],
      sourceCalls: [],
      workspaceCalls: [{ apiCalls: 1000, timestamp: `${day}T00:00:00Z` }],
    },
    { prefix: PREFIX, workspaceSlug: WORKSPACE, sources: new Map(), tags: [], timestamp: T / 1000 },
  );
  // One export run at T that reports a lag of 2.5 h and 2 buckets lost.
  const self = exportRunHealth(
    PREFIX,
    { workspace: WORKSPACE, bucketsExported: 10, bucketsFailed: 1, bucketsMissed: 2, lagMs: 9_000_000 },
    T / 1000,
  );
  return [...volume, ...usage, ...self, ...sourcePipelinePoints("web"), ...sourcePipelinePoints("ios")];
}

/** Points as remote write carries them (design §5): remote-write names and units, tags as labels, one series per label set. */
function toSeries(points: MetricPoint[]): RemoteWriteSeries[] {
  const series = new Map<
    string,
    { labels: Record<string, string>; samples: Array<{ value: number; timestampMs: number }> }
  >();
  for (const p of points) {
    const labels = { __name__: remoteWriteName(p.metric, p.unit), ...Object.fromEntries(p.tags) };
    const key = JSON.stringify(Object.entries(labels).sort());
    const entry = series.get(key) ?? { labels, samples: [] as Array<{ value: number; timestampMs: number }> };
    entry.samples.push({ value: remoteWriteValue(p.value, p.unit), timestampMs: p.timestamp * 1000 });
    series.set(key, entry);
  }
  return [...series.values()];
}

interface Answer {
  status: string;
  error?: string;
  data?: {
    resultType: string;
    result: Array<{ metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }>;
  };
}

/** Grafana's variables as the dashboard's defaults (All) or a choice, and its time macros at one bucket / one hour. */
function interpolate(expr: string, choices: Record<string, string> = {}): string {
  return expr
    .replaceAll("$__interval", "5m")
    .replaceAll("$__range", "1h")
    .replace(/\$(\w+)/g, (_, name: string) => choices[name] ?? ".*");
}

describe.runIf(runsWith("prometheus"))("the Grafana dashboard and the Prometheus rules on a real Prometheus", () => {
  let prometheus: RealPrometheus;
  const dashboard = buildGrafanaDashboard(options);
  const targets = grafanaTargets(dashboard);
  const rules = buildPrometheusRules(options).groups[0]?.rules ?? [];

  async function get(path: string, params: Record<string, string>): Promise<[number, Answer]> {
    const res = await request(`${prometheus.url}${path}?${new URLSearchParams(params)}`);
    return [res.statusCode, (await res.body.json()) as Answer];
  }
  const query = (expr: string, timeMs: number) => get("/api/v1/query", { query: expr, time: String(timeMs / 1000) });
  const values = (answer: Answer) =>
    new Map(answer.data?.result.map((r) => [JSON.stringify(r.metric), Number(r.value?.[1])]) ?? []);

  beforeAll(async () => {
    prometheus = await startPrometheus();
    const points = [...CONNECTIONS.flatMap(connectionPoints), ...otherPoints()];
    const res = await request(prometheus.writeUrl, {
      method: "POST",
      headers: { ...REMOTE_WRITE_HEADERS },
      body: encodeWriteRequest(toSeries(points)),
    });
    expect([res.statusCode, (await res.body.text()).trim()]).toEqual([204, ""]);
  }, 60_000);
  afterAll(async () => {
    await prometheus?.stop();
  });

  it("runs every panel expression: each parses, and every delivery panel returns data", async () => {
    expect(targets.length).toBeGreaterThan(25);
    const delivery = new Set(
      (dashboard.panels ?? [])
        .filter((p) => {
          const y = p.gridPos?.y ?? 0;
          const rowY = (title: string) =>
            (dashboard.panels ?? []).find((r) => r.type === "row" && r.title === title)?.gridPos?.y ?? 0;
          return y > rowY("Key metrics") && y < rowY("Event volume");
        })
        .map((p) => p.title),
    );
    expect(delivery.size).toBeGreaterThanOrEqual(22);
    for (const target of targets) {
      const [status, answer] = await query(interpolate(target.expr), T);
      expect([status, answer.status, answer.error], `${target.panel}: ${target.expr}`).toEqual([
        200,
        "success",
        undefined,
      ]);
      if (delivery.has(target.panel)) expect(answer.data?.result.length, target.panel).toBeGreaterThan(0);
    }
  });

  it("shows the numbers that went in: totals over the hour, one bar per bucket, the variables' filters", async () => {
    const stat = async (title: string, choices: Record<string, string> = {}) => {
      const target = targets.find((t) => t.panel === title);
      const [, answer] = await query(interpolate(String(target?.expr), choices), END);
      return Number(answer.data?.result[0]?.value?.[1]);
    };
    // The hour before the newest bucket's end holds all ten buckets: 100 + 50 per bucket, and the quiet connection's nothing.
    expect(await stat("Delivered")).toBe(1500);
    expect(await stat("Not delivered (discarded + expired)")).toBe(101);
    expect(await stat("Success rate")).toBeCloseTo((100 * 1500) / 1601, 6);
    expect(await stat("p95 time to success (worst connection)")).toBe(90); // seconds
    expect(await stat("Delivered", { source_slug: "ios" })).toBe(0);
    // The pipeline, step by step: per source (two sources) and per connection (three).
    expect(await stat("Received")).toBe(2 * 10 * 200);
    expect(await stat("Failed on ingest")).toBe(2 * 10 * 4);
    expect(await stat("Filtered at source", { source_slug: "web" })).toBe(10 * 2);
    expect(await stat("Filtered at destination")).toBe(3 * (10 + 10 + 1));
    expect(await stat("Failed delivery")).toBe(101);
    const top = targets.find((t) => t.panel === "Top reasons: failed on ingest");
    const [, reasons] = await query(interpolate(String(top?.expr)), END);
    expect(reasons.data?.result.map((r) => [r.metric.reason, r.value?.[1]])).toEqual([["missing_user_id", "80"]]);
    expect(await stat("Not delivered (discarded + expired)", { destination: "Webhooks", source_slug: "ios" })).toBe(1);

    // One bar per bucket, at the bucket's end: a range query stepping one bucket sums each bucket once
    // (and not twice, though Prometheus 2 ranges hold both of their ends).
    const bars = targets.find((t) => t.panel === "Delivered, discarded, expired, retried");
    const [status, range] = await get("/api/v1/query_range", {
      query: interpolate(String(bars?.expr)),
      start: String((BUCKETS[0] as number) / 1000),
      end: String((END + BUCKET) / 1000),
      step: "300",
    });
    expect(status).toBe(200);
    expect(range.data?.result[0]?.values).toEqual(
      [...BUCKETS.keys()].map((i) => [((BUCKETS[i] as number) + BUCKET) / 1000, "150"]),
    );

    // Grafana's label_values(selector, name) is the label values API with that selector.
    for (const variable of (dashboard.templating?.list ?? []).slice(1)) {
      const match = /^label_values\((\{.*\}), (\w+)\)$/.exec(String(variable.query));
      const [code, answer] = await get(`/api/v1/label/${match?.[2]}/values`, {
        "match[]": interpolate(String(match?.[1])),
      });
      expect(code).toBe(200);
      expect((answer.data as unknown as string[]).length, variable.name).toBeGreaterThan(0);
    }
  });

  it("runs every alerting rule: each parses, and each fires for exactly what was built to trip it", async () => {
    expect(rules.map((r) => r.alert)).toEqual(Object.values(PROMETHEUS_ALERT_NAMES));
    const rule = (key: keyof typeof PROMETHEUS_ALERT_NAMES) =>
      String(rules.find((r) => r.alert === PROMETHEUS_ALERT_NAMES[key])?.expr);
    const fired = async (key: keyof typeof PROMETHEUS_ALERT_NAMES, atMs: number) => {
      const [status, answer] = await query(rule(key), atMs);
      expect([status, answer.status, answer.error], rule(key)).toEqual([200, "success", undefined]);
      return values(answer);
    };
    // The delivery rules look 45 minutes back (bucket + send age): evaluated then, they see the ten buckets.
    const late = T + 45 * MIN;
    const bad = { destination: "Webhooks", destination_id: "d-bad", source_slug: "web", workspace: WORKSPACE };
    expect(await fired("success-rate", late)).toEqual(new Map([[JSON.stringify(bad), 50 / 60]]));
    expect(await fired("p95", late)).toEqual(new Map([[JSON.stringify(bad), 4]])); // 4 slow of the last 6
    // The oldest of these buckets (T − 45m) is complete at T: before, silence; at T, its one bucket is enough.
    expect((await fired("success-rate", T - MIN)).size).toBe(0);
    expect(await fired("success-rate", T)).toEqual(new Map([[JSON.stringify(bad), 50 / 60]]));
    // The heartbeat at T: present 10 minutes later, absent for the 30 minutes before T + 31m.
    expect((await fired("stopped", T + 10 * MIN)).size).toBe(0);
    expect(await fired("stopped", T + 31 * MIN)).toEqual(new Map([[JSON.stringify({ command: "export" }), 1]]));
    expect(await fired("lag", T)).toEqual(new Map([[JSON.stringify({ workspace: WORKSPACE }), 9000]]));
    expect(await fired("missed", T)).toEqual(new Map([[JSON.stringify({ workspace: WORKSPACE }), 2]]));
  });
});
