/**
 * The conversion plan: which tensors are the K/V projections, in which layout, whether the model can be converted to
 * `kvHeads` KV heads at all, and what its config must say afterwards. Pure: tensor names, dtypes and shapes in
 * (from any safetensors header reader), a plan or a refusal in words out. Nothing is read or written here.
 */
import type { JsonPath, ModelDescription } from '../types';
import { divisors } from '../whatif';
import { isFloatDtype } from './numeric';
import type { FloatDtype } from './numeric';
import { newShapeOf } from './layouts';
import type { HeadGeometry, LayoutKind, OutputForm, TensorEdit } from './layouts';
import type { PoolMethod } from './pool';

/** A tensor as a header lists it. */
export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
}

/** Everything a conversion does, decided before a byte is written. */
export interface ConversionPlan {
  layout: LayoutKind;
  output: OutputForm;
  geometry: HeadGeometry;
  /** Old KV heads per new KV head (1: nothing pooled, a lossless copy). */
  poolFactor: number;
  layers: number;
  method: PoolMethod;
  /** The rewritten tensors by name; every other tensor is copied byte for byte. */
  edits: Map<string, TensorEdit>;
  /** The config field set to the new KV head count (native output only). */
  configEdit?: { path: JsonPath; value: number };
  /** What the user should know about this conversion, in words. */
  notes: string[];
}

/** A plan, or why there is none. */
export type PlanResult = { ok: true; plan: ConversionPlan } | { ok: false; reason: string };

/**
 * Model types whose attention class reads `num_key_value_heads` (each builds k_proj with
 * `config.num_key_value_heads * head_dim` outputs and calls repeat_kv; transformers
 * src/transformers/models/<type>/modeling_<type>.py). Their conversion is written native: fewer KV heads on disk
 * and in the config. Any other type gets the expanded form (see layouts.ts).
 */
export const NATIVE_KV_MODEL_TYPES: ReadonlySet<string> = new Set([
  'llama', 'mistral', 'mixtral', 'qwen2', 'qwen2_moe', 'qwen3', 'qwen3_moe', 'gemma', 'gemma2', 'phi3', 'phimoe',
  'starcoder2', 'olmo', 'olmo2', 'granite', 'stablelm', 'cohere',
]);

interface Pattern {
  layout: LayoutKind;
  /** Matches a K/V-holding tensor: groups prefix, layer, projection, role. */
  re: RegExp;
  /** Projection names holding K/V and which parts each holds. */
  parts: Record<string, ('k' | 'v')[]>;
}

const PATTERNS: Pattern[] = [
  { layout: 'separate', re: /^(.*?)(\d+)\.(?:self_attn|attn|attention)\.(k_proj|v_proj)\.(weight|bias)$/, parts: { k_proj: ['k'], v_proj: ['v'] } },
  { layout: 'fused-qkv', re: /^(.*?)(\d+)\.(?:self_attn|attn|attention)\.(qkv_proj)\.(weight|bias)$/, parts: { qkv_proj: ['k', 'v'] } },
  { layout: 'gpt2-c-attn', re: /^(.*?)(\d+)\.(?:attn)\.(c_attn)\.(weight|bias)$/, parts: { c_attn: ['k', 'v'] } },
  { layout: 'interleaved-qkv', re: /^(.*?)(\d+)\.(?:attention|self_attention)\.(query_key_value)\.(weight|bias)$/, parts: { query_key_value: ['k', 'v'] } },
];

/** Which layouts each model type may use: a layout seen in another type's checkpoint is refused, not guessed. */
function layoutAllowed(layout: LayoutKind, modelType: string | undefined): boolean {
  if (layout === 'gpt2-c-attn') return modelType === 'gpt2'; // gpt_bigcode's c_attn is nn.Linear and MQA-grouped
  // qkv_proj is [q | k | v] in Phi-3 (and Phi-3.5-MoE); remote-code models with the same name fuse in other orders.
  if (layout === 'fused-qkv') return modelType === 'phi3' || modelType === 'phimoe';
  // RefinedWeb / RefinedWebModel: Falcon's remote-code names, which transformers maps to falcon (configuration_falcon.py).
  if (layout === 'interleaved-qkv') return modelType === 'gpt_neox' || modelType === 'falcon' || modelType === 'RefinedWeb' || modelType === 'RefinedWebModel';
  return true;
}

