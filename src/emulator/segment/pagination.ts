// Pagination per reference §7: count 1–1000 (default 200), cursor = base64 of a decimal offset,
// `next` absent on the last page, `previous` absent on the first.
import { validationError } from "./errors.js";
import type { ParsedQuery } from "./query.js";

export const DEFAULT_PAGE_COUNT = 200;
export const MAX_PAGE_COUNT = 1000;

export interface PageRequest {
  count: number;
  offset: number;
}

export interface PaginationOutput {
  current: string;
  next?: string;
  previous?: string;
  totalEntries: number;
}

export function encodeCursor(offset: number): string {
  return Buffer.from(String(offset)).toString("base64");
}

export function decodeCursor(cursor: string): number | undefined {
  const text = cursor.replace(/ /g, "+"); // a raw '+' arrives as a space after form decoding
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const decoded = Buffer.from(text, "base64").toString("utf8");
  if (!/^\d{1,15}$/.test(decoded) || encodeCursor(Number(decoded)) !== text) return undefined;
  return Number(decoded);
}

export function pageRequest(query: ParsedQuery): PageRequest {
  const input = query.object("pagination");
  if (!input) return { count: DEFAULT_PAGE_COUNT, offset: 0 };
  let count = DEFAULT_PAGE_COUNT;
  if (input.count !== undefined) {
    count = /^\d+$/.test(input.count.trim()) ? Number(input.count) : Number.NaN;
    if (!(count >= 1 && count <= MAX_PAGE_COUNT)) {
      throw validationError("pagination.count", `pagination.count must be an integer between 1 and ${MAX_PAGE_COUNT}`);
    }
  }
  let offset = 0;
  if (input.cursor !== undefined && input.cursor !== "") {
    const decoded = decodeCursor(input.cursor);
    if (decoded === undefined) throw validationError("pagination.cursor", "pagination.cursor is not a valid cursor");
    offset = decoded;
  }
  return { count, offset };
}

export function paginate<T>(items: readonly T[], page: PageRequest): { items: T[]; pagination: PaginationOutput } {
  const slice = items.slice(page.offset, page.offset + page.count);
  const hasNext = page.offset + page.count < items.length;
  const pagination: PaginationOutput = {
    current: encodeCursor(page.offset),
    ...(hasNext ? { next: encodeCursor(page.offset + page.count) } : {}),
    ...(page.offset > 0 ? { previous: encodeCursor(Math.max(0, page.offset - page.count)) } : {}),
    totalEntries: items.length,
  };
  return { items: slice, pagination };
}
