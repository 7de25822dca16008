// Stateless integer hashing for the ground-truth model: every number the emulator serves is a
// pure function of (fixture seed, ids, time), so two emulators with the same fixture agree and
// a test can recompute any value. Sequences of draws use mulberry32 from ../faults.js.

/** FNV-1a over a string, continued from `h` (32-bit). */
export function hashString(text: string, h = 0x811c9dc5): number {
  let x = h >>> 0;
  for (let i = 0; i < text.length; i++) {
    x ^= text.charCodeAt(i);
    x = Math.imul(x, 0x01000193);
  }
  return x >>> 0;
}

/** Mixes one 32-bit integer into `h` (murmur3 finalizer). */
export function mix(h: number, value: number): number {
  let x = (h ^ Math.imul(value | 0, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Maps a 32-bit hash to [0, 1). */
export function unit(h: number): number {
  return (h >>> 0) / 4294967296;
}
