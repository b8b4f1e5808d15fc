/**
 * The in-run ceiling and the noise verdict: per-round fraction arithmetic, the busy / quiet verdict
 * and the yardstick-bug line, the streaming read itself on a small buffer, and how the report
 * prints them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamReadCeiling, streamBytes } from '../../../src/bench/ceilings';
import { formatReport, trustLines } from '../../../src/bench/format';
import { BUSY_CV, fractionStats, noiseVerdict, roundFractions } from '../../../src/bench/metrics';
import { ceilingSummary, runBenchmark } from '../../../src/bench/runner';
import { tinyRequest } from './helpers';
import type { BenchReport } from '../../../src/shared/benchProtocol';

test('per-round fractions: each run against its own round, median and cv over rounds', () => {
  // 1 GB read in 100, 50 and 200 ms = 10, 20 and 5 GB/s, against rounds whose read was 20, 40, 10 GB/s:
  // the machine slowed both alike, so every round is at 50%.
  const s = ceilingSummary([100, 50, 200], 1e9, [20, 40, 10]);
  assert.deepEqual(s.fractions, [0.5, 0.5, 0.5]);
  assert.equal(s.median, 0.5);
  assert.equal(s.cv, 0);
  assert.equal(s.ceilingGBps, 20); // median of 10, 20, 40
  // A whole-run ratio would have said 10 GB/s (median time 100 ms) / 20 GB/s = 50% here too, but
  // with rounds out of step the spread shows: 10 GB/s each round against 40, 10, 20 gives fractions
  // 0.25, 1, 0.5 -> median 0.5; mean 0.5833,
  // sample sd sqrt(((0.25-0.5833)^2 + (1-0.5833)^2 + (0.5-0.5833)^2) / 2) = 0.3819, cv 0.6547.
  const f = fractionStats(roundFractions([10, 10, 10], [40, 10, 20]));
  assert.equal(f.median, 0.5);
  assert.ok(Math.abs(f.cv - 0.3819 / 0.5833) < 1e-3, `cv ${f.cv}`);
  assert.equal(f.above, 0);
  assert.equal(fractionStats([0.9, 1.02, 1.1]).above, 2);
  assert.throws(() => roundFractions([1, 2], [3]), /2 timed runs against 1 ceiling rounds/);
});

test('noise verdict: quiet under 10%, busy above with the worst result named; rounds above 100% always named', () => {
  const quiet = noiseVerdict([{ label: 'GQA-8 grouped at L=16384', fractionCv: 0.04, headline: true }], 0.03);
  assert.equal(quiet.busy, false);
  assert.equal(quiet.threshold, BUSY_CV);
  assert.match(quiet.message, /quiet enough: largest cv of a fraction across rounds 4% \(GQA-8 grouped at L=16384\)/);
  const busy = noiseVerdict(
    [
      { label: 'MHA grouped at L=16384', fractionCv: 0.25, headline: true },
      // Not a headline: its spread does not decide the verdict.
      { label: 'MHA gqa at L=16384', fractionCv: 0.6, headline: false, above: 1 },
    ],
    0.05,
  );
  assert.equal(busy.busy, true);
  assert.equal(busy.cv, 0.25);
  assert.match(busy.message, /^the machine was busy: cv 25% \(MHA grouped at L=16384\)/);
  assert.deepEqual(busy.aboveCeiling, ['MHA gqa at L=16384: 1 round(s) above 100% of the in-run ceiling']);
  // The ceiling's own spread counts: a quiet set of results over a jumpy yardstick is still busy.
  const jumpy = noiseVerdict([{ label: 'x', fractionCv: 0.01, headline: true }], 0.3);
  assert.equal(jumpy.busy, true);
  assert.match(jumpy.message, /the in-run ceiling itself/);
});

test('the report leads with the yardstick bug and the busy verdict', () => {
  const noise = noiseVerdict([{ label: 'MHA grouped at L=4096', fractionCv: 0.25, headline: true, above: 2 }], 0.02);
  const report: BenchReport = {
    model: { name: 'm', kind: 'GQA', queryHeads: 8, headDim: 16, valueHeadDim: 16, configuredKvHeads: 2 },
    results: [],
    skipped: [],
    ceilings: { bandwidthGBps: 20, bandwidthCv: 0.02, triadGBps: 30, source: 'test' },
    provenance: { cpuModel: 'c', cpuCores: 2, llcBytes: 0, totalMemoryBytes: 0, ep: 'cpu', ortVersion: '1.30.0', nodeVersion: 'v20', platform: 'linux-x64', threads: 2, dtype: 'fp32', phase: 'decode', batch: 1, date: 'd' },
    epProbes: [],
    notes: [],
    noise,
  };
  const lines = trustLines(report);
  assert.match(lines[0]!, /^!!! YARDSTICK BUG: MHA grouped at L=4096: 2 round\(s\) above 100%/);
  assert.match(lines[1]!, /^!!! the machine was busy: cv 25%/);
  const text = formatReport(report);
  assert.ok(text.indexOf('YARDSTICK BUG') < text.indexOf('Headline'));
  assert.match(text, /Ceilings: 20\.0 GB\/s \(cv 2% across rounds\)/);
  assert.deepEqual(trustLines({ ...report, noise: undefined }), []);
});

test('yardstick size: 8x the last-level cache, at least 256 MiB, whole rows', () => {
  assert.equal(streamBytes(32 << 20), 256 << 20);
  assert.equal(streamBytes(64 << 20), 512 << 20);
  assert.equal(streamBytes(0), 256 << 20); // unknown LLC: 8 x 32 MiB
  assert.equal(streamBytes(33 << 20 | 5) % (4 * 4096), 0);
});

test('the streaming read runs through onnxruntime and checks what it computed', async () => {
  // 1 MiB is far too small to be a ceiling (cache-resident); the test checks the mechanics only.
  const ceiling = await StreamReadCeiling.create(0, 1, 1 << 20);
  try {
    assert.equal(ceiling.bytes, 1 << 20);
    for (const kind of ['gemv', 'reduce'] as const) {
      const gbps = await ceiling.gbps(kind);
      assert.ok(Number.isFinite(gbps) && gbps > 0, `${kind}: ${gbps}`);
    }
  } finally {
    await ceiling.release();
  }
});

test('a CPU run measures the yardstick in every round: one fraction per round per result, the verdict, the triad as context', async () => {
  const rounds = 3;
  const report = await runBenchmark(tinyRequest({ variants: [8, 1], contexts: [64], paths: ['grouped', 'groupedVt'], rounds, warmup: 1, threads: 1, measureCeilings: true }), () => {});
  assert.equal(report.results.length, 4);
  for (const r of report.results) {
    assert.equal(r.ceilingFractions?.length, rounds, `${r.variant.label} ${r.path}`);
    // The median fraction is the median of the per-round fractions (3 values: the middle one).
    assert.equal(r.bandwidthFraction, [...r.ceilingFractions!].sort((a, b) => a - b)[1]);
    assert.ok(r.fractionCv !== undefined && r.fractionCv >= 0);
    assert.ok(r.ceilingGBps! > 0);
  }
  assert.ok(report.noise, 'a CPU run with ceilings carries the verdict');
  assert.ok(report.ceilings.triadGBps! > 0 && report.ceilings.bandwidthGBps! > 0 && report.ceilings.bandwidthCv !== undefined);
  assert.match(report.ceilings.source, /streaming read through onnxruntime in every round/);
  // The tiny caches are cache-resident: fractions may well exceed 100%, and then the verdict must name them.
  const above = report.results.filter((r) => r.ceilingFractions!.some((f) => f > 1)).length;
  assert.equal(report.noise!.aboveCeiling.length, above);
});
