// Issue #21.6: the assets for the other tools. Structure of the four files (Grafana dashboard,
// Prometheus rules, New Relic dashboard and alert conditions), their sections and variables against
// the Datadog dashboard's, and every query against the series the mapping code emits when run.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { OTHER_ASSET_FILES, otherDashboardAsset, otherMonitorsAsset } from "../../src/dashboards/assets.js";
import { DESCRIPTION_MARKER, dashboardTitle, SECTIONS } from "../../src/dashboards/common.js";
import { buildDashboard, TEMPLATE_VARIABLES } from "../../src/dashboards/dashboard.js";
import { buildGrafanaDashboard, grafanaTargets } from "../../src/dashboards/grafana.js";
import { monitorSpecs } from "../../src/dashboards/monitors.js";
import { buildNewRelicAlerts } from "../../src/dashboards/newrelic-alerts.js";
import {
  buildNewRelicDashboard,
  newRelicPolicyName,
  newRelicQueries,
} from "../../src/dashboards/newrelic-dashboard.js";
import { buildPrometheusRules, prometheusRulesYaml } from "../../src/dashboards/prometheus-rules.js";
import { remoteWriteName } from "../../src/dashboards/refs.js";
import { assetOptions, linksIn, mappedPoints, PREFIX } from "../helpers/assets.js";
import { checkRules, runsWith } from "../helpers/prometheus.js";

const MIN = 60_000;
/** Grafana's variable syntax for the data source picked on import (a plain string, not a template literal). */
const DATASOURCE_UID = ["$", "{datasource}"].join("");
/** The defaults of a once-sink: 5m buckets, re-read ages 15m,40m: each bucket is sent 40 minutes after it ends. */
const options = (over: Parameters<typeof assetOptions>[0] = {}) => assetOptions({ sendAgeMs: 40 * MIN, ...over });

// What the mapping really emits, run on minimal input: names, units and kinds as sent.
const points = await mappedPoints(PREFIX);
const datadogKinds = new Map(points.map((p) => [p.metric, p.kind] as const));
const remoteKinds = new Map(points.map((p) => [remoteWriteName(p.metric, p.unit), p.kind] as const));
const latency = new Set(points.filter((p) => p.unit === "milliseconds").map((p) => p.metric));

