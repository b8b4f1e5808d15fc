/**
 * The GPU decode sweep behind `scripts/bench-gpu.sh`: the WebGPU EP (Dawn on the Vulkan driver),
 * MHA / GQA-8 / MQA of a Llama-3-8B-shaped layer (32 query heads of 128), decode at L = 8k ... 128k,
 * batch 1 and 8, fp16 and fp32, each result as a fraction of the GPU's published HBM peak, written as
 * JSON to a file.
 *
 * - The adapter is the one the Vulkan loader created a device on: a probe child runs with
 *   VK_LOADER_DEBUG=driver and the loader's `Using "<device>" with driver: "<library>"` line
 *   (vkCreateDevice) names it. A software adapter (SwiftShader, llvmpipe, lavapipe) is refused unless
 *   `--allow-swiftshader` (a dry run of the script's mechanics, never a GPU figure).
 * - The peak comes from {@link HBM_PEAKS} keyed by that name, or `--peak-gbps`.
 * - The cache is resident on the GPU: the runner bakes K/V into the model as initializers, uploaded
 *   once at session creation (runner.ts, bakedCache); per run only Q goes up and the output comes
 *   down. That per-run transfer is measured apart ({@link measureTransferFloor}) and reported beside
 *   the results, not subtracted from them.
 * - Each (dtype, batch, context) is its own request, so one that does not fit (host memory for the
 *   baked model, or the time budget) is recorded with its reason and the others still run.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { BenchClient } from './client';
import { encodeModel, node, valueInfo } from './graphs/onnxBuilder';
import { sessionOptions } from './session';
import { parseCount, parseCountList } from '../core/sizes';
import { BenchError, type BenchDtype, type BenchReport, type BenchRequest, type DevicePeaks } from '../shared/benchProtocol';

/** Published peaks by adapter name (BENCHMARK-METHOD.md; vendor datasheets: HBM bandwidth, dense fp16/bf16 tensor rate). */
export const HBM_PEAKS: { match: RegExp; name: string; bandwidthGBps: number; computeGflops: number }[] = [
  { match: /\bH200\b/i, name: 'NVIDIA H200', bandwidthGBps: 4800, computeGflops: 989_000 },
  { match: /\bH100\b.*\bPCIe\b/i, name: 'NVIDIA H100 PCIe', bandwidthGBps: 2000, computeGflops: 756_000 },
  { match: /\bH100\b/i, name: 'NVIDIA H100 SXM', bandwidthGBps: 3350, computeGflops: 989_000 },
  { match: /\bA100\b/i, name: 'NVIDIA A100', bandwidthGBps: 2000, computeGflops: 312_000 },
  { match: /\bRTX 4090\b/i, name: 'NVIDIA GeForce RTX 4090', bandwidthGBps: 1008, computeGflops: 165_000 },
];

/** The published peak for an adapter name, or undefined when the table does not know it. */
export function peakFor(adapter: string): DevicePeaks | undefined {
  const hit = HBM_PEAKS.find((p) => p.match.test(adapter));
  return hit ? { bandwidthGBps: hit.bandwidthGBps, computeGflops: hit.computeGflops, source: `published ${hit.name} peak (HBM ${hit.bandwidthGBps} GB/s, dense fp16 ${hit.computeGflops / 1000} TFLOP/s)` } : undefined;
}

/** The device the Vulkan loader created (last `Using "<device>" with driver: "<library>"` line), if any. */
export function parseLoaderDevice(loaderLog: string): { device: string; driver: string } | undefined {
  let found: { device: string; driver: string } | undefined;
  for (const m of loaderLog.matchAll(/Using "([^"\n]+)" with driver: "([^"\n]+)"/g)) found = { device: m[1]!, driver: m[2]! };
  return found;
}

/** True for a CPU rasteriser posing as a GPU. */
export function isSoftwareAdapter(device: string, driver: string): boolean {
  return /swiftshader|llvmpipe|lavapipe|softpipe/i.test(`${device} ${driver}`);
}

/** The sweep's settings, from the command line. */
export interface GpuArgs {
  out: string;
  contexts: number[];
  batches: number[];
  dtypes: BenchDtype[];
  variants: number[];
  peakGbps?: number;
  allowSoftware: boolean;
  rounds: number;
  warmup: number;
  /** Wall-clock budget: requests not started by then are recorded as not run. */
  maxMinutes: number;
}

export const GPU_USAGE = `usage: scripts/bench-gpu.sh [--out FILE] [--contexts 8k,16k,32k,64k,128k] [--batches 1,8]
                          [--dtypes fp16,fp32] [--variants 32,8,1] [--peak-gbps N] [--rounds N] [--warmup N]
                          [--max-minutes N] [--allow-swiftshader]`;

