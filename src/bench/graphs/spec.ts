/**
 * What every attention graph is built from, and the tensor names and layouts they share, so one set
 * of host buffers feeds every path.
 *
 * Layouts (B batch, Hq / Hkv heads, S new tokens, L past tokens, T = L + S, D / Dv head sizes):
 * - `q`  [B, Hq, S, D]; query heads are grouped consecutively: head h reads KV head floor(h / g);
 * - `qs` the same, pre-scaled by 1/sqrt(D) (the grouped paths: see matmulGraphs.ts);
 * - `k`  [B, Hkv, T, D] and `v` [B, Hkv, T, Dv]: the cache, the new tokens' K/V at positions L..T-1;
 * - `vt` [B, Hkv, Dv, T]: the groupedVt path's V cache, transposed;
 * - `past_key_q` / `past_value_q` [B, Hkv, T, D] int8, with per-channel `k_scale` / `v_scale`
 *   [Hkv * D] (the gqaInt8 path: see quant.ts);
 * - output, after {@link toBhsd}: [B, Hq, S, Dv].
 */
import type { AttentionShape, BenchDtype, BenchPath, BenchPhase } from '../../shared/benchProtocol';

/** One attention layer at one size. */
export interface GraphSpec {
  shape: AttentionShape;
  phase: BenchPhase;
  batch: number;
  /** Past tokens L (0 in prefill). */
  past: number;
  /** New tokens S (1 in decode). */
  prompt: number;
  dtype: BenchDtype;
}

/** Total tokens attended to, T = L + S. */
export function totalTokens(spec: GraphSpec): number {
  return spec.past + spec.prompt;
}

/** Query heads per KV head. */
export function groupSize(shape: AttentionShape): number {
  return shape.queryHeads / shape.kvHeads;
}

/**
 * K/V data to bake into the graph as initializers (GPU runs: uploaded once, read in place), in the
 * layouts above. Absent: the caches are graph inputs (CPU runs: fed without a copy, rotated freely).
 */
export interface BakedCache {
  k: ArrayBufferView;
  v: ArrayBufferView;
  vt: ArrayBufferView;
  /** GroupQueryAttention's past (first L tokens of `k` / `v`), decode only. */
  pastK?: ArrayBufferView;
  pastV?: ArrayBufferView;
}

/** A built graph: the encoded model and the names it expects to be fed. */
export interface BuiltGraph {
  path: BenchPath;
  parts: import('./onnxBuilder').GraphParts;
  /** Graph inputs, by role, so the runner feeds the right host buffer under the right dims. */
  feeds: FeedName[];
  /** True when the output comes as [B, S, Hq * Dv] and needs {@link toBhsd}. */
  outputBsh: boolean;
  /** GroupQueryAttention on inputs: present_key / present_value alias past (shared buffer). */
  sharesPresent: boolean;
}

/** The host buffers a graph can ask for. */
export type FeedName = 'q' | 'qs' | 'k' | 'v' | 'vt' | 'query' | 'key' | 'value' | 'past_key' | 'past_value' | 'past_key_q' | 'past_value_q' | 'k_scale' | 'v_scale' | 'seqlens_k' | 'total_sequence_length';

/** Softmax masking value: large enough to zero a weight, small enough not to overflow fp16. */
export function maskValue(dtype: BenchDtype): number {
  return dtype === 'fp16' ? -1e4 : -1e9;
}

/** Rearranges a [B, S, H * Dv] output into [B, H, S, Dv]. */
export function toBhsd(data: Float32Array, batch: number, heads: number, seq: number, dv: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < batch; b++)
    for (let s = 0; s < seq; s++)
      for (let h = 0; h < heads; h++) {
        const src = ((b * seq + s) * heads + h) * dv;
        const dst = ((b * heads + h) * seq + s) * dv;
        out.set(data.subarray(src, src + dv), dst);
      }
  return out;
}
