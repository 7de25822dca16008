// `destinations`: what the exporter sees — sources and their connected destinations, per workspace.
import type { Command } from "commander";
import type { CommonFlags } from "../config/settings.js";
import { renderTable } from "../table.js";
import { addSegmentOptions } from "./options.js";

export function registerDestinations(cmd: Command): void {
  cmd
    .description(
      "Lists every source of each workspace (or those selected with --source or the config file) and the destinations connected to it, as a table, or as one JSON document with --json. Disabled ones are listed too; export skips them.",
    )
    .option(
      "--json",
      "print one JSON document on stdout: { workspaces: [{ workspace, sources: [{ …, destinations }] }] }",
    );
  addSegmentOptions(cmd);
  cmd.addHelpText(
    "after",
    "\nExample:\n  SEGMENT_TOKEN=… segment-datadog-exporter destinations --json | jq '.workspaces[].sources[].slug'",
  );
  cmd.action(async (flags: CommonFlags & { json?: boolean }) => {
    // Loaded when the command runs, not for --help or a usage error elsewhere (cold start).
    const { resolveCommon } = await import("../config/settings.js");
    const config = resolveCommon(flags, process.env, "unused");
    const { createLogger } = await import("../log.js");
    const { discover } = await import("../segment/discover.js");
    const { RateBudget } = await import("../segment/budget.js");
    const { SegmentHttp } = await import("../segment/http.js");
    const logger = createLogger({ level: config.logLevel });
    const budget = new RateBudget({ perMinute: config.rateLimits, concurrency: config.concurrency });
    const clients = config.workspaces.map(
      (w) => new SegmentHttp({ budget, baseUrl: w.apiUrl, token: w.token, logger, timeoutMs: config.requestTimeoutMs }),
    );
    try {
      const found = await Promise.all(
        config.workspaces.map((w, i) => discover(clients[i] as InstanceType<typeof SegmentHttp>, w, logger)),
      );
      const workspaces = found.map((f) => ({
        workspace: f.workspace,
        exportedConnections: f.active.length,
        sources: f.sources.map((s) => ({
          id: s.id,
          slug: s.slug,
          name: s.name,
          enabled: s.enabled,
          destinations: f.all
            .filter((c) => c.source.id === s.id)
            .map((c) => ({
              id: c.destination.id,
              name: c.destination.name,
              type: c.destination.catalogSlug,
              catalogName: c.destination.catalogName,
              enabled: c.destination.enabled,
              exported: f.active.some((a) => a.key === c.key),
            })),
        })),
      }));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ workspaces }, null, 2)}\n`);
        return;
      }
      for (const w of workspaces) {
        const rows = w.sources.flatMap((s) =>
          s.destinations.length === 0
            ? [[s.slug, s.id, "—", "", "", s.enabled ? "no destinations" : "source disabled"]]
            : s.destinations.map((d) => [
                s.slug,
                s.id,
                d.name || `(${d.catalogName})`,
                d.type,
                d.id,
                d.exported ? "yes" : d.enabled ? "no (source disabled)" : "no (disabled)",
              ]),
        );
        process.stdout.write(
          `Workspace ${w.workspace.slug}: ${w.sources.length} sources, ${w.exportedConnections} exported connections\n\n` +
            renderTable(["SOURCE", "SOURCE ID", "DESTINATION", "TYPE", "DESTINATION ID", "EXPORTED"], rows) +
            "\n",
        );
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
}
