/**
 * A larger fuzz run than CI's: `npm run fuzz -- [--seed N] [--cases N] [--classes a,b] [--case N [--write FILE]]`.
 * Prints the per-class table (cases, failures, one example each) and the failures with their case numbers and
 * mutations; exit code 1 when any invariant broke. `--classes` runs only those mutation classes (names in the
 * table; `truncate-sweep` is the byte-by-byte truncation that opens a full run); `--case N` replays one case of
 * the same seed, cases and classes, and `--write FILE` saves its mutated text.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CLASS_NAMES, classSummary, describeFailure, runFuzz } from '../test/fuzz/fuzz';

const { values } = parseArgs({ options: { seed: { type: 'string' }, cases: { type: 'string' }, classes: { type: 'string' }, case: { type: 'string' }, write: { type: 'string' } } });
const seed = Number(values.seed ?? Date.now() % 1e9);
const only = values.case === undefined ? undefined : Number(values.case);
const cases = Number(values.cases ?? (only !== undefined ? only + 1 : 100_000));
const classes = values.classes?.split(',').map((c) => c.trim()).filter(Boolean);
for (const [name, v] of [['--seed', seed], ['--cases', cases], ['--case', only ?? 0]] as const) {
  if (!Number.isSafeInteger(v) || v < 0) {
    console.error(`${name} must be a whole number`);
    process.exit(2);
  }
}
const unknown = (classes ?? []).filter((c) => !CLASS_NAMES.includes(c));
if (unknown.length) {
  console.error(`unknown class ${unknown.join(', ')}; the classes are ${CLASS_NAMES.join(', ')}`);
  process.exit(2);
}
const t0 = performance.now();
const result = runFuzz(seed, cases, {
  ...(classes ? { classes } : {}),
  ...(only !== undefined ? { only } : {}),
  onCase: (caseNo, text, how) => {
    if (only === undefined) return;
    console.log(`case ${caseNo}: ${how.slice(0, 2000)}`);
    if (values.write) {
      writeFileSync(values.write, text);
      console.log(`wrote ${text.length} characters to ${values.write}`);
    }
  },
});
const { failures, ms } = result;
const seconds = (performance.now() - t0) / 1000;
ms.sort((a, b) => a - b);
const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(ms.length * q))] ?? 0;
console.log(`seed ${seed}: ${ms.length} cases in ${seconds.toFixed(1)} s (${(ms.length / seconds).toFixed(0)}/s), ${failures.length} failures; per case median ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${(ms[ms.length - 1] ?? 0).toFixed(1)} ms`);
if (only === undefined) for (const line of classSummary(result)) console.log(line);
for (const f of failures.slice(0, 50)) console.log(describeFailure(f));
process.exitCode = failures.length ? 1 : 0;
