// The neutral queries (panels.ts) as PromQL over the remote-write names, for the Grafana dashboard
// and the Prometheus alerting rules. Every bucket is one sample at its start (a per-bucket count is
// a gauge, design §5), so a query aggregates over time first (`sum_over_time` of the samples in the
// range: each bucket once) and then across series.
import { sanitizeLabelName } from "../sinks/prometheus/names.js";
import type { Agg, Expr, Query } from "./panels.js";
import { SCOPE_VARIABLES } from "./panels.js";
import { remoteWriteName, type SeriesRef } from "./refs.js";

export interface PromRange {
  /** The range of the `*_over_time` functions: `$__interval`, `$__range`, `1h`. */
  range: string;
  /**
   * How far back the range ends, in ms (`offset`). Samples sit exactly on bucket boundaries, and a
   * range holds both of its ends in Prometheus 2 but only its newest end in Prometheus 3 (and
   * VictoriaMetrics), so a range that ends on a boundary would count a bucket twice in one and once in
   * the other. An offset a millisecond off the boundary keeps exactly one bucket per bucket-long step
   * under both: +1 ms reads the buckets that ended at the step, arrival − 1 ms the newest complete one.
   */
  offsetMs: number;
  /** Filter by the dashboard's template variables (`$workspace`, …); off in alerting rules. */
  variables: boolean;
}

/** A PromQL duration, compound where needed: 2699999 ms → `44m59s999ms`. */
export function promDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`not a PromQL duration: ${ms} ms`);
  if (ms === 0) return "0s";
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1_000],
    ["ms", 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join("");
}

/** ` offset 44m59s999ms`, or nothing. */
export const promOffset = (ms: number): string => (ms > 0 ? ` offset ${promDuration(ms)}` : "");

const OVER_TIME: Readonly<Record<Agg, { inner: string; outer: string }>> = {
  sum: { inner: "sum_over_time", outer: "sum" },
  max: { inner: "max_over_time", outer: "max" },
  avg: { inner: "avg_over_time", outer: "avg" },
  count: { inner: "count_over_time", outer: "sum" },
};

export const promName = (series: SeriesRef): string => remoteWriteName(series.metric, series.unit);

/** `{workspace=~"$workspace", command="export"}`, or nothing. */
export function promSelector(query: Pick<Query, "scope" | "where">, variables: boolean): string {
  const matchers = [
    ...(variables ? SCOPE_VARIABLES[query.scope].map((v) => `${sanitizeLabelName(v)}=~"$${v}"`) : []),
    ...Object.entries(query.where ?? {}).map(([k, v]) => `${sanitizeLabelName(k)}=${JSON.stringify(v)}`),
  ];
  return matchers.length > 0 ? `{${matchers.join(", ")}}` : "";
}

/** ` by (a, b) `, or nothing: between an aggregation and its argument. */
export const promBy = (by: readonly string[]): string =>
  by.length > 0 ? ` by (${by.map(sanitizeLabelName).join(", ")}) ` : "";

/** One series aggregated over `range` and then across series by `query.by`. */
function leaf(series: SeriesRef, agg: Agg, query: Query, at: PromRange): string {
  const { inner, outer } = OVER_TIME[agg];
  return `${outer}${promBy(query.by)}(${inner}(${promName(series)}${promSelector(query, at.variables)}[${at.range}]${promOffset(at.offsetMs)}))`;
}

/** An expression of a query; operands that are operations are parenthesised. */
export function promExpr(expr: Expr, query: Query, at: PromRange): string {
  if (expr.kind === "series") return leaf(expr.series, expr.agg, query, at);
  if (expr.kind === "num") return String(expr.value);
  const side = (e: Expr) => (e.kind === "op" ? `(${promExpr(e, query, at)})` : promExpr(e, query, at));
  return `${side(expr.left)} ${expr.op} ${side(expr.right)}`;
}

export const promQuery = (query: Query, at: PromRange): string => promExpr(query.expr, query, at);
