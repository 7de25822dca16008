// `check`'s verdict per connection (pure): the monitors' minimum deliveries gate the success rate.
import { describe, expect, it } from "vitest";
import { judgeConnection } from "../../src/mapping/thresholds.js";

const numbers = (successes: number, discarded: number) => ({
  successes,
  discarded,
  expired: 0,
  p95Ms: undefined,
  trend: [],
});

describe("judgeConnection", () => {
  it("does not judge the rate of a connection with fewer deliveries than the minimum", () => {
    expect(judgeConnection(numbers(0, 1), { minSuccessRate: 0.99, minDeliveries: 20 }).ok).toBe(true);
    expect(judgeConnection(numbers(18, 1), { minSuccessRate: 0.99, minDeliveries: 20 }).ok).toBe(true);
  });

  it("judges it from the minimum on", () => {
    const verdict = judgeConnection(numbers(19, 1), { minSuccessRate: 0.99, minDeliveries: 20 });
    expect(verdict.ok).toBe(false);
    expect(verdict.failures[0]).toMatch(/success rate 95\.00% is below 99\.00%/);
  });

  it("turned off (null) never fails, whatever the numbers", () => {
    expect(judgeConnection(numbers(0, 1000), { minSuccessRate: null, maxP95Ms: null }).ok).toBe(true);
  });
});
