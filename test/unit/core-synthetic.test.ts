/**
 * What the corpus lacks, as small synthetic configs written the way their libraries write them, plus the
 * KV options (dtypes, tensor parallelism, paging), what-if, the inverse questions and parsing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeText } from '../../src/core/analyze';
import { groupingPhrase } from '../../src/core/describe';
import { fitBudget } from '../../src/core/fit';
import { computeKv } from '../../src/core/kv';
import { parseConfig } from '../../src/core/parse';
import type { ModelDescription } from '../../src/core/types';
import { estimateWeights } from '../../src/core/weights';
import { divisors, groupingMap, whatIf } from '../../src/core/whatif';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';

const CONFIGS = FIXTURE_CONFIGS;
const llama3 = readFileSync(join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), 'utf8');

function m(config: object | string): ModelDescription {
  const a = analyzeText(typeof config === 'string' ? config : JSON.stringify(config));
  assert.ok(a.model, a.error);
  return a.model;
}
const kinds = (x: ModelDescription) => x.layers.map((l) => l.kind[0]).join('');

describe('aliases and architectures the corpus lacks', () => {
  test('MPT: attn_config.kv_n_heads, n_heads, d_model, n_layers', () => {
    const x = m({ model_type: 'mpt', d_model: 4096, n_heads: 32, n_layers: 32, max_seq_len: 8192, attn_config: { kv_n_heads: 8 } });
    assert.deepEqual(x.attention.kvHeads.from, ['attn_config.kv_n_heads']);
    assert.equal(computeKv(x).bytesPerToken, 2 * 8 * 128 * 2 * 32);
  });

  test('Falcon-7B: multi_query -> 1 KV head; new_decoder_architecture uses num_kv_heads', () => {
    assert.equal(m({ model_type: 'falcon', hidden_size: 4544, num_attention_heads: 71, num_hidden_layers: 32, multi_query: true }).attention.kind, 'MQA');
    const x = m({ model_type: 'falcon', hidden_size: 8192, num_attention_heads: 128, num_hidden_layers: 60, multi_query: true, new_decoder_architecture: true, num_kv_heads: 8 });
    assert.equal(x.attention.kvHeads.value, 8);
  });

  test('absent or null KV heads mean MHA, reported as a default', () => {
    const x = m({ model_type: 'llama', hidden_size: 2048, num_attention_heads: 16, num_hidden_layers: 4, num_key_value_heads: null });
    assert.equal(x.attention.kind, 'MHA');
    assert.equal(x.attention.kvHeads.defaulted, true);
    assert.match(x.attention.kvHeads.note ?? '', /null/);
  });

  test('Mistral-7B-v0.1: a window on every layer', () => {
    const x = m({ model_type: 'mistral', hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 32, sliding_window: 4096, max_position_embeddings: 32768 });
    assert.equal(kinds(x), 's'.repeat(32));
    assert.equal(computeKv(x).totalBytes, 2 * 8 * 128 * 2 * 32 * 4096);
  });

  test('Qwen2 with use_sliding_window: true slides only from max_window_layers on', () => {
    const x = m({ model_type: 'qwen2', hidden_size: 1024, num_attention_heads: 8, num_key_value_heads: 2, num_hidden_layers: 6, sliding_window: 1024, use_sliding_window: true, max_window_layers: 4 });
    assert.equal(kinds(x), 'ffffss');
  });

  test('Gemma 2 alternates local and global layers without layer_types (Gemma2Config)', () => {
    const x = m({ model_type: 'gemma2', hidden_size: 2304, num_attention_heads: 8, num_key_value_heads: 4, head_dim: 256, num_hidden_layers: 4, sliding_window: 4096 });
    assert.equal(kinds(x), 'sfsf');
  });

  test('Gemma 3 text_config without heads uses Gemma3TextConfig defaults: 8 / 4 / 256, and says so', () => {
    const x = m({ model_type: 'gemma3', text_config: { model_type: 'gemma3_text', hidden_size: 2560, num_hidden_layers: 34 } });
    assert.equal(x.attention.queryHeads.value, 8);
    assert.equal(x.attention.kvHeads.value, 4);
    assert.equal(x.attention.headDimK.value, 256);
    assert.ok(x.attention.queryHeads.defaulted && x.attention.headDimK.defaulted);
    assert.ok(x.notes.some((n) => n.includes('Gemma3TextConfig')));
  });

  test('Jamba: attn_layer_period / attn_layer_offset, Mamba elsewhere', () => {
    const x = m({ model_type: 'jamba', hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 8, attn_layer_period: 8, attn_layer_offset: 4, mamba_d_state: 16, mamba_d_conv: 4, mamba_expand: 2 });
    assert.equal(kinds(x), 'ssssfsss');
    assert.equal(computeKv(x).bytesPerToken, 2 * 8 * 128 * 2);
    // Mamba-1: inner 2 x 4096 = 8192; 8192 x 16 SSM + 3 x 8192 conv, bf16 assumed
    assert.equal(computeKv(x).stateBytes, 7 * (8192 * 16 + 3 * 8192) * 2);
  });

  test('MiniMax-Text-01: attn_type_list', () => {
    const x = m({ model_type: 'minimax', hidden_size: 6144, num_attention_heads: 64, num_key_value_heads: 8, head_dim: 128, num_hidden_layers: 4, attn_type_list: [0, 0, 0, 1] });
    assert.equal(kinds(x), 'sssf');
  });

  test('Whisper: decoder_attention_heads, decoder_layers, cross-attention over 1500 frames', () => {
    const x = m({ model_type: 'whisper', is_encoder_decoder: true, d_model: 1280, encoder_attention_heads: 20, decoder_attention_heads: 20, encoder_layers: 32, decoder_layers: 32, max_source_positions: 1500, max_target_positions: 448, torch_dtype: 'float16' });
    assert.equal(x.encoderDecoder?.encoderLength.value, 1500);
    const kv = computeKv(x);
    assert.equal(kv.crossAttentionBytes, 32 * 2 * 20 * 64 * 2 * 1500);
  });

  test('Llama 4 style chunked attention from layer_types', () => {
    const x = m({ model_type: 'llama4_text', hidden_size: 5120, num_attention_heads: 40, num_key_value_heads: 8, head_dim: 128, num_hidden_layers: 4, attention_chunk_size: 8192, layer_types: ['chunked_attention', 'chunked_attention', 'chunked_attention', 'full_attention'] });
    assert.equal(kinds(x), 'cccf');
    assert.equal(computeKv(x, { context: 100_000 }).cacheBytes, (3 * 8192 + 100_000) * 2 * 8 * 128 * 2);
  });

  test('cross-layer sharing: cla_share_factor and num_kv_shared_layers keep no cache of their own', () => {
    const hy = m({ model_type: 'hunyuan', hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 4, cla_share_factor: 2 });
    assert.equal(computeKv(hy).bytesPerToken, 2 * 2 * 8 * 128 * 2);
    const g = m({ model_type: 'gemma3n_text', hidden_size: 2048, num_attention_heads: 8, num_key_value_heads: 2, head_dim: 256, num_hidden_layers: 6, num_kv_shared_layers: 2, layer_types: Array(6).fill('full_attention') });
    assert.equal(computeKv(g).bytesPerToken, 4 * 2 * 2 * 256 * 2);
  });

  test('a KV scheme in quantization_config sets the cache dtype; weight quantisation does not', () => {
    const fp8 = m({ model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 32, torch_dtype: 'bfloat16', quantization_config: { quant_method: 'compressed-tensors', kv_cache_scheme: { num_bits: 8, type: 'float' } } });
    assert.equal(computeKv(fp8).dtype, 'fp8');
    const w = m({ model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 32, torch_dtype: 'bfloat16', quantization_config: { quant_method: 'fp8' } });
    assert.equal(computeKv(w).dtype, 'bf16');
  });

  test('pure Mamba-1 has no attention', () => {
    const x = m({ model_type: 'mamba', hidden_size: 768, state_size: 16, num_hidden_layers: 24, expand: 2, conv_kernel: 4 });
    assert.equal(x.attention.kind, 'none');
    assert.equal(computeKv(x).stateBytes, 24 * (1536 * 16 + 3 * 1536) * 2);
  });
});

describe('KV options', () => {
  const x = m(llama3);
  test('dtypes: fp8, int4, and llama.cpp q8_0 (34 B per 32) / q4_0 (18 B per 32)', () => {
    const values = 2 * 8 * 128 * 32; // 65,536 values per token
    assert.equal(computeKv(x, { kvDtype: 'fp8' }).bytesPerToken, values);
    assert.equal(computeKv(x, { kvDtype: 'int4' }).bytesPerToken, values / 2);
    assert.equal(computeKv(x, { kvDtype: 'q8_0' }).bytesPerToken, (values / 32) * 34);
    assert.equal(computeKv(x, { kvDtype: 'q4_0' }).bytesPerToken, (values / 32) * 18);
  });

  test('context and batch; a context beyond the maximum is computed with a warning', () => {
    const kv = computeKv(x, { context: 1000, batch: 3, kvDtype: 'bf16' });
    assert.equal(kv.totalBytes, 2 * 8 * 128 * 2 * 32 * 1000 * 3);
    assert.ok(computeKv(x, { context: 100_000 }).notes.some((n) => n.includes('beyond')));
  });

  test('tensor parallel: heads split, then replicated once tp exceeds them', () => {
    const tp4 = computeKv(x, { tp: 4 });
    assert.equal(tp4.perGpuKvHeads, 2);
    assert.equal(tp4.perGpuBytes, tp4.totalBytes / 4);
    const tp16 = computeKv(x, { tp: 16 });
    assert.equal(tp16.perGpuKvHeads, 1);
    assert.equal(tp16.replication, 2);
    assert.equal(tp16.clusterBytes, tp16.totalBytes * 2);
  });

  test('paged: each sequence rounded up to whole blocks', () => {
    const kv = computeKv(x, { context: 1000, blockSize: 16, kvDtype: 'bf16' });
    assert.equal(kv.cacheBytes, 2 * 8 * 128 * 2 * 32 * 1008);
  });
});

describe('what-if and grouping map', () => {
  test('every divisor of 32 query heads, MHA first, with ratio and decode bound', () => {
    const rows = whatIf(m(llama3), { kvDtype: 'bf16' });
    assert.deepEqual(rows.map((r) => r.kvHeads), [32, 16, 8, 4, 2, 1]);
    const gqa8 = rows.find((r) => r.kvHeads === 8)!;
    assert.equal(gqa8.current, true);
    assert.equal(gqa8.ratioToMha, 0.25);
    assert.equal(gqa8.decodeSpeedupBound, 4);
    assert.equal(rows[5]!.kind, 'MQA');
    assert.equal(rows[0]!.bytesPerToken, 2 * 32 * 128 * 2 * 32);
  });

  test('grouping map: query head i reads KV head floor(i / group)', () => {
    assert.deepEqual(groupingMap(8, 2), [0, 0, 0, 0, 1, 1, 1, 1]);
    assert.deepEqual(divisors(12), [1, 2, 3, 4, 6, 12]);
    assert.deepEqual(divisors(2_000_000_000), [], 'absurd head counts make no list rather than a long loop');
  });

  test('MLA what-if is in the expanded per-head form, none current', () => {
    const rows = whatIf(m(readFileSync(join(CONFIGS, 'deepseek_v3__DeepSeek-V3.json'), 'utf8')));
    assert.equal(rows[0]!.bytesPerToken, 128 * (192 + 128) * 2 * 61);
    assert.ok(rows.every((r) => !r.current));
  });
});

describe('weights and what fits', () => {
  test('Llama-3-8B: about 8.03B parameters from its shapes', () => {
    const a = analyzeText(llama3);
    const w = estimateWeights(a.model!, a.parsed);
    // embeddings 2 x 128256 x 4096 + 32 x (attention 2 x 4096^2 + 2 x 4096 x 1024 + MLP 3 x 4096 x 14336)
    assert.equal(w.totalParams, 2 * 128256 * 4096 + 32 * (2 * 4096 * 4096 + 2 * 4096 * 1024 + 3 * 4096 * 14336));
  });

  test('MoE: total and active (Mixtral 8 experts, 2 per token)', () => {
    const a = analyzeText(readFileSync(join(CONFIGS, 'mixtral__Mixtral-8x7B-v0.1.json'), 'utf8'));
    const w = estimateWeights(a.model!, a.parsed);
    assert.ok(Math.abs(w.totalParams / 1e9 - 46.7) < 0.1, String(w.totalParams));
    assert.ok(Math.abs(w.activeParams / 1e9 - 12.9) < 0.1, String(w.activeParams));
  });

  test('longest context and most sequences that fit after the weights', () => {
    const a = analyzeText(llama3);
    const fit = fitBudget(a.model!, { gpuMemGiB: 80, kvDtype: 'bf16' }, a.parsed);
    const free = 80 * 1024 ** 3 - fit.weights.bytes;
    const perToken = 2 * 8 * 128 * 2 * 32;
    assert.equal(fit.maxContext, Math.floor(free / perToken));
    assert.equal(fit.maxBatch, Math.floor(free / (perToken * 8192)));
  });

  test('a windowed-only model fits any context', () => {
    const x = m({ model_type: 'mistral', hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 32, sliding_window: 4096, vocab_size: 32000, intermediate_size: 14336 });
    assert.equal(fitBudget(x, { gpuMemGiB: 80 }).contextUnbounded, true);
  });
});

describe('parsing keeps positions and never throws', () => {
  test('comments and trailing commas are tolerated', () => {
    const x = m('{\n  // a comment\n  "model_type": "llama", "hidden_size": 512, "num_attention_heads": 8, "num_hidden_layers": 2,\n}');
    assert.equal(x.attention.headDimK.value, 64);
  });

  test('syntax errors come with a line and column', () => {
    const p = parseConfig('{\n  "a": 1\n  "b": 2\n}');
    assert.equal(p.problems.length, 1);
    assert.equal(p.problems[0]!.line, 2);
    assert.match(p.problems[0]!.message, /Comma expected at line 3, column 3/);
  });

  test("Python's Infinity is tolerated and analysis goes on", () => {
    const a = analyzeText(readFileSync(join(CONFIGS, 'mamba2__Mamba-Codestral-7B-v0.1.json'), 'utf8'));
    assert.ok(a.parsed.problems.length > 0 && a.parsed.problems.every((p) => p.tolerated));
    assert.ok(a.model);
  });

  test('CRLF line endings count lines right', () => {
    const p = parseConfig('{\r\n"a": 1\r\n"b": 2}');
    assert.equal(p.problems[0]!.line, 2);
  });

  test('non-model JSON is recognised as such, with a reason', () => {
    for (const text of ['{"compilerOptions": {"strict": true}}', '{"name": "x", "version": "1.0.0"}', '{"editor.fontSize": 14}', '[1, 2]', '']) {
      const a = analyzeText(text);
      assert.equal(a.model, undefined);
      assert.ok(a.error);
    }
  });

  test('a model config without attention fields names what is missing', () => {
    const a = analyzeText('{"model_type": "llama", "num_attention_heads": "32", "num_hidden_layers": 2}');
    assert.equal(a.model, undefined);
    assert.match(a.error ?? '', /num_attention_heads is "32": a string, not a whole number/);
  });
});

describe('grouping in words', () => {
  test('one wording for every surface, honest when the heads do not divide', () => {
    assert.equal(groupingPhrase(32, 8), '32 query heads share 8 KV heads: 8 groups of 4');
    assert.equal(groupingPhrase(32, 32), '32 query heads, each with its own KV head');
    assert.equal(groupingPhrase(48, 1), '48 query heads share 1 KV head');
    assert.equal(groupingPhrase(32, 6), '32 query heads over 6 KV heads: 6 does not divide 32 (5.33 per KV head)');
  });
});

describe('large documents are read in outline', () => {
  test('a giant id2label is skipped; offsets, the model and findings stay exact', async () => {
    const { blankSkippedValues, OUTLINE_THRESHOLD } = await import('../../src/core/parse.js');
    const labels: Record<string, string> = {};
    for (let i = 0; i < 30_000; i++) labels[String(i)] = `LABEL_${i} {[ "quoted" ]} // not a comment`;
    const text = `{\n  // a comment { with a brace\n  "id2label": ${JSON.stringify(labels, null, 1)},\n` + llama3.trimStart().slice(1);
    assert.ok(text.length > OUTLINE_THRESHOLD);
    const blanked = blankSkippedValues(text);
    assert.equal(blanked.length, text.length);
    assert.notEqual(blanked, text);
    const big = analyzeText(text);
    assert.equal(big.parsed.outline, true);
    assert.deepEqual(big.parsed.problems, []);
    const small = analyzeText(llama3);
    assert.equal(computeKv(big.model!).bytesPerToken, computeKv(small.model!).bytesPerToken);
    const at = text.indexOf('"num_key_value_heads"');
    assert.equal(text.slice(at, at + 21), '"num_key_value_heads"');
    assert.equal(big.model!.attention.kvHeads.value, 8);
  });

  test('unbalanced or unterminated text is left as it is', async () => {
    const { blankSkippedValues } = await import('../../src/core/parse.js');
    for (const t of ['{"a": [1, 2', '{"a": "x', '{"a": {"b": 1}}}', '[1]', '']) assert.equal(blankSkippedValues(t), t);
  });
});

describe('per-layer sizes go through the one validator', () => {
  // Found by the fuzz harness (seed 202, case 7752): n_heads_in_group = 1e-300 gave an infinite cache.
  test('a block_configs n_heads_in_group or window_length that is not a usable size refuses the config, naming it', () => {
    const block = (attention: Record<string, unknown>) => ({ attention, ffn: { ffn_mult: 2 } });
    const base = { model_type: 'nemotron-nas', hidden_size: 256, num_attention_heads: 8, num_hidden_layers: 2, max_position_embeddings: 1024 };
    for (const [attention, field] of [[{ n_heads_in_group: 1e-300 }, 'n_heads_in_group is 1e-300'], [{ n_heads_in_group: 2, window_length: -4 }, 'window_length is -4'], [{ n_heads_in_group: '4' }, 'n_heads_in_group is 4']] as const) {
      const a = analyzeText(JSON.stringify({ ...base, block_configs: [block({ n_heads_in_group: 2 }), block(attention)] }));
      assert.equal(a.model, undefined, field);
      assert.ok((a.error ?? '').startsWith(`block_configs[1].attention.${field}`), a.error);
    }
    const fine = analyzeText(JSON.stringify({ ...base, block_configs: [block({ n_heads_in_group: 2 }), block({ n_heads_in_group: 4, window_length: 128 })] }));
    assert.deepEqual(fine.model?.layers.map((l) => l.kvHeads), [4, 2]);
  });
});
