/**
 * `npm run bench:attention`: decode attention of a Llama-3-8B-shaped layer (32 query heads of 128;
 * MHA, GQA-8, MQA) at L = 4k, 16k, 64k on this machine's CPU, fp32, batch 1, 2 threads, through the
 * real worker. Prints latency, each path's fraction of the streaming read measured by onnxruntime
 * in the same rounds (median of per-round fractions, and its spread), the speed-up over MHA beside
 * its bound, the int8 KV cache with its own bytes, then the issue's targets (printed, not asserted).
 *
 * Environment: KV_LENS_BENCH_CONTEXTS (default 4096,16384,65536), KV_LENS_BENCH_PATHS (default every
 * path but `plain`, the reference form, whose expanded K/V only costs time), KV_LENS_BENCH_THREADS
 * (default 2), KV_LENS_BENCH_ROUNDS (default 15). On a shared machine hold the heavy lock:
 *   flock /tmp/kvlens-heavy.lock npm run bench:attention
 *
 * Forks the worker from its TypeScript source through tsx, so no build is needed and a stale
 * dist/worker.js is never timed.
 */
import { join } from 'node:path';
import { BenchClient } from '../src/bench/client';
import { formatReport } from '../src/bench/format';
import { ALL_PATHS, type BenchPath, type BenchReport, type BenchRequest, type BenchResult } from '../src/shared/benchProtocol';

/** The issue's targets at L = 16k (printed for every context). */
const TARGETS = { gqaFraction: 0.5, mhaFraction: 0.6, gqaSpeedup: 3.0 };

function list(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);
}

const pct = (v: number | undefined) => (v === undefined ? '-' : `${(v * 100).toFixed(0)}%`);
const met = (ok: boolean) => (ok ? 'met' : 'not met');

/** The target lines for one context: GQA-8, MHA and MQA headlines against the targets. */
export function targetLines(report: BenchReport, context: number): string[] {
  const at = (kv: number) => report.results.find((r) => r.headline && r.variant.kvHeads === kv && r.context === context);
  const line = (r: BenchResult | undefined, label: string, fraction?: number, speedup?: number) => {
    if (!r) return `  ${label}: not timed`;
    const f = r.bandwidthFraction;
    const parts = [`${label} (${r.path}): ${r.medianMs.toFixed(2)} ms, ${r.achievedGBps.toFixed(1)} GB/s = ${pct(f)} of the in-run read (cv ${pct(r.fractionCv)})`];
    if (fraction !== undefined) parts.push(`target >= ${pct(fraction)}: ${met(f !== undefined && f >= fraction)}`);
    if (r.variant.groupSize > 1) parts.push(`speed-up ${r.speedupVsMha?.toFixed(2) ?? '-'}x of ${r.speedupBound}x${speedup !== undefined ? ` (target >= ${speedup.toFixed(1)}x: ${met((r.speedupVsMha ?? 0) >= speedup)})` : ''}`);
    return `  ${parts.join('; ')}`;
  };
  const int8 = report.results.find((r) => r.kvDtype === 'int8' && r.variant.kvHeads === 8 && r.context === context);
  const fp32 = at(8);
  const int8Line = int8
    ? `  GQA-8 int8 KV (gqaInt8): ${int8.medianMs.toFixed(2)} ms, ${(int8.bytes / 2 ** 20).toFixed(0)} MiB per step, ${pct(int8.bandwidthFraction)} of the in-run read${fp32 ? `, ${(fp32.medianMs / int8.medianMs).toFixed(2)}x the fp32 GQA-8 headline (${(fp32.bytes / 2 ** 20).toFixed(0)} MiB)` : ''}`
    : '  GQA-8 int8 KV: not timed';
  return [
    `L=${context}:`,
    line(at(8), 'GQA-8', TARGETS.gqaFraction, TARGETS.gqaSpeedup),
    line(at(32), 'MHA', TARGETS.mhaFraction),
    line(at(1), 'MQA'),
    int8Line,
  ];
}

async function main(): Promise<number> {
  const contexts = list('KV_LENS_BENCH_CONTEXTS', '4096,16384,65536').map(Number);
  const paths = list('KV_LENS_BENCH_PATHS', ALL_PATHS.filter((p) => p !== 'plain').join(',')) as BenchPath[];
  const request: BenchRequest = {
    model: { name: 'Llama-3-8B layer', kind: 'GQA', queryHeads: 32, headDim: 128, valueHeadDim: 128, configuredKvHeads: 8 },
    variants: [32, 8, 1],
    ep: 'cpu',
    phase: 'decode',
    contexts,
    prompt: 1,
    batch: 1,
    dtype: 'fp32',
    paths,
    threads: Number(process.env.KV_LENS_BENCH_THREADS ?? 2),
    rounds: Number(process.env.KV_LENS_BENCH_ROUNDS ?? 15),
  };
  const client = new BenchClient({ workerPath: join(__dirname, '..', 'src', 'bench', 'worker.ts'), execArgv: ['--import', 'tsx'] });
  let last = 0;
  try {
    const report = await client.run(request, {
      onProgress: (p) => {
        if (Date.now() - last < 2000) return;
        last = Date.now();
        process.stderr.write(`[${(p.fraction * 100).toFixed(0)}%] ${p.message}\n`);
      },
    });
    console.log(formatReport(report));
    console.log(`\nTargets (issue 14; printed, not asserted), fractions of the in-run streaming read:`);
    if (report.noise?.busy) console.log(`  !!! ${report.noise.message}`);
    for (const context of contexts) for (const line of targetLines(report, context)) console.log(line);
    return 0;
  } finally {
    client.dispose();
  }
}

if (require.main === module)
  main().then((code) => process.exit(code), (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
