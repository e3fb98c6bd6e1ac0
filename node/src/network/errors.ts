/** Errors of the libp2p network. Callers and tests check `err.name`, which is stable. */

/** The peer key file exists but is not a libp2p private key. */
export class InvalidPeerKeyError extends Error {
  override name = "InvalidPeerKeyError" as const;
}

/** The peer key file can be read by other users; the node refuses to use it. */
export class PeerKeyPermissionsError extends Error {
  override name = "PeerKeyPermissionsError" as const;
}
