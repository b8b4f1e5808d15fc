/**
 * Which layers keep which cache. Real configs encode per-layer structure in a dozen ways (KV-RULES "Layers
 * that keep a cache"); each encoding is read from its fields here, first match wins, in order of precedence.
 */
import type { FieldHit, FieldReader } from './fields';
import type { LayerKind } from './types';
import { NotAModelConfig } from './errors';
import { LAYER_TYPES } from './vocabulary';
import { displayValue, escapeText, shortText } from './escape';
import { sizeProblem } from './validate';

/** The cache behaviour of one layer, before heads and sizes are attached. */
export interface LayerPlan {
  kind: LayerKind;
  label: string;
  window?: number;
  compressRatio?: number;
  /** `state` layers: which recurrent state (mamba, linear, conv). */
  state?: 'mamba' | 'linear' | 'conv';
  /** KV heads for this layer when the encoding says so (block_configs' n_heads_in_group). */
  kvHeads?: number;
  /** The layer uses the sliding-window head overrides (`swa_*`) rather than the full-attention ones. */
  swa?: boolean;
}

/** The layer structure and the fields it came from. */
export interface LayerStructure {
  plans: LayerPlan[];
  from: string[];
  /** How the structure was decided, in words. */
  rule: string;
  notes: string[];
}

/** Inputs besides the raw fields. */
export interface LayerContext {
  numLayers: number;
  /** Where the layer count came from (`num_hidden_layers`), for messages. */
  numLayersFrom: string;
  queryHeads: number;
  window: number | undefined;
  windowFrom: string | undefined;
  chunk: number | undefined;
  slidingPattern: number | undefined;
  slidingPatternFrom: string;
}

const full = (label = 'full_attention'): LayerPlan => ({ kind: 'full', label });

