/**
 * The kv-lens CLI as users run it: the built bundle in a child process, exit codes, JSON shape, bad input.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const CONFIGS = FIXTURE_CONFIGS;

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kv-lens analyze', () => {
  before(() => {
    if (!existsSync(CLI)) execFileSync(process.execPath, [join(ROOT, 'esbuild.mjs')], { cwd: ROOT });
  });

  test('--json prints one object per file with the documented fields', () => {
    const r = run('analyze', join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), '--json', '--kv-dtype', 'bf16', '--tp', '2', '--gpu-mem', '80');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout.trim());
    assert.equal(j.modelType, 'llama');
    assert.equal(j.part, '');
    assert.deepEqual(j.attention, { kind: 'GQA', queryHeads: 32, kvHeads: 8, groupSize: 4, headDim: 128, vHeadDim: 128 });
    assert.deepEqual(j.layers, { total: 32, withKvCache: 32, full: 32, sliding: 0, chunked: 0, compressed: 0, stateOnly: 0, noCache: 0 });
    assert.equal(j.kvCache.dtype, 'bf16');
    assert.equal(j.kvCache.bytesPerElement, 2);
    assert.equal(j.kvCache.context, 8192);
    assert.equal(j.kvCache.batch, 1);
    assert.equal(j.kvCache.bytesPerToken, 131_072);
    assert.equal(j.kvCache.totalBytes, 131_072 * 8192);
    assert.equal(j.kvCache.perGpuBytes, (131_072 * 8192) / 2);
    assert.equal(j.kvCache.tp, 2);
    assert.equal(j.fit.gpuMemGiB, 80);
    assert.equal(j.whatIf.length, 6);
  });

  test('text_config models report the part they read', () => {
    const j = JSON.parse(run('analyze', join(CONFIGS, 'gemma3__gemma-3-27b-it.json'), '--json').stdout);
    assert.equal(j.part, 'text_config');
    assert.equal(j.layers.sliding, 52);
  });

  test('a folder holding config.json is accepted; the table names the fields used', () => {
    const r = run('analyze', join(ROOT, 'examples', 'Meta-Llama-3-8B-Instruct'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /GQA: 32 query heads share 8 KV heads: 8 groups of 4/);
    assert.match(r.stdout, /kvHeads\s+8\s+num_key_value_heads/);
  });

  test('bad files are named, other files still reported, exit code 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvlens-'));
    writeFileSync(join(dir, 'broken.json'), '{"model_type": "llama",\n  "num_attention_heads": 32\n  "num_hidden_layers": 2}');
    writeFileSync(join(dir, 'noattn.json'), '{"model_type": "llama", "num_attention_heads": -4, "num_hidden_layers": 2}');
    const r = run('analyze', join(dir, 'broken.json'), join(dir, 'missing.json'), join(dir, 'noattn.json'), join(CONFIGS, 'phi3__phi-4.json'), '--json');
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 4);
    assert.match(lines[0].error, /Comma expected at line 3/);
    assert.match(lines[1].error, /no such file/);
    assert.match(lines[2].error, /num_attention_heads is -4: not positive/);
    assert.equal(lines[3].attention.kvHeads, 10);
    assert.match(r.stderr, /broken\.json: not valid JSON: Comma expected at line 3, column 3/);
  });

  test('a context beyond the model maximum is computed, with a warning', () => {
    const j = JSON.parse(run('analyze', join(CONFIGS, 'llama__Llama-2-7b-hf.json'), '--context', '32768', '--json').stdout);
    assert.equal(j.kvCache.context, 32768);
    assert.ok(j.notes.some((n: string) => n.includes('beyond')));
  });

  test('usage errors exit 2 with a message', () => {
    const r = run('analyze', join(CONFIGS, 'phi3__phi-4.json'), '--kv-dtype', 'fp7');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--kv-dtype must be one of/);
    const dir = mkdtempSync(join(tmpdir(), 'kvlens-'));
    mkdirSync(join(dir, 'empty'));
    assert.equal(run('analyze', join(dir, 'empty')).code, 1);
  });
});
