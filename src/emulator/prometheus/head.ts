// The in-memory head of a Prometheus TSDB without out-of-order ingestion, as its remote-write
// receiver meets it (tsdb/head_append.go and storage/remote/write_handler.go, reference §2.2):
// - a request is one appender: every sample is first checked against what is committed; the first
//   refusal rolls the whole request back (HTTP 400);
// - refusals: older than (newest sample of the whole head − pastWindowMs) → "out of bounds"; older
//   than its series' newest → "out of order sample"; the same timestamp as the series' newest with a
//   value of other bits → "duplicate sample for timestamp"; further ahead of the clock than the
//   tolerance → "out of bounds: timestamp is too far in the future" (Prometheus ≥ 2.54);
// - the commit then appends in request order and silently drops what no longer fits: a repeat of the
//   newest sample (same bits), or two samples of one series out of order within the request.
import type { StoredSample, StoredSeries } from "./types.js";

export interface IncomingSeries {
  key: string;
  labels: Record<string, string>;
  samples: ReadonlyArray<{ timestamp: number; value: number }>;
}

export interface Refusal {
  error: string;
  labels: Record<string, string>;
  timestampMs: number;
}

export type AppendOutcome = { refused: Refusal } | { appended: number; ignored: number };

export interface HeadOptions {
  pastWindowMs: number;
  /** null: no future bound (Prometheus before 2.54). */
  futureToleranceMs: number | null;
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/** Prometheus compares values by their bits: NaN equals the same NaN, 0 differs from -0. */
function sameBits(a: number, b: number): boolean {
  bits[0] = a;
  const [lo, hi] = words;
  bits[0] = b;
  return lo === words[0] && hi === words[1];
}

export class Head {
  private readonly stored = new Map<string, StoredSeries>();
  /** Newest timestamp of the head; set by the first sample a fresh head is offered, even if refused. */
  private maxT: number | undefined;

  constructor(private readonly options: HeadOptions) {}

  append(incoming: readonly IncomingSeries[], nowMs: number): AppendOutcome {
    const refused = this.check(incoming, nowMs);
    return refused ? { refused } : this.commit(incoming);
  }

  private check(incoming: readonly IncomingSeries[], nowMs: number): Refusal | undefined {
    const { futureToleranceMs, pastWindowMs } = this.options;
    let minValid: number | undefined;
    for (const { key, labels, samples } of incoming) {
      const newest = this.stored.get(key)?.samples.at(-1);
      for (const { timestamp, value } of samples) {
        const refuse = (error: string): Refusal => ({ error, labels, timestampMs: timestamp });
        if (futureToleranceMs !== null && timestamp > nowMs + futureToleranceMs)
          return refuse("out of bounds: timestamp is too far in the future");
        this.maxT ??= timestamp; // a fresh head takes its time range from the first sample appended
        minValid ??= this.maxT - pastWindowMs;
        if (timestamp < minValid) return refuse("out of bounds");
        if (newest && timestamp < newest.timestampMs) return refuse("out of order sample");
        if (newest && timestamp === newest.timestampMs && !sameBits(value, newest.value))
          return refuse("duplicate sample for timestamp");
      }
    }
    return undefined;
  }

  private commit(incoming: readonly IncomingSeries[]): AppendOutcome {
    let appended = 0;
    let ignored = 0;
    for (const { key, labels, samples } of incoming) {
      for (const { timestamp, value } of samples) {
        let series = this.stored.get(key);
        const newest = series?.samples.at(-1);
        if (newest && timestamp <= newest.timestampMs) {
          ignored += 1;
          continue;
        }
        if (!series) {
          series = { labels: { ...labels }, samples: [] };
          this.stored.set(key, series);
        }
        series.samples.push({ timestampMs: timestamp, value });
        this.maxT = Math.max(this.maxT ?? timestamp, timestamp);
        appended += 1;
      }
    }
    return { appended, ignored };
  }

  all(): StoredSeries[] {
    return [...this.stored.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => ({ labels: { ...s.labels }, samples: s.samples.map((x) => ({ ...x })) }));
  }

  samples(key: string): StoredSample[] {
    return (this.stored.get(key)?.samples ?? []).map((x) => ({ ...x }));
  }

  clear(): void {
    this.stored.clear();
    this.maxT = undefined;
  }
}
