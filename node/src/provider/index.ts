/**
 * The provider's registry commands (register, stake, exits, offer, endpoints, pause and
 * resume), used by the REST API's `/api/v1/provider` routes and through them by
 * `cairn provider ...` and `npm start`.
 *
 *   const admin = createProviderAdmin({ sender, publicClient }, { registry });
 *   await admin.register({ offer: encodeOffer(input), stake, peerId, multiaddrs });
 */
import { ProviderAdmin, type ProviderAdminComponents, type ProviderAdminInit } from "./provider-admin.ts";

export * from "./errors.ts";
export { ProviderAdmin, type ProviderStatus, type RegisterRequest } from "./provider-admin.ts";

export function createProviderAdmin(
  components: ProviderAdminComponents,
  init: ProviderAdminInit,
): ProviderAdmin {
  return new ProviderAdmin(components, init);
}
