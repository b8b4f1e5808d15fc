/**
 * Every graph path, in-process on the CPU EP, against the fp32 reference: decode and prefill,
 * fp32 and fp16, MHA / GQA / MQA, batch 2, and K/V head sizes that differ (MLA-like).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeHostData } from '../../../src/bench/data';
import { buildAttentionGraph, buildGqaGraph } from '../../../src/bench/graphs/fusedGraphs';
import { buildGroupedGraph, buildPlainGraph } from '../../../src/bench/graphs/matmulGraphs';
import type { GraphSpec } from '../../../src/bench/graphs/spec';
import { referenceOutput, tolerance } from '../../../src/bench/reference';
import { createSession, maxAbsDiff, outputAsBhsd, runArgs, runOnce } from '../../../src/bench/session';

const BUILDERS = { gqa: buildGqaGraph, attention: buildAttentionGraph, plain: buildPlainGraph, grouped: buildGroupedGraph };

function spec(kvHeads: number, phase: 'decode' | 'prefill', dtype: 'fp32' | 'fp16', valueHeadDim = 16): GraphSpec {
  return { shape: { queryHeads: 8, kvHeads, headDim: 16, valueHeadDim }, phase, batch: 2, past: phase === 'decode' ? 37 : 0, prompt: phase === 'decode' ? 1 : 6, dtype };
}

for (const dtype of ['fp32', 'fp16'] as const)
  for (const phase of ['decode', 'prefill'] as const)
    for (const kv of [8, 2, 1])
      test(`${dtype} ${phase} with ${kv} KV heads: every path matches the reference`, async () => {
        const s = spec(kv, phase, dtype);
        const data = makeHostData(s, 1, true);
        const reference = await referenceOutput(s, data, 1);
        // The reference must carry signal, or a zero output would pass.
        assert.ok(Math.max(...reference.map(Math.abs)) > 0.1);
        for (const [path, build] of Object.entries(BUILDERS)) {
          const gs = await createSession(build(s), s, 'cpu', 1);
          try {
            const out = outputAsBhsd(gs, await runOnce(gs, runArgs(gs, data, data.caches[0]!)));
            const diff = maxAbsDiff(out, reference);
            assert.ok(diff <= tolerance(dtype), `${path}: max |diff| ${diff}`);
          } finally {
            await gs.session.release();
          }
        }
      });

test('different K and V head sizes (MLA expanded): matmul paths and ONNX Attention match; GQA refuses', async () => {
  const s = spec(8, 'decode', 'fp32', 12);
  const data = makeHostData(s, 1, true);
  const reference = await referenceOutput(s, data, 1);
  for (const build of [buildPlainGraph, buildGroupedGraph, buildAttentionGraph]) {
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

test('GroupQueryAttention appends in place: present aliases past and holds the new token', async () => {
  const s = spec(2, 'decode', 'fp32');
  const data = makeHostData(s, 1, false);
  const cache = data.caches[0]!;
  const before = (cache.k as Float32Array).slice();
  const gs = await createSession(buildGqaGraph(s), s, 'cpu', 1);
  const args = runArgs(gs, data, cache);
  await runOnce(gs, args);
  await gs.session.release();
  assert.equal(args.fetches?.present_key, args.feeds.past_key);
  // The new token's K (already at position L) was rewritten with the same values: cache unchanged.
  assert.deepEqual(cache.k, before);
});
