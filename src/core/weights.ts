/**
 * Weights estimated from the config's shapes alone: embeddings, attention projections, MLP / experts, state
 * layers. An estimate (norms, biases and small heads are left out); MoE models report total and active.
 */
import { KV_DTYPE_BYTES, toKvDtype } from './dtype';
import type { ParsedConfig } from './parse';
import { FieldReader } from './fields';
import type { LayerSpec, ModelDescription } from './types';

/** The estimated parameter count and its size in memory. */
export interface WeightEstimate {
  totalParams: number;
  /** Parameters a token passes through (MoE: routed experts per token + shared); equals total for dense. */
  activeParams: number;
  bytesPerParam: number;
  /** Where bytesPerParam came from: the model dtype, or a quantization_config. */
  dtypeFrom: string;
  bytes: number;
  parts: { name: string; params: number }[];
}

/** Bytes per weight from quantization_config (fp8, mxfp4, GPTQ/AWQ bits, bitsandbytes) or the model dtype. */
export function weightBytesPerParam(model: ModelDescription, parsed?: ParsedConfig): { bytes: number; from: string } {
  const fallback = { bytes: KV_DTYPE_BYTES[toKvDtype(model.dtype.value) ?? 'bf16'], from: `model dtype ${model.dtype.value}` };
  if (!parsed) return fallback;
  const top = new FieldReader(parsed, []);
  const q = top.child('quantization_config') ?? new FieldReader(parsed, model.partPath).child('quantization_config');
  if (!q) return fallback;
  const method = q.string('quant_method')?.value?.toLowerCase();
  const bits = q.positiveInt('bits', 'w_bit', 'weight_bits')?.value;
  if (method === 'fp8' || q.string('fmt')?.value === 'e4m3') return { bytes: 1, from: 'quantization_config: fp8' };
  if (method === 'mxfp4') return { bytes: 4.25 / 8, from: 'quantization_config: mxfp4 (4 bits + a shared scale per 32)' };
  if (bits) return { bytes: bits / 8 + 2 / 128, from: `quantization_config: ${method ?? 'quantised'} ${bits}-bit (+ group scales)` };
  if (q.bool('load_in_4bit')?.value) return { bytes: 0.5 + 2 / 64, from: 'quantization_config: bitsandbytes 4-bit' };
  if (q.bool('load_in_8bit')?.value) return { bytes: 1, from: 'quantization_config: bitsandbytes 8-bit' };
  return fallback;
}

function attentionParams(model: ModelDescription, l: LayerSpec, hidden: number, parsed?: ParsedConfig): number {
  if (model.mla) {
    const r = parsed ? new FieldReader(parsed, model.partPath) : undefined;
    const qLora = r?.positiveInt('q_lora_rank')?.value;
    const h = model.attention.queryHeads.value;
    const m = model.mla;
    const qk = m.qkNopeHeadDim.value + m.qkRopeHeadDim.value;
    const qProj = qLora ? hidden * qLora + qLora * h * qk : hidden * h * qk;
    const kvA = hidden * (m.kvLoraRank.value + m.qkRopeHeadDim.value);
    const kvB = m.kvLoraRank.value * h * (m.qkNopeHeadDim.value + m.vHeadDim.value);
    return qProj + kvA + kvB + h * m.vHeadDim.value * hidden;
  }
  const q = l.queryHeads || model.attention.queryHeads.value;
  return hidden * q * l.headDimK + hidden * l.kvHeads * (l.headDimK + (l.sharedKv ? 0 : l.headDimV)) + q * l.headDimV * hidden;
}

/**
 * Matrices per MLP: 3 for gated MLPs (SwiGLU, GeGLU: gate, up, down), 2 for the classic up/down MLP (GPT-2,
 * BERT, Falcon, Phi-1, Nemotron-H's relu2). Read from the activation fields; a config with no intermediate size
 * at all is the classic 4 x hidden MLP.
 */
function mlpMatrices(r: FieldReader): number {
  const gatedFlag = r.bool('is_gated_act');
  if (gatedFlag) return gatedFlag.value ? 3 : 2;
  const proj = r.string('feed_forward_proj')?.value;
  if (proj) return proj.startsWith('gated') ? 3 : 2;
  if (r.has('hidden_activation')) return 3; // Gemma: GeGLU
  const act = r.string('mlp_hidden_act', 'hidden_act', 'activation_function', 'hidden_activation')?.value?.toLowerCase();
  if (act) return /silu|swish|swiglu|geglu/.test(act) ? 3 : 2;
  return r.has('intermediate_size') || r.has('ffn_hidden_size') || r.has('block_configs') ? 3 : 2;
}

