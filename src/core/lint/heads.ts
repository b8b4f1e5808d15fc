/**
 * Rules on head counts: KV heads that divide the query heads, MLA's vestigial field, per-layer groups, and
 * the tensor-parallel degree against both. Pure: no `vscode`, no `node:` imports.
 */
import type { KvLensSettings } from '../settings';
import type { ModelDescription } from '../types';
import { RawObject, isPositiveInt } from './fields';
import { Reporter, nearestDivisors, validList, pathFromDotted } from './context';
import type { NumField } from './context';

export function checkMla(r: Reporter, part: RawObject): void {
  const kv = part.get(['num_key_value_heads']);
  if (kv && isPositiveInt(kv.value)) {
    const rank = part.get(['kv_lora_rank'])?.value;
    const rope = part.get(['qk_rope_head_dim'])?.value;
    const latent = isPositiveInt(rank) && isPositiveInt(rope) ? ` (${rank} + ${rope} = ${rank + rope} values per token per layer)` : '';
    r.report(
      'kv-lens.mla-kv-heads-vestigial',
      kv.path,
      `${kv.name} (${kv.value}) is not used: multi-head latent attention caches one latent of kv_lora_rank + qk_rope_head_dim${latent}, not per-head K and V.`,
    );
  }
}

export function checkHeads(r: Reporter, part: RawObject, q: NumField | undefined, kv: NumField | undefined): void {
  if (q && kv) {
    if (kv.value > q.value) {
      r.report(
        'kv-lens.kv-heads-above-query-heads',
        kv.path,
        `${kv.name} is ${kv.value}, more than ${q.name} (${q.value}); each query head uses exactly one KV head, so at most ${q.value} can be used.`,
        [{ title: `Set ${kv.name} to ${q.value} (multi-head attention)`, path: kv.path, value: q.value }],
      );
    } else if (q.value % kv.value !== 0) {
      const near = nearestDivisors(q.value, kv.value);
      r.report(
        'kv-lens.kv-heads-not-divisor',
        kv.path,
        `${kv.name} is ${kv.value}, which does not divide ${q.name} (${q.value}): ${q.value} / ${kv.value} = ${(q.value / kv.value).toFixed(2)} query heads per KV head.${validList(q.value)}`,
        near.map((d) => ({ title: `Set ${kv.name} to ${d} (${q.value / d} query heads per KV head)`, path: kv.path, value: d })),
      );
    }
  }
  const hidden = part.positive('hiddenSize');
  const headDims = part.all('headDim').filter((f) => f.value !== null);
  if (q && hidden && headDims.length === 0 && hidden.value % q.value !== 0) {
    r.report(
      'kv-lens.hidden-size-not-divisible',
      hidden.path,
      `${hidden.name} (${hidden.value}) is not divisible by ${q.name} (${q.value}) and no head_dim is given: ${hidden.value} / ${q.value} = ${(hidden.value / q.value).toFixed(2)} is not a head size.`,
    );
  }
  const headDim = part.positive('headDim');
  if (q && hidden && headDim && headDim.value * q.value !== hidden.value) {
    r.report(
      'kv-lens.head-dim-mismatch',
      headDim.path,
      `${headDim.name} x ${q.name} = ${headDim.value} x ${q.value} = ${headDim.value * q.value}, not ${hidden.name} (${hidden.value}); legitimate for this kind of model, and the KV cache uses ${headDim.name}.`,
    );
  }
}

/** Nemotron-NAS `block_configs[i].attention.n_heads_in_group`: query heads per KV head, per layer; must divide them. */
export function checkBlockGroups(r: Reporter, part: RawObject, q: NumField | undefined): void {
  const blocks = part.get(['block_configs']);
  if (!q || !Array.isArray(blocks?.value)) return;
  blocks.value.forEach((_, i) => {
    const g = part.get(['block_configs', i, 'attention', 'n_heads_in_group']);
    if (!g || g.value === null || part.get(['block_configs', i, 'attention', 'no_op'])?.value === true) return;
    if (!isPositiveInt(g.value) || q.value % g.value === 0) return; // type problems: left to the normaliser's notes
    const near = nearestDivisors(q.value, g.value);
    r.report(
      'kv-lens.kv-heads-not-divisor',
      g.path,
      `${g.name} is ${g.value}, which does not divide ${q.name} (${q.value}): layer ${i} would have ${(q.value / g.value).toFixed(2)} KV heads.`,
      near.map((d) => ({ title: `Set ${g.name} to ${d} (${q.value / d} KV heads)`, path: g.path, value: d })),
    );
  });
}

export function checkTensorParallel(
  r: Reporter,
  settings: KvLensSettings,
  q: NumField | undefined,
  kv: NumField | undefined,
  model: ModelDescription | undefined,
  mla: boolean,
): void {
  const tp = settings.tensorParallel;
  if (!Number.isSafeInteger(tp) || tp <= 1 || !q) return;
  if (q.value % tp !== 0) {
    r.report(
      'kv-lens.tp-not-dividing-query-heads',
      q.path,
      `${q.name} (${q.value}) is not divisible by the tensor-parallel degree ${tp} (kvLens.tensorParallel): heads cannot be split evenly across ${tp} GPUs.`,
    );
  }
  if (mla) return;
  // The KV count in effect: the field, or the normaliser's value (multi_query, absent field = MHA).
  const kvValue = kv?.value ?? (model && !model.attention.kvHeads.defaulted ? model.attention.kvHeads.value : q.value);
  const kvName = kv?.name ?? (model?.attention.kvHeads.from[0] ?? q.name);
  const kvPath = kv?.path ?? pathFromDotted(model?.attention.kvHeads.from[0]) ?? q.path;
  if (!isPositiveInt(kvValue)) return;
  if (kvValue >= tp ? kvValue % tp !== 0 : tp % kvValue !== 0) {
    r.report(
      'kv-lens.tp-kv-heads-mismatch',
      kvPath,
      `${kvValue} KV heads (${kvName}) and tensor-parallel degree ${tp} do not split evenly: engines need the KV heads to be a multiple of ${tp}, or ${tp} a multiple of the KV heads.`,
    );
  } else if (kvValue < tp) {
    r.report(
      'kv-lens.tp-replicates-kv-heads',
      kvPath,
      `Tensor-parallel degree ${tp} exceeds the ${kvValue} KV heads (${kvName}): each GPU holds 1 KV head, each KV head is copied on ${tp / kvValue} GPUs, and the cluster holds ${tp / kvValue}x the cache.`,
    );
  }
}
