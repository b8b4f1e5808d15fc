/**
 * A model id answered from the Hugging Face cache whose snapshot holds safetensors (`snapshots/<commit>/` of
 * links into `blobs/`, as huggingface_hub lays them out; built here by test/support/fakeHub's cacheModel and
 * cacheFiles): exact weights and the config-vs-weights findings, exactly as `kv-lens analyze` on a local folder
 * holding the same files gives them; a partial cache (a shard not downloaded, a dangling link) keeps the
 * estimate, says so, and never fails the run. Offline, so nothing but the cache can answer.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCli, jsonLines, runCli } from '../support/cli';
import { cacheFiles, cacheModel } from '../support/fakeHub';
import { indexJson, SMALL_LLAMA_CONFIG, smallLlamaTensors, writeSafetensors, type FixtureTensor } from '../support/safetensors';

const config = SMALL_LLAMA_CONFIG;
const text = (cfg: object) => JSON.stringify(cfg, null, 2);

const tensors = (layers = [0, 1]): FixtureTensor[] => smallLlamaTensors({ layers });
/** embed and lm_head 2 x 256,000; norms 3 x 256; per layer 65,536 + 2 x 32,768 + 65,536 + 256 (its norm) ... as safetensors-cli.test.ts: 905,984. */
const PARAMS = 2 * 256_000 + 256 + 2 * (65_536 + 2 * 32_768 + 65_536 + 256);

