/**
 * The functional check's ONNX graph (src/convert/attentionGraph.ts) against attention written out by hand here:
 * projections, rotate_half RoPE on part of the head, causal softmax, the output projection. If the graph computed
 * anything else, every functional figure would be about the wrong function.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { buildAttentionModel, inputDims, type AttentionInput, type AttentionShape } from '../../src/convert/attentionGraph';
import { uniform } from '../../src/core/random';

/** Uniform in [-0.5, 0.5) from the core's seeded generator. */
function rng(seed: number): () => number {
  const next = uniform(seed);
  return () => next() - 0.5;
}

test('attention graph = causal softmax(RoPE(XWq) RoPE(XWk)^T / sqrt(d)) XWv Wo, computed by hand', async () => {
  const s: AttentionShape = { tokens: 5, hidden: 6, heads: 2, headDimK: 4, headDimV: 3, outputProjection: true };
  const dims = inputDims(s);
  const r = rng(7);
  const feeds: Record<string, Float32Array> = {};
  for (const name of ['X', 'WqT', 'bq', 'WkT', 'bk', 'WvT', 'bv', 'WoT', 'bo'] as AttentionInput[]) feeds[name] = Float32Array.from({ length: dims[name].reduce((a, b) => a * b, 1) }, r);
  // RoPE on the first 2 of 4 dims (a partial rotary factor of 0.5), theta 100; dims 2, 3 pass through.
  const { tokens: T, heads: H, headDimK: dk, headDimV: dv, hidden } = s;
  const rot = 2;
  const C = new Float32Array(T * dk).fill(1);
  const S = new Float32Array(T * dk);
  const R = new Float32Array(dk * dk);
  for (let t = 0; t < T; t++) for (let j = 0; j < rot; j++) {
    C[t * dk + j] = Math.cos(t * 100 ** -((2 * (j % (rot / 2))) / rot));
    S[t * dk + j] = Math.sin(t * 100 ** -((2 * (j % (rot / 2))) / rot));
  }
  R[1 * dk + 0] = -1; // (xR)[0] = -x[1]
  R[0 * dk + 1] = 1; //  (xR)[1] = x[0]
  const M = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) M[i * T + j] = -1e9;
  Object.assign(feeds, { C, S, R, M });

  const session = await ort.InferenceSession.create(buildAttentionModel(s), { executionProviders: ['cpu'] });
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const n of session.inputNames as AttentionInput[]) ortFeeds[n] = new ort.Tensor('float32', feeds[n]!, dims[n]);
  const y = (await session.run(ortFeeds)).Y!.data as Float32Array;
  await session.release();

  // By hand: project, rotate (x0, x1) by angle t for the first pair, attend causally, project out.
  const proj = (w: Float32Array, b: Float32Array, width: number) => Array.from({ length: T }, (_, t) => Array.from({ length: width }, (_, c) => {
    let acc = b[c]!;
    for (let i = 0; i < hidden; i++) acc += feeds.X![t * hidden + i]! * w[i * width + c]!;
    return acc;
  }));
  const q = proj(feeds.WqT!, feeds.bq!, H * dk);
  const k = proj(feeds.WkT!, feeds.bk!, H * dk);
  const v = proj(feeds.WvT!, feeds.bv!, H * dv);
  const rope = (row: number[], t: number, h: number) => {
    const x = row.slice(h * dk, h * dk + dk);
    // One rotary pair (0, 1) at frequency 100^0 = 1: a rotation by angle t.
    return [x[0]! * Math.cos(t) - x[1]! * Math.sin(t), x[1]! * Math.cos(t) + x[0]! * Math.sin(t), x[2]!, x[3]!];
  };
  const ctx = Array.from({ length: T }, () => new Array<number>(H * dv).fill(0));
  for (let h = 0; h < H; h++) {
    for (let t = 0; t < T; t++) {
      const qt = rope(q[t]!, t, h);
      const scores = Array.from({ length: t + 1 }, (_, u) => rope(k[u]!, u, h).reduce((a, kv, i) => a + kv * qt[i]!, 0) / Math.sqrt(dk));
      const top = Math.max(...scores);
      const e = scores.map((x) => Math.exp(x - top));
      const z = e.reduce((a, b) => a + b, 0);
      for (let u = 0; u <= t; u++) for (let d = 0; d < dv; d++) ctx[t]![h * dv + d]! += (e[u]! / z) * v[u]![h * dv + d]!;
    }
  }
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < hidden; o++) {
      let acc = feeds.bo![o]!;
      for (let c = 0; c < H * dv; c++) acc += ctx[t]![c]! * feeds.WoT![c * hidden + o]!;
      assert.ok(Math.abs(y[t * hidden + o]! - acc) < 1e-5, `Y[${t}][${o}] = ${y[t * hidden + o]}, by hand ${acc}`);
    }
  }
});
