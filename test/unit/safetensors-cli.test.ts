/**
 * `kv-lens analyze` on checkpoint folders: a fresh CLI bundle run on folders this test writes (config.json +
 * model.safetensors or an index and shards, zero data). Figures by hand: a tiny Llama, hidden 256, 4 query heads
 * of 64, 2 KV heads, 2 layers, vocabulary 1000, untied.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildCli, jsonLines, runCli } from '../support/cli';
import { indexJson, safetensorsHeader, SMALL_LLAMA_CONFIG, smallLlamaTensors, writeRaw, writeSafetensors, type FixtureTensor } from '../support/safetensors';

const dir = mkdtempSync(join(tmpdir(), 'kvlens-stcli-'));
let cli = '';
before(async () => {
  cli = await buildCli(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const config = SMALL_LLAMA_CONFIG;

/** embed [1000, 256], lm_head [1000, 256], norm [256]; per layer q [256, 256], k and v [kvRows, 256], o [256, 256], norm [256]. */
const tensors = (kvRows = 128): FixtureTensor[] => smallLlamaTensors({ kvRows });

function folder(name: string, cfg: object, files: Record<string, FixtureTensor[]>, index?: string): string {
  const f = join(dir, name);
  mkdirSync(f, { recursive: true });
  writeFileSync(join(f, 'config.json'), JSON.stringify(cfg, null, 2));
  for (const [file, ts] of Object.entries(files)) writeSafetensors(join(f, file), ts);
  if (index !== undefined) writeFileSync(join(f, 'model.safetensors.index.json'), index);
  return f;
}

