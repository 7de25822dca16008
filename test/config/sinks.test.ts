// `--sink` and the settings of each backend (design §5, Sinks): only the chosen sink's settings are
// asked for, each missing or bad one is a one-line exit 2 naming it, secrets come from the
// environment or files and are registered for scrubbing, and schedules are checked against the
// chosen sink's window.
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
import { UsageError } from "../../src/errors.js";
import { scrub } from "../../src/secrets.js";

const SEGMENT = { SEGMENT_TOKEN: "seg-token-123456" };
const NR = { ...SEGMENT, SEGMENT_EXPORTER_SINK: "newrelic", NEW_RELIC_LICENSE_KEY: "nr-license-key-9876" };
const PRW = {
  ...SEGMENT,
  SEGMENT_EXPORTER_SINK: "prometheus",
  PROMETHEUS_REMOTE_WRITE_URL: "https://prom.example.com/api/v1/write",
};

function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected a usage error");
}

const tempFile = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), "sde-sink-")), "secret");
  writeFileSync(path, content);
  return path;
};

describe("choosing the sink", () => {
  it("is Datadog by default, then --sink over SEGMENT_EXPORTER_SINK over the config file", () => {
    expect(resolveCommon({}, { ...SEGMENT, DD_API_KEY: "dd-key-123456" }).sink.name).toBe("datadog");
    expect(resolveCommon({}, NR).sink.name).toBe("newrelic");
    expect(resolveCommon({ sink: "prometheus" }, { ...NR, ...PRW }).sink.name).toBe("prometheus");
    const file = `${tempFile("")}.yaml`;
    writeFileSync(file, "sink: newrelic\n");
    expect(resolveCommon({ config: file }, { ...SEGMENT, NEW_RELIC_LICENSE_KEY: "k-123456" }).sink.name).toBe(
      "newrelic",
    );
  });

  it("refuses an unknown sink, naming the setting and the choices", () => {
    expect(usageError(() => resolveCommon({ sink: "graphite" }, SEGMENT))).toBe(
      "--sink: 'graphite' is not a sink; use datadog, newrelic, prometheus",
    );
    expect(usageError(() => resolveSchedule({}, { SEGMENT_EXPORTER_SINK: "influx" }))).toMatch(
      /^SEGMENT_EXPORTER_SINK: 'influx' is not a sink/,
    );
  });

  it("asks only for the chosen sink's settings", () => {
    // No Datadog key anywhere: New Relic and remote write do not need one.
    expect(resolveCommon({}, NR).sink.settings).toMatchObject({ licenseKey: "nr-license-key-9876" });
    expect(resolveCommon({}, PRW).sink.settings).toMatchObject({ url: "https://prom.example.com/api/v1/write" });
  });
});

describe("New Relic settings", () => {
  it("takes the region's Metric API endpoint, or the full URL over it", () => {
    const urlOf = (env: Record<string, string>, flags = {}) => {
      const { sink } = resolveCommon(flags, { ...NR, ...env });
      return sink.name === "newrelic" ? sink.settings?.url : undefined;
    };
    expect(urlOf({})).toBe("https://metric-api.newrelic.com/metric/v1");
    expect(urlOf({ NEW_RELIC_REGION: "EU" })).toBe("https://metric-api.eu.newrelic.com/metric/v1");
    expect(urlOf({ NEW_RELIC_REGION: "fedramp" })).toBe("https://gov-metric-api.newrelic.com/metric/v1");
    expect(urlOf({ NEW_RELIC_REGION: "eu", NEW_RELIC_METRIC_API_URL: "http://127.0.0.1:9/metric/v1" })).toBe(
      "http://127.0.0.1:9/metric/v1",
    );
    expect(urlOf({}, { newrelicUrl: "https://proxy.internal/metric/v1" })).toBe("https://proxy.internal/metric/v1");
    expect(usageError(() => resolveCommon({}, { ...NR, NEW_RELIC_REGION: "jp" }))).toMatch(
      /^NEW_RELIC_REGION: 'jp' is not a New Relic region; use us, eu or fedramp/,
    );
    expect(usageError(() => resolveCommon({ newrelicUrl: "http://metric-api.newrelic.com/metric/v1" }, NR))).toMatch(
      /^--newrelic-url: plain http:\/\/ is refused for metric-api\.newrelic\.com/,
    );
  });

  it("needs a license key, from the environment or a file; a dry run does without", () => {
    expect(usageError(() => resolveCommon({ sink: "newrelic" }, SEGMENT))).toBe(
      "NEW_RELIC_LICENSE_KEY is not set; export NEW_RELIC_LICENSE_KEY with a New Relic license key (Ingest - License), pass --newrelic-license-key-file FILE, or use --dry-run to print what would be sent",
    );
    expect(resolveCommon({ sink: "newrelic", dryRun: true }, SEGMENT).sink.settings).toBeUndefined();
    const file = tempFile("from-a-file-key\n");
    const { sink } = resolveCommon({ sink: "newrelic", newrelicLicenseKeyFile: file }, SEGMENT);
    expect(sink.settings).toMatchObject({ licenseKey: "from-a-file-key" });
    expect(scrub("key from-a-file-key")).toBe("key [REDACTED]");
  });
});

