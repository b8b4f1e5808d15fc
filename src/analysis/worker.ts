/**
 * The analysis worker thread: an AnalysisStore behind the typed protocol in src/shared/analysisProtocol.ts.
 * Started by AnalysisWorkerClient (client.ts) with a heap limit, so a document that exhausts memory ends
 * this thread, not the extension host. Messages are handled one at a time, in order.
 */
import { parentPort } from 'node:worker_threads';
import { isRequest } from '../shared/messaging';
import type { ReplyEnvelope, RequestEnvelope } from '../shared/messaging';
import type { AnalysisWorkerReply, AnalysisWorkerRequest } from '../shared/analysisProtocol';
import { AnalysisStore } from './store';

const port = parentPort;
if (!port) throw new Error('the KV Lens analysis worker must run as a worker thread');

const store = new AnalysisStore();

function answer(request: AnalysisWorkerRequest): AnalysisWorkerReply {
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
  }
}

port.on('message', (message: unknown) => {
  if (!isRequest(message)) return;
  const request = message as RequestEnvelope<AnalysisWorkerRequest>;
  let reply: AnalysisWorkerReply;
  try {
    reply = answer(request);
  } catch (error) {
    reply = { type: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  const envelope: ReplyEnvelope<AnalysisWorkerReply> = { ...reply, inReplyTo: request.messageId };
  port.postMessage(envelope);
});

port.postMessage({ type: 'ready' });
