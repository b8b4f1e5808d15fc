/** The generic request/reply helper: correlation, intermediates, closing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelClosedError, RequestTracker, isReply, isRequest } from '../../../src/shared/messaging';

type Req = { type: 'ask'; n: number };
type Rep = { type: 'step'; n: number } | { type: 'answer'; n: number };

function tracker(sent: unknown[]) {
  return new RequestTracker<Req, Rep>({ post: (m) => sent.push(m), isFinal: (r) => r.type === 'answer' });
}

test('replies reach the request they quote, intermediates go to the callback', async () => {
  const sent: { messageId: number }[] = [];
  const t = tracker(sent);
  const steps: number[] = [];
  const a = t.request({ type: 'ask', n: 1 }, (r) => steps.push(r.n));
  const b = t.request({ type: 'ask', n: 2 });
  assert.notEqual(a.messageId, b.messageId);
  assert.ok(isRequest(sent[0]));
  assert.equal(t.handleReply({ type: 'step', n: 10, inReplyTo: a.messageId }), true);
  t.handleReply({ type: 'answer', n: 22, inReplyTo: b.messageId });
  t.handleReply({ type: 'answer', n: 11, inReplyTo: a.messageId });
  assert.equal((await a.reply).n, 11);
  assert.equal((await b.reply).n, 22);
  assert.deepEqual(steps, [10]);
  assert.equal(t.handleReply({ type: 'answer', n: 0, inReplyTo: a.messageId }), false, 'a settled request takes no more replies');
  assert.equal(t.size, 0);
});

test('closing the channel rejects every pending request', async () => {
  const t = tracker([]);
  const a = t.request({ type: 'ask', n: 1 });
  t.closeAll(new ChannelClosedError('gone'));
  await assert.rejects(a.reply, /gone/);
});

test('a failing post rejects the request instead of leaving it pending', async () => {
  const t = new RequestTracker<Req, Rep>({ post: () => { throw new Error('channel closed'); }, isFinal: () => true });
  await assert.rejects(t.request({ type: 'ask', n: 1 }).reply, /channel closed/);
  assert.equal(t.size, 0);
});

test('isReply tells envelopes apart', () => {
  assert.equal(isReply({ type: 'x', inReplyTo: 3 }), true);
  assert.equal(isReply({ type: 'x', messageId: 3 }), false);
  assert.equal(isReply(null), false);
});
