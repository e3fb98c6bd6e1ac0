/** The demo's closing summary: gas spent, payments and slashes, as plain-text tables. */
import { formatEther } from "viem";
import type { DemoReport } from "./scenario.ts";

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
}

const eth = (wei: bigint) => `${formatEther(wei)} ETH`;

export function formatReport(report: DemoReport): string {
  const { deal, repair, retrieval } = report;
  const paid = retrieval.providers.reduce((sum, p) => sum + p.paid, 0n);
  const slashed = repair.misses.reduce((sum, miss) => sum + miss.slashed, 0n);
  return [
    "",
    "Summary",
    "",
    `  request ${deal.requestId}`,
    `  file ${report.file} (${report.size} bytes), fetched back: ${retrieval.matches ? "identical" : "DIFFERENT"}`,
    "",
    `  Gas spent (blocks ${deal.fromBlock}..${report.toBlock})`,
    ...table(
      ["node", "transactions", "gas", "cost"],
      report.gas.map((row) => [row.name, String(row.transactions), String(row.gasUsed), eth(row.cost)]),
    ).map((line) => `    ${line}`),
    "",
    "  Payments",
    ...table(
      ["what", "to", "amount"],
      [
        ["storage escrow", "StorageMarket", eth(deal.escrow)],
        ...retrieval.providers.map((p) => [`retrieval, ${p.blocks} blocks`, p.name, eth(p.paid)]),
        ["retrieval total", "", eth(paid)],
      ],
    ).map((line) => `    ${line}`),
    "",
    "  Slashes",
    ...table(
      ["period", "provider", "marked by", "slashed", "validator reward"],
      [
        ...repair.misses.map((miss) => [
          String(miss.period),
          repair.killed.name,
          miss.validator,
          eth(miss.slashed),
          eth(miss.reward),
        ]),
        ["freed", repair.killed.name, "", eth(repair.forfeited), ""],
        ["total", "", "", eth(slashed + repair.forfeited), ""],
      ],
    ).map((line) => `    ${line}`),
    "",
    `  slot ${repair.slotIndex} was repaired by ${repair.repairedBy}; ${repair.killed.name} stays down until \`npm start\` is restarted.`,
    "",
  ].join("\n");
}
