// The typed configuration every command receives after validation (and the flags it comes from).
import type { LogLevel } from "../log.js";
import type { BackfillWindow } from "../plan/backfill.js";
import type { Schedule } from "../plan/schedule.js";
import type { EventGroup } from "../segment/events.js";
import type { AssetSink } from "./asset-sink.js";
import type { SinkConfig } from "./sink.js";

/** Flags as commander hands them over (camelCase, strings or string arrays). */
export interface CommonFlags {
  config?: string;
  segmentUrl?: string;
  segmentTokenFile?: string;
  datadogUrl?: string;
  datadogSite?: string;
  datadogApiKeyFile?: string;
  datadogAppKeyFile?: string;
  /** `--sink datadog|newrelic|prometheus` and the settings of the other two (design §5, Sinks). */
  sink?: string;
  newrelicLicenseKeyFile?: string;
  newrelicUrl?: string;
  remoteWriteUrl?: string;
  remoteWritePasswordFile?: string;
  remoteWriteBearerTokenFile?: string;
  remoteWriteMaxAge?: string;
  source?: string[];
  state?: string;
  dryRun?: boolean;
  metricPrefix?: string;
  tag?: string[];
  logLevel?: string;
  concurrency?: string;
  requestTimeout?: string;
  rateLimit?: string[];
  shard?: string;
}

export interface ExportFlags extends CommonFlags {
  bucket?: string;
  delay?: string;
  reread?: string;
  historical?: boolean;
  maxDuration?: string;
  eventVolume?: boolean;
  eventsGroupBy?: string;
  usage?: boolean;
  errorDetails?: boolean;
  pipeline?: boolean;
}

export interface BackfillFlags extends ExportFlags {
  from?: string;
  to?: string;
  json?: boolean;
}

export type { Shard, Thresholds } from "../domain.js";

import type { Shard, Thresholds } from "../domain.js";

export interface WorkspaceThresholds extends Thresholds {
  /** Overrides by destination id or name. */
  destinations?: Record<string, Omit<Thresholds, "minEvents">> | undefined;
}

export interface WorkspaceSettings {
  /** How messages name it: `workspaces[1] (prod)`, or `SEGMENT_TOKEN` for the single workspace. */
  label: string;
  token: string;
  apiUrl: string;
  /** Source ids or slugs to keep (empty: all) or to leave out. */
  include: string[];
  exclude: string[];
  /** Added to this workspace's series, after the global --tag tags. */
  tags: string[];
  thresholds?: WorkspaceThresholds | undefined;
}

export interface DatadogSettings {
  apiKey: string;
  appKey?: string | undefined;
  site: string;
  apiUrl?: string | undefined;
  /** The settings the URL and the key came from, for messages (`DD_SITE`, `--datadog-api-key-file`…). */
  origin?: { url: string; key: string } | undefined;
}

export type NewRelicRegion = "us" | "eu" | "fedramp";

export interface NewRelicSettings {
  licenseKey: string;
  /** The Metric API endpoint: the region's, or NEW_RELIC_METRIC_API_URL (--newrelic-url). */
  url: string;
  /** The settings the URL and the key came from, for messages. */
  origin: { url: string; key: string };
}

/** How a remote-write request authenticates: basic auth or a bearer token; none for a plain Prometheus. */
export type RemoteWriteCredentials = { username: string; password: string } | { bearerToken: string };

export interface RemoteWriteSettings {
  /** The receiver's write endpoint, e.g. https://prometheus.example.com/api/v1/write. */
  url: string;
  credentials?: RemoteWriteCredentials | undefined;
  /** Sent as `X-Scope-OrgID` (Mimir, Grafana Cloud, Cortex). */
  tenant?: string | undefined;
  /** The oldest age of a sample the receiver takes (--remote-write-max-age, default 55m). */
  maxAgeMs: number;
  /** The settings the URL and the credentials came from, for messages. */
  origin: { url: string; credentials: string };
}

