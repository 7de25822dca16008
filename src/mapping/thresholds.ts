// `check` thresholds, evaluated (pure). Success rate is successes / (successes + discarded +
// expired) per connection over the window; p95 is Segment's time-to-success p95 for the window;
// event volume is per source. A connection with no traffic has no rate and does not fail on it.

export type { Thresholds } from "../domain.js";

import type { Thresholds } from "../domain.js";

export interface ConnectionNumbers {
  successes: number;
  discarded: number;
  expired: number;
  p95Ms: number | undefined;
  /** Successes per sub-interval of the window, oldest first. */
  trend: number[];
  /** Values Segment sent that are not numbers (e.g. `"5000"`): the connection cannot pass with them. */
  invalid?: string[] | undefined;
}

export interface Verdict {
  ok: boolean;
  successRate: number | undefined;
  /** One line per missed threshold: what was measured against what was required. */
  failures: string[];
}

export function successRate(n: Pick<ConnectionNumbers, "successes" | "discarded" | "expired">): number | undefined {
  const attempts = n.successes + n.discarded + n.expired;
  return attempts === 0 ? undefined : n.successes / attempts;
}

const percent = (r: number) => `${(r * 100).toFixed(2)}%`;

export function judgeConnection(n: ConnectionNumbers, t: Thresholds): Verdict {
  // A value we cannot read must fail, never count as 0: a string "5000" discarded would look green.
  const failures: string[] = (n.invalid ?? []).map((what) => `cannot judge: Segment sent ${what}`);
  const rate = successRate(n);
  const attempts = n.successes + n.discarded + n.expired;
  const enough = attempts >= (t.minDeliveries ?? 0);
  if (t.minSuccessRate != null && rate !== undefined && enough && rate < t.minSuccessRate) {
    failures.push(
      `success rate ${percent(rate)} is below ${percent(t.minSuccessRate)} (${n.successes} delivered, ${n.discarded} discarded, ${n.expired} expired)`,
    );
  }
  if (t.maxP95Ms != null && n.p95Ms !== undefined && n.p95Ms > t.maxP95Ms) {
    failures.push(`p95 time to success ${n.p95Ms} ms is above ${t.maxP95Ms} ms`);
  }
  return { ok: failures.length === 0, successRate: rate, failures };
}

export function judgeSource(events: number, t: Thresholds): Verdict {
  const failures =
    t.minEvents != null && events < t.minEvents ? [`${events} events is below the minimum of ${t.minEvents}`] : [];
  return { ok: failures.length === 0, successRate: undefined, failures };
}

/** ▁▂▃▄▅▆▇█ scaled to the largest value; a compact trend for a terminal cell. */
export function sparkline(values: readonly number[]): string {
  const bars = "▁▂▃▄▅▆▇█";
  const max = Math.max(...values, 0);
  return values.map((v) => (max === 0 ? bars[0] : bars[Math.min(7, Math.round((v / max) * 7))])).join("");
}
