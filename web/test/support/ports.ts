/** Ports of the unit tests' chain and indexer: away from `npm start` and from the e2e test. */
export const UNIT_PORTS = { rpc: 28545, p2p: 32303, indexer: 28000, nodeApi: 28080 } as const;