describe("remote-write settings", () => {
  const settingsOf = (env: Record<string, string>, flags = {}) => {
    const { sink } = resolveCommon(flags, { ...PRW, ...env });
    if (sink.name !== "prometheus") throw new Error("not remote write");
    return sink.settings;
  };

  it("needs a URL (https, or http to loopback only); a dry run does without", () => {
    expect(usageError(() => resolveCommon({ sink: "prometheus" }, SEGMENT))).toBe(
      "PROMETHEUS_REMOTE_WRITE_URL is not set; export PROMETHEUS_REMOTE_WRITE_URL with the receiver's write endpoint (e.g. https://prometheus.example.com/api/v1/write), pass --remote-write-url URL, or use --dry-run to print what would be sent",
    );
    expect(resolveCommon({ sink: "prometheus", dryRun: true }, SEGMENT).sink.settings).toBeUndefined();
    expect(settingsOf({ PROMETHEUS_REMOTE_WRITE_URL: "http://localhost:9090/api/v1/write" })?.url).toBe(
      "http://localhost:9090/api/v1/write",
    );
    expect(usageError(() => settingsOf({ PROMETHEUS_REMOTE_WRITE_URL: "http://10.0.0.5:9090/api/v1/write" }))).toMatch(
      /^PROMETHEUS_REMOTE_WRITE_URL: plain http:\/\/ is refused for 10\.0\.0\.5/,
    );
    expect(usageError(() => settingsOf({}, { remoteWriteUrl: "prom:9090" }))).toMatch(
      /^--remote-write-url: 'prom:9090' must start with https:\/\//,
    );
    expect(usageError(() => settingsOf({}, { remoteWriteUrl: "https://u:p@prom.example.com/api/v1/write" }))).toMatch(
      /^--remote-write-url: put credentials in their own settings/,
    );
  });

  it("takes basic auth or a bearer token (each from the environment or a file), never both, and a tenant", () => {
    expect(settingsOf({})?.credentials).toBeUndefined();
    expect(
      settingsOf({ PROMETHEUS_REMOTE_WRITE_USERNAME: "12345", PROMETHEUS_REMOTE_WRITE_PASSWORD: "glc-secret-pw" }),
    ).toMatchObject({ credentials: { username: "12345", password: "glc-secret-pw" } });
    const token = tempFile("bearer-from-file\n");
    expect(
      settingsOf({ PROMETHEUS_REMOTE_WRITE_TENANT: "team-a" }, { remoteWriteBearerTokenFile: token }),
    ).toMatchObject({ credentials: { bearerToken: "bearer-from-file" }, tenant: "team-a" });
    expect(scrub("Bearer bearer-from-file")).toBe("Bearer [REDACTED]");
    expect(scrub(`Basic ${Buffer.from("12345:glc-secret-pw").toString("base64")}`)).toBe("Basic [REDACTED]");
    expect(usageError(() => settingsOf({ PROMETHEUS_REMOTE_WRITE_USERNAME: "u" }))).toMatch(
      /^PROMETHEUS_REMOTE_WRITE_USERNAME: basic auth needs a password too/,
    );
    expect(usageError(() => settingsOf({ PROMETHEUS_REMOTE_WRITE_PASSWORD: "p-123456" }))).toMatch(
      /^PROMETHEUS_REMOTE_WRITE_PASSWORD: basic auth needs a user name too/,
    );
    expect(
      usageError(() =>
        settingsOf({
          PROMETHEUS_REMOTE_WRITE_USERNAME: "u",
          PROMETHEUS_REMOTE_WRITE_PASSWORD: "p-123456",
          PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN: "t-123456",
        }),
      ),
    ).toMatch(/^PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN: a bearer token and basic auth .* are both set; use one of them$/);
    expect(usageError(() => settingsOf({ PROMETHEUS_REMOTE_WRITE_TENANT: "a b" }))).toMatch(
      /^PROMETHEUS_REMOTE_WRITE_TENANT: 'a b' is not a tenant id/,
    );
  });

  it("reads its settings from the config file too, secrets by variable name or file", () => {
    const password = tempFile("pw-from-file\n");
    const config = `${tempFile("")}.yaml`;
    writeFileSync(
      config,
      `sink: prometheus\nprometheus:\n  url: https://mimir.example.com/api/v1/push\n  username: "42"\n  passwordFile: ${password}\n  tenant: prod\n  maxAge: 2h\n`,
    );
    const { sink } = resolveCommon({ config }, SEGMENT);
    expect(sink).toMatchObject({
      name: "prometheus",
      maxAgeMs: 7_200_000,
      settings: {
        url: "https://mimir.example.com/api/v1/push",
        credentials: { username: "42", password: "pw-from-file" },
        tenant: "prod",
        maxAgeMs: 7_200_000,
      },
    });
  });
});

