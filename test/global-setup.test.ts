// The global setup rebuilds dist/ only when it is older than what it is built from.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BUILD_INPUTS, BUILD_OUTPUTS, buildStaleness } from "./global-setup.js";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A checkout in a temp folder: every input and output file, all stamped at `at` (seconds). */
function checkout(at: number): { root: string; touch(path: string, at: number): void } {
  const root = mkdtempSync(join(tmpdir(), "sde-build-"));
  roots.push(root);
  const touch = (path: string, when: number) => {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, "x");
    utimesSync(full, when, when);
    for (let dir = dirname(full); dir.length > root.length; dir = dirname(dir)) utimesSync(dir, at, at);
  };
  for (const input of BUILD_INPUTS) touch(input.includes(".") ? input : `${input}/cli/main.ts`, at);
  for (const output of BUILD_OUTPUTS) touch(output, at + 10);
  return { root, touch };
}

describe("build freshness (test/global-setup.ts)", () => {
  it("needs no build right after one (npm ci's prepare), and one after any input changes", () => {
    const { root, touch } = checkout(1_000_000);
    expect(buildStaleness(root)).toBeUndefined();
    touch("src/cli/main.ts", 1_000_020);
    expect(buildStaleness(root)).toBe("src changed after the last build");
  });

  it("builds when an output is missing or was left old by a build that stopped halfway", () => {
    const { root, touch } = checkout(1_000_000);
    touch("scripts/bundle-datadog-client.mjs", 1_000_020);
    // tsc rewrote main.js after the edit, but the bundle step never ran: still stale.
    touch("dist/cli/main.js", 1_000_030);
    expect(buildStaleness(root)).toBe("scripts changed after the last build");
    rmSync(join(root, "dist/datadog/client.bundle.js"));
    expect(buildStaleness(root)).toBe("dist/datadog/client.bundle.js is missing");
  });

  it("sees a deleted source file through its folder's time", () => {
    const { root } = checkout(1_000_000);
    writeFileSync(join(root, "src/cli/gone.ts"), "x");
    rmSync(join(root, "src/cli/gone.ts"));
    // The folder's time is now (after the outputs' 1 000 010 s): a build is due.
    expect(buildStaleness(root)).toBe("src changed after the last build");
  });
});
