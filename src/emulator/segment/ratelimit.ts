// Fixed one-minute windows per key (route + token), on real time. A window opens with its first
// request (like rate-limiter-flexible, which the documented 429 body mirrors), and rejected
// requests still consume points: the documented example shows consumedPoints above the limit.

export const WINDOW_MS = 60_000;

export interface RateDecision {
  allowed: boolean;
  consumed: number;
  remaining: number;
  /** End of the current window (ms). */
  resetMs: number;
  msBeforeNext: number;
}

export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; consumed: number }>();

  /** `windowMs` is a minute like Segment's; tests shorten it to keep rate-limit runs quick. */
  constructor(
    private readonly clock: () => number,
    private readonly windowMs = WINDOW_MS,
  ) {}

  consume(key: string, limit: number): RateDecision {
    const now = this.clock();
    let w = this.windows.get(key);
    if (!w || now >= w.start + this.windowMs) {
      w = { start: now, consumed: 0 };
      this.windows.set(key, w);
    }
    w.consumed += 1;
    const resetMs = w.start + this.windowMs;
    return {
      allowed: w.consumed <= limit,
      consumed: w.consumed,
      remaining: Math.max(0, limit - w.consumed),
      resetMs,
      msBeforeNext: resetMs - now,
    };
  }

  reset(): void {
    this.windows.clear();
  }
}

/** RFC 5322 date of a reset time, rounded up to the second so a client waiting until it is never early. */
export function resetHeader(resetMs: number): string {
  return new Date(Math.ceil(resetMs / 1000) * 1000).toUTCString();
}
