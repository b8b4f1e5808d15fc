/**
 * Any config -> one ModelDescription. Dispatch is on fields, never on model names (KV-RULES); the only
 * per-type knowledge is the library defaults for omitted fields (defaults.ts), always reported as such.
 */
import { defaultsFor } from './defaults';
import { computed, defaulted, FieldReader, fromField } from './fields';
import type { FieldHit } from './fields';
import { planLayers } from './layers';
import type { LayerPlan } from './layers';
import { nodeAt } from './parse';
import type { ParsedConfig } from './parse';
import { convState, linearState, mambaState } from './state';
import type { StateSize } from './state';
import type { AttentionKind, Derived, EncoderDecoderSpec, ExpertsSpec, LayerSpec, MlaSpec, ModelDescription } from './types';
import { kvCacheScheme, modelDtype } from './dtype';
import { NESTED_PARTS, aliasKeys } from './vocabulary';
import { MAX_LAYERS } from './validate';
import { NotAModelConfig } from './errors';
import { shortText } from './escape';


export { NotAModelConfig };

/** Picks the part of the document that describes the language model. */
export function selectPart(parsed: ParsedConfig): { reader: FieldReader; part: string } {
  const top = new FieldReader(parsed, []);
  // An empty nested part beside top-level attention fields is a conversion left half done: the top level
  // speaks for the model (lint says so). Alone, it stands for the model type's defaults, as in transformers.
  const topSpeaks = [...aliasKeys('queryHeads'), ...aliasKeys('numLayers'), ...aliasKeys('hiddenSize')].some((k) => top.has(k));
  for (const key of NESTED_PARTS) {
    const nested = top.child(key);
    if (!nested) continue;
    if (topSpeaks && nestedIsEmpty(parsed, key)) continue;
    return { reader: nested, part: key };
  }
  return { reader: top, part: '' };
}

/** True when the nested part under `key` is an object with no fields (lint's empty-part rule asks the same). */
export function nestedIsEmpty(parsed: ParsedConfig, key: string): boolean {
  return (nodeAt(parsed, [key])?.children?.length ?? 0) === 0;
}

// Aliases in read order, from the vocabulary.
const QUERY_HEADS = aliasKeys('queryHeads');
const HIDDEN = aliasKeys('hiddenSize');
const LAYERS = aliasKeys('numLayers');
const HEAD_DIM = aliasKeys('headDim');
const MAX_CONTEXT = aliasKeys('maxContext');
const STATE_FIELDS = aliasKeys('stateSize');
const KV_HEADS_DIRECT = aliasKeys('kvHeads');
const SLIDING_WINDOW = aliasKeys('slidingWindow');

