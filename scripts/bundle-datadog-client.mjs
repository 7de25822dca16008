// Build step: bundles dist/datadog/client.js (the deep imports of the Datadog client we use) into one
// file, so the CLI loads it in a fraction of the time the package takes. See src/datadog/client.ts.
import { build } from "esbuild";

await build({
  entryPoints: ["dist/datadog/client.js"],
  outfile: "dist/datadog/client.bundle.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "external",
  // The CommonJS client calls require() for Node built-ins; give the ESM bundle a require.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
});
