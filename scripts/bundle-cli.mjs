// Build step: bundles the compiled CLI (dist/cli/main.js and everything it reaches in dist/) into
// dist/bundle/, which the launcher runs. Resolving, reading and linking ~30 small ES modules and
// commander's 8 files was most of the cold start of a usage error (bench/README.md).
// - esbuild follows the import graph from dist/cli/main.js: no list of our files here.
// - Commands stay lazy: with `splitting`, every dynamic import() is a chunk of its own, loaded when
//   the code that imports it runs (`--help` loads no command; a usage error one command and the
//   settings). Modules shared by several chunks go to shared chunks, so each module exists once
//   (its classes and state are the same for every importer).
// - npm packages stay external (installed with the package, resolved from node_modules at run
//   time) except those every start loads (COLD_PATH_PACKAGES): bundled, their files cost nothing
//   to resolve. pino (worker-thread transports load files by path), zod and yaml (config/file.ts
//   requires them at run time: a bundled copy would be a second zod) must stay external.
// - A module with a prebuilt `<name>.bundle.js` beside it (the Datadog client,
//   scripts/bundle-datadog-client.mjs) is imported from that bundle, not bundled again: the
//   client's package is a build dependency only.
// - dist/bundle/ is as deep as dist/cli/, so a path read relative to a module at run time
//   (createRequire(import.meta.url)("../../package.json") in main.ts) resolves as before.
// - Not minified, with source maps back to src/*.ts through tsc's maps: stack traces in debug logs
//   keep their names, and `node --enable-source-maps` shows TypeScript lines.
import { existsSync, rmSync } from "node:fs";
import { relative, resolve } from "node:path";
import { build } from "esbuild";
import { bundledPackages, writeNotices } from "./notices.mjs";

const ENTRY = "dist/cli/main.js";
const OUTDIR = "dist/bundle";
/** Packages loaded by `--help` or a usage error: bundled (a start pays for files, not bytes). */
const COLD_PATH_PACKAGES = new Set(["commander", "p-throttle"]);

const packageOf = (specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

const plugin = {
  name: "cli-bundle",
  setup(b) {
    // Bare specifiers (npm packages; node: built-ins are external on platform node anyway).
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      COLD_PATH_PACKAGES.has(packageOf(args.path)) ? undefined : { path: args.path, external: true },
    );
    // Our own modules with a prebuilt bundle beside them: import the bundle.
    b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      const prebuilt = resolve(args.resolveDir, args.path.replace(/\.js$/, ".bundle.js"));
      if (!existsSync(prebuilt)) return undefined;
      const path = relative(resolve(OUTDIR), prebuilt).split("\\").join("/");
      return { path: path.startsWith(".") ? path : `./${path}`, external: true };
    });
  },
};

// Chunk names carry a content hash: clear the last build's, or stale ones would ship.
rmSync(OUTDIR, { recursive: true, force: true });
const result = await build({
  entryPoints: [ENTRY],
  outdir: OUTDIR,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  plugins: [plugin],
  // Bundled CommonJS (commander) calls require() for Node built-ins: give each ES chunk a require.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  sourcemap: "linked",
  chunkNames: "[name]-[hash]",
  metafile: true,
  logLevel: "warning",
});

writeNotices(
  `${OUTDIR}/LICENSES.txt`,
  "Third-party code bundled in the files of this folder:",
  bundledPackages([result.metafile]),
);
