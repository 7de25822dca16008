// Daily usage (design §5): month-to-date MTU and API calls per source and for the workspace, read on
// a fresh state and then at most once per UTC day. Its "bucket" is the UTC day; its gauges are stamped
// at run time (the newest day of the month, sent while Datadog still takes it).
import { mapUsage, USAGE_SERIES } from "../mapping/usage.js";
import { getMonthUsage, USAGE_ENDPOINTS } from "../segment/usage.js";
import { DAY } from "../units.js";
import { runJob } from "./jobs.js";
import type { StreamKind } from "./types.js";

/** `YYYY-MM-DD` of the UTC day starting at `dayStart`. */
export function usageDay(dayStart: number): string {
  return new Date(dayStart).toISOString().slice(0, 10);
}

export const usage: StreamKind = {
  name: "usage",
  scope: "day",
  endpoints: USAGE_ENDPOINTS,
  limits: [],
  stamp: "run",
  enabled: (options) => options.usage,
  oldestServed: (_bucketMs, now) => now - DAY,
  jobs(stream, plan, slabFrom, slabTo) {
    return runJob(this, stream, plan, slabFrom, slabTo);
  },
  async read(job, ctx) {
    const { ws } = job.stream;
    const day = usageDay(job.start);
    const rows = await getMonthUsage(ws.http, `${day.slice(0, 8)}01`);
    return mapUsage(rows, {
      prefix: ctx.options.prefix,
      workspaceSlug: ws.slug,
      sources: new Map(ws.discovery.sources.map((s) => [s.id, s.slug])),
      tags: ws.tags,
      timestamp: Math.floor(ctx.clock() / 1000),
    });
  },
  series: () => [
    { suffix: USAGE_SERIES.mtu, kind: "gauge", extraTags: ["mtu_type"], from: "daily MTU, month to date" },
    { suffix: USAGE_SERIES.apiCalls, kind: "gauge", from: "daily API calls, month to date" },
  ],
};
