/**
 * A larger fuzz run than CI's: `npm run fuzz -- [--seed N] [--cases N]`. Prints failures with their case
 * numbers and mutations; exit code 1 when any invariant broke.
 */
import { parseArgs } from 'node:util';
import { runFuzz } from '../test/fuzz/fuzz';

const { values } = parseArgs({ options: { seed: { type: 'string' }, cases: { type: 'string' } } });
const seed = Number(values.seed ?? Date.now() % 1e9);
const cases = Number(values.cases ?? 100_000);
const t0 = performance.now();
const { failures, ms } = runFuzz(seed, cases);
const seconds = (performance.now() - t0) / 1000;
ms.sort((a, b) => a - b);
console.log(`seed ${seed}: ${ms.length} cases in ${seconds.toFixed(1)} s (${(ms.length / seconds).toFixed(0)}/s), ${failures.length} failures; per case median ${ms[ms.length >> 1]!.toFixed(2)} ms, p99 ${ms[Math.floor(ms.length * 0.99)]!.toFixed(1)} ms, max ${ms[ms.length - 1]!.toFixed(1)} ms`);
for (const f of failures.slice(0, 50)) console.log(`case ${f.caseNo} (${f.file}; ${f.how}): ${f.problems.join('; ')}`);
process.exitCode = failures.length ? 1 : 0;
