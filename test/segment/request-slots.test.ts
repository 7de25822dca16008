// The run's request slots (--concurrency) over real HTTP: how many Segment requests are in flight at
// once, and that a slot is free again as soon as its answer is read, before the answer is parsed.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { generateFixture } from "../../src/emulator/segment/fixture.js";
import { type SegmentEmulator, startSegmentEmulator } from "../../src/emulator/segment/server.js";
import { UpstreamError } from "../../src/errors.js";
import { silentLogger } from "../../src/log.js";
import { RateBudget } from "../../src/segment/budget.js";
import { getWorkspace, listSources } from "../../src/segment/catalog.js";
import { SegmentHttp } from "../../src/segment/http.js";

let emulator: SegmentEmulator;
/** What an injected 429 asks to wait (its `msBeforeNext`). */
const PAUSE_MS = 400;

beforeAll(async () => {
  emulator = await startSegmentEmulator({
    fixture: generateFixture({ sources: 3, destinationsPerSource: 1, seed: 3 }),
    latencyMs: 30,
    faultRetryMs: PAUSE_MS,
  });
});
afterAll(async () => {
  await emulator.close();
});

const client = (budget: RateBudget, dispatcher?: Agent) =>
  new SegmentHttp({
    baseUrl: emulator.url,
    token: emulator.token,
    logger: silentLogger,
    budget,
    dispatcher,
    minBackoffMs: 10,
  });

/** The most requests the emulator had in flight at once, from its log. */
function mostInFlight(requests: ReadonlyArray<{ at: number; end?: number | undefined }>): number {
  const events = requests.flatMap((r) => [
    [r.at, 1],
    [r.end ?? Number.POSITIVE_INFINITY, -1],
  ]);
  events.sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0));
  let now = 0;
  let most = 0;
  for (const [, step] of events) {
    now += step ?? 0;
    most = Math.max(most, now);
  }
  return most;
}

describe("request slots", () => {
  it("keeps --concurrency requests in flight at once over every endpoint and client of the run", async () => {
    emulator.resetRequests();
    const budget = new RateBudget({ concurrency: 3 });
    const [a, b] = [client(budget), client(budget)];
    try {
      const reads = Array.from({ length: 12 }, (_, i) => (i % 2 ? getWorkspace(i % 4 === 1 ? a : b) : listSources(a)));
      await Promise.all(reads);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(emulator.requests).toHaveLength(12);
    expect(mostInFlight(emulator.requests)).toBe(3);
    expect(budget.requestsInFlight).toBe(0);
  });

  it("gives the slot back once the answer is read, and sends the request waiting for it before parsing that answer", async () => {
    // Two sockets that have served a request already: a kept-alive socket is what a run reuses.
    const dispatcher = new Agent({ connections: 2 });
    const warm = client(new RateBudget({ concurrency: 2 }), dispatcher);
    await Promise.all([getWorkspace(warm), getWorkspace(warm)]);
    const budget = new RateBudget({ concurrency: 1 });
    const http = client(budget, dispatcher);
    const order: string[] = [];
    const sent = () => order.push("request sent");
    subscribe("undici:client:sendHeaders", sent);
    try {
      const parsedFirst = z.unknown().transform((data) => {
        order.push(`first answer parsed (${budget.requestsInFlight} in flight)`);
        return data;
      });
      await Promise.all([
        http.get("/", {}, parsedFirst, { endpoint: "workspace" }),
        http.get("/", {}, z.unknown(), { endpoint: "workspace" }),
      ]);
    } finally {
      unsubscribe("undici:client:sendHeaders", sent);
      await http.close();
      await dispatcher.close();
    }
    // One slot: the second request waits for the first answer; it leaves before that answer is parsed
    // (parsing at once held back every request freed in the same turn of the event loop).
    expect(order).toEqual(["request sent", "request sent", "first answer parsed (1 in flight)"]);
  });

  it("a 429 pauses the requests that were waiting for a slot, not only later ones", async () => {
    emulator.resetRequests();
    emulator.faults.queue("429-ms-before-next", 1, "workspace");
    const http = client(new RateBudget({ concurrency: 1 }));
    try {
      await Promise.all([getWorkspace(http), getWorkspace(http), getWorkspace(http)]);
    } finally {
      await http.close();
    }
    const [throttled, ...after] = emulator.requests;
    expect(throttled?.status).toBe(429);
    // The two that queued behind it and its own retry: each sent once the pause was over, each answered.
    expect(after.map((r) => r.status)).toEqual([200, 200, 200]);
    for (const r of after) expect(r.at - (throttled?.end ?? 0)).toBeGreaterThanOrEqual(PAUSE_MS - 50);
  });

  it("a request stopped while it waited for a slot is not sent, not counted as a call, and says it stopped", async () => {
    emulator.resetRequests();
    const stop = new AbortController();
    const calls: string[] = [];
    const http = new SegmentHttp({
      baseUrl: emulator.url,
      token: emulator.token,
      logger: silentLogger,
      budget: new RateBudget({ concurrency: 1 }),
      signal: stop.signal,
      onCall: (endpoint, status) => calls.push(`${endpoint} ${status}`),
    });
    try {
      const reads = [getWorkspace(http), getWorkspace(http)].map((p) => p.catch((e: unknown) => e));
      setTimeout(() => stop.abort(new Error("halted by the test")), 10);
      const [first, second] = await Promise.all(reads);
      expect(first).toBeInstanceOf(UpstreamError);
      expect(second).toBeInstanceOf(UpstreamError);
      expect((second as Error).message).toBe("Segment GET / stopped: halted by the test");
    } finally {
      await http.close();
    }
    // Only the first was on the wire (and aborted there).
    expect(emulator.requests).toHaveLength(1);
    expect(calls).toEqual(["workspace error"]);
  });
});