/** Normalises a parsed config. Throws NotAModelConfig when there is no language model to describe. */
export function normalise(parsed: ParsedConfig): ModelDescription {
  const top = new FieldReader(parsed, []);
  const { reader: r, part } = selectPart(parsed);
  const notes: string[] = [];
  const modelType = top.string('model_type')?.value;
  const partModelType = part ? r.string('model_type')?.value : undefined;
  const defaults = defaultsFor(partModelType ?? modelType);
  const architectures = (top.array('architectures')?.value ?? []).filter((a): a is string => typeof a === 'string');
  const inherit = part ? [r, top] : [r];
  const firstHit = <T>(f: (x: FieldReader) => FieldHit<T> | undefined) => inherit.map(f).find((h) => h !== undefined);

  const hiddenHit = r.positiveInt(...HIDDEN);
  let hiddenSize: Derived<number> | undefined = hiddenHit ? fromField(hiddenHit) : defaults?.hiddenSize && HIDDEN.every((k) => !r.has(k)) ? defaulted(defaults.hiddenSize, `${defaults.source} default`) : undefined;

  // Pure state-space models (Mamba) have SSM heads but no attention at all.
  const hasStateFields = STATE_FIELDS.some((k) => r.has(k));
  const hasHybridPattern = ['hybrid_override_pattern', 'layers_block_type', 'attn_layer_period', 'layer_types', 'attn_type_list'].some((k) => r.has(k));
  const pureSsm = hasStateFields && !hasHybridPattern && !r.has('num_attention_heads') && !r.has('n_head');

  const qHit = pureSsm ? undefined : r.positiveInt(...QUERY_HEADS);
  // Library defaults fill fields that are absent, never fields that are present but unusable.
  const absent = (keys: string[]) => keys.every((k) => !r.has(k));
  let queryHeads: Derived<number> | undefined = qHit ? fromField(qHit) : defaults?.queryHeads && absent(QUERY_HEADS) ? defaulted(defaults.queryHeads, `absent: ${defaults.source} default`) : undefined;

  const layersHit = r.positiveInt(...LAYERS);
  let numLayers: Derived<number> | undefined = layersHit ? fromField(layersHit) : defaults?.numLayers && absent(LAYERS) ? defaulted(defaults.numLayers, `absent: ${defaults.source} default`) : undefined;

  // Refused before anything is built from them: no work proportional to an absurd layer or head count.
  refuseRejected(r);
  const encoderOnly = isEncoderOnly(top, r, architectures);
  const encDec = encoderOnly ? undefined : encoderDecoder(r, numLayers);
  if (encDec) numLayers = encDec.decoderLayers;

  if (!queryHeads && !pureSsm) {
    throw new NotAModelConfig(
      `no attention heads: none of ${QUERY_HEADS.join(', ')} is a positive integer${part ? ` in ${part}` : ''}` + rejectedSuffix(r),
    );
  }
  if (!numLayers) {
    const patternLength = ['layer_types', 'block_configs', 'hybrid_layer_pattern', 'sliding_window_layout'].map((k) => r.array(k)).find((a) => a);
    const hybrid = r.string('hybrid_override_pattern');
    const length = patternLength?.value.length ?? hybrid?.value.length;
    if (length !== undefined && length > MAX_LAYERS) throw new NotAModelConfig(`${(patternLength ?? hybrid)!.name} has ${length.toLocaleString('en-US')} entries: more than ${MAX_LAYERS.toLocaleString('en-US')} layers, no model comes near`);
    if (patternLength) numLayers = computed(patternLength.value.length, [fromField(patternLength)], 'length of the per-layer list');
    else if (hybrid) numLayers = computed(hybrid.value.length, [fromField(hybrid)], 'length of the pattern');
    else throw new NotAModelConfig(`no layer count: none of ${LAYERS.join(', ')} is a positive integer${part ? ` in ${part}` : ''}` + rejectedSuffix(r));
  }

  const dtype = modelDtype(r, top, notes);
  const kvCacheDtype = kvCacheScheme(r, top, notes);
  const maxHit = firstHit((x) => x.positiveInt(...MAX_CONTEXT));
  const maxContext: Derived<number> | undefined = maxHit
    ? fromField(maxHit)
    : defaults?.maxContext
      ? defaulted(defaults.maxContext, `absent: ${defaults.source} default`)
      : undefined;
  if (!maxContext) notes.push('No maximum context in the config (max_position_embeddings and aliases absent): costs use the context you give, or 4096.');

  const vocabHit = firstHit((x) => x.positiveInt('vocab_size', 'padded_vocab_size'));
  const vocabSize = vocabHit ? fromField(vocabHit) : defaults?.vocabSize ? defaulted(defaults.vocabSize, `${defaults.source} default`) : undefined;
  const interHit = r.positiveInt('intermediate_size', 'ffn_hidden_size', 'n_inner', 'd_ff', 'ffn_dim', 'decoder_ffn_dim');
  const intermediateSize = interHit ? fromField(interHit) : undefined;
  const tieWordEmbeddings = (firstHit((x) => x.bool('tie_word_embeddings'))?.value ?? defaultTie(modelType)) === true;
  const experts = readExperts(r);
  const mtpHit = firstHit((x) => x.nonNegativeInt('num_nextn_predict_layers', 'mtp_num_hidden_layers', 'num_mtp_modules'));
  const mtpLayers = mtpHit ? fromField(mtpHit) : defaulted(0, 'no MTP fields');

  if (pureSsm) {
    const state = mambaState(r, hiddenSize?.value);
    const layers = Array.from({ length: numLayers.value }, (_, i): LayerSpec => stateLayer(i, 'mamba', state, notes));
    const none = defaulted(0, 'no attention: a pure state-space model');
    notes.push('A pure state-space model: no KV cache, only a fixed recurrent state per sequence.');
    refuseRejected(r);
    return {
      modelType, architectures, part, partPath: r.base, ...(partModelType ? { partModelType } : {}),
      attention: { kind: 'none', queryHeads: none, kvHeads: none, headDimK: none, headDimV: none, groupSize: 0 },
      layers, numLayers, mtpLayers, ...(hiddenSize ? { hiddenSize } : {}), ...(intermediateSize ? { intermediateSize } : {}),
      ...(vocabSize ? { vocabSize } : {}), tieWordEmbeddings, ...(experts ? { experts } : {}), dtype, ...(kvCacheDtype ? { kvCacheDtype } : {}),
      ...(maxContext ? { maxContext } : {}), encoderOnly: false, notes: dedupe(notes),
    };
  }

  const q = queryHeads!;
  let kvHeads = readKvHeads(r, q, defaults?.kvHeads, defaults?.source);
  const mla = readMla(r);
  // MLA's per-head query/key size is qk_nope_head_dim + qk_rope_head_dim, whatever head_dim says.
  const headDimK = mla
    ? computed(mla.qkNopeHeadDim.value + mla.qkRopeHeadDim.value, [mla.qkNopeHeadDim, mla.qkRopeHeadDim], 'MLA: qk_nope_head_dim + qk_rope_head_dim')
    : readHeadDim(r, q, hiddenSize, defaults?.headDim, defaults?.source);
  const vHit = r.positiveInt('v_head_dim');
  const headDimV = mla ? mla.vHeadDim : vHit ? fromField(vHit) : headDimK;

  let kind: AttentionKind = mla ? 'MLA' : classify(q.value, kvHeads.value);
  if (encoderOnly) notes.push('Encoder-only model: it keeps no KV cache at inference (every token attends to every token in one pass).');
  if (mla) notes.push(`MLA: each layer caches one latent of ${mla.kvLoraRank.value} + ${mla.qkRopeHeadDim.value} = ${mla.latent} values per token (vLLM, SGLang, llama.cpp); num_key_value_heads is not used.`);

  // Windows: a window applies only when the architecture uses it (Qwen's use_sliding_window: false).
  const windowHit = r.positiveInt(...SLIDING_WINDOW);
  const useWindow = r.bool('use_sliding_window');
  let window = windowHit?.value;
  if (windowHit && useWindow?.value === false) window = undefined;
  // A number here is a period; a string (EXAONE's "LLLG") or a list is a pattern, planned by layers.ts.
  const patternHit = typeof r.raw('sliding_window_pattern') === 'number' ? r.positiveInt('sliding_window_pattern') : undefined;
  const slidingPattern = patternHit?.value ?? (windowHit && !r.has('layer_types') ? defaults?.slidingPattern : undefined);
  const slidingPatternFrom = patternHit ? patternHit.name : `${defaults?.source ?? ''} default sliding_window_pattern ${defaults?.slidingPattern ?? ''}`.trim();
  if (!window && !windowHit && defaults?.slidingWindow && !r.has('sliding_window') && (defaults.slidingPattern || partModelType)) {
    window = defaults.slidingWindow;
    notes.push(`sliding_window absent: ${defaults.source} default ${defaults.slidingWindow}.`);
  }
  const chunk = r.positiveInt('attention_chunk_size')?.value;

  const structure = encoderOnly
    ? { plans: Array.from({ length: numLayers.value }, (): LayerPlan => ({ kind: 'none', label: 'encoder' })), from: [], rule: 'encoder-only', notes: [] as string[] }
    : planLayers(r, {
        numLayers: numLayers.value, numLayersFrom: numLayers.from.join(', ') || numLayers.note || 'the layer count', queryHeads: q.value, window, windowFrom: windowHit?.name, chunk, slidingPattern, slidingPatternFrom,
      });
  notes.push(...structure.notes);
  if (slidingPattern && !patternHit && structure.rule.startsWith('every')) notes.push(`Layer pattern from ${slidingPatternFrom}: every ${slidingPattern}th layer global.`);

  const layers = encoderOnly
    ? structure.plans.map((p, index): LayerSpec => ({ index, kind: 'none', label: p.label, kvHeads: kvHeads.value, queryHeads: q.value, headDimK: headDimK.value, headDimV: headDimV.value }))
    : buildLayers(r, structure.plans, { q: q.value, kv: kvHeads.value, dk: headDimK.value, dv: headDimV.value, mla, hidden: hiddenSize?.value }, notes);
  applySharing(r, layers, notes);
  // Per-layer head counts (block_configs) speak for the model when no KV-head field does.
  const perLayerKv = new Set(structure.plans.filter((p) => p.kvHeads !== undefined).map((p) => p.kvHeads));
  if (kvHeads.defaulted && perLayerKv.size === 1 && !mla) {
    const value = [...perLayerKv][0]!;
    kvHeads = computed(value, [{ value, from: structure.from, defaulted: false }], `every attention layer's ${structure.rule}`);
    kind = classify(q.value, value);
  }
  if (structure.plans.some((p) => p.kind === 'sliding' || p.kind === 'chunked' || p.kind === 'compressed')) {
    notes.push('A windowed layer holds min(context, window) tokens in steady state; engines add a little on top (vLLM: the batch\'s new tokens and a block; llama.cpp pads to 256).');
  }
  if (windowHit && useWindow?.value === false) notes.push(`${windowHit.name} = ${windowHit.value} is not used: ${useWindow.name} is false.`);
  // A decoder whose layers all keep nothing (every attention a no-op) has no attention to speak of.
  if (!encoderOnly && layers.every((l) => l.kind === 'none')) kind = 'none';

  refuseRejected(r);
  return {
    modelType, architectures, part, partPath: r.base, ...(partModelType ? { partModelType } : {}),
    attention: { kind, queryHeads: q, kvHeads: mla ? computed(1, [mla.kvLoraRank], 'MLA: one shared latent') : kvHeads, headDimK, headDimV, groupSize: mla ? q.value : q.value / kvHeads.value },
    ...(mla ? { mla } : {}),
    layers, numLayers, mtpLayers,
    ...(hiddenSize ? { hiddenSize } : {}), ...(intermediateSize ? { intermediateSize } : {}), ...(vocabSize ? { vocabSize } : {}),
    tieWordEmbeddings, ...(experts ? { experts } : {}), dtype, ...(kvCacheDtype ? { kvCacheDtype } : {}), ...(maxContext ? { maxContext } : {}),
    ...(encDec ? { encoderDecoder: encDec } : {}), encoderOnly,
    notes: dedupe(notes),
  };
}

