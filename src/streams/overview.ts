// Delivery Overview for one workspace (reference §3.G), shared by every kind that reads it (failures
// by reason, the pipeline steps). A token that may not use Delivery Overview gets one warning per run
// and no reads at all: the run decides everything else as if those kinds were off (design §5).
import type { Logger } from "pino";
import { CredentialError, UpstreamError } from "../errors.js";
import { type OverviewWindow, planOverviewWindows } from "../plan/overview-windows.js";
import { type OverviewSeries, type OverviewStep, readOverviewStep } from "../segment/delivery-overview.js";
import type { SegmentHttp } from "../segment/http.js";

/**
 * 403, and 404 for a connection discovery has just listed, mean the endpoint is not available to
 * this token (design §5). A 401 here counts too: the same token was accepted by `GET /` moments ago,
 * so it is this endpoint refusing it, and the summary reads will report a revoked token on their own.
 */
export function notPermitted(error: unknown): boolean {
  return error instanceof CredentialError || (error instanceof UpstreamError && error.details.status === 404);
}

/** A Delivery Overview read of a source (or, with `destinationId`, a connection). */
export interface OverviewTarget {
  sourceId: string;
  destinationId?: string | undefined;
}

export interface OverviewBuckets {
  /** Each planned window with its answer. */
  windows: Array<{ window: OverviewWindow; series: OverviewSeries }>;
  /** Buckets no Delivery Overview granularity can serve any more, for the run to report. */
  unreachable: number[];
}

export class OverviewAccess {
  private unavailable = false;

  constructor(
    private readonly http: SegmentHttp,
    private readonly workspace: string,
    private readonly logger: Logger,
  ) {}

  /** Whether this run may still read Delivery Overview for the workspace. */
  get available(): boolean {
    return !this.unavailable;
  }

  /** One step over one window, every page of it; undefined when unavailable. */
  async read(
    step: OverviewStep,
    target: OverviewTarget,
    window: Pick<OverviewWindow, "start" | "end" | "granularity">,
    groupBy: readonly string[] = [],
  ): Promise<OverviewSeries | undefined> {
    if (this.unavailable) return undefined;
    try {
      return await readOverviewStep(this.http, step, { ...target, ...window, groupBy });
    } catch (error) {
      if (!notPermitted(error)) throw error;
      if (!this.unavailable) {
        this.unavailable = true;
        this.logger.warn(
          { workspace: this.workspace },
          `Delivery Overview answered ${statusOf(error)} for workspace ${this.workspace}: its token may not read it, so the run has no error details or pipeline steps for it. Grant the token access to Delivery Overview, or pass --no-error-details --no-pipeline`,
        );
      }
      return undefined;
    }
  }

  /**
   * One step for the buckets a run reads (first reads and re-reads together): one request sequence
   * over the planned windows, never one per bucket. Undefined when Delivery Overview is unavailable.
   */
  async readBuckets(
    step: OverviewStep,
    target: OverviewTarget,
    buckets: readonly number[],
    bucketMs: number,
    now: number,
    groupBy: readonly string[] = [],
  ): Promise<OverviewBuckets | undefined> {
    const plan = planOverviewWindows(buckets, bucketMs, now);
    const windows: OverviewBuckets["windows"] = [];
    for (const window of plan.windows) {
      const series = await this.read(step, target, window, groupBy);
      if (!series) return undefined;
      windows.push({ window, series });
    }
    // Another stream's read may have found the endpoint closed meanwhile: the workspace then has no
    // Delivery Overview data this run at all, rather than some streams' and not others'.
    if (this.unavailable) return undefined;
    return { windows, unreachable: plan.unreachable };
  }
}

function statusOf(error: unknown): string {
  if (error instanceof UpstreamError && error.details.status !== undefined) return `HTTP ${error.details.status}`;
  return /HTTP \d{3}/.exec((error as Error).message)?.[0] ?? "a refusal";
}
