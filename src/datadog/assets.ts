// Creates or updates the dashboard and monitors through the official client's v1 API (reference §4,
// §5). Definitions arrive as v1 wire JSON and become client models through its own serializer (raw
// snake_case bodies would lose keys silently). Found again by title + description marker
// (dashboards) and by the managed tag + name (monitors); updated in place, never duplicated.
import type { Logger } from "pino";
import { Agent, type Dispatcher } from "undici";
import { DESCRIPTION_MARKER, MANAGED_TAG } from "../dashboards/common.js";
import type { Json } from "../dashboards/dashboard.js";
import { sameDashboard, sameMonitor } from "../dashboards/diff.js";
import { CredentialError } from "../errors.js";
import { loadAssetsClient } from "./load.js";
import { describeBody, guardedFetch } from "./transport.js";

type DatadogModule = typeof import("./client.js");
type Configuration = import("./client.js").Configuration;

export interface AssetTarget {
  apiKey: string;
  appKey: string;
  site: string;
  apiUrl?: string | undefined;
  timeoutMs: number;
  logger: Logger;
}

export interface Applied {
  action: "created" | "updated" | "unchanged";
  id: string | number;
  name: string;
  url: string;
}

/** One definition Datadog would not take (after the client's retries). */
export class AssetError extends Error {
  override readonly name = "AssetError";
}

/** The web app's origin: api.datadoghq.com → app.datadoghq.com, us5.datadoghq.com stays. */
export function appOrigin(site: string, apiUrl?: string): string {
  if (apiUrl) {
    const url = new URL(apiUrl);
    if (url.hostname.startsWith("api.")) url.hostname = `app.${url.hostname.slice(4)}`;
    return url.origin;
  }
  return /^[a-z0-9]+\.datadoghq\.com$/.test(site) || site.includes("ddog-gov")
    ? `https://${site}`
    : `https://app.${site}`;
}