/** MHA when every query head has its own KV head, MQA with one, GQA in between. */
export function classify(queryHeads: number, kvHeads: number): AttentionKind {
  return kvHeads >= queryHeads ? 'MHA' : kvHeads === 1 ? 'MQA' : 'GQA';
}

function readKvHeads(r: FieldReader, q: Derived<number>, typeDefault: number | undefined, source: string | undefined): Derived<number> {
  const attnConfig = r.child('attn_config');
  const mqa = r.bool('multi_query');
  const newArch = r.bool('new_decoder_architecture');
  const direct = r.positiveInt(...KV_HEADS_DIRECT);
  if (mqa?.value === true && newArch?.value !== true && !direct) return computed(1, [fromField(mqa)], 'multi_query: true means one KV head');
  if (direct) return fromField(direct);
  const mpt = attnConfig?.positiveInt('kv_n_heads');
  if (mpt) return fromField(mpt);
  const glm = r.positiveInt('multi_query_group_num');
  const glmOn = r.bool('multi_query_attention');
  if (glm && glmOn?.value !== false) return fromField(glm, glmOn ? undefined : 'multi_query_group_num without multi_query_attention');
  if (mqa?.value === true) return computed(1, [fromField(mqa)], 'multi_query: true means one KV head');
  if (typeDefault !== undefined && q.defaulted) return defaulted(typeDefault, `absent: ${source} default`);
  const explicitNull = KV_HEADS_DIRECT.find((k) => r.raw(k) === null);
  return { value: q.value, from: q.from, defaulted: true, note: `${explicitNull ? `${r.name(explicitNull)} is null` : 'no KV-head field'}: MHA, as transformers defaults (KV heads = query heads)` };
}

