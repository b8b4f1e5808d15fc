/**
 * CPU ceilings measured in the same run, with the same threads as the attention kernels:
 * - the yardstick: a streaming read through onnxruntime itself ({@link StreamReadCeiling}), timed
 *   inside every round beside the attention variants;
 * - context only: a STREAM-style triad a = b + s·c over float64 arrays each at least 4x the last-level cache, one
 *   slice per worker thread (24 bytes per element, the STREAM convention: no write-allocate counted);
 * - an fp32 GEMM rate from an onnxruntime MatMul of N x N x N.
 */
import * as ort from 'onnxruntime-node';
import { Worker } from 'node:worker_threads';
import { encodeModel, initializer, int, node, valueInfo } from './graphs/onnxBuilder';
import { sessionOptions } from './session';
import { streamBytes } from './plan';

export { streamBytes };

// Eval'd source so the same code runs under tsx and inside the esbuild bundle (no worker file to ship).
const TRIAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { a, b, c, from, to } = workerData;
const A = new Float64Array(a), B = new Float64Array(b), C = new Float64Array(c);
for (let i = from; i < to; i++) { B[i] = 1 + (i & 7); C[i] = 2; A[i] = 0; }
parentPort.on('message', (msg) => {
  if (msg === 'stop') { process.exit(0); }
  const s = 3.0;
  const t0 = process.hrtime.bigint();
  for (let i = from; i < to; i++) A[i] = B[i] + s * C[i];
  const ns = Number(process.hrtime.bigint() - t0);
  parentPort.postMessage({ ns, check: A[from] });
});
parentPort.postMessage('ready');
`;

/** The measured triad. */
export interface TriadResult {
  gbps: number;
  arrayBytes: number;
  threads: number;
}

/** Runs the triad `passes` times on `threads` threads and keeps the best pass (STREAM's rule). */
export async function measureTriad(llcBytes: number, threads: number, passes = 6): Promise<TriadResult> {
  const arrayBytes = Math.max(4 * (llcBytes || 32 << 20), 64 << 20);
  const n = Math.floor(arrayBytes / 8);
  const buffers = [0, 1, 2].map(() => new SharedArrayBuffer(n * 8));
  const per = Math.ceil(n / threads);
  const workers = Array.from({ length: threads }, (_, t) => new Worker(TRIAD_SOURCE, { eval: true, workerData: { a: buffers[0], b: buffers[1], c: buffers[2], from: t * per, to: Math.min(n, (t + 1) * per) } }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    })));
    let best = 0;
    for (let pass = 0; pass < passes; pass++) {
      const start = process.hrtime.bigint();
      await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
        w.postMessage('go');
      })));
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const gbps = (3 * n * 8) / seconds / 1e9;
      if (pass > 0 && gbps > best) best = gbps; // pass 0 warms the JIT and the pages
    }
    const check = new Float64Array(buffers[0]!);
    if (check[0] !== 1 + 3 * 2) throw new Error('triad produced wrong values');
    return { gbps: best, arrayBytes, threads };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The measured GEMM rate. */
export interface GemmResult {
  gflops: number;
  n: number;
}

/** Times an N^3 fp32 MatMul through onnxruntime's CPU EP; best of `runs` after one warm-up. */
export async function measureGemm(threads: number, n = 2048, runs = 3): Promise<GemmResult> {
  const parts = { name: 'gemm', nodes: [node('MatMul', ['a', 'b'], ['c'])], inputs: [valueInfo('a', 'fp32', [n, n]), valueInfo('b', 'fp32', [n, n])], outputs: [valueInfo('c', 'fp32', [n, n])] };
  const session = await ort.InferenceSession.create(encodeModel(parts).model, sessionOptions('cpu', threads));
  try {
    const a = new ort.Tensor('float32', new Float32Array(n * n).fill(0.5), [n, n]);
    const b = new ort.Tensor('float32', new Float32Array(n * n).fill(0.25), [n, n]);
    await session.run({ a, b });
    let bestMs = Infinity;
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      const out = await session.run({ a, b });
      bestMs = Math.min(bestMs, Number(process.hrtime.bigint() - t0) / 1e6);
      if ((out.c!.data as Float32Array)[0] !== 0.125 * n) throw new Error('GEMM produced wrong values');
    }
    return { gflops: (2 * n ** 3) / (bestMs * 1e6), n };
  } finally {
    await session.release();
  }
}

/** How the yardstick reads: a GEMV of decode's shape class, or a row reduction. */
export type StreamKind = 'gemv' | 'reduce';

/** Elements per row of the yardstick buffer: a head size for the GEMV, a long row for the reduction. */
const GEMV_COLS = 128;
const REDUCE_COLS = 4096;

/**
 * The in-run ceiling: the same fp32 buffer, far beyond the last-level cache, read by onnxruntime's
 * CPU EP with the same threads and session options as the variants, two ways:
 * - `gemv`: X [R, 128] x w [128, 1], the read decode does (each K row dotted with a query). With
 *   N = 1 MLAS swaps the operands onto its M = 1 GEMV kernel and splits the rows across threads
 *   (MlasSgemmOperation / MlasSgemmTryMultithread in core/mlas/lib/sgemm.cpp);
 * - `reduce`: ReduceSum over the last axis of X [R', 4096] (the fast keep-rows reduction, parallel
 *   over rows: core/providers/cpu/reduction/reduction_ops.cc, FastReduceKR).
 * Both write at most a few MB (one float per row) besides the read: counted as read bytes only,
 * which can only lower the ceiling. Measured here (2 threads, shared machine) the reduction read
 * about twice as fast as the GEMV, so it is the one run before every timed variant; the runner takes
 * the fastest read of each round.
 */
export class StreamReadCeiling {
  private constructor(
    readonly bytes: number,
    readonly threads: number,
    private readonly sessions: Record<StreamKind, { session: ort.InferenceSession; feeds: Record<string, ort.Tensor> }>,
  ) {}

  /** Builds both sessions over one buffer of {@link streamBytes} (filled, so its pages are resident). */
  static async create(llcBytes: number, threads: number, bytesOverride?: number): Promise<StreamReadCeiling> {
    // The override (tests) is rounded to whole rows of both shapes, like streamBytes.
    const bytes = bytesOverride !== undefined ? Math.max(1, Math.ceil(bytesOverride / (4 * REDUCE_COLS))) * 4 * REDUCE_COLS : streamBytes(llcBytes);
    const n = bytes / 4;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = ((i * 7) & 15) / 16; // exact in fp32, sums checkable
    const options = sessionOptions('cpu', threads);
    const gemvRows = n / GEMV_COLS;
    const reduceRows = n / REDUCE_COLS;
    const gemv = {
      name: 'stream_gemv',
      nodes: [node('MatMul', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', 'fp32', [gemvRows, GEMV_COLS]), valueInfo('w', 'fp32', [GEMV_COLS, 1])],
      outputs: [valueInfo('y', 'fp32', [gemvRows, 1])],
    };
    const reduce = {
      name: 'stream_reduce',
      nodes: [node('ReduceSum', ['x', 'axes'], ['y'], { keepdims: int(0) })],
      inputs: [valueInfo('x', 'fp32', [reduceRows, REDUCE_COLS])],
      outputs: [valueInfo('y', 'fp32', [reduceRows])],
      initializers: [initializer('axes', 'int64', [1], BigInt64Array.of(1n))],
    };
    const sessions = {
      gemv: { session: await ort.InferenceSession.create(encodeModel(gemv).model, options), feeds: { x: new ort.Tensor('float32', data, [gemvRows, GEMV_COLS]), w: new ort.Tensor('float32', new Float32Array(GEMV_COLS).fill(1), [GEMV_COLS, 1]) } },
      reduce: { session: await ort.InferenceSession.create(encodeModel(reduce).model, options), feeds: { x: new ort.Tensor('float32', data, [reduceRows, REDUCE_COLS]) } },
    };
    const ceiling = new StreamReadCeiling(bytes, threads, sessions);
    // Check what each computes once (row 0: values ((i * 7) & 15) / 16 for i = 0..cols-1), then warm up.
    for (const kind of ['gemv', 'reduce'] as const) {
      const cols = kind === 'gemv' ? GEMV_COLS : REDUCE_COLS;
      let expected = 0;
      for (let i = 0; i < cols; i++) expected += ((i * 7) & 15) / 16;
      const out = await sessions[kind].session.run(sessions[kind].feeds);
      const got = (out.y!.data as Float32Array)[0]!;
      if (got !== expected) {
        await ceiling.release();
        throw new Error(`the ${kind} yardstick computed ${got} for row 0 instead of ${expected}`);
      }
      for (let i = 0; i < 3; i++) await ceiling.timeMs(kind);
    }
    return ceiling;
  }

  /** One timed read, in ms (the output conversion is a few MB: inside the time, as it is for a variant). */
  async timeMs(kind: StreamKind): Promise<number> {
    const s = this.sessions[kind];
    const start = process.hrtime.bigint();
    await s.session.run(s.feeds);
    return Number(process.hrtime.bigint() - start) / 1e6;
  }

  /** GB/s of one timed read. */
  async gbps(kind: StreamKind): Promise<number> {
    return this.bytes / (await this.timeMs(kind)) / 1e6;
  }

  async release(): Promise<void> {
    await this.sessions.gemv.session.release();
    await this.sessions.reduce.session.release();
  }
}
