/**
 * Whom the client pays: the wallet a provider names in its terms, held against the
 * registry, which is where a provider's wallet comes from (matched by peer id).
 *
 * The binding of a peer id to a wallet is proven from both ends. The wallet's end: the
 * registry's `register` and `updateEndpoints` are transactions from that wallet, naming the
 * peer id. The peer's end: the terms arrive over a Noise connection, which proves that the
 * peer holds the peer id's key, and they name the wallet. So a provider is paid only at a
 * wallet that claims its peer id on-chain, and neither end alone can redirect a payment:
 * a wallet that publishes someone else's peer id never speaks as that peer, and a peer
 * cannot name a registered wallet that did not claim it. When two wallets claim one peer
 * id (the registry cannot stop a wallet from publishing any peer id), the peer's own terms
 * say which claim is true.
 *
 * A peer that no registered wallet claims, naming a wallet that is not registered, is not a
 * market provider (a client's node serving a manifest while a slot fills, say): nothing
 * on-chain says otherwise, so it is paid at the wallet its terms name.
 */
import { type Address, getAddress } from "viem";
import type { ProviderRecord } from "../discovery/index.ts";
import { RecipientMismatchError } from "./errors.ts";

export interface RecipientCheck {
  /** Throws `RecipientMismatchError` when the registry binds `peer` or `recipient` otherwise. */
  check(peer: string, recipient: Address): void;
}

/** What the check reads from the node's provider directory (discovery). */
export interface RegisteredProviders {
  /** Every registered wallet whose registry entry names this peer id. */
  claimants(peerId: string): ProviderRecord[];
  byAddress(address: string): ProviderRecord | undefined;
}

export function registryRecipientCheck(providers: RegisteredProviders): RecipientCheck {
  return {
    check(peer, recipient) {
      const wallet = getAddress(recipient);
      const claimants = providers.claimants(peer);
      if (claimants.length > 0) {
        if (claimants.some((c) => c.address === wallet)) return;
        throw new RecipientMismatchError(
          `provider ${peer} asks to be paid at ${wallet}, but the registry gives its peer id to ${claimants
            .map((c) => c.address)
            .join(", ")}`,
        );
      }
      const registered = providers.byAddress(wallet);
      if (registered !== undefined) {
        throw new RecipientMismatchError(
          `peer ${peer} asks to be paid at ${wallet}, a registered provider whose peer id is ${
            registered.peerId ?? "not published"
          }`,
        );
      }
    },
  };
}
