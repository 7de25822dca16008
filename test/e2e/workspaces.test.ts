// Several workspaces in one run, and --shard splitting an estate across processes.
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDatadogEmulator } from "../../src/emulator/datadog/server.js";
import type { DatadogEmulator } from "../../src/emulator/datadog/types.js";
import { generateFixture } from "../../src/emulator/segment/fixture.js";
import { type SegmentEmulator, startSegmentEmulator } from "../../src/emulator/segment/server.js";
import { checkDelivery, checkEventVolume } from "../../src/emulator/verify.js";
import { alignDown } from "../../src/plan/buckets.js";
import { initialWatermark } from "../../src/plan/schedule.js";
import { runExport } from "../../src/run/export.js";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { deps, exportConfig, tempStatePath } from "../helpers/export.js";

const NOW = Date.UTC(2026, 10, 25, 10, 7, 30);
let first: SegmentEmulator;
let second: SegmentEmulator;
let datadog: DatadogEmulator;

beforeAll(async () => {
  first = await startSegmentEmulator({ now: () => NOW });
  second = await startSegmentEmulator({
    now: () => NOW,
    token: "second-workspace-token",
    fixture: generateFixture({ sources: 5, destinationsPerSource: 3, seed: 9, workspaceSlug: "second-workspace" }),
  });
  datadog = await startDatadogEmulator({ now: () => NOW });
});
afterAll(async () => {
  await Promise.all([first.close(), second.close(), datadog.close()]);
});

function config(over: Partial<ReturnType<typeof exportConfig>> = {}) {
  const base = exportConfig({ segment: first, datadog }, over);
  base.workspaces = [
    { label: "workspaces[0]", token: first.token, apiUrl: first.url, include: [], exclude: [], tags: ["team:web"] },
    { label: "workspaces[1]", token: second.token, apiUrl: second.url, include: [], exclude: [], tags: [] },
  ];
  return base;
}

const window = (prefix: string) => {
  const schedule = exportConfig({ segment: first, datadog }).schedule;
  return {
    prefix,
    bucketMs: schedule.bucketMs,
    from: initialWatermark(schedule, NOW),
    to: alignDown(NOW - schedule.delayMs, schedule.bucketMs),
    at: NOW,
  };
};

describe("two workspaces", () => {
  it("exports both in one run, each under its own workspace tag, exactly", async () => {
    datadog.reset();
    const summary = await runExport(
      config(),
      deps(() => NOW),
    );
    expect(summary.workspaces.map((w) => w.workspace).sort()).toEqual(["emulated-workspace", "second-workspace"]);
    for (const emulator of [first, second]) {
      expect(checkDelivery(emulator, datadog.store, window("segment_exporter")).problems).toEqual([]);
      expect(checkEventVolume(emulator, datadog.store, window("segment_exporter")).problems).toEqual([]);
    }
    const points = datadog.store.all().filter((p) => p.metric === "segment_exporter.delivery.successes");
    const ofSecond = new Set(second.fixture.destinations.map((d) => `destination_id:${d.id.toLowerCase()}`));
    for (const p of points) {
      const inSecond = p.tags.some((t) => ofSecond.has(t));
      expect(p.tags).toContain(inSecond ? "workspace:second-workspace" : "workspace:emulated-workspace");
      // Workspace tags follow the global ones, and only on their own workspace.
      expect(p.tags.includes("team:web")).toBe(!inSecond);
    }
    // Each workspace's lag and counts are reported on their own.
    expect(summary.workspaces.every((w) => w.bucketsExported > 0 && w.lagMs === 150_000)).toBe(true);
  });

  it("refuses the same workspace listed twice", async () => {
    const twice = config();
    twice.workspaces = [
      twice.workspaces[0],
      { ...twice.workspaces[0], label: "workspaces[1]" },
    ] as typeof twice.workspaces;
    await expect(
      runExport(
        twice,
        deps(() => NOW),
      ),
    ).rejects.toThrow(/workspaces\[1\] and workspaces\[0\] are the same workspace/);
  });
});

