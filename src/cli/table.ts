// A plain aligned text table: enough for terminals and readable when piped to a file. Cells hold
// names from the network, so control characters are escaped here, once for every table.
import { printable } from "../text.js";

export function renderTable(headers: readonly string[], unsafeRows: ReadonlyArray<readonly string[]>): string {
  const rows = unsafeRows.map((r) => r.map(printable));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd()}\n`;
  return line(headers) + rows.map(line).join("");
}
