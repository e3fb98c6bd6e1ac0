/**
 * A test helper, not the node's transaction manager: a `TransactionSender` that simulates,
 * sends with a viem wallet client and waits for the receipt, one at a time. It is enough
 * for tests on an automining devnet; the node uses node/src/chain's nonce-managed sender.
 */
import { type Chain, createWalletClient, http, type PublicClient } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { ContractWrite, SentTransaction, TransactionSender } from "../../src/chain/types.ts";

export function testTransactionSender(
  account: PrivateKeyAccount,
  chain: Chain,
  rpcUrl: string,
  publicClient: PublicClient,
): TransactionSender & { sent: Array<{ functionName: string; hash: string }> } {
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) });
  let queue: Promise<unknown> = Promise.resolve();
  const sent: Array<{ functionName: string; hash: string }> = [];
  return {
    address: account.address,
    sent,
    send(write: ContractWrite): Promise<SentTransaction> {
      const run = queue
        .catch(() => {})
        .then(async () => {
          const { request } = await publicClient.simulateContract({
            account,
            address: write.address,
            abi: write.abi,
            functionName: write.functionName,
            args: write.args,
            value: write.value,
          } as never);
          const hash = await wallet.writeContract(request as never);
          const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
          if (receipt.status !== "success") throw new Error(`${write.functionName} reverted in ${hash}`);
          sent.push({ functionName: write.functionName, hash });
          return { hash, receipt };
        });
      queue = run;
      return run;
    },
  };
}
