// Delivery Overview (reference §3.G): one time series per pipeline step of a source or connection,
// beta only. Every step shares one request shape; adding a step is one line in STEPS.

import type { Granularity } from "../plan/limits.js";
import { isoSeconds } from "../units.js";
import type { SegmentHttp } from "./http.js";
import { collectPages } from "./paginate.js";
import { type DeliveryOverviewEntry, deliveryOverviewData } from "./schemas.js";

export const DELIVERY_OVERVIEW_ACCEPT = "application/vnd.segment.v1beta+json";
/** One budget and self-metric name for every step: Segment documents no per-step limit. */
export const DELIVERY_OVERVIEW_ENDPOINT = "delivery-overview";

/** Step → whether it is per connection (needs `destinationConfigId`, the destination instance id). */
const STEPS = {
  "successfully-received": { perConnection: false },
  "failed-on-ingest": { perConnection: false },
  "filtered-at-source": { perConnection: false },
  "filtered-at-destination": { perConnection: true },
  "failed-delivery": { perConnection: true },
} as const satisfies Record<string, { perConnection: boolean }>;

export type OverviewStep = keyof typeof STEPS;

export interface OverviewRequest {
  sourceId: string;
  /** Required by per-connection steps. */
  destinationId?: string;
  start: number;
  end: number;
  granularity: Granularity;
  groupBy?: readonly string[];
}

export interface OverviewSeries {
  /** Sum of the entries' totals: whether the top-level `total` is per page or per answer is undocumented. */
  total: number;
  dataset: DeliveryOverviewEntry[];
}

/** Reads one step over `[start, end)`, every page of it. */
export async function readOverviewStep(
  http: SegmentHttp,
  step: OverviewStep,
  req: OverviewRequest,
): Promise<OverviewSeries> {
  const path = `/delivery-overview/${step}`;
  if (STEPS[step].perConnection && !req.destinationId) throw new Error(`${path} needs a destination id`);
  // Arrays as the official TypeScript SDK puts them on the wire (`groupBy%5B0%5D=…`, reference §2.4).
  const groupBy = Object.fromEntries((req.groupBy ?? []).map((g, i) => [`groupBy[${i}]`, g]));
  // collectPages stops a repeated cursor, an empty page that still has a `next`, and 10 000 pages.
  const dataset = await collectPages(
    http,
    path,
    {
      sourceId: req.sourceId,
      // A per-source step never sends one, even when handed a connection's window.
      destinationConfigId: STEPS[step].perConnection ? req.destinationId : undefined,
      startTime: isoSeconds(req.start),
      endTime: isoSeconds(req.end),
      granularity: req.granularity,
      ...groupBy,
    },
    deliveryOverviewData,
    DELIVERY_OVERVIEW_ENDPOINT,
    (data) => ({ items: data.dataset, next: data.pagination.next }),
    DELIVERY_OVERVIEW_ACCEPT,
  );
  return { total: dataset.reduce((n, e) => n + e.total, 0), dataset };
}

/** One request sequence over a window: a source's, or (per-connection steps) a connection's. */
export interface SourceWindow {
  sourceId: string;
  start: number;
  end: number;
  granularity: Granularity;
}
export interface ConnectionWindow extends SourceWindow {
  destinationId: string;
}

/** Every step that drops events is read by reason: one dataset entry per discard reason. */
const BY_REASON = ["discardReason"] as const;

/** Events a source's Segment ingested (design §5, The pipeline: `<p>.pipeline.received`), one entry. */
export function getSuccessfullyReceived(http: SegmentHttp, args: SourceWindow): Promise<OverviewSeries> {
  return readOverviewStep(http, "successfully-received", args);
}

/** Events of a source dropped by Segment's validation at ingest, grouped by discard reason. */
export function getFailedOnIngest(http: SegmentHttp, args: SourceWindow): Promise<OverviewSeries> {
  return readOverviewStep(http, "failed-on-ingest", { ...args, groupBy: BY_REASON });
}

/** Events of a source discarded by its schema settings or Protocols, grouped by discard reason. */
export function getFilteredAtSource(http: SegmentHttp, args: SourceWindow): Promise<OverviewSeries> {
  return readOverviewStep(http, "filtered-at-source", { ...args, groupBy: BY_REASON });
}

/** Events of one connection dropped by destination filters or mappings, grouped by discard reason. */
export function getFilteredAtDestination(http: SegmentHttp, args: ConnectionWindow): Promise<OverviewSeries> {
  return readOverviewStep(http, "filtered-at-destination", { ...args, groupBy: BY_REASON });
}

/** Failed deliveries of one connection, grouped by discard reason (design §5, Error details). */
export function getFailedDelivery(http: SegmentHttp, args: ConnectionWindow): Promise<OverviewSeries> {
  return readOverviewStep(http, "failed-delivery", { ...args, groupBy: BY_REASON });
}
