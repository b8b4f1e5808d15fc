/** The hover topics on layers and context: layer counts, the maximum context, windows, per-layer types. Pure: no `vscode`, no `node:` imports. */
import { formatBytes, formatInt, formatTokens } from '../format';
import { pathToString, valueAt } from '../parse';
import { esc, table, times } from './markdown';
import { HoverContext, numberAt, report } from './context';
import type { HoverTarget } from './context';

export function layers(c: HoverContext, t: HoverTarget): string {
  const r = c.atModel();
  const lines = [`**${formatInt(c.model.numLayers.value)} layers** (${esc(t.key)}). By cache kind: ${c.layerSummary()}`];
  const rows = r.breakdown.map((b): [string, string] => [`${b.layers} x ${esc(b.label)}`, b.bytesPerTokenPerLayer > 0 ? `${formatBytes(b.bytesPerTokenPerLayer)} per token per layer` : 'no per-token cache']);
  if (rows.length) lines.push(table(rows));
  if (c.model.mtpLayers.value > 0) lines.push(`Plus ${c.model.mtpLayers.value} next-token-prediction layer(s) (${esc(c.model.mtpLayers.from.join(', '))}) that some engines add; not counted.`);
  lines.push(c.costTable(false));
  return lines.join('\n\n');
}

export function context(c: HoverContext, t: HoverTarget): string {
  const v = numberAt(c.analysis, t.path);
  const mc = c.model.maxContext;
  const used = mc && mc.from.includes(pathToString(t.path));
  const lines = [`**${v !== undefined ? `${formatInt(v)} tokens (${formatTokens(v)})` : esc(t.key)}**: ${used ? "the model's maximum context, the default context for every cost" : `not the context KV Lens uses${mc ? ` (${esc(mc.from.join(', ') || 'default')} = ${formatInt(mc.value)})` : ''}`}.`];
  lines.push(c.costTable(false));
  return lines.join('\n\n');
}

export function window(c: HoverContext, t: HoverTarget): string {
  const m = c.model;
  const windowed = m.layers.filter((l) => l.kind === 'sliding' || l.kind === 'chunked' || l.kind === 'compressed');
  const lines: string[] = [];
  const use = valueAt(c.analysis.parsed, [...m.partPath, 'use_sliding_window']);
  if (windowed.length === 0) {
    lines.push(`**${esc(t.key)}** has no effect on this model: no layer uses a window${use === false ? ' (use_sliding_window is false)' : ''}; all ${m.layers.filter((l) => l.kind === 'full').length} attention layers keep the whole context.`);
  } else {
    const w = windowed[0]?.window ?? 0;
    const ctx = c.atModel().context;
    lines.push(`**Window ${formatInt(w)} tokens** on ${windowed.length} of ${m.layers.length} layers: each holds min(context, ${formatInt(w)}) tokens in steady state (engines add a little: vLLM a block and the new tokens, llama.cpp pads to 256).`);
    const full = report(m, c.modelOpts(), 'unwindowed');
    const r = c.atModel();
    lines.push(`At the model's context ${formatTokens(ctx)}: ${formatBytes(r.totalBytes)} with the window, ${formatBytes(full.totalBytes)} if every layer kept the whole context (${times(full.totalBytes / Math.max(1, r.totalBytes))} more).`);
    if (w >= ctx) lines.push(`The window is at or above the context, so it saves nothing here.`);
  }
  lines.push(c.costTable(false));
  return lines.join('\n\n');
}

export function layerTypes(c: HoverContext, t: HoverTarget): string {
  const m = c.model;
  if (t.entry !== undefined) {
    const l = m.layers[t.entry];
    if (!l) return `**Entry ${t.entry}** of ${esc(t.key)}: the model has ${m.layers.length} layers, so this entry describes no layer.`;
    const b = c.atModel().bytesPerElement;
    const row = c.atModel().breakdown.find((x) => x.kind === l.kind && (l.kind !== 'sliding' || x.label.includes(formatInt(l.window ?? 0))));
    const what =
      l.kind === 'state' ? `a fixed state (${esc(l.stateNote ?? 'recurrent state')}), not a per-token cache`
      : l.kind === 'none' ? 'no cache'
      : l.mlaLatent !== undefined ? `an MLA latent of ${l.mlaLatent} values x ${b} B per token`
      : `${l.kvHeads} KV heads x (${l.headDimK} + ${l.headDimV}) x ${b} B = ${formatBytes(l.kvHeads * (l.headDimK + (l.sharedKv ? 0 : l.headDimV)) * b)} per token${l.window ? `, over at most ${formatInt(l.window)} tokens` : ', over the whole context'}`;
    return [`**Layer ${l.index}: ${esc(l.label)}** (${l.kind}): caches ${what}.`, row ? `${row.layers} layers like it.` : '', c.layerSummary()].filter(Boolean).join('\n\n');
  }
  return [`**${esc(t.key)}**: ${c.layerSummary()}`, c.costTable(false)].join('\n\n');
}
