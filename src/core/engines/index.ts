/**
 * Every engine at one operating point, side by side: the figures the CLI (`--engine`), the hover and the panel
 * show. Each engine's allocation rule is exact given what the engine measures at start-up; what it measures
 * (the activation peak, CUDA graphs, memory in use after loading) is estimated here and named as such.
 */
import { KV_DTYPE_BYTES, toKvDtype } from '../dtype';
import { formatBytes } from '../format';
import { elementsPerToken } from '../kv';
import type { ModelDescription } from '../types';
import { estimateWeights } from '../weights';
import { llamaCacheType, llamaCppKv } from './llamacpp';
import type { LlamaCacheType } from './llamacpp';
import { sglangCells, sglangDefaultFraction, sglangHybridSwaDefault, sglangPool } from './sglang';
import { trtllmPool } from './trtllm';
import { ENGINE_IDS, GIB } from './types';
import type { EngineAssumption, EngineEstimate, EngineId, OperatingPoint } from './types';
import { vllmLayout, vllmMaxModelLen, vllmPool } from './vllm';

export * from './types';
export { llamaCppKv, llamaRecurrentWidths, LLAMA_TYPE_BYTES, isLlamaCacheType, llamaCacheType } from './llamacpp';
export type { LlamaCppKv, LlamaCppSettings, LlamaCacheType } from './llamacpp';
export { vllmLayout, vllmPool, vllmMaxModelLen, vllmRequestBlocks } from './vllm';
export { sglangCells, sglangPool, sglangDefaultFraction, sglangHybridSwaDefault } from './sglang';
export { trtllmPool, trtllmBytesPerToken } from './trtllm';

/** What every engine needs beyond the operating point. */
export interface EngineInputs {
  /** Weights of the whole model, bytes (exact from headers when known, else the shape estimate). */
  weightsBytes?: number;
  weightsExact?: boolean;
}

/**
 * The memory a serving engine's profiling or warm-up run keeps beyond weights and cache: activations of a prefill
 * chunk of `tokens` (hidden states, attention and MLP intermediates in the model dtype) plus 1 GiB for the CUDA
 * context, allocator slack and non-torch memory. An estimate: the engines measure it.
 */
export function activationReserveBytes(model: ModelDescription, tokens: number, tp: number): number {
  const hidden = model.hiddenSize?.value ?? model.attention.queryHeads.value * model.attention.headDimK.value;
  const inter = model.experts?.intermediateSize?.value ?? model.intermediateSize?.value ?? 4 * hidden;
  const act = KV_DTYPE_BYTES[toKvDtype(model.dtype.value) ?? 'bf16'];
  const vocab = model.vocabSize?.value ?? 32000;
  // Per token: residual + norm + QKV + attention out (~6 hidden) and gate/up/down (~3 intermediate / tp);
  // logits of the sampler warm-up (256 requests, fp32) on top.
  return tokens * (6 * hidden + (3 * inter) / tp) * act + 256 * (vocab / tp) * 4 + GIB;
}

const reserveNote = (bytes: number, tokens: number): EngineAssumption => ({
  name: 'activation / CUDA-graph reserve', value: `${formatBytes(bytes)} (a ${tokens}-token prefill chunk + 1 GiB context)`, estimate: true,
});

