/**
 * The arithmetic of BENCHMARK-METHOD.md: timing statistics, matmul FLOPs, minimum and
 * implementation bytes, and the roofline.
 */
import type { BenchPath, TimingStats } from '../shared/benchProtocol';
import type { GraphSpec } from './graphs/spec';

/** Median, p10, p90, min, n and coefficient of variation of durations in ms. */
export function timingStats(samplesMs: number[]): TimingStats {
  if (samplesMs.length === 0) throw new Error('no timed runs');
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (p: number) => {
    const x = p * (sorted.length - 1);
    const lo = Math.floor(x);
    const hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (x - lo);
  };
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  const variance = sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, sorted.length - 1);
  return { medianMs: at(0.5), p10Ms: at(0.1), p90Ms: at(0.9), minMs: sorted[0]!, n: sorted.length, cv: mean > 0 ? Math.sqrt(variance) / mean : 0 };
}

/** Bytes per element. */
export function elemBytes(spec: GraphSpec): number {
  return spec.dtype === 'fp16' ? 2 : 4;
}

/**
 * Matmul FLOPs per run: 2·B·Hq·S·T·(D + Dv) non-causal (decode: S = 1); causal prefill with L = 0
 * counts only the unmasked half, B·Hq·S²·(D + Dv). Identical for every variant of a shape.
 */
export function attentionFlops(spec: GraphSpec): number {
  const { batch: B, prompt: S, past: L } = spec;
  const { queryHeads: Hq, headDim: D, valueHeadDim: Dv } = spec.shape;
  if (spec.phase === 'prefill' && L === 0) return B * Hq * S * S * (D + Dv);
  return 2 * B * Hq * S * (L + S) * (D + Dv);
}

/** Algorithmic minimum bytes: Q, K/V read once, output, K/V of the new tokens appended. */
export function minimumBytes(spec: GraphSpec): number {
  const { batch: B, prompt: S, past: L } = spec;
  const { queryHeads: Hq, kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  const T = L + S;
  return elemBytes(spec) * (B * Hq * S * D + B * Hkv * T * (D + Dv) + B * Hq * S * Dv + B * Hkv * S * (D + Dv));
}

/**
 * Bytes the path moves at least, beyond the minimum: the plain path writes and reads K/V expanded to
 * the query heads; ONNX Attention on CPU also expands K/V (per the measurement: it reads
 * them per query head). GroupQueryAttention with a shared buffer and the grouped path read the cache
 * once.
 */
export function implementationBytes(spec: GraphSpec, path: BenchPath, sharedPresent: boolean): number {
  const base = minimumBytes(spec);
  const { batch: B, past: L, prompt: S } = spec;
  const { queryHeads: Hq, kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  const cache = elemBytes(spec) * B * Hkv * (L + S) * (D + Dv);
  const expanded = elemBytes(spec) * B * Hq * (L + S) * (D + Dv);
  if (path === 'plain' && Hq !== Hkv) return base + 2 * expanded; // write the copy, read it back
  if (path === 'attention' && Hq !== Hkv) return base - cache + expanded;
  if (path === 'gqa' && !sharedPresent && L > 0) return base + 2 * cache; // present = copy of past
  return base;
}

/** max(bytes / bandwidth, FLOPs / compute) in ms, or undefined without both ceilings. */
export function rooflineMs(bytes: number, flops: number, bandwidthGBps?: number, computeGflops?: number): number | undefined {
  if (!bandwidthGBps || !computeGflops) return undefined;
  return Math.max(bytes / (bandwidthGBps * 1e6), flops / (computeGflops * 1e6));
}

/** "MHA", "GQA-8", "MQA" for a KV head count. */
export function variantLabel(queryHeads: number, kvHeads: number): string {
  if (kvHeads === queryHeads) return 'MHA';
  if (kvHeads === 1) return 'MQA';
  return `GQA-${kvHeads}`;
}
