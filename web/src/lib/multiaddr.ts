/**
 * A provider's REST API URL travels in the registry's `multiaddrs` as an HTTP multiaddr
 * (`/ip4/127.0.0.1/tcp/8080/http`, or `/dns/node.example/tcp/443/tls/http` for HTTPS),
 * next to its libp2p addresses. The conversions are the node's core's, shared with the node.
 */
export {
  apiUrlToMultiaddr,
  multiaddrToApiUrl,
  providerApiUrl as findApiUrl,
} from "@cairn/node/core";
