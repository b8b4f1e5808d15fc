/**
 * The head-grouping diagram and the layer strip, drawn as plain SVG: a few dozen rectangles and
 * polygons need no chart library, stay crisp at any size, and take their colours from CSS classes
 * bound to `--vscode-*` variables, so they follow theme changes without a redraw and need no inline
 * styles (the CSP forbids them).
 */
import { groupingPhrase } from '../../src/core/describe';
import { groupingMap } from '../../src/core/whatif';
import { formatBytes } from '../../src/core/format';
import type { AttentionKind, LayerKind, LayerSpec, ModelDescription } from '../../src/core/types';
import { h, s, tip } from '../dom';

const WIDTH = 760;
const PAD = 12;
/** Distinct group colours available from the theme (`--vscode-charts-*`); groups cycle through them. */
export const GROUP_COLOURS = 6;

/** Inputs of one grouping diagram; the what-if section draws hypothetical groupings with it too. */
export interface GroupingInput {
  kind: AttentionKind;
  queryHeads: number;
  kvHeads: number;
  /** MLA: values cached per token (kv_lora_rank + qk_rope_head_dim), and its parts. */
  mla?: { latent: number; kvLoraRank: number; ropeDim: number };
  /** Accessible name prefix ("Configured attention", "What-if"). */
  caption: string;
}

/** Sentence describing a grouping, used as the diagram's accessible name and visible caption. */
export function describeGrouping(input: GroupingInput): string {
  const { kind, queryHeads: q, kvHeads: kv } = input;
  switch (kind) {
    case 'MHA':
      return `MHA: ${q} query heads, each with its own KV head (${kv} KV heads).`;
    case 'MQA':
      return `MQA: all ${q} query heads share 1 KV head.`;
    case 'GQA':
      return `GQA: ${groupingPhrase(q, kv)}; each group shares one KV head.`;
    case 'MLA':
      return `MLA: ${q} query heads read one shared latent of ${input.mla?.latent ?? '?'} values per token${input.mla ? ` (${input.mla.kvLoraRank} compressed KV + ${input.mla.ropeDim} RoPE key)` : ''}; per-head keys and values are expanded from it at compute time.`;
    case 'none':
      return 'No attention layers keep a KV cache in this model.';
  }
}

/** Draws query heads over their KV heads, coloured and connected by group. */
export function renderGrouping(input: GroupingInput): SVGSVGElement | HTMLElement {
  const description = describeGrouping(input);
  if (input.kind === 'none' || input.queryHeads < 1) {
    return h('p', { class: 'diagram-empty', 'data-kind': 'none' }, description);
  }
  if (input.kind === 'MLA') return renderMla(input, description);

  const q = input.queryHeads;
  const kv = Math.max(1, Math.min(input.kvHeads, q));
  const map = groupingMap(q, kv);
  // Six theme colours tell neighbouring groups apart; past a couple of dozen groups a six-colour cycle
  // reads as noise, so alternate two (each group still differs from both neighbours).
  const palette = kv > 24 ? 2 : GROUP_COLOURS;
  const colour = (g: number): string => `g${palette === 2 ? (g % 2) * 3 : g % GROUP_COLOURS}`;
  const cell = Math.min(28, (WIDTH - 2 * PAD) / q);
  const gap = cell >= 8 ? Math.min(3, cell * 0.15) : 0;
  const rowWidth = cell * q;
  const x0 = (WIDTH - rowWidth) / 2;
  const qy = 26;
  const qh = 24;
  const ky = 118;
  const kh = 24;
  const height = ky + kh + 30;

  const svg = s('svg', {
    viewBox: `0 0 ${WIDTH} ${height}`,
    class: 'diagram grouping',
    role: 'img',
    'aria-label': `${input.caption}. ${description}`,
    'data-kind': input.kind,
    'data-query-heads': q,
    'data-kv-heads': kv,
  });

  svg.append(s('text', { x: x0, y: qy - 8, class: 'axis-label' }, `${q} query head${q === 1 ? '' : 's'}`));

  // Each KV head sits under the middle of the query heads that use it.
  const members: number[][] = Array.from({ length: kv }, () => []);
  map.forEach((g, i) => members[g]?.push(i));
  const centre = members.map((m) => (m.length ? x0 + ((m[0]! + m[m.length - 1]! + 1) / 2) * cell : WIDTH / 2));
  const span = rowWidth / kv;
  const kvWidth = Math.max(4, Math.min(48, span - (kv > 1 ? Math.min(6, span * 0.25) : 0)));

  const links = s('g', { class: 'links' });
  const lineMode = q <= 64;
  members.forEach((m, g) => {
    const cls = colour(g);
    const contiguous = m.every((v, i) => i === 0 || v === m[i - 1]! + 1);
    if (lineMode || !contiguous) {
      for (const i of m) {
        links.append(s('line', { x1: x0 + (i + 0.5) * cell, y1: qy + qh, x2: centre[g]!, y2: ky, class: `link ${cls}` }));
      }
    } else {
      const left = x0 + m[0]! * cell;
      const right = x0 + (m[m.length - 1]! + 1) * cell - gap;
      const c = centre[g]!;
      links.append(s('polygon', { points: `${left},${qy + qh} ${right},${qy + qh} ${c + kvWidth / 2},${ky} ${c - kvWidth / 2},${ky}`, class: `band ${cls}` }));
    }
  });
  svg.append(links);

  const heads = s('g', { class: 'query-heads' });
  for (let i = 0; i < q; i++) {
    const g = map[i] ?? 0;
    const rect = s('rect', { x: x0 + i * cell, y: qy, width: Math.max(0.5, cell - gap), height: qh, rx: cell > 6 ? 2 : 0, class: `head query ${colour(g)}`, 'data-group': g });
    rect.append(tip(`query head ${i} -> KV head ${g}`));
    heads.append(rect);
    if (cell >= 18) heads.append(s('text', { x: x0 + (i + 0.5) * cell - gap / 2, y: qy + qh / 2 + 4, class: 'head-index' }, String(i)));
  }
  svg.append(heads);

  const kvGroup = s('g', { class: 'kv-heads' });
  for (let g = 0; g < kv; g++) {
    const rect = s('rect', { x: centre[g]! - kvWidth / 2, y: ky, width: kvWidth, height: kh, rx: 3, class: `head kv ${colour(g)}`, 'data-group': g });
    rect.append(tip(`KV head ${g}: shared by ${members[g]?.length ?? 0} query head${members[g]?.length === 1 ? '' : 's'}`));
    kvGroup.append(rect);
    if (kvWidth >= 18) kvGroup.append(s('text', { x: centre[g]!, y: ky + kh / 2 + 4, class: 'head-index on-kv' }, String(g)));
  }
  svg.append(kvGroup);

  const groupText = input.kind === 'MHA' ? 'one per query head' : input.kind === 'MQA' ? `shared by all ${q}` : `each shared by ${q / kv} query heads`;
  svg.append(s('text', { x: x0, y: ky + kh + 18, class: 'axis-label' }, `${kv} KV head${kv === 1 ? '' : 's'} (${groupText}): cached per token`));
  return svg;
}

