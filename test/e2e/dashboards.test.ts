// Issue #16: `dashboard` and `monitors` through the built CLI against the Datadog emulator on
// 127.0.0.1 (real HTTP, the official client), and the definitions against exported data.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { metricsOfQuery } from "../../src/dashboards/series.js";
import { dashboardProblems, dashboardQueries } from "../../src/dashboards/validate.js";
import { type Emulators, startEmulators } from "../../src/emulator/index.js";
import { FAILED_SERIES_SUFFIX } from "../../src/mapping/failures.js";
import { runExport } from "../../src/run/export.js";
import { linksIn, mappedMetrics, PREFIX } from "../helpers/assets.js";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { deps, exportConfig } from "../helpers/export.js";

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(async () => {
  await emulators.close();
});
beforeEach(() => emulators.datadog.reset());

/** Only what `dashboard` and `monitors` need: no Segment settings at all. */
const env = (extra: Record<string, string | undefined> = {}) =>
  cleanEnv({
    DD_API_URL: emulators.datadog.url,
    DD_API_KEY: emulators.datadog.apiKey,
    DD_APP_KEY: emulators.datadog.appKey,
    ...extra,
  });

const writes = (method: string, path: string) =>
  emulators.datadog.assetWrites.filter((w) => w.method === method && w.path.startsWith(path)).length;

type Summary = { action: string; id: string | number; name: string; url: string };

describe("dashboard", () => {
  it("creates one dashboard, finds it again (unchanged), then updates it in place", async () => {
    const first = await runCli(["dashboard", "--json"], env());
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const created = (JSON.parse(first.stdout) as { dashboard: Summary }).dashboard;
    expect(created).toMatchObject({ action: "created", name: "Segment Event Delivery" });
    expect(created.url).toBe(`${emulators.datadog.url}/dashboard/${created.id}/segment-event-delivery`);
    // The printed URL opens: the emulator serves the page a sandbox user would click.
    const page = await fetch(created.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<h1>Segment Event Delivery</h1>");

    const second = await runCli(["dashboard", "--json"], env());
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ dashboard: { ...created, action: "unchanged" } });

    // A changed setting (the success-rate threshold colours the key metric) updates the same one.
    const third = await runCli(["dashboard", "--json", "--min-success-rate", "99.5%"], env());
    expect(third.code).toBe(0);
    expect((JSON.parse(third.stdout) as { dashboard: Summary }).dashboard).toMatchObject({
      action: "updated",
      id: created.id,
    });
    expect(writes("POST", "/api/v1/dashboard")).toBe(1);
    expect(writes("PUT", `/api/v1/dashboard/${created.id}`)).toBe(1);
    expect(emulators.datadog.dashboards.size).toBe(1);
    expect(JSON.stringify([...emulators.datadog.dashboards.values()])).toContain('"value":99.5');
  });

  it("restores a dashboard someone edited by hand, and leaves an unmanaged one with the same title alone", async () => {
    const first = await runCli(["dashboard", "--json", "--metric-prefix", PREFIX], env());
    const { id } = (JSON.parse(first.stdout) as { dashboard: Summary }).dashboard;
    expect(emulators.datadog.dashboards.get(String(id))?.title).toBe(`Segment Event Delivery (${PREFIX})`);
    // Same title, no marker: not ours.
    await fetch(`${emulators.datadog.url}/api/v1/dashboard`, {
      method: "POST",
      headers: { "DD-API-KEY": emulators.datadog.apiKey, "DD-APPLICATION-KEY": emulators.datadog.appKey },
      body: JSON.stringify({ title: `Segment Event Delivery (${PREFIX})`, layout_type: "ordered", widgets: [] }),
    });
    const widgets = emulators.datadog.dashboards.get(String(id))?.widgets;
    if (!Array.isArray(widgets)) throw new Error("expected the stored dashboard's widgets");
    widgets.pop();
    const again = await runCli(["dashboard", "--json", "--metric-prefix", PREFIX], env());
    expect((JSON.parse(again.stdout) as { dashboard: Summary }).dashboard).toMatchObject({ action: "updated", id });
    expect(emulators.datadog.dashboards.size).toBe(2);
  });
});

