// The first steps of Segment's pipeline (design §5, The pipeline): what a source received, what failed
// on ingest, what was filtered at the source and at a destination. Series suffixes, for the stream kinds,
// dashboards and monitors; the points are made by the Delivery Overview mapping (failures.ts).
export const PIPELINE_SERIES = {
  received: "pipeline.received",
  ingestFailed: "pipeline.ingest_failed",
  filteredAtSource: "pipeline.filtered_at_source",
  filteredAtDestination: "pipeline.filtered_at_destination",
} as const;
