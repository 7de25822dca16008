// The Prometheus remote-write backend (design §5, Sinks): remote write 1.0 to Prometheus, Mimir,
// Grafana Cloud, VictoriaMetrics… A receiver refuses a sample it already holds (or an older one after
// a newer), so each bucket is read and sent once, at its last read age, in time order per series.
// Its sink is loaded by `open` only: `--help`, usage errors and dry runs never pay for it.
import type { RemoteWriteSettings } from "../../config/types.js";
import { RESERVED_TAG_KEYS } from "../../config/values.js";
import { AGE_MARGIN_MS } from "../../plan/limits.js";
import type { Backend, SinkAge } from "../backend.js";
import type { SubmissionLimits } from "../types.js";
import { sanitizeLabelName } from "./names.js";
import { RemoteWriteSubmissionSize, sortedLabels, toSubmissionSeries } from "./series.js";

/** A default Prometheus head takes samples about an hour behind its newest (reference §2.2), less a margin. */
export const DEFAULT_REMOTE_WRITE_MAX_AGE_MS = 55 * 60_000;

/**
 * Samples per request: Prometheus' own default `max_samples_per_send` is 2000; half of it keeps the
 * worst case small, a request refused as a whole after a crash (each refused sample is isolated by
 * splitting, about two requests per sample).
 */
export const REMOTE_WRITE_SUBMISSION: SubmissionLimits = { bytes: 2_000_000, points: 1000 };

/** The labels the exporter itself writes: a --tag key may not become one of them. */
const BUILT_IN_LABELS: ReadonlySet<string> = new Set([
  ...RESERVED_TAG_KEYS,
  // Keys --tag may use elsewhere but that are labels here too: failures, health series.
  "reason",
  "command",
  "endpoint",
  "status",
]);

const maxAgeOf = (age: SinkAge): number => age.maxAgeMs ?? DEFAULT_REMOTE_WRITE_MAX_AGE_MS;

export const prometheusBackend: Backend<RemoteWriteSettings> = {
  name: "prometheus",
  label: "the remote-write receiver",
  writeRule: "once",
  limits: REMOTE_WRITE_SUBMISSION,
  maxAgeMs: maxAgeOf,
  ageAdvice: "raise --remote-write-max-age for a receiver with out-of-order ingestion",
  oldestAcceptedMs: (now, age) => now - maxAgeOf(age) + AGE_MARGIN_MS,
  measure: () => new RemoteWriteSubmissionSize(),
  checkTagKeys: (keys) => {
    const seen = new Map<string, string>();
    for (const key of keys) {
      const name = sanitizeLabelName(key);
      if (BUILT_IN_LABELS.has(name))
        return `the tag key '${key}' is the label ${name}, which the exporter writes itself on remote write; choose another key`;
      const other = seen.get(name);
      if (other !== undefined && other !== key)
        return `the tag keys '${other}' and '${key}' are both the label ${name} on remote write; rename one`;
      seen.set(name, key);
    }
    return undefined;
  },
  // One line per series: its label set as sent (sanitised, sorted) and its samples.
  // (Not through wire.ts: a dry run, like a usage error, must not load the protobuf and snappy code.)
  dryRunLines: (points) =>
    toSubmissionSeries(points).series.map((s) =>
      JSON.stringify({
        labels: sortedLabels(s.labels),
        samples: s.samples.map(({ timestampMs, value }) => ({ timestamp: timestampMs, value })),
      }),
    ),
  open: async (settings, options) => {
    const { RemoteWriteSink } = await import("./sink.js");
    return new RemoteWriteSink({ ...settings, ...options });
  },
};
