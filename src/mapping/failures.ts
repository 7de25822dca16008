// Delivery Overview `failed-delivery` grouped by `discardReason` → `<p>.delivery.failed` (design §5,
// Error details). The series name lives here so dashboards and monitors query what the mapping sends.

/** Suffix of the failures-by-reason count series; the full name is `<prefix>.delivery.failed`. */
export const FAILED_SERIES_SUFFIX = "delivery.failed";
