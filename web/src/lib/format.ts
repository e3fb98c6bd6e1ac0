/** Number formatting for people: ether, bytes, durations, dates, addresses. */
import { formatEther } from "viem";

/** "1.5 ETH", trimmed to at most `digits` decimals (but never to a misleading zero). */
export function formatEth(wei: bigint, digits = 6): string {
  const [whole = "0", fraction = ""] = formatEther(wei).split(".");
  const cut = fraction.slice(0, digits).replace(/0+$/, "");
  if (cut === "" && fraction !== "" && /[1-9]/.test(fraction)) return `${wei} wei`;
  return `${whole}${cut === "" ? "" : `.${cut}`} ETH`;
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

export function formatBytes(bytes: number | bigint): string {
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${BYTE_UNITS[unit]}`;
}

const SPANS: [number, string][] = [
  [86_400, "d"],
  [3_600, "h"],
  [60, "min"],
  [1, "s"],
];

/** "2 d 3 h": the two largest units of a span in seconds. */
export function formatDuration(seconds: number | bigint): string {
  let rest = Math.max(0, Math.floor(Number(seconds)));
  if (rest === 0) return "0 s";
  const parts: string[] = [];
  for (const [size, unit] of SPANS) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
  }
  return parts.join(" ");
}

/** A unix time in seconds as a UTC date and time (chain time, which may differ from this clock). */
export function formatTime(unixSeconds: number | bigint): string {
  return `${new Date(Number(unixSeconds) * 1000).toLocaleString("en-GB", { timeZone: "UTC" })} UTC`;
}

export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** Durability as "99.97 %" or "1 − 3e-12" once the nines stop being readable. */
export function formatProbability(p: number): string {
  if (p >= 1) return "100 %";
  if (p > 0.9999) return `1 − ${(1 - p).toExponential(1)}`;
  return `${(p * 100).toFixed(2)} %`;
}
