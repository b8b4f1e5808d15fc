/**
 * The pure uptraining core (src/core/uptrain/): codecs, pooling arithmetic, plans and refusals. Expected figures are
 * worked by hand in the comments; real configs come from test/fixtures/configs (byte for byte, SOURCES.tsv).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../src/core/analyze';
import type { ModelDescription } from '../../src/core/types';
import { decodeFloats, encodeFloats, fromBf16Bits, fromF16Bits, toBf16Bits, toF16Bits } from '../../src/core/uptrain/numeric';
import { poolHeads, sharingError } from '../../src/core/uptrain/pool';
import { planConversion, refusalFor, validKvHeads, type TensorInfo } from '../../src/core/uptrain/plan';
import { transformTensor } from '../../src/core/uptrain/layouts';
import { WeightFidelity, median, spread } from '../../src/core/uptrain/fidelity';
import { CONFIGS } from '../fixtures/paths';

function model(text: string): ModelDescription {
  const a = analyzeText(text);
  assert.ok(a.model, a.error);
  return a.model;
}
const fixture = (name: string) => model(readFileSync(join(CONFIGS, name), 'utf8'));

test('bf16: round to nearest, ties to even; every finite pattern round-trips', () => {
  // 1 + 2^-8 lies halfway between 1 (0x3f80) and 1 + 2^-7 (0x3f81): the even one, 0x3f80, wins.
  assert.equal(toBf16Bits(1 + 2 ** -8), 0x3f80);
  // 1 + 3 * 2^-8 lies halfway between 0x3f81 and 0x3f82: the even one, 0x3f82.
  assert.equal(toBf16Bits(1 + 3 * 2 ** -8), 0x3f82);
  // Just above the halfway point rounds up.
  assert.equal(toBf16Bits(1 + 2 ** -8 + 2 ** -20), 0x3f81);
  assert.equal(toBf16Bits(-2), 0xc000);
  assert.equal(toBf16Bits(3.4e38), 0x7f80, 'past bf16 max (about 3.39e38): rounds to inf');
  assert.ok(Number.isNaN(fromBf16Bits(toBf16Bits(NaN))));
  for (let h = 0; h < 0x10000; h++) {
    const v = fromBf16Bits(h);
    if (Number.isNaN(v)) continue;
    assert.equal(toBf16Bits(v), h, `bf16 0x${h.toString(16)}`);
  }
});

test('fp16: round to nearest even, overflow to inf, subnormals; every finite pattern round-trips', () => {
  assert.equal(toF16Bits(1 + 2 ** -11), 0x3c00, 'halfway between 1 and 1 + 2^-10: even (1)');
  assert.equal(toF16Bits(1 + 3 * 2 ** -11), 0x3c02, 'halfway between 0x3c01 and 0x3c02: even');
  assert.equal(toF16Bits(65504), 0x7bff, 'fp16 max');
  assert.equal(toF16Bits(65520), 0x7c00, 'halfway past max rounds to inf');
  assert.equal(toF16Bits(2 ** -24), 0x0001, 'smallest subnormal');
  assert.equal(toF16Bits(2 ** -25), 0x0000, 'half the smallest subnormal: ties to even, zero');
  assert.equal(toF16Bits(3 * 2 ** -25), 0x0002, '1.5 x the smallest subnormal: ties to even, 2');
  for (let h = 0; h < 0x10000; h++) {
    const v = fromF16Bits(h);
    if (Number.isNaN(v)) continue;
    assert.equal(toF16Bits(v), h, `fp16 0x${h.toString(16)}`);
  }
});

test('codecs: little-endian bytes in and out for F32, F16, BF16', () => {
  // 1.5 is 0x3fc00000 in fp32, 0x3e00 in fp16, 0x3fc0 in bf16; little-endian puts the low byte first.
  assert.deepEqual([...encodeFloats(new Float32Array([1.5]), 'F32')], [0x00, 0x00, 0xc0, 0x3f]);
  assert.deepEqual([...encodeFloats(new Float32Array([1.5]), 'F16')], [0x00, 0x3e]);
  assert.deepEqual([...encodeFloats(new Float32Array([1.5]), 'BF16')], [0xc0, 0x3f]);
  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    const v = new Float32Array([0, -0.25, 3, 1024, -7.5]);
    assert.deepEqual([...decodeFloats(encodeFloats(v, dtype), dtype)], [...v], dtype);
  }
  // A view at an odd offset decodes the same (tensor data inside a larger buffer).
  const bytes = new Uint8Array(5);
  bytes.set([0x00, 0x3e, 0xc0, 0x3f], 1);
  assert.deepEqual([...decodeFloats(bytes.subarray(1, 3), 'F16')], [1.5]);
  assert.throws(() => decodeFloats(new Uint8Array(3), 'F16'), /whole number/);
});

test('mean pooling: contiguous groups, sharing error and norm ratio as worked by hand', () => {
  // Heads 0,1 -> new head 0; heads 2,3 -> new head 1 (contiguous, as repeat_kv pairs them).
  const heads = [new Float32Array([1, 0]), new Float32Array([0, 1]), new Float32Array([2, 2]), new Float32Array([2, 2])];
  const { heads: pooled, stats } = poolHeads(heads, 2, 'mean');
  assert.deepEqual([...pooled[0]!], [0.5, 0.5]);
  assert.deepEqual([...pooled[1]!], [2, 2]);
  // Group 0: each head is 0.5 from the mean in both coordinates: 2 * 0.5 = 0.5 per head, 1 in all. Group 1: 0.
  // Norms: 1 + 1 + 8 + 8 = 18. Error = 1 / 18.
  assert.equal(stats.distance2, 1);
  assert.equal(stats.norm2, 18);
  assert.equal(sharingError(stats), 1 / 18);
  // Group 0: ‖(0.5, 0.5)‖ = 1/√2 against member norms of 1. Group 1: identical heads, ratio 1.
  assert.ok(Math.abs(stats.normRatios[0]! - Math.SQRT1_2) < 1e-7);
  assert.equal(stats.normRatios[1], 1);
});

test('mean-norm: the pooled head rescaled to the mean member norm (ratio 1), direction kept', () => {
  const heads = [new Float32Array([3, 0]), new Float32Array([0, 1])];
  const { heads: pooled, stats } = poolHeads(heads, 1, 'mean-norm');
  // Mean (1.5, 0.5), norm √2.5; member norms 3 and 1, mean 2: scaled by 2/√2.5.
  const s = 2 / Math.sqrt(2.5);
  assert.ok(Math.abs(pooled[0]![0]! - 1.5 * s) < 1e-6 && Math.abs(pooled[0]![1]! - 0.5 * s) < 1e-6);
  assert.ok(Math.abs(stats.normRatios[0]! - 1) < 1e-6);
  // The sharing error is about the mean whatever the method: (1.5² + 0.5²) * 2 = 5, over 10.
  assert.equal(sharingError(stats), 0.5);
  // A zero mean stays zero (no division by zero).
  assert.deepEqual([...poolHeads([new Float32Array([1]), new Float32Array([-1])], 1, 'mean-norm').heads[0]!], [0]);
  assert.throws(() => poolHeads(heads, 3, 'mean'), /do not divide/);
});

test('fidelity: per-layer sums, combined K+V error, worst and median', () => {
  const f = new WeightFidelity();
  f.add(1, { k: { distance2: 1, norm2: 4, normRatios: [1] } });
  f.add(1, { v: { distance2: 3, norm2: 4, normRatios: [0.5] } });
  f.add(0, { k: { distance2: 0, norm2: 4, normRatios: [1] }, v: { distance2: 0, norm2: 4, normRatios: [1] } });
  const [l0, l1] = f.figures();
  assert.equal(l0!.layer, 0);
  assert.equal(l0!.sharingError, 0);
  // Layer 1: (1 + 3) / (4 + 4) = 0.5; K alone 1/4, V alone 3/4.
  assert.equal(l1!.sharingError, 0.5);
  assert.equal(l1!.k.sharingError, 0.25);
  assert.equal(l1!.v.sharingError, 0.75);
  assert.deepEqual(spread([{ layer: 0, value: 0 }, { layer: 1, value: 0.5 }, { layer: 2, value: 0.2 }]), { worst: 0.5, worstLayer: 1, median: 0.2 });
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

// --- plans on real configs, with tensor lists made from the config's own sizes ---

function llamaTensors(layers: number, q: number, kv: number, hd: number, hidden: number, dtype = 'BF16', bias = false): TensorInfo[] {
  const out: TensorInfo[] = [{ name: 'model.embed_tokens.weight', dtype, shape: [32, hidden] }];
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}.self_attn.`;
    out.push({ name: `${p}q_proj.weight`, dtype, shape: [q * hd, hidden] });
    out.push({ name: `${p}k_proj.weight`, dtype, shape: [kv * hd, hidden] });
    out.push({ name: `${p}v_proj.weight`, dtype, shape: [kv * hd, hidden] });
    if (bias) for (const x of ['q', 'k', 'v']) out.push({ name: `${p}${x}_proj.bias`, dtype, shape: [(x === 'q' ? q : kv) * hd] });
    out.push({ name: `${p}o_proj.weight`, dtype, shape: [hidden, q * hd] });
  }
  return out;
}

test('plan: Llama-2-7B (MHA, 32 heads of 128) to 8 KV heads: native, k/v of every layer, config field added', () => {
  const m = fixture('llama__Llama-2-7b-hf.json');
  const r = planConversion(m, llamaTensors(32, 32, 32, 128, 4096), 8, 'mean');
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const { plan } = r;
  assert.equal(plan.layout, 'separate');
  assert.equal(plan.output, 'native');
  assert.equal(plan.poolFactor, 4);
  assert.equal(plan.edits.size, 64, 'k_proj and v_proj weights of 32 layers');
  assert.deepEqual(plan.edits.get('model.layers.31.self_attn.k_proj.weight')!.newShape, [8 * 128, 4096]);
  assert.equal(plan.edits.has('model.layers.0.self_attn.q_proj.weight'), false);
  // Llama-2-7b's config has num_key_value_heads: 32 at the top level: that field is set.
  assert.deepEqual(plan.configEdit, { path: ['num_key_value_heads'], value: 8 });
  assert.deepEqual(validKvHeads(m), [1, 2, 4, 8, 16]);
});

test('plan: Qwen2.5-7B (GQA 28/4) to 2 works the same, biases pooled too; 3 does not divide 4', () => {
  const m = fixture('qwen2__Qwen2.5-7B-Instruct.json');
  const r = planConversion(m, llamaTensors(28, 28, 4, 128, 3584, 'BF16', true), 2, 'mean');
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.plan.edits.size, 28 * 4, 'k/v weight and bias per layer');
  assert.deepEqual(r.plan.edits.get('model.layers.0.self_attn.v_proj.bias')!.newShape, [256]);
  const bad = planConversion(m, llamaTensors(28, 28, 4, 128, 3584, 'BF16', true), 3, 'mean');
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.reason, /must divide the model's 4 KV heads.*valid: 1, 2, 4/);
});

test('plan refusals: MLA, encoder-only, SSM, hybrid, encoder-decoder, already MQA, grouped fused layout', () => {
  assert.match(refusalFor(fixture('deepseek_v3__DeepSeek-V3.json'))!, /MLA/);
  assert.match(refusalFor(fixture('kimi_k2__Kimi-K2-Instruct.json'))!, /MLA/);
  assert.match(refusalFor(fixture('bert__bert-base-chinese.json'))!, /encoder-only/);
  assert.match(refusalFor(fixture('nemotron_h__NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.json'))!, /hybrid and SSM/);
  assert.match(refusalFor(fixture('t5__t5-small.json'))!, /encoder-decoder/);
  assert.match(refusalFor(model('{"model_type":"llama","num_attention_heads":8,"num_key_value_heads":1,"num_hidden_layers":2,"hidden_size":64}'))!, /already MQA/);
  assert.deepEqual(validKvHeads(fixture('deepseek_v3__DeepSeek-V3.json')), []);
  // Falcon-40B: new_decoder_architecture, 128 query heads in 8 groups in one query_key_value: not the MHA layout.
  const falcon = fixture('RefinedWeb__falcon-40b.json');
  const hidden = 8192;
  const r = planConversion(falcon, [{ name: 'transformer.h.0.self_attention.query_key_value.weight', dtype: 'BF16', shape: [(128 + 16) * 64, hidden] }], 4, 'mean');
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /grouped fused layout/);
});

test('plan refusals name the tensor: missing, wrong shape, quantised, no projections at all', () => {
  const m = model('{"model_type":"llama","num_attention_heads":4,"num_hidden_layers":2,"hidden_size":16}');
  const full = llamaTensors(2, 4, 4, 4, 16, 'F32');
  const missing = planConversion(m, full.filter((t) => t.name !== 'model.layers.1.self_attn.v_proj.weight'), 2, 'mean');
  assert.match(missing.ok ? '' : missing.reason, /missing tensor model\.layers\.1\.self_attn\.v_proj\.weight/);
  const wrong = planConversion(m, full.map((t) => (t.name.endsWith('0.self_attn.k_proj.weight') ? { ...t, shape: [12, 16] } : t)), 2, 'mean');
  assert.match(wrong.ok ? '' : wrong.reason, /k_proj\.weight has shape \[12, 16\], the config implies \[16, 16\]/);
  const quant = planConversion(m, full.map((t) => ({ ...t, dtype: 'I8' })), 2, 'mean');
  assert.match(quant.ok ? '' : quant.reason, /is I8: only F32, F16 and BF16/);
  const none = planConversion(m, [{ name: 'lm_head.weight', dtype: 'F32', shape: [4, 16] }], 2, 'mean');
  assert.match(none.ok ? '' : none.reason, /no K\/V projection tensors/);
  const fused = planConversion(m, [{ name: 'model.layers.0.self_attn.qkv_proj.weight', dtype: 'F32', shape: [48, 16] }, { name: 'model.layers.1.self_attn.qkv_proj.weight', dtype: 'F32', shape: [48, 16] }], 2, 'mean');
  assert.match(fused.ok ? '' : fused.reason, /fused-qkv tensors in a model_type llama checkpoint: this combination is not supported/);
  const extra = planConversion(m, [...full, ...llamaTensors(3, 4, 4, 4, 16, 'F32').filter((t) => t.name.includes('layers.2.'))], 2, 'mean');
  assert.match(extra.ok ? '' : extra.reason, /past the config's 2 layers/);
});

test('plan: GPT-2 large (c_attn Conv1D) and OPT-style separate projections are written expanded, config untouched', () => {
  const g = fixture('gpt2__gpt2-large.json');
  const hidden = 1280;
  const tensors: TensorInfo[] = [];
  for (let l = 0; l < 36; l++) {
    tensors.push({ name: `h.${l}.attn.c_attn.weight`, dtype: 'F32', shape: [hidden, 3 * hidden] });
    tensors.push({ name: `h.${l}.attn.c_attn.bias`, dtype: 'F32', shape: [3 * hidden] });
  }
  const r = planConversion(g, tensors, 4, 'mean');
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.plan.layout, 'gpt2-c-attn');
  assert.equal(r.plan.output, 'expanded');
  assert.equal(r.plan.configEdit, undefined);
  assert.deepEqual(r.plan.edits.get('h.0.attn.c_attn.weight')!.newShape, [hidden, 3 * hidden], 'the MHA shape is kept');
  assert.match(r.plan.notes.join(' '), /expanded/);
  const opt = model('{"model_type":"opt","num_attention_heads":4,"num_hidden_layers":1,"hidden_size":16}');
  const o = planConversion(opt, llamaTensors(1, 4, 4, 4, 16, 'F32', true).map((t) => ({ ...t, name: t.name.replace('model.layers', 'model.decoder.layers') })), 2, 'mean');
  assert.ok(o.ok, o.ok ? '' : o.reason);
  assert.equal(o.plan.output, 'expanded');
});

test('transform: a fused Phi-3 qkv_proj keeps its q rows and re-fuses pooled k|v at the new size', () => {
  // 4 query heads, 2 KV heads of size 1, hidden 2: rows [q0 q1 q2 q3 | k0 k1 | v0 v1], each row (a, b).
  const g = { queryHeads: 4, oldKvHeads: 2, newKvHeads: 1, headDimK: 1, headDimV: 1 };
  const rows = [[1, 1], [2, 2], [3, 3], [4, 4], [10, 0], [0, 10], [6, 8], [8, 6]];
  const values = new Float32Array(rows.flat());
  const edit = { name: 'qkv', layer: 0, role: 'weight' as const, parts: ['k', 'v'] as ('k' | 'v')[], layout: 'fused-qkv' as const, dtype: 'F32' as const, shape: [8, 2], newShape: [6, 2] };
  const out = transformTensor(edit, values, g, 'native', 'mean');
  // q unchanged; k = mean((10,0),(0,10)) = (5,5); v = mean((6,8),(8,6)) = (7,7).
  assert.deepEqual([...out.values], [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 7, 7]);
  // K error: each head is 5√2 from (5,5): 50 + 50 over 100 + 100 = 0.5. V: (1,1) away each: 4 / 200 = 0.02.
  assert.equal(sharingError(out.stats.k!), 0.5);
  assert.equal(sharingError(out.stats.v!), 0.02);
});
