"use client";
/** Onboarding: the node's identity and API URL, the offer, and the first stake, in one transaction. */
import { useState } from "react";
import { parseEther } from "viem";
import { TxStatus } from "../../../components/tx-status.tsx";
import { useReadRegistryConfig, useRegisterProvider } from "../../../hooks/registry.ts";
import { formatDuration, formatEth } from "../../../lib/format.ts";
import { apiUrlToMultiaddr } from "../../../lib/multiaddr.ts";
import { fetchNodeInfo } from "../../../lib/node-info.ts";
import { peerIdToBytes } from "../../../lib/peer-id.ts";
import { DEFAULT_OFFER_FORM, OfferFields, offerFromForm } from "./offer-fields.tsx";

export function RegisterForm() {
  const registryConfig = useReadRegistryConfig();
  const register = useRegisterProvider();
  const [apiUrl, setApiUrl] = useState("http://127.0.0.1:8080");
  const [peerId, setPeerId] = useState("");
  const [p2pAddrs, setP2pAddrs] = useState("");
  const [stake, setStake] = useState("");
  const [offer, setOffer] = useState(DEFAULT_OFFER_FORM);
  const [formError, setFormError] = useState("");

  const minStake = registryConfig.data?.minStake;

  async function fillFromNode() {
    setFormError("");
    try {
      const info = await fetchNodeInfo(apiUrl);
      setPeerId(info.peerId ?? "");
      setP2pAddrs((info.addresses.p2p ?? []).join("\n"));
    } catch (error) {
      setFormError(`Could not read the node: ${(error as Error).message}`);
    }
  }

  async function submit() {
    setFormError("");
    let params: Parameters<typeof register.run>[0];
    try {
      params = {
        offer: offerFromForm(offer),
        peerId: peerIdToBytes(peerId),
        multiaddrs: [
          ...p2pAddrs
            .split("\n")
            .map((line) => line.trim())
            .filter(Boolean),
          apiUrlToMultiaddr(apiUrl),
        ],
        stake: parseEther(stake === "" ? String(Number(minStake ?? 0n) / 1e18) : stake),
      };
    } catch (error) {
      setFormError((error as Error).message);
      return;
    }
    await register.run(params);
  }

  return (
    <section aria-label="register">
      <h2>Register as a provider</h2>
      {registryConfig.data && (
        <p className="muted">
          Minimum stake {formatEth(registryConfig.data.minStake)}; slots can be taken{" "}
          {formatDuration(registryConfig.data.activationDelay)} after registering; withdrawals unbond for{" "}
          {formatDuration(registryConfig.data.unbondingPeriod)}.
        </p>
      )}
      <label>
        <span>Node API URL</span>
        <input name="apiUrl" value={apiUrl} onChange={(e) => setApiUrl(e.target.value)} size={32} />{" "}
        <button type="button" className="secondary" onClick={fillFromNode}>
          Fill from node
        </button>
      </label>
      <label>
        <span>Peer id</span>
        <input name="peerId" value={peerId} onChange={(e) => setPeerId(e.target.value)} size={56} />
      </label>
      <label>
        <span>libp2p multiaddrs (one per line)</span>
        <textarea
          name="multiaddrs"
          value={p2pAddrs}
          onChange={(e) => setP2pAddrs(e.target.value)}
          rows={3}
          cols={60}
        />
      </label>
      <OfferFields form={offer} onChange={setOffer} />
      <label>
        <span>Stake (ETH)</span>
        <input
          name="stake"
          value={stake}
          placeholder={minStake === undefined ? "" : String(Number(minStake) / 1e18)}
          onChange={(e) => setStake(e.target.value)}
        />
      </label>
      <button type="button" onClick={submit} disabled={register.busy}>
        Register and stake
      </button>
      {formError && <p className="bad">{formError}</p>}
      <TxStatus status={register.status} label="register" />
    </section>
  );
}