describe("monitors", () => {
  it("creates each monitor once, finds them again, and a changed threshold updates that monitor in place", async () => {
    const args = ["monitors", "--json", "--notify", "@slack-segment"];
    const first = await runCli(args, env());
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const created = (JSON.parse(first.stdout) as { monitors: Summary[] }).monitors;
    expect(created.map((m) => m.action)).toEqual(Array(5).fill("created"));
    expect(created[0]?.url).toBe(`${emulators.datadog.url}/monitors/${created[0]?.id}`);
    for (const m of created) expect((await fetch(m.url)).status).toBe(200);

    const second = await runCli(args, env());
    const again = (JSON.parse(second.stdout) as { monitors: Summary[] }).monitors;
    expect(again).toEqual(created.map((m) => ({ ...m, action: "unchanged" })));

    const third = await runCli([...args, "--max-p95", "30s"], env());
    expect(third.code).toBe(0);
    const changed = (JSON.parse(third.stdout) as { monitors: Summary[] }).monitors;
    expect(changed.map((m) => m.action)).toEqual(["unchanged", "updated", "unchanged", "unchanged", "unchanged"]);
    expect(changed.map((m) => m.id)).toEqual(created.map((m) => m.id));
    expect(writes("POST", "/api/v1/monitor")).toBe(5);
    expect(emulators.datadog.monitors.size).toBe(5);

    // The update carried the whole options object: PUT replaces it (reference §5.6).
    const put = emulators.datadog.assetWrites.find((w) => w.method === "PUT");
    expect(put?.body).toMatchObject({
      query: expect.stringMatching(/, 30000\) >= 3$/),
      options: { thresholds: { critical: 3 }, evaluation_delay: 420, require_full_window: false },
    });
    const p95 = emulators.datadog.monitors.get(Number(created[1]?.id));
    expect(p95).toMatchObject({ options: { thresholds: { critical: 3 }, evaluation_delay: 420 } });
    expect(String(p95?.message)).toMatch(/@slack-segment$/);
    expect(p95?.tags).toContain("managed_by:segment-datadog-exporter");
  });
});

describe("links in the monitors' messages", () => {
  const messages = () => [...emulators.datadog.monitors.values()].map((m) => String(m.message));

  it("before the dashboard exists: Datadog's dashboard search on the right site; after: the dashboard itself", async () => {
    const search = `${emulators.datadog.url}/dashboard/lists?q=Segment%20Event%20Delivery`;
    expect((await runCli(["monitors"], env())).code).toBe(0);
    expect(messages()).toHaveLength(5);
    for (const message of messages()) expect(linksIn(message)).toEqual([search]);

    const board = await runCli(["dashboard", "--json"], env());
    const { url } = (JSON.parse(board.stdout) as { dashboard: Summary }).dashboard;
    expect(url).toMatch(/\/dashboard\/[a-z0-9]{3}-[a-z0-9]{3}-[a-z0-9]{3}\/segment-event-delivery$/);
    const again = await runCli(["monitors", "--json"], env());
    const actions = (JSON.parse(again.stdout) as { monitors: Summary[] }).monitors.map((m) => m.action);
    expect(actions).toEqual(Array(5).fill("updated"));
    for (const message of messages()) expect(linksIn(message)).toEqual([url]);
    // The dashboard's own note links nowhere.
    const stored = JSON.stringify([...emulators.datadog.dashboards.values()][0]?.widgets);
    expect(linksIn(stored)).toEqual([]);
  });
});

describe("--historical and --min-deliveries", () => {
  it("a schedule past Datadog's 1h window asks for --historical, and both commands take it", async () => {
    for (const command of ["dashboard", "monitors"]) {
      const refused = await runCli([command, "--dry-run", "--bucket", "1h"], cleanEnv());
      expect(refused.code).toBe(2);
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
      expect(refused.stderr).toMatch(/pass --historical\n$/);
      const ok = await runCli([command, "--dry-run", "--bucket", "1h", "--historical"], cleanEnv());
      expect([ok.code, ok.stderr]).toEqual([0, ""]);
      expect(JSON.parse(ok.stdout)).toBeTruthy();
    }
  });

  it("--min-deliveries sets the success-rate monitor's minimum; --help documents both flags", async () => {
    const result = await runCli(["monitors", "--dry-run", "--min-deliveries", "50"], cleanEnv());
    expect(result.code).toBe(0);
    const [rate] = JSON.parse(result.stdout) as Array<{ query: string }>;
    expect(rate?.query).toMatch(/\* is_greater\(.+, 49\) < 0\.99$/);
    const bad = await runCli(["monitors", "--dry-run", "--min-deliveries", "many"], cleanEnv());
    expect([bad.code, bad.stdout]).toEqual([2, ""]);
    expect(bad.stderr).toBe(
      "segment-datadog-exporter: --min-deliveries: 'many' is not a count; write a whole number, e.g. 1\n",
    );
    const help = await runCli(["monitors", "--help"], cleanEnv());
    expect(help.stdout).toMatch(/--min-deliveries <n>/);
    expect(help.stdout).toMatch(/--historical/);
    expect((await runCli(["dashboard", "--help"], cleanEnv())).stdout).toMatch(/--historical/);
  });
});

