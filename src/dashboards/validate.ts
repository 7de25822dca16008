// Checks a dashboard the way Datadog checks integration dashboards (integrations-core `ddev validate
// dashboards`: description, template_variables and widgets present; the /dashboard format, i.e.
// layout_type and title, widgets as {definition}) plus the API's own rules from the reference
// (§4.1 layout and team-only tags, §4.7 template variables). Pure: returns the problems found.
import type { Json } from "./dashboard.js";

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function dashboardProblems(dashboard: Json): string[] {
  const problems: string[] = [];
  for (const key of ["description", "template_variables", "widgets"]) {
    if (!(key in dashboard)) problems.push(`missing required field '${key}'`);
  }
  if (typeof dashboard.title !== "string" || dashboard.title === "") problems.push("title must be a non-empty string");
  if (typeof dashboard.description !== "string" || dashboard.description.trim() === "")
    problems.push("description must say what the dashboard shows");
  if (dashboard.layout_type !== "ordered" && dashboard.layout_type !== "free")
    problems.push("layout_type must be ordered or free (the /dashboard format)");
  const tags = dashboard.tags;
  if (tags !== undefined && tags !== null) {
    if (!Array.isArray(tags) || tags.length > 5 || tags.some((t) => typeof t !== "string" || !t.startsWith("team:")))
      problems.push("tags: Invalid tag format. Valid tag keys are: team.");
  }
  const variables = dashboard.template_variables;
  if (!Array.isArray(variables)) problems.push("template_variables must be a list");
  else {
    const names = new Set<string>();
    for (const v of variables) {
      if (!isObject(v) || typeof v.name !== "string" || v.name === "") {
        problems.push("every template variable needs a name");
        continue;
      }
      if (names.has(v.name)) problems.push(`template variable '${v.name}' is defined twice`);
      names.add(v.name);
      if ("default" in v && "defaults" in v)
        problems.push(`template variable '${v.name}': default and defaults both set`);
      if (Array.isArray(v.defaults) && v.defaults.some((d) => typeof d !== "string" || d === ""))
        problems.push(`template variable '${v.name}': Minimum length of parameter 'defaults' should be 1`);
    }
  }
  const widgets = dashboard.widgets;
  if (!Array.isArray(widgets) || widgets.length === 0) problems.push("widgets must be a non-empty list");
  else walkWidgets(widgets, "widgets", problems, dashboard.layout_type === "free");
  return problems;
}

function walkWidgets(widgets: unknown[], path: string, problems: string[], free: boolean): void {
  widgets.forEach((w, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(w) || !isObject(w.definition)) {
      problems.push(`${at}: a widget is {definition: {…}} in the /dashboard format`);
      return;
    }
    const def = w.definition;
    if (typeof def.type !== "string") problems.push(`${at}: definition.type is required`);
    if (free && !isObject(w.layout)) problems.push(`${at}: a free layout needs a layout on every widget`);
    if (def.type === "group") {
      if (def.layout_type !== "ordered") problems.push(`${at}: a group's layout_type is ordered`);
      if (!Array.isArray(def.widgets) || def.widgets.length === 0) problems.push(`${at}: an empty group`);
      else walkWidgets(def.widgets, `${at}.definition.widgets`, problems, false);
    } else if (def.type === "note") {
      if (typeof def.content !== "string" || def.content === "") problems.push(`${at}: a note needs content`);
    } else if (def.type === "manage_status") {
      if (typeof def.query !== "string") problems.push(`${at}: manage_status needs a query`);
    } else if (!Array.isArray(def.requests) || def.requests.length === 0) {
      problems.push(`${at}: ${String(def.type)} needs requests`);
    } else if (def.type === "query_value" && def.requests.length > 1) {
      problems.push(`${at}: query_value takes one request`);
    }
  });
}

/** Every metric query string of a dashboard, depth first (for checks and tests). */
export function dashboardQueries(dashboard: Json): string[] {
  const out: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) visit(v);
    else if (isObject(value)) {
      if (value.data_source === "metrics" && typeof value.query === "string") out.push(value.query);
      for (const v of Object.values(value)) visit(v);
    }
  };
  visit(dashboard.widgets);
  return out;
}
