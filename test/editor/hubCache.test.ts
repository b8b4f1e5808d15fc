/// <reference types="mocha" />
/**
 * Model ids answered from the Hugging Face cache whose snapshot holds safetensors, in the real editor: the hover
 * gets exact weights and the config-vs-weights check (src/extension/hub/models.ts `snapshotCheck`, the analysis
 * worker's weights request), as an open local config.json does; a snapshot with a shard not downloaded says so
 * and keeps the estimate. The cache is built here (test/support/fakeHub.ts cacheModel / cacheFiles), no Hub runs
 * (the endpoint points at a closed port). The config: 4 query heads, hidden size 256, so head size 64; k_proj
 * [128, 256] holds 128 / 64 = 2 KV heads.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { cacheFiles, cacheModel } from '../support/fakeHub';
import { indexJson, writeSafetensors, type FixtureTensor } from '../support/safetensors';
import { closeAll, hoverTexts, setSetting, waitFor } from './helpers';

const config = { model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 2, vocab_size: 1000, tie_word_embeddings: false, max_position_embeddings: 4096, torch_dtype: 'bfloat16' };

function tensors(layers = [0, 1]): FixtureTensor[] {
  const t: FixtureTensor[] = [];
  if (layers.includes(0)) t.push({ name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [1000, 256] }, { name: 'model.norm.weight', dtype: 'BF16', shape: [256] });
  if (layers.includes(1)) t.push({ name: 'lm_head.weight', dtype: 'BF16', shape: [1000, 256] });
  for (const i of layers) {
    const l = `model.layers.${i}.`;
    t.push(
      { name: `${l}self_attn.q_proj.weight`, dtype: 'BF16', shape: [256, 256] },
      { name: `${l}self_attn.k_proj.weight`, dtype: 'BF16', shape: [128, 256] },
      { name: `${l}self_attn.v_proj.weight`, dtype: 'BF16', shape: [128, 256] },
      { name: `${l}self_attn.o_proj.weight`, dtype: 'BF16', shape: [256, 256] },
      { name: `${l}input_layernorm.weight`, dtype: 'BF16', shape: [256] },
    );
  }
  return t;
}

/** Hovers `id` until a hover matches `re` (the check runs after the first answer), Markdown escapes undone. */
async function hoverUntil(document: vscode.TextDocument, id: string, re: RegExp, what: string): Promise<string> {
  const at = document.positionAt(document.getText().indexOf(id) + 2);
  return waitFor(what, async () => (await hoverTexts(document, at)).map((t) => t.replace(/\\([\\`*_{}\[\]()#+\-.!:|<>])/g, '$1')).find((t) => re.test(t)));
}

suite('hub ids from a cached snapshot with safetensors', () => {
  let cache: string;
  const saved = process.env.HF_HUB_CACHE;
  suiteSetup(async () => {
    await closeAll();
    cache = mkdtempSync(join(tmpdir(), 'kvlens-editor-hfckpt-'));
    process.env.HF_HUB_CACHE = cache;
    // Nothing listens on port 9 (discard): the cache must answer.
    await setSetting('hub.endpoint', 'http://127.0.0.1:9');
    const text = (c: object) => JSON.stringify(c, null, 2);
    cacheModel(cache, 'cache/ok', text(config));
    cacheFiles(cache, 'cache/ok', { 'model.safetensors': (blob) => writeSafetensors(blob, tensors()) });
    cacheModel(cache, 'cache/bad', text({ ...config, num_key_value_heads: 4 }));
    cacheFiles(cache, 'cache/bad', { 'model.safetensors': (blob) => writeSafetensors(blob, tensors()) });
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

  test('a shard not downloaded: said, and the weights stay an estimate', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'python', content: 'm = AutoModelForCausalLM.from_pretrained("cache/part")\n' });
    await vscode.window.showTextDocument(document);
    const text = await hoverUntil(document, 'cache/part', /only in part/, 'the partial-cache hover of cache/part');
    assert.match(text, /holds the checkpoint \(model\.safetensors\.index\.json \(2 shards\)\) only in part \(1 file missing or unreadable; first: .*model-00002-of-00002\.safetensors/);
    assert.match(text, /Weights: ~/);
  });
});