function renderMla(input: GroupingInput, description: string): SVGSVGElement {
  const q = input.queryHeads;
  const cell = Math.min(28, (WIDTH - 2 * PAD) / q);
  const gap = cell >= 8 ? Math.min(3, cell * 0.15) : 0;
  const x0 = (WIDTH - cell * q) / 2;
  const qy = 26;
  const qh = 24;
  const ly = 118;
  const lh = 28;
  const latentWidth = Math.min(WIDTH - 2 * PAD, 360);
  const lx = (WIDTH - latentWidth) / 2;
  const height = ly + lh + 30;
  const svg = s('svg', {
    viewBox: `0 0 ${WIDTH} ${height}`,
    class: 'diagram grouping mla',
    role: 'img',
    'aria-label': `${input.caption}. ${description}`,
    'data-kind': 'MLA',
    'data-query-heads': q,
    'data-kv-heads': 0,
  });
  svg.append(s('text', { x: x0, y: qy - 8, class: 'axis-label' }, `${q} query heads`));
  // One fan from the whole query row to the single latent: every head reads the same cached vector.
  svg.append(s('polygon', { points: `${x0},${qy + qh} ${x0 + cell * q - gap},${qy + qh} ${lx + latentWidth},${ly} ${lx},${ly}`, class: 'band mla-fan' }));
  const heads = s('g', { class: 'query-heads' });
  for (let i = 0; i < q; i++) {
    const rect = s('rect', { x: x0 + i * cell, y: qy, width: Math.max(0.5, cell - gap), height: qh, rx: cell > 6 ? 2 : 0, class: 'head query mla-head', 'data-group': 0 });
    rect.append(tip(`query head ${i}: keys and values expanded from the shared latent`));
    heads.append(rect);
  }
  svg.append(heads);
  const latent = s('g', { class: 'latent' });
  const mla = input.mla;
  // Split the latent bar in proportion: compressed KV part, then the decoupled RoPE key part.
  const ropeShare = mla ? mla.ropeDim / mla.latent : 0;
  const ropeWidth = latentWidth * ropeShare;
  const main = s('rect', { x: lx, y: ly, width: latentWidth - ropeWidth, height: lh, rx: 3, class: 'head latent-part' });
  main.append(tip(`compressed KV (kv_lora_rank): ${mla?.kvLoraRank ?? '?'} values per token`));
  latent.append(main);
  if (ropeWidth > 0) {
    const rope = s('rect', { x: lx + latentWidth - ropeWidth, y: ly, width: ropeWidth, height: lh, rx: 3, class: 'head latent-rope' });
    rope.append(tip(`decoupled RoPE key (qk_rope_head_dim): ${mla?.ropeDim} values per token`));
    latent.append(rope);
  }
  latent.append(s('text', { x: lx + (latentWidth - ropeWidth) / 2, y: ly + lh / 2 + 4, class: 'head-index on-kv' }, mla ? `latent ${mla.kvLoraRank}` : 'latent'));
  if (ropeWidth > 24) latent.append(s('text', { x: lx + latentWidth - ropeWidth / 2, y: ly + lh / 2 + 4, class: 'head-index on-kv' }, `+${mla?.ropeDim}`));
  svg.append(latent);
  svg.append(s('text', { x: lx, y: ly + lh + 18, class: 'axis-label' }, `1 latent per token${mla ? ` (${mla.latent} values)` : ''}, shared by all heads: cached per token`));
  return svg;
}

