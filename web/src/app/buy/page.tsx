"use client";
/** Buy storage: pick a file, choose durability and duration, see the quote, pay and upload. */
import { generateEncryptionKey, InvalidParameterError } from "@cairn/node/core";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useBlock, useConnection } from "wagmi";
import { config } from "../../config.ts";
import { type Quote, quoteStorage } from "../../lib/quote.ts";
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
  // Terms no request can have (n under k, no duration) are said, not quoted.
  const quoted = useMemo((): { quote?: Quote; problem?: string } => {
    if (!file || !providers.data || !block.data) return {};
    try {
      return {
        quote: quoteStorage({
          providers: providers.data,
          fileSize: file.size,
          k: params.k,
          n: params.n,
          duration: Number.isFinite(params.days) ? BigInt(Math.round(params.days * 86_400)) : 0n,
          encrypted: params.encrypt,
          nowSeconds: Number(block.data.timestamp),
          maxPrice: maxPriceOf(params),
        }),
      };
    } catch (error) {
      if (error instanceof InvalidParameterError) return { problem: error.message };
      throw error;
    }
  }, [file, providers.data, block.data, params]);
  const { quote, problem } = quoted;
  return (
    <>
      <h1>Buy storage</h1>
      <FileDrop file={file} onFile={setFile} />
      <DealParamsForm params={params} onChange={setParams} newKey={generateEncryptionKey} />
      {problem && (
        <p className="bad" data-testid="quote-problem">
          No quote: {problem}
        </p>
      )}
      {quote && <QuotePanel quote={quote} n={params.n} />}
      {!address && <p>Connect a wallet to buy.</p>}
      {address && file && quote && <BuyFlow file={file} params={params} quote={quote} />}
    </>
  );
}
