// `check`'s Error Details table (design §5, seeded by the Event Delivery UI's): per connection its
// top reasons over the window, with the count and when each was last seen.

import { renderTable } from "../table.js";
import type { ConnectionResult } from "./report.js";

export const TOP_REASONS = 5;

/** `lastSeen` relative to `to`, the end of the checked window: "4m ago", "2h ago", "3d ago". */
export function relativeTime(lastSeen: string, to: number): string {
  const seconds = Math.max(0, Math.round((to - Date.parse(lastSeen)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}

/** The section, or "" when no connection has error details (off, or not available to the token). */
export function renderErrorDetails(
  connections: readonly ConnectionResult[],
  to: number,
  labels?: ReadonlyMap<ConnectionResult, string>,
): string {
  const read = connections.filter((c) => c.errors !== undefined);
  if (read.length === 0) return "";
  const rows = read.flatMap((c) =>
    (c.errors ?? [])
      .slice(0, TOP_REASONS)
      .map((e) => [
        labels?.get(c) ?? `${c.source} → ${c.destination}`,
        e.reason,
        String(e.count),
        `${relativeTime(e.lastSeen, to)} (${e.lastSeen})`,
      ]),
  );
  if (rows.length === 0) return "Error details: no failed deliveries in the window.\n";
  return `Error details (top ${TOP_REASONS} reasons per connection)\n${renderTable(
    ["CONNECTION", "REASON", "COUNT", "LAST SEEN"],
    rows,
  )}`;
}