describe("definitions against the exporter's series", () => {
  async function definitions(prefix: string) {
    const flags = ["--metric-prefix", prefix, "--events-group-by", "event_name,event_type"];
    const dashboard = await runCli(["dashboard", "--dry-run", ...flags], cleanEnv());
    const monitors = await runCli(["monitors", "--dry-run", ...flags], cleanEnv());
    expect([dashboard.code, monitors.code, dashboard.stderr, monitors.stderr]).toEqual([0, 0, "", ""]);
    const board = JSON.parse(dashboard.stdout) as Record<string, unknown>;
    const list = JSON.parse(monitors.stdout) as Array<{ query: string }>;
    expect(dashboardProblems(board)).toEqual([]);
    return [...dashboardQueries(board), ...list.map((m) => m.query)];
  }

  it("--dry-run needs no key, sends nothing, and every query names a series the mapping emits (non-default prefix)", async () => {
    const queries = await definitions(PREFIX);
    expect(emulators.datadog.requests).toEqual([]);
    const emitted = await mappedMetrics(PREFIX);
    const used = queries.flatMap(metricsOfQuery);
    expect(used.length).toBeGreaterThan(30);
    for (const metric of used) expect(emitted, metric).toContain(metric);
  });

  it("after an export, every queried series has stored points", async () => {
    const prefix = "demo_x";
    const config = exportConfig(emulators, {
      prefix,
      usage: true,
      pipeline: true,
      eventsGroupBy: ["eventName", "eventType"],
    });
    await runExport(
      config,
      deps(() => Date.now()),
    );
    const stored = new Set(emulators.datadog.store.all().map((p) => p.metric));
    const missing = [...new Set((await definitions(prefix)).flatMap(metricsOfQuery))].filter((m) => !stored.has(m));
    expect(missing).toEqual([]);
    // Error details included: failures by reason are exported like every other series.
    expect(stored.has(`${prefix}.${FAILED_SERIES_SUFFIX}`)).toBe(true);
  });
});

describe("keys", () => {
  it("no application key: exit 2, one line, nothing sent", async () => {
    const result = await runCli(["monitors"], env({ DD_APP_KEY: undefined }));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/DD_APP_KEY is not set/);
    expect(emulators.datadog.requests).toEqual([]);
  });

  it("a rejected application key: exit 3, one line, the key never printed", async () => {
    const key = "wrong-app-key-4f1c9a";
    for (const command of ["dashboard", "monitors"]) {
      const result = await runCli([command], env({ DD_APP_KEY: key }));
      expect(result.code).toBe(3);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/rejected the keys \(HTTP 403\)/);
      expect(result.stdout + result.stderr).not.toContain(key);
    }
    expect(emulators.datadog.dashboards.size + emulators.datadog.monitors.size).toBe(0);
  });

  it("an app key from --datadog-app-key-file; plain http refused for a remote host", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sde-keys-"));
    const file = join(dir, "app-key");
    writeFileSync(file, `${emulators.datadog.appKey}\n`);
    const ok = await runCli(["dashboard", "--datadog-app-key-file", file], env({ DD_APP_KEY: undefined }));
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^created {3}Segment Event Delivery {2}http/);
    const remote = await runCli(["dashboard"], env({ DD_API_URL: "http://datadog.example.com" }));
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/plain http:\/\/ is refused/);
  });
});

describe("--out", () => {
  it("writes dashboard.json and one monitor template per file, and sends nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sde-out-"));
    for (const command of ["dashboard", "monitors"]) {
      const result = await runCli([command, "--out", dir], cleanEnv());
      expect(result.code).toBe(0);
      expect(result.stdout).toBe("");
    }
    const board = JSON.parse(readFileSync(join(dir, "dashboard.json"), "utf8")) as Record<string, unknown>;
    expect(dashboardProblems(board)).toEqual([]);
    const files = readdirSync(join(dir, "monitors"));
    expect(files).toHaveLength(5);
    for (const f of files) {
      const template = JSON.parse(readFileSync(join(dir, "monitors", f), "utf8"));
      expect(template).toMatchObject({ version: 2, title: expect.any(String), definition: { type: "query alert" } });
      expect(template.description.length).toBeGreaterThan(10);
    }
    expect(emulators.datadog.requests).toEqual([]);
  });

  it("twice gives identical bytes, even on a later day: the files carry no run-dependent field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sde-out-"));
    const snapshot = () =>
      new Map(
        ["dashboard.json", ...readdirSync(join(dir, "monitors")).map((f) => join("monitors", f))].map((f) => [
          f,
          readFileSync(join(dir, f), "utf8"),
        ]),
      );
    for (const command of ["dashboard", "monitors"])
      expect((await runCli([command, "--out", dir], cleanEnv())).code).toBe(0);
    // As if the first run had been on an earlier day (a run of today changes no date by itself).
    for (const f of readdirSync(join(dir, "monitors"))) {
      const path = join(dir, "monitors", f);
      writeFileSync(path, readFileSync(path, "utf8").replace(/"20\d\d-\d\d-\d\d"/g, '"2025-12-24"'));
    }
    const first = snapshot();
    expect([...first.values()].filter((c) => c.includes('"created_at": "2025-12-24"'))).toHaveLength(5);
    for (const command of ["dashboard", "monitors"])
      expect((await runCli([command, "--out", dir], cleanEnv())).code).toBe(0);
    expect(snapshot()).toEqual(first);
  });
});
