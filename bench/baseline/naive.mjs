#!/usr/bin/env node
// A deliberately naive implementation of the exporter's job, the yardstick of `baseline_ratio`:
// every Segment call one after the other with plain fetch (no concurrency, no pipelining), and one
// Datadog submit per connection (plain fetch, gzip JSON) once that connection's calls are done.
// It reads what `export` reads on a fresh state: discovery, one summary per bucket per connection,
// one failed-delivery sequence per connection, and the event volume of the window.
// Usage: SEGMENT_API_URL=… SEGMENT_TOKEN=… DD_API_URL=… DD_API_KEY=… node bench/baseline/naive.mjs <bucketMs> <start,start,…>
import { gzipSync } from "node:zlib";

const [bucketArg, startsArg] = process.argv.slice(2);
const bucketMs = Number(bucketArg);
const starts = String(startsArg ?? "")
  .split(",")
  .filter(Boolean)
  .map(Number);
const { SEGMENT_API_URL, SEGMENT_TOKEN, DD_API_URL, DD_API_KEY } = process.env;
const BETA = "application/vnd.segment.v1beta+json";
const P = "segment_exporter";
const iso = (ms) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
let calls = 0;

async function segment(path, accept = "application/json") {
  calls += 1;
  const res = await fetch(SEGMENT_API_URL + path, { headers: { authorization: `Bearer ${SEGMENT_TOKEN}`, accept } });
  if (!res.ok) throw new Error(`Segment ${path}: HTTP ${res.status}`);
  return (await res.json()).data;
}

async function pages(path, key, accept) {
  const items = [];
  let cursor;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const q = `pagination.count=1000${cursor ? `&pagination.cursor=${encodeURIComponent(cursor)}` : ""}`;
    const data = await segment(`${path}${sep}${q}`, accept);
    items.push(...data[key]);
    cursor = data.pagination?.next;
  } while (cursor);
  return items;
}

async function submit(series) {
  if (series.length === 0) return;
  const res = await fetch(`${DD_API_URL}/api/v2/series`, {
    method: "POST",
    headers: { "content-type": "application/json", "content-encoding": "gzip", "dd-api-key": DD_API_KEY },
    body: gzipSync(JSON.stringify({ series })),
  });
  if (res.status !== 202) throw new Error(`Datadog: HTTP ${res.status} ${await res.text()}`);
}

const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const names = {
  successes_on_first_attempt: "successes.first_attempt",
  successes_after_retry: "successes.after_retry",
  time_to_success_average: "time_to_success.avg",
  time_to_success_p95: "time_to_success.p95",
  time_to_first_attempt_average: "time_to_first_attempt.avg",
  time_to_first_attempt_p95: "time_to_first_attempt.p95",
};

const started = performance.now();
const workspace = (await segment("/")).workspace;
const sources = await pages("/sources", "sources");
const destinations = await pages("/destinations", "destinations");
const enabled = new Map(sources.filter((s) => s.enabled).map((s) => [s.id, s]));
const first = Math.min(...starts);
const end = Math.max(...starts) + bucketMs;
let points = 0;
for (const d of destinations) {
  const source = enabled.get(d.sourceId);
  if (!d.enabled || !source) continue;
  const tags = [
    `workspace:${workspace.slug}`,
    `source_slug:${source.slug}`,
    `source_id:${source.id}`,
    `destination:${d.name || d.metadata.name}`,
    `destination_id:${d.id}`,
    `destination_type:${d.metadata.slug}`,
  ];
  const series = [];
  const point = (metric, type, timestamp, value, extra = []) => {
    points += 1;
    series.push({
      metric: `${P}.delivery.${metric}`,
      type,
      ...(type === 1 ? { interval: bucketMs / 1000 } : {}),
      points: [{ timestamp, value }],
      tags: [...tags, ...extra],
    });
  };
  for (const start of starts) {
    const q = `sourceId=${source.id}&startTime=${iso(start)}&endTime=${iso(start + bucketMs)}&granularity=MINUTE`;
    const summary = (await segment(`/destinations/${d.id}/delivery-metrics?${q}`, BETA)).deliveryMetricsSummary;
    const ts = start / 1000;
    for (const m of summary?.metrics ?? []) {
      if (!m.metricName.startsWith("time_to_")) point(snake(m.metricName), 1, ts, m.total);
      for (const b of m.breakdown ?? [])
        point(
          names[b.metricName] ?? snake(b.metricName),
          b.metricName.endsWith("attempt") || b.metricName.endsWith("retry") ? 1 : 3,
          ts,
          b.value,
        );
    }
  }
  const q = `sourceId=${source.id}&destinationConfigId=${d.id}&startTime=${iso(first)}&endTime=${iso(end)}&granularity=MINUTE&groupBy[0]=discardReason`;
  for (const entry of await pages(`/delivery-overview/failed-delivery?${q}`, "dataset", BETA)) {
    const reason = String(entry.discardReason || "unknown").toLowerCase();
    const byBucket = new Map();
    for (const s of entry.series) {
      const b = Math.floor(Date.parse(s.time) / bucketMs) * bucketMs;
      byBucket.set(b, (byBucket.get(b) ?? 0) + s.count);
    }
    for (const [b, n] of byBucket) if (n > 0) point("failed", 1, b / 1000, n, [`reason:${reason}`]);
  }
  await submit(series);
}
const volume = await pages(
  `/events/volume?granularity=MINUTE&startTime=${iso(first)}&endTime=${iso(end)}&groupBy.0=source`,
  "result",
);
const events = [];
for (const entry of volume) {
  const byBucket = new Map();
  for (const s of entry.series) {
    const b = Math.floor(Date.parse(s.time) / bucketMs) * bucketMs;
    byBucket.set(b, (byBucket.get(b) ?? 0) + s.count);
  }
  for (const [b, n] of byBucket) {
    points += 1;
    events.push({
      metric: `${P}.events.volume`,
      type: 1,
      interval: bucketMs / 1000,
      points: [{ timestamp: b / 1000, value: n }],
      tags: [`workspace:${workspace.slug}`, `source_slug:${entry.source.slug}`, `source_id:${entry.source.id}`],
    });
  }
}
await submit(events);
console.log(JSON.stringify({ calls, points, ms: Math.round(performance.now() - started) }));