export class DatadogAssets {
  private readonly dispatcher: Dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 4 });
  private setupPromise: Promise<{ mod: DatadogModule; conf: Configuration }> | undefined;

  constructor(private readonly target: AssetTarget) {}

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private setup(): Promise<{ mod: DatadogModule; conf: Configuration }> {
    this.setupPromise ??= loadAssetsClient().then((mod) => {
      const { apiKey, appKey, apiUrl, site, timeoutMs } = this.target;
      const conf = mod.createConfiguration({
        authMethods: { apiKeyAuth: apiKey, appKeyAuth: appKey },
        ...(apiUrl ? { baseServer: new mod.BaseServerConfiguration(apiUrl.replace(/\/+$/, ""), {}) } : {}),
        // The sink's transport: a deadline per request, body included; no redirects (they would
        // carry both keys to another host).
        fetch: guardedFetch({ dispatcher: this.dispatcher, timeoutMs }),
        // The client's own retry: 429 and 5xx, waiting X-RateLimit-Reset when Datadog sends it.
        enableRetry: true,
        maxRetries: 3,
      });
      if (!apiUrl) conf.setServerVariables({ site });
      return { mod, conf };
    });
    return this.setupPromise;
  }

  /** Runs one API call; a rejected key is exit 3, anything else an AssetError naming the step. */
  private async call<T>(step: string, fn: (mod: DatadogModule, conf: Configuration) => Promise<T>): Promise<T> {
    const { mod, conf } = await this.setup();
    try {
      return await fn(mod, conf);
    } catch (error) {
      if (error instanceof mod.ApiException) {
        if (error.code === 401 || error.code === 403) {
          throw new CredentialError(
            "datadog",
            `Datadog rejected the keys (HTTP ${error.code}) on ${step}; check DD_API_KEY and DD_APP_KEY (the application key needs the dashboards_write and monitors_write permissions) and that DD_SITE / DD_API_URL point at their site`,
          );
        }
        throw new AssetError(`${step}: Datadog answered HTTP ${error.code}: ${describeBody(error.body, 300)}`);
      }
      const err = error as { name?: string; code?: string; cause?: { code?: string } };
      throw new AssetError(`${step}: request failed: ${err.cause?.code ?? err.code ?? err.name ?? "error"}`);
    }
  }

  /** Dashboards titled `title` whose description carries the marker, in Datadog's list order. */
  private managedDashboards(title: string) {
    return this.call("listing dashboards", async (mod, conf) => {
      const matches = [];
      for await (const d of new mod.DashboardsApi(conf).listDashboardsWithPagination({ count: 100 })) {
        if (d.title === title && (d.description ?? "").includes(DESCRIPTION_MARKER)) matches.push(d);
      }
      return matches;
    });
  }

  /**
   * The absolute URL of the managed dashboard titled `title` (the one `applyDashboard` would update),
   * or `${origin}${fallbackPath}` when there is none yet or the key may not list dashboards (a key
   * scoped to monitors alone): the link is a convenience, never a reason to fail.
   */
  async dashboardLink(title: string, fallbackPath: string): Promise<string> {
    const origin = appOrigin(this.target.site, this.target.apiUrl);
    try {
      const url = (await this.managedDashboards(title))[0]?.url;
      if (url) return `${origin}${url}`;
    } catch (error) {
      if (!(error instanceof AssetError || error instanceof CredentialError)) throw error;
      // A key refused outright fails on the monitors' own listing next (exit 3, one line); one that
      // may only manage monitors is fine. Either way this is no reason to say more by default.
      const level = error instanceof CredentialError ? "debug" : "warn";
      this.target.logger[level](
        `could not look up the dashboard '${title}' (${error.message}); the monitors link to Datadog's dashboard search instead`,
      );
    }
    return `${origin}${fallbackPath}`;
  }

  async applyDashboard(desired: Json): Promise<Applied> {
    const title = String(desired.title);
    const origin = appOrigin(this.target.site, this.target.apiUrl);
    const found = await this.managedDashboards(title);
    if (found.length > 1) {
      this.target.logger.warn(
        { ids: found.map((d) => d.id) },
        `${found.length} dashboards are titled '${title}' and marked as managed; updating ${found[0]?.id}, leaving the others alone`,
      );
    }
    const { mod } = await this.setup();
    const body = mod.V1ObjectSerializer.deserialize(desired, "Dashboard", "");
    const existingId = found[0]?.id;
    if (existingId === undefined) {
      const created = await this.call("creating the dashboard", (m, conf) =>
        new m.DashboardsApi(conf).createDashboard({ body }),
      );
      return { action: "created", id: created.id ?? "", name: title, url: `${origin}${created.url ?? ""}` };
    }
    const current = await this.call(`reading dashboard ${existingId}`, (m, conf) =>
      new m.DashboardsApi(conf).getDashboard({ dashboardId: existingId }),
    );
    const url = `${origin}${current.url ?? ""}`;
    if (sameDashboard(mod.V1ObjectSerializer.serialize(current, "Dashboard", "") as Json, desired))
      return { action: "unchanged", id: existingId, name: title, url };
    const updated = await this.call(`updating dashboard ${existingId}`, (m, conf) =>
      new m.DashboardsApi(conf).updateDashboard({ dashboardId: existingId, body }),
    );
    return { action: "updated", id: existingId, name: title, url: `${origin}${updated.url ?? ""}` };
  }

  /** Applies every monitor; one Datadog refuses does not stop the others (collected in `failed`). */
  async applyMonitors(desired: readonly Json[]): Promise<{ applied: Applied[]; failed: string[] }> {
    const origin = appOrigin(this.target.site, this.target.apiUrl);
    const managed = await this.call("listing monitors", async (mod, conf) => {
      const list = [];
      for await (const m of new mod.MonitorsApi(conf).listMonitorsWithPagination({
        monitorTags: MANAGED_TAG,
        pageSize: 100,
      }))
        list.push(m);
      return list.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    });
    const { mod } = await this.setup();
    const applied: Applied[] = [];
    const failed: string[] = [];
    for (const monitor of desired) {
      const name = String(monitor.name);
      const existing = managed.find((m) => m.name === name);
      const link = (id: number) => `${origin}/monitors/${id}`;
      try {
        if (!existing?.id) {
          const created = await this.call(`creating monitor '${name}'`, (m, conf) =>
            new m.MonitorsApi(conf).createMonitor({ body: mod.V1ObjectSerializer.deserialize(monitor, "Monitor", "") }),
          );
          applied.push({ action: "created", id: created.id ?? 0, name, url: link(created.id ?? 0) });
          continue;
        }
        const id = existing.id;
        if (sameMonitor(mod.V1ObjectSerializer.serialize(existing, "Monitor", "") as Json, monitor)) {
          applied.push({ action: "unchanged", id, name, url: link(id) });
          continue;
        }
        // PUT replaces options wholesale (reference §5.6): the body carries all of ours; type stays.
        const { type: _type, ...update } = monitor;
        await this.call(`updating monitor '${name}' (${id})`, (m, conf) =>
          new m.MonitorsApi(conf).updateMonitor({
            monitorId: id,
            body: mod.V1ObjectSerializer.deserialize(update, "MonitorUpdateRequest", ""),
          }),
        );
        applied.push({ action: "updated", id, name, url: link(id) });
      } catch (error) {
        if (!(error instanceof AssetError)) throw error;
        failed.push(error.message);
      }
    }
    return { applied, failed };
  }
}
