/**
 * The subgraph's data through the Graph Client SDK (@cairn/subgraph/client): its typed
 * operations (`getSdk`, one method per query in subgraph/queries/*.graphql) over a small
 * fetch requester aimed at config.subgraphUrl.
 *
 * Why not `getBuiltGraphSDK()`: it bundles in Next, but in the browser its mesh runtime
 * posts to the endpoint template itself (`{env.CAIRN_SUBGRAPH_URL:http://…}`, unresolved,
 * so a relative URL on the dApp's own origin) instead of the interpolated URL. The typed
 * documents and the Sdk shape are the SDK's; only the transport is ours.
 */
import { getSdk, type Requester, type Sdk } from "@cairn/subgraph/client";
import { type DocumentNode, print } from "graphql";
import { config } from "../config.ts";

export class SubgraphError extends Error {
  override name = "SubgraphError";
}

/** A Graph Client requester that POSTs the operation to `url` (graph-node's HTTP shape). */
export function fetchRequester(url: string, fetchFn: typeof fetch = fetch): Requester {
  return async <R, V>(doc: DocumentNode, variables?: V) => {
    const response = await fetchFn(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: print(doc), variables: variables ?? {} }),
    });
    if (!response.ok) throw new SubgraphError(`the subgraph at ${url} answered HTTP ${response.status}`);
    const body = (await response.json()) as { data?: R; errors?: { message: string }[] };
    if (body.errors?.length) throw new SubgraphError(body.errors.map((e) => e.message).join("; "));
    if (body.data === undefined) throw new SubgraphError(`the subgraph at ${url} returned no data`);
    return body.data;
  };
}

export function createSubgraphSdk(url: string = config.subgraphUrl): Sdk {
  return getSdk(fetchRequester(url));
}

let sdk: Sdk | undefined;

export function subgraphSdk(): Sdk {
  sdk ??= createSubgraphSdk();
  return sdk;
}
