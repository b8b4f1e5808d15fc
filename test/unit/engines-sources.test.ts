/**
 * Engine rules re-derived from the engines' own sources (issue 13 review): vLLM's UniformTypeKVCacheSpecs, the
 * DeepSeek-V3.2 / GLM-5 indexer cache and `fp8_ds_mla`, MLA block sizes, the group-size heuristic's bound,
 * num_gpu_blocks_override, a disabled hybrid manager, context-parallel token counts; TensorRT-LLM's pool from its
 * free-memory line. Each expected figure is worked out by hand in a comment from the formula in the named source
 * file; the synthetic log lines are shaped exactly as the engine's format string (quoted beside them).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../src/core/analyze';
import { engineEstimate, llamaCppKv, llamaRecurrentWidths, sglangCells, sglangHybridSwaDefault, sglangPool, vllmLayout, vllmPool } from '../../src/core/engines';
import { checkStartUp, readLogText, vllmGroupSizeSlack } from '../../src/core/logs';
import type { ModelDescription } from '../../src/core/types';
import { CONFIGS } from '../fixtures/paths';

const GiB = 1024 ** 3;
const raw = (name: string) => JSON.parse(readFileSync(join(CONFIGS, name), 'utf8')) as Record<string, unknown>;
function model(cfg: Record<string, unknown> | string): ModelDescription {
  const a = analyzeText(typeof cfg === 'string' ? readFileSync(join(CONFIGS, cfg), 'utf8') : JSON.stringify(cfg));
  assert.ok(a.model, a.error);
  return a.model;
}
const fig = (c: ReturnType<typeof checkStartUp>, name: string) => {
  const f = c.figures.find((x) => x.name === name);
  assert.ok(f, `no figure ${name} in ${JSON.stringify(c.figures)}`);
  return f;
};

describe('vLLM MLA (vllm/v1/kv_cache_interface.py MLAAttentionSpec)', () => {
  it('DeepSeek-V3 at TP 8, block 64: one latent of 576 values per token per layer, not split by TP', () => {
    const m = model('deepseek_v3__DeepSeek-V3.json');
    const layout = vllmLayout(m, { maxModelLen: 32768, tp: 8, blockSize: 64 });
    // real_page_size_bytes = block_size x num_kv_heads (1) x head_size (512 + 64) x 2 B = 64 x 576 x 2 = 73,728.
    assert.equal(layout.pageBytes, 73728);
    // One spec for all 61 layers: one group of 61 (get_num_blocks: available // page // 61).
    assert.equal(layout.groups.length, 1);
    assert.equal(layout.groupSize, 61);
    const pool = vllmPool(layout, 50 * GiB, 32768);
    // 53,687,091,200 // 73,728 = 728,177; // 61 = 11,937 blocks; tokens 11,937 x 64 = 763,968.
    assert.equal(pool.numBlocks, 11937);
    assert.equal(pool.tokens, 763968);
    // concurrency = 11,937 / cdiv(32,768, 64) = 11,937 / 512 = 23.314.
    assert.equal(pool.maxConcurrency.toFixed(2), '23.31');
  });

  it('fp8 cache of a dense-MLA model: one byte per latent value', () => {
    const layout = vllmLayout(model('deepseek_v3__DeepSeek-V3.json'), { maxModelLen: 4096, blockSize: 64, kvDtype: 'fp8' });
    // 64 x 576 x 1 B.
    assert.equal(layout.pageBytes, 36864);
  });

  it('GLM-5 (sparse MLA): the indexer is a layer of its own; all full-type specs -> UniformTypeKVCacheSpecs, one group', () => {
    const m = model('glm_moe_dsa__GLM-5.json');
    const layout = vllmLayout(m, { maxModelLen: 32768, blockSize: 64 });
    // deepseek_v2.py DeepseekV32IndexerCache: head_size = 128 + 128 // 128 x 4 = 132, uint8 -> 132 B per token.
    // kv_cache_utils.py get_kv_cache_config_from_groups (UniformTypeKVCacheSpecs): page = sum of every layer's page
    //   = 78 x 64 x (576 x 2 + 132) = 78 x 64 x 1,284 = 6,409,728 B; num_blocks = available // page.
    assert.equal(layout.uniformType, true);
    assert.equal(layout.groups.length, 1);
    assert.equal(layout.pageBytes, 6409728);
    const pool = vllmPool(layout, 50 * GiB, 32768);
    // 53,687,091,200 // 6,409,728 = 8,375 blocks; tokens 8,375 x 64 = 536,000; concurrency 8,375 / 512 = 16.36.
    assert.equal(pool.numBlocks, 8375);
    assert.equal(pool.tokens, 536000);
    assert.equal(pool.maxConcurrency.toFixed(2), '16.36');
    assert.equal(pool.bytes, 8375 * 6409728);
  });

  it('GLM-5 with an fp8 cache: fp8_ds_mla, 656 B per token per MLA layer (+ the 132 B indexer)', () => {
    const layout = vllmLayout(model('glm_moe_dsa__GLM-5.json'), { maxModelLen: 32768, blockSize: 64, kvDtype: 'fp8', cacheDtypeStr: 'fp8_ds_mla' });
    // 78 x 64 x (656 + 132) = 3,933,696 B; 53,687,091,200 // 3,933,696 = 13,648 blocks.
    assert.equal(layout.pageBytes, 3933696);
    assert.equal(vllmPool(layout, 50 * GiB, 32768).numBlocks, 13648);
  });
});

describe('vLLM grouping (vllm/v1/core/kv_cache_utils.py _get_kv_cache_groups_uniform_page_size)', () => {
  const base = raw('gpt_oss__gpt-oss-20b.json');
  // 10 full + 14 sliding layers: max 14 < 1.5 x 10 -> group_size 14 on current main (1.25 x 10 = 12.5 in 2025).
  const types = [...Array(10).fill('full_attention'), ...Array(14).fill('sliding_attention')];
  const m = model({ ...base, layer_types: types });

  it('current bound 1.5: group size 14, one full group (4 padding layers) + one sliding group', () => {
    const layout = vllmLayout(m, { maxModelLen: 8192 });
    assert.equal(layout.groupSize, 14);
    assert.equal(layout.groups.length, 2);
    assert.match(layout.notes.join(' '), /4 padding layers/);
  });

  it('the 2025 bound 1.25: group size 10, one full + cdiv(14, 10) = 2 sliding groups', () => {
    const layout = vllmLayout(m, { maxModelLen: 8192, groupSizeSlack: 1.25 });
    assert.equal(layout.groupSize, 10);
    assert.equal(layout.groups.length, 3);
    // tokens = num_blocks // 3 groups x 16: 3000 blocks of 10 layers -> 1000 x 16 = 16,000 tokens.
    const pool = vllmPool(layout, 3000 * 32768 * 10, 8192);
    assert.equal(pool.numBlocks, 3000);
    assert.equal(pool.tokens, 16000);
  });

  it('the bound by release: min before PR 29303 (0.12), 1.25 until PR 36684 (0.18), 1.5 since; check-log follows the log', () => {
    assert.equal(vllmGroupSizeSlack('0.11.0'), 1);
    assert.equal(vllmGroupSizeSlack('0.14.1'), 1.25);
    assert.equal(vllmGroupSizeSlack('0.19.0'), 1.5);
    assert.equal(vllmGroupSizeSlack(undefined), 1.5);
    // 0.11: group size min(10, 14) = 10 -> 3 groups; tokens = num_blocks // 3 x 16 (page 16 x 8 x 128 x 2 = 32,768 B).
    const text = (v: string) => [
      `INFO 01-12 12:27:50 [api_server.py:1896] vLLM API server version ${v}`,
      "INFO 01-12 12:27:50 [utils.py:328] non-default args: {'model': 'x/y', 'max_model_len': 8192}",
      'INFO 01-12 12:30:01 [gpu_worker.py:298] Available KV cache memory: 3.05 GiB',
      'INFO 01-12 12:30:02 [kv_cache_utils.py:1087] GPU KV cache size: 53,296 tokens',
    ].join('\n');
    const old = checkStartUp(readLogText(text('0.11.0')).startUps[0]!, m);
    // 3.05 GiB = 3,274,912,563 B // 32,768 = 99,942 // 10 = 9,994 blocks; // 3 groups = 3,331 x 16 = 53,296 tokens.
    assert.equal(old.settings.cache_groups, 3);
    assert.equal(fig(old, 'gpu_kv_cache_tokens').predicted, 53296);
    assert.equal(fig(old, 'gpu_kv_cache_tokens').match, true);
    // 0.19: group size 14 -> 2 groups; 99,942 // 14 = 7,138 blocks; // 2 = 3,569 x 16 = 57,104 tokens.
    const now = checkStartUp(readLogText(text('0.19.0')).startUps[0]!, m);
    assert.equal(now.settings.cache_groups, 2);
    assert.equal(fig(now, 'gpu_kv_cache_tokens').predicted, 57104);
  });

  it('hybrid manager disabled (unify_hybrid_kv_cache_specs): every layer full length, one group', () => {
    const layout = vllmLayout(model('gpt_oss__gpt-oss-20b.json'), { maxModelLen: 8192, disableHybrid: true });
    // All FullAttentionSpec (the sliding ones recording their window): one group; page 24 x 16 x 8 x 128 x 2 B.
    assert.equal(layout.groups.length, 1);
    assert.equal(layout.pageBytes, 24 * 16 * 8 * 128 * 2);
    const pool = vllmPool(layout, 1000 * layout.pageBytes, 8192);
    // 1000 blocks, 16,000 tokens; every layer needs cdiv(8192, 16) = 512 blocks -> 1.95x.
    assert.equal(pool.tokens, 16000);
    assert.equal(pool.maxConcurrency, 1000 / 512);
  });

  it('num_gpu_blocks_override replaces the block count (may_override_num_blocks)', () => {
    const layout = vllmLayout(model('qwen2__Qwen2.5-7B-Instruct.json'), { maxModelLen: 4096, numGpuBlocksOverride: 1000 });
    const pool = vllmPool(layout, 80 * GiB, 4096);
    // 1000 blocks x 16 = 16,000 tokens; 1000 / cdiv(4096, 16) = 3.90625.
    assert.equal(pool.numBlocks, 1000);
    assert.equal(pool.tokens, 16000);
    assert.equal(pool.maxConcurrency, 1000 / 256);
  });
});

describe('check-log on synthetic lines shaped as the engines print them', () => {
  it('vLLM V1 DeepSeek-V3 TP 8 with the FlashMLA block size line and process prefixes', () => {
    // vllm/platforms/cuda.py: "Forcing kv cache block size to 64 for FlashMLA backend."
    // vllm/v1/worker/gpu_worker.py: "Available KV cache memory: %.2f GiB"
    // vllm/v1/core/kv_cache_utils.py: "GPU KV cache size: %s tokens" ({:,}), "Maximum concurrency for %s tokens per request: %.2fx"
    const text = [
      '(APIServer pid=100) INFO 01-12 12:27:50 [api_server.py:1896] vLLM API server version 0.11.0',
      "(APIServer pid=100) INFO 01-12 12:27:50 [utils.py:328] non-default args: {'model': 'deepseek-ai/DeepSeek-V3', 'max_model_len': 32768, 'tensor_parallel_size': 8}",
      '(EngineCore_DP0 pid=200) INFO 01-12 12:28:01 [cuda.py:232] Forcing kv cache block size to 64 for FlashMLA backend.',
      '(Worker_TP0 pid=300) INFO 01-12 12:30:01 [gpu_worker.py:298] Available KV cache memory: 50.00 GiB',
      '(EngineCore_DP0 pid=200) INFO 01-12 12:30:02 [kv_cache_utils.py:1087] GPU KV cache size: 763,968 tokens',
      '(EngineCore_DP0 pid=200) INFO 01-12 12:30:02 [kv_cache_utils.py:1091] Maximum concurrency for 32,768 tokens per request: 23.31x',
    ].join('\n');
    const su = readLogText(text).startUps[0]!;
    assert.equal(su.settings.block_size, 64);
    const c = checkStartUp(su, model('deepseek_v3__DeepSeek-V3.json'));
    // Worked in the MLA test above: 11,937 blocks x 64 = 763,968 tokens; 23.31x.
    assert.equal(fig(c, 'gpu_kv_cache_tokens').predicted, 763968);
    assert.equal(fig(c, 'gpu_kv_cache_tokens').match, true);
    assert.equal(fig(c, 'max_concurrency').match, true);
  });

  it('vLLM GLM-5 with fp8: the fp8_ds_mla line sets the format, the indexer counted as its own 132 B layers', () => {
    // vllm/model_executor/models/config.py: "Using custom fp8 kv-cache format for DeepSeekV3.2"
    const text = [
      'INFO 01-12 12:27:50 [api_server.py:1896] vLLM API server version 0.11.0',
      "INFO 01-12 12:27:50 [utils.py:328] non-default args: {'model': 'zai-org/GLM-5', 'max_model_len': 32768, 'kv_cache_dtype': 'fp8', 'tensor_parallel_size': 8}",
      'INFO 01-12 12:28:00 [config.py:385] Using custom fp8 kv-cache format for DeepSeekV3.2',
      'INFO 01-12 12:28:01 [cuda.py:232] Forcing kv cache block size to 64 for FlashMLASparse backend.',
      'INFO 01-12 12:30:01 [gpu_worker.py:298] Available KV cache memory: 50.00 GiB',
      // 13,648 blocks x 64 (worked above) = 873,472; 13,648 / 512 = 26.66.
      'INFO 01-12 12:30:02 [kv_cache_utils.py:1087] GPU KV cache size: 873,472 tokens',
      'INFO 01-12 12:30:02 [kv_cache_utils.py:1091] Maximum concurrency for 32,768 tokens per request: 26.66x',
    ].join('\n');
    const su = readLogText(text).startUps[0]!;
    assert.equal(su.settings.kv_cache_dtype, 'fp8_ds_mla');
    const c = checkStartUp(su, model('glm_moe_dsa__GLM-5.json'));
    assert.equal(fig(c, 'gpu_kv_cache_tokens').predicted, 873472);
    assert.equal(fig(c, 'gpu_kv_cache_tokens').match, true);
    assert.equal(fig(c, 'max_concurrency').match, true);
  });

  it('vLLM override and context parallelism lines are read and applied', () => {
    // kv_cache_utils.py: "Overriding num_gpu_blocks=%d with num_gpu_blocks_override=%d";
    // "Multiplying the GPU KV cache size by the cp_world_size %d (pcp_world_size %d * dcp_world_size %d)."
    const text = [
      'INFO 01-12 12:27:50 [api_server.py:1896] vLLM API server version 0.12.0',
      "INFO 01-12 12:27:50 [utils.py:328] non-default args: {'model': 'Qwen/Qwen2.5-7B-Instruct', 'max_model_len': 4096}",
      'INFO 01-12 12:30:01 [kv_cache_utils.py:700] Overriding num_gpu_blocks=48925 with num_gpu_blocks_override=1000',
      'INFO 01-12 12:30:01 [kv_cache_utils.py:1080] Multiplying the GPU KV cache size by the cp_world_size 2 (pcp_world_size 1 * dcp_world_size 2).',
      // 1000 blocks x 16 x 2 = 32,000 tokens; concurrency 1000 / cdiv(cdiv(4096, 2), 16) = 1000 / 128 = 7.81.
      'INFO 01-12 12:30:02 [kv_cache_utils.py:1087] GPU KV cache size: 32,000 tokens',
      'INFO 01-12 12:30:02 [kv_cache_utils.py:1091] Maximum concurrency for 4,096 tokens per request: 7.81x',
    ].join('\n');
    const su = readLogText(text).startUps[0]!;
    const c = checkStartUp(su, model('qwen2__Qwen2.5-7B-Instruct.json'));
    assert.equal(fig(c, 'gpu_kv_cache_tokens').predicted, 32000);
    assert.equal(fig(c, 'gpu_kv_cache_tokens').match, true);
    assert.equal(fig(c, 'max_concurrency').predicted, 1000 / 128);
    assert.equal(fig(c, 'max_concurrency').match, true);
  });

  it('vLLM --kv-cache-memory: the given bytes size the pool exactly (gpu_worker.py determine_available_memory)', () => {
    const text = [
      'INFO 01-12 12:27:50 [api_server.py:1896] vLLM API server version 0.11.0',
      "INFO 01-12 12:27:50 [utils.py:328] non-default args: {'model': 'Qwen/Qwen2.5-7B-Instruct', 'max_model_len': 4096, 'kv_cache_memory_bytes': 10737418240}",
      'INFO 01-12 12:30:01 [gpu_worker.py:270] Initial free memory 78.50 GiB, reserved 10.00 GiB memory for KV Cache as specified by kv_cache_memory_bytes config and skipped memory profiling. This does not respect the gpu_memory_utilization config.',
      // page 16 x 4 x (128 + 128) x 2 B = 32,768; 10,737,418,240 // 32,768 // 28 = 11,702 blocks -> 187,232 tokens;
      // 11,702 / cdiv(4096, 16) = 45.71x.
      'INFO 01-12 12:30:02 [kv_cache_utils.py:1087] GPU KV cache size: 187,232 tokens',
      'INFO 01-12 12:30:02 [kv_cache_utils.py:1091] Maximum concurrency for 4,096 tokens per request: 45.71x',
    ].join('\n');
    const c = checkStartUp(readLogText(text).startUps[0]!, model('qwen2__Qwen2.5-7B-Instruct.json'));
    assert.equal(fig(c, 'available_kv_memory').predicted, 10);
    assert.equal(fig(c, 'gpu_kv_cache_tokens').predicted, 187232);
    assert.equal(fig(c, 'gpu_kv_cache_tokens').match, true);
    assert.equal(fig(c, 'max_concurrency').match, true);
  });

  it('vLLM: "Hybrid KV cache manager is disabled" makes every gpt-oss layer full length', () => {
    const text = [
      'INFO 01-12 12:27:50 [api_server.py:1896] vLLM API server version 0.11.0',
      "INFO 01-12 12:27:50 [utils.py:328] non-default args: {'model': 'openai/gpt-oss-20b', 'max_model_len': 8192}",
      'WARNING 01-12 12:29:00 [kv_cache_utils.py:1000] Hybrid KV cache manager is disabled for this hybrid model, This means we do not enable any optimizations for saving KV cache memory (e.g., dropping the KV cache outside the sliding window). The compute of layers like sliding window is still saved.',
      'INFO 01-12 12:30:01 [gpu_worker.py:298] Available KV cache memory: 10.00 GiB',
      // one group of 24 layers, page 16 x 8 x 128 x 2 = 32,768 B: 10,737,418,240 // 32,768 // 24 = 13,653 blocks
      // -> 218,448 tokens; 13,653 / 512 = 26.67x.
      'INFO 01-12 12:30:02 [kv_cache_utils.py:1087] GPU KV cache size: 218,448 tokens',
      'INFO 01-12 12:30:02 [kv_cache_utils.py:1091] Maximum concurrency for 8,192 tokens per request: 26.67x',
    ].join('\n');
    const c = checkStartUp(readLogText(text).startUps[0]!, model('gpt_oss__gpt-oss-20b.json'));
    assert.equal(fig(c, 'gpu_kv_cache_tokens').predicted, 218448);
    assert.equal(fig(c, 'gpu_kv_cache_tokens').match, true);
    assert.equal(fig(c, 'max_concurrency').match, true);
  });

  it('vLLM hybrid: a logged attention block size above the minimum drives the other figures', () => {
    // vllm/platforms/interface.py: "Setting attention block size to %d tokens to ensure that attention page size is
    // >= mamba page size." and "Padding mamba page size by %.2f%% to ensure that mamba page size and attention page
    // size are exactly equal." With mamba_cache_mode "all" the block is chunk-aligned: 320 here, not the minimum 272.
    const text = [
      'INFO 01-12 12:27:50 [api_server.py:1896] vLLM API server version 0.14.0',
      "INFO 01-12 12:27:50 [utils.py:328] non-default args: {'model': 'Qwen/Qwen3-Next-80B-A3B-Thinking', 'max_model_len': 4096, 'tensor_parallel_size': 4, 'enable_prefix_caching': True}",
      'INFO 01-12 12:28:00 [interface.py:891] Setting attention block size to 320 tokens to ensure that attention page size is >= mamba page size.',
      'INFO 01-12 12:28:00 [interface.py:921] Padding mamba page size by 19.40% to ensure that mamba page size and attention page size are exactly equal.',
    ].join('\n');
    const c = checkStartUp(readLogText(text).startUps[0]!, model('qwen3_next__Qwen3-Next-80B-A3B-Thinking.json'));
    // Minimum rule: 16 x cdiv(274,432, 16 x 1,024) = 272 (see engines.test.ts), so the logged 320 is explained, not matched.
    assert.equal(fig(c, 'attention_block_size').predicted, 272);
    assert.match(fig(c, 'attention_block_size').reason ?? '', /mamba_cache_mode/);
    // Padding at the logged 320: (320 x 1,024 - 274,432) / 274,432 = 53,248 / 274,432 = 19.40%.
    assert.equal(fig(c, 'mamba_page_padding').predicted!.toFixed(2), '19.40');
    assert.equal(fig(c, 'mamba_page_padding').match, true);
  });

  it('TensorRT-LLM: blocks and max tokens from the free-memory line (kvCacheManager.cpp)', () => {
    // "Memory usage when calculating max tokens in paged kv cache: total: %0.2f GiB, available: %0.2f GiB"
    // "Number of blocks in KV cache primary pool: %d"; "Number of tokens per block: %d.";
    // "[MemUsageChange] Allocated %0.2f GiB for max tokens in paged KV cache (%d)."
    // Qwen2.5-7B bf16: 28 layers x 4 KV heads x 128 x 2 (K, V) x 2 B = 57,344 B per token.
    // maxTokens = floor(17.83 GiB x 0.9 / 57,344) = floor(17,230,335,049.7 / 57,344) = 300,473;
    // blocks = ceil(300,468 / 32) = 9,390; tokens 9,390 x 32 = 300,480; 300,480 x 57,344 B = 16.05 GiB.
    const text = [
      '[TensorRT-LLM][INFO] Memory usage when calculating max tokens in paged kv cache: total: 79.10 GiB, available: 17.83 GiB',
      '[TensorRT-LLM][INFO] Number of blocks in KV cache primary pool: 9390',
      '[TensorRT-LLM][INFO] Number of blocks in KV cache secondary pool: 0, onboard blocks to primary memory before reuse: true',
      '[TensorRT-LLM][INFO] Max KV cache pages per sequence: 128',
      '[TensorRT-LLM][INFO] Number of tokens per block: 32.',
      '[TensorRT-LLM][INFO] [MemUsageChange] Allocated 16.05 GiB for max tokens in paged KV cache (300480).',
    ].join('\n');
    const su = readLogText('[TensorRT-LLM] TensorRT-LLM version: 1.2.0rc2\n' + text).startUps[0]!;
    assert.equal(su.engine, 'trtllm');
    assert.equal(su.version, '1.2.0rc2');
    const c = checkStartUp(su, model('qwen2__Qwen2.5-7B-Instruct.json'));
    assert.equal(fig(c, 'trt_max_tokens').predicted, 300480);
    assert.equal(fig(c, 'trt_max_tokens').match, true);
    assert.equal(fig(c, 'trt_primary_blocks').match, true);
    assert.equal(fig(c, 'trt_kv_cache').match, true);
    // kv_cache_config.max_tokens below the fraction's count wins (llm_args.py): ceil(100,000 / 32) = 3,125 blocks.
    const capped = checkStartUp(su, model('qwen2__Qwen2.5-7B-Instruct.json'), { max_tokens: 100000 });
    assert.equal(fig(capped, 'trt_max_tokens').predicted, 3125 * 32);
    // Pages per sequence = ceil(max_seq_len / 32): the log does not print max_seq_len, so it is not guessed.
    assert.equal(fig(c, 'trt_pages_per_sequence').predicted, null);
    assert.equal(fig(c, 'trt_available').predicted, null);
  });
});

describe('SGLang hybrid SWA pools (python/sglang/srt/model_executor/model_runner.py set_num_token_hybrid)', () => {
  it('gpt-oss-20b: full pool solved at the 0.8 ratio, both pools aligned down to page_size', () => {
    const cells = sglangCells(model('gpt_oss__gpt-oss-20b.json'));
    // Per layer and token 8 heads x 64 x 2 (K, V) x 2 B = 2,048 B; 12 full + 12 SWA layers.
    // tokens = 2^30 // (12 x 2,048 + 12 x 2,048) = 21,845; memory = 21,845 x 49,152 = 1,073,725,440;
    // full = int(memory / (24,576 + 0.8 x 24,576)) = 24,272; swa = int(24,272 x 0.8) = 19,417.
    const p1 = sglangPool(cells, GiB);
    assert.equal(p1.maxTotalNumTokens, 24272);
    assert.equal(p1.swaTokens, 19417);
    // page_size 64: full 24,272 -> 24,256; swa int(24,256 x 0.8) = 19,404 -> 19,392.
    const p64 = sglangPool(cells, GiB, { pageSize: 64 });
    assert.equal(p64.maxTotalNumTokens, 24256);
    assert.equal(p64.swaTokens, 19392);
  });

  it('layers of different per-token bytes (Gemma-4 26B: SWA 8 x 256 K+V, full 2 x 512 K=V) weigh apart', () => {
    const cells = sglangCells(model('gemma4__gemma-4-26B-A4B.json'));
    // full: 5 layers x 2 heads x 512 x 2 B (K = V, one tensor as KV Lens caches it) = 10,240 B per token;
    // SWA: 25 layers x 8 x (256 + 256) x 2 B = 204,800 B per token.
    assert.equal(cells.perLayerTokenBytes * cells.fullLayers, 10240);
    assert.equal(cells.swaPerLayerTokenBytes * cells.swaLayers, 204800);
    // tokens = 2^30 // 215,040 = 4,993; memory 4,993 x 215,040 = 1,073,694,720; full = int(memory / (10,240 +
    // 0.8 x 204,800)) = 6,167; swa = int(6,167 x 0.8) = 4,933.
    const p = sglangPool(cells, GiB);
    assert.equal(p.maxTotalNumTokens, 6167);
    assert.equal(p.swaTokens, 4933);
  });

  it('server_args.py turns hybrid SWA memory off for GptOss and Gemma 2 / 3 / 3n: every layer full length', () => {
    assert.equal(sglangHybridSwaDefault('GptOssForCausalLM'), false);
    assert.equal(sglangHybridSwaDefault('Gemma3ForConditionalGeneration'), false);
    assert.equal(sglangHybridSwaDefault('Gemma3nForCausalLM'), false);
    assert.equal(sglangHybridSwaDefault('Llama4ForConditionalGeneration'), true);
    // The side-by-side estimate for gpt-oss: one full pool of 24 layers, no SWA pool.
    const est = engineEstimate('sglang', model('gpt_oss__gpt-oss-20b.json'), { gpuMemoryGiB: 80, context: 8192, batch: 1, tp: 1 });
    assert.deepEqual(est.pools.map((p) => [p.name, p.layers]), [['full', 24]]);
    // A log without the K size line: the check falls back on the same default and says so.
    const text = "[2026-03-11 13:53:00] server_args=ServerArgs(model_path='openai/gpt-oss-20b', page_size=1, tp_size=1)\n[2026-03-11 13:53:23 TP0] max_total_num_tokens=1000, chunked_prefill_size=8192";
    const c = checkStartUp(readLogText(text).startUps[0]!, model('gpt_oss__gpt-oss-20b.json'));
    assert.equal(c.settings.disable_hybrid_swa_memory, true);
  });

  it('check-log: the lower-case "Use sliding window memory pool" line, SWA tokens aligned to page_size', () => {
    // model_runner.py: f"Use sliding window memory pool. full_layer_tokens={full_tokens}, swa_layer_tokens={swa_tokens}"
    const text = [
      "[2026-03-11 13:53:00] server_args=ServerArgs(model_path='openai/gpt-oss-20b', page_size=64, kv_cache_dtype='auto', tp_size=1, swa_full_tokens_ratio=0.8)",
      '[2026-03-11 13:53:21 TP0] Use sliding window memory pool. full_layer_tokens=24256, swa_layer_tokens=19392',
    ].join('\n');
    const c = checkStartUp(readLogText(text).startUps[0]!, model('gpt_oss__gpt-oss-20b.json'));
    // int(24,256 x 0.8) = 19,404, aligned down to 64 = 19,392.
    assert.equal(fig(c, 'sglang_swa_tokens').predicted, 19392);
    assert.equal(fig(c, 'sglang_swa_tokens').match, true);
  });
});

describe('llama.cpp (src/llama-kv-cache.cpp llama_kv_cache ctor)', () => {
  const MiB = 1024 ** 2;
  // Format string: "%s: size = %7.2f MiB (%6u cells, %3d layers, %2u/%u seqs), K (%s): %7.2f MiB, V (%s): %7.2f MiB"
  const sizeLine = (size: string, k: string, v: string) =>
    `llama_kv_cache: size = ${size} MiB (  4096 cells,  61 layers,  1/1 seqs), K (f16): ${k} MiB, V (f16): ${v} MiB`;
  const ctxLines = ['llama_context: n_seq_max     = 1', 'llama_context: n_ctx         = 4096', 'llama_context: n_ubatch      = 512', 'llama_context: flash_attn    = auto', 'llama_context: kv_unified    = false'];

  it('DeepSeek-V3 with MLA: has_v = !is_mla, K holds the 576-value latent, no V', () => {
    const r = llamaCppKv(model('deepseek_v3__DeepSeek-V3.json'), { nCtx: 4096 });
    // K: 61 layers x 4096 cells x 576 x 2 B = 287,834,112 B = 274.5 MiB; V 0.
    assert.equal(r.base!.kBytes / MiB, 274.5);
    assert.equal(r.base!.vBytes, 0);
    const text = ['build: 7100 (abcdef12) with cc', ...ctxLines, sizeLine(' 274.50', ' 274.50', '   0.00')].join('\n');
    const c = checkStartUp(readLogText(text).startUps[0]!, model('deepseek_v3__DeepSeek-V3.json'));
    assert.equal(fig(c, 'kv.size').match, true);
    assert.equal(fig(c, 'kv.V').predicted, 0);
  });

  it('an older MLA build that printed a V tensor: V of kv_lora_rank is predicted, not called a mismatch', () => {
    // V: 61 x 4096 x 512 x 2 B = 255,852,544 B = 244 MiB; size 274.5 + 244 = 518.5 MiB.
    const text = ['build: 5300 (abcdef12) with cc', ...ctxLines, sizeLine(' 518.50', ' 274.50', ' 244.00')].join('\n');
    const c = checkStartUp(readLogText(text).startUps[0]!, model('deepseek_v3__DeepSeek-V3.json'));
    assert.equal(fig(c, 'kv.V').predicted, 244);
    assert.equal(fig(c, 'kv.V').match, true);
    assert.equal(fig(c, 'kv.size').match, true);
  });

  it('recurrent state widths as llama_hparams::n_embd_r / n_embd_s (src/llama-hparams.cpp)', () => {
    // RWKV: R = token_shift_count x n_embd = 2 x 2048 = 4,096; S = n_embd x wkv_head_size = 2048 x 64 = 131,072.
    assert.deepEqual(llamaRecurrentWidths({ ssmDConv: 0, ssmDInner: 0, ssmDState: 0, ssmNGroup: 0, wkvHeadSize: 64, nEmbd: 2048, tokenShiftCount: 2 }), { r: 4096, s: 131072 });
    // Kimi KDA: R = 3 x (4 - 1) x 32 heads x 128 = 36,864; S = 128 x 128 x 32 = 524,288.
    assert.deepEqual(llamaRecurrentWidths({ ssmDConv: 4, ssmDInner: 0, ssmDState: 0, ssmNGroup: 0, kdaHeadDim: 128, nHead: 32 }), { r: 36864, s: 524288 });
    // LFM2 short convolution: R = n_embd x (l_cache - 1) = 2048 x 2 = 4,096; no SSM state.
    assert.deepEqual(llamaRecurrentWidths({ ssmDConv: 0, ssmDInner: 0, ssmDState: 0, ssmNGroup: 0, shortconvLCache: 3, nEmbd: 2048 }), { r: 4096, s: 0 });
    // Mamba-2 (d_conv 4, d_inner 8192, d_state 128, 8 groups): R = 3 x (8192 + 2 x 8 x 128) = 30,720; S = 128 x 8192.
    assert.deepEqual(llamaRecurrentWidths({ ssmDConv: 4, ssmDInner: 8192, ssmDState: 128, ssmNGroup: 8 }), { r: 30720, s: 1048576 });
    // A gated delta net whose value heads are wider than its key heads: S = d_state x d_inner (128 x 32 x 256), not
    // d_state^2 x heads.
    assert.equal(llamaRecurrentWidths({ ssmDConv: 4, ssmDInner: 32 * 256, ssmDState: 128, ssmNGroup: 16, ssmDtRank: 32, gatedDelta: true }).s, 128 * 32 * 256);
  });

  it('an early-2025 build: n_ctx printed after the 32-cell padding, one cache of every layer (no SWA cache yet)', () => {
    // src/llama.cpp llama_new_context_with_model: "%s: KV self size  = %7.2f MiB, K (%s): %7.2f MiB, V (%s): %7.2f MiB";
    // llama_kv_cache_init: "%s: kv_size = %d, offload = %d, type_k = '%s', type_v = '%s', n_layer = %d, can_shift = %d".
    // Gemma-3-27B, every one of its 62 layers full length: 62 x 4000 cells x 16 heads x 128 x 2 B = 968.75 MiB K, as V.
    const text = [
      'build: 4900 (abcdef12) with cc',
      'llama_new_context_with_model: n_seq_max     = 1',
      'llama_new_context_with_model: n_ctx         = 4000',
      'llama_new_context_with_model: n_ubatch      = 512',
      'llama_new_context_with_model: flash_attn    = 0',
      "llama_kv_cache_init: kv_size = 4000, offload = 1, type_k = 'f16', type_v = 'f16', n_layer = 62, can_shift = 1",
      'llama_new_context_with_model: KV self size  = 1937.50 MiB, K (f16):  968.75 MiB, V (f16):  968.75 MiB',
    ].join('\n');
    const c = checkStartUp(readLogText(text).startUps[0]!, model('gemma3__gemma-3-27b-it.json'));
    assert.equal(fig(c, 'kv.size').predicted, 1937.5);
    assert.equal(fig(c, 'kv.size').match, true);
    assert.equal(fig(c, 'kv.K').predicted, 968.75);
    assert.equal(fig(c, 'kv.V').match, true);
  });

  it('a mid-2025 build without flash attention: the logged cells follow the 32-cell padding', () => {
    // Qwen2.5-7B, -c 4000: pad32(4000) = 4000 cells (pad256 would be 4096); 28 x 4000 x 512 x 2 B = 109.375 MiB K.
    const text = [
      'build: 5600 (abcdef12) with cc',
      'llama_context: n_seq_max     = 1',
      'llama_context: n_ctx         = 4000',
      'llama_context: flash_attn    = 0',
      'llama_kv_cache_unified: size =  218.75 MiB (  4000 cells,  28 layers,  1/1 seqs), K (f16):  109.38 MiB, V (f16):  109.38 MiB',
    ].join('\n');
    const c = checkStartUp(readLogText(text).startUps[0]!, model('qwen2__Qwen2.5-7B-Instruct.json'));
    assert.equal(fig(c, 'kv.cells').predicted, 4000);
    assert.equal(fig(c, 'kv.size').match, true);
    assert.match(c.notes.join(' '), /before Nov 2025/);
  });

  it('flash attention disabled: V transposed, every layer\'s V row n_embd_v_gqa_max() wide', () => {
    const cfg = raw('gemma4__gemma-4-26B-A4B.json');
    const text = cfg.text_config as Record<string, unknown>;
    // K != V on the full layers: full V = 2 heads x 512 = 1024, SWA V = 8 x 256 = 2048 -> the max is 2048.
    const m = model({ ...cfg, text_config: { ...text, attention_k_eq_v: false } });
    const on = llamaCppKv(m, { nCtx: 4096 });
    const off = llamaCppKv(m, { nCtx: 4096, flashAttn: false });
    // Full cache: 5 layers x 4096 cells; K 1024 x 2 B -> 40 MiB either way; V 1024 wide with FA (40 MiB), 2048
    // wide without (80 MiB).
    assert.equal(on.base!.kBytes / MiB, 40);
    assert.equal(on.base!.vBytes / MiB, 40);
    assert.equal(off.base!.kBytes / MiB, 40);
    assert.equal(off.base!.vBytes / MiB, 80);
    // The SWA layers are the widest already: unchanged.
    assert.equal(off.swa!.vBytes, on.swa!.vBytes);
  });
});

describe('formats KV Lens does not size are never given a figure', () => {
  const vllmLog = (dtype: string, tokens: string) => [
    'INFO 01-12 12:27:50 [api_server.py:1896] vLLM API server version 0.16.0',
    `INFO 01-12 12:27:50 [utils.py:328] non-default args: {'model': 'Qwen/Qwen2.5-7B-Instruct', 'max_model_len': 4096, 'kv_cache_dtype': '${dtype}'}`,
    'INFO 01-12 12:30:01 [gpu_worker.py:298] Available KV cache memory: 10.00 GiB',
    `INFO 01-12 12:30:02 [kv_cache_utils.py:1087] GPU KV cache size: ${tokens} tokens`,
  ].join('\n');

  it('vLLM nvfp4: the pool figures are left unpredicted, with the reason', () => {
    const c = checkStartUp(readLogText(vllmLog('nvfp4', '700,000')).startUps[0]!, model('qwen2__Qwen2.5-7B-Instruct.json'));
    assert.equal(fig(c, 'gpu_kv_cache_tokens').predicted, null);
    assert.match(fig(c, 'gpu_kv_cache_tokens').reason ?? '', /nvfp4/);
  });

  it('vLLM fp8_per_token_head: fp32 scales per token and head are part of the page (AttentionSpec.page_size_bytes)', () => {
    // Per layer and token: 4 heads x (128 + 128) x 1 B + 2 x 4 heads x 4 B = 1,056 B; page 16 x 1,056 = 16,896 B;
    // 10 GiB // 16,896 // 28 layers = 22,696 blocks -> 363,136 tokens.
    const c = checkStartUp(readLogText(vllmLog('fp8_per_token_head', '363,136')).startUps[0]!, model('qwen2__Qwen2.5-7B-Instruct.json'));
    assert.equal(fig(c, 'gpu_kv_cache_tokens').predicted, 363136);
    assert.equal(fig(c, 'gpu_kv_cache_tokens').match, true);
  });

  it('SGLang sparse MLA (NSATokenToKVPool): the KV size is not guessed', () => {
    // memory_pool.py MLATokenToKVPool: f"KV Cache is allocated. #tokens: {size}, KV size: {kv_size / GB:.2f} GB"
    const text = [
      "[2026-03-11 13:53:00] server_args=ServerArgs(model_path='zai-org/GLM-5', page_size=64, tp_size=8)",
      '[2026-03-11 13:53:23 TP0] KV Cache is allocated. #tokens: 383872, KV size: 19.36 GB',
    ].join('\n');
    const c = checkStartUp(readLogText(text).startUps[0]!, model('glm_moe_dsa__GLM-5.json'));
    assert.equal(fig(c, 'kv_size').predicted, null);
    // A build that prints the dtype before #tokens is still read.
    const withDtype = readLogText(text.replace('allocated. #tokens', 'allocated. dtype: torch.bfloat16, #tokens')).startUps[0]!;
    assert.equal(withDtype.figures.find((f) => f.name === 'sglang_tokens')?.value, 383872);
    assert.match(fig(c, 'kv_size').reason ?? '', /NSA/);
    // A dense MLA model's KV size is predicted: (383,872 + 64) x 61 x 576 x 2 B = 26,979,950,592 B = 25.13 GB of 2^30.
    const dense = checkStartUp(readLogText(text.replace('zai-org/GLM-5', 'deepseek-ai/DeepSeek-V3')).startUps[0]!, model('deepseek_v3__DeepSeek-V3.json'));
    assert.equal(fig(dense, 'kv_size').predicted!.toFixed(2), (((383872 + 64) * 61 * 576 * 2) / GiB).toFixed(2));
  });

  it('SGLang: "#tokens" with thousands separators, the resolved dtype and the Mamba state line are read', () => {
    // memory_pool.py: "KV Cache is allocated. dtype: torch.float8_e4m3fn, #tokens: 1,000,000, K size: ..." and MambaPool's line.
    // Qwen2.5-7B in fp8: K = (1,000,000 + 1) x 28 layers x 4 heads x 128 x 1 B = 14,336,014,336 B = 13.35 GB of 2^30.
    const text = [
      "[2026-04-14 16:08:40] server_args=ServerArgs(model_path='Qwen/Qwen2.5-7B-Instruct', kv_cache_dtype='auto', page_size=1, tp_size=1)",
      '[2026-04-14 16:08:49 TP0] Load weight end. elapsed=5.54 s, type=Qwen2ForCausalLM, avail mem=64.08 GB, mem usage=14.85 GB.',
      '[2026-04-14 16:08:49 TP0] Mamba Cache is allocated. max_mamba_cache_size: 186, conv_state size: 0.10GB, ssm_state size: 4.38GB ',
      '[2026-04-14 16:08:49 TP0] KV Cache is allocated. dtype: torch.float8_e4m3fn, #tokens: 1,000,000, K size: 13.35 GB, V size: 13.35 GB',
    ].join('\n');
    const su = readLogText(text).startUps[0]!;
    assert.equal(su.settings.kv_cache_torch_dtype, 'torch.float8_e4m3fn');
    assert.equal(su.settings.max_mamba_cache_size, 186);
    assert.equal(su.settings.avail_mem_after_load_gb, 64.08);
    assert.equal(su.settings.weights_mem_usage_gb, 14.85);
    const c = checkStartUp(su, model('qwen2__Qwen2.5-7B-Instruct.json'));
    assert.equal(fig(c, 'sglang_tokens').logged, 1000000);
    assert.equal(fig(c, 'k_size').predicted!.toFixed(2), ((1000001 * 28 * 4 * 128) / GiB).toFixed(2));
    assert.equal(fig(c, 'k_size').match, true);
    assert.equal(fig(c, 'mamba_ssm_state').predicted, null);
  });

  it('llama.cpp with a cache type KV Lens does not know: cells and layers checked, sizes not guessed', () => {
    const text = [
      'build: 7100 (abcdef12) with cc',
      'llama_context: n_seq_max     = 1',
      'llama_context: n_ctx         = 4096',
      'llama_kv_cache: size =  100.00 MiB (  4096 cells,  28 layers,  1/1 seqs), K (turbo3): 50.00 MiB, V (turbo3): 50.00 MiB',
    ].join('\n');
    const c = checkStartUp(readLogText(text).startUps[0]!, model('qwen2__Qwen2.5-7B-Instruct.json'));
    assert.equal(fig(c, 'kv.cells').predicted, 4096);
    assert.equal(fig(c, 'kv.layers').predicted, 28);
    for (const n of ['kv.size', 'kv.K', 'kv.V']) {
      assert.equal(fig(c, n).predicted, null);
      assert.match(fig(c, n).reason ?? '', /turbo3/);
    }
  });
});
