"use client";
/** Provider onboarding (register and stake) and, once registered, the dashboard. */
import { useConnection } from "wagmi";
import { useReadProviderInfo } from "../../hooks/registry.ts";
import { OfferPanel } from "./_components/offer-panel.tsx";
import { ProviderActivity } from "./_components/provider-activity.tsx";
import { RegisterForm } from "./_components/register-form.tsx";
import { StakePanel } from "./_components/stake-panel.tsx";

export default function ProviderPage() {
  const { address } = useConnection();
  const info = useReadProviderInfo(address);
  return (
    <>
      <h1>Provider</h1>
      {address === undefined && <p>Connect a wallet to register as a provider or see your dashboard.</p>}
      {address !== undefined && info.data?.registered === false && <RegisterForm />}
      {address !== undefined && info.data?.registered === true && (
        <>
          <StakePanel provider={address} />
          <ProviderActivity provider={address} />
          <OfferPanel provider={address} />
        </>
      )}
      {info.error && <p className="bad">Could not read the registry: {info.error.message}</p>}
    </>
  );
}
