// `check`'s Error Details and Pipeline tables (design §5, seeded by the Event Delivery UI's): per
// connection its top failure reasons over the window, with the count and when each was last seen; per
// source what it received, what failed on ingest and what its filters dropped, and per connection what
// destination filters dropped, each with its top reason. Codes are shown with their label.
import type { ReasonSummary } from "../mapping/failures.js";
import { describeReason } from "../reasons/catalog.js";
import { renderTable } from "../table.js";
import type { ConnectionResult, SourceResult } from "./report.js";

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
        labelled(e.reason),
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

/**
 * The code as tagged, with the catalog's label when it has one: `etimedout (Connection timed out)`,
 * or the label alone when it already starts with the code (`429 Too Many Requests`).
 */
export function labelled(reason: string): string {
  const label = describeReason(reason)?.label;
  if (!label) return reason;
  return label.toLowerCase().startsWith(reason) ? label : `${reason} (${label})`;
}

/** `12 (top: no_user_anon_id (No user or anonymous id), 9)`, or `0`. */
function withTopReason(reasons: readonly ReasonSummary[]): string {
  const total = reasons.reduce((n, r) => n + r.count, 0);
  const top = reasons[0];
  return top ? `${total} (top: ${labelled(top.reason)}, ${top.count})` : String(total);
}

/** The Pipeline section, or "" when no source or connection has pipeline steps (off, or unavailable). */
export function renderPipeline(
  sources: readonly SourceResult[],
  connections: readonly ConnectionResult[],
  labels?: ReadonlyMap<ConnectionResult, string>,
): string {
  const read = sources.filter((s) => s.pipeline !== undefined);
  const filtered = connections.filter((c) => c.filteredAtDestination !== undefined);
  if (read.length === 0 && filtered.length === 0) return "";
  const sourceRows = read.map((s) => [
    s.source,
    String(s.pipeline?.received ?? 0),
    withTopReason(s.pipeline?.ingestFailed ?? []),
    withTopReason(s.pipeline?.filteredAtSource ?? []),
  ]);
  const connectionRows = filtered.map((c) => [
    labels?.get(c) ?? `${c.source} → ${c.destination}`,
    withTopReason(c.filteredAtDestination ?? []),
  ]);
  const parts = ["Pipeline (Segment's first steps, before delivery)\n"];
  if (sourceRows.length > 0)
    parts.push(renderTable(["SOURCE", "RECEIVED", "FAILED ON INGEST", "FILTERED AT SOURCE"], sourceRows));
  if (connectionRows.length > 0)
    parts.push(
      `${sourceRows.length > 0 ? "\n" : ""}${renderTable(["CONNECTION", "FILTERED AT DESTINATION"], connectionRows)}`,
    );
  return parts.join("");
}
