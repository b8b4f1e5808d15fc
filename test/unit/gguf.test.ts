/**
 * GGUF: the bounded reader (src/io/gguf.ts), llama.cpp's rules for the metadata (src/core/gguf/describe.ts), exact
 * weights from the tensor infos (src/core/gguf/weights.ts) and `kv-lens analyze x.gguf` (src/cli/ggufInputs.ts).
 * Every fixture is written here by test/support/ggufWriter.ts (sparse data: no tensor bytes on disk) with
 * metadata copied from real models' published GGUF dumps or derived, as llama.cpp's converter derives it, from
 * the configs in examples/ (each source is named beside the values). Every expected figure is worked out by hand
 * in a comment: KV bytes per token = sum over cached layers of (K width + V width) x 2 bytes (f16, llama.cpp's
 * default cache type), K width = head_count_kv x key_length.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { analyzeGgufFile, type GgufReport } from '../../src/cli/ggufInputs';
import { runAnalyzeCli } from '../../src/cli/analyze';
import { computeKv } from '../../src/core/kv';
import { describeGguf, GgufModelError } from '../../src/core/gguf/describe';
import type { GgufHeader } from '../../src/core/gguf/header';
import { ggufWeights } from '../../src/core/gguf/weights';
import { GgufReadError, rangeFetch, readGguf, readGgufUrl } from '../../src/io/gguf';
import { buildCli, runCli } from '../support/cli';
import { arr, str, u32, u64, f32, writeGguf, type KvValue, type TensorSpec } from '../support/ggufWriter';

const dir = mkdtempSync(join(tmpdir(), 'kvlens-gguf-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (name = 'model.gguf') => join(dir, `${n++}-${name}`);

/** Metadata of Meta-Llama-3-8B-Instruct Q4_K_M as llama.cpp prints it (llama_model_loader kv dump; the values are config.json's in examples/Meta-Llama-3-8B-Instruct). */
const LLAMA3_KV: [string, KvValue][] = [
  ['general.architecture', str('llama')], ['general.name', str('Meta-Llama-3-8B-Instruct')],
  ['llama.block_count', u32(32)], ['llama.context_length', u32(8192)], ['llama.embedding_length', u32(4096)],
  ['llama.feed_forward_length', u32(14336)], ['llama.attention.head_count', u32(32)], ['llama.attention.head_count_kv', u32(8)],
  ['llama.rope.freq_base', f32(500000)], ['llama.attention.layer_norm_rms_epsilon', f32(1e-5)], ['general.file_type', u32(15)],
  ['llama.vocab_size', u32(128256)], ['llama.rope.dimension_count', u32(128)],
];

/**
 * The 291 tensors of a Llama-3 8B Q4_K_M with llama.cpp's names and shapes (ne[0] first) and the Q4_K_M mix its
 * dumps print ("type f32: 65, q4_K: 193, q6_K: 33"): norms F32, output and half the attn_v / ffn_down Q6_K.
 */
function llama3Tensors(): TensorSpec[] {
  const F32 = 0, Q4_K = 12, Q6_K = 14;
  const t: TensorSpec[] = [
    { name: 'token_embd.weight', shape: [4096, 128256], type: Q4_K },
    { name: 'output_norm.weight', shape: [4096], type: F32 },
    { name: 'output.weight', shape: [4096, 128256], type: Q6_K },
  ];
  for (let i = 0; i < 32; i++) {
    const more = i % 2 === 0 ? Q6_K : Q4_K;
    t.push(
      { name: `blk.${i}.attn_norm.weight`, shape: [4096], type: F32 },
      { name: `blk.${i}.attn_q.weight`, shape: [4096, 4096], type: Q4_K },
      { name: `blk.${i}.attn_k.weight`, shape: [4096, 1024], type: Q4_K },
      { name: `blk.${i}.attn_v.weight`, shape: [4096, 1024], type: more },
      { name: `blk.${i}.attn_output.weight`, shape: [4096, 4096], type: Q4_K },
      { name: `blk.${i}.ffn_norm.weight`, shape: [4096], type: F32 },
      { name: `blk.${i}.ffn_gate.weight`, shape: [4096, 14336], type: Q4_K },
      { name: `blk.${i}.ffn_up.weight`, shape: [4096, 14336], type: Q4_K },
      { name: `blk.${i}.ffn_down.weight`, shape: [14336, 4096], type: more },
    );
  }
  return t;
}

