"use client";
/** Edit the published offer, starting from what is on-chain. */
import { useEffect, useState } from "react";
import type { Address } from "viem";
import { TxStatus } from "../../../components/tx-status.tsx";
import { useReadProviderOffer, useUpdateOffer } from "../../../hooks/registry.ts";
import { decodeLabel } from "../../../lib/offer.ts";
import {
  DEFAULT_OFFER_FORM,
  OfferFields,
  type OfferForm,
  formFromOffer,
  offerFromForm,
} from "./offer-fields.tsx";

export function OfferPanel({ provider }: { provider: Address }) {
  const current = useReadProviderOffer(provider);
  const update = useUpdateOffer();
  const [form, setForm] = useState<OfferForm>(DEFAULT_OFFER_FORM);
  const loaded = current.data;
  useEffect(() => {
    if (loaded)
      setForm(
        formFromOffer({
          ...loaded,
          region: decodeLabel(loaded.region),
          infrastructure: decodeLabel(loaded.infrastructure),
        }),
      );
  }, [loaded]);
  return (
    <section aria-label="offer">
      <h2>Offer</h2>
      <OfferFields form={form} onChange={setForm} />
      <button type="button" disabled={update.busy} onClick={() => update.run({ offer: offerFromForm(form) })}>
        Update offer
      </button>
      <TxStatus status={update.status} label="update offer" />
    </section>
  );
}
