/**
 * The devnet's six providers register and stake through their own nodes' REST API (the
 * same route `cairn provider register` uses), each with its own region, infrastructure
 * and price, so the market has a spread to choose from.
 */
import { readFileSync } from "node:fs";
import { parseEther } from "viem";
import { ChainError } from "../chain/errors.ts";
import type { StackNode } from "./nodes.ts";

const GiB = 2 ** 30;
const DAY = 86_400;

interface DevOffer {
  region: string;
  infrastructure: string;
  /** wei per byte per second. */
  price: number;
  capacityGiB: number;
}

/** One entry per provider node, in order (provider1 first). */
const DEV_OFFERS: readonly DevOffer[] = [
  { region: "eu-west", infrastructure: "hetzner", price: 2, capacityGiB: 64 },
  { region: "eu-central", infrastructure: "ovh", price: 3, capacityGiB: 32 },
  { region: "us-east", infrastructure: "aws", price: 5, capacityGiB: 128 },
  { region: "us-west", infrastructure: "home-lab", price: 1, capacityGiB: 16 },
  { region: "ap-south", infrastructure: "equinix", price: 4, capacityGiB: 48 },
  { region: "sa-east", infrastructure: "colo-rio", price: 3, capacityGiB: 24 },
];

/** Stake per provider: enough collateral for many devnet slots. */
const DEV_STAKE = parseEther("10");

export async function registerProviders(
  nodes: readonly StackNode[],
  log: (line: string) => void,
): Promise<void> {
  const providers = nodes.filter((node) => node.name.startsWith("provider"));
  await Promise.all(
    providers.map(async (node, i) => {
      const offer = DEV_OFFERS[i % DEV_OFFERS.length] as DevOffer;
      const token = readFileSync(node.apiTokenPath, "utf8").trim();
      const response = await fetch(`${node.apiUrl}/api/v1/provider/register`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          stake: String(DEV_STAKE),
          apiUrl: node.apiUrl,
          offer: {
            pricePerBytePerSecond: String(offer.price),
            maxCollateralPerByte: "1000",
            minDuration: String(60),
            maxDuration: String(365 * DAY),
            capacity: String(offer.capacityGiB * GiB),
            region: offer.region,
            infrastructure: offer.infrastructure,
          },
        }),
      });
      const body = (await response.json()) as { transactionHash?: string; error?: { message: string } };
      if (!response.ok) {
        throw new ChainError(
          `${node.name} could not register: ${body.error?.message ?? response.status}; see ${node.logFile}`,
        );
      }
      log(
        `${node.name} registered (${offer.region}, ${offer.infrastructure}, ${offer.price} wei/B/s, 10 ETH stake)`,
      );
    }),
  );
}
