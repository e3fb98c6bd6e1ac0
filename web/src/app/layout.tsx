import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Nav } from "../components/nav.tsx";
import { WalletBar } from "../components/wallet-bar.tsx";
import { Providers } from "./providers.tsx";
import "./globals.css";

export const metadata: Metadata = {
  title: "Cairn",
  description: "Decentralized storage market: buy durable storage, sell disk space",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers>
          <header className="top">
            <Nav />
            <WalletBar />
          </header>
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