describe('kv-lens analyze ORG/NAME from the HF cache with safetensors in the snapshot', () => {
  let tmp: string;
  let cli: string;
  let n = 0;
  const env = () => {
    const home = join(tmp, `home${n++}`);
    // No network: an unreachable endpoint and offline besides; only the cache answers.
    return { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), HF_HUB_CACHE: join(home, 'hf'), HF_HUB_OFFLINE: '1', HF_ENDPOINT: 'http://127.0.0.1:9' };
  };
  /** A local folder holding `files`, the reference. */
  const folder = (name: string, cfg: object, files: Record<string, FixtureTensor[]>) => {
    const f = join(tmp, name);
    mkdirSync(f, { recursive: true });
    writeFileSync(join(f, 'config.json'), text(cfg));
    for (const [file, ts] of Object.entries(files)) writeSafetensors(join(f, file), ts);
    return f;
  };
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'kvlens-hubckpt-'));
    cli = await buildCli(tmp);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('model.safetensors in the snapshot: exact weights and the check, as the same local folder gives them', () => {
    const e = env();
    cacheModel(e.HF_HUB_CACHE, 'org/ok', text(config));
    cacheFiles(e.HF_HUB_CACHE, 'org/ok', { 'model.safetensors': (blob) => writeSafetensors(blob, tensors()) });
    const remote = runCli(cli, ['analyze', 'org/ok', '--json', '--gpu-mem', '24'], { env: e });
    const local = runCli(cli, ['analyze', folder('ok', config, { 'model.safetensors': tensors() }), '--json', '--gpu-mem', '24'], { env: e });
    assert.equal(remote.code, 0, remote.stderr);
    assert.equal(local.code, 0, local.stderr);
    const [b] = jsonLines(remote.stdout) as [Record<string, any>];
    const [a] = jsonLines(local.stdout) as [Record<string, any>];
    assert.equal(b.file, `org/ok@${'a'.repeat(40)}`);
    assert.deepEqual({ ...b, file: '' }, { ...a, file: '' });
    assert.equal(b.weights.exact, true);
    assert.equal(b.weights.totalParams, PARAMS);
    assert.equal(b.weights.bytes, PARAMS * 2);
    assert.ok(b.notes.some((x: string) => /^Checked against model\.safetensors: 13 tensors, 2 layers of attention weights compared/.test(x)), b.notes.join('\n'));
  });

  it('num_key_value_heads 4 against k_proj [128, 256]: the same finding on the same line as the local folder, exit 1', () => {
    const e = env();
    const bad = { ...config, num_key_value_heads: 4 };
    cacheModel(e.HF_HUB_CACHE, 'org/bad', text(bad));
    cacheFiles(e.HF_HUB_CACHE, 'org/bad', { 'model.safetensors': (blob) => writeSafetensors(blob, tensors()) });
    const remote = runCli(cli, ['analyze', 'org/bad', '--json'], { env: e });
    const local = runCli(cli, ['analyze', folder('bad', bad, { 'model.safetensors': tensors() }), '--json'], { env: e });
    assert.equal(remote.code, 1, remote.stderr);
    assert.equal(local.code, 1);
    const [b] = jsonLines(remote.stdout) as [Record<string, any>];
    assert.deepEqual({ ...b, file: '' }, { ...jsonLines(local.stdout)[0], file: '' });
    const w = b.findings.filter((x: any) => x.code === 'kv-lens.weights-kv-heads');
    assert.equal(w.length, 1);
    assert.equal(w[0].line, text(bad).split('\n').findIndex((l) => l.includes('"num_key_value_heads"')) + 1);
  });

  it('an index with a shard not downloaded, or a link whose blob is gone: the estimate, a note, exit 0', () => {
    const e = env();
    const index = indexJson({ 'model-00001-of-00002.safetensors': tensors([0]), 'model-00002-of-00002.safetensors': tensors([1]) });
    cacheModel(e.HF_HUB_CACHE, 'org/part', text(config));
    cacheFiles(e.HF_HUB_CACHE, 'org/part', { 'model.safetensors.index.json': index, 'model-00001-of-00002.safetensors': (blob) => writeSafetensors(blob, tensors([0])) });
    cacheModel(e.HF_HUB_CACHE, 'org/dangling', text(config));
    cacheFiles(e.HF_HUB_CACHE, 'org/dangling', { 'model.safetensors.index.json': index, 'model-00001-of-00002.safetensors': (blob) => writeSafetensors(blob, tensors([0])), 'model-00002-of-00002.safetensors': () => undefined });
    // The config alone, as the reference for the estimate.
    const alone = join(tmp, 'alone');
    mkdirSync(alone);
    writeFileSync(join(alone, 'config.json'), text(config));
    const ref = jsonLines(runCli(cli, ['analyze', alone, '--json'], { env: e }).stdout)[0] as Record<string, any>;
    for (const id of ['org/part', 'org/dangling']) {
      const r = runCli(cli, ['analyze', id, '--json'], { env: e });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const [j] = jsonLines(r.stdout) as [Record<string, any>];
      assert.equal(j.weights.exact, false, id);
      assert.deepEqual(j.weights, ref.weights, id);
      const note = j.notes.find((x: string) => x.startsWith("The Hugging Face cache holds this snapshot's checkpoint only in part"));
      assert.match(String(note), /1 problem; first: .*model-00002-of-00002\.safetensors: .*the weights stay an estimate from the config, and the config is not checked against them/, id);
      assert.deepEqual(j.findings, ref.findings, id);
    }
  });

  it('only config.json cached (.no_exist records model.safetensors as absent): the config alone, nothing said', () => {
    const e = env();
    const repo = cacheModel(e.HF_HUB_CACHE, 'org/config-only', text(config));
    mkdirSync(join(repo, '.no_exist', 'a'.repeat(40)), { recursive: true });
    writeFileSync(join(repo, '.no_exist', 'a'.repeat(40), 'model.safetensors'), '');
    const r = runCli(cli, ['analyze', 'org/config-only', '--json'], { env: e });
    assert.equal(r.code, 0, r.stderr);
    const [j] = jsonLines(r.stdout) as [Record<string, any>];
    assert.equal(j.weights.exact, false);
    assert.ok(!j.notes.some((x: string) => /checkpoint|Checked against/.test(x)), j.notes.join('\n'));
  });
});
