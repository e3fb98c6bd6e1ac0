import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { AUTH_SCHEME } from "./constants.ts";
import { UnauthorizedError } from "./errors.ts";

/** Bytes of randomness in a generated token (256 bits, base64url: 43 characters). */
export const GENERATED_TOKEN_BYTES = 32;

/** A fresh random token for `api.token`. */
export function generateApiToken(): string {
  return randomBytes(GENERATED_TOKEN_BYTES).toString("base64url");
}

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * Checks an `Authorization` header against the token in constant time: both sides are
 * hashed first, so neither the comparison nor an early length check leaks how much of a
 * guess was right.
 */
export function checkBearer(header: string | undefined, expected: Buffer): void {
  if (header === undefined || header === "") {
    throw new UnauthorizedError(`this endpoint needs "Authorization: ${AUTH_SCHEME} <api.token>"`);
  }
  const space = header.indexOf(" ");
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== AUTH_SCHEME.toLowerCase()) {
    throw new UnauthorizedError(`the Authorization header must use the ${AUTH_SCHEME} scheme`);
  }
  const token = header.slice(space + 1).trim();
  if (!timingSafeEqual(digest(token), expected)) throw new UnauthorizedError("the API token is wrong");
}

/** What `checkBearer` compares against: the token's SHA-256, so the token itself is not kept around. */
export function tokenDigest(token: string): Buffer {
  return digest(token);
}
