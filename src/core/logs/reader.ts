/**
 * Reads start-up logs line by line: each recogniser is anchored on a phrase the engine's source prints (the
 * format strings named beside each), so request traffic after the start-up is ignored at one regex test a line.
 * A new start-up begins at the engine's banner (vLLM's version line, llama.cpp's `build:` / `build_info:`, a
 * model load after a finished one); several in one file are each kept. Pure: `io/readLog.ts` streams files in.
 */
import { cleanLine } from './clean';
import { readPyPairs } from './pyLiteral';
import type { LogValue } from './pyLiteral';
import type { LogEngine, LogReading, LoggedFigure, StartUp } from './types';

/** Setting names whose values are credentials. */
const SECRET = /api_key|token|secret|password|passwd|credential/i;

/** After a start-up has its KV figures, this many further lines without a new start-up end the reading. */
export const LINES_AFTER_STARTUP = 20000;

const num = (s: string) => Number(s.replace(/,/g, ''));
const roundingOf = (s: string) => {
  const d = /\.(\d+)/.exec(s);
  return d ? 0.5 * 10 ** -d[1]!.length : 0;
};

function fresh(line: number): StartUp {
  return { settings: {}, hparams: {}, figures: [], firstLine: line, lastLine: line, recognised: 0 };
}

/** Settings read from `llama_context:` / `llama_new_context_with_model:` lines. */
const LLAMA_CONTEXT_KEYS = new Set(['n_seq_max', 'n_ctx', 'n_ctx_seq', 'n_ctx_per_seq', 'n_batch', 'n_ubatch', 'causal_attn', 'flash_attn', 'kv_unified', 'mla_attn', 'fused_moe', 'swa_full', 'freq_base', 'type_k', 'type_v']);

/** The line-by-line reader. */
export class LogReader {
  private readonly startUps: StartUp[] = [];
  private cur: StartUp | undefined;
  private lineNo = 0;
  private longLines = 0;
  private sinceComplete = -1;
  /** Which llama.cpp cache the next size line belongs to (set by the iswa "creating" lines). */
  private llamaCache: 'kv' | 'swa' = 'kv';
  /** A wrapped command line (SGLang's launch line broken by the terminal) continues on the next line. */
  private commandContinues = false;

  /** True once the reader has seen enough: the last start-up finished long ago. */
  get done(): boolean {
    return this.sinceComplete >= LINES_AFTER_STARTUP;
  }

  private get su(): StartUp {
    if (!this.cur) {
      this.cur = fresh(this.lineNo);
      this.startUps.push(this.cur);
    }
    return this.cur;
  }

  private begin(engine?: LogEngine): StartUp {
    // A banner on a start-up that has read nothing beyond settings continues it; otherwise a new one.
    if (this.cur && this.cur.figures.length === 0 && (!engine || !this.cur.engine || this.cur.engine === engine)) {
      if (engine) this.cur.engine = engine;
      return this.cur;
    }
    this.cur = fresh(this.lineNo);
    if (engine) this.cur.engine = engine;
    this.startUps.push(this.cur);
    this.llamaCache = 'kv';
    this.sinceComplete = -1;
    return this.cur;
  }

  private figure(name: string, value: string, unit: LoggedFigure['unit']): void {
    const su = this.su;
    su.figures.push({ name, value: num(value), unit, rounding: roundingOf(value), line: this.lineNo });
    this.sinceComplete = 0;
  }

  private set(key: string, value: LogValue): void {
    // Credentials printed among the arguments (vLLM echoes --api-key) are never carried further.
    this.su.settings[key] = SECRET.test(key) && value !== null ? '(redacted)' : value;
  }

  private engine(e: LogEngine): void {
    const su = this.su;
    if (!su.engine || (su.engine === 'llama.cpp' && e === 'ik_llama.cpp')) su.engine = e;
  }

  /** Feeds one raw line (without its line break). */
  push(raw: string): void {
    this.lineNo++;
    if (this.sinceComplete >= 0) this.sinceComplete++;
    const c = cleanLine(raw);
    if (c.truncated) this.longLines++;
    const t = c.text;
    if (!t) return;
    if (this.recognise(t)) {
      const su = this.su;
      su.recognised++;
      su.lastLine = this.lineNo;
    }
  }

  /** The reading so far. */
  finish(stoppedEarly?: string): LogReading {
    return {
      startUps: this.startUps.filter((s) => s.recognised > 0),
      lines: this.lineNo, longLines: this.longLines, ...(stoppedEarly ? { stoppedEarly } : {}),
    };
  }

