/**
 * Config-vs-weights lint (src/core/lint/weights.ts) on tensor tables built here, shape by shape, from the layouts
 * in the transformers modelling files: nn.Linear weights are [out, in], GPT-2's Conv1D [in, out], fused q|k|v rows
 * (query heads + 2 x KV heads) x head size. Each expected number is worked out in the comment beside it.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { LINT_RULES } from '../../src/core/lint/rules';
import { analyzeText } from '../../src/core/analyze';
import { lintWeights, type TensorShape } from '../../src/core/lint/weights';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { pathToString } from '../../src/core/parse';

type Table = Map<string, TensorShape>;

function table(entries: Record<string, number[]>, dtype = 'BF16'): Table {
  return new Map(Object.entries(entries).map(([name, shape]) => [name, { dtype, shape }]));
}

const fired = new Set<string>();

function check(config: object, tensors: Table, source = 'model.safetensors') {
  const analysis = analyzeText(JSON.stringify(config, null, 2));
  assert.ok(analysis.model, analysis.error);
  const result = lintWeights(analysis, { tensors, source }, DEFAULT_SETTINGS);
  for (const f of result.findings) fired.add(f.code);
  return result;
}

after(() => {
  // Every config-vs-weights rule fired at least once here (lint.test.ts covers the others).
  const missing = LINT_RULES.map((r) => r.code).filter((c) => c.startsWith('kv-lens.weights-') && !fired.has(c));
  assert.deepEqual(missing, []);
});

/** Llama-style layers: q [nq*hd, hidden], k/v [nkv*hd, hidden], o [hidden, nq*hd]. */
function llamaLayers(layers: number, nq: number, nkv: number, hd: number, hidden: number, prefix = 'model.'): Record<string, number[]> {
  const t: Record<string, number[]> = { [`${prefix}embed_tokens.weight`]: [1000, hidden], [`${prefix}norm.weight`]: [hidden] };
  for (let i = 0; i < layers; i++) {
    const l = `${prefix}layers.${i}.`;
    t[`${l}self_attn.q_proj.weight`] = [nq * hd, hidden];
    t[`${l}self_attn.k_proj.weight`] = [nkv * hd, hidden];
    t[`${l}self_attn.v_proj.weight`] = [nkv * hd, hidden];
    t[`${l}self_attn.o_proj.weight`] = [hidden, nq * hd];
    t[`${l}mlp.gate_proj.weight`] = [11008, hidden];
    t[`${l}input_layernorm.weight`] = [hidden];
  }
  return t;
}

const llama = { model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, num_hidden_layers: 2, vocab_size: 1000, tie_word_embeddings: false, max_position_embeddings: 8192 };

