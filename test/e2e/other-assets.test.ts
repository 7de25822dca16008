// Issue #21.6 through the built CLI: `dashboard` and `monitors --sink newrelic|prometheus --out DIR`
// write the four files with no key and nothing sent, twice byte for byte; without --out they stop
// with exit 2 and one line. Settings come from the same flags as the Datadog assets.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, runCli } from "../helpers/cli.js";
import { checkRules, runsWith } from "../helpers/prometheus.js";

const dir = mkdtempSync(join(tmpdir(), "sde-other-assets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** No Datadog, Segment or any other key: these commands must not need one. */
const env = cleanEnv();
const read = (folder: string) =>
  Object.fromEntries(readdirSync(folder).map((name) => [name, readFileSync(join(folder, name), "utf8")]));

describe("dashboard and monitors --sink newrelic|prometheus --out DIR", () => {
  it("write the four files without a key, byte for byte the same the second time", async () => {
    const runs = async (out: string) => {
      for (const [command, sink] of [
        ["dashboard", "prometheus"],
        ["monitors", "prometheus"],
        ["dashboard", "newrelic"],
        ["monitors", "newrelic"],
      ] as const) {
        const notify = command === "monitors" ? ["--notify", "@oncall"] : [];
        const result = await runCli([command, "--sink", sink, "--out", out, "--max-p95", "45s", ...notify], env);
        expect([result.code, result.stdout], result.stderr).toEqual([0, ""]);
        expect(result.stderr).toMatch(/^wrote .*\.(json|yml)\n$/);
      }
      return read(out);
    };
    const first = await runs(join(dir, "first"));
    expect(Object.keys(first).sort()).toEqual([
      "grafana-dashboard.json",
      "newrelic-alerts.json",
      "newrelic-dashboard.json",
      "prometheus-rules.yml",
    ]);
    expect(await runs(join(dir, "first"))).toEqual(first); // written again in place
    expect(await runs(join(dir, "second"))).toEqual(first); // and afresh
    // The flags reach the files.
    expect(first["prometheus-rules.yml"]).toContain("_p95_seconds[5m] offset 1ms)) > 45)");
    expect(first["prometheus-rules.yml"]).toContain('notify: "@oncall"');
    expect(first["newrelic-alerts.json"]).toContain("max) > 45000 FACET");
    expect(JSON.parse(String(first["grafana-dashboard.json"]))).toMatchObject({ title: "Segment Event Delivery" });
  });

  it.runIf(runsWith("promtool"))("write rules that promtool accepts", async () => {
    const out = join(dir, "rules");
    const result = await runCli(["monitors", "--sink", "prometheus", "--out", out, "--metric-prefix", "acme.x"], env);
    expect(result.code).toBe(0);
    const check = await checkRules(join(out, "prometheus-rules.yml"));
    expect(check.output).toContain("SUCCESS: 5 rules found");
    expect(check.ok).toBe(true);
  });

  it("with --dry-run also print the document; without --out stop with exit 2 and one line", async () => {
    const out = join(dir, "dry");
    const dry = await runCli(["dashboard", "--sink", "newrelic", "--out", out, "--dry-run"], env);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual(JSON.parse(readFileSync(join(out, "newrelic-dashboard.json"), "utf8")));
    for (const args of [
      ["dashboard", "--sink", "prometheus"],
      ["monitors", "--sink", "newrelic", "--dry-run"],
      ["monitors", "--sink", "grafana", "--out", out],
    ]) {
      const result = await runCli(args, env);
      expect([result.code, result.stdout], args.join(" ")).toEqual([2, ""]);
      expect(result.stderr).toMatch(/^segment-datadog-exporter: --sink[^\n]*\n$/);
    }
  });
});
