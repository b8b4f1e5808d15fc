/**
 * llama.cpp's per-architecture layer rules on GGUF metadata (src/core/gguf/describe.ts), for the cases the
 * reader's own tests do not reach: per-layer sliding-window patterns written as 0/1 integers, a pattern in the file
 * of an architecture whose loader ignores it, and falcon-h1's attention + SSM in every layer. Headers are built in
 * memory (describeGguf is pure); every expected figure is worked out by hand in a comment beside it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { reportGgufHeader } from '../../src/cli/ggufInputs';
import { describeGguf, GgufModelError } from '../../src/core/gguf/describe';
import type { GgufHeader } from '../../src/core/gguf/header';

const header = (metadata: GgufHeader['metadata']): GgufHeader => ({ file: 'x.gguf', version: 3, metadata, tensors: [], shards: 1 });

describe('sliding-window patterns as the file writes them', () => {
  test('a per-layer 0/1 integer array (gguf-py writes a Python int list as INT32): 1 = sliding', () => {
    // MiMo-V2-Flash's converter passes hybrid_layer_pattern (ints) to add_sliding_window_pattern; "mimo2" is not an
    // architecture KV Lens has built-in rules for, so only the file's own keys decide, and the note says so.
    const d = describeGguf(header({
      'general.architecture': 'mimo2', 'mimo2.block_count': 4, 'mimo2.embedding_length': 1024, 'mimo2.context_length': 32768,
      'mimo2.attention.head_count': 8, 'mimo2.attention.head_count_kv': 2, 'mimo2.attention.key_length': 128, 'mimo2.attention.value_length': 128,
      'mimo2.attention.sliding_window': 128, 'mimo2.attention.sliding_window_pattern': [0, 1, 1, 1],
    }));
    assert.deepEqual(d.model.layers.map((l) => `${l.kind}${l.window ?? ''}`), ['full', 'sliding128', 'sliding128', 'sliding128']);
    assert.equal(d.known, false);
    assert.match(d.model.notes[0]!, /not one KV Lens knows/);
    assert.match(d.model.notes[0]!, /mimo2\.attention\.sliding_window_pattern/);
    assert.ok(d.keysUsed.includes('mimo2.attention.sliding_window_pattern'));
  });
  test('bigint 0n / 1n and bools are read the same way', () => {
    const d = describeGguf(header({
      'general.architecture': 'gemma3n', 'gemma3n.block_count': 2, 'gemma3n.embedding_length': 512, 'gemma3n.context_length': 4096,
      'gemma3n.attention.head_count': 2, 'gemma3n.attention.head_count_kv': 1, 'gemma3n.attention.sliding_window': 512,
      'gemma3n.attention.sliding_window_pattern': [1n, false],
    }));
    assert.deepEqual(d.model.layers.map((l) => l.kind), ['sliding', 'full']);
  });
  test('any other value in the array is refused, naming the key and the index', () => {
    assert.throws(
      () => describeGguf(header({
        'general.architecture': 'mimo2', 'mimo2.block_count': 2, 'mimo2.embedding_length': 256, 'mimo2.attention.head_count': 2,
        'mimo2.attention.sliding_window': 64, 'mimo2.attention.sliding_window_pattern': [1, 2],
      })),
      (e: unknown) => e instanceof GgufModelError && /mimo2\.attention\.sliding_window_pattern\[1\] is 2/.test(e.message),
    );
  });
  test('an architecture whose llama.cpp loader reads no window (qwen2) ignores a pattern in the file, and says so', () => {
    // src/llama-model.cpp load_hparams, case LLM_ARCH_QWEN2: reads pooling type and rms eps only.
    const d = describeGguf(header({
      'general.architecture': 'qwen2', 'qwen2.block_count': 4, 'qwen2.embedding_length': 896, 'qwen2.context_length': 32768,
      'qwen2.attention.head_count': 14, 'qwen2.attention.head_count_kv': 2, 'qwen2.attention.sliding_window': 4096,
      'qwen2.attention.sliding_window_pattern': 2,
    }));
    assert.deepEqual(d.model.layers.map((l) => l.kind), ['full', 'full', 'full', 'full']);
    assert.equal(d.known, true);
    assert.ok(d.model.notes.some((n) => /qwen2 loader reads neither/.test(n)));
    // key_length absent: 896 / 14 = 64 (load_hparams: n_embd / n_head(0)).
    assert.equal(d.model.attention.headDimK.value, 64);
  });
});

describe('falcon-h1: attention and SSM in every layer', () => {
  test('the attention cache is in the layers; the SSM state is given in a note, computed', () => {
    // Falcon-H1-0.5B-like numbers: n_embd 1024, d_conv 4, d_inner 1536, d_state 128, n_group 1, 2 layers.
    // conv state = (d_conv - 1) x (d_inner + 2 x n_group x d_state) = 3 x (1536 + 256) = 5376;
    // SSM state = d_state x d_inner = 128 x 1536 = 196608; per layer 5376 + 196608 = 201984 f32;
    // per sequence 2 layers x 201984 x 4 bytes = 1615872 bytes.
    const d = describeGguf(header({
      'general.architecture': 'falcon-h1', 'falcon-h1.block_count': 2, 'falcon-h1.embedding_length': 1024, 'falcon-h1.context_length': 16384,
      'falcon-h1.attention.head_count': 8, 'falcon-h1.attention.head_count_kv': 2, 'falcon-h1.attention.key_length': 64, 'falcon-h1.attention.value_length': 64,
      'falcon-h1.ssm.conv_kernel': 4, 'falcon-h1.ssm.inner_size': 1536, 'falcon-h1.ssm.state_size': 128, 'falcon-h1.ssm.group_count': 1,
    }));
    assert.deepEqual(d.model.layers.map((l) => [l.kind, l.kvHeads, l.headDimK]), [['full', 2, 64], ['full', 2, 64]]);
    const note = d.model.notes.find((n) => n.startsWith('falcon-h1'));
    assert.ok(note);
    assert.match(note, /= 201984 f32 values per layer per sequence/);
    assert.match(note, /2 x 201984 x 4 = 1615872 bytes per sequence/);
  });
});

describe('MLA (deepseek2 and the models converted to it)', () => {
  // DeepSeek-V3 after llama.cpp's MLA conversion (convert_hf_to_gguf.py DeepseekV2Model): head_count_kv 1,
  // key_length = kv_lora_rank + qk_rope_head_dim = 512 + 64 = 576, value_length = kv_lora_rank = 512,
  // key_length_mla = qk_nope + qk_rope = 128 + 64 = 192, value_length_mla = v_head_dim = 128. Two layers here.
  const v3 = (extra: GgufHeader['metadata'] = {}, drop: string[] = []): GgufHeader => {
    const md: GgufHeader['metadata'] = {
      'general.architecture': 'deepseek2', 'deepseek2.block_count': 2, 'deepseek2.embedding_length': 7168, 'deepseek2.context_length': 163840,
      'deepseek2.attention.head_count': 128, 'deepseek2.attention.head_count_kv': 1, 'deepseek2.attention.key_length': 576, 'deepseek2.attention.value_length': 512,
      'deepseek2.attention.key_length_mla': 192, 'deepseek2.attention.value_length_mla': 128, 'deepseek2.attention.kv_lora_rank': 512, 'deepseek2.rope.dimension_count': 64,
      ...extra,
    };
    for (const k of drop) delete md[k];
    return header(md);
  };
  test('both *_mla keys: one K-only latent of key_length x head_count_kv = 576 per token per layer', () => {
    const d = describeGguf(v3());
    assert.equal(d.model.attention.kind, 'MLA');
    assert.deepEqual(d.model.layers.map((l) => l.mlaLatent), [576, 576]);
    assert.equal(d.model.mla?.vHeadDim.value, 128);
    assert.equal(d.model.mla?.qkNopeHeadDim.value, 128);
  });
  test('value_length_mla missing: llama.cpp is_mla() is false, so the cache is full K and V of the one KV head', () => {
    // n_embd_k_gqa = 576 x 1, n_embd_v_gqa = 512 x 1: (576 + 512) values per token per layer, not a latent.
    const d = describeGguf(v3({}, ['deepseek2.attention.value_length_mla']));
    assert.equal(d.model.mla, undefined);
    assert.deepEqual(d.model.layers.map((l) => [l.kvHeads, l.headDimK, l.headDimV, l.mlaLatent]), [[1, 576, 512, undefined], [1, 576, 512, undefined]]);
    assert.ok(d.model.notes.some((n) => n.includes('deepseek2.attention.value_length_mla')));
  });
  test("a key width other than rank + rope: llama.cpp allocates the file's key_length x head_count_kv, and the note says so", () => {
    const d = describeGguf(v3({ 'deepseek2.attention.key_length': 640 }));
    assert.deepEqual(d.model.layers.map((l) => l.mlaLatent), [640, 640]);
    assert.ok(d.model.notes.some((n) => /= 640 values per token per layer \(K only\), not .* = 576/.test(n)));
  });
});

describe('gemma3 without a usable window', () => {
  const g3 = (extra: GgufHeader['metadata']): GgufHeader =>
    header({ 'general.architecture': 'gemma3', 'gemma3.block_count': 6, 'gemma3.embedding_length': 1152, 'gemma3.context_length': 32768, 'gemma3.attention.head_count': 4, 'gemma3.attention.head_count_kv': 1, 'gemma3.attention.key_length': 256, 'gemma3.attention.value_length': 256, ...extra });
  test('the key absent: every layer full, the key listed as missing, the note says why', () => {
    const d = describeGguf(g3({}));
    assert.deepEqual(d.model.layers.map((l) => l.kind), ['full', 'full', 'full', 'full', 'full', 'full']);
    assert.ok(d.keysMissing.includes('gemma3.attention.sliding_window'));
    assert.ok(d.model.notes.some((n) => /need gemma3\.attention\.sliding_window, which the file lacks/.test(n)));
  });
  test('the key 0: every layer full, said as such (not "missing")', () => {
    const d = describeGguf(g3({ 'gemma3.attention.sliding_window': 0 }));
    assert.deepEqual(d.model.layers.map((l) => l.kind), ['full', 'full', 'full', 'full', 'full', 'full']);
    assert.equal(d.keysMissing.includes('gemma3.attention.sliding_window'), false);
    assert.ok(d.model.notes.some((n) => /gemma3\.attention\.sliding_window is 0: no sliding window/.test(n)));
  });
  test('the key 1024: set_swa_pattern(6), layers 0-4 sliding and 5 full', () => {
    // il % 6 < 5 for il = 0..4; layer 5 is the dense one.
    const d = describeGguf(g3({ 'gemma3.attention.sliding_window': 1024 }));
    assert.deepEqual(d.model.layers.map((l) => `${l.kind}${l.window ?? ''}`), ['sliding1024', 'sliding1024', 'sliding1024', 'sliding1024', 'sliding1024', 'full']);
  });
});

describe('MoE: active parameters from the expert tensors', () => {
  test('routed-expert tensors count expert_used_count / expert_count; everything else every token', () => {
    const F32 = 0;
    const tensors = [
      { name: 'token_embd.weight', shape: [64, 100], type: F32 }, // 6400
      { name: 'blk.0.attn_q.weight', shape: [64, 64], type: F32 }, // 4096
      { name: 'blk.0.attn_k.weight', shape: [64, 32], type: F32 }, // 2048
      { name: 'blk.0.attn_v.weight', shape: [64, 32], type: F32 }, // 2048
      { name: 'blk.0.attn_output.weight', shape: [64, 64], type: F32 }, // 4096
      { name: 'blk.0.ffn_gate_inp.weight', shape: [64, 4], type: F32 }, // 256 (the router: every token)
      { name: 'blk.0.ffn_gate_exps.weight', shape: [64, 128, 4], type: F32 }, // 32768
      { name: 'blk.0.ffn_up_exps.weight', shape: [64, 128, 4], type: F32 }, // 32768
      { name: 'blk.0.ffn_down_exps.weight', shape: [128, 64, 4], type: F32 }, // 32768
      { name: 'output_norm.weight', shape: [64], type: F32 }, // 64
    ];
    const h: GgufHeader = {
      file: 'moe.gguf', version: 3, shards: 1, tensors,
      metadata: {
        'general.architecture': 'qwen3moe', 'qwen3moe.block_count': 1, 'qwen3moe.embedding_length': 64, 'qwen3moe.context_length': 4096,
        'qwen3moe.attention.head_count': 2, 'qwen3moe.attention.head_count_kv': 1, 'qwen3moe.expert_count': 4, 'qwen3moe.expert_used_count': 2,
        'qwen3moe.expert_feed_forward_length': 128,
      },
    };
    const r = reportGgufHeader('moe.gguf', h, {});
    assert.ok(!('error' in r), JSON.stringify(r));
    // Total: 6400 + 4096 + 2048 + 2048 + 4096 + 256 + 3 x 32768 + 64 = 117312; experts 98304, of which 2 / 4 run:
    // active = 117312 - 98304 + 98304 x 2 / 4 = 68160.
    assert.equal(r.weights.totalParams, 117312);
    assert.equal(r.weights.activeParams, 68160);
    assert.ok(r.notes.some((n: string) => /98,304 in the routed-expert tensors \(\*_exps\) count 2 of 4/.test(n)), r.notes.join('\n'));
  });
});

describe('Qwen3.5 (qwen35 / qwen35moe): gated delta-net hybrid with a NextN tail', () => {
  const q35 = (extra: GgufHeader['metadata']): GgufHeader =>
    header({
      'general.architecture': 'qwen35', 'qwen35.embedding_length': 2048, 'qwen35.context_length': 262144,
      'qwen35.attention.head_count': 16, 'qwen35.attention.head_count_kv': 2, 'qwen35.attention.key_length': 256, 'qwen35.attention.value_length': 256,
      'qwen35.ssm.conv_kernel': 4, 'qwen35.ssm.inner_size': 4096, 'qwen35.ssm.state_size': 128, 'qwen35.ssm.group_count': 16, 'qwen35.ssm.time_step_rank': 32,
      ...extra,
    });
  test('interval 4 over the 8 main layers, the 9th a NextN block without cache', () => {
    // (i + 1) % 4 != 0 for i < 8: layers 3 and 7 are attention; layer 8 (nextn_predict_layers 1) is never recurrent
    // and keeps no cache. State per recurrent layer: 3 x (4096 + 2 x 16 x 128) + 128 x 4096 = 24576 + 524288 = 548864.
    const d = describeGguf(q35({ 'qwen35.block_count': 9, 'qwen35.nextn_predict_layers': 1 }));
    assert.equal(d.known, true);
    assert.deepEqual(d.model.layers.map((l) => l.kind), ['state', 'state', 'state', 'full', 'state', 'state', 'state', 'full', 'none']);
    assert.equal(d.model.layers[0]!.stateElements, 548864);
    assert.equal(d.model.layers[8]!.label, 'NextN (MTP) layer: no cache in llama.cpp');
    assert.ok(d.model.notes.some((n) => /Layers 8-8 are NextN \/ MTP blocks/.test(n)));
  });
  test('a per-layer attention.recurrent_layers array wins over the interval', () => {
    const d = describeGguf(q35({ 'qwen35.block_count': 4, 'qwen35.attention.recurrent_layers': [true, false, 1, 0] }));
    assert.deepEqual(d.model.layers.map((l) => l.kind), ['state', 'full', 'state', 'full']);
    assert.ok(d.keysUsed.includes('qwen35.attention.recurrent_layers'));
  });
});

describe('head sizes from layer 0', () => {
  test("layer 0 without heads and no key_length: llama.cpp's head size is 0, and the note says why", () => {
    // load_hparams: n_embd_head_k = n_embd / n_head() only `if (hparams.n_head() > 0)` (n_head() is layer 0's).
    const d = describeGguf(header({
      'general.architecture': 'deci', 'deci.block_count': 2, 'deci.embedding_length': 1024, 'deci.context_length': 4096,
      'deci.attention.head_count': [0, 8], 'deci.attention.head_count_kv': [0, 2],
    }));
    assert.deepEqual(d.model.layers.map((l) => [l.kind, l.headDimK]), [['none', 0], ['full', 0]]);
    assert.ok(d.model.notes.some((n) => /head_count\[0\] is 0 and the file lacks deci\.attention\.key_length/.test(n)));
  });
});
