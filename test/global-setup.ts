// Vitest global setup: the end-to-end tests run bin/segment-datadog-exporter, which runs the compiled
// dist/. `npm ci` already built it (the `prepare` script), so building again in `pretest` cost every
// `npm ci && npm test` a second ~20 s build; building never would test stale code after an edit.
// So: build only when an input of the build is newer than its oldest output (or one is missing).
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** What `npm run build` reads: sources, the bundling script, compiler settings, dependencies. */
export const BUILD_INPUTS = [
  "src",
  "scripts",
  "tsconfig.json",
  "tsconfig.build.json",
  "package.json",
  "package-lock.json",
];

/**
 * Written by every build: tsc rewrites all of dist/ (main.js stands for it), then the bundling step
 * writes the bundles and, last, the license file; a build that stopped halfway leaves one of them old.
 */
export const BUILD_OUTPUTS = [
  "dist/cli/main.js",
  "dist/datadog/client-core.bundle.js",
  "dist/datadog/client.bundle.js",
  "dist/datadog/client.bundle.LICENSES.txt",
];

/** The newest modification time under `path` (a file or a folder, recursively); 0 when absent. */
function newestMtime(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file shows only as its folder's change
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why dist/ must be rebuilt before testing, or undefined when it is up to date. */
export function buildStaleness(root: string): string | undefined {
  let oldest = Number.POSITIVE_INFINITY;
  for (const output of BUILD_OUTPUTS) {
    const stat = statSync(join(root, output), { throwIfNoEntry: false });
    if (!stat) return `${output} is missing`;
    oldest = Math.min(oldest, stat.mtimeMs);
  }
  for (const input of BUILD_INPUTS)
    if (newestMtime(join(root, input)) > oldest) return `${input} changed after the last build`;
  return undefined;
}

export default function setup(): void {
  const why = buildStaleness(ROOT);
  if (why === undefined) return;
  process.stderr.write(`global setup: building dist/ (${why})\n`);
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
}
