// Event volume of the workspace (reference §3.E): one paginated request sequence per window,
// grouped by source (and optionally event name/type), filtered to the selected sources.

import type { Granularity } from "../plan/limits.js";
import { isoSeconds } from "../units.js";
import type { SegmentHttp } from "./http.js";
import { collectPages } from "./paginate.js";
import { type EventVolumeEntry, eventVolumeData } from "./schemas.js";

export type EventGroup = "source" | "eventName" | "eventType";

export function getEventVolume(
  http: SegmentHttp,
  args: {
    start: number;
    end: number;
    granularity: Granularity;
    groupBy: readonly EventGroup[];
    sourceIds?: readonly string[];
  },
): Promise<EventVolumeEntry[]> {
  return collectPages(
    http,
    "/events/volume",
    {
      granularity: args.granularity,
      startTime: isoSeconds(args.start),
      endTime: isoSeconds(args.end),
      groupBy: args.groupBy,
      sourceId: args.sourceIds && args.sourceIds.length > 0 ? args.sourceIds : undefined,
    },
    eventVolumeData,
    "events-volume",
    (d) => ({ items: d.result, next: d.pagination?.next }),
  );
}
