// Dashboards and monitors v1 (reference §4, §5, §6): create, get, list with the filters and paging the
// client sends, update, delete, validate. Checks what the reference says Datadog checks (required
// fields, team-only dashboard tags, template-variable defaults, a monitor query's threshold equal to
// options.thresholds.critical) and answers with Datadog's messages; keeps every body it was sent.
import { apiError, type Reply } from "./replies.js";

export type JsonObject = Record<string, unknown>;

export interface AssetWrite {
  method: string;
  path: string;
  body: unknown;
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Python's float repr, as Datadog prints thresholds: 90.0, 0.99. */
const pyFloat = (n: number) => (Number.isInteger(n) ? n.toFixed(1) : String(n));

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000+00:00");
}

/** Reference §4.1: lowercase, keep [a-z0-9 -], spaces to dashes, 80 characters. */
function slug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, "")
    .replace(/ /g, "-")
    .slice(0, 80);
}

function parse(body: Buffer): { json: JsonObject } | { error: Reply } {
  try {
    const json: unknown = JSON.parse(body.toString("utf8"));
    if (isObject(json)) return { json };
  } catch {
    // answered below
  }
  return { error: apiError(400, "Invalid JSON", "body is not a JSON object") };
}

export class AssetStore {
  readonly dashboards = new Map<string, JsonObject>();
  readonly monitors = new Map<number, JsonObject>();
  /** Every create/update/delete body, in arrival order. */
  readonly writes: AssetWrite[] = [];
  private dashboardCounter = 0;
  private widgetCounter = 0;
  private monitorCounter = 0;

  constructor(private readonly now: () => number) {}

  clear(): void {
    this.dashboards.clear();
    this.monitors.clear();
    this.writes.length = 0;
  }

  private dashboardId(): string {
    this.dashboardCounter += 1;
    const text = (this.dashboardCounter * 7_919 + 46_656).toString(36).padStart(9, "0").slice(-9);
    return `${text.slice(0, 3)}-${text.slice(3, 6)}-${text.slice(6)}`;
  }

  private withWidgetIds(widgets: unknown[]): unknown[] {
    return widgets.map((w) => {
      if (!isObject(w)) return w;
      this.widgetCounter += 1;
      const definition = w.definition;
      const nested =
        isObject(definition) && Array.isArray(definition.widgets)
          ? { definition: { ...definition, widgets: this.withWidgetIds(definition.widgets) } }
          : {};
      return { ...w, ...nested, id: 1_000_000_000_000_000 + this.widgetCounter };
    });
  }

  handleDashboards(method: string, path: string, url: URL, body: Buffer): Reply {
    const id = path.startsWith("/api/v1/dashboard/") ? decodeURIComponent(path.slice(18)) : undefined;
    if (id === undefined) {
      if (method === "GET") return this.listDashboards(url);
      if (method !== "POST") return apiError(405, "Method not allowed");
    }
    const existing = id === undefined ? undefined : this.dashboards.get(id);
    if (id !== undefined && (!existing || existing.deleted_at)) {
      if (method === "GET" || method === "PUT" || method === "DELETE")
        return apiError(404, `Dashboard with ID ${id} not found`);
      return apiError(405, "Method not allowed");
    }
    if (method === "GET") return { status: 200, json: existing };
    if (method === "DELETE" && existing && id) {
      this.writes.push({ method, path, body: null });
      existing.deleted_at = stamp(this.now());
      return { status: 200, json: { deleted_dashboard_id: id } };
    }
    const parsed = parse(body);
    if ("error" in parsed) return parsed.error;
    this.writes.push({ method, path, body: parsed.json });
    const invalid = dashboardError(parsed.json);
    if (invalid) return apiError(400, invalid);
    const at = stamp(this.now());
    const newId = id ?? this.dashboardId();
    const title = parsed.json.title as string;
    const stored: JsonObject = {
      ...parsed.json,
      id: newId,
      description: parsed.json.description ?? null,
      template_variables: parsed.json.template_variables ?? null,
      notify_list: parsed.json.notify_list ?? null,
      widgets: this.withWidgetIds(parsed.json.widgets as unknown[]),
      author_handle: existing?.author_handle ?? "emulator@example.com",
      author_name: null,
      url: `/dashboard/${newId}/${slug(title)}`,
      created_at: existing?.created_at ?? at,
      modified_at: at,
      restricted_roles: [],
    };
    this.dashboards.set(newId, stored);
    return { status: 200, json: stored };
  }

