"use client";
/** Buy storage: pick a file, choose durability and duration, see the quote, pay and upload. */
import { generateEncryptionKey } from "@cairn/node/core";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useBlock, useConnection } from "wagmi";
import { config } from "../../config.ts";
import { quoteStorage } from "../../lib/quote.ts";
import { fetchProvidersQueryOptions } from "../../queries/market.ts";
import { BuyFlow } from "./_components/buy-flow.tsx";
import { DEFAULT_DEAL, type DealParams, DealParamsForm, maxPriceOf } from "./_components/deal-params.tsx";
import { FileDrop } from "./_components/file-drop.tsx";
import { QuotePanel } from "./_components/quote-panel.tsx";

export default function BuyPage() {
  const { address } = useConnection();
  const [file, setFile] = useState<File | undefined>();
  const [params, setParams] = useState<DealParams>(DEFAULT_DEAL);
  const providers = useQuery(fetchProvidersQueryOptions(config.pollMs * 5));
  // Offers become active at a block time, so the quote compares against the chain's clock.
  const block = useBlock({ watch: true });
  const quote = useMemo(
    () =>
      file && providers.data && block.data
        ? quoteStorage({
            providers: providers.data,
            fileSize: file.size,
            k: params.k,
            n: params.n,
            duration: BigInt(Math.round(params.days * 86_400)),
            encrypted: params.encrypt,
            nowSeconds: Number(block.data.timestamp),
            maxPrice: maxPriceOf(params),
          })
        : undefined,
    [file, providers.data, block.data, params],
  );
  return (
    <>
      <h1>Buy storage</h1>
      <FileDrop file={file} onFile={setFile} />
      <DealParamsForm params={params} onChange={setParams} newKey={generateEncryptionKey} />
      {quote && <QuotePanel quote={quote} n={params.n} />}
      {!address && <p>Connect a wallet to buy.</p>}
      {address && file && quote && <BuyFlow file={file} params={params} quote={quote} />}
    </>
  );
}
