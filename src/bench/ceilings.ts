/**
 * CPU ceilings measured in the same run, with the same threads as the attention kernels:
 * - a STREAM-style triad a = b + s·c over float64 arrays each at least 4x the last-level cache, one
 *   slice per worker thread (24 bytes per element, the STREAM convention: no write-allocate counted);
 * - an fp32 GEMM rate from an onnxruntime MatMul of N x N x N.
 */
import * as ort from 'onnxruntime-node';
import { Worker } from 'node:worker_threads';
import { encodeModel, node, valueInfo } from './graphs/onnxBuilder';
import { sessionOptions } from './session';

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
