/**
 * Turning a request into shapes, checking it, and sizing it against memory before anything is
 * allocated.
 */
import { BenchError, type BenchRequest, type EpName } from '../shared/benchProtocol';
import type { GraphSpec } from './graphs/spec';
import { elemBytes } from './metrics';

/** The graph spec of one variant at one context. */
export function specFor(request: BenchRequest, kvHeads: number, context: number): GraphSpec {
  const decode = request.phase === 'decode';
  return {
    shape: { queryHeads: request.model.queryHeads, kvHeads, headDim: request.model.headDim, valueHeadDim: request.model.valueHeadDim },
    phase: request.phase,
    batch: request.batch,
    past: decode ? context : 0,
    prompt: decode ? 1 : request.prompt,
    dtype: request.dtype,
  };
}

/** The contexts a request times: decode lengths, or the single prefill (reported as context 0). */
export function contextsOf(request: BenchRequest): number[] {
  return request.phase === 'decode' ? request.contexts : [0];
}

/** Throws `invalid` for a request no graph can be built from. */
export function validateRequest(request: BenchRequest): void {
  const fail = (message: string): never => {
    throw new BenchError({ code: 'invalid', message });
  };
  const { queryHeads, headDim, valueHeadDim } = request.model;
  const positive = (n: number) => Number.isInteger(n) && n > 0;
  if (!positive(queryHeads) || !positive(headDim) || !positive(valueHeadDim)) fail(`head geometry must be positive integers (got ${queryHeads} heads of ${headDim}/${valueHeadDim})`);
  if (request.variants.length === 0) fail('no variants to time');
  for (const kv of request.variants) if (!positive(kv) || queryHeads % kv !== 0) fail(`${kv} KV heads do not divide ${queryHeads} query heads`);
  if (!positive(request.batch)) fail(`batch must be a positive integer (got ${request.batch})`);
  if (request.phase === 'decode') {
    if (request.contexts.length === 0) fail('no contexts to time');
    for (const c of request.contexts) if (!positive(c)) fail(`context must be a positive integer (got ${c})`);
  } else if (!positive(request.prompt)) fail(`prompt must be a positive integer (got ${request.prompt})`);
  if (request.paths.length === 0) fail('no paths to time');
}

/** Cache copies per variant so the rotated set exceeds the last-level cache several times over. */
export function rotationCopies(touchedBytes: number, llcBytes: number, ep: EpName): number {
  if (ep !== 'cpu' || llcBytes <= 0 || touchedBytes <= 0) return 1;
  return Math.min(64, Math.max(1, Math.ceil((4 * llcBytes) / touchedBytes)));
}

/** K/V bytes one cache copy holds for a spec (V twice when the grouped path needs it transposed). */
export function cacheBytesFor(spec: GraphSpec, withVt: boolean): number {
  const { batch: B, past: L, prompt: S } = spec;
  const { kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  return elemBytes(spec) * B * Hkv * (L + S) * (D + Dv + (withVt ? Dv : 0));
}

/**
 * Host bytes a context needs at peak: every variant's cache copies at once (rounds alternate across
 * variants), plus the largest transient: K/V expanded to the query heads (plain path, reference;
 * written and transposed: 3 copies, fp32 for the reference) and, for a GPU run, one more copy of a
 * cache while it is encoded into the model.
 */
export function estimateBytes(request: BenchRequest, context: number, llcBytes: number, ep: EpName): number {
  const withVt = request.paths.includes('grouped');
  let persistent = 0;
  let transient = 0;
  for (const kv of request.variants) {
    const spec = specFor(request, kv, context);
    const copy = cacheBytesFor(spec, withVt);
    persistent += copy * rotationCopies(copy, llcBytes, ep);
    const { batch: B, past: L, prompt: S } = spec;
    const { queryHeads: Hq, headDim: D, valueHeadDim: Dv } = spec.shape;
    const expanded = 3 * 4 * B * Hq * (L + S) * (D + Dv);
    const scores = 3 * 4 * B * Hq * S * (L + S);
    transient = Math.max(transient, expanded + scores + (ep === 'cpu' ? 0 : copy));
  }
  return persistent + transient;
}

/** Largest context (decode) or prompt (prefill) at the asked batch that fits in `budget`, or 0. */
export function largestFitting(request: BenchRequest, budget: number, llcBytes: number, ep: EpName): number {
  const sized = (n: number) => (request.phase === 'decode' ? estimateBytes({ ...request, contexts: [n] }, n, llcBytes, ep) : estimateBytes({ ...request, prompt: n }, 0, llcBytes, ep));
  if (sized(1) > budget) return 0;
  let lo = 1;
  let hi = 1;
  while (sized(hi * 2) <= budget && hi < 1 << 30) hi *= 2;
  hi *= 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (sized(mid) <= budget) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Throws `memory` with the largest size that fits when any context of the request does not. */
export function checkMemory(request: BenchRequest, available: number, llcBytes: number, ep: EpName): void {
  const budget = request.memoryLimitBytes !== undefined ? Math.min(available, request.memoryLimitBytes) : available;
  for (const context of contextsOf(request)) {
    const need = estimateBytes(request, context, llcBytes, ep);
    if (need <= budget) continue;
    const largest = largestFitting(request, budget, llcBytes, ep);
    const what = request.phase === 'decode' ? `context ${context}` : `prompt ${request.prompt}`;
    const fits = largest > 0 ? `the largest ${request.phase === 'decode' ? 'context' : 'prompt'} that fits at batch ${request.batch} is ${largest}` : `nothing fits at batch ${request.batch}`;
    throw new BenchError({
      code: 'memory',
      message: `${what} needs about ${gib(need)} GiB for these variants and paths, but ${gib(budget)} GiB is available: ${fits}.`,
      largestContext: largest,
    });
  }
}

function gib(bytes: number): string {
  return (bytes / 2 ** 30).toFixed(2);
}
