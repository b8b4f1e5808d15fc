/**
 * The two fused attention ops onnxruntime offers:
 * - `com.microsoft.GroupQueryAttention` (BSH inputs, BNSH past/present, `seqlens_k` = total - 1);
 * - ONNX `Attention`, opset 23 (4-D BNSH inputs; `is_causal` only in prefill, because its causal
 *   mask is aligned upper-left and would hide all but the first cached token from a decode query).
 */
import { initializer, int, node, str, valueInfo, type AttrValue, type GraphParts } from './onnxBuilder';
import { totalTokens, type BakedCache, type BuiltGraph, type GraphSpec } from './spec';

/** How GroupQueryAttention's cache is declared. */
export interface GqaOptions {
  /**
   * `aliased`: present_key / present_value are graph outputs fetched into the past buffers (the op
   * appends in place), but onnxruntime-node turns every fetched output into a new JavaScript buffer
   * after the run (OrtValueToNapiValue in js/node/src/inference_session_wrap.cc), a copy of the whole
   * cache per run. `internal` (default): present is a node output that is not a graph output, so
   * nothing but `out` leaves the session.
   */
  present?: 'aliased' | 'internal';
  /** The int8 cache (k_quant_type = v_quant_type = PER_CHANNEL, kv_cache_bit_width = 8): see quant.ts. */
  int8?: boolean;
}

/**
 * GroupQueryAttention. On inputs (CPU) the cache buffer holds all T tokens and is passed as past
 * (and, aliased, as present). Baked (GPU), past is an initializer of L tokens and present is left
 * unconsumed inside the graph, so it stays on the device and is never downloaded.
 */
export function buildGqaGraph(spec: GraphSpec, baked?: BakedCache, options: GqaOptions = {}): BuiltGraph {
  const { batch: B, prompt: S } = spec;
  const { queryHeads: Hq, kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  if (D !== Dv) throw new Error(`GroupQueryAttention needs equal K and V head sizes (got ${D} and ${Dv})`);
  const int8 = options.int8 === true;
  if (int8 && (baked || spec.dtype !== 'fp32')) throw new Error('the int8 KV cache runs on the CPU EP with fp32 activations only');
  const aliased = !baked && options.present === 'aliased';
  const T = totalTokens(spec);
  const cacheType = int8 ? 'int8' : spec.dtype;
  const parts: GraphParts = {
    name: int8 ? 'attention_gqa_int8' : 'attention_gqa',
    nodes: [],
    inputs: [valueInfo('query', spec.dtype, [B, S, Hq * D]), valueInfo('key', spec.dtype, [B, S, Hkv * D]), valueInfo('value', spec.dtype, [B, S, Hkv * Dv])],
    outputs: [valueInfo('out', spec.dtype, [B, S, Hq * Dv])],
    initializers: [],
  };
  const feeds: BuiltGraph['feeds'] = ['query', 'key', 'value'];
  // Graph input names are the feed names (session.ts feeds each input by its name).
  let past = int8 ? ['past_key_q', 'past_value_q'] : ['past_key', 'past_value'];
  const present = aliased ? ['present_key', 'present_value'] : ['present_key_unused', 'present_value_unused'];
  if (!baked) {
    parts.inputs.push(valueInfo(past[0]!, cacheType, [B, Hkv, T, D]), valueInfo(past[1]!, cacheType, [B, Hkv, T, Dv]));
    if (aliased) parts.outputs.push(valueInfo('present_key', cacheType, [B, Hkv, T, D]), valueInfo('present_value', cacheType, [B, Hkv, T, Dv]));
    feeds.push(int8 ? 'past_key_q' : 'past_key', int8 ? 'past_value_q' : 'past_value');
  } else if (spec.past > 0) {
    if (!baked.pastK || !baked.pastV) throw new Error('baked GroupQueryAttention decode needs the past K/V');
    parts.initializers!.push(initializer('past_key', spec.dtype, [B, Hkv, spec.past, D], baked.pastK), initializer('past_value', spec.dtype, [B, Hkv, spec.past, Dv], baked.pastV));
  } else {
    past = ['', ''];
  }
  // seqlens_k (total - 1 per sequence) and total_sequence_length are constant per shape: bake them.
  parts.initializers!.push(
    initializer('seqlens_k', 'int32', [B], new Int32Array(B).fill(T - 1)),
    initializer('total_sequence_length', 'int32', [1], Int32Array.of(T)),
  );
  const inputs = ['query', 'key', 'value', past[0]!, past[1]!, 'seqlens_k', 'total_sequence_length'];
  const attrs: Record<string, AttrValue> = { num_heads: int(Hq), kv_num_heads: int(Hkv) };
  if (int8) {
    // Inputs 7-11 (cos/sin cache, position_ids, attention_bias, head_sink) are absent; 12 and 13 are the scales.
    inputs.push('', '', '', '', '', 'k_scale', 'v_scale');
    parts.inputs.push(valueInfo('k_scale', 'fp32', [Hkv * D]), valueInfo('v_scale', 'fp32', [Hkv * Dv]));
    feeds.push('k_scale', 'v_scale');
    Object.assign(attrs, { k_quant_type: str('PER_CHANNEL'), v_quant_type: str('PER_CHANNEL'), kv_cache_bit_width: int(8) });
  }
  parts.nodes.push(node('GroupQueryAttention', inputs, ['out', present[0]!, present[1]!], attrs, 'com.microsoft'));
  return { path: int8 ? 'gqaInt8' : 'gqa', parts, feeds, outputBsh: true, sharesPresent: aliased };
}

/** ONNX Attention (opset 23) over the whole cache: K/V hold all T tokens, no past/present copy. */
export function buildAttentionGraph(spec: GraphSpec, baked?: BakedCache): BuiltGraph {
  const { batch: B, prompt: S } = spec;
  const { queryHeads: Hq, kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  const T = totalTokens(spec);
  const parts: GraphParts = { name: 'attention_onnx', nodes: [], inputs: [valueInfo('q', spec.dtype, [B, Hq, S, D])], outputs: [valueInfo('out', spec.dtype, [B, Hq, S, Dv])], initializers: [] };
  const feeds: BuiltGraph['feeds'] = ['q'];
  if (baked) parts.initializers!.push(initializer('k', spec.dtype, [B, Hkv, T, D], baked.k), initializer('v', spec.dtype, [B, Hkv, T, Dv], baked.v));
  else {
    parts.inputs.push(valueInfo('k', spec.dtype, [B, Hkv, T, D]), valueInfo('v', spec.dtype, [B, Hkv, T, Dv]));
    feeds.push('k', 'v');
  }
  // 4-D (BNSH) inputs so the op reads the same cache buffer as the other paths; the head counts are
  // stated anyway (ORT checks them against the shapes).
  const causal = spec.phase === 'prefill' ? 1 : 0;
  parts.nodes.push(node('Attention', ['q', 'k', 'v'], ['out'], { is_causal: int(causal), q_num_heads: int(Hq), kv_num_heads: int(Hkv) }));
  return { path: 'attention', parts, feeds, outputBsh: false, sharesPresent: false };
}
