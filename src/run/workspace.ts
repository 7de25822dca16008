// One workspace of a run: its Segment client (on the run's shared budget), what discovery found,
// its slice of the state file and its tags.
import type { Logger } from "pino";
import type { CommonConfig, WorkspaceSettings } from "../config/types.js";
import { UsageError } from "../errors.js";
import type { SegmentHttp } from "../segment/http.js";
import type { WorkspaceState } from "../state/store.js";
import { type Discovery, discover } from "./discover.js";
import { WorkspaceErrorDetails } from "./error-details.js";
import type { Session } from "./session.js";

export interface WorkspaceRun {
  settings: WorkspaceSettings;
  http: SegmentHttp;
  discovery: Discovery;
  state: WorkspaceState;
  /** Global --tag tags, then the workspace's own. */
  tags: string[];
  /** Prefix of this workspace's stream keys (its id: unique across workspaces). */
  id: string;
  /** Failures by reason (Delivery Overview), or off; one warning per run if the token may not read it. */
  errorDetails: WorkspaceErrorDetails;
}

export async function openWorkspaces(
  config: CommonConfig & { errorDetails?: boolean | undefined },
  session: Session,
  logger: Logger,
): Promise<WorkspaceRun[]> {
  const runs = await Promise.all(
    config.workspaces.map(async (settings) => {
      const http = session.segment(settings);
      const discovery = await discover(http, settings, logger);
      const id = discovery.workspace.id;
      const state = session.state.workspaces[id] ?? {
        slug: discovery.workspace.slug,
        delivery: Object.create(null) as WorkspaceState["delivery"],
      };
      state.slug = discovery.workspace.slug;
      session.state.workspaces[id] = state;
      const errorDetails = new WorkspaceErrorDetails(
        http,
        discovery.workspace.slug,
        logger,
        config.errorDetails !== false,
      );
      return { settings, http, discovery, state, tags: [...config.tags, ...settings.tags], id, errorDetails };
    }),
  );
  const seen = new Map<string, string>();
  for (const run of runs) {
    const other = seen.get(run.id);
    if (other) {
      throw new UsageError(
        `${run.settings.label} and ${other} are the same workspace (${run.discovery.workspace.slug}); list it once, or its data would be exported twice`,
      );
    }
    seen.set(run.id, run.settings.label);
  }
  return runs;
}
