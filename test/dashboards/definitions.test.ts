// The definitions themselves: the official client's serializer keeps every key, the dashboard passes
// the integration-dashboard rules, every query names a series the exporter really submits.
import { describe, expect, it } from "vitest";
import {
  buildDashboard,
  CONNECTION_GROUP,
  dashboardTags,
  type Json,
  USAGE_TIME,
} from "../../src/dashboards/dashboard.js";
import { buildMonitors } from "../../src/dashboards/monitors.js";
import { metricsOfQuery, seriesNames } from "../../src/dashboards/series.js";
import { dashboardProblems, dashboardQueries } from "../../src/dashboards/validate.js";
import { V1ObjectSerializer } from "../../src/datadog/client.js";
import { mappedMetrics, assetOptions as options, PREFIX, unknownKeys } from "../helpers/assets.js";

describe("dashboard and monitor definitions", () => {
  const dashboard = buildDashboard(options());
  const monitors = buildMonitors(options());

  it("query only series the exporter submits, under the configured (non-default) prefix", async () => {
    // The names the mapping functions emit when run, so a series renamed there is caught here.
    const submitted = await mappedMetrics(PREFIX);
    const queries = [...dashboardQueries(dashboard), ...monitors.map((m) => String(m.query))];
    const used = new Set(queries.flatMap(metricsOfQuery));
    expect(queries.length).toBeGreaterThan(25);
    for (const query of queries) expect(metricsOfQuery(query).length, query).toBeGreaterThan(0);
    for (const metric of used) expect(submitted, metric).toContain(metric);
    // The contract's headline series are all shown.
    const shown = [
      "delivery.successes",
      "delivery.successes.first_attempt",
      "delivery.successes.after_retry",
      "delivery.failed",
      "events.volume",
      "usage.mtu",
      "usage.api_calls",
      "exporter.lag",
    ];
    for (const suffix of shown) expect(used).toContain(`${PREFIX}.${suffix}`);
    expect(JSON.stringify(dashboard)).not.toContain("segment_exporter.");
  });

  it("survive the official client's v1 serializer without losing a key, every key one its models know", () => {
    const cases: Array<[unknown, string]> = [
      [dashboard, "Dashboard"],
      ...monitors.map((m): [unknown, string] => [m, "Monitor"]),
    ];
    for (const [value, type] of cases) {
      const model = V1ObjectSerializer.deserialize(value, type, "");
      // A key the models do not know would ride along in additionalProperties: a typo Datadog ignores.
      expect(unknownKeys(model)).toEqual([]);
      expect(V1ObjectSerializer.serialize(model, type, "")).toEqual(value);
    }
    // The check above can fail: a misspelt field is caught.
    const typo = { ...dashboard, widgets: [{ definition: { type: "note", content: "x", font_sise: "14" } }] };
    expect(unknownKeys(V1ObjectSerializer.deserialize(typo, "Dashboard", ""))).toEqual([
      "$.widgets[0].definition.font_sise",
    ]);
  });

  it("pass the integration-dashboard rules, and the rules catch what Datadog refuses", () => {
    expect(dashboardProblems(dashboard)).toEqual([]);
    expect(dashboard.template_variables).toEqual(
      ["workspace", "source_slug", "destination", "destination_type"].map((name) => ({
        name,
        prefix: name,
        defaults: ["*"],
      })),
    );
    const { description: _d, ...noDescription } = dashboard;
    expect(dashboardProblems(noDescription)).toContain("missing required field 'description'");
    expect(dashboardProblems({ ...dashboard, tags: ["env:prod"] })).toContain(
      "tags: Invalid tag format. Valid tag keys are: team.",
    );
    expect(dashboardProblems({ ...dashboard, widgets: [{ type: "note" }] })[0]).toMatch(/definition/);
  });

  it("put only team: tags on the dashboard, every --tag on the monitors", () => {
    expect(dashboard.tags).toEqual(["team:growth"]);
    expect(dashboardTags(["env:prod"])).toEqual([]);
    for (const m of monitors)
      expect(m.tags).toEqual([
        "managed_by:segment-datadog-exporter",
        `metric_prefix:${PREFIX}`,
        "team:growth",
        "env:prod",
      ]);
  });

  it("count with .as_count() as bars, and combine p95 with max, never sum", () => {
    const queries = [...dashboardQueries(dashboard), ...monitors.map((m) => String(m.query))];
    // Both rules below have queries to hold for: neither passes for want of a match.
    expect(queries.filter((q) => /\.p95\{/.test(q)).length).toBeGreaterThan(0);
    expect(
      queries.filter((q) => /\.(successes|discarded|expired|retried|failed|volume)\{/.test(q)).length,
    ).toBeGreaterThan(0);
    for (const q of queries) {
      if (/\.p95\{/.test(q)) expect(q).toMatch(/max:[\w.]+\.p95\{/);
      if (/\.(successes|discarded|expired|retried|failed|volume)\{/.test(q)) expect(q).toMatch(/\.as_count\(\)/);
    }
    const text = JSON.stringify(dashboard);
    expect(text).not.toMatch(/sum:[\w.]+\.p95/);
    expect(text).toContain('"display_type":"bars"');
  });

  it("name each monitor's threshold once: the query ends with options.thresholds.critical", () => {
    expect(monitors.map((m) => m.name)).toEqual([
      `Segment delivery: success rate below minimum (${PREFIX})`,
      `Segment delivery: p95 time to success above maximum (${PREFIX})`,
      `Segment exporter: stopped (no heartbeat) (${PREFIX})`,
      `Segment exporter: lagging (${PREFIX})`,
      `Segment exporter: buckets missed (data lost) (${PREFIX})`,
    ]);
    for (const m of monitors) {
      const critical = (m.options as { thresholds: { critical: number } }).thresholds.critical;
      expect(Number(/[<>]=?\s*(-?[\d.]+)$/.exec(String(m.query))?.[1])).toBe(critical);
      expect(String(m.message)).toContain("@slack-segment-alerts @pagerduty-data");
    }
    expect(monitors[0]?.query).toMatch(/ < 0\.999$/);
    expect(monitors[1]?.query).toMatch(/, 30000\) >= 3$/);
    // Delivery monitors wait for bucket + delay before reading a bucket.
    expect(monitors[0]?.options).toMatchObject({ evaluation_delay: 420, notify_no_data: false });
    expect(monitors[2]?.options).toMatchObject({ notify_no_data: true });
    // Multi-alert per connection, with the connection in the message.
    expect(monitors[0]?.query).toContain("by {workspace,source_slug,destination_id,destination}");
    expect(monitors[0]?.message).toContain("{{source_slug.name}} → {{destination.name}}");
  });

  it("keep connections apart: no chart adds up destinations that only share a name", () => {
    const grouped = dashboardQueries(dashboard).filter((q) => /\bby \{[^}]*\bdestination\b/.test(q));
    expect(grouped.length).toBeGreaterThanOrEqual(5);
    for (const q of grouped) expect(q, q).toMatch(/by \{[^}]*\bdestination_id\b/);
    expect(CONNECTION_GROUP.split(",")).toEqual(["source_slug", "destination", "destination_id"]);
    for (const m of monitors) if (/\bdestination\b/.test(String(m.query))) expect(m.query).toContain("destination_id");
  });

  it("filter every delivery widget by destination_type too; source-level series only by workspace and source", () => {
    const s = seriesNames(PREFIX);
    const delivery = [s.successes, s.discarded, s.expired, s.failed, s.timeToSuccessP95, s.successesAfterRetry];
    for (const q of dashboardQueries(dashboard)) {
      if (delivery.some((m) => q.includes(`${m}{`))) expect(q, q).toContain("$destination_type");
      if (q.includes(`${s.eventsVolume}{`) || q.includes(`${s.mtu}{`)) expect(q, q).not.toContain("$destination");
    }
  });

  it("show first-attempt and after-retry successes side by side", () => {
    const s = seriesNames(PREFIX);
    const widget = JSON.stringify(dashboard.widgets)
      .split('{"definition":')
      .find((w) => w.includes(s.successesFirstAttempt));
    expect(widget).toBeDefined();
    expect(widget).toContain(`${s.successesAfterRetry}{`);
    expect(widget).toContain('"display_type":"bars"');
  });

  it("show usage (one point a day) over the month, whatever the dashboard's time frame", () => {
    const s = seriesNames(PREFIX);
    const usageWidgets: Json[] = [];
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) for (const v of value) visit(v);
      else if (typeof value === "object" && value !== null) {
        const o = value as Json;
        const own = JSON.stringify(o.requests ?? "");
        if (o.type === "timeseries" && (own.includes(`${s.mtu}{`) || own.includes(`${s.apiCalls}{`)))
          usageWidgets.push(o);
        for (const v of Object.values(o)) visit(v);
      }
    };
    visit(dashboard.widgets);
    expect(usageWidgets).toHaveLength(2);
    // A live span of the widget-time enum (reference §4.8) that covers a month.
    expect(USAGE_TIME).toEqual({ live_span: "1mo" });
    for (const w of usageWidgets) {
      expect(w.time).toEqual({ live_span: "1mo" });
      // One value per UTC day: a day's rollup, so a month is 30 bars rather than scattered dots.
      for (const q of dashboardQueries({ widgets: [{ definition: w }] })) expect(q).toMatch(/\.rollup\(max, 86400\)$/);
    }
    // Nothing else is pinned: the rest follows the dashboard's time frame.
    expect(JSON.stringify(dashboard).match(/"time":/g)).toHaveLength(2);
  });

  it("print a percentage threshold without float noise", () => {
    const [rate] = buildMonitors(options({ minSuccessRate: 99.9 / 100 }));
    expect(rate?.query).toMatch(/ < 0\.999$/);
    expect(rate?.options).toMatchObject({ thresholds: { critical: 0.999 } });
  });
});