describe("schedules against each sink's window", () => {
  it("sends each bucket once, at its last read, on New Relic and remote write", () => {
    for (const env of [NR, PRW]) {
      expect(resolveExport({}, env).schedule).toEqual({
        bucketMs: 300_000,
        delayMs: 120_000,
        rereadMs: [900_000, 2_400_000],
        historical: false,
        once: true,
      });
    }
    expect(resolveExport({}, { ...SEGMENT, DD_API_KEY: "dd-key-123456" }).schedule.once).toBe(false);
  });

  it("refuses a sending age past --remote-write-max-age, and takes a longer one when raised", () => {
    expect(usageError(() => resolveSchedule({ sink: "prometheus", bucket: "15m" }, {}))).toMatch(
      /^--reread: the remote-write receiver is sent each bucket once, at its last read \(40m after it ends\), when its timestamp is 55m old, past the remote-write receiver's 55m window \(5m margin\); use read ages up to 35m, or raise --remote-write-max-age/,
    );
    expect(resolveSchedule({ sink: "prometheus", bucket: "15m", remoteWriteMaxAge: "2h" }, {}).bucketMs).toBe(900_000);
    expect(usageError(() => resolveSchedule({ sink: "prometheus", remoteWriteMaxAge: "5m" }, {}))).toMatch(
      /^--remote-write-max-age: '5m' is shorter than any bucket's sending age/,
    );
    // New Relic keeps 48 h: a late last read is fine.
    expect(resolveSchedule({ sink: "newrelic", reread: "15m,3h" }, {}).rereadMs).toEqual([900_000, 10_800_000]);
  });

  it("refuses --historical with another sink than Datadog", () => {
    expect(usageError(() => resolveExport({ historical: true }, NR))).toBe(
      "--historical: Historical Metrics Ingestion is Datadog's; New Relic takes points up to 48h old without it; leave it out with --sink newrelic",
    );
    expect(usageError(() => resolveSchedule({ historical: true, sink: "prometheus" }, {}))).toMatch(
      /^--historical: Historical Metrics Ingestion is Datadog's; for a receiver with out-of-order ingestion, raise --remote-write-max-age instead/,
    );
    expect(usageError(() => resolveBackfill({ historical: true, from: "-1h" }, NR, Date.now()))).toMatch(
      /^--historical: /,
    );
  });

  it("refuses check --submit with a sink that takes each bucket once", () => {
    expect(usageError(() => resolveCheck({ submit: true }, NR, Date.now()))).toMatch(
      /^--submit: --sink newrelic takes each bucket once, at its last read, and export sends these buckets too \(New Relic would count them twice\)/,
    );
    expect(resolveCheck({}, NR, Date.now()).sink.name).toBe("newrelic");
  });
});

describe("tags each backend can write", () => {
  it("refuses a --tag key New Relic reserves, and two keys that make one remote-write label", () => {
    expect(usageError(() => resolveCommon({ tag: ["count:1"] }, NR))).toMatch(
      /^--tag: the tag key 'count' is a field name of New Relic's Metric API/,
    );
    expect(resolveCommon({ tag: ["count:1"] }, PRW).tags).toEqual(["count:1"]);
    expect(usageError(() => resolveCommon({ tag: ["team-a:x", "team_a:y"] }, PRW))).toBe(
      "--tag: the tag keys 'team-a' and 'team_a' are both the label team_a on remote write; rename one",
    );
    expect(usageError(() => resolveCommon({ tag: ["reason:x"] }, PRW))).toMatch(
      /^--tag: the tag key 'reason' is the label reason, which the exporter writes itself/,
    );
  });
});
