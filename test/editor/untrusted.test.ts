/// <reference types="mocha" />
/**
 * In a workspace the user has not trusted (run by the launcher in its own profile, workspace trust on):
 * analysis works - hover, diagnostics, the panel, model-id hovers fetched from the Hub (public configs: JSON read,
 * nothing run; README "Any model on the Hub") - and benchmarks and conversions, which run native code, refuse.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { fakeCommit, startFakeHub } from '../support/fakeHub';
import { closeAll, diagnosticsWhere, fixture, hoverTexts, kvLensHover, open, setSetting, waitFor } from './helpers';

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

  test('a model-id hover fetches its config from the Hub (loopback) and answers, as in a trusted workspace', async () => {
    // Llama 3 8B's config (fp32 in the fixture): 2 x 8 KV heads x 128 x 4 B x 32 layers = 262,144 B per token.
    const hub = await startFakeHub({ 'org/untrusted': { files: { 'config.json': readFileSync(fixture('llama-3-8b/config.json').fsPath, 'utf8') } } });
    const saved = process.env.HF_HUB_CACHE;
    // An empty HF cache (a folder that does not exist): only the Hub can answer.
    process.env.HF_HUB_CACHE = `${fixture('llama-3-8b').fsPath}-no-hf-cache`;
    try {
      await setSetting('hub.endpoint', hub.url);
      const document = await vscode.workspace.openTextDocument({ language: 'python', content: 'model = AutoModelForCausalLM.from_pretrained("org/untrusted")\n' });
      await vscode.window.showTextDocument(document);
      const at = document.positionAt(document.getText().indexOf('org/untrusted') + 4);
      const text = await waitFor('the model-id hover from the loopback Hub', async () => (await hoverTexts(document, at)).find((t) => /GQA/.test(t)));
      assert.ok(text.includes(fakeCommit('org/untrusted').slice(0, 12)), text);
      assert.match(text, /262,144 B/);
      assert.ok(hub.requests.some((r) => r.path.startsWith('/api/models/org/untrusted')));
    } finally {
      await setSetting('hub.endpoint', undefined);
      if (saved === undefined) delete process.env.HF_HUB_CACHE;
      else process.env.HF_HUB_CACHE = saved;
      await hub.close();
    }
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