/** Why the model's attention cannot be pooled, or undefined when it can. */
export function refusalFor(model: ModelDescription): string | undefined {
  const a = model.attention;
  if (model.encoderOnly) return 'an encoder-only model keeps no KV cache: fewer KV heads save nothing';
  if (model.encoderDecoder) return 'encoder-decoder models (decoder self- and cross-attention) are not supported';
  if (a.kind === 'MLA' || model.mla) return 'MLA (multi-head latent attention) caches one latent per token, not KV heads: there are no K/V heads to pool';
  if (a.kind === 'none') return 'the model has no attention layers';
  const state = model.layers.find((l) => l.kind === 'state' || l.kind === 'compressed');
  if (state) return `layer ${state.index} is a ${state.label} layer (fixed state or compressed cache): hybrid and SSM models are not supported`;
  if (model.layers.some((l) => l.sharedKv)) return 'K and V are one tensor in this model: not supported';
  const odd = model.layers.find((l) => l.kind !== 'none' && (l.kvHeads !== a.kvHeads.value || l.queryHeads !== a.queryHeads.value || l.headDimK !== a.headDimK.value || l.headDimV !== a.headDimV.value));
  if (odd) return `layer ${odd.index} has its own head counts or sizes (${odd.queryHeads} query, ${odd.kvHeads} KV heads): per-layer grouping is not supported`;
  if (model.layers.some((l) => l.kind === 'none')) return 'some layers have no attention (no-op blocks): not supported';
  if (a.kvHeads.value === 1) return 'the model is already MQA (one KV head): there is nothing left to pool';
  return undefined;
}

/** The KV head counts a model can be converted to: divisors of its KV heads, below them (ascending). */
export function validKvHeads(model: ModelDescription): number[] {
  if (refusalFor(model)) return [];
  const kv = model.attention.kvHeads.value;
  return divisors(kv).filter((n) => n < kv);
}

