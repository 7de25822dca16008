// A plain aligned text table: enough for terminals and readable when piped to a file. Cells often
// hold text from the network, so each is made terminal-safe first.
import { terminalSafe } from "./terminal.js";

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
