// A sink that is another sink with some of its behaviour replaced (the run's ordering guard, a sink
// the embedder owns, a test's crash): everything not replaced goes to the sink underneath.
import type { Sink, SubmissionSize } from "./types.js";

export function decorate(sink: Sink, replaced: Partial<Pick<Sink, "submit" | "verify" | "close">>): Sink {
  return {
    label: sink.label,
    writeRule: sink.writeRule,
    limits: sink.limits,
    oldestAcceptedMs: (now) => sink.oldestAcceptedMs(now),
    // A replaced `submit` reads the point list: the batcher must keep it, whatever the measure holds.
    measure: replaced.submit ? () => measureOnly(sink.measure()) : () => sink.measure(),
    verify: replaced.verify ?? ((check) => sink.verify(check)),
    submit: replaced.submit ?? ((points, measured) => sink.submit(points, measured)),
    close: replaced.close ?? (() => sink.close()),
  };
}

/** The measure as one that does not stand in for the point list (`holdsPoints` off). */
export function measureOnly(measure: SubmissionSize): SubmissionSize {
  if (!measure.holdsPoints) return measure;
  return {
    add: (point) => measure.add(point),
    get bytes() {
      return measure.bytes;
    },
  };
}
