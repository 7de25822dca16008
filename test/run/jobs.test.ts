// The lazy job order of the pipeline: oldest slab first, a stream's buckets together within a
// slab, and nothing built before it is consumed.
import { describe, expect, it } from "vitest";
import { type Job, oldestFirst } from "../../src/run/jobs.js";

const MIN = 60_000;
const job = (stream: string, startMin: number) => ({ stream, start: startMin * MIN }) as unknown as Job;

describe("oldestFirst", () => {
  it("orders by 30-minute slab, then stream by stream, each stream's buckets in order", () => {
    const a = [0, 5, 10, 30, 35].map((m) => job("a", m));
    const b = [5, 20, 40].map((m) => job("b", m));
    const order = [...oldestFirst([a, b])].map((j) => `${j.stream}${j.start / MIN}`);
    expect(order).toEqual(["a0", "a5", "a10", "b5", "b20", "a30", "a35", "b40"]);
  });

  it("builds jobs only as they are consumed: one pending job per stream", () => {
    let built = 0;
    function* stream(name: string, n: number) {
      for (let i = 0; i < n; i++) {
        built += 1;
        yield job(name, i * 5);
      }
    }
    const it = oldestFirst([stream("a", 100), stream("b", 100), stream("c", 100)]);
    it.next();
    // One head per stream; the job after the one just taken is built when the next is asked for.
    expect(built).toBe(3);
    expect([...it].length).toBe(299);
    expect(built).toBe(300);
  });
});
