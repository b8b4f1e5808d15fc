/**
 * The inverse questions: the longest context, and the most concurrent sequences at a context, that fit a
 * GPU memory budget after the weights. Per GPU under tensor parallelism: weights / tp plus the per-GPU cache.
 */
import { computeKv } from './kv';
import type { ParsedConfig } from './parse';
import type { KvOptions, ModelDescription } from './types';
import { estimateWeights } from './weights';
import { weightsFigure } from './exactWeights';
import type { ExactWeights } from './exactWeights';
import type { WeightEstimate } from './weights';

const GIB = 1024 ** 3;
/** Longest context searched: 2^30 tokens, far past any real model, so "unbounded" is visible as such. */
export const CONTEXT_CAP = 1 << 30;

/** Operating point for the inverse questions. */
export interface FitOptions extends KvOptions {
  /** Memory of one GPU in GiB. */
  gpuMemGiB: number;
  /** Weights read from the checkpoint's headers: used instead of the shape estimate. */
  exactWeights?: ExactWeights;
}

/** What fits on the GPUs. */
export interface FitReport {
  gpuMemBytes: number;
  tp: number;
  weights: WeightEstimate;
  /** Weights one GPU holds (weights / tp). */
  weightsPerGpuBytes: number;
  /** What is left per GPU for the cache and state. */
  freePerGpuBytes: number;
  /** Longest context at the given batch that fits (0 when nothing fits; CONTEXT_CAP when it fits at the search's cap). */
  maxContext: number;
  /** True when the cache stops growing with context (every layer windowed or state-only): any context fits. */
  contextUnbounded: boolean;
  /** Most sequences at the given context that fit. */
  maxBatch: number;
  /** The context maxBatch was computed at. */
  context: number;
  notes: string[];
}

/** Answers both inverse questions at once. */
export function fitBudget(model: ModelDescription, opts: FitOptions, parsed?: ParsedConfig): FitReport {
  const tp = Math.max(1, Math.floor(opts.tp ?? 1));
  const gpuMemBytes = opts.gpuMemGiB * GIB;
  const weights = weightsFigure(estimateWeights(model, parsed), opts.exactWeights);
  const weightsPerGpuBytes = weights.bytes / tp;
  const freePerGpuBytes = gpuMemBytes - weightsPerGpuBytes;
  const notes: string[] = [];
  const perGpu = (context: number, batch: number) => computeKv(model, { ...opts, tp, context, batch }).perGpuBytes;
  const batch = Math.max(1, Math.floor(opts.batch ?? 1));
  const at = computeKv(model, { ...opts, tp });
  if (freePerGpuBytes <= 0) {
    notes.push('The weights alone do not fit: nothing is left for the cache.');
    return { gpuMemBytes, tp, weights, weightsPerGpuBytes, freePerGpuBytes, maxContext: 0, contextUnbounded: false, maxBatch: 0, context: at.context, notes };
  }

  // Longest context: the cache grows monotonically with context, so bisect on it.
  let maxContext = 0;
  let contextUnbounded = false;
  if (perGpu(CONTEXT_CAP, batch) <= freePerGpuBytes) {
    maxContext = CONTEXT_CAP;
    // Unbounded only when the cache has really stopped growing (every layer windowed or state-only); a cache
    // that still grows but fits at the cap (a huge GPU budget) is "at least the cap", not "any context".
    contextUnbounded = perGpu(CONTEXT_CAP / 2, batch) === perGpu(CONTEXT_CAP, batch);
    notes.push(contextUnbounded
      ? 'The cache stops growing with context (windows or fixed state): any context fits.'
      : `At least ${CONTEXT_CAP.toLocaleString('en-US')} tokens fit, where the search stops; the cache still grows with context.`);
  } else if (perGpu(1, batch) <= freePerGpuBytes) {
    let lo = 1;
    let hi = CONTEXT_CAP;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (perGpu(mid, batch) <= freePerGpuBytes) lo = mid;
      else hi = mid;
    }
    maxContext = lo;
  }
  if (model.maxContext && maxContext > model.maxContext.value) notes.push(`More than the model's maximum context (${model.maxContext.value}) fits.`);

  // Most sequences: the per-GPU cost is linear in batch.
  const one = perGpu(at.context, 1);
  const maxBatch = one > 0 ? Math.floor(freePerGpuBytes / one) : Number.POSITIVE_INFINITY;
  if (!Number.isFinite(maxBatch)) notes.push('No per-sequence cache: the batch is bounded by activations, not the cache.');
  notes.push('Weights are estimated from the config\'s shapes; activations, CUDA graphs and the framework\'s reserve are not counted.');
  return { gpuMemBytes, tp, weights, weightsPerGpuBytes, freePerGpuBytes, maxContext, contextUnbounded, maxBatch, context: at.context, notes };
}
