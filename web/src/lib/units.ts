/** Conversions between the contracts' per-byte-per-second units and what people compare. */
export const GIB = 1n << 30n;
export const MONTH_SECONDS = 30n * 86_400n;

/** Wei per GiB per 30-day month, from wei per byte per second. */
export function perGibMonth(pricePerBytePerSecond: bigint): bigint {
  return pricePerBytePerSecond * GIB * MONTH_SECONDS;
}
