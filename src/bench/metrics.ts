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

/**
 * Algorithmic minimum bytes: Q, K/V read once, output, K/V of the new tokens appended. With an int8
 * cache (`kvBytes` = 1) the cache and the append count one byte per element, plus the per-channel
 * float scales of K and V (read once: Hkv · (D + Dv) · 4 bytes).
 */
export function minimumBytes(spec: GraphSpec, kvBytes: number = elemBytes(spec)): number {
  const { batch: B, prompt: S, past: L } = spec;
  const { queryHeads: Hq, kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  const T = L + S;
  const b = elemBytes(spec);
  const scales = kvBytes === b ? 0 : 4 * Hkv * (D + Dv);
  return b * (B * Hq * S * D + B * Hq * S * Dv) + kvBytes * (B * Hkv * T * (D + Dv) + B * Hkv * S * (D + Dv)) + scales;
}

/** Bytes per cache element of a path: 1 for the int8 cache, else the activations' size. */
export function kvElemBytes(spec: GraphSpec, path: BenchPath): number {
  return path === 'gqaInt8' ? 1 : elemBytes(spec);
}

/**
 * Bytes the path moves at least, beyond the minimum: the plain path writes and reads K/V expanded to
 * the query heads; ONNX Attention on CPU also expands K/V (per the issue's measurement: it reads
 * them per query head). GroupQueryAttention with a shared buffer and the grouped path read the cache
 * once.
 */
export function implementationBytes(spec: GraphSpec, path: BenchPath, sharedPresent: boolean): number {
  const base = minimumBytes(spec, kvElemBytes(spec, path));
  const { batch: B, past: L, prompt: S } = spec;
  const { queryHeads: Hq, kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  const cache = elemBytes(spec) * B * Hkv * (L + S) * (D + Dv);
  const expanded = elemBytes(spec) * B * Hq * (L + S) * (D + Dv);
  if (path === 'plain' && Hq !== Hkv) return base + 2 * expanded; // write the copy, read it back
  if (path === 'attention' && Hq !== Hkv) return base - cache + expanded;
  // present written to its own buffer: a copy of past (read + write); gqaInt8 copies int8 bytes.
  if ((path === 'gqa' || path === 'gqaInt8') && !sharedPresent && L > 0) return base + (2 * cache * kvElemBytes(spec, path)) / elemBytes(spec);
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

/** Median and spread of a result's per-round fractions of the in-run ceiling. */
export interface FractionStats {
  median: number;
  /** Coefficient of variation (sample standard deviation / mean). */
  cv: number;
  /** Rounds above 1: the variant read faster than the yardstick, so the yardstick is wrong. */
  above: number;
}

/**
 * Per-round fractions: achieved GB/s of a round / the ceiling's GB/s in that same round, so a busy
 * spell that slows both leaves the fraction alone.
 */
export function roundFractions(achievedGBps: number[], ceilingGBps: number[]): number[] {
  if (achievedGBps.length !== ceilingGBps.length) throw new Error(`${achievedGBps.length} timed runs against ${ceilingGBps.length} ceiling rounds`);
  return achievedGBps.map((a, i) => a / ceilingGBps[i]!);
}

/** Median, cv and count above 100% of per-round fractions (median and cv as {@link timingStats}). */
export function fractionStats(fractions: number[]): FractionStats {
  const s = timingStats(fractions);
  return { median: s.medianMs, cv: s.cv, above: fractions.filter((f) => f > 1).length };
}

/** The cv of the fraction past which a run is called busy (the issue's "under 10% when quiet"). */
export const BUSY_CV = 0.1;

/** What the verdict reads from each result. */
export interface NoiseInput {
  label: string;
  fractionCv?: number;
  above?: number;
  headline: boolean;
}

/**
 * The verdict on a run's noise: the worst spread among headline results' fractions and the
 * ceiling's own spread; past `threshold` the machine was busy and the report says so instead of
 * printing a confident figure. Any round above 100% is named, whatever the spread.
 */
export function noiseVerdict(results: NoiseInput[], ceilingCv: number | undefined, threshold = BUSY_CV): import('../shared/benchProtocol').NoiseVerdict {
  let cv = ceilingCv ?? 0;
  let worst = ceilingCv !== undefined ? 'the in-run ceiling itself' : '';
  for (const r of results) {
    if (r.headline && r.fractionCv !== undefined && r.fractionCv > cv) {
      cv = r.fractionCv;
      worst = r.label;
    }
  }
  const aboveCeiling = results.filter((r) => (r.above ?? 0) > 0).map((r) => `${r.label}: ${r.above} round(s) above 100% of the in-run ceiling`);
  const busy = cv > threshold;
  const pct = `${(cv * 100).toFixed(0)}%`;
  const message = busy
    ? `the machine was busy: cv ${pct} (${worst}) across rounds, above ${(threshold * 100).toFixed(0)}%; the fractions below are indicative, not a measurement. Rerun on a quiet machine.`
    : `the machine was quiet enough: largest cv of a fraction across rounds ${pct}${worst ? ` (${worst})` : ''}, under ${(threshold * 100).toFixed(0)}%.`;
  return { cv, busy, threshold, message, aboveCeiling };
}
