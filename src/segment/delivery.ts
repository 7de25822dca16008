// Delivery-metrics summary of one source→destination connection over one window (reference §3.D).
// The endpoint exists only in beta, so the versioned media type is asked for explicitly.

import type { Granularity } from "../plan/limits.js";
import { isoSeconds } from "../units.js";
import type { SegmentHttp } from "./http.js";
import { type DeliverySummary, deliverySummaryData } from "./schemas.js";

export const DELIVERY_METRICS_ACCEPT = "application/vnd.segment.v1beta+json";

export async function getDeliverySummary(
  http: SegmentHttp,
  args: { sourceId: string; destinationId: string; start: number; end: number; granularity: Granularity },
): Promise<DeliverySummary> {
  const data = await http.get(
    `/destinations/${encodeURIComponent(args.destinationId)}/delivery-metrics`,
    {
      sourceId: args.sourceId,
      startTime: isoSeconds(args.start),
      endTime: isoSeconds(args.end),
      granularity: args.granularity,
    },
    deliverySummaryData,
    { endpoint: "delivery-metrics", accept: DELIVERY_METRICS_ACCEPT },
  );
  return data.deliveryMetricsSummary;
}