/** The plan for converting `tensors` (every tensor of the checkpoint) to `kvHeads` KV heads. */
export function planConversion(model: ModelDescription, tensors: readonly TensorInfo[], kvHeads: number, method: PoolMethod): PlanResult {
  const refused = refusalFor(model);
  if (refused) return { ok: false, reason: refused };
  const q = model.attention.queryHeads.value;
  const kv = model.attention.kvHeads.value;
  if (!Number.isSafeInteger(kvHeads) || kvHeads < 1 || kvHeads > kv || kv % kvHeads !== 0) {
    return { ok: false, reason: `--kv-heads ${kvHeads}: must divide the model's ${kv} KV heads (and so its ${q} query heads); valid: ${divisors(kv).join(', ')}` };
  }
  const layers = model.layers.length;
  const geometry: HeadGeometry = { queryHeads: q, oldKvHeads: kv, newKvHeads: kvHeads, headDimK: model.attention.headDimK.value, headDimV: model.attention.headDimV.value };

  // Group matching tensors by layout and prefix (a multimodal checkpoint also holds a vision tower's layers).
  const groups = new Map<string, { pattern: Pattern; prefix: string; hits: Map<string, TensorInfo> }>();
  for (const t of tensors) {
    for (const p of PATTERNS) {
      const m = p.re.exec(t.name);
      if (!m) continue;
      const key = `${p.layout}\u0000${m[1]}`;
      const g = groups.get(key) ?? { pattern: p, prefix: m[1]!, hits: new Map() };
      g.hits.set(t.name, t);
      groups.set(key, g);
    }
  }
  if (groups.size === 0) return { ok: false, reason: 'no K/V projection tensors found (looked for k_proj/v_proj, qkv_proj, c_attn, query_key_value): the layout is not supported' };
  const layerCount = (g: { hits: Map<string, TensorInfo>; pattern: Pattern }) => new Set([...g.hits.keys()].map((n) => g.pattern.re.exec(n)![2])).size;
  const ranked = [...groups.values()].sort((a, b) => layerCount(b) - layerCount(a));
  const best = ranked[0]!;
  if (ranked.length > 1 && layerCount(ranked[1]!) === layerCount(best)) {
    return { ok: false, reason: `K/V projections under two prefixes with ${layerCount(best)} layers each (${ranked[0]!.prefix || '(none)'} and ${ranked[1]!.prefix || '(none)'}): cannot tell which is the language model` };
  }
  const { pattern, prefix } = best;
  if (!layoutAllowed(pattern.layout, model.modelType)) {
    return { ok: false, reason: `${pattern.layout} tensors in a model_type ${model.modelType ?? '(none)'} checkpoint: this combination is not supported` };
  }
  if ((pattern.layout === 'gpt2-c-attn' || pattern.layout === 'interleaved-qkv') && kv !== q) {
    return { ok: false, reason: `${pattern.layout} with ${kv} KV heads for ${q} query heads (a grouped fused layout, e.g. Falcon's new_decoder_architecture) is not supported` };
  }
  const output: OutputForm = pattern.layout === 'gpt2-c-attn' || pattern.layout === 'interleaved-qkv' || !NATIVE_KV_MODEL_TYPES.has(model.modelType ?? '') ? 'expanded' : 'native';

  const byName = new Map(tensors.map((t) => [t.name, t]));
  const edits = new Map<string, TensorEdit>();
  let dtype: FloatDtype | undefined;
  for (let layer = 0; layer < layers; layer++) {
    for (const [proj, parts] of Object.entries(pattern.parts)) {
      for (const role of ['weight', 'bias'] as const) {
        const name = `${prefix}${layer}.${attnSegment(best.hits, pattern, proj)}.${proj}.${role}`;
        const t = byName.get(name);
        if (!t) {
          // Biases come all or none (layer 0 decides): a layer without one beside layers with one is a broken checkpoint.
          if (role === 'bias' && !byName.has(`${prefix}0.${attnSegment(best.hits, pattern, proj)}.${proj}.bias`)) continue;
          return { ok: false, reason: `missing tensor ${name}: the config says ${layers} layers${role === 'bias' ? ' and layer 0 has a bias' : ''}` };
        }
        if (!isFloatDtype(t.dtype)) return { ok: false, reason: `${name} is ${t.dtype}: only F32, F16 and BF16 weights can be pooled (dequantise first)` };
        dtype ??= t.dtype;
        const expected = expectedShape(pattern.layout, role, parts, geometry, t.shape);
        if (!sameShape(expected, t.shape)) {
          return { ok: false, reason: `${name} has shape [${t.shape.join(', ')}], the config implies [${expected.join(', ')}] (${q} query heads, ${kv} KV heads, head size ${geometry.headDimK})` };
        }
        edits.set(name, { name, layer, role, parts, layout: pattern.layout, dtype: t.dtype, shape: t.shape, newShape: newShapeOf(pattern.layout, role, parts, t.shape, geometry, output) });
      }
    }
  }
  const extra = [...best.hits.keys()].find((n) => Number(pattern.re.exec(n)![2]) >= layers);
  if (extra) return { ok: false, reason: `${extra} is past the config's ${layers} layers: config and weights disagree` };

  const notes: string[] = [];
  const poolFactor = kv / kvHeads;
  if (poolFactor === 1) notes.push('The KV head count is unchanged: nothing is pooled, the weights are copied as they are.');
  let configEdit: ConversionPlan['configEdit'];
  if (output === 'native') {
    const field = model.attention.kvHeads;
    configEdit = { path: field.defaulted ? [...model.partPath, 'num_key_value_heads'] : field.from[0]!.split('.'), value: kvHeads };
  } else {
    notes.push(`Written expanded: ${model.modelType ?? 'this model type'}'s attention class reads no KV head count, so the ${kvHeads} pooled heads are repeated back to the ${kv}-head shape (the same outputs a ${kvHeads}-KV-head model computes; the original class loads it). The config is unchanged; the cache saving needs an engine or class that knows the grouping.`);
  }
  return { ok: true, plan: { layout: pattern.layout, output, geometry, poolFactor, layers, method, edits, configEdit, notes } };
}

/** The attention module's segment (self_attn, attn, attention, self_attention) as the checkpoint spells it. */
function attnSegment(hits: Map<string, TensorInfo>, pattern: Pattern, proj: string): string {
  for (const n of hits.keys()) {
    const m = pattern.re.exec(n)!;
    if (m[3] === proj) {
      const tail = n.slice(m[1]!.length + m[2]!.length + 1);
      return tail.slice(0, tail.indexOf('.'));
    }
  }
  return 'self_attn';
}

function expectedShape(layout: LayoutKind, role: 'weight' | 'bias', parts: ('k' | 'v')[], g: HeadGeometry, actual: number[]): number[] {
  const old = newShapeOf(layout, role, parts, actual, { ...g, newKvHeads: g.oldKvHeads }, 'native');
  return old;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
