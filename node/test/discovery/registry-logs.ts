/**
 * Raw ProviderRegistry logs, ABI-encoded exactly as the contract emits them, for tests of
 * the directory fold that need events the devnet cannot easily produce (a slash needs the
 * whole market flow). They go through the same decoder as logs read from the chain.
 */
import { type Address, encodeAbiParameters, encodeEventTopics, type Hex, type Log, toHex } from "viem";
import { providerRegistryAbi } from "../../src/generated/contracts.ts";

type EventName = Extract<(typeof providerRegistryAbi)[number], { type: "event" }>["name"];

export function rawRegistryLog(
  address: Address,
  eventName: EventName,
  args: Record<string, unknown>,
  blockNumber: bigint,
  logIndex: number,
): Log {
  const event = providerRegistryAbi.find((e) => e.type === "event" && e.name === eventName);
  if (event === undefined || event.type !== "event") throw new Error(`no event ${eventName}`);
  const topics = encodeEventTopics({ abi: [event], eventName, args } as never) as [Hex, ...Hex[]];
  const data = event.inputs.filter((i) => !i.indexed);
  return {
    address,
    topics,
    data: encodeAbiParameters(
      data,
      data.map((i) => args[i.name as string]),
    ),
    blockNumber,
    logIndex,
    blockHash: toHex(blockNumber, { size: 32 }),
    transactionHash: toHex(blockNumber * 1000n + BigInt(logIndex), { size: 32 }),
    transactionIndex: 0,
    removed: false,
  } as Log;
}

export function label(text: string): Hex {
  return toHex(new TextEncoder().encode(text), { size: 16 });
}

export function offer(overrides: Partial<Record<string, unknown>> = {}) {
  return {
    pricePerBytePerSecond: 10n,
    maxCollateralPerByte: 5n,
    minDuration: 3600n,
    maxDuration: 86_400n * 30n,
    capacity: 1n << 40n,
    region: label("eu-west"),
    infrastructure: label("hetzner"),
    ...overrides,
  };
}
