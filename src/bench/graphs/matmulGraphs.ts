/**
 * Attention spelled out in MatMul / Softmax / MatMul:
 * - `plain`: K and V expanded to the query heads (what a naive GQA implementation does, and the
 *   reference every other path is checked against);
 * - `grouped`: no expansion. Each KV head's g query heads become the columns of one small matrix, so
 *   S^T = K[T, D] x Q^T[D, g] and O^T = V^T[Dv, T] x P[T, g]: the large operand is always the left
 *   one, streamed row by row, which is the layout MLAS reads fastest (see the measurements).
 */
import { initializer, int, ints, node, valueInfo, type GraphParts } from './onnxBuilder';
import { groupSize, maskValue, totalTokens, type BakedCache, type BuiltGraph, type GraphSpec } from './spec';
import { toHalfArray } from '../fp16';
import type { onnx } from 'onnx-proto';

/** Scalar or array constant in the graph's element type. */
function constant(name: string, spec: GraphSpec, dims: number[], values: Float32Array): onnx.ITensorProto {
  return spec.dtype === 'fp16' ? initializer(name, 'fp16', dims, toHalfArray(values)) : initializer(name, 'fp32', dims, values);
}

function shapeConst(name: string, dims: number[]): onnx.ITensorProto {
  return initializer(name, 'int64', [dims.length], BigInt64Array.from(dims.map(BigInt)));
}

/** Declares k / v / vt as inputs or bakes them, per `baked`. */
function cacheTensors(spec: GraphSpec, names: ('k' | 'v' | 'vt')[], baked: BakedCache | undefined, parts: GraphParts, feeds: BuiltGraph['feeds']): void {
  const { batch: B } = spec;
  const { kvHeads: H, headDim: D, valueHeadDim: Dv } = spec.shape;
  const T = totalTokens(spec);
  const dims = { k: [B, H, T, D], v: [B, H, T, Dv], vt: [B, H, Dv, T] };
  for (const name of names) {
    if (baked) parts.initializers!.push(initializer(name, spec.dtype, dims[name], baked[name]));
    else {
      parts.inputs.push(valueInfo(name, spec.dtype, dims[name]));
      feeds.push(name);
    }
  }
}

/** Causal mask for prefill, shaped [S, T] (plain) and broadcast over batch and heads. */
function causalMask(spec: GraphSpec): Float32Array {
  const S = spec.prompt;
  const T = totalTokens(spec);
  const mask = new Float32Array(S * T);
  const masked = maskValue(spec.dtype);
  for (let s = 0; s < S; s++) for (let t = 0; t < T; t++) if (t > spec.past + s) mask[s * T + t] = masked;
  return mask;
}

