// "unchanged" must mean unchanged: what Datadog adds (ids, option defaults) is not a difference,
// what we manage is.
import { describe, expect, it } from "vitest";
import { buildDashboard } from "../../src/dashboards/dashboard.js";
import { sameDashboard, sameMonitor } from "../../src/dashboards/diff.js";
import { buildMonitors } from "../../src/dashboards/monitors.js";
import { appOrigin } from "../../src/datadog/assets.js";
import { assetOptions } from "../helpers/assets.js";

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe("sameDashboard", () => {
  const desired = buildDashboard(assetOptions());
  it("ignores widget ids and fields Datadog adds", () => {
    const stored = clone(desired) as Record<string, unknown> & { widgets: Array<Record<string, unknown>> };
    stored.widgets.forEach((w, i) => {
      w.id = 1000 + i;
    });
    Object.assign(stored, {
      id: "abc-def-ghi",
      url: "/dashboard/abc-def-ghi/x",
      notify_list: null,
      author_handle: "a",
    });
    expect(sameDashboard(stored, desired)).toBe(true);
  });
  it("sees a changed widget, title or team tag", () => {
    expect(sameDashboard({ ...desired, widgets: (desired.widgets as unknown[]).slice(1) }, desired)).toBe(false);
    expect(sameDashboard({ ...desired, title: "x" }, desired)).toBe(false);
    expect(sameDashboard({ ...desired, tags: null }, desired)).toBe(false);
    const noTags = buildDashboard(assetOptions({ tags: [] }));
    expect(sameDashboard({ ...noTags, tags: null }, noTags)).toBe(true);
  });
});

describe("sameMonitor", () => {
  const [desired] = buildMonitors(assetOptions());
  if (!desired) throw new Error("expected a monitor");
  const stored = {
    ...clone(desired),
    id: 1,
    tags: [...(desired.tags as string[])].reverse(),
    options: { ...(desired.options as object), new_host_delay: 300, silenced: {} },
  };
  it("ignores Datadog's option defaults and tag order", () => {
    expect(sameMonitor(stored, desired)).toBe(true);
  });
  it("sees a changed threshold, message or option we set", () => {
    const [changed] = buildMonitors(assetOptions({ minSuccessRate: 0.95 }));
    expect(changed && sameMonitor(stored, changed)).toBe(false);
    expect(sameMonitor({ ...stored, message: "edited" }, desired)).toBe(false);
    expect(sameMonitor({ ...stored, options: { ...stored.options, evaluation_delay: 60 } }, desired)).toBe(false);
  });
});

describe("appOrigin", () => {
  it.each([
    ["datadoghq.com", undefined, "https://app.datadoghq.com"],
    ["datadoghq.eu", undefined, "https://app.datadoghq.eu"],
    ["us5.datadoghq.com", undefined, "https://us5.datadoghq.com"],
    ["datadoghq.com", "https://api.datadoghq.eu", "https://app.datadoghq.eu"],
    ["datadoghq.com", "http://127.0.0.1:8126", "http://127.0.0.1:8126"],
  ])("site %s, url %s → %s", (site, url, origin) => {
    expect(appOrigin(site, url)).toBe(origin);
  });
});