export interface CommonConfig {
  workspaces: WorkspaceSettings[];
  /** Where points go, and its settings (absent settings: nothing is sent, e.g. --dry-run without a key). */
  sink: SinkConfig;
  prefix: string;
  tags: string[];
  statePath: string;
  dryRun: boolean;
  logLevel: LogLevel;
  concurrency: number;
  requestTimeoutMs: number;
  /** Fixed Segment limits per minute by endpoint, on top of the documented ones. */
  rateLimits: Record<string, number>;
  /** The setting they came from, for the message when a name is unknown. */
  rateLimitsFrom?: string | undefined;
  shard?: Shard | undefined;
}

export interface RunOptions {
  maxDurationMs?: number | undefined;
  eventVolume: boolean;
  /** Daily MTU and API calls, read once per UTC day (export only). */
  usage: boolean;
  eventsGroupBy: EventGroup[];
  /** Failed deliveries by reason from Delivery Overview (design §5, Error details); `--no-error-details` turns it off. */
  errorDetails: boolean;
  /** The first steps of Segment's pipeline from Delivery Overview (design §5); `--no-pipeline` turns them off. */
  pipeline: boolean;
}

export interface ExportConfig extends CommonConfig, RunOptions {
  schedule: Schedule;
}

export interface BackfillConfig extends CommonConfig, RunOptions {
  window: BackfillWindow;
  /** Bucket length and --historical; re-read ages play no part in a backfill. */
  schedule: Schedule;
}

export interface CheckFlags extends CommonFlags {
  window?: string;
  minDeliveries?: string;
  minSuccessRate?: string;
  maxP95?: string;
  minEvents?: string;
  json?: boolean;
  junit?: string;
  submit?: boolean;
  historical?: boolean;
  errorDetails?: boolean;
  pipeline?: boolean;
}

export interface CheckConfig extends CommonConfig {
  windowMs: number;
  /** From flags or the config file's `check` section; a workspace's own thresholds come after. */
  thresholds: Thresholds;
  json: boolean;
  junit?: string | undefined;
  submit: boolean;
  historical: boolean;
  /** Read failed deliveries by reason for the Error Details table and `errors` in --json. */
  errorDetails: boolean;
  /** Read the pipeline steps for the Pipeline table and `pipeline` / `filteredAtDestination` in --json. */
  pipeline: boolean;
}

/** `dashboard` and `monitors`. */
export interface AssetFlags extends CommonFlags {
  /** datadog (default), newrelic or prometheus: the latter two write files (--out) and send nothing. */
  sink?: string;
  out?: string;
  json?: boolean;
  minSuccessRate?: string;
  maxP95?: string;
  minDeliveries?: string;
  bucket?: string;
  delay?: string;
  /** As for export: a --bucket/--delay past Datadog's 1h window is accepted (it changes no definition). */
  historical?: boolean;
  /** With --sink newrelic|prometheus: the export's re-read ages, whose last is when a bucket is sent. */
  reread?: string;
  eventsGroupBy?: string;
  notify?: string[];
}

export interface AssetConfig {
  /** Where the assets go: created in Datadog, or files to import into New Relic or Grafana/Prometheus. */
  sink: AssetSink;
  /** Absent when nothing is sent (--dry-run, --out); then apiKey and appKey are both present. */
  datadog?: (DatadogSettings & { appKey: string }) | undefined;
  prefix: string;
  tags: string[];
  logLevel: LogLevel;
  requestTimeoutMs: number;
  dryRun: boolean;
  out?: string | undefined;
  json: boolean;
  minSuccessRate: number;
  maxP95Ms: number;
  /** Fewer deliveries than this in the success-rate monitor's window: no rate alert (--min-deliveries). */
  minDeliveries: number;
  bucketMs: number;
  delayMs: number;
  /** When a bucket's points are sent, after it ends: the last read for newrelic and prometheus. */
  sendAgeMs?: number | undefined;
  eventsGroupBy: EventGroup[];
  notify: string[];
}
