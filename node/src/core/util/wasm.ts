/**
 * The little of the WebAssembly JS API the core uses, typed here because the project's
 * TypeScript libs (ES2023 + node) do not declare it. Node 22 and browsers both provide it.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ exports: unknown }>;
}

const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Compiles `bytes` once (asynchronously: browsers refuse large synchronous compiles). */
export function compileOnce(bytes: () => Uint8Array): () => Promise<object> {
  let compiled: Promise<object> | undefined;
  return () => {
    compiled ??= api.compile(bytes());
    return compiled;
  };
}

/** A fresh instance of a compiled module, with its exports typed as `T`. */
export async function instantiate<T>(
  module: object,
  imports: Record<string, Record<string, unknown>> = {},
): Promise<T> {
  const instance = await api.instantiate(module, imports);
  return instance.exports as T;
}
