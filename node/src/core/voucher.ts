/**
 * EIP-712 payment-channel vouchers, on the generated `voucherTypes` and `voucherDomain`
 * (node/src/generated/contracts.ts, from PaymentChannels), so the node, the dApp and the
 * contract hash the very same struct. Signing takes any viem account that can sign typed
 * data (a local private-key account, or a wallet's JSON-RPC account in the dApp).
 */
import {
  type Address,
  getAddress,
  type Hex,
  hashTypedData,
  isAddress,
  isHex,
  recoverTypedDataAddress,
  size,
} from "viem";
import { voucherDomain, voucherTypes } from "../generated/contracts.ts";
import { InvalidParameterError } from "./errors.ts";

/** A voucher: the channel's running total that the sender has signed over to the receiver. */
export interface Voucher {
  channelId: Hex;
  cumulativeAmount: bigint;
}

/** Where the vouchers are redeemed: PaymentChannels on a chain. */
export interface VoucherContext {
  chainId: number;
  verifyingContract: Address;
}

/** What signing needs of an account (viem's LocalAccount and JSON-RPC wallets have it). */
export interface TypedDataSigner {
  address: Address;
  signTypedData(parameters: {
    domain: ReturnType<typeof voucherDomain>;
    types: typeof voucherTypes;
    primaryType: "Voucher";
    message: Voucher;
  }): Promise<Hex>;
}

const MAX_UINT256 = 2n ** 256n - 1n;

function check(context: VoucherContext, voucher: Voucher): void {
  if (!Number.isSafeInteger(context.chainId) || context.chainId < 1)
    throw new InvalidParameterError("chainId", `must be a positive integer, got ${context.chainId}`);
  if (!isAddress(context.verifyingContract, { strict: false }))
    throw new InvalidParameterError("verifyingContract", "must be an address");
  if (!isHex(voucher.channelId, { strict: true }) || size(voucher.channelId) !== 32)
    throw new InvalidParameterError("channelId", "must be 32 bytes of hex");
  if (
    typeof voucher.cumulativeAmount !== "bigint" ||
    voucher.cumulativeAmount < 0n ||
    voucher.cumulativeAmount > MAX_UINT256
  )
    throw new InvalidParameterError("cumulativeAmount", "must be a uint256 bigint");
}

function typedData(context: VoucherContext, voucher: Voucher) {
  check(context, voucher);
  return {
    domain: voucherDomain(context.chainId, getAddress(context.verifyingContract)),
    types: voucherTypes,
    primaryType: "Voucher" as const,
    message: { channelId: voucher.channelId, cumulativeAmount: voucher.cumulativeAmount },
  };
}

/** The EIP-712 digest the contract recovers the signer from. */
export function voucherDigest(context: VoucherContext, voucher: Voucher): Hex {
  return hashTypedData(typedData(context, voucher));
}

/** Signs `voucher` with `account`. */
export async function signVoucher(
  account: TypedDataSigner,
  context: VoucherContext,
  voucher: Voucher,
): Promise<Hex> {
  return account.signTypedData(typedData(context, voucher));
}

function checkSignature(signature: Hex): void {
  if (!isHex(signature, { strict: true }) || size(signature) !== 65)
    throw new InvalidParameterError("signature", "must be 65 bytes of hex (r ‖ s ‖ v)");
}

/** The address that signed `voucher`. */
export async function recoverVoucherSigner(
  context: VoucherContext,
  voucher: Voucher,
  signature: Hex,
): Promise<Address> {
  checkSignature(signature);
  return recoverTypedDataAddress({ ...typedData(context, voucher), signature });
}

/**
 * Whether `signature` is `signer`'s over `voucher`. A well-formed signature by anyone else
 * (or over other values) gives false; malformed input throws `InvalidParameterError`.
 */
export async function verifyVoucher(
  context: VoucherContext,
  voucher: Voucher,
  signature: Hex,
  signer: Address,
): Promise<boolean> {
  if (!isAddress(signer, { strict: false })) throw new InvalidParameterError("signer", "must be an address");
  let recovered: Address;
  try {
    recovered = await recoverVoucherSigner(context, voucher, signature);
  } catch (err) {
    if (err instanceof InvalidParameterError) throw err;
    return false; // an invalid curve point or recovery id: not this signer's signature
  }
  return recovered === getAddress(signer);
}
