/**
 * vLLM (V1 engine): how the KV block pool is laid out and sized.
 *
 * Rules, from vllm-project/vllm (0.10-0.17; where a rule changed, both are named):
 * - `vllm/v1/kv_cache_interface.py`: one spec per attention layer. FullAttentionSpec / SlidingWindowSpec /
 *   ChunkedLocalAttentionSpec page = block_size x num_kv_heads x (head_size_k + head_size_v) x dtype bytes;
 *   MLAAttentionSpec (`real_page_size_bytes`) page = block_size x (kv_lora_rank + qk_rope_head_dim) x bytes (one
 *   latent, no V), or block_size x 656 for the `fp8_ds_mla` format; MambaSpec page = the state's bytes (padded,
 *   see below). Blocks one request needs (`max_memory_usage_bytes`): full cdiv(max_model_len, block); sliding
 *   cdiv(min(window - 1 + max_num_batched_tokens, max_model_len), block) + 1; chunked cdiv(min(chunk +
 *   max_num_batched_tokens, max_model_len), block); Mamba 1.
 * - `vllm/model_executor/models/deepseek_v2.py` (DeepseekV32IndexerCache): the sparse indexer of DeepSeek-V3.2 /
 *   GLM-5 is a layer of its own, an MLAAttentionSpec of head_size = index_head_dim + index_head_dim // 128 x 4
 *   (fp8 keys + one fp32 scale per 128) in uint8: 132 B per token for index_head_dim 128, whatever the cache
 *   dtype. `vllm/model_executor/models/config.py` (DeepseekV32ForCausalLM): an fp8 cache becomes `fp8_ds_mla`.
 * - `vllm/config/model.py` (`get_num_kv_heads`): KV heads per GPU = max(1, kv_heads // tp).
 * - `vllm/v1/core/kv_cache_utils.py` (`get_kv_cache_groups`): all layers one spec -> one cache group of every
 *   layer; all layers one *type* with different sizes (`UniformTypeKVCacheSpecs.is_uniform_type`: all full / MLA,
 *   or all sliding of one window, or all chunked of one chunk) -> one group whose page is the sum of every layer's
 *   page, `num_blocks = available // that sum` (`get_kv_cache_config_from_groups`); otherwise page sizes are
 *   unified by raising the smaller pages' block size (`unify_kv_cache_spec_page_size`) and layers grouped by spec
 *   (`_get_kv_cache_groups_uniform_page_size`): `group_size` = the fewest layers of any spec, the most when the
 *   most < 1.5 x the fewest (PR 36684, Mar 2026; 1.25 from PR 29303, Nov 2025; the fewest always before), each
 *   spec split into cdiv(layers, group_size) groups;
 *   `num_blocks = available // page_size // group_size` (`get_num_blocks`), then `num_gpu_blocks_override` if
 *   set (`may_override_num_blocks`). "GPU KV cache size" = num_blocks // len(groups) x min block size
 *   (`_report_kv_cache_config`: tokens per group, x the context-parallel size when DCP / PCP > 1); "Maximum
 *   concurrency" = num_blocks / cdiv(sum over groups of max_memory_usage_bytes, page)
 *   (`get_max_concurrency_for_kv_cache_config`).
 * - `vllm/platforms/cuda.py` (`check_and_update_config`): MLA models get block size 64 on FlashMLA /
 *   FlashMLA-sparse, 128 on CUTLASS MLA ("Forcing kv cache block size to N for ... backend.").
 * - `vllm/model_executor/models/config.py` (HybridAttentionMambaModelConfig; `vllm/platforms/interface.py`
 *   `_align_hybrid_block_size` in 2026): with Mamba / linear-attention layers, attention block size = a x
 *   cdiv(mamba page, a x attention page of one token), a = max(16, the user's block size), when unset or smaller,
 *   and the Mamba page is padded to the attention page ("Padding mamba page size by x%").
 * - `vllm/config/cache.py`: gpu_memory_utilization 0.9, block_size 16, kv_cache_dtype auto (the model dtype).
 * - `vllm/v1/worker/gpu_worker.py` (`determine_available_memory`): available = total x utilisation - weights -
 *   the profiling run's peak activations - non-torch memory. KV Lens cannot run the profile: that reserve is an
 *   estimate (named in the assumptions). V0 (before 0.10) gave every layer of a hybrid a full-length cache.
 */
