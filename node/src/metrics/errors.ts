/** A metric name breaks the `cairn_<thing>_total` / `cairn_<thing>_seconds` convention. */
export class InvalidMetricNameError extends Error {
  override name = "InvalidMetricNameError" as const;
}
