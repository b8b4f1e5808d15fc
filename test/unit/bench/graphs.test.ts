/**
 * Every graph path, in-process on the CPU EP, against the fp32 reference: decode and prefill,
 * fp32 and fp16, MHA / GQA / MQA, batch 2, and K/V head sizes that differ (MLA-like).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHostData } from '../../../src/bench/data';
import { BUILDERS, pathUnsupported } from '../../../src/bench/graphs/builders';
import { buildAttentionGraph, buildGqaGraph } from '../../../src/bench/graphs/fusedGraphs';
import { buildGroupedGraph, buildGroupedVtGraph, buildPlainGraph } from '../../../src/bench/graphs/matmulGraphs';
import type { GraphSpec } from '../../../src/bench/graphs/spec';
import { dequantizePerChannel, int8OutputBound } from '../../../src/bench/quant';
import { referenceOutput, tolerance } from '../../../src/bench/reference';
import { createSession, maxAbsDiff, outputAsBhsd, runArgs, runOnce } from '../../../src/bench/session';
import type { BenchPath } from '../../../src/shared/benchProtocol';

function spec(kvHeads: number, phase: 'decode' | 'prefill', dtype: 'fp32' | 'fp16', valueHeadDim = 16): GraphSpec {
  return { shape: { queryHeads: 8, kvHeads, headDim: 16, valueHeadDim }, phase, batch: 2, past: phase === 'decode' ? 37 : 0, prompt: phase === 'decode' ? 1 : 6, dtype };
}

for (const dtype of ['fp32', 'fp16'] as const)
  for (const phase of ['decode', 'prefill'] as const)
    for (const kv of [8, 2, 1])
      test(`${dtype} ${phase} with ${kv} KV heads: every path matches the reference`, async () => {
        const s = spec(kv, phase, dtype);
        const data = makeHostData(s, 1, { vt: true, int8: true });
        const reference = await referenceOutput(s, data, 1);
        // The reference must carry signal, or a zero output would pass.
        assert.ok(Math.max(...reference.map(Math.abs)) > 0.1);
        let ran = 0;
        for (const [path, build] of Object.entries(BUILDERS) as [BenchPath, (typeof BUILDERS)[BenchPath]][]) {
          if (pathUnsupported(path, s, 'cpu')) continue;
          const gs = await createSession(build(s), s, 'cpu', 1);
          try {
            const out = outputAsBhsd(gs, await runOnce(gs, runArgs(gs, data, data.caches[0]!)));
            if (path === 'gqaInt8') {
              // Against the float cache the int8 values stand for: exact up to fp32 rounding.
              const T = s.past + s.prompt;
              const k = dequantizePerChannel({ values: data.caches[0]!.k8!, scales: data.kScale! }, s.batch, kv, T, 16);
              const v = dequantizePerChannel({ values: data.caches[0]!.v8!, scales: data.vScale! }, s.batch, kv, T, 16);
              const diff = maxAbsDiff(out, await referenceOutput(s, data, 1, { k, v }));
              assert.ok(diff <= tolerance(dtype), `${path} vs the dequantised cache: max |diff| ${diff}`);
            } else {
              const diff = maxAbsDiff(out, reference);
              assert.ok(diff <= tolerance(dtype), `${path}: max |diff| ${diff}`);
            }
            ran++;
          } finally {
            await gs.session.release();
          }
        }
        // Every path runs; the int8 cache in fp32 decode only.
        assert.equal(ran, dtype === 'fp32' && phase === 'decode' ? 6 : 5);
      });

test('different K and V head sizes (MLA expanded): matmul paths and ONNX Attention match; GQA refuses', async () => {
  const s = spec(8, 'decode', 'fp32', 12);
  const data = makeHostData(s, 1, true);
  const reference = await referenceOutput(s, data, 1);
  for (const build of [buildPlainGraph, buildGroupedGraph, buildGroupedVtGraph, buildAttentionGraph]) {
    const gs = await createSession(build(s), s, 'cpu', 1);
    const diff = maxAbsDiff(outputAsBhsd(gs, await runOnce(gs, runArgs(gs, data, data.caches[0]!))), reference);
    await gs.session.release();
    assert.ok(diff <= 1e-3, `${gs.graph.path}: ${diff}`);
  }
  assert.throws(() => buildGqaGraph(s), /equal K and V head sizes/);
});

test('the check catches a wrong cache: a changed K value moves the output beyond tolerance', async () => {
  const s = spec(2, 'decode', 'fp32');
  const data = makeHostData(s, 1, true);
  const reference = await referenceOutput(s, data, 1);
  const k = data.caches[0]!.k as Float32Array;
  for (let i = 0; i < k.length; i += 16) k[i] = -k[i]!; // flip one K component per token
  const gs = await createSession(buildGroupedGraph(s), s, 'cpu', 1);
  const diff = maxAbsDiff(outputAsBhsd(gs, await runOnce(gs, runArgs(gs, data, data.caches[0]!))), reference);
  await gs.session.release();
  assert.ok(diff > tolerance('fp32'), `expected a mismatch, got ${diff}`);
});

test('GroupQueryAttention: only the output leaves the session; aliased, present is the past buffer', async () => {
  const s = spec(2, 'decode', 'fp32');
  const data = makeHostData(s, 1, false);
  const internal = buildGqaGraph(s);
  assert.deepEqual(internal.parts.outputs.map((o) => o.name), ['out']);
  const cache = data.caches[0]!;
  const before = (cache.k as Float32Array).slice();
  const gs = await createSession(buildGqaGraph(s, undefined, { present: 'aliased' }), s, 'cpu', 1);
  const args = runArgs(gs, data, cache);
  await runOnce(gs, args);
  await gs.session.release();
  assert.equal(args.fetches?.present_key, args.feeds.past_key);
  // The new token's K (already at position L) was rewritten with the same values: cache unchanged.
  assert.deepEqual(cache.k, before);
});

test('the grouped graphs: softmax on the last axis, Q pre-scaled (no Mul for the optimiser to fold into alpha), no Transpose of V in the natural form', () => {
  const s = spec(2, 'decode', 'fp32');
  for (const g of [buildGroupedGraph(s), buildGroupedVtGraph(s)]) {
    const ops = g.parts.nodes.map((n) => n.opType);
    assert.ok(!ops.includes('Mul'), `${g.path}: ${ops.join(',')}`);
    const softmax = g.parts.nodes.find((n) => n.opType === 'Softmax')!;
    assert.equal(softmax.attribute![0]!.i, -1);
    assert.deepEqual(g.feeds.slice(0, 1), ['qs']);
  }
  assert.deepEqual(buildGroupedGraph(s).parts.nodes.filter((n) => n.opType === 'Transpose').map((n) => n.input![0]), ['k']);
  assert.deepEqual(buildGroupedGraph(s).feeds, ['qs', 'k', 'v']);
  assert.deepEqual(buildGroupedVtGraph(s).feeds, ['qs', 'k', 'vt']);
});

test('int8 KV through GroupQueryAttention: within the quantisation bound of the float cache, and the bound is not vacuous', async () => {
  for (const kv of [8, 2, 1]) {
    const s = spec(kv, 'decode', 'fp32');
    const data = makeHostData(s, 1, { int8: true });
    const reference = await referenceOutput(s, data, 1);
    const gs = await createSession(BUILDERS.gqaInt8(s), s, 'cpu', 1);
    const out = outputAsBhsd(gs, await runOnce(gs, runArgs(gs, data, data.caches[0]!)));
    await gs.session.release();
    let maxV = 0;
    for (const x of data.caches[0]!.v as Float32Array) maxV = Math.max(maxV, Math.abs(x));
    const bound = int8OutputBound(data.q as Float32Array, 8, kv, 1, 16, s.batch, data.kScale!, data.vScale!, maxV);
    const diff = maxAbsDiff(out, reference);
    assert.ok(diff <= bound + tolerance('fp32'), `${kv} KV heads: |diff| ${diff} beyond the bound ${bound}`);
    // Quantisation did change the output (the int8 cache is really read), and the bound is well
    // under the output's own scale, so the check can fail.
    assert.ok(diff > 1e-5, `${kv} KV heads: int8 output identical to fp32 (${diff})`);
    assert.ok(bound < 0.25, `bound ${bound}`);
  }
});