import { KV_DTYPE_BYTES, toKvDtype } from '../dtype';
import type { KvDtype, LayerSpec, ModelDescription } from '../types';
import { cdiv } from './types';

/** vLLM's settings that shape the pool. */
export interface VllmSettings {
  /** --max-model-len: tokens per request. */
  maxModelLen: number;
  /** Cache format (kv_cache_dtype auto = the model's). */
  kvDtype?: KvDtype;
  tp?: number;
  /** --block-size; default 16 (or the Mamba-hybrid rule's size). */
  blockSize?: number;
  /** Prefill chunk budget; default 2048 (8192 for the API server on GPUs of 70 GiB and more, vllm/engine/arg_utils.py). */
  maxNumBatchedTokens?: number;
  /** The group-size heuristic's bound (kv_cache_utils.py): 1.5 on current main, 1.25 in 2025 releases. */
  groupSizeSlack?: number;
  /** --num-gpu-blocks-override: the pool's block count, whatever the memory. */
  numGpuBlocksOverride?: number;
  /** vLLM's cache_dtype string when it is a custom format (`fp8_ds_mla`: 656 B per token of an MLA layer). */
  cacheDtypeStr?: string;
  /**
   * --disable-hybrid-kv-cache-manager (or vLLM's own choice: Llama-4 chunked attention while
   * VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE was off by default, vllm/config/vllm.py): sliding and
   * chunked layers become FullAttentionSpec and keep a full-length cache (`unify_hybrid_kv_cache_specs`).
   */
  disableHybrid?: boolean;
  /**
   * `fp8_per_token_head` / `int8_per_token_head`: one fp32 scale per token and head for K and for V, carved from the
   * page (kv_cache_interface.py AttentionSpec.page_size_bytes: + 2 x block x heads x 4 B).
   */
  perTokenHeadScales?: boolean;
}

/** Bytes per token of DeepSeek-V3.2's `fp8_ds_mla` cache (kv_cache_interface.py, flashmla_sparse.py): 512 fp8 + 4 x fp32 scales + 64 bf16 rope. */
export const FP8_DS_MLA_BYTES = 656;

/** Bytes per token of one DeepseekV32IndexerCache layer: fp8 keys + one fp32 scale per 128 values (deepseek_v2.py). */
export function vllmIndexerBytes(indexHeadDim: number): number {
  return indexHeadDim + Math.floor(indexHeadDim / 128) * 4;
}

/** One kind of cache spec, with the layers that have it. */
export interface VllmSpec {
  kind: 'full' | 'sliding' | 'chunked' | 'mla' | 'mamba';
  window?: number;
  layers: number;
  /** Bytes of one page of one layer. */
  pageBytes: number;
  blockSize: number;
  /** Key that tells specs apart (vLLM groups layers by spec equality). */
  key: string;
}

/** A cache group: `layers` real layers of one spec (the rest of group_size is padding). */
export interface VllmGroup {
  spec: VllmSpec;
  layers: number;
}

/** The layout vLLM derives from the model before memory is known. */
export interface VllmLayout {
  specs: VllmSpec[];
  groups: VllmGroup[];
  /** Layers per group (tensors each group's page is spread over). */
  groupSize: number;
  /** The one page size of every layer, bytes. */
  pageBytes: number;
  /** The attention block size in force. */
  blockSize: number;
  /** True for the UniformTypeKVCacheSpecs case: one group, `pageBytes` is the sum of every layer's page, groupSize 1. */
  uniformType?: boolean;
  /** The pool's block count from --num-gpu-blocks-override, when set. */
  numGpuBlocksOverride?: number;
  /** Set when the Mamba rule raised the attention block size (the "Setting attention block size" line). */
  attentionBlockSizeRaised?: number;
  /** Percent the Mamba page was padded by (the "Padding mamba page size" line). */
  mambaPaddingPct?: number;
  maxNumBatchedTokens: number;
  notes: string[];
}

/** The pool sized from available memory. */
export interface VllmPool {
  numBlocks: number;
  /** "GPU KV cache size: N tokens" (per cache group). */
  tokens: number;
  /** Blocks one request of max_model_len needs, over all groups. */
  blocksPerRequest: number;
  /** "Maximum concurrency for N tokens per request". */
  maxConcurrency: number;
  /** Bytes the pool takes: num_blocks x page x group_size. */
  bytes: number;
}

