/**
 * The two fused attention ops onnxruntime offers:
 * - `com.microsoft.GroupQueryAttention` (BSH inputs, BNSH past/present, `seqlens_k` = total - 1);
 * - ONNX `Attention`, opset 23 (4-D BNSH inputs; `is_causal` only in prefill, because its causal
 *   mask is aligned upper-left and would hide all but the first cached token from a decode query).
 */
import { initializer, int, node, valueInfo, type GraphParts } from './onnxBuilder';
import { totalTokens, type BakedCache, type BuiltGraph, type GraphSpec } from './spec';

/**
 * GroupQueryAttention. On inputs (CPU) the cache buffer holds all T tokens and is passed as both
 * past and present, so the op appends in place and reads the cache once (ORT detects the shared
 * pointer). Baked (GPU), past is an initializer of L tokens and present is left unconsumed inside the
 * graph, so it stays on the device and is never downloaded.
 */
export function buildGqaGraph(spec: GraphSpec, baked?: BakedCache): BuiltGraph {
  const { batch: B, prompt: S } = spec;
  const { queryHeads: Hq, kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  if (D !== Dv) throw new Error(`GroupQueryAttention needs equal K and V head sizes (got ${D} and ${Dv})`);
  const T = totalTokens(spec);
  const parts: GraphParts = {
    name: 'attention_gqa',
    nodes: [],
    inputs: [valueInfo('query', spec.dtype, [B, S, Hq * D]), valueInfo('key', spec.dtype, [B, S, Hkv * D]), valueInfo('value', spec.dtype, [B, S, Hkv * Dv])],
    outputs: [valueInfo('out', spec.dtype, [B, S, Hq * Dv])],
    initializers: [],
  };
  const feeds: BuiltGraph['feeds'] = ['query', 'key', 'value'];
  let past = ['past_key', 'past_value'];
  let present = ['present_key', 'present_value'];
  if (!baked) {
    parts.inputs.push(valueInfo('past_key', spec.dtype, [B, Hkv, T, D]), valueInfo('past_value', spec.dtype, [B, Hkv, T, Dv]));
    parts.outputs.push(valueInfo('present_key', spec.dtype, [B, Hkv, T, D]), valueInfo('present_value', spec.dtype, [B, Hkv, T, Dv]));
    feeds.push('past_key', 'past_value');
  } else if (spec.past > 0) {
    if (!baked.pastK || !baked.pastV) throw new Error('baked GroupQueryAttention decode needs the past K/V');
    parts.initializers!.push(initializer('past_key', spec.dtype, [B, Hkv, spec.past, D], baked.pastK), initializer('past_value', spec.dtype, [B, Hkv, spec.past, Dv], baked.pastV));
  } else {
    past = ['', ''];
  }
  if (baked) present = ['present_key_unused', 'present_value_unused'];
  // seqlens_k (total - 1 per sequence) and total_sequence_length are constant per shape: bake them.
  parts.initializers!.push(
    initializer('seqlens_k', 'int32', [B], new Int32Array(B).fill(T - 1)),
    initializer('total_sequence_length', 'int32', [1], Int32Array.of(T)),
  );
  parts.nodes.push(
    node('GroupQueryAttention', ['query', 'key', 'value', past[0]!, past[1]!, 'seqlens_k', 'total_sequence_length'], ['out', present[0]!, present[1]!], { num_heads: int(Hq), kv_num_heads: int(Hkv) }, 'com.microsoft'),
  );
  return { path: 'gqa', parts, feeds, outputBsh: true, sharesPresent: !baked };
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
