/**
 * Where each head's K and V rows live in the projection tensors of each supported layout, and the transform that
 * pools them. Every layout is a projection whose output dimension is a run of per-head blocks; what differs is the
 * order of the blocks and whether the output dimension is the tensor's first or second axis:
 *
 * - `separate`: `k_proj` / `v_proj` are `nn.Linear`, weight [heads * head_dim, hidden], head h = rows
 *   h*head_dim ... (Llama, Mistral, Qwen2 with biases, OPT; transformers
 *   src/transformers/models/llama/modeling_llama.py `LlamaAttention`: `self.k_proj(hidden_states).view(hidden_shape)`
 *   with hidden_shape (*input_shape, -1, head_dim)).
 * - `fused-qkv`: one `nn.Linear` [q | k | v] (Phi-3, src/transformers/models/phi3/modeling_phi3.py `Phi3Attention`:
 *   `query_pos = num_attention_heads * head_dim`, keys `qkv[..., query_pos : query_pos + num_key_value_heads * head_dim]`,
 *   values after them); re-fused at the new KV head count.
 * - `gpt2-c-attn`: GPT-2's `Conv1D`, weight [hidden, 3 * hidden] (transposed: the output dimension is the second
 *   axis; src/transformers/pytorch_utils.py `Conv1D`: `x @ weight`), q | k | v contiguous
 *   (src/transformers/models/gpt2/modeling_gpt2.py: `self.c_attn(hidden_states).split(self.split_size, dim=2)`).
 * - `interleaved-qkv`: GPT-NeoX and Falcon-RW `query_key_value`, [heads, 3, head_dim] on the output axis
 *   (src/transformers/models/gpt_neox/modeling_gpt_neox.py: `qkv.view(..., -1, 3 * head_size)` then `chunk(3, dim=-1)`;
 *   src/transformers/models/falcon/modeling_falcon.py `_split_heads`: `view(batch, seq, num_heads, 3, head_dim)`
 *   when neither multi_query nor new_decoder_architecture).
 *
 * GPT-2, GPT-NeoX and Falcon-RW read no KV head count from their configs, so their conversion is written `expanded`:
 * the pooled heads repeated back to the MHA shape (each old head h holds its group's pooled head). The original
 * class loads it and computes exactly what the GQA model would (repeat_kv does the same repetition at run time);
 * the cache saving needs an engine or class that knows the grouping.
 */
import { poolHeads } from './pool';
import type { PoolMethod, PoolStats } from './pool';
import type { FloatDtype } from './numeric';

/** How a model stores its K/V projections. */
export type LayoutKind = 'separate' | 'fused-qkv' | 'gpt2-c-attn' | 'interleaved-qkv';

/** `native`: fewer KV heads written, config says so. `expanded`: the MHA shape kept, pooled heads repeated. */
export type OutputForm = 'native' | 'expanded';

/** Which heads a tensor holds. */
export type HeadPart = 'q' | 'k' | 'v';

/** The head counts and sizes a layout's row arithmetic needs. */
export interface HeadGeometry {
  queryHeads: number;
  /** KV heads in the source. */
  oldKvHeads: number;
  /** KV heads after pooling. */
  newKvHeads: number;
  headDimK: number;
  headDimV: number;
}

/** One tensor the conversion rewrites. */
export interface TensorEdit {
  name: string;
  layer: number;
  role: 'weight' | 'bias';
  /** The K and/or V heads it holds (fused tensors hold q too, which is copied). */
  parts: ('k' | 'v')[];
  layout: LayoutKind;
  dtype: FloatDtype;
  shape: number[];
  newShape: number[];
}

/** Output-axis index of row `d` of head `h` of `part`, in a tensor holding `kv` KV heads. */
export function outRow(layout: LayoutKind, part: HeadPart, h: number, d: number, g: HeadGeometry, kv: number): number {
  const { queryHeads: q, headDimK: dk, headDimV: dv } = g;
  if (layout === 'separate') return h * (part === 'v' ? dv : dk) + d;
  if (layout === 'interleaved-qkv') return h * (2 * dk + dv) + (part === 'q' ? 0 : part === 'k' ? dk : 2 * dk) + d;
  if (part === 'q') return h * dk + d;
  if (part === 'k') return q * dk + h * dk + d;
  return q * dk + kv * dk + h * dv + d;
}

