export { DELIVERY_OVERVIEW_STEPS, type DeliveryOverviewStep } from "./delivery-overview.js";
export type { ReasonCount } from "./draws.js";
export { SEGMENT_FAULTS, type SegmentFault } from "./fault-bodies.js";
export {
  type CatalogRef,
  catalogRef,
  DEFAULT_SEED,
  type DeliveryOverviewAccess,
  type DestinationHealth,
  demoFixture,
  type FixtureDestination,
  type FixtureSource,
  fixtureId,
  generateFixture,
  type WorkspaceFixture,
} from "./fixture.js";
export { GRANULARITY_MS, type Granularity, RANGE_LIMITS } from "./limits.js";
export { decodeCursor, encodeCursor } from "./pagination.js";
export {
  FILTERED_AT_DESTINATION,
  FILTERED_AT_SOURCE,
  INGEST_FAILED,
  type ReasonStepModel,
} from "./pipeline.js";
export { type ParsedQuery, parseQuery } from "./query.js";
export type { ApiVersion, SegmentRoute } from "./routing.js";
export {
  DEFAULT_SEGMENT_TOKEN,
  type RateLimitForm,
  type SegmentEmulator,
  type SegmentEmulatorOptions,
  type SegmentRequestLog,
  startSegmentEmulator,
} from "./server.js";
export {
  createTruth,
  DEFAULT_MAX_RETRY_DELAY_MS,
  type DeliverySummary,
  DISCARD_REASONS,
  type EventKind,
  type FailedCount,
  MINUTE_MS,
  SegmentTruth,
  type TruthOptions,
} from "./truth.js";
export { DAY_MS, type DailyUsage, type MtuCounts, parsePeriod, type SourceUsageRow, type UsageRow } from "./usage.js";
