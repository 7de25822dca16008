// Error details of one workspace (design §5): failed deliveries by reason, read from Delivery
// Overview per connection. A token that may not use Delivery Overview gets one warning per run and
// no error details; everything else the run decides as if error details were off.
import type { Logger } from "pino";
import { CredentialError, UpstreamError } from "../errors.js";
import { mapFailures } from "../mapping/failures.js";
import type { MetricPoint } from "../mapping/types.js";
import type { Granularity } from "../plan/limits.js";
import { planOverviewWindows } from "../plan/overview-windows.js";
import { getFailedDelivery, type OverviewSeries } from "../segment/delivery-overview.js";
import type { SegmentHttp } from "../segment/http.js";

/**
 * 403, and 404 for a connection discovery has just listed, mean the endpoint is not available to
 * this token (design §5). A 401 here counts too: the same token was accepted by `GET /` moments ago,
 * so it is this endpoint refusing it, and the summary reads will report a revoked token on their own.
 */
export function notPermitted(error: unknown): boolean {
  return error instanceof CredentialError || (error instanceof UpstreamError && error.details.status === 404);
}

export class WorkspaceErrorDetails {
  private unavailable = false;

  constructor(
    private readonly http: SegmentHttp,
    private readonly workspace: string,
    private readonly logger: Logger,
    private readonly enabled: boolean,
  ) {}

  /** Whether this run still reads error details for the workspace. */
  get active(): boolean {
    return this.enabled && !this.unavailable;
  }

  /** The connection's failed deliveries by reason, or undefined when error details are off or unavailable. */
  async read(args: {
    sourceId: string;
    destinationId: string;
    start: number;
    end: number;
    granularity: Granularity;
  }): Promise<OverviewSeries | undefined> {
    if (!this.active) return undefined;
    try {
      return await getFailedDelivery(this.http, args);
    } catch (error) {
      if (!notPermitted(error)) throw error;
      if (!this.unavailable) {
        this.unavailable = true;
        this.logger.warn(
          { workspace: this.workspace },
          `Delivery Overview answered ${statusOf(error)} for workspace ${this.workspace}: its token may not read it, so the run has no error details for it. Grant the token access to Delivery Overview, or pass --no-error-details`,
        );
      }
      return undefined;
    }
  }

  /**
   * `<p>.delivery.failed` points of one connection for the buckets a run reads (first reads and
   * re-reads together): one request sequence over the planned windows, never one per bucket.
   * Undefined when error details are off or unavailable; `unreachable` lists buckets no Delivery
   * Overview granularity can serve any more, for the run to report.
   */
  async readBuckets(args: {
    sourceId: string;
    destinationId: string;
    buckets: readonly number[];
    bucketMs: number;
    now: number;
    prefix: string;
    tags: readonly string[];
  }): Promise<{ points: MetricPoint[]; unreachable: number[] } | undefined> {
    const plan = planOverviewWindows(args.buckets, args.bucketMs, args.now);
    const points: MetricPoint[] = [];
    for (const w of plan.windows) {
      const series = await this.read({ ...args, start: w.start, end: w.end, granularity: w.granularity });
      if (!series) return undefined;
      points.push(
        ...mapFailures(series.dataset, {
          prefix: args.prefix,
          bucketMs: args.bucketMs,
          buckets: w.buckets,
          tags: args.tags,
        }),
      );
    }
    // Another connection's read may have found the endpoint closed meanwhile: the workspace then has
    // no error details this run at all, rather than some connections' and not others'.
    if (!this.active) return undefined;
    return { points, unreachable: plan.unreachable };
  }
}

function statusOf(error: unknown): string {
  if (error instanceof UpstreamError && error.details.status !== undefined) return `HTTP ${error.details.status}`;
  return /HTTP \d{3}/.exec((error as Error).message)?.[0] ?? "a refusal";
}
