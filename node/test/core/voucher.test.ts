import { privateKeyToAccount } from "viem/accounts";
import { hashTypedData, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { voucherDomain, voucherTypes } from "../../src/generated/contracts.ts";
import { recoverVoucherSigner, signVoucher, verifyVoucher, voucherDigest } from "../../src/core/voucher.ts";

// Hardhat's first two well-known dev keys (public test keys, never funded outside devnets).
const sender = privateKeyToAccount("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
const other = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const context = { chainId: 98_765, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" } as const;
const voucher = {
  channelId: "0x1111111111111111111111111111111111111111111111111111111111111111" as Hex,
  cumulativeAmount: 1_000_000_000_000_000n,
};

describe("vouchers", () => {
  it("hash with the generated EIP-712 types and domain", () => {
    expect(voucherDigest(context, voucher)).toBe(
      hashTypedData({
        domain: voucherDomain(context.chainId, context.verifyingContract),
        types: voucherTypes,
        primaryType: "Voucher",
        message: voucher,
      }),
    );
  });

  it("sign and verify, and recover the signer", async () => {
    const signature = await signVoucher(sender, context, voucher);
    expect(await verifyVoucher(context, voucher, signature, sender.address)).toBe(true);
    expect(await recoverVoucherSigner(context, voucher, signature)).toBe(sender.address);
  });

  it("reject another signer, another amount, channel, chain or contract", async () => {
    const signature = await signVoucher(sender, context, voucher);
    expect(await verifyVoucher(context, voucher, signature, other.address)).toBe(false);
    expect(
      await verifyVoucher(context, { ...voucher, cumulativeAmount: 1n }, signature, sender.address),
    ).toBe(false);
    expect(
      await verifyVoucher(
        context,
        { ...voucher, channelId: `0x${"22".repeat(32)}` },
        signature,
        sender.address,
      ),
    ).toBe(false);
    expect(await verifyVoucher({ ...context, chainId: 1 }, voucher, signature, sender.address)).toBe(false);
    expect(
      await verifyVoucher(
        { ...context, verifyingContract: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" },
        voucher,
        signature,
        sender.address,
      ),
    ).toBe(false);
    // A well-formed but invalid signature (r = s = 0) is no one's.
    expect(await verifyVoucher(context, voucher, `0x${"00".repeat(64)}1b`, sender.address)).toBe(false);
  });

  it("name malformed input", async () => {
    const signature = await signVoucher(sender, context, voucher);
    await expect(signVoucher(sender, context, { ...voucher, channelId: "0x12" })).rejects.toMatchObject({
      name: "InvalidParameterError",
      field: "channelId",
    });
    expect(() => voucherDigest(context, { ...voucher, cumulativeAmount: -1n })).toThrow(
      expect.objectContaining({ field: "cumulativeAmount" }),
    );
    expect(() => voucherDigest(context, { ...voucher, cumulativeAmount: 2n ** 256n })).toThrow(
      expect.objectContaining({ field: "cumulativeAmount" }),
    );
    expect(() => voucherDigest({ ...context, chainId: 0 }, voucher)).toThrow(
      expect.objectContaining({ field: "chainId" }),
    );
    expect(() => voucherDigest({ ...context, verifyingContract: "0x1234" }, voucher)).toThrow(
      expect.objectContaining({ field: "verifyingContract" }),
    );
    await expect(verifyVoucher(context, voucher, "0x1234", sender.address)).rejects.toMatchObject({
      field: "signature",
    });
    await expect(verifyVoucher(context, voucher, signature, "0xnope")).rejects.toMatchObject({
      field: "signer",
    });
  });
});
