/**
 * llama.cpp: what `llama_context` allocates for the KV cache, recurrent state and sliding-window cache.
 *
 * Rules, from ggml-org/llama.cpp (2025-2026 builds; where a rule changed, both are named):
 * - `src/llama-context.cpp` (llama_context ctor): `n_ctx = GGML_PAD(n_ctx, 256)` (since PR 17046, Nov 2025; before
 *   it the cache padded n_ctx to `llama_kv_cache::get_padding` = 256 with flash attention, 32 without). Then
 *   `n_ctx_seq = kv_unified ? n_ctx : GGML_PAD(n_ctx / n_seq_max, 256)` and, split, `n_ctx = n_ctx_seq * n_seq_max`.
 * - `src/llama-model.cpp` (create_memory): the cache is built with `kv_size = n_ctx_seq`; a model with sliding
 *   (or chunked) layers gets `llama_kv_cache_iswa`, one with recurrent layers `llama_memory_hybrid` /
 *   `llama_memory_recurrent` with `max(1, n_seq_max)` cells and f32 R / S tensors.
 * - `src/llama-kv-cache.cpp`: `n_stream = unified ? 1 : n_seq_max`; per cached layer K is
 *   `ggml_new_tensor_3d(type_k, n_embd_k_gqa, kv_size, n_stream)` (V likewise), so bytes =
 *   kv_size x n_stream x layers x row_size(type, n_embd_gqa). The start-up line prints `kv_size` as "cells" and
 *   "n_seq_max/n_stream seqs". With MLA on (`hparams.is_mla()`), K holds the latent (kv_lora_rank + n_rot) and
 *   no V tensor is made (`has_v = !is_mla`; earlier MLA builds also made a V of kv_lora_rank: told by a V figure in
 *   the log). Without flash attention V is stored transposed (`v_trans`) and every layer's V row is
 *   `n_embd_v_gqa_max()`, the widest of the model.
 * - `src/llama-kv-cache-iswa.cpp`: SWA cells = `GGML_PAD(min(kv_size, n_swa * (unified ? n_seq_max : 1) + n_ubatch), 256)`,
 *   or `kv_size` with `--swa-full`.
 * - `src/llama-memory-recurrent.cpp`: per recurrent layer R = n_embd_r() and S = n_embd_s() elements per cell.
 * - `common/arg.cpp` / `common/common.h`: n_ubatch 512, n_batch 2048, cache types f16, flash attention auto,
 *   `-c 0` = the model's training context, llama-server `-np` auto = 4 slots with a unified cache.
 * - Row sizes (`ggml/src/ggml.c` type traits): f32 4, f16 / bf16 2 bytes per value; q8_0 34, q4_0 18, q4_1 20,
 *   q5_0 22, q5_1 24, iq4_nl 18 bytes per block of 32 values.
 *
 * Tensor parallelism does not apply: llama.cpp splits layers across GPUs (`--split-mode layer`), the total is the
 * same. Everything here is exact given the settings; nothing is measured at start-up.
 */
import { tokensHeld } from '../kv';
import type { KvDtype, LayerSpec, ModelDescription } from '../types';

/** llama.cpp cache types (`-ctk` / `-ctv`). */
export type LlamaCacheType = 'f32' | 'f16' | 'bf16' | 'q8_0' | 'q4_0' | 'q4_1' | 'q5_0' | 'q5_1' | 'iq4_nl';

/** Bytes per value of each cache type: ggml type size / block size. */
export const LLAMA_TYPE_BYTES: Readonly<Record<LlamaCacheType, number>> = {
  f32: 4, f16: 2, bf16: 2, q8_0: 34 / 32, q4_0: 18 / 32, q4_1: 20 / 32, q5_0: 22 / 32, q5_1: 24 / 32, iq4_nl: 18 / 32,
};

/** True for a string naming a llama.cpp cache type. */
export function isLlamaCacheType(s: string): s is LlamaCacheType {
  return Object.prototype.hasOwnProperty.call(LLAMA_TYPE_BYTES, s);
}

/** The llama.cpp cache type for a KV Lens format; undefined for formats llama.cpp has no cache type for (fp8, int8, int4). */
export function llamaCacheType(d: KvDtype): LlamaCacheType | undefined {
  switch (d) {
    case 'fp32': return 'f32';
    case 'fp16': return 'f16';
    case 'bf16': return 'bf16';
    case 'q8_0': return 'q8_0';
    case 'q4_0': return 'q4_0';
    default: return undefined;
  }
}

