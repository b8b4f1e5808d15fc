/**
 * CI fuzzing: 10,000 mutated configs through the whole pure pipeline with a fixed seed. Prints cases run,
 * failures and throughput; fails on any broken invariant, naming the case to replay with `npm run fuzz`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFuzz } from './fuzz';

const SEED = 20261128;
const CASES = 10_000;

test(`fuzz: ${CASES} mutated configs, seed ${SEED}`, () => {
  const t0 = performance.now();
  const { failures, ms, truncations } = runFuzz(SEED, CASES);
  const seconds = (performance.now() - t0) / 1000;
  ms.sort((a, b) => a - b);
  console.log(`fuzz: ${ms.length} cases (${truncations} truncations), ${failures.length} failures, ${(ms.length / seconds).toFixed(0)} cases/s, median ${ms[ms.length >> 1]!.toFixed(2)} ms, max ${ms[ms.length - 1]!.toFixed(1)} ms`);
  for (const f of failures.slice(0, 10)) console.log(`  case ${f.caseNo} (${f.file}; ${f.how}): ${f.problems.join('; ')}`);
  assert.equal(ms.length, CASES);
  assert.deepEqual(failures.slice(0, 5), []);
});
