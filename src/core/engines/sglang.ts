/**
 * SGLang: the token pool sized from `mem_fraction_static`.
 *
 * Rules, from sgl-project/sglang (late 2025 - 2026):
 * - `python/sglang/srt/model_executor/model_runner.py` (`profile_max_num_token`): cell_size = KV heads per GPU x
 *   head_dim x layers x 2 x element bytes (MLA: (kv_lora_rank + qk_rope_head_dim) x layers x bytes);
 *   rest = available memory after loading - total x (1 - mem_fraction_static); max_total_num_tokens =
 *   rest // cell_size. With hybrid SWA memory (`set_num_token_hybrid`), the layer-tokens are split so that
 *   swa tokens = full tokens x swa_full_tokens_ratio (0.8): memory = tokens x (full per-token x full layers + swa
 *   per-token x swa layers); full = align(int(memory / (full per-token x full layers + ratio x swa per-token x swa
 *   layers))), swa = align(int(full x ratio)), align = down to page_size x dp_size (the SWA layers' own KV heads /
 *   head size where they differ, `get_swa_num_kv_heads`, `swa_head_dim`); the line reads "Use sliding window
 *   memory pool. full_layer_tokens=N, swa_layer_tokens=M" (capital S in 2025 releases);
 *   `--disable-hybrid-swa-memory` gives every layer the full length. Linear-attention / Mamba layers
 *   keep a state pool of their own (one slot per running request) outside the token pool.
 * - `python/sglang/srt/mem_cache/memory_pool.py` (MHATokenToKVPool): per layer K and V buffers of
 *   (size + page_size) x heads x head_dim; the start-up line prints "K size" / "V size" in GB of 2^30 bytes.
 *   MLATokenToKVPool: one (size + page_size) x (kv_lora_rank + qk_rope_head_dim) buffer per layer, printed as
 *   "KV size". NSATokenToKVPool (DeepSeek-V3.2 / GLM-5 sparse MLA) adds index-key buffers and may store another
 *   kv_cache_dim: not modelled (its sizes are left unpredicted by check-log).
 * - `python/sglang/srt/server_args.py` (`_handle_gpu_memory_settings`, since PR 10975): mem_fraction_static =
 *   round((gpu_mem - reserved) / gpu_mem, 3), gpu_mem in MiB, reserved = 512 + max(chunked_prefill_size, 2048)
 *   x 1.5 + cuda_graph_max_bs x 2 + tp x pp / 8 x 1024, at least 10 GiB on GPUs over 60 GiB, then + 2 GiB for an
 *   EAGLE-type draft (6 GiB STANDALONE, none for NGRAM); by GPU memory (chunked_prefill_size, cuda_graph_max_bs):
 *   under 20 GiB (2048, 8); under 35 (2048, 24 below tp 4 else 80); under 60 (4096, 32 / 160); under 160
 *   (8192, 256 / 512); else (16384, 512). Earlier versions used a table by tp (0.88 at tp 1, 0.87 at 2, 0.85 at
 *   4, 0.81 at 8, 0.79 at 16). `_handle_model_specific_adjustments` turns hybrid SWA memory off for GptOss,
 *   Gemma 2 / 3 / 3n and Olmo2 (`sglangHybridSwaDefault`).
 */
import { KV_DTYPE_BYTES, toKvDtype } from '../dtype';
import type { KvDtype, ModelDescription } from '../types';

/** SGLang's pool settings. */
export interface SglangSettings {
  kvDtype?: KvDtype;
  tp?: number;
  /** --page-size; default 1. */
  pageSize?: number;
  /** --disable-hybrid-swa-memory. Default false. */
  disableHybridSwaMemory?: boolean;
  /** --swa-full-tokens-ratio; default 0.8. */
  swaFullTokensRatio?: number;
}

/** The default mem_fraction_static and what it was made of. */
export interface SglangFraction {
  value: number;
  reservedMiB: number;
  chunkedPrefillSize: number;
  /** The CUDA-graph batch size assumed: SGLang picks it by GPU and tp; an estimate here. */
  cudaGraphMaxBs: number;
}

/** server_args.py's default mem_fraction_static for a GPU of `gpuMemGiB` (MiB arithmetic as SGLang's). */
export function sglangDefaultFraction(gpuMemGiB: number, tp = 1, pp = 1, speculative?: string): SglangFraction {
  const mib = gpuMemGiB * 1024;
  const chunkedPrefillSize = mib < 35 * 1024 ? 2048 : mib < 60 * 1024 ? 4096 : mib < 160 * 1024 ? 8192 : 16384;
  const cudaGraphMaxBs = mib < 20 * 1024 ? 8 : mib < 35 * 1024 ? (tp < 4 ? 24 : 80) : mib < 60 * 1024 ? (tp < 4 ? 32 : 160) : mib < 160 * 1024 ? (tp < 4 ? 256 : 512) : 512;
  let reserved = 512 + Math.max(chunkedPrefillSize, 2048) * 1.5 + cudaGraphMaxBs * 2 + ((tp * pp) / 8) * 1024;
  if (mib > 60 * 1024) reserved = Math.max(reserved, 10 * 1024);
  if (speculative) reserved += speculative.toUpperCase() === 'STANDALONE' ? 6 * 1024 : speculative.toUpperCase() === 'NGRAM' ? 0 : 2 * 1024;
  return { value: Math.round(((mib - reserved) / mib) * 1000) / 1000, reservedMiB: reserved, chunkedPrefillSize, cudaGraphMaxBs };
}

