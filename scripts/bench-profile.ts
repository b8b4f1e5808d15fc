/**
 * `node --import tsx scripts/bench-profile.ts [path] [--kv N] [--context L] [--threads N] [--runs N]`
 * prints, for one path of a Llama-3-8B-shaped decode layer (32 query heads of 128, fp32, batch 1),
 * the kernel times onnxruntime profiled against the wall time of run() from JavaScript (the gap is
 * the binding: feeds and output conversion), and the graph after onnxruntime's optimisations.
 * Paths: gqa, gqaInt8, attention, plain, grouped, groupedVt (default grouped). Hold the heavy lock:
 *   flock /tmp/kvlens-heavy.lock node --import tsx scripts/bench-profile.ts grouped --kv 8 --context 16k
 */
import { ALL_PATHS, type BenchPath } from '../src/shared/benchProtocol';
import { profilePath } from '../src/bench/profile';
import { parseCount } from '../src/core/sizes';

function main(argv: string[]): Promise<void> {
  const flags = new Map<string, string>();
  let path: BenchPath = 'grouped';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) flags.set(a, argv[++i] ?? '');
    else if ((ALL_PATHS as readonly string[]).includes(a)) path = a as BenchPath;
    else throw new Error(`unknown path ${JSON.stringify(a)} (${ALL_PATHS.join(', ')})`);
  }
  const num = (flag: string, fallback: string) => parseCount(flag, flags.get(flag) ?? fallback, { max: 2 ** 30, suffix: true });
  const kv = num('--kv', '8');
  const context = num('--context', '16k');
  const threads = num('--threads', '2');
  const runs = num('--runs', '10');
  if (32 % kv !== 0) throw new Error(`--kv ${kv} does not divide 32 query heads`);
  const spec = { shape: { queryHeads: 32, kvHeads: kv, headDim: 128, valueHeadDim: 128 }, phase: 'decode' as const, batch: 1, past: context, prompt: 1, dtype: 'fp32' as const };
  return profilePath(path, spec, threads, 5, runs).then((p) => {
    console.log(`${path}, ${kv} KV heads, L=${context}, ${threads} threads, ${runs} runs`);
    console.log(`run() wall ${p.wallMs.toFixed(2)} ms (JavaScript), model_run ${p.modelRunMs.toFixed(2)} ms (onnxruntime), kernels ${p.kernelMs.toFixed(2)} ms; binding and framework ${(p.wallMs - p.kernelMs).toFixed(2)} ms`);
    for (const n of p.nodes) console.log(`  ${(n.meanUs / 1e3).toFixed(3).padStart(9)} ms  ${((100 * n.meanUs) / 1e3 / p.wallMs).toFixed(0).padStart(3)}%  ${n.op.padEnd(20)} ${n.node}`);
    console.log('Optimised graph:');
    for (const line of p.optimizedGraph) console.log(`  ${line}`);
  });
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
