/**
 * Runs one benchmark request inside the worker: resolve the EP, check memory, measure ceilings,
 * then per context build every variant's graphs, check each against the reference (a mismatch
 * aborts the run), warm up, and time rounds that alternate variant and path order.
 */
import * as ort from 'onnxruntime-node';
import { totalmem } from 'node:os';
import { BenchError, type BenchPath, type BenchProgress, type BenchReport, type BenchRequest, type BenchResult, type Ceilings, type EpName, type SkippedPath } from '../shared/benchProtocol';
import { measureGemm, measureTriad } from './ceilings';
import { makeHostData, transposeLast2, type CacheCopy, type HostData } from './data';
import { resolveEp } from './ep';
import { buildAttentionGraph, buildGqaGraph } from './graphs/fusedGraphs';
import { buildGroupedGraph, buildPlainGraph } from './graphs/matmulGraphs';
import type { BakedCache, BuiltGraph, GraphSpec } from './graphs/spec';
import { availableMemoryBytes, cpuCores, cpuModel, lastLevelCacheBytes } from './machine';
import { attentionFlops, implementationBytes, minimumBytes, rooflineMs, timingStats, variantLabel } from './metrics';
import { cacheBytesFor, checkMemory, contextsOf, rotationCopies, specFor, validateRequest } from './plan';
import { referenceOutput, tolerance } from './reference';
import { createSession, maxAbsDiff, outputAsBhsd, runArgs, runOnce, type GraphSession, type RunArgs } from './session';

const BUILDERS: Record<BenchPath, (spec: GraphSpec, baked?: BakedCache) => BuiltGraph> = {
  gqa: buildGqaGraph,
  attention: buildAttentionGraph,
  plain: buildPlainGraph,
  grouped: buildGroupedGraph,
};

/** Reports progress; the worker forwards it to the client. */
export type ProgressSink = (progress: BenchProgress) => void;

/** One session ready to time, with a prepared feed per cache copy. */
interface Timed {
  kvHeads: number;
  path: BenchPath;
  spec: GraphSpec;
  session: GraphSession;
  args: RunArgs[];
  maxAbsDiff: number;
  samples: number[];
  rotation: number;
  touchedBytes: number;
}

/** The first L tokens of a [B, H, T, X] cache (GPU GroupQueryAttention's past). */
function head(src: CacheCopy['k'], outer: number, total: number, keep: number, dim: number): CacheCopy['k'] {
  const out = src instanceof Float32Array ? new Float32Array(outer * keep * dim) : new Uint16Array(outer * keep * dim);
  for (let o = 0; o < outer; o++) out.set(src.subarray(o * total * dim, (o * total + keep) * dim), o * keep * dim);
  return out;
}

function bakedCache(spec: GraphSpec, data: HostData): BakedCache {
  const c = data.caches[0]!;
  const outer = spec.batch * spec.shape.kvHeads;
  const T = spec.past + spec.prompt;
  const vt = c.vt ?? transposeLast2(c.v, outer, T, spec.shape.valueHeadDim);
  if (spec.past === 0) return { k: c.k, v: c.v, vt };
  return { k: c.k, v: c.v, vt, pastK: head(c.k, outer, T, spec.past, spec.shape.headDim), pastV: head(c.v, outer, T, spec.past, spec.shape.valueHeadDim) };
}

