#!/usr/bin/env node
// Benchmarks of the built CLI (run `npm run build` first): cold start, API calls made against the
// minimum needed, throughput against the rate-limit bound, peak memory. Each scenario runs the real
// executable as a child process against the emulators served from this process on loopback.
// Usage: node bench/run.mjs [scenario…]   (scenarios: cold, export, backfill, ratelimit; default all)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulators } from "../dist/emulator/index.js";
import { generateFixture } from "../dist/emulator/segment/fixture.js";

const BIN = fileURLToPath(new URL("../bin/segment-datadog-exporter", import.meta.url));
const wanted = new Set(process.argv.slice(2));
const want = (name) => wanted.size === 0 || wanted.has(name);

/** Runs the CLI; samples the child's peak RSS (VmHWM) while it runs. */
function run(args, env) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    let peakKb = 0;
    const sampler = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {}
    }, 20);
    child.on("close", (code) => {
      clearInterval(sampler);
      resolve({ code, ms: performance.now() - started, peakMb: peakKb / 1024, stdout, stderr });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const state = () => join(mkdtempSync(join(tmpdir(), "sde-bench-")), "state.json");
const envOf = (em) => ({
  SEGMENT_API_URL: em.segment.url,
  SEGMENT_TOKEN: em.segment.token,
  DD_API_URL: em.datadog.url,
  DD_API_KEY: em.datadog.apiKey,
});
const calls = (em, route) => em.segment.requests.filter((r) => !route || r.route === route).length;
const rows = [];
const report = (scenario, metric, value, note = "") => {
  rows.push({ scenario, metric, value, note });
  console.error(`${scenario} | ${metric} | ${value} ${note}`);
};

if (want("cold")) {
  const em = await startEmulators();
  for (const [name, args] of [
    ["--help", ["--help"]],
    ["exit 2 (bad flag)", ["export", "--bucket", "7x"]],
    ["export --dry-run (6 connections)", ["export", "--dry-run", "--state", state()]],
    ["export (6 connections, submits)", ["export", "--state", state()]],
  ]) {
    const times = [];
    let peak = 0;
    for (let i = 0; i < 5; i++) {
      const r = await run(args, envOf(em));
      times.push(r.ms);
      peak = Math.max(peak, r.peakMb);
    }
    report("cold start", name, `${Math.round(median(times))} ms`, `(median of 5; peak RSS ${Math.round(peak)} MB)`);
  }
  await em.close();
}

if (want("export")) {
  const fixture = generateFixture({ sources: 200, destinationsPerSource: 5, seed: 5 });
  const T0 = Date.now();
  const em = await startEmulators({
    segment: { now: () => T0, fixture, defaultRateLimitPerMinute: 1_000_000 },
    datadog: { now: () => T0 },
  });
  const sources = new Set(fixture.sources.filter((s) => s.enabled).map((s) => s.id));
  const active = fixture.destinations.filter((d) => d.enabled && sources.has(d.sourceId)).length;
  const r = await run(["export", "--state", state(), "--log-level", "warn"], envOf(em));
  const buckets = new Set(em.datadog.store.series("segment_exporter.delivery.successes").map((p) => p.timestamp)).size;
  const minimum =
    1 + Math.ceil(fixture.sources.length / 1000) + Math.ceil(fixture.destinations.length / 1000) + active * buckets + 1;
  const points = em.datadog.store.all().filter((p) => !p.metric.includes(".exporter.")).length;
  const ddData = em.datadog.requests.filter((q) => q.path === "/api/v2/series").length - 1; // minus the self-metrics request
  report("first export, 1000 connections", "exit code", r.code);
  report(
    "first export, 1000 connections",
    "Segment calls made / minimum",
    `${calls(em)} / ${minimum}`,
    `(${active} connections × ${buckets} buckets)`,
  );
  report(
    "first export, 1000 connections",
    "Datadog requests / minimum",
    `${ddData} / ${Math.ceil(points / 10_000)}`,
    `(${points} points)`,
  );
  report(
    "first export, 1000 connections",
    "wall time",
    `${(r.ms / 1000).toFixed(1)} s`,
    `(${Math.round(calls(em) / (r.ms / 1000))} Segment calls/s)`,
  );
  report("first export, 1000 connections", "peak RSS", `${Math.round(r.peakMb)} MB`);
  await em.close();
}

if (want("backfill")) {
  const fixture = generateFixture({ sources: 40, destinationsPerSource: 5, seed: 11 });
  const T0 = Date.now();
  const em = await startEmulators({
    segment: { now: () => T0, fixture, defaultRateLimitPerMinute: 1_000_000 },
    datadog: { now: () => T0, historical: ["segment_exporter.*"] },
  });
  const r = await run(
    ["backfill", "--from", "-48h", "--bucket", "1h", "--historical", "--json", "--state", state()],
    envOf(em),
  );
  const summary = JSON.parse(r.stdout || "{}");
  const minimum = 3 + summary.connections * 48 + 1;
  report("backfill 48 h, 1 h buckets", "exit code", r.code);
  report("backfill 48 h, 1 h buckets", "Segment calls made / minimum", `${calls(em)} / ${minimum}`);
  report(
    "backfill 48 h, 1 h buckets",
    "Datadog requests / minimum",
    `${summary.datadogRequests} / ${Math.ceil(summary.points / 10_000)}`,
    `(${summary.points} points)`,
  );
  report(
    "backfill 48 h, 1 h buckets",
    "wall time",
    `${(r.ms / 1000).toFixed(1)} s`,
    `(${Math.round(calls(em) / (r.ms / 1000))} Segment calls/s)`,
  );
  report("backfill 48 h, 1 h buckets", "peak RSS", `${Math.round(r.peakMb)} MB`);
  await em.close();
}

if (want("ratelimit")) {
  // Segment's default limit is unpublished; give the emulator 1200/min for delivery metrics and ask
  // for about three minutes' worth of calls. The bound is the time the limit allows.
  const perMinute = 1200;
  const fixture = generateFixture({ sources: 60, destinationsPerSource: 5, seed: 13 });
  const T0 = Date.now();
  const em = await startEmulators({
    segment: { now: () => T0, fixture, defaultRateLimitPerMinute: perMinute },
    datadog: { now: () => T0, historical: ["segment_exporter.*"] },
  });
  const r = await run(
    ["backfill", "--from", "-12h", "--bucket", "1h", "--historical", "--json", "--state", state()],
    envOf(em),
  );
  const made = calls(em, "delivery-metrics");
  const throttled = em.segment.requests.filter((q) => q.status === 429).length;
  // Windows open with their first request: N calls at once, the next N a window later, and so on;
  // the least time the limit allows is the number of windows that must fully pass.
  const boundS = Math.floor((made - throttled - 1) / perMinute) * 60;
  report(`rate limit ${perMinute}/min`, "exit code", r.code);
  report(`rate limit ${perMinute}/min`, "delivery calls / 429 answers", `${made} / ${throttled}`);
  report(
    `rate limit ${perMinute}/min`,
    "wall time / least the limit allows",
    `${(r.ms / 1000).toFixed(1)} s / ${boundS.toFixed(0)} s`,
  );
  await em.close();
}

console.log("| scenario | metric | value | note |\n| --- | --- | --- | --- |");
for (const row of rows) console.log(`| ${row.scenario} | ${row.metric} | ${row.value} | ${row.note} |`);
