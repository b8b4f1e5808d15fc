/**
 * The grouping in words, one wording for every surface (CLI, CodeLens, status bar, panel).
 */
import type { ModelDescription } from './types';

/** "32 query heads share 8 KV heads: 8 groups of 4" - and honest when the heads do not divide. */
export function groupingPhrase(queryHeads: number, kvHeads: number): string {
  if (kvHeads <= 0) return `${queryHeads} query heads`;
  if (kvHeads >= queryHeads) return `${queryHeads} query heads, each with its own KV head`;
  if (kvHeads === 1) return `${queryHeads} query heads share 1 KV head`;
  const group = queryHeads / kvHeads;
  if (!Number.isInteger(group)) return `${queryHeads} query heads over ${kvHeads} KV heads: ${kvHeads} does not divide ${queryHeads} (${group.toFixed(2)} per KV head)`;
  return `${queryHeads} query heads share ${kvHeads} KV heads: ${kvHeads} groups of ${group}`;
}

/** The model's grouping in words, MLA and attention-free models included. */
export function describeGrouping(model: ModelDescription): string {
  const { kind, queryHeads, kvHeads } = model.attention;
  if (model.encoderOnly) return `${queryHeads.value} attention heads; encoder-only, no KV cache at inference`;
  switch (kind) {
    case 'MLA':
      return model.mla ? `${queryHeads.value} query heads read one latent of ${model.mla.latent} values per token` : `${queryHeads.value} query heads, latent attention`;
    case 'none':
      return 'no attention layers: fixed state only';
    default:
      return groupingPhrase(queryHeads.value, kvHeads.value);
  }
}
