// The streams of each scope (streams/types.ts) in one workspace, and where each keeps its progress in
// the state file. A Record over every scope: a new scope that is not handled here is a type error.
import type { Shard } from "../domain.js";
import type { SourceRef } from "../mapping/tags.js";
import { connectionTags, destinationName, sharedPairs, sourceTags, workspaceTags } from "../mapping/tags.js";
import type { Tag } from "../mapping/types.js";
import { inShard } from "../plan/shard.js";
import type { Connection } from "../segment/discover.js";
import { dictionary } from "../state/store.js";
import type { Scope, StreamRef, WorkspaceContext } from "../streams/types.js";
import type { WorkspaceRun } from "./workspace.js";

/**
 * A connection's stream, held for the whole run (10 000 of them): its source and its label come from
 * the connection when asked (a label is made only for a message), not stored per stream.
 */
class ConnectionStream implements StreamRef {
  readonly scope = "connection" as const;

  constructor(
    readonly key: string,
    readonly ws: WorkspaceContext,
    readonly connection: Connection,
    readonly tags: readonly Tag[],
  ) {}

  get source(): SourceRef {
    return this.connection.source;
  }

  get label(): string {
    return `${this.connection.source.slug} → ${destinationName(this.connection.destination)}`;
  }
}

type Stages = Record<string, string>;

export interface ScopeSpec {
  /** This workspace's streams of the scope that fall in this process's shard. */
  streams(ws: WorkspaceRun, shard: Shard | undefined): StreamRef[];
  /** The stream's stored watermarks, ISO 8601 per stage. */
  load(ws: WorkspaceRun, ref: StreamRef): Stages | undefined;
  save(ws: WorkspaceRun, ref: StreamRef, stages: Stages): void;
  /** Forgets stored streams that are not in `keep` (gone, disabled or in another shard); returns their ids. */
  prune(ws: WorkspaceRun, keep: ReadonlySet<string>): string[];
  /** Whether its reads count as buckets in the run's summary (usage is a daily reading, not a bucket). */
  counted: boolean;
  /** Read on the delivery schedule, or once per UTC day. */
  schedule: "buckets" | "daily";
  /** What the summary calls one of its buckets: "connection", "source", "event-volume". */
  noun: string;
}

function pruneRecord(record: Record<string, unknown> | undefined, keep: ReadonlySet<string>): string[] {
  if (!record) return [];
  const dropped = Object.keys(record).filter((id) => !keep.has(id));
  for (const id of dropped) delete record[id];
  return dropped;
}

export const SCOPES: Record<Scope, ScopeSpec> = {
  connection: {
    streams: (ws, shard) => {
      const pair = sharedPairs();
      return ws.discovery.active.flatMap((c) => {
        const key = `${ws.id}/${c.key}`;
        if (!inShard(key, shard)) return [];
        return [new ConnectionStream(key, ws, c, connectionTags(ws.slug, c.source, c.destination, ws.tags, pair))];
      });
    },
    load: (ws, ref) => ws.state.delivery[ref.connection?.key ?? ""]?.stages,
    save: (ws, ref, stages) => {
      ws.state.delivery[ref.connection?.key ?? ""] = { stages };
    },
    prune: (ws, keep) => pruneRecord(ws.state.delivery, keep),
    counted: true,
    schedule: "buckets",
    noun: "connection",
  },
  source: {
    // Every exported source, with or without destinations (design §5, The pipeline).
    streams: (ws, shard) => {
      const pair = sharedPairs();
      return ws.discovery.sources.flatMap((s) => {
        const key = `${ws.id}/source/${s.id}`;
        if (!inShard(key, shard)) return [];
        const source = { id: s.id, slug: s.slug };
        const tags = sourceTags(ws.slug, source, ws.tags, pair);
        return [{ key, scope: "source" as const, ws, source, label: s.slug, tags }];
      });
    },
    load: (ws, ref) => ws.state.sources?.[ref.source?.id ?? ""]?.stages,
    save: (ws, ref, stages) => {
      ws.state.sources ??= dictionary();
      ws.state.sources[ref.source?.id ?? ""] = { stages };
    },
    prune: (ws, keep) => pruneRecord(ws.state.sources, keep),
    counted: true,
    schedule: "buckets",
    noun: "source",
  },
  workspace: {
    streams: (ws, shard) => {
      const key = `${ws.id}/events`;
      if (!inShard(key, shard)) return [];
      return [{ key, scope: "workspace" as const, ws, label: "event volume", tags: workspaceTags(ws.slug, ws.tags) }];
    },
    load: (ws) => ws.state.events?.stages,
    save: (ws, _ref, stages) => {
      ws.state.events = { stages };
    },
    prune: () => [],
    counted: true,
    schedule: "buckets",
    noun: "event-volume",
  },
  day: {
    streams: (ws, shard) => {
      const key = `${ws.id}/usage`;
      if (!inShard(key, shard)) return [];
      return [{ key, scope: "day" as const, ws, label: "usage", tags: workspaceTags(ws.slug, ws.tags) }];
    },
    load: () => undefined,
    save: () => {},
    prune: () => [],
    counted: false,
    schedule: "daily",
    noun: "usage",
  },
};

/** Connection keys (`sourceId/destinationId`) or source ids of a workspace's streams, for pruning. */
export function stateIds(refs: readonly StreamRef[]): Set<string> {
  return new Set(refs.map((r) => (r.scope === "connection" ? (r.connection?.key ?? "") : (r.source?.id ?? ""))));
}
