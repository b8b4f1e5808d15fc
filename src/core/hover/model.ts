/** The hover topics on the model as a whole: dtype, the nested language model, the summary keys. Pure: no `vscode`, no `node:` imports. */
import { formatBytes } from '../format';
import { pathToString, valueAt } from '../parse';
import { esc } from './markdown';
import { displayValue } from '../escape';
import { HoverContext } from './context';
import type { HoverTarget } from './context';

export function dtype(c: HoverContext, t: HoverTarget): string {
  const raw = valueAt(c.analysis.parsed, t.path);
  const r = c.atSettings();
  const name = pathToString(t.path);
  const used = c.model.dtype.from.includes(name);
  const lines = [`**${esc(displayValue(raw))}**: the weights' dtype${used && c.model.kvCacheDtype ? ` (the KV cache is ${esc(c.model.kvCacheDtype.value)}, by ${esc(c.model.kvCacheDtype.from.join(', '))})` : used ? ', and the default KV cache element type' : ` (KV Lens reads the model dtype from ${esc(c.model.dtype.from.join(', ') || 'a default')})`}.`];
  lines.push(`KV cache: **${esc(r.dtype)}**, ${r.bytesPerElement} B per element (${esc(r.dtypeFrom)}${c.settings.kvDtype === 'auto' ? '; change with kvLens.kvDtype' : ', kvLens.kvDtype'}): ${formatBytes(r.bytesPerToken)} per token.`);
  return lines.join('\n\n');
}

export function part(c: HoverContext, t: HoverTarget): string {
  const m = c.model;
  if (pathToString([t.key]) !== m.part) return `**${esc(t.key)}** is not the part KV Lens reads${m.part ? `: it reads **${esc(m.part)}**` : ': it reads the top level'}.`;
  const lines = [`**The language model** is read from here${m.partModelType ? ` (model type ${esc(m.partModelType)})` : ''}. ${c.kindSentence()}`];
  const defaulted = [m.attention.queryHeads, m.attention.kvHeads, m.attention.headDimK, m.numLayers].filter((d) => d.defaulted);
  if (defaulted.length) lines.push(`Defaults used: ${defaulted.map((d) => esc(d.note ?? 'library default')).join('; ')}.`);
  lines.push(c.costTable(false), c.linksLine());
  return lines.filter(Boolean).join('\n\n');
}

export function summary(c: HoverContext, t: HoverTarget): string {
  return [`**${esc(t.key)}**: ${c.kindSentence()}`, c.costTable(false), c.linksLine()].filter(Boolean).join('\n\n');
}

/** A top-level field when the language model is nested: not what the model uses. */
export function notRead(c: HoverContext, t: HoverTarget): string {
  const m = c.model;
  return `**${esc(t.key)}** at the top level is not read for the language model: KV Lens (like transformers) reads **${esc(m.part)}**${m.partModelType ? ` (model type ${esc(m.partModelType)})` : ''}.\n\n${c.kindSentence()}`;
}
