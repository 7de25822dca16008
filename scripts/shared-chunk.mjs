// Which of the CLI's modules go to the one shared chunk (scripts/bundle-cli.mjs), read from the
// module graph of an esbuild metafile. Pure: a metafile's `inputs` in, module paths out.
//
// esbuild puts a module in the chunk of the exact set of entries that reach it (the entry file and
// every dynamic import() target). Modules shared by different sets therefore land in many small
// chunks: a usage error of `export` read 22 files, most of them chunks under 1 KB. Rollup would merge modules
// already loaded by the importer; esbuild has no such option, so the build gives the modules picked
// here one set: every entry but the CLI's own entry imports them all, and they form one chunk.
//
// Picked: our modules (under dist/) that
// - are light: reach no npm package and no prebuilt bundle through static imports (those stay
//   behind their dynamic imports, loaded only by the work that needs them),
// - are reached statically from two or more entries (a module of one entry is in its chunk already),
// - and belong to a command's start: reached from the entry, a command, or a light module that a
//   command imports dynamically (its settings, say), not only from the run's own modules.
// They are evaluated when the first command chunk loads instead of when their first importer
// does: they are declarations (no package, no I/O at load), so only the order changes.
import { isBuiltin } from "node:module";

// Static: everything that loads with the module (import statements, a bundled package's require()).
const staticImports = (inputs, file) => (inputs[file]?.imports ?? []).filter((i) => i.kind !== "dynamic-import");
const dynamicTargets = (inputs, file) =>
  (inputs[file]?.imports ?? []).filter((i) => i.kind === "dynamic-import" && !i.external).map((i) => i.path);

/** The modules `file` reaches through static imports, itself included. */
function staticClosure(inputs, file) {
  const seen = new Set();
  const stack = [file];
  while (stack.length > 0) {
    const f = stack.pop();
    if (seen.has(f) || !inputs[f]) continue;
    seen.add(f);
    for (const i of staticImports(inputs, f)) if (!i.external) stack.push(i.path);
  }
  return seen;
}

/**
 * Every entry of the bundle: `entry` and the target of every dynamic import, in the order found.
 * @param {Record<string, {imports: Array<{path: string, kind: string, external?: boolean}>}>} inputs
 */
export function entriesOf(inputs, entry) {
  const entries = [entry];
  for (const file of Object.keys(inputs)) {
    for (const target of dynamicTargets(inputs, file)) if (!entries.includes(target)) entries.push(target);
  }
  return entries;
}

/**
 * The modules of the shared chunk, dependencies before their importers (the order to import them in).
 * @param {Record<string, {imports: Array<{path: string, kind: string, external?: boolean}>}>} inputs
 * @param {string} entry the CLI's entry, e.g. "dist/cli/main.js"
 * @param {(path: string) => boolean} own whether an input is one of our modules
 */
export function sharedModules(inputs, entry, own) {
  const heavy = new Map();
  const isHeavy = (file) => {
    if (heavy.has(file)) return heavy.get(file);
    heavy.set(file, false); // a cycle adds nothing new
    const result = staticImports(inputs, file).some((i) => (i.external ? !isBuiltin(i.path) : isHeavy(i.path)));
    heavy.set(file, result);
    return result;
  };
  const closures = new Map(entriesOf(inputs, entry).map((e) => [e, staticClosure(inputs, e)]));
  const commands = dynamicTargets(inputs, entry);
  const cold = new Set([entry, ...commands]);
  for (const command of commands) {
    for (const file of closures.get(command)) {
      for (const target of dynamicTargets(inputs, file)) if (!isHeavy(target)) cold.add(target);
    }
  }
  const reachedBy = (file, entries) => [...entries].filter((e) => closures.get(e)?.has(file)).length;
  const picked = new Set(
    Object.keys(inputs).filter(
      (f) => own(f) && !isHeavy(f) && reachedBy(f, cold) >= 1 && reachedBy(f, closures.keys()) >= 2,
    ),
  );
  const ordered = [];
  const visited = new Set();
  const visit = (file) => {
    if (visited.has(file)) return;
    visited.add(file);
    for (const i of staticImports(inputs, file)) if (!i.external) visit(i.path);
    if (picked.has(file)) ordered.push(file);
  };
  for (const file of picked) visit(file);
  return ordered;
}
