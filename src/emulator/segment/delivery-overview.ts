// The six Delivery Overview steps (reference §3.G): bucketed time series per source or connection,
// grouped and filtered by dimensions, paginated over the dataset entries, under their own range limits.
// Every step serves the ground truth exactly: successfully-received (the source's event volume),
// failed-on-ingest, filtered-at-source and filtered-at-destination by discard reason (pipeline.ts),
// failed-delivery by discard reason, successful-delivery (the summary's successes). Dimensions the
// model does not have (event names beyond received, app versions, actions) are accepted in `groupBy`
// and `filter` as Segment would, but do not split or narrow the series: their entries lack that field.

import type { ReasonCount } from "./draws.js";
import { ApiError, notFound, validationError } from "./errors.js";
import type { FixtureDestination } from "./fixture.js";
import {
  checkWindow,
  DELIVERY_OVERVIEW_RANGE_LIMITS,
  GRANULARITY_MS,
  isoSeconds,
  parseGranularity,
  parseTime,
} from "./limits.js";
import { pageRequest, paginate } from "./pagination.js";
import type { Handler, HandlerContext } from "./routes.js";

export const DELIVERY_OVERVIEW_STEPS = [
  "successfully-received",
  "failed-on-ingest",
  "filtered-at-source",
  "filtered-at-destination",
  "failed-delivery",
  "successful-delivery",
] as const;
export type DeliveryOverviewStep = (typeof DELIVERY_OVERVIEW_STEPS)[number];

const INGEST_DIMENSIONS = ["eventName", "eventType", "appVersion"];
const EGRESS_DIMENSIONS = [
  ...INGEST_DIMENSIONS,
  "discardReason",
  "subscriptionId",
  "activationId",
  "audienceId",
  "spaceId",
];

interface StepSpec {
  destination: boolean;
  groupBy: readonly string[];
  filters: readonly string[];
}

const STEPS: Record<DeliveryOverviewStep, StepSpec> = {
  "successfully-received": { destination: false, groupBy: INGEST_DIMENSIONS, filters: INGEST_DIMENSIONS },
  "failed-on-ingest": {
    destination: false,
    groupBy: [...INGEST_DIMENSIONS, "discardReason"],
    filters: [...INGEST_DIMENSIONS, "discardReason"],
  },
  "filtered-at-source": {
    destination: false,
    groupBy: [...INGEST_DIMENSIONS, "discardReason"],
    filters: [...INGEST_DIMENSIONS, "discardReason"],
  },
  "filtered-at-destination": { destination: true, groupBy: EGRESS_DIMENSIONS, filters: EGRESS_DIMENSIONS },
  "failed-delivery": { destination: true, groupBy: EGRESS_DIMENSIONS, filters: EGRESS_DIMENSIONS },
  "successful-delivery": { destination: true, groupBy: EGRESS_DIMENSIONS, filters: EGRESS_DIMENSIONS },
};

interface Dataset {
  discardReason?: string;
  total: number;
  series: Array<{ time: string; count: number }>;
}

/** A count in [fromMs, toMs), per reason (undefined when the step has no reasons). */
type Counter = (fromMs: number, toMs: number) => Map<string | undefined, number>;

/** Sums the truth's per-minute counts of one bucket by reason, as Segment spells it. */
function sumByReason(counts: readonly ReasonCount[]): Map<string | undefined, number> {
  const out = new Map<string | undefined, number>();
  for (const f of counts) out.set(f.reason, (out.get(f.reason) ?? 0) + f.count);
  return out;
}

function counterFor(step: DeliveryOverviewStep, ctx: HandlerContext, sourceId: string, dest?: FixtureDestination) {
  const { truth, now } = ctx;
  const destinationId = dest?.id ?? "";
  const counters: Record<DeliveryOverviewStep, Counter> = {
    "successfully-received": (from, to) => new Map([[undefined, truth.received(sourceId, from, to, now)]]),
    "failed-on-ingest": (from, to) => sumByReason(truth.ingestFailedByReason(sourceId, from, to, now)),
    "filtered-at-source": (from, to) => sumByReason(truth.filteredAtSourceByReason(sourceId, from, to, now)),
    "filtered-at-destination": (from, to) =>
      sumByReason(truth.filteredAtDestinationByReason(sourceId, destinationId, from, to, now)),
    "failed-delivery": (from, to) => sumByReason(truth.failedByReason(sourceId, destinationId, from, to, now)),
    "successful-delivery": (from, to) =>
      new Map([[undefined, truth.deliverySummary(sourceId, destinationId, from, to, now).successes]]),
  };
  return counters[step];
}