/** Decides each layer's cache kind from whichever per-layer encoding the config uses. */
export function planLayers(r: FieldReader, ctx: LayerContext): LayerStructure {
  const notes: string[] = [];
  const sliding = (label: string, window = ctx.window): LayerPlan => {
    if (window === undefined) {
      notes.push(`${label} layers have no window size (sliding_window is absent or null): counted as full attention.`);
      return { kind: 'full', label };
    }
    return { kind: 'sliding', label, window };
  };
  const range = (n: number, f: (i: number) => LayerPlan) => Array.from({ length: n }, (_, i) => f(i));
  // Notes may repeat per layer; the normaliser dedupes every note of the model once, at the end.
  const done = (plans: LayerPlan[], from: string[], rule: string): LayerStructure => ({ plans, from, rule, notes });

  // A per-layer list speaks for every layer or the config does not load (transformers refuses a layer_types
  // whose length is not num_hidden_layers): checked before any list is walked, so its length bounds the work.
  const perLayer = <T extends { length: number }>(hit: FieldHit<T> | undefined): FieldHit<T> | undefined => {
    if (hit && hit.value.length !== ctx.numLayers) {
      throw new NotAModelConfig(`${hit.name} has ${hit.value.length.toLocaleString('en-US')} entries but the model has ${ctx.numLayers.toLocaleString('en-US')} layers (${ctx.numLayersFrom}): the model's code refuses the mismatch, so KV Lens gives no figure`);
    }
    return hit;
  };

  const blocks = perLayer(r.array('block_configs'));
  if (blocks) {
    const plans = blocks.value.map((b, i) => planBlockConfig(b, i, ctx, notes));
    return done(plans, [blocks.name], 'per-layer block_configs (attention.no_op, attention.n_heads_in_group)');
  }

  const types = perLayer(r.array('layer_types'));
  if (types) {
    const plans = types.value.map((t, i) => planLayerType(t, `${types.name}[${i}]`, ctx, sliding, notes));
    return done(plans, [types.name], 'per-layer layer_types');
  }

  const hybrid = perLayer(r.string('hybrid_override_pattern'));
  if (hybrid) {
    const plans = [...hybrid.value].map((c): LayerPlan => {
      if (c === '*') return full('*');
      if (c === 'M') return { kind: 'state', label: 'M', state: 'mamba' };
      return { kind: 'none', label: c };
    });
    return done(plans, [hybrid.name], 'hybrid_override_pattern (* attention, M Mamba, E MoE, - MLP)');
  }

  const blockTypes = perLayer(r.array('layers_block_type'));
  if (blockTypes) {
    const plans = blockTypes.value.map((t): LayerPlan => {
      const s = String(t);
      if (/mamba/i.test(s)) return { kind: 'state', label: s, state: 'mamba' };
      if (/attention|hybrid/i.test(s)) return full(s);
      return { kind: 'none', label: s };
    });
    return done(plans, [blockTypes.name], 'layers_block_type');
  }

  const period = r.positiveInt('attn_layer_period');
  if (period) {
    const offset = r.nonNegativeInt('attn_layer_offset')?.value ?? 0;
    const plans = range(ctx.numLayers, (i) => (i % period.value === offset ? full('attention') : { kind: 'state', label: 'mamba', state: 'mamba' }));
    return done(plans, [period.name, r.name('attn_layer_offset')], `attention every ${period.value} layers from layer ${offset}, Mamba elsewhere`);
  }

  const attnTypes = perLayer(r.array('attn_type_list'));
  if (attnTypes) {
    // MiniMax-Text-01: 1 = softmax attention (per-token cache), 0 = lightning (linear) attention (fixed state).
    const plans = attnTypes.value.map((t): LayerPlan => (Number(t) === 1 ? full('softmax') : { kind: 'state', label: 'linear', state: 'linear' }));
    return done(plans, [attnTypes.name], 'attn_type_list (1 softmax attention, 0 linear attention)');
  }

  const mimo = perLayer(r.array('hybrid_layer_pattern'));
  if (mimo) {
    const plans = mimo.value.map((t): LayerPlan => (Number(t) === 1 ? { ...sliding('sliding (1)'), swa: true } : full('full (0)')));
    return done(plans, [mimo.name, ...(ctx.windowFrom ? [ctx.windowFrom] : [])], 'hybrid_layer_pattern (1 sliding window, 0 full attention)');
  }

  const layout = perLayer(r.array('sliding_window_layout'));
  if (layout) {
    const plans = layout.value.map((t): LayerPlan => (Number(t) === 1 ? sliding('sliding (1)') : full('full (0)')));
    return done(plans, [layout.name, ...(ctx.windowFrom ? [ctx.windowFrom] : [])], 'sliding_window_layout (1 sliding window, 0 full attention)');
  }

  const interval = r.positiveInt('full_attention_interval');
  if (interval) {
    const plans = range(ctx.numLayers, (i) => ((i + 1) % interval.value === 0 ? full() : { kind: 'state', label: 'linear_attention', state: 'linear' }));
    return done(plans, [interval.name], `every ${interval.value}th layer full attention, the rest linear attention`);
  }

  const ratios = r.array('compress_ratios');
  if (ratios && ctx.window !== undefined) {
    // DeepSeek-V4: every layer keeps a sliding window; a layer with ratio r > 0 also keeps one compressed entry
    // per r tokens. The list may carry extra entries for MTP layers; only the decoder's layers are read.
    const plans = ratios.value.slice(0, ctx.numLayers).map((v): LayerPlan => {
      const ratio = Number(v);
      return ratio > 0
        ? { kind: 'compressed', label: `window ${ctx.window} + 1/${ratio}`, window: ctx.window, compressRatio: ratio }
        : { kind: 'sliding', label: 'window only', window: ctx.window };
    });
    notes.push('compress_ratios: each layer is assumed to keep its sliding window plus one compressed entry per `ratio` tokens (ratio 0: window only).');
    return done(plans, [ratios.name, ...(ctx.windowFrom ? [ctx.windowFrom] : [])], 'compress_ratios with a sliding window');
  }

  const pattern = r.raw('sliding_window_pattern');
  if (typeof pattern === 'string' && /^[LG]+$/i.test(pattern) && ctx.window !== undefined) {
    const plans = range(ctx.numLayers, (i) => (pattern[i % pattern.length]!.toUpperCase() === 'G' ? full('G') : sliding('L')));
    return done(plans, [r.name('sliding_window_pattern'), ...(ctx.windowFrom ? [ctx.windowFrom] : [])], `sliding_window_pattern "${pattern}" (L local, G global)`);
  }
  if (ctx.slidingPattern !== undefined && ctx.window !== undefined) {
    const n = ctx.slidingPattern;
    const plans = range(ctx.numLayers, (i) => ((i + 1) % n === 0 ? full() : sliding('sliding_attention')));
    return done(plans, [ctx.slidingPatternFrom, ...(ctx.windowFrom ? [ctx.windowFrom] : [])], `every ${n}th layer global, the rest sliding`);
  }

  if (ctx.window !== undefined) {
    const use = r.bool('use_sliding_window');
    const maxWindowLayers = r.nonNegativeInt('max_window_layers');
    if (use?.value === true && maxWindowLayers) {
      // Qwen2-style: layers below max_window_layers keep full attention, the rest slide.
      const plans = range(ctx.numLayers, (i) => (i >= maxWindowLayers.value ? sliding('sliding_attention') : full()));
      return done(plans, [use.name, maxWindowLayers.name, ctx.windowFrom!], 'use_sliding_window with max_window_layers');
    }
    const plans = range(ctx.numLayers, () => sliding('sliding_attention'));
    return done(plans, [ctx.windowFrom!], 'sliding_window on every layer');
  }

  if (ctx.chunk !== undefined) {
    const plans = range(ctx.numLayers, () => ({ kind: 'chunked' as const, label: 'chunked_attention', window: ctx.chunk }));
    return done(plans, [r.name('attention_chunk_size')], 'attention_chunk_size on every layer');
  }

  return done(range(ctx.numLayers, () => full()), [], 'every layer full attention');
}