/** llama.cpp context settings; every field has llama.cpp's default. */
export interface LlamaCppSettings {
  /** `-c`: total cells asked for (all sequences). 0 or absent: the model's training context. */
  nCtx?: number;
  /** `-np` / n_seq_max. Default 1 (llama-cli; llama-server's auto is 4 with a unified cache). */
  nSeqMax?: number;
  /** `-ub`. Default 512. */
  nUbatch?: number;
  /** `--kv-unified`. Default false. */
  unified?: boolean;
  /** `-ctk` / `-ctv`. Default f16. */
  typeK?: LlamaCacheType;
  typeV?: LlamaCacheType;
  /** `--swa-full`: the SWA cache as large as the base cache. Default false. */
  swaFull?: boolean;
  /** MLA models: cache the latent (default true; ik_llama.cpp `-mla 0` and pre-MLA GGUFs cache full K and V). */
  mla?: boolean;
  /** Flash attention (default on: `auto` enables it on every current backend). Only the old padding rule reads it. */
  flashAttn?: boolean;
  /** Pad n_ctx the pre-Nov-2025 way (256 with flash attention, else 32) instead of always 256. */
  legacyPadding?: boolean;
  /** MLA builds that still made a V tensor of kv_lora_rank beside the latent K (before the V-less cache). */
  mlaV?: boolean;
}

/** One of llama.cpp's caches as it prints it. */
export interface LlamaCppCache {
  /** Cells per stream (`kv_size`, what the start-up line calls "cells"). */
  cells: number;
  layers: number;
  kBytes: number;
  vBytes: number;
  bytes: number;
}

/** Recurrent state (`llama_memory_recurrent`). */
export interface LlamaCppRecurrent {
  /** max(1, n_seq_max). */
  cells: number;
  layers: number;
  bytes: number;
}

/** Everything llama.cpp allocates for a model at its settings. */
export interface LlamaCppKv {
  /** n_ctx after padding (and, split, rounded to n_ctx_seq x n_seq_max). */
  nCtx: number;
  /** Context each sequence may hold. */
  nCtxSeq: number;
  nSeqMax: number;
  /** 1 when unified, else n_seq_max. */
  nStream: number;
  typeK: LlamaCacheType;
  typeV: LlamaCacheType;
  /** The non-SWA cache (full-attention layers), absent when there are none. */
  base?: LlamaCppCache;
  /** The SWA cache (sliding / chunked layers), absent when there are none. */
  swa?: LlamaCppCache;
  recurrent?: LlamaCppRecurrent;
  /** Other per-token caches KV Lens sized by the steady-state rule (compressed layers). */
  other?: LlamaCppCache;
  /** Base cells (for compatibility with callers that want one figure): base?.cells ?? swa?.cells ?? 0. */
  cellsTotal: number;
  /** All of it: base + SWA + recurrent + other. */
  bytes: number;
  /** Bytes per layer kind. */
  bytesByKind: Partial<Record<LayerSpec['kind'], number>>;
  /** One sequence's share: bytes / n_seq_max (the cache is allocated at once, whatever is used). */
  perSequenceBytes: number;
  notes: string[];
}

const pad = (n: number, to: number) => Math.ceil(n / to) * to;

/** K and V values one token adds to one layer, as llama.cpp lays them out (n_embd_k_gqa, n_embd_v_gqa). */
export function llamaLayerWidths(model: ModelDescription, l: LayerSpec, mla: boolean, mlaV = false): { k: number; v: number } {
  if (l.sharesCacheWith !== undefined || l.kind === 'state' || l.kind === 'none') return { k: 0, v: 0 };
  if (l.mlaLatent !== undefined) {
    if (mla) return { k: l.mlaLatent, v: mlaV ? model.mla?.kvLoraRank.value ?? 0 : 0 };
    // MLA off: llama.cpp expands K (nope + rope) and V per head, as the original attention.
    const m = model.mla;
    const heads = l.queryHeads || model.attention.queryHeads.value;
    if (m) return { k: heads * (m.qkNopeHeadDim.value + m.qkRopeHeadDim.value), v: heads * m.vHeadDim.value };
    return { k: l.mlaLatent, v: 0 };
  }
  return { k: l.kvHeads * l.headDimK, v: l.sharedKv ? 0 : l.kvHeads * l.headDimV };
}

