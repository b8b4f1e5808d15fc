/**
 * Starts the functional fidelity worker (fidelityWorker.ts) and turns its messages into a promise. The bundle's
 * `dist/convertWorker.js` when it exists beside the caller's bundle, else the TS source through tsx (tests, bench).
 * Aborting the signal terminates the thread at once (a native kernel cannot be interrupted any other way).
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FidelityJob, FidelityMessage } from './fidelityProtocol';
import type { FunctionalFidelity } from './functional';

function startWorker(job: FidelityJob): Worker {
  for (const candidate of [join(__dirname, 'convertWorker.js'), join(__dirname, '..', '..', 'dist', 'convertWorker.js')]) {
    if (existsSync(candidate)) return new Worker(candidate, { workerData: job });
  }
  // From sources (tests, the bench): Node 20's workers do not inherit `--import tsx`, so a one-line CommonJS
  // bootstrap registers tsx's require hook in the worker and loads the TS entry through it.
  const entry = join(__dirname, 'fidelityWorker.ts');
  if (!existsSync(entry)) throw new Error(`convertWorker.js is missing beside ${__dirname} (a build without the fidelity worker)`);
  return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`, { eval: true, workerData: job });
}

/** Runs the check; rejects with the worker's message on failure, an AbortError on cancel. */
export function runFunctionalFidelity(job: FidelityJob, opts: { signal?: AbortSignal; onLayer?: (done: number, total: number) => void } = {}): Promise<FunctionalFidelity> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new DOMException('The conversion was cancelled', 'AbortError'));
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
      opts.signal?.removeEventListener('abort', onAbort);
      f();
    };
    const onAbort = () => settle(() => {
      void worker.terminate();
      reject(new DOMException('The conversion was cancelled', 'AbortError'));
    });
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: FidelityMessage) => {
      if (m.type === 'layer') opts.onLayer?.(m.done, m.total);
      else if (m.type === 'done') settle(() => resolve(m.result));
      else settle(() => reject(new Error(m.message)));
      if (m.type !== 'layer') void worker.terminate();
    });
    worker.on('error', (e) => settle(() => reject(e)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the fidelity worker exited (code ${code}) before answering`))));
  });
}
