// The environment variables we read; exactly these are kept, the rest of the environment dropped.
// A plain function rather than a zod schema: every command reads it, and zod costs a cold start.

const NAMES = [
  "SEGMENT_TOKEN",
  "SEGMENT_TOKEN_FILE",
  "SEGMENT_API_URL",
  "DD_API_KEY",
  "DD_API_KEY_FILE",
  "DD_APP_KEY",
  "DD_APP_KEY_FILE",
  "DD_SITE",
  "DD_API_URL",
  "SEGMENT_EXPORTER_SINK",
  "NEW_RELIC_LICENSE_KEY",
  "NEW_RELIC_REGION",
  "NEW_RELIC_METRIC_API_URL",
  "PROMETHEUS_REMOTE_WRITE_URL",
  "PROMETHEUS_REMOTE_WRITE_USERNAME",
  "PROMETHEUS_REMOTE_WRITE_PASSWORD",
  "PROMETHEUS_REMOTE_WRITE_BEARER_TOKEN",
  "PROMETHEUS_REMOTE_WRITE_TENANT",
  "SEGMENT_EXPORTER_CONFIG",
  "SEGMENT_EXPORTER_STATE",
  "SEGMENT_EXPORTER_SOURCES",
  "SEGMENT_EXPORTER_METRIC_PREFIX",
  "SEGMENT_EXPORTER_TAGS",
  "SEGMENT_EXPORTER_LOG_LEVEL",
  "SEGMENT_EXPORTER_BUCKET",
  "SEGMENT_EXPORTER_DELAY",
  "SEGMENT_EXPORTER_REREAD",
  "SEGMENT_EXPORTER_CONCURRENCY",
  "SEGMENT_EXPORTER_RATE_LIMITS",
  "XDG_STATE_HOME",
] as const;

export type Env = { [K in (typeof NAMES)[number]]?: string };

/** The variables of interest, as strings (a non-string value, impossible from a real environment, is dropped). */
export function readEnv(raw: NodeJS.ProcessEnv): Env {
  const env: Env = {};
  for (const name of NAMES) {
    const value = raw[name];
    if (typeof value === "string") env[name] = value;
  }
  return env;
}
