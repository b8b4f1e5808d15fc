/**
 * Host buffers for one shape, in every layout the paths read (see graphs/spec.ts).
 *
 * Values are k / 1024 for integers |k| <= 1024 (queries scaled by a power of two): exactly
 * representable in fp16 and fp32 alike, so the fp32 reference sees the very numbers the fp16 graph
 * sees and any difference is the kernel's, not the data's.
 */
import { fromHalfArray, toHalfArray, toHalfBits } from './fp16';
import { quantizePerChannel } from './quant';
import { totalTokens, type GraphSpec } from './graphs/spec';
import { mulberry32 } from '../core/random';

/** A buffer in the graph's element type: Float32Array, or Uint16Array of half bits. */
export type ElemArray = Float32Array | Uint16Array;

/** One copy of the cache. Rotation keeps several, identical in value, distinct in memory. */
export interface CacheCopy {
  k: ElemArray;
  v: ElemArray;
  /** Present only when the groupedVt path runs. */
  vt?: ElemArray;
  /** The int8 cache (gqaInt8 path, fp32 runs only): same values, quantised per channel. */
  k8?: Int8Array;
  v8?: Int8Array;
}

/** Everything the paths are fed, for one shape. */
export interface HostData {
  /** Query [B, Hq, S, D]. */
  q: ElemArray;
  /**
   * Query pre-scaled by 1/sqrt(D), rounded to the element type (the grouped paths: the scale folded
   * into the queries as a model folds it into W_q, so no Mul reaches the MatMul's alpha).
   */
  qs: ElemArray;
  /** Query as [B, S, Hq * D] (GroupQueryAttention). Same buffer as `q` when S = 1. */
  query: ElemArray;
  /** New tokens' K/V as [B, S, Hkv * D] (GroupQueryAttention). */
  key: ElemArray;
  value: ElemArray;
  caches: CacheCopy[];
  /** Per-(KV head, channel) scales of the int8 cache, [Hkv * D] and [Hkv * Dv], when it was built. */
  kScale?: Float32Array;
  vScale?: Float32Array;
}

/** What {@link makeHostData} builds besides K, V and the queries. */
export interface DataLayouts {
  /** The transposed V cache (groupedVt). */
  vt?: boolean;
  /** The int8 cache and its scales (gqaInt8; fp32 only). */
  int8?: boolean;
}

/** Queries are scaled so softmax is neither flat nor one-hot: a wrong head mapping shows. */
const QUERY_SCALE = 4;

/** The core's seeded generator (mulberry32), unsigned 32-bit integers: same data for every path and every run. */
export const prng = mulberry32;

let halfTable: Uint16Array | undefined;
/** Half bits of (i - 1024) / 1024 for i in 0..2048, computed once. */
function halfOf(i: number, scale: number): number {
  if (scale !== 1) return toHalfBits(((i - 1024) / 1024) * scale);
  halfTable ??= Uint16Array.from({ length: 2049 }, (_, j) => toHalfBits((j - 1024) / 1024));
  return halfTable[i]!;
}

function fill(n: number, fp16: boolean, seed: number, scale = 1): ElemArray {
  const next = prng(seed);
  if (fp16) {
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) out[i] = halfOf(next() % 2049, scale);
    return out;
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (((next() % 2049) - 1024) / 1024) * scale;
  return out;
}

/** [B, H, X, Y] -> [B, H, Y, X]. */
export function transposeLast2(src: ElemArray, outer: number, x: number, y: number): ElemArray {
  const out = src instanceof Float32Array ? new Float32Array(src.length) : new Uint16Array(src.length);
  for (let o = 0; o < outer; o++) {
    const base = o * x * y;
    for (let i = 0; i < x; i++) for (let j = 0; j < y; j++) out[base + j * x + i] = src[base + i * y + j]!;
  }
  return out;
}

/** [B, H, S, X] -> [B, S, H * X]. */
function toBsh(src: ElemArray, batch: number, heads: number, seq: number, dim: number): ElemArray {
  if (seq === 1) return src; // identical memory order
  const out = src instanceof Float32Array ? new Float32Array(src.length) : new Uint16Array(src.length);
  for (let b = 0; b < batch; b++)
    for (let h = 0; h < heads; h++)
      for (let s = 0; s < seq; s++) {
        const from = ((b * heads + h) * seq + s) * dim;
        out.set(src.subarray(from, from + dim), ((b * seq + s) * heads + h) * dim);
      }
  return out;
}

/** The last `seq` tokens of a [B, H, T, X] cache, as [B, H, seq, X]. */
function tail(src: ElemArray, outer: number, total: number, seq: number, dim: number): ElemArray {
  const out = src instanceof Float32Array ? new Float32Array(outer * seq * dim) : new Uint16Array(outer * seq * dim);
  for (let o = 0; o < outer; o++) out.set(src.subarray((o * total + total - seq) * dim, (o * total + total) * dim), o * seq * dim);
  return out;
}

/**
 * Builds the data for `spec` with `copies` cache copies. `withVt`: also the transposed V the grouped
 * path reads. The seed depends on the shape only, so every variant of a run is reproducible.
 */
export function makeHostData(spec: GraphSpec, copies: number, layouts: boolean | DataLayouts): HostData {
  const { vt: withVt = false, int8 = false } = typeof layouts === 'boolean' ? { vt: layouts } : layouts;
  const { batch: B, prompt: S } = spec;
  const { queryHeads: Hq, kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  const T = totalTokens(spec);
  const fp16 = spec.dtype === 'fp16';
  const seed = (Hkv * 131 + T * 7 + B) >>> 0;
  const q = fill(B * Hq * S * D, fp16, seed + 1, QUERY_SCALE);
  const k = fill(B * Hkv * T * D, fp16, seed + 2);
  const v = fill(B * Hkv * T * Dv, fp16, seed + 3);
  const vt = withVt ? transposeLast2(v, B * Hkv, T, Dv) : undefined;
  const k8 = int8 && !fp16 ? quantizePerChannel(k as Float32Array, B, Hkv, T, D) : undefined;
  const v8 = int8 && !fp16 ? quantizePerChannel(v as Float32Array, B, Hkv, T, Dv) : undefined;
  const caches: CacheCopy[] = [{ k, v, vt, k8: k8?.values, v8: v8?.values }];
  for (let i = 1; i < copies; i++) caches.push({ k: k.slice(), v: v.slice(), vt: vt?.slice(), k8: k8?.values.slice(), v8: v8?.values.slice() });
  const scale = 1 / Math.sqrt(D);
  const qs = fp16 ? toHalfArray(fromHalfArray(q as Uint16Array).map((x) => x * scale)) : (q as Float32Array).map((x) => x * scale);
  return {
    q,
    qs,
    kScale: k8?.scales,
    vScale: v8?.scales,
    query: toBsh(q, B, Hq, S, D),
    key: toBsh(tail(k, B * Hkv, T, S, D), B, Hkv, S, D),
    value: toBsh(tail(v, B * Hkv, T, S, Dv), B, Hkv, S, Dv),
    caches,
  };
}

/** Bytes of one cache copy (K, V and, when present, V transposed and the int8 cache). */
export function cacheCopyBytes(copy: CacheCopy): number {
  return copy.k.byteLength + copy.v.byteLength + (copy.vt?.byteLength ?? 0) + (copy.k8?.byteLength ?? 0) + (copy.v8?.byteLength ?? 0);
}
