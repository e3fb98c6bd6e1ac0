/**
 * The graph-node host functions that Cairn's compiled mappings import, for running them
 * in Node: the store, type conversions, BigInt/BigDecimal arithmetic, logging, keccak256
 * and `abort`. A function the mappings import but this host lacks fails the handler with
 * its name, so a new graph-ts call shows up as a clear error rather than a wrong entity.
 *
 * graph-node instantiates a fresh module per trigger (the stub runtime never frees
 * memory), and so does this host: the module is compiled once, instantiated per event.
 */
import { readFileSync } from "node:fs";
import { keccak256 } from "viem";
import { AscMemory, type AscExports, TypeId, fromHex, toHex } from "./asc.ts";
import { type Entity, STORE_KINDS, type StoreValue, formatBigDecimal, parseBigDecimal } from "./values.ts";

/** An ABI-decoded value in graph-ts's `ethereum.Value` kinds. */
export type EthValue =
  | { kind: "address" | "fixedBytes" | "bytes"; value: `0x${string}` }
  | { kind: "int" | "uint"; value: bigint }
  | { kind: "bool"; value: boolean }
  | { kind: "string"; value: string }
  | { kind: "fixedArray" | "array" | "tuple"; value: EthValue[] };

const ETH_KINDS = [
  "address",
  "fixedBytes",
  "bytes",
  "int",
  "uint",
  "bool",
  "string",
  "fixedArray",
  "array",
  "tuple",
];

export interface BlockInput {
  hash: `0x${string}`;
  parentHash: `0x${string}`;
  unclesHash: `0x${string}`;
  author: `0x${string}`;
  stateRoot: `0x${string}`;
  transactionsRoot: `0x${string}`;
  receiptsRoot: `0x${string}`;
  number: bigint;
  gasUsed: bigint;
  gasLimit: bigint;
  timestamp: bigint;
  difficulty: bigint;
  totalDifficulty: bigint;
  size: bigint | null;
  baseFeePerGas: bigint | null;
}

export interface TransactionInput {
  hash: `0x${string}`;
  index: bigint;
  from: `0x${string}`;
  to: `0x${string}` | null;
  value: bigint;
  gasLimit: bigint;
  gasPrice: bigint;
  input: `0x${string}`;
  nonce: bigint;
}

export interface EventInput {
  address: `0x${string}`;
  logIndex: bigint;
  transactionLogIndex: bigint;
  block: BlockInput;
  transaction: TransactionInput;
  params: { name: string; value: EthValue }[];
}

/** What a handler reads and writes: the indexer's entity cache for the current block. */
export interface HandlerStore {
  get(entityType: string, id: string): Entity | undefined;
  set(entityType: string, id: string, entity: Entity): void;
  remove(entityType: string, id: string): void;
}

export interface HostContext {
  dataSource: { name: string; address: `0x${string}`; network: string };
  log?: (level: number, message: string) => void;
}

/** A mapping's `abort` or a host function's failure: the handler's error. */
export class MappingError extends Error {
  override name = "MappingError";
}

export class MappingModule {
  readonly module: WebAssembly.Module;
  readonly path: string;

  constructor(path: string) {
    this.path = path;
    this.module = new WebAssembly.Module(readFileSync(path));
  }

  /** Runs `handler` for `event` against `store`. */
  run(handler: string, event: EventInput, store: HandlerStore, context: HostContext): void {
    let memory: AscMemory | undefined;
    const asc = (): AscMemory => {
      if (memory === undefined) throw new MappingError("host function called before the module started");
      return memory;
    };
    const functions = hostFunctions(asc, store, context);
    const imports: WebAssembly.Imports = {};
    for (const entry of WebAssembly.Module.imports(this.module)) {
      if (entry.kind !== "function") continue;
      const moduleImports = (imports[entry.module] ?? {}) as Record<string, unknown>;
      imports[entry.module] = moduleImports;
      moduleImports[entry.name] =
        functions[entry.name] ??
        (() => {
          throw new MappingError(`host function ${entry.name} is not implemented by Cairn's runner`);
        });
    }
    const instance = new WebAssembly.Instance(this.module, imports);
    const exports = instance.exports as unknown as AscExports & Record<string, unknown>;
    memory = new AscMemory(exports);
    exports._start?.();
    const fn = exports[handler];
    if (typeof fn !== "function") throw new MappingError(`${this.path} exports no ${handler}`);
    const eventPtr = writeEvent(memory, event);
    fn(eventPtr);
  }
}

