/**
 * Turning a request into shapes, checking it, and sizing it against memory before anything is
 * allocated.
 */
import { ALL_PATHS, BenchError, type BenchRequest, type EpName } from '../shared/benchProtocol';
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

/** Most contexts one request may time (each builds every variant's graphs again). */
export const MAX_CONTEXTS = 64;
/** Most timed rounds and warm-up runs per path. */
export const MAX_ROUNDS = 100_000;
/** Most intra-op threads a request may ask for. */
export const MAX_THREADS = 1024;
/**
 * Most elements one host buffer (a K, V or transposed-V cache, the queries) may hold: typed arrays
 * and onnxruntime-node tensors are indexed with 32-bit lengths in places, so anything longer is
 * refused up front, like a shape that does not fit in memory.
 */
export const MAX_ARRAY_ELEMENTS = 2 ** 31 - 1;

const EPS = ['auto', 'cpu', 'webgpu', 'cuda'];


/** Throws `invalid` for a request no graph can be built from (checked before anything is allocated). */
export function validateRequest(request: BenchRequest): void {
  const fail = (message: string): never => {
    throw new BenchError({ code: 'invalid', message });
  };
  // Safe integers only: 1e300 is an "integer" to Number.isInteger, and sizes built from it overflow.
  const positive = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
  const count = (n: unknown, max: number) => n === undefined || (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= max);
  if (typeof request !== 'object' || request === null || typeof request.model !== 'object' || request.model === null) fail('the request has no model');
  const { queryHeads, headDim, valueHeadDim } = request.model;
  if (!positive(queryHeads) || !positive(headDim) || !positive(valueHeadDim)) fail(`head geometry must be positive integers (got ${queryHeads} heads of ${headDim}/${valueHeadDim})`);
  if (!EPS.includes(request.ep)) fail(`unknown execution provider ${String(request.ep)} (auto, cpu, webgpu or cuda)`);
  if (request.phase !== 'decode' && request.phase !== 'prefill') fail(`unknown phase ${String(request.phase)} (decode or prefill)`);
  if (request.dtype !== 'fp32' && request.dtype !== 'fp16') fail(`unknown dtype ${String(request.dtype)} (fp32 or fp16)`);
  if (!Array.isArray(request.variants) || request.variants.length === 0) fail('no variants to time');
  for (const kv of request.variants) if (!positive(kv) || queryHeads % kv !== 0) fail(`${kv} KV heads do not divide ${queryHeads} query heads`);
  if (new Set(request.variants).size !== request.variants.length) fail('a variant is listed twice');
  if (!positive(request.batch)) fail(`batch must be a positive integer (got ${request.batch})`);
  if (request.phase === 'decode') {
    if (!Array.isArray(request.contexts) || request.contexts.length === 0) fail('no contexts to time');
    if (request.contexts.length > MAX_CONTEXTS) fail(`${request.contexts.length} contexts asked; at most ${MAX_CONTEXTS} per run`);
    for (const c of request.contexts) if (!positive(c)) fail(`context must be a positive integer (got ${c})`);
  } else if (!positive(request.prompt)) fail(`prompt must be a positive integer (got ${request.prompt})`);
  if (!Array.isArray(request.paths) || request.paths.length === 0) fail('no paths to time');
  for (const path of request.paths) if (!ALL_PATHS.includes(path)) fail(`unknown path ${String(path)} (${ALL_PATHS.join(', ')})`);
  if (new Set(request.paths).size !== request.paths.length) fail('a path is listed twice');
  if (!count(request.warmup, MAX_ROUNDS)) fail(`warmup must be an integer from 0 to ${MAX_ROUNDS} (got ${request.warmup})`);
  if (request.rounds !== undefined && (!positive(request.rounds) || request.rounds > MAX_ROUNDS)) fail(`rounds must be an integer from 1 to ${MAX_ROUNDS} (got ${request.rounds})`);
  if (request.threads !== undefined && (!positive(request.threads) || request.threads > MAX_THREADS)) fail(`threads must be an integer from 1 to ${MAX_THREADS} (got ${request.threads})`);
  if (request.memoryLimitBytes !== undefined && !(typeof request.memoryLimitBytes === 'number' && Number.isFinite(request.memoryLimitBytes) && request.memoryLimitBytes > 0)) fail(`memoryLimitBytes must be a positive number (got ${request.memoryLimitBytes})`);
}

/**
 * Bytes the in-run yardstick streams (ceilings.ts): at least 8x the last-level cache and 256 MiB, so
 * no level of cache holds it, rounded to whole rows of 4096 floats (its reduction's row).
 */
export function streamBytes(llcBytes: number): number {
  const want = Math.max(8 * (llcBytes > 0 ? llcBytes : 32 << 20), 256 << 20);
  const row = 4 * 4096;
  return Math.ceil(want / row) * row;
}