describe('lintWeights: separate projections', () => {
  test('a consistent checkpoint: no finding, both layers checked', () => {
    // 32 x 128 = 4096 q rows; 8 x 128 = 1024 k/v rows.
    const r = check(llama, table({ ...llamaLayers(2, 32, 8, 128, 4096), 'lm_head.weight': [1000, 4096] }));
    assert.deepEqual(r.findings, []);
    assert.equal(r.layersChecked, 2);
  });

  test('num_key_value_heads disagrees with k_proj: the finding on the field, the fix from the weights', () => {
    // Weights: k_proj [256, 4096] = 2 KV heads x 128; the config says 4.
    const r = check({ ...llama, num_key_value_heads: 4 }, table({ ...llamaLayers(2, 32, 2, 128, 4096), 'lm_head.weight': [1000, 4096] }));
    assert.equal(r.findings.length, 1);
    const f = r.findings[0]!;
    assert.equal(f.code, 'kv-lens.weights-kv-heads');
    assert.equal(f.severity, 'error');
    assert.equal(pathToString(f.path), 'num_key_value_heads');
    assert.equal(f.message, 'model.layers.0.self_attn.k_proj.weight is [256, 4096]: 2 KV heads x 128, not 4 (and 1 more layer); checked against model.safetensors.');
    assert.deepEqual(f.fixes.map((x) => x.value), [2]);
  });

  test('the finding sits on the value in the text', () => {
    const config = { ...llama, num_key_value_heads: 4 };
    const text = JSON.stringify(config, null, 2);
    const r = check(config, table({ ...llamaLayers(2, 32, 2, 128, 4096), 'lm_head.weight': [1000, 4096] }));
    const f = r.findings[0]!;
    assert.equal(text.slice(f.range.offset, f.range.offset + f.range.length), '4');
    assert.ok(text.slice(f.range.offset - 25, f.range.offset).includes('"num_key_value_heads": '));
  });

  test('query heads against q_proj when head_dim is written', () => {
    // head_dim 128 written; q_proj [4096, 4096] = 32 heads x 128, the config says 16 (k: 8 x 128 = 1024 rows).
    const r = check({ ...llama, num_attention_heads: 16, head_dim: 128 }, table({ ...llamaLayers(2, 32, 8, 128, 4096), 'lm_head.weight': [1000, 4096] }));
    const f = r.findings.find((x) => x.code === 'kv-lens.weights-query-heads')!;
    assert.ok(f, JSON.stringify(r.findings));
    assert.equal(pathToString(f.path), 'num_attention_heads');
    assert.deepEqual(f.fixes.map((x) => x.value), [32]);
  });

  test('hidden_size against the projections\' input width', () => {
    // Weights take 2048 inputs; the config says 4096. q: 16 x 128 = 2048 rows.
    const r = check({ ...llama, num_attention_heads: 16, num_key_value_heads: 4, head_dim: 128 }, table({ ...llamaLayers(2, 16, 4, 128, 2048), 'lm_head.weight': [1000, 2048] }));
    assert.equal(r.findings.length, 1, JSON.stringify(r.findings));
    assert.equal(r.findings[0]!.code, 'kv-lens.weights-hidden-size');
    assert.deepEqual(r.findings[0]!.fixes.map((x) => x.value), [2048]);
  });

  test('head size from per-head norms (k_norm [128]) against head_dim 64', () => {
    const t = llamaLayers(1, 32, 8, 128, 4096);
    t['model.layers.0.self_attn.k_norm.weight'] = [128];
    const r = check({ ...llama, model_type: 'qwen3', num_hidden_layers: 1, head_dim: 64 }, table({ ...t, 'lm_head.weight': [1000, 4096] }));
    const f = r.findings.find((x) => x.code === 'kv-lens.weights-head-dim');
    assert.ok(f, JSON.stringify(r.findings));
    assert.equal(pathToString(f.path), 'head_dim');
    assert.deepEqual(f.fixes.map((x) => x.value), [128]);
  });

  test('a prefix other than model. (model.language_model.) is found', () => {
    const r = check({ ...llama, num_key_value_heads: 4 }, table({ ...llamaLayers(2, 32, 8, 128, 4096, 'model.language_model.'), 'lm_head.weight': [1000, 4096] }));
    assert.equal(r.findings.length, 1);
    assert.match(r.findings[0]!.message, /^model\.language_model\.layers\.0\.self_attn\.k_proj\.weight is \[1024, 4096\]: 8 KV heads x 128, not 4/);
  });

  test('a vision tower with more layers is not taken for the language model', () => {
    const t: Record<string, number[]> = { ...llamaLayers(2, 32, 8, 128, 4096, 'model.language_model.'), 'lm_head.weight': [1000, 4096] };
    for (let i = 0; i < 27; i++) t[`model.vision_tower.encoder.layers.${i}.self_attn.k_proj.weight`] = [1152, 1152];
    const r = check(llama, table(t));
    assert.deepEqual(r.findings, []);
  });
});

