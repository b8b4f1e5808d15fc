/**
 * Where a path's time goes: onnxruntime's own profile (enableProfiling + profileFilePrefix, a Chrome
 * trace JSON of kernel times) set against the wall time of `session.run()` from JavaScript, and the
 * graph after onnxruntime's optimisations (optimizedModelFilePath), so a layout change is decided
 * from what the kernels did (BENCHMARK-METHOD.md; the issue's first attribute). Used by
 * scripts/bench-profile.ts; pure parsing is exported for the tests.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import type { BenchPath } from '../shared/benchProtocol';
import { makeHostData } from './data';
import { BUILDERS } from './graphs/builders';
import type { GraphSpec } from './graphs/spec';
import { timingStats } from './metrics';
import { createSession, runArgs, runOnce } from './session';

/** One node's share of a run. */
export interface NodeTime {
  node: string;
  op: string;
  /** Mean kernel time per run, microseconds. */
  meanUs: number;
}

/** A profile, digested. */
export interface ProfileSummary {
  /** Median wall time of `session.run()` seen from JavaScript, ms. */
  wallMs: number;
  /** Median `model_run` time onnxruntime recorded, ms (the session alone, no binding). */
  modelRunMs: number;
  /** Sum of the mean kernel times, ms. */
  kernelMs: number;
  nodes: NodeTime[];
  /** The optimised graph, one line per node: `op(domain) inputs -> outputs {attributes}`. */
  optimizedGraph: string[];
}

/** A Chrome-trace event as onnxruntime writes it. */
interface TraceEvent {
  cat?: string;
  name?: string;
  dur?: number;
  args?: { op_name?: string };
}

/**
 * Digests onnxruntime's trace: `Node` events named `<node>_kernel_time` (µs, one per run per node)
 * and `Session` events named `model_run`. The first `skipRuns` model runs (warm-up) are dropped, and
 * kernel events are kept only from the last `runs` occurrences of each node.
 */
export function digestProfile(events: TraceEvent[], runs: number): { modelRunMs: number; nodes: NodeTime[] } {
  const modelRuns = events.filter((e) => e.cat === 'Session' && e.name === 'model_run' && typeof e.dur === 'number').map((e) => e.dur! / 1e3);
  const perNode = new Map<string, { op: string; durs: number[] }>();
  for (const e of events) {
    if (e.cat !== 'Node' || typeof e.dur !== 'number' || !e.name?.endsWith('_kernel_time')) continue;
    const name = e.name.slice(0, -'_kernel_time'.length);
    const entry = perNode.get(name) ?? { op: e.args?.op_name ?? '?', durs: [] };
    entry.durs.push(e.dur);
    perNode.set(name, entry);
  }
  const nodes = [...perNode.entries()].map(([node, { op, durs }]) => {
    const last = durs.slice(-runs);
    return { node, op, meanUs: last.reduce((a, b) => a + b, 0) / Math.max(1, last.length) };
  });
  nodes.sort((a, b) => b.meanUs - a.meanUs);
  const kept = modelRuns.slice(-runs);
  return { modelRunMs: kept.length ? timingStats(kept).medianMs : NaN, nodes };
}

/** One line per node of a model: `op(domain) inputs -> outputs {int/float attributes}`. */
export function describeGraph(model: Uint8Array): string[] {
  const decoded = onnx.ModelProto.decode(model);
  return (decoded.graph?.node ?? []).map((n) => {
    const attrs = (n.attribute ?? [])
      .map((a) => {
        if (a.type === onnx.AttributeProto.AttributeType.FLOAT) return `${a.name}=${a.f}`;
        if (a.type === onnx.AttributeProto.AttributeType.INT) return `${a.name}=${a.i}`;
        if (a.type === onnx.AttributeProto.AttributeType.INTS) return `${a.name}=[${(a.ints ?? []).join(',')}]`;
        if (a.type === onnx.AttributeProto.AttributeType.STRING) return `${a.name}=${new TextDecoder().decode(a.s ?? new Uint8Array())}`;
        return a.name;
      })
      .join(' ');
    return `${n.opType}${n.domain ? `(${n.domain})` : ''} ${(n.input ?? []).join(',')} -> ${(n.output ?? []).join(',')}${attrs ? ` {${attrs}}` : ''}`;
  });
}

/** Profiles `runs` runs of one path (after `warmup`) on the CPU EP. */
export async function profilePath(path: BenchPath, spec: GraphSpec, threads: number, warmup: number, runs: number): Promise<ProfileSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'kv-lens-profile-'));
  try {
    const layouts = { vt: path === 'groupedVt', int8: path === 'gqaInt8' };
    const data = makeHostData(spec, 1, layouts);
    const optimized = join(dir, 'optimized.onnx');
    const gs = await createSession(BUILDERS[path](spec), spec, 'cpu', threads, { profilePrefix: join(dir, 'profile'), optimizedModelPath: optimized });
    try {
      const args = runArgs(gs, data, data.caches[0]!);
      for (let i = 0; i < warmup; i++) await runOnce(gs, args);
      const wall: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        await runOnce(gs, args);
        wall.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      gs.session.endProfiling();
      const file = readdirProfile(dir);
      const { modelRunMs, nodes } = digestProfile(JSON.parse(readFileSync(file, 'utf8')) as TraceEvent[], runs);
      return { wallMs: timingStats(wall).medianMs, modelRunMs, kernelMs: nodes.reduce((s, n) => s + n.meanUs, 0) / 1e3, nodes, optimizedGraph: describeGraph(readFileSync(optimized)) };
    } finally {
      await gs.session.release();
      gs.cleanup();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readdirProfile(dir: string): string {
  const file = readdirSync(dir).find((e) => e.startsWith('profile') && e.endsWith('.json'));
  if (!file) throw new Error('onnxruntime wrote no profile file');
  return join(dir, file);
}
