// resolveAssets: the settings of `dashboard` and `monitors`, decided before any request.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveAssets } from "../../src/config/settings.js";

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

  it("--dry-run and --out need no key at all", () => {
    expect(resolveAssets({ dryRun: true }, {}).datadog).toBeUndefined();
    expect(resolveAssets({ out: "/tmp/x" }, {}).datadog).toBeUndefined();
  });

  it.each([
    [{}, { DD_API_KEY: "dd-key-123456" }, /^DD_APP_KEY is not set; .*--datadog-app-key-file/],
    [{}, { DD_APP_KEY: "dd-app-key-123456" }, /^DD_API_KEY is not set/],
    [{ notify: ["slack-x"] }, keys, /^--notify: 'slack-x' is not a notification handle/],
    [{ minSuccessRate: "120%" }, keys, /^--min-success-rate: '120%' is not a success rate/],
    [{ json: true, dryRun: true }, keys, /^--json and --dry-run/],
    [{ datadogUrl: "http://datadog.example.com" }, keys, /plain http:\/\/ is refused/],
  ])("refuses %j with one line naming the fix", (flags, env, message) => {
    expect(() => resolveAssets(flags, env)).toThrow(message);
  });
});
