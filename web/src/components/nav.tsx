"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

const PAGES = [
  { href: "/", label: "Market" },
  { href: "/provider", label: "Provider" },
  { href: "/buy", label: "Buy storage" },
  { href: "/storage", label: "My storage" },
  { href: "/channels", label: "Channels" },
] as const;

export function Nav() {
  const path = usePathname();
  return (
    <nav>
      <span className="brand">Cairn</span>{" "}
      {PAGES.map((page) => (
        <Link key={page.href} href={page.href} aria-current={path === page.href ? "page" : undefined}>
          {page.label}
        </Link>
      ))}
    </nav>
  );
}
