/**
 * `npm run bench:core`: median time to parse + analyse (normalise, KV report, what-if) each corpus config,
 * and a 5 MB config (a giant id2label, as classification checkpoints carry). Target: well under 1 ms per
 * typical config. Prints figures; asserts nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../src/core/analyze';
import { computeKv } from '../src/core/kv';
import { whatIf } from '../src/core/whatif';
import { CONFIGS as FIXTURE_CONFIGS } from '../test/fixtures/paths';

const CONFIGS = FIXTURE_CONFIGS;

function timeIt(run: () => void, minMs: number): { median: number; p90: number; n: number } {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) run(); // warm-up: JIT and caches
  const start = performance.now();
  while (performance.now() - start < minMs || samples.length < 20) {
    const t0 = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)]!, p90: samples[Math.floor(samples.length * 0.9)]!, n: samples.length };
}

/** Parse + analyse (normalise): what every surface pays once per document version. */
const analyse = (text: string) => () => void analyzeText(text);
/** Plus the KV report and the what-if over every grouping (one KV report per divisor of the query heads). */
const full = (text: string) => () => {
  const a = analyzeText(text);
  if (a.model) {
    computeKv(a.model);
    whatIf(a.model);
  }
};

const rows: string[][] = [];
const files = readdirSync(CONFIGS).filter((f) => f.endsWith('.json')).sort();
const medians: number[] = [];
const fullMedians: number[] = [];
for (const f of files) {
  const text = readFileSync(join(CONFIGS, f), 'utf8');
  const t = timeIt(analyse(text), 100);
  const u = timeIt(full(text), 100);
  medians.push(t.median);
  fullMedians.push(u.median);
  rows.push([f.replace(/\.json$/, ''), `${(text.length / 1024).toFixed(1)} KiB`, t.median.toFixed(3), t.p90.toFixed(3), u.median.toFixed(3), String(t.n)]);
}
const base = JSON.parse(readFileSync(join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), 'utf8')) as Record<string, unknown>;
const labels: Record<string, string> = {};
// About 60 bytes an entry once pretty-printed: 90,000 entries make a 5 MB file.
for (let i = 0; i < 90_000; i++) labels[String(i)] = `LABEL_${i}_${'x'.repeat(30)}`;
const big = JSON.stringify({ ...base, id2label: labels }, null, 2);
const tb = timeIt(analyse(big), 2000);
const tf = timeIt(full(big), 1000);
rows.push(['5 MB config (id2label)', `${(big.length / 1024 / 1024).toFixed(1)} MiB`, tb.median.toFixed(3), tb.p90.toFixed(3), tf.median.toFixed(3), String(tb.n)]);

const head = ['config', 'size', 'analyse median ms', 'analyse p90 ms', '+ KV + what-if ms', 'runs'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
console.log(`parse + analyse, and with the KV report and what-if added; Node ${process.version}, ${new Date().toISOString()}`);
console.log(line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
medians.sort((a, b) => a - b);
fullMedians.sort((a, b) => a - b);
const mid = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
console.log(`\nparse + analyse, median over ${files.length} corpus configs: ${mid(medians).toFixed(3)} ms (target: well under 1 ms); slowest ${medians[medians.length - 1]!.toFixed(3)} ms; 5 MB: ${tb.median.toFixed(1)} ms`);
console.log(`with the KV report and the what-if over every grouping: median ${mid(fullMedians).toFixed(3)} ms; slowest ${fullMedians[fullMedians.length - 1]!.toFixed(3)} ms; 5 MB: ${tf.median.toFixed(1)} ms`);
