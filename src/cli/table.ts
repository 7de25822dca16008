// A plain aligned text table: enough for terminals and readable when piped to a file. Cells often
// hold text from the network (slugs, names, reasons), so control characters are made visible
// rather than sent to the terminal, where they could move the cursor or rewrite what is shown.

// C0 and C1 controls, DEL, and the bidirectional overrides that reorder what a line appears to say.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character written as a visible `\u{…}` escape. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}

export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const safe = rows.map((r) => r.map(terminalSafe));
  const widths = headers.map((h, i) => Math.max(h.length, ...safe.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd()}\n`;
  return line(headers) + safe.map(line).join("");
}