describe("--shard", () => {
  it("0/3, 1/3 and 2/3 together export every connection exactly once", async () => {
    datadog.reset();
    const runs = [];
    for (let index = 0; index < 3; index++) {
      runs.push(
        await runExport(
          config({ shard: { index, count: 3 }, statePath: tempStatePath() }),
          deps(() => NOW),
        ),
      );
    }
    const data = datadog.store.all().filter((p) => !p.metric.includes(".exporter."));
    // Every point written once: no connection (and no workspace's event volume) is in two shards.
    expect(data.every((p) => p.writes === 1)).toBe(true);
    // And none is missing: all of both workspaces are there, exactly.
    for (const emulator of [first, second]) {
      expect(checkDelivery(emulator, datadog.store, window("segment_exporter")).problems).toEqual([]);
      expect(checkEventVolume(emulator, datadog.store, window("segment_exporter")).problems).toEqual([]);
    }
    const total = runs.reduce((n, r) => n + r.connections, 0);
    expect(total).toBe(6 + second.fixture.destinations.filter((d) => d.enabled).length);
    // Each shard got a share (with 20 connections, an empty shard would mean a broken hash).
    expect(runs.every((r) => r.connections > 0)).toBe(true);
  });
});

describe("a two-workspace config file, through the CLI", () => {
  it("exports both with their own tags", async () => {
    const file = `${tempStatePath()}.yaml`;
    writeFileSync(
      file,
      [
        "workspaces:",
        "  - name: web-team",
        "    tokenEnv: FIRST_SEGMENT_TOKEN",
        `    apiUrl: ${first.url}`,
        "    tags: [team:web]",
        "  - name: second",
        "    tokenEnv: SECOND_SEGMENT_TOKEN",
        `    apiUrl: ${second.url}`,
        `datadog: { apiUrl: "${datadog.url}", apiKeyEnv: MY_DD_KEY }`,
        "tags: [env:test]",
        "",
      ].join("\n"),
    );
    datadog.reset();
    // The CLI runs on the real clock: point the emulators' data clocks at it for this run.
    const realNow = Date.now();
    first.setNow(() => realNow);
    second.setNow(() => realNow);
    datadog.setNow(() => realNow);
    try {
      const result = await runCli(
        ["export", "--config", file, "--state", tempStatePath(), "--no-usage"],
        cleanEnv({ FIRST_SEGMENT_TOKEN: first.token, SECOND_SEGMENT_TOKEN: second.token, MY_DD_KEY: datadog.apiKey }),
      );
      expect(result.code).toBe(0);
      const successes = datadog.store.series("segment_exporter.delivery.successes");
      const bySlug = (slug: string) => successes.filter((p) => p.tags.includes(`workspace:${slug}`));
      expect(bySlug("emulated-workspace").length).toBeGreaterThan(0);
      expect(bySlug("second-workspace").length).toBeGreaterThan(0);
      expect(
        bySlug("emulated-workspace").every((p) => p.tags.includes("team:web") && p.tags.includes("env:test")),
      ).toBe(true);
      expect(bySlug("second-workspace").every((p) => !p.tags.includes("team:web") && p.tags.includes("env:test"))).toBe(
        true,
      );
      expect(successes.length).toBe(bySlug("emulated-workspace").length + bySlug("second-workspace").length);
    } finally {
      first.setNow(() => NOW);
      second.setNow(() => NOW);
      datadog.setNow(() => NOW);
    }
  });

  it("a workspace's name labels its messages and never changes its tags (the tag is Segment's slug)", async () => {
    const file = `${tempStatePath()}.yaml`;
    writeFileSync(
      file,
      [
        "workspaces:",
        "  - name: prod",
        "    tokenEnv: FIRST_SEGMENT_TOKEN",
        `    apiUrl: ${first.url}`,
        "    sources: { include: [web, no-such-source] }",
        "",
      ].join("\n"),
    );
    const realNow = Date.now();
    first.setNow(() => realNow);
    try {
      const result = await runCli(
        ["export", "--dry-run", "--config", file, "--state", tempStatePath(), "--no-usage", "--log-level", "warn"],
        cleanEnv({ FIRST_SEGMENT_TOKEN: first.token }),
      );
      expect(result.code).toBe(0);
      // The name is how messages point at the entry of the file.
      expect(result.stderr).toContain("source filter 'no-such-source' of workspaces[0] (prod) matches no source");
      const series = result.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { metric: string; tags: string[] });
      expect(series.length).toBeGreaterThan(0);
      for (const s of series) {
        expect(s.tags).toContain("workspace:emulated-workspace");
        expect(s.tags.some((t) => t.includes("prod"))).toBe(false);
      }
    } finally {
      first.setNow(() => NOW);
    }
  });
});
