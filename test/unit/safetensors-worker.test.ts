/**
 * The editor's weights check in the analysis worker thread (src/analysis/weightsCheck.ts behind worker.ts):
 * headers read in the worker, cached per file size and mtime, findings located on the config's lines, hovers
 * on the compared fields. Figures by hand: a tiny Llama (hidden 128, 2 query heads of 64, 1 KV head, 1 layer).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { AnalysisWorkerClient } from '../../src/analysis/client';
import { CheckpointCache, checkWeights } from '../../src/analysis/weightsCheck';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { writeSafetensors, type FixtureTensor } from '../support/safetensors';

const dir = mkdtempSync(join(tmpdir(), 'kvlens-stw-'));
const client = new AnalysisWorkerClient();
after(() => {
  client.dispose();
  rmSync(dir, { recursive: true, force: true });
});

// q [128, 128], k and v [64, 128] (1 KV head x 64), o [128, 128]; embed and lm_head [100, 128].
const TENSORS: FixtureTensor[] = [
  { name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [100, 128] },
  { name: 'lm_head.weight', dtype: 'BF16', shape: [100, 128] },
  { name: 'model.layers.0.self_attn.q_proj.weight', dtype: 'BF16', shape: [128, 128] },
  { name: 'model.layers.0.self_attn.k_proj.weight', dtype: 'BF16', shape: [64, 128] },
  { name: 'model.layers.0.self_attn.v_proj.weight', dtype: 'BF16', shape: [64, 128] },
  { name: 'model.layers.0.self_attn.o_proj.weight', dtype: 'BF16', shape: [128, 128] },
];
const config = (kv: number) => JSON.stringify({ model_type: 'llama', hidden_size: 128, num_attention_heads: 2, num_key_value_heads: kv, num_hidden_layers: 1, vocab_size: 100, tie_word_embeddings: false }, null, 2);

function folder(name: string, text: string, withWeights = true): string {
  const f = join(dir, name);
  mkdirSync(f, { recursive: true });
  writeFileSync(join(f, 'config.json'), text);
  if (withWeights) writeSafetensors(join(f, 'model.safetensors'), TENSORS);
  return join(f, 'config.json');
}

describe('weights check in the analysis worker', () => {
  test('a KV-head mismatch: the finding on its line, a hover saying what was checked, exact weights', async () => {
    const text = config(2);
    const configPath = folder('mismatch', text);
    const r = await client.weights({ key: 'k', version: 3, configPath, text, settings: DEFAULT_SETTINGS });
    assert.equal(r.version, 3);
    assert.equal(r.source, 'model.safetensors');
    assert.deepEqual(r.findings.map((f) => f.code), ['kv-lens.weights-kv-heads']);
    const line = text.split('\n').findIndex((l) => l.includes('"num_key_value_heads"'));
    assert.equal(r.findings[0]!.lines.startLine, line);
    assert.match(r.findings[0]!.message, /k_proj\.weight is \[64, 128\]: 1 KV heads x 64, not 2/);
    // 2 x 12,800 + 2 x 16,384 + 2 x 8,192 = 74,752 parameters.
    assert.equal(r.exactWeights?.totalParams, 74_752);
    const kvHover = r.hovers.find((h) => text.slice(h.range.offset, h.range.offset + h.range.length) === '"num_key_value_heads": 2');
    assert.ok(kvHover, JSON.stringify(r.hovers));
    assert.match(kvHover.markdown, /checked against model\\\.safetensors/);
  });

  test('a consistent config: no finding, the hovers say it agrees', async () => {
    const text = config(1);
    const configPath = folder('ok', text);
    const r = await client.weights({ key: 'ok', version: 1, configPath, text, settings: DEFAULT_SETTINGS });
    assert.deepEqual(r.findings, []);
    assert.ok(r.hovers.length >= 3);
    assert.ok(r.hovers.every((h) => /Agrees with the weights \(1 layer of attention weights compared\)/.test(h.markdown)));
  });

  test('no checkpoint beside the config: nothing, no source', async () => {
    const text = config(1);
    const configPath = folder('none', text, false);
    const r = await client.weights({ key: 'n', version: 1, configPath, text, settings: DEFAULT_SETTINGS });
    assert.equal(r.source, undefined);
    assert.deepEqual([r.findings, r.hovers, r.errors], [[], [], []]);
  });

  test('a broken header: its error, naming the file', async () => {
    const text = config(1);
    const configPath = folder('broken', text, false);
    writeFileSync(join(dir, 'broken', 'model.safetensors'), Buffer.alloc(4));
    const r = await client.weights({ key: 'b', version: 1, configPath, text, settings: DEFAULT_SETTINGS });
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!, /broken\/model\.safetensors: header length: the file is 4 bytes/);
  });

  test('headers are cached per file size and mtime', async () => {
    const text = config(1);
    const configPath = folder('cache', text);
    const cache = new CheckpointCache();
    const request = { key: 'c', version: 1, configPath, text, settings: DEFAULT_SETTINGS };
    await checkWeights(request, cache);
    await checkWeights(request, cache);
    assert.equal(cache.reads, 1);
    const later = new Date(Date.now() + 10_000);
    utimesSync(join(dir, 'cache', 'model.safetensors'), later, later);
    await checkWeights(request, cache);
    assert.equal(cache.reads, 2);
  });
});