type RawSpec = Omit<VllmSpec, 'layers' | 'blockSize'> & { perToken: number };

/** The specs one decoder layer registers (an MLA layer of a sparse model adds its indexer as a second layer). */
function specsOf(l: LayerSpec, bytes: number, tp: number, stateBytes: number, cacheDtypeStr: string | undefined, disableHybrid: boolean, scales = false): RawSpec[] {
  if (l.sharesCacheWith !== undefined || l.kind === 'none') return [];
  if (l.kind === 'state') {
    const b = ((l.stateElements ?? 0) / tp) * (l.stateBytesPerElement ?? stateBytes);
    return [{ kind: 'mamba', pageBytes: b, perToken: 0, key: `mamba|${b}` }];
  }
  if (l.mlaLatent !== undefined) {
    // MLAAttentionSpec: num_kv_heads 1 (the latent is not split by TP), head_size = kv_lora_rank + rope.
    const perToken = cacheDtypeStr === 'fp8_ds_mla' ? FP8_DS_MLA_BYTES : l.mlaLatent * bytes;
    const out: RawSpec[] = [{ kind: 'mla', pageBytes: 0, perToken, key: `mla|${perToken}` }];
    if (l.indexHeadDim) {
      const ib = vllmIndexerBytes(l.indexHeadDim);
      out.push({ kind: 'mla', pageBytes: 0, perToken: ib, key: `mla-indexer|${ib}` });
    }
    return out;
  }
  const heads = Math.max(1, Math.floor(l.kvHeads / tp));
  const perToken = heads * (l.headDimK + (l.sharedKv ? 0 : l.headDimV)) * bytes + (scales ? 2 * heads * 4 : 0);
  const kind = disableHybrid ? 'full' : l.kind === 'sliding' ? 'sliding' : l.kind === 'chunked' ? 'chunked' : 'full';
  // A FullAttentionSpec that records its window is still a spec apart (dataclass equality), of the same type.
  return [{ kind, ...(kind !== 'full' ? { window: l.window } : {}), pageBytes: 0, perToken, key: `${kind}|${l.window ?? ''}|${perToken}` }];
}

/** `UniformTypeKVCacheSpecs.is_uniform_type`: every spec full / MLA, or all sliding of one window, or all chunked of one chunk. */
function uniformType(list: readonly { kind: VllmSpec['kind']; window?: number }[]): boolean {
  if (!list.length || list.some((x) => x.kind === 'mamba')) return false;
  const first = list[0]!;
  if (first.kind === 'full' || first.kind === 'mla') return list.every((x) => x.kind === 'full' || x.kind === 'mla');
  return list.every((x) => x.kind === first.kind && x.window === first.window);
}

