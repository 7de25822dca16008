// Issue #7: `npm pack` gives a package whose install leaves a working command.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { cleanEnv } from "../helpers/cli.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));

describe("npm package", () => {
  it("packs, installs into a fresh prefix, and runs --help and demo", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sde-pack-"));
    // dist is fresh (npm ci's prepare, or test/global-setup.ts); --ignore-scripts keeps this test
    // from rebuilding it while other test files run the executable.
    await run("npm", ["pack", "--ignore-scripts", "--pack-destination", dir], { cwd: root });
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    expect(tarball).toMatch(/^segment-datadog-exporter-\d+\.\d+\.\d+\.tgz$/);
    const prefix = join(dir, "prefix");
    await run(
      "npm",
      ["install", "-g", "--prefix", prefix, join(dir, tarball ?? ""), "--no-audit", "--no-fund", "--prefer-offline"],
      { cwd: dir, timeout: 240_000 },
    );
    const bin = join(prefix, "bin", "segment-datadog-exporter");
    const env = cleanEnv();
    const help = await run(bin, ["--help"], { env });
    expect(help.stdout).toMatch(/Usage: segment-datadog-exporter \[options\] \[command\]/);
    for (const command of ["export", "backfill", "destinations", "check", "demo", "sandbox"]) {
      expect(help.stdout).toContain(command);
    }
    const demo = await run(bin, ["demo", "--json"], { env, timeout: 60_000 });
    const report = JSON.parse(demo.stdout) as { problems: string[]; checkedAgainstTruth: number };
    expect(report.problems).toEqual([]);
    expect(report.checkedAgainstTruth).toBeGreaterThan(500);
  }, 300_000);
});