  private recognise(t: string): boolean {
    let m: RegExpExecArray | null;
    // ---- vLLM (vllm/entrypoints/openai/api_server.py, vllm/entrypoints/utils.py, vllm/v1/core/kv_cache_utils.py,
    // vllm/v1/worker/gpu_worker.py, vllm/model_executor/models/config.py)
    if ((m = /vLLM API server version (\S+)/.exec(t)) || (m = /^[\s▄█▀]*version (\d+\.\d+\S*)$/.exec(t) as RegExpExecArray | null)) {
      this.begin('vllm').version = m[1];
      return true;
    }
    if ((m = /Initializing an? (?:V(\d) )?LLM engine \(v?([^)]+)\) with config: (.*)$/.exec(t))) {
      const su = this.begin('vllm');
      su.version ??= m[2];
      su.settings.engine_version ??= `V${m[1] ?? '0'}`;
      const pairs = readPyPairs(m[3]!);
      for (const k of ['model', 'dtype', 'max_seq_len', 'tensor_parallel_size', 'kv_cache_dtype', 'quantization', 'enable_prefix_caching', 'pipeline_parallel_size']) {
        if (pairs[k] !== undefined && su.settings[k] === undefined) su.settings[k] = pairs[k]!;
      }
      if (typeof pairs.model === 'string') su.model ??= pairs.model;
      return true;
    }
    if ((m = /non-default args: (\{.*\})/.exec(t))) {
      this.engine('vllm');
      const pairs = readPyPairs(m[1]!);
      for (const [k, v] of Object.entries(pairs)) this.set(k, v);
      if (typeof pairs.model === 'string') this.su.model = pairs.model;
      else if (typeof pairs.model_tag === 'string') this.su.model ??= pairs.model_tag;
      return true;
    }
    if ((m = /Available KV cache memory: ([\d.]+) GiB/.exec(t))) {
      this.engine('vllm');
      this.figure('available_kv_memory', m[1]!, 'GiB');
      return true;
    }
    if ((m = /reserved ([\d.]+) GiB memory for KV Cache as specified by kv_cache_memory_bytes/.exec(t))) {
      // vllm/v1/worker/gpu_worker.py determine_available_memory with --kv-cache-memory: "Initial free memory %.2f
      // GiB, reserved %.2f GiB memory for KV Cache as specified by kv_cache_memory_bytes config and skipped memory
      // profiling." The pool is sized from it as from "Available KV cache memory".
      this.engine('vllm');
      this.figure('available_kv_memory', m[1]!, 'GiB');
      return true;
    }
    if ((m = /GPU KV cache size: ([\d,]+) tokens/.exec(t))) {
      this.engine('vllm');
      this.figure('gpu_kv_cache_tokens', m[1]!, 'tokens');
      return true;
    }
    if ((m = /Maximum concurrency for ([\d,]+) tokens per request: ([\d.]+)x/.exec(t))) {
      this.engine('vllm');
      this.set('max_model_len', num(m[1]!));
      this.figure('max_concurrency', m[2]!, 'x');
      return true;
    }
    if ((m = /# (?:GPU|cuda|CUDA) blocks: ([\d,]+)/.exec(t))) {
      this.engine('vllm');
      this.su.settings.engine_version ??= 'V0';
      this.figure('gpu_blocks', m[1]!, 'blocks');
      return true;
    }
    if ((m = /the rest of the memory reserved for KV Cache is ([\d.]+) ?GiB/.exec(t)) || (m = /KV Cache is ([\d.]+) ?GiB/.exec(t) as RegExpExecArray | null)) {
      // V0 (vllm/worker/worker.py determine_num_available_blocks): what its block count was sized from.
      this.engine('vllm');
      this.figure('available_kv_memory', m[1]!, 'GiB');
      return true;
    }
    if ((m = /Setting attention block size to (\d+) tokens/.exec(t))) {
      this.engine('vllm');
      this.figure('attention_block_size', m[1]!, 'tokens');
      return true;
    }
    if ((m = /Padding mamba page size by ([\d.]+)%/.exec(t))) {
      this.engine('vllm');
      this.figure('mamba_page_padding', m[1]!, '%');
      return true;
    }
    if ((m = /Chunked prefill is enabled with max_num_batched_tokens=(\d+)/.exec(t))) {
      // vllm/config/scheduler.py: the prefill budget the sliding groups' blocks per request depend on.
      this.engine('vllm');
      this.set('max_num_batched_tokens', Number(m[1]));
      return true;
    }
    if ((m = /Forcing kv cache block size to (\d+) for \w+ backend/.exec(t))) {
      // vllm/platforms/cuda.py check_and_update_config: FlashMLA / FlashMLA-sparse 64, CUTLASS MLA 128.
      this.engine('vllm');
      this.set('block_size', Number(m[1]));
      return true;
    }
    if ((m = /Overriding num_gpu_blocks=(\d+) with num_gpu_blocks_override=(\d+)/.exec(t))) {
      // vllm/v1/core/kv_cache_utils.py may_override_num_blocks: "Overriding num_gpu_blocks=%d with num_gpu_blocks_override=%d".
      this.engine('vllm');
      this.set('num_gpu_blocks_override', Number(m[2]));
      return true;
    }
    if (/Hybrid KV cache manager is disabled for this hybrid model|chunked local attention with the hybrid KV cache manager\. Disabling/.test(t)) {
      // vllm/v1/core/kv_cache_utils.py unify_hybrid_kv_cache_specs; vllm/config/vllm.py (Llama-4 chunked attention).
      this.engine('vllm');
      this.set('disable_hybrid_kv_cache_manager', true);
      return true;
    }
    if ((m = /Multiplying the GPU KV cache size by the (?:cp|dcp)_world_size (\d+)/.exec(t))) {
      // kv_cache_utils.py _report_kv_cache_config: the printed tokens are x the context-parallel size.
      this.engine('vllm');
      this.set('cp_world_size', Number(m[1]));
      return true;
    }
    if (/Using custom fp8 kv-cache format for DeepSeekV3\.2/.test(t)) {
      // vllm/model_executor/models/config.py DeepseekV32ForCausalLM: cache_dtype becomes fp8_ds_mla.
      this.engine('vllm');
      this.set('kv_cache_dtype', 'fp8_ds_mla');
      return true;
    }
    if ((m = /Model loading took ([\d.]+) GiB/.exec(t))) {
      this.set('model_loading_gib', Number(m[1]));
      return true;
    }
    // ---- SGLang (python/sglang/srt/mem_cache/memory_pool.py, model_executor/model_runner.py, managers/scheduler.py)
    if ((m = /server_args=ServerArgs\((.*)\)?$/.exec(t))) {
      const su = this.begin('sglang');
      const pairs = readPyPairs(m[1]!);
      this.cur = su;
      for (const [k, v] of Object.entries(pairs)) this.set(k, v);
      if (typeof pairs.model_path === 'string') su.model = pairs.model_path;
      return true;
    }
    const launch = /sglang\.launch_serv/.test(t);
    if (launch || (this.commandContinues && /(?:^|\s)--[a-z][\w-]*/.test(t))) {
      if (launch) this.begin('sglang');
      this.readFlags(t);
      // A terminal wraps long commands: the next line continues it while it still looks like flags.
      this.commandContinues = true;
      return true;
    }
    this.commandContinues = false;
    // Some builds put fields before #tokens ("KV Cache is allocated. dtype: torch.bfloat16, #tokens: ..."): skipped.
    if ((m = /(?:Using KV cache dtype: |KV Cache is allocated\. dtype: )(torch\.\w+)/.exec(t))) {
      // model_runner.py "Using KV cache dtype: %s" / memory_pool.py "KV Cache is allocated. dtype: %s, ...": the resolved format.
      this.engine('sglang');
      this.set('kv_cache_torch_dtype', m[1]!);
      if (/^Using/.test(t)) return true;
    }
    if ((m = /Load weight end\. .*?avail mem=([\d.]+) GB, mem usage=([\d.]+) GB/.exec(t)) || (m = /Memory pool end\. avail mem=([\d.]+) GB/.exec(t) as RegExpExecArray | null)) {
      // model_runner.py: "Load weight end. ... avail mem=%.2f GB, mem usage=%.2f GB." and "Memory pool end. avail
      // mem=%.2f GB": what SGLang measured around the pools (shown as settings; the token count rests on them).
      this.engine('sglang');
      if (m[2] !== undefined) {
        this.set('avail_mem_after_load_gb', Number(m[1]));
        this.set('weights_mem_usage_gb', Number(m[2]));
      } else this.set('avail_mem_after_pools_gb', Number(m[1]));
      return true;
    }
    if ((m = /Mamba Cache(?: \([^)]*\))? is allocated\. max_mamba_cache_size: (\d+), conv_state size: ([\d.]+) ?GB, ssm_state size: ([\d.]+) ?GB/.exec(t))) {
      // memory_pool.py MambaPool: f"Mamba Cache is allocated. max_mamba_cache_size: {n}, conv_state size: {x:.2f}GB,
      // ssm_state size: {y:.2f}GB" (the state pool apart from the token pool).
      this.engine('sglang');
      this.set('max_mamba_cache_size', Number(m[1]));
      this.figure('mamba_conv_state', m[2]!, 'GB');
      this.figure('mamba_ssm_state', m[3]!, 'GB');
      return true;
    }
    if ((m = /KV Cache is allocated\.(?: [^#]{0,200}?)? #tokens: ([\d,]+), K size: ([\d.]+) GB, V size: ([\d.]+) GB/.exec(t))) {
      this.engine('sglang');
      this.figure('sglang_tokens', m[1]!, 'tokens');
      this.figure('k_size', m[2]!, 'GB');
      this.figure('v_size', m[3]!, 'GB');
      return true;
    }
    if ((m = /KV Cache is allocated\.(?: [^#]{0,200}?)? #tokens: ([\d,]+), KV size: ([\d.]+) GB/.exec(t))) {
      // MLATokenToKVPool: one latent buffer per layer.
      this.engine('sglang');
      this.figure('sglang_tokens', m[1]!, 'tokens');
      this.figure('kv_size', m[2]!, 'GB');
      return true;
    }
    // ---- TensorRT-LLM (cpp/tensorrt_llm/batch_manager/kvCacheManager.cpp, tensorrt_llm/_torch/pyexecutor/_util.py)
    // tensorrt_llm/__init__.py prints "[TensorRT-LLM] TensorRT-LLM version: X" at import; the C++ runtime "[TensorRT-LLM][INFO] ...".
    if (((m = /\[TensorRT-LLM\]\[\w+\] .*?(?:version|Version):? ?(\d+\.\d+\.\S+)/.exec(t)) || (m = /^\[TensorRT-LLM\] TensorRT-LLM version: (\d+\.\d+\S*)/.exec(t) as RegExpExecArray | null)) && !this.cur?.figures.length) {
      this.begin('trtllm').version = m[1];
      return true;
    }
    if ((m = /Allocated ([\d.]+) GiB for max tokens in paged KV cache \((\d+)\)/.exec(t))) {
      this.engine('trtllm');
      this.figure('trt_kv_cache', m[1]!, 'GiB');
      this.figure('trt_max_tokens', m[2]!, 'tokens');
      return true;
    }
    if ((m = /Memory usage when calculating max tokens in paged kv cache: total: ([\d.]+) GiB, available: ([\d.]+) GiB/.exec(t))) {
      // cpp/tensorrt_llm/batch_manager/trtGptModelInflightBatching.cpp / kvCacheManager.cpp: the free memory the
      // pool is a fraction of ("... total: %0.2f GiB, available: %0.2f GiB").
      this.engine('trtllm');
      this.figure('trt_available', m[2]!, 'GiB');
      return true;
    }
    if ((m = /Max KV cache pages per sequence: (\d+)/.exec(t))) {
      this.engine('trtllm');
      this.figure('trt_pages_per_sequence', m[1]!, 'blocks');
      return true;
    }
    if ((m = /Number of tokens per block: (\d+)/.exec(t))) {
      this.engine('trtllm');
      this.set('tokens_per_block', Number(m[1]));
      return true;
    }
    if ((m = /Number of blocks in KV cache primary pool: (\d+)/.exec(t))) {
      this.engine('trtllm');
      this.figure('trt_primary_blocks', m[1]!, 'blocks');
      return true;
    }
    if ((m = /full_layer_tokens=(\d+), swa_layer_tokens=(\d+)/.exec(t))) {
      // model_runner.py set_num_token_hybrid: the two pools of hybrid SWA memory.
      this.engine('sglang');
      this.figure('sglang_full_tokens', m[1]!, 'tokens');
      this.figure('sglang_swa_tokens', m[2]!, 'tokens');
      return true;
    }
    if ((m = /(?:SWA|Swa) KV Cache is allocated\. #tokens: (\d+)/.exec(t))) {
      this.engine('sglang');
      this.figure('sglang_swa_tokens', m[1]!, 'tokens');
      return true;
    }
    if ((m = /max_total_num_tokens=(\d+)(.*)$/.exec(t))) {
      this.engine('sglang');
      this.figure('max_total_num_tokens', m[1]!, 'tokens');
      const pairs = readPyPairs(m[2]!);
      for (const [k, v] of Object.entries(pairs)) if (k !== 'available_gpu_mem') this.set(k, v);
      return true;
    }
    // ---- llama.cpp (src/llama-context.cpp, src/llama-kv-cache.cpp, src/llama-kv-cache-iswa.cpp,
    // src/llama-memory-recurrent.cpp, src/llama-model.cpp print_info, common/common.cpp build info)
    if ((m = /^build(?:_info)?: b?(\d+)[ -]\(?([0-9a-f]{6,})\)?/.exec(t))) {
      const su = this.begin(this.cur?.engine === 'ik_llama.cpp' ? 'ik_llama.cpp' : 'llama.cpp');
      su.version = `b${m[1]} (${m[2]})`;
      return true;
    }
    if ((m = /load_model: loading model '([^']+)'/.exec(t)) || (m = /llama_model_load_from_file\w*: .*?'([^']+\.gguf)'/.exec(t))) {
      this.engine('llama.cpp');
      if (this.su.figures.length) this.begin('llama.cpp');
      this.su.model = m[1];
      return true;
    }
    if ((m = /^(?:\.\/)?\S*llama-\w+\b.*?(?:^|\s)(?:-m|--model)\s+(\S+)/.exec(t)) || (m = /^(?:-m|--model)\s+(\S+\.gguf)/.exec(t))) {
      this.engine('llama.cpp');
      this.su.model ??= m[1];
      return true;
    }
    if ((m = /llama_model_loader: - kv\s+\d+:\s+general\.(name|architecture)\s+str\s+=\s+(.*)$/.exec(t))) {
      this.engine('llama.cpp');
      if (m[1] === 'name') this.su.modelName = m[2]!.trim();
      else this.su.architecture = m[2]!.trim();
      return true;
    }
    if ((m = /^(print_info|llm_load_print_meta): ([\w.]+)\s*=\s*(.*)$/.exec(t))) {
      // Old llama.cpp builds and ik_llama.cpp both print llm_load_print_meta; ik is told by its own settings (mla_attn).
      this.engine('llama.cpp');
      const key = m[2]!;
      const v = m[3]!.trim();
      if (key === 'general.name') this.su.modelName ??= v;
      else if (key === 'arch') this.su.architecture ??= v;
      else if (/^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/.test(v)) this.su.hparams[key] = Number(v);
      else if (/^\[[\d,\s]+\]$/.test(v)) this.su.hparams[key] = v.slice(1, -1).split(',').filter((x) => x.trim()).slice(0, 4096).map(Number);
      return true;
    }
    if ((m = /^(llama_context|llama_new_context_with_model): (\w+)\s*=\s*(\S+)/.exec(t))) {
      if (!LLAMA_CONTEXT_KEYS.has(m[2]!)) return false;
      this.engine(m[2] === 'mla_attn' || m[2] === 'fused_moe' ? 'ik_llama.cpp' : 'llama.cpp');
      if (this.su.figures.length && m[2] === 'n_seq_max') this.begin('llama.cpp');
      const v = m[3]!;
      this.set(m[2]!, /^-?\d+(?:\.\d+)?$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v);
      // Builds of 2024 - early 2025 print the context already padded by the cache's rule (check.ts reads this).
      if (m[1] === 'llama_new_context_with_model') this.set('context_line', m[1]);
      return true;
    }
    if ((m = /n_parallel is set to auto, using n_parallel = (\d+) and kv_unified = (\w+)/.exec(t))) {
      this.engine('llama.cpp');
      this.set('n_parallel', Number(m[1]));
      return true;
    }
    if ((m = /^llama_kv_cache_init: kv_size = (\d+), offload = \d+, type_k = '(\w+)', type_v = '(\w+)', n_layer = (\d+)/.exec(t))) {
      // src/llama.cpp (2024 - early 2025) llama_kv_cache_init: "%s: kv_size = %d, offload = %d, type_k = '%s',
      // type_v = '%s', n_layer = %d[, can_shift = %d]": the cache types of the "KV self size" line that follows.
      this.engine('llama.cpp');
      this.set('type_k', m[2]!);
      this.set('type_v', m[3]!);
      this.set('kv_size', Number(m[1]));
      return true;
    }
    if (/using full-size SWA cache/.test(t)) {
      this.set('swa_full', true);
      return true;
    }
    if ((m = /llama_kv_cache(?:_unified)?_iswa: creating (non-SWA|\s*SWA) KV cache, size = (\d+) cells/.exec(t))) {
      this.engine('llama.cpp');
      this.llamaCache = m[1]!.trim() === 'SWA' ? 'swa' : 'kv';
      return true;
    }
    if ((m = /^llama_kv_cache(?:_unified)?: size =\s*([\d.]+) MiB \(\s*(\d+) cells,\s*(\d+) layers,\s*(\d+)(?:\/(\d+))? seqs\), K \((\w+)\):\s*([\d.]+) MiB, V \((\w+)\):\s*([\d.]+) MiB/.exec(t))) {
      this.engine('llama.cpp');
      const p = this.llamaCache;
      this.figure(`${p}.size`, m[1]!, 'MiB');
      this.figure(`${p}.cells`, m[2]!, 'cells');
      this.figure(`${p}.layers`, m[3]!, 'layers');
      this.figure(`${p}.K`, m[7]!, 'MiB');
      this.figure(`${p}.V`, m[9]!, 'MiB');
      this.set('type_k', m[6]!);
      this.set('type_v', m[8]!);
      if (m[5] !== undefined) this.set('n_stream', Number(m[5]));
      this.llamaCache = 'kv';
      return true;
    }
    if ((m = /KV self size\s*=\s*([\d.]+) MiB, K \((\w+)\):\s*([\d.]+) MiB, V \((\w+)\):\s*([\d.]+) MiB/.exec(t))) {
      this.engine(this.cur?.engine ?? 'llama.cpp');
      this.figure('kv.size', m[1]!, 'MiB');
      this.figure('kv.K', m[3]!, 'MiB');
      this.figure('kv.V', m[5]!, 'MiB');
      this.set('type_k', m[2]!);
      this.set('type_v', m[4]!);
      return true;
    }
    if ((m = /KV self size\s*=\s*([\d.]+) MiB, c\^KV \((\w+)\):\s*([\d.]+) MiB/.exec(t))) {
      // ik_llama.cpp with MLA: one latent cache (c^KV), no V.
      this.engine('ik_llama.cpp');
      this.figure('kv.size', m[1]!, 'MiB');
      this.figure('kv.K', m[3]!, 'MiB');
      this.set('type_k', m[2]!);
      if (this.su.settings.mla_attn === undefined) this.set('mla_attn', 1);
      return true;
    }
    if ((m = /^llama_memory_recurrent: size =\s*([\d.]+) MiB \(\s*(\d+) cells,\s*(\d+) layers,\s*(\d+) seqs\), R \((\w+)\):\s*([\d.]+) MiB, S \((\w+)\):\s*([\d.]+) MiB/.exec(t))) {
      this.engine('llama.cpp');
      this.figure('recurrent.size', m[1]!, 'MiB');
      this.figure('recurrent.cells', m[2]!, 'cells');
      this.figure('recurrent.R', m[6]!, 'MiB');
      this.figure('recurrent.S', m[8]!, 'MiB');
      this.set('type_r', m[5]!);
      this.set('type_s', m[7]!);
      return true;
    }
    return false;
  }

  /** `--flag value` pairs of an SGLang command line. */
  private readFlags(t: string): void {
    const re = /(?:^|\s)--([a-z][\w-]*)(?:[ =]((?!--)[^\s;]+))?/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(t))) {
      const key = m[1]!.replace(/-/g, '_');
      const v = m[2];
      const value: LogValue = v === undefined ? true : /^-?\d+(?:\.\d+)?$/.test(v) ? Number(v) : v;
      if (key === 'model' || key === 'model_path') {
        if (typeof value === 'string') this.su.model = value;
      } else this.set(key === 'tp' ? 'tp_size' : key, value);
    }
  }
}

/** Reads a whole text (tests, the editor's active document). Bounded by the text's length. */
export function readLogText(text: string): LogReading {
  const r = new LogReader();
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    r.push(text.slice(start, Math.min(end, start + 65536)));
    start = end + 1;
    if (r.done) return r.finish(`stopped at line ${r.finish().lines}: ${LINES_AFTER_STARTUP} lines after the last start-up without another`);
  }
  return r.finish();
}