function writeEthValue(m: AscMemory, value: EthValue): number {
  const kind = ETH_KINDS.indexOf(value.kind);
  let data: bigint;
  switch (value.kind) {
    case "address":
    case "fixedBytes":
    case "bytes":
      data = BigInt(m.newBytes(fromHex(value.value)));
      break;
    case "int":
    case "uint":
      data = BigInt(m.newBigInt(value.value));
      break;
    case "bool":
      data = value.value ? 1n : 0n;
      break;
    case "string":
      data = BigInt(m.newString(value.value));
      break;
    default:
      data = BigInt(
        m.newArray(
          value.value.map((item) => writeEthValue(m, item)),
          TypeId.ArrayEthereumValue,
        ),
      );
  }
  return m.newEnumValue(kind, data, TypeId.EthereumValue);
}

function writeEvent(m: AscMemory, event: EventInput): number {
  const b = event.block;
  const bytes = (hex: `0x${string}`) => m.newBytes(fromHex(hex));
  const big = (value: bigint) => m.newBigInt(value);
  const block = m.newObject(
    [
      bytes(b.hash),
      bytes(b.parentHash),
      bytes(b.unclesHash),
      bytes(b.author),
      bytes(b.stateRoot),
      bytes(b.transactionsRoot),
      bytes(b.receiptsRoot),
      big(b.number),
      big(b.gasUsed),
      big(b.gasLimit),
      big(b.timestamp),
      big(b.difficulty),
      big(b.totalDifficulty),
      b.size === null ? 0 : big(b.size),
      b.baseFeePerGas === null ? 0 : big(b.baseFeePerGas),
    ],
    TypeId.EthereumBlock,
  );
  const t = event.transaction;
  const transaction = m.newObject(
    [
      bytes(t.hash),
      big(t.index),
      bytes(t.from),
      t.to === null ? 0 : bytes(t.to),
      big(t.value),
      big(t.gasLimit),
      big(t.gasPrice),
      bytes(t.input),
      big(t.nonce),
    ],
    TypeId.EthereumTransaction,
  );
  const params = m.newArray(
    event.params.map((param) =>
      m.newObject([m.newString(param.name), writeEthValue(m, param.value)], TypeId.EventParam),
    ),
    TypeId.ArrayEventParam,
  );
  return m.newObject(
    [
      bytes(event.address),
      big(event.logIndex),
      big(event.transactionLogIndex),
      0, // logType: null, as graph-node sends for RPC logs without one
      block,
      transaction,
      params,
      0, // receipt: only with `receipt: true` in the manifest, which Cairn's doesn't use
    ],
    TypeId.EthereumEvent,
  );
}

function readStoreValue(m: AscMemory, ptr: number): StoreValue {
  const { kind, data } = m.readEnumValue(ptr);
  const name = STORE_KINDS[kind];
  const p = Number(data & 0xffffffffn);
  switch (name) {
    case "String":
      return { kind: "String", value: m.readString(p) };
    case "Int":
      return { kind: "Int", value: Number(BigInt.asIntN(32, data)) };
    case "BigDecimal":
      return {
        kind: "BigDecimal",
        value: formatBigDecimal(m.readBigInt(m.u32(p)), m.readBigInt(m.u32(p + 4))),
      };
    case "Bool":
      return { kind: "Bool", value: data !== 0n };
    case "Array":
      return { kind: "Array", value: m.readArray(p).map((item) => readStoreValue(m, item)) };
    case "Null":
      return { kind: "Null" };
    case "Bytes":
      return { kind: "Bytes", value: toHex(m.readBytes(p)) };
    case "BigInt":
      return { kind: "BigInt", value: m.readBigInt(p) };
    case "Int8":
      return { kind: "Int8", value: BigInt.asIntN(64, data) };
    case "Timestamp":
      return { kind: "Timestamp", value: BigInt.asIntN(64, data) };
    default:
      throw new MappingError(`unknown store value kind ${kind}`);
  }
}

function writeBigDecimal(m: AscMemory, text: string): number {
  const { digits, exp } = parseBigDecimal(text);
  return m.newObject([m.newBigInt(digits), m.newBigInt(exp)], TypeId.BigDecimal);
}

