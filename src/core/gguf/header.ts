/**
 * A GGUF file's header as KV Lens keeps it: metadata values and tensor infos, never tensor data. The reader
 * (src/io/gguf.ts) fills it; everything under src/core/gguf only reads it, so this stays pure.
 *
 * Format: ggml/docs/gguf.md and ggml/src/gguf.cpp in ggml-org/llama.cpp (magic `GGUF`, version, tensor count,
 * metadata count, key/value pairs, tensor infos, aligned data).
 */

/** One metadata value: numbers (64-bit integers as bigint), strings, bools, or arrays of those. */
export type GgufValue = number | bigint | string | boolean | GgufValue[];

/** One tensor's info: name, shape (ggml order: ne[0] is the innermost, contiguous dimension), ggml type. */
export interface GgufTensor {
  name: string;
  shape: number[];
  /** The ggml type id (`enum ggml_type` in ggml/include/ggml.h). */
  type: number;
}

/** What was read from one `.gguf` file, or from every shard of a split model. */
export interface GgufHeader {
  /** The file as named (the first shard for a split model). */
  file: string;
  version: number;
  /** Metadata of the first shard: llama.cpp reads the model's hyperparameters from it (llama-model-loader.cpp). */
  metadata: Record<string, GgufValue>;
  /** Tensor infos of every shard, in shard order. */
  tensors: GgufTensor[];
  /** Shards read (1 for an unsplit file). */
  shards: number;
  /** Bytes of the file(s) on disk, when known. */
  fileBytes?: number;
  /**
   * Metadata arrays the reader did not materialise (the tokenizer's tokens, scores, types and merges, and any
   * array longer than one value per layer could be): key -> element count. Absent from `metadata`.
   */
  skippedArrays?: Record<string, number>;
}
