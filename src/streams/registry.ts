// Every stream kind a run reads, in the order their jobs are issued within a stream. A new kind is
// one module and one entry here; the planner, the pipeline, `check`, the dashboards and the rate-limit
// settings read this list.
import { deliverySummary } from "./delivery-summary.js";
import { eventVolume } from "./event-volume.js";
import { failedDelivery } from "./failed-delivery.js";
import type { StreamKind } from "./types.js";
import { usage } from "./usage.js";

// Failures first within a connection: its one job covers all of the run's buckets, so a deadline never
// leaves the per-bucket summaries waiting for it.
export const STREAM_KINDS: readonly StreamKind[] = [failedDelivery, deliverySummary, eventVolume, usage];
