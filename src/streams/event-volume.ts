// Event volume of a workspace (design §2): one paginated request sequence per window, grouped by
// source (and optionally event name/type), covering every source that passes the filters.
import { EVENTS_VOLUME_SUFFIX, mapEventVolume } from "../mapping/events.js";
import { sourceTags } from "../mapping/tags.js";
import type { Tag } from "../mapping/types.js";
import { EVENTS_VOLUME_LIMITS, eventsGranularityFor, oldestFetchableStart } from "../plan/limits.js";
import { getEventVolume } from "../segment/events.js";
import { windowJobs } from "./jobs.js";
import type { StreamKind } from "./types.js";

export const eventVolume: StreamKind = {
  name: "event volume",
  scope: "workspace",
  endpoints: ["events-volume"],
  limits: EVENTS_VOLUME_LIMITS,
  stamp: "bucket",
  enabled: (options) => options.eventVolume,
  appliesTo: (ws) => ws.discovery.sources.length > 0,
  // Its granularity must divide the bucket so that points sum exactly into buckets.
  oldestServed: (bucketMs, now) =>
    oldestFetchableStart(
      EVENTS_VOLUME_LIMITS.filter((l) => bucketMs % l.stepMs === 0),
      0,
      now,
    ),
  jobs(stream, plan, slabFrom, slabTo, clock) {
    let oldest: number | undefined;
    for (const stage of plan.stages) if (stage.from < stage.to) oldest = Math.min(oldest ?? stage.from, stage.from);
    if (oldest === undefined) return [];
    return windowJobs(
      this,
      stream,
      plan,
      slabFrom,
      slabTo,
      eventsGranularityFor(EVENTS_VOLUME_LIMITS, oldest, plan.bucketMs, clock()),
    );
  },
  async read(job, ctx) {
    const { ws } = job.stream;
    const known = new Map(ws.discovery.sources.map((s) => [s.id, s]));
    const filtered = ws.filter.include.length > 0 || ws.filter.exclude.length > 0;
    const groupBy = ctx.options.eventsGroupBy;
    if (!job.granularity) return [];
    const entries = await getEventVolume(ws.http, {
      start: job.start,
      end: job.end,
      granularity: job.granularity,
      groupBy: ["source", ...groupBy],
      ...(filtered ? { sourceIds: [...known.keys()] } : {}),
    });
    const series = entries.flatMap((entry) => {
      const id = entry.source?.id;
      const source = id === undefined ? undefined : known.get(id);
      // Without a source we cannot tag the point; with a filter, other sources are not ours.
      if (!id || (!source && filtered)) return [];
      const tags: Tag[] = sourceTags(ws.slug, { id, slug: source?.slug ?? entry.source?.slug ?? id }, ws.tags);
      if (groupBy.includes("eventName")) tags.push(["event_name", entry.eventName || "none"]);
      if (groupBy.includes("eventType")) tags.push(["event_type", entry.eventType || "none"]);
      return [{ tags, series: entry.series }];
    });
    const { bucketMs } = ctx.options;
    const due = new Set(job.buckets);
    return mapEventVolume(series, { prefix: ctx.options.prefix, bucketMs, wanted: (start) => due.has(start) });
  },
  series: (options) => [
    {
      suffix: EVENTS_VOLUME_SUFFIX,
      kind: "count",
      extraTags: [
        ...(options.eventsGroupBy.includes("eventName") ? ["event_name"] : []),
        ...(options.eventsGroupBy.includes("eventType") ? ["event_type"] : []),
      ],
      from: "events volume by source",
    },
  ],
};
