// `--dry-run`: the series that would be submitted, one JSON object per line on stdout, in the
// Datadog v2 wire shape (with `type` spelled out). Accepts everything; nothing leaves the machine.
import { toSeries } from "../datadog/batch.js";
import type { OwnedPoint, Sink, SinkOutcome } from "../sink.js";

export class NdjsonSink implements Sink {
  constructor(
    private readonly write: (text: string) => void,
    /** The window of the sink this run would otherwise submit to, so a dry run plans the same. */
    private readonly oldest: (now: number) => number,
  ) {}

  oldestAcceptedMs(now: number): number {
    return this.oldest(now);
  }

  async submit(points: readonly OwnedPoint[]): Promise<SinkOutcome> {
    if (points.length > 0) {
      const lines = toSeries(points).map(({ payload }) =>
        JSON.stringify({ ...payload, type: payload.type === 1 ? "count" : "gauge" }),
      );
      this.write(`${lines.join("\n")}\n`);
    }
    return { failed: new Map(), requests: 0 };
  }

  async close(): Promise<void> {}
}
