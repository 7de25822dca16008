// Whether what Datadog holds already equals what we would send, so a second run changes nothing
// and reports "unchanged". Pure; compares only what we manage.
import type { Json } from "./dashboard.js";

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** JSON with sorted keys; widget ids (assigned by Datadog) dropped. */
function canonical(value: unknown, dropWidgetIds = false): string {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isObject(v)) return v;
    const out: Json = {};
    for (const key of Object.keys(v).sort()) {
      if (dropWidgetIds && key === "id" && "definition" in v) continue;
      out[key] = walk(v[key]);
    }
    return out;
  };
  return JSON.stringify(walk(value));
}

const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0);

const DASHBOARD_KEYS = ["title", "description", "layout_type", "reflow_type", "template_variables", "widgets", "tags"];

export function sameDashboard(actual: Json, desired: Json): boolean {
  return DASHBOARD_KEYS.every((key) =>
    empty(desired[key]) ? empty(actual[key]) : canonical(actual[key], true) === canonical(desired[key], true),
  );
}

/** Options: only the keys we set (Datadog adds defaults); the rest at top level as sent. */
export function sameMonitor(actual: Json, desired: Json): boolean {
  for (const key of ["name", "type", "query", "message", "priority"]) {
    if (canonical(actual[key] ?? null) !== canonical(desired[key] ?? null)) return false;
  }
  const tags = (v: unknown) => canonical(Array.isArray(v) ? [...v].sort() : []);
  if (tags(actual.tags) !== tags(desired.tags)) return false;
  const have = isObject(actual.options) ? actual.options : {};
  const want = isObject(desired.options) ? desired.options : {};
  return Object.keys(want).every((key) => canonical(have[key] ?? null) === canonical(want[key]));
}
