/**
 * The conversion worker thread (bundled as dist/convertWorker.js). It runs either a whole conversion (the editor
 * starts it so pooling never blocks the extension host; a `cancel` message aborts it cooperatively, so the
 * temporary folder is removed) or only the functional fidelity check (the conversion starts that one itself, so
 * onnxruntime's sessions stay off the converting thread). Both read the folders themselves: nothing large crosses
 * the thread boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { functionalFidelity } from './functional';
import { convertCheckpoint, ConvertRefusal, prepareConversion } from './runner';
import { readCheckpoint } from '../io/safetensors';
import type { CancelMessage, ConvertJob, FidelityJob, WorkerJob, WorkerMessage } from './protocol';

const post = (m: WorkerMessage) => parentPort!.postMessage(m);

function failed(e: unknown): WorkerMessage {
  const message = e instanceof Error ? e.message : String(e);
  return { type: 'failed', message, refused: e instanceof ConvertRefusal, aborted: e instanceof Error && e.name === 'AbortError' };
}

async function fidelity(job: FidelityJob): Promise<void> {
  const { model, checkpoint, plan, configText } = await prepareConversion(job.src, job.kvHeads, job.method);
  const converted = await readCheckpoint(job.converted);
  const result = await functionalFidelity(checkpoint, converted, model, plan, configText, { onLayer: (done, total) => post({ type: 'layer', done, total }) });
  post({ type: 'fidelity', result });
}

async function convert(job: ConvertJob): Promise<void> {
  const controller = new AbortController();
  parentPort!.on('message', (m: CancelMessage) => {
    if (m?.type === 'cancel') controller.abort();
  });
  const report = await convertCheckpoint({
    src: job.src, out: job.out, kvHeads: job.kvHeads, method: job.method, force: job.force, functional: job.functional, signal: controller.signal,
    onProgress: (progress) => post({ type: 'progress', progress }),
    onFidelityLayer: (done, total) => post({ type: 'layer', done, total }),
  });
  post({ type: 'converted', report });
}

async function main(job: WorkerJob): Promise<void> {
  try {
    await (job.kind === 'convert' ? convert(job) : fidelity(job));
  } catch (e) {
    post(failed(e));
  }
}

if (parentPort && workerData) void main(workerData as WorkerJob);