/** Parses the sweep's flags; throws an Error naming the flag on a bad one. */
export function parseGpuArgs(argv: string[]): GpuArgs {
  const args: GpuArgs = { out: 'bench-gpu.json', contexts: [8192, 16384, 32768, 65536, 131072], batches: [1, 8], dtypes: ['fp16', 'fp32'], variants: [32, 8, 1], allowSoftware: false, rounds: 10, warmup: 10, maxMinutes: 12 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--allow-swiftshader') {
      args.allowSoftware = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case '--out': args.out = value; break;
      case '--contexts': args.contexts = parseCountList(flag, value, { max: 2 ** 24, suffix: true, maxItems: 16 }); break;
      case '--batches': args.batches = parseCountList(flag, value, { max: 1024, maxItems: 8 }); break;
      case '--variants':
        args.variants = parseCountList(flag, value, { max: 32, maxItems: 8 });
        for (const v of args.variants) if (32 % v !== 0) throw new Error(`--variants: ${v} does not divide 32 query heads`);
        break;
      case '--dtypes': {
        const dtypes = value.split(',');
        for (const d of dtypes) if (d !== 'fp16' && d !== 'fp32') throw new Error(`--dtypes: expected fp16 and/or fp32, got ${JSON.stringify(d)}`);
        args.dtypes = dtypes as BenchDtype[];
        break;
      }
      case '--peak-gbps': args.peakGbps = parseCount(flag, value, { max: 1e6 }); break;
      case '--rounds': args.rounds = parseCount(flag, value, { max: 10_000 }); break;
      case '--warmup': args.warmup = parseCount(flag, value, { min: 0, max: 10_000 }); break;
      case '--max-minutes': args.maxMinutes = parseCount(flag, value, { max: 600 }); break;
      default: throw new Error(`unknown flag ${flag}`);
    }
  }
  return args;
}

/** A graph of one Add on WebGPU: what a run costs without attention (Q up, output down, one dispatch). */
export async function measureTransferFloor(batch: number, dtype: BenchDtype, runs = 30): Promise<{ batch: number; dtype: BenchDtype; bytesUp: number; bytesDown: number; medianMs: number }> {
  const dims = [batch, 32, 1, 128];
  const elem = dtype === 'fp16' ? 'fp16' : 'fp32';
  const parts = { name: 'transfer', nodes: [node('Add', ['q', 'q'], ['out'])], inputs: [valueInfo('q', elem, dims)], outputs: [valueInfo('out', elem, dims)] };
  const session = await ort.InferenceSession.create(encodeModel(parts).model, { ...sessionOptions('webgpu', 1), logSeverityLevel: 4 });
  try {
    const n = batch * 32 * 128;
    const q = dtype === 'fp16' ? new ort.Tensor('float16', new Uint16Array(n), dims) : new ort.Tensor('float32', new Float32Array(n), dims);
    for (let i = 0; i < 5; i++) await session.run({ q });
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint();
      await session.run({ q });
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    const bytes = n * (dtype === 'fp16' ? 2 : 4);
    return { batch, dtype, bytesUp: bytes, bytesDown: bytes, medianMs: times[times.length >> 1]! };
  } finally {
    await session.release();
  }
}

/** Runs a WebGPU probe in a child with the loader's driver log on, and reads which device it created. */
export function detectAdapter(env: NodeJS.ProcessEnv = process.env): Promise<{ device: string; driver: string } | { error: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, __filename, '--probe-adapter'], { env: { ...env, VK_LOADER_DEBUG: 'driver' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-1_000_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const found = parseLoaderDevice(log);
      if (found && code === 0) resolve(found);
      else resolve({ error: found ? `the WebGPU probe exited with ${code}` : `the Vulkan loader created no device (probe exit ${code}): ${log.split('\n').filter((l) => /error|fail/i.test(l)).slice(-3).join(' | ').slice(0, 400) || 'no Vulkan driver found'}` });
    });
  });
}

/** One request of the sweep and what became of it. */
interface SweepEntry {
  dtype: BenchDtype;
  batch: number;
  context: number;
  report?: BenchReport;
  error?: { code: string; message: string };
}

