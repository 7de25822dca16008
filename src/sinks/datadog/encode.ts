// The request body of a batch (batch.ts): the v2 JSON, gzip-compressed, written incrementally.
import { gzipJsonList } from "../gzip-json.js";
import { type Batch, writeSeries } from "./batch.js";

/** The request body of a batch, gzip-compressed, written a slice of series at a time. */
export function encodeBatch(batch: Batch): Promise<Buffer> {
  return gzipJsonList('{"series":[', batch.series, writeSeries, "]}");
}
