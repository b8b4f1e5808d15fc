/// <reference types="mocha" />
/**
 * Model ids answered from the Hugging Face cache whose snapshot holds safetensors, in the real editor: the hover
 * gets exact weights and the config-vs-weights check (src/extension/hub/models.ts `snapshotCheck`, the analysis
 * worker's weights request), as an open local config.json does; a snapshot with a shard not downloaded says so
 * and keeps the estimate; a GGUF-only repository (config.json recorded absent in `.no_exist`) answers from the
 * header of the file llama.cpp's `-hf id[:TAG]` would load, from the cache or from a loopback Hub by range
 * requests. The cache is built here (test/support/fakeHub.ts cacheModel / cacheFiles); the loopback Hub holds
 * only `hub/tiny-GGUF`, so every other id is the cache's. The config: 4 query heads, hidden size 256, so head size 64; k_proj
 * [128, 256] holds 128 / 64 = 2 KV heads.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { cacheFiles, cacheModel, fakeCommit, startFakeHub, type FakeHub } from '../support/fakeHub';
import { ggufHeader, str, u32, type GgufSpec } from '../support/ggufWriter';
import { indexJson, SMALL_LLAMA_CONFIG, smallLlamaTensors, writeRaw, writeSafetensors, type FixtureTensor } from '../support/safetensors';
import { closeAll, hoverTexts, setSetting, waitFor } from './helpers';

const config = SMALL_LLAMA_CONFIG;

const tensors = (layers = [0, 1]): FixtureTensor[] => smallLlamaTensors({ layers });

/**
 * A GGUF of a small Llama: 4 query heads, `kv` KV heads, embedding 256 (head size 64), 2 blocks, F16 tensors.
 * KV per token in llama.cpp's default f16 cache: 2 layers x 2 (K, V) x kv x 64 x 2 B = 512 x kv B.
 */
function tinyGguf(kv: number): GgufSpec {
  const F16 = 1;
  const tensors = [{ name: 'token_embd.weight', shape: [256, 1000], type: F16 }];
  for (let i = 0; i < 2; i++) tensors.push({ name: `blk.${i}.attn_q.weight`, shape: [256, 256], type: F16 }, { name: `blk.${i}.attn_k.weight`, shape: [256, 64 * kv], type: F16 }, { name: `blk.${i}.attn_v.weight`, shape: [256, 64 * kv], type: F16 });
  return {
    kv: [['general.architecture', str('llama')], ['llama.block_count', u32(2)], ['llama.context_length', u32(4096)], ['llama.embedding_length', u32(256)], ['llama.attention.head_count', u32(4)], ['llama.attention.head_count_kv', u32(kv)]],
    tensors,
  };
}
const sparseGguf = (spec: GgufSpec) => (blob: string) => {
  const { header, dataBytes } = ggufHeader(spec);
  writeRaw(blob, Buffer.from(header), header.length + dataBytes);
};