/** The cache groups and page size vLLM builds for a model (no memory needed). */
export function vllmLayout(model: ModelDescription, s: VllmSettings): VllmLayout {
  const notes: string[] = [];
  const tp = Math.max(1, Math.floor(s.tp ?? 1));
  const kvDtype = s.kvDtype ?? toKvDtype((model.kvCacheDtype ?? model.dtype).value) ?? 'bf16';
  const bytes = KV_DTYPE_BYTES[kvDtype];
  const stateBytes = KV_DTYPE_BYTES[toKvDtype(model.dtype.value) ?? 'bf16'];
  const maxNumBatchedTokens = s.maxNumBatchedTokens ?? 2048;
  const raw = new Map<string, RawSpec & { layers: number }>();
  for (const l of model.layers) {
    for (const sp of specsOf(l, bytes, tp, stateBytes, s.cacheDtypeStr, s.disableHybrid === true, s.perTokenHeadScales === true)) {
      const e = raw.get(sp.key);
      if (e) e.layers++;
      else raw.set(sp.key, { ...sp, layers: 1 });
    }
  }
  if (model.layers.some((l) => l.kind === 'compressed')) notes.push('Compressed (DeepSeek-V4) layers: vLLM\'s own cache for them is not modelled; sized as full attention.');
  const indexer = model.layers.find((l) => l.indexHeadDim)?.indexHeadDim;
  if (indexer) notes.push(`Sparse-attention indexer: a cache layer of its own per MLA layer, ${vllmIndexerBytes(indexer)} B per token (fp8 keys + scales, deepseek_v2.py).`);
  if (s.disableHybrid && model.layers.some((l) => l.kind === 'sliding' || l.kind === 'chunked')) notes.push('Hybrid KV cache manager disabled: sliding / chunked layers keep a full-length cache.');
  if (s.cacheDtypeStr === 'fp8_ds_mla') notes.push(`fp8_ds_mla cache: ${FP8_DS_MLA_BYTES} B per token per MLA layer.`);
  const list = [...raw.values()];
  const slack = s.groupSizeSlack ?? 1.5;
  const override = s.numGpuBlocksOverride !== undefined && s.numGpuBlocksOverride > 0 ? { numGpuBlocksOverride: Math.floor(s.numGpuBlocksOverride) } : {};

  if (list.length > 1 && uniformType(list)) {
    // UniformTypeKVCacheSpecs: one group of every layer, each layer its own page; a block is one page of each.
    const blockSize = s.blockSize ?? 16;
    const pageBytes = list.reduce((sum, x) => sum + x.perToken * blockSize * x.layers, 0);
    const layers = list.reduce((n, x) => n + x.layers, 0);
    const first = list[0]!;
    const spec: VllmSpec = { kind: first.kind === 'mla' || list.some((x) => x.kind === 'mla') ? 'mla' : first.kind, ...(first.window !== undefined ? { window: first.window } : {}), layers, pageBytes, blockSize, key: 'uniform-type' };
    notes.push(`Layers of one attention type with ${list.length} page sizes: one cache group, a block = one page of every layer (${pageBytes} B).`);
    return { specs: [spec], groups: [{ spec, layers }], groupSize: 1, pageBytes, blockSize, uniformType: true, ...override, maxNumBatchedTokens, notes };
  }
  const attention = list.filter((x) => x.kind !== 'mamba');
  const mamba = list.filter((x) => x.kind === 'mamba');

  let blockSize = s.blockSize ?? 16;
  let attentionBlockSizeRaised: number | undefined;
  let mambaPaddingPct: number | undefined;
  let mambaPage = 0;
  if (mamba.length && attention.length) {
    // config.py: attention page of one token vs the largest state page.
    const attn1 = Math.max(...attention.map((a) => a.perToken));
    mambaPage = Math.max(...mamba.map((m) => m.pageBytes));
    // Alignment: the attention backend's smallest kernel block (16 for FlashAttention / FlashInfer), raised to a
    // block size the user set (vllm/platforms/interface.py _align_hybrid_block_size, 2026; 16 alone before).
    // With mamba_cache_mode "all" (prefix caching) vLLM also rounds to the Mamba chunk size: not modelled here,
    // the check reads the "Setting attention block size" line instead.
    const align = Math.max(16, s.blockSize ?? 16);
    const needed = align * cdiv(mambaPage, align * attn1);
    if (s.blockSize === undefined || s.blockSize < needed) {
      blockSize = needed;
      attentionBlockSizeRaised = needed;
      notes.push(`Attention block size raised to ${needed} tokens so its page (${needed} x ${attn1} B) is at least the state page (${mambaPage} B).`);
    }
    const attnPage = blockSize * attn1;
    if (attnPage !== mambaPage) {
      mambaPaddingPct = (100 * (attnPage - mambaPage)) / mambaPage;
      notes.push(`State page padded by ${mambaPaddingPct.toFixed(2)}% to equal the attention page.`);
    }
  }
  // Attention pages that differ (different head shapes): smaller pages get a larger block size.
  const pages = attention.map((a) => a.perToken * blockSize);
  const maxPage = Math.max(0, ...pages, ...mamba.map((m) => (attention.length ? 0 : m.pageBytes)));
  const specs: VllmSpec[] = list.map((x) => {
    if (x.kind === 'mamba') return { kind: 'mamba', layers: x.layers, pageBytes: attention.length ? maxPage : x.pageBytes, blockSize: s.maxModelLen, key: x.key };
    let bs = blockSize;
    if (x.perToken * blockSize !== maxPage && maxPage % (x.perToken * blockSize) === 0) {
      bs = blockSize * (maxPage / (x.perToken * blockSize));
      notes.push(`${x.kind} layers: block size ${bs} so their page equals the largest page (${maxPage} B).`);
    } else if (x.perToken * blockSize !== maxPage) {
      notes.push(`Page sizes ${x.perToken * blockSize} and ${maxPage} B do not divide: vLLM refuses this layout; figures use the larger page.`);
    }
    return { kind: x.kind, ...(x.window !== undefined ? { window: x.window } : {}), layers: x.layers, pageBytes: maxPage, blockSize: bs, key: x.key };
  });

  // kv_cache_utils.py: one spec -> one group of every layer; else group_size by the 1.25 rule.
  let groupSize = 0;
  const groups: VllmGroup[] = [];
  if (specs.length === 1) {
    groupSize = specs[0]!.layers;
    groups.push({ spec: specs[0]!, layers: groupSize });
  } else if (specs.length > 1) {
    const counts = specs.map((x) => x.layers);
    const min = Math.min(...counts);
    const max = Math.max(...counts);
    groupSize = max < min * slack ? max : min;
    for (const spec of specs) {
      const n = cdiv(spec.layers, groupSize);
      for (let i = 0; i < n; i++) groups.push({ spec, layers: Math.min(groupSize, spec.layers - i * groupSize) });
      const padding = n * groupSize - spec.layers;
      if (padding) notes.push(`${padding} padding layers added to the ${spec.kind} groups (vLLM warns: up to ${((100 * padding) / spec.layers).toFixed(2)}% wasted).`);
    }
  }
  return { specs, groups, groupSize, pageBytes: maxPage, blockSize, ...(attentionBlockSizeRaised !== undefined ? { attentionBlockSizeRaised } : {}), ...(mambaPaddingPct !== undefined ? { mambaPaddingPct } : {}), ...override, maxNumBatchedTokens, notes };
}

