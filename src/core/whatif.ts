/**
 * What if the grouping changed? Every valid KV head count (each divisor of the query heads, MHA ... MQA),
 * costed on the same model with only the KV heads changed, and the map of which query heads share which KV head.
 */
import { computeKv } from './kv';
import { classify } from './normalise';
import type { AttentionKind, KvOptions, LayerSpec, ModelDescription } from './types';

/** One grouping variant of the model. */
export interface WhatIfRow {
  kvHeads: number;
  kind: AttentionKind;
  /** Query heads per KV head. */
  groupSize: number;
  bytesPerToken: number;
  /** Cache + state at the options' context and batch, windows applied. */
  totalBytes: number;
  /** This variant's per-token cache over MHA's. */
  ratioToMha: number;
  /** Decode reads the cache once per token: at most queryHeads / kvHeads times faster than MHA. */
  decodeSpeedupBound: number;
  /** The grouping the config has. */
  current: boolean;
}

/** Above this many heads no divisor list is made: no real model comes near, and the list would be huge. */
export const MAX_HEADS_FOR_DIVISORS = 1_000_000;

/** All divisors of n, ascending (O(sqrt n)); empty when n is not a positive integer up to a million. */
export function divisors(n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_HEADS_FOR_DIVISORS) return [];
  const low: number[] = [];
  const high: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d !== 0) continue;
    low.push(d);
    if (d * d !== n) high.unshift(n / d);
  }
  return [...low, ...high];
}

/**
 * The model with its attention layers regrouped to `kvHeads`. Layers whose KV heads differ from the model's
 * configured grouping (Gemma 4's global layers, MiMo's sliding layers) are scaled in proportion. MLA models are
 * regrouped in their expanded per-head form (qk head size for K, v_head_dim for V).
 */
export function withKvHeads(model: ModelDescription, kvHeads: number): ModelDescription {
  const base = model.mla ? model.attention.queryHeads.value : model.attention.kvHeads.value;
  const layers = model.layers.map((l): LayerSpec => {
    if (l.kind === 'state' || l.kind === 'none') return l;
    if (l.mlaLatent !== undefined) {
      const { mlaLatent: _latent, indexHeadDim: _index, sharedKv: _shared, ...rest } = l;
      return { ...rest, kvHeads, headDimK: model.attention.headDimK.value, headDimV: model.attention.headDimV.value };
    }
    const scaled = Math.max(1, Math.round((l.kvHeads * kvHeads) / base));
    return { ...l, kvHeads: Math.min(scaled, l.queryHeads || scaled) };
  });
  const { mla: _mla, ...rest } = model;
  return {
    ...rest,
    attention: {
      ...model.attention,
      kind: classify(model.attention.queryHeads.value, kvHeads),
      kvHeads: { value: kvHeads, from: [], defaulted: false, note: 'what-if' },
      groupSize: model.attention.queryHeads.value / kvHeads,
    },
    layers,
  };
}

/** Every grouping variant, MHA first. Empty for models without attention heads. */
export function whatIf(model: ModelDescription, opts: KvOptions = {}): WhatIfRow[] {
  const q = model.attention.queryHeads.value;
  if (model.attention.kind === 'none' || divisors(q).length === 0) return [];
  const current = model.mla ? undefined : model.attention.kvHeads.value;
  // MHA first, MQA last.
  const rows = divisors(q).reverse().map((kv) => {
    const report = computeKv(withKvHeads(model, kv), opts);
    return { kvHeads: kv, report };
  });
  const mha = rows[0]!.report.bytesPerToken;
  return rows.map(({ kvHeads, report }) => ({
    kvHeads,
    kind: classify(q, kvHeads),
    groupSize: q / kvHeads,
    bytesPerToken: report.bytesPerToken,
    totalBytes: report.totalBytes,
    ratioToMha: mha > 0 ? report.bytesPerToken / mha : 1,
    decodeSpeedupBound: q / kvHeads,
    current: kvHeads === current,
  }));
}

/** The KV head each query head reads: query head i uses KV head floor(i / (queryHeads / kvHeads)). */
export function groupingMap(queryHeads: number, kvHeads: number): number[] {
  if (queryHeads <= 0 || kvHeads <= 0) return [];
  const group = queryHeads / kvHeads;
  return Array.from({ length: queryHeads }, (_, i) => Math.min(kvHeads - 1, Math.floor(i / group)));
}
