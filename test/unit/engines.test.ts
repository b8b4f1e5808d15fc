/**
 * vLLM, SGLang and TensorRT-LLM rules (src/core/engines) on real configs, expected figures worked out by hand from
 * each engine's source rule (comments give the arithmetic), and the side-by-side estimates' invariants.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../src/core/analyze';
import {
  engineEstimates, parseEngines, sglangCells, sglangDefaultFraction, sglangPool, trtllmPool, vllmLayout, vllmMaxModelLen, vllmPool,
} from '../../src/core/engines';
import type { ModelDescription } from '../../src/core/types';
import { CONFIGS } from '../fixtures/paths';

const GiB = 1024 ** 3;
function model(name: string): ModelDescription {
  const a = analyzeText(readFileSync(join(CONFIGS, name), 'utf8'));
  assert.ok(a.model, a.error);
  return a.model;
}

describe('vLLM', () => {
  it('gpt-oss-20b: two cache groups of 12 layers, 32 KiB pages, tokens per group (log 09)', () => {
    const layout = vllmLayout(model('gpt_oss__gpt-oss-20b.json'), { maxModelLen: 2048 });
    // page = 16 tokens x 8 heads x (64 + 64) x 2 B = 32768 B; 12 full + 12 sliding -> group_size 12, 2 groups.
    assert.equal(layout.pageBytes, 32768);
    assert.equal(layout.groupSize, 12);
    assert.deepEqual(layout.groups.map((g) => g.spec.kind), ['sliding', 'full']);
    const pool = vllmPool(layout, 100 * 32768 * 12 + 5, 2048);
    assert.equal(pool.numBlocks, 100);
    // tokens = 100 // 2 groups x 16.
    assert.equal(pool.tokens, 800);
    // per request: full cdiv(2048, 16) = 128; sliding cdiv(min(127 + 2048, 2048), 16) + 1 = 129.
    assert.equal(pool.blocksPerRequest, 257);
  });

  it('Gemma-3-27B: 52 sliding + 10 full layers -> group size 10, 6 + 1 groups, 8 padding layers', () => {
    const layout = vllmLayout(model('gemma3__gemma-3-27b-it.json'), { maxModelLen: 8192 });
    assert.equal(layout.groupSize, 10);
    assert.equal(layout.groups.length, 7);
    assert.match(layout.notes.join(' '), /8 padding layers/);
  });

  it('Qwen3-Next at TP 4: attention block size 272, state page padded 1.49% (log 12)', () => {
    const layout = vllmLayout(model('qwen3_next__Qwen3-Next-80B-A3B-Thinking.json'), { maxModelLen: 4096, tp: 4 });
    // state per GPU: (32/4 x 128 x 128 + 3 x 8192 / 4) x 2 B = 274,432 B; attention per token: 1 head x 256 x 2 x 2 B = 1024.
    // 16 x cdiv(274432, 16 x 1024) = 16 x 17 = 272; 272 x 1024 = 278,528; (278528 - 274432) / 274432 = 1.4925%.
    assert.equal(layout.attentionBlockSizeRaised, 272);
    assert.equal(layout.pageBytes, 278528);
    assert.equal(layout.mambaPaddingPct!.toFixed(2), '1.49');
    // 12 attention + 36 linear layers -> group size 12: 1 + 3 groups.
    assert.equal(layout.groupSize, 12);
    assert.equal(layout.groups.length, 4);
  });

  it('one spec: one group of every layer; the longest max_model_len that fits the blocks', () => {
    const layout = vllmLayout(model('qwen2__Qwen2.5-7B-Instruct.json'), { maxModelLen: 4096, kvDtype: 'fp16' });
    // 28 layers x 16 x 4 x 256 x 2 B pages -> 48925 blocks = 48925 x 32768 x 28 bytes.
    const pool = vllmPool(layout, 48925 * 32768 * 28, 4096);
    assert.equal(pool.tokens, 48925 * 16);
    assert.equal(pool.maxConcurrency, 48925 / 256);
    assert.equal(vllmMaxModelLen(layout, 10), 160);
  });

  it('KV heads per GPU never fall below one (replicated past the heads)', () => {
    const one = vllmLayout(model('qwen2__Qwen2.5-7B-Instruct.json'), { maxModelLen: 4096, tp: 1 }).pageBytes;
    // 4 KV heads: TP 4 -> 1 head per GPU; TP 8 -> still 1.
    assert.equal(vllmLayout(model('qwen2__Qwen2.5-7B-Instruct.json'), { maxModelLen: 4096, tp: 4 }).pageBytes, one / 4);
    assert.equal(vllmLayout(model('qwen2__Qwen2.5-7B-Instruct.json'), { maxModelLen: 4096, tp: 8 }).pageBytes, one / 4);
  });
});

describe('SGLang', () => {
  it('gpt-oss-20b with hybrid SWA memory off: 24 full-length layers, K 32.06 GB at 1,400,887 tokens (log 21)', () => {
    const cells = sglangCells(model('gpt_oss__gpt-oss-20b.json'), { disableHybridSwaMemory: true });
    // 8 heads x 64 x 2 (K, V) x 2 B = 2048 B per layer; x 24 layers = 49152 B per token.
    assert.equal(cells.fullCellBytes, 49152);
    const pool = sglangPool(cells, 1400887 * 49152 + 100);
    assert.equal(pool.maxTotalNumTokens, 1400887);
    // K = (1400887 + 1 page) x 24 x 8 x 64 x 2 B = 32.06 GiB.
    assert.equal((pool.kBytes / GiB).toFixed(2), '32.06');
  });

  it('hybrid SWA memory splits the layer-tokens with the 0.8 ratio', () => {
    const cells = sglangCells(model('gpt_oss__gpt-oss-20b.json'));
    assert.equal(cells.swaLayers, 12);
    const pool = sglangPool(cells, 1000 * 49152);
    // 1000 tokens x 24 layers = 24000 layer-tokens; full = 24000 / (0.8 x 12 + 12) = 1111; swa = floor(1111 x 0.8) = 888.
    assert.equal(pool.maxTotalNumTokens, 1111);
    assert.equal(pool.swaTokens, 888);
  });

  it('default mem_fraction_static from the GPU size', () => {
    // 80 GiB: reserved = 512 + 8192 x 1.5 + 256 x 2 + 1/8 x 1024 = 13440 MiB; (81920 - 13440) / 81920 = 0.836.
    assert.equal(sglangDefaultFraction(80).value, 0.836);
    // 24 GiB (server_args.py _handle_gpu_memory_settings: 20-35 GiB -> chunked 2048, cuda_graph_max_bs 24 below
    // tp 4): 512 + 2048 x 1.5 + 24 x 2 + 128 = 3760; (24576 - 3760) / 24576 = 0.847.
    assert.equal(sglangDefaultFraction(24).value, 0.847);
    // 16 GiB (under 20: bs 8): 512 + 3072 + 16 + 128 = 3728; (16384 - 3728) / 16384 = 0.772.
    assert.equal(sglangDefaultFraction(16).value, 0.772);
    // 48 GiB at tp 4 (35-60: chunked 4096, bs 160): 512 + 6144 + 320 + 512 = 7488; (49152 - 7488) / 49152 = 0.848.
    assert.equal(sglangDefaultFraction(48, 4).value, 0.848);
    // 192 GiB (160 and over: chunked 16384, bs 512 at any tp): 512 + 24576 + 1024 + 128 = 26240;
    // (196608 - 26240) / 196608 = 0.867.
    assert.equal(sglangDefaultFraction(192).value, 0.867);
    // An EAGLE draft adds 2 GiB: 80 GiB -> 13440 + 2048 = 15488; (81920 - 15488) / 81920 = 0.811.
    assert.equal(sglangDefaultFraction(80, 1, 1, 'EAGLE3').value, 0.811);
  });
});

describe('TensorRT-LLM', () => {
  it('pool = free x 0.9 in blocks of 32 tokens', () => {
    const m = model('qwen2__Qwen2.5-7B-Instruct.json');
    // 28 x 4 x 128 x 2 x 2 B = 57344 B per token; 10 GiB x 0.9 / (57344 x 32) = 5266.28 -> 5266 blocks.
    const pool = trtllmPool(m, 10 * GiB);
    assert.equal(pool.bytesPerToken, 57344);
    assert.equal(pool.blocks, Math.floor((10 * GiB * 0.9) / (57344 * 32)));
    assert.equal(pool.maxTokens, pool.blocks * 32);
  });
});

describe('side by side', () => {
  it('every engine answers, names its estimates, and gives a launch line with the operating point', () => {
    const est = engineEstimates(model('qwen2__Qwen2.5-7B-Instruct.json'), { gpuMemoryGiB: 80, context: 8192, batch: 8, tp: 1, modelId: 'Qwen/Qwen2.5-7B-Instruct' });
    assert.deepEqual(est.map((e) => e.engine), ['vllm', 'sglang', 'llama.cpp', 'trtllm']);
    for (const e of est) {
      // llama.cpp's -c is every sequence's cells together: 8 x 8192.
      assert.ok(e.launch.includes(e.engine === 'llama.cpp' ? '-c 65536' : '8192'), e.launch);
      assert.ok(e.assumptions.some((a) => a.estimate), `${e.engine} names an estimate`);
      assert.equal(e.fits, true);
    }
    // llama.cpp: 8 x 8192 cells x 28 layers x 512 x 2 x 2 B (f16) = 3.5 GiB.
    assert.equal(est[2]!.kvBytesPerGpu, 8 * 8192 * 28 * 512 * 2 * 2);
    assert.match(est[2]!.launch, /-c 65536 -np 8 -ctk f16/);
  });

  it('without a GPU budget the memory-sized pools are left out, said so', () => {
    const est = engineEstimates(model('qwen2__Qwen2.5-7B-Instruct.json'), { context: 4096, batch: 1, tp: 1 });
    assert.equal(est[0]!.poolTokens, undefined);
    assert.match(est[0]!.notes.join(' '), /No GPU memory/);
  });

  it('parses --engine values', () => {
    assert.deepEqual(parseEngines('all').engines, ['vllm', 'sglang', 'llama.cpp', 'trtllm']);
    assert.deepEqual(parseEngines('vLLM,llamacpp,nope'), { engines: ['vllm', 'llama.cpp'], unknown: ['nope'] });
  });
});

describe('hover detail', () => {
  it('the KV-heads hover has a line per engine at the settings', async () => {
    const { hoverAt } = await import('../../src/core/hover/index.js');
    const { DEFAULT_SETTINGS } = await import('../../src/core/settings.js');
    const text = readFileSync(join(CONFIGS, 'qwen2__Qwen2.5-7B-Instruct.json'), 'utf8');
    const h = hoverAt(analyzeText(text), text.indexOf('num_key_value_heads') + 3, { ...DEFAULT_SETTINGS, context: 8192, batch: 4 }, { documentUri: 'file:///m/config.json' });
    assert.ok(h);
    assert.match(h.markdown, /Engines at 8k x 4, 80 GiB per GPU/);
    for (const e of ['vLLM', 'SGLang', 'llama.cpp', 'TensorRT-LLM']) assert.match(h.markdown, new RegExp(`\\| ${e.replace('.', '\\.')} \\|`));
    // llama.cpp: 4 x 8192 cells x 28 layers x 512 x 2 x 2 B = 1.75 GiB, exact (no ~).
    assert.match(h.markdown, /\| llama\.cpp \| 1\.75 GiB per GPU, 32,768 cells \|/);
  });
});

describe('models without a per-token cache', () => {
  it('encoder-only and state-only models get no longest-context figure, and say why', () => {
    for (const [name, why] of [['bert__bert-base-chinese.json', /Encoder-only/], ['mamba2__Mamba-Codestral-7B-v0.1.json', /No per-token cache/]] as const) {
      for (const e of engineEstimates(model(name), { gpuMemoryGiB: 80, context: 4096, batch: 1, tp: 1 })) {
        assert.equal(e.maxContext, undefined, `${name} ${e.engine}`);
        assert.match(e.notes.join(' '), why);
      }
    }
  });
});
