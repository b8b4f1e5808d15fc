/**
 * The 8-bit KV cache that `com.microsoft.GroupQueryAttention` reads on the CPU in onnxruntime 1.30
 * (`k_quant_type` / `v_quant_type` = PER_CHANNEL, `kv_cache_bit_width` = 8): int8 values with one
 * float scale per (KV head, channel), `k_scale` / `v_scale` of Hkv · D elements
 * (contrib_ops/cpu/bert/group_query_attention.cc checks `kv_num_heads * head_size` elements for
 * PER_CHANNEL, 1 for PER_TENSOR; both caches must use the same type). Symmetric: x ≈ q · scale,
 * q in [-127, 127], scale = max |x| / 127 over the channel (the convention of onnxruntime's
 * quantisation tools for symmetric int8).
 *
 * Pure arithmetic, shared by the data builder, the runner's error bound and the tests.
 */

/** A quantised [B, H, T, D] cache and its per-(head, channel) scales. */
export interface QuantizedCache {
  values: Int8Array;
  /** [H * D]: channel c of head h at h * D + c. */
  scales: Float32Array;
}

/** Per-channel symmetric int8 of a [B, H, T, D] float cache (one scale per head and channel, over batch and tokens). */
export function quantizePerChannel(src: Float32Array, batch: number, heads: number, tokens: number, dim: number): QuantizedCache {
  const scales = new Float32Array(heads * dim);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++)
      for (let t = 0; t < tokens; t++) {
        const base = ((b * heads + h) * tokens + t) * dim;
        for (let c = 0; c < dim; c++) scales[h * dim + c] = Math.max(scales[h * dim + c]!, Math.abs(src[base + c]!));
      }
  // fround: the scale the kernel sees is a float32, and the values below are rounded against it.
  for (let i = 0; i < scales.length; i++) scales[i] = scales[i]! > 0 ? Math.fround(scales[i]! / 127) : 1;
  const values = new Int8Array(src.length);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++)
      for (let t = 0; t < tokens; t++) {
        const base = ((b * heads + h) * tokens + t) * dim;
        for (let c = 0; c < dim; c++) values[base + c] = Math.max(-127, Math.min(127, Math.round(src[base + c]! / scales[h * dim + c]!)));
      }
  return { values, scales };
}

/** The float cache an int8 cache stands for: q · scale, as a float32 array. */
export function dequantizePerChannel(q: QuantizedCache, batch: number, heads: number, tokens: number, dim: number): Float32Array {
  const out = new Float32Array(q.values.length);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++)
      for (let t = 0; t < tokens; t++) {
        const base = ((b * heads + h) * tokens + t) * dim;
        for (let c = 0; c < dim; c++) out[base + c] = q.values[base + c]! * q.scales[h * dim + c]!;
      }
  return out;
}

/**
 * A bound on |output(int8 cache) - output(float cache)| for one decode or prefill step, from first
 * principles. Rounding moves each K element by at most half its scale, so a score q·k / sqrt(D)
 * moves by at most ε = Σ_c |q_c| · sK_c / 2 / sqrt(D) (largest over query heads and rows). Softmax
 * weights then change by a factor within [e^-2ε, e^2ε] (numerator and normaliser each by e^±ε), so
 * Σ_t |p'_t - p_t| ≤ e^2ε - 1 and the output moves by at most max|v| · (e^2ε - 1); rounding V adds
 * at most max_c sV_c / 2 (the weights sum to 1).
 */
export function int8OutputBound(q: Float32Array, queryHeads: number, kvHeads: number, rows: number, dim: number, batch: number, kScales: Float32Array, vScales: Float32Array, maxAbsV: number): number {
  const g = queryHeads / kvHeads;
  let eps = 0;
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < queryHeads; h++) {
      const kv = Math.floor(h / g);
      for (let r = 0; r < rows; r++) {
        const base = ((b * queryHeads + h) * rows + r) * dim;
        let e = 0;
        for (let c = 0; c < dim; c++) e += (Math.abs(q[base + c]!) * kScales[kv * dim + c]!) / 2;
        eps = Math.max(eps, e / Math.sqrt(dim));
      }
    }
  let halfV = 0;
  for (const s of vScales) halfV = Math.max(halfV, s / 2);
  return maxAbsV * Math.expm1(2 * eps) + halfV;
}
