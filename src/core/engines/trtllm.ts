/**
 * TensorRT-LLM (PyTorch backend): the paged KV pool takes a fraction of the memory free after loading.
 *
 * Rules, from NVIDIA/TensorRT-LLM (1.0 - 1.2):
 * - `tensorrt_llm/llmapi/llm_args.py` (KvCacheConfig): free_gpu_memory_fraction 0.9, tokens_per_block 32,
 *   max_attention_window none (every layer full length unless a per-layer window vector is given).
 * - `tensorrt_llm/_torch/pyexecutor/resource_manager.py` (KVCacheManager): per layer and token K and V of
 *   num_kv_heads per GPU (ceil(kv_heads / tp), replicated past the heads) x head_dim x bytes; MLA caches one latent
 *   (kv_lora_rank + qk_rope_head_dim) as K only; max tokens = free x fraction / bytes per token, in whole blocks.
 * - `tensorrt_llm/_torch/pyexecutor/_util.py` (KvCacheCreator): the pool is first built small, a warm-up forward
 *   is run, then resized from the memory free after it. What the warm-up leaves in use is measured there; KV Lens
 *   takes it as an estimate.
 * - Mamba / linear-attention state (MambaHybridCacheManager) sits in a slot pool of max_batch_size slots, apart.
 */
import { KV_DTYPE_BYTES, toKvDtype } from '../dtype';
import type { KvDtype, ModelDescription } from '../types';

/** TRT-LLM KV settings. */
export interface TrtllmSettings {
  kvDtype?: KvDtype;
  tp?: number;
  /** kv_cache_config.tokens_per_block; default 32. */
  tokensPerBlock?: number;
  /** kv_cache_config.free_gpu_memory_fraction; default 0.9. */
  freeGpuMemoryFraction?: number;
}

/** The pool. */
export interface TrtllmPool {
  bytesPerToken: number;
  blocks: number;
  maxTokens: number;
  bytes: number;
  stateBytesPerSequence: number;
}

/** Bytes one token takes over every cached layer on one GPU. */
export function trtllmBytesPerToken(model: ModelDescription, s: TrtllmSettings = {}): { perToken: number; statePerSeq: number } {
  const tp = Math.max(1, Math.floor(s.tp ?? 1));
  const b = KV_DTYPE_BYTES[s.kvDtype ?? toKvDtype((model.kvCacheDtype ?? model.dtype).value) ?? 'bf16'];
  const sb = KV_DTYPE_BYTES[toKvDtype(model.dtype.value) ?? 'bf16'];
  let perToken = 0;
  let statePerSeq = 0;
  for (const l of model.layers) {
    if (l.sharesCacheWith !== undefined || l.kind === 'none') continue;
    if (l.kind === 'state') {
      statePerSeq += ((l.stateElements ?? 0) / tp) * (l.stateBytesPerElement ?? sb);
      continue;
    }
    if (l.mlaLatent !== undefined) perToken += l.mlaLatent * b;
    else perToken += Math.ceil(l.kvHeads / tp) * (l.headDimK + (l.sharedKv ? 0 : l.headDimV)) * b;
  }
  return { perToken, statePerSeq };
}

/** The pool for `freeBytes` free after loading and warm-up. */
export function trtllmPool(model: ModelDescription, freeBytes: number, s: TrtllmSettings = {}): TrtllmPool {
  const { perToken, statePerSeq } = trtllmBytesPerToken(model, s);
  const tpb = s.tokensPerBlock ?? 32;
  const budget = Math.max(0, freeBytes * (s.freeGpuMemoryFraction ?? 0.9));
  const blocks = perToken > 0 ? Math.floor(budget / (perToken * tpb)) : 0;
  return { bytesPerToken: perToken, blocks, maxTokens: blocks * tpb, bytes: blocks * tpb * perToken, stateBytesPerSequence: statePerSeq };
}
