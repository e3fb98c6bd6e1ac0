/**
 * Reading and writing AssemblyScript (0.19, stub runtime) objects in a mapping's memory,
 * the way graph-node does: every managed object has a 20-byte header whose last two
 * words are its runtime class id and its payload size. Objects are allocated through the
 * module's exported `__new(size, classId)`; class ids come from `id_of_type(TypeId)`.
 */

/** graph-ts's `TypeId` (global/global.ts): the classes the host allocates. */
export const TypeId = {
  String: 0,
  ArrayBuffer: 1,
  Uint8Array: 6,
  BigDecimal: 12,
  ArrayBool: 13,
  ArrayUint8Array: 14,
  ArrayEthereumValue: 15,
  ArrayStoreValue: 16,
  ArrayString: 18,
  ArrayEventParam: 19,
  ArrayTypedMapEntryStringStoreValue: 21,
  EventParam: 23,
  EthereumTransaction: 24,
  EthereumBlock: 25,
  EthereumValue: 30,
  StoreValue: 31,
  EthereumEvent: 33,
  TypedMapEntryStringStoreValue: 34,
  TypedMapStringStoreValue: 36,
} as const;
export type TypeIdName = keyof typeof TypeId;

export interface AscExports {
  memory: WebAssembly.Memory;
  __new(size: number, classId: number): number;
  id_of_type(typeId: number): number;
  _start?: () => void;
}

export class AscMemory {
  private readonly exports: AscExports;
  private readonly classIds = new Map<number, number>();

  constructor(exports: AscExports) {
    this.exports = exports;
  }

  private get view(): DataView {
    return new DataView(this.exports.memory.buffer);
  }

  classId(typeId: number): number {
    let id = this.classIds.get(typeId);
    if (id === undefined) {
      id = this.exports.id_of_type(typeId);
      this.classIds.set(typeId, id);
    }
    return id;
  }

  /** The payload size recorded in an object's header. */
  sizeOf(ptr: number): number {
    return this.view.getUint32(ptr - 4, true);
  }

  u32(ptr: number): number {
    return this.view.getUint32(ptr, true);
  }

  i32(ptr: number): number {
    return this.view.getInt32(ptr, true);
  }

  u64(ptr: number): bigint {
    return this.view.getBigUint64(ptr, true);
  }

  readString(ptr: number): string {
    if (ptr === 0) throw new Error("null string pointer");
    const size = this.sizeOf(ptr);
    return Buffer.from(this.exports.memory.buffer, ptr, size).toString("utf16le");
  }

  readArrayBuffer(ptr: number): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer.slice(ptr, ptr + this.sizeOf(ptr)));
  }

  /** A Uint8Array (Bytes, Address, BigInt's payload): buffer, dataStart, byteLength. */
  readBytes(ptr: number): Uint8Array {
    if (ptr === 0) throw new Error("null bytes pointer");
    const dataStart = this.u32(ptr + 4);
    const byteLength = this.i32(ptr + 8);
    return new Uint8Array(this.exports.memory.buffer.slice(dataStart, dataStart + byteLength));
  }

  /** An Array<T> of 32-bit elements (pointers or i32): buffer, dataStart, byteLength, length. */
  readArray(ptr: number): number[] {
    const dataStart = this.u32(ptr + 4);
    const length = this.i32(ptr + 12);
    const out: number[] = [];
    for (let i = 0; i < length; i++) out.push(this.u32(dataStart + 4 * i));
    return out;
  }

  readBigInt(ptr: number): bigint {
    return bytesToBigInt(this.readBytes(ptr));
  }

  allocate(size: number, typeId: number): number {
    return this.exports.__new(size, this.classId(typeId));
  }

  newString(value: string): number {
    const bytes = Buffer.from(value, "utf16le");
    const ptr = this.allocate(bytes.length, TypeId.String);
    new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }

  newArrayBuffer(bytes: Uint8Array): number {
    const ptr = this.allocate(bytes.length, TypeId.ArrayBuffer);
    new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }

  newBytes(bytes: Uint8Array): number {
    const buffer = this.newArrayBuffer(bytes);
    const ptr = this.allocate(12, TypeId.Uint8Array);
    const view = this.view;
    view.setUint32(ptr, buffer, true);
    view.setUint32(ptr + 4, buffer, true);
    view.setInt32(ptr + 8, bytes.length, true);
    return ptr;
  }

  newBigInt(value: bigint): number {
    return this.newBytes(bigIntToBytes(value));
  }

  /** An Array<T> of pointers. */
  newArray(elements: readonly number[], typeId: number): number {
    const data = new Uint8Array(elements.length * 4);
    const dataView = new DataView(data.buffer);
    for (const [i, element] of elements.entries()) dataView.setUint32(i * 4, element, true);
    const buffer = this.newArrayBuffer(data);
    const ptr = this.allocate(16, typeId);
    const view = this.view;
    view.setUint32(ptr, buffer, true);
    view.setUint32(ptr + 4, buffer, true);
    view.setInt32(ptr + 8, data.length, true);
    view.setInt32(ptr + 12, elements.length, true);
    return ptr;
  }

  /** A class instance whose fields are all 32-bit pointers, in declaration order. */
  newObject(fields: readonly number[], typeId: number): number {
    const ptr = this.allocate(fields.length * 4, typeId);
    const view = this.view;
    for (const [i, field] of fields.entries()) view.setUint32(ptr + i * 4, field, true);
    return ptr;
  }

  /** `{ kind: i32, data: u64 }` (ethereum.Value, store.Value): the payload is 8-aligned. */
  newEnumValue(kind: number, data: bigint, typeId: number): number {
    const ptr = this.allocate(16, typeId);
    const view = this.view;
    view.setInt32(ptr, kind, true);
    view.setInt32(ptr + 4, 0, true);
    view.setBigUint64(ptr + 8, BigInt.asUintN(64, data), true);
    return ptr;
  }

  readEnumValue(ptr: number): { kind: number; data: bigint } {
    return { kind: this.i32(ptr), data: this.u64(ptr + 8) };
  }
}

/** graph-ts BigInt: little-endian two's complement, as short as it can be. */
export function bigIntToBytes(value: bigint): Uint8Array {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0xffn);
    out.push(byte);
    v >>= 8n;
    const signBit = (byte & 0x80) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) break;
  }
  return Uint8Array.from(out);
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  const last = bytes[bytes.length - 1] ?? 0;
  return (last & 0x80) !== 0 ? value - (1n << BigInt(bytes.length * 8)) : value;
}

/** Lowercase 0x-prefixed hex, as graph-node prints Bytes. */
export function toHex(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(bytes).toString("hex")}`;
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.startsWith("0x") ? hex.slice(2) : hex;
  return Uint8Array.from(Buffer.from(clean.length % 2 === 1 ? `0${clean}` : clean, "hex"));
}