async function sweep(args: GpuArgs): Promise<number> {
  const adapter = await detectAdapter();
  if ('error' in adapter) {
    console.error(`bench-gpu: ${adapter.error}`);
    return 1;
  }
  const software = isSoftwareAdapter(adapter.device, adapter.driver);
  if (software && !args.allowSoftware) {
    console.error(`bench-gpu: the WebGPU adapter is ${adapter.device} (${adapter.driver}), a software rasteriser: refused. Point VK_DRIVER_FILES at the NVIDIA ICD (nvidia_icd.json), or pass --allow-swiftshader for a dry run of the script alone.`);
    return 1;
  }
  const peak = args.peakGbps !== undefined ? { bandwidthGBps: args.peakGbps, computeGflops: peakFor(adapter.device)?.computeGflops ?? 1e9, source: `--peak-gbps ${args.peakGbps}` } : peakFor(adapter.device);
  if (!peak && !software) {
    console.error(`bench-gpu: no published peak for ${JSON.stringify(adapter.device)} in the table (${HBM_PEAKS.map((p) => p.name).join(', ')}): pass --peak-gbps N.`);
    return 1;
  }
  console.error(`bench-gpu: adapter ${adapter.device} (${adapter.driver})${software ? ' [SOFTWARE: dry run, no GPU figures]' : ''}; peak ${peak?.source ?? 'none (dry run)'}`);
  const deadline = Date.now() + args.maxMinutes * 60_000;
  const transfers: (Awaited<ReturnType<typeof measureTransferFloor>> | { batch: number; dtype: BenchDtype; error: string })[] = [];
  for (const dtype of args.dtypes)
    for (const batch of args.batches) {
      try {
        transfers.push(await measureTransferFloor(batch, dtype));
      } catch (error) {
        // e.g. no shader-f16 on this adapter: recorded, and the attention runs say the same for themselves.
        transfers.push({ batch, dtype, error: (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300) });
      }
    }
  const entries: SweepEntry[] = [];
  const client = new BenchClient();
  try {
    for (const dtype of args.dtypes)
      for (const batch of args.batches)
        for (const context of args.contexts) {
          if (Date.now() > deadline) {
            entries.push({ dtype, batch, context, error: { code: 'budget', message: `not run: the ${args.maxMinutes}-minute budget was spent` } });
            continue;
          }
          const request: BenchRequest = {
            model: { name: 'Llama-3-8B layer', kind: 'GQA', queryHeads: 32, headDim: 128, valueHeadDim: 128, configuredKvHeads: 8 },
            variants: args.variants, ep: 'webgpu', phase: 'decode', contexts: [context], prompt: 1, batch, dtype,
            paths: ['gqa', 'attention', 'grouped', 'groupedVt'], warmup: args.warmup, rounds: args.rounds,
            ...(peak ? { devicePeaks: peak } : {}),
          };
          console.error(`bench-gpu: ${dtype} batch ${batch} L=${context}`);
          try {
            const report = await client.run(request);
            report.provenance.adapter = adapter.device;
            entries.push({ dtype, batch, context, report });
            if (report.results.length === 0) console.error(`  nothing ran: ${report.skipped.map((k) => `${k.path}/${k.kvHeads}: ${k.reason}`).slice(0, 2).join('; ')}`);
            for (const r of report.results.filter((x) => x.headline)) console.error(`  ${r.variant.label} (${r.path}): ${r.medianMs.toFixed(3)} ms, ${r.achievedGBps.toFixed(0)} GB/s${r.bandwidthFraction !== undefined ? ` = ${(r.bandwidthFraction * 100).toFixed(1)}% of peak` : ''}${r.speedupVsMha !== undefined && r.variant.groupSize > 1 ? `, ${r.speedupVsMha.toFixed(2)}x MHA` : ''}`);
          } catch (error) {
            const info = error instanceof BenchError ? error.info : { code: 'internal', message: error instanceof Error ? error.message : String(error) };
            entries.push({ dtype, batch, context, error: { code: info.code, message: info.message } });
            console.error(`  not run: ${info.message}`);
          }
        }
  } finally {
    client.dispose();
  }
  const out = {
    tool: 'kv-lens scripts/bench-gpu.sh',
    date: new Date().toISOString(),
    adapter: { ...adapter, software },
    peak: peak ?? null,
    cacheResidency: 'K/V baked into each model as initializers: uploaded once at session creation, read in place on the GPU; per run only Q is uploaded and the output downloaded',
    transferFloor: transfers,
    args,
    runs: entries,
  };
  writeFileSync(args.out, JSON.stringify(out, null, 2) + '\n');
  console.error(`bench-gpu: wrote ${args.out} (${entries.filter((e) => e.report).length} of ${entries.length} runs)`);
  return entries.some((e) => e.report) ? 0 : 1;
}

async function probeAdapter(): Promise<void> {
  const parts = { name: 'probe', nodes: [node('Add', ['a', 'a'], ['b'])], inputs: [valueInfo('a', 'fp32', [4])], outputs: [valueInfo('b', 'fp32', [4])] };
  const session = await ort.InferenceSession.create(encodeModel(parts).model, sessionOptions('webgpu', 1));
  const out = await session.run({ a: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4), [4]) });
  await session.release();
  if ((out.b!.data as Float32Array)[3] !== 8) throw new Error('the WebGPU probe computed a wrong sum');
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--probe-adapter') {
    probeAdapter().then(() => process.exit(0), (error) => {
      console.error(`probe failed: ${error instanceof Error ? error.message : error}`);
      process.exit(1);
    });
  } else if (argv.includes('-h') || argv.includes('--help')) {
    console.log(GPU_USAGE);
  } else {
    let args: GpuArgs;
    try {
      args = parseGpuArgs(argv);
    } catch (error) {
      console.error(`bench-gpu: ${error instanceof Error ? error.message : error}\n${GPU_USAGE}`);
      process.exit(2);
    }
    sweep(args).then((code) => process.exit(code), (error) => {
      console.error(`bench-gpu: ${error instanceof Error ? error.stack : error}`);
      process.exit(1);
    });
  }
}