/** Blocks one request of `maxModelLen` tokens takes in a group of this spec (`max_memory_usage_bytes` / page). */
export function vllmBlocksPerRequest(spec: VllmSpec, maxModelLen: number, maxNumBatchedTokens: number): number {
  switch (spec.kind) {
    case 'full':
    case 'mla': return cdiv(maxModelLen, spec.blockSize);
    case 'sliding': return cdiv(Math.min((spec.window ?? maxModelLen) - 1 + maxNumBatchedTokens, maxModelLen), spec.blockSize) + 1;
    case 'chunked': return cdiv(Math.min((spec.window ?? maxModelLen) + maxNumBatchedTokens, maxModelLen), spec.blockSize);
    case 'mamba': return 1;
  }
}

/** Blocks one request needs over every group. */
export function vllmRequestBlocks(layout: VllmLayout, maxModelLen: number): number {
  return layout.groups.reduce((s, g) => s + vllmBlocksPerRequest(g.spec, maxModelLen, layout.maxNumBatchedTokens), 0);
}

/** The pool for `availableBytes` of KV memory (the "Available KV cache memory" line). */
export function vllmPool(layout: VllmLayout, availableBytes: number, maxModelLen: number): VllmPool {
  const perBlock = layout.pageBytes * layout.groupSize;
  const numBlocks = layout.numGpuBlocksOverride ?? (perBlock > 0 ? Math.max(0, Math.floor(Math.floor(availableBytes / layout.pageBytes) / layout.groupSize)) : 0);
  const minBlock = Math.min(...layout.groups.map((g) => g.spec.blockSize));
  const tokens = layout.groups.length ? Math.floor(numBlocks / layout.groups.length) * minBlock : 0;
  const blocksPerRequest = vllmRequestBlocks(layout, maxModelLen);
  return { numBlocks, tokens, blocksPerRequest, maxConcurrency: blocksPerRequest ? numBlocks / blocksPerRequest : 0, bytes: numBlocks * perBlock };
}

/** The longest max_model_len whose one request fits `numBlocks` (vLLM's `estimate_max_model_len` by bisection). */
export function vllmMaxModelLen(layout: VllmLayout, numBlocks: number, cap = 1 << 28): number {
  if (vllmRequestBlocks(layout, 1) > numBlocks) return 0;
  if (vllmRequestBlocks(layout, cap) <= numBlocks) return cap;
  let lo = 1;
  let hi = cap;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (vllmRequestBlocks(layout, mid) <= numBlocks) lo = mid;
    else hi = mid;
  }
  return lo;
}
