/**
 * A provider's REST API URL travels in the registry's `multiaddrs` as an HTTP multiaddr
 * (`/ip4/127.0.0.1/tcp/8080/http`, `/dns4/node.example/tcp/443/https` or `.../tls/http`),
 * next to its libp2p addresses. These two functions convert between that and a URL.
 */

const HOST_PROTOCOLS = new Set(["ip4", "ip6", "dns", "dns4", "dns6"]);

/** `http://127.0.0.1:8080` → `/ip4/127.0.0.1/tcp/8080/http`. */
export function apiUrlToMultiaddr(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new TypeError(`the API URL must be http or https, got ${parsed.protocol}`);
  if (parsed.pathname !== "/" || parsed.search !== "" || parsed.hash !== "")
    throw new TypeError("the API URL must be an origin, without a path");
  const https = parsed.protocol === "https:";
  const port = parsed.port === "" ? (https ? "443" : "80") : parsed.port;
  const host = parsed.hostname;
  const hostPart = host.startsWith("[")
    ? `/ip6/${host.slice(1, -1)}`
    : /^\d+\.\d+\.\d+\.\d+$/.test(host)
      ? `/ip4/${host}`
      : `/dns/${host}`;
  return `${hostPart}/tcp/${port}/${https ? "https" : "http"}`;
}

/** The API URL of an HTTP multiaddr, or undefined for any other multiaddr (a libp2p one). */
export function multiaddrToApiUrl(multiaddr: string): string | undefined {
  const parts = multiaddr.split("/").slice(1);
  const [hostProto, host, tcp, port, ...rest] = parts;
  if (hostProto === undefined || !HOST_PROTOCOLS.has(hostProto) || host === undefined || host === "") return;
  if (tcp !== "tcp" || port === undefined || !/^\d+$/.test(port)) return;
  const tail = rest.join("/");
  const scheme = tail === "http" ? "http" : tail === "https" || tail === "tls/http" ? "https" : undefined;
  if (scheme === undefined) return;
  const hostname = hostProto === "ip6" ? `[${host}]` : host;
  return `${scheme}://${hostname}:${port}`;
}

/** The first API URL among a provider's multiaddrs. */
export function findApiUrl(multiaddrs: readonly string[]): string | undefined {
  for (const addr of multiaddrs) {
    const url = multiaddrToApiUrl(addr);
    if (url !== undefined) return url;
  }
  return undefined;
}
