/**
 * onnxruntime-node sessions for built graphs: creation on an EP (with CPU fallback refused for GPU
 * runs), feeds from host buffers, and outputs read back as float [B, Hq, S, Dv] for comparison.
 */
import * as ort from 'onnxruntime-node';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpName } from '../shared/benchProtocol';
import { fromHalfArray } from './fp16';
import type { CacheCopy, ElemArray, HostData } from './data';
import { encodeModel } from './graphs/onnxBuilder';
import { toBhsd, totalTokens, type BuiltGraph, type FeedName, type GraphSpec } from './graphs/spec';

/** A session with what it needs to be fed and read. */
export interface GraphSession {
  graph: BuiltGraph;
  spec: GraphSpec;
  session: ort.InferenceSession;
  /** Removes the temporary model directory, when the model had external data. */
  cleanup: () => void;
}

/** What a session is created with besides its EP and threads. */
export interface SessionExtras {
  /**
   * The CPU memory arena and memory pattern (default on): intermediates are planned once and reused
   * across runs instead of allocated and page-faulted afresh each run. Off for the plain path and the
   * reference, whose K/V expanded to the query heads would otherwise stay held by the session.
   */
  arena?: boolean;
  /** `enableProfiling` with this file prefix: onnxruntime writes kernel times as Chrome trace JSON. */
  profilePrefix?: string;
  /** Where onnxruntime writes the model after its graph optimisations (the fused graph). */
  optimizedModelPath?: string;
}

/** Session options for an EP. GPU runs refuse to let unsupported nodes fall back to the CPU. */
export function sessionOptions(ep: EpName, threads: number, extras: SessionExtras = {}): ort.InferenceSession.SessionOptions {
  const arena = extras.arena ?? true;
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [ep],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    enableCpuMemArena: arena,
    enableMemPattern: arena,
    logSeverityLevel: 3,
  };
  if (extras.profilePrefix) {
    options.enableProfiling = true;
    options.profileFilePrefix = extras.profilePrefix;
  }
  if (extras.optimizedModelPath) options.optimizedModelFilePath = extras.optimizedModelPath;
  // No spinning: onnxruntime's intra-op workers spin after each parallel section by default
  // (session.intra_op.allow_spinning, core/session/onnxruntime_session_options_config_keys.h), and a
  // benchmark holds many sessions whose runs follow one another: the previous session's spinning
  // workers would take cores from the next one's run (and from the yardstick's).
  const session: Record<string, unknown> = { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } };
  if (ep !== 'cpu') session.disable_cpu_ep_fallback = '1';
  options.extra = { session };
  return options;
}