/**
 * Whether SGLang keeps a separate SWA pool for this model by default: server_args.py
 * `_handle_model_specific_adjustments` sets disable_hybrid_swa_memory for these architectures.
 */
export function sglangHybridSwaDefault(architecture: string | undefined): boolean {
  return !/^(GptOss|Gemma2|Gemma3n?|Olmo2)For/.test(architecture ?? '');
}

/** Per-token bytes of the pools and how many layers each has. */
export interface SglangCells {
  /** Bytes one token takes over the full-length layers (all layers when hybrid SWA memory is off). */
  fullCellBytes: number;
  fullLayers: number;
  /** Per-layer bytes of one token of the full-length layers (heads x head_dim x 2 x bytes), for the K / V size lines. */
  perLayerTokenBytes: number;
  /** Per-layer bytes of one token of the SWA layers (their own heads / head size where they differ). */
  swaPerLayerTokenBytes: number;
  swaLayers: number;
  /** Bytes per running request of the state pool (linear attention / Mamba). */
  stateBytesPerRequest: number;
  mla: boolean;
}

/** The cells SGLang sizes its pools by. */
export function sglangCells(model: ModelDescription, s: SglangSettings = {}): SglangCells {
  const tp = Math.max(1, Math.floor(s.tp ?? 1));
  const b = KV_DTYPE_BYTES[s.kvDtype ?? toKvDtype((model.kvCacheDtype ?? model.dtype).value) ?? 'bf16'];
  const stateB = KV_DTYPE_BYTES[toKvDtype(model.dtype.value) ?? 'bf16'];
  let fullLayers = 0;
  let swaLayers = 0;
  let perLayer = 0;
  let swaPer = 0;
  let state = 0;
  let mla = false;
  for (const l of model.layers) {
    if (l.sharesCacheWith !== undefined || l.kind === 'none') continue;
    if (l.kind === 'state') {
      state += ((l.stateElements ?? 0) / tp) * (l.stateBytesPerElement ?? stateB);
      continue;
    }
    let w: number;
    if (l.mlaLatent !== undefined) {
      mla = true;
      w = l.mlaLatent * b;
    } else {
      w = Math.max(1, Math.floor(l.kvHeads / tp)) * (l.headDimK + (l.sharedKv ? 0 : l.headDimV)) * b;
    }
    if ((l.kind === 'sliding' || l.kind === 'chunked') && !s.disableHybridSwaMemory) {
      swaLayers++;
      swaPer = Math.max(swaPer, w);
    } else {
      fullLayers++;
      perLayer = Math.max(perLayer, w);
    }
  }
  return { fullCellBytes: perLayer * fullLayers, fullLayers, perLayerTokenBytes: perLayer || swaPer, swaPerLayerTokenBytes: swaPer, swaLayers, stateBytesPerRequest: state, mla };
}

/** The pools for `restBytes` left for the cache (total x fraction - weights - what loading used). */
export interface SglangPool {
  /** max_total_num_tokens (the full-length pool when hybrid). */
  maxTotalNumTokens: number;
  /** Tokens of the SWA pool, when hybrid SWA memory is on. */
  swaTokens?: number;
  /** "K size" and "V size" of the full pool (bytes; SGLang prints GB of 2^30). */
  kBytes: number;
  vBytes: number;
}

/** profile_max_num_token and set_num_token_hybrid for rest memory `restBytes`. */
export function sglangPool(cells: SglangCells, restBytes: number, s: SglangSettings = {}): SglangPool {
  const page = s.pageSize ?? 1;
  const align = (n: number) => Math.floor(n / page) * page;
  const fullW = cells.perLayerTokenBytes * cells.fullLayers;
  const swaW = cells.swaPerLayerTokenBytes * cells.swaLayers;
  const cell = cells.swaLayers > 0 && cells.fullLayers > 0 ? fullW + swaW : cells.perLayerTokenBytes * (cells.fullLayers + cells.swaLayers);
  let tokens = cell > 0 ? Math.max(0, Math.floor(restBytes / cell)) : 0;
  let swaTokens: number | undefined;
  if (cells.swaLayers > 0 && cells.fullLayers > 0) {
    // set_num_token_hybrid / HybridSWAPoolConfigurator: solve for the full pool at the ratio, then align both.
    const ratio = s.swaFullTokensRatio ?? 0.8;
    const memory = tokens * (fullW + swaW);
    const full = align(Math.floor(memory / (fullW + ratio * swaW)));
    swaTokens = align(Math.floor(full * ratio));
    tokens = full;
  }
  tokens = align(tokens);
  const half = cells.mla ? cells.perLayerTokenBytes : cells.perLayerTokenBytes / 2;
  const kBytes = (tokens + page) * cells.fullLayers * half;
  return { maxTotalNumTokens: tokens, ...(swaTokens !== undefined ? { swaTokens } : {}), kBytes, vBytes: cells.mla ? 0 : kBytes };
}
