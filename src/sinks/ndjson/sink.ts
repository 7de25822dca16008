// `--dry-run`: what the chosen backend would be sent, one JSON object per line on stdout, planned and
// batched against that backend's limits and window. Accepts everything; nothing leaves the machine.
import type { Backend, SinkAge } from "../backend.js";
import { measureOnly } from "../decorate.js";
import type { OwnedPoint, Sink, SinkOutcome, SubmissionSize } from "../types.js";

export class NdjsonSink<Settings> implements Sink {
  readonly label: string;
  readonly writeRule;
  readonly limits;

  constructor(
    private readonly write: (text: string) => void,
    private readonly backend: Backend<Settings>,
    private readonly age: SinkAge,
  ) {
    this.label = `${backend.label} (dry run)`;
    this.writeRule = backend.writeRule;
    this.limits = backend.limits;
  }

  oldestAcceptedMs(now: number): number {
    return this.backend.oldestAcceptedMs(now, this.age);
  }

  /** Sized as the backend sizes them; the lines are written from the point list. */
  measure(): SubmissionSize {
    return measureOnly(this.backend.measure());
  }

  /** Nothing to reach. */
  async verify(): Promise<void> {}

  async submit(points: readonly OwnedPoint[]): Promise<SinkOutcome> {
    if (points.length > 0) this.write(`${this.backend.dryRunLines(points).join("\n")}\n`);
    return { failed: new Map(), requests: 0 };
  }

  async close(): Promise<void> {}
}
