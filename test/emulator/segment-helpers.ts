// Shared bits of the Segment emulator tests: a fixed data clock and a small authenticated GET.
import type { SegmentEmulator } from "../../src/emulator/segment/index.js";
import { silentLogger } from "../../src/log.js";
import { SegmentHttp } from "../../src/segment/http.js";

/** Data clock used by most tests: 2026-11-24T12:00:00Z, minute-aligned. */
export const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  json: any;
}

export async function get(emu: SegmentEmulator, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(emu.url + path, { headers: { authorization: `Bearer ${emu.token}`, ...headers } });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Follows `next` cursors; returns every page's JSON. */
export async function walk(emu: SegmentEmulator, path: string, count: number, key: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let cursor: string | undefined;
  const sep = path.includes("?") ? "&" : "?";
  for (let page = 0; page < 10_000; page++) {
    const q = `pagination.count=${count}${cursor ? `&pagination.cursor=${encodeURIComponent(cursor)}` : ""}`;
    const r = await get(emu, `${path}${sep}${q}`);
    if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
    const data = r.json.data;
    items.push(...data[key]);
    if (page === 0) expectNoPrevious(data.pagination);
    else if (data.pagination.previous === undefined) throw new Error("previous missing after the first page");
    cursor = data.pagination.next;
    if (cursor === undefined) return items;
  }
  throw new Error("pagination did not end");
}

function expectNoPrevious(p: { previous?: string }) {
  if (p.previous !== undefined) throw new Error("previous present on the first page");
}

/** The value, or a thrown error naming what was missing (instead of a non-null assertion). */
export function must<T>(value: T | null | undefined, what = "value"): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing`);
  return value;
}

/** A Segment client on the emulator with test-sized timeouts and backoff (retries as given). */
export function fastClient(emu: SegmentEmulator, over: { minBackoffMs?: number; retries?: number } = {}): SegmentHttp {
  return new SegmentHttp({
    baseUrl: emu.url,
    token: emu.token,
    logger: silentLogger,
    minBackoffMs: over.minBackoffMs ?? 5,
    timeoutMs: 1000,
    ...(over.retries !== undefined ? { retries: over.retries } : {}),
  });
}
