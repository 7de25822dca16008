// The metric names whose historical ingestion `--historical` relies on: every series stamped at a
// bucket start (usage gauges are stamped at run time and never old).
import { DELIVERY_SERIES } from "../mapping/delivery.js";

export function historicalMetricNames(prefix: string): string[] {
  return [...Object.values(DELIVERY_SERIES).map((s) => `${prefix}.${s.suffix}`), `${prefix}.events.volume`];
}
