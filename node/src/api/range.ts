/**
 * HTTP Range (RFC 9110 §14) for downloads: one `bytes=` range per request, in any of the
 * three forms (`a-b`, `a-`, `-n`). Several ranges in one request (multipart/byteranges) are
 * not supported; such requests get the first range only if it is the only one, else 416.
 */
import { InvalidParameterApiError, RangeNotSatisfiableError } from "./errors.ts";

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

const SPEC = /^bytes=(\d*)-(\d*)$/;

/**
 * The range a header asks for within `size` bytes, or `undefined` for the whole content.
 * Throws 416 for ranges that cannot be satisfied and for forms this server does not serve.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value.length > 200) throw new InvalidParameterApiError("Range", "the Range header is too long");
  const match = SPEC.exec(value.replace(/\s+/g, ""));
  if (match === null) {
    throw new RangeNotSatisfiableError(`Range ${JSON.stringify(header)} is not a single bytes= range`, size);
  }
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") throw new RangeNotSatisfiableError("Range bytes=- names no bytes", size);
  if (first === "") {
    const suffix = Number(last);
    if (!Number.isSafeInteger(suffix) || suffix === 0 || size === 0) {
      throw new RangeNotSatisfiableError(`Range ${value} is not satisfiable for ${size} bytes`, size);
    }
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  let end = last === "" ? size - 1 : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) {
    throw new RangeNotSatisfiableError(`Range ${value} is malformed`, size);
  }
  if (start >= size) {
    throw new RangeNotSatisfiableError(`Range ${value} starts after the last byte (${size} bytes)`, size);
  }
  end = Math.min(end, size - 1);
  return { start, end };
}
