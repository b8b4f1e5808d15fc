/**
 * "KV Lens: Benchmark Attention": pick EP, phase and contexts, run in the worker under a
 * cancellable progress notification (throttled to about one update a second; cancelling kills the
 * worker), and hand the report back as data for the panel. The command table and the panel wiring
 * live elsewhere; this module only needs a client and a store.
 */
import * as vscode from 'vscode';
import type { BenchClient } from '../../bench/client';
import { benchModelOf } from '../../bench/fromConfig';
import type { ModelDescription } from '../../core/types';
import { BenchError, type BenchErrorInfo, type BenchModel, type BenchReport, type BenchRequest, type EpChoice, type BenchPhase } from '../../shared/benchProtocol';
import { contextChoices, defaultContexts, defaultRequest } from './defaults';
import type { BenchResultStore, StoredRun } from './resultStore';
import { incrementTracker, Throttle } from './throttle';

/** The config to benchmark. */
export interface BenchmarkTarget {
  /** The document's URI, as a string: the key results are kept under. */
  configUri: string;
  /** The document's analysed model (unsaved edits included), as the document model already holds it. */
  model: ModelDescription;
  /** A short name for titles (the model folder or file name). */
  name: string;
}

/** How the command ended, for the caller to show in the panel. */
export type BenchmarkOutcome =
  | { status: 'done'; report: BenchReport; run: StoredRun }
  | { status: 'cancelled' }
  | { status: 'dismissed' }
  | { status: 'failed'; error: BenchErrorInfo };

/** Asks for EP, phase and contexts; undefined when the user dismissed a picker. */
export async function pickBenchmarkRequest(model: BenchModel, maxContext?: number): Promise<BenchRequest | undefined> {
  const ep = await vscode.window.showQuickPick(
    [
      { label: 'auto', description: 'the best that works here: CUDA, a GPU through WebGPU, else the CPU' },
      { label: 'cpu', description: 'onnxruntime CPU EP; ceilings measured in the same run' },
      { label: 'webgpu', description: 'Dawn: Vulkan / D3D12 / Metal' },
      { label: 'cuda', description: 'needs CUDA 12, cuDNN 9 and the onnxruntime CUDA provider' },
    ],
    { title: `Benchmark ${model.name}: execution provider` },
  );
  if (!ep) return undefined;
  const phase = await vscode.window.showQuickPick(
    [
      { label: 'decode', description: 'one new token against a cache of L tokens (memory-bound)' },
      { label: 'prefill', description: '512 prompt tokens, causal (compute-bound)' },
    ],
    { title: `Benchmark ${model.name}: phase` },
  );
  if (!phase) return undefined;
  let contexts: number[] | undefined;
  if (phase.label === 'decode') {
    const preset = new Set(defaultContexts(maxContext));
    const picked = await vscode.window.showQuickPick(
      contextChoices(maxContext).map((c) => ({ label: String(c), picked: preset.has(c) })),
      { title: `Benchmark ${model.name}: cache lengths`, canPickMany: true },
    );
    if (!picked || picked.length === 0) return undefined;
    contexts = picked.map((p) => Number(p.label));
  }
  return defaultRequest(model, { ep: ep.label as EpChoice, phase: phase.label as BenchPhase, contexts, maxContext });
}

/**
 * Runs the benchmark for `target`. Without `request`, asks the user with {@link pickBenchmarkRequest}.
 * Never throws for benchmark failures: they come back as `failed` (and are shown).
 */
export async function runBenchmarkCommand(target: BenchmarkTarget, client: BenchClient, store: BenchResultStore, request?: BenchRequest): Promise<BenchmarkOutcome> {
  let model: BenchModel;
  try {
    model = benchModelOf(target.model, target.name);
  } catch (error) {
    const info = error instanceof BenchError ? error.info : { code: 'invalid' as const, message: String(error) };
    void vscode.window.showErrorMessage(`KV Lens: ${info.message}`);
    return { status: 'failed', error: info };
  }
  const maxContext = target.model.maxContext?.value;
  const chosen = request ?? (await pickBenchmarkRequest(model, maxContext));
  if (!chosen) return { status: 'dismissed' };

  const abort = new AbortController();
  try {
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `KV Lens: benchmarking ${model.name}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => abort.abort());
        const increment = incrementTracker();
        const throttle = new Throttle<{ fraction: number; message: string }>((p) => progress.report({ increment: increment(p.fraction), message: p.message }));
        try {
          return await client.run(chosen, { signal: abort.signal, onProgress: (p) => throttle.push(p) });
        } finally {
          throttle.flush();
        }
      },
    );
    return { status: 'done', report, run: store.add(target.configUri, report) };
  } catch (error) {
    const info: BenchErrorInfo = error instanceof BenchError ? error.info : { code: 'internal', message: error instanceof Error ? error.message : String(error) };
    if (info.code === 'cancelled') return { status: 'cancelled' };
    void vscode.window.showErrorMessage(`KV Lens benchmark: ${info.message}${info.remedy ? ` To fix: ${info.remedy}` : ''}`);
    return { status: 'failed', error: info };
  }
}
