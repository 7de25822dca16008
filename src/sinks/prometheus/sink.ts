// Submits points by Prometheus remote write 1.0 (reference §2): a snappy-compressed protobuf
// WriteRequest per request with the four required headers, basic auth or a bearer token, the tenant
// as X-Scope-OrgID; 2xx is acceptance, 429 (Retry-After) and 5xx are retried, 401/403 is the
// credential (exit 3). A receiver refuses a sample it already holds, an older one after a newer one,
// or one past its window, and rolls the whole request back: such a 400 is split until the refused
// samples are isolated; they are reported in one warning and counted as rejected, their owners count
// as accepted (the receiver holds a value for them), and the rest is stored (design §5).
import type { Logger } from "pino";
import type { RemoteWriteSettings } from "../../config/types.js";
import { CredentialError, UpstreamError } from "../../errors.js";
import { AGE_MARGIN_MS } from "../../plan/limits.js";
import type { SinkOpenOptions } from "../backend.js";
import { HoldBack } from "../hold-back.js";
import { BackendClient, describeAnswer } from "../http.js";
import type { OwnedPoint, Sink, SinkOutcome, SubmissionSize } from "../types.js";
import { REMOTE_WRITE_SUBMISSION } from "./index.js";
import {
  type OwnedSample,
  RemoteWriteSubmissionSize,
  type SubmissionSeries,
  toRemoteWriteSeries,
  toSubmissionSeries,
} from "./series.js";
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from "./wire.js";

export interface RemoteWriteSinkOptions extends RemoteWriteSettings, SinkOpenOptions {
  minBackoffMs?: number;
}

/**
 * The refusals of a sample the receiver will never take from us, whatever we send (Prometheus,
 * Mimir, Cortex wording): it holds a value for it, a newer one, or the sample is past its window. A
 * sample too far in the future is a clock problem, not one of these.
 */
const REFUSED =
  /duplicate sample|duplicate-timestamp|out of order|out-of-order|too old|too-old|too far in the past|too-far-in-past|out of bounds/i;
const FUTURE = /future/i;

/** What the receiver said about a refused request (the text after the status), or undefined for another error. */
function refusal(error: unknown): string | undefined {
  if (!(error instanceof UpstreamError) || error.details.status !== 400) return undefined;
  const said = error.message.slice(error.message.indexOf("HTTP 400") + "HTTP 400: ".length);
  return REFUSED.test(said) && !FUTURE.test(said) ? said : undefined;
}

interface Refused {
  series: SubmissionSeries;
  sample: OwnedSample;
  why: string;
}

/** Halves a refused request: by series, and one series by its samples, older half first (time order holds). */
function halves(series: readonly SubmissionSeries[]): [SubmissionSeries[], SubmissionSeries[]] {
  if (series.length > 1) {
    const middle = Math.ceil(series.length / 2);
    return [series.slice(0, middle), series.slice(middle)];
  }
  const [one] = series as [SubmissionSeries];
  const middle = Math.ceil(one.samples.length / 2);
  return [[{ ...one, samples: one.samples.slice(0, middle) }], [{ ...one, samples: one.samples.slice(middle) }]];
}

/** `name{label="value",…}` of a series, for the warning. */
function describeSeries(s: SubmissionSeries): string {
  const { __name__: name, ...labels } = s.labels;
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(",");
  return `${name}{${inner}}`;
}

export class RemoteWriteSink implements Sink {
  readonly label = "the remote-write receiver";
  readonly writeRule = "once" as const;
  readonly limits = REMOTE_WRITE_SUBMISSION;
  private readonly logger: Logger;
  private readonly client: BackendClient;

  constructor(private readonly options: RemoteWriteSinkOptions) {
    this.logger = options.logger;
    const auth = options.credentials;
    // The open options (logger, timeout, signal, deadline, retries) go to the client as they are.
    this.client = new BackendClient({
      ...options,
      headers: {
        ...REMOTE_WRITE_HEADERS,
        ...(auth === undefined
          ? {}
          : "bearerToken" in auth
            ? { Authorization: `Bearer ${auth.bearerToken}` }
            : { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}` }),
        ...(options.tenant !== undefined ? { "X-Scope-OrgID": options.tenant } : {}),
      },
      label: "the remote-write receiver",
      service: "prometheus",
      refused: (answer, host) =>
        `the remote-write receiver (${host}) refused the credentials (HTTP ${answer.status}: ${describeAnswer(answer)}); check ${options.origin.credentials}`,
      urlFrom: options.origin.url,
      secret: "the credentials",
    });
  }

  oldestAcceptedMs(now: number): number {
    return now - this.options.maxAgeMs + AGE_MARGIN_MS;
  }

  measure(): SubmissionSize {
    return new RemoteWriteSubmissionSize();
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** An empty WriteRequest: it stores nothing, and proves the URL, the protocol and the credentials. */
  async verify(): Promise<void> {
    try {
      await this.client.send("check", encodeWriteRequest([]), { requests: 0 });
    } catch (error) {
      if (error instanceof UpstreamError && error.details.status !== undefined && error.details.status < 500) {
        throw new UpstreamError(`${error.message}; check ${this.options.origin.url} (the receiver's write endpoint)`, {
          status: error.details.status,
          retryable: false,
        });
      }
      throw error;
    }
  }

  async submit(points: readonly OwnedPoint[]): Promise<SinkOutcome> {
    const outcome = { failed: new Map<string, string>(), requests: 0 };
    if (points.length === 0) return outcome;
    const { series, conflicts } = toSubmissionSeries(points);
    const refused: Refused[] = [];
    await this.sendSeries(series, new HoldBack(outcome.failed), outcome, refused);
    const rejected = refused.length + conflicts.length;
    if (rejected > 0) this.warnRefused(refused, conflicts.length);
    this.logger.debug({ points: points.length, requests: outcome.requests, rejected }, "submitted by remote write");
    return { ...outcome, rejected };
  }

  /** The refused samples of one submission, in one warning (design §5). */
  private warnRefused(refused: readonly Refused[], conflicts: number): void {
    const first = refused[0];
    const example = first
      ? `; first: ${describeSeries(first.series)} at ${new Date(first.sample.timestampMs).toISOString()}: ${first.why}`
      : "";
    const twice = conflicts > 0 ? ` (${conflicts} of them given twice in one submission)` : "";
    this.logger.warn(
      { rejected: refused.length + conflicts },
      `the remote-write receiver refused ${refused.length + conflicts} samples it already holds or no longer takes${twice}; counted in points.rejected, the rest was stored${example}`,
    );
  }

  /** Sends series as one request; a refusal is split until the refused samples stand alone. */
  private async sendSeries(
    all: readonly SubmissionSeries[],
    hold: HoldBack,
    outcome: { requests: number },
    refused: Refused[],
  ): Promise<void> {
    const series = all.flatMap((s) => {
      const samples = hold.keep(s.samples);
      return samples.length === 0 ? [] : [{ ...s, samples }];
    });
    if (series.length === 0) return;
    try {
      await this.client.send("submit", encodeWriteRequest(toRemoteWriteSeries(series)), outcome);
    } catch (error) {
      if (error instanceof CredentialError) throw error;
      const said = refusal(error);
      if (said !== undefined) {
        const [one] = series;
        if (series.length === 1 && one?.samples.length === 1 && one.samples[0]) {
          refused.push({ series: one, sample: one.samples[0], why: said });
          return;
        }
        for (const half of halves(series)) await this.sendSeries(half, hold, outcome, refused);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      hold.fail(new Set(series.flatMap((s) => s.samples.map((x) => x.owner))), message);
    }
  }
}
