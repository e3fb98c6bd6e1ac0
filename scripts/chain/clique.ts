// Clique (EIP-225) helpers on viem blocks.
//
// In Clique the sealer is not the block's `miner`/coinbase (that field is used for votes and is
// usually zero); it is recovered from the 65-byte signature at the end of extraData, which
// signs keccak256(rlp(header with extraData minus those 65 bytes)).
import { keccak256, numberToHex, recoverAddress, toRlp, type Address, type Block, type Hex } from "viem";

const SEAL_HEX_CHARS = 65 * 2;

/** Minimal big-endian bytes of a quantity, as RLP headers encode numbers (0 is empty). */
function q(n: bigint | number | null | undefined): Hex {
  const v = BigInt(n ?? 0);
  if (v === 0n) return "0x";
  const h = numberToHex(v).slice(2);
  return `0x${h.length % 2 === 1 ? `0${h}` : h}`;
}

/** Header fields in RLP order, up to London (plus later optional fields when present). */
function headerFields(block: Block, extraData: Hex): Hex[] {
  if (block.hash === null || block.number === null || block.nonce === null || block.logsBloom === null) {
    throw new Error("cannot decode a pending block");
  }
  const fields: Hex[] = [
    block.parentHash,
    block.sha3Uncles,
    block.miner,
    block.stateRoot,
    block.transactionsRoot,
    block.receiptsRoot,
    block.logsBloom,
    q(block.difficulty),
    q(block.number),
    q(block.gasLimit),
    q(block.gasUsed),
    q(block.timestamp),
    extraData,
    block.mixHash,
    block.nonce,
  ];
  if (block.baseFeePerGas !== null && block.baseFeePerGas !== undefined) fields.push(q(block.baseFeePerGas));
  return fields;
}

/** keccak256 of the full RLP header; equals block.hash when the encoding is right. */
export function headerHash(block: Block): Hex {
  return keccak256(toRlp(headerFields(block, block.extraData)));
}

/** The hash a Clique sealer signs: the header with the 65-byte seal cut off extraData. */
export function cliqueSealHash(block: Block): Hex {
  if (block.extraData.length - 2 < SEAL_HEX_CHARS)
    throw new Error(`block ${block.number}: extraData is shorter than a Clique seal`);
  const unsealed = block.extraData.slice(0, block.extraData.length - SEAL_HEX_CHARS) as Hex;
  return keccak256(toRlp(headerFields(block, unsealed)));
}

/** The address that sealed a Clique block (recovered from its extraData signature). */
export async function cliqueSigner(block: Block): Promise<Address> {
  if (block.number === 0n) throw new Error("the genesis block is not sealed");
  if (headerHash(block) !== block.hash) {
    throw new Error(
      `block ${block.number}: re-encoded header does not hash to ${block.hash} (unexpected header fields)`,
    );
  }
  const signature = `0x${block.extraData.slice(-SEAL_HEX_CHARS)}` as Hex;
  return recoverAddress({ hash: cliqueSealHash(block), signature });
}

/** Signers named in a Clique extraData on an epoch/genesis block (between vanity and seal). */
export function cliqueSignersInExtraData(extraData: Hex): Address[] {
  const body = extraData.slice(2 + 64, extraData.length - SEAL_HEX_CHARS);
  const out: Address[] = [];
  for (let i = 0; i + 40 <= body.length; i += 40) out.push(`0x${body.slice(i, i + 40)}`);
  return out;
}
