// Build step: bundles the deep imports of the Datadog client we use into two files, so the CLI loads
// them in a fraction of the time the package takes: client-core.bundle.js (configuration, transport,
// auth: all that submitting needs, see src/datadog/client-core.ts) and client.bundle.js (the v1
// dashboards and monitors APIs with their models, see src/datadog/client.ts). The bundles are all
// the runtime needs, so the package itself is only a build dependency; the license texts of every
// bundled package ship beside them.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

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
const packages = new Set();
for (const input of results.flatMap((r) => Object.keys(r.metafile.inputs))) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packages.add(match[1]);
}
const notices = [...packages].sort().map((name) => {
  const dir = join("node_modules", name);
  const { version, license } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^(licen[sc]e|copying)/i.test(f));
  const text = file ? readFileSync(join(dir, file), "utf8").trim() : `License: ${license}`;
  return `${name}@${version} (${license})\n\n${text}\n`;
});
writeFileSync(
  "dist/datadog/client.bundle.LICENSES.txt",
  `Third-party code bundled in client-core.bundle.js and client.bundle.js:\n\n${notices.join(`\n${"=".repeat(78)}\n\n`)}`,
);
