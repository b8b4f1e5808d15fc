/**
 * What a serving engine will really allocate for a model at an operating point: the shapes every engine module
 * (`vllm.ts`, `sglang.ts`, `llamacpp.ts`, `trtllm.ts`) answers with. Pure types.
 *
 * The model side (which layers cache what) is `ModelDescription` from the normaliser; the steady-state cache is
 * `computeKv` (`../kv.ts`). These modules add what each engine does on top: pools sized from a memory fraction,
 * pages shared by cache groups, cells padded to 256, sliding-window caches sized from the micro-batch.
 */
import type { KvDtype } from '../types';

/** The engines KV Lens models. */
export type EngineId = 'vllm' | 'sglang' | 'llama.cpp' | 'trtllm';

/** Every engine, in display order. */
export const ENGINE_IDS: readonly EngineId[] = ['vllm', 'sglang', 'llama.cpp', 'trtllm'];

/** The engine's name as its users write it. */
export const ENGINE_LABELS: Readonly<Record<EngineId, string>> = {
  vllm: 'vLLM', sglang: 'SGLang', 'llama.cpp': 'llama.cpp', trtllm: 'TensorRT-LLM',
};

/** The user's operating point, shared by every engine. */
export interface OperatingPoint {
  /** Memory of one GPU, GiB. Without it the memory-sized pools (vLLM, SGLang, TRT-LLM) are not computed. */
  gpuMemoryGiB?: number;
  /** Tokens per request (vLLM max_model_len, SGLang context_length, llama.cpp per-sequence context). */
  context: number;
  /** Concurrent sequences wanted. */
  batch: number;
  /** KV cache element format; default the model's (the cache follows the dtype, as every engine's `auto`). */
  kvDtype?: KvDtype;
  /** Tensor-parallel degree. */
  tp: number;
  /** Hub id or path used in the launch command lines. */
  modelId?: string;
}

/**
 * A figure an engine decides by a rule KV Lens cannot read from the config: what it was taken as and why.
 * `estimate` is true when the value is a guess at what the engine measures at start-up (the activation peak of
 * its profiling run, CUDA-graph memory, the framework's own overhead), false for a documented default.
 */
export interface EngineAssumption {
  name: string;
  value: string;
  estimate: boolean;
  /** The engine source file the default or rule comes from. */
  source?: string;
}

/** One cache group (vLLM) or pool (SGLang full / SWA, llama.cpp base / SWA / recurrent). */
export interface EnginePool {
  name: string;
  layers: number;
  /** Tokens (vLLM, SGLang, TRT-LLM) or cells (llama.cpp) the pool holds, all sequences together. */
  tokens: number;
  bytes: number;
}

/** One engine's answer at an operating point. */
export interface EngineEstimate {
  engine: EngineId;
  /** Version the rules follow (where they changed between versions). */
  rulesVersion: string;
  /** KV cache (and state) bytes one GPU allocates. */
  kvBytesPerGpu: number;
  /** The pools or cache groups, where the engine reports them so. */
  pools: EnginePool[];
  /** Tokens of the pool as the engine prints it (vLLM: per cache group), undefined when not memory-sized. */
  poolTokens?: number;
  /** Requests of `context` tokens that fit at once, as the engine computes it. */
  maxConcurrency?: number;
  /** Longest context (tokens per request) that fits for one request, undefined without a GPU budget. */
  maxContext?: number;
  /** The command line that realises the operating point. */
  launch: string;
  /** True when the operating point fits (batch x context within the pool); undefined without a GPU budget. */
  fits?: boolean;
  assumptions: EngineAssumption[];
  notes: string[];
}

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

/** ceil(a / b) for positive integers, as Python's cdiv. */
export function cdiv(a: number, b: number): number {
  return Math.ceil(a / b);
}
