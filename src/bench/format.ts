/**
 * Plain-text rendering of a report, for the CLI and the benchmark script: a headline table (the
 * fastest path per variant), every path, the skipped ones, the ceilings and the provenance.
 */
import type { BenchReport, BenchResult } from '../shared/benchProtocol';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const pct = (v: number | undefined) => (v === undefined ? '-' : `${(v * 100).toFixed(0)}%`);
const x = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(2)}x`);

function where(r: BenchResult): string {
  return r.phase === 'decode' ? `L=${r.context}` : `S=${r.prompt}`;
}

function row(r: BenchResult, withPath: boolean): string[] {
  return [
    where(r),
    (withPath ? `${r.variant.label} ${r.path}` : `${r.variant.label} (${r.path})`) + (r.kvDtype ? ` ${r.kvDtype} KV` : ''),
    ms(r.medianMs),
    `${ms(r.p10Ms)}-${ms(r.p90Ms)}`,
    `${(r.cv * 100).toFixed(1)}%`,
    String(r.n),
    r.achievedGBps.toFixed(1),
    pct(r.bandwidthFraction),
    r.fractionCv !== undefined ? `${(r.fractionCv * 100).toFixed(0)}%` : '-',
    (r.flopPerS / 1e9).toFixed(1),
    pct(r.rooflineFraction),
    x(r.speedupVsMha),
    `${r.speedupBound}x`,
    r.maxAbsDiff.toExponential(1),
    r.cacheResident ? 'LLC' : r.rotation > 1 ? `rot${r.rotation}` : '',
  ];
}

const HEADER = ['at', 'variant', 'median ms', 'p10-p90', 'cv', 'n', 'GB/s', 'of ceil', 'ceil cv', 'GFLOP/s', 'of roof', 'vs MHA', 'bound', 'max|diff|', 'cache'];

/**
 * The lines that say how far to trust the fractions, printed before the tables: a yardstick bug (a
 * round above 100%) first and loudly, then the noise verdict.
 */
export function trustLines(report: BenchReport): string[] {
  const lines: string[] = [];
  const noise = report.noise;
  if (!noise) return lines;
  for (const bug of noise.aboveCeiling) lines.push(`!!! YARDSTICK BUG: ${bug}: the in-run ceiling is wrong, so every fraction below is suspect.`);
  lines.push(noise.busy ? `!!! ${noise.message}` : `Noise: ${noise.message}`);
  return lines;
}

/** The whole report as text. */
export function formatReport(report: BenchReport): string {
  const p = report.provenance;
  const lines: string[] = [];
  const m = report.model;
  lines.push(`${m.name}: ${m.kind}, ${m.queryHeads} query heads x ${m.headDim}${m.valueHeadDim !== m.headDim ? `/${m.valueHeadDim}` : ''}, configured ${m.configuredKvHeads} KV heads`);
  lines.push(`${p.phase}, batch ${p.batch}, ${p.dtype}, ep ${p.ep}${p.adapter ? ` (${p.adapter}${p.backend ? `, ${p.backend}` : ''})` : ''}, ${p.threads} threads`);
  const trust = trustLines(report);
  if (trust.length) lines.push(...trust);
  lines.push('');
  lines.push('Headline (fastest path per variant):');
  lines.push(table([HEADER, ...report.results.filter((r) => r.headline).map((r) => row(r, false))]));
  lines.push('');
  lines.push('Every path:');
  lines.push(table([HEADER, ...report.results.map((r) => row(r, true))]));
  for (const s of report.skipped) lines.push(`skipped: ${s.path} with ${s.kvHeads} KV heads: ${s.reason}`);
  lines.push('');
  const c = report.ceilings;
  lines.push(`Ceilings: ${c.bandwidthGBps !== undefined ? `${c.bandwidthGBps.toFixed(1)} GB/s${c.bandwidthCv !== undefined ? ` (cv ${(c.bandwidthCv * 100).toFixed(0)}% across rounds)` : ''}` : 'bandwidth unknown'}, ${c.computeGflops !== undefined ? `${c.computeGflops.toFixed(1)} GFLOP/s` : 'compute unknown'} (${c.source})`);
  lines.push(`Provenance: ${p.cpuModel}, ${p.cpuCores} cores, LLC ${(p.llcBytes / 2 ** 20).toFixed(0)} MiB, onnxruntime-node ${p.ortVersion}, Node ${p.nodeVersion}, ${p.platform}, ${p.date}`);
  for (const probe of report.epProbes) if (!probe.available || probe.reason) lines.push(`EP ${probe.ep}: ${probe.available ? 'available' : 'unavailable'}${probe.reason ? `: ${probe.reason}` : ''}`);
  for (const note of report.notes) lines.push(`Note: ${note}`);
  for (const r of report.results.filter((r) => r.headline && r.speedupVsMha !== undefined && r.speedupVsMha > r.speedupBound * 1.1)) {
    lines.push(`Note: ${r.variant.label} at ${where(r)} is ${x(r.speedupVsMha)} faster than MHA, above its ${r.speedupBound}x bound: not a real gain in bandwidth. Its smaller cache fits in a faster cache level, or MHA's runs were disturbed (cv ${(r.cv * 100).toFixed(0)}%); compare at a longer context on a quiet machine.`);
  }
  lines.push("Bytes are the algorithmic minimum (Q, K/V once, output, append; an int8 cache counts 1 byte per element plus its scales); 'of ceil' = median over rounds of the fraction of that round's in-run read, 'ceil cv' its spread; 'vs MHA' beside 'bound' = query heads / KV heads.");
  return lines.join('\n');
}
