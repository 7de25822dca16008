// zod schemas for the parts of Segment's answers we use (reference §3). Unknown fields pass
// through unread; fields we rely on are required, so a changed API fails loudly, not silently.
import { z } from "zod";

export const paginationOutput = z.object({
  current: z.string().optional(),
  next: z.string().nullish(),
  previous: z.string().nullish(),
  totalEntries: z.number().optional(),
});

export const workspaceData = z.object({
  workspace: z.object({ id: z.string().min(1), slug: z.string().min(1), name: z.string().optional() }),
});

const catalogEntry = z.object({ id: z.string(), slug: z.string(), name: z.string() });

export const source = z.object({
  id: z.string().min(1),
  slug: z.string(),
  name: z.string().nullish(),
  enabled: z.boolean(),
  metadata: catalogEntry.partial().optional(),
});
export type Source = z.infer<typeof source>;

export const destination = z.object({
  id: z.string().min(1),
  name: z.string().nullish(),
  enabled: z.boolean(),
  sourceId: z.string().min(1),
  metadata: catalogEntry,
});
export type Destination = z.infer<typeof destination>;

export const sourcesPage = z.object({ sources: z.array(source), pagination: paginationOutput.optional() });
export const destinationsPage = z.object({
  destinations: z.array(destination),
  pagination: paginationOutput.optional(),
});

/** Counts must not be negative; other oddities (null, strings) are left to the mapping's warning. */
const metricValue = z.unknown().refine((v) => typeof v !== "number" || v >= 0, "negative value");

export const deliverySummaryData = z.object({
  deliveryMetricsSummary: z.object({
    sourceId: z.string(),
    destinationMetadataId: z.string().optional(),
    metrics: z.array(
      z.object({
        metricName: z.string().min(1),
        total: metricValue.optional(),
        breakdown: z.array(z.object({ metricName: z.string().min(1), value: metricValue.optional() })).nullish(),
      }),
    ),
  }),
});
export type DeliverySummary = z.infer<typeof deliverySummaryData>["deliveryMetricsSummary"];

export const eventVolumeData = z.object({
  result: z.array(
    z.object({
      source: z.object({ id: z.string(), slug: z.string().nullish(), name: z.string().nullish() }).nullish(),
      eventName: z.string().nullish(),
      eventType: z.string().nullish(),
      total: z.number().nonnegative().optional(),
      series: z.array(z.object({ time: z.iso.datetime({ offset: true }), count: z.number().int().nonnegative() })),
    }),
  ),
  pagination: paginationOutput.nullish(),
});
export type EventVolumeEntry = z.infer<typeof eventVolumeData>["result"][number];

/** Delivery Overview answers, every step (reference §3.G); counts are non-negative integers. */
export const deliveryOverviewData = z.object({
  total: z.number().nonnegative(),
  dataset: z.array(
    z.object({
      eventName: z.string().nullish(),
      eventType: z.string().nullish(),
      appVersion: z.string().nullish(),
      discardReason: z.string().nullish(),
      total: z.number().nonnegative(),
      series: z.array(z.object({ time: z.iso.datetime({ offset: true }), count: z.number().int().nonnegative() })),
    }),
  ),
  pagination: paginationOutput,
});
export type DeliveryOverviewEntry = z.infer<typeof deliveryOverviewData>["dataset"][number];
