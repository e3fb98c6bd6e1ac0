"use client";
/**
 * From a quote to a started deal: encode in the worker, simulate and send requestStorage,
 * upload each slot to its provider, then watch the slots fill.
 */
import { getBlock } from "@wagmi/core";
import { useState } from "react";
import { type Hex, bytesToHex } from "viem";
import { useConfig } from "wagmi";
import { TxStatus } from "../../../components/tx-status.tsx";
import { useRequestStorage } from "../../../hooks/market.ts";
import { encodeInWorker } from "../../../lib/encode-in-worker.ts";
import { formatBytes } from "../../../lib/format.ts";
import type { Quote } from "../../../lib/quote.ts";
import { saveRequest } from "../../../lib/saved-requests.ts";
import { uploadSlot } from "../../../lib/upload-slot.ts";
import type { DealParams } from "./deal-params.tsx";
import { RequestProgress } from "./request-progress.tsx";

/** The longest a request waits for its slots to fill, in seconds (capped by half its duration). */
const MAX_FILL_WINDOW = 3_600n;

export function BuyFlow({ file, params, quote }: { file: File; params: DealParams; quote: Quote }) {
  const wagmiConfig = useConfig();
  const request = useRequestStorage();
  const [encoding, setEncoding] = useState<{ bytes: number; stripes: number } | undefined>();
  const [working, setWorking] = useState(false);
  const [error, setError] = useState("");
  const [requestId, setRequestId] = useState<Hex | undefined>();
  const [uploads, setUploads] = useState<string[]>([]);

  async function buy() {
    setError("");
    setWorking(true);
    try {
      const dataset = await encodeInWorker(
        { file, k: params.k, m: params.n - params.k, key: params.encrypt ? params.key : undefined },
        setEncoding,
      );
      if (dataset.slotSize !== quote.slotSize)
        throw new Error(`the slots came out at ${dataset.slotSize} B, the quote assumed ${quote.slotSize} B`);
      const duration = BigInt(Math.round(params.days * 86_400));
      // Expiry is checked against block time, which on a devnet can differ from this clock.
      const now = (await getBlock(wagmiConfig)).timestamp;
      const window = duration / 2n < MAX_FILL_WINDOW ? duration / 2n : MAX_FILL_WINDOW;
      const result = await request.run({
        cid: bytesToHex(dataset.manifestCid),
        slotRoots: dataset.slotRoots,
        providers: quote.chosen.map((c) => c.address),
        slotSize: BigInt(dataset.slotSize),
        dataSlots: params.k,
        duration,
        pricePerBytePerSecond: quote.pricePerBytePerSecond,
        collateralPerByte: quote.collateralPerByte,
        proofProbability: params.proofProbability,
        expiry: now + window,
        escrow: quote.escrow,
      });
      if (!result.ok || result.requestId === undefined) return;
      const id = result.requestId;
      setRequestId(id);
      saveRequest({ requestId: id, name: file.name, type: file.type });
      const progress = dataset.slots.map(() => "waiting");
      setUploads([...progress]);
      await Promise.all(
        dataset.slots.map(async (bytes, index) => {
          const provider = quote.chosen[index];
          if (provider === undefined) return;
          try {
            await uploadSlot({ apiUrl: provider.apiUrl, requestId: id, index, bytes }, (sent, total) => {
              progress[index] = `${Math.floor((100 * sent) / total)} % of ${formatBytes(total)}`;
              setUploads([...progress]);
            });
            progress[index] = "uploaded";
          } catch (uploadError) {
            progress[index] = (uploadError as Error).message;
          }
          setUploads([...progress]);
        }),
      );
    } catch (flowError) {
      setError((flowError as Error).message);
    } finally {
      setWorking(false);
    }
  }

  // One deal per file: after a request exists, a new one starts from a fresh page.
  const ready = quote.missing === 0 && !working && requestId === undefined;
  return (
    <section aria-label="buy">
      <button type="button" onClick={buy} disabled={!ready}>
        Encode, pay {quote.escrow > 0n ? "escrow" : ""} and upload
      </button>
      {encoding && (
        <p data-testid="encoding">
          Encoding in a worker: <progress value={encoding.bytes} max={Math.max(1, file.size)} />{" "}
          {formatBytes(encoding.bytes)} read, {encoding.stripes} stripes
        </p>
      )}
      <TxStatus status={request.status} label="requestStorage" />
      {error && <p className="bad">{error}</p>}
      {requestId && <RequestProgress requestId={requestId} uploads={uploads} />}
    </section>
  );
}