  private listDashboards(url: URL): Reply {
    const deleted = url.searchParams.get("filter[deleted]") === "true";
    const count = Number(url.searchParams.get("count") ?? 100);
    const start = Number(url.searchParams.get("start") ?? 0);
    const all = [...this.dashboards.values()].filter((d) => Boolean(d.deleted_at) === deleted);
    const dashboards = all.slice(start, start + count).map((d) => ({
      id: d.id,
      title: d.title,
      description: d.description,
      layout_type: d.layout_type,
      url: d.url,
      is_read_only: false,
      created_at: d.created_at,
      modified_at: d.modified_at,
      author_handle: d.author_handle,
      deleted_at: d.deleted_at ?? null,
    }));
    return { status: 200, json: { dashboards } };
  }

  handleMonitors(method: string, path: string, url: URL, body: Buffer): Reply {
    if (path === "/api/v1/monitor/validate") {
      if (method !== "POST") return apiError(405, "Method not allowed");
      const parsed = parse(body);
      if ("error" in parsed) return parsed.error;
      const invalid = monitorError(parsed.json);
      return invalid ? apiError(400, invalid) : { status: 200, json: {} };
    }
    if (path === "/api/v1/monitor") {
      if (method === "GET") return this.listMonitors(url);
      if (method !== "POST") return apiError(405, "Method not allowed");
      const parsed = parse(body);
      if ("error" in parsed) return parsed.error;
      this.writes.push({ method, path, body: parsed.json });
      const invalid = monitorError(parsed.json);
      if (invalid) return apiError(400, invalid);
      this.monitorCounter += 1;
      const id = 100_000_000 + this.monitorCounter;
      const at = this.now();
      const stored = this.normalizeMonitor({
        ...parsed.json,
        id,
        org_id: 321_813,
        created_at: at,
        created: stamp(at),
        modified: stamp(at),
        deleted: null,
        creator: { name: null, handle: "emulator@example.com", email: "emulator@example.com", id: 1 },
        overall_state: "No Data",
        overall_state_modified: null,
        restricted_roles: parsed.json.restricted_roles ?? null,
      });
      this.monitors.set(id, stored);
      return { status: 200, json: stored };
    }
    const id = Number(path.slice("/api/v1/monitor/".length));
    const existing = Number.isSafeInteger(id) ? this.monitors.get(id) : undefined;
    if (!existing) return apiError(404, "Monitor not found");
    if (method === "GET") return { status: 200, json: { ...existing, matching_downtimes: [] } };
    if (method === "DELETE") {
      this.writes.push({ method, path, body: null });
      this.monitors.delete(id);
      return { status: 200, json: { deleted_monitor_id: id } };
    }
    if (method !== "PUT") return apiError(405, "Method not allowed");
    const parsed = parse(body);
    if ("error" in parsed) return parsed.error;
    this.writes.push({ method, path, body: parsed.json });
    // Top-level fields merge; options are replaced wholesale and defaults re-applied (reference §5.6).
    const merged: JsonObject = { ...existing, ...parsed.json, id };
    if (!("options" in parsed.json)) merged.options = {};
    const invalid = monitorError(merged);
    if (invalid) return apiError(400, invalid);
    const stored = this.normalizeMonitor({ ...merged, modified: stamp(this.now()) });
    delete stored.creator;
    this.monitors.set(id, { ...stored, creator: existing.creator });
    return { status: 200, json: stored };
  }