function readHeadDim(r: FieldReader, q: Derived<number>, hidden: Derived<number> | undefined, typeDefault: number | undefined, source: string | undefined): Derived<number> {
  const hit = r.positiveInt(...HEAD_DIM);
  if (hit) return fromField(hit);
  if (typeDefault !== undefined && (!hidden || hidden.defaulted || q.defaulted)) return defaulted(typeDefault, `absent: ${source} default`);
  if (hidden && hidden.value % q.value === 0) return computed(hidden.value / q.value, [hidden, q], `${hidden.from[0] ?? 'hidden size'} / ${q.from[0] ?? 'query heads'}`);
  if (hidden) return computed(Math.floor(hidden.value / q.value), [hidden, q], `${hidden.value} / ${q.value} does not divide: rounded down`);
  throw new NotAModelConfig(`no head size: neither ${HEAD_DIM.join(', ')} nor a hidden size (${HIDDEN.join(', ')}) is given`);
}

function readMla(r: FieldReader): MlaSpec | undefined {
  const rank = r.positiveInt('kv_lora_rank');
  if (!rank) return undefined;
  const rope = r.positiveInt('qk_rope_head_dim');
  const nope = r.positiveInt('qk_nope_head_dim');
  const v = r.positiveInt('v_head_dim');
  const ropeD = rope ? fromField(rope) : defaulted(64, 'qk_rope_head_dim absent: DeepSeek default 64');
  const nopeD = nope ? fromField(nope) : defaulted(128, 'qk_nope_head_dim absent: DeepSeek default 128');
  const vD = v ? fromField(v) : defaulted(128, 'v_head_dim absent: DeepSeek default 128');
  return { kvLoraRank: fromField(rank), qkRopeHeadDim: ropeD, qkNopeHeadDim: nopeD, vHeadDim: vD, latent: rank.value + ropeD.value };
}

