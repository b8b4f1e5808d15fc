/**
 * Data-free fidelity: what pooling did to each layer's K/V weights, computed from the weights alone while they are
 * converted (no inputs, no inference). Two figures per layer and part:
 * - weight-sharing error Σ_h ‖W_h − mean of h's group‖² / Σ_h ‖W_h‖²: 0 when the heads of every group were already
 *   identical (nothing lost), 1 - 1/r for r mutually orthogonal heads of equal norm (each head keeps 1/r of itself);
 * - norm ratio: the written head's Frobenius norm over the mean norm of its group's members (about 1/√r for nearly
 *   orthogonal heads with `mean`; 1 with `mean-norm` by construction).
 * These describe the weights, not the model: the functional figures (attention output error on real inputs) and,
 * above all, the model after fine-tuning are what decide quality.
 */
import { addStats, sharingError } from './pool';
import type { PoolStats } from './pool';

/** One part's (K's or V's) data-free figures for one layer. */
export interface PartFigures {
  sharingError: number;
  /** Mean over the new heads of ‖written head‖ / mean member norm. */
  normRatio: number;
  minNormRatio: number;
  maxNormRatio: number;
}

/** One layer's data-free figures. */
export interface LayerWeightFigures {
  layer: number;
  /** K and V together: Σ‖W_h − mean‖² / Σ‖W_h‖² over both parts' heads. */
  sharingError: number;
  k: PartFigures;
  v: PartFigures;
}

/** Worst and median over layers, with the layer the worst is in. */
export interface Spread {
  worst: number;
  worstLayer: number;
  median: number;
}

function partFigures(s: PoolStats): PartFigures {
  const r = s.normRatios;
  return {
    sharingError: sharingError(s),
    normRatio: r.length ? r.reduce((a, b) => a + b, 0) / r.length : 1,
    minNormRatio: r.length ? Math.min(...r) : 1,
    maxNormRatio: r.length ? Math.max(...r) : 1,
  };
}

const EMPTY: PoolStats = { distance2: 0, norm2: 0, normRatios: [] };

/** Collects the weight tensors' pooling sums layer by layer as tensors stream past (in any order). */
export class WeightFidelity {
  private readonly layers = new Map<number, { k: PoolStats; v: PoolStats }>();

  /** Adds one weight tensor's sums (biases are pooled the same way but not counted: they are not projections). */
  add(layer: number, stats: Partial<Record<'k' | 'v', PoolStats>>): void {
    const at = this.layers.get(layer) ?? { k: EMPTY, v: EMPTY };
    this.layers.set(layer, { k: stats.k ? addStats(at.k, stats.k) : at.k, v: stats.v ? addStats(at.v, stats.v) : at.v });
  }

  /** Per-layer figures, in layer order. */
  figures(): LayerWeightFigures[] {
    return [...this.layers.entries()].sort(([a], [b]) => a - b).map(([layer, s]) => ({ layer, sharingError: sharingError(addStats(s.k, s.v)), k: partFigures(s.k), v: partFigures(s.v) }));
  }
}

/** The median of a non-empty list (mean of the two middle values for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Worst (largest) and median of a per-layer figure. */
export function spread(perLayer: readonly { layer: number; value: number }[]): Spread {
  let worst = -Infinity;
  let worstLayer = -1;
  for (const { layer, value } of perLayer) if (value > worst) [worst, worstLayer] = [value, layer];
  return { worst: perLayer.length ? worst : NaN, worstLayer, median: median(perLayer.map((p) => p.value)) };
}
