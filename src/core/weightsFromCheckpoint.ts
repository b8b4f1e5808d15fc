/**
 * Exact weights from a checkpoint's tensor table (safetensors headers, local or from the Hub): bytes are what the
 * file stores (`product(shape) x bits(dtype) / 8`, the same sum the header's offsets add up to), parameters the
 * logical weights those bytes hold. Plain tensors hold one parameter per element; quantised layouts pack several
 * into one stored element, and their scales, zero points and index tensors are bytes but not parameters. Which
 * packing was assumed is said in `packing`, one line per scheme.
 *
 * Layouts recognised, each from the code that writes or reads it:
 * - GPTQ (AutoGPTQ / GPTQModel `nn_modules/qlinear`, transformers `integrations` via optimum): `qweight` I32
 *   `[in / (32/bits), out]`, packed along in-features; `scales` `[groups, out]`, `qzeros` `[groups, out / (32/bits)]`,
 *   `g_idx` `[in]` (so in-features, hence the packing, are exact when `g_idx` is present, 3-bit included);
 * - AWQ (AutoAWQ `awq/modules/linear/gemm.py`, `WQLinear_GEMM`): `qweight` I32 `[in, out / (32/bits)]`, packed along
 *   out-features; `scales` `[in / group, out]`, so the packing is `scales` columns / `qweight` columns;
 * - compressed-tensors pack-quantized (`compressed_tensors/compressors/quantized_compressors/pack_quantized.py`):
 *   `weight_packed` I32 `[out, in / (32/bits)]` with `weight_scale`, `weight_zero_point`, `weight_shape`;
 * - MXFP4 (gpt-oss; transformers `integrations/mxfp4.py`): `*_blocks` U8 `[..., blocks, 16]`, two e2m1 values per
 *   byte, with one `*_scales` U8 (e8m0) per block of 32;
 * - bitsandbytes 4-bit (`bitsandbytes/nn/modules.py`, `Params4bit`): `weight` U8 holding two 4-bit codes per byte,
 *   with `weight.absmax`, `weight.quant_map`, `weight.quant_state.*` beside it;
 * - NVFP4 (NVIDIA ModelOpt; vLLM `quantization/modelopt.py`): `weight` U8 `[out, in / 2]` with an F8_E4M3
 *   `weight_scale` per 16 and F32 `weight_scale_2` / `input_scale`;
 * - FP8 (DeepSeek-V3 block scales `weight_scale_inv`, compressed-tensors / FBGEMM `weight_scale`): one weight per byte,
 *   the scales are metadata.
 * Pure: no `node:`.
 */
import type { DtypeWeights, ExactWeights } from './exactWeights';
import { elementCount, SAFETENSORS_DTYPE_BITS } from './safetensors';

/** One tensor of a checkpoint, as a header gives it. */
export interface CheckpointTensor {
  name: string;
  dtype: string;
  shape: readonly number[];
}

/** What the config's `quantization_config` says, where the tensors alone cannot settle the packing. */
export interface QuantHint {
  /** `quant_method`: gptq, awq, compressed-tensors, bitsandbytes, mxfp4, fp8, modelopt ... */
  method?: string;
  /** `bits` (GPTQ/AWQ) or the weights' `num_bits` (compressed-tensors). */
  bits?: number;
}

/** Suffixes of tensors that quantise another tensor (scales, zero points, group indices, bitsandbytes state). */
const QUANT_METADATA = [
  /\.scales$/, /\.qzeros$/, /\.g_idx$/, /\.weight_scale$/, /\.weight_scale_inv$/, /\.weight_scale_2$/, /\.input_scale$/,
  /\.weight_zero_point$/, /\.weight_shape$/, /\.weight_g_idx$/, /_scales$/, /\.absmax$/, /\.quant_map$/, /\.nested_absmax$/,
  /\.nested_quant_map$/, /\.quant_state\.[^.]+$/, /\.SCB$/, /\.k_scale$/, /\.v_scale$/, /\.q_scale$/, /\.output_scale$/,
];

interface Packed {
  /** Parameters per stored element. */
  perElement: number;
  scheme: string;
  /** How the packing was found, for the packing line. */
  how: string;
}

