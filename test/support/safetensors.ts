// Writes safetensors fixtures for the tests: a real header (8-byte little-endian length, JSON padded with spaces
// to a multiple of 8 as the safetensors crate writes it) followed by zero data made by ftruncate, so a file
// standing for gigabytes of weights is sparse and costs nothing on disk. Offsets are laid out in the order given.
import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** One tensor to write: its bytes follow from dtype and shape. */
export interface FixtureTensor {
  name: string;
  dtype: string;
  shape: number[];
}

/** Bits per element of the dtypes fixtures use (from the format's definition, not from src/core). */
const BITS: Record<string, number> = { BOOL: 8, U8: 8, I8: 8, F8_E4M3: 8, F8_E5M2: 8, F8_E8M0: 8, I16: 16, U16: 16, F16: 16, BF16: 16, I32: 32, U32: 32, F32: 32, F64: 64, I64: 64, U64: 64, F4: 4 };

export function tensorBytes(t: FixtureTensor): number {
  const bits = BITS[t.dtype];
  if (bits === undefined) throw new Error(`fixture: no size for ${t.dtype}`);
  return (t.shape.reduce((a, b) => a * b, 1) * bits) / 8;
}

/** The header bytes (length + padded JSON) and the data size for `tensors`; `entries` overrides raw entries. */
export function safetensorsHeader(tensors: FixtureTensor[], opts: { metadata?: Record<string, string>; raw?: Record<string, unknown> } = {}): { header: Buffer; dataBytes: number } {
  const json: Record<string, unknown> = {};
  if (opts.metadata) json.__metadata__ = opts.metadata;
  let at = 0;
  for (const t of tensors) {
    const n = tensorBytes(t);
    json[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + n] };
    at += n;
  }
  Object.assign(json, opts.raw ?? {});
  let text = JSON.stringify(json);
  text += ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
  const body = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8 + body.length);
  header.writeBigUInt64LE(BigInt(body.length), 0);
  body.copy(header, 8);
  return { header, dataBytes: at };
}

/** Writes `header` then extends the file to `totalBytes` with zeros (sparse). */
export function writeRaw(path: string, header: Buffer, totalBytes: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, header, 0, header.length, 0);
    ftruncateSync(fd, totalBytes);
  } finally {
    closeSync(fd);
  }
}

/** Writes a valid safetensors file holding `tensors` (zero data); returns the file's size. */
export function writeSafetensors(path: string, tensors: FixtureTensor[], opts: { metadata?: Record<string, string> } = {}): number {
  const { header, dataBytes } = safetensorsHeader(tensors, opts);
  writeRaw(path, header, header.length + dataBytes);
  return header.length + dataBytes;
}

/** Writes `model.safetensors.index.json` mapping every tensor of each shard to that shard. */
export function indexJson(shards: Record<string, FixtureTensor[]>, extra: Record<string, string> = {}): string {
  const weight_map: Record<string, string> = {};
  let total = 0;
  for (const [file, ts] of Object.entries(shards)) {
    for (const t of ts) {
      weight_map[t.name] = file;
      total += tensorBytes(t);
    }
  }
  Object.assign(weight_map, extra);
  return JSON.stringify({ metadata: { total_size: total }, weight_map }, null, 2);
}

/**
 * The small Llama the weights fixtures share (CLI, HF-cache and editor tests): hidden size 256, 4 query heads of
 * 64, 2 layers, a 1,000-token vocabulary, untied, bf16. Its checkpoint is {@link smallLlamaTensors}.
 */
export const SMALL_LLAMA_CONFIG = { model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 2, vocab_size: 1000, tie_word_embeddings: false, max_position_embeddings: 4096, torch_dtype: 'bfloat16' };

/**
 * The small Llama's tensors for `layers` (default both): embed [1000, 256] and the final norm [256] with layer 0,
 * lm_head [1000, 256] with layer 1 (so two shards of one layer each make the whole checkpoint); per layer q and o
 * [256, 256], k and v [kvRows, 256] (128 = 2 KV heads x 64), the input norm [256].
 */
export function smallLlamaTensors(opts: { layers?: number[]; kvRows?: number } = {}): FixtureTensor[] {
  const layers = opts.layers ?? [0, 1];
  const kvRows = opts.kvRows ?? 128;
  const t: FixtureTensor[] = [];
  if (layers.includes(0)) t.push({ name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [1000, 256] }, { name: 'model.norm.weight', dtype: 'BF16', shape: [256] });
  if (layers.includes(1)) t.push({ name: 'lm_head.weight', dtype: 'BF16', shape: [1000, 256] });
  for (const i of layers) {
    const l = `model.layers.${i}.`;
    t.push(
      { name: `${l}self_attn.q_proj.weight`, dtype: 'BF16', shape: [256, 256] },
      { name: `${l}self_attn.k_proj.weight`, dtype: 'BF16', shape: [kvRows, 256] },
      { name: `${l}self_attn.v_proj.weight`, dtype: 'BF16', shape: [kvRows, 256] },
      { name: `${l}self_attn.o_proj.weight`, dtype: 'BF16', shape: [256, 256] },
      { name: `${l}input_layernorm.weight`, dtype: 'BF16', shape: [256] },
    );
  }
  return t;
}