interface Dims { q: number; kv: number; dk: number; dv: number; mla: MlaSpec | undefined; hidden: number | undefined }

function buildLayers(r: FieldReader, plans: LayerPlan[], d: Dims, notes: string[]): LayerSpec[] {
  // Per-layer overrides for sliding and global layers (MiMo-V2 swa_*, Gemma 4 global_*).
  const swaKv = r.positiveInt('swa_num_key_value_heads')?.value;
  const swaQ = r.positiveInt('swa_num_attention_heads')?.value;
  const swaDk = r.positiveInt('swa_head_dim')?.value;
  const swaDv = r.positiveInt('swa_v_head_dim')?.value;
  const globalKv = r.positiveInt('num_global_key_value_heads')?.value;
  const globalDk = r.positiveInt('global_head_dim')?.value;
  const kEqV = r.bool('attention_k_eq_v')?.value === true;
  const indexDim = d.mla ? r.positiveInt('index_head_dim')?.value : undefined;
  if (globalKv || globalDk) notes.push(`Full-attention layers use ${globalKv ?? d.kv} KV heads x ${globalDk ?? d.dk} (num_global_key_value_heads / global_head_dim); sliding layers ${d.kv} x ${d.dk}.`);
  if (kEqV) notes.push('attention_k_eq_v: full-attention layers use their keys as values, so one tensor is cached there (assumed).');
  if (indexDim) notes.push(`Sparse-attention indexer: ${indexDim} more values per token per layer (index_head_dim), cached beside the latent.`);

  const stateCache = new Map<string, StateSize | undefined>();
  return plans.map((p, index): LayerSpec => {
    if (p.kind === 'state') {
      const key = p.state ?? 'mamba';
      if (!stateCache.has(key)) {
        stateCache.set(key, key === 'linear' ? linearState(r, d.q, d.dk) : key === 'conv' ? convState(r, d.hidden) : mambaState(r, d.hidden));
      }
      return stateLayer(index, key, stateCache.get(key), notes, p.label);
    }
    if (p.kind === 'none') return { index, kind: 'none', label: p.label, kvHeads: 0, queryHeads: 0, headDimK: 0, headDimV: 0 };
    const base: LayerSpec = { index, kind: p.kind, label: p.label, kvHeads: p.kvHeads ?? d.kv, queryHeads: d.q, headDimK: d.dk, headDimV: d.dv };
    if (p.window !== undefined) base.window = p.window;
    if (p.compressRatio !== undefined) base.compressRatio = p.compressRatio;
    if (d.mla) return { ...base, kvHeads: 0, mlaLatent: d.mla.latent, sharedKv: true, ...(indexDim ? { indexHeadDim: indexDim } : {}) };
    if (p.kind === 'sliding' && (p.swa || swaKv)) {
      return { ...base, kvHeads: swaKv ?? base.kvHeads, queryHeads: swaQ ?? d.q, headDimK: swaDk ?? d.dk, headDimV: swaDv ?? swaDk ?? d.dv };
    }
    if (p.kind === 'full' && (globalKv || globalDk)) {
      return { ...base, kvHeads: globalKv ?? base.kvHeads, headDimK: globalDk ?? d.dk, headDimV: globalDk ?? d.dv, ...(kEqV ? { sharedKv: true } : {}) };
    }
    if (kEqV && p.kind === 'full') return { ...base, sharedKv: true };
    return base;
  });
}