/** One engine at the operating point. */
export function engineEstimate(engine: EngineId, model: ModelDescription, op: OperatingPoint, inputs: EngineInputs = {}): EngineEstimate {
  const tp = Math.max(1, Math.floor(op.tp));
  const batch = Math.max(1, Math.floor(op.batch));
  const context = Math.max(1, Math.floor(op.context));
  const weights = inputs.weightsBytes ?? estimateWeights(model).bytes;
  const weightsPerGpu = weights / tp;
  const gpu = op.gpuMemoryGiB !== undefined && op.gpuMemoryGiB > 0 ? op.gpuMemoryGiB * GIB : undefined;
  const id = op.modelId ?? 'MODEL';
  const weightsAssumption: EngineAssumption = {
    name: 'weights per GPU', value: formatBytes(weightsPerGpu), estimate: !inputs.weightsExact,
  };
  const modelKv = toKvDtype((model.kvCacheDtype ?? model.dtype).value) ?? 'bf16';
  const kvDtype = op.kvDtype ?? modelKv;

  switch (engine) {
    case 'vllm': {
      const highMem = (op.gpuMemoryGiB ?? 0) >= 70;
      const maxNumBatchedTokens = highMem ? 8192 : 2048;
      // vllm/platforms/cuda.py: FlashMLA (Hopper / Blackwell) forces block size 64 for MLA models; a sparse-MLA model
      // (DeepSeek-V3.2, GLM-5) with an fp8 cache uses the fp8_ds_mla format (vllm/model_executor/models/config.py).
      const mla = model.layers.some((l) => l.mlaLatent !== undefined);
      const sparse = model.layers.some((l) => l.mlaLatent !== undefined && l.indexHeadDim);
      const layout = vllmLayout(model, {
        maxModelLen: context, kvDtype, tp, maxNumBatchedTokens, ...(mla ? { blockSize: 64 } : {}),
        ...(sparse && kvDtype === 'fp8' ? { cacheDtypeStr: 'fp8_ds_mla' } : {}),
      });
      const util = 0.9;
      const assumptions: EngineAssumption[] = [
        { name: 'gpu_memory_utilization', value: String(util), estimate: false, source: 'vllm/config/cache.py' },
        { name: 'block_size', value: mla ? `${layout.blockSize} (FlashMLA; 16 on GPUs without it)` : String(layout.blockSize), estimate: false, source: layout.attentionBlockSizeRaised ? 'vllm/model_executor/models/config.py' : mla ? 'vllm/platforms/cuda.py' : 'vllm/config/cache.py' },
        { name: 'max_num_batched_tokens', value: String(maxNumBatchedTokens), estimate: false, source: 'vllm/engine/arg_utils.py' },
        weightsAssumption,
      ];
      const pools = layout.groups.map((g, i) => ({ name: `group ${i} (${g.spec.kind})`, layers: g.layers, tokens: 0, bytes: 0 }));
      const launch = `vllm serve ${id} --max-model-len ${context} --kv-cache-dtype ${kvDtype === modelKv ? 'auto' : kvDtype === 'fp8' ? 'fp8' : kvDtype} -tp ${tp} --gpu-memory-utilization ${util} --max-num-seqs ${batch}`;
      const est: EngineEstimate = { engine, rulesVersion: 'vLLM V1 (0.10-0.17)', kvBytesPerGpu: 0, pools, launch, assumptions, notes: [...layout.notes] };
      if (gpu === undefined) {
        est.notes.push('No GPU memory given: the pool is sized from memory, so only the layout is shown.');
        return est;
      }
      const reserve = activationReserveBytes(model, maxNumBatchedTokens, tp);
      assumptions.push(reserveNote(reserve, maxNumBatchedTokens));
      const available = Math.max(0, gpu * util - weightsPerGpu - reserve);
      const pool = vllmPool(layout, available, context);
      pools.forEach((p, i) => { p.tokens = pool.tokens; p.bytes = pool.numBlocks * layout.pageBytes * (layout.uniformType ? 1 : layout.groups[i]!.layers); });
      est.kvBytesPerGpu = pool.bytes;
      est.poolTokens = pool.tokens;
      est.maxConcurrency = pool.maxConcurrency;
      est.maxContext = vllmMaxModelLen(layout, pool.numBlocks);
      est.fits = pool.maxConcurrency >= batch;
      est.notes.push(`Available KV memory ${formatBytes(available)} = ${util} x GPU - weights - reserve; ${pool.numBlocks} blocks of ${layout.groupSize} layers x ${layout.pageBytes} B.`);
      return est;
    }
    case 'sglang': {
      const hybridSwa = sglangHybridSwaDefault(model.architectures[0]);
      const cells = sglangCells(model, { kvDtype, tp, disableHybridSwaMemory: !hybridSwa });
      const frac = gpu !== undefined ? sglangDefaultFraction(op.gpuMemoryGiB!, tp) : undefined;
      const fraction = frac?.value ?? 0.88;
      const assumptions: EngineAssumption[] = [
        { name: 'mem_fraction_static', value: frac ? `${fraction} (reserved ${Math.round(frac.reservedMiB)} MiB)` : '0.88 (no GPU memory known)', estimate: false, source: 'python/sglang/srt/server_args.py' },
        { name: 'cuda_graph_max_bs', value: String(frac?.cudaGraphMaxBs ?? '-'), estimate: true, source: 'python/sglang/srt/server_args.py' },
        weightsAssumption,
        { name: 'memory used by loading beyond weights', value: '1 GiB', estimate: true },
      ];
      const launch = `python -m sglang.launch_server --model-path ${id} --context-length ${context} --tp ${tp} --mem-fraction-static ${fraction} --kv-cache-dtype ${kvDtype === modelKv ? 'auto' : kvDtype === 'fp8' ? 'fp8_e4m3' : kvDtype} --max-running-requests ${batch}`;
      const est: EngineEstimate = { engine, rulesVersion: 'SGLang (late 2025 - 2026)', kvBytesPerGpu: 0, pools: [], launch, assumptions, notes: [] };
      if (cells.stateBytesPerRequest) est.notes.push(`State pool apart: ${formatBytes(cells.stateBytesPerRequest)} per running request.`);
      if (!hybridSwa && model.layers.some((l) => l.kind === 'sliding' || l.kind === 'chunked')) est.notes.push(`SGLang turns hybrid SWA memory off for ${model.architectures[0]} (server_args.py): every layer full length.`);
      if (gpu === undefined) {
        est.notes.push('No GPU memory given: the pool is sized from memory.');
        return est;
      }
      const rest = gpu * fraction - weightsPerGpu - GIB - cells.stateBytesPerRequest * batch;
      const pool = sglangPool(cells, rest, {});
      est.pools.push({ name: 'full', layers: cells.fullLayers, tokens: pool.maxTotalNumTokens, bytes: pool.kBytes + pool.vBytes });
      if (pool.swaTokens !== undefined) est.pools.push({ name: 'SWA', layers: cells.swaLayers, tokens: pool.swaTokens, bytes: pool.swaTokens * cells.swaLayers * cells.swaPerLayerTokenBytes });
      est.kvBytesPerGpu = est.pools.reduce((s, p) => s + p.bytes, 0) + cells.stateBytesPerRequest * batch;
      est.poolTokens = pool.maxTotalNumTokens;
      est.maxConcurrency = pool.maxTotalNumTokens / context;
      est.maxContext = pool.maxTotalNumTokens;
      est.fits = pool.maxTotalNumTokens >= context * batch;
      return est;
    }
    case 'llama.cpp': {
      // llama.cpp caches f16 whatever the model's dtype unless -ctk / -ctv say otherwise.
      const t = op.kvDtype && op.kvDtype !== modelKv ? llamaCacheType(op.kvDtype) : 'f16';
      const type: LlamaCacheType = t ?? 'f16';
      const settings = { nCtx: context * batch, nSeqMax: batch, typeK: type, typeV: type };
      const kv = llamaCppKv(model, settings);
      const compute = activationReserveBytes(model, 512, 1) - GIB + 256 * 1024 ** 2;
      const assumptions: EngineAssumption[] = [
        { name: 'n_ubatch', value: '512', estimate: false, source: 'common/common.h' },
        { name: 'cache type', value: type, estimate: false, source: 'common/arg.cpp' },
        { name: 'flash attention', value: 'on (auto)', estimate: false, source: 'common/arg.cpp' },
        { name: 'split cache per sequence', value: `${batch} x ${kv.nCtxSeq}`, estimate: false, source: 'src/llama-context.cpp' },
        weightsAssumption,
        { name: 'compute buffer', value: formatBytes(compute), estimate: true },
      ];
      const notes = [...kv.notes];
      if (!t) notes.push(`llama.cpp has no ${kvDtype} cache type: f16 shown.`);
      if (!/\.gguf$/i.test(id)) notes.push('llama.cpp reads GGUF files: MODEL.gguf stands for a GGUF conversion of the model.');
      if (tp > 1) notes.push('llama.cpp splits layers across GPUs (--split-mode layer): the cache is the same in total, spread over the GPUs.');
      const pools = [
        ...(kv.base ? [{ name: 'KV (non-SWA)', layers: kv.base.layers, tokens: kv.base.cells * kv.nStream, bytes: kv.base.bytes }] : []),
        ...(kv.swa ? [{ name: 'KV (SWA)', layers: kv.swa.layers, tokens: kv.swa.cells * kv.nStream, bytes: kv.swa.bytes }] : []),
        ...(kv.recurrent ? [{ name: 'recurrent', layers: kv.recurrent.layers, tokens: kv.recurrent.cells, bytes: kv.recurrent.bytes }] : []),
      ];
      const launch = `llama-server -m ${/\.gguf$/i.test(id) ? id : 'MODEL.gguf'} -c ${context * batch} -np ${batch} -ctk ${type} -ctv ${type} -fa on`;
      const est: EngineEstimate = { engine, rulesVersion: 'llama.cpp (builds of 2025-2026)', kvBytesPerGpu: kv.bytes / tp, pools, poolTokens: kv.nCtx, maxConcurrency: batch, launch, assumptions, notes };
      if (gpu !== undefined) {
        const free = gpu * tp - weights - compute;
        est.fits = kv.bytes <= free;
        // Longest per-sequence context at this batch: bisect on n_ctx_seq (multiples of 256).
        let lo = 0;
        let hi = 1 << 20;
        if (llamaCppKv(model, { ...settings, nCtx: hi * 256 * batch }).bytes <= free) lo = hi;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (llamaCppKv(model, { ...settings, nCtx: mid * 256 * batch }).bytes <= free) lo = mid;
          else hi = mid;
        }
        est.maxContext = lo * 256;
      }
      return est;
    }
    case 'trtllm': {
      const fraction = 0.9;
      const assumptions: EngineAssumption[] = [
        { name: 'free_gpu_memory_fraction', value: String(fraction), estimate: false, source: 'tensorrt_llm/llmapi/llm_args.py' },
        { name: 'tokens_per_block', value: '32', estimate: false, source: 'tensorrt_llm/llmapi/llm_args.py' },
        { name: 'max_attention_window', value: 'none: every layer full length', estimate: false, source: 'tensorrt_llm/llmapi/llm_args.py' },
        weightsAssumption,
      ];
      const launch = `trtllm-serve ${id} --max_seq_len ${context} --max_batch_size ${batch} --tp_size ${tp} --kv_cache_free_gpu_memory_fraction ${fraction}`;
      const est: EngineEstimate = { engine, rulesVersion: 'TensorRT-LLM PyTorch backend (1.0-1.2)', kvBytesPerGpu: 0, pools: [], launch, assumptions, notes: [] };
      if (kvDtype !== modelKv && kvDtype !== 'fp8') est.notes.push(`TRT-LLM caches ${modelKv} or fp8 (or nvfp4); ${kvDtype} computed as asked.`);
      if (gpu === undefined) {
        est.notes.push('No GPU memory given: the pool is sized from free memory.');
        return est;
      }
      const reserve = activationReserveBytes(model, 8192, tp);
      assumptions.push(reserveNote(reserve, 8192));
      const free = Math.max(0, gpu - weightsPerGpu - reserve);
      const pool = trtllmPool(model, free, { kvDtype, tp, freeGpuMemoryFraction: fraction });
      est.pools.push({ name: 'KV', layers: model.layers.length, tokens: pool.maxTokens, bytes: pool.bytes });
      est.kvBytesPerGpu = pool.bytes;
      est.poolTokens = pool.maxTokens;
      est.maxConcurrency = pool.maxTokens / context;
      est.maxContext = pool.maxTokens;
      est.fits = pool.maxTokens >= context * batch;
      if (pool.stateBytesPerSequence) est.notes.push(`State slots apart: ${formatBytes(pool.stateBytesPerSequence)} per sequence.`);
      return est;
    }
  }
}

