/// <reference types="mocha" />
/**
 * Model ids in the real editor. A loopback Hub (test/support/fakeHub.ts) started inside this extension host
 * serves the fixture Llama 3 8B config under `org/name`; `kvLens.hub.endpoint` points KV Lens at it, and
 * `HF_HUB_CACHE` (read by the extension host at each lookup) at a fake Hugging Face cache built here.
 * Expected figures from the fixture by hand: Llama 3 8B in fp32 caches 2 x 8 KV heads x 128 x 4 B x 32 layers
 * = 262,144 B per token, with 32 query heads in 8 groups of 4. Hover latencies are printed as figures.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { cacheModel, fakeCommit, startFakeHub, type FakeHub } from '../support/fakeHub';
import { closeAll, figure, fixture, hoverTexts, kvLensHover, setSetting, waitFor } from './helpers';

const TOKEN = 'hf_editor_test_token';

/** The position of `needle`'s middle in `document`. */
function inside(document: vscode.TextDocument, needle: string): vscode.Position {
  const offset = document.getText().indexOf(needle);
  assert.ok(offset >= 0, `${needle} not in the document`);
  return document.positionAt(offset + Math.floor(needle.length / 2));
}

/** Hovers until a hover matches `re` (the first hover of an id not yet fetched says "fetching"). */
async function hoverUntil(document: vscode.TextDocument, needle: string, re: RegExp, what: string): Promise<{ text: string; hovers: number; firstMs: number }> {
  let hovers = 0;
  let firstMs = -1;
  const text = await waitFor(what, async () => {
    const t0 = Date.now();
    const texts = await hoverTexts(document, inside(document, needle));
    if (firstMs < 0) firstMs = Date.now() - t0;
    hovers++;
    // Markdown escapes (`127\.0\.0\.1`) undone, so the tests read the words.
    return texts.map((t) => t.replace(/\\([\\`*_{}\[\]()#+\-.!:|<>])/g, '$1')).find((t) => re.test(t));
  });
  return { text, hovers, firstMs };
}

suite('hub model ids', () => {
  let hub: FakeHub;
  let cache: string;
  const saved = process.env.HF_HUB_CACHE;
  let llama: string;

  suiteSetup(async () => {
    await closeAll();
    llama = readFileSync(fixture('llama-3-8b/config.json').fsPath, 'utf8');
    hub = await startFakeHub({
      'org/name': { files: { 'config.json': llama } },
      'org/gated': { files: { 'config.json': llama }, gatedToken: TOKEN },
      // One BF16 tensor of 128256 x 4096: 525,336,576 parameters (525.3M), 1,050,673,152 bytes (1002 MiB), read from its header only.
      'org/weights': { files: { 'config.json': llama, 'model.safetensors': { safetensors: { embed: { dtype: 'BF16', shape: [128256, 4096] } } } } },
    });
    cache = mkdtempSync(join(tmpdir(), 'kvlens-editor-hfcache-'));
    process.env.HF_HUB_CACHE = cache;
    await setSetting('hub.endpoint', hub.url);
  });
  suiteTeardown(async () => {
    await closeAll();
    await setSetting('hub.endpoint', undefined);
    if (saved === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = saved;
    await hub.close().catch(() => undefined);
    rmSync(cache, { recursive: true, force: true });
  });

  test('from_pretrained("org/name") in a .py: the GQA summary served by the loopback Hub, revision and source', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'python', content: 'from transformers import AutoModelForCausalLM\nmodel = AutoModelForCausalLM.from_pretrained("org/name")\n' });
    await vscode.window.showTextDocument(document);
    const first = await hoverUntil(document, 'org/name', /GQA/, 'the Hub hover on org/name');
    assert.match(first.text, /\*\*org\/name\*\*: revision main, commit `[0-9a-f]{12}`/);
    assert.ok(first.text.includes(fakeCommit('org/name').slice(0, 12)));
    assert.match(first.text, /from the Hub \(http:\/\/127\.0\.0\.1:\d+\)/);
    assert.match(first.text, /32 query heads share 8 KV heads: 8 groups of 4/);
    assert.match(first.text, /262,144 B/);
    assert.match(first.text, /Open config\.json/);
    const t0 = Date.now();
    const again = await hoverTexts(document, inside(document, 'org/name'));
    const secondMs = Date.now() - t0;
    assert.ok(again.some((t) => /GQA/.test(t)));
    figure(`hub hover: first hover ${first.firstMs} ms (${first.hovers} hover${first.hovers > 1 ? 's' : ''} until the answer), second hover ${secondMs} ms`);
    // The model's Hub requests: info, probe, body, and the safetensors probes (none here); never repeated by the second hover.
    const count = hub.requests.length;
    await hoverTexts(document, inside(document, 'org/name'));
    assert.equal(hub.requests.length, count);
  });

  test('the config.json link opens a read-only virtual document that gets KV Lens hovers', async () => {
    const uri = vscode.Uri.from({ scheme: 'kv-lens-hub', path: '/org/name/config.json', query: fakeCommit('org/name') });
    await vscode.commands.executeCommand('kvLens.openHubConfig', uri.toString());
    const document = await waitFor('the virtual config.json', () => vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()));
    assert.equal(document.getText(), llama);
    const text = await kvLensHover(document, 'num_key_value_heads');
    assert.match(text, /262,144 B/);
  });

  test('exact weights from the safetensors header replace the estimate once read', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'python', content: 'llm = LLM(model="org/weights")\n' });
    await vscode.window.showTextDocument(document);
    const { text } = await hoverUntil(document, 'org/weights', /exact, from org\/weights@/, 'the exact weights');
    assert.match(text, /Weights: 525\.3M parameters, 1002 MiB \(exact, from org\/weights@[0-9a-f]{12} safetensors headers \(model\.safetensors\)\)/);
    assert.ok(hub.requests.filter((r) => r.path.endsWith('model.safetensors') && r.method === 'GET').every((r) => r.range !== undefined));
  });

  test('a gated model shows the gated message with the model page and the token command', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'shellscript', content: 'vllm serve org/gated --tensor-parallel-size 2\n' });
    await vscode.window.showTextDocument(document);
    const { text } = await hoverUntil(document, 'org/gated', /gated/, 'the gated message');
    assert.match(text, /org\/gated is a gated model/);
    assert.ok(text.includes(`Request access at ${hub.url}/org/gated`));
    assert.ok(text.includes(`[Request access on the model page](${hub.url}/org/gated)`));
    assert.match(text, /KV Lens: Set Hugging Face Token/);
  });

  test('a local folder where a model is expected is read from disk; prose a/b costs no request', async () => {
    const before = hub.requests.length;
    const sh = await vscode.workspace.openTextDocument({ language: 'shellscript', content: 'vllm serve ./llama-3-8b --max-model-len 8192\n' });
    await vscode.window.showTextDocument(sh);
    const { text } = await hoverUntil(sh, 'llama-3-8b', /GQA/, 'the local folder hover');
    assert.match(text, /the local config .*llama-3-8b\/config\.json/);
    assert.match(text, /262,144 B/);
    const md = await vscode.workspace.openTextDocument({ language: 'markdown', content: 'Input/output and TCP/IP are not models; neither is `text/plain`.\n' });
    await vscode.window.showTextDocument(md);
    for (const needle of ['Input/output', 'TCP/IP', 'text/plain']) {
      const texts = await hoverTexts(md, inside(md, needle));
      assert.deepEqual(texts.filter((t) => /KV|Hub|fetching/.test(t)), [], needle);
    }
    assert.equal(hub.requests.length, before, JSON.stringify(hub.requests.slice(before)));
  });

  test('with the server stopped: an id in the fake HF cache answers from the cache, in a YAML file', async () => {
    await hub.close();
    cacheModel(cache, 'cached/model', llama);
    const document = await vscode.workspace.openTextDocument({ language: 'yaml', content: 'model: cached/model\nrevision: main\n' });
    await vscode.window.showTextDocument(document);
    const { text, firstMs } = await hoverUntil(document, 'cached/model', /GQA/, 'the cache hover');
    const t0 = Date.now();
    await hoverTexts(document, inside(document, 'cached/model'));
    figure(`hub hover: id in the HF cache: first ${firstMs} ms, second ${Date.now() - t0} ms (executeHoverProvider round trip)`);
    assert.match(text, /from the Hugging Face cache/);
    assert.match(text, /commit `a{12}`/);
    assert.match(text, /262,144 B/);
    // org/name was fetched before: still answered with the Hub gone.
    const py = await vscode.workspace.openTextDocument({ language: 'python', content: 'x = AutoConfig.from_pretrained("org/name")\n' });
    assert.ok((await hoverTexts(py, inside(py, 'org/name'))).some((t) => /GQA/.test(t)));
  });

  test('"Analyze Hub Model" opens the panel for a Hub id', async () => {
    await closeAll();
    const uri = await vscode.commands.executeCommand<string | undefined>('kvLens.analyzeHubModel', 'cached/model');
    assert.equal(uri, vscode.Uri.from({ scheme: 'kv-lens-hub', path: '/cached/model/config.json', query: 'a'.repeat(40) }).toString());
    await waitFor('a KV Lens panel tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('kvLens.panel')));
  });
});
