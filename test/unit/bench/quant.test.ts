/** The int8 KV arithmetic (quant.ts), the bytes an int8 cache is reported with, and the profile digest. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dequantizePerChannel, int8OutputBound, quantizePerChannel } from '../../../src/bench/quant';
import { implementationBytes, minimumBytes } from '../../../src/bench/metrics';
import { describeGraph, digestProfile } from '../../../src/bench/profile';
import { buildGroupedGraph } from '../../../src/bench/graphs/matmulGraphs';
import { encodeModel } from '../../../src/bench/graphs/onnxBuilder';
import type { GraphSpec } from '../../../src/bench/graphs/spec';

test('per-channel int8: one scale per (head, channel) = max |x| / 127, values rounded and clamped', () => {
  // [B=1, H=2, T=2, D=2]: head 0 channel 0 holds 1.27 and -0.5 -> scale 0.01, values 127 and -50;
  // channel 1 holds 0.254 and 0.1 -> scale 0.002, values 127 and 50;
  // head 1 is all zeros -> scale 1 (no division by zero), values 0.
  const x = Float32Array.of(1.27, 0.254, -0.5, 0.1, 0, 0, 0, 0);
  const q = quantizePerChannel(x, 1, 2, 2, 2);
  assert.deepEqual(Array.from(q.scales), [Math.fround(0.01), Math.fround(0.002), 1, 1]);
  assert.deepEqual(Array.from(q.values), [127, 127, -50, 50, 0, 0, 0, 0]);
  const back = dequantizePerChannel(q, 1, 2, 2, 2);
  // Each element within half a step of its channel's scale.
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(back[i]! - x[i]!) <= [0.005, 0.001][i % 2]! + 1e-7, `element ${i}`);
  // The scale is shared across batch: the second sequence's larger value sets it.
  const two = quantizePerChannel(Float32Array.of(0.127, 0, 1.27, 0), 2, 1, 1, 2);
  assert.deepEqual(Array.from(two.values), [13, 0, 127, 0]);
});

test('int8 output bound: max|v| (e^2ε - 1) + max sV / 2, ε from |q| and the K scales', () => {
  // One query head, one KV head, D = 4: q = (1, -2, 0, 0.5), K scales all 2^-6, V scales 2^-5 and
  // 2^-4 (per channel), max |v| = 3. ε = (1 + 2 + 0 + 0.5) * 2^-6 / 2 / sqrt(4) = 0.013671875;
  // the V term is the largest V scale over 2, 2^-5.
  const bound = int8OutputBound(Float32Array.of(1, -2, 0, 0.5), 1, 1, 1, 4, 1, new Float32Array(4).fill(2 ** -6), Float32Array.of(2 ** -5, 2 ** -4, 2 ** -5, 2 ** -5), 3);
  assert.ok(Math.abs(bound - (3 * Math.expm1(2 * 0.013671875) + 2 ** -5)) < 1e-12, `bound ${bound}`);
  // Grouped: query head 1 of 2 reads KV head 0 (g = 2), so its |q| meets head 0's scales.
  // ε = (4 + 4) * 0.125 / 2 / sqrt(2); no V term.
  const grouped = int8OutputBound(Float32Array.of(0, 0, 4, 4), 2, 1, 1, 2, 1, Float32Array.of(0.125, 0.125), Float32Array.of(0, 0), 1);
  assert.ok(Math.abs(grouped - Math.expm1((2 * (8 * 0.125)) / 2 / Math.sqrt(2))) < 1e-12);
});

test('an int8 cache is reported with its own bytes: one per element plus the float scales', () => {
  const spec: GraphSpec = { shape: { queryHeads: 32, kvHeads: 8, headDim: 128, valueHeadDim: 128 }, phase: 'decode', batch: 1, past: 16384, prompt: 1, dtype: 'fp32' };
  // Q and O in fp32: 4 * (32 * 128 * 2); cache read + append in int8: 1 * 8 * (16385 + 1) * 256;
  // scales: 4 * 8 * 256.
  assert.equal(minimumBytes(spec, 1), 4 * 32 * 128 * 2 + 8 * 16386 * 256 + 4 * 8 * 256);
  assert.equal(minimumBytes(spec), 4 * (32 * 128 * 2 + 8 * 16386 * 256));
  // present written to its own buffer: one more read and write of the int8 cache.
  assert.equal(implementationBytes(spec, 'gqaInt8', false), minimumBytes(spec, 1) + 2 * 8 * 16385 * 256);
  assert.equal(implementationBytes(spec, 'grouped', false), minimumBytes(spec));
});

test('profile digest: kernel times per node over the last runs, model_run median; graph lines', () => {
  const events = [
    { cat: 'Session', name: 'model_run', dur: 9000 }, // warm-up, dropped
    { cat: 'Node', name: 'mm_kernel_time', dur: 900, args: { op_name: 'FusedMatMul' } },
    { cat: 'Session', name: 'model_run', dur: 3000 },
    { cat: 'Node', name: 'mm_kernel_time', dur: 2000, args: { op_name: 'FusedMatMul' } },
    { cat: 'Node', name: 'sm_kernel_time', dur: 100, args: { op_name: 'Softmax' } },
    { cat: 'Node', name: 'mm_fence_before', dur: 5 },
    { cat: 'Session', name: 'model_run', dur: 5000 },
    { cat: 'Node', name: 'mm_kernel_time', dur: 4000, args: { op_name: 'FusedMatMul' } },
    { cat: 'Node', name: 'sm_kernel_time', dur: 300, args: { op_name: 'Softmax' } },
  ];
  const d = digestProfile(events, 2);
  assert.equal(d.modelRunMs, 4); // median of 3 and 5 ms
  assert.deepEqual(d.nodes, [
    { node: 'mm', op: 'FusedMatMul', meanUs: 3000 },
    { node: 'sm', op: 'Softmax', meanUs: 200 },
  ]);
  const spec: GraphSpec = { shape: { queryHeads: 4, kvHeads: 2, headDim: 8, valueHeadDim: 8 }, phase: 'decode', batch: 1, past: 3, prompt: 1, dtype: 'fp32' };
  const lines = describeGraph(encodeModel(buildGroupedGraph(spec).parts).model);
  assert.ok(lines.some((l) => l.startsWith('Softmax scores -> probs {axis=-1}')), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith('Transpose k -> k_t {perm=[0,1,3,2]}')), lines.join('\n'));
});
