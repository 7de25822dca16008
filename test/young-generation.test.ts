// The young-generation cap changes V8 flags of the whole process, so it is tried in a child process
// (the compiled module, built by the global setup), against the same child without it.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { growthFactorFor } from "../src/young-generation.js";

const MODULE = fileURLToPath(new URL("../dist/young-generation.js", import.meta.url));
const MB = 1024 * 1024;

/**
 * Keeps the last 60 000 of a stream of small objects alive (a rolling window), yielding to the event
 * loop between rounds (the observer runs there), so that many bytes survive scavenges and V8 grows
 * the young generation. Prints the largest young generation seen after the cap could have acted.
 */
const CHURN = `
import { getHeapSpaceStatistics } from "node:v8";
const cap = Number(process.argv[1]);
if (cap > 0) (await import(process.argv[2])).capYoungGeneration(cap);
const young = () => getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
const window = [];
let largest = 0;
for (let round = 0; round < 400; round++) {
  for (let i = 0; i < 2000; i++) window.push({ round, i, text: "x".repeat(16) + i });
  if (window.length > 60000) window.splice(0, 2000);
  await new Promise((resolve) => setImmediate(resolve));
  if (round >= 50) largest = Math.max(largest, young());
}
process.stdout.write(String(largest));
`;

function largestYoungGeneration(capBytes: number): number {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", CHURN, String(capBytes), MODULE], {
    encoding: "utf8",
  });
  return Number(out);
}

describe("capYoungGeneration", () => {
  it("keeps the young generation at the cap where V8 alone grows it past", () => {
    const cap = 4 * MB;
    const uncapped = largestYoungGeneration(0);
    const capped = largestYoungGeneration(cap);
    // The churn must make V8 grow it past one step over the cap, or the comparison says nothing
    // (Node 20 grows it to 32 MB here, Node 24 to 128 MB).
    expect(uncapped).toBeGreaterThan(2 * cap);
    // At most one step over: V8 may grow it between two collections before the observer has run
    // (Node 20 stays at 4 MB here, Node 24, whose steps are not doublings, at 6 MB).
    expect(capped).toBeLessThanOrEqual(2 * cap);
    expect(capped).toBeGreaterThan(0);
  });

  it("stops growth at the cap and lets it grow again below it (after V8 shrank it)", () => {
    expect(growthFactorFor(16 * MB, 16 * MB)).toBe(1);
    expect(growthFactorFor(32 * MB, 16 * MB)).toBe(1);
    expect(growthFactorFor(8 * MB, 16 * MB)).toBe(2);
    expect(growthFactorFor(1 * MB, 16 * MB)).toBe(2);
  });
});
