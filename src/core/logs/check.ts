/**
 * Each figure a start-up log states, next to what KV Lens predicts from the model and the settings the log printed
 * (engines' rules in `../engines/`). A figure matches when it is within 0.5% or within the log's own rounding
 * (vLLM prints the available memory to 0.01 GiB, so its token count is checked against the whole interval that
 * rounding allows). Where a figure differs, the likely reason is given; where it cannot be predicted (memory the
 * engine measured), that is said instead.
 */
import { KV_DTYPE_BYTES, toKvDtype } from '../dtype';
import { isLlamaCacheType, llamaCppKv, llamaRecurrentWidths } from '../engines/llamacpp';
import type { LlamaCacheType, LlamaCppSettings } from '../engines/llamacpp';
import { sglangCells, sglangHybridSwaDefault } from '../engines/sglang';
import { trtllmBytesPerToken } from '../engines/trtllm';
import { vllmLayout, vllmPool } from '../engines/vllm';
import { GIB, MIB } from '../engines/types';
import type { KvDtype, ModelDescription } from '../types';
import type { LogValue } from './pyLiteral';
import type { LoggedFigure, StartUp } from './types';

/** One figure compared. */
export interface CheckedFigure {
  name: string;
  logged: number;
  /** null when KV Lens cannot predict it (say why in `reason`). */
  predicted: number | null;
  unit: string;
  /** null when not predicted. */
  match: boolean | null;
  /** Why it differs, or why it is not predicted. */
  reason?: string;
  line: number;
}

/** The comparison for one start-up. */
export interface LogCheck {
  engine: string;
  version: string | null;
  model: string | null;
  settings: Record<string, LogValue>;
  figures: CheckedFigure[];
  notes: string[];
}

/** True when `predicted` is within 0.5% of `logged` or within the log's rounding (plus float noise). */
export function figureMatches(logged: number, predicted: number, rounding: number): boolean {
  const d = Math.abs(logged - predicted);
  return d <= rounding + 1e-9 * Math.max(1, Math.abs(logged)) || d <= 0.005 * Math.abs(logged);
}

const bool = (v: LogValue | undefined): boolean | undefined => {
  if (v === true || v === 1 || v === 'true' || v === 'True' || v === 'enabled' || v === 'on') return true;
  if (v === false || v === 0 || v === 'false' || v === 'False' || v === 'disabled' || v === 'off') return false;
  return undefined;
};
const numOf = (v: LogValue | undefined): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : undefined);

/** vLLM / SGLang kv_cache_dtype (and vLLM's --dtype for `auto`) to a KV format. */
function engineKvDtype(model: ModelDescription, s: Record<string, LogValue>): KvDtype {
  const kv = typeof s.kv_cache_dtype === 'string' ? s.kv_cache_dtype : 'auto';
  if (kv !== 'auto') return toKvDtype(kv) ?? (kv.startsWith('int8') ? 'int8' : 'bf16');
  const dtype = typeof s.dtype === 'string' && s.dtype !== 'auto' ? toKvDtype(s.dtype) : undefined;
  return dtype ?? toKvDtype((model.kvCacheDtype ?? model.dtype).value) ?? 'bf16';
}

/**
 * kv_cache_dtype strings whose bytes per value KV Lens knows exactly (vLLM vllm/config/cache.py CacheDType, SGLang
 * server_args.py --kv-cache-dtype). Any other format (nvfp4, turboquant, fp4_e2m1, a fork's own) leaves the
 * byte-sized figures unpredicted rather than sized as bf16.
 */
const KNOWN_KV_DTYPES = /^(auto|bfloat16|bf16|float16|fp16|half|float32|fp32|fp8|fp8_e4m3|fp8_e5m2|fp8_inc|fp8_ds_mla|fp8_per_token_head|int8_per_token_head)$/;

/** The reason the byte figures are not predicted, when the cache format is one KV Lens does not size. */
function unknownKvDtype(s: Record<string, LogValue>): string | undefined {
  const kv = typeof s.kv_cache_dtype === 'string' ? s.kv_cache_dtype : undefined;
  return kv !== undefined && !KNOWN_KV_DTYPES.test(kv) ? `kv_cache_dtype ${kv} is a format KV Lens does not size` : undefined;
}