describe('lintWeights: fused layouts', () => {
  test('Phi-3 qkv_proj: (32 + 2 x 32) x 96 = 9216 rows; a config saying 8 KV heads is told 32', () => {
    // hidden 3072 = 32 x 96. With 8 KV heads the rows would be (32 + 16) x 96 = 4608.
    const t: Record<string, number[]> = { 'model.embed_tokens.weight': [1000, 3072], 'lm_head.weight': [1000, 3072] };
    for (let i = 0; i < 2; i++) {
      t[`model.layers.${i}.self_attn.qkv_proj.weight`] = [9216, 3072];
      t[`model.layers.${i}.self_attn.o_proj.weight`] = [3072, 3072];
    }
    const phi3 = { model_type: 'phi3', hidden_size: 3072, num_attention_heads: 32, num_key_value_heads: 32, num_hidden_layers: 2, vocab_size: 1000, tie_word_embeddings: false };
    assert.deepEqual(check(phi3, table(t)).findings, []);
    const r = check({ ...phi3, num_key_value_heads: 8 }, table(t));
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]!.code, 'kv-lens.weights-kv-heads');
    assert.match(r.findings[0]!.message, /qkv_proj\.weight is \[9216, 3072\]: 32 query heads \+ 2 x 32 KV heads, x 96, not 8 KV heads/);
    assert.deepEqual(r.findings[0]!.fixes.map((x) => x.value), [32]);
  });

  test('GPT-2 c_attn is Conv1D [in, out]: [768, 2304] = 768 inputs, (12 + 2 x 12) x 64 outputs', () => {
    const t: Record<string, number[]> = { 'wte.weight': [1000, 768], 'wpe.weight': [1024, 768] };
    for (let i = 0; i < 2; i++) {
      t[`h.${i}.attn.c_attn.weight`] = [768, 2304];
      t[`h.${i}.attn.c_proj.weight`] = [768, 768];
      t[`h.${i}.mlp.c_proj.weight`] = [3072, 768];
    }
    const gpt2 = { model_type: 'gpt2', n_embd: 768, n_head: 12, n_layer: 2, vocab_size: 1000, n_positions: 1024 };
    const ok = check(gpt2, table(t));
    assert.deepEqual(ok.findings, []);
    assert.equal(ok.layersChecked, 2);
    // n_layer 3 against h.0 and h.1.
    const r = check({ ...gpt2, n_layer: 3 }, table(t));
    assert.deepEqual(r.findings.map((f) => [f.code, pathToString(f.path), f.fixes[0]?.value]), [['kv-lens.weights-layer-count', 'n_layer', 2]]);
  });

  test('GPTBigCode multi-query c_attn: [2048 + 2 x 128, 2048], one KV head', () => {
    const t: Record<string, number[]> = { 'transformer.wte.weight': [1000, 2048] };
    for (let i = 0; i < 2; i++) {
      t[`transformer.h.${i}.attn.c_attn.weight`] = [2048 + 256, 2048];
      t[`transformer.h.${i}.attn.c_proj.weight`] = [2048, 2048];
    }
    const cfg = { model_type: 'gpt_bigcode', n_embd: 2048, n_head: 16, n_layer: 2, multi_query: true, vocab_size: 1000, n_positions: 8192 };
    assert.deepEqual(check(cfg, table(t)).findings, []);
    // Without multi_query the config means 16 KV heads: (16 + 32) x 128 = 6144 rows, the weights hold 2304 -> 1 KV head.
    const r = check({ ...cfg, multi_query: false }, table(t));
    assert.equal(r.findings.length, 1, JSON.stringify(r.findings));
    assert.equal(r.findings[0]!.code, 'kv-lens.weights-kv-heads');
    assert.match(r.findings[0]!.message, /c_attn\.weight is \[2304, 2048\]: 16 query heads \+ 2 x 1 KV heads, x 128, not 16 KV heads/);
    // The config writes no KV-head field (gpt_bigcode reads multi_query): no fix that would add one the model ignores.
    assert.deepEqual(r.findings[0]!.fixes, []);
  });

  test('GPT-NeoX query_key_value: 3 x hidden rows (interleaved per head, MHA)', () => {
    const t: Record<string, number[]> = { 'gpt_neox.embed_in.weight': [1000, 2048], 'embed_out.weight': [1000, 2048] };
    for (let i = 0; i < 2; i++) {
      t[`gpt_neox.layers.${i}.attention.query_key_value.weight`] = [6144, 2048];
      t[`gpt_neox.layers.${i}.attention.dense.weight`] = [2048, 2048];
    }
    const cfg = { model_type: 'gpt_neox', hidden_size: 2048, num_attention_heads: 16, num_hidden_layers: 2, vocab_size: 1000, tie_word_embeddings: false, max_position_embeddings: 2048 };
    const r = check(cfg, table(t));
    assert.deepEqual(r.findings, []);
    assert.equal(r.layersChecked, 2);
  });
});

