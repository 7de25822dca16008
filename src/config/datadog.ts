// Datadog settings: API key (environment or file, never argv), site or full URL, application key.
import { UsageError } from "../errors.js";
import { assertVariableName } from "./files.js";
import { fromFile, fromFlag, type Inputs } from "./inputs.js";
import type { DatadogSettings } from "./types.js";
import { checkSecret, parseServiceUrl, pick, type Raw, readSecretFile } from "./values.js";

export const DEFAULT_DD_SITE = "datadoghq.com";

function parseSite(raw: Raw): string {
  const site = raw.value.trim().toLowerCase();
  if (site.startsWith("app.") || site.includes("://") || !/^[a-z0-9.-]+\.[a-z]+$/.test(site)) {
    throw new UsageError(
      `${raw.from}: '${raw.value}' is not a Datadog site; use the site parameter, e.g. datadoghq.com, datadoghq.eu, us5.datadoghq.com (not app.… and no https://)`,
    );
  }
  return site;
}

function envSecret(inputs: Inputs, name: string | undefined, from: string): string | undefined {
  if (!name) return undefined;
  assertVariableName(name, from);
  const value = inputs.rawEnv[name];
  if (!value) throw new UsageError(`${from}: environment variable ${name} is not set; export it with the secret`);
  return checkSecret(value, name);
}

export function resolveDatadog(inputs: Inputs, required: boolean): DatadogSettings | undefined {
  const { flags, env, file } = inputs;
  const dd = file.datadog ?? {};
  const keyFile = pick(
    fromFlag(flags.datadogApiKeyFile, "--datadog-api-key-file"),
    fromFlag(env.DD_API_KEY_FILE, "DD_API_KEY_FILE"),
  );
  const keyFrom = keyFile
    ? keyFile.from
    : env.DD_API_KEY
      ? "DD_API_KEY"
      : dd.apiKeyFile
        ? fromFile(inputs, "datadog.apiKeyFile", "").from
        : dd.apiKeyEnv
          ? `${dd.apiKeyEnv} (${fromFile(inputs, "datadog.apiKeyEnv", "").from})`
          : "DD_API_KEY";
  const apiKey = keyFile
    ? readSecretFile(keyFile)
    : env.DD_API_KEY
      ? checkSecret(env.DD_API_KEY, "DD_API_KEY")
      : dd.apiKeyFile
        ? readSecretFile({ value: dd.apiKeyFile, from: fromFile(inputs, "datadog.apiKeyFile", "").from })
        : envSecret(inputs, dd.apiKeyEnv, fromFile(inputs, "datadog.apiKeyEnv", "").from);
  const urlRaw = pick(
    fromFlag(flags.datadogUrl, "--datadog-url"),
    fromFlag(env.DD_API_URL, "DD_API_URL"),
    fromFile(inputs, "datadog.apiUrl", dd.apiUrl),
  );
  const siteRaw = pick(
    fromFlag(flags.datadogSite, "--datadog-site"),
    fromFlag(env.DD_SITE, "DD_SITE"),
    fromFile(inputs, "datadog.site", dd.site),
  );
  const apiUrl = urlRaw ? parseServiceUrl(urlRaw) : undefined;
  const site = siteRaw ? parseSite(siteRaw) : DEFAULT_DD_SITE;
  if (!apiKey) {
    if (!required) return undefined;
    throw new UsageError(
      "DD_API_KEY is not set; export DD_API_KEY with a Datadog API key, pass --datadog-api-key-file FILE, or use --dry-run to print the series instead",
    );
  }
  // Where the host came from, so a failure to reach it names the setting to fix (issue #22).
  const urlFrom = urlRaw ? urlRaw.from : siteRaw ? siteRaw.from : `the default DD_SITE (${DEFAULT_DD_SITE})`;
  return { apiKey, appKey: resolveAppKey(inputs), site, apiUrl, origin: { url: urlFrom, key: keyFrom } };
}

/** The application key, for the configuration APIs (dashboards, monitors, historical ingestion). */
export function resolveAppKey(inputs: Inputs): string | undefined {
  const { flags, env, file } = inputs;
  const dd = file.datadog ?? {};
  const keyFile = pick(
    fromFlag(flags.datadogAppKeyFile, "--datadog-app-key-file"),
    fromFlag(env.DD_APP_KEY_FILE, "DD_APP_KEY_FILE"),
  );
  if (keyFile) return readSecretFile(keyFile);
  if (env.DD_APP_KEY) return checkSecret(env.DD_APP_KEY, "DD_APP_KEY");
  if (dd.appKeyFile)
    return readSecretFile({ value: dd.appKeyFile, from: fromFile(inputs, "datadog.appKeyFile", "").from });
  return envSecret(inputs, dd.appKeyEnv, fromFile(inputs, "datadog.appKeyEnv", "").from);
}
