/**
 * The pooling arithmetic of GQA uptraining (Ainslie et al. 2023, "GQA: Training Generalized Multi-Query Transformer
 * Models from Multi-Head Checkpoints", section 2.1: "the key and value projection matrices of each group are
 * constructed by mean-pooling all the original heads within that group").
 *
 * Groups are contiguous, as transformers' `repeat_kv` expects (src/transformers/models/llama/modeling_llama.py:
 * `hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, slen, head_dim)`, so KV head j serves
 * query heads j*n_rep ... j*n_rep + n_rep - 1): new head j is the mean of old heads j*r ... j*r + r - 1, r = old / new.
 * Pooling old KV heads in the same contiguous runs keeps each query head paired with the pooled head of the heads it
 * used to read.
 *
 * Sums run in float64 and land in fp32 (numeric.ts says why one rounding to the file's format follows).
 */

/** How the heads of a group become one. */
export type PoolMethod = 'mean' | 'mean-norm';

/** Every method, in the order help text lists them. */
export const POOL_METHODS: readonly PoolMethod[] = ['mean', 'mean-norm'];

/**
 * Data-free figures for one pooled tensor part (the K or the V heads of one layer), kept as sums so parts and
 * tensors add up: a layer's weight-sharing error is `distance2 / norm2` over all its parts.
 */
export interface PoolStats {
  /** Σ_h ‖W_h − mean of h's group‖²: what sharing one head per group costs, in weight space. */
  distance2: number;
  /** Σ_h ‖W_h‖². */
  norm2: number;
  /** Per group: ‖written head‖ / mean of the members' ‖W_h‖ (1 for a group of one; 1 for `mean-norm` unless the mean is 0). */
  normRatios: number[];
}

/** Pooled heads and their figures. */
export interface Pooled {
  heads: Float32Array[];
  stats: PoolStats;
}

/** Euclidean (Frobenius) norm, summed in float64. */
export function frobenius(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/**
 * Pools `heads` (each flattened to the same length) into `count` heads.
 * - `mean`: the element-wise mean of each contiguous group.
 * - `mean-norm`: the mean, then rescaled to the mean Frobenius norm of the group's members. Averaging r nearly
 *   orthogonal heads shrinks the norm by about 1/√r, which scales every attention logit down (flatter attention);
 *   the rescale undoes that scale, not the direction. A zero mean stays zero.
 * Throws a RangeError when `count` does not divide the heads or the heads differ in length (a plan guarantees both).
 */
export function poolHeads(heads: readonly Float32Array[], count: number, method: PoolMethod): Pooled {
  if (!Number.isInteger(count) || count < 1 || heads.length % count !== 0) throw new RangeError(`${count} groups do not divide ${heads.length} heads`);
  const r = heads.length / count;
  const length = heads[0]?.length ?? 0;
  if (heads.some((h) => h.length !== length)) throw new RangeError('heads of different lengths');
  const out: Float32Array[] = [];
  const stats: PoolStats = { distance2: 0, norm2: 0, normRatios: [] };
  const sum = new Float64Array(length);
  for (let j = 0; j < count; j++) {
    const members = heads.slice(j * r, j * r + r);
    sum.fill(0);
    for (const h of members) for (let i = 0; i < length; i++) sum[i]! += h[i]!;
    const mean = new Float64Array(length);
    for (let i = 0; i < length; i++) mean[i] = sum[i]! / r;
    let memberNorms = 0;
    for (const h of members) {
      let n2 = 0;
      let d2 = 0;
      for (let i = 0; i < length; i++) {
        n2 += h[i]! * h[i]!;
        const d = h[i]! - mean[i]!;
        d2 += d * d;
      }
      stats.norm2 += n2;
      stats.distance2 += d2;
      memberNorms += Math.sqrt(n2);
    }
    const target = memberNorms / r;
    let meanNorm = 0;
    for (let i = 0; i < length; i++) meanNorm += mean[i]! * mean[i]!;
    meanNorm = Math.sqrt(meanNorm);
    const scale = method === 'mean-norm' && meanNorm > 0 ? target / meanNorm : 1;
    const head = new Float32Array(length);
    for (let i = 0; i < length; i++) head[i] = mean[i]! * scale;
    out.push(head);
    stats.normRatios.push(target > 0 ? frobenius(head) / target : 1);
  }
  return { heads: out, stats };
}

/** Adds `b`'s sums into `a` (a layer's K and V parts, or a weight and its fused neighbours). */
export function addStats(a: PoolStats, b: PoolStats): PoolStats {
  return { distance2: a.distance2 + b.distance2, norm2: a.norm2 + b.norm2, normRatios: [...a.normRatios, ...b.normRatios] };
}

/** Σ‖W_h − mean‖² / Σ‖W_h‖²: 0 when every group's heads are identical, 0 for no weights. */
export function sharingError(s: PoolStats): number {
  return s.norm2 > 0 ? s.distance2 / s.norm2 : 0;
}