/** Hovers `id` until a hover matches `re` (the check runs after the first answer), Markdown escapes undone. */
async function hoverUntil(document: vscode.TextDocument, id: string, re: RegExp, what: string): Promise<string> {
  const at = document.positionAt(document.getText().indexOf(id) + 2);
  return waitFor(what, async () => (await hoverTexts(document, at)).map((t) => t.replace(/\\([\\`*_{}\[\]()#+\-.!:|<>])/g, '$1')).find((t) => re.test(t)));
}

suite('hub ids from the HF cache: snapshot safetensors and GGUF-only repos', () => {
  let cache: string;
  let hub: FakeHub;
  const saved = process.env.HF_HUB_CACHE;
  suiteSetup(async () => {
    await closeAll();
    cache = mkdtempSync(join(tmpdir(), 'kvlens-editor-hfckpt-'));
    process.env.HF_HUB_CACHE = cache;
    hub = await startFakeHub({ 'hub/tiny-GGUF': { files: { 'README.md': '# tiny', 'tiny-Q4_K_M.gguf': { gguf: ggufHeader(tinyGguf(2)) } } } });
    await setSetting('hub.endpoint', hub.url);
    const text = (c: object) => JSON.stringify(c, null, 2);
    cacheModel(cache, 'cache/ok', text(config));
    cacheFiles(cache, 'cache/ok', { 'model.safetensors': (blob) => writeSafetensors(blob, tensors()) });
    cacheModel(cache, 'cache/bad', text({ ...config, num_key_value_heads: 4 }));
    cacheFiles(cache, 'cache/bad', { 'model.safetensors': (blob) => writeSafetensors(blob, tensors()) });
    // GGUF-only: the cache records config.json as absent on the Hub (.no_exist); Q4_K_M with 2 KV heads, Q8_0 with 1.
    cacheModel(cache, 'cache/tiny-GGUF', undefined, { noExist: true });
    cacheFiles(cache, 'cache/tiny-GGUF', { 'tiny-Q8_0.gguf': sparseGguf(tinyGguf(1)), 'tiny-Q4_K_M.gguf': sparseGguf(tinyGguf(2)) });
    cacheModel(cache, 'cache/part', text(config));
    cacheFiles(cache, 'cache/part', {
      'model.safetensors.index.json': indexJson({ 'model-00001-of-00002.safetensors': tensors([0]), 'model-00002-of-00002.safetensors': tensors([1]) }),
      'model-00001-of-00002.safetensors': (blob) => writeSafetensors(blob, tensors([0])),
    });
  });
  suiteTeardown(async () => {
    await closeAll();
    await setSetting('hub.endpoint', undefined);
    if (saved === undefined) delete process.env.HF_HUB_CACHE;
    else process.env.HF_HUB_CACHE = saved;
    await hub.close();
    rmSync(cache, { recursive: true, force: true });
  });

  test('a consistent snapshot: exact weights, checked, no finding', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'python', content: 'm = AutoModelForCausalLM.from_pretrained("cache/ok")\n' });
    await vscode.window.showTextDocument(document);
    const text = await hoverUntil(document, 'cache/ok', /Checked against/, 'the checked hover of cache/ok');
    assert.match(text, /Checked against model\.safetensors in the Hugging Face cache: the config agrees with the weights/);
    // 905,984 parameters (embeddings and lm_head 2 x 256,000, norms, 2 layers of 196,864), 2 bytes each.
    assert.match(text, /Weights: 906\.0k parameters, .*\(exact, from model\.safetensors\)/);
  });

  test('num_key_value_heads 4 against k_proj [128, 256]: the finding in the hover', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'yaml', content: 'model: cache/bad\n' });
    await vscode.window.showTextDocument(document);
    const text = await hoverUntil(document, 'cache/bad', /Checked against/, 'the checked hover of cache/bad');
    assert.match(text, /1 finding/);
    assert.match(text, /kv-lens\.weights-kv-heads/);
    assert.match(text, /k_proj\.weight is \[128, 256\]: 2 KV heads x 64, not 4/);
  });

  test('a GGUF-only id: the header of the Q4_K_M file answers the hover; -hf id:Q8_0 picks the other', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'shellscript', content: 'vllm serve cache/tiny-GGUF\nllama-server -hf cache/tiny-GGUF:Q8_0 -c 8192\n' });
    await vscode.window.showTextDocument(document);
    const text = await hoverUntil(document, 'cache/tiny-GGUF', /GGUF header/, 'the GGUF hover of cache/tiny-GGUF');
    assert.match(text, /no config\.json; the GGUF header of tiny-Q4_K_M\.gguf, commit `a{12}`, from the Hugging Face cache/);
    assert.match(text, /4 query heads share 2 KV heads: 2 groups of 2/);
    assert.match(text, /1,024 B/); // 512 x 2 KV heads
    // Embeddings 256 x 1000 = 256,000; per block q 65,536, k and v 256 x 128 = 32,768 each: 256,000 + 2 x 131,072 = 518,144.
    assert.match(text, /Weights: 518\.1k parameters, .*exact, from the tensor infos/);
    const at = document.positionAt(document.getText().indexOf('cache/tiny-GGUF:Q8_0') + 3);
    const q8 = await waitFor('the Q8_0 hover', async () => (await hoverTexts(document, at)).map((t) => t.replace(/\\([\\`*_{}\[\]()#+\-.!:|<>])/g, '$1')).find((t) => /tiny-Q8_0\.gguf/.test(t)));
    assert.match(q8, /all 4 query heads share 1 KV head/);
    assert.match(q8, /512 B/);
  });

  test('a GGUF-only id on the Hub: its header by range requests answers the hover', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'python', content: 'repo_id = "hub/tiny-GGUF"\n' });
    await vscode.window.showTextDocument(document);
    const text = await hoverUntil(document, 'hub/tiny-GGUF', /GGUF header/, 'the Hub GGUF hover of hub/tiny-GGUF');
    assert.ok(text.includes(`the GGUF header of tiny-Q4_K_M.gguf, commit \`${fakeCommit('hub/tiny-GGUF').slice(0, 12)}\`, from the Hub (${hub.url}), header only, by range requests`), text);
    assert.match(text, /1,024 B/);
    const gets = hub.requests.filter((r) => r.path.endsWith('.gguf'));
    assert.ok(gets.length > 0 && gets.every((r) => r.range !== undefined));
  });

  test('"Analyze Hub Model" on a cached GGUF-only id opens the cached file in the GGUF editor', async () => {
    const uri = await vscode.commands.executeCommand<string | undefined>('kvLens.analyzeHubModel', 'cache/tiny-GGUF');
    assert.ok(uri?.endsWith('/snapshots/' + 'a'.repeat(40) + '/tiny-Q4_K_M.gguf'), uri);
    await waitFor('the GGUF editor tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri));
  });

  test('a shard not downloaded: said, and the weights stay an estimate', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'python', content: 'm = AutoModelForCausalLM.from_pretrained("cache/part")\n' });
    await vscode.window.showTextDocument(document);
    const text = await hoverUntil(document, 'cache/part', /only in part/, 'the partial-cache hover of cache/part');
    assert.match(text, /holds the checkpoint \(model\.safetensors\.index\.json \(2 shards\)\) only in part \(1 file missing or unreadable; first: .*model-00002-of-00002\.safetensors/);
    assert.match(text, /Weights: ~/);
  });
});