describe('lintWeights: MLA', () => {
  // kv_lora_rank 512 + qk_rope_head_dim 64 = 576 kv_a rows; kv_b: 16 x (128 + 128) = 4096 rows, 512 columns;
  // q_proj: 16 x (128 + 64) = 3072 rows.
  const mla = { model_type: 'deepseek_v3', hidden_size: 2048, num_attention_heads: 16, num_key_value_heads: 16, num_hidden_layers: 1, kv_lora_rank: 512, qk_rope_head_dim: 64, qk_nope_head_dim: 128, v_head_dim: 128, q_lora_rank: null, vocab_size: 1000, tie_word_embeddings: false };
  const t = table({
    'model.embed_tokens.weight': [1000, 2048], 'lm_head.weight': [1000, 2048],
    'model.layers.0.self_attn.q_proj.weight': [3072, 2048],
    'model.layers.0.self_attn.kv_a_proj_with_mqa.weight': [576, 2048],
    'model.layers.0.self_attn.kv_b_proj.weight': [4096, 512],
    'model.layers.0.self_attn.o_proj.weight': [2048, 2048],
  });

  test('consistent: none', () => {
    const r = check(mla, t);
    assert.deepEqual(r.findings, []);
    assert.equal(r.layersChecked, 1);
  });

  test('kv_lora_rank against kv_b_proj columns', () => {
    const r = check({ ...mla, kv_lora_rank: 256 }, t);
    const f = r.findings.find((x) => x.code === 'kv-lens.weights-mla')!;
    assert.ok(f, JSON.stringify(r.findings));
    assert.equal(pathToString(f.path), 'kv_lora_rank');
    assert.deepEqual(f.fixes.map((x) => x.value), [512]);
  });

  test('qk_rope_head_dim against kv_a_proj_with_mqa rows', () => {
    const r = check({ ...mla, qk_rope_head_dim: 32 }, t);
    const f = r.findings.find((x) => x.code === 'kv-lens.weights-mla')!;
    assert.ok(f, JSON.stringify(r.findings));
    assert.equal(pathToString(f.path), 'qk_rope_head_dim');
    assert.deepEqual(f.fixes.map((x) => x.value), [64]);
  });
});

