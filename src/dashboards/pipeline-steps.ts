// Segment's Delivery Overview in its step order (design §5, The pipeline), as data every dashboard
// builds its Pipeline section from: received → failed on ingest → filtered at source → filtered at
// destination → failed delivery → delivered, which tags each step's series carries, and whether it
// has reasons. Generic over how a backend holds a series (a name for Datadog, a name and unit for the
// others), so the three dashboards show the same steps with the same words.
import type { PIPELINE_SERIES } from "../mapping/pipeline.js";

export interface PipelineStep<T> {
  title: string;
  /** The step's name in a chart's legend. */
  alias: string;
  description?: string;
  series: T;
  /** The first three steps are per source; the last three per connection. */
  scope: "source" | "delivery";
  /** A failing or filtering step: its series carries `reason`. */
  reasons: boolean;
}

export function pipelineSteps<T>(s: {
  pipeline: { [K in keyof typeof PIPELINE_SERIES]: T };
  failed: T;
  successes: T;
}): Array<PipelineStep<T>> {
  return [
    {
      title: "Received",
      alias: "received",
      description: "Events Segment accepted from the sources (Delivery Overview: successfully received)",
      series: s.pipeline.received,
      scope: "source",
      reasons: false,
    },
    {
      title: "Failed on ingest",
      alias: "failed on ingest",
      description: "Events Segment refused at its door (no user id, invalid payload…); never delivered anywhere",
      series: s.pipeline.ingestFailed,
      scope: "source",
      reasons: true,
    },
    {
      title: "Filtered at source",
      alias: "filtered at source",
      description: "Events dropped by the source's own rules (Protocols, source filters)",
      series: s.pipeline.filteredAtSource,
      scope: "source",
      reasons: true,
    },
    {
      title: "Filtered at destination",
      alias: "filtered at destination",
      description: "Events a destination filter or mapping dropped before delivery",
      series: s.pipeline.filteredAtDestination,
      scope: "delivery",
      reasons: true,
    },
    {
      title: "Failed delivery",
      alias: "failed delivery",
      description: "Deliveries Segment gave up on (the Error details section has the reasons)",
      series: s.failed,
      scope: "delivery",
      reasons: true,
    },
    { title: "Delivered", alias: "delivered", series: s.successes, scope: "delivery", reasons: false },
  ];
}

/** `Top reasons: failed on ingest`: the toplist title of a step with reasons. */
export const topReasonsTitle = (step: { alias: string }): string => `Top reasons: ${step.alias}`;
