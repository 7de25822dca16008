// Daily usage (reference §3.F): month-to-date MTU and API calls, per source and for the workspace.
// Counts arrive as strings holding big integers.
import { z } from "zod";
import type { SegmentHttp } from "./http.js";
import { collectPages } from "./paginate.js";
import { paginationOutput } from "./schemas.js";

/** A non-negative integer, sent as a decimal string (bigint-sized) or a number. */
const bigCount = z.union([z.string().regex(/^\d+$/, "not a non-negative integer"), z.number().int().nonnegative()]);

const mtuFields = {
  anonymous: bigCount,
  anonymousIdentified: bigCount,
  identified: bigCount,
  neverIdentified: bigCount,
  timestamp: z.iso.datetime({ offset: true }),
};

const sourceMtu = z.object({ sourceId: z.string().min(1), ...mtuFields });
const workspaceMtu = z.object(mtuFields);
const sourceCalls = z.object({
  sourceId: z.string().min(1),
  apiCalls: bigCount,
  timestamp: z.iso.datetime({ offset: true }),
});
const workspaceCalls = z.object({ apiCalls: bigCount, timestamp: z.iso.datetime({ offset: true }) });

export type SourceMtuRow = z.infer<typeof sourceMtu>;
export type WorkspaceMtuRow = z.infer<typeof workspaceMtu>;
export type SourceCallsRow = z.infer<typeof sourceCalls>;
export type WorkspaceCallsRow = z.infer<typeof workspaceCalls>;

export interface MonthUsage {
  sourceMtu: SourceMtuRow[];
  workspaceMtu: WorkspaceMtuRow[];
  sourceCalls: SourceCallsRow[];
  workspaceCalls: WorkspaceCallsRow[];
}

function page<K extends string, T extends z.ZodType>(key: K, item: T) {
  return z.object({ [key]: z.array(item), pagination: paginationOutput.optional() } as { [P in K]: z.ZodArray<T> } & {
    pagination: z.ZodOptional<typeof paginationOutput>;
  });
}

/** The budget keys of the four usage endpoints. */
export const USAGE_ENDPOINTS = [
  "usage-mtu-sources",
  "usage-mtu",
  "usage-api-calls-sources",
  "usage-api-calls",
] as const;

/** Every daily row of the month starting at `period` (YYYY-MM-01). */
export async function getMonthUsage(http: SegmentHttp, period: string): Promise<MonthUsage> {
  const get = <K extends string, T extends z.ZodType>(path: string, endpoint: string, key: K, item: T) =>
    collectPages(http, path, { period }, page(key, item), endpoint, (d) => ({
      items: (d as Record<K, Array<z.infer<T>>>)[key],
      next: (d as { pagination?: { next?: string | null } }).pagination?.next,
    }));
  const [sMtu, wMtu, sCalls, wCalls] = await Promise.all([
    get("/usage/mtu/sources/daily", "usage-mtu-sources", "dailyPerSourceMTUUsage", sourceMtu),
    get("/usage/mtu/daily", "usage-mtu", "dailyWorkspaceMTUUsage", workspaceMtu),
    get("/usage/api-calls/sources/daily", "usage-api-calls-sources", "dailyPerSourceAPICallsUsage", sourceCalls),
    get("/usage/api-calls/daily", "usage-api-calls", "dailyWorkspaceAPICallsUsage", workspaceCalls),
  ]);
  return { sourceMtu: sMtu, workspaceMtu: wMtu, sourceCalls: sCalls, workspaceCalls: wCalls };
}