function stateLayer(index: number, key: string, size: StateSize | undefined, notes: string[], label = key): LayerSpec {
  if (!size) notes.push(`Layer ${index}: ${key} state size cannot be worked out from the config's fields: counted as 0.`);
  else notes.push(`State layers keep a fixed ${size.note} per sequence.`);
  return {
    index, kind: 'state', label, kvHeads: 0, queryHeads: 0, headDimK: 0, headDimV: 0,
    stateElements: size?.elements ?? 0, ...(size?.bytesPerElement ? { stateBytesPerElement: size.bytesPerElement } : {}),
    stateNote: size?.note ?? `${key} state (unknown size)`,
  };
}

/** Cross-layer KV sharing: Gemma 3n's last layers reuse earlier caches; Hunyuan's cla_share_factor. */
function applySharing(r: FieldReader, layers: LayerSpec[], notes: string[]): void {
  const shared = r.nonNegativeInt('num_kv_shared_layers');
  if (shared && shared.value > 0) {
    const first = layers.length - shared.value;
    for (const l of layers.slice(first)) {
      const source = [...layers.slice(0, first)].reverse().find((s) => s.kind === l.kind);
      if (source) l.sharesCacheWith = source.index;
    }
    notes.push(`The last ${shared.value} layers reuse earlier layers' caches (num_kv_shared_layers) and keep none of their own.`);
  }
  const factor = r.positiveInt('cla_share_factor');
  if (factor && factor.value > 1) {
    for (const l of layers) if (l.index % factor.value !== 0 && l.kind !== 'none' && l.kind !== 'state') l.sharesCacheWith = l.index - (l.index % factor.value);
    notes.push(`Every ${factor.value} layers share one KV cache (cla_share_factor).`);
  }
}

