// Shared by the dashboard and monitor tests: options with every feature on, the metric names the
// mapping code really emits, and a walk of the client's deserialized models for keys it did not know.
import { expect } from "vitest";
import type { AssetOptions } from "../../src/dashboards/common.js";
import { silentLogger } from "../../src/log.js";
import { mapDeliverySummary } from "../../src/mapping/delivery.js";
import { mapEventVolume } from "../../src/mapping/events.js";
import { selfMetricPoints } from "../../src/mapping/self.js";
import type { MetricPoint } from "../../src/mapping/types.js";
import { mapUsage } from "../../src/mapping/usage.js";
import { DELIVERY_OVERVIEW_ENDPOINT } from "../../src/segment/delivery-overview.js";
import { STREAM_KINDS } from "../../src/streams/registry.js";
import type { StreamRef, WorkspaceContext } from "../../src/streams/types.js";

export const PREFIX = "acme.segment_x";

export function assetOptions(over: Partial<AssetOptions> = {}): AssetOptions {
  return {
    prefix: PREFIX,
    tags: ["team:growth", "env:prod"],
    minSuccessRate: 0.999,
    maxP95Ms: 30_000,
    minDeliveries: 20,
    bucketMs: 300_000,
    delayMs: 120_000,
    eventsGroupBy: ["eventName", "eventType"],
    notify: ["@slack-segment-alerts", "@pagerduty-data"],
    ...over,
  };
}

/** Every metric name the export's mapping code emits under `prefix`, by running it on minimal input. */
export async function mappedMetrics(prefix: string): Promise<Set<string>> {
  const names = new Set<string>();
  const families = ["successes", "discarded", "expired", "retried", "time_to_success", "time_to_first_attempt"];
  const delivery = mapDeliverySummary(
    families.map((metricName) => ({
      metricName,
      total: 1,
      breakdown: metricName.startsWith("time_to_")
        ? [
            { metricName: `${metricName}_average`, value: 1 },
            { metricName: `${metricName}_p95`, value: 1 },
          ]
        : metricName === "successes"
          ? [
              { metricName: "successes_on_first_attempt", value: 1 },
              { metricName: "successes_after_retry", value: 1 },
            ]
          : [],
    })),
    { prefix, timestamp: 0, intervalS: 300, tags: [] },
  );
  expect(delivery.warnings).toEqual([]);
  const volume = mapEventVolume([{ tags: [], series: [{ time: "2026-01-01T00:00:00Z", count: 1 }] }], {
    prefix,
    bucketMs: 300_000,
    wanted: () => true,
  });
  const row = {
    anonymous: 1,
    anonymousIdentified: 1,
    identified: 1,
    neverIdentified: 1,
    timestamp: "2026-01-01T00:00:00Z",
  };
  const usage = mapUsage(
    {
      sourceMtu: [],
      workspaceMtu: [row],
      sourceCalls: [],
      workspaceCalls: [{ apiCalls: 1, timestamp: row.timestamp }],
    },
    { prefix, workspaceSlug: "w", sources: new Map(), tags: [], timestamp: 0 },
  );
  const workspace = {
    workspace: "w",
    connections: 1,
    sources: 1,
    bucketsExported: 1,
    exportedBy: { connection: 1 },
    bucketsReread: 0,
    bucketsFailed: 0,
    bucketsMissed: 0,
    bucketsPending: 0,
    rereadsSkipped: 0,
    lagMs: 1000,
  };
  const { workspace: _name, lagMs: _lag, ...totals } = workspace;
  const self = selfMetricPoints(
    {
      ...totals,
      command: "export",
      sink: "Datadog",
      dryRun: false,
      workspaces: [workspace],
      points: 1,
      pointsRejected: 0,
      sinkRequests: 1,
      healthRequests: 1,
      segmentCalls: 1,
      durationMs: 1000,
      failures: [],
    },
    { prefix, tags: [], timestamp: 0, segmentCalls: new Map([["delivery-metrics 200", 1]]) },
  );
  // Error details and the pipeline steps: every Delivery Overview kind the run registers, read through
  // the kind itself (its step, series and mapping) from an answer holding one event in the one bucket.
  const overview: MetricPoint[] = [];
  for (const kind of STREAM_KINDS.filter((k) => k.endpoints.includes(DELIVERY_OVERVIEW_ENDPOINT))) {
    const bucket = Date.parse("2026-01-01T00:00:00Z");
    const dataset = [{ discardReason: "502", total: 1, series: [{ time: "2026-01-01T00:00:00Z", count: 1 }] }];
    const ws = {
      overview: {
        readBuckets: async () => ({
          windows: [
            {
              window: { start: bucket, end: bucket + 300_000, granularity: "MINUTE", buckets: [bucket] },
              series: { total: 1, dataset },
            },
          ],
          unreachable: [],
        }),
      },
    } as unknown as WorkspaceContext;
    const stream = {
      key: "k",
      scope: kind.scope,
      ws,
      source: { id: "s", slug: "s" },
      label: "s",
      tags: [],
    } as StreamRef;
    const points = await kind.read(
      { kind, stream, start: bucket, end: bucket + 300_000, buckets: [bucket], firstReads: [bucket] },
      {
        options: {
          prefix,
          bucketMs: 300_000,
          eventsGroupBy: [],
          errorDetails: true,
          pipeline: true,
          eventVolume: true,
          usage: true,
        },
        clock: () => bucket,
        logger: silentLogger,
        warnOnce: () => {},
      },
    );
    expect(points.length, kind.name).toBeGreaterThan(0);
    overview.push(...points);
  }
  for (const p of [...delivery.points, ...volume, ...usage, ...overview, ...self]) names.add(p.metric);
  return names;
}

/** Paths of keys a deserialized client model kept as additionalProperties or could not parse. */
export function unknownKeys(model: unknown, path = "$"): string[] {
  if (Array.isArray(model)) return model.flatMap((m, i) => unknownKeys(m, `${path}[${i}]`));
  if (typeof model !== "object" || model === null) return [];
  const obj = model as Record<string, unknown>;
  if (obj.constructor?.name === "UnparsedObject") return [`${path} (unparsed)`];
  const extra = obj.additionalProperties as Record<string, unknown> | undefined;
  const found = extra ? Object.keys(extra).map((k) => `${path}.${k}`) : [];
  for (const [k, v] of Object.entries(obj))
    if (k !== "additionalProperties") found.push(...unknownKeys(v, `${path}.${k}`));
  return found;
}

/** Every link-like thing in a text: absolute URLs, bare www. hosts and markdown link targets. */
export function linksIn(text: string): string[] {
  const absolute = [...text.matchAll(/\bhttps?:\/\/[^\s)\]>"'`]+/g)].map((m) => m[0]);
  const bare = [...text.matchAll(/(?<![/\w.])www\.[^\s)\]>"'`]+/g)].map((m) => m[0]);
  const markdown = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
  return [...new Set([...absolute, ...bare, ...markdown])];
}