/** Runs `request` to completion; throws {@link BenchError} on refusal, unavailability or mismatch. */
export async function runBenchmark(request: BenchRequest, onProgress: ProgressSink): Promise<BenchReport> {
  validateRequest(request);
  const { ep, probes } = await resolveEp(request.ep);
  if (!ep) {
    const probe = probes[0]!;
    throw new BenchError({ code: 'unavailable', message: `The ${request.ep} execution provider is not available: ${probe.reason}`, remedy: probe.remedy });
  }
  const chosen = probes.find((p) => p.ep === ep);
  const threads = request.threads ?? cpuCores();
  const llc = lastLevelCacheBytes();
  checkMemory(request, availableMemoryBytes(), llc, ep);

  const notes: string[] = [];
  if (request.model.note) notes.push(request.model.note);
  const ceilings = await measureCeilings(request, ep, threads, llc, onProgress, notes);
  const warmup = request.warmup ?? 20;
  const rounds = request.rounds ?? 15;
  const contexts = contextsOf(request);
  const results: BenchResult[] = [];
  const skipped: SkippedPath[] = [];
  const steps = contexts.length * (2 + rounds);
  let step = 0;
  const progress = (message: string) => onProgress({ fraction: Math.min(1, step / steps), message });

  for (const context of contexts) {
    const where = request.phase === 'decode' ? `L=${context}` : `S=${request.prompt}`;
    const timed: Timed[] = [];
    try {
      for (const kvHeads of request.variants) {
        const spec = specFor(request, kvHeads, context);
        const label = variantLabel(spec.shape.queryHeads, kvHeads);
        progress(`building and checking ${label} at ${where}`);
        const withVt = request.paths.includes('grouped') && ep === 'cpu';
        const touched = cacheBytesFor(spec, false);
        const copies = rotationCopies(touched, llc, ep);
        const data = makeHostData(spec, copies, withVt);
        const reference = await referenceOutput(spec, data, threads);
        const baked = ep === 'cpu' ? undefined : bakedCache(spec, data);
        for (const path of request.paths) {
          let session: GraphSession;
          try {
            session = await createSession(BUILDERS[path](spec, baked), spec, ep, threads);
          } catch (error) {
            skipped.push({ path, kvHeads, reason: firstLine(error) });
            continue;
          }
          const args = (baked ? [data.caches[0]!] : data.caches).map((cache) => runArgs(session, data, cache));
          let diff: number;
          try {
            diff = maxAbsDiff(outputAsBhsd(session, await runOnce(session, args[0]!)), reference);
          } catch (error) {
            // Session creation succeeded but the kernel refused (e.g. no shader-f16 on this adapter).
            skipped.push({ path, kvHeads, reason: firstLine(error) });
            await session.session.release();
            session.cleanup();
            continue;
          }
          const tol = tolerance(spec.dtype);
          timed.push({ kvHeads, path, spec, session, args, maxAbsDiff: diff, samples: [], rotation: args.length, touchedBytes: touched });
          if (!(diff <= tol)) {
            throw new BenchError({ code: 'mismatch', message: `${path} ${label} at ${where} (${spec.dtype}, ${ep}) differs from the reference by ${diff.toExponential(3)} (tolerance ${tol}); nothing was timed.` });
          }
        }
      }
      step++;
      progress(`warming up at ${where}`);
      for (const t of timed) for (let i = 0; i < warmup; i++) await runOnce(t.session, t.args[i % t.args.length]!);
      step++;
      for (let round = 0; round < rounds; round++) {
        progress(`timing at ${where}: round ${round + 1} of ${rounds}`);
        // Alternate the order every round so slow drift (thermal, neighbours) hits every variant alike.
        const order = round % 2 === 0 ? timed : [...timed].reverse();
        for (const t of order) {
          const args = t.args[(round + t.samples.length) % t.args.length]!;
          const start = process.hrtime.bigint();
          await runOnce(t.session, args);
          t.samples.push(Number(process.hrtime.bigint() - start) / 1e6);
        }
        step++;
      }
      results.push(...summarise(timed, ep, ceilings, llc, context));
    } finally {
      for (const t of timed) {
        await t.session.session.release();
        t.session.cleanup();
      }
    }
  }
  markHeadlines(results);
  return {
    model: request.model,
    results,
    skipped,
    ceilings,
    provenance: {
      cpuModel: cpuModel(), cpuCores: cpuCores(), llcBytes: llc, totalMemoryBytes: totalmem(),
      ep, adapter: chosen?.adapter, backend: chosen?.backend ?? (ep === 'cpu' ? 'MLAS' : undefined),
      ortVersion: ort.env.versions.node ?? 'unknown', nodeVersion: process.version, platform: `${process.platform}-${process.arch}`,
      threads, dtype: request.dtype, phase: request.phase, batch: request.batch, date: new Date().toISOString(),
    },
    epProbes: probes,
    notes,
  };
}