function ffnMultOf(block: unknown): number | null | undefined {
  const ffn = block && typeof block === 'object' ? (block as Record<string, unknown>)['ffn'] : undefined;
  if (!ffn || typeof ffn !== 'object') return undefined;
  const f = ffn as Record<string, unknown>;
  if (f['no_op'] === true) return null;
  // A multiplier of the width: a finite, positive number of sensible size (real blocks: 0.5 to 5.25), else not read.
  const m = f['ffn_mult'];
  return typeof m === 'number' && Number.isFinite(m) && m > 0 && m <= 1024 ? m : undefined;
}

/** Estimates the weights. `parsed` lets the estimate read quantization_config and MLA's q_lora_rank. */
export function estimateWeights(model: ModelDescription, parsed?: ParsedConfig): WeightEstimate {
  const hidden = model.hiddenSize?.value ?? 0;
  const vocab = model.vocabSize?.value ?? 0;
  const inter = model.intermediateSize?.value ?? 4 * hidden;
  const embed = vocab * hidden * (model.tieWordEmbeddings ? 1 : 2);
  let attention = 0;
  let dense = 0;
  let expertsTotal = 0;
  let expertsActive = 0;
  let state = 0;
  let encoder = 0;
  const r = parsed ? new FieldReader(parsed, model.partPath) : undefined;
  const matrices = r ? mlpMatrices(r) : 3;
  const ffnMult = r?.array('block_configs')?.value.map((b) => ffnMultOf(b));
  const ex = model.experts;
  const pureSsm = model.attention.kind === 'none' && model.layers.every((l) => l.kind === 'state');
  model.layers.forEach((l, i) => {
    if (l.kind === 'state') state += 6 * hidden * hidden; // SSM / linear-attention in and out projections, about 3 x hidden x 2 x hidden
    else if (l.kind !== 'none' || (model.encoderOnly && l.kvHeads > 0)) attention += attentionParams(model, l, hidden, parsed);
    // Which MLP this layer has: a one-letter pattern says it (Nemotron-H: E experts, - MLP, * and M none);
    // otherwise every layer has one, dense for MoE models' first `denseLayers` layers.
    const mlp = l.label === 'E' ? 'moe' : l.label === '-' ? 'dense' : l.label === '*' || l.label === 'M' || pureSsm ? 'none' : ex && i >= ex.denseLayers ? 'moe' : 'dense';
    if (mlp === 'moe' && ex) {
      const per = matrices * hidden * (ex.intermediateSize?.value ?? inter);
      expertsTotal += per * (ex.total.value + ex.shared) + hidden * ex.total.value;
      expertsActive += per * (ex.active.value + ex.shared) + hidden * ex.total.value;
    } else if (mlp !== 'none') {
      // DeciLM / Nemotron-NAS: each block sizes its own MLP by ffn_mult (no_op: none).
      const mult = ffnMult?.[i];
      const layerInter = mult === undefined ? inter : mult === null ? 0 : Math.ceil((2 * mult * hidden) / 3 / 256) * 256;
      dense += matrices * hidden * layerInter;
    }
  });
  if (model.encoderDecoder) {
    // The encoder: self-attention and MLP per layer; the decoder's cross-attention projections.
    const a = model.attention;
    const attn = 4 * hidden * a.queryHeads.value * a.headDimK.value;
    encoder = model.encoderDecoder.encoderLayers.value * (attn + matrices * hidden * inter) + model.encoderDecoder.decoderLayers.value * attn;
  }
  const totalParams = embed + attention + dense + expertsTotal + state + encoder;
  const activeParams = embed + attention + dense + expertsActive + state + encoder;
  const w = weightBytesPerParam(model, parsed);
  return {
    totalParams, activeParams, bytesPerParam: w.bytes, dtypeFrom: w.from, bytes: totalParams * w.bytes,
    parts: [
      { name: 'embeddings', params: embed },
      { name: 'attention', params: attention },
      { name: 'MLP', params: dense },
      ...(ex ? [{ name: 'experts', params: expertsTotal }] : []),
      ...(state ? [{ name: 'state layers', params: state }] : []),
      ...(encoder ? [{ name: 'encoder and cross-attention', params: encoder }] : []),
    ],
  };
}