/** Compares one start-up against the model. `overrides` are settings the user supplies (`--set k=v`) over the log's. */
export function checkStartUp(su: StartUp, model: ModelDescription, overrides: Record<string, LogValue> = {}): LogCheck {
  const settings: Record<string, LogValue> = { ...su.settings, ...overrides };
  const notes: string[] = [];
  const figures: CheckedFigure[] = [];
  const push = (f: LoggedFigure, predicted: number | null, reason?: string, range?: [number, number]) => {
    let match: boolean | null = null;
    if (predicted !== null) {
      match = range
        ? (f.value >= range[0] - f.rounding - 1e-9 && f.value <= range[1] + f.rounding + 1e-9) || figureMatches(f.value, predicted, f.rounding)
        : figureMatches(f.value, predicted, f.rounding);
    }
    figures.push({ name: f.name, logged: f.value, predicted, unit: f.unit, match, ...(reason ? { reason } : {}), line: f.line });
  };
  const engine = su.engine ?? 'unknown';

  if (engine === 'llama.cpp' || engine === 'ik_llama.cpp') {
    const tk = String(settings.type_k ?? 'f16');
    const tv = String(settings.type_v ?? 'f16');
    const ls: LlamaCppSettings = {
      nCtx: numOf(settings.n_ctx) ?? 0,
      nSeqMax: numOf(settings.n_seq_max) ?? 1,
      // Not printed: the size line's n_stream tells; builds before the per-sequence split (mid 2025) had one shared cache.
      unified: bool(settings.kv_unified) ?? (numOf(settings.n_stream) !== undefined ? numOf(settings.n_stream) === 1 : true),
      nUbatch: numOf(settings.n_ubatch) ?? 512,
      typeK: (isLlamaCacheType(tk) ? tk : 'f16') as LlamaCacheType,
      typeV: (isLlamaCacheType(tv) ? tv : 'f16') as LlamaCacheType,
      swaFull: bool(settings.swa_full) ?? false,
      mla: bool(settings.mla_attn) ?? true,
      // Only an explicit "disabled" / 0 makes V transposed; "auto" resolves to on where the cache is made.
      ...(bool(settings.flash_attn) === false ? { flashAttn: false } : {}),
      // An MLA model whose size line shows a V tensor: a build from before the V-less MLA cache.
      ...(model.mla && (bool(settings.mla_attn) ?? true) && su.figures.some((x) => x.name === 'kv.V' && x.value > 0) ? { mlaV: true } : {}),
    };
    const unknownType = !isLlamaCacheType(tk) || !isLlamaCacheType(tv) ? `cache type ${tk}/${tv} is not one KV Lens sizes` : undefined;
    if (unknownType) notes.push(`Cache type ${tk}/${tv} is not one KV Lens sizes: the byte figures are not predicted (cells and layers are).`);
    if (!ls.nCtx) notes.push('The log prints no n_ctx: the model\'s training context is used.');
    if (settings.context_line === 'llama_new_context_with_model') {
      // src/llama.cpp of 2024 - early 2025 (llama_new_context_with_model): n_ctx = GGML_PAD(n_ctx,
      // llama_kv_cache_get_padding) = 256 with flash attention, else 32, printed after padding; flash attention off by default.
      ls.legacyPadding = true;
      ls.flashAttn = bool(settings.flash_attn) ?? false;
    }
    // Builds before the SWA cache (llama-kv-cache-iswa.cpp, May 2025) kept one cache of every layer at full length:
    // a log with a single cache line (the old "KV self size", or one size line over every attention layer) is one.
    const probe = llamaCppKv(model, ls);
    let oneCache = false;
    const layersFig = su.figures.find((x) => x.name === 'kv.layers');
    if (probe.swa && probe.base && !su.figures.some((x) => x.name.startsWith('swa.')) && su.figures.some((x) => x.name.startsWith('kv.'))
      && (layersFig ? layersFig.value === probe.base.layers + probe.swa.layers : true) && !ls.swaFull) {
      ls.swaFull = true;
      oneCache = true;
      notes.push('One KV cache over every attention layer: a build from before the separate SWA cache (May 2025), sliding layers at full length.');
    }
    let kv = llamaCppKv(model, ls);
    // Builds before PR 17046 (Nov 2025) padded n_ctx in the cache (llama_kv_cache::get_padding: 256 with flash
    // attention, 32 without), not to 256 in llama_context: when the logged cell count is that rule's, use it.
    const cellsFig = su.figures.find((x) => x.name === 'kv.cells');
    const cellsOf = (k: typeof kv) => (k.base ?? k.swa)?.cells;
    if (cellsFig && cellsOf(kv) !== cellsFig.value) {
      for (const fa of [false, true]) {
        const legacy = llamaCppKv(model, { ...ls, legacyPadding: true, flashAttn: fa });
        if (cellsOf(legacy) === cellsFig.value) {
          kv = legacy;
          ls.legacyPadding = true;
          ls.flashAttn = fa;
          notes.push(`The logged cells follow the padding of builds before Nov 2025 (${fa ? 256 : 32} cells${fa ? ', flash attention' : ', no flash attention'}).`);
          break;
        }
      }
    }
    notes.push(...kv.notes);
    const merged = oneCache && kv.base && kv.swa
      ? { cells: kv.base.cells, layers: kv.base.layers + kv.swa.layers, kBytes: kv.base.kBytes + kv.swa.kBytes, vBytes: kv.base.vBytes + kv.swa.vBytes, bytes: kv.base.bytes + kv.swa.bytes }
      : undefined;
    const caches = merged ? { kv: merged, swa: undefined } : { kv: kv.base ?? kv.swa, swa: kv.base ? kv.swa : undefined };
    const h = su.hparams;
    for (const f of su.figures) {
      const [cache, what] = f.name.split('.') as [string, string];
      if (cache === 'kv' || cache === 'swa') {
        const c = caches[cache];
        if (!c) {
          push(f, null, cache === 'swa' ? 'the model has no sliding-window layers, so KV Lens predicts no SWA cache: the config and the GGUF disagree' : 'the model has no attention layers with a per-token cache');
          continue;
        }
        // The old single "KV self size" line is the whole cache.
        const sizeAll = su.figures.some((x) => x.name === 'kv.cells') ? c.bytes : kv.bytes - (kv.recurrent?.bytes ?? 0);
        if (unknownType && what !== 'cells' && what !== 'layers') {
          push(f, null, unknownType);
          continue;
        }
        const value = what === 'size' ? sizeAll / MIB : what === 'cells' ? c.cells : what === 'layers' ? c.layers : what === 'K' ? c.kBytes / MIB : c.vBytes / MIB;
        push(f, value, llamaReason(f, value, ls, model));
      } else if (cache === 'recurrent') {
        const r = kv.recurrent;
        if (!r) {
          push(f, null, 'the model has no recurrent layers');
          continue;
        }
        if (what === 'size') push(f, r.bytes / MIB);
        else if (what === 'cells') push(f, r.cells);
        else if (typeof h.ssm_d_state === 'number' || typeof h.wkv_head_size === 'number') {
          const w = llamaRecurrentWidths({
            ssmDConv: Number(h.ssm_d_conv ?? 4), ssmDInner: Number(h.ssm_d_inner ?? 0), ssmDState: Number(h.ssm_d_state ?? 0), ssmNGroup: Number(h.ssm_n_group ?? 1),
            ssmDtRank: Number(h.ssm_dt_rank ?? 0),
            ...(typeof h.wkv_head_size === 'number' ? { wkvHeadSize: h.wkv_head_size, nEmbd: Number(h.n_embd ?? 0), tokenShiftCount: Number(h.token_shift_count ?? 2) } : {}),
          });
          const per = what === 'R' ? w.r : w.s;
          push(f, (r.layers * r.cells * per * 4) / MIB, undefined);
        } else push(f, null, 'the R / S split needs the ssm_* hparams, which the log does not print (their sum is checked as recurrent.size)');
      } else push(f, null, 'not a figure KV Lens predicts');
    }
    return { engine, version: su.version ?? null, model: su.model ?? su.modelName ?? null, settings: { ...settings, ...llamaSettingsEcho(ls) }, figures, notes };
  }

  if (engine === 'vllm') {
    const maxModelLen = numOf(settings.max_model_len) ?? numOf(settings.max_seq_len) ?? model.maxContext?.value ?? 4096;
    const tp = numOf(settings.tensor_parallel_size) ?? 1;
    const kvDtype = engineKvDtype(model, settings);
    // The block size the engine settled on: "Setting attention block size to N tokens" (hybrid Mamba models) is the
    // final word when printed (it also folds in rules KV Lens does not model, such as mamba_cache_mode "all").
    const loggedAttnBlock = su.figures.find((f) => f.name === 'attention_block_size')?.value;
    const blockSize = numOf(settings.block_size) ?? loggedAttnBlock;
    let maxNumBatchedTokens = numOf(settings.max_num_batched_tokens) ?? 2048;
    // vllm/model_executor/models/config.py (DeepseekV32ForCausalLM): an fp8 cache of a sparse-MLA model is fp8_ds_mla.
    const kvStr = typeof settings.kv_cache_dtype === 'string' ? settings.kv_cache_dtype : undefined;
    const sparseMla = model.layers.some((l) => l.mlaLatent !== undefined && l.indexHeadDim);
    const cacheDtypeStr = kvStr === 'fp8_ds_mla' || (sparseMla && kvStr?.startsWith('fp8')) ? 'fp8_ds_mla' : undefined;
    const numGpuBlocksOverride = numOf(settings.num_gpu_blocks_override);
    const groupSizeSlack = vllmGroupSizeSlack(su.version);
    const layoutAt = (t: number) => vllmLayout(model, {
      maxModelLen, tp, kvDtype, ...(blockSize ? { blockSize } : {}), maxNumBatchedTokens: t, groupSizeSlack,
      ...(cacheDtypeStr ? { cacheDtypeStr } : {}), ...(numGpuBlocksOverride ? { numGpuBlocksOverride } : {}),
      ...(bool(settings.disable_hybrid_kv_cache_manager) ? { disableHybrid: true } : {}),
      ...(kvStr?.endsWith('_per_token_head') ? { perTokenHeadScales: true } : {}),
    });
    const unknownKv = unknownKvDtype(settings);
    // _report_kv_cache_config: with decode / prefill context parallelism the printed tokens are x pcp x dcp.
    const cpWorld = numOf(settings.cp_world_size) ?? (numOf(settings.decode_context_parallel_size) ?? 1) * (numOf(settings.prefill_context_parallel_size) ?? 1);
    let layout = layoutAt(maxNumBatchedTokens);
    const concFig = su.figures.find((f) => f.name === 'max_concurrency');
    const availFig = su.figures.find((f) => f.name === 'available_kv_memory');
    if (settings.max_num_batched_tokens === undefined && concFig && availFig && model.layers.some((l) => l.kind === 'sliding' || l.kind === 'chunked')) {
      // Not printed: the defaults vLLM picks (vllm/engine/arg_utils.py: 2048 / 8192 / 16384 by GPU and entry point).
      const fits = (t: number) => figureMatches(concFig.value, vllmPool(layoutAt(t), availFig.value * GIB, maxModelLen).maxConcurrency, concFig.rounding);
      const found = [2048, 8192, 16384, 4096].find(fits);
      if (found !== undefined && found !== maxNumBatchedTokens) {
        maxNumBatchedTokens = found;
        layout = layoutAt(found);
        notes.push(`max_num_batched_tokens is not printed; ${found} (a vLLM default) is what the logged concurrency implies.`);
      }
    }
    notes.push(...layout.notes);
    if (settings.max_num_batched_tokens === undefined && !notes.some((n) => n.startsWith('max_num_batched_tokens')) && model.layers.some((l) => (l.kind === 'sliding' || l.kind === 'chunked') && (l.window ?? 0) + maxNumBatchedTokens < maxModelLen)) {
      notes.push(`max_num_batched_tokens not printed: ${maxNumBatchedTokens} assumed; it changes the sliding groups' blocks per request (8192 on 70 GiB+ GPUs for the API server).`);
    }
    // --kv-cache-memory (kv_cache_memory_bytes, in the non-default args): the bytes are given exactly, no profiling.
    const kvBytes = numOf(settings.kv_cache_memory_bytes);
    const loggedAvail = su.figures.find((f) => f.name === 'available_kv_memory');
    const avail = kvBytes ? { ...(loggedAvail ?? { name: 'available_kv_memory', unit: 'GiB' as const, line: 0 }), value: kvBytes / GIB, rounding: 0 } : loggedAvail;
    const v0 = settings.engine_version === 'V0' || su.figures.some((f) => f.name === 'gpu_blocks');
    if (v0) notes.push('vLLM V0: every attention layer keeps a full-length cache (no cache groups, no sliding-window saving).');
    // FullAttentionSpec.max_memory_usage_bytes: each context-parallel rank holds cdiv(max_model_len, pcp x dcp) tokens.
    const poolAt = (gib: number) => vllmPool(layout, gib * GIB, cpWorld > 1 ? Math.ceil(maxModelLen / cpWorld) : maxModelLen);
    for (const f of su.figures) {
      switch (f.name) {
        case 'available_kv_memory':
          if (kvBytes) push(f, kvBytes / GIB);
          else push(f, null, 'measured by vLLM\'s profiling run (GPU x utilisation - weights - activations): used as the input of the pool figures');
          break;
        case 'gpu_blocks':
        case 'gpu_kv_cache_tokens':
        case 'max_concurrency': {
          if (unknownKv) {
            push(f, null, unknownKv);
            break;
          }
          if (v0) {
            // V0 (vllm/worker/cache_engine.py get_cache_block_size): every attention layer full length, one block
            // = block_size x per-token bytes of all layers; blocks = available // block bytes; concurrency =
            // blocks x block_size / max_model_len.
            const bs = blockSize ?? 16;
            const perBlock = bs * v0PerToken(model, tp, kvDtype);
            const at = (gib: number) => Math.floor((gib * GIB) / perBlock);
            const blocksFig = su.figures.find((x) => x.name === 'gpu_blocks');
            if (f.name === 'gpu_blocks') {
              if (!avail) push(f, null, 'the log prints no KV memory line to size the blocks from');
              else push(f, at(avail.value), undefined, [at(avail.value - avail.rounding), at(avail.value + avail.rounding)]);
            } else if (f.name === 'max_concurrency' && blocksFig) push(f, (blocksFig.value * bs) / maxModelLen);
            else push(f, null, 'not a V0 figure');
            break;
          }
          if (f.name === 'gpu_blocks') {
            push(f, null, 'V0 block count without V0 settings');
            break;
          }
          if (!avail && !numGpuBlocksOverride) {
            push(f, null, 'the log prints no "Available KV cache memory" line to size the pool from');
            break;
          }
          // With num_gpu_blocks_override the block count is given (kv_cache_utils.py may_override_num_blocks).
          const a = avail ?? { value: 0, rounding: 0 };
          const pick = (p: ReturnType<typeof poolAt>) => (f.name === 'gpu_kv_cache_tokens' ? p.tokens * cpWorld : p.maxConcurrency);
          const lo = pick(poolAt(a.value - a.rounding));
          const hi = pick(poolAt(a.value + a.rounding));
          const mid = pick(poolAt(a.value));
          push(f, mid, undefined, [lo, hi]);
          break;
        }
        case 'attention_block_size': {
          // Predicted from the rule at the user's block size (not from the logged line itself).
          const rule = vllmLayout(model, { maxModelLen, tp, kvDtype, ...(numOf(settings.block_size) ? { blockSize: numOf(settings.block_size)! } : {}), maxNumBatchedTokens });
          const predicted = rule.attentionBlockSizeRaised ?? rule.blockSize;
          push(f, predicted, rule.attentionBlockSizeRaised === undefined ? 'KV Lens finds no state layers that would raise the block size'
            : f.value > predicted && f.value % 16 === 0 ? 'larger than the minimum: with prefix caching on a hybrid (mamba_cache_mode "all") vLLM rounds the block to the Mamba chunk size; the other figures use the logged block size' : undefined);
          break;
        }
        case 'mamba_page_padding':
          push(f, layout.mambaPaddingPct ?? 0);
          break;
        default:
          push(f, null, 'not a figure KV Lens predicts');
      }
    }
    for (const f of figures) if (f.match === false) f.reason ??= vllmReason(layout.groups.length, tp, kvDtype);
    return { engine, version: su.version ?? null, model: su.model ?? null, settings: { ...settings, max_model_len: maxModelLen, tensor_parallel_size: tp, max_num_batched_tokens: maxNumBatchedTokens, kv_cache_dtype_resolved: kvDtype, block_size_resolved: layout.blockSize, cache_groups: layout.groups.length }, figures, notes };
  }

  if (engine === 'sglang') {
    const tp = numOf(settings.tp_size) ?? 1;
    // The format SGLang says it resolved ("Using KV cache dtype: torch.float8_e4m3fn") wins over the flag's "auto".
    const torchKv = typeof settings.kv_cache_torch_dtype === 'string' ? toKvDtype(settings.kv_cache_torch_dtype) : undefined;
    const kvDtype = torchKv ?? engineKvDtype(model, settings);
    const pageSize = numOf(settings.page_size) ?? 1;
    let disable = bool(settings.disable_hybrid_swa_memory);
    const tokensFig = su.figures.find((f) => f.name === 'sglang_tokens') ?? su.figures.find((f) => f.name === 'max_total_num_tokens');
    const kFig = su.figures.find((f) => f.name === 'k_size');
    const kAt = (dis: boolean) => {
      const cells = sglangCells(model, { tp, kvDtype, disableHybridSwaMemory: dis });
      const t = tokensFig?.value ?? 0;
      return { cells, k: ((t + pageSize) * cells.fullLayers * (cells.mla ? cells.perLayerTokenBytes : cells.perLayerTokenBytes / 2)) / GIB };
    };
    if (disable === undefined && kFig && sglangCells(model, { tp, kvDtype }).swaLayers > 0) {
      // Not printed: tell from the K size which pool layout the engine used.
      const on = kAt(false).k;
      const off = kAt(true).k;
      if (figureMatches(kFig.value, off, kFig.rounding) && !figureMatches(kFig.value, on, kFig.rounding)) {
        disable = true;
        notes.push('disable_hybrid_swa_memory is not printed; the K size is that of every layer at full length, so it was on (--disable-hybrid-swa-memory).');
      }
    }
    // A "Use sliding window memory pool" line means the hybrid pools were made; else server_args.py's default by architecture.
    if (disable === undefined && su.figures.some((f) => f.name === 'sglang_full_tokens')) disable = false;
    if (disable === undefined && !sglangHybridSwaDefault(model.architectures[0]) && sglangCells(model, { tp, kvDtype }).swaLayers > 0) {
      disable = true;
      notes.push(`disable_hybrid_swa_memory is not printed; SGLang sets it for ${model.architectures[0]} (server_args.py _handle_model_specific_adjustments).`);
    }
    const { cells } = kAt(disable ?? false);
    for (const f of su.figures) {
      switch (f.name) {
        case 'sglang_tokens':
        case 'max_total_num_tokens':
          push(f, null, 'sized from the memory SGLang measured after loading (total x mem_fraction_static - weights): an input of the K / V figures');
          break;
        case 'k_size':
        case 'v_size':
        case 'kv_size': {
          const unknownKv = unknownKvDtype(settings);
          if (unknownKv) {
            push(f, null, unknownKv);
            break;
          }
          if (model.layers.some((l) => l.mlaLatent !== undefined && l.indexHeadDim)) {
            // memory_pool.py NSATokenToKVPool: its own kv_cache_dim (fp8 store) and an index_k buffer per layer.
            push(f, null, 'sparse-MLA (NSA) pool: its kv_cache_dim and index-key buffers are not modelled by KV Lens');
            break;
          }
          if (!tokensFig) {
            push(f, null, 'the log prints no token count');
            break;
          }
          const k = kAt(disable ?? false).k;
          push(f, f.name === 'v_size' && cells.mla ? 0 : k, undefined);
          break;
        }
        case 'mamba_conv_state':
        case 'mamba_ssm_state':
          push(f, null, 'the state pool: KV Lens does not model SGLang\'s conv / ssm dtypes (mamba_ssm_dtype) per slot; the token pool is checked apart');
          break;
        case 'sglang_full_tokens':
          push(f, null, 'sized from measured memory: the input of the SWA pool figure');
          break;
        case 'sglang_swa_tokens': {
          const full = su.figures.find((x) => x.name === 'sglang_full_tokens')?.value ?? tokensFig?.value;
          const ratio = numOf(settings.swa_full_tokens_ratio) ?? 0.8;
          // model_runner.py: swa = align_page_size(int(full x ratio)), aligned down to page_size x dp_size.
          const align = pageSize * (numOf(settings.dp_size) ?? 1);
          push(f, full !== undefined ? Math.floor(Math.floor(full * ratio) / align) * align : null, full === undefined ? 'no full-pool token count' : undefined);
          break;
        }
        default:
          push(f, null, 'not a figure KV Lens predicts');
      }
    }
    for (const f of figures) if (f.match === false) f.reason ??= `per-token bytes differ: KV Lens has ${cells.fullLayers} full-length layers x ${cells.perLayerTokenBytes} B per token (KV heads per GPU, head size or cache dtype ${kvDtype} differ from the engine's)`;
    return { engine, version: su.version ?? null, model: su.model ?? null, settings: { ...settings, tp_size: tp, kv_cache_dtype_resolved: kvDtype, disable_hybrid_swa_memory: disable ?? false }, figures, notes };
  }

  if (engine === 'trtllm') {
    const tp = numOf(settings.tp_size) ?? numOf(settings.tensor_parallel_size) ?? 1;
    const kvDtype = engineKvDtype(model, settings);
    const tpb = numOf(settings.tokens_per_block) ?? 32;
    const { perToken } = trtllmBytesPerToken(model, { tp, kvDtype });
    const maxTokens = su.figures.find((f) => f.name === 'trt_max_tokens');
    const availFig = su.figures.find((f) => f.name === 'trt_available');
    const fraction = numOf(settings.free_gpu_memory_fraction) ?? numOf(settings.kv_cache_free_gpu_memory_fraction) ?? 0.9;
    // kvCacheManager.cpp: maxTokens = free x fraction / bytes per token; blocks = ceilDiv(maxTokens, tokens_per_block);
    // the "Allocated ... (N)" count is blocks x tokens_per_block.
    // llm_args.py KvCacheConfig: with both max_tokens and free_gpu_memory_fraction, the smaller is used.
    const maxTokensCap = numOf(settings.max_tokens);
    const blocksAt = (gib: number) => (perToken > 0 ? Math.ceil(Math.min(Math.floor((gib * GIB * fraction) / perToken), maxTokensCap ?? Infinity) / tpb) : 0);
    const maxSeq = numOf(settings.max_attention_window) ?? numOf(settings.max_seq_len);
    for (const f of su.figures) {
      if (f.name === 'trt_kv_cache') push(f, maxTokens ? (maxTokens.value * perToken) / GIB : null, maxTokens ? undefined : 'no token count');
      else if (f.name === 'trt_primary_blocks') {
        if (maxTokens) push(f, Math.ceil(maxTokens.value / tpb));
        else if (availFig) push(f, blocksAt(availFig.value), undefined, [blocksAt(availFig.value - availFig.rounding), blocksAt(availFig.value + availFig.rounding)]);
        else push(f, null, 'no token count and no free-memory line');
      } else if (f.name === 'trt_max_tokens') {
        if (availFig) push(f, blocksAt(availFig.value) * tpb, undefined, [blocksAt(availFig.value - availFig.rounding) * tpb, blocksAt(availFig.value + availFig.rounding) * tpb]);
        else push(f, null, 'sized from the memory TRT-LLM found free after its warm-up (x free_gpu_memory_fraction): an input of the GiB figure');
      } else if (f.name === 'trt_available') push(f, null, 'measured by TRT-LLM after loading and warm-up: the input of the pool figures');
      else if (f.name === 'trt_pages_per_sequence') push(f, maxSeq ? Math.ceil(maxSeq / tpb) : null, maxSeq ? undefined : 'the log prints no max_seq_len / max_attention_window');
      else push(f, null, 'not a figure KV Lens predicts');
    }
    for (const x of figures) if (x.match === false) x.reason ??= `bytes per token differ: KV Lens has ${perToken} B per token at TP ${tp} in ${kvDtype}, free_gpu_memory_fraction ${fraction} (set tp_size=N, kv_cache_dtype=fp8 or free_gpu_memory_fraction with --set)`;
    return { engine, version: su.version ?? null, model: su.model ?? null, settings: { ...settings, tp_size: tp, kv_cache_dtype_resolved: kvDtype, tokens_per_block: tpb, free_gpu_memory_fraction: fraction }, figures, notes };
  }

  return {
    engine, version: su.version ?? null, model: su.model ?? null, settings, notes: ['KV Lens does not know this engine: nothing predicted.'],
    figures: su.figures.map((f) => ({ name: f.name, logged: f.value, predicted: null, unit: f.unit, match: null, reason: 'unknown engine', line: f.line })),
  };
}

