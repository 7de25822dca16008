// Text from the network (slugs, names, discard reasons, upstream messages) on its way to a terminal:
// control characters are made visible rather than sent, where they could move the cursor, clear
// the screen or reorder what a line appears to say.

// C0 and C1 controls, DEL, the Unicode line separators, and the bidirectional marks and overrides.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character written as a visible `\u{…}` escape. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}
