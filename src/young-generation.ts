// Caps V8's young generation for a long run.
//
// Why: V8 doubles the young generation (two semi-spaces) whenever the bytes surviving scavenges since
// its last growth exceed its size. A run of more than a few seconds keeps growing it to V8's maximum:
// on Node 20, 2 × 16 MB, a third of the ~100 MB committed at the peak of a 10 000-connection export,
// against 2 × 8 MB in a short run (Node 24's V8 goes up to 128 MB in all). Capped at 2 × 8 MB the long
// run peaks ~10 MB lower in the same CPU time (bench/README.md, "Memory").
//
// How: `--max-semi-space-size` is read only when the process starts (`v8.setFlagsFromString` of it
// later changes nothing, measured), but `--semi-space-growth-factor` is read at every growth. After
// each garbage collection, the factor is set to 1 while the young generation is at the cap and back to
// V8's default of 2 when it is below. V8 shrinks it again when allocation slows down; a factor pinned
// at 1 would then keep it small for good, and small means more scavenges and more promotion: +50 % CPU
// measured.
import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";

/** Both semi-spaces together, as V8 reports the new space's size: what a `--max-semi-space-size=8` start allows. */
export const YOUNG_GENERATION_CAP_BYTES = 16 * 1024 * 1024;
/** V8's own growth factor (`--semi-space-growth-factor`). */
const V8_GROWTH_FACTOR = 2;

/** The growth factor V8 should apply next, for a young generation of `youngBytes`. */
export function growthFactorFor(youngBytes: number, capBytes: number): number {
  return youngBytes >= capBytes ? 1 : V8_GROWTH_FACTOR;
}

function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
}

/**
 * Keeps the young generation at most `capBytes` for the rest of the process (one step over it at
 * worst: a growth between two collections before the observer has run).
 */
export function capYoungGeneration(capBytes = YOUNG_GENERATION_CAP_BYTES): void {
  let factor = V8_GROWTH_FACTOR;
  const observer = new PerformanceObserver(() => {
    const next = growthFactorFor(youngGenerationBytes(), capBytes);
    if (next === factor) return;
    factor = next;
    setFlagsFromString(`--semi-space-growth-factor=${factor}`);
  });
  observer.observe({ entryTypes: ["gc"] });
}
