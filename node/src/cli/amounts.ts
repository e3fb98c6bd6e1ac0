/**
 * Amounts typed on the command line: ether (`1.5eth`), gwei (`20gwei`) or wei (`1000` or
 * `1000wei`), and sizes (`10GiB`, `512MB`, `4096`). Each returns an exact bigint or throws
 * a UsageError naming the flag.
 */
import { parseEther, parseGwei } from "viem";
import { UsageError } from "./errors.ts";

const AMOUNT = /^(\d+(?:\.\d+)?)\s*(eth|gwei|wei)?$/i;

export function weiFlag(value: string, flag: string): bigint {
  const match = AMOUNT.exec(value.trim());
  const [, number = "", unit = "wei"] = match ?? [];
  const lower = unit.toLowerCase();
  const decimals = number.split(".")[1]?.length ?? 0;
  // More decimals than the unit has would be rounded away: refuse rather than pay less.
  const allowed = lower === "eth" ? 18 : lower === "gwei" ? 9 : 0;
  if (match === null || decimals > allowed) {
    throw new UsageError(
      `${flag} must be an amount like 1.5eth, 20gwei or 1000 (wei), got ${JSON.stringify(value)}`,
    );
  }
  try {
    if (lower === "eth") return parseEther(number);
    if (lower === "gwei") return parseGwei(number);
    return BigInt(number);
  } catch {
    throw new UsageError(
      `${flag} must be an amount like 1.5eth, 20gwei or 1000 (wei), got ${JSON.stringify(value)}`,
    );
  }
}

const SIZE_UNITS: Record<string, bigint> = {
  b: 1n,
  kb: 10n ** 3n,
  mb: 10n ** 6n,
  gb: 10n ** 9n,
  tb: 10n ** 12n,
  kib: 2n ** 10n,
  mib: 2n ** 20n,
  gib: 2n ** 30n,
  tib: 2n ** 40n,
};

export function sizeFlag(value: string, flag: string): bigint {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = SIZE_UNITS[(match?.[2] || "b").toLowerCase()];
  if (match === null || unit === undefined) {
    throw new UsageError(
      `${flag} must be a size like 10GiB, 512MB or 4096 (bytes), got ${JSON.stringify(value)}`,
    );
  }
  return BigInt(match[1] as string) * unit;
}

/** A duration: seconds, or with a unit (`30m`, `12h`, `7d`). */
export function durationFlag(value: string, flag: string): bigint {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(value.trim());
  if (match === null) {
    throw new UsageError(
      `${flag} must be a duration like 3600, 30m, 12h or 7d, got ${JSON.stringify(value)}`,
    );
  }
  const scale = { s: 1n, m: 60n, h: 3600n, d: 86_400n }[(match[2] ?? "s") as "s" | "m" | "h" | "d"];
  return BigInt(match[1] as string) * scale;
}