/**
 * The group-size bound of `_get_kv_cache_groups_uniform_page_size` by vLLM release: the fewest layers always before
 * PR 29303 (merged Nov 2025, first in 0.12), the most when within 1.25 x until PR 36684 (Mar 2026, taken as 0.18),
 * 1.5 x since. A version KV Lens cannot read gets the current rule.
 */
export function vllmGroupSizeSlack(version: string | undefined): number {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return 1.5;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major === 0 && minor < 12) return 1;
  if (major === 0 && minor < 18) return 1.25;
  return 1.5;
}

/** V0's bytes per token over every attention layer at full length (cache_engine.py), per GPU. */
function v0PerToken(model: ModelDescription, tp: number, kv: KvDtype): number {
  const b = KV_DTYPE_BYTES[kv];
  let sum = 0;
  for (const l of model.layers) {
    if (l.sharesCacheWith !== undefined || l.kind === 'state' || l.kind === 'none') continue;
    sum += l.mlaLatent !== undefined ? l.mlaLatent * b : Math.max(1, Math.floor(l.kvHeads / tp)) * (l.headDimK + (l.sharedKv ? 0 : l.headDimV)) * b;
  }
  return sum;
}

function llamaSettingsEcho(ls: LlamaCppSettings): Record<string, LogValue> {
  return { n_ctx: ls.nCtx ?? 0, n_seq_max: ls.nSeqMax ?? 1, kv_unified: ls.unified ?? false, n_ubatch: ls.nUbatch ?? 512, type_k: ls.typeK ?? 'f16', type_v: ls.typeV ?? 'f16', swa_full: ls.swaFull ?? false, mla: ls.mla ?? true };
}