/** Looks up a sibling tensor by name. */
type Lookup = (name: string) => CheckpointTensor | undefined;

function packedLayout(t: CheckpointTensor, get: Lookup, hint: QuantHint): Packed | undefined {
  const assumedBits = hint.bits && hint.bits > 0 && hint.bits <= 16 ? hint.bits : undefined;
  const fromBits = (scheme: string, what: string): Packed => {
    const bits = assumedBits ?? 4;
    return { perElement: 32 / bits, scheme, how: `${what}: ${bits}-bit weights, ${32 / bits} per I32 (${assumedBits ? 'bits from quantization_config' : 'no bits in quantization_config: 4 assumed'})` };
  };
  if (t.name.endsWith('.qweight') && t.dtype === 'I32' && t.shape.length === 2) {
    const base = t.name.slice(0, -'.qweight'.length);
    const scales = get(`${base}.scales`);
    const gIdx = get(`${base}.g_idx`);
    const [rows, cols] = t.shape as [number, number];
    if (scales?.shape.length === 2 && scales.shape[1] === cols) {
      // GPTQ: out-features on both; in-features are packed into the rows.
      if (gIdx?.shape.length === 1 && rows > 0 && gIdx.shape[0]! > 0) {
        const per = gIdx.shape[0]! / rows;
        return { perElement: per, scheme: 'GPTQ', how: `GPTQ qweight [in / ${fmt(per)}, out] I32, packed along in-features (in-features from g_idx: ${fmt(32 / per)} bits per weight)` };
      }
      return fromBits('GPTQ', 'GPTQ qweight [in / (32 / bits), out] I32, packed along in-features');
    }
    if (scales?.shape.length === 2 && cols > 0 && scales.shape[1]! % cols === 0 && scales.shape[1]! > cols) {
      const per = scales.shape[1]! / cols;
      return { perElement: per, scheme: 'AWQ', how: `AWQ qweight [in, out / ${per}] I32, packed along out-features (out-features from scales: ${32 / per} bits per weight)` };
    }
    return fromBits(hint.method?.toLowerCase() === 'awq' ? 'AWQ' : 'GPTQ', 'qweight I32 without scales to settle its layout');
  }
  if (t.name.endsWith('.weight_packed') && t.dtype === 'I32') return fromBits('compressed-tensors', 'compressed-tensors weight_packed [out, in / (32 / bits)] I32');
  if (t.name.endsWith('_blocks') && t.dtype === 'U8') return { perElement: 2, scheme: 'MXFP4', how: 'MXFP4 *_blocks U8: two e2m1 4-bit values per byte, one e8m0 scale per 32 in *_scales' };
  if (t.name.endsWith('.weight') && t.dtype === 'U8') {
    if (get(`${t.name}.absmax`) || get(`${t.name}.quant_map`) || get(`${t.name}.quant_state.bitsandbytes__nf4`) || get(`${t.name}.quant_state.bitsandbytes__fp4`)) {
      return { perElement: 2, scheme: 'bitsandbytes 4-bit', how: 'bitsandbytes 4-bit weight U8: two 4-bit codes per byte (absmax / quant_map beside it)' };
    }
    const scale = get(`${t.name}_scale`);
    if (scale?.dtype === 'F8_E4M3') return { perElement: 2, scheme: 'NVFP4', how: 'NVFP4 weight U8 [out, in / 2]: two e2m1 4-bit values per byte, an F8_E4M3 weight_scale per 16' };
  }
  return undefined;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(3).replace(/0+$/, '');
}

/**
 * Sums a checkpoint's tensors into the report's exact-weights shape. `source` labels the figure
 * (`model.safetensors`, `model.safetensors.index.json (4 shards)`). Tensors whose dtype the format does not
 * define are not expected here (the header reader refuses them); they count no bytes and are named in `packing`.
 */
