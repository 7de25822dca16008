// The metric names whose historical ingestion `--historical` relies on: every series stamped at a
// bucket start (usage gauges are stamped at run time and never old).
import type { CommonConfig } from "../config/settings.js";
import { UsageError } from "../errors.js";
import { DELIVERY_SERIES } from "../mapping/delivery.js";
import { EVENTS_VOLUME_SUFFIX } from "../mapping/events.js";
import { FAILED_SERIES_SUFFIX } from "../mapping/failures.js";
import type { Session } from "./session.js";

export function historicalMetricNames(prefix: string, errorDetails = true): string[] {
  return [
    ...Object.values(DELIVERY_SERIES).map((s) => `${prefix}.${s.suffix}`),
    // Failures by reason are stamped at bucket starts too: without ingestion they would be dropped
    // silently while the run reports success.
    ...(errorDetails ? [`${prefix}.${FAILED_SERIES_SUFFIX}`] : []),
    `${prefix}.${EVENTS_VOLUME_SUFFIX}`,
  ];
}

/** With --historical and an application key, ask Datadog whether it really is enabled (issue #4). */
export async function assertHistoricalEnabled(
  config: CommonConfig & { errorDetails?: boolean | undefined },
  session: Session,
): Promise<void> {
  if (!session.datadog || !config.datadog?.appKey) return;
  for (const metric of historicalMetricNames(config.prefix, config.errorDetails !== false)) {
    if (!(await session.datadog.historicalEnabled(metric))) {
      throw new UsageError(
        `--historical: Historical Metrics Ingestion is not enabled for ${metric}; enable it in Datadog (Metrics → Settings → Historical metrics, for the prefix ${config.prefix}.) or run without --historical`,
      );
    }
  }
}
