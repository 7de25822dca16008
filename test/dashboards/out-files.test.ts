// --out files are kept in repositories: unchanged definitions must come out byte for byte as they
// were, whatever the day; the dates record the template's history, not the run.
import { describe, expect, it } from "vitest";
import { dashboardAsset, monitorAssets } from "../../src/dashboards/assets.js";
import { buildDashboard } from "../../src/dashboards/dashboard.js";
import { assetOptions } from "../helpers/assets.js";

const asFiles = (files: Array<{ path: string; content: string }>) =>
  new Map(files.map((f) => [f.path, f.content] as const));

describe("monitor templates (--out)", () => {
  it("are written back byte for byte on a later day when nothing changed", () => {
    const first = monitorAssets(assetOptions(), "2026-01-05");
    expect(first).toHaveLength(5);
    for (const f of first) expect(JSON.parse(f.content)).toMatchObject({ created_at: "2026-01-05" });
    const before = asFiles(first);
    const later = monitorAssets(assetOptions(), "2026-03-17", (path) => before.get(path));
    expect(later).toEqual(first);
    expect(later.map((f) => f.content).join("")).not.toContain("2026-03-17");
  });

  it("keep created_at and move last_updated_at only for the definitions that changed", () => {
    const before = asFiles(monitorAssets(assetOptions(), "2026-01-05"));
    const after = monitorAssets(assetOptions({ maxP95Ms: 45_000 }), "2026-03-17", (path) => before.get(path));
    const changed = after.filter((f) => f.content !== before.get(f.path));
    expect(changed.map((f) => f.path)).toEqual([
      "monitors/segment_delivery_p95_time_to_success_above_maximum_acme_segment_x.json",
    ]);
    expect(JSON.parse(changed[0]?.content ?? "{}")).toMatchObject({
      created_at: "2026-01-05",
      last_updated_at: "2026-03-17",
      definition: { options: { thresholds: { critical: 3 } } },
    });
    expect(changed[0]?.content).toContain("45000");
  });

  it("start afresh from a file that is damaged or not a template", () => {
    for (const junk of ["{not json", '{"title":"hand-written"}', ""]) {
      const files = monitorAssets(assetOptions(), "2026-03-17", () => junk);
      for (const f of files)
        expect(JSON.parse(f.content)).toMatchObject({ created_at: "2026-03-17", last_updated_at: "2026-03-17" });
    }
  });
});

it("dashboard.json depends on the options alone", () => {
  const a = dashboardAsset(buildDashboard(assetOptions()));
  const b = dashboardAsset(buildDashboard(assetOptions()));
  expect(a).toEqual(b);
  expect(a.content).not.toMatch(/20\d\d-\d\d-\d\d|created_at|modified_at/);
});
