/**
 * Reads a `.gguf` header on a worker thread (worker.ts, bundled as dist/ggufWorker.js) with a heap limit and a
 * time limit, so the extension host never parses a header itself. One thread per read, ended after it.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GgufReadReply } from './protocol';

/** Heap of the reader thread: the reader's own caps keep a header far below it. */
const MAX_HEAP_MB = 512;
/** A header read that takes longer is abandoned (the file is on a stalled network drive, say). */
const TIME_LIMIT_MS = 60_000;

/** The worker script: dist/ggufWorker.js beside the bundle, or worker.ts under tsx (unit tests). */
function script(): { file: string; evaluate: boolean } {
  if (__filename.endsWith('.ts')) return { file: `require('tsx/cjs'); require(${JSON.stringify(join(__dirname, 'worker.ts'))});`, evaluate: true };
  return { file: join(__dirname, 'ggufWorker.js'), evaluate: false };
}

/** Reads and describes the file at `path` off this thread; never rejects: a failure is `{ ok: false }`. */
export function readGgufOffThread(path: string): Promise<GgufReadReply> {
  return new Promise((resolve) => {
    const { file, evaluate } = script();
    let worker: Worker;
    try {
      worker = new Worker(file, { eval: evaluate, workerData: { path }, resourceLimits: { maxOldGenerationSizeMb: MAX_HEAP_MB } });
    } catch (e) {
      resolve({ ok: false, error: `could not start the GGUF reader: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    let settled = false;
    const settle = (reply: GgufReadReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(reply);
    };
    const timer = setTimeout(() => settle({ ok: false, error: `reading the header took more than ${TIME_LIMIT_MS / 1000} s` }), TIME_LIMIT_MS);
    worker.once('message', (reply: GgufReadReply) => settle(reply));
    worker.once('error', (e) => settle({ ok: false, error: `the GGUF reader failed: ${e.message}` }));
    worker.once('exit', (code) => settle({ ok: false, error: `the GGUF reader ended (exit code ${code})` }));
  });
}
