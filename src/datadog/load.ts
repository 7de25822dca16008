// Loads the Datadog client's parts lazily: from the esbuild bundles that `npm run build` makes
// (the runtime ships only those), or from the deep imports themselves when running from source.
// `--help`, validation errors and `--dry-run` never load either.

type CoreModule = typeof import("./client-core.js");
type AssetsModule = typeof import("./client.js");

function load<M extends { logger: { setLevel(level: string): void } }>(
  bundle: string,
  source: () => Promise<M>,
): Promise<M> {
  return (import(bundle) as Promise<M>)
    .catch((error: { code?: string }) => {
      if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
      return source();
    })
    .then((mod) => {
      // The client logs network errors with stacks on its own; we report failures ourselves.
      mod.logger.setLevel("silent");
      return mod;
    });
}

let core: Promise<CoreModule> | undefined;
/** What submitting, key validation and the historical-ingestion check need (small). */
export function loadCoreClient(): Promise<CoreModule> {
  core ??= load("./client-core.bundle.js", () => import("./client-core.js"));
  return core;
}

let assets: Promise<AssetsModule> | undefined;
/** The v1 dashboards and monitors APIs with their serializer, for `dashboard` and `monitors`. */
export function loadAssetsClient(): Promise<AssetsModule> {
  assets ??= load("./client.bundle.js", () => import("./client.js"));
  return assets;
}
