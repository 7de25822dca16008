// The New Relic backend (design §5, Sinks): the Metric API, JSON gzip-compressed. New Relic stores a
// point sent twice twice (a count then sums double), so each bucket is read and sent once, at its
// last read age. Its sink is loaded by `open` only: `--help`, usage errors and dry runs never pay for it.
import type { NewRelicSettings } from "../../config/types.js";
import { AGE_MARGIN_MS } from "../../plan/limits.js";
import { HOUR } from "../../units.js";
import type { Backend } from "../backend.js";
import type { SubmissionLimits } from "../types.js";
import { attributeName, NewRelicSubmissionSize, RESERVED_ATTRIBUTES, toBlocks } from "./payload.js";

/** Points older than 48 h are dropped after the 202 (reference §1.3). */
export const NEW_RELIC_MAX_AGE_MS = 48 * HOUR;

/**
 * A submission is one request: the checkpoint follows each accepted submission, so a crash or a lost
 * answer can make New Relic store at most one request twice (design §5). The limit is 10^6 bytes of
 * compressed body, but a submission is filled by the JSON's size (compressed size is known only once
 * compressed). This JSON compresses 27 to 35 times, whether a block holds one bucket or several: a
 * connection's ~18 series repeat its attributes side by side, and New Relic's JSON keys repeat in
 * every point. 16 MB of JSON then make a body of 460 to 580 kB (test/sinks/newrelic.test.ts fills
 * one); it takes tags that compress 1.7 times worse to reach 10^6 bytes, and then the sink splits the
 * body between buckets before sending rather than send more. 24 MB would save requests at 10 000
 * connections (bench/README.md: requests per sink) but leave little room under the limit (~870 kB
 * in that test) and cost 39 MB more memory there (252 MB peak against 213; 8 MB: 184).
 */
export const NEW_RELIC_SUBMISSION: SubmissionLimits = { bytes: 16_000_000, points: 100_000 };

export const newRelicBackend: Backend<NewRelicSettings> = {
  name: "newrelic",
  label: "New Relic",
  writeRule: "once",
  limits: NEW_RELIC_SUBMISSION,
  maxAgeMs: () => NEW_RELIC_MAX_AGE_MS,
  oldestAcceptedMs: (now) => now - NEW_RELIC_MAX_AGE_MS + AGE_MARGIN_MS,
  measure: () => new NewRelicSubmissionSize(),
  checkTagKeys: (keys) => {
    const reserved = keys.find((k) => RESERVED_ATTRIBUTES.has(attributeName(k)));
    return reserved === undefined
      ? undefined
      : `the tag key '${reserved}' is a field name of New Relic's Metric API, which would drop every point carrying it; choose another key`;
  },
  // One line per series: the `{common, metrics}` block the Metric API is sent.
  dryRunLines: (points) => toBlocks(points).map(({ block }) => JSON.stringify(block)),
  open: async (settings, options) => {
    const { NewRelicSink } = await import("./sink.js");
    return new NewRelicSink({ ...settings, ...options });
  },
};
