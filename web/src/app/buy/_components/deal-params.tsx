"use client";
/**
 * Durability (k of n), duration, the highest price to pay, proof frequency and optional
 * encryption with a key the user keeps.
 */
import { bytesToHex } from "viem";
import { formatEth } from "../../../lib/format.ts";
import { perGibMonth } from "../../../lib/units.ts";

export interface DealParams {
  k: number;
  n: number;
  days: number;
  /** The highest price accepted, in wei per byte per second as typed; "" for any. */
  maxPrice: string;
  proofProbability: number;
  encrypt: boolean;
  key: Uint8Array | undefined;
}

export const DEFAULT_DEAL: DealParams = {
  k: 2,
  n: 3,
  days: 1,
  maxPrice: "",
  proofProbability: 3,
  encrypt: false,
  key: undefined,
};

/** The typed highest price as wei per byte per second; undefined when empty or not a whole number. */
export function maxPriceOf(params: DealParams): bigint | undefined {
  return /^\d+$/.test(params.maxPrice.trim()) ? BigInt(params.maxPrice.trim()) : undefined;
}

export function DealParamsForm({
  params,
  onChange,
  newKey,
}: {
  params: DealParams;
  onChange: (params: DealParams) => void;
  newKey: () => Uint8Array;
}) {
  const keyHex = params.key ? bytesToHex(params.key) : "";
  const maxPrice = maxPriceOf(params);
  return (
    <section aria-label="deal">
      <h2>Durability and duration</h2>
      <label>
        <span>Data slots k</span>
        <input
          type="number"
          name="k"
          min={1}
          value={params.k}
          onChange={(e) => onChange({ ...params, k: Number(e.target.value) })}
        />
      </label>
      <label>
        <span>Total slots n (k + parity)</span>
        <input
          type="number"
          name="n"
          min={params.k + 1}
          value={params.n}
          onChange={(e) => onChange({ ...params, n: Number(e.target.value) })}
        />
        <span className="muted">
          {" "}
          any {params.k} of {params.n} slots restore the file
        </span>
      </label>
      <label>
        <span>Duration (days)</span>
        <input
          type="number"
          name="days"
          step="any"
          min={0}
          value={params.days}
          onChange={(e) => onChange({ ...params, days: Number(e.target.value) })}
        />
      </label>
      <label>
        <span>Highest price (wei/B/s)</span>
        <input
          type="number"
          name="maxPrice"
          min={0}
          step={1}
          placeholder="any"
          value={params.maxPrice}
          onChange={(e) => onChange({ ...params, maxPrice: e.target.value })}
        />
        <span className="muted">
          {" "}
          {maxPrice === undefined ? "any offer" : `${formatEth(perGibMonth(maxPrice))} per GiB·month at most`}
        </span>
      </label>
      <label>
        <span>Proof every ~N periods</span>
        <input
          type="number"
          name="proofProbability"
          min={1}
          value={params.proofProbability}
          onChange={(e) => onChange({ ...params, proofProbability: Number(e.target.value) })}
        />
      </label>
      <label>
        <span>Encrypt in the browser</span>
        <input
          type="checkbox"
          name="encrypt"
          checked={params.encrypt}
          onChange={(e) =>
            onChange({ ...params, encrypt: e.target.checked, key: e.target.checked ? newKey() : undefined })
          }
        />
      </label>
      {params.encrypt && (
        <p className="warn" data-testid="encryption-key">
          Keep this key: without it nobody, you included, can read the file back.
          <br />
          <code>{keyHex}</code>
        </p>
      )}
    </section>
  );
}
