// Build step: bundles the compiled CLI (dist/cli/main.js and everything it reaches in dist/) into
// dist/bundle/, which the launcher runs. Resolving, reading and compiling ~30 small ES modules and
// commander's 8 files was most of the cold start of a usage error (bench/README.md).
// - esbuild follows the import graph from dist/cli/main.js: no list of our files here.
// - Commands stay lazy: with `splitting`, every dynamic import() is a chunk of its own, loaded when
//   the code that imports it runs (`--help` loads no command; a usage error one command and the
//   settings). Each module is in one chunk only, so its classes and state are the same everywhere.
// - Modules shared by several chunks would each be a chunk of their own: the light ones that
//   commands start with go to one shared chunk instead (scripts/shared-chunk.mjs says which and
//   why). A usage error then reads 6 files instead of 22.
// - npm packages stay external (installed with the package, resolved from node_modules at run
//   time) except BUNDLED_PACKAGES: those every start loads, and undici, which every run that calls
//   out loads before its first request. Bundled, their files cost nothing to resolve (undici's 110
//   files took ~110 ms, in a chunk ~60 ms: idle time before the first Segment call, bench/README.md).
//   pino (worker-thread transports load files by path), zod and yaml (config/file.ts
//   requires them at run time: a bundled copy would be a second zod) must stay external.
// - A module with a prebuilt `<name>.bundle.js` beside it (the Datadog client,
//   scripts/bundle-datadog-client.mjs) is imported from that bundle, not bundled again: the
//   client's package is a build dependency only.
// - dist/bundle/ is as deep as dist/cli/, so a path read relative to a module at run time
//   (createRequire(import.meta.url)("../../package.json") in main.ts) resolves as before. An
//   import() of a computed path is not followed and resolves against dist/bundle/ at run time:
//   datadog/load.ts's first try (`import(bundle)`) misses there and falls back to its literal
//   import, which this build points at the prebuilt bundle.
// - Not minified (minifying saved nothing measurable), with source maps back to src/*.ts through
//   tsc's maps: stack traces in debug logs keep their names, and `node --enable-source-maps` shows
//   TypeScript lines.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { relative, resolve } from "node:path";
import { build } from "esbuild";
import { bundledPackages, writeNotices } from "./notices.mjs";
import { entriesOf, sharedModules } from "./shared-chunk.mjs";

const ENTRY = "dist/cli/main.js";
const OUTDIR = "dist/bundle";
/**
 * Packages bundled rather than resolved from node_modules (a start pays for files more than bytes):
 * commander and p-throttle load for `--help` or a usage error; undici, p-limit and its yocto-queue for
 * every run that calls out.
 */
const BUNDLED_PACKAGES = new Set(["commander", "p-limit", "p-throttle", "undici", "yocto-queue"]);
/**
 * Built-ins a bundled package requires at load but this CLI never uses, by the packages (importer
 * paths) whose require is deferred to first use. commander spawns executable subcommands with
 * child_process (which loads net, dgram, …); ours all run in-process.
 */
const LAZY_BUILTINS = { "node:child_process": /[\\/]node_modules[\\/]commander[\\/]/ };
const SHARED = "cli-bundle:shared";

const packageOf = (specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

/** How imports resolve, in both passes. */
function resolveImports(b) {
  b.onResolve({ filter: /^node:/ }, (args) =>
    LAZY_BUILTINS[args.path]?.test(args.importer)
      ? { path: args.path, namespace: "lazy-builtin" }
      : { path: args.path, external: true },
  );
  b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
    // Read-only use (commander calls spawn on it): a proxy that loads the module on first access.
    contents: `let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require(${JSON.stringify(args.path)}))[k] });`,
    loader: "js",
  }));
  // npm packages.
  b.onResolve({ filter: /^[^./]/ }, (args) =>
    BUNDLED_PACKAGES.has(packageOf(args.path)) ? undefined : { path: args.path, external: true },
  );
  // Our own modules with a prebuilt bundle beside them: import the bundle.
  b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
    const prebuilt = resolve(args.resolveDir, args.path.replace(/\.js$/, ".bundle.js"));
    if (!existsSync(prebuilt)) return undefined;
    const path = relative(resolve(OUTDIR), prebuilt).split("\\").join("/");
    return { path: path.startsWith(".") ? path : `./${path}`, external: true };
  });
}

const options = {
  entryPoints: [ENTRY],
  outdir: OUTDIR,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Bundled CommonJS (commander) calls require() for Node built-ins: give each ES chunk a require.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  sourcemap: "linked",
  chunkNames: "[name]-[hash]",
  metafile: true,
  logLevel: "warning",
};

// Pass 1: the module graph, nothing written.
const graph = (await build({ ...options, write: false, plugins: [{ name: "graph", setup: resolveImports }] }))
  .metafile.inputs;
const shared = sharedModules(graph, ENTRY, (path) => path.startsWith("dist/"));
const importsShared = new Set(entriesOf(graph, ENTRY).filter((e) => e !== ENTRY && e.startsWith("dist/")));

// Pass 2: the bundle. Every entry but ENTRY imports the shared modules, which makes them one chunk.
const sharedChunk = {
  name: "shared-chunk",
  setup(b) {
    b.onResolve({ filter: new RegExp(`^${SHARED}$`) }, () => ({ path: SHARED, namespace: "shared" }));
    b.onLoad({ filter: /.*/, namespace: "shared" }, () => ({
      contents: shared.map((path) => `import ${JSON.stringify(`./${path}`)};`).join("\n"),
      loader: "js",
      resolveDir: process.cwd(),
    }));
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!importsShared.has(relative(process.cwd(), args.path).split("\\").join("/"))) return undefined;
      // Appended: an import is hoisted wherever it stands, and lines stay where tsc's map has them.
      return { contents: `${readFileSync(args.path, "utf8")}\nimport ${JSON.stringify(SHARED)};\n`, loader: "js" };
    });
    resolveImports(b);
  },
};
// Chunk names carry a content hash: clear the last build's, or stale ones would ship.
rmSync(OUTDIR, { recursive: true, force: true });
const result = await build({ ...options, plugins: [sharedChunk] });

writeNotices(
  `${OUTDIR}/LICENSES.txt`,
  "Third-party code bundled in the files of this folder:",
  bundledPackages([result.metafile]),
);
