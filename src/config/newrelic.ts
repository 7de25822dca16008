// New Relic settings (design §5, Sinks): the license key (environment or file, never argv), the
// region, or the Metric API's full URL.
import { UsageError } from "../errors.js";
import { fromFile, fromFlag, type Inputs } from "./inputs.js";
import { resolveSecret } from "./secret.js";
import type { NewRelicRegion, NewRelicSettings } from "./types.js";
import { parseServiceUrl, pick } from "./values.js";

/** The Metric API endpoint of each region (reference §1.1). */
export const NEW_RELIC_METRIC_URLS: Readonly<Record<NewRelicRegion, string>> = {
  us: "https://metric-api.newrelic.com/metric/v1",
  eu: "https://metric-api.eu.newrelic.com/metric/v1",
  fedramp: "https://gov-metric-api.newrelic.com/metric/v1",
};

export const DEFAULT_NEW_RELIC_REGION: NewRelicRegion = "us";

function regionOf(inputs: Inputs): { region: NewRelicRegion; from: string } {
  const raw = pick(
    fromFlag(inputs.env.NEW_RELIC_REGION, "NEW_RELIC_REGION"),
    fromFile(inputs, "newrelic.region", inputs.file.newrelic?.region),
  );
  if (!raw)
    return { region: DEFAULT_NEW_RELIC_REGION, from: `the default NEW_RELIC_REGION (${DEFAULT_NEW_RELIC_REGION})` };
  const region = raw.value.trim().toLowerCase();
  if (!Object.hasOwn(NEW_RELIC_METRIC_URLS, region)) {
    throw new UsageError(
      `${raw.from}: '${raw.value}' is not a New Relic region; use us, eu or fedramp (or set NEW_RELIC_METRIC_API_URL to the full endpoint)`,
    );
  }
  return { region: region as NewRelicRegion, from: raw.from };
}

export function resolveNewRelic(inputs: Inputs, required: boolean): NewRelicSettings | undefined {
  const { flags, env, file } = inputs;
  const section = file.newrelic ?? {};
  // Where points go first (so a bad URL is named before a missing key), then the key.
  const { region, from: regionFrom } = regionOf(inputs);
  const urlRaw = pick(
    fromFlag(flags.newrelicUrl, "--newrelic-url"),
    fromFlag(env.NEW_RELIC_METRIC_API_URL, "NEW_RELIC_METRIC_API_URL"),
    fromFile(inputs, "newrelic.url", section.url),
  );
  const url = urlRaw ? parseServiceUrl(urlRaw, NEW_RELIC_METRIC_URLS.us) : NEW_RELIC_METRIC_URLS[region];
  const key = resolveSecret(inputs, {
    file: fromFlag(flags.newrelicLicenseKeyFile, "--newrelic-license-key-file"),
    env: { name: "NEW_RELIC_LICENSE_KEY", value: env.NEW_RELIC_LICENSE_KEY },
    configFile: { key: "newrelic.licenseKeyFile", value: section.licenseKeyFile },
    configEnv: { key: "newrelic.licenseKeyEnv", value: section.licenseKeyEnv },
  });
  if (!key) {
    if (!required) return undefined;
    throw new UsageError(
      "NEW_RELIC_LICENSE_KEY is not set; export NEW_RELIC_LICENSE_KEY with a New Relic license key (Ingest - License), pass --newrelic-license-key-file FILE, or use --dry-run to print what would be sent",
    );
  }
  return { licenseKey: key.value, url, origin: { url: urlRaw ? urlRaw.from : regionFrom, key: key.from } };
}
