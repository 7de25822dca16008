// Failed deliveries by reason (design §5, Error details): Delivery Overview's `failed-delivery` of a
// connection grouped by `discardReason`, one request sequence per connection per run for all of the
// run's buckets. A part of the connection's bucket, as the summary is.
import { FAILED_SERIES_SUFFIX } from "../mapping/failures.js";
import { overviewStepKind } from "./overview-step.js";

export const failedDelivery = overviewStepKind({
  name: "failed delivery",
  scope: "connection",
  step: "failed-delivery",
  suffix: FAILED_SERIES_SUFFIX,
  byReason: true,
  enabled: (options) => options.errorDetails,
  missing: "error details",
  from: "failed-delivery by discardReason",
});
