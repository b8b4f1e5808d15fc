import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedDebouncer } from '../../src/extension/debounce';

test('debounce: only the last action per key runs, after the delay', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const runs: string[] = [];
  const d = new KeyedDebouncer<string>(300);
  d.schedule('a', () => runs.push('a1'));
  t.mock.timers.tick(200);
  d.schedule('a', () => runs.push('a2'));
  d.schedule('b', () => runs.push('b1'));
  t.mock.timers.tick(299);
  assert.deepEqual(runs, [], 'nothing before 300 ms of quiet');
  assert.equal(d.isPending('a'), true);
  t.mock.timers.tick(1);
  assert.deepEqual(runs.sort(), ['a2', 'b1']);
  assert.equal(d.isPending('a'), false);
});

test('debounce: cancel, flush and dispose', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const runs: string[] = [];
  const d = new KeyedDebouncer<string>(300);
  d.schedule('a', () => runs.push('a'));
  d.cancel('a');
  d.schedule('b', () => runs.push('b'));
  assert.equal(d.flush('b'), true);
  assert.deepEqual(runs, ['b'], 'flush runs at once');
  assert.equal(d.flush('b'), false, 'nothing left to flush');
  d.schedule('c', () => runs.push('c'));
  d.dispose();
  t.mock.timers.tick(1000);
  assert.deepEqual(runs, ['b'], 'cancelled and disposed actions never run');
});
