// The package's version, for User-Agent headers. package.json is one level above src/ and dist/, and
// two above dist/bundle/ (scripts/bundle-cli.mjs), where this module runs once bundled.
import { createRequire } from "node:module";

function readVersion(): string {
  const require = createRequire(import.meta.url);
  for (const path of ["../package.json", "../../package.json"]) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === "segment-datadog-exporter" && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return "0.0.0";
}

export const VERSION: string = readVersion();
