// A received label set as Prometheus reads it: empty values dropped, sorted by name; a set without
// `__name__`, with a repeated name or with a name outside the legacy character set is invalid, and
// its samples are skipped and counted (the v1 handler of Prometheus ≥ 2.46, and Mimir's validation).
import { LABEL_NAME, METRIC_NAME, type ProtoLabel } from "../../sinks/prometheus/wire.js";

export type ReceivedLabels = { labels: Record<string, string>; key: string } | { invalid: string };

export function seriesKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function receivedLabels(raw: readonly ProtoLabel[]): ReceivedLabels {
  const present = raw.filter((l) => l.value !== "");
  const names = new Set<string>();
  for (const { name, value } of present) {
    if (names.has(name)) return { invalid: `duplicate label name ${JSON.stringify(name)}` };
    names.add(name);
    if (!LABEL_NAME.test(name)) return { invalid: `invalid label name ${JSON.stringify(name)}` };
    if (name === "__name__" && !METRIC_NAME.test(value))
      return { invalid: `invalid metric name ${JSON.stringify(value)}` };
  }
  if (!names.has("__name__")) return { invalid: "no __name__ label" };
  const sorted = [...present].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const labels = Object.fromEntries(sorted.map((l) => [l.name, l.value]));
  return { labels, key: seriesKey(labels) };
}
