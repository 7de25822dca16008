import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  resolveBackfill,
  resolveCheck,
  resolveCommon,
  resolveExport,
  resolveSchedule,
} from "../../src/config/settings.js";

const env = { SEGMENT_TOKEN: "seg-token-123456", DD_API_KEY: "dd-key-123456" };

describe("precedence and defaults", () => {
  it("uses defaults when nothing is set", () => {
    const c = resolveExport({}, env);
    expect(c.workspaces[0]?.apiUrl).toBe("https://api.segmentapis.com");
    expect(c.sink.settings).toMatchObject({ site: "datadoghq.com", apiUrl: undefined, apiKey: "dd-key-123456" });
    expect(c.prefix).toBe("segment_exporter");
    expect(c.schedule).toEqual({
      bucketMs: 300_000,
      delayMs: 120_000,
      rereadMs: [900_000, 2_400_000],
      historical: false,
      once: false,
    });
    expect(c.statePath).toMatch(/segment-datadog-exporter\/state\.json$/);
  });

  it("lets flags win over the environment", () => {
    const c = resolveExport(
      { segmentUrl: "https://eu1.api.segmentapis.com", bucket: "1m", reread: "10m", tag: ["team:a"] },
      {
        ...env,
        SEGMENT_API_URL: "https://api.segmentapis.com",
        SEGMENT_EXPORTER_BUCKET: "15m",
        SEGMENT_EXPORTER_TAGS: "team:b",
      },
    );
    expect(c.workspaces[0]?.apiUrl).toBe("https://eu1.api.segmentapis.com");
    expect(c.schedule.bucketMs).toBe(60_000);
    expect(c.tags).toEqual(["team:a"]);
  });

  it("reads secrets from files, trimmed", () => {
    const dir = mkdtempSync(join(tmpdir(), "sde-secret-"));
    writeFileSync(join(dir, "seg"), "from-file-token\n");
    const c = resolveCommon({ segmentTokenFile: join(dir, "seg") }, { DD_API_KEY: "k-123456" });
    expect(c.workspaces[0]?.token).toBe("from-file-token");
    expect(() => resolveCommon({ segmentTokenFile: join(dir, "missing") }, env)).toThrow(
      /^--segment-token-file: cannot read .*missing \(ENOENT\)/,
    );
  });

  it("needs no Datadog key for a dry run", () => {
    expect(resolveCommon({ dryRun: true }, { SEGMENT_TOKEN: "t-123456" }).sink.settings).toBeUndefined();
  });

  it("derives the state path from XDG_STATE_HOME", () => {
    expect(resolveCommon({}, { ...env, XDG_STATE_HOME: "/var/lib/x" }).statePath).toBe(
      "/var/lib/x/segment-datadog-exporter/state.json",
    );
  });
});

describe("URLs", () => {
  it.each(["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9", "https://proxy.internal"])(
    "accepts %s",
    (url) => {
      const { sink } = resolveCommon({ datadogUrl: url }, env);
      expect(sink.name === "datadog" && sink.settings?.apiUrl).toBe(url);
    },
  );

  it.each([
    ["http://10.0.0.5", /plain http:\/\/ is refused for 10\.0\.0\.5/],
    ["ftp://x", /must start with https/],
    ["https://user:pw@host", /credentials in their own settings/],
  ])("refuses %s", (url, pattern) => {
    expect(() => resolveCommon({ segmentUrl: url }, env)).toThrow(pattern);
  });

  it("names the environment variable when the bad value came from it", () => {
    expect(() => resolveCommon({}, { ...env, DD_API_URL: "http://intake.example" })).toThrow(/^DD_API_URL: /);
  });

  it("refuses a site given as a URL or an app host", () => {
    expect(() => resolveCommon({ datadogSite: "app.datadoghq.com" }, env)).toThrow(/not a Datadog site/);
    expect(() => resolveCommon({}, { ...env, DD_SITE: "https://datadoghq.eu" })).toThrow(/^DD_SITE: /);
  });
});