/** One `layer_types` entry, by transformers' own list (vocabulary.ts); anything else is refused, as transformers does. */
function planLayerType(entry: unknown, name: string, ctx: LayerContext, sliding: (label: string, window?: number) => LayerPlan, notes: string[]): LayerPlan {
  const cache = typeof entry === 'string' && Object.hasOwn(LAYER_TYPES, entry) ? LAYER_TYPES[entry] : undefined;
  if (cache === undefined) {
    const shown = typeof entry === 'string' ? `"${shortText(entry)}"` : `a ${entry === null ? 'null' : Array.isArray(entry) ? 'list' : typeof entry}`;
    throw new NotAModelConfig(`${name} is ${shown}, not a layer type transformers accepts (${Object.keys(LAYER_TYPES).join(', ')}): the config does not load, so KV Lens gives no figure`);
  }
  const t = entry as string;
  switch (cache) {
    case 'sliding':
      return { ...sliding(t), swa: true };
    case 'chunked':
      if (ctx.chunk === undefined) {
        notes.push(`${t} layers have no attention_chunk_size: counted as full attention.`);
        return full(t);
      }
      return { kind: 'chunked', label: t, window: ctx.chunk };
    case 'linear':
    case 'mamba':
    case 'conv':
      return { kind: 'state', label: t, state: cache };
    case 'none':
      return { kind: 'none', label: t };
    case 'full':
      return full(t);
  }
}

function planBlockConfig(block: unknown, index: number, ctx: LayerContext, notes: string[]): LayerPlan {
  const attn = (block && typeof block === 'object' ? (block as Record<string, unknown>)['attention'] : undefined) as Record<string, unknown> | undefined;
  if (!attn || typeof attn !== 'object') {
    notes.push(`block_configs[${index}] has no attention object: counted as full attention.`);
    return full('attention');
  }
  if (attn['no_op'] === true) return { kind: 'none', label: 'no_op' };
  if (attn['replace_with_linear'] === true) return { kind: 'none', label: 'linear replacement' };
  const group = attn['n_heads_in_group'];
  const window = attn['window_length'];
  // Per-layer sizes go through the one validator too: a present but unusable one refuses the config.
  for (const [key, value] of [['n_heads_in_group', group], ['window_length', window]] as const) {
    if (value === undefined || value === null) continue;
    const problem = sizeProblem(key, value, typeof value === 'number' ? String(value) : JSON.stringify(value) ?? '');
    if (problem) throw new NotAModelConfig(`block_configs[${index}].attention.${key} is ${escapeText(displayValue(value))}: ${problem.reason}. KV Lens gives no figure for a config the model's code could not load`);
  }
  const kvHeads = typeof group === 'number' && Number.isInteger(ctx.queryHeads / group) ? ctx.queryHeads / group : undefined;
  if (kvHeads === undefined) notes.push(`block_configs[${index}].attention.n_heads_in_group is missing or does not divide the query heads: the layer's KV heads fall back to the model's.`);
  if (typeof window === 'number') return { kind: 'sliding', label: `window ${window}`, window, ...(kvHeads ? { kvHeads } : {}) };
  return { kind: 'full', label: kvHeads ? `${ctx.queryHeads / kvHeads} heads/group` : 'attention', ...(kvHeads ? { kvHeads } : {}) };
}

