// The request budget shared by every concurrent Segment request of a run (design §5):
// - documented fixed limits (event volume: 60/min) through p-throttle's sliding window;
// - everything else paced by what Segment says: `X-RateLimit-Remaining` / `X-RateLimit-Reset` on each
//   answer, and a 429's `Retry-After` / `msBeforeNext` / reset, which pauses every request to that
//   endpoint, not only the one that got it. No guessed fixed limit for undocumented endpoints.
// - `--concurrency` requests in flight at once, run-wide (p-limit): a slot is taken before a request is
//   paced and given back once its answer's body is read, not held while the answer is parsed and mapped.
// State is per (token, endpoint): Segment limits each token, and some endpoints separately.
import { setTimeout as sleep } from "node:timers/promises";
import pLimit, { type LimitFunction } from "p-limit";
import pThrottle from "p-throttle";
import { remainingOf, resetInMs, retryHintMs } from "./hints.js";
import { boundedWait, MAX_WAIT_MS } from "./waits.js";

type Headers = Record<string, string | string[] | undefined>;

export interface BudgetOptions {
  /** Fixed limits per minute by endpoint name, e.g. `{ "events-volume": 60 }`. */
  perMinute?: Readonly<Record<string, number>>;
  /** How many requests may be in flight at once, over every endpoint and token (`sending`). */
  concurrency: number;
  clock?: () => number;
  /** The fixed limits' window; a minute, shortened by tests. */
  fixedWindowMs?: number;
}

interface EndpointState {
  /** Requests we may still send in the current window, by our estimate; undefined when unknown. */
  allowance?: number;
  resetAt?: number;
  pausedUntil: number;
  inFlight: number;
  /** Serialises pacing decisions so concurrent callers don't all pass the same check. */
  queue: Promise<void>;
  /** Callers in `queue` (`tryAcquire` passes none of them). */
  queued: number;
  throttled?: () => Promise<unknown>;
}

export const DOCUMENTED_LIMITS: Readonly<Record<string, number>> = { "events-volume": 60 };

/** The endpoints discovery reads; the stream kinds declare their own (streams/registry.ts). */
export const DISCOVERY_ENDPOINTS = ["workspace", "sources", "destinations"] as const;

export class RateBudget {
  private readonly states = new Map<string, EndpointState>();
  private readonly clock: () => number;
  /** Throttled and paused waits, for the benchmark and the tests. */
  waitedMs = 0;
  private readonly slots: LimitFunction;

  constructor(private readonly options: BudgetOptions) {
    this.clock = options.clock ?? Date.now;
    this.slots = pLimit(Math.max(1, options.concurrency));
  }

  /** Runs `send` (pacing, then one request until its body is read) in one of the run's `concurrency` slots. */
  sending<T>(send: () => Promise<T>): Promise<T> {
    return this.slots(send);
  }

  /** Requests holding a slot now. */
  get requestsInFlight(): number {
    return this.slots.activeCount;
  }

  private state(key: string, endpoint: string): EndpointState {
    let s = this.states.get(key);
    if (!s) {
      s = { pausedUntil: 0, inFlight: 0, queue: Promise.resolve(), queued: 0 };
      const limit = { ...DOCUMENTED_LIMITS, ...this.options.perMinute }[endpoint];
      if (limit !== undefined) {
        s.throttled = pThrottle({ limit, interval: this.options.fixedWindowMs ?? 60_000, strict: true })(
          async () => undefined,
        );
      }
      this.states.set(key, s);
    }
    return s;
  }

  /** Waits until a request to `endpoint` fits the budget; `scope` separates tokens. */
  async acquire(scope: string, endpoint: string, signal?: AbortSignal, deadlineAt?: number): Promise<void> {
    const s = this.state(`${scope} ${endpoint}`, endpoint);
    s.queued += 1;
    const turn = s.queue.then(() => this.wait(s, endpoint, signal, deadlineAt));
    // A failed wait (aborted) must not block the callers queued behind it.
    s.queue = turn.catch(() => undefined);
    try {
      await turn;
    } finally {
      s.queued -= 1;
    }
    s.inFlight += 1;
  }

  /**
   * `acquire` decided at once, with no turn of the event loop in between, when nothing holds the request
   * back (no fixed limit, no pause, allowance left, no caller queued before it); false: call `acquire`.
   */
  tryAcquire(scope: string, endpoint: string): boolean {
    const s = this.state(`${scope} ${endpoint}`, endpoint);
    if (s.throttled || s.queued > 0 || this.holdMs(s, this.clock()) > 0) return false;
    s.inFlight += 1;
    return true;
  }

  private async wait(s: EndpointState, endpoint: string, signal?: AbortSignal, deadlineAt?: number): Promise<void> {
    const label = `Segment ${endpoint} rate limit`;
    const started = this.clock();
    if (s.throttled) await s.throttled();
    for (;;) {
      const now = this.clock();
      const hold = this.holdMs(s, now);
      if (hold === 0) break;
      await sleep(boundedWait(hold, deadlineAt, label, now), undefined, { signal });
    }
    this.waitedMs += this.clock() - started;
  }

  /** How long `s` holds a request back now, in ms; 0: it may go, and it has taken its allowance. */
  private holdMs(s: EndpointState, now: number): number {
    if (s.pausedUntil > now) return s.pausedUntil - now;
    if (s.allowance === undefined || s.resetAt === undefined) return 0;
    if (now >= s.resetAt) {
      // A new window: Segment tells us its size with the next answer.
      s.allowance = undefined;
      s.resetAt = undefined;
      return 0;
    }
    // Used up: wait for the window to reset rather than run into 429s. (Spreading the last requests over
    // the window was tried: it costs a whole window at the end of a run.)
    if (s.allowance <= 0) return s.resetAt - now + 25;
    s.allowance -= 1;
    return 0;
  }

  /** Learns from one answer: remaining allowance, window reset, or a 429's pause. */
  observe(scope: string, endpoint: string, status: number | "error", headers: Headers = {}, body?: unknown): void {
    const s = this.state(`${scope} ${endpoint}`, endpoint);
    s.inFlight = Math.max(0, s.inFlight - 1);
    if (status === "error") return;
    const now = this.clock();
    if (status === 429) {
      // Capped: `Retry-After: 99999` must not park the run for a day (design §5).
      const wait = Math.min(retryHintMs(headers, body, now) ?? 1_000, MAX_WAIT_MS);
      s.pausedUntil = Math.max(s.pausedUntil, now + wait);
      s.allowance = 0;
      s.resetAt = now + wait;
      return;
    }
    const remaining = remainingOf(headers);
    const reset = resetInMs(headers, now);
    if (remaining === undefined || reset === undefined) return;
    // Requests still in flight were sent but may not be counted in this answer yet.
    s.allowance = remaining - s.inFlight;
    // A reset announced hours away is not believed beyond the longest wait we accept.
    s.resetAt = now + Math.min(reset, MAX_WAIT_MS);
  }
}
