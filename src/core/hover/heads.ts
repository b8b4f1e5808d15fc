/** The hover topics on heads and head sizes: KV heads, query heads, head size, width, MLA, per-layer heads. Pure: no `vscode`, no `node:` imports. */
import { formatBytes, formatInt } from '../format';
import { valueAt } from '../parse';
import { divisors } from '../whatif';
import { esc, table } from './markdown';
import { displayValue } from '../escape';
import { HoverContext, KIND_WORDS, fmtRatio, numberAt } from './context';
import type { HoverTarget } from './context';

/** Attention-looking fields of a model without attention (pure Mamba: num_heads are SSM heads). */
export function noAttention(c: HoverContext, t: HoverTarget): string {
  const v = valueAt(c.analysis.parsed, t.path);
  return [
    `**${esc(t.key)}**${typeof v === 'number' ? ` = ${formatInt(v)}` : ''}: this model has no attention layers, so nothing here sizes a KV cache${c.model.layers.some((l) => l.kind === 'state') ? '; its layers keep a fixed recurrent state per sequence instead (these heads belong to the state-space layers)' : ''}.`,
    c.costTable(false),
  ].join('\n\n');
}

export function kvHeads(c: HoverContext, t: HoverTarget): string {
  const m = c.model;
  const a = m.attention;
  const parts: string[] = [];
  if (m.mla) {
    parts.push(`**${esc(t.key)}** is vestigial here: **MLA** (${KIND_WORDS.MLA}) caches one latent per token and layer, not per-head K and V.`);
    parts.push(c.mlaSentence());
  } else {
    parts.push(`**${a.kind}** (${KIND_WORDS[a.kind] ?? ''}): ${c.groupingSentence()}`);
    const picture = c.picture();
    if (picture) parts.push(picture);
  }
  parts.push(c.costTable(true));
  parts.push(c.engineTable());
  parts.push(c.formula());
  parts.push(c.linksLine());
  return parts.filter(Boolean).join('\n\n');
}

export function queryHeads(c: HoverContext, t: HoverTarget): string {
  const a = c.model.attention;
  const parts = [`**${formatInt(a.queryHeads.value)} query heads** (${esc(t.key)}). Query heads are not cached; the KV heads they share are.`];
  if (c.model.encoderOnly) {
    // the cost table says it: no KV cache
  } else if (c.model.mla) parts.push(c.mlaSentence());
  else if (a.kind !== 'none') {
    parts.push(`Grouping (${a.kind}): ${c.groupingSentence()}`);
    const picture = c.picture();
    if (picture) parts.push(picture);
    const ds = divisors(a.queryHeads.value);
    if (ds.length) parts.push(`Valid KV head counts (divisors of ${a.queryHeads.value}): ${ds.join(', ')}.`);
  }
  parts.push(c.costTable(false));
  parts.push(c.linksLine());
  return parts.filter(Boolean).join('\n\n');
}

export function headDim(c: HoverContext, t: HoverTarget): string {
  const a = c.model.attention;
  const parts = [`**Head size ${a.headDimK.value}**${a.headDimV.value !== a.headDimK.value ? ` (K) / ${a.headDimV.value} (V)` : ''}: values in each cached K and V vector, per KV head. ${c.derivation('head size', a.headDimK)}`];
  const hidden = c.model.hiddenSize?.value;
  if (hidden && a.queryHeads.value * a.headDimK.value !== hidden) {
    parts.push(`${a.headDimK.value} x ${a.queryHeads.value} query heads = ${formatInt(a.headDimK.value * a.queryHeads.value)}, not hidden_size ${formatInt(hidden)}: the attention width differs from the model width (legitimate); calculators that use hidden_size / heads = ${fmtRatio(hidden, a.queryHeads.value)} get the cache wrong.`);
  }
  if (!c.model.mla && a.kind !== 'none') {
    const b = c.atModel().bytesPerElement;
    const perLayer = (a.headDimK.value + a.headDimV.value) * a.kvHeads.value * b;
    parts.push(`Per token per full-attention layer: (${a.headDimK.value} + ${a.headDimV.value}) x ${a.kvHeads.value} KV heads x ${b} B = ${formatBytes(perLayer)}.`);
  }
  parts.push(c.costTable(false));
  return parts.filter(Boolean).join('\n\n');
}

export function hidden(c: HoverContext, t: HoverTarget): string {
  const m = c.model;
  const a = m.attention;
  const v = numberAt(c.analysis, t.path) ?? m.hiddenSize?.value;
  const head = a.headDimK;
  const usesHidden = head.from.some((f) => /hidden_size|n_embd|d_model/.test(f));
  const lines = [`**Model width ${v !== undefined ? formatInt(v) : '?'}** (${esc(t.key)}): the size of each token's hidden state.`];
  if (m.mla) lines.push('Under MLA the cache does not depend on it: it holds a latent of kv_lora_rank + qk_rope_head_dim values.');
  else if (usesHidden && v) lines.push(`No head_dim is given, so the head size is ${formatInt(v)} / ${a.queryHeads.value} query heads = ${fmtRatio(v, a.queryHeads.value)}, which sizes every cached K and V vector.`);
  else lines.push(`The head size comes from ${esc(head.from.join(', ') || 'a default')} (${head.value}), so the width does not enter the KV cache.`);
  return lines.join('\n\n');
}

export function mla(c: HoverContext, t: HoverTarget): string {
  return [`**${esc(t.key)}** = ${esc(displayValue(valueAt(c.analysis.parsed, t.path)))}. ${c.mlaSentence()}`, c.costTable(true), c.formula(), c.linksLine()].filter(Boolean).join('\n\n');
}

export function perLayerHeads(c: HoverContext, t: HoverTarget): string {
  const rows = c.atModel().breakdown.map((b): [string, string] => [`${b.layers} x ${esc(b.label)}`, b.bytesPerTokenPerLayer > 0 ? `${formatBytes(b.bytesPerTokenPerLayer)} per token per layer` : 'no per-token cache']);
  return [`**${esc(t.key)}**: layers differ in KV heads or head size; each group is costed on its own, then summed.`, table(rows), c.formula()].join('\n\n');
}
