/**
 * The ONNX graph of one causal self-attention block, for the functional fidelity check: the same graph runs a layer
 * with its original and its converted weights on the same inputs. Every weight is a graph input (not an
 * initializer), so one session serves every layer of a model. K and V always arrive with one head per query head
 * (grouped heads repeated, as transformers' repeat_kv does at run time), so one graph covers MHA, GQA, the native
 * and the expanded forms.
 *
 *   Q = X Wq^T + bq, K = X Wk^T + bk, V = X Wv^T + bv           (per head: [heads, T, head_dim])
 *   RoPE: x * C + (x R) * S, C / S the per-position cos / sin (1 / 0 outside the rotary dims), R rotate_half
 *   P = softmax(Q K^T / sqrt(head_dim) + causal mask);  Y = concat_h(P V) Wo^T + bo
 *
 * Opset 23 standard ops only (MatMul, Add, Mul, Reshape, Transpose, Softmax), fp32; built with onnx-proto's
 * classes here rather than src/bench's builder (src/convert may not import src/bench).
 */
import { onnx } from 'onnx-proto';

/** The sizes one graph is built for. */
export interface AttentionShape {
  tokens: number;
  hidden: number;
  heads: number;
  headDimK: number;
  headDimV: number;
  /** Whether Y goes through the output projection (false when the checkpoint's was not found). */
  outputProjection: boolean;
}

/** The graph's input names, in the order feeds are built. */
export const ATTENTION_INPUTS = ['X', 'WqT', 'bq', 'WkT', 'bk', 'WvT', 'bv', 'WoT', 'bo', 'C', 'S', 'R', 'M'] as const;
export type AttentionInput = (typeof ATTENTION_INPUTS)[number];

/** Dimensions of each input for `s`. */
export function inputDims(s: AttentionShape): Record<AttentionInput, number[]> {
  const qk = s.heads * s.headDimK;
  const v = s.heads * s.headDimV;
  return {
    X: [s.tokens, s.hidden], WqT: [s.hidden, qk], bq: [qk], WkT: [s.hidden, qk], bk: [qk], WvT: [s.hidden, v], bv: [v],
    WoT: [v, s.hidden], bo: [s.hidden], C: [s.tokens, s.headDimK], S: [s.tokens, s.headDimK], R: [s.headDimK, s.headDimK], M: [s.tokens, s.tokens],
  };
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function info(name: string, dims: number[]): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}

function op(opType: string, input: string[], output: string, attrs: onnx.IAttributeProto[] = []): onnx.INodeProto {
  return { opType, input, output: [output], name: `${opType}_${output}`, domain: '', attribute: attrs };
}

const intsAttr = (name: string, v: number[]): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
const intAttr = (name: string, v: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });

function int64s(name: string, values: number[]): onnx.ITensorProto {
  const data = new BigInt64Array(values.map((v) => BigInt(v)));
  return { name, dataType: INT64, dims: [values.length], rawData: new Uint8Array(data.buffer) };
}

function floats(name: string, values: number[]): onnx.ITensorProto {
  const data = new Float32Array(values);
  return { name, dataType: FLOAT, dims: [values.length], rawData: new Uint8Array(data.buffer) };
}

/** The encoded model for `s`: inputs {@link ATTENTION_INPUTS}, output `Y` [tokens, hidden] (or [tokens, heads*headDimV]). */
export function buildAttentionModel(s: AttentionShape): Uint8Array {
  const dims = inputDims(s);
  const nodes: onnx.INodeProto[] = [];
  const heads = (x: string, w: string, b: string, d: number, rope: boolean): string => {
    nodes.push(op('MatMul', ['X', w], `${x}0`), op('Add', [`${x}0`, b], `${x}1`), op('Reshape', [`${x}1`, `shape_${d}`], `${x}2`), op('Transpose', [`${x}2`], `${x}3`, [intsAttr('perm', [1, 0, 2])]));
    if (!rope) return `${x}3`;
    nodes.push(op('Mul', [`${x}3`, 'C'], `${x}c`), op('MatMul', [`${x}3`, 'R'], `${x}r`), op('Mul', [`${x}r`, 'S'], `${x}s`), op('Add', [`${x}c`, `${x}s`], `${x}4`));
    return `${x}4`;
  };
  const q = heads('q', 'WqT', 'bq', s.headDimK, true);
  const k = heads('k', 'WkT', 'bk', s.headDimK, true);
  const v = heads('v', 'WvT', 'bv', s.headDimV, false);
  nodes.push(
    op('Transpose', [k], 'kt', [intsAttr('perm', [0, 2, 1])]),
    op('MatMul', [q, 'kt'], 'scores'),
    op('Mul', ['scores', 'scale'], 'scaled'),
    op('Add', ['scaled', 'M'], 'masked'),
    op('Softmax', ['masked'], 'probs', [intAttr('axis', -1)]),
    op('MatMul', ['probs', v], 'ctx'),
    op('Transpose', ['ctx'], 'ctxT', [intsAttr('perm', [1, 0, 2])]),
    op('Reshape', ['ctxT', 'shape_out'], s.outputProjection ? 'ctx2' : 'Y'),
  );
  if (s.outputProjection) nodes.push(op('MatMul', ['ctx2', 'WoT'], 'y0'), op('Add', ['y0', 'bo'], 'Y'));
  const initializer = [
    int64s(`shape_${s.headDimK}`, [s.tokens, s.heads, s.headDimK]),
    floats('scale', [1 / Math.sqrt(s.headDimK)]),
    int64s('shape_out', [s.tokens, s.heads * s.headDimV]),
  ];
  if (s.headDimV !== s.headDimK) initializer.push(int64s(`shape_${s.headDimV}`, [s.tokens, s.heads, s.headDimV]));
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 10,
      producerName: 'kv-lens',
      opsetImport: [{ domain: '', version: 23 }],
      graph: {
        name: 'attention_block',
        node: nodes,
        input: ATTENTION_INPUTS.filter((n) => used.has(n)).map((n) => info(n, dims[n])),
        output: [info('Y', s.outputProjection ? [s.tokens, s.hidden] : [s.tokens, s.heads * s.headDimV])],
        initializer,
      },
    }),
  ).finish();
}