/** Theme class and words for each layer kind. */
export const LAYER_KIND_TEXT: Record<LayerKind, string> = {
  full: 'full attention',
  sliding: 'sliding window',
  chunked: 'chunked attention',
  compressed: 'compressed + window',
  state: 'fixed state (SSM / linear / conv)',
  none: 'no cache',
};

/** Per-token bytes-ish weight of a layer, for bar heights only (elements, not bytes). */
function layerElements(layer: LayerSpec): number {
  if (layer.sharesCacheWith !== undefined) return 0;
  if (layer.mlaLatent) return layer.mlaLatent;
  if (layer.kind === 'state' || layer.kind === 'none') return 0;
  return layer.kvHeads * (layer.headDimK + (layer.sharedKv ? 0 : layer.headDimV));
}

function layerTitle(layer: LayerSpec, elementBytes: number): string {
  const parts = [`layer ${layer.index}: ${layer.label || LAYER_KIND_TEXT[layer.kind]}`];
  if (layer.window) parts.push(`window ${layer.window} tokens`);
  if (layer.compressRatio) parts.push(`1 entry per ${layer.compressRatio} tokens`);
  if (layer.mlaLatent) parts.push(`MLA latent ${layer.mlaLatent}`);
  else if (layer.kind !== 'state' && layer.kind !== 'none') parts.push(`${layer.kvHeads} KV heads x ${layer.headDimK}${layer.headDimV !== layer.headDimK ? `/${layer.headDimV}` : ''}`);
  if (layer.kind === 'state' && layer.stateElements) parts.push(`${formatBytes(layer.stateElements * (layer.stateBytesPerElement ?? elementBytes))} state per sequence${layer.stateNote ? ` (${layer.stateNote})` : ''}`);
  if (layer.sharesCacheWith !== undefined) parts.push(`reuses layer ${layer.sharesCacheWith}'s cache`);
  const e = layerElements(layer);
  if (e > 0) parts.push(`${formatBytes(e * elementBytes)} per token`);
  return parts.join(', ');
}

/** One cell per decoder layer, coloured by kind; bar height shows how much each layer caches per token. */
export function renderLayerStrip(model: ModelDescription, elementBytes: number): HTMLElement {
  const layers = model.layers;
  const wrap = h('div', { class: 'layer-strip' });
  if (!layers.length) return wrap;
  const n = layers.length;
  const cell = (WIDTH - 2 * PAD) / n;
  const gap = cell >= 6 ? 1 : 0;
  const barMax = 34;
  const maxElements = Math.max(1, ...layers.map(layerElements));
  const varying = new Set(layers.filter((l) => layerElements(l) > 0).map(layerElements)).size > 1;
  const counts = new Map<string, { kind: LayerKind; text: string; count: number }>();
  for (const l of layers) {
    const text = l.kind === 'sliding' || l.kind === 'chunked' ? `${LAYER_KIND_TEXT[l.kind]} (${l.window ?? '?'})` : LAYER_KIND_TEXT[l.kind];
    const key = `${l.kind}|${text}`;
    const entry = counts.get(key) ?? { kind: l.kind, text, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  const summary = [...counts.values()].map((c) => `${c.count} ${c.text}`).join(', ');
  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${barMax + 22}`, class: 'diagram strip', role: 'img', 'aria-label': `${n} layers: ${summary}.`, 'data-layers': n });
  layers.forEach((layer, i) => {
    const e = layerElements(layer);
    // Attention layers: height by per-token size when layers differ; fixed-state layers: a short full-colour tile.
    const height = layer.kind === 'state' ? barMax * 0.45 : layer.kind === 'none' || e === 0 ? 4 : varying ? Math.max(6, (barMax * e) / maxElements) : barMax;
    const rect = s('rect', { x: PAD + i * cell, y: barMax - height, width: Math.max(0.5, cell - gap), height, class: `layer k-${layer.kind}`, 'data-kind': layer.kind });
    rect.append(tip(layerTitle(layer, elementBytes)));
    svg.append(rect);
  });
  const tick = n <= 16 ? 1 : n <= 64 ? 8 : 16;
  for (let i = 0; i < n; i += tick) svg.append(s('text', { x: PAD + (i + 0.5) * cell, y: barMax + 15, class: 'tick-label' }, String(i)));
  wrap.append(svg);
  const legend = h('ul', { class: 'legend', 'aria-label': 'Layer kinds' });
  for (const c of counts.values()) legend.append(h('li', undefined, h('span', { class: `swatch k-${c.kind}`, 'aria-hidden': 'true' }), `${c.text} × ${c.count}`));
  if (varying) legend.append(h('li', { class: 'hint' }, 'bar height: cache per token of that layer'));
  wrap.append(legend);
  return wrap;
}
