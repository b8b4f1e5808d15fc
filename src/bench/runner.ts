/**
 * Runs one benchmark request inside the worker: resolve the EP, check memory, measure ceilings,
 * then per context build every variant's graphs, check each against the reference (a mismatch
 * aborts the run), warm up, and time rounds that alternate variant and path order.
 */
import * as ort from 'onnxruntime-node';
import { totalmem } from 'node:os';
import { BenchError, type BenchPath, type BenchProgress, type BenchReport, type BenchRequest, type BenchResult, type Ceilings, type EpName, type SkippedPath } from '../shared/benchProtocol';
import { measureGemm, measureTriad, StreamReadCeiling } from './ceilings';
import { makeHostData, transposeLast2, type CacheCopy, type HostData } from './data';
import { resolveEp } from './ep';
import { BUILDERS, pathUnsupported } from './graphs/builders';
import type { BakedCache, GraphSpec } from './graphs/spec';
import { availableMemoryBytes, cpuCores, cpuModel, lastLevelCacheBytes } from './machine';
import { attentionFlops, elemBytes, fractionStats, implementationBytes, kvElemBytes, minimumBytes, noiseVerdict, rooflineMs, roundFractions, timingStats, variantLabel } from './metrics';
import { dequantizePerChannel, int8OutputBound } from './quant';
import { cacheBytesFor, checkMemory, contextsOf, rotationCopies, specFor, validateRequest } from './plan';
import { referenceOutput, tolerance } from './reference';
import { createSession, maxAbsDiff, outputAsBhsd, runArgs, runOnce, type GraphSession, type RunArgs } from './session';

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
  /** The in-run ceiling's GB/s in the round of each sample (CPU with a yardstick). */
  roundCeilings: number[];
  rotation: number;
  touchedBytes: number;
  notes: string[];
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
  const measured = await measureCeilings(request, ep, threads, llc, onProgress, notes);
  const ceilings = measured.ceilings;
  const yardstick = measured.yardstick;
  const warmup = request.warmup ?? 20;
  const rounds = request.rounds ?? 15;
  const contexts = contextsOf(request);
  const results: BenchResult[] = [];
  const skipped: SkippedPath[] = [];
  const allRoundCeilings: number[] = [];
  const steps = contexts.length * (2 + rounds);
  let step = 0;
  const progress = (message: string) => onProgress({ fraction: Math.min(1, step / steps), message });

  try {
    for (const context of contexts) {
      const where = request.phase === 'decode' ? `L=${context}` : `S=${request.prompt}`;
      const timed: Timed[] = [];
      try {
        for (const kvHeads of request.variants) {
          const spec = specFor(request, kvHeads, context);
          const label = variantLabel(spec.shape.queryHeads, kvHeads);
          progress(`building and checking ${label} at ${where}`);
          const runnable = request.paths.filter((path) => {
            const why = pathUnsupported(path, spec, ep);
            if (why) skipped.push({ path, kvHeads, reason: why });
            return !why;
          });
          if (runnable.length === 0) continue;
          const layouts = { vt: runnable.includes('groupedVt') && ep === 'cpu', int8: runnable.includes('gqaInt8') };
          const touched = cacheBytesFor(spec, false);
          // Copies enough that the smallest cache a path reads (int8: a quarter of fp32) still exceeds the LLC.
          const copies = rotationCopies(layouts.int8 ? touched / elemBytes(spec) : touched, llc, ep);
          const data = makeHostData(spec, copies, layouts);
          const reference = await referenceOutput(spec, data, threads);
          const baked = ep === 'cpu' ? undefined : bakedCache(spec, data);
          for (const path of runnable) {
            let session: GraphSession;
            try {
              session = await createSession(BUILDERS[path](spec, baked), spec, ep, threads);
            } catch (error) {
              skipped.push({ path, kvHeads, reason: firstLine(error) });
              continue;
            }
            const args = (baked ? [data.caches[0]!] : data.caches).map((cache) => runArgs(session, data, cache));
            let out: Float32Array;
            try {
              out = outputAsBhsd(session, await runOnce(session, args[0]!));
            } catch (error) {
              // Session creation succeeded but the kernel refused (e.g. no shader-f16 on this adapter).
              skipped.push({ path, kvHeads, reason: firstLine(error) });
              await session.session.release();
              session.cleanup();
              continue;
            }
            const tol = tolerance(spec.dtype);
            const entry: Timed = { kvHeads, path, spec, session, args, maxAbsDiff: 0, samples: [], roundCeilings: [], rotation: args.length, touchedBytes: (touched * kvElemBytes(spec, path)) / (spec.dtype === 'fp16' ? 2 : 4), notes: [] };
            timed.push(entry);
            if (path === 'gqaInt8') {
              // Exact check against the float cache the int8 values stand for, then the quantisation
              // error against the float cache itself, within the bound derived in quant.ts.
              const { batch: B, shape } = spec;
              const T = spec.past + spec.prompt;
              const c = data.caches[0]!;
              const kd = dequantizePerChannel({ values: c.k8!, scales: data.kScale! }, B, shape.kvHeads, T, shape.headDim);
              const vd = dequantizePerChannel({ values: c.v8!, scales: data.vScale! }, B, shape.kvHeads, T, shape.valueHeadDim);
              entry.maxAbsDiff = maxAbsDiff(out, await referenceOutput(spec, data, threads, { k: kd, v: vd }));
              const quantError = maxAbsDiff(out, reference);
              let maxV = 0;
              for (const x of c.v as Float32Array) maxV = Math.max(maxV, Math.abs(x));
              const bound = int8OutputBound(data.q as Float32Array, shape.queryHeads, shape.kvHeads, spec.prompt, shape.headDim, B, data.kScale!, data.vScale!, maxV) + tol;
              entry.notes.push(`int8 KV (per-channel scales): max |diff| from the float cache ${quantError.toExponential(2)}, within the bound ${bound.toExponential(2)}; max|diff| is against the dequantised cache`);
              if (!(quantError <= bound)) throw new BenchError({ code: 'mismatch', message: `gqaInt8 ${label} at ${where} differs from the float cache by ${quantError.toExponential(3)}, beyond its quantisation bound ${bound.toExponential(3)}; nothing was timed.` });
            } else entry.maxAbsDiff = maxAbsDiff(out, reference);
            if (!(entry.maxAbsDiff <= tol)) {
              throw new BenchError({ code: 'mismatch', message: `${path} ${label} at ${where} (${spec.dtype}, ${ep}) differs from the reference by ${entry.maxAbsDiff.toExponential(3)} (tolerance ${tol}); nothing was timed.` });
            }
          }
        }
        step++;
        progress(`warming up at ${where}`);
        for (const t of timed) for (let i = 0; i < warmup; i++) await runOnce(t.session, t.args[i % t.args.length]!);
        step++;
        for (let round = 0; round < rounds; round++) {
          progress(`timing at ${where}: round ${round + 1} of ${rounds}`);
          // The yardstick runs right before every variant's run (the reduction) and once more at the
          // end of the round (the GEMV); the round's ceiling is the fastest of those reads, and each
          // variant's fraction is taken against its own round, so a busy spell hits both alike. On a
          // noisy machine the fastest read is the closest to what the memory allows: fractions err
          // low, never above 100% unless the yardstick itself is wrong.
          let roundCeiling = 0;
          // Alternate the order every round so slow drift (thermal, neighbours) hits every variant alike.
          const order = round % 2 === 0 ? timed : [...timed].reverse();
          for (const t of order) {
            if (yardstick) roundCeiling = Math.max(roundCeiling, await yardstick.gbps('reduce'));
            const args = t.args[(round + t.samples.length) % t.args.length]!;
            const start = process.hrtime.bigint();
            await runOnce(t.session, args);
            t.samples.push(Number(process.hrtime.bigint() - start) / 1e6);
          }
          if (yardstick) {
            roundCeiling = Math.max(roundCeiling, await yardstick.gbps('gemv'));
            allRoundCeilings.push(roundCeiling);
            for (const t of timed) t.roundCeilings.push(roundCeiling);
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
  } finally {
    await yardstick?.release();
  }
  markHeadlines(results);
  let noise: BenchReport['noise'];
  if (yardstick && allRoundCeilings.length > 0) {
    const read = timingStats(allRoundCeilings);
    ceilings.bandwidthGBps = read.medianMs;
    ceilings.bandwidthCv = read.cv;
    noise = noiseVerdict(
      results.map((r) => ({ label: `${r.variant.label} ${r.path} at ${r.phase === 'decode' ? `L=${r.context}` : `S=${r.prompt}`}`, fractionCv: r.fractionCv, above: r.ceilingFractions?.filter((f) => f > 1).length, headline: r.headline })),
      read.cv,
    );
    for (const bug of noise.aboveCeiling) notes.push(`YARDSTICK BUG: ${bug}. A kernel cannot stream memory faster than a native streaming read; the ceiling is wrong (too small a buffer, cached, or throttled): do not trust these fractions.`);
  }
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
    noise,
  };
}

async function measureCeilings(request: BenchRequest, ep: EpName, threads: number, llc: number, onProgress: ProgressSink, notes: string[]): Promise<{ ceilings: Ceilings; yardstick?: StreamReadCeiling }> {
  if (ep !== 'cpu') {
    if (request.devicePeaks) return { ceilings: { bandwidthGBps: request.devicePeaks.bandwidthGBps, computeGflops: request.devicePeaks.computeGflops, source: request.devicePeaks.source } };
    notes.push('No device peaks were given for this GPU run, so results carry no fraction of peak (set them to get one).');
    return { ceilings: { source: 'none: GPU peaks not given' } };
  }
  if (request.measureCeilings === false) return { ceilings: { source: 'not measured (turned off for this run)' } };
  onProgress({ fraction: 0, message: 'measuring the memory bandwidth (triad, context only)' });
  const triad = await measureTriad(llc, threads);
  onProgress({ fraction: 0, message: 'measuring the GEMM rate' });
  const gemm = await measureGemm(threads);
  onProgress({ fraction: 0, message: 'preparing the in-run streaming read' });
  const yardstick = await StreamReadCeiling.create(llc, threads);
  return {
    yardstick,
    ceilings: {
      computeGflops: gemm.gflops,
      triadGBps: triad.gbps,
      source:
        `bandwidth: a streaming read through onnxruntime in every round (ReduceSum over rows before every timed run and a GEMV [R,128]x[128,1] per round, ${(yardstick.bytes / 2 ** 20).toFixed(0)} MiB fp32, ${threads} threads; fastest read of each round; median over rounds); ` +
        `context: JavaScript STREAM triad ${triad.gbps.toFixed(1)} GB/s over 3 x ${(triad.arrayBytes / 2 ** 20).toFixed(0)} MiB (not a yardstick); compute: fp32 MatMul ${gemm.n}^3 through onnxruntime (${threads} threads, best of 3)`,
    },
  };
}

/**
 * A path's standing against the in-run ceiling: per-round fractions (bytes / that round's time,
 * over that round's read), their median and cv, and the median ceiling it was measured against.
 */
export function ceilingSummary(samplesMs: number[], bytes: number, roundCeilingsGBps: number[]): { fractions: number[]; median: number; cv: number; ceilingGBps: number } {
  const fractions = roundFractions(samplesMs.map((ms) => bytes / ms / 1e6), roundCeilingsGBps);
  const f = fractionStats(fractions);
  return { fractions, median: f.median, cv: f.cv, ceilingGBps: timingStats(roundCeilingsGBps).medianMs };
}

function summarise(timed: Timed[], ep: EpName, ceilings: Ceilings, llc: number, context: number): BenchResult[] {
  return timed.map((t) => {
    const stats = timingStats(t.samples);
    const flops = attentionFlops(t.spec);
    const bytes = minimumBytes(t.spec, kvElemBytes(t.spec, t.path));
    const seconds = stats.medianMs / 1e3;
    const achievedGBps = bytes / seconds / 1e9;
    let ceilingGBps = ceilings.bandwidthGBps;
    let bandwidthFraction = ceilingGBps ? achievedGBps / ceilingGBps : undefined;
    let ceilingFractions: number[] | undefined;
    let fractionCv: number | undefined;
    if (t.roundCeilings.length > 0) {
      const f = ceilingSummary(t.samples, bytes, t.roundCeilings);
      ceilingFractions = f.fractions;
      bandwidthFraction = f.median;
      fractionCv = f.cv;
      ceilingGBps = f.ceilingGBps;
    }
    const roof = rooflineMs(bytes, flops, ceilingGBps, ceilings.computeGflops);
    const cacheResident = ep === 'cpu' ? llc > 0 && t.touchedBytes * t.rotation < 2 * llc : t.touchedBytes < 128 << 20;
    const notes = [...t.notes];
    if (cacheResident) notes.push(ep === 'cpu' ? 'cache-resident: the rotated K/V set fits in the last-level cache, bandwidth is inflated' : 'K/V may fit in the GPU L2 cache: bandwidth may be inflated');
    if ((t.path === 'gqa' || t.path === 'gqaInt8') && ep === 'cpu') notes.push('present is internal to the session (only the output is fetched); the op writes it as a copy of past');
    if (t.path === 'gqa' && ep !== 'cpu' && t.spec.past > 0) notes.push('past baked on the device; present written to a second device buffer (implementation bytes count it)');
    return {
      ...stats,
      variant: { kvHeads: t.kvHeads, label: variantLabel(t.spec.shape.queryHeads, t.kvHeads), groupSize: t.spec.shape.queryHeads / t.kvHeads },
      path: t.path, phase: t.spec.phase, context, prompt: t.spec.prompt, batch: t.spec.batch, dtype: t.spec.dtype, ep,
      ...(t.path === 'gqaInt8' ? { kvDtype: 'int8' as const } : {}),
      flops, flopPerS: flops / seconds, tokensPerS: (t.spec.batch * t.spec.prompt) / seconds,
      bytes, implementationBytes: implementationBytes(t.spec, t.path, t.session.graph.sharesPresent),
      achievedGBps,
      ceilingGBps,
      bandwidthFraction,
      ceilingFractions,
      fractionCv,
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
  // The int8 cache is another dtype: it is compared with its own path's MHA, never made a headline.
  for (const r of results) if (!r.kvDtype && (!best.has(key(r)) || r.medianMs < best.get(key(r))!.medianMs)) best.set(key(r), r);
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