function writeStoreValue(m: AscMemory, value: StoreValue): number {
  const kind = STORE_KINDS.indexOf(value.kind);
  let data: bigint;
  switch (value.kind) {
    case "String":
      data = BigInt(m.newString(value.value));
      break;
    case "Int":
      data = BigInt(value.value);
      break;
    case "BigDecimal":
      data = BigInt(writeBigDecimal(m, value.value));
      break;
    case "Bool":
      data = value.value ? 1n : 0n;
      break;
    case "Array":
      data = BigInt(
        m.newArray(
          value.value.map((item) => writeStoreValue(m, item)),
          TypeId.ArrayStoreValue,
        ),
      );
      break;
    case "Null":
      data = 0n;
      break;
    case "Bytes":
      data = BigInt(m.newBytes(fromHex(value.value)));
      break;
    case "BigInt":
      data = BigInt(m.newBigInt(value.value));
      break;
    default:
      data = value.value;
  }
  return m.newEnumValue(kind, data, TypeId.StoreValue);
}

function readEntity(m: AscMemory, ptr: number): Entity {
  const entity: Entity = {};
  for (const entry of m.readArray(m.u32(ptr))) {
    entity[m.readString(m.u32(entry))] = readStoreValue(m, m.u32(entry + 4));
  }
  return entity;
}

function writeEntity(m: AscMemory, entity: Entity): number {
  const entries = Object.entries(entity).map(([field, value]) =>
    m.newObject([m.newString(field), writeStoreValue(m, value)], TypeId.TypedMapEntryStringStoreValue),
  );
  return m.newObject(
    [m.newArray(entries, TypeId.ArrayTypedMapEntryStringStoreValue)],
    TypeId.TypedMapStringStoreValue,
  );
}

function decimalOf(m: AscMemory, ptr: number): { digits: bigint; exp: bigint } {
  return { digits: m.readBigInt(m.u32(ptr)), exp: m.readBigInt(m.u32(ptr + 4)) };
}

function alignDecimals(a: { digits: bigint; exp: bigint }, b: { digits: bigint; exp: bigint }) {
  let exp = a.exp;
  if (b.exp < exp) exp = b.exp;
  return {
    exp,
    a: a.digits * 10n ** (a.exp - exp),
    b: b.digits * 10n ** (b.exp - exp),
  };
}

/** graph-node keeps 34 significant digits in BigDecimal division. */
const DIVISION_DIGITS = 34n;