/** Every engine (or the chosen ones) at the operating point. */
export function engineEstimates(model: ModelDescription, op: OperatingPoint, inputs: EngineInputs = {}, engines: readonly EngineId[] = ENGINE_IDS): EngineEstimate[] {
  // A model without a per-token cache (encoder-only, state-only): the context is not bounded by any pool.
  const perToken = model.layers.some((l) => elementsPerToken(l) > 0);
  return engines.map((e) => {
    const est = engineEstimate(e, model, op, inputs);
    if (!perToken) {
      delete est.maxContext;
      est.notes.push(model.encoderOnly ? 'Encoder-only: no KV cache to size.' : 'No per-token cache: the context is not bounded by the cache.');
    }
    return est;
  });
}

/** Parses an `--engine` value: one id, `all`, or a comma list; undefined names are returned apart. */
export function parseEngines(value: string): { engines: EngineId[]; unknown: string[] } {
  const engines: EngineId[] = [];
  const unknown: string[] = [];
  for (const raw of value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    const name = raw === 'llamacpp' || raw === 'llama-cpp' ? 'llama.cpp' : raw === 'tensorrt-llm' || raw === 'trt-llm' ? 'trtllm' : raw;
    if (name === 'all') engines.push(...ENGINE_IDS.filter((e) => !engines.includes(e)));
    else if ((ENGINE_IDS as readonly string[]).includes(name)) {
      if (!engines.includes(name as EngineId)) engines.push(name as EngineId);
    } else unknown.push(raw);
  }
  return { engines, unknown };
}
