// resolveAssets: the settings of `dashboard` and `monitors`, decided before any request.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_MIN_DELIVERIES, resolveAssets } from "../../src/config/settings.js";

const keys = { DD_API_KEY: "dd-key-123456", DD_APP_KEY: "dd-app-key-123456" };

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "sde-assets-"));
  const path = join(dir, "config.yaml");
  writeFileSync(path, text);
  return path;
}

describe("resolveAssets", () => {
  it("needs no Segment token; defaults of design §5 and export's schedule", () => {
    expect(resolveAssets({}, keys)).toMatchObject({
      datadog: { apiKey: "dd-key-123456", appKey: "dd-app-key-123456", site: "datadoghq.com" },
      prefix: "segment_exporter",
      minSuccessRate: 0.99,
      maxP95Ms: 60_000,
      minDeliveries: 20,
      bucketMs: 300_000,
      delayMs: 120_000,
      eventsGroupBy: [],
      notify: [],
    });
  });

  it("takes thresholds, schedule, grouping and the app key file from the config file; flags win", () => {
    const dir = mkdtempSync(join(tmpdir(), "sde-app-"));
    const appKeyFile = join(dir, "app");
    writeFileSync(appKeyFile, "file-app-key-1234\n");
    const path = configFile(
      `datadog: { apiKeyEnv: MY_DD, appKeyFile: ${appKeyFile} }\ncheck: { minSuccessRate: 99.5%, maxP95: 30s }\nexport: { bucket: 1m, delay: 0s, eventsGroupBy: [event_name] }\nmetricPrefix: acme\n`,
    );
    const c = resolveAssets({ config: path }, { MY_DD: "dd-key-123456" });
    expect(c).toMatchObject({
      datadog: { apiKey: "dd-key-123456", appKey: "file-app-key-1234" },
      prefix: "acme",
      minSuccessRate: 0.995,
      maxP95Ms: 30_000,
      bucketMs: 60_000,
      delayMs: 0,
      eventsGroupBy: ["eventName"],
    });
    expect(resolveAssets({ config: path, maxP95: "2m" }, { MY_DD: "dd-key-123456" }).maxP95Ms).toBe(120_000);
  });

  it("--min-deliveries from the flag or check.minDeliveries beside the other thresholds; the flag wins", () => {
    expect(DEFAULT_MIN_DELIVERIES).toBe(20);
    expect(resolveAssets({ minDeliveries: "50" }, keys).minDeliveries).toBe(50);
    expect(resolveAssets({ minDeliveries: "0" }, keys).minDeliveries).toBe(0);
    const path = configFile("check: { minSuccessRate: 99%, minDeliveries: 100 }\n");
    expect(resolveAssets({ config: path }, keys).minDeliveries).toBe(100);
    expect(resolveAssets({ config: path, minDeliveries: "5" }, keys).minDeliveries).toBe(5);
    expect(() => resolveAssets({ config: configFile("check: { minDeliveries: lots }\n") }, keys)).toThrow(
      /^--config .*: check\.minDeliveries: 'lots' is not a count; write a whole number, e\.g\. 1$/,
    );
  });

  it("accepts --historical (or export.historical) for a schedule past Datadog's 1h window, as export does", () => {
    expect(() => resolveAssets({ bucket: "1h" }, keys)).toThrow(/pass --historical$/);
    expect(resolveAssets({ bucket: "1h", historical: true }, keys)).toMatchObject({ bucketMs: 3_600_000 });
    const path = configFile("export: { bucket: 1h, delay: 5m, historical: true }\n");
    expect(resolveAssets({ config: path }, keys)).toMatchObject({ bucketMs: 3_600_000, delayMs: 300_000 });
    // Re-read ages shape no definition and these commands take no --reread: they are not judged here.
    expect(resolveAssets({ bucket: "30m" }, keys).bucketMs).toBe(1_800_000);
  });

  it("--dry-run and --out need no key at all", () => {
    expect(resolveAssets({ dryRun: true }, {}).datadog).toBeUndefined();
    expect(resolveAssets({ out: "/tmp/x" }, {}).datadog).toBeUndefined();
  });

  it.each([
    [{}, { DD_API_KEY: "dd-key-123456" }, /^DD_APP_KEY is not set; .*--datadog-app-key-file/],
    [{}, { DD_APP_KEY: "dd-app-key-123456" }, /^DD_API_KEY is not set/],
    [{ notify: ["slack-x"] }, keys, /^--notify: 'slack-x' is not a notification handle/],
    [{ minSuccessRate: "120%" }, keys, /^--min-success-rate: '120%' is not a success rate/],
    [{ minDeliveries: "2.5" }, keys, /^--min-deliveries: '2\.5' is not a count; write a whole number/],
    [{ minDeliveries: "-3" }, keys, /^--min-deliveries: '-3' is not a count/],
    [{ json: true, dryRun: true }, keys, /^--json and --dry-run/],
    [{ datadogUrl: "http://datadog.example.com" }, keys, /plain http:\/\/ is refused/],
    [{ sink: "grafana", out: "x" }, {}, /^--sink: 'grafana' is not a sink; use datadog, newrelic, prometheus$/],
    [
      { sink: "prometheus" },
      keys,
      /^--sink prometheus: the assets for Prometheus remote write are files to import and nothing is sent; give --out DIR, e\.g\. --out grafana\/$/,
    ],
    [{ sink: "newrelic", dryRun: true }, {}, /^--sink newrelic: .* give --out DIR, e\.g\. --out newrelic\/$/],
    [{ sink: "newrelic", out: "x", reread: "49h" }, {}, /^--reread: re-read ages above 48h are pointless/],
  ])("refuses %j with one line naming the fix", (flags, env, message) => {
    expect(() => resolveAssets(flags, env)).toThrow(message);
  });
});