function hostFunctions(
  asc: () => AscMemory,
  store: HandlerStore,
  context: HostContext,
): Record<string, (...args: never[]) => unknown> {
  const big = (ptr: number) => asc().readBigInt(ptr);
  const newBig = (value: bigint) => asc().newBigInt(value);
  const newDecimal = (digits: bigint, exp: bigint) =>
    asc().newObject([asc().newBigInt(digits), asc().newBigInt(exp)], TypeId.BigDecimal);
  const functions: Record<string, (...args: number[]) => unknown> = {
    abort(messagePtr: number, filePtr: number, line: number, column: number) {
      const m = asc();
      const message = messagePtr === 0 ? "abort" : m.readString(messagePtr);
      const file = filePtr === 0 ? "?" : m.readString(filePtr);
      throw new MappingError(`${message} (${file}:${line}:${column})`);
    },
    "store.get"(entityPtr: number, idPtr: number) {
      const entity = store.get(asc().readString(entityPtr), asc().readString(idPtr));
      return entity === undefined ? 0 : writeEntity(asc(), entity);
    },
    "store.get_in_block"(entityPtr: number, idPtr: number) {
      const entity = store.get(asc().readString(entityPtr), asc().readString(idPtr));
      return entity === undefined ? 0 : writeEntity(asc(), entity);
    },
    "store.set"(entityPtr: number, idPtr: number, dataPtr: number) {
      store.set(asc().readString(entityPtr), asc().readString(idPtr), readEntity(asc(), dataPtr));
    },
    "store.remove"(entityPtr: number, idPtr: number) {
      store.remove(asc().readString(entityPtr), asc().readString(idPtr));
    },
    "log.log"(level: number, messagePtr: number) {
      const message = asc().readString(messagePtr);
      context.log?.(level, message);
      // graph-node's log.critical fails the handler.
      if (level === 0) throw new MappingError(`critical: ${message}`);
    },
    "crypto.keccak256"(bytesPtr: number) {
      return asc().newBytes(fromHex(keccak256(asc().readBytes(bytesPtr))));
    },
    "dataSource.address"() {
      return asc().newBytes(fromHex(context.dataSource.address));
    },
    "dataSource.network"() {
      return asc().newString(context.dataSource.network);
    },
    "typeConversion.bytesToString"(ptr: number) {
      // graph-node drops NUL characters from the decoded text.
      return asc().newString(Buffer.from(asc().readBytes(ptr)).toString("utf8").replaceAll("\u0000", ""));
    },
    "typeConversion.bytesToHex"(ptr: number) {
      return asc().newString(toHex(asc().readBytes(ptr)));
    },
    "typeConversion.bigIntToString"(ptr: number) {
      return asc().newString(big(ptr).toString());
    },
    "typeConversion.bigIntToHex"(ptr: number) {
      const value = big(ptr);
      return asc().newString(value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`);
    },
    "typeConversion.stringToH160"(ptr: number) {
      return asc().newBytes(fromHex(asc().readString(ptr)));
    },
    "bigInt.plus": (a: number, b: number) => newBig(big(a) + big(b)),
    "bigInt.minus": (a: number, b: number) => newBig(big(a) - big(b)),
    "bigInt.times": (a: number, b: number) => newBig(big(a) * big(b)),
    "bigInt.dividedBy"(a: number, b: number) {
      const divisor = big(b);
      if (divisor === 0n) throw new MappingError("attempted to divide BigInt by zero");
      return newBig(big(a) / divisor);
    },
    "bigInt.mod"(a: number, b: number) {
      const divisor = big(b);
      if (divisor === 0n) throw new MappingError("attempted to take the modulo of BigInt by zero");
      return newBig(big(a) % divisor);
    },
    "bigInt.pow": (a: number, exponent: number) => newBig(big(a) ** BigInt(exponent)),
    "bigInt.fromString": (ptr: number) => newBig(BigInt(asc().readString(ptr))),
    "bigInt.bitOr": (a: number, b: number) => newBig(big(a) | big(b)),
    "bigInt.bitAnd": (a: number, b: number) => newBig(big(a) & big(b)),
    "bigInt.leftShift": (a: number, bits: number) => newBig(big(a) << BigInt(bits)),
    "bigInt.rightShift": (a: number, bits: number) => newBig(big(a) >> BigInt(bits)),
    "bigDecimal.toString"(ptr: number) {
      const { digits, exp } = decimalOf(asc(), ptr);
      return asc().newString(formatBigDecimal(digits, exp));
    },
    "bigDecimal.fromString"(ptr: number) {
      const { digits, exp } = parseBigDecimal(asc().readString(ptr));
      return newDecimal(digits, exp);
    },
    "bigDecimal.plus"(a: number, b: number) {
      const x = alignDecimals(decimalOf(asc(), a), decimalOf(asc(), b));
      return newDecimal(x.a + x.b, x.exp);
    },
    "bigDecimal.minus"(a: number, b: number) {
      const x = alignDecimals(decimalOf(asc(), a), decimalOf(asc(), b));
      return newDecimal(x.a - x.b, x.exp);
    },
    "bigDecimal.times"(a: number, b: number) {
      const x = decimalOf(asc(), a);
      const y = decimalOf(asc(), b);
      return newDecimal(x.digits * y.digits, x.exp + y.exp);
    },
    "bigDecimal.dividedBy"(a: number, b: number) {
      const x = decimalOf(asc(), a);
      const y = decimalOf(asc(), b);
      if (y.digits === 0n) throw new MappingError("attempted to divide BigDecimal by zero");
      const scale = DIVISION_DIGITS + BigInt(y.digits.toString().replace("-", "").length);
      return newDecimal((x.digits * 10n ** scale) / y.digits, x.exp - y.exp - scale);
    },
    "bigDecimal.equals"(a: number, b: number) {
      const x = alignDecimals(decimalOf(asc(), a), decimalOf(asc(), b));
      return x.a === x.b ? 1 : 0;
    },
    "bigInt.dividedByDecimal"(a: number, b: number) {
      const y = decimalOf(asc(), b);
      if (y.digits === 0n) throw new MappingError("attempted to divide BigInt by zero");
      const scale = DIVISION_DIGITS + BigInt(y.digits.toString().replace("-", "").length);
      return newDecimal((big(a) * 10n ** scale) / y.digits, -y.exp - scale);
    },
  };
  return functions as Record<string, (...args: never[]) => unknown>;
}
