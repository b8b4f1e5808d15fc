/**
 * vLLM (V1 engine): how the KV block pool is laid out and sized.
 *
 * Rules, from vllm-project/vllm (0.10-0.17; where a rule changed, both are named):
 * - `vllm/v1/kv_cache_interface.py`: one spec per attention layer. FullAttentionSpec / SlidingWindowSpec /
 *   ChunkedLocalAttentionSpec page = block_size x num_kv_heads x (head_size_k + head_size_v) x dtype bytes;
 *   MLAAttentionSpec page = block_size x (kv_lora_rank + qk_rope_head_dim) x bytes (one latent, no V); MambaSpec
 *   page = the state's bytes (padded, see below). Blocks one request needs (`max_memory_usage_bytes`): full
 *   cdiv(max_model_len, block); sliding cdiv(min(window - 1 + max_num_batched_tokens, max_model_len), block) + 1;
 *   chunked cdiv(min(chunk + max_num_batched_tokens, max_model_len), block); Mamba 1.
 * - `vllm/config/model.py` (`get_num_kv_heads`): KV heads per GPU = max(1, kv_heads // tp).
 * - `vllm/v1/core/kv_cache_utils.py`: all layers one spec -> one cache group; otherwise layers are grouped by
 *   spec, `group_size` = the fewest layers of any spec (the most when the most < 1.25 x the fewest), each spec
 *   split into cdiv(layers, group_size) groups; `num_blocks = available // page_size // group_size`
 *   (`get_num_blocks`); "GPU KV cache size" = num_blocks // len(groups) x min block size (tokens per group);
 *   "Maximum concurrency" = num_blocks / sum over groups of the blocks one request needs
 *   (`get_max_concurrency_for_kv_cache_config`). Page sizes of attention specs that differ are unified by
 *   raising the smaller pages' block size (`unify_kv_cache_spec_page_size`).
 * - `vllm/model_executor/models/config.py` (HybridAttentionMambaModelConfig): with Mamba / linear-attention
 *   layers, attention block size = 16 x cdiv(mamba page, 16 x attention page of one token) when unset or smaller,
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

function specOf(model: ModelDescription, l: LayerSpec, bytes: number, tp: number, stateBytes: number): Omit<VllmSpec, 'layers' | 'blockSize'> & { perToken: number } | undefined {
  if (l.sharesCacheWith !== undefined || l.kind === 'none') return undefined;
  if (l.kind === 'state') {
    const b = ((l.stateElements ?? 0) / tp) * (l.stateBytesPerElement ?? stateBytes);
    return { kind: 'mamba', pageBytes: b, perToken: 0, key: `mamba|${b}` };
  }
  if (l.mlaLatent !== undefined) {
    const perToken = (l.mlaLatent + (l.indexHeadDim ?? 0)) * bytes;
    return { kind: 'mla', pageBytes: 0, perToken, key: `mla|${perToken}` };
  }
  const heads = Math.max(1, Math.floor(l.kvHeads / tp));
  const perToken = heads * (l.headDimK + (l.sharedKv ? 0 : l.headDimV)) * bytes;
  const kind = l.kind === 'sliding' ? 'sliding' : l.kind === 'chunked' ? 'chunked' : 'full';
  return { kind, ...(kind !== 'full' ? { window: l.window } : {}), pageBytes: 0, perToken, key: `${kind}|${l.window ?? ''}|${perToken}` };
}

/** The cache groups and page size vLLM builds for a model (no memory needed). */
export function vllmLayout(model: ModelDescription, s: VllmSettings): VllmLayout {
  const notes: string[] = [];
  const tp = Math.max(1, Math.floor(s.tp ?? 1));
  const kvDtype = s.kvDtype ?? toKvDtype((model.kvCacheDtype ?? model.dtype).value) ?? 'bf16';
  const bytes = KV_DTYPE_BYTES[kvDtype];
  const stateBytes = KV_DTYPE_BYTES[toKvDtype(model.dtype.value) ?? 'bf16'];
  const maxNumBatchedTokens = s.maxNumBatchedTokens ?? 2048;
  const raw = new Map<string, Omit<VllmSpec, 'layers' | 'blockSize'> & { perToken: number; layers: number }>();
  for (const l of model.layers) {
    const sp = specOf(model, l, bytes, tp, stateBytes);
    if (!sp) continue;
    const e = raw.get(sp.key);
    if (e) e.layers++;
    else raw.set(sp.key, { ...sp, layers: 1 });
  }
  if (model.layers.some((l) => l.kind === 'compressed')) notes.push('Compressed (DeepSeek-V4) layers: vLLM\'s own cache for them is not modelled; sized as full attention.');
  if (model.layers.some((l) => l.indexHeadDim)) notes.push('The sparse-attention indexer keys are counted in the MLA page (vLLM keeps them in a spec of their own).');
  const list = [...raw.values()];
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
    const needed = 16 * cdiv(mambaPage, 16 * attn1);
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
    groupSize = max < min * 1.25 ? max : min;
    for (const spec of specs) {
      const n = cdiv(spec.layers, groupSize);
      for (let i = 0; i < n; i++) groups.push({ spec, layers: Math.min(groupSize, spec.layers - i * groupSize) });
      const padding = n * groupSize - spec.layers;
      if (padding) notes.push(`${padding} padding layers added to the ${spec.kind} groups (vLLM warns: up to ${((100 * padding) / spec.layers).toFixed(2)}% wasted).`);
    }
  }
  return { specs, groups, groupSize, pageBytes: maxPage, blockSize, ...(attentionBlockSizeRaised !== undefined ? { attentionBlockSizeRaised } : {}), ...(mambaPaddingPct !== undefined ? { mambaPaddingPct } : {}), maxNumBatchedTokens, notes };
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
  const numBlocks = perBlock > 0 ? Math.max(0, Math.floor(Math.floor(availableBytes / layout.pageBytes) / layout.groupSize)) : 0;
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