function llamaReason(f: LoggedFigure, predicted: number, ls: LlamaCppSettings, model: ModelDescription): string | undefined {
  if (figureMatches(f.value, predicted, f.rounding)) return undefined;
  const r = f.value / predicted;
  if (f.name.endsWith('.cells')) return `cells differ: n_ctx ${ls.nCtx}, ${ls.nSeqMax} sequences (${ls.unified ? 'unified' : 'split'}), n_ubatch ${ls.nUbatch}; an older build padded differently (32 without flash attention before Nov 2025)`;
  if (Math.abs(r - 2) < 0.01 || Math.abs(r - 0.5) < 0.01) return 'a factor of 2: the cache type (f32 vs f16) or K-only caching (MLA, K = V) differs';
  if (model.mla) return 'MLA: the engine may cache the latent (mla on) or full K and V (mla off); check -mla / mla_attn';
  return `the log\'s model shape differs from the config\'s (ratio ${r.toFixed(3)}): a different checkpoint, or layers the engine caches differently`;
}

function vllmReason(groups: number, tp: number, kv: KvDtype): string {
  return `the pool's per-block bytes differ: KV Lens has ${groups} cache group(s) at TP ${tp} in ${kv}; a different kv_cache_dtype, block size, or (V0) every layer full length would explain it`;
}
