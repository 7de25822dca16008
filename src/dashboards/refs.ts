// The series the Grafana and New Relic assets query, with their units: names from the mapping tables
// (series.ts), units from the stream kinds that emit them and from the health series' table, so a
// series renamed or re-united there changes every query built from these.
import { EXPORTER_SERIES, EXPORTER_UNITS } from "../mapping/self.js";
import type { MetricUnit } from "../mapping/types.js";
import { sanitizeMetricName } from "../sinks/prometheus/names.js";
import { STREAM_KINDS } from "../streams/registry.js";
import { seriesOf } from "../streams/series.js";
import { type SeriesNames, seriesNames } from "./series.js";

/** A series by its Datadog-style name (`<p>.delivery.successes`) and the unit of its values. */
export interface SeriesRef {
  metric: string;
  unit?: MetricUnit | undefined;
}

type Nested = "exporter" | "pipeline";

export type SeriesRefs = { [K in Exclude<keyof SeriesNames, Nested>]: SeriesRef } & {
  [K in Nested]: { [L in keyof SeriesNames[K]]: SeriesRef };
};

/**
 * Every series of seriesNames() with its unit. A name no stream kind emits is a bug (a dashboard
 * panel that could never show data), so it throws rather than guess; the health series are the
 * mapping's own table (EXPORTER_SERIES, EXPORTER_UNITS).
 */
export function seriesRefs(prefix: string): SeriesRefs {
  const names = seriesNames(prefix);
  const kinds = new Map(seriesOf(STREAM_KINDS, { prefix, eventsGroupBy: [] }).map((s) => [s.name, s.unit] as const));
  const ref = (metric: string): SeriesRef => {
    if (!kinds.has(metric)) throw new Error(`no stream kind emits ${metric}`);
    return { metric, unit: kinds.get(metric) };
  };
  const refs = <T extends Record<string, string>>(group: T) =>
    Object.fromEntries(Object.entries(group).map(([key, metric]) => [key, ref(metric)])) as {
      [K in keyof T]: SeriesRef;
    };
  const { exporter, pipeline, ...rest } = names;
  return {
    ...refs(rest),
    pipeline: refs(pipeline),
    exporter: Object.fromEntries(
      (Object.keys(EXPORTER_SERIES) as Array<keyof typeof EXPORTER_SERIES>).map((key) => [
        key,
        { metric: exporter[key], unit: EXPORTER_UNITS[key] },
      ]),
    ) as SeriesRefs["exporter"],
  };
}

/**
 * The remote-write name of a series (design §5, Sinks): the Datadog name with dots as underscores,
 * and values with a unit carried in seconds under a `_seconds` suffix
 * (`<p>_delivery_time_to_success_p95_seconds`). The remote-write sink's own `remoteWriteName`
 * (src/sinks/prometheus/names.ts, being written on branch `sinks`) is the rule's home: once it lands
 * this calls it, and the real-Prometheus test of the assets holds the two together.
 */
export function remoteWriteName(metric: string, unit: MetricUnit | undefined): string {
  return `${sanitizeMetricName(metric)}${unit ? "_seconds" : ""}`;
}

/** A value in the series' unit as remote write carries it (seconds), from milliseconds. */
export function remoteWriteValue(value: number, unit: MetricUnit | undefined): number {
  return unit === "milliseconds" ? value / 1000 : value;
}
