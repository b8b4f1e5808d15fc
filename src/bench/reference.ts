/**
 * The reference every path is checked against: the plain MatMul / Softmax / MatMul graph, in fp32,
 * on the CPU EP, over the very values the checked graph was fed (fp16 data widened exactly).
 */
import type { ElemArray, HostData } from './data';
import { fromHalfArray } from './fp16';
import { buildPlainGraph } from './graphs/matmulGraphs';
import type { GraphSpec } from './graphs/spec';
import { createSession, outputAsBhsd, runArgs, runOnce } from './session';

/** Largest tolerated |difference| from the reference, per dtype (BENCHMARK-METHOD.md). */
export function tolerance(dtype: GraphSpec['dtype']): number {
  return dtype === 'fp16' ? 1e-2 : 1e-3;
}

function widen(a: ElemArray): Float32Array {
  return a instanceof Uint16Array ? fromHalfArray(a) : a;
}

/**
 * Computes the reference output [B, Hq, S, Dv] for `spec` over the first cache copy of `data`, or
 * over `cache` when given (the int8 path is checked against the float cache its int8 values stand
 * for: see quant.ts).
 */
export async function referenceOutput(spec: GraphSpec, data: HostData, threads: number, cache?: { k: Float32Array; v: Float32Array }): Promise<Float32Array> {
  const spec32: GraphSpec = { ...spec, dtype: 'fp32' };
  const first = cache ?? data.caches[0]!;
  const data32: HostData = { q: widen(data.q), qs: widen(data.qs), query: widen(data.query), key: widen(data.key), value: widen(data.value), caches: [{ k: widen(first.k), v: widen(first.v) }] };
  const gs = await createSession(buildPlainGraph(spec32), spec32, 'cpu', threads);
  try {
    return outputAsBhsd(gs, await runOnce(gs, runArgs(gs, data32, data32.caches[0]!)));
  } finally {
    await gs.session.release();
    gs.cleanup();
  }
}