/** Metric names in PromQL: a name followed by a selector or a range, and the names of a `__name__=~` regex. */
function promMetrics(expr: string): string[] {
  const plain = [...expr.matchAll(/(?<![\w"$])([a-zA-Z_:][\w:]*)(?=\{|\[)/g)].map((m) => m[1] as string);
  const regex = [...expr.matchAll(/__name__=~"([^"]+)"/g)].flatMap((m) => (m[1] as string).split("|"));
  return [...plain.filter((n) => !n.endsWith("_over_time")), ...regex];
}

/** `outer by (…) (inner_over_time(name…` triples: how each series is aggregated over time and across series. */
function promAggregations(expr: string): Array<{ outer: string; inner: string; name: string }> {
  return [...expr.matchAll(/(sum|max|avg|min|count)(?: by \([^)]*\) )?\((\w+)_over_time\(([a-zA-Z_:][\w:]*)/g)].map(
    (m) => ({ outer: m[1] as string, inner: m[2] as string, name: m[3] as string }),
  );
}

/** Every series a PromQL expression reads is one the mapping emits; counts are summed, gauges never. */
function expectPromOverEmitted(exprs: string[]): void {
  const used = exprs.flatMap(promMetrics);
  expect(used.length).toBeGreaterThan(exprs.length - 1);
  for (const name of used) expect([...remoteKinds.keys()], name).toContain(name);
  const aggregations = exprs.flatMap(promAggregations);
  expect(aggregations.some((a) => remoteKinds.get(a.name) === "gauge")).toBe(true);
  expect(aggregations.some((a) => remoteKinds.get(a.name) === "count")).toBe(true);
  for (const a of aggregations) {
    if (remoteKinds.get(a.name) === "count") expect([a.outer, a.inner], a.name).toEqual(["sum", "sum"]);
    else if (a.inner !== "count") {
      expect(a.outer, a.name).not.toBe("sum");
      expect(a.inner, a.name).not.toBe("sum");
    }
  }
}

/** NRQL: `fn(\`name\`)` pairs of Metric queries. */
function nrqlAggregations(query: string): Array<{ fn: string; name: string }> {
  return [...query.matchAll(/(\w+)\(`([^`]+)`\)/g)].map((m) => ({ fn: m[1] as string, name: m[2] as string }));
}

function expectNrqlOverEmitted(queries: string[]): void {
  const metric = queries.filter((q) => q.startsWith("FROM Metric "));
  const aggregations = metric.flatMap(nrqlAggregations);
  expect(aggregations.length).toBeGreaterThan(metric.length - 1);
  for (const { fn, name } of aggregations) {
    expect([...datadogKinds.keys()], name).toContain(name);
    if (datadogKinds.get(name) === "count") expect(fn, name).toBe("sum");
    else expect(fn, name).not.toBe("sum");
  }
  // Gauges compared by their value name only series that are emitted too.
  for (const m of metric.flatMap((q) => [...q.matchAll(/getField\(`([^`]+)`/g)]))
    expect([...datadogKinds.keys()]).toContain(m[1]);
}

const overlaps = (a: { x: number; y: number; w: number; h: number }, b: typeof a) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function expectNoOverlap(boxes: Array<{ x: number; y: number; w: number; h: number }>, width: number): void {
  for (const [i, a] of boxes.entries()) {
    expect(a.x).toBeGreaterThanOrEqual(0);
    expect(a.x + a.w).toBeLessThanOrEqual(width);
    for (const b of boxes.slice(i + 1)) expect(overlaps(a, b), JSON.stringify([a, b])).toBe(false);
  }
}

const datadogSections = () =>
  (buildDashboard(options()).widgets as Array<{ definition: { type: string; title?: string } }>)
    .filter((w) => w.definition.type === "group")
    .map((w) => w.definition.title);

describe("Grafana dashboard (--sink prometheus)", () => {
  const dashboard = buildGrafanaDashboard(options());
  const panels = dashboard.panels ?? [];
  const targets = grafanaTargets(dashboard);

  it("imports anywhere: no id, a stable uid, the data source as a variable, the Datadog dashboard's variables", () => {
    expect(dashboard).toMatchObject({ id: null, title: dashboardTitle(PREFIX), schemaVersion: 39 });
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{8,40}$/);
    expect(dashboard.description).toContain(DESCRIPTION_MARKER);
    const variables = dashboard.templating?.list ?? [];
    expect(variables.map((v) => v.name)).toEqual(["datasource", ...TEMPLATE_VARIABLES]);
    expect(variables[0]).toMatchObject({ type: "datasource", query: "prometheus" });
    for (const v of variables.slice(1)) {
      expect(v).toMatchObject({ type: "query", includeAll: true, multi: true, allValue: ".*" });
      expect(v.datasource).toEqual({ type: "prometheus", uid: DATASOURCE_UID });
      expect(String(v.query)).toMatch(new RegExp(`^label_values\\(\\{.*\\}, ${v.name}\\)$`));
    }
    // Every query panel and target reads the chosen data source, and no other uid is named.
    const withQueries = panels.filter((p) => "targets" in p && p.targets);
    expect(withQueries.length).toBeGreaterThan(20);
    for (const p of withQueries) expect(p.datasource).toEqual({ type: "prometheus", uid: DATASOURCE_UID });
    const uids = [...JSON.stringify(dashboard).matchAll(/"uid":"([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(uids)).toEqual(new Set([dashboard.uid, DATASOURCE_UID]));
  });

  it("has the Datadog dashboard's sections as rows, in its order, on a grid with no overlaps", () => {
    const rows = panels.filter((p) => p.type === "row").map((p) => p.title);
    expect(rows).toEqual(Object.values(SECTIONS));
    expect(datadogSections()).toEqual(Object.values(SECTIONS));
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    expectNoOverlap(
      panels.map((p) => {
        const g = p.gridPos ?? { x: -1, y: -1, w: 0, h: 0 };
        return { x: g.x, y: g.y, w: g.w, h: g.h };
      }),
      24,
    );
    // Rows come in the order they are drawn.
    const ys = panels.filter((p) => p.type === "row").map((p) => p.gridPos?.y ?? -1);
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
  });

  it("queries only series the mapping emits, under their remote-write names; counts summed, latency never", () => {
    expectPromOverEmitted([
      ...targets.map((t) => t.expr),
      ...(dashboard.templating?.list ?? []).map((v) => String(v.query)),
    ]);
    const all = targets.map((t) => t.expr).join("\n");
    for (const metric of latency) expect(all).not.toContain(`sum_over_time(${remoteWriteName(metric, "milliseconds")}`);
    expect(all).toContain(`${PREFIX.replaceAll(".", "_")}_delivery_time_to_success_p95_seconds{`);
    // Each template variable filters the panels whose series carry its tag.
    for (const name of TEMPLATE_VARIABLES) expect(all).toContain(`${name}=~"$${name}"`);
  });

  it("one point per bucket on charts, totals over the time frame in numbers, usage per day over 30 days", () => {
    const charts = panels.flatMap((p) => (p.type === "timeseries" && !("collapsed" in p) ? [p] : []));
    expect(charts.length).toBeGreaterThan(10);
    for (const p of charts) {
      const usage = /^(MTU by type|API calls)$/.test(String(p.title));
      expect(p.interval, String(p.title)).toBe(usage ? "1d" : "5m");
      expect(p.timeFrom, String(p.title)).toBe(usage ? "30d" : undefined);
    }
    for (const t of targets) expect(t.expr.includes("[$__range] offset 1ms)"), t.panel).toBe(t.instant);
    expect(targets.filter((t) => !t.instant).every((t) => t.expr.includes("[$__interval] offset 1ms)"))).toBe(true);
  });

  it("colours the key numbers with the monitors' thresholds (p95 in seconds, as remote write carries it)", () => {
    const steps = (title: string) => {
      const panel = panels.find((p) => p.title === title);
      return panel && "fieldConfig" in panel ? panel.fieldConfig?.defaults.thresholds?.steps : undefined;
    };
    expect(steps("Success rate")).toEqual([
      { color: "red", value: null },
      { color: "green", value: 99.9 },
    ]);
    expect(steps("p95 time to success (worst connection)")).toEqual([
      { color: "green", value: null },
      { color: "red", value: 30 },
    ]);
    expect(steps("Not delivered (discarded + expired)")).toEqual([
      { color: "green", value: null },
      { color: "red", value: 1 },
    ]);
  });
});

describe("New Relic dashboard (--sink newrelic)", () => {
  const dashboard = buildNewRelicDashboard(options());
  const widgets = dashboard.pages.flatMap((p) => p.widgets);
  const queries = newRelicQueries(dashboard).map((q) => q.query);

  it("is an import document: pages of widgets on the 12-column grid, the Datadog dashboard's variables", () => {
    expect(dashboard).toMatchObject({ name: dashboardTitle(PREFIX), permissions: "PUBLIC_READ_WRITE" });
    expect(dashboard.description).toContain(DESCRIPTION_MARKER);
    expect(dashboard.pages).toHaveLength(1);
    expectNoOverlap(
      widgets.map((w) => ({ x: w.layout.column - 1, y: w.layout.row, w: w.layout.width, h: w.layout.height })),
      12,
    );
    expect(dashboard.variables.map((v) => v.name)).toEqual([...TEMPLATE_VARIABLES]);
    for (const v of dashboard.variables) expect(v).toMatchObject({ type: "NRQL", isMultiSelection: true });
    // Every variable a query uses is defined, and every one is used.
    const used = new Set(queries.flatMap((q) => [...q.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1])));
    expect(used).toEqual(new Set(TEMPLATE_VARIABLES));
    for (const w of widgets) {
      expect(w.visualization.id).toMatch(/^viz\.(markdown|billboard|line|stacked-bar|bar|table)$/);
      for (const q of w.rawConfiguration.nrqlQueries ?? []) expect(q.accountIds).toEqual([0]);
    }
  });

  it("names account 0 on one line per query, so one substitution puts the user's account everywhere", async () => {
    const { file } = await otherDashboardAsset("newrelic", options());
    const queries = newRelicQueries(dashboard).length;
    expect(file.content.match(/"accountIds": \[0\]/g)).toHaveLength(queries);
    const mine = JSON.parse(file.content.replaceAll('"accountIds": [0]', '"accountIds": [1234567]'));
    expect(JSON.stringify(mine)).not.toMatch(/"accountIds":\[0\]/);
    expect(mine.variables[0].nrqlQuery.accountIds).toEqual([1234567]);
  });

  it("has the Datadog dashboard's sections as headers, in its order", () => {
    const headers = widgets
      .filter(
        (w) => w.visualization.id === "viz.markdown" && w.rawConfiguration.text?.startsWith("## ") && w.title === "",
      )
      .map((w) => w.rawConfiguration.text?.slice(3));
    expect(headers).toEqual(Object.values(SECTIONS));
  });

  it("queries only series the mapping emits, by their Datadog names; counts summed, gauges never", () => {
    expectNrqlOverEmitted(queries);
    const other = queries.filter((q) => !q.startsWith("FROM Metric "));
    expect(other).toEqual([
      expect.stringMatching(/^FROM NrAiIncident .* WHERE policyName = 'Segment Event Delivery \(acme\.segment_x\)'/),
    ]);
    expect(buildNewRelicAlerts(options()).policy.name).toBe(newRelicPolicyName(PREFIX));
    const usage = widgets.filter((w) => /^(MTU by type|API calls)$/.test(w.title));
    expect(usage).toHaveLength(2);
    for (const w of usage) {
      expect(w.rawConfiguration.platformOptions).toEqual({ ignoreTimeRange: true });
      expect(w.rawConfiguration.nrqlQueries?.[0]?.query).toMatch(/ SINCE 30 days ago TIMESERIES 1 day$/);
    }
  });
});

describe("Prometheus alerting rules (--sink prometheus)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sde-rules-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rulesOf = (over: Parameters<typeof options>[0] = {}) => buildPrometheusRules(options(over));
  const expr = (over: Parameters<typeof options>[0], index: number) =>
    rulesOf(over).groups[0]?.rules[index]?.expr ?? "";

  it.runIf(runsWith("promtool"))(
    "are accepted by promtool check rules, with and without the minimum of deliveries",
    async () => {
      for (const [name, over] of [
        ["default.yml", {}],
        ["one.yml", { minDeliveries: 1, bucketMs: MIN, notify: [], tags: [] }],
      ] as const) {
        const file = join(dir, name);
        writeFileSync(file, prometheusRulesYaml(rulesOf(over), PREFIX));
        const { ok, output } = await checkRules(file);
        expect(output).toContain("SUCCESS: 5 rules found");
        expect(ok).toBe(true);
      }
    },
  );

  it("are the five monitors, labelled for routing, and the YAML reads back as built", () => {
    const rules = rulesOf();
    expect(parse(prometheusRulesYaml(rules, PREFIX))).toEqual(rules);
    const group = rules.groups[0];
    expect(rules.groups).toHaveLength(1);
    expect(group?.rules.map((r) => r.annotations.summary)).toEqual(monitorSpecs(options()).map((s) => s.name));
    expect(new Set(group?.rules.map((r) => r.alert)).size).toBe(5);
    for (const rule of group?.rules ?? []) {
      expect(rule.labels).toMatchObject({
        managed_by: "segment-datadog-exporter",
        metric_prefix: PREFIX,
        notify: "@slack-segment-alerts @pagerduty-data",
        team: "growth",
        env: "prod",
      });
      expect(["critical", "warning"]).toContain(rule.labels.severity);
    }
    expectPromOverEmitted(group?.rules.map((r) => r.expr) ?? []);
  });

  it("take thresholds and windows from the flags, and look past the buckets not yet sent", () => {
    const [rate, p95, stopped, lag, missed] = [0, 1, 2, 3, 4].map((i) => expr({}, i));
    // 5m bucket + sent 40m after it ends: the newest complete bucket started 45 minutes ago.
    expect(rate).toContain("[1h] offset 44m59s999ms)");
    expect(rate).toMatch(/\) < 0\.999 and \(.*\) >= 20$/);
    expect(p95).toContain("_p95_seconds[5m] offset 1ms)) > 30)[30m:5m] offset 39m59s999ms) >= 3");
    expect(stopped).toMatch(/^absent_over_time\(acme_segment_x_exporter_heartbeat\{command="export"\}\[30m\]\)$/);
    expect(lag).toMatch(/\[15m\]\)\) > 8100$/);
    expect(missed).toMatch(/\[1h\]\)\) > 0$/);
    // Without --min-deliveries every connection is rated; 1m buckets need 15 slow of 30.
    expect(expr({ minDeliveries: 1 }, 0)).not.toContain(" and ");
    expect(expr({ bucketMs: MIN }, 1)).toMatch(/\[1m\] offset 1ms\)\) > 30\)\[30m:1m\] offset 39m59s999ms\) >= 15$/);
    // Datadog's schedule (sent at the first read): bucket + delay.
    expect(expr({ sendAgeMs: undefined }, 0)).toContain("[1h] offset 6m59s999ms)");
  });
});