/**
 * The cache llama.cpp allocates for `model` with `settings`. Pure, bounded (one pass over the layers).
 * Callers: the engines table, `kv-lens check-log`, and models built from GGUF headers.
 */
export function llamaCppKv(model: ModelDescription, settings: LlamaCppSettings = {}): LlamaCppKv {
  const notes: string[] = [];
  const nSeqMax = Math.max(1, Math.floor(settings.nSeqMax ?? 1));
  const unified = settings.unified ?? false;
  const nUbatch = Math.max(1, Math.floor(settings.nUbatch ?? 512));
  const typeK = settings.typeK ?? 'f16';
  const typeV = settings.typeV ?? 'f16';
  const mla = settings.mla ?? true;
  const asked = settings.nCtx && settings.nCtx > 0 ? Math.floor(settings.nCtx) : model.maxContext?.value ?? 4096;
  if (!(settings.nCtx && settings.nCtx > 0)) notes.push(`n_ctx 0: the model's training context (${asked}) is used, as llama.cpp does.`);

  // llama-context.cpp: pad, then split per sequence unless unified.
  const ctxPad = settings.legacyPadding ? (settings.flashAttn === false ? 32 : 256) : 256;
  let nCtx = pad(asked, ctxPad);
  let nCtxSeq = nCtx;
  if (!unified) {
    // Before PR 17046 the per-sequence share was not padded again.
    nCtxSeq = settings.legacyPadding ? Math.floor(nCtx / nSeqMax) : pad(Math.floor(nCtx / nSeqMax), 256);
    nCtx = nCtxSeq * nSeqMax;
  }
  if (nCtx !== asked) notes.push(`n_ctx ${asked} becomes ${nCtx} (padded to 256${unified || nSeqMax === 1 ? '' : `, then ${nSeqMax} x ${nCtxSeq} per sequence`}).`);
  const nStream = unified ? 1 : nSeqMax;
  const bk = LLAMA_TYPE_BYTES[typeK];
  const bv = LLAMA_TYPE_BYTES[typeV];

  const windowed = model.layers.filter((l) => (l.kind === 'sliding' || l.kind === 'chunked') && l.sharesCacheWith === undefined);
  const nSwa = windowed.reduce((m, l) => Math.max(m, l.window ?? 0), 0);
  // Always 256 since issue 17037 (Nov 2025); before, the cache's own padding (256 with flash attention, else 32).
  const swaCells = settings.swaFull ? nCtxSeq : pad(Math.min(nCtxSeq, nSwa * (unified ? nSeqMax : 1) + nUbatch), settings.legacyPadding ? ctxPad : 256);
  if (new Set(windowed.map((l) => l.window)).size > 1) notes.push(`Sliding windows differ between layers; llama.cpp has one n_swa: the largest (${nSwa}) is used.`);

  const acc = () => ({ cells: 0, layers: 0, kBytes: 0, vBytes: 0, bytes: 0 });
  const base = acc();
  const swa = acc();
  const other = acc();
  const bytesByKind: Partial<Record<LayerSpec['kind'], number>> = {};
  let recurrentBytes = 0;
  let recurrentLayers = 0;
  const recurrentCells = Math.max(1, nSeqMax);

  const mlaV = settings.mlaV === true;
  // llama-kv-cache.cpp: v_trans = !flash_attn; transposed V rows are n_embd_v_gqa_max() wide on every layer.
  const vTrans = settings.flashAttn === false;
  const vMax = vTrans ? model.layers.reduce((m, l) => Math.max(m, llamaLayerWidths(model, l, mla, mlaV).v), 0) : 0;
  if (vTrans && model.layers.some((l) => { const w = llamaLayerWidths(model, l, mla, mlaV).v; return w > 0 && w < vMax; })) {
    notes.push(`Flash attention off: V is stored transposed, every layer's V row is the widest (${vMax}).`);
  }
  for (const l of model.layers) {
    if (l.kind === 'state' && l.sharesCacheWith === undefined) {
      // llama_memory_recurrent: R and S in f32 whatever the cache types.
      const b = (l.stateElements ?? 0) * 4 * recurrentCells;
      recurrentBytes += b;
      recurrentLayers++;
      bytesByKind.state = (bytesByKind.state ?? 0) + b;
      continue;
    }
    const w = llamaLayerWidths(model, l, mla, mlaV);
    const k = w.k;
    const v = vTrans && w.v > 0 ? vMax : w.v;
    if (k + v === 0) continue;
    let target: ReturnType<typeof acc>;
    let cells: number;
    if (l.kind === 'full') {
      target = base;
      cells = nCtxSeq;
    } else if (l.kind === 'sliding' || l.kind === 'chunked') {
      target = swa;
      cells = swaCells;
    } else {
      // Compressed (DeepSeek-V4) layers: llama.cpp's own cache for them is not modelled; steady state.
      target = other;
      cells = tokensHeld(l, nCtxSeq);
    }
    const kb = k * bk * cells * nStream;
    const vb = v * bv * cells * nStream;
    target.cells = cells;
    target.layers++;
    target.kBytes += kb;
    target.vBytes += vb;
    target.bytes += kb + vb;
    bytesByKind[l.kind] = (bytesByKind[l.kind] ?? 0) + kb + vb;
  }
  if (other.layers) notes.push(`${other.layers} compressed layers: llama.cpp's cache for them is not modelled; the steady-state size (window + compressed entries) is used.`);
  if (model.mla) notes.push(mla ? (mlaV ? 'MLA on (an older build): K caches the latent (kv_lora_rank + rope) and V a copy of kv_lora_rank.' : 'MLA on: K caches the latent (kv_lora_rank + rope), no V tensor.') : 'MLA off: full per-head K and V are cached.');
  if (model.layers.some((l) => l.kind === 'sliding' || l.kind === 'chunked') && windowed.length && !settings.swaFull) {
    notes.push(`SWA cache: pad256(min(${nCtxSeq}, ${nSwa} x ${unified ? nSeqMax : 1} + ${nUbatch})) = ${swaCells} cells.`);
  }

  const total = base.bytes + swa.bytes + other.bytes + recurrentBytes;
  return {
    nCtx, nCtxSeq, nSeqMax, nStream, typeK, typeV,
    ...(base.layers ? { base } : {}),
    ...(swa.layers ? { swa } : {}),
    ...(recurrentLayers ? { recurrent: { cells: recurrentCells, layers: recurrentLayers, bytes: recurrentBytes } } : {}),
    ...(other.layers ? { other } : {}),
    cellsTotal: base.layers ? base.cells : swa.cells,
    bytes: total,
    bytesByKind,
    perSequenceBytes: total / nSeqMax,
    notes,
  };
}

