// The dashboards and monitors endpoints of the Datadog emulator, as the official client sees them.
import { v1 } from "@datadog/datadog-api-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildDashboard } from "../../src/dashboards/dashboard.js";
import { buildMonitors } from "../../src/dashboards/monitors.js";
import { type DatadogEmulator, startDatadogEmulator } from "../../src/emulator/datadog/index.js";
import { assetOptions } from "../helpers/assets.js";
import { configuration, failure, NOW_MS } from "./datadog-helpers.js";

let emu: DatadogEmulator;
beforeAll(async () => {
  emu = await startDatadogEmulator({ now: () => NOW_MS });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const dashboards = (keys?: { apiKey?: string; appKey?: string }) => new v1.DashboardsApi(configuration(emu, keys));
const monitors = (keys?: { apiKey?: string; appKey?: string }) => new v1.MonitorsApi(configuration(emu, keys));
const asDashboard = (json: unknown) => v1.ObjectSerializer.deserialize(json, "Dashboard", "") as v1.Dashboard;
const asMonitor = (json: unknown) => v1.ObjectSerializer.deserialize(json, "Monitor", "") as v1.Monitor;

describe("dashboards", () => {
  it("creates, gets, lists page by page, updates in place and soft-deletes", async () => {
    const body = asDashboard(buildDashboard(assetOptions()));
    const created = await dashboards().createDashboard({ body });
    expect(created.id).toMatch(/^[a-z0-9]{3}-[a-z0-9]{3}-[a-z0-9]{3}$/);
    expect(created.url).toBe(`/dashboard/${created.id}/segment-event-delivery-acmesegmentx`);
    expect(created.widgets.every((w) => typeof w.id === "number")).toBe(true);
    expect((await dashboards().getDashboard({ dashboardId: created.id ?? "" })).title).toBe(body.title);
    // What was sent is kept as the wire JSON.
    expect(emu.assetWrites[0]).toMatchObject({ method: "POST", path: "/api/v1/dashboard" });
    expect(emu.assetWrites[0]?.body).toMatchObject({ layout_type: "ordered" });

    for (let i = 0; i < 4; i++) await dashboards().createDashboard({ body: { ...body, title: `other ${i}` } });
    const seen = [];
    for await (const d of dashboards().listDashboardsWithPagination({ count: 2 })) seen.push(d.title);
    expect(seen).toHaveLength(5);
    expect(emu.requests.filter((r) => r.method === "GET" && r.path === "/api/v1/dashboard")).toHaveLength(3);

    const updated = await dashboards().updateDashboard({
      dashboardId: created.id ?? "",
      body: { ...body, description: "changed" },
    });
    expect(updated).toMatchObject({ id: created.id, description: "changed" });
    expect(updated.createdAt).toEqual(created.createdAt);
    expect(emu.dashboards.size).toBe(5);

    await dashboards().deleteDashboard({ dashboardId: created.id ?? "" });
    const gone = await failure(dashboards().getDashboard({ dashboardId: created.id ?? "" }));
    expect(gone).toMatchObject({ code: 404, body: { errors: [`Dashboard with ID ${created.id} not found`] } });
    expect((await dashboards().listDashboards({})).dashboards).toHaveLength(4);
    // What it holds is open to inspection, as the points are.
    const inspected = (await (await fetch(`${emu.url}/_emulator/dashboards`)).json()) as Array<{ id: string }>;
    expect(inspected.map((d) => d.id)).toContain(created.id);
  });

  it("answers 400 with Datadog's message for a non-team tag and for bad template variables", async () => {
    const body = asDashboard(buildDashboard(assetOptions()));
    const tagged = await failure(dashboards().createDashboard({ body: { ...body, tags: ["env:prod"] } }));
    expect(tagged).toMatchObject({ code: 400, body: { errors: ["Invalid tag format. Valid tag keys are: team."] } });
    const both = await failure(
      dashboards().createDashboard({
        body: { ...body, templateVariables: [{ name: "w", _default: "a", defaults: ["a"] }] },
      }),
    );
    expect(both).toMatchObject({ code: 400, body: { errors: ["'template_variables' is invalid"] } });
    expect(emu.dashboards.size).toBe(0);
  });

  it("needs both keys: a missing or wrong application key is 403 and stores nothing", async () => {
    const body = asDashboard(buildDashboard(assetOptions()));
    for (const keys of [{ appKey: "wrong" }, { appKey: "" }, { apiKey: "wrong" }]) {
      expect(await failure(dashboards(keys).createDashboard({ body }))).toMatchObject({ code: 403 });
      expect(await failure(dashboards(keys).listDashboards({}))).toMatchObject({ code: 403 });
    }
    expect(emu.dashboards.size).toBe(0);
  });
});

describe("monitors", () => {
  it("creates (metric alert comes back query alert), lists by tag and name, pages, updates options wholesale", async () => {
    const [rate, p95] = buildMonitors(assetOptions()).map(asMonitor);
    if (!rate || !p95) throw new Error("expected monitors");
    const created = await monitors().createMonitor({ body: { ...rate, type: "metric alert" } });
    expect(created).toMatchObject({ type: "query alert", multi: true, overallState: "No Data" });
    await monitors().createMonitor({ body: p95 });
    await monitors().createMonitor({ body: { ...p95, name: "unmanaged", tags: ["team:x"] } });

    const managed = await monitors().listMonitors({ monitorTags: "managed_by:segment-datadog-exporter" });
    expect(managed.map((m) => m.name)).toEqual([rate.name, p95.name]);
    expect(await monitors().listMonitors({ name: "UNMANAGED" })).toHaveLength(1);
    const paged = [];
    for await (const m of monitors().listMonitorsWithPagination({ pageSize: 2 })) paged.push(m.id);
    expect(paged).toHaveLength(3);
    expect(await failure(monitors().listMonitors({ groupStates: "nope" }))).toMatchObject({ code: 400 });

    // PUT replaces options: what was not sent is gone, defaults come back.
    const id = created.id ?? 0;
    const updated = await monitors().updateMonitor({
      monitorId: id,
      body: { query: rate.query.replace(/< [\d.]+$/, "< 0.95"), options: { thresholds: { critical: 0.95 } } },
    });
    expect(updated.options?.thresholds?.critical).toBe(0.95);
    expect(updated.options?.evaluationDelay).toBeUndefined();
    expect(updated.name).toBe(rate.name);
    expect(emu.monitors.size).toBe(3);
    expect(emu.assetWrites.at(-1)).toMatchObject({ method: "PUT", path: `/api/v1/monitor/${id}` });
  });

  it("answers 400 when the query's threshold differs from options.thresholds.critical", async () => {
    const [rate] = buildMonitors(assetOptions()).map(asMonitor);
    if (!rate) throw new Error("expected a monitor");
    const body = { ...rate, options: { ...rate.options, thresholds: { critical: 0.9 } } };
    const refused = await failure(monitors().createMonitor({ body }));
    expect(refused).toMatchObject({
      code: 400,
      body: { errors: ["Alert threshold (0.9) does not match that used in the query (0.999)."] },
    });
    expect(await failure(monitors().validateMonitor({ body }))).toMatchObject({ code: 400 });
    expect(await monitors().validateMonitor({ body: rate })).toEqual({});
    expect(emu.monitors.size).toBe(0);
  });

  it("404 for an unknown monitor; 403 without the application key", async () => {
    expect(await failure(monitors().getMonitor({ monitorId: 42 }))).toMatchObject({
      code: 404,
      body: { errors: ["Monitor not found"] },
    });
    expect(await failure(monitors({ appKey: "wrong" }).listMonitors({}))).toMatchObject({ code: 403 });
  });
});

describe("the pages the printed URLs point at", () => {
  it("serves a stored dashboard and monitor as HTML at their app URLs, escaped, and 404 once gone", async () => {
    const body = asDashboard(buildDashboard(assetOptions()));
    const created = await dashboards().createDashboard({ body: { ...body, description: "<script>x</script> & co" } });
    const page = await fetch(`${emu.url}${created.url}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await page.text();
    expect(html).toContain(`<h1>${body.title}</h1>`);
    expect(html).toContain("&#60;script&#62;x&#60;/script&#62; &#38; co");
    expect(html).not.toContain("<script>");
    // Every top-level widget is listed by its title.
    const titles = body.widgets.map((w) => (w.definition as { title?: string }).title).filter(Boolean);
    expect(titles.length).toBeGreaterThan(3);
    for (const title of titles) expect(html).toContain(String(title).replace(/&/g, "&#38;"));
    // The slug is decoration, as in Datadog: the id finds the dashboard.
    expect((await fetch(`${emu.url}/dashboard/${created.id}`)).status).toBe(200);

    const [definition] = buildMonitors(assetOptions());
    const monitor = await monitors().createMonitor({ body: asMonitor(definition) });
    const monitorPage = await fetch(`${emu.url}/monitors/${monitor.id}`);
    expect(monitorPage.status).toBe(200);
    expect(await monitorPage.text()).toContain(`<h1>${monitor.name}</h1>`);

    await dashboards().deleteDashboard({ dashboardId: created.id ?? "" });
    expect((await fetch(`${emu.url}${created.url}`)).status).toBe(404);
    expect((await fetch(`${emu.url}/monitors/999`)).status).toBe(404);
    // Pages are not API calls: the request log holds only the client's.
    expect(emu.requests.some((r) => r.path.startsWith("/dashboard/") || r.path.startsWith("/monitors/"))).toBe(false);
  });
});