describe("New Relic alert conditions (--sink newrelic)", () => {
  const alerts = buildNewRelicAlerts(options());
  const byName = new Map(alerts.conditions.map((c) => [c.name, c]));
  const specs = monitorSpecs(options());

  it("are the five monitors as static NRQL conditions in one policy", () => {
    expect(alerts.policy).toEqual({ name: dashboardTitle(PREFIX), incidentPreference: "PER_CONDITION_AND_TARGET" });
    expect(alerts.conditions.map((c) => c.name)).toEqual(specs.map((s) => s.name));
    expectNrqlOverEmitted(alerts.conditions.map((c) => c.nrql.query));
    for (const c of alerts.conditions) {
      expect(c.nrql.query).not.toMatch(/TIMESERIES|SINCE|LIMIT|\{\{/); // not allowed in a condition
      expect(c.terms).toHaveLength(1);
      expect(c.terms[0]?.thresholdDuration).toBe(c.signal.aggregationWindow);
      expect(c.description).toContain("Notify: @slack-segment-alerts @pagerduty-data.");
    }
  });

  it("take thresholds and windows from the flags", () => {
    const [rate, p95, stopped, lag, missed] = specs.map((s) => byName.get(s.name));
    expect(rate?.terms[0]).toMatchObject({ operator: "BELOW", threshold: 0.999, priority: "CRITICAL" });
    expect(rate?.signal.aggregationWindow).toBe(3600);
    expect(rate?.nrql.query).toContain(" * clamp_max(floor((");
    expect(rate?.nrql.query).toContain(") / 20), 1) FACET workspace, source_slug, destination_id, destination");
    expect(p95?.nrql.query).toContain(
      "WHERE getField(`acme.segment_x.delivery.time_to_success.p95`, max) > 30000 FACET",
    );
    expect(p95?.terms[0]).toMatchObject({ operator: "ABOVE_OR_EQUALS", threshold: 3 });
    expect(p95?.signal.aggregationWindow).toBe(1800);
    expect(stopped?.expiration).toEqual({
      expirationDuration: 1800,
      openViolationOnExpiration: true,
      closeViolationsOnExpiration: false,
    });
    expect(stopped?.nrql.query).toContain("WHERE command = 'export'");
    expect(lag?.terms[0]).toMatchObject({ operator: "ABOVE", threshold: 8100 });
    expect(missed?.terms[0]).toMatchObject({ operator: "ABOVE", threshold: 0 });
    const ungated = buildNewRelicAlerts(options({ minDeliveries: 1 })).conditions[0]?.nrql.query;
    expect(ungated).not.toContain("clamp_max");
  });
});

describe("the files", () => {
  it("depend on the options alone: the same options give the same bytes, with no date in them", async () => {
    for (const sink of ["prometheus", "newrelic"] as const) {
      for (const build of [otherDashboardAsset, otherMonitorsAsset]) {
        const a = await build(sink, options());
        const b = await build(sink, options());
        expect(a.file).toEqual(b.file);
        expect(a.file.content).not.toMatch(/20\d\d-\d\d-\d\d/);
        expect(Object.values(OTHER_ASSET_FILES[sink])).toContain(a.file.path);
        // No links: the project has no web home (README_SECTION names the guide instead).
        expect(linksIn(a.file.content), a.file.path).toEqual([]);
        // --dry-run prints the document the file holds.
        if (a.file.path.endsWith(".json")) expect(JSON.parse(a.file.content)).toEqual(a.document);
        else expect(parse(a.file.content)).toEqual(a.document);
      }
    }
  });
});