function isEncoderOnly(top: FieldReader, r: FieldReader, architectures: string[]): boolean {
  if (r.bool('is_decoder')?.value === true || top.bool('is_encoder_decoder')?.value === true) return false;
  const encoderHeads = /For(MaskedLM|SequenceClassification|TokenClassification|QuestionAnswering|MultipleChoice|PreTraining|NextSentencePrediction)$/;
  if (architectures.length > 0) return architectures.every((a) => encoderHeads.test(a));
  return r.has('type_vocab_size') && !r.has('num_key_value_heads');
}

function encoderDecoder(r: FieldReader, numLayers: Derived<number> | undefined): EncoderDecoderSpec | undefined {
  const dec = r.positiveInt('num_decoder_layers', 'decoder_layers');
  const enc = r.positiveInt('encoder_layers') ?? (dec ? r.positiveInt('num_layers') : undefined);
  if (!dec && !(r.bool('is_encoder_decoder')?.value === true && numLayers)) return undefined;
  const decoderLayers = dec ? fromField(dec) : numLayers!;
  const encoderLayers = enc ? fromField(enc) : decoderLayers;
  const len = r.positiveInt('max_source_positions', 'encoder_max_position_embeddings');
  const fallback = r.positiveInt('n_positions', 'max_position_embeddings');
  const encoderLength = len
    ? fromField(len)
    : fallback
      ? fromField(fallback, 'encoder length assumed to be the maximum input length')
      : defaulted(512, 'encoder length unknown: 512 assumed');
  return { encoderLayers, decoderLayers, encoderLength };
}

function readExperts(r: FieldReader): ExpertsSpec | undefined {
  const total = r.positiveInt('num_local_experts', 'num_experts', 'n_routed_experts', 'moe_num_primary_experts', 'moe_num_experts');
  if (!total || total.value < 2) return undefined;
  const active = r.positiveInt('num_experts_per_tok', 'experts_per_token', 'moe_num_active_primary_experts', 'moe_topk', 'top_k');
  const inter = r.positiveInt('moe_intermediate_size', 'moe_ffn_hidden_size', 'expert_intermediate_size');
  const shared = r.nonNegativeInt('n_shared_experts', 'num_shared_experts')?.value ?? (r.positiveInt('shared_expert_intermediate_size', 'moe_shared_expert_intermediate_size') ? 1 : 0);
  let dense = r.nonNegativeInt('first_k_dense_replace')?.value ?? 0;
  const freq = r.array('moe_layer_freq');
  if (freq) dense = freq.value.filter((x) => Number(x) === 0).length;
  const mlpOnly = r.array('mlp_only_layers');
  if (mlpOnly) dense += mlpOnly.value.length;
  return {
    total: fromField(total),
    active: active ? fromField(active) : defaulted(1, 'experts per token absent: 1 assumed'),
    shared,
    ...(inter ? { intermediateSize: fromField(inter) } : {}),
    denseLayers: dense,
  };
}

function defaultTie(modelType: string | undefined): boolean {
  // transformers' PretrainedConfig default is tie_word_embeddings=True; many decoder configs override it.
  return modelType === undefined ? false : ['gpt2', 'gpt_bigcode', 'bert', 't5', 'gemma', 'gemma2', 'gemma3', 'gemma3_text', 'phi'].includes(modelType);
}

function rejectedList(r: FieldReader): string {
  return r.rejected.map((x) => `${x.name} is ${shortText(x.written)}: ${x.reason}`).join('; ');
}

function rejectedSuffix(r: FieldReader): string {
  return r.rejected.length ? ` (${rejectedList(r)})` : '';
}


/**
 * A present but unusable size (validate.ts) is never replaced by a default or another alias: the model's own
 * code would fail on it, so no figure is given, and the message names each field and its value as written.
 */
function refuseRejected(r: FieldReader): void {
  if (r.rejected.length === 0) return;
  throw new NotAModelConfig(`${rejectedList(r)}. KV Lens gives no figure for a config the model's code could not load`);
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}
