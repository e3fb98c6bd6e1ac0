/**
 * The demo's fault: one provider is killed outright. It stops proving; the validator
 * marks each missed proof and the provider is slashed; after the market's last allowed
 * miss its slot is freed, and another provider rebuilds the slot from k others and fills
 * it as a repair.
 */
import type { Hex } from "viem";
import { slotIdOf } from "../../node/src/core/ids.ts";
import type { BoughtDeal } from "./deal.ts";
import { waitForMarket } from "./market-events.ts";
import type { DemoNetwork, DemoNode } from "./network.ts";

export interface Miss {
  period: bigint;
  validator: string;
  slashed: bigint;
  reward: bigint;
}

export interface RepairOutcome {
  killed: DemoNode;
  slotIndex: number;
  misses: Miss[];
  forfeited: bigint;
  repairedBy: string;
  repairedByAddress: string;
}

export async function killAndRepair(
  network: DemoNetwork,
  deal: BoughtDeal,
  kill: (node: DemoNode) => Promise<void>,
  { log, timeoutMs }: { log: (line: string) => void; timeoutMs: number },
): Promise<RepairOutcome> {
  const slotIndex = 0;
  const victim = deal.hosts[slotIndex] as DemoNode;
  const slotId = slotIdOf(deal.requestId, slotIndex);
  const fromBlock = await network.publicClient.getBlockNumber();
  log(`killing ${victim.name} (SIGKILL), the host of slot ${slotIndex} ...`);
  await kill(victim);
  log("  it no longer proves; the validator marks each missed proof, and the market slashes it");
  const nameOf = (address: string) => network.byAddress(address)?.name ?? address;
  const misses: Miss[] = [];
  let forfeited = 0n;
  let repairedBy: string | undefined;
  let repairedByAddress = "";
  await waitForMarket(network.publicClient, network.market, fromBlock, () => repairedBy !== undefined, {
    what: `slot ${slotIndex} to be freed and repaired`,
    timeoutMs,
    onEvent: (event) => {
      if (!("slotId" in event.args) || (event.args.slotId as Hex) !== slotId) return;
      if (event.eventName === "ProofMissed") {
        const miss = {
          period: BigInt(event.args.period),
          validator: nameOf(event.args.validator),
          slashed: event.args.slashed,
          reward: event.args.reward,
        };
        misses.push(miss);
        log(
          `  period ${miss.period}: missed; ${miss.validator} marked it, ${victim.name} slashed ${miss.slashed} wei (${miss.reward} wei to the validator)`,
        );
      } else if (event.eventName === "SlotFreed") {
        forfeited = event.args.forfeited;
        log(
          `  slot ${slotIndex} freed after ${misses.length} misses; ${victim.name} forfeits ${forfeited} wei more`,
        );
      } else if (event.eventName === "SlotFilled" && event.args.repair) {
        repairedBy = nameOf(event.args.provider);
        repairedByAddress = event.args.provider;
        log(`  ${repairedBy} rebuilt slot ${slotIndex} from the other slots' data and filled it`);
      }
    },
  });
  return {
    killed: victim,
    slotIndex,
    misses,
    forfeited,
    repairedBy: repairedBy as string,
    repairedByAddress,
  };
}
