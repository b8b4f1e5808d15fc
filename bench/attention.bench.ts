/**
 * `npm run bench:attention`: decode attention of a Llama-3-8B-shaped layer (32 query heads of 128;
 * MHA, GQA-8, MQA) at L = 4k, 16k, 64k on this machine's CPU, fp32, batch 1, through the real
 * worker. Prints latency, achieved bandwidth against the triad measured in the same run, and the
 * speed-up over MHA beside its bound, then checks the targets (reported, not asserted).
 *
 * Forks the worker from its TypeScript source through tsx, so no build is needed and a stale
 * dist/worker.js is never timed.
 */
import { join } from 'node:path';
import { BenchClient } from '../src/bench/client';
import { formatReport } from '../src/bench/format';
import type { BenchRequest } from '../src/shared/benchProtocol';

async function main(): Promise<number> {
  const contexts = (process.env.KV_LENS_BENCH_CONTEXTS ?? '4096,16384,65536').split(',').map(Number);
  const request: BenchRequest = {
    model: { name: 'Llama-3-8B layer', kind: 'GQA', queryHeads: 32, headDim: 128, valueHeadDim: 128, configuredKvHeads: 8 },
    variants: [32, 8, 1],
    ep: 'cpu',
    phase: 'decode',
    contexts,
    prompt: 1,
    batch: 1,
    dtype: 'fp32',
    paths: ['gqa', 'attention', 'plain', 'grouped'],
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
    const gqa = report.results.find((r) => r.headline && r.variant.kvHeads === 8 && r.context === 16384);
    if (gqa) {
      const bw = gqa.bandwidthFraction ?? 0;
      const sp = (gqa.speedupVsMha ?? 0) / gqa.speedupBound;
      console.log(`\nTargets at L=16384, GQA-8 (${gqa.path}): ${(bw * 100).toFixed(0)}% of triad (target >= 50%: ${bw >= 0.5 ? 'met' : 'not met'}), speed-up ${gqa.speedupVsMha?.toFixed(2)}x = ${(sp * 100).toFixed(0)}% of the ${gqa.speedupBound}x bound (target >= 75%: ${sp >= 0.75 ? 'met' : 'not met'}).`);
    }
    return 0;
  } finally {
    client.dispose();
  }
}

main().then((code) => process.exit(code), (error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
