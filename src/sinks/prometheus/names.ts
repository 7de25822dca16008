// Prometheus' legacy name rules, which remote write 1.0 requires (reference §2.1) and which Mimir,
// Grafana Cloud and Prometheus 2.x enforce: anything else is replaced by "_", and a leading digit
// gets a "_" in front, so distinct valid names stay distinct and every output is valid.

/** `[a-zA-Z_:][a-zA-Z0-9_:]*`: dots of the Datadog-style names become underscores. */
export function sanitizeMetricName(name: string): string {
  return leading(name.replace(/[^a-zA-Z0-9_:]/gu, "_"));
}

/** `[a-zA-Z_][a-zA-Z0-9_]*`: unlike metric names, label names take no colon. */
export function sanitizeLabelName(name: string): string {
  return leading(name.replace(/[^a-zA-Z0-9_]/gu, "_"));
}

const leading = (name: string): string => (name === "" || /^[0-9]/.test(name) ? `_${name}` : name);

export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The remote-write name of a series (design §5, Sinks): `<p>_` + the Datadog name with dots as
 * underscores; a latency in milliseconds is sent in seconds under a `_seconds` suffix, a value in
 * seconds keeps its value and gets the suffix. A per-bucket count is a gauge without `_total` (it is
 * not a counter: it resets every bucket).
 */
export function remoteWriteName(metric: string, unit: "milliseconds" | "seconds" | undefined): string {
  const base = sanitizeMetricName(metric);
  return unit === undefined ? base : `${base}_seconds`;
}

/** A value in the unit its remote-write name promises (seconds for latencies). */
export function remoteWriteValue(value: number, unit: "milliseconds" | "seconds" | undefined): number {
  return unit === "milliseconds" ? value / 1000 : value;
}
