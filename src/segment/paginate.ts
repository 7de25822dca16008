// Walks a cursor-paginated list at the largest page size Segment allows (reference §7).

import type { z } from "zod";
import { UpstreamError } from "../errors.js";
import type { SegmentHttp } from "./http.js";
import type { QueryValue } from "./query.js";

export const MAX_PAGE_SIZE = 1000;

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
    if (seen.has(page.next)) {
      throw new UpstreamError(`Segment GET ${path} repeated the cursor '${page.next}'; stopping to avoid a loop`, {
        retryable: false,
      });
    }
    seen.add(page.next);
    cursor = page.next;
  }
}
