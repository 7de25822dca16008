#!/usr/bin/env node
// Benchmarks of the built CLI (`npm ci` or `npm run build` first). Every figure comes from the real
// executable run as a child process against the project's emulators on loopback; the Segment
// emulator holds each answer `LATENCY_MS` where a figure depends on waiting. See bench/README.md.
// Usage: npm run bench [-- --quick] [-- --json] [-- --only NAME]
//   --quick   smaller workspaces and fewer repetitions (under a minute); rss_mb_10k is null
//   --json    exactly one JSON object on stdout (progress goes to stderr either way)
//   --only    one scenario (cold, rss, latency, rate_limit, baseline, sinks): its figures only
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { DEFAULT_CONCURRENCY } from "../dist/config/settings.js";
import { generateFixture } from "../dist/emulator/segment/fixture.js";
import { startSegmentEmulator } from "../dist/emulator/segment/server.js";
import { datadogOldestAccepted } from "../dist/sinks/datadog/window.js";

const oldestSubmittableTimestamp = (now) => datadogOldestAccepted(now, false);

import { planStream, reconcileWatermarks } from "../dist/plan/schedule.js";

const BIN = fileURLToPath(new URL("../bin/segment-datadog-exporter", import.meta.url));
const NAIVE = fileURLToPath(new URL("./baseline/naive.mjs", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const SINK_EMULATORS = new URL("./sink-emulators.mjs", import.meta.url);
const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
const JSON_OUT = argv.includes("--json");
// --only NAME runs one scenario: cold, rss, latency, rate_limit, baseline or sinks.
const ONLY = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : undefined;
const want = (name) => ONLY === undefined || ONLY === name;
const LATENCY_MS = 40;
const BUCKET_MS = 5 * 60_000;
// The export defaults: --bucket 5m --delay 2m --reread 15m,40m, no historical ingestion.
const SCHEDULE = { bucketMs: BUCKET_MS, delayMs: 2 * 60_000, rereadMs: [15 * 60_000, 40 * 60_000], historical: false };
const NO_LIMIT = 1_000_000_000;
const log = (...parts) => console.error(...parts);

/** Runs a child; samples its peak RSS (VmHWM) every 20 ms while it runs. */
function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    const started = performance.now();
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    let peakKb = 0;
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {}
    };
    const sampler = setInterval(sample, 20);
    child.on("exit", sample);
    child.on("close", (code) => {
      clearInterval(sampler);
      const ms = performance.now() - started;
      resolve({ code, ms, startedAt, endedAt: startedAt + ms, peakMb: peakKb / 1024, stdout, stderr });
    });
  });
}
const cli = (args, env) => run(process.execPath, [BIN, ...args], env);

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => {
  const s = sorted(xs);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const spread = (xs) => ({ min: sorted(xs)[0], max: sorted(xs).at(-1), n: xs.length });
const round = (x, digits = 2) => (x === null || x === undefined ? null : Number(x.toFixed(digits)));
const state = () => join(mkdtempSync(join(tmpdir(), "sde-bench-")), "state.json");
const envOf = (em) => ({
  SEGMENT_API_URL: em.segment.url,
  SEGMENT_TOKEN: em.segment.token,
  DD_API_URL: em.datadog.url,
  DD_API_KEY: em.datadog.apiKey,
  // Read only with --sink newrelic / --sink prometheus.
  NEW_RELIC_LICENSE_KEY: em.newrelic.licenseKey,
  NEW_RELIC_METRIC_API_URL: em.newrelic.metricUrl,
  PROMETHEUS_REMOTE_WRITE_URL: em.prometheus.writeUrl,
});

/** About `n` connections: 4 or 5 destinations per source; every 29th destination is disabled. */
function fixtureOf(n) {
  const perSource = n < 10 ? 4 : 5;
  return generateFixture({ sources: Math.ceil(n / perSource), destinationsPerSource: perSource, seed: 5 });
}
const activeOf = (fixture) => {
  const sources = new Set(fixture.sources.filter((s) => s.enabled).map((s) => s.id));
  return fixture.destinations.filter((d) => d.enabled && sources.has(d.sourceId)).length;
};

/**
 * The Segment emulator in this process, the sink emulators on a worker thread (sink-emulators.mjs):
 * `sinkRequests()` fetches their request logs once the run is over.
 */
async function emulators(fixture, { latencyMs = 0, segment = {} } = {}) {
  const worker = new Worker(SINK_EMULATORS);
  const [sinks] = await once(worker, "message");
  const ask = (message) => {
    const answer = once(worker, "message").then(([reply]) => reply);
    worker.postMessage(message);
    return answer;
  };
  try {
    const segmentEmulator = await startSegmentEmulator({
      fixture,
      defaultRateLimitPerMinute: NO_LIMIT,
      latencyMs,
      ...segment,
    });
    return {
      segment: segmentEmulator,
      ...sinks,
      sinkRequests: () => ask("requests"),
      close: async () => {
        await segmentEmulator.close();
        await ask("close");
        await worker.terminate();
      },
    };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}

/** The buckets a first export (fresh state, default schedule) reads, as the exporter plans them. */
function bucketsAt(now) {
  const marks = reconcileWatermarks(undefined, SCHEDULE, now);
  return planStream(marks, SCHEDULE, now, oldestSubmittableTimestamp(now)).tasks.map((t) => t.start);
}

/**
 * The fewest Segment calls the job needs: discovery (the workspace, then sources and destinations
 * at 1000 a page), one summary per bucket per connection, the Delivery Overview steps — per connection
 * failed delivery and filtered at destination, per source received, failed on ingest and filtered at
 * source: one request each (a window of ≤ 1 h fits one request under the 4 h MINUTE range, and their
 * few reasons one page) — and the event volume of the window (one request per 1000 sources a page).
 */
function minimumCalls(fixture, buckets) {
  const pages = (n) => Math.max(1, Math.ceil(n / 1000));
  const active = activeOf(fixture);
  const sources = fixture.sources.length;
  const discovery = 1 + pages(sources) + pages(fixture.destinations.length);
  const overview = 2 * active + 3 * sources;
  return {
    total: discovery + active * buckets + overview + pages(sources),
    discovery,
    summaries: active * buckets,
    overview,
    events: pages(sources),
  };
}

/** Share of [from, to] during which no Segment request was in flight (from the emulator's log). */
function idleShare(requests, from, to) {
  const spans = requests.map((r) => [Math.max(r.at, from), Math.min(r.end ?? to, to)]).filter(([a, b]) => b > a);
  spans.sort((x, y) => x[0] - y[0]);
  let busy = 0;
  let cursor = from;
  for (const [a, b] of spans) {
    if (b <= cursor) continue;
    busy += b - Math.max(a, cursor);
    cursor = b;
  }
  return 1 - busy / (to - from);
}

/** Stretches of [from, to] of at least `minMs` with no Segment request in flight: [start, length] in ms from `from`. */
function idleGaps(requests, from, to, minMs = 20) {
  const gaps = [];
  let cursor = from;
  for (const r of [...requests].sort((a, b) => a.at - b.at)) {
    if (r.at - cursor >= minMs) gaps.push([cursor - from, r.at - cursor]);
    cursor = Math.max(cursor, r.end ?? to);
  }
  if (to - cursor >= minMs) gaps.push([cursor - from, to - cursor]);
  return gaps;
}

/** Segment requests in flight: the most at once, and the mean over [from, to]. */
function inFlight(requests, from, to) {
  const events = [];
  for (const r of requests) events.push([r.at, 1], [r.end ?? to, -1]);
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of events) {
    now += d;
    max = Math.max(max, now);
  }
  const area = requests.reduce((n, r) => n + (Math.min(r.end ?? to, to) - Math.max(r.at, from)), 0);
  return { max, mean: area / (to - from) };
}

/**
 * Each sink's request limits, from which the fewest requests for the bytes and points a run sent
 * follow: `bytes` pairs a field of the emulator's request log with the most a request may carry of
 * it (a decoded size is the wire size when the body was sent uncompressed); `points` names the log's
 * point field and its cap, where there is one.
 *  - Datadog: 512 kB compressed, 5 MiB decompressed (reference: the v2 series limits).
 *  - New Relic: 10^6 bytes per POST, read as the compressed body (reference §1.3 leaves it open).
 *  - Remote write: the receivers set no useful byte limit (Mimir's default is 100 MiB); the sink's
 *    own 1000 samples and 2 MB of protobuf per request are the limits (src/sinks/prometheus/index.ts
 *    says why), so its minimum is the sink's, not the receiver's.
 */
const SINK_LIMITS = {
  datadog: {
    path: "/api/v2/series",
    status: 202,
    bytes: [
      ["wireBytes", 512_000],
      ["decompressedBytes", 5 * 1024 * 1024],
    ],
    points: ["points", Infinity],
  },
  newrelic: {
    path: "/metric/v1",
    status: 202,
    bytes: [
      ["wireBytes", 1_000_000],
      ["decodedBytes", Infinity],
    ],
    points: ["points", Infinity],
  },
  prometheus: {
    path: "/api/v1/write",
    status: 204,
    bytes: [
      ["wireBytes", Infinity],
      ["decodedBytes", 2_000_000],
    ],
    points: ["samples", 1000],
  },
};

/**
 * A sink's accepted requests against the fewest its limits allow for the same bytes and points. The
 * run's own health series (`<p>.exporter.*`, `<p>_exporter_*` on remote write, under the default
 * prefix) go in a request of their own after the run, so they are counted apart (`self_requests`), as
 * is the key check before the run (an empty write to New Relic and remote write: `check_requests`).
 */
function sinkUse(sink, requests) {
  const limits = SINK_LIMITS[sink];
  const [pointField, pointCap] = limits.points;
  const accepted = requests.filter((r) => r.path === limits.path && r.status === limits.status);
  const isCheck = (r) => (r[pointField] ?? 0) === 0;
  const isSelf = (r) =>
    (r.metrics ?? []).length > 0 &&
    r.metrics.every((m) => m.includes(".exporter.") || m.startsWith("segment_exporter_exporter_"));
  const data = accepted.filter((r) => !isCheck(r) && !isSelf(r));
  const total = (field) => data.reduce((n, r) => n + (r[field] ?? 0), 0);
  const bytes = (field) => data.reduce((n, r) => n + (r[field] ?? r.wireBytes), 0);
  const points = total(pointField);
  const byBytes = Math.max(1, ...limits.bytes.map(([field, cap]) => Math.ceil(bytes(field) / cap)));
  const minimum = Math.max(byBytes, Number.isFinite(pointCap) ? Math.ceil(points / pointCap) : 1);
  return {
    requests: data.length,
    self_requests: accepted.filter(isSelf).length,
    check_requests: accepted.filter(isCheck).length,
    minimum,
    byte_minimum: byBytes,
    ratio: data.length / minimum,
    points,
    ...Object.fromEntries(limits.bytes.map(([field]) => [field, bytes(field)])),
  };
}

/** One export of a fresh workspace of about `n` connections: the child's figures and the emulators' logs. */
async function exportRun(n, { latencyMs = 0, concurrency, extra = [], segment = {}, sink } = {}) {
  const fixture = fixtureOf(n);
  const em = await emulators(fixture, { latencyMs, segment });
  try {
    const buckets = bucketsAt(Date.now());
    const args = ["export", "--no-usage", "--state", state(), "--log-level", "warn", ...extra];
    if (sink) args.push("--sink", sink);
    if (concurrency) args.push("--concurrency", String(concurrency));
    const r = await cli(args, envOf(em));
    if (r.code !== 0) log(`  exit ${r.code}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
    const sinkLogs = await em.sinkRequests();
    return {
      ...r,
      fixture,
      active: activeOf(fixture),
      buckets: buckets.length,
      calls: em.segment.requests.length,
      minimum: minimumCalls(fixture, buckets.length),
      idle: idleShare(em.segment.requests, r.startedAt, r.endedAt),
      inFlight: inFlight(em.segment.requests, r.startedAt, r.endedAt),
      gaps: idleGaps(em.segment.requests, r.startedAt, r.endedAt),
      datadogAt: sinkLogs.datadog.map((q) => q.at - r.startedAt),
      datadog: sinkUse("datadog", sinkLogs.datadog),
      sinkUse: sink ? sinkUse(sink, sinkLogs[sink]) : undefined,
      segmentRequests: em.segment.requests,
    };
  } finally {
    await em.close();
  }
}

/** The naive baseline over about `n` connections, with its emulators in this process (child mode). */
async function baselineChild(n, latencyMs) {
  const fixture = fixtureOf(n);
  const em = await emulators(fixture, { latencyMs });
  const buckets = bucketsAt(Date.now());
  const r = await run(process.execPath, [NAIVE, String(BUCKET_MS), buckets.join(",")], envOf(em));
  await em.close();
  if (r.code !== 0) throw new Error(`baseline failed: ${r.stderr}`);
  return { ms: r.ms, active: activeOf(fixture), buckets: buckets.length, ...JSON.parse(r.stdout) };
}

// Child mode: the baseline runs with its own emulators in its own process, so it can run while the
// other scenarios load this one (it is one request at a time: almost no CPU).
if (argv[0] === "--baseline-child") {
  console.log(JSON.stringify(await baselineChild(Number(argv[1]), Number(argv[2]))));
  process.exit(0);
}

const figures = {};
const notes = {};
const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

// 1. Cold start, against `node -e 0` on the same machine at the same moment (interleaved rounds).
if (want("cold")) {
  const reps = QUICK ? 5 : 9;
  const fixture = fixtureOf(8);
  const em = await emulators(fixture);
  const cases = {
    node: () => run(process.execPath, ["-e", "0"]),
    help: () => cli(["--help"]),
    error: () => cli(["export", "--bucket", "7x"]),
    dry_run: () => cli(["export", "--dry-run", "--no-usage", "--state", state()], envOf(em)),
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const peaks = Object.fromEntries(Object.keys(cases).map((k) => [k, 0]));
  for (let i = 0; i < reps; i++) {
    for (const [name, go] of Object.entries(cases)) {
      const r = await go();
      const want = name === "error" ? 2 : 0;
      if (r.code !== want) log(`  ${name}: exit ${r.code}, expected ${want}`);
      times[name].push(r.ms);
      peaks[name] = Math.max(peaks[name], r.peakMb);
    }
  }
  await em.close();
  const node = median(times.node);
  for (const name of ["help", "error", "dry_run"]) figures[`${name}_ratio`] = round(median(times[name]) / node);
  notes.cold = Object.fromEntries(
    Object.entries(times).map(([k, v]) => [
      k,
      { median_ms: round(median(v), 0), ...spread(v.map((x) => round(x, 0))), peak_rss_mb: round(peaks[k], 0) },
    ]),
  );
  log(`[${elapsed()}] cold start (median of ${reps}, ms):`, JSON.stringify(notes.cold));
}

// 2. Peak RSS of `export` (no latency: the pipeline runs as fast as it can, the worst case for memory).
const rssRuns = {};
if (want("rss")) {
  const plan = QUICK
    ? [
        [8, 2],
        [100, 1],
        [1000, 1],
      ]
    : [
        [8, 3],
        [100, 3],
        [1000, 3],
        [10_000, 1],
      ];
  for (const [n, reps] of plan) {
    const runs = [];
    for (let i = 0; i < reps; i++) {
      const r = await exportRun(n);
      delete r.segmentRequests;
      runs.push(r);
      log(
        `[${elapsed()}] export ${r.active} connections × ${r.buckets} buckets: exit ${r.code}, ${round(r.ms / 1000, 1)} s, peak RSS ${round(r.peakMb, 0)} MB, ${r.calls} Segment calls, ${r.datadog.requests} Datadog requests`,
      );
    }
    rssRuns[n] = runs;
  }
  const rss = (n) => (rssRuns[n] ? round(median(rssRuns[n].map((r) => r.peakMb)), 0) : null);
  figures.rss_mb_8 = rss(8);
  figures.rss_mb_100 = rss(100);
  figures.rss_mb_1k = rss(1000);
  figures.rss_mb_10k = rss(10_000);
  notes.rss = Object.fromEntries(
    Object.entries(rssRuns).map(([n, runs]) => [
      n,
      {
        connections: runs[0].active,
        buckets: runs[0].buckets,
        ...spread(runs.map((r) => round(r.peakMb, 0))),
        wall_s: runs.map((r) => round(r.ms / 1000, 1)),
      },
    ]),
  );
  // Calls and Datadog requests of the 1000-connection export (the same in every repetition).
  const k = rssRuns[1000][0];
  figures.dd_requests_ratio = round(k.datadog.ratio);
  figures.calls_ratio = round(k.calls / k.minimum.total, 3);
  notes.dd_requests = { ...k.datadog };
  notes.calls = { made: k.calls, minimum: k.minimum };
}

// 3. Against ~40 ms answers: idle share, and the concurrency budget (the default's run gives the figures).
if (want("latency")) {
  const n = QUICK ? 100 : 1000;
  const levels = QUICK ? [8, 16] : [8, 16, 32];
  notes.concurrency = {};
  for (const c of levels) {
    const r = await exportRun(n, { latencyMs: LATENCY_MS, concurrency: c });
    notes.concurrency[c] = {
      connections: r.active,
      wall_s: round(r.ms / 1000, 1),
      idle_share: round(r.idle, 3),
      max_in_flight: r.inFlight.max,
      mean_in_flight: round(r.inFlight.mean, 1),
      calls: r.calls,
      calls_per_s: round(r.calls / (r.ms / 1000), 0),
      // What c requests in flight at LATENCY_MS each allow at best.
      bound_s: round((r.calls * LATENCY_MS) / c / 1000, 1),
      peak_rss_mb: round(r.peakMb, 0),
      exit: r.code,
      // Where the idle time is: [ms after spawn, length] of each gap ≥ 20 ms, and when each Datadog
      // request arrived (ms after spawn): the gaps in the middle of the run precede the submits.
      idle_gaps_ms: r.gaps.map(([at, length]) => [round(at, 0), round(length, 0)]),
      datadog_requests_at_ms: r.datadogAt.map((at) => round(at, 0)),
    };
    log(`[${elapsed()}] ${LATENCY_MS} ms answers, --concurrency ${c}:`, JSON.stringify(notes.concurrency[c]));
    if (c === DEFAULT_CONCURRENCY) {
      figures.idle_share = round(r.idle, 3);
      notes.exporter_latency_run = { connections: r.active, wall_s: round(r.ms / 1000, 1), calls: r.calls };
    }
  }
}

// The naive baseline runs from here on in a separate process (it is slow by design, and mostly idle).
// Not before: on 2 cores its process and its emulators took a share of the CPU that the scenarios
// above measure (idle share 5.2 % beside it, 4.7 % without, 2026-12-06); the ones below count requests
// and waits.
const baselineN = QUICK ? 25 : 1000;
const baseline = !want("baseline")
  ? undefined
  : run(process.execPath, [SELF, "--baseline-child", String(baselineN), String(LATENCY_MS)]).then((r) => {
      if (r.code !== 0) throw new Error(`baseline child failed: ${r.stderr}`);
      return JSON.parse(r.stdout);
    });

// 4. Under a binding rate limit: delivery-metrics limited to `limit` per (shortened) window.
if (want("rate_limit")) {
  const windowMs = QUICK ? 2_000 : 10_000;
  const n = QUICK ? 25 : 100;
  const windows = QUICK ? 5 : 12;
  const fixture = fixtureOf(n);
  const buckets = bucketsAt(Date.now()).length;
  const limit = Math.ceil((activeOf(fixture) * buckets) / windows);
  const r = await exportRun(n, {
    latencyMs: LATENCY_MS,
    segment: { rateLimitWindowMs: windowMs, rateLimitsPerMinute: { "delivery-metrics": limit } },
  });
  const delivery = r.segmentRequests.filter((q) => q.route === "delivery-metrics");
  const throttled = delivery.filter((q) => q.status === 429).length;
  const first = Math.min(...delivery.map((q) => q.at));
  const last = Math.max(...delivery.map((q) => q.end ?? q.at));
  const span = last - first;
  const allowed = (delivery.length / limit) * windowMs;
  figures.rate_limit_ratio = round(span / allowed, 3);
  notes.rate_limit = {
    limit_per_window: limit,
    window_s: windowMs / 1000,
    delivery_calls: delivery.length,
    answered_429: throttled,
    first_to_last_delivery_call_s: round(span / 1000, 1),
    calls_over_limit_s: round(allowed / 1000, 1),
    // A fixed window opens with its first request: the last of k windows needs not fully pass.
    least_possible_s: round((Math.ceil(delivery.length / limit) - 1) * (windowMs / 1000), 1),
    run_wall_s: round(r.ms / 1000, 1),
    exit: r.code,
  };
  log(`[${elapsed()}] rate limit:`, JSON.stringify(notes.rate_limit));
}

// 5. The naive baseline against the same export on the same workspace size.
if (want("baseline")) {
  const naive = await baseline;
  const exporter =
    QUICK || !notes.exporter_latency_run
      ? await exportRun(baselineN, { latencyMs: LATENCY_MS })
      : { ms: notes.exporter_latency_run.wall_s * 1000, calls: notes.exporter_latency_run.calls };
  // The two ran minutes apart, so a 5-minute boundary may have given them 9 and 10 buckets: the
  // naive run is strictly sequential (its time is linear in its calls), so it is scaled to the
  // exporter's number of calls.
  const naiveMs = (naive.ms * exporter.calls) / naive.calls;
  figures.baseline_ratio = round(exporter.ms / naiveMs, 3);
  notes.baseline = {
    connections: naive.active,
    buckets: naive.buckets,
    naive_s: round(naive.ms / 1000, 1),
    naive_calls: naive.calls,
    naive_ms_per_call: round(naive.ms / naive.calls, 1),
    exporter_s: round(exporter.ms / 1000, 1),
    exporter_calls: exporter.calls,
  };
  log(`[${elapsed()}] baseline:`, JSON.stringify(notes.baseline));
}

// 6. Requests per sink against the fewest their limits allow, over the same 1000-connection
// workspace. Datadog sends every bucket due at a fresh start (first reads); New Relic and remote
// write send each bucket once, at its last read age (40 min), so a fresh start sends fewer buckets:
// each ratio is over the points that run sent. New Relic fills a request by JSON size while its
// limit is on the compressed body, so it is also measured at 10 000 connections (full run only).
if (want("sinks")) {
  const n = QUICK ? 100 : 1000;
  const runs = [
    ["datadog", n, "dd_requests_per_minimum"],
    ["newrelic", n, "newrelic_requests_per_minimum"],
    ["prometheus", n, "prometheus_requests_per_minimum"],
    ...(QUICK ? [] : [["newrelic", 10_000, "newrelic_requests_per_minimum_10k"]]),
  ];
  notes.sinks = {};
  for (const [sink, size, figure] of runs) {
    const r = await exportRun(size, { sink });
    const use = r.sinkUse;
    notes.sinks[figure] = {
      sink,
      connections: r.active,
      exit: r.code,
      wall_s: round(r.ms / 1000, 1),
      peak_rss_mb: round(r.peakMb, 0),
      ...use,
      ratio: round(use.ratio),
    };
    figures[figure] = round(use.ratio);
    log(`[${elapsed()}] --sink ${sink}, ${r.active} connections:`, JSON.stringify(notes.sinks[figure]));
  }
}

const result = {
  ...figures,
  quick: QUICK,
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  latency_ms: LATENCY_MS,
  wall_s: round((performance.now() - t0) / 1000, 0),
  details: notes,
};
if (JSON_OUT) console.log(JSON.stringify(result));
else {
  console.log("| figure | value |\n| --- | --- |");
  for (const [k, v] of Object.entries(figures)) console.log(`| ${k} | ${v} |`);
  console.log(`\n${JSON.stringify(notes, null, 2)}`);
}