/** Cache copies per variant so the rotated set exceeds the last-level cache several times over. */
export function rotationCopies(touchedBytes: number, llcBytes: number, ep: EpName): number {
  if (ep !== 'cpu' || llcBytes <= 0 || touchedBytes <= 0) return 1;
  return Math.min(64, Math.max(1, Math.ceil((4 * llcBytes) / touchedBytes)));
}

/**
 * K/V bytes one cache copy holds for a spec: V twice when the groupedVt path needs it transposed,
 * and a quarter more (one byte per element) when the int8 cache is built beside the float one.
 */
export function cacheBytesFor(spec: GraphSpec, withVt: boolean, withInt8 = false): number {
  const { batch: B, past: L, prompt: S } = spec;
  const { kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  return elemBytes(spec) * B * Hkv * (L + S) * (D + Dv + (withVt ? Dv : 0)) + (withInt8 ? B * Hkv * (L + S) * (D + Dv) : 0);
}

/**
 * Host bytes a context needs at peak: every variant's cache copies at once (rounds alternate across
 * variants), plus the largest transient: K/V expanded to the query heads (plain path, reference;
 * written and transposed: 3 copies, fp32 for the reference) and, for a GPU run, one more copy of a
 * cache while it is encoded into the model; a CPU run with ceilings adds the yardstick's buffer.
 */
export function estimateBytes(request: BenchRequest, context: number, llcBytes: number, ep: EpName): number {
  const withVt = request.paths.includes('groupedVt');
  const withInt8 = request.paths.includes('gqaInt8') && request.dtype === 'fp32' && request.phase === 'decode' && ep === 'cpu';
  let persistent = 0;
  let transient = 0;
  for (const kv of request.variants) {
    const spec = specFor(request, kv, context);
    const copy = cacheBytesFor(spec, withVt, withInt8);
    // As the runner: the int8 cache (1 byte per element) sets the copy count when it is built.
    const smallest = withInt8 ? cacheBytesFor(spec, false) / elemBytes(spec) : cacheBytesFor(spec, false);
    persistent += copy * rotationCopies(smallest, llcBytes, ep);
    const { batch: B, past: L, prompt: S } = spec;
    const { queryHeads: Hq, headDim: D, valueHeadDim: Dv } = spec.shape;
    const expanded = 3 * 4 * B * Hq * (L + S) * (D + Dv);
    const scores = 3 * 4 * B * Hq * S * (L + S);
    transient = Math.max(transient, expanded + scores + (ep === 'cpu' ? 0 : copy));
  }
  // The yardstick's buffer lives for the whole CPU run.
  const yardstick = ep === 'cpu' && request.measureCeilings !== false ? streamBytes(llcBytes) : 0;
  return persistent + transient + yardstick;
}

/** Elements of the longest host buffer a context needs (see {@link MAX_ARRAY_ELEMENTS}). */
export function largestArrayElements(request: BenchRequest, context: number): number {
  let most = 0;
  for (const kv of request.variants) {
    const { batch: B, past: L, prompt: S } = specFor(request, kv, context);
    const { queryHeads: Hq, kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = specFor(request, kv, context).shape;
    most = Math.max(most, B * Hkv * (L + S) * Math.max(D, Dv), B * Hq * S * Math.max(D, Dv));
  }
  return most;
}

/** What a context needs, or Infinity when one of its buffers would be longer than an array may be. */
function needFor(request: BenchRequest, context: number, llcBytes: number, ep: EpName): number {
  if (largestArrayElements(request, context) > MAX_ARRAY_ELEMENTS) return Infinity;
  return estimateBytes(request, context, llcBytes, ep);
}

/** Largest context (decode) or prompt (prefill) at the asked batch that fits in `budget`, or 0. */
export function largestFitting(request: BenchRequest, budget: number, llcBytes: number, ep: EpName): number {
  const sized = (n: number) => (request.phase === 'decode' ? needFor({ ...request, contexts: [n] }, n, llcBytes, ep) : needFor({ ...request, prompt: n }, 0, llcBytes, ep));
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
    const elements = largestArrayElements(request, context);
    if (need <= budget && elements <= MAX_ARRAY_ELEMENTS) continue;
    const largest = largestFitting(request, budget, llcBytes, ep);
    const what = request.phase === 'decode' ? `context ${context}` : `prompt ${request.prompt}`;
    const fits = largest > 0 ? `the largest ${request.phase === 'decode' ? 'context' : 'prompt'} that fits at batch ${request.batch} is ${largest}` : `nothing fits at batch ${request.batch}`;
    const why =
      need > budget
        ? `needs about ${gib(need)} GiB for these variants and paths, but ${gib(budget)} GiB is available`
        : `needs a buffer of ${elements.toExponential(2)} elements, more than the ${MAX_ARRAY_ELEMENTS} one buffer may hold`;
    throw new BenchError({ code: 'memory', message: `${what} ${why}: ${fits}. Nothing was allocated.`, largestContext: largest });
  }
}

function gib(bytes: number): string {
  return (bytes / 2 ** 30).toFixed(2);
}
