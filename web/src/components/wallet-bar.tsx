"use client";
/**
 * Connect, show the account, and on the wrong chain offer the switch. Dev-account wallets are
 * listed apart and labelled as local-devnet-only.
 */
import { useState } from "react";
import { useConnect, useConnection, useConnectors, useDisconnect, useSwitchChain } from "wagmi";
import { CAIRN_CHAIN_ID } from "../chain.ts";
import { describeError } from "../contracts/describe-error.ts";
import { shortAddress } from "../lib/format.ts";
import { DEV_CONNECTOR_PREFIX } from "../wallet/connectors.ts";

export function WalletBar() {
  const connection = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const disconnect = useDisconnect();
  const switchChain = useSwitchChain();
  const [devRole, setDevRole] = useState("");

  if (connection.status === "connected") {
    const wrongChain = connection.chainId !== CAIRN_CHAIN_ID;
    const dev = connection.connector.id.startsWith(DEV_CONNECTOR_PREFIX);
    return (
      <div className="wallet" data-testid="wallet">
        {dev && <span className="devnet">dev key · local devnet only · </span>}
        <span title={connection.address} data-testid="account">
          {shortAddress(connection.address)}
        </span>{" "}
        {wrongChain ? (
          <>
            <span className="bad">wrong chain ({connection.chainId})</span>{" "}
            <button type="button" onClick={() => switchChain.mutate({ chainId: CAIRN_CHAIN_ID })}>
              Switch to Cairn ({CAIRN_CHAIN_ID})
            </button>
            {switchChain.error && <span className="bad">{describeError(switchChain.error)}</span>}
          </>
        ) : (
          <span className="ok">Cairn {CAIRN_CHAIN_ID}</span>
        )}{" "}
        <button type="button" className="secondary" onClick={() => disconnect.mutate()}>
          Disconnect
        </button>
      </div>
    );
  }

  const injected = connectors.filter((c) => !c.id.startsWith(DEV_CONNECTOR_PREFIX));
  const devs = connectors.filter((c) => c.id.startsWith(DEV_CONNECTOR_PREFIX));
  return (
    <div className="wallet">
      {injected.map((connector) => (
        <button key={connector.uid} type="button" onClick={() => connect.mutate({ connector })}>
          Connect {connector.name}
        </button>
      ))}
      {devs.length > 0 && (
        <span className="devnet">
          <select aria-label="dev account" value={devRole} onChange={(e) => setDevRole(e.target.value)}>
            <option value="">dev account (local devnet only)…</option>
            {devs.map((c) => (
              <option key={c.uid} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={devRole === ""}
            onClick={() => {
              const connector = devs.find((c) => c.id === devRole);
              if (connector) connect.mutate({ connector });
            }}
          >
            Use dev key
          </button>
        </span>
      )}
      {connect.error && <span className="bad">{describeError(connect.error)}</span>}
    </div>
  );
}
