/** What a Cairn node says about itself (`GET /api/v1/info`): enough to fill the registration form. */
export interface NodeInfo {
  peerId?: string;
  walletAddress?: string;
  addresses: { api: string; p2p?: string[] };
}

export async function fetchNodeInfo(apiUrl: string, fetchFn: typeof fetch = fetch): Promise<NodeInfo> {
  const response = await fetchFn(new URL("/api/v1/info", apiUrl));
  if (!response.ok) throw new Error(`the node at ${apiUrl} answered HTTP ${response.status}`);
  return (await response.json()) as NodeInfo;
}
