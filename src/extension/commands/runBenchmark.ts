/**
 * "Run Attention Benchmark": measures the active model config's attention variants in the benchmark
 * worker (a child process, started on first use) and shows the results in the panel. Needs a trusted
 * workspace: it runs native code on the user's machine.
 */
import * as vscode from 'vscode';
import { BenchClient } from '../../bench/client';
import type { BenchRequest } from '../../shared/benchProtocol';
import { BenchResultStore } from '../bench/resultStore';
import { runBenchmarkCommand } from '../bench/runBenchmarkCommand';
import type { BenchmarkOutcome } from '../bench/runBenchmarkCommand';
import { toPanelRun } from '../panel/benchToPanel';
import type { Services } from '../services';
import { targetDocument } from './target';

/** The worker client and the results of this activation; created on the first benchmark. */
export class Benchmarks implements vscode.Disposable {
  private client: BenchClient | undefined;
  readonly store = new BenchResultStore();

  /** The client, started lazily: most sessions never benchmark. */
  get worker(): BenchClient {
    return (this.client ??= new BenchClient());
  }

  dispose(): void {
    this.client?.dispose();
    this.client = undefined;
  }
}

/** A benchmark outcome, or why none ran. */
export type RunBenchmarkResult = BenchmarkOutcome | { status: 'untrusted' } | { status: 'not-a-model-config' };

/**
 * Runs the benchmark for the given or active document; `request` skips the pickers (tests, the panel).
 * On success the results go to the config's panel, opened if needed.
 */
export async function runBenchmark(services: Services, benchmarks: Benchmarks, arg?: unknown, request?: BenchRequest): Promise<RunBenchmarkResult> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('KV Lens: benchmarks run native code, so they need a trusted workspace. Analysis works without trust.');
    return { status: 'untrusted' };
  }
  const document = await targetDocument(arg);
  // The model as the document model analysed it (in the worker for large files): no second parse here.
  const view = document ? await services.documents.view(document) : undefined;
  if (!document || !view?.isModelConfig) {
    void vscode.window.showInformationMessage('KV Lens: open a model config.json to benchmark its attention.');
    return { status: 'not-a-model-config' };
  }
  const name = document.uri.path.split('/').filter(Boolean).slice(-2).join('/');
  const model = view.model;
  if (!model) {
    const message = `${name}: ${view.error ?? 'no attention fields to benchmark'}`;
    void vscode.window.showErrorMessage(`KV Lens: ${message}`);
    return { status: 'failed', error: { code: 'invalid', message } };
  }
  const outcome = await runBenchmarkCommand({ configUri: document.uri.toString(), model, name }, benchmarks.worker, benchmarks.store, request);
  if (outcome.status === 'done') {
    services.panels.showBenchmarkResults(document.uri, toPanelRun(outcome.report));
  }
  services.log.info(`benchmark of ${document.uri.toString()}: ${outcome.status}`);
  return outcome;
}
