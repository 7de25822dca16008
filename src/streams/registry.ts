// Every stream kind a run reads, in the order their jobs are issued within a stream. A new kind is
// one module and one entry here; the planner, the pipeline, `check`, the dashboards and the rate-limit
// settings read this list.
import { deliverySummary } from "./delivery-summary.js";
import { eventVolume } from "./event-volume.js";
import { failedDelivery } from "./failed-delivery.js";
import { filteredAtDestination, filteredAtSource, ingestFailed, received } from "./pipeline.js";
import type { StreamKind } from "./types.js";
import { usage } from "./usage.js";

// Kinds whose one job covers all of the run's buckets come before the per-bucket summary within a
// connection, so a deadline never leaves the summaries waiting for them.
export const STREAM_KINDS: readonly StreamKind[] = [
  failedDelivery,
  filteredAtDestination,
  deliverySummary,
  received,
  ingestFailed,
  filteredAtSource,
  eventVolume,
  usage,
];
