/**
 * Functional fidelity: per layer, the attention block's output with the original and with the converted weights on
 * the same inputs, through onnxruntime (attentionGraph.ts), as relative error ‖A' − A‖ / ‖A‖ and cosine. This is the
 * attention-layer error before fine-tuning, not model quality: each layer sees the same stand-in inputs, not the
 * residual stream a real forward pass would give it, and errors do not compound here as they would through depth.
 *
 * Inputs: the token embeddings of {@link FIDELITY_TEXT} (token ids = its UTF-8 bytes modulo the embedding table's
 * rows: no tokenizer is run, so these are arbitrary but fixed rows of the real table), through the layer's own input
 * norm (RMSNorm, or LayerNorm when the model uses one); seeded Gaussian states when the checkpoint has no embedding
 * table. Causal mask; RoPE at positions 0..T-1 as the config says (rope_theta, partial rotary), none for GPT-2 / OPT
 * (learned positions) and ALiBi Falcon (its bias is not applied; said in the notes).
 * Reads SRC for the original weights and DST for the converted K/V, so the figures are of what was written.
 */
import * as ort from 'onnxruntime-node';
import { parse as parseJsonc } from 'jsonc-parser';
import type { ModelDescription } from '../core/types';
import type { SafetensorsHeader, SafetensorsTensor } from '../core/safetensors';
import { outRow, type HeadGeometry, type LayoutKind } from '../core/uptrain/layouts';
import { decodeFloats, FLOAT_DTYPE_BYTES, isFloatDtype } from '../core/uptrain/numeric';
import type { ConversionPlan } from '../core/uptrain/plan';
import type { Checkpoint } from '../io/safetensors';
import { TensorDataReader } from '../io/tensorData';
import { buildAttentionModel, inputDims, type AttentionInput, type AttentionShape } from './attentionGraph';
import { uniform } from '../core/random';

/** The fixed text whose embeddings feed every layer (64 bytes of UTF-8; ids are bytes modulo the vocabulary). */
export const FIDELITY_TEXT = 'The quick brown fox jumps over the lazy dog while KV heads share';
/** Seed of the Gaussian stand-in states when there is no embedding table. */
export const FIDELITY_SEED = 15;

/** One layer's functional figures. */
export interface LayerFunctional {
  layer: number;
  /** ‖A' − A‖ / ‖A‖ over the whole [tokens, hidden] output. */
  relativeError: number;
  cosine: number;
}

/** The functional check's result. */
export interface FunctionalFidelity {
  label: string;
  inputs: string;
  tokens: number;
  positions: string;
  layers: LayerFunctional[];
  notes: string[];
}

type Get = (name: string) => Promise<{ values: Float32Array; shape: number[] } | undefined>;

function getter(cp: Checkpoint, reader: TensorDataReader): Get {
  return async (name) => {
    const hit = cp.tensors.get(name);
    if (!hit || !isFloatDtype(hit.tensor.dtype)) return undefined;
    return { values: decodeFloats(await reader.read(hit.header as SafetensorsHeader, hit.tensor as SafetensorsTensor), hit.tensor.dtype), shape: hit.tensor.shape };
  };
}

const rng = uniform;

/** Config numbers the functional check needs, read tolerantly from the model's part of the config. */
function configNumbers(configText: string, model: ModelDescription): { get: (k: string) => unknown } {
  const root = parseJsonc(configText) as Record<string, unknown> | undefined;
  let part: unknown = root;
  for (const key of model.partPath) part = (part as Record<string, unknown> | undefined)?.[key as string];
  return { get: (k) => (part as Record<string, unknown> | undefined)?.[k] ?? root?.[k] };
}

/**
 * Gathers one part's projection as [hidden, heads * hd] (transposed for x @ W) with its bias, repeating grouped
 * heads so there is one per query head (query head h reads KV head floor(h * kv / q), as repeat_kv pairs them).
 */
function projection(layout: LayoutKind, part: 'q' | 'k' | 'v', w: { values: Float32Array; shape: number[] }, b: Float32Array | undefined, g: HeadGeometry, kvInTensor: number): { wT: Float32Array; bias: Float32Array } {
  const conv1d = layout === 'gpt2-c-attn';
  const hidden = conv1d ? w.shape[0]! : w.shape[1]!;
  const outDim = conv1d ? w.shape[1]! : w.shape[0]!;
  const hd = part === 'v' ? g.headDimV : g.headDimK;
  const q = g.queryHeads;
  const wT = new Float32Array(hidden * q * hd);
  const bias = new Float32Array(q * hd);
  for (let h = 0; h < q; h++) {
    const src = part === 'q' ? h : Math.floor((h * kvInTensor) / q);
    for (let d = 0; d < hd; d++) {
      const o = outRow(layout, part, src, d, g, kvInTensor);
      const col = h * hd + d;
      for (let i = 0; i < hidden; i++) wT[i * q * hd + col] = conv1d ? w.values[i * outDim + o]! : w.values[o * hidden + i]!;
      if (b) bias[col] = b[o]!;
    }
  }
  return { wT, bias };
}

