// Build step: bundles the deep imports of the Datadog client we use into two files, so the CLI loads
// them in a fraction of the time the package takes: client-core.bundle.js (configuration, transport,
// auth: all that submitting needs, see src/datadog/client-core.ts) and client.bundle.js (the v1
// dashboards and monitors APIs with their models, see src/datadog/client.ts). The bundles are all
// the runtime needs, so the package itself is only a build dependency; the license texts of every
// bundled package ship beside them.
import { build } from "esbuild";
import { bundledPackages, writeNotices } from "./notices.mjs";

const bundle = (name) =>
  build({
    entryPoints: [`dist/datadog/${name}.js`],
    outfile: `dist/datadog/${name}.bundle.js`,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    metafile: true,
    legalComments: "none",
    // The CommonJS client calls require() for Node built-ins; give the ESM bundle a require.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: "warning",
  });

const results = await Promise.all([bundle("client-core"), bundle("client")]);
writeNotices(
  "dist/datadog/client.bundle.LICENSES.txt",
  "Third-party code bundled in client-core.bundle.js and client.bundle.js:",
  bundledPackages(results.map((r) => r.metafile)),
);
