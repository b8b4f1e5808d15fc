/**
 * Attention spelled out in MatMul / Softmax / MatMul:
 * - `plain`: K and V expanded to the query heads (what a naive GQA implementation does, and the
 *   reference every other path is checked against);
 * - `grouped`: no expansion. Each KV head's g query heads become the rows of one small matrix
 *   against its K and V in their natural layouts (see {@link buildGroupedGraph});
 * - `groupedVt`: the same with P x V computed as V^T x P^T from a transposed V cache, the A/B twin.
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

/**
 * Prefill mask of the grouped paths, [g·S, T]: the query rows of one KV head come in (head within
 * group j, token s) order, because q [B, Hq, S, D] read as [B, Hkv, g·S, D] puts query head
 * kv·g + j at rows j·S .. j·S + S - 1 (no copy). Row j·S + s may see tokens up to L + s.
 */
function groupedMask(spec: GraphSpec): Float32Array {
  const S = spec.prompt;
  const T = totalTokens(spec);
  const g = groupSize(spec.shape);
  const rows = g * S;
  const mask = new Float32Array(rows * T);
  const masked = maskValue(spec.dtype);
  for (let j = 0; j < g; j++) for (let s = 0; s < S; s++) for (let t = spec.past + s + 1; t < T; t++) mask[(j * S + s) * T + t] = masked;
  return mask;
}

/**
 * The grouped graph, laid out the way decode reads memory: no expansion, each KV head's g query
 * heads are the rows of one small matrix, so
 *   scores [g·S, T] = Qs [g·S, D] x K^T   (MatMul over a Transpose: the optimiser makes it one
 *                                          FusedMatMul with transB, K read in its natural layout),
 *   P = Softmax(scores) over the last axis (no transposes around it: onnxruntime's Softmax
 *       transposes its input and output for any other axis, core/providers/cpu/math/softmax.cc),
 *   O [g·S, Dv] = P x V                   (V in its natural [T, Dv] layout).
 * Q arrives pre-scaled by 1/sqrt(D) (input `qs`), as a real model folds the scale into W_q: a Mul by
 * a scalar would be folded into FusedMatMul's alpha (core/optimizer/matmul_scale_fusion.cc), and
 * MLAS takes its M = 1 GEMV kernels only when alpha is 1 (MlasSgemmOperation in
 * core/mlas/lib/sgemm.cpp: `M == 1 && TransA == CblasNoTrans && alpha == 1.0f`), which is MHA
 * decode. No Transpose or copy touches the output: [B, Hkv, g·S, Dv] is [B, Hq, S, Dv] reshaped.
 */
export function buildGroupedGraph(spec: GraphSpec, baked?: BakedCache): BuiltGraph {
  return groupedGraph(spec, baked, false);
}

/**
 * The A/B twin of {@link buildGroupedGraph}: the same scores and softmax, but O^T [Dv, g·S] =
 * V^T [Dv, T] x P^T from a transposed V cache (`vt`), then transposed back. Kept to show, on each
 * machine, which of the two P x V layouts MLAS streams faster.
 */
export function buildGroupedVtGraph(spec: GraphSpec, baked?: BakedCache): BuiltGraph {
  return groupedGraph(spec, baked, true);
}

function groupedGraph(spec: GraphSpec, baked: BakedCache | undefined, transposedV: boolean): BuiltGraph {
  const { batch: B, prompt: S } = spec;
  const { queryHeads: Hq, kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  const rows = groupSize(spec.shape) * S;
  const name = transposedV ? 'attention_grouped_vt' : 'attention_grouped';
  const parts: GraphParts = { name, nodes: [], inputs: [valueInfo('qs', spec.dtype, [B, Hq, S, D])], outputs: [valueInfo('out', spec.dtype, [B, Hq, S, Dv])], initializers: [] };
  const feeds: BuiltGraph['feeds'] = ['qs'];
  cacheTensors(spec, transposedV ? ['k', 'vt'] : ['k', 'v'], baked, parts, feeds);
  parts.initializers!.push(shapeConst('q_grouped', [B, Hkv, rows, D]), shapeConst('out_shape', [B, Hq, S, Dv]));
  parts.nodes.push(
    node('Reshape', ['qs', 'q_grouped'], ['q_g']),
    node('Transpose', ['k'], ['k_t'], { perm: ints([0, 1, 3, 2]) }),
    node('MatMul', ['q_g', 'k_t'], ['scores']), // [B, Hkv, g·S, T]
  );
  let scores = 'scores';
  if (spec.phase === 'prefill') {
    parts.initializers!.push(constant('mask', spec, [rows, totalTokens(spec)], groupedMask(spec)));
    parts.nodes.push(node('Add', ['scores', 'mask'], ['scores_m']));
    scores = 'scores_m';
  }
  parts.nodes.push(node('Softmax', [scores], ['probs'], { axis: int(-1) }));
  if (transposedV) {
    parts.nodes.push(
      node('Transpose', ['probs'], ['probs_t'], { perm: ints([0, 1, 3, 2]) }),
      node('MatMul', ['vt', 'probs_t'], ['out_t']), // [B, Hkv, Dv, g·S]
      node('Transpose', ['out_t'], ['out_g'], { perm: ints([0, 1, 3, 2]) }),
    );
  } else {
    parts.nodes.push(node('MatMul', ['probs', 'v'], ['out_g'])); // [B, Hkv, g·S, Dv]
  }
  parts.nodes.push(node('Reshape', ['out_g', 'out_shape'], ['out']));
  return { path: transposedV ? 'groupedVt' : 'grouped', parts, feeds, outputBsh: false, sharesPresent: false };
}
