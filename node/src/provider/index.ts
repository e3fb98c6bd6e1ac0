/**
 * The provider's registry commands (register, stake, exits, offer, endpoints, pause and
 * resume) and manual collection of ended slots, used by the REST API's `/api/v1/provider`
 * routes and through them by `cairn provider ...` and `npm start`.
 *
 *   const admin = createProviderAdmin({ sender, publicClient, collector }, { registry });
 *   await admin.register({ offer: encodeOffer(input), stake, peerId, multiaddrs });
 *   await admin.collect({ slotId }); // or admin.collect() for every ended slot
 */
import { ProviderAdmin, type ProviderAdminComponents, type ProviderAdminInit } from "./provider-admin.ts";

export * from "./errors.ts";
export {
  type CollectTarget,
  ProviderAdmin,
  type ProviderStatus,
  type RegisterRequest,
} from "./provider-admin.ts";

export function createProviderAdmin(
  components: ProviderAdminComponents,
  init: ProviderAdminInit,
): ProviderAdmin {
  return new ProviderAdmin(components, init);
}