describe('lintWeights: layers, embeddings, and what it does not know', () => {
  test('tie_word_embeddings false with no lm_head: the fix ties them', () => {
    const r = check(llama, table(llamaLayers(2, 32, 8, 128, 4096)));
    assert.equal(r.findings.length, 1);
    assert.equal(r.findings[0]!.code, 'kv-lens.weights-tied-embeddings');
    assert.deepEqual(r.findings[0]!.fixes.map((x) => x.value), [true]);
  });

  test('tied, with its own lm_head: the fix unties them', () => {
    const r = check({ ...llama, tie_word_embeddings: true }, table({ ...llamaLayers(2, 32, 8, 128, 4096), 'lm_head.weight': [1000, 4096] }));
    assert.deepEqual(r.findings.map((f) => [f.code, f.fixes[0]?.value]), [['kv-lens.weights-tied-embeddings', false]]);
  });

  test('num_hidden_layers 3 against layers 0..1; MTP layers after the decoder are allowed', () => {
    const r = check({ ...llama, num_hidden_layers: 3 }, table({ ...llamaLayers(2, 32, 8, 128, 4096), 'lm_head.weight': [1000, 4096] }));
    assert.deepEqual(r.findings.map((f) => [f.code, f.fixes[0]?.value]), [['kv-lens.weights-layer-count', 2]]);
    // 1 decoder layer + 1 MTP layer in the weights (layers 0 and 1).
    const mtp = check({ ...llama, model_type: 'deepseek_v3', num_hidden_layers: 1, num_nextn_predict_layers: 1, kv_lora_rank: 512, qk_rope_head_dim: 64, qk_nope_head_dim: 128, v_head_dim: 128, num_attention_heads: 16, num_key_value_heads: 16, hidden_size: 2048 }, table({ 'model.embed_tokens.weight': [1000, 2048], 'lm_head.weight': [1000, 2048], 'model.layers.0.self_attn.kv_b_proj.weight': [4096, 512], 'model.layers.1.self_attn.kv_b_proj.weight': [4096, 512] }));
    assert.deepEqual(mtp.findings.filter((f) => f.code === 'kv-lens.weights-layer-count'), []);
  });

  test('layer_types against which layers have attention projections', () => {
    // Qwen3-Next-like: layer 0 linear attention (no q/k/v), layer 1 full attention; the config swaps them.
    const t: Record<string, number[]> = { 'model.embed_tokens.weight': [1000, 2048], 'lm_head.weight': [1000, 2048] };
    t['model.layers.0.linear_attn.in_proj_qkvz.weight'] = [4096, 2048];
    t['model.layers.1.self_attn.q_proj.weight'] = [4096, 2048];
    t['model.layers.1.self_attn.k_proj.weight'] = [512, 2048];
    t['model.layers.1.self_attn.v_proj.weight'] = [512, 2048];
    const cfg = { model_type: 'qwen3_next', hidden_size: 2048, num_attention_heads: 16, num_key_value_heads: 2, head_dim: 256, num_hidden_layers: 2, vocab_size: 1000, tie_word_embeddings: false, layer_types: ['full_attention', 'linear_attention'] };
    const r = check(cfg, table(t));
    const f = r.findings.filter((x) => x.code === 'kv-lens.weights-layer-types');
    assert.equal(f.length, 1, JSON.stringify(r.findings));
    assert.match(f[0]!.message, /layer_types\[0\] is "full_attention" \(an attention layer\), but model\.layers\.0 has no attention projections \(and 1 more layer\)/);
    const ok = check({ ...cfg, layer_types: ['linear_attention', 'full_attention'] }, table(t));
    assert.deepEqual(ok.findings.filter((x) => x.code === 'kv-lens.weights-layer-types'), []);
  });

  test('no recognised tensors: a note, never a finding', () => {
    const r = check(llama, table({ 'foo.bar': [3, 3], 'tok_embeddings.x': [2] }));
    assert.deepEqual(r.findings, []);
    assert.match(r.notes.join(' '), /No layer tensors recognised in model\.safetensors/);
  });

  test('GPTQ qweight projections are skipped with a note', () => {
    const t: Table = new Map();
    t.set('model.embed_tokens.weight', { dtype: 'F16', shape: [1000, 4096] });
    t.set('lm_head.weight', { dtype: 'F16', shape: [1000, 4096] });
    for (let i = 0; i < 2; i++) {
      for (const p of ['q', 'k', 'v', 'o']) t.set(`model.layers.${i}.self_attn.${p}_proj.qweight`, { dtype: 'I32', shape: [512, p === 'k' || p === 'v' ? 1024 : 4096] });
    }
    const r = check({ ...llama, num_key_value_heads: 4 }, t);
    assert.deepEqual(r.findings, []);
    assert.match(r.notes.join(' '), /2 layers store quantised attention projections/);
  });
});
