"use client";
/** The offer's inputs, in the contract's own units, with a per-GiB·month preview of the price. */
import { formatEth } from "../../../lib/format.ts";
import type { Offer } from "../../../lib/offer.ts";
import { GIB, perGibMonth } from "../../../lib/units.ts";

export interface OfferForm {
  price: string;
  collateral: string;
  minDays: string;
  maxDays: string;
  capacityGiB: string;
  region: string;
  infrastructure: string;
}

export const DEFAULT_OFFER_FORM: OfferForm = {
  price: "1",
  collateral: "1",
  minDays: "0.01",
  maxDays: "30",
  capacityGiB: "10",
  region: "eu-west",
  infrastructure: "home",
};

const DAY = 86_400;

export function offerFromForm(form: OfferForm): Offer {
  return {
    pricePerBytePerSecond: BigInt(form.price || "0"),
    maxCollateralPerByte: BigInt(form.collateral || "0"),
    minDuration: BigInt(Math.round(Number(form.minDays) * DAY)),
    maxDuration: BigInt(Math.round(Number(form.maxDays) * DAY)),
    capacity: BigInt(Math.round(Number(form.capacityGiB) * Number(GIB))),
    region: form.region,
    infrastructure: form.infrastructure,
  };
}

export function formFromOffer(offer: Offer): OfferForm {
  return {
    price: String(offer.pricePerBytePerSecond),
    collateral: String(offer.maxCollateralPerByte),
    minDays: String(Number(offer.minDuration) / DAY),
    maxDays: String(Number(offer.maxDuration) / DAY),
    capacityGiB: String(Number(offer.capacity) / Number(GIB)),
    region: offer.region,
    infrastructure: offer.infrastructure,
  };
}

const FIELDS: { key: keyof OfferForm; label: string; type: string }[] = [
  { key: "price", label: "Price (wei per byte per second)", type: "number" },
  { key: "collateral", label: "Max collateral (wei per byte)", type: "number" },
  { key: "minDays", label: "Min duration (days)", type: "number" },
  { key: "maxDays", label: "Max duration (days)", type: "number" },
  { key: "capacityGiB", label: "Capacity (GiB)", type: "number" },
  { key: "region", label: "Region (≤ 16 bytes)", type: "text" },
  { key: "infrastructure", label: "Infrastructure (≤ 16 bytes)", type: "text" },
];

export function OfferFields({ form, onChange }: { form: OfferForm; onChange: (form: OfferForm) => void }) {
  let preview = "";
  try {
    preview = `${formatEth(perGibMonth(BigInt(form.price || "0")))} per GiB·month`;
  } catch {
    preview = "not a whole number";
  }
  return (
    <>
      {FIELDS.map((field) => (
        <label key={field.key}>
          <span>{field.label}</span>
          <input
            name={field.key}
            type={field.type}
            step="any"
            value={form[field.key]}
            onChange={(e) => onChange({ ...form, [field.key]: e.target.value })}
          />
          {field.key === "price" && <span className="muted"> = {preview}</span>}
        </label>
      ))}
    </>
  );
}
