/**
 * Starts the conversion worker (worker.ts) and turns its messages into promises: the bundle's
 * `dist/convertWorker.js` when it is beside the caller's bundle, else the TS source through tsx (tests, bench).
 * - {@link runFunctionalFidelity}: the functional check; aborting terminates the thread at once (it writes nothing).
 * - {@link convertInWorker}: a whole conversion off the caller's thread (the editor); aborting asks the worker to
 *   cancel, so the conversion removes its temporary folder before the promise rejects.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ConvertJob, FidelityJob, WorkerJob, WorkerMessage } from './protocol';
import type { FunctionalFidelity } from './functional';
import { ConvertRefusal, type ConvertProgress, type ConvertReport } from './types';

function startWorker(job: WorkerJob): Worker {
  for (const candidate of [join(__dirname, 'convertWorker.js'), join(__dirname, '..', '..', 'dist', 'convertWorker.js')]) {
    if (existsSync(candidate)) return new Worker(candidate, { workerData: job });
  }
  // From sources (tests, the bench): Node 20's workers do not inherit `--import tsx`, so a one-line CommonJS
  // bootstrap registers tsx's require hook in the worker and loads the TS entry through it.
  const entry = join(__dirname, 'worker.ts');
  if (!existsSync(entry)) throw new Error(`convertWorker.js is missing beside ${__dirname} (a build without the conversion worker)`);
  return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`, { eval: true, workerData: job });
}

const abortError = () => new DOMException('The conversion was cancelled', 'AbortError');

function run<T>(job: WorkerJob, signal: AbortSignal | undefined, onMessage: (m: WorkerMessage, done: (v: T) => void) => void, onAbort: (w: Worker) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    let worker: Worker;
    try {
      worker = startWorker(job);
    } catch (e) {
      return reject(e);
    }
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      void worker.terminate();
      f();
    };
    const abort = () => onAbort(worker);
    signal?.addEventListener('abort', abort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'failed') {
        settle(() => reject(m.aborted ? abortError() : m.refused ? new ConvertRefusal(m.message) : new Error(m.message)));
        return;
      }
      onMessage(m, (v) => settle(() => resolve(v)));
    });
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) => settle(() => reject(signal?.aborted ? abortError() : new Error(`the conversion worker exited (code ${code}) before answering`))));
  });
}

/** Runs the functional check; rejects with the worker's message on failure, an AbortError on cancel. */
export function runFunctionalFidelity(job: Omit<FidelityJob, 'kind'>, opts: { signal?: AbortSignal; onLayer?: (done: number, total: number) => void } = {}): Promise<FunctionalFidelity> {
  return run<FunctionalFidelity>(
    { kind: 'fidelity', ...job },
    opts.signal,
    (m, done) => {
      if (m.type === 'layer') opts.onLayer?.(m.done, m.total);
      else if (m.type === 'fidelity') done(m.result);
    },
    (w) => void w.terminate(),
  );
}

/** Runs a whole conversion in the worker; rejects with a {@link ConvertRefusal}, an AbortError or a failure. */
export function convertInWorker(job: Omit<ConvertJob, 'kind'>, opts: { signal?: AbortSignal; onProgress?: (p: ConvertProgress) => void; onFidelityLayer?: (done: number, total: number) => void } = {}): Promise<ConvertReport> {
  return run<ConvertReport>(
    { kind: 'convert', ...job },
    opts.signal,
    (m, done) => {
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else if (m.type === 'layer') opts.onFidelityLayer?.(m.done, m.total);
      else if (m.type === 'converted') done(m.report);
    },
    (w) => w.postMessage({ type: 'cancel' }),
  );
}
