// Public shapes of the Prometheus remote-write receiver emulator (see server.ts for the behaviour).
import type { FaultInjector } from "../faults.js";

export interface StoredSample {
  /** Unix ms. */
  timestampMs: number;
  value: number;
}

export interface StoredSeries {
  /** As stored: empty values dropped; keys in name order. */
  labels: Record<string, string>;
  /** In time order, as the head keeps them. */
  samples: StoredSample[];
}

export type PrometheusFault = "429" | "500" | "502-html" | "503" | "reset" | "reset-after-store" | "slow";

/** Credentials the emulator demands; without them it accepts every request, as Prometheus does. */
export type RemoteWriteAuth = { username: string; password: string } | { bearerToken: string };

export interface PrometheusRequestLog {
  /** Wall clock (ms). */
  at: number;
  method: string;
  path: string;
  /** 0 when the connection was reset instead of answered. */
  status: number;
  wireBytes: number;
  /** The protobuf after snappy. */
  decodedBytes?: number;
  contentEncoding?: string;
  contentType?: string;
  remoteWriteVersion?: string;
  userAgent?: string;
  /** `X-Scope-OrgID`, as Mimir and Grafana Cloud read it. */
  tenant?: string;
  /** Series and samples the body held. */
  series?: number;
  samples?: number;
  /** The distinct `__name__` values of the request's series. */
  metrics?: string[];
  /** Samples stored by this request. */
  appended?: number;
  /**
   * Samples of an accepted request that the commit dropped without an error, as Prometheus does: a
   * repeat of a series' newest sample, or a conflict between two samples of the same request.
   */
  ignored?: number;
  /** Samples of series whose label set is invalid: skipped and counted, not refused (Prometheus ≥ 2.46). */
  invalidLabelSamples?: number;
  /** The answer's text for a 4xx/5xx (never a credential). */
  error?: string;
  fault?: PrometheusFault;
}

export interface PrometheusEmulatorOptions {
  host?: string;
  port?: number;
  auth?: RemoteWriteAuth;
  /** Server clock (ms), for the future bound. Default Date.now. */
  now?: () => number;
  /** How far behind the newest sample of the head a sample may be: chunkRange / 2. Default 1 h. */
  pastWindowMs?: number;
  /** How far ahead of the clock a sample may be (Prometheus ≥ 2.54; 2.42 has no bound: null). Default 10 min. */
  futureToleranceMs?: number | null;
  /** Decompressed body limit. Default 32 MiB. */
  maxDecodedBytes?: number;
  /** Delay of the "slow" fault. Default 3000. */
  slowMs?: number;
  /** Retry-After (seconds) of the "429" fault. Default 1. */
  retryAfterSeconds?: number;
}

export interface PrometheusEmulator {
  url: string;
  /** `${url}/api/v1/write`. */
  writeUrl: string;
  /** Every stored series (copies), sorted by label set. */
  series(): StoredSeries[];
  /** The stored samples of one exact label set (after empty values are dropped); [] when unknown. */
  samples(labels: Record<string, string>): StoredSample[];
  requests: PrometheusRequestLog[];
  faults: FaultInjector<PrometheusFault>;
  setNow(fn: () => number): void;
  /** Clears the head (samples and its time range), requests and faults. */
  reset(): void;
  close(): Promise<void>;
}