const header = (metadata: GgufHeader['metadata'], tensors: GgufHeader['tensors'] = []): GgufHeader => ({ file: 'x.gguf', version: 3, metadata, tensors, shards: 1 });

describe('Llama-3 8B Q4_K_M', () => {
  test('reads the header, describes GQA 32/8 and counts the weights exactly by type', async () => {
    const p = file('Meta-Llama-3-8B-Instruct-Q4_K_M.gguf');
    await writeGguf(p, { kv: LLAMA3_KV, tensors: llama3Tensors() });
    const h = await readGguf(p);
    assert.equal(h.tensors.length, 291);
    const d = describeGguf(h);
    const m = d.model;
    assert.equal(m.attention.kind, 'GQA');
    assert.equal(m.attention.kvHeads.value, 8);
    assert.deepEqual(m.attention.kvHeads.from, ['llama.attention.head_count_kv']);
    // key_length absent: embedding_length / head_count = 4096 / 32 = 128, said so.
    assert.equal(m.attention.headDimK.value, 128);
    assert.deepEqual(m.attention.headDimK.from, ['llama.embedding_length', 'llama.attention.head_count']);
    assert.equal(m.dtype.value, 'Q4_K_M');
    assert.equal(m.tieWordEmbeddings, false);
    // 32 layers x (8 x 128 K + 8 x 128 V) x 2 bytes (f16) = 131,072 bytes per token.
    const kv = computeKv(m);
    assert.equal(kv.bytesPerToken, 32 * (8 * 128 + 8 * 128) * 2);
    assert.equal(kv.dtype, 'fp16');
    // Weights: F32 = 64 norms x 4096 + output_norm 4096; Q6_K = output + 16 attn_v + 16 ffn_down; Q4_K the rest.
    const f32Params = 64 * 4096 + 4096;
    const q6Params = 4096 * 128256 + 16 * 4096 * 1024 + 16 * 14336 * 4096;
    const q4Params = 4096 * 128256 + 32 * (4096 * 4096 * 2 + 4096 * 1024 + 2 * 4096 * 14336) + 16 * 4096 * 1024 + 16 * 14336 * 4096;
    const w = ggufWeights(p, h.tensors);
    assert.equal(w.totalParams, f32Params + q6Params + q4Params);
    assert.equal(w.totalParams, 8_030_261_248);
    // Q4_K: 144 bytes per 256; Q6_K: 210 per 256; F32: 4 per value.
    assert.equal(w.bytes, f32Params * 4 + (q6Params / 256) * 210 + (q4Params / 256) * 144);
    assert.deepEqual(w.byDtype.map((t) => [t.dtype, t.tensors]).sort(), [['F32', 65], ['Q4_K', 193], ['Q6_K', 33]]);
  });

  test('kv-lens analyze x.gguf --json: the config shape, exact weights, llama.cpp figures; --kv-dtype q8_0', async () => {
    const p = file('llama3.gguf');
    await writeGguf(p, { kv: LLAMA3_KV, tensors: llama3Tensors() });
    const r = (await analyzeGgufFile(p, {})) as GgufReport;
    assert.ok(!('error' in r));
    for (const k of ['attention', 'layers', 'kvCache', 'weights', 'findings', 'whatIf', 'fields', 'gguf', 'llamaCpp']) assert.ok(k in r, k);
    assert.equal(r.weights.exact, true);
    assert.equal(r.weights.totalParams, 8_030_261_248);
    // At the training context 8192: 131,072 x 8192 = 1 GiB; llama.cpp pads 8192 to 256 (unchanged): the same.
    assert.equal(r.kvCache.totalBytes, 1024 ** 3);
    assert.equal(r.llamaCpp?.bytes, 1024 ** 3);
    assert.equal(r.llamaCpp?.base?.cells, 8192);
    const out: string[] = [];
    const code = await runAnalyzeCli([p, '--json', '--kv-dtype', 'q8_0', '--context', '5000'], { out: (s) => out.push(s), err: () => {}, closed: false });
    assert.equal(code, 0);
    const j = JSON.parse(out.join('')) as GgufReport;
    // q8_0: 34 bytes per 32 values: 32 x 2048 values x 34/32 x 5000 tokens.
    assert.equal(j.kvCache.totalBytes, 32 * 2048 * (34 / 32) * 5000);
    // llama.cpp: n_ctx 5000 padded to 5120 cells.
    assert.equal(j.llamaCpp?.base?.cells, 5120);
    assert.equal(j.llamaCpp?.bytes, 32 * 2048 * (34 / 32) * 5120);
    assert.ok(j.notes.some((s) => /needs flash attention/.test(s)));
    // --batch 4 at 5000 tokens each: n_ctx = 20,000 (every sequence's cells), split per sequence (not unified):
    // n_ctx_seq = pad256(20000 / 4) = 5,120, so 4 x 5,120 = 20,480 cells x 32 layers x 2,048 values x 34/32 bytes.
    const out4: string[] = [];
    assert.equal(await runAnalyzeCli([p, '--json', '--kv-dtype', 'q8_0', '--context', '5000', '--batch', '4'], { out: (s) => out4.push(s), err: () => {}, closed: false }), 0);
    const j4 = JSON.parse(out4.join('')) as GgufReport;
    assert.equal(j4.llamaCpp?.bytes, 4 * 5120 * 32 * 2048 * (34 / 32));
  });
});

