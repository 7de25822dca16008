// The first four steps of Segment's pipeline (design §5, The pipeline): per source what was received,
// what failed on ingest and what was filtered at the source, each a part of the source's bucket; per
// connection what was filtered at the destination, a part of the connection's bucket. Read from
// Delivery Overview exactly as failures by reason are.
import { PIPELINE_SERIES } from "../mapping/pipeline.js";
import { overviewStepKind } from "./overview-step.js";

const on = (options: { pipeline: boolean }) => options.pipeline;

export const received = overviewStepKind({
  name: "received",
  scope: "source",
  step: "successfully-received",
  suffix: PIPELINE_SERIES.received,
  byReason: false,
  enabled: on,
  missing: "the pipeline steps",
  from: "successfully-received",
});

export const ingestFailed = overviewStepKind({
  name: "failed on ingest",
  scope: "source",
  step: "failed-on-ingest",
  suffix: PIPELINE_SERIES.ingestFailed,
  byReason: true,
  enabled: on,
  missing: "the pipeline steps",
  from: "failed-on-ingest by discardReason",
});

export const filteredAtSource = overviewStepKind({
  name: "filtered at source",
  scope: "source",
  step: "filtered-at-source",
  suffix: PIPELINE_SERIES.filteredAtSource,
  byReason: true,
  enabled: on,
  missing: "the pipeline steps",
  from: "filtered-at-source by discardReason",
});

export const filteredAtDestination = overviewStepKind({
  name: "filtered at destination",
  scope: "connection",
  step: "filtered-at-destination",
  suffix: PIPELINE_SERIES.filteredAtDestination,
  byReason: true,
  enabled: on,
  missing: "the pipeline steps",
  from: "filtered-at-destination by discardReason",
});