/**
 * Recurrent R and S elements per layer per cell from llama.cpp hparams, as `llama_hparams::n_embd_r()` /
 * `n_embd_s()` compute them (`src/llama-hparams.cpp`):
 * - RWKV (wkv_head_size set): R = token_shift_count x n_embd, S = n_embd x wkv_head_size;
 * - LFM2 short convolutions (shortconv_l_cache set): R = n_embd x (l_cache - 1), S as Mamba's (0 without an SSM);
 * - Kimi KDA layers (n_embd_head_kda set): R = 3 x (d_conv - 1) x n_head x head_dim, S = head_dim^2 x n_head;
 * - otherwise (Mamba, Mamba-2, Qwen3-Next / Qwen3.5 gated delta net): R = (d_conv - 1) x (d_inner + 2 x n_group x
 *   d_state), S = d_state x d_inner (for a gated delta net d_inner = value heads x value head size, so S = key
 *   head size x value head size x value heads).
 */
export function llamaRecurrentWidths(h: {
  ssmDConv: number; ssmDInner: number; ssmDState: number; ssmNGroup: number; ssmDtRank?: number; gatedDelta?: boolean;
  wkvHeadSize?: number; tokenShiftCount?: number; nEmbd?: number; shortconvLCache?: number; kdaHeadDim?: number; nHead?: number;
}): { r: number; s: number } {
  const mambaS = h.ssmDState * h.ssmDInner;
  if (h.wkvHeadSize && h.nEmbd) return { r: (h.tokenShiftCount ?? 2) * h.nEmbd, s: h.nEmbd * h.wkvHeadSize };
  if (h.shortconvLCache && h.nEmbd) return { r: h.nEmbd * (h.shortconvLCache - 1), s: mambaS };
  if (h.kdaHeadDim && h.nHead) {
    return { r: 3 * (h.ssmDConv > 0 ? h.ssmDConv - 1 : 3) * h.nHead * h.kdaHeadDim, s: h.kdaHeadDim * h.kdaHeadDim * h.nHead };
  }
  return { r: Math.max(0, h.ssmDConv - 1) * (h.ssmDInner + 2 * h.ssmNGroup * h.ssmDState), s: mambaS };
}
