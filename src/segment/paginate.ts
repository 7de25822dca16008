// Walks a cursor-paginated list at the largest page size Segment allows (reference §7).

import type { z } from "zod";
import { UpstreamError } from "../errors.js";
import type { SegmentHttp } from "./http.js";
import type { QueryValue } from "./query.js";

export const MAX_PAGE_SIZE = 1000;
/** Design §5: past this many pages a list is a server loop, not a workspace (10 million items). */
export const MAX_PAGES = 10_000;

interface Page<T> {
  items: T[];
  next: string | null | undefined;
}

export async function collectPages<S extends z.ZodType, T>(
  http: SegmentHttp,
  path: string,
  query: Record<string, QueryValue>,
  schema: S,
  endpoint: string,
  pick: (data: z.infer<S>) => Page<T>,
  accept?: string,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const data = await http.get(
      path,
      { ...query, pagination: { count: MAX_PAGE_SIZE, cursor } },
      schema,
      accept ? { endpoint, accept } : { endpoint },
    );
    const page = pick(data);
    items.push(...page.items);
    if (!page.next) return items;
    // Each of these would otherwise page forever; the job fails and stays pending (exit 4).
    const loop = seen.has(page.next)
      ? `repeated a cursor`
      : page.items.length === 0
        ? "answered an empty page that still has a next cursor"
        : seen.size + 1 >= MAX_PAGES
          ? `passed ${MAX_PAGES} pages`
          : undefined;
    if (loop) {
      throw new UpstreamError(
        `Segment GET ${path} ${loop}; stopped following its pagination to avoid an endless loop`,
        {
          retryable: false,
        },
      );
    }
    seen.add(page.next);
    cursor = page.next;
  }
}