describe("llama.cpp's per-architecture rules", () => {
  test('Gemma-3 27B: period 6 built into the loader, 52 sliding layers of 1024, 10 full', () => {
    // gemma-3-27b-it GGUF (ggml-org / unsloth dumps): the values are config.json's text_config in examples/Gemma-3-27B.
    const d = describeGguf(header({
      'general.architecture': 'gemma3', 'gemma3.block_count': 62, 'gemma3.context_length': 131072, 'gemma3.embedding_length': 5376,
      'gemma3.feed_forward_length': 21504, 'gemma3.attention.head_count': 32, 'gemma3.attention.head_count_kv': 16,
      'gemma3.attention.key_length': 128, 'gemma3.attention.value_length': 128, 'gemma3.attention.sliding_window': 1024, 'general.file_type': 1,
    }));
    const m = d.model;
    // set_swa_pattern(6): layer il is sliding when il % 6 < 5; full: 5, 11, ..., 59 = 10 layers.
    assert.deepEqual(m.layers.filter((l) => l.kind === 'full').map((l) => l.index), [5, 11, 17, 23, 29, 35, 41, 47, 53, 59]);
    assert.equal(m.layers.filter((l) => l.kind === 'sliding' && l.window === 1024).length, 52);
    // Per layer per token: 2 x 16 x 128 x 2 B = 8192. At 131072: 10 x 8192 x 131072 + 52 x 8192 x 1024.
    const kv = computeKv(m, { context: 131072 });
    assert.equal(kv.cacheBytes, 10 * 8192 * 131072 + 52 * 8192 * 1024);
    assert.equal(m.dtype.value, 'fp16');
  });

  test('a sliding_window_pattern key overrides the period; a bool array sets each layer', () => {
    const base = { 'general.architecture': 'gemma3', 'gemma3.block_count': 6, 'gemma3.context_length': 8192, 'gemma3.embedding_length': 512, 'gemma3.attention.head_count': 4, 'gemma3.attention.sliding_window': 256 };
    const byPeriod = describeGguf(header({ ...base, 'gemma3.attention.sliding_window_pattern': 3 })).model;
    // period 3: sliding when il % 3 < 2: layers 0, 1, 3, 4; full 2, 5.
    assert.deepEqual(byPeriod.layers.map((l) => l.kind), ['sliding', 'sliding', 'full', 'sliding', 'sliding', 'full']);
    const byArray = describeGguf(header({ ...base, 'gemma3.attention.sliding_window_pattern': [true, false, false, true, true, false] })).model;
    assert.deepEqual(byArray.layers.map((l) => l.kind), ['sliding', 'full', 'full', 'sliding', 'sliding', 'full']);
    assert.throws(() => describeGguf(header({ ...base, 'gemma3.attention.sliding_window_pattern': [true, false] })), (e: unknown) => e instanceof GgufModelError && /one per layer \(6\)/.test(e.message));
  });

  test('exaone4: the period only on the 64-layer model, as llama.cpp sets it', () => {
    const meta = (layers: number) => ({ 'general.architecture': 'exaone4', 'exaone4.block_count': layers, 'exaone4.context_length': 65536, 'exaone4.embedding_length': 2048, 'exaone4.attention.head_count': 32, 'exaone4.attention.head_count_kv': 8, 'exaone4.attention.sliding_window': 4096 });
    // 64 layers: set_swa_pattern(4): 48 sliding, 16 full; 30 layers: no sliding layer at all.
    assert.equal(describeGguf(header(meta(64))).model.layers.filter((l) => l.kind === 'sliding').length, 48);
    const small = describeGguf(header(meta(30))).model;
    assert.equal(small.layers.filter((l) => l.kind === 'sliding').length, 0);
    assert.ok(small.notes.some((s) => /only for 64 layers/.test(s)));
  });

  test('gpt-oss-20b: period 2, even layers window 128', () => {
    // ggml-org/gpt-oss-20b-GGUF: sliding_window 128 (gguf-parser-go issue #32); the rest from its config.json (examples/gpt-oss-20b).
    const m = describeGguf(header({
      'general.architecture': 'gpt-oss', 'gpt-oss.block_count': 24, 'gpt-oss.context_length': 131072, 'gpt-oss.embedding_length': 2880,
      'gpt-oss.feed_forward_length': 2880, 'gpt-oss.attention.head_count': 64, 'gpt-oss.attention.head_count_kv': 8,
      'gpt-oss.attention.key_length': 64, 'gpt-oss.attention.value_length': 64, 'gpt-oss.attention.sliding_window': 128,
      'gpt-oss.expert_count': 32, 'gpt-oss.expert_used_count': 4, 'gpt-oss.expert_feed_forward_length': 2880, 'general.file_type': 38,
    })).model;
    // set_swa_pattern(2): sliding when il % 2 < 1: the 12 even layers.
    assert.deepEqual(m.layers.filter((l) => l.kind === 'sliding').map((l) => l.index), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]);
    // Per layer: 2 x 8 x 64 x 2 B = 2048 B; all 24 grow while the context is under 128: 49,152 B per token (the figure gguf-parser-go printed).
    const kv = computeKv(m, { context: 131072 });
    assert.equal(kv.bytesPerToken, 49152);
    assert.equal(kv.cacheBytes, 12 * 2048 * 131072 + 12 * 2048 * 128);
    assert.equal(m.experts?.total.value, 32);
    assert.equal(m.dtype.value, 'MXFP4_MOE');
  });

  test('DeepSeek-V3 with the MLA conversion: one latent of 512 + 64 per token per layer, K only', () => {
    // convert_hf_to_gguf.py DeepseekV2Model: key_length = kv_lora_rank + qk_rope_head_dim, value_length = kv_lora_rank,
    // head_count_kv = 1, key_length_mla = qk_nope + qk_rope, value_length_mla = v_head_dim; values from examples/DeepSeek-V3.
    const m = describeGguf(header({
      'general.architecture': 'deepseek2', 'deepseek2.block_count': 61, 'deepseek2.context_length': 163840, 'deepseek2.embedding_length': 7168,
      'deepseek2.feed_forward_length': 18432, 'deepseek2.attention.head_count': 128, 'deepseek2.attention.head_count_kv': 1,
      'deepseek2.attention.key_length': 576, 'deepseek2.attention.value_length': 512, 'deepseek2.attention.key_length_mla': 192,
      'deepseek2.attention.value_length_mla': 128, 'deepseek2.attention.q_lora_rank': 1536, 'deepseek2.attention.kv_lora_rank': 512,
      'deepseek2.rope.dimension_count': 64, 'deepseek2.expert_count': 256, 'deepseek2.expert_used_count': 8, 'deepseek2.expert_shared_count': 1,
      'deepseek2.leading_dense_block_count': 3, 'deepseek2.expert_feed_forward_length': 2048,
    })).model;
    assert.equal(m.attention.kind, 'MLA');
    assert.equal(m.mla?.latent, 576);
    // 61 layers x 576 values x 2 bytes = 70,272 B per token.
    assert.equal(computeKv(m).bytesPerToken, 61 * 576 * 2);
    assert.equal(m.experts?.denseLayers, 3);
  });

  test('DeepSeek GGUF converted before the MLA cache: full per-head K and V, said so', () => {
    const m = describeGguf(header({
      'general.architecture': 'deepseek2', 'deepseek2.block_count': 2, 'deepseek2.context_length': 4096, 'deepseek2.embedding_length': 2048,
      'deepseek2.attention.head_count': 16, 'deepseek2.attention.head_count_kv': 16, 'deepseek2.attention.key_length': 192,
      'deepseek2.attention.value_length': 128, 'deepseek2.attention.kv_lora_rank': 512, 'deepseek2.rope.dimension_count': 64,
    })).model;
    assert.notEqual(m.attention.kind, 'MLA');
    // 2 layers x 16 x (192 + 128) x 2 B.
    assert.equal(computeKv(m).bytesPerToken, 2 * 16 * (192 + 128) * 2);
    assert.ok(m.notes.some((s) => /key_length_mla/.test(s)));
  });

  test('Nemotron (deci) per-layer arrays: head_count_kv 0 = no cache on that layer', () => {
    // The first 40 layers of Llama-3_1-Nemotron-Ultra-253B-v1's n_head / n_head_kv (llama.cpp PR #12843, print_info):
    // 9 attention, 4 no-op, 5, 6 no-op, 3, 5 no-op, 4, 3 no-op, 1.
    const runs: [number, number][] = [[9, 8], [4, 0], [5, 8], [6, 0], [3, 8], [5, 0], [4, 8], [3, 0], [1, 8]];
    const kvArr = runs.flatMap(([len, v]) => Array.from({ length: len }, () => v));
    assert.equal(kvArr.length, 40);
    const m = describeGguf(header({
      'general.architecture': 'deci', 'deci.block_count': 40, 'deci.context_length': 131072, 'deci.embedding_length': 16384,
      'deci.attention.head_count': kvArr.map((v) => (v ? 128 : 0)), 'deci.attention.head_count_kv': kvArr,
    })).model;
    assert.equal(m.layers.filter((l) => l.kind === 'none').length, 18);
    // 22 cached layers x 2 x 8 x (16384 / 128 = 128) x 2 B.
    assert.equal(computeKv(m).bytesPerToken, 22 * 2 * 8 * 128 * 2);
    assert.throws(() => describeGguf(header({ 'general.architecture': 'deci', 'deci.block_count': 41, 'deci.embedding_length': 16384, 'deci.attention.head_count': 128, 'deci.attention.head_count_kv': kvArr })), /40 values; llama.cpp requires one per layer \(41\)/);
  });

  test('Qwen3-Next: every 4th layer attention, the others a gated delta-net state in f32', () => {
    // qwen3next dump in llama.cpp issue #17578 (head counts, key_length 256, conv_kernel 4, experts); the SSM sizes
    // as the converter writes them from examples/Qwen3-Next-80B-A3B-Instruct: state_size = linear_key_head_dim 128,
    // group_count = linear_num_key_heads 16, inner_size = 32 value heads x 128, time_step_rank = 32.
    const m = describeGguf(header({
      'general.architecture': 'qwen3next', 'qwen3next.block_count': 48, 'qwen3next.context_length': 262144, 'qwen3next.embedding_length': 2048,
      'qwen3next.feed_forward_length': 5120, 'qwen3next.attention.head_count': 16, 'qwen3next.attention.head_count_kv': 2,
      'qwen3next.attention.key_length': 256, 'qwen3next.attention.value_length': 256, 'qwen3next.expert_count': 512, 'qwen3next.expert_used_count': 10,
      'qwen3next.ssm.conv_kernel': 4, 'qwen3next.ssm.state_size': 128, 'qwen3next.ssm.group_count': 16, 'qwen3next.ssm.inner_size': 4096, 'qwen3next.ssm.time_step_rank': 32,
    })).model;
    assert.deepEqual(m.layers.filter((l) => l.kind === 'full').map((l) => l.index), [3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47]);
    const kv = computeKv(m, { context: 262144 });
    // 12 attention layers x 2 x 2 x 256 x 2 B = 24,576 B per token.
    assert.equal(kv.bytesPerToken, 12 * 2 * 2 * 256 * 2);
    // Each of 36 state layers: conv (4 - 1) x (4096 + 2 x 16 x 128) + 128 x 4096, in f32 (4 B).
    assert.equal(kv.stateBytes, 36 * ((4 - 1) * (4096 + 2 * 16 * 128) + 128 * 4096) * 4);
  });

  test('Nemotron-H MoE: kv 0 and ff 0 = Mamba, kv 0 and ff > 0 = MoE block without cache', () => {
    // nemotron_h_moe dump in llama.cpp issue #20570: feed_forward_length [0, 1856, 0, 1856, 0, 0, ...], head_count_kv [0, 0, 0, 0, 0, 2, ...].
    const m = describeGguf(header({
      'general.architecture': 'nemotron_h_moe', 'nemotron_h_moe.block_count': 6, 'nemotron_h_moe.context_length': 262144, 'nemotron_h_moe.embedding_length': 2688,
      'nemotron_h_moe.attention.head_count': 32, 'nemotron_h_moe.attention.head_count_kv': [0, 0, 0, 0, 0, 2], 'nemotron_h_moe.attention.key_length': 128,
      'nemotron_h_moe.attention.value_length': 128, 'nemotron_h_moe.feed_forward_length': [0, 1856, 0, 1856, 0, 0],
      'nemotron_h_moe.ssm.conv_kernel': 4, 'nemotron_h_moe.ssm.state_size': 128, 'nemotron_h_moe.ssm.group_count': 8, 'nemotron_h_moe.ssm.inner_size': 4096,
    })).model;
    assert.deepEqual(m.layers.map((l) => l.kind), ['state', 'none', 'state', 'none', 'state', 'full']);
    assert.equal(computeKv(m).bytesPerToken, 2 * 2 * 128 * 2);
  });

  test('shared_kv_layers: the last layers reuse earlier caches', () => {
    const m = describeGguf(header({
      'general.architecture': 'gemma3n', 'gemma3n.block_count': 10, 'gemma3n.context_length': 32768, 'gemma3n.embedding_length': 2048,
      'gemma3n.attention.head_count': 8, 'gemma3n.attention.head_count_kv': 2, 'gemma3n.attention.key_length': 256, 'gemma3n.attention.value_length': 256,
      'gemma3n.attention.sliding_window': 512, 'gemma3n.attention.shared_kv_layers': 4,
    })).model;
    // period 5: full at 4 and 9; layers 6-9 share: 6-8 sliding reuse 5 (the last sliding below 6), 9 full reuses 4.
    assert.deepEqual(m.layers.map((l) => l.sharesCacheWith ?? '-'), ['-', '-', '-', '-', '-', '-', 5, 5, 5, 4]);
    // 6 own caches: layers 0-3, 5 sliding, 4 full; each 2 x 2 x 256 x 2 B per token.
    assert.equal(computeKv(m, { context: 256 }).bytesPerToken, 6 * 2 * 2 * 256 * 2);
  });

  test('an unknown architecture is computed the generic way and the note lists the keys used and missing', () => {
    const m = describeGguf(header({ 'general.architecture': 'futurenet', 'futurenet.block_count': 4, 'futurenet.embedding_length': 1024, 'futurenet.attention.head_count': 8 })).model;
    const note = m.notes.find((s) => /not one KV Lens knows/.test(s));
    assert.ok(note);
    assert.match(note!, /Keys used: .*futurenet\.attention\.head_count/);
    assert.match(note!, /missing: .*futurenet\.context_length/);
    // head_count_kv absent: llama.cpp's default is head_count (MHA): 4 x 2 x 8 x 128 x 2 B.
    assert.equal(m.attention.kind, 'MHA');
    assert.equal(computeKv(m).bytesPerToken, 4 * 2 * 8 * 128 * 2);
  });

  test('values llama.cpp could not load are refused naming the key', () => {
    assert.throws(() => describeGguf(header({ 'general.architecture': 'llama', 'llama.embedding_length': 4096 })), /llama\.block_count is missing/);
    assert.throws(() => describeGguf(header({ 'general.architecture': 'llama', 'llama.block_count': 1e9, 'llama.embedding_length': 4096 })), /llama\.block_count is 1000000000/);
    assert.throws(() => describeGguf(header({ 'general.architecture': 'llama', 'llama.block_count': 'x', 'llama.embedding_length': 4096 })), /llama\.block_count is "x"/);
    assert.throws(() => describeGguf(header({})), /general\.architecture is missing/);
  });
});

