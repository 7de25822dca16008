// The neutral queries (panels.ts) as NRQL over the Metric API's names (the Datadog names, tags as
// attributes), for the New Relic dashboard and alert conditions. Counts are `sum`med, gauges take
// `max` / `average`, never `sum` (reference §1.6).
import type { Agg, Expr, Query } from "./panels.js";
import { SCOPE_VARIABLES } from "./panels.js";

const FUNCTIONS: Readonly<Record<Agg, string>> = { sum: "sum", max: "max", avg: "average", count: "count" };

/** Backticks: a prefix may hold dots and the names must never read as an expression. */
export const nrqlName = (metric: string): string => `\`${metric}\``;

const quote = (value: string): string => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

export function nrqlExpr(expr: Expr): string {
  if (expr.kind === "series") return `${FUNCTIONS[expr.agg]}(${nrqlName(expr.series.metric)})`;
  if (expr.kind === "num") return String(expr.value);
  const side = (e: Expr) => (e.kind === "op" ? `(${nrqlExpr(e)})` : nrqlExpr(e));
  return `${side(expr.left)} ${expr.op} ${side(expr.right)}`;
}

/** The WHERE conditions: the dashboard's variables (`{{workspace}}`) when asked, and fixed filters. */
export function nrqlConditions(query: Pick<Query, "scope" | "where">, variables: boolean): string[] {
  return [
    ...(variables ? SCOPE_VARIABLES[query.scope].map((v) => `${v} IN ({{${v}}})`) : []),
    ...Object.entries(query.where ?? {}).map(([k, v]) => `${k} = ${quote(v)}`),
  ];
}

export interface NrqlClauses {
  variables: boolean;
  /** `AUTO`, `1 day`; absent: one value. */
  timeseries?: string | undefined;
  /** `30 days ago`: a time frame of the widget's own. */
  since?: string | undefined;
  limit?: number | undefined;
  /** Extra WHERE conditions, e.g. a filter on a gauge's value. */
  conditions?: readonly string[];
  /** The SELECT list as written, for what the neutral expressions cannot say (NRQL functions). */
  select?: string;
}

export function nrqlQuery(query: Query, clauses: NrqlClauses): string {
  const where = [...nrqlConditions(query, clauses.variables), ...(clauses.conditions ?? [])];
  return [
    `FROM Metric SELECT ${clauses.select ?? nrqlExpr(query.expr)}${query.legend ? ` AS ${quote(query.legend)}` : ""}`,
    ...(where.length > 0 ? [`WHERE ${where.join(" AND ")}`] : []),
    ...(query.by.length > 0 ? [`FACET ${query.by.join(", ")}`] : []),
    ...(clauses.limit !== undefined && query.by.length > 0 ? [`LIMIT ${clauses.limit}`] : []),
    ...(clauses.since ? [`SINCE ${clauses.since}`] : []),
    ...(clauses.timeseries ? [`TIMESERIES ${clauses.timeseries}`] : []),
  ].join(" ");
}
