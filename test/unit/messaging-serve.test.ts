/** The answering side shared by both workers and the panel (serve), and the requesting side's router. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadySignal, RequestTracker, routeIncoming, serve } from '../../src/shared/messaging';
import type { ReplyEnvelope } from '../../src/shared/messaging';

type Req = { type: 'add'; a: number; b: number } | { type: 'boom' } | { type: 'slow'; ms: number };
type Rep = { type: 'sum'; value: number } | { type: 'step'; n: number } | { type: 'error'; message: string } | { type: 'done'; ms: number };

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('serve: requests are answered with replies quoting them, progress first; a throw is the error reply', async () => {
  const posted: ReplyEnvelope<Rep>[] = [];
  const handle = serve<Req, Rep>({
    post: (r) => posted.push(r),
    answer: (req, progress) => {
      if (req.type === 'boom') throw new Error('broken');
      if (req.type === 'add') {
        progress({ type: 'step', n: 1 });
        return { type: 'sum', value: req.a + req.b };
      }
      return { type: 'done', ms: req.ms };
    },
    failed: (e) => ({ type: 'error', message: (e as Error).message }),
  });
  assert.equal(handle({ type: 'ready' }), false, 'not a request');
  assert.equal(handle({ type: 'add', a: 2, b: 3, messageId: 7 }), true);
  assert.equal(handle({ type: 'boom', messageId: 8 }), true);
  await tick(5);
  // Replies to one request keep their order; requests answered as they come may interleave.
  assert.deepEqual([...posted].sort((x, y) => x.inReplyTo - y.inReplyTo), [
    { type: 'step', n: 1, inReplyTo: 7 },
    { type: 'sum', value: 5, inReplyTo: 7 },
    { type: 'error', message: 'broken', inReplyTo: 8 },
  ]);
});

test('serve: serial answers one request at a time, in arrival order', async () => {
  const order: number[] = [];
  const handle = serve<Req, Rep>({
    post: (r) => order.push(r.inReplyTo),
    answer: async (req) => {
      if (req.type === 'slow') await tick(req.ms);
      return { type: 'done', ms: 0 };
    },
    failed: () => ({ type: 'error', message: '' }),
    serial: true,
  });
  handle({ type: 'slow', ms: 30, messageId: 1 });
  handle({ type: 'slow', ms: 1, messageId: 2 });
  await tick(60);
  assert.deepEqual(order, [1, 2]);
});

test('routeIncoming: replies settle their requests, the first ready resolves the signal, the rest is ignored', async () => {
  const tracker = new RequestTracker<Req, Rep>({ post: () => undefined, isFinal: (r) => r.type !== 'step' });
  const ready = new ReadySignal();
  const { messageId, reply } = tracker.request({ type: 'add', a: 1, b: 1 });
  assert.equal(routeIncoming({ type: 'hello' }, tracker, ready), false);
  assert.equal(ready.isReady, false);
  assert.equal(routeIncoming({ type: 'ready' }, tracker, ready), true);
  assert.equal(ready.isReady, true);
  routeIncoming({ type: 'sum', value: 2, inReplyTo: messageId }, tracker, ready);
  assert.deepEqual(await reply, { type: 'sum', value: 2, inReplyTo: messageId });
  const dead = new ReadySignal();
  dead.reject(new Error('exited'));
  dead.resolve();
  assert.equal(dead.isReady, false, 'a channel that died before ready stays failed');
  await assert.rejects(dead.promise, /exited/);
});
