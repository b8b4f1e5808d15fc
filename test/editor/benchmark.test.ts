/// <reference types="mocha" />
/**
 * `kvLens.runBenchmark` with a request (the pickers skipped): a tiny CPU decode run in the benchmark worker
 * (onnxruntime-node in a child process of the extension host) completes with timings, and the results
 * land in the config's panel.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll, fixture, open, waitFor } from './helpers';

/** The fields of the command's outcome the test reads. */
interface Outcome {
  status: string;
  error?: { code: string; message: string };
  report?: {
    results: { variant: { kvHeads?: number }; path: string; ep: string; context: number; medianMs?: number; tokensPerS: number }[];
    skipped: unknown[];
  };
}

suite('benchmark', () => {
  suiteTeardown(closeAll);

  test('a tiny CPU decode benchmark of 3 groupings x 2 paths completes with timings and opens the panel', async function () {
    this.timeout(180_000);
    const uri = fixture('llama-3-8b/config.json');
    await open('llama-3-8b/config.json');
    assert.equal(vscode.workspace.isTrusted, true, 'benchmarks need a trusted workspace');
    // Llama's grouping (4 query heads per KV head) at a tiny size: 8 query heads, head size 16.
    const request = {
      model: { name: 'llama-3-8b (tiny shape)', kind: 'GQA', queryHeads: 8, headDim: 16, valueHeadDim: 16, configuredKvHeads: 2 },
      variants: [8, 2, 1],
      ep: 'cpu',
      phase: 'decode',
      contexts: [64],
      prompt: 1,
      batch: 1,
      dtype: 'fp32',
      paths: ['gqa', 'plain'],
      warmup: 2,
      rounds: 3,
      measureCeilings: false,
    };
    const outcome = await vscode.commands.executeCommand<Outcome>('kvLens.runBenchmark', uri, request);
    assert.equal(outcome.status, 'done', `benchmark ended ${outcome.status}: ${outcome.error?.message ?? ''}`);
    const results = outcome.report?.results ?? [];
    assert.equal(results.length + (outcome.report?.skipped.length ?? 0), 6, 'every variant x path is timed or reported as skipped');
    assert.ok(results.length >= 3, `only ${results.length} timed results`);
    for (const r of results) {
      assert.equal(r.ep, 'cpu');
      assert.equal(r.context, 64);
      assert.ok(r.tokensPerS > 0 && Number.isFinite(r.tokensPerS), `tokens/s ${r.tokensPerS}`);
    }
    await waitFor('the KV Lens panel to show the results', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('kvLens.panel')),
    );
  });
});
