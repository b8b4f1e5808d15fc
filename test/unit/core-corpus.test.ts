/**
 * Exact KV figures for real configs from test/fixtures/configs, each worked out by hand from the model's published
 * numbers and KV-RULES.md. Notation: per-token bytes = sum over cached layers of 2 (K, V) x KV heads x head size
 * x bytes per element; a windowed layer holds min(context, window) tokens.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeText } from '../../src/core/analyze';
import { computeKv } from '../../src/core/kv';
import type { ModelDescription } from '../../src/core/types';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';

const CONFIGS = FIXTURE_CONFIGS;

function model(name: string): ModelDescription {
  const a = analyzeText(readFileSync(join(CONFIGS, name), 'utf8'));
  assert.ok(a.model, `${name}: ${a.error}`);
  return a.model;
}

function kinds(m: ModelDescription): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of m.layers) out[l.kind] = (out[l.kind] ?? 0) + 1;
  return out;
}

describe('every corpus config yields a sensible description', () => {
  for (const file of readdirSync(CONFIGS).filter((f) => f.endsWith('.json'))) {
    test(file, () => {
      const m = model(file);
      assert.ok(m.layers.length > 0);
      assert.equal(m.layers.length, m.numLayers.value);
      const kv = computeKv(m);
      for (const v of [kv.bytesPerToken, kv.totalBytes, kv.perGpuBytes, kv.stateBytes]) assert.ok(Number.isFinite(v) && v >= 0);
      if (m.attention.kind !== 'none' && m.attention.kind !== 'MLA') {
        assert.equal(m.attention.queryHeads.value % m.attention.kvHeads.value, 0, 'KV heads divide query heads');
      }
    });
  }
});

describe('GQA, MHA and head size', () => {
  test('Llama-3-8B: 32 query heads in 8 groups of 4, fp32 in this file', () => {
    const m = model('llama__Meta-Llama-3-8B-Instruct.json');
    assert.equal(m.attention.kind, 'GQA');
    assert.equal(m.attention.groupSize, 4);
    assert.equal(m.attention.headDimK.value, 128); // 4096 / 32
    assert.deepEqual(m.attention.headDimK.from, ['hidden_size', 'num_attention_heads']);
    const kv = computeKv(m);
    assert.equal(kv.dtype, 'fp32'); // torch_dtype "float32"
    assert.equal(kv.bytesPerToken, 2 * 8 * 128 * 4 * 32); // 262,144
    assert.equal(kv.context, 8192);
    assert.equal(kv.totalBytes, 262_144 * 8192); // 2 GiB
  });

  test('Llama-2-7B: MHA, 32 KV heads', () => {
    const m = model('llama__Llama-2-7b-hf.json');
    assert.equal(m.attention.kind, 'MHA');
    assert.equal(computeKv(m).bytesPerToken, 2 * 32 * 128 * 4 * 32); // fp32: 1 MiB per token
  });

  test('Llama-2-70B: 64 / 8, fp16, 4k context', () => {
    const kv = computeKv(model('llama__Llama-2-70b-hf.json'));
    assert.equal(kv.bytesPerToken, 2 * 8 * 128 * 2 * 80); // 327,680
    assert.equal(kv.totalBytes, 327_680 * 4096);
  });

  test('Llama-3.1-70B at 128k: 40 GiB', () => {
    const kv = computeKv(model('llama__Llama-3.1-70B-Instruct.json'));
    assert.equal(kv.totalBytes, 327_680 * 131_072);
    assert.equal(kv.totalBytes, 40 * 1024 ** 3);
  });

  test('Phi-4: 40 / 10', () => {
    assert.equal(computeKv(model('phi3__phi-4.json')).bytesPerToken, 2 * 10 * 128 * 2 * 40); // 204,800
  });

  test('Mixtral: sliding_window null means no window', () => {
    const m = model('mixtral__Mixtral-8x7B-v0.1.json');
    assert.deepEqual(kinds(m), { full: 32 });
    assert.equal(computeKv(m).totalBytes, 2 * 8 * 128 * 2 * 32 * 32_768); // 4 GiB
  });

  test('Qwen3-8B: head_dim 128 from hidden / heads', () => {
    assert.equal(computeKv(model('qwen3__Qwen3-8B.json')).bytesPerToken, 2 * 8 * 128 * 2 * 36); // 147,456
  });

  test('Qwen2.5-7B: its 131072 window is disabled by use_sliding_window: false', () => {
    const m = model('qwen2__Qwen2.5-7B-Instruct.json');
    assert.deepEqual(kinds(m), { full: 28 });
    assert.ok(m.notes.some((n) => n.includes('use_sliding_window')));
    const kv = computeKv(m);
    assert.equal(kv.bytesPerToken, 2 * 4 * 128 * 2 * 28); // 57,344
    assert.equal(kv.totalBytes, 57_344 * 32_768);
  });

  test('Falcon-40B (RefinedWeb): n_head / n_head_kv / n_layer, context from FalconConfig default', () => {
    const m = model('RefinedWeb__falcon-40b.json');
    assert.equal(m.attention.queryHeads.value, 128);
    assert.deepEqual(m.attention.kvHeads.from, ['n_head_kv']);
    assert.equal(m.attention.headDimK.value, 64); // 8192 / 128
    assert.equal(m.maxContext?.defaulted, true);
    const kv = computeKv(m);
    assert.equal(kv.bytesPerToken, 2 * 8 * 64 * 2 * 60); // 122,880
    assert.equal(kv.totalBytes, 122_880 * 2048);
  });
});

describe('MQA and old names', () => {
  test('gpt_bigcode: multi_query true means one KV head', () => {
    const m = model('gpt_bigcode__WizardCoder-15B-1.0-GPTQ.json');
    assert.equal(m.attention.kind, 'MQA');
    assert.deepEqual(m.attention.kvHeads.from, ['multi_query']);
    const kv = computeKv(m);
    assert.equal(kv.bytesPerToken, 2 * 1 * 128 * 2 * 40); // 6144 / 48 = 128; fp16: 20,480
    assert.equal(kv.totalBytes, 20_480 * 8192); // n_positions
  });

  test('ChatGLM2: multi_query_group_num and kv_channels', () => {
    const m = model('chatglm__chatglm2-6b.json');
    assert.equal(m.attention.kvHeads.value, 2);
    assert.deepEqual(m.attention.headDimK.from, ['kv_channels']);
    assert.equal(computeKv(m).totalBytes, 2 * 2 * 128 * 2 * 28 * 32_768); // seq_length 32768
  });

  test('GPT-2 large: n_head / n_embd / n_layer', () => {
    const kv = computeKv(model('gpt2__gpt2-large.json'));
    assert.equal(kv.bytesPerToken, 2 * 20 * 64 * 2 * 36); // 1280 / 20 = 64; no dtype: bf16 assumed
    assert.equal(kv.context, 1024);
  });
});

describe('MLA', () => {
  test('DeepSeek-V3: one 512 + 64 latent per token per layer; HF eager form shown apart', () => {
    const m = model('deepseek_v3__DeepSeek-V3.json');
    assert.equal(m.attention.kind, 'MLA');
    assert.equal(m.mla?.latent, 576);
    const kv = computeKv(m);
    assert.equal(kv.bytesPerToken, 576 * 2 * 61); // 70,272
    assert.equal(kv.totalBytes, 70_272 * 163_840);
    assert.equal(kv.mlaExpanded?.bytesPerToken, 128 * (128 + 64 + 128) * 2 * 61); // 4,997,120
    assert.equal(computeKv(m, { tp: 8 }).perGpuBytes, kv.totalBytes); // the latent sits on every rank
  });

  test('Kimi-K2 reuses the DeepSeek-V3 fields', () => {
    assert.equal(computeKv(model('kimi_k2__Kimi-K2-Instruct.json')).totalBytes, 576 * 2 * 61 * 131_072);
  });

  test('GLM-5: latent plus the sparse-attention indexer key', () => {
    assert.equal(computeKv(model('glm_moe_dsa__GLM-5.json')).bytesPerToken, (512 + 64 + 128) * 2 * 78); // 109,824
  });
});

describe('nesting under text_config', () => {
  test('Gemma 3: text_config, window 1024, every 6th layer global (Gemma3TextConfig default)', () => {
    const m = model('gemma3__gemma-3-27b-it.json');
    assert.equal(m.part, 'text_config');
    assert.deepEqual(m.attention.kvHeads.from, ['text_config.num_key_value_heads']);
    assert.deepEqual(kinds(m), { sliding: 52, full: 10 }); // layers 5, 11, ..., 59 are global
    assert.equal(m.layers[5]!.kind, 'full');
    assert.equal(m.dtype.value, 'bf16'); // from the top-level torch_dtype
    assert.equal(m.maxContext?.defaulted, true); // 131072 from Gemma3TextConfig
    const kv = computeKv(m);
    const perLayer = 2 * 16 * 128 * 2; // 8192
    assert.equal(kv.bytesPerToken, perLayer * 62);
    assert.equal(kv.totalBytes, 10 * perLayer * 131_072 + 52 * perLayer * 1024);
  });

  test('Devstral (mistral3 wrapping ministral3): text_config, dtype from the top level', () => {
    const m = model('mistral3__Devstral-Small-2-24B-Instruct.json');
    assert.equal(m.partModelType, 'ministral3');
    assert.equal(computeKv(m).bytesPerToken, 2 * 8 * 128 * 2 * 40);
  });

  test('Qwen2.5-VL keeps its text fields at the top level', () => {
    const m = model('qwen2_5_vl__Qwen2.5-VL-7B-Instruct.json');
    assert.equal(m.part, '');
    assert.equal(computeKv(m).bytesPerToken, 57_344);
  });
});

describe('per-layer structure', () => {
  test('gpt-oss-20b: layer_types alternate a 128-token window with full attention', () => {
    const m = model('gpt_oss__gpt-oss-20b.json');
    assert.deepEqual(kinds(m), { sliding: 12, full: 12 });
    const kv = computeKv(m);
    const perLayer = 2 * 8 * 64 * 2; // 2048; no dtype in the file: bf16 assumed
    assert.equal(m.dtype.defaulted, true);
    assert.equal(kv.bytesPerToken, perLayer * 24);
    assert.equal(kv.totalBytes, 12 * perLayer * 131_072 + 12 * perLayer * 128);
  });

  test('EXAONE 4: layer_types win over sliding_window_pattern "LLLG"', () => {
    const m = model('exaone4__EXAONE-4.0-32B.json');
    assert.deepEqual(kinds(m), { sliding: 48, full: 16 });
    const perLayer = 2 * 8 * 128 * 2; // 4096
    assert.equal(computeKv(m).totalBytes, 16 * perLayer * 131_072 + 48 * perLayer * 4096);
  });

  test('SmallThinker: sliding_window_layout, no model_type', () => {
    const m = model('smallthinker__SmallThinker-21BA3B-Instruct.json');
    assert.equal(m.modelType, undefined);
    assert.deepEqual(kinds(m), { full: 13, sliding: 39 });
    assert.equal(m.layers.find((l) => l.kind === 'sliding')?.window, 4096);
    const perLayer = 2 * 4 * 128 * 2;
    assert.equal(computeKv(m).totalBytes, 13 * perLayer * 16_384 + 39 * perLayer * 4096);
  });

  test('MiMo-V2-Flash: hybrid_layer_pattern with swa_* heads and v_head_dim', () => {
    const m = model('mimo_v2_flash__MiMo-V2-Flash.json');
    assert.deepEqual(kinds(m), { full: 9, sliding: 39 });
    // full: 4 KV heads x (192 K + 128 V) x 2 B; sliding: 8 x (192 + 128) x 2 B
    assert.equal(computeKv(m).bytesPerToken, 9 * 4 * 320 * 2 + 39 * 8 * 320 * 2); // 222,720
  });

  test('Gemma 4: global layers with num_global_key_value_heads, global_head_dim and K = V', () => {
    const m = model('gemma4__gemma-4-26B-A4B.json');
    assert.deepEqual(kinds(m), { sliding: 25, full: 5 });
    // sliding: 2 x 8 x 256 x 2 B = 8192; full: 1 (K = V) x 2 x 512 x 2 B = 2048
    assert.equal(computeKv(m).bytesPerToken, 25 * 8192 + 5 * 2048);
  });

  test('Nemotron-NAS: block_configs with no-op attention and n_heads_in_group', () => {
    const m = model('nemotron-nas__Llama-3_3-Nemotron-Super-49B-v1.json');
    assert.deepEqual(kinds(m), { full: 49, none: 31 });
    assert.equal(m.attention.kvHeads.value, 8); // 64 / 8
    assert.equal(m.attention.kind, 'GQA');
    assert.equal(computeKv(m).bytesPerToken, 49 * 2 * 8 * 128 * 2); // 200,704
  });
});

describe('hybrids keep a fixed state apart from the per-token cache', () => {
  test('Qwen3-Next: every 4th layer full attention, Gated DeltaNet state elsewhere', () => {
    const m = model('qwen3_next__Qwen3-Next-80B-A3B-Thinking.json');
    assert.deepEqual(kinds(m), { state: 36, full: 12 });
    const kv = computeKv(m);
    assert.equal(kv.bytesPerToken, 12 * 2 * 2 * 256 * 2); // 24,576
    // per layer: 32 x 128 x 128 recurrent + 3 x (2 x 16 x 128 + 32 x 128) conv = 548,864 values, bf16
    assert.equal(kv.stateBytes, 36 * 548_864 * 2);
    assert.equal(computeKv(m, { context: 1000 }).stateBytes, kv.stateBytes, 'state does not grow with context');
  });

  test('Qwen3.5: layer_types linear_attention in text_config, state in mamba_ssm_dtype float32', () => {
    const kv = computeKv(model('qwen3_5__Qwen3.5-9B.json'));
    assert.equal(kv.bytesPerToken, 8 * 2 * 4 * 256 * 2); // 32,768
    assert.equal(kv.stateBytes, 24 * 548_864 * 4);
  });

  test('Nemotron-H: hybrid_override_pattern, Mamba-2 state in float32', () => {
    const m = model('nemotron_h__NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.json');
    assert.deepEqual(kinds(m), { state: 23, none: 23, full: 6 });
    const kv = computeKv(m);
    assert.equal(kv.bytesPerToken, 6 * 2 * 2 * 128 * 2); // 6144
    // 64 heads x 64 x 128 SSM + 3 x (64 x 64 + 2 x 8 x 128) conv = 542,720 values x 4 B
    assert.equal(kv.stateBytes, 23 * 542_720 * 4);
  });

  test('LFM2-VL: conv layers keep a short convolution window', () => {
    const kv = computeKv(model('lfm2_vl__LFM2.5-VL-1.6B.json'));
    assert.equal(kv.bytesPerToken, 6 * 2 * 8 * 64 * 2); // 12,288
    assert.equal(kv.stateBytes, 10 * 3 * 2048 * 2);
  });

  test('Mamba-Codestral: pure Mamba-2, no KV cache at all', () => {
    const m = model('mamba2__Mamba-Codestral-7B-v0.1.json');
    assert.equal(m.attention.kind, 'none');
    const kv = computeKv(m);
    assert.equal(kv.bytesPerToken, 0);
    assert.equal(kv.cacheBytes, 0);
    // 128 x 64 x 128 SSM + 3 x (8192 + 2 x 8 x 128) conv = 1,079,296 values, bf16, 64 layers
    assert.equal(kv.stateBytes, 64 * 1_079_296 * 2);
  });
});

describe('encoders', () => {
  test('T5: decoder self-attention cache plus a cross-attention cache sized by the encoder input', () => {
    const m = model('t5__t5-small.json');
    assert.equal(m.encoderDecoder?.decoderLayers.value, 6);
    const kv = computeKv(m);
    assert.equal(kv.bytesPerToken, 6 * 2 * 8 * 64 * 4); // d_kv 64, fp32: 24,576
    assert.equal(kv.cacheBytes, 24_576 * 512);
    assert.equal(kv.crossAttentionBytes, 6 * 2 * 8 * 64 * 4 * 512);
  });

  test('BERT: encoder-only, no KV cache', () => {
    const m = model('bert__bert-base-chinese.json');
    assert.equal(m.encoderOnly, true);
    assert.equal(computeKv(m).totalBytes, 0);
  });
});

describe('DeepSeek-V4 (frontier design, stated assumptions)', () => {
  test('compress_ratios: window-only and compressed layers', () => {
    const m = model('deepseek_v4__DeepSeek-V4-Flash.json');
    assert.deepEqual(kinds(m), { sliding: 2, compressed: 41 });
    const l = m.layers[2]!;
    assert.equal(l.compressRatio, 4);
    // one layer with ratio 4 at 1M tokens: 128-token window + 1M / 4 entries, each 2 x 1 x 512 x 2 B
    const kv = computeKv({ ...m, layers: [l] }, { context: 1 << 20 });
    assert.equal(kv.cacheBytes, (128 + (1 << 20) / 4) * 2048);
    assert.ok(m.notes.some((n) => n.includes('compress_ratios')));
  });
});

test('notes say each thing once, however many layers it applies to', () => {
  for (const file of ['mamba2__Mamba-Codestral-7B-v0.1.json', 'qwen3_next__Qwen3-Next-80B-A3B-Thinking.json', 'nemotron_h__NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.json']) {
    const notes = model(file).notes;
    assert.equal(new Set(notes).size, notes.length, file);
  }
});
