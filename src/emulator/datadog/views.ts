// The web app's pages that `dashboard` and `monitors` print links to (`/dashboard/<id>/<slug>`,
// `/monitors/<id>`), as minimal HTML: so a sandbox user who opens a printed URL sees what was
// stored instead of a 404. Read-only and keyless, like the /_emulator/ inspection routes.
import type { JsonObject } from "./assets.js";
import type { Reply } from "./replies.js";

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Text from the network goes into HTML escaped: a title cannot inject markup. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string[]): string {
  return [
    "<!doctype html>",
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)} · Datadog emulator</title></head><body>`,
    '<p>Datadog emulator: what was stored. JSON: <a href="/_emulator/dashboards">dashboards</a>, <a href="/_emulator/monitors">monitors</a>, <a href="/_emulator/series">series</a>.</p>',
    ...body,
    "</body></html>",
    "",
  ].join("\n");
}

const html = (status: number, text: string): Reply => ({ status, text, contentType: "text/html; charset=utf-8" });

const notFound = (what: string): Reply =>
  html(404, page("Not found", [`<h1>Not found</h1>`, `<p>${escapeHtml(what)} does not exist in this emulator.</p>`]));

/** Widget titles (and types), groups nested, in dashboard order. */
function widgetList(widgets: unknown): string {
  if (!Array.isArray(widgets) || widgets.length === 0) return "";
  const items = widgets.filter(isObject).map((w) => {
    const d = isObject(w.definition) ? w.definition : {};
    const title = typeof d.title === "string" && d.title !== "" ? d.title : "(untitled)";
    return `<li>${escapeHtml(title)} <small>${escapeHtml(String(d.type ?? ""))}</small>${widgetList(d.widgets)}</li>`;
  });
  return `<ol>${items.join("")}</ol>`;
}

const definition = (value: unknown) => `<h2>Definition</h2>\n<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;

/** A page for GET `path` when it is a dashboard or monitor page; undefined for any other path. */
export function viewOf(
  path: string,
  dashboards: ReadonlyMap<string, JsonObject>,
  monitors: ReadonlyMap<number, JsonObject>,
): Reply | undefined {
  const board = /^\/dashboard\/([^/]+)(?:\/[^/]*)?$/.exec(path);
  if (board) {
    const id = decodeURIComponent(board[1] as string);
    const d = dashboards.get(id);
    if (!d || d.deleted_at) return notFound(`Dashboard ${id}`);
    const title = String(d.title);
    return html(
      200,
      page(title, [
        `<h1>${escapeHtml(title)}</h1>`,
        `<p>${escapeHtml(String(d.description ?? ""))}</p>`,
        `<h2>Widgets</h2>\n${widgetList(d.widgets)}`,
        definition(d),
      ]),
    );
  }
  const monitor = /^\/monitors\/(\d+)$/.exec(path);
  if (monitor) {
    const m = monitors.get(Number(monitor[1]));
    if (!m) return notFound(`Monitor ${monitor[1]}`);
    const name = String(m.name);
    return html(
      200,
      page(name, [
        `<h1>${escapeHtml(name)}</h1>`,
        `<p><code>${escapeHtml(String(m.query))}</code></p>`,
        `<pre>${escapeHtml(String(m.message ?? ""))}</pre>`,
        definition(m),
      ]),
    );
  }
  return undefined;
}