/** Output-axis length of a tensor of `layout` holding `parts` with `kv` KV heads. */
export function outLength(layout: LayoutKind, parts: ('k' | 'v')[], g: HeadGeometry, kv: number): number {
  if (layout === 'separate') return kv * (parts[0] === 'v' ? g.headDimV : g.headDimK);
  if (layout === 'interleaved-qkv') return kv * (2 * g.headDimK + g.headDimV);
  return g.queryHeads * g.headDimK + kv * (g.headDimK + g.headDimV);
}

/** KV heads a rewritten tensor holds: the new count when native, the old (MHA) count when expanded. */
export function writtenKvHeads(form: OutputForm, g: HeadGeometry): number {
  return form === 'native' ? g.newKvHeads : g.oldKvHeads;
}

/** The tensor's shape after conversion. */
export function newShapeOf(layout: LayoutKind, role: 'weight' | 'bias', parts: ('k' | 'v')[], shape: number[], g: HeadGeometry, form: OutputForm): number[] {
  const out = outLength(layout, parts, g, writtenKvHeads(form, g));
  if (role === 'bias') return [out];
  return layout === 'gpt2-c-attn' ? [shape[0]!, out] : [out, shape[1]!];
}

/** A rewritten tensor's values and, per part, what pooling it cost. */
export interface Transformed {
  values: Float32Array;
  stats: Partial<Record<'k' | 'v', PoolStats>>;
}

/**
 * Pools one tensor. `values` is the source tensor decoded to fp32 in its stored order. Rows of the query part of a
 * fused tensor are copied unchanged; K/V heads are gathered (a head is head_dim output rows by the input width),
 * pooled by `method`, and written at the new count (native) or repeated back to the old one (expanded).
 */
export function transformTensor(edit: TensorEdit, values: Float32Array, g: HeadGeometry, form: OutputForm, method: PoolMethod): Transformed {
  const transposed = edit.layout === 'gpt2-c-attn' && edit.role === 'weight';
  const oldOut = edit.role === 'bias' ? edit.shape[0]! : transposed ? edit.shape[1]! : edit.shape[0]!;
  const inner = edit.role === 'bias' ? 1 : transposed ? edit.shape[0]! : edit.shape[1]!;
  const newOut = edit.role === 'bias' ? edit.newShape[0]! : transposed ? edit.newShape[1]! : edit.newShape[0]!;
  if (oldOut * inner !== values.length) throw new RangeError(`${edit.name}: ${values.length} values for shape [${edit.shape.join(', ')}]`);
  const out = new Float32Array(newOut * inner);
  const at = (o: number, i: number, outDim: number) => (transposed ? i * outDim + o : o * inner + i);
  const copyRow = (src: Float32Array, so: number, srcOut: number, dst: Float32Array, dOff: number, dstOut: number, contiguousDst: boolean) => {
    for (let i = 0; i < inner; i++) dst[contiguousDst ? dOff + i : at(dOff, i, dstOut)] = src[at(so, i, srcOut)]!;
  };
  const kvWritten = writtenKvHeads(form, g);
  if (edit.layout !== 'separate') {
    for (let h = 0; h < g.queryHeads; h++) {
      for (let d = 0; d < g.headDimK; d++) {
        copyRow(values, outRow(edit.layout, 'q', h, d, g, g.oldKvHeads), oldOut, out, outRow(edit.layout, 'q', h, d, g, kvWritten), newOut, false);
      }
    }
  }
  const stats: Transformed['stats'] = {};
  const r = g.oldKvHeads / g.newKvHeads;
  for (const part of edit.parts) {
    const hd = part === 'k' ? g.headDimK : g.headDimV;
    const heads: Float32Array[] = [];
    for (let h = 0; h < g.oldKvHeads; h++) {
      const head = new Float32Array(hd * inner);
      for (let d = 0; d < hd; d++) copyRow(values, outRow(edit.layout, part, h, d, g, g.oldKvHeads), oldOut, head, d * inner, 0, true);
      heads.push(head);
    }
    const pooled = poolHeads(heads, g.newKvHeads, method);
    stats[part] = pooled.stats;
    for (let h = 0; h < kvWritten; h++) {
      const head = pooled.heads[form === 'native' ? h : Math.floor(h / r)]!;
      for (let d = 0; d < hd; d++) {
        const o = outRow(edit.layout, part, h, d, g, kvWritten);
        for (let i = 0; i < inner; i++) out[at(o, i, newOut)] = head[d * inner + i]!;
      }
    }
  }
  return { values: out, stats };
}
