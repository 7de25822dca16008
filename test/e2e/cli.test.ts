// The executable itself, as cron and scripts run it, against emulators served from this process.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { BIN, cleanEnv, emulatorEnv, runCli } from "../helpers/cli.js";
import { tempStatePath } from "../helpers/export.js";

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(async () => {
  await emulators.close();
});

const sandboxEnv = (extra: Record<string, string> = {}) => emulatorEnv(emulators, extra);

const CONTRACT_SERIES = new Set(
  [
    "delivery.successes",
    "delivery.successes.first_attempt",
    "delivery.successes.after_retry",
    "delivery.discarded",
    "delivery.expired",
    "delivery.retried",
    "delivery.time_to_success.avg",
    "delivery.time_to_success.p95",
    "delivery.time_to_first_attempt.avg",
    "delivery.time_to_first_attempt.p95",
    "delivery.failed",
    "pipeline.received",
    "pipeline.ingest_failed",
    "pipeline.filtered_at_source",
    "pipeline.filtered_at_destination",
    "events.volume",
    "usage.mtu",
    "usage.api_calls",
  ].map((s) => `segment_exporter.${s}`),
);

describe("export --dry-run", () => {
  it("prints one JSON object per series with the contract's names, and submits nothing", async () => {
    const state = tempStatePath();
    const before = emulators.datadog.requests.length;
    const result = await runCli(["export", "--dry-run", "--state", state], sandboxEnv());
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThan(60);
    const series = lines.map(
      (l) => JSON.parse(l) as { metric: string; type: string; points: unknown[]; tags: string[] },
    );
    expect(new Set(series.map((s) => s.metric))).toEqual(CONTRACT_SERIES);
    for (const s of series) {
      expect(["count", "gauge"]).toContain(s.type);
      expect(s.points.length).toBeGreaterThan(0);
      expect(s.tags.some((t) => t.startsWith("workspace:"))).toBe(true);
    }
    expect(emulators.datadog.requests.length).toBe(before);
    expect(existsSync(state)).toBe(false);
  });

  it("works without a Datadog API key", async () => {
    const env = sandboxEnv();
    delete env.DD_API_KEY;
    const result = await runCli(["export", "--dry-run", "--state", tempStatePath(), "--no-event-volume"], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("segment_exporter.delivery.successes");
    expect(result.stdout).not.toContain("events.volume");
  });
});

describe("exit codes and one-line errors", () => {
  it("a wrong Segment token exits 3 with one line that does not contain the token", async () => {
    const token = "wrong-token-0123456789abcdef";
    const result = await runCli(["export", "--state", tempStatePath()], sandboxEnv({ SEGMENT_TOKEN: token }));
    expect(result.code).toBe(3);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trim().split("\n");
    expect(lines.at(-1)).toMatch(/Segment rejected the token \(HTTP 401\)/);
    expect(result.stderr.split("\n").filter((l) => l.startsWith("segment-datadog-exporter:"))).toHaveLength(1);
    expect(result.stderr).not.toContain(token);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("a wrong Datadog key exits 3 and names Datadog", async () => {
    const key = "fake-datadog-key-for-tests-0001";
    const result = await runCli(["export", "--state", tempStatePath()], sandboxEnv({ DD_API_KEY: key }));
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/Datadog \(http:\/\/127\.0\.0\.1:\d+\) rejected the API key/);
    expect(result.stderr).not.toContain(key);
  });

  it.each([
    [["export", "--no-such-flag"], /unknown option '--no-such-flag'/],
    [["export", "--bucket", "7x"], /^segment-datadog-exporter: --bucket: '7x' is not a duration/],
    [["export", "--bucket", "7m"], /--bucket: '7m' is not a usable bucket/],
    [["export", "--reread", "58m"], /--reread: a bucket re-read at 58m .* past Datadog's 1h window/],
    [["export", "--segment-url", "http://segment.example.com"], /--segment-url: plain http:\/\/ is refused/],
    [["export", "--datadog-url", "not a url"], /--datadog-url: 'not a url' is not a URL/],
    [["export", "--tag", "nocolon"], /--tag: 'nocolon' is not a key:value tag/],
    [["export", "--metric-prefix", "segment"], /owned by Datadog's own Segment integration/],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ])("%j exits 2 with exactly one line and nothing on stdout", async (args, pattern) => {
    const result = await runCli(args, sandboxEnv());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(pattern);
  });

  it("accepts the small values of design §5: --delay 0s, a 1m bucket, 1m re-reads, --max-duration 1s", async () => {
    const args = ["export", "--bucket", "1m", "--delay", "0s", "--reread", "1m", "--max-duration", "1s", "--dry-run"];
    const result = await runCli([...args, "--state", tempStatePath()], sandboxEnv());
    // Done within the second (0), or stopped cleanly by it with work left pending (4): never refused.
    expect([0, 4]).toContain(result.code);
    if (result.code === 4) expect(result.stderr).toMatch(/were not reached \(.*\); they stay pending/);
    expect(result.stdout).toContain('"interval":60');
  });

  it("a missing token exits 2 before any request", async () => {
    const env = sandboxEnv();
    delete env.SEGMENT_TOKEN;
    const before = emulators.segment.requests.length;
    const result = await runCli(["export"], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/SEGMENT_TOKEN is not set/);
    expect(emulators.segment.requests.length).toBe(before);
  });
});

describe("destinations", () => {
  it("--json prints one document with every source, those without destinations included", async () => {
    const result = await runCli(["destinations", "--json"], sandboxEnv());
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as {
      workspaces: Array<{ workspace: { slug: string }; sources: Array<{ slug: string; destinations: unknown[] }> }>;
    };
    expect(doc.workspaces).toHaveLength(1);
    const [ws] = doc.workspaces;
    expect(ws?.workspace.slug).toBe(emulators.segment.fixture.workspace.slug);
    expect(ws?.sources.map((s) => s.slug).sort()).toEqual(emulators.segment.fixture.sources.map((s) => s.slug).sort());
    expect(ws?.sources.find((s) => s.slug === "marketing-site")?.destinations).toEqual([]);
  });

  it("prints a table by default", async () => {
    const result = await runCli(["destinations"], sandboxEnv());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^SOURCE\s+SOURCE ID\s+DESTINATION\s+TYPE\s+DESTINATION ID\s+EXPORTED$/m);
    expect(result.stdout).toMatch(/no \(disabled\)/);
  });
});

describe("demo and sandbox", () => {
  it("demo exports against the embedded emulators and matches the ground truth", async () => {
    const result = await runCli(["demo", "--json"], cleanEnv());
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { problems: string[]; checkedAgainstTruth: number; points: number };
    expect(report.problems).toEqual([]);
    expect(report.checkedAgainstTruth).toBe(report.points);
  });

  it("sandbox prints settings safe to eval, with a state of its own, and stops on SIGTERM even with stdin closed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sde-sandbox-"));
    const file = join(dir, "sde.env");
    const child = spawn(process.execPath, [BIN, "sandbox", "--settings-file", file], {
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8");
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (d: string) => {
        stdout += d;
        if (stdout.includes("\n# ")) resolve();
      });
    });
    const lines = stdout.trim().split("\n");
    expect(lines.slice(0, 6).map((l) => l.split("=")[0])).toEqual([
      "export SEGMENT_API_URL",
      "export SEGMENT_TOKEN",
      "export DD_API_URL",
      "export DD_API_KEY",
      "export DD_APP_KEY",
      "export SEGMENT_EXPORTER_STATE",
    ]);
    const ddUrl = lines[2]?.split("=")[1] ?? "";
    expect(lines[6]).toContain(`${ddUrl}/_emulator/series`);
    // Then the settings of the other sinks' emulators (--sink newrelic, --sink prometheus).
    expect(lines.slice(7, 10).map((l) => l.split("=")[0])).toEqual([
      "export NEW_RELIC_LICENSE_KEY",
      "export NEW_RELIC_METRIC_API_URL",
      "export PROMETHEUS_REMOTE_WRITE_URL",
    ]);
    expect(lines[10]).toMatch(/^# --sink newrelic or --sink prometheus with a --state file of its own/);
    // The remote-write endpoint is there: it takes POSTs only.
    expect((await fetch(lines[9]?.split("=")[1] ?? "")).status).toBe(405);
    // The file holds the same text, written once the emulators listen, readable by its owner only.
    expect(readFileSync(file, "utf8")).toBe(stdout);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The whole output, comment included, is safe to eval: what a shell makes of it.
    const shell = spawnSync(
      "sh",
      ["-c", 'eval "$1"; printf "%s\\n" "$DD_API_URL" "$SEGMENT_EXPORTER_STATE"', "sh", stdout],
      {
        encoding: "utf8",
      },
    );
    expect(shell.status).toBe(0);
    const [evalUrl, state] = shell.stdout.trim().split("\n");
    expect(evalUrl).toBe(ddUrl);
    expect(state).toMatch(/segment-datadog-exporter-sandbox-[^/]+\/state\.json$/);
    const segmentUrl = lines[0]?.split("=")[1] ?? "";
    const workspace = await fetch(`${segmentUrl}/`, {
      headers: { authorization: `Bearer ${lines[1]?.split("=")[1]}` },
    });
    expect(workspace.status).toBe(200);
    // The state's folder exists while the sandbox runs (an export would write it there).
    expect(existsSync(dirname(state ?? ""))).toBe(true);
    const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    // Stopped: its settings file and its state are gone with the emulators.
    expect(existsSync(file)).toBe(false);
    expect(existsSync(dirname(state ?? ""))).toBe(false);
    rmSync(dir, { recursive: true });
  });

  it("sandbox --settings-file in a folder that does not exist is exit 2 naming the flag", async () => {
    const result = await runCli(["sandbox", "--settings-file", "/nonexistent-folder/sde.env"], cleanEnv());
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      /^segment-datadog-exporter: --settings-file: cannot write \/nonexistent-folder\/sde\.env \(ENOENT\)/,
    );
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("a wrong Datadog site (issue #22)", () => {
  it("is found before Segment is read, naming the host and the setting it came from", async () => {
    const before = emulators.segment.requests.length;
    const env = sandboxEnv({ DD_SITE: "datadoghq.invalid" });
    delete env.DD_API_URL;
    const started = Date.now();
    const result = await runCli(["export", "--state", tempStatePath()], env);
    expect(result.code).toBe(4);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /Datadog request to https:\/\/api\.datadoghq\.invalid failed: ENOTFOUND \(host from DD_SITE\)/,
    );
    expect(lines[0]).toMatch(/nothing was read or sent/);
    expect(emulators.segment.requests.length).toBe(before);
    // A name that does not resolve is not retried for seconds.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("backfill on a terminal-less run (issue #22)", () => {
  it("--historical refused by Datadog: exit 2 and one line, with no progress line before it", async () => {
    const result = await runCli(
      ["backfill", "--from", "-2h", "--historical", "--state", tempStatePath()],
      sandboxEnv({ DD_APP_KEY: (emulators.datadog as { appKey: string }).appKey }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/--historical: Historical Metrics Ingestion is not enabled/),
    ]);
    expect(result.stderr).not.toMatch(/buckets \(/);
  });

  it("`backfill --help` marks --from as required and offers --delay", async () => {
    const result = await runCli(["backfill", "--help"], sandboxEnv());
    expect(result.stdout).toMatch(/--from <time>\s+required:/);
    expect(result.stdout).toMatch(/--delay <duration>\s+leave out buckets/);
  });
});
