/**
 * The benchmark worker: a forked Node process that owns onnxruntime-node, so a native crash or an
 * out-of-memory kill takes down only this process. It announces itself with `ready`, then answers
 * each request with progress and one final reply. It handles one run at a time; the client kills it
 * to cancel.
 */
import * as ort from 'onnxruntime-node';
import { serve } from '../shared/messaging';
import { BenchError, type BenchErrorInfo, type WorkerMessage, type WorkerReply, type WorkerRequest } from '../shared/benchProtocol';
import { probeEp } from './ep';
import { runBenchmark } from './runner';
import { TEST_HOOKS_ENV, isTestHookMessage, runTestHook, testHooksEnabled } from './testHooks';

function post(message: WorkerMessage): void {
  process.send?.(message);
}

function reply(inReplyTo: number, message: WorkerReply): void {
  post({ ...message, inReplyTo });
}

function toErrorInfo(error: unknown): BenchErrorInfo {
  if (error instanceof BenchError) return error.info;
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message };
}

async function answer(request: WorkerRequest, progress: (reply: WorkerReply) => void): Promise<WorkerReply> {
  switch (request.type) {
    case 'run':
      return { type: 'result', report: await runBenchmark(request.request, (p) => progress({ type: 'progress', progress: p })) };
    case 'probe':
      return { type: 'probeResult', availability: await probeEp(request.ep) };
  }
}

// Serial: two runs at once would time each other.
const handle = serve<WorkerRequest, WorkerReply>({ post, answer, failed: (error) => ({ type: 'error', error: toErrorInfo(error) }), serial: true });

if (!process.send) {
  console.error('kv-lens benchmark worker: start me with child_process.fork (no IPC channel).');
  process.exit(2);
}

process.on('message', (message: unknown) => {
  if (isTestHookMessage(message)) {
    // Test only (see testHooks.ts): fail at once, not after the run in progress.
    if (testHooksEnabled()) runTestHook(message.action);
    reply(message.messageId, { type: 'error', error: { code: 'invalid', message: `benchmark test hooks are disabled (they are for tests only and need ${TEST_HOOKS_ENV}=1)` } });
    return;
  }
  handle(message);
});
// The parent going away (extension host reload, CLI killed) must not leave a benchmark running.
process.on('disconnect', () => process.exit(0));

post({ type: 'ready', pid: process.pid, ortVersion: ort.env.versions.node ?? 'unknown' });