describe('kv-lens analyze FOLDER with safetensors', () => {
  test('a consistent checkpoint: exact weights, no finding, exit 0', () => {
    const f = folder('ok', config, { 'model.safetensors': tensors() });
    const r = runCli(cli, ['analyze', f, '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const [j] = jsonLines(r.stdout) as [Record<string, any>];
    // embed + lm_head 2 x 256,000; norms 3 x 256; per layer 65,536 + 2 x 32,768 + 65,536 = 196,608: 905,984 in all.
    assert.equal(j.weights.totalParams, 905_984);
    assert.equal(j.weights.bytes, 905_984 * 2);
    assert.equal(j.weights.exact, true);
    assert.equal(j.weights.source, 'model.safetensors');
    assert.deepEqual(j.findings, []);
    assert.ok(j.notes.some((n: string) => /^Checked against model\.safetensors: 13 tensors, 2 layers of attention weights compared/.test(n)), j.notes.join('\n'));
  });

  test('num_key_value_heads 4 against k_proj [128, 256] (2 heads x 64): the finding on the field, exit 1', () => {
    const f = folder('kv', { ...config, num_key_value_heads: 4 }, { 'model.safetensors': tensors() });
    const r = runCli(cli, ['analyze', join(f, 'config.json'), '--json']);
    assert.equal(r.code, 1, r.stderr);
    const [j] = jsonLines(r.stdout) as [Record<string, any>];
    const w = j.findings.filter((x: any) => x.code === 'kv-lens.weights-kv-heads');
    assert.equal(w.length, 1, JSON.stringify(j.findings));
    assert.equal(w[0].field, 'num_key_value_heads');
    const line = JSON.stringify({ ...config, num_key_value_heads: 4 }, null, 2).split('\n').findIndex((l) => l.includes('"num_key_value_heads"')) + 1;
    assert.equal(w[0].line, line);
    assert.equal(w[0].message, 'model.layers.0.self_attn.k_proj.weight is [128, 256]: 2 KV heads x 64, not 4 (and 1 more layer); checked against model.safetensors.');
    // Table mode prints it too.
    const t = runCli(cli, ['analyze', f]);
    assert.match(t.stdout, new RegExp(`config\\.json:${line}:\\d+ error`));
    assert.match(t.stdout, /error kv-lens\.weights-kv-heads: model\.layers\.0\.self_attn\.k_proj\.weight is \[128, 256\]/);
  });

  test('a sharded checkpoint with a missing shard: the config is reported, the shard named, exit 1', () => {
    const all = tensors();
    const s1 = all.slice(0, 8);
    const s2 = all.slice(8);
    const idx = indexJson({ 'model-00001-of-00002.safetensors': s1, 'model-00002-of-00002.safetensors': s2 });
    const f = folder('missing', config, { 'model-00001-of-00002.safetensors': s1 }, idx);
    const r = runCli(cli, ['analyze', f, '--json']);
    assert.equal(r.code, 1);
    const lines = jsonLines(r.stdout) as Record<string, any>[];
    assert.equal(lines.length, 2);
    assert.equal(lines[0]!.weights.exact, false, 'an incomplete checkpoint is not exact');
    assert.equal(lines[1]!.file, join(f, 'model-00002-of-00002.safetensors'));
    assert.match(lines[1]!.error, /no such file/);
    assert.match(r.stderr, /model-00002-of-00002\.safetensors: no such file/);
  });

  test('a broken header and a good folder in one run: both reported', () => {
    const bad = folder('bad', config, {});
    writeFileSync(join(bad, 'model.safetensors'), Buffer.from('{"not": "a safetensors file"}'));
    const good = folder('good', config, { 'model.safetensors': tensors() });
    const r = runCli(cli, ['analyze', bad, good, '--json']);
    assert.equal(r.code, 1);
    const lines = jsonLines(r.stdout) as Record<string, any>[];
    assert.equal(lines.length, 3); // bad's config (estimate), bad's header error, good's config
    assert.equal(lines[0]!.weights.exact, false);
    assert.equal(lines[1]!.file, join(bad, 'model.safetensors'));
    assert.match(lines[1]!.error, /header length: .*more than the 100000000/);
    assert.equal(lines[2]!.weights.exact, true);
  });

  test('tensor names with control and bidi characters reach the terminal escaped', () => {
    // Every tensor under a prefix starting with ESC [31m: recognised as the layers, quoted in the finding.
    const evil = tensors().map((t) => ({ ...t, name: `\u001b[31m\u202e${t.name}` }));
    const f = folder('evil', { ...config, num_key_value_heads: 4 }, { 'model.safetensors': evil });
    const r = runCli(cli, ['analyze', f]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /\\x1b\[31m\\u202emodel\.layers\.0\.self_attn\.k_proj\.weight is \[128, 256\]/);
    assert.ok(!/[\u001b\u202e]/.test(r.stdout + r.stderr), 'a raw control or bidi character reached the terminal');
    // A broken header naming such a tensor: the error is escaped too.
    const bad = folder('evil-bad', config, {});
    const { header } = safetensorsHeader([], { raw: { '\u001b]0;pwned\u0007w': { dtype: 'Q9', shape: [1], data_offsets: [0, 1] } } });
    writeRaw(join(bad, 'model.safetensors'), header, header.length + 1);
    const r2 = runCli(cli, ['analyze', bad]);
    assert.match(r2.stderr, /\\x1b\]0;pwned\\x07w: unknown dtype "Q9"/);
    assert.ok(!/[\u0007\u001b]/.test(r2.stdout + r2.stderr));
  });

  test('an index naming a file outside the folder: refused, named, nothing read outside', () => {
    const idx = JSON.stringify({ weight_map: { 'model.embed_tokens.weight': '../../etc/passwd' } });
    const f = folder('escape', config, {}, idx);
    const r = runCli(cli, ['analyze', f, '--json']);
    assert.equal(r.code, 1);
    const lines = jsonLines(r.stdout) as Record<string, any>[];
    assert.equal(lines[1]!.file, join(f, 'model.safetensors.index.json'));
    assert.match(lines[1]!.error, /weight_map: .*refused, a "\.\." path/);
  });
});
