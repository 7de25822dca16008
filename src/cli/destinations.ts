// `destinations`: what the exporter sees — sources and their connected destinations.
import type { Command } from "commander";
import { type CommonFlags, resolveCommon } from "../config/settings.js";
import { createLogger } from "../log.js";
import { discover } from "../run/discover.js";
import { SegmentHttp } from "../segment/http.js";
import { addSegmentOptions } from "./options.js";
import { renderTable } from "./table.js";

export function registerDestinations(program: Command): void {
  const cmd = program
    .command("destinations")
    .summary("list sources and their connected destinations")
    .description(
      "Lists every source of the workspace (or those given with --source) and the destinations connected to it, as a table, or as one JSON document with --json. Disabled ones are listed too; export skips them.",
    )
    .option("--json", "print one JSON document on stdout");
  addSegmentOptions(cmd);
  cmd.addHelpText(
    "after",
    "\nExample:\n  SEGMENT_TOKEN=… segment-datadog-exporter destinations --json | jq '.sources[].slug'",
  );
  cmd.action(async (flags: CommonFlags & { json?: boolean }) => {
    const config = resolveCommon(flags, process.env, "unused");
    const logger = createLogger({ level: config.logLevel });
    const http = new SegmentHttp({
      baseUrl: config.segment.apiUrl,
      token: config.segment.token,
      logger,
      timeoutMs: config.requestTimeoutMs,
    });
    try {
      const found = await discover(http, config.segment.sources, logger);
      const sources = found.sources.map((s) => ({
        id: s.id,
        slug: s.slug,
        name: s.name,
        enabled: s.enabled,
        destinations: found.all
          .filter((c) => c.source.id === s.id)
          .map((c) => ({
            id: c.destination.id,
            name: c.destination.name,
            type: c.destination.catalogSlug,
            catalogName: c.destination.catalogName,
            enabled: c.destination.enabled,
            exported: found.active.some((a) => a.key === c.key),
          })),
      }));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ workspace: found.workspace, sources }, null, 2)}\n`);
        return;
      }
      const rows = sources.flatMap((s) =>
        s.destinations.length === 0
          ? [[s.slug, s.id, "—", "", "", s.enabled ? "yes" : "no"]]
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
        `Workspace ${found.workspace.slug}: ${sources.length} sources, ${found.active.length} exported connections\n\n` +
          renderTable(["SOURCE", "SOURCE ID", "DESTINATION", "TYPE", "DESTINATION ID", "EXPORTED"], rows),
      );
    } finally {
      await http.close();
    }
  });
}
