/**
 * The lifecycle every long-lived service implements. It matches libp2p's `Startable`
 * structurally, so a service can be handed to either without an adapter.
 */
export interface Startable {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}