async function measureCeilings(request: BenchRequest, ep: EpName, threads: number, llc: number, onProgress: ProgressSink, notes: string[]): Promise<Ceilings> {
  if (ep !== 'cpu') {
    if (request.devicePeaks) return { bandwidthGBps: request.devicePeaks.bandwidthGBps, computeGflops: request.devicePeaks.computeGflops, source: request.devicePeaks.source };
    notes.push('No device peaks were given for this GPU run, so results carry no fraction of peak (set them to get one).');
    return { source: 'none: GPU peaks not given' };
  }
  if (request.measureCeilings === false) return { source: 'not measured (turned off for this run)' };
  onProgress({ fraction: 0, message: 'measuring the memory bandwidth (triad)' });
  const triad = await measureTriad(llc, threads);
  onProgress({ fraction: 0, message: 'measuring the GEMM rate' });
  const gemm = await measureGemm(threads);
  return {
    bandwidthGBps: triad.gbps,
    computeGflops: gemm.gflops,
    source: `measured in this run: STREAM triad over 3 x ${(triad.arrayBytes / 2 ** 20).toFixed(0)} MiB float64 arrays (${triad.threads} threads, best pass), fp32 MatMul ${gemm.n}^3 through onnxruntime (${threads} threads, best of 3)`,
  };
}

function summarise(timed: Timed[], ep: EpName, ceilings: Ceilings, llc: number, context: number): BenchResult[] {
  return timed.map((t) => {
    const stats = timingStats(t.samples);
    const flops = attentionFlops(t.spec);
    const bytes = minimumBytes(t.spec);
    const seconds = stats.medianMs / 1e3;
    const roof = rooflineMs(bytes, flops, ceilings.bandwidthGBps, ceilings.computeGflops);
    const achievedGBps = bytes / seconds / 1e9;
    const cacheResident = ep === 'cpu' ? llc > 0 && t.touchedBytes * t.rotation < 2 * llc : t.touchedBytes < 128 << 20;
    const notes: string[] = [];
    if (cacheResident) notes.push(ep === 'cpu' ? 'cache-resident: the rotated K/V set fits in the last-level cache, bandwidth is inflated' : 'K/V may fit in the GPU L2 cache: bandwidth may be inflated');
    if (t.path === 'gqa' && ep === 'cpu') notes.push('past and present share one buffer (appended in place)');
    if (t.path === 'gqa' && ep !== 'cpu' && t.spec.past > 0) notes.push('past baked on the device; present written to a second device buffer (implementation bytes count it)');
    return {
      ...stats,
      variant: { kvHeads: t.kvHeads, label: variantLabel(t.spec.shape.queryHeads, t.kvHeads), groupSize: t.spec.shape.queryHeads / t.kvHeads },
      path: t.path, phase: t.spec.phase, context, prompt: t.spec.prompt, batch: t.spec.batch, dtype: t.spec.dtype, ep,
      flops, flopPerS: flops / seconds, tokensPerS: (t.spec.batch * t.spec.prompt) / seconds,
      bytes, implementationBytes: implementationBytes(t.spec, t.path, ep === 'cpu'),
      achievedGBps,
      ceilingGBps: ceilings.bandwidthGBps,
      bandwidthFraction: ceilings.bandwidthGBps ? achievedGBps / ceilings.bandwidthGBps : undefined,
      ceilingGflops: ceilings.computeGflops,
      rooflineMs: roof,
      rooflineFraction: roof !== undefined ? roof / stats.medianMs : undefined,
      speedupBound: t.spec.shape.queryHeads / t.kvHeads,
      maxAbsDiff: t.maxAbsDiff, tolerance: tolerance(t.spec.dtype),
      rotation: t.rotation, cacheResident, headline: false, notes,
    };
  });
}

/** Marks each (variant, context)'s fastest path and fills speed-ups against MHA. */
function markHeadlines(results: BenchResult[]): void {
  const key = (r: BenchResult) => `${r.context}/${r.variant.kvHeads}`;
  const best = new Map<string, BenchResult>();
  for (const r of results) if (!best.has(key(r)) || r.medianMs < best.get(key(r))!.medianMs) best.set(key(r), r);
  for (const r of best.values()) r.headline = true;
  for (const r of results) {
    const mhaKey = `${r.context}/${r.variant.kvHeads * r.variant.groupSize}`;
    const mha = r.headline ? best.get(mhaKey) : results.find((m) => key(m) === mhaKey && m.path === r.path);
    if (mha) r.speedupVsMha = mha.medianMs / r.medianMs;
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.replace(/^\/onnxruntime_src\/\S+ /, '').slice(0, 300);
}
