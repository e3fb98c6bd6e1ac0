import { describe, expect, it } from "vitest";
import { apiUrlToMultiaddr, findApiUrl, multiaddrToApiUrl } from "../../src/lib/multiaddr.ts";
import { InvalidPeerIdError, peerIdToBytes, peerIdToText } from "../../src/lib/peer-id.ts";

describe("API URL multiaddrs", () => {
  it.each([
    ["http://127.0.0.1:8080", "/ip4/127.0.0.1/tcp/8080/http", "http://127.0.0.1:8080"],
    ["https://node.example", "/dns/node.example/tcp/443/tls/http", "https://node.example:443"],
    ["http://[::1]:9000", "/ip6/::1/tcp/9000/http", "http://[::1]:9000"],
  ])("%s → %s → %s", (url, multiaddr, back) => {
    expect(apiUrlToMultiaddr(url)).toBe(multiaddr);
    expect(multiaddrToApiUrl(multiaddr)).toBe(back);
  });

  it("reads /tls/http and the older /https as https, and keeps ports", () => {
    expect(multiaddrToApiUrl("/dns4/node.example/tcp/443/https")).toBe("https://node.example:443");
    expect(multiaddrToApiUrl("/dns4/node.example/tcp/8443/tls/http")).toBe("https://node.example:8443");
    expect(multiaddrToApiUrl("/ip4/10.0.0.1/tcp/80/http")).toBe("http://10.0.0.1:80");
  });

  it("ignores libp2p addresses and picks the API among them", () => {
    const addrs = [
      "/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWabc",
      "/ip4/1.2.3.4/tcp/4002/ws",
      "/ip4/1.2.3.4/tcp/8080/http",
    ];
    expect(multiaddrToApiUrl(addrs[0] as string)).toBeUndefined();
    expect(findApiUrl(addrs)).toBe("http://1.2.3.4:8080");
    expect(findApiUrl(addrs.slice(0, 2))).toBeUndefined();
  });

  it("refuses URLs that are not an http origin", () => {
    expect(() => apiUrlToMultiaddr("ftp://x")).toThrow(/http or https/);
    expect(() => apiUrlToMultiaddr("http://x:1/api")).toThrow(/origin only/);
  });
});

describe("peer ids", () => {
  it("round-trips the base58 text form through bytes", () => {
    const text = "12D3KooWEFdAD93wox6kBmDZ8yiUMWDf5LotLTs2eTb9eDVrEUDG";
    const bytes = peerIdToBytes(text);
    expect(bytes.startsWith("0x0024")).toBe(true); // identity multihash of a 36-byte Ed25519 key
    expect(peerIdToText(bytes)).toBe(text);
  });

  it("rejects text that is neither base58 nor hex", () => {
    expect(() => peerIdToBytes("not a peer id!")).toThrow(InvalidPeerIdError);
  });
});
