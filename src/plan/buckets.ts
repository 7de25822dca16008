// Epoch-aligned buckets: every run, every process and every shard cuts time the same way, so a
// bucket always maps to the same Datadog timestamp and re-exports overwrite instead of adding.

export function alignDown(ms: number, bucketMs: number): number {
  return Math.floor(ms / bucketMs) * bucketMs;
}

export function alignUp(ms: number, bucketMs: number): number {
  return Math.ceil(ms / bucketMs) * bucketMs;
}

export interface Window {
  start: number;
  end: number;
}

/**
 * Cuts [start, end) into consecutive windows no longer than `maxRangeMs`, each a whole number of
 * buckets (the API limit is on the range; bucket edges keep each point inside one request).
 */
export function chunkWindow(window: Window, bucketMs: number, maxRangeMs: number): Window[] {
  const step = Math.max(bucketMs, alignDown(maxRangeMs, bucketMs));
  const chunks: Window[] = [];
  for (let s = window.start; s < window.end; s += step) chunks.push({ start: s, end: Math.min(s + step, window.end) });
  return chunks;
}
