// The series names dashboards and monitors query, taken from the mapping tables (never a copied list),
// so a renamed series cannot leave a widget querying something the exporter no longer sends.
import { DELIVERY_SERIES } from "../mapping/delivery.js";
import { EVENTS_VOLUME_SUFFIX } from "../mapping/events.js";
import { FAILED_SERIES_SUFFIX } from "../mapping/failures.js";
import { PIPELINE_SERIES } from "../mapping/pipeline.js";
import { EXPORTER_SERIES } from "../mapping/self.js";
import { USAGE_SERIES } from "../mapping/usage.js";

function delivery(prefix: string, segmentName: string): string {
  const spec = DELIVERY_SERIES[segmentName];
  if (!spec) throw new Error(`no delivery series for Segment metric '${segmentName}'`);
  return `${prefix}.${spec.suffix}`;
}

export interface SeriesNames {
  successes: string;
  successesFirstAttempt: string;
  successesAfterRetry: string;
  discarded: string;
  expired: string;
  retried: string;
  timeToSuccessAvg: string;
  timeToSuccessP95: string;
  timeToFirstAttemptAvg: string;
  timeToFirstAttemptP95: string;
  failed: string;
  pipeline: { [K in keyof typeof PIPELINE_SERIES]: string };
  eventsVolume: string;
  mtu: string;
  apiCalls: string;
  exporter: { [K in keyof typeof EXPORTER_SERIES]: string };
}

export function seriesNames(prefix: string): SeriesNames {
  return {
    successes: delivery(prefix, "successes"),
    successesFirstAttempt: delivery(prefix, "successes_on_first_attempt"),
    successesAfterRetry: delivery(prefix, "successes_after_retry"),
    discarded: delivery(prefix, "discarded"),
    expired: delivery(prefix, "expired"),
    retried: delivery(prefix, "retried"),
    timeToSuccessAvg: delivery(prefix, "time_to_success_average"),
    timeToSuccessP95: delivery(prefix, "time_to_success_p95"),
    timeToFirstAttemptAvg: delivery(prefix, "time_to_first_attempt_average"),
    timeToFirstAttemptP95: delivery(prefix, "time_to_first_attempt_p95"),
    failed: `${prefix}.${FAILED_SERIES_SUFFIX}`,
    pipeline: Object.fromEntries(
      Object.entries(PIPELINE_SERIES).map(([key, suffix]) => [key, `${prefix}.${suffix}`]),
    ) as SeriesNames["pipeline"],
    eventsVolume: `${prefix}.${EVENTS_VOLUME_SUFFIX}`,
    mtu: `${prefix}.${USAGE_SERIES.mtu}`,
    apiCalls: `${prefix}.${USAGE_SERIES.apiCalls}`,
    exporter: Object.fromEntries(
      Object.entries(EXPORTER_SERIES).map(([key, suffix]) => [key, `${prefix}.${suffix}`]),
    ) as SeriesNames["exporter"],
  };
}

/** Metric names inside a Datadog metric query (`sum:name{…}`), for tests and checks. */
export function metricsOfQuery(query: string): string[] {
  return [...query.matchAll(/(?:^|[\s(:,/*+-])(?:avg|sum|min|max):([a-zA-Z][\w.]*)\{/g)].map((m) => m[1] as string);
}