/** The plain (expanded) MatMul / Softmax / MatMul graph. */
export function buildPlainGraph(spec: GraphSpec, baked?: BakedCache): BuiltGraph {
  const { batch: B, prompt: S } = spec;
  const { queryHeads: Hq, kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  const T = totalTokens(spec);
  const g = groupSize(spec.shape);
  const parts: GraphParts = { name: 'attention_plain', nodes: [], inputs: [valueInfo('q', spec.dtype, [B, Hq, S, D])], outputs: [valueInfo('out', spec.dtype, [B, Hq, S, Dv])], initializers: [] };
  const feeds: BuiltGraph['feeds'] = ['q'];
  cacheTensors(spec, ['k', 'v'], baked, parts, feeds);
  parts.initializers!.push(constant('scale', spec, [], Float32Array.of(1 / Math.sqrt(D))));
  let k = 'k';
  let v = 'v';
  if (g > 1) {
    // Repeat each KV head g times, as HF's repeat_kv does: [B,Hkv,T,D] -> [B,Hkv,g,T,D] -> [B,Hq,T,D].
    for (const [name, dim] of [['k', D], ['v', Dv]] as const) {
      parts.initializers!.push(shapeConst(`${name}_5d`, [B, Hkv, 1, T, dim]), shapeConst(`${name}_exp`, [B, Hkv, g, T, dim]), shapeConst(`${name}_4d`, [B, Hq, T, dim]));
      parts.nodes.push(
        node('Reshape', [name, `${name}_5d`], [`${name}_r5`]),
        node('Expand', [`${name}_r5`, `${name}_exp`], [`${name}_x5`]),
        node('Reshape', [`${name}_x5`, `${name}_4d`], [`${name}_x`]),
      );
    }
    k = 'k_x';
    v = 'v_x';
  }
  parts.nodes.push(node('Mul', ['q', 'scale'], ['q_s']), node('Transpose', [k], ['k_t'], { perm: ints([0, 1, 3, 2]) }), node('MatMul', ['q_s', 'k_t'], ['scores']));
  let scores = 'scores';
  if (spec.phase === 'prefill') {
    parts.initializers!.push(constant('mask', spec, [S, T], causalMask(spec)));
    parts.nodes.push(node('Add', ['scores', 'mask'], ['scores_m']));
    scores = 'scores_m';
  }
  parts.nodes.push(node('Softmax', [scores], ['probs'], { axis: int(-1) }), node('MatMul', ['probs', v], ['out']));
  return { path: 'plain', parts, feeds, outputBsh: false, sharesPresent: false };
}

/** The grouped graph: shared K/V per KV head, no expansion, V cache transposed. */
export function buildGroupedGraph(spec: GraphSpec, baked?: BakedCache): BuiltGraph {
  const { batch: B, prompt: S } = spec;
  const { queryHeads: Hq, kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  const T = totalTokens(spec);
  const g = groupSize(spec.shape);
  const cols = g * S; // query rows per KV head, ordered (head within group, token)
  const parts: GraphParts = { name: 'attention_grouped', nodes: [], inputs: [valueInfo('q', spec.dtype, [B, Hq, S, D])], outputs: [valueInfo('out', spec.dtype, [B, Hq, S, Dv])], initializers: [] };
  const feeds: BuiltGraph['feeds'] = ['q'];
  cacheTensors(spec, ['k', 'vt'], baked, parts, feeds);
  parts.initializers!.push(constant('scale', spec, [], Float32Array.of(1 / Math.sqrt(D))), shapeConst('q_grouped', [B, Hkv, cols, D]), shapeConst('out_shape', [B, Hq, S, Dv]));
  parts.nodes.push(
    node('Reshape', ['q', 'q_grouped'], ['q_g']),
    node('Mul', ['q_g', 'scale'], ['q_s']),
    node('Transpose', ['q_s'], ['q_t'], { perm: ints([0, 1, 3, 2]) }),
    node('MatMul', ['k', 'q_t'], ['scores_t']), // [B,Hkv,T,cols]
  );
  let scores = 'scores_t';
  if (spec.phase === 'prefill') {
    const mask = new Float32Array(T * cols);
    const masked = maskValue(spec.dtype);
    for (let t = 0; t < T; t++) for (let j = 0; j < g; j++) for (let s = 0; s < S; s++) if (t > spec.past + s) mask[t * cols + j * S + s] = masked;
    parts.initializers!.push(constant('mask', spec, [T, cols], mask));
    parts.nodes.push(node('Add', ['scores_t', 'mask'], ['scores_m']));
    scores = 'scores_m';
  }
  parts.nodes.push(
    node('Softmax', [scores], ['probs_t'], { axis: int(2) }), // over T
    node('MatMul', ['vt', 'probs_t'], ['out_t']), // [B,Hkv,Dv,cols]
    node('Transpose', ['out_t'], ['out_g'], { perm: ints([0, 1, 3, 2]) }),
    node('Reshape', ['out_g', 'out_shape'], ['out']),
  );
  return { path: 'grouped', parts, feeds, outputBsh: false, sharesPresent: false };
}
