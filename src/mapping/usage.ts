// Daily usage → gauges (design §5). The values are month-to-date and cumulative, so they are
// gauges, never counts (a count would be summed over days). Only the newest day of the month is
// sent, stamped at run time: Datadog drops points older than an hour. Workspace totals come from
// the workspace endpoints, never from a sum over sources (users overlap across sources).
import { sourceTags, workspaceTags } from "./tags.js";
import type { MetricPoint, Tag } from "./types.js";

/** Suffixes of the usage gauges (`<prefix>.usage.mtu`, `<prefix>.usage.api_calls`). */
export const USAGE_SERIES = { mtu: "usage.mtu", apiCalls: "usage.api_calls" } as const;

export interface UsageRows {
  sourceMtu: ReadonlyArray<MtuRow & { sourceId: string }>;
  workspaceMtu: readonly MtuRow[];
  sourceCalls: ReadonlyArray<{ sourceId: string; apiCalls: string | number; timestamp: string }>;
  workspaceCalls: ReadonlyArray<{ apiCalls: string | number; timestamp: string }>;
}

interface MtuRow {
  anonymous: string | number;
  anonymousIdentified: string | number;
  identified: string | number;
  neverIdentified: string | number;
  timestamp: string;
}

export interface UsageContext {
  prefix: string;
  workspaceSlug: string;
  /** Source id → slug (sources outside the filter are not listed and not sent). */
  sources: ReadonlyMap<string, string>;
  tags: readonly Tag[];
  /** Run time, POSIX seconds. */
  timestamp: number;
}

const MTU_TYPES = [
  ["anonymous", "anonymous"],
  ["anonymousIdentified", "anonymous_identified"],
  ["identified", "identified"],
  ["neverIdentified", "never_identified"],
] as const;

/** Big integers arrive as strings; a float64 gauge keeps 15–16 significant digits, plenty for a graph. */
function toNumber(value: string | number): number {
  return typeof value === "number" ? value : Number(BigInt(value));
}

function newest<T extends { timestamp: string }>(rows: readonly T[]): T[] {
  const last = rows.reduce((max, r) => Math.max(max, Date.parse(r.timestamp)), Number.NEGATIVE_INFINITY);
  return rows.filter((r) => Date.parse(r.timestamp) === last);
}

export function mapUsage(rows: UsageRows, ctx: UsageContext): MetricPoint[] {
  const points: MetricPoint[] = [];
  const gauge = (suffix: string, value: number, tags: readonly Tag[]) =>
    points.push({ metric: `${ctx.prefix}.${suffix}`, kind: "gauge", timestamp: ctx.timestamp, value, tags });
  const forSource = (id: string) => {
    const slug = ctx.sources.get(id);
    return slug === undefined ? undefined : sourceTags(ctx.workspaceSlug, { id, slug }, ctx.tags);
  };
  for (const row of newest(rows.sourceMtu)) {
    const tags = forSource(row.sourceId);
    if (tags)
      for (const [field, type] of MTU_TYPES)
        gauge(USAGE_SERIES.mtu, toNumber(row[field]), [...tags, ["mtu_type", type]]);
  }
  for (const row of newest(rows.workspaceMtu)) {
    const tags = workspaceTags(ctx.workspaceSlug, ctx.tags);
    for (const [field, type] of MTU_TYPES) gauge(USAGE_SERIES.mtu, toNumber(row[field]), [...tags, ["mtu_type", type]]);
  }
  for (const row of newest(rows.sourceCalls)) {
    const tags = forSource(row.sourceId);
    if (tags) gauge(USAGE_SERIES.apiCalls, toNumber(row.apiCalls), tags);
  }
  for (const row of newest(rows.workspaceCalls))
    gauge(USAGE_SERIES.apiCalls, toNumber(row.apiCalls), workspaceTags(ctx.workspaceSlug, ctx.tags));
  return points;
}