function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c]!;
  return out;
}

/** The tensor names of one layer's attention block, from the plan's edit names. */
function names(plan: ConversionPlan, layer: number) {
  const edit = [...plan.edits.values()].find((e) => e.layer === layer && e.role === 'weight')!;
  const parts = edit.name.split('.');
  const attn = parts.slice(0, -2).join('.') + '.';
  const block = parts.slice(0, -3).join('.') + '.';
  const kv = [...plan.edits.values()].filter((e) => e.layer === layer);
  return { attn, block, kv };
}

/** Runs the check over every layer. `onLayer` reports progress; `signal` stops between layers. */
export async function functionalFidelity(src: Checkpoint, dst: Checkpoint, model: ModelDescription, plan: ConversionPlan, configText: string, opts: { signal?: AbortSignal; onLayer?: (done: number, total: number) => void } = {}): Promise<FunctionalFidelity> {
  const notes: string[] = [];
  const cfg = configNumbers(configText, model);
  const g = plan.geometry;
  const srcReader = new TensorDataReader(opts.signal);
  const dstReader = new TensorDataReader(opts.signal);
  const fromSrc = getter(src, srcReader);
  const fromDst = getter(dst, dstReader);
  let session: ort.InferenceSession | undefined;
  try {
    // Inputs: embeddings of the fixed text, or seeded Gaussian states.
    const embedName = ['model.embed_tokens.weight', 'model.decoder.embed_tokens.weight', 'transformer.wte.weight', 'wte.weight', 'gpt_neox.embed_in.weight', 'transformer.word_embeddings.weight', 'embed_tokens.weight'].find((n) => src.tensors.has(n));
    const embed = embedName ? src.tensors.get(embedName) : undefined;
    const ids = [...new TextEncoder().encode(FIDELITY_TEXT)];
    const tokens = ids.length;
    const hidden = modelWidth(plan);
    let x0: Float32Array;
    let inputs: string;
    const rows = embed?.tensor.shape[0] ?? 0;
    if (embed && isFloatDtype(embed.tensor.dtype) && embed.tensor.shape.length === 2 && embed.tensor.shape[1] === hidden && rows > 0) {
      // Only the 64 rows the text names are read, never the whole table (gigabytes for a large vocabulary).
      const dtype = embed.tensor.dtype;
      const rowBytes = hidden * FLOAT_DTYPE_BYTES[dtype];
      x0 = new Float32Array(tokens * hidden);
      for (let t = 0; t < tokens; t++) {
        const bytes = await srcReader.readRange(embed.header as SafetensorsHeader, embed.tensor as SafetensorsTensor, (ids[t]! % rows) * rowBytes, rowBytes);
        x0.set(decodeFloats(bytes, dtype), t * hidden);
      }
      inputs = `token embeddings (${embedName}) of a fixed ${tokens}-byte text, ids = UTF-8 bytes modulo ${rows} rows, through each layer's input norm`;
    } else {
      const r = rng(FIDELITY_SEED);
      x0 = Float32Array.from({ length: tokens * hidden }, () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
      inputs = `seeded Gaussian states (seed ${FIDELITY_SEED}, no embedding table found), through each layer's input norm`;
    }

    // Positions: RoPE as the config says, or none.
    const modelType = model.modelType ?? '';
    const alibi = cfg.get('alibi') === true;
    const rope = !['gpt2', 'opt'].includes(modelType) && !alibi;
    if (alibi) notes.push('ALiBi: its position bias is not applied in this check (it is the same for both weight sets).');
    const theta = typeof cfg.get('rope_theta') === 'number' ? (cfg.get('rope_theta') as number) : 10000;
    const fraction = typeof cfg.get('partial_rotary_factor') === 'number' ? (cfg.get('partial_rotary_factor') as number) : typeof cfg.get('rotary_pct') === 'number' ? (cfg.get('rotary_pct') as number) : modelType === 'gpt_neox' ? 0.25 : 1;
    const rot = rope ? 2 * Math.floor((g.headDimK * fraction) / 2) : 0;
    const dk = g.headDimK;
    const C = new Float32Array(tokens * dk).fill(1);
    const S = new Float32Array(tokens * dk);
    const R = new Float32Array(dk * dk);
    for (let t = 0; t < tokens; t++) {
      for (let j = 0; j < rot; j++) {
        const freq = theta ** (-(2 * (j % (rot / 2))) / rot);
        C[t * dk + j] = Math.cos(t * freq);
        S[t * dk + j] = Math.sin(t * freq);
      }
    }
    // rotate_half over the rotary dims: (x R)[j] = -x[j + rot/2] for j < rot/2, x[j - rot/2] for rot/2 <= j < rot.
    for (let j = 0; j < rot / 2; j++) {
      R[(j + rot / 2) * dk + j] = -1;
      R[j * dk + j + rot / 2] = 1;
    }
    if (cfg.get('rope_scaling')) notes.push('rope_scaling is not applied (positions 0..63 are inside every scaling\'s unscaled range).');
    const positions = rope ? `RoPE on ${rot} of ${dk} dims, theta ${theta}` : 'no rotary embedding';
    const M = new Float32Array(tokens * tokens);
    for (let i = 0; i < tokens; i++) for (let j = i + 1; j < tokens; j++) M[i * tokens + j] = -1e9;

    const layers: LayerFunctional[] = [];
    let projectionMissing = false;
    for (let layer = 0; layer < plan.layers; layer++) {
      if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new DOMException('cancelled', 'AbortError');
      const n = names(plan, layer);
      const x = await normalised(x0, tokens, hidden, n.block, modelType, cfg, fromSrc);
      const o = await outputProjection(n.attn, plan.layout, fromSrc);
      if (!session) {
        if (!o) projectionMissing = true;
        const shape: AttentionShape = { tokens, hidden, heads: g.queryHeads, headDimK: g.headDimK, headDimV: g.headDimV, outputProjection: !!o };
        session = await ort.InferenceSession.create(buildAttentionModel(shape), { executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
        (session as unknown as { shape: AttentionShape }).shape = shape;
      }
      const shape = (session as unknown as { shape: AttentionShape }).shape;
      const run = async (get: Get, kvInTensor: number, q: { wT: Float32Array; bias: Float32Array }) => {
        const feeds: Partial<Record<AttentionInput, Float32Array>> = { X: x, C, S, R, M, WqT: q.wT, bq: q.bias };
        for (const part of ['k', 'v'] as const) {
          const p = await partFrom(plan.layout, part, n.kv, get, g, kvInTensor);
          feeds[part === 'k' ? 'WkT' : 'WvT'] = p.wT;
          feeds[part === 'k' ? 'bk' : 'bv'] = p.bias;
        }
        if (shape.outputProjection) {
          feeds.WoT = o!.wT;
          feeds.bo = o!.bias;
        }
        const dims = inputDims(shape);
        const ortFeeds: Record<string, ort.Tensor> = {};
        for (const name of session!.inputNames as AttentionInput[]) ortFeeds[name] = new ort.Tensor('float32', feeds[name]!, dims[name]);
        const out = await session!.run(ortFeeds);
        return out.Y!.data as Float32Array;
      };
      const q = await queryFrom(plan.layout, n.attn, n.kv, fromSrc, g);
      const a = await run(fromSrc, g.oldKvHeads, q);
      const b = await run(fromDst, plan.output === 'native' ? g.newKvHeads : g.oldKvHeads, q);
      let d2 = 0;
      let a2 = 0;
      let b2 = 0;
      let ab = 0;
      for (let i = 0; i < a.length; i++) {
        const d = b[i]! - a[i]!;
        d2 += d * d;
        a2 += a[i]! * a[i]!;
        b2 += b[i]! * b[i]!;
        ab += a[i]! * b[i]!;
      }
      layers.push({ layer, relativeError: a2 > 0 ? Math.sqrt(d2 / a2) : 0, cosine: a2 > 0 && b2 > 0 ? ab / Math.sqrt(a2 * b2) : 1 });
      opts.onLayer?.(layer + 1, plan.layers);
    }
    if (projectionMissing) notes.push('No output projection found: the error is of the attention heads\' concatenated output, before it.');
    return { label: 'attention-layer error before fine-tuning, not model quality', inputs, tokens, positions, layers, notes };
  } finally {
    await session?.release().catch(() => undefined);
    await srcReader.close();
    await dstReader.close();
  }
}

/** The model width: the input dimension of the first layer's K/V projection. */
function modelWidth(plan: ConversionPlan): number {
  const e = [...plan.edits.values()].find((x) => x.role === 'weight')!;
  return e.layout === 'gpt2-c-attn' ? e.shape[0]! : e.shape[1]!;
}

async function queryFrom(layout: LayoutKind, attn: string, kv: ConversionPlan['edits'] extends Map<string, infer E> ? E[] : never, get: Get, g: HeadGeometry) {
  if (layout === 'separate') {
    const w = await get(`${attn}q_proj.weight`);
    if (!w) throw new Error(`${attn}q_proj.weight: not found or not a float tensor`);
    return projection('separate', 'q', w, (await get(`${attn}q_proj.bias`))?.values, g, g.oldKvHeads);
  }
  const wName = kv.find((e) => e.role === 'weight')!.name;
  const w = (await get(wName))!;
  const b = kv.find((e) => e.role === 'bias');
  return projection(layout, 'q', w, b ? (await get(b.name))?.values : undefined, g, g.oldKvHeads);
}

async function partFrom(layout: LayoutKind, part: 'k' | 'v', kv: { name: string; role: 'weight' | 'bias'; parts: ('k' | 'v')[] }[], get: Get, g: HeadGeometry, kvInTensor: number) {
  const w = kv.find((e) => e.role === 'weight' && e.parts.includes(part))!;
  const b = kv.find((e) => e.role === 'bias' && e.parts.includes(part));
  const wv = await get(w.name);
  if (!wv) throw new Error(`${w.name}: not found`);
  return projection(layout, part, wv, b ? (await get(b.name))?.values : undefined, { ...g }, kvInTensor);
}

/** The output projection as [heads * hd_v, hidden] (for ctx @ WoT) and its bias, when the checkpoint has one. */
async function outputProjection(attn: string, layout: LayoutKind, get: Get): Promise<{ wT: Float32Array; bias: Float32Array } | undefined> {
  for (const name of ['o_proj', 'out_proj', 'c_proj', 'dense']) {
    const w = await get(`${attn}${name}.weight`);
    if (!w || w.shape.length !== 2) continue;
    // nn.Linear stores [out, in]: transpose; GPT-2's Conv1D already stores [in, out].
    const wT = layout === 'gpt2-c-attn' ? w.values : transpose(w.values, w.shape[0]!, w.shape[1]!);
    const outDim = layout === 'gpt2-c-attn' ? w.shape[1]! : w.shape[0]!;
    const bias = (await get(`${attn}${name}.bias`))?.values ?? new Float32Array(outDim);
    return { wT, bias };
  }
  return undefined;
}

/** The layer's input norm applied to x: RMSNorm (Llama family) or LayerNorm (GPT-2, NeoX, OPT, Falcon). */
async function normalised(x: Float32Array, tokens: number, hidden: number, block: string, modelType: string, cfg: { get: (k: string) => unknown }, get: Get): Promise<Float32Array> {
  const candidates = ['input_layernorm', 'ln_1', 'self_attn_layer_norm', 'attention_norm'];
  let weight: Float32Array | undefined;
  let bias: Float32Array | undefined;
  for (const c of candidates) {
    weight = (await get(`${block}${c}.weight`))?.values;
    if (weight) {
      bias = (await get(`${block}${c}.bias`))?.values;
      break;
    }
  }
  const layerNorm = bias !== undefined || ['gpt2', 'gpt_neox', 'opt', 'falcon'].includes(modelType);
  const epsField = cfg.get('rms_norm_eps') ?? cfg.get('layer_norm_eps') ?? cfg.get('layer_norm_epsilon') ?? cfg.get('layernorm_epsilon');
  const eps = typeof epsField === 'number' && epsField > 0 ? epsField : 1e-5;
  const out = new Float32Array(x.length);
  for (let t = 0; t < tokens; t++) {
    const row = x.subarray(t * hidden, t * hidden + hidden);
    let mean = 0;
    if (layerNorm) {
      for (let i = 0; i < hidden; i++) mean += row[i]!;
      mean /= hidden;
    }
    let v = 0;
    for (let i = 0; i < hidden; i++) v += (row[i]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / hidden + eps);
    for (let i = 0; i < hidden; i++) out[t * hidden + i] = (row[i]! - mean) * inv * (weight?.[i] ?? 1) + (bias?.[i] ?? 0);
  }
  return out;
}
