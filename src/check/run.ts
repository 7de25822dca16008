// `check` in one place: open the Segment session, read and judge (read.ts), report; `--submit` then
// exports the checked window as backfill would (submit.ts).
import type { Logger } from "pino";
import type { CheckConfig } from "../config/types.js";
import { openSegment } from "../run/session.js";
import { readCheck } from "./read.js";
import type { CheckReport } from "./report.js";

export async function runCheck(
  config: CheckConfig,
  deps: { now: () => number; logger: Logger; signal?: AbortSignal },
): Promise<CheckReport> {
  const session = openSegment(config, deps);
  try {
    return await readCheck(config, session, deps);
  } finally {
    await session.close();
  }
}
