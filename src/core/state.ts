/**
 * Fixed-size recurrent state of SSM, linear-attention and convolution layers: it does not grow with the
 * context, so it is reported apart from the per-token cache. Sizes follow what serving engines keep per
 * sequence (vLLM: a convolution window of kernel - 1 columns plus the recurrent state).
 */
import type { FieldReader } from './fields';

/** One layer's fixed state. */
export interface StateSize {
  elements: number;
  /** Element size when the config names a state dtype (mamba_ssm_cache_dtype), else undefined: the model's. */
  bytesPerElement?: number;
  note: string;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, float16: 2, bfloat16: 2, fp32: 4, fp16: 2, bf16: 2 };

function stateDtype(r: FieldReader): { bytes?: number; name?: string } {
  const d = r.string('mamba_ssm_cache_dtype', 'mamba_ssm_dtype', 'ssm_state_dtype');
  const bytes = d ? DTYPE_BYTES[d.value] : undefined;
  return bytes ? { bytes, name: d!.name } : {};
}

/** Mamba (1 or 2) state: conv window + SSM state, from whichever of the Mamba field families is present. */
export function mambaState(r: FieldReader, hiddenSize: number | undefined): StateSize | undefined {
  const dState = r.positiveInt('ssm_state_size', 'state_size', 'mamba_d_state', 'd_state')?.value;
  const kernel = r.positiveInt('conv_kernel', 'mamba_d_conv', 'd_conv')?.value ?? 4;
  const heads = r.positiveInt('mamba_num_heads', 'mamba_n_heads')?.value ?? (r.has('n_groups') || r.has('mamba_n_groups') ? r.positiveInt('num_heads')?.value : undefined);
  const headDim = r.positiveInt('mamba_head_dim', 'mamba_d_head')?.value ?? (heads !== undefined ? r.positiveInt('head_dim')?.value : undefined);
  const expand = r.positiveInt('expand', 'mamba_expand')?.value ?? 2;
  const dtype = stateDtype(r);
  if (!dState) return undefined;
  if (heads && headDim) {
    // Mamba-2: SSM state heads x head_dim x d_state; conv over x, B, C.
    const groups = r.positiveInt('n_groups', 'mamba_n_groups')?.value ?? 1;
    const inner = heads * headDim;
    const ssm = heads * headDim * dState;
    const conv = (kernel - 1) * (inner + 2 * groups * dState);
    return {
      elements: ssm + conv,
      ...(dtype.bytes ? { bytesPerElement: dtype.bytes } : {}),
      note: `Mamba-2 state: ${heads} heads x ${headDim} x ${dState} (SSM) + ${kernel - 1} x (${inner} + 2 x ${groups} x ${dState}) (conv)${dtype.name ? `, in ${dtype.name}` : ''}`,
    };
  }
  if (!hiddenSize) return undefined;
  // Mamba-1: state inner x d_state; conv over inner channels.
  const inner = r.positiveInt('intermediate_size', 'mamba_inner')?.value ?? expand * hiddenSize;
  return {
    elements: inner * dState + (kernel - 1) * inner,
    ...(dtype.bytes ? { bytesPerElement: dtype.bytes } : {}),
    note: `Mamba state: ${inner} x ${dState} (SSM) + ${kernel - 1} x ${inner} (conv)`,
  };
}

/** Linear attention (Gated DeltaNet in Qwen3-Next / Qwen3.5; lightning attention) state per layer. */
export function linearState(r: FieldReader, queryHeads: number, headDim: number): StateSize {
  const vHeads = r.positiveInt('linear_num_value_heads')?.value;
  const kHeads = r.positiveInt('linear_num_key_heads')?.value;
  const kDim = r.positiveInt('linear_key_head_dim')?.value;
  const vDim = r.positiveInt('linear_value_head_dim')?.value;
  const kernel = r.positiveInt('linear_conv_kernel_dim')?.value;
  const dtype = stateDtype(r);
  if (vHeads && kHeads && kDim && vDim) {
    const recurrent = vHeads * kDim * vDim;
    const conv = kernel ? (kernel - 1) * (2 * kHeads * kDim + vHeads * vDim) : 0;
    return {
      elements: recurrent + conv,
      ...(dtype.bytes ? { bytesPerElement: dtype.bytes } : {}),
      note: `linear-attention state: ${vHeads} value heads x ${kDim} x ${vDim}${kernel ? ` + ${kernel - 1} x (2 x ${kHeads} x ${kDim} + ${vHeads} x ${vDim}) (conv)` : ''}${dtype.name ? `, in ${dtype.name}` : ''}`,
    };
  }
  return {
    elements: queryHeads * headDim * headDim,
    ...(dtype.bytes ? { bytesPerElement: dtype.bytes } : {}),
    note: `linear-attention state assumed ${queryHeads} heads x ${headDim} x ${headDim} (no linear_* head fields)`,
  };
}

/** Short-convolution layers (LFM2 `conv`): a window of conv_L_cache columns of the hidden size. */
export function convState(r: FieldReader, hiddenSize: number | undefined): StateSize | undefined {
  const width = r.positiveInt('conv_L_cache', 'conv_kernel')?.value;
  const dim = r.positiveInt('conv_dim')?.value ?? hiddenSize;
  if (!width || !dim) return undefined;
  return { elements: width * dim, note: `convolution state: ${width} x ${dim}` };
}
