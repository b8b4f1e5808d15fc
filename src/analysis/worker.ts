/**
 * The analysis worker thread: an AnalysisStore behind the typed protocol in src/shared/analysisProtocol.ts.
 * Started by AnalysisWorkerClient (client.ts) with a heap limit, so a document that exhausts memory ends
 * this thread, not the extension host. Messages are handled one at a time, in order.
 */
import { parentPort } from 'node:worker_threads';
import { serve } from '../shared/messaging';
import type { AnalysisWorkerReply, AnalysisWorkerRequest } from '../shared/analysisProtocol';
import { AnalysisStore } from './store';
import { CheckpointCache, checkWeights } from './weightsCheck';

const port = parentPort;
if (!port) throw new Error('the KV Lens analysis worker must run as a worker thread');

const store = new AnalysisStore();
const checkpoints = new CheckpointCache();

function answer(request: AnalysisWorkerRequest): AnalysisWorkerReply | Promise<AnalysisWorkerReply> {
  switch (request.type) {
    case 'update':
      return { type: 'snapshot', snapshot: store.update(request) };
    case 'patch': {
      const snapshot = store.patch(request);
      return snapshot ? { type: 'snapshot', snapshot } : { type: 'missing' };
    }
    case 'snapshot': {
      const snapshot = store.snapshot(request);
      return snapshot ? { type: 'snapshot', snapshot } : { type: 'missing' };
    }
    case 'hover': {
      const hover = store.hover(request);
      if (hover === null) return { type: 'missing' };
      return hover ? { type: 'hover', hover } : { type: 'hover' };
    }
    case 'forget':
      store.forget(request.key);
      return { type: 'done' };
    case 'weights':
      // Header reads (and their JSON) happen here, off the extension host's thread.
      return checkWeights(request, checkpoints).then((result) => ({ type: 'weights', result }));
  }
}

port.on(
  'message',
  serve<AnalysisWorkerRequest, AnalysisWorkerReply>({
    post: (reply) => port.postMessage(reply),
    answer,
    failed: (error) => ({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
    serial: true,
  }),
);

port.postMessage({ type: 'ready' });
