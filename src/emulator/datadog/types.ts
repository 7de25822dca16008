// Public shapes of the Datadog intake emulator (see server.ts for the behaviour).
import type { FaultInjector } from "../faults.js";

export type MetricType = 0 | 1 | 2 | 3;

export interface StoredPoint {
  metric: string;
  /** Normalised, de-duplicated, sorted. */
  tags: string[];
  /** POSIX seconds. */
  timestamp: number;
  value: number;
  type: MetricType;
  interval?: number;
  unit?: string;
  /** How many times this key was written: lets tests prove overwrite-not-add. */
  writes: number;
  /** Emulator clock (ms) of the last write. */
  lastWriteAt: number;
}

export interface PointStore {
  all(): StoredPoint[];
  /** Normalises the query's metric and tags the same way the intake does. */
  get(metric: string, tags: readonly string[], timestamp: number): StoredPoint | undefined;
  series(metric: string): StoredPoint[];
  readonly size: number;
}

export interface DroppedPoint {
  metric: string;
  tags: string[];
  timestamp: number;
  value: number;
  reason: "too-old" | "too-far-in-future";
  /** Emulator clock (ms) at receipt. */
  receivedAt: number;
}

export type DatadogFault =
  | "408"
  | "413-json"
  | "413-text"
  | "400-text"
  | "429"
  | "500-json"
  | "502-html"
  | "503-empty"
  | "reset"
  | "reset-after-store"
  | "slow"
  | "403";

/** Fault route names: which API family a request belongs to. */
export type DatadogRoute = "series" | "validate" | "historical" | "dashboards" | "monitors";

export interface DatadogRequestLog {
  /** Wall clock (ms), so retry gaps can be measured even with a frozen emulator clock. */
  at: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** 0 when the connection was reset instead of answered. */
  status: number;
  contentEncoding?: string;
  wireBytes: number;
  decompressedBytes?: number;
  series?: number;
  points?: number;
  /** The distinct metric names of the request's points. */
  metrics?: string[];
  /** Points accepted by the request but not stored (outside the timestamp window). */
  dropped?: number;
  fault?: DatadogFault;
  userAgent?: string;
  /** Why a 4xx was answered (what the body says). */
  error?: string;
}

export interface DatadogEmulatorOptions {
  host?: string;
  port?: number;
  /** Default ["sandbox-datadog-api-key"]. */
  apiKeys?: string[];
  /** Default ["sandbox-datadog-app-key"]. */
  appKeys?: string[];
  /** Clock (ms) for the timestamp window. Default Date.now. */
  now?: () => number;
  /** Metric names, or prefixes written "segment_exporter.*", with historical ingestion enabled. */
  historical?: string[];
  /** Default 512000 (v2 wire cap, §4.1). */
  maxWireBytes?: number;
  /** Default 5242880 (v2 decompressed cap, exclusive). */
  maxDecompressedBytes?: number;
  /** Default 10000 (inferred from the Agent, §4.2). */
  maxPointsPerRequest?: number;
  /** Answer 400/413 with text/plain bodies, as the real intake sometimes does. */
  textErrors?: boolean;
  /** Delay of the "slow" fault. Default 3000. */
  slowMs?: number;
}

export interface DatadogEmulator {
  url: string;
  apiKey: string;
  appKey: string;
  store: PointStore;
  dropped: DroppedPoint[];
  requests: DatadogRequestLog[];
  faults: FaultInjector<DatadogFault>;
  /** Dashboards by id (soft-deleted ones carry deleted_at), as the API returns them. */
  dashboards: ReadonlyMap<string, Record<string, unknown>>;
  /** Monitors by id, as the API returns them. */
  monitors: ReadonlyMap<number, Record<string, unknown>>;
  /** Every dashboard and monitor create, update and delete body, in arrival order. */
  assetWrites: ReadonlyArray<{ method: string; path: string; body: unknown }>;
  setNow(fn: () => number): void;
  enableHistorical(nameOrPrefix: string): void;
  isHistorical(metric: string): boolean;
  /** Clears store, dropped, requests, faults, dashboards and monitors (not keys nor historical configuration). */
  reset(): void;
  close(): Promise<void>;
}
