/** Event logs as graph-node hands them to a mapping: ABI-decoded `ethereum.Value`s. */
import { type AbiEvent, type AbiParameter, type Hex, decodeEventLog } from "viem";
import type { EthValue } from "./host.ts";

export function toEthValue(param: AbiParameter, value: unknown): EthValue {
  const type = param.type;
  const array = /^(.*)\[(\d*)\]$/.exec(type);
  if (array !== null) {
    const itemParam = { ...param, type: array[1] ?? "" } as AbiParameter;
    return {
      kind: array[2] === "" ? "array" : "fixedArray",
      value: (value as unknown[]).map((item) => toEthValue(itemParam, item)),
    };
  }
  if (type === "tuple") {
    const components = (param as { components: readonly AbiParameter[] }).components;
    return {
      kind: "tuple",
      value: components.map((component, i) => {
        const record = value as Record<string, unknown> & unknown[];
        return toEthValue(
          component,
          component.name !== undefined && component.name !== "" ? record[component.name] : record[i],
        );
      }),
    };
  }
  if (type === "address") return { kind: "address", value: (value as Hex).toLowerCase() as Hex };
  if (type === "bool") return { kind: "bool", value: value as boolean };
  if (type === "string") return { kind: "string", value: value as string };
  if (type === "bytes") return { kind: "bytes", value: value as Hex };
  if (type.startsWith("bytes")) return { kind: "fixedBytes", value: value as Hex };
  if (type.startsWith("uint")) return { kind: "uint", value: BigInt(value as bigint | number) };
  if (type.startsWith("int")) return { kind: "int", value: BigInt(value as bigint | number) };
  throw new Error(`unsupported ABI type ${type}`);
}

export function decodeEventParams(
  abiEvent: AbiEvent,
  log: { data: Hex; topics: readonly Hex[] },
): { name: string; value: EthValue }[] {
  const decoded = decodeEventLog({
    abi: [abiEvent],
    data: log.data,
    topics: log.topics as [Hex, ...Hex[]],
    strict: true,
  });
  const args = decoded.args as unknown as Record<string, unknown>;
  return abiEvent.inputs.map((input, i) => ({
    name: input.name ?? `param${i}`,
    value: toEthValue(input, input.name ? args[input.name] : (args as unknown as unknown[])[i]),
  }));
}
