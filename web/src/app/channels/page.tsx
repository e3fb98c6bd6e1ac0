"use client";
/** Channels: the payment channels this account pays retrievals through. */
import { useBlock, useConnection } from "wagmi";
import { config } from "../../config.ts";
import { describeError } from "../../contracts/describe-error.ts";
import { useListChannels } from "../../hooks/channels.ts";
import { ChannelRow } from "./_components/channel-row.tsx";
import { OpenChannelForm } from "./_components/open-channel-form.tsx";

export default function ChannelsPage() {
  const { address } = useConnection();
  const channels = useListChannels(address, config.pollMs * 2);
  const block = useBlock({ watch: true });
  const now = Number(block.data?.timestamp ?? 0);
  return (
    <>
      <h1>Channels</h1>
      {!address && <p>Connect a wallet to open and manage payment channels.</p>}
      {address && <OpenChannelForm />}
      {channels.error && <p className="bad">{describeError(channels.error)}</p>}
      {address && (
        <section aria-label="channels">
          <h2>My channels</h2>
          <table>
            <thead>
              <tr>
                <th>Channel</th>
                <th>Recipient</th>
                <th>Deposited</th>
                <th>Paid</th>
                <th>State</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {channels.data?.map((c) => (
                <ChannelRow key={c.channelId} now={now} channel={{ ...c, closesAt: Number(c.closesAt) }} />
              ))}
            </tbody>
          </table>
          {channels.data?.length === 0 && <p className="muted">No channels yet.</p>}
        </section>
      )}
    </>
  );
}