export function deliveryOverview(step: DeliveryOverviewStep): Handler {
  const spec = STEPS[step];
  return (ctx) => {
    if (ctx.deliveryOverview === false) {
      throw new ApiError(403, "Forbidden", "This workspace does not have access to Delivery Overview");
    }
    if (ctx.deliveryOverview === "not-found") throw notFound("Resource not found");
    const q = ctx.query;
    const sourceId = q.scalar("sourceId");
    if (!sourceId) throw validationError("sourceId", "sourceId is required");
    const destinationId = q.scalar("destinationConfigId");
    if (spec.destination && !destinationId)
      throw validationError("destinationConfigId", "destinationConfigId is required");
    // The SDKs before April 2024 send `minute`/`hour`/`day` (reference §3.G); both spellings are served.
    const granularity = parseGranularity(q.scalar("granularity")?.toUpperCase());
    const startMs = parseTime("startTime", q.scalar("startTime"));
    const endMs = parseTime("endTime", q.scalar("endTime"));
    checkWindow(granularity, startMs, endMs, ctx.now, DELIVERY_OVERVIEW_RANGE_LIMITS);
    const groupBy = q.list("groupBy") ?? [];
    for (const g of groupBy) {
      if (!spec.groupBy.includes(g))
        throw validationError("groupBy", `groupBy values must be among ${spec.groupBy.join(", ")}, got "${g}"`);
    }
    for (const key of q.objectKeys("filter")) {
      if (!spec.filters.includes(key))
        throw validationError(`filter.${key}`, `filter keys must be among ${spec.filters.join(", ")}, got "${key}"`);
    }
    const asked = pageRequest(q);
    const page = { ...asked, count: Math.min(asked.count, ctx.pageCap ?? asked.count) };
    const source = ctx.truth.source(sourceId);
    if (!source) throw notFound(`Source with id '${sourceId}' not found.`);
    let dest: FixtureDestination | undefined;
    if (spec.destination) {
      dest = ctx.truth.destination(destinationId ?? "");
      if (!dest || dest.sourceId !== sourceId) {
        throw notFound(`Destination config '${destinationId}' is not connected to source '${sourceId}'.`);
      }
    }

    const byReason = groupBy.includes("discardReason");
    const reasonFilter = q.nestedList("filter", "discardReason");
    const count = counterFor(step, ctx, sourceId, dest);
    // Buckets are aligned to the granularity from the epoch and clipped to [startTime, endTime), as
    // for event volume (undocumented; our choice).
    const size = GRANULARITY_MS[granularity];
    const entries = new Map<string | undefined, Dataset>();
    const buckets: number[] = [];
    for (let b = Math.floor(startMs / size) * size; b < endMs; b += size) buckets.push(b);
    buckets.forEach((b, i) => {
      for (const [reason, n] of count(Math.max(b, startMs), Math.min(b + size, endMs))) {
        if (reasonFilter && (reason === undefined || !reasonFilter.includes(reason))) continue;
        const key = byReason ? reason : undefined;
        let entry = entries.get(key);
        if (!entry) {
          entry = { ...(byReason ? { discardReason: reason ?? "" } : {}), total: 0, series: [] };
          entries.set(key, entry);
        }
        entry.total += n;
        entry.series[i] = { time: isoSeconds(b), count: (entry.series[i]?.count ?? 0) + n };
      }
    });
    if (!byReason && entries.size === 0) entries.set(undefined, { total: 0, series: [] });
    const dataset = [...entries.values()]
      .filter((e) => !byReason || e.total > 0)
      .map((e) => ({ ...e, series: buckets.map((b, i) => e.series[i] ?? { time: isoSeconds(b), count: 0 }) }))
      .sort((a, b) => b.total - a.total || (a.discardReason ?? "").localeCompare(b.discardReason ?? ""));
    const paged = paginate(dataset, page);
    return {
      total: dataset.reduce((n, e) => n + e.total, 0),
      dataset: paged.items,
      pagination: paged.pagination,
    };
  };
}
