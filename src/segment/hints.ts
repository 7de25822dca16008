// How long a 429 asks us to wait, from the strongest hint to the weakest (reference §6):
// `Retry-After` (token limited), then the body's `msBeforeNext`, then `X-RateLimit-Reset`.

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Seconds (`"3"`) or an HTTP date; undefined when absent or unreadable. */
function untilMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.ceil(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export function retryHintMs(headers: Headers, body: unknown, now = Date.now()): number | undefined {
  const retryAfter = untilMs(header(headers, "retry-after"), now);
  if (retryAfter !== undefined) return retryAfter;
  const errors = (body as { errors?: Array<{ data?: { msBeforeNext?: unknown } }> } | null)?.errors;
  const msBeforeNext = errors?.[0]?.data?.msBeforeNext;
  if (typeof msBeforeNext === "number" && Number.isFinite(msBeforeNext) && msBeforeNext >= 0) return msBeforeNext;
  return untilMs(header(headers, "x-ratelimit-reset"), now);
}

/** `X-RateLimit-Remaining` as a number, when the answer carried it. */
export function remainingOf(headers: Headers): number | undefined {
  const value = header(headers, "x-ratelimit-remaining");
  const n = value === undefined ? Number.NaN : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** When the current rate-limit window ends, from `X-RateLimit-Reset` (RFC 5322 date or seconds). */
export function resetInMs(headers: Headers, now = Date.now()): number | undefined {
  return untilMs(header(headers, "x-ratelimit-reset"), now);
}
