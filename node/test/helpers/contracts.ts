/**
 * Contract writes a test makes as a client or a provider's operator, outside any node:
 * straight from a dev account through a viem wallet client, waiting for the receipt.
 */
import { createWalletClient, type Hex, http, parseEther, type PrivateKeyAccount, toHex } from "viem";
import { providerRegistryAbi } from "../../src/generated/contracts.ts";
import type { Devnet } from "./devnet.ts";

/** Sends `call` (viem's writeContract parameters) from `account`; throws if it reverts. */
export async function send(
  devnet: Devnet,
  account: PrivateKeyAccount,
  call: Record<string, unknown>,
): Promise<Hex> {
  const wallet = createWalletClient({ account, chain: devnet.chain, transport: http(devnet.rpcUrl) });
  const hash = await wallet.writeContract(call as never);
  const receipt = await devnet.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (receipt.status !== "success") throw new Error(`${String(call.functionName)} reverted`);
  return hash;
}

/**
 * A provider's offer in the registry's encoded form: generous limits (1e12 wei/B collateral,
 * 30 days, 1 TiB, eu-west on bare metal), with the price and shortest duration a test names.
 */
export function testOffer({
  pricePerBytePerSecond,
  minDuration,
}: {
  pricePerBytePerSecond: bigint;
  minDuration: bigint;
}) {
  return {
    pricePerBytePerSecond,
    maxCollateralPerByte: 10n ** 12n,
    minDuration,
    maxDuration: 30n * 86_400n,
    capacity: 2n ** 40n,
    region: toHex("eu-west", { size: 16 }),
    infrastructure: toHex("bare-metal", { size: 16 }),
  };
}

/** A dummy libp2p peer id (an identity multihash) for providers no peer ever dials. */
export const TEST_PEER_ID = "0x0024080112";

/**
 * Registers dev account `role` as a provider with `offer` (the registry's encoded form) and
 * a 2 ETH stake, at a placeholder libp2p address plus `multiaddrs`.
 */
export async function registerWithOffer(
  devnet: Devnet,
  role: string,
  offer: Record<string, unknown>,
  multiaddrs: readonly string[] = [],
): Promise<void> {
  await send(devnet, devnet.account(role), {
    address: devnet.contracts.ProviderRegistry.address,
    abi: providerRegistryAbi,
    functionName: "register",
    args: [offer, TEST_PEER_ID, ["/ip4/127.0.0.1/tcp/4001", ...multiaddrs]],
    value: parseEther("2"),
  });
}