describe("resolveAssets --sink (issue #21.6)", () => {
  it("is datadog by default, sent at the first read (--delay)", () => {
    const c = resolveAssets({}, keys);
    expect(c.sink).toBe("datadog");
    expect(c.sendAgeMs).toBeUndefined();
  });

  it("newrelic and prometheus write files: no key needed, and each bucket is sent at the last re-read age", () => {
    expect(resolveAssets({ sink: "prometheus", out: "grafana/" }, {})).toMatchObject({
      sink: "prometheus",
      datadog: undefined,
      bucketMs: 300_000,
      delayMs: 120_000,
      sendAgeMs: 40 * 60_000, // the default re-read ages 15m,40m
    });
    expect(resolveAssets({ sink: "NewRelic", out: "nr/", reread: "10m,30m" }, {}).sendAgeMs).toBe(30 * 60_000);
    expect(resolveAssets({ sink: "newrelic", out: "nr/", reread: "1m", delay: "3m" }, {}).sendAgeMs).toBe(3 * 60_000);
    const path = configFile("export: { bucket: 15m, reread: [20m, 1h] }\n");
    expect(resolveAssets({ sink: "newrelic", out: "nr/", config: path }, {})).toMatchObject({
      bucketMs: 900_000,
      sendAgeMs: 3_600_000,
    });
  });

  it("takes the sink from SEGMENT_EXPORTER_SINK and the config file's `sink:` too, as the run does", () => {
    expect(resolveAssets({ out: "grafana/" }, { SEGMENT_EXPORTER_SINK: "prometheus" }).sink).toBe("prometheus");
    const path = configFile("sink: newrelic\n");
    expect(resolveAssets({ out: "nr/", config: path }, {}).sink).toBe("newrelic");
    expect(() => resolveAssets({}, { SEGMENT_EXPORTER_SINK: "prometheus" })).toThrow(/give --out DIR/);
  });

  it("does not hold the other tools to Datadog's 1h window (the export checks its own sink's)", () => {
    expect(() => resolveAssets({ bucket: "1h" }, keys)).toThrow(/pass --historical$/);
    expect(resolveAssets({ sink: "newrelic", out: "nr/", bucket: "1h" }, {}).bucketMs).toBe(3_600_000);
  });
});
