/** The one retry policy for analysis answers overtaken by events (analysis/backend.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisFailedError, NotHeldError, OVERTAKEN_ATTEMPTS, SupersededError, isOvertaken, retryOvertaken } from '../../src/analysis/backend';

function flaky(failures: Error[]): { run: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    run: async () => {
      const error = failures[calls++];
      if (error) throw error;
      return 'answer';
    },
    calls: () => calls,
  };
}

test('retry: superseded and not-held answers are asked again, until one answers', async () => {
  const f = flaky([new SupersededError('k', 1), new NotHeldError('k', 2), new SupersededError('k', 3)]);
  assert.equal(await retryOvertaken(f.run), 'answer');
  assert.equal(f.calls(), 4);
});

test('retry: the attempts are bounded, and the last error stands', async () => {
  const f = flaky(Array.from({ length: 10 }, (_, i) => new SupersededError('k', i)));
  await assert.rejects(retryOvertaken(f.run), SupersededError);
  assert.equal(f.calls(), OVERTAKEN_ATTEMPTS);
});

test('retry: a real failure is not retried, and a closed document stops retrying', async () => {
  const failed = flaky([new AnalysisFailedError('out of memory')]);
  await assert.rejects(retryOvertaken(failed.run), AnalysisFailedError);
  assert.equal(failed.calls(), 1);
  const closed = flaky([new SupersededError('k', 1)]);
  await assert.rejects(retryOvertaken(closed.run, () => true), SupersededError);
  assert.equal(closed.calls(), 1);
  assert.equal(isOvertaken(new Error('SupersededError')), false, 'decided by class, not by name');
});
