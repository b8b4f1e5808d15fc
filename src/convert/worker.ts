/**
 * The functional fidelity check in a worker thread: onnxruntime's sessions and the per-layer weight reads stay off
 * the caller's thread (the CLI's progress and Ctrl-C, the editor's host). The worker reads the two folders itself
 * (headers only, then one layer at a time), so nothing large crosses the thread boundary. Messages: one `layer` per
 * layer done, then `done` or `failed`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { functionalFidelity } from './functional';
import { prepareConversion } from './runner';
import { readCheckpoint } from '../io/safetensors';
import type { FidelityJob, FidelityMessage } from './fidelityProtocol';

async function main(job: FidelityJob): Promise<void> {
  const post = (m: FidelityMessage) => parentPort!.postMessage(m);
  try {
    const { model, checkpoint, plan, configText } = await prepareConversion(job.src, job.kvHeads, job.method);
    const converted = await readCheckpoint(job.converted);
    const result = await functionalFidelity(checkpoint, converted, model, plan, configText, { onLayer: (done, total) => post({ type: 'layer', done, total }) });
    post({ type: 'done', result });
  } catch (e) {
    post({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
  }
}

if (parentPort && workerData) void main(workerData as FidelityJob);
