/**
 * Exact weights of a GGUF file from its tensor infos: each tensor's elements are the product of its shape, its
 * bytes `elements / block x bytes per block` (ggml_nbytes / ggml_row_size in ggml/src/ggml.c), by ggml type.
 */
import type { DtypeWeights, ExactWeights } from '../exactWeights';
import { ggmlType } from './ggmlTypes';
import type { GgufTensor } from './header';

/** A tensor whose type or shape makes its size unknowable: the reader refuses the file with this. */
export class GgufTensorError extends Error {}

/** Parameters and bytes of one tensor; throws {@link GgufTensorError} naming the tensor when it cannot be sized. */
export function tensorSize(t: GgufTensor): { params: number; bytes: number; type: string } {
  const type = ggmlType(t.type);
  if (!type) throw new GgufTensorError(`tensor ${JSON.stringify(t.name)} has ggml type ${t.type}, which ggml does not define`);
  let params = 1;
  for (const d of t.shape) params *= d;
  if (!Number.isSafeInteger(params)) throw new GgufTensorError(`tensor ${JSON.stringify(t.name)} has shape [${t.shape.join(', ')}]: more elements than can be counted exactly`);
  // ggml requires each row (ne[0]) to be whole blocks (gguf.cpp: "tensor ... of type ... number of elements ... not a multiple of block size").
  const row = t.shape[0] ?? 1;
  if (row % type.block !== 0) throw new GgufTensorError(`tensor ${JSON.stringify(t.name)} is ${type.name} (blocks of ${type.block}) but its rows hold ${row} elements`);
  return { params, bytes: (params / type.block) * type.bytes, type: type.name };
}

/** Sums the tensors by type into the report's exact-weights shape. */
export function ggufWeights(source: string, tensors: readonly GgufTensor[]): ExactWeights {
  const byType = new Map<string, DtypeWeights>();
  let totalParams = 0;
  let bytes = 0;
  for (const t of tensors) {
    const s = tensorSize(t);
    totalParams += s.params;
    bytes += s.bytes;
    const row = byType.get(s.type) ?? { dtype: s.type, tensors: 0, params: 0, bytes: 0 };
    row.tensors++;
    row.params += s.params;
    row.bytes += s.bytes;
    byType.set(s.type, row);
  }
  const byDtype = [...byType.values()].sort((a, b) => b.bytes - a.bytes);
  const packing = byDtype
    .filter((d) => (ggmlTypeByName(d.dtype)?.block ?? 1) > 1)
    .map((d) => {
      const t = ggmlTypeByName(d.dtype)!;
      return `${d.dtype}: ${t.bytes} bytes per block of ${t.block} values (${((t.bytes * 8) / t.block).toFixed(4).replace(/\.?0+$/, '')} bits per weight, ggml type_traits)`;
    });
  return { source, tensors: tensors.length, totalParams, bytes, byDtype, packing };
}

function ggmlTypeByName(name: string) {
  for (let id = 0; id < 64; id++) {
    const t = ggmlType(id);
    if (t?.name === name) return t;
  }
  return undefined;
}

/**
 * Routed-expert tensors by their llama.cpp names (src/llama-arch.cpp LLM_TENSOR_FFN_{GATE,UP,DOWN,GATE_UP}_EXPS:
 * `blk.N.ffn_gate_exps`, one slice per expert along the last dimension, with gpt-oss's `.bias`), and the
 * one-tensor-per-expert layout of early Mixtral GGUFs (`blk.N.ffn_gate.E.weight`). Shared experts (`_shexp`) run
 * for every token and are not among them.
 */
const EXPERT_TENSOR = /^blk\.\d+\.(?:ffn_(?:gate|up|down|gate_up)_exps\.(?:weight|bias)|ffn_(?:gate|up|down)\.\d+\.weight)$/;

/**
 * Parameters a token runs through: every tensor's but the routed experts', which count `used / total` of theirs
 * (llama.cpp routes each token to `expert_used_count` of `expert_count` experts: build_moe_ffn). Undefined when
 * the file has no expert tensors.
 */
export function ggufActiveParams(tensors: readonly GgufTensor[], expertCount: number, expertsUsed: number): { active: number; expertParams: number } | undefined {
  if (expertCount <= 0) return undefined;
  let total = 0;
  let expertParams = 0;
  for (const t of tensors) {
    const { params } = tensorSize(t);
    total += params;
    if (EXPERT_TENSOR.test(t.name)) expertParams += params;
  }
  if (expertParams === 0) return undefined;
  return { active: Math.round(total - expertParams + (expertParams * Math.min(expertsUsed, expertCount)) / expertCount), expertParams };
}