describe("schedule", () => {
  it("accepts small values", () => {
    expect(resolveSchedule({ bucket: "1m", delay: "0s", reread: "1m" }, {})).toMatchObject({
      bucketMs: 60_000,
      delayMs: 0,
      rereadMs: [60_000],
    });
  });

  it("accepts a re-read age the first read already covers, without a stage of its own", () => {
    expect(resolveSchedule({ reread: "1m,15m" }, {})).toMatchObject({ delayMs: 120_000, rereadMs: [900_000] });
    expect(resolveSchedule({ bucket: "1m", reread: "1m", maxDuration: "1s" }, {}).rereadMs).toEqual([]);
  });

  it("uses longer default re-reads with --historical", () => {
    expect(resolveSchedule({ historical: true }, {}).rereadMs).toEqual([900_000, 2_400_000, 7_200_000, 18_000_000]);
  });

  it.each([
    [{ bucket: "90s" }, /--bucket: '90s' is not a usable bucket/],
    [{ bucket: "2d" }, /--bucket: '2d' is not a usable bucket/],
    [{ reread: "55m" }, /use ages up to 50m, or enable historical ingestion and pass --historical/],
    [{ bucket: "1h" }, /with --bucket 1h and --delay 2m a bucket is 62m old/],
  ])("refuses %j", (flags, pattern) => {
    expect(() => resolveSchedule(flags, {})).toThrow(pattern);
  });

  it("allows old re-reads with --historical", () => {
    expect(resolveSchedule({ bucket: "1h", reread: "4h", historical: true }, {}).rereadMs).toEqual([14_400_000]);
  });
});

describe("error details switch", () => {
  const NOW = Date.UTC(2026, 10, 25, 12, 0);
  const fileWith = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), "sde-config-")), "config.yaml");
    writeFileSync(file, text);
    return file;
  };

  it("is on by default for check and export", () => {
    expect(resolveCheck({}, env, NOW).errorDetails).toBe(true);
    expect(resolveExport({}, env).errorDetails).toBe(true);
  });

  it("is off with --no-error-details", () => {
    expect(resolveCheck({ errorDetails: false }, env, NOW).errorDetails).toBe(false);
    expect(resolveExport({ errorDetails: false }, env).errorDetails).toBe(false);
  });

  it("is off with export.errorDetails: false in the config file, for check too", () => {
    const config = fileWith("export:\n  errorDetails: false\n");
    expect(resolveCheck({ config }, env, NOW).errorDetails).toBe(false);
    expect(resolveExport({ config }, env).errorDetails).toBe(false);
    expect(resolveCheck({ config: fileWith("export:\n  errorDetails: true\n") }, env, NOW).errorDetails).toBe(true);
  });

  it("refuses a value that is not a boolean, naming the key", () => {
    const config = fileWith("export:\n  errorDetails: 'no'\n");
    expect(() => resolveExport({ config }, env)).toThrow(/export\.errorDetails/);
  });
});

describe("backfill leaves out buckets that have not settled (issue #22)", () => {
  const at = Date.UTC(2026, 10, 25, 12, 45, 10);
  it("ends before the bucket that ended less than --delay ago", () => {
    const c = resolveBackfill({ from: "-30m" }, env, at);
    // 12:40–12:45 ended 10 s before the run, inside the default 2m delay: not exported yet.
    expect(new Date(c.window.end).toISOString()).toBe("2026-11-25T12:40:00.000Z");
    expect(new Date(resolveBackfill({ from: "-30m", delay: "0s" }, env, at).window.end).toISOString()).toBe(
      "2026-11-25T12:45:00.000Z",
    );
  });

  it("says so when the whole window is younger than the delay", () => {
    expect(() => resolveBackfill({ from: "-4m" }, env, at)).toThrow(/ended 2m ago or more .* start earlier or wait/);
  });
});

describe("--reread none (design §5)", () => {
  it("means no re-read at all", () => {
    expect(resolveSchedule({ reread: "none" }, {}).rereadMs).toEqual([]);
    expect(resolveSchedule({ reread: "NONE" }, {}).rereadMs).toEqual([]);
  });
});
