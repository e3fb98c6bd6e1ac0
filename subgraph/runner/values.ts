/**
 * Entity values as the host holds them, tagged with graph-ts's `store.Value` kinds, and
 * their JSON form in the embedded store. Bytes are lowercase 0x-hex; BigDecimal a decimal
 * string; BigInt, Int8 and Timestamp are bigints.
 */
export type StoreValue =
  | { kind: "String"; value: string }
  | { kind: "Int"; value: number }
  | { kind: "BigDecimal"; value: string }
  | { kind: "Bool"; value: boolean }
  | { kind: "Array"; value: StoreValue[] }
  | { kind: "Null" }
  | { kind: "Bytes"; value: string }
  | { kind: "BigInt"; value: bigint }
  | { kind: "Int8"; value: bigint }
  | { kind: "Timestamp"; value: bigint };

export type Entity = Record<string, StoreValue>;

/** graph-ts `ValueKind` numbers (common/value.ts). */
export const STORE_KINDS = [
  "String",
  "Int",
  "BigDecimal",
  "Bool",
  "Array",
  "Null",
  "Bytes",
  "BigInt",
  "Int8",
  "Timestamp",
] as const;

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function valueToJson(value: StoreValue): Json {
  switch (value.kind) {
    case "Null":
      return { k: "Null" };
    case "Array":
      return { k: "Array", v: value.value.map(valueToJson) };
    case "BigInt":
    case "Int8":
    case "Timestamp":
      return { k: value.kind, v: value.value.toString() };
    default:
      return { k: value.kind, v: value.value };
  }
}

function valueFromJson(json: { k: StoreValue["kind"]; v?: unknown }): StoreValue {
  switch (json.k) {
    case "Null":
      return { kind: "Null" };
    case "Array":
      return { kind: "Array", value: (json.v as { k: StoreValue["kind"] }[]).map(valueFromJson) };
    case "BigInt":
    case "Int8":
    case "Timestamp":
      return { kind: json.k, value: BigInt(json.v as string) };
    default:
      return { kind: json.k, value: json.v } as StoreValue;
  }
}

export function entityToJson(entity: Entity): string {
  const out: Record<string, Json> = {};
  for (const [field, value] of Object.entries(entity)) out[field] = valueToJson(value);
  return JSON.stringify(out);
}

export function entityFromJson(json: string): Entity {
  const parsed = JSON.parse(json) as Record<string, { k: StoreValue["kind"]; v?: unknown }>;
  const out: Entity = {};
  for (const [field, value] of Object.entries(parsed)) out[field] = valueFromJson(value);
  return out;
}

/** BigDecimal as graph-node prints it: plain decimal notation, no trailing zeros. */
export function formatBigDecimal(digits: bigint, exp: bigint): string {
  if (digits === 0n) return "0";
  const negative = digits < 0n;
  let abs = negative ? -digits : digits;
  let e = exp;
  while (abs % 10n === 0n) {
    abs /= 10n;
    e += 1n;
  }
  let text: string;
  if (e >= 0n) text = abs.toString() + "0".repeat(Number(e));
  else {
    const s = abs.toString().padStart(Number(-e) + 1, "0");
    text = `${s.slice(0, s.length + Number(e))}.${s.slice(s.length + Number(e))}`;
  }
  return negative ? `-${text}` : text;
}

/** A decimal string as digits * 10^exp. */
export function parseBigDecimal(text: string): { digits: bigint; exp: bigint } {
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (match === null) throw new Error(`not a decimal: ${text}`);
  const [, sign = "", whole = "", fraction = "", exponent = "0"] = match;
  const digits = BigInt(`${sign}${whole}${fraction}` || "0");
  return { digits, exp: BigInt(exponent) - BigInt(fraction.length) };
}