export function exactWeightsFromTensors(source: string, tensors: readonly CheckpointTensor[], hint: QuantHint = {}): ExactWeights {
  const byName = new Map<string, CheckpointTensor>();
  for (const t of tensors) byName.set(t.name, t);
  const get: Lookup = (n) => byName.get(n);
  const layouts = new Map<CheckpointTensor, Packed>();
  for (const t of tensors) {
    const p = packedLayout(t, get, hint);
    if (p) layouts.set(t, p);
  }
  const quantised = layouts.size > 0 || tensors.some((t) => t.dtype.startsWith('F8_') && t.name.endsWith('.weight')) || Boolean(hint.method);
  const byDtype = new Map<string, DtypeWeights>();
  const schemes = new Map<string, { how: Set<string>; tensors: number; params: number }>();
  let meta = { tensors: 0, bytes: 0 };
  let fp8 = { tensors: 0 };
  const unknown: string[] = [];
  let totalParams = 0;
  let bytes = 0;
  for (const t of tensors) {
    const bits = Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPE_BITS, t.dtype) ? SAFETENSORS_DTYPE_BITS[t.dtype]! : undefined;
    const elements = elementCount(t.shape) ?? 0;
    if (bits === undefined) {
      unknown.push(t.name);
      continue;
    }
    const size = (elements * bits) / 8;
    let params = elements;
    const layout = layouts.get(t);
    if (layout) {
      params = Math.round(elements * layout.perElement);
      const s = schemes.get(layout.scheme) ?? { how: new Set<string>(), tensors: 0, params: 0 };
      s.how.add(layout.how);
      s.tensors++;
      s.params += params;
      schemes.set(layout.scheme, s);
    } else if (quantised && QUANT_METADATA.some((re) => re.test(t.name))) {
      params = 0;
      meta = { tensors: meta.tensors + 1, bytes: meta.bytes + size };
    } else if (t.dtype.startsWith('F8_') && t.name.endsWith('.weight')) {
      fp8 = { tensors: fp8.tensors + 1 };
    }
    totalParams += params;
    bytes += size;
    const row = byDtype.get(t.dtype) ?? { dtype: t.dtype, tensors: 0, params: 0, bytes: 0 };
    row.tensors++;
    row.params += params;
    row.bytes += size;
    byDtype.set(t.dtype, row);
  }
  const packing: string[] = [];
  for (const [scheme, s] of schemes) {
    packing.push(`${scheme}: ${s.tensors} packed tensor${s.tensors === 1 ? '' : 's'} holding ${s.params} weights; ${[...s.how].join('; ')}`);
  }
  if (fp8.tensors) packing.push(`FP8: ${fp8.tensors} weight tensor${fp8.tensors === 1 ? '' : 's'} stored one weight per byte`);
  if (meta.tensors) packing.push(`Quantisation scales, zero points and indices: ${meta.tensors} tensor${meta.tensors === 1 ? '' : 's'}, ${meta.bytes} bytes, counted in the bytes but not as parameters`);
  if (unknown.length) packing.push(`Not counted (dtype unknown to the safetensors format): ${unknown.slice(0, 3).join(', ')}${unknown.length > 3 ? ` and ${unknown.length - 3} more` : ''}`);
  return {
    source,
    tensors: tensors.length - unknown.length,
    totalParams,
    bytes,
    byDtype: [...byDtype.values()].sort((a, b) => b.bytes - a.bytes || a.dtype.localeCompare(b.dtype)),
    packing,
  };
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/**
 * The packing hints a config gives (`quantization_config.quant_method`, `bits`, or compressed-tensors'
 * `config_groups.*.weights.num_bits`), at the top level or in the language-model part. `config` is the config's
 * JSON value; anything else gives no hint.
 */
export function quantHintFromConfig(config: unknown): QuantHint {
  const root = asObject(config);
  if (!root) return {};
  const q = asObject(root.quantization_config) ?? asObject(asObject(root.text_config)?.quantization_config) ?? asObject(asObject(root.llm_config)?.quantization_config);
  if (!q) return {};
  const hint: QuantHint = {};
  if (typeof q.quant_method === 'string') hint.method = q.quant_method;
  const isBits = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 16;
  if (isBits(q.bits)) hint.bits = q.bits;
  else {
    for (const g of Object.values(asObject(q.config_groups) ?? {})) {
      const bits = asObject(asObject(g)?.weights)?.num_bits;
      if (isBits(bits)) {
        hint.bits = bits;
        break;
      }
    }
  }
  return hint;
}