describe('bad input: a clear error naming the file, bounded', () => {
  const minimal: [string, KvValue][] = [['general.architecture', str('llama')], ['llama.block_count', u32(1)], ['llama.embedding_length', u32(64)], ['llama.attention.head_count', u32(1)]];
  const refuses = async (p: string, pattern: RegExp) => {
    await assert.rejects(readGguf(p), (e: unknown) => {
      assert.ok(e instanceof GgufReadError, String(e));
      assert.ok(e.message.startsWith(p), e.message);
      assert.match(e.message, pattern);
      return true;
    });
  };
  test('wrong magic', async () => {
    const p = file();
    await writeGguf(p, { kv: minimal, magic: 'GGML' });
    await refuses(p, /not a GGUF file: it starts with 47 47 4d 4c/);
  });
  test('version 1 and unknown versions', async () => {
    const p1 = file();
    await writeGguf(p1, { kv: minimal, version: 1 });
    await refuses(p1, /version 1 is no longer supported/);
    const p7 = file();
    await writeGguf(p7, { kv: minimal, version: 7 });
    await refuses(p7, /version 7 is not one llama\.cpp reads/);
  });
  test('a truncated header, and tensor data past the end', async () => {
    const p = file();
    const { headerBytes } = await writeGguf(p, { kv: minimal, tensors: [{ name: 'token_embd.weight', shape: [64, 100], type: 1 }] }, { truncateTo: 60 });
    assert.ok(headerBytes > 60);
    await refuses(p, /truncated/);
    const q = file();
    const w = await writeGguf(q, { kv: minimal, tensors: [{ name: 'token_embd.weight', shape: [64, 100], type: 1 }] });
    const short = file();
    await writeGguf(short, { kv: minimal, tensors: [{ name: 'token_embd.weight', shape: [64, 100], type: 1 }] }, { truncateTo: w.bytes - 1 });
    await refuses(short, /tensor "token_embd\.weight" ends at byte/);
    await readGguf(q);
  });
  test('absurd array length and string size', async () => {
    const p = file();
    // An array claiming 2^40 elements in a file of a few hundred bytes.
    const claim = new Uint8Array(12);
    new DataView(claim.buffer).setUint32(0, 4, true);
    new DataView(claim.buffer).setBigUint64(4, 2n ** 40n, true);
    await writeGguf(p, { kv: [...minimal, ['tokenizer.ggml.scores', { t: 'raw', type: 9, bytes: claim }]] });
    await refuses(p, /array "tokenizer\.ggml\.scores"'s length is 1099511627776/);
    const q = file();
    const s = new Uint8Array(8);
    new DataView(s.buffer).setBigUint64(0, 2n ** 50n, true);
    await writeGguf(q, { kv: [...minimal, ['general.name', { t: 'raw', type: 8, bytes: s }]] });
    await refuses(q, /a string of 1125899906842624 bytes/);
    const r = file();
    await writeGguf(r, { kv: minimal, tensorCount: 2n ** 60n });
    await refuses(r, /tensor count is 1152921504606846976/);
  });
  test('an unknown ggml type and too many dimensions', async () => {
    const p = file();
    await writeGguf(p, { kv: minimal, tensors: [{ name: 'w', shape: [32], type: 99 }] });
    await refuses(p, /ggml type 99/);
    const q = file();
    await writeGguf(q, { kv: minimal, tensors: [{ name: 'w', shape: [1, 1, 1, 1, 1], type: 0 }] });
    await refuses(q, /5 dimensions/);
  });
  test('not a file, and a missing shard', async () => {
    await refuses(dir, /folder/);
    const p = join(dir, 'split-00001-of-00002.gguf');
    await writeGguf(p, { kv: [...minimal, ['split.count', u32(2)]] });
    await assert.rejects(readGguf(p), /split-00002-of-00002\.gguf/);
  });
  test('through the CLI: the error names the file and the other inputs are still reported', async () => {
    const bad = file('bad.gguf');
    await writeGguf(bad, { kv: minimal, magic: 'XXXX' });
    const good = file('good.gguf');
    await writeGguf(good, { kv: LLAMA3_KV });
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAnalyzeCli([bad, good, '--json'], { out: (s) => out.push(s), err: (s) => err.push(s), closed: false });
    assert.equal(code, 1);
    const lines = out.join('').trim().split('\n').map((l) => JSON.parse(l) as { file: string; error?: string });
    assert.equal(lines.length, 2);
    assert.match(lines[0]!.error ?? '', /not a GGUF file/);
    assert.equal(lines[1]!.error, undefined);
  });
});

describe('shards, many tensors, range reads', () => {
  test('a split model: every shard\'s tensors, the first shard\'s metadata', async () => {
    const names = [1, 2, 3].map((i) => join(dir, `Big-0000${i}-of-00003.gguf`));
    const t = llama3Tensors();
    await writeGguf(names[0]!, { kv: [...LLAMA3_KV, ['split.count', u32(3)]], tensors: t.slice(0, 100) });
    await writeGguf(names[1]!, { kv: [['split.count', u32(3)]], tensors: t.slice(100, 200) });
    await writeGguf(names[2]!, { kv: [['split.count', u32(3)]], tensors: t.slice(200) });
    const h = await readGguf(names[0]!);
    assert.equal(h.shards, 3);
    assert.equal(h.tensors.length, 291);
    assert.equal(ggufWeights('x', h.tensors).totalParams, 8_030_261_248);
  });
  test('1,200 tensors are read', async () => {
    const p = file();
    const tensors = Array.from({ length: 1200 }, (_, i) => ({ name: `blk.${i}.w`, shape: [256, 64], type: 12 }));
    await writeGguf(p, { kv: LLAMA3_KV, tensors });
    const h = await readGguf(p);
    assert.equal(h.tensors.length, 1200);
    // 1200 x 256 x 64 values at 144 bytes per 256.
    assert.equal(ggufWeights('x', h.tensors).bytes, (1200 * 256 * 64 / 256) * 144);
  });
  test('range reads: an error status or a full-file answer is refused naming the URL', async () => {
    const url = 'https://example.invalid/m.gguf';
    const notFound = (async () => new Response('no', { status: 404, statusText: 'Not Found' })) as typeof fetch;
    await assert.rejects(readGgufUrl(url, { fetch: notFound }), /HTTP 404 Not Found/);
    const whole = (async () => new Response(new Uint8Array(10), { status: 200 })) as typeof fetch;
    await assert.rejects(rangeFetch(url, whole)(url), /not 206 Partial Content/);
  });
  test('range reads of a good header go through', async () => {
    const p = file();
    await writeGguf(p, { kv: LLAMA3_KV, tensors: [{ name: 'output_norm.weight', shape: [4096], type: 0 }] });
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(p);
    const ranged = (async (_u: unknown, init?: RequestInit) => {
      const m = /bytes=(\d+)-(\d+)/.exec(String((init?.headers as Record<string, string>)?.Range ?? ''))!;
      const body = bytes.subarray(Number(m[1]), Math.min(bytes.length, Number(m[2]) + 1));
      return new Response(body, { status: 206, headers: { 'content-range': `bytes ${m[1]}-${m[2]}/${bytes.length}`, 'content-length': String(body.length) } });
    }) as typeof fetch;
    const h = await readGgufUrl('https://example.invalid/m.gguf', { fetch: ranged });
    assert.equal(h.metadata['llama.block_count'], 32);
    assert.equal(h.tensors.length, 1);
  });
});

describe('the CLI bundle', () => {
  test('kv-lens analyze x.gguf in table mode, from a fresh bundle: the llama.cpp line with its SWA cells', async () => {
    const cli = await buildCli(mkdtempSync(join(dir, 'cli-')));
    const p = file('gemma-3-27b-it-Q4_K_M.gguf');
    await writeGguf(p, { kv: [
      ['general.architecture', str('gemma3')], ['gemma3.block_count', u32(62)], ['gemma3.embedding_length', u32(5376)], ['gemma3.context_length', u32(131072)],
      ['gemma3.attention.head_count', u32(32)], ['gemma3.attention.head_count_kv', u32(16)], ['gemma3.attention.key_length', u32(128)],
      ['gemma3.attention.value_length', u32(128)], ['gemma3.attention.sliding_window', u32(1024)], ['general.file_type', u32(15)],
    ] });
    const r = runCli(cli, ['analyze', p, '--context', '32k']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /62 total: 10 full, 52 sliding/);
    // llama.cpp: 10 full layers x 32,768 cells; SWA cells pad256(min(32768, 1024 x 1 + 512 ubatch)) = 1,536.
    assert.match(r.stdout, /llama\.cpp .*10 layers x 32,768 cells .*SWA 52 layers x 1,536 cells/);
  });
});

// u64 / arr are part of the writer's API used by other suites; keep them referenced so a rename shows here.
void u64;
void arr;
