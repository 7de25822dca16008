// Public shapes of the New Relic Metric API emulator (see server.ts for the behaviour).
import type { FaultInjector } from "../faults.js";

export type NewRelicMetricType = "gauge" | "count" | "summary";

export interface SummaryValue {
  count: number;
  sum: number;
  min: number;
  max: number;
}

export type AttributeValue = string | number | boolean;

/** One data point as New Relic keeps it: `common` merged in, timestamp in ms. */
export interface NewRelicPoint {
  name: string;
  type: NewRelicMetricType;
  value: number | SummaryValue;
  /** Unix ms: the start of the window (seconds, µs and ns are converted, as New Relic does). */
  timestampMs: number;
  /** Required for count and summary. */
  intervalMs?: number;
  attributes: Record<string, AttributeValue>;
}

export interface StoredNewRelicPoint extends NewRelicPoint {
  /** The requestId of the 202 that took it. */
  requestId: string;
  /** Emulator clock (ms) at receipt. */
  receivedAt: number;
}

/**
 * Why an accepted (202) point was not stored: New Relic checks these after answering and reports
 * them only as NrIntegrationError events.
 */
export type DropReason = "too-old" | "too-far-in-future" | "negative-count" | "reserved-attribute";

export interface DroppedNewRelicPoint extends StoredNewRelicPoint {
  reason: DropReason;
}

/** The sum of the count points of one (name, attributes, timestamp): what `sum()` in NRQL adds up. */
export interface CountSum {
  name: string;
  attributes: Record<string, AttributeValue>;
  timestampMs: number;
  sum: number;
  /** How many points were added: more than 1 means the window was sent more than once. */
  points: number;
}

export type NewRelicFault =
  | "408"
  | "413"
  | "429"
  | "429-no-retry-after"
  | "500"
  | "502-html"
  | "503"
  | "reset"
  | "reset-after-store"
  | "slow";

export interface NewRelicRequestLog {
  /** Wall clock (ms). */
  at: number;
  method: string;
  path: string;
  /** 0 when the connection was reset instead of answered. */
  status: number;
  /** Body size as sent (compressed when gzip). */
  wireBytes: number;
  decodedBytes?: number;
  contentEncoding?: string;
  userAgent?: string;
  /** Of a 202. */
  requestId?: string;
  points?: number;
  /** The distinct metric names of the request's points. */
  metrics?: string[];
  stored?: number;
  dropped?: number;
  /** Why a 4xx/5xx was answered (never the key). */
  error?: string;
  fault?: NewRelicFault;
}

export interface NewRelicEmulatorOptions {
  host?: string;
  port?: number;
  /** License keys accepted in `Api-Key`. Default ["sandbox-newrelic-license-key"]. */
  licenseKeys?: string[];
  /** Clock (ms) for the 48 h / 24 h timestamp window and the default timestamp. Default Date.now. */
  now?: () => number;
  /**
   * Body limit in bytes as sent, i.e. compressed when gzip (New Relic does not say which; the
   * stricter reading). The docs: "Payloads must be under 1MB (10^6 bytes)", so a body of this size
   * or more is 413. Default 1 000 000.
   */
  maxBodyBytes?: number;
  /** Decompressed size limit (a memory guard; 413 past it). Default 64 MiB. */
  maxDecodedBytes?: number;
  /** Retry-After (seconds) of the "429" fault. Default 1. */
  retryAfterSeconds?: number;
  /** Delay of the "slow" fault. Default 3000. */
  slowMs?: number;
}

export interface NewRelicEmulator {
  url: string;
  /** `${url}/metric/v1`. */
  metricUrl: string;
  licenseKey: string;
  /** Every stored point (copies) in arrival order, optionally of one metric name. */
  points(name?: string): StoredNewRelicPoint[];
  dropped: DroppedNewRelicPoint[];
  /** Sum of the stored count points of exactly these name, attributes and timestamp; undefined if none. */
  sum(name: string, attributes: Record<string, AttributeValue>, timestampMs: number): number | undefined;
  /** Every (name, attributes, timestamp) of count points with its sum, sorted. */
  countSums(): CountSum[];
  requests: NewRelicRequestLog[];
  faults: FaultInjector<NewRelicFault>;
  setNow(fn: () => number): void;
  /** Clears points, dropped points, requests and faults. */
  reset(): void;
  close(): Promise<void>;
}
