/**
 * Exact weights from a checkpoint's tensors (src/core/weightsFromCheckpoint.ts): bytes as stored, parameters as the
 * packing holds them. Every figure is worked out in the comment beside it from shape x bits.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exactWeightsFromTensors, quantHintFromConfig, type CheckpointTensor } from '../../src/core/weightsFromCheckpoint';

const t = (name: string, dtype: string, shape: number[]): CheckpointTensor => ({ name, dtype, shape });

describe('exactWeightsFromTensors', () => {
  test('plain tensors: one parameter per element, bytes by dtype', () => {
    // BF16 [4096, 4096] = 16,777,216 params, 33,554,432 bytes; F32 [4096] = 4,096 params, 16,384 bytes.
    const w = exactWeightsFromTensors('model.safetensors', [t('a.weight', 'BF16', [4096, 4096]), t('n.weight', 'F32', [4096])]);
    assert.equal(w.source, 'model.safetensors');
    assert.equal(w.tensors, 2);
    assert.equal(w.totalParams, 16_777_216 + 4_096);
    assert.equal(w.bytes, 33_554_432 + 16_384);
    assert.deepEqual(w.byDtype, [
      { dtype: 'BF16', tensors: 1, params: 16_777_216, bytes: 33_554_432 },
      { dtype: 'F32', tensors: 1, params: 4_096, bytes: 16_384 },
    ]);
    assert.deepEqual(w.packing, []);
  });

  test('GPTQ 4-bit: qweight [in/8, out] I32 holds 8 weights per element; scales, qzeros, g_idx are bytes, not parameters', () => {
    // in 4096, out 1024, group 128: qweight [512, 1024] I32 = 524,288 elements x 8 = 4,194,304 weights, 2,097,152 bytes;
    // scales [32, 1024] F16 = 65,536 bytes; qzeros [32, 128] I32 = 16,384 bytes; g_idx [4096] I32 = 16,384 bytes.
    const w = exactWeightsFromTensors('m', [
      t('l.k_proj.qweight', 'I32', [512, 1024]), t('l.k_proj.scales', 'F16', [32, 1024]), t('l.k_proj.qzeros', 'I32', [32, 128]), t('l.k_proj.g_idx', 'I32', [4096]),
    ]);
    assert.equal(w.totalParams, 4_194_304);
    assert.equal(w.bytes, 2_097_152 + 65_536 + 16_384 + 16_384);
    assert.match(w.packing[0]!, /^GPTQ: 1 packed tensor holding 4194304 weights; GPTQ qweight \[in \/ 8, out\] I32, packed along in-features \(in-features from g_idx: 4 bits per weight\)/);
    assert.match(w.packing[1]!, /3 tensors, 98304 bytes, counted in the bytes but not as parameters/);
  });

  test('GPTQ 3-bit without g_idx: bits from quantization_config', () => {
    // qweight [4096 x 3 / 32 = 384, 1024]: 393,216 elements x 32/3 = 4,194,304 weights.
    const w = exactWeightsFromTensors('m', [t('l.q.qweight', 'I32', [384, 1024]), t('l.q.scales', 'F16', [32, 1024])], { method: 'gptq', bits: 3 });
    assert.equal(w.totalParams, 4_194_304);
    assert.match(w.packing[0]!, /3-bit weights, 10.666666666666666 per I32 \(bits from quantization_config\)/);
  });

  test('AWQ: qweight [in, out/8] packed along out-features, the packing read from the scales', () => {
    // in 4096, out 1024: qweight [4096, 128] = 524,288 x 8 = 4,194,304; scales [32, 1024]: 1024 / 128 = 8 per element.
    const w = exactWeightsFromTensors('m', [t('l.q.qweight', 'I32', [4096, 128]), t('l.q.scales', 'F16', [32, 1024]), t('l.q.qzeros', 'I32', [32, 128])]);
    assert.equal(w.totalParams, 4_194_304);
    assert.match(w.packing[0]!, /^AWQ: .*AWQ qweight \[in, out \/ 8\] I32, packed along out-features/);
  });

  test('MXFP4 blocks: two 4-bit values per byte; scales not parameters', () => {
    // gpt-oss: blocks U8 [32, 2880, 90, 16] = 132,710,400 bytes = 265,420,800 weights; scales U8 [32, 2880, 90] = 8,294,400 bytes.
    const w = exactWeightsFromTensors('m', [t('e.gate_up_proj_blocks', 'U8', [32, 2880, 90, 16]), t('e.gate_up_proj_scales', 'U8', [32, 2880, 90])]);
    assert.equal(w.totalParams, 265_420_800);
    assert.equal(w.bytes, 132_710_400 + 8_294_400);
  });

  test('FP8 with block scales: one weight per byte, weight_scale_inv not parameters', () => {
    // [7168, 2048] F8 = 14,680,064 weights and bytes; scale_inv [56, 16] F32 = 3,584 bytes.
    const w = exactWeightsFromTensors('m', [t('l.q.weight', 'F8_E4M3', [7168, 2048]), t('l.q.weight_scale_inv', 'F32', [56, 16])]);
    assert.equal(w.totalParams, 14_680_064);
    assert.equal(w.bytes, 14_680_064 + 3_584);
    assert.match(w.packing.join('\n'), /FP8: 1 weight tensor stored one weight per byte/);
  });

  test('bitsandbytes 4-bit and NVFP4: U8 weights are two per byte only when their companions say so', () => {
    // bnb: weight U8 [2048, 1] = 2,048 bytes = 4,096 weights; absmax F32 [64] = 256 bytes.
    const bnb = exactWeightsFromTensors('m', [t('l.q.weight', 'U8', [2048, 1]), t('l.q.weight.absmax', 'F32', [64])]);
    assert.equal(bnb.totalParams, 4_096);
    // NVFP4: weight U8 [1024, 2048] = 2,097,152 bytes = 4,194,304 weights; weight_scale F8 [1024, 256] not parameters.
    const nv = exactWeightsFromTensors('m', [t('l.q.weight', 'U8', [1024, 2048]), t('l.q.weight_scale', 'F8_E4M3', [1024, 256])]);
    assert.equal(nv.totalParams, 4_194_304);
    // A U8 tensor with no companion is one value per byte.
    assert.equal(exactWeightsFromTensors('m', [t('x.weight', 'U8', [10, 10])]).totalParams, 100);
  });

  test('F4 (sub-byte dtype): elements are parameters, half a byte each', () => {
    const w = exactWeightsFromTensors('m', [t('x.weight', 'F4', [64, 32])]);
    assert.equal(w.totalParams, 2_048);
    assert.equal(w.bytes, 1_024);
  });
});

describe('quantHintFromConfig', () => {
  test('bits from quantization_config or compressed-tensors config_groups', () => {
    assert.deepEqual(quantHintFromConfig({ quantization_config: { quant_method: 'gptq', bits: 3 } }), { method: 'gptq', bits: 3 });
    assert.deepEqual(quantHintFromConfig({ quantization_config: { quant_method: 'compressed-tensors', config_groups: { group_0: { weights: { num_bits: 4 } } } } }), { method: 'compressed-tensors', bits: 4 });
    assert.deepEqual(quantHintFromConfig({ text_config: { quantization_config: { quant_method: 'awq', bits: 4 } } }), { method: 'awq', bits: 4 });
    assert.deepEqual(quantHintFromConfig({ hidden_size: 3 }), {});
    assert.deepEqual(quantHintFromConfig('nope'), {});
  });
});
