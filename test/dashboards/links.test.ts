// Every link a user can click in a monitor notification or on the dashboard leads somewhere that
// exists: the managed dashboard (its URL once a run found it, else Datadog's dashboard search for its
// title). The README is named, not linked: the project has no public web home and is not on npm.
import { describe, expect, it } from "vitest";
import { dashboardSearchPath, README_SECTION } from "../../src/dashboards/common.js";
import { buildDashboard, type Json } from "../../src/dashboards/dashboard.js";
import { buildMonitors } from "../../src/dashboards/monitors.js";
import { assetOptions, linksIn, PREFIX } from "../helpers/assets.js";

/** The texts a dashboard shows as markdown or tooltips: its description, notes, widget descriptions. */
function dashboardTexts(dashboard: Json): string[] {
  const texts = [String(dashboard.description)];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) visit(v);
    else if (typeof value === "object" && value !== null) {
      const o = value as Json;
      if (typeof o.content === "string") texts.push(o.content);
      if (typeof o.description === "string") texts.push(o.description);
      for (const v of Object.values(o)) visit(v);
    }
  };
  visit(dashboard.widgets);
  return texts;
}

describe("links in monitor messages and dashboard notes", () => {
  it("finds the links it must judge (the scanner itself can fail)", () => {
    expect(linksIn("see [README](https://www.npmjs.com/package/x#a), www.example.com and [d](/dashboard/x)")).toEqual([
      "https://www.npmjs.com/package/x#a",
      "www.example.com",
      "/dashboard/x",
    ]);
  });

  it("offline (--dry-run, --out): every monitor links only to the dashboard search for its title", () => {
    const allowed = dashboardSearchPath(PREFIX);
    expect(allowed).toBe(`/dashboard/lists?q=Segment%20Event%20Delivery%20%28${PREFIX}%29`);
    expect(decodeURIComponent(allowed)).toBe(`/dashboard/lists?q=Segment Event Delivery (${PREFIX})`);
    const monitors = buildMonitors(assetOptions());
    expect(monitors).toHaveLength(5);
    for (const m of monitors) {
      const message = String(m.message);
      expect(linksIn(message), String(m.name)).toEqual([allowed]);
      expect(message).toContain(README_SECTION);
    }
  });

  it("against Datadog: the dashboard's own URL, and nothing else", () => {
    const dashboardUrl = "https://app.datadoghq.eu/dashboard/abc-def-ghi/segment-event-delivery-acmesegmentx";
    for (const m of buildMonitors(assetOptions({ dashboardUrl })))
      expect(linksIn(String(m.message)), String(m.name)).toEqual([dashboardUrl]);
  });

  it("the dashboard's texts link nowhere (it is the dashboard), and name the README section", () => {
    const texts = dashboardTexts(buildDashboard(assetOptions()));
    expect(texts.length).toBeGreaterThan(5);
    for (const text of texts) expect(linksIn(text), text).toEqual([]);
    expect(texts.some((t) => t.includes(README_SECTION))).toBe(true);
  });
});
