// One workspace of a run: its Segment client (on the run's shared budget), what discovery found,
// its slice of the state file and its tags.
import type { Logger } from "pino";
import type { CommonConfig, WorkspaceSettings } from "../config/types.js";
import { UsageError } from "../errors.js";
import { tagPair } from "../mapping/tags.js";
import { discover } from "../segment/discover.js";
import type { SegmentHttp } from "../segment/http.js";
import type { WorkspaceState } from "../state/store.js";
import { OverviewAccess } from "../streams/overview.js";
import type { WorkspaceContext } from "../streams/types.js";

export interface WorkspaceRun extends WorkspaceContext {
  settings: WorkspaceSettings;
  state: WorkspaceState;
}

/** Discovers every configured workspace; the same workspace listed twice is exit 2. */
export async function openWorkspaces(
  config: CommonConfig,
  segment: (settings: WorkspaceSettings) => SegmentHttp,
  state: { workspaces: Record<string, WorkspaceState> } | undefined,
  logger: Logger,
): Promise<WorkspaceRun[]> {
  const runs = await Promise.all(
    config.workspaces.map(async (settings): Promise<WorkspaceRun> => {
      const http = segment(settings);
      const discovery = await discover(http, settings, logger);
      const { id, slug } = discovery.workspace;
      const own = state?.workspaces[id] ?? { slug, delivery: Object.create(null) as WorkspaceState["delivery"] };
      own.slug = slug;
      if (state) state.workspaces[id] = own;
      return {
        settings,
        http,
        discovery,
        state: own,
        id,
        slug,
        filter: settings,
        tags: [...config.tags, ...settings.tags].map(tagPair),
        overview: new OverviewAccess(http, slug, logger),
      };
    }),
  );
  const seen = new Map<string, string>();
  for (const run of runs) {
    const other = seen.get(run.id);
    if (other) {
      throw new UsageError(
        `${run.settings.label} and ${other} are the same workspace (${run.slug}); list it once, or its data would be exported twice`,
      );
    }
    seen.set(run.id, run.settings.label);
  }
  return runs;
}
