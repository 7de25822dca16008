// A sink that is another sink with some of its behaviour replaced (the run's ordering guard, a sink
// the embedder owns, a test's crash): everything not replaced goes to the sink underneath.
import type { Sink } from "./types.js";

export function decorate(sink: Sink, replaced: Partial<Pick<Sink, "submit" | "verify" | "close">>): Sink {
  return {
    label: sink.label,
    writeRule: sink.writeRule,
    limits: sink.limits,
    oldestAcceptedMs: (now) => sink.oldestAcceptedMs(now),
    measure: () => sink.measure(),
    verify: replaced.verify ?? ((check) => sink.verify(check)),
    submit: replaced.submit ?? ((points, measured) => sink.submit(points, measured)),
    close: replaced.close ?? (() => sink.close()),
  };
}
