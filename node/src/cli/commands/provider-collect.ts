/**
 * `cairn provider collect`: what to ask the node for (every ended slot, or one by id or by
 * request and index), and a line per slot collected.
 */
import { formatEther } from "viem";
import { intFlag } from "../args.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";

export interface CollectedJson {
  collected: Array<{
    slotId: string;
    requestId: string;
    slotIndex: number;
    payment: string;
    collateral: string;
    transactionHash: string;
  }>;
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const MAX_SLOT_INDEX = 0xffff;

function bytes32Flag(value: string, flag: string): string {
  if (!BYTES32.test(value)) throw new UsageError(`--${flag} must be 0x and 64 hex digits, got ${value}`);
  return value;
}

/** The body of POST /provider/collect from the flags; checked here so a typo costs no round trip. */
export function collectRequest(values: {
  "slot-id"?: string;
  "request-id"?: string;
  "slot-index"?: string;
}): Record<string, string | number> {
  const slotId = values["slot-id"];
  const requestId = values["request-id"];
  const slotIndex = intFlag(values["slot-index"], "slot-index", 0, MAX_SLOT_INDEX);
  if (slotId !== undefined) {
    if (requestId !== undefined || slotIndex !== undefined)
      throw new UsageError("give either --slot-id or --request-id with --slot-index, not both");
    return { slotId: bytes32Flag(slotId, "slot-id") };
  }
  if (slotIndex !== undefined && requestId === undefined)
    throw new UsageError("--slot-index needs --request-id (or give --slot-id)");
  if (requestId !== undefined && slotIndex === undefined)
    throw new UsageError("--request-id needs --slot-index (or give --slot-id)");
  if (requestId === undefined || slotIndex === undefined) return {};
  return { requestId: bytes32Flag(requestId, "request-id"), slotIndex };
}

/** One line per collected slot and a total, or "nothing to collect". */
export function printCollected(result: CollectedJson, io: CliIo): void {
  const eth = (wei: bigint) => `${formatEther(wei)} ETH`;
  if (result.collected.length === 0) {
    io.stdout.write("nothing to collect\n");
    return;
  }
  let payment = 0n;
  let collateral = 0n;
  for (const slot of result.collected) {
    payment += BigInt(slot.payment);
    collateral += BigInt(slot.collateral);
    io.stdout.write(
      `collected ${slot.slotId} (request ${slot.requestId} slot ${slot.slotIndex}): payment ${eth(BigInt(slot.payment))}, collateral ${eth(BigInt(slot.collateral))}, tx ${slot.transactionHash}\n`,
    );
  }
  const count = result.collected.length;
  io.stdout.write(
    `${count} slot${count === 1 ? "" : "s"} collected: ${eth(payment)} paid, ${eth(collateral)} collateral returned\n`,
  );
}
