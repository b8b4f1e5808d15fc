/// <reference types="mocha" />
/**
 * In a workspace the user has not trusted (run by the launcher in its own profile, workspace trust on):
 * analysis works - hover, diagnostics, the panel - and benchmarks and conversions, which run native code, refuse.
 */
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
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

  test('kvLens.convertToGqa is disabled in the UI and refuses without writing anything', async () => {
    const command = (vscode.extensions.getExtension('kv-lens.kv-lens')?.packageJSON as { contributes: { commands: { command: string; enablement?: string }[] } }).contributes.commands.find((c) => c.command === 'kvLens.convertToGqa');
    assert.equal(command?.enablement, 'isWorkspaceTrusted');
    const outcome = await vscode.commands.executeCommand<{ status: string }>('kvLens.convertToGqa', fixture('llama-3-8b/config.json'), { kvHeads: 4, method: 'mean', out: fixture('llama-3-8b-kv4').fsPath });
    assert.equal(outcome.status, 'untrusted');
    assert.equal(existsSync(fixture('llama-3-8b-kv4').fsPath), false);
  });
});