  private normalizeMonitor(monitor: JsonObject): JsonObject {
    const options = isObject(monitor.options) ? { ...monitor.options } : {};
    const thresholds = isObject(options.thresholds) ? { ...options.thresholds } : undefined;
    if (thresholds) {
      for (const [level, value] of Object.entries(thresholds)) if (value === null) delete thresholds[level];
      options.thresholds = thresholds;
    }
    const query = String(monitor.query);
    return {
      ...monitor,
      type: monitor.type === "metric alert" ? "query alert" : monitor.type,
      tags: Array.isArray(monitor.tags) ? monitor.tags : [],
      options: {
        notify_no_data: false,
        notify_audit: false,
        new_host_delay: 300,
        include_tags: true,
        ...options,
        silenced: {},
      },
      multi: /\bby\s*\{/.test(query) || query.includes(".by("),
    };
  }

  private listMonitors(url: URL): Reply {
    const groupStates = url.searchParams.get("group_states");
    const allowed = new Set(["all", "alert", "warn", "no data"]);
    if (groupStates?.split(",").some((s) => !allowed.has(s.trim())))
      return apiError(400, "Invalid group_state filters.");
    const name = url.searchParams.get("name")?.toLowerCase();
    const wanted = (url.searchParams.get("monitor_tags") ?? "")
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
    let list = [...this.monitors.values()]
      .filter((m) => !name || String(m.name).toLowerCase().includes(name))
      .filter((m) => wanted.every((t) => (m.tags as string[]).includes(t)))
      .sort((a, b) => Number(a.id) - Number(b.id));
    const page = url.searchParams.get("page");
    if (page !== null) {
      const size = Math.min(Number(url.searchParams.get("page_size") ?? 100), 1000);
      list = list.slice(Number(page) * size, (Number(page) + 1) * size);
    }
    return { status: 200, json: list.map((m) => ({ ...m, matching_downtimes: [] })) };
  }
}

/** The 400 message Datadog gives for a dashboard body, or undefined when it is acceptable. */
export function dashboardError(d: JsonObject): string | undefined {
  if (typeof d.title !== "string") return "Invalid dashboard: 'title' is required";
  if (d.layout_type !== "ordered" && d.layout_type !== "free") return "Invalid dashboard: 'layout_type' is invalid";
  if (!Array.isArray(d.widgets)) return "Invalid dashboard: 'widgets' is required";
  if (d.tags !== undefined && d.tags !== null) {
    const tags = d.tags;
    if (!Array.isArray(tags) || tags.length > 5 || tags.some((t) => typeof t !== "string" || !t.startsWith("team:")))
      return "Invalid tag format. Valid tag keys are: team.";
  }
  for (const v of Array.isArray(d.template_variables) ? d.template_variables : []) {
    if (!isObject(v)) return "'template_variables' is invalid";
    if ("default" in v && "defaults" in v) return "'template_variables' is invalid";
    if (Array.isArray(v.defaults) && v.defaults.some((x) => x === ""))
      return "Minimum length of parameter 'defaults' should be 1";
  }
  return undefined;
}

/** The 400 message for a monitor body (create, merged update, validate), or undefined. */
export function monitorError(m: JsonObject): string | undefined {
  if (typeof m.type !== "string" || m.type === "") return "The value provided for parameter 'type' is invalid";
  if (typeof m.query !== "string" || m.query === "") return "The value provided for parameter 'query' is invalid";
  if (m.type !== "query alert" && m.type !== "metric alert") return undefined;
  const match = /(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(m.query);
  if (!match) return "The value provided for parameter 'query' is invalid: invalid operator specified: ";
  const inQuery = Number(match[2]);
  const thresholds = isObject(m.options) && isObject(m.options.thresholds) ? m.options.thresholds : {};
  const critical = thresholds.critical;
  if (typeof critical === "number" && critical !== inQuery)
    return `Alert threshold (${pyFloat(critical)}) does not match that used in the query (${pyFloat(inQuery)}).`;
  return undefined;
}