/** Creates a session; large baked models go through a temporary directory with external data. */
export async function createSession(graph: BuiltGraph, spec: GraphSpec, ep: EpName, threads: number, extras: SessionExtras = {}): Promise<GraphSession> {
  const bakedBytes = (graph.parts.initializers ?? []).reduce((n, t) => n + (t.rawData?.byteLength ?? 0), 0);
  const options = sessionOptions(ep, threads, { arena: graph.path !== 'plain', ...extras });
  if (bakedBytes < 256 << 20) {
    const { model } = encodeModel(graph.parts);
    return { graph, spec, session: await ort.InferenceSession.create(model, options), cleanup: () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), 'kv-lens-bench-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const encoded = encodeModel(graph.parts, 'weights.bin');
    const fd = openSync(join(dir, 'weights.bin'), 'w');
    try {
      for (const chunk of encoded.externalData) writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
    writeFileSync(join(dir, 'model.onnx'), encoded.model);
    return { graph, spec, session: await ort.InferenceSession.create(join(dir, 'model.onnx'), options), cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

function tensor(spec: GraphSpec, data: ElemArray | Int32Array | Int8Array, dims: number[]): ort.Tensor {
  if (data instanceof Int32Array) return new ort.Tensor('int32', data, dims);
  if (data instanceof Int8Array) return new ort.Tensor('int8', data, dims);
  return data instanceof Uint16Array ? new ort.Tensor('float16', data, dims) : new ort.Tensor('float32', data, dims);
}

/** Dims of each feed, from the spec (one source of truth with graphs/spec.ts). */
function feedDims(name: FeedName, spec: GraphSpec): number[] {
  const { batch: B, prompt: S } = spec;
  const { queryHeads: Hq, kvHeads: Hkv, headDim: D, valueHeadDim: Dv } = spec.shape;
  const T = totalTokens(spec);
  switch (name) {
    case 'q': case 'qs': return [B, Hq, S, D];
    case 'k': case 'past_key': case 'past_key_q': return [B, Hkv, T, D];
    case 'v': case 'past_value': case 'past_value_q': return [B, Hkv, T, Dv];
    case 'k_scale': return [Hkv * D];
    case 'v_scale': return [Hkv * Dv];
    case 'vt': return [B, Hkv, Dv, T];
    case 'query': return [B, S, Hq * D];
    case 'key': return [B, S, Hkv * D];
    case 'value': return [B, S, Hkv * Dv];
    case 'seqlens_k': return [B];
    case 'total_sequence_length': return [1];
  }
}

function feedData(name: FeedName, data: HostData, cache: CacheCopy): ElemArray | Int8Array {
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`this path needs ${what}, which was not built`);
    return value;
  };
  switch (name) {
    case 'q': return data.q;
    case 'qs': return data.qs;
    case 'past_key_q': return need(cache.k8, 'the int8 K cache');
    case 'past_value_q': return need(cache.v8, 'the int8 V cache');
    case 'k_scale': return need(data.kScale, 'the int8 K scales');
    case 'v_scale': return need(data.vScale, 'the int8 V scales');
    case 'query': return data.query;
    case 'key': return data.key;
    case 'value': return data.value;
    case 'k': case 'past_key': return cache.k;
    case 'v': case 'past_value': return cache.v;
    case 'vt': return need(cache.vt, 'the transposed V cache');
    default: throw new Error(`no host buffer for ${name}`);
  }
}

/** Prepared feeds and fetches for one cache copy: built once, reused for every timed run. */
export interface RunArgs {
  feeds: Record<string, ort.Tensor>;
  /** Pre-allocated outputs: GroupQueryAttention's present aliases its past (shared buffer). */
  fetches?: Record<string, ort.Tensor | null>;
}

/** Builds the feeds for a session from host data and one cache copy. */
export function runArgs(gs: GraphSession, data: HostData, cache: CacheCopy): RunArgs {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of gs.graph.feeds) feeds[name] = tensor(gs.spec, feedData(name, data, cache), feedDims(name, gs.spec));
  if (!gs.graph.sharesPresent) return { feeds };
  const key = feeds.past_key ?? feeds.past_key_q!;
  const value = feeds.past_value ?? feeds.past_value_q!;
  return { feeds, fetches: { out: null, present_key: key, present_value: value } };
}

/** Runs once and returns the raw output tensor. */
export async function runOnce(gs: GraphSession, args: RunArgs): Promise<ort.Tensor> {
  const result = args.fetches ? await gs.session.run(args.feeds, args.fetches) : await gs.session.run(args.feeds);
  const out = result.out;
  if (!out) throw new Error(`${gs.graph.path}: no output`);
  return out as ort.Tensor;
}

/** An output tensor as float [B, Hq, S, Dv]. */
export function outputAsBhsd(gs: GraphSession, out: ort.Tensor): Float32Array {
  const raw = out.data;
  const values = raw instanceof Uint16Array ? fromHalfArray(raw) : raw instanceof Float32Array ? raw : Float32Array.from(raw as ArrayLike<number>);
  const { batch, prompt, shape } = gs.spec;
  return gs.graph.outputBsh ? toBhsd(values, batch, shape.queryHeads, prompt, shape.valueHeadDim) : values;
}

/** Largest absolute difference between two equally long arrays (NaN counts as infinite). */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
  }
  return max;
}
