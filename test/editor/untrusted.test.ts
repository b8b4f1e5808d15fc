/// <reference types="mocha" />
/**
 * In a workspace the user has not trusted (run by the launcher in its own profile, workspace trust on):
 * analysis works - hover, diagnostics, the panel - and benchmarks, which run native code, refuse.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll, diagnosticsWhere, fixture, kvLensHover, open } from './helpers';

suite('untrusted workspace', () => {
  suiteTeardown(closeAll);

  test('the folder is not trusted', () => {
    assert.equal(vscode.workspace.isTrusted, false);
  });

  test('hover and diagnostics still work', async () => {
    const llama = await open('llama-3-8b/config.json');
    assert.match(await kvLensHover(llama, 'num_key_value_heads'), /262,144 B/);
    const broken = await open('broken/kv-heads-not-divisor/config.json');
    await diagnosticsWhere(broken.uri, 'including kv-lens.kv-heads-not-divisor', (codes) => codes.includes('kv-lens.kv-heads-not-divisor'));
  });

  test('the panel opens', async () => {
    await open('llama-3-8b/config.json');
    assert.equal(await vscode.commands.executeCommand<string | undefined>('kvLens.openPanel'), fixture('llama-3-8b/config.json').toString());
  });

  test('kvLens.runBenchmark refuses without running anything', async () => {
    const request = {
      model: { name: 'tiny', kind: 'GQA', queryHeads: 8, headDim: 16, valueHeadDim: 16, configuredKvHeads: 2 },
      variants: [8, 2],
      ep: 'cpu',
      phase: 'decode',
      contexts: [64],
      prompt: 1,
      batch: 1,
      dtype: 'fp32',
      paths: ['plain'],
      warmup: 1,
      rounds: 1,
      measureCeilings: false,
    };
    const outcome = await vscode.commands.executeCommand<{ status: string }>('kvLens.runBenchmark', fixture('llama-3-8b/config.json'), request);
    assert.equal(outcome.status, 'untrusted');
  });
});
