import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { eligibility } from '../../src/analysis/eligibility';
import { LocalBackend } from '../../src/analysis/backend';
import { AnalysisStore, coreEngine } from '../../src/analysis/store';
import type { Engine } from '../../src/analysis/store';
import { DocumentStates } from '../../src/analysis/documentStates';
import type { DocumentInput } from '../../src/analysis/documentStates';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';

const CONFIGS = FIXTURE_CONFIGS;
const configFiles = readdirSync(CONFIGS).filter((f) => f.endsWith('.json'));
const read = (name: string) => readFileSync(join(CONFIGS, name), 'utf8');

/** A document as the editor layer hands it to the cache, counting reads of its text. */
function doc(path: string, text: string, extra: Partial<DocumentInput> = {}): DocumentInput & { reads: number } {
  const d = {
    key: `file://${path}`,
    version: 1,
    languageId: path.endsWith('.jsonc') ? 'jsonc' : 'json',
    scheme: 'file',
    path,
    reads: 0,
    getText() {
      d.reads++;
      return text;
    },
    ...extra,
  };
  return d;
}

/** The real core, with each function's calls counted. */
function countingEngine() {
  const calls = { analyze: 0, lint: 0, computeKv: 0 };
  const engine: Engine = {
    analyze: (text) => (calls.analyze++, coreEngine.analyze(text)),
    lint: (a, s) => (calls.lint++, coreEngine.lint(a, s)),
    computeKv: (m, o) => (calls.computeKv++, coreEngine.computeKv(m, o)),
  };
  return { engine, calls };
}

test('documents: every real config is a model config whatever its file name', async () => {
  const states = new DocumentStates();
  for (const name of configFiles) {
    const view = await states.get(doc(`/models/${name}`, read(name)));
    assert.equal(view.isModelConfig, true, name);
    assert.equal(view.eligibility.kind, 'content', name);
    assert.ok(view.model, `${name}: ${view.error}`);
    assert.ok(view.summary(), `${name} has a summary`);
  }
});

test('documents: non-model JSON gets nothing, and other tools\' files are not even read', async () => {
  const states = new DocumentStates();
  const cases: [string, string][] = [
    ['/p/config.json', '{ "token": "abc", "prefix": "!", "hidden": true, "size": 3 }'],
    ['/p/config.json', '[1, 2, 3]'],
    ['/p/config.json', '{ "broken": '],
    ['/p/config.json', ''],
    ['/p/data.json', JSON.stringify({ rows: Array.from({ length: 50 }, (_, i) => ({ id: i, hidden: i })) })],
    ['/p/.eslintrc.json', '{ "rules": {} }'],
  ];
  for (const [path, text] of cases) {
    const view = await states.get(doc(path, text));
    assert.equal(view.isModelConfig, false, `${path}: ${text.slice(0, 30)}`);
    assert.deepEqual(view.findings(), []);
    assert.equal(view.summary(), undefined);
    assert.equal(view.kv(), undefined);
  }
  // Files that are never model configs, even with a model key inside: never read.
  const model = read('llama__Meta-Llama-3-8B-Instruct.json');
  for (const input of [
    doc('/p/package.json', model),
    doc('/p/tsconfig.json', model),
    doc('/p/tsconfig.build.json', model),
    doc('/p/.vscode/settings.json', model),
    doc('/User/settings.json', model, { scheme: 'vscode-userdata' }),
    doc('/p/config.json', model, { languageId: 'plaintext' }),
  ]) {
    const view = await states.get(input);
    assert.equal(view.isModelConfig, false, input.path);
    assert.equal(view.eligibility.kind, 'ignored', input.path);
    assert.equal(input.reads, 0, `${input.path} text not read`);
  }
  // The project's own package.json and tsconfig.json, under neutral names: content says no.
  for (const own of ['package.json', 'tsconfig.json']) {
    const view = await states.get(doc(`/p/${own}.copy.json`, readFileSync(join(__dirname, '../..', own), 'utf8')));
    assert.equal(view.isModelConfig, false, own);
  }
});

test('documents: one analysis per version, shared by findings, KV report and summary', async () => {
  const { engine, calls } = countingEngine();
  const states = new DocumentStates({ local: new LocalBackend(new AnalysisStore(engine)) });
  const text = read('qwen2__Qwen2.5-7B-Instruct.json');
  const d = doc('/m/config.json', text);
  // Concurrent requests for one version share one computation.
  const views = await Promise.all([states.get(d), states.get(d), states.get(d)]);
  for (let i = 0; i < 5; i++) {
    const view = await states.get(d);
    assert.equal(view, views[0]);
    view.findings();
    view.kv();
    view.summary();
  }
  assert.deepEqual(calls, { analyze: 1, lint: 1, computeKv: 1 });
  assert.equal(d.reads, 1, 'text read once');
  assert.equal(states.analyses, 1);

  const v1 = await states.get(d);
  d.version = 2;
  assert.equal(states.latest(d.key), v1, 'until version 2 is computed, the last view stands in (lenses while typing)');
  assert.equal(calls.analyze, 1);
  const pending = states.get(d);
  assert.equal(states.latest(d.key), v1, 'still v1 while v2 is analysed');
  (await pending).findings();
  assert.notEqual(states.latest(d.key), v1);
  assert.equal(calls.analyze, 2, 'a new version is analysed again');
  assert.equal(states.peek(d.key, 1), undefined, 'the old version is gone');
  assert.ok(states.peek(d.key, 2));

  // Settings change: derived results recomputed from the held analysis, the text not read again.
  states.setSettings({ ...DEFAULT_SETTINGS, context: 4096 });
  const view = await states.get(d);
  assert.equal(view.kv()?.context, 4096);
  assert.deepEqual(calls, { analyze: 2, lint: 3, computeKv: 3 });
  assert.equal(d.reads, 2);

  // A settings change while an analysis runs waits for it and reuses it.
  d.version = 3;
  const first = states.get(d);
  states.setSettings({ ...DEFAULT_SETTINGS, context: 2048 });
  const second = states.get(d);
  assert.equal((await first).kv()?.context, 4096);
  assert.equal((await second).kv()?.context, 2048);
  assert.equal(calls.analyze, 3, 'version 3 analysed once for both settings');

  states.delete(d.key);
  assert.equal(states.size, 0);
});

test('documents: rule severities and tensor parallelism apply through settings', async () => {
  const states = new DocumentStates();
  const broken = read('llama__Meta-Llama-3-8B-Instruct.json').replace('"num_key_value_heads": 8', '"num_key_value_heads": 6');
  const d = doc('/m/config.json', broken);
  const codes = async () => (await states.get(d)).findings().map((f) => `${f.code}:${f.severity}`);
  assert.ok((await codes()).includes('kv-lens.kv-heads-not-divisor:error'));
  states.setSettings({ ...DEFAULT_SETTINGS, ruleSeverities: { 'kv-lens.kv-heads-not-divisor': 'hint' } });
  assert.ok((await codes()).includes('kv-lens.kv-heads-not-divisor:hint'));
  states.setSettings({ ...DEFAULT_SETTINGS, ruleSeverities: { 'kv-lens.kv-heads-not-divisor': 'off' } });
  assert.ok(!(await codes()).some((c) => c.startsWith('kv-lens.kv-heads-not-divisor')));
  const ok = doc('/m/ok.json', read('llama__Meta-Llama-3-8B-Instruct.json'));
  states.setSettings({ ...DEFAULT_SETTINGS, tensorParallel: 16 });
  assert.ok((await states.get(ok)).findings().some((f) => f.code.startsWith('kv-lens.tp-')), 'tp 16 > 8 KV heads is reported');
});

test('documents: findings carry the line and column range of their value', async () => {
  const states = new DocumentStates();
  const text = read('llama__Meta-Llama-3-8B-Instruct.json').replace('"num_key_value_heads": 8', '"num_key_value_heads": 6');
  const [finding] = (await states.get(doc('/m/config.json', text))).findings().filter((f) => f.code === 'kv-lens.kv-heads-not-divisor');
  assert.ok(finding);
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('"num_key_value_heads": 6'));
  assert.deepEqual(finding.lines, { startLine: line, startCharacter: lines[line]!.indexOf('6'), endLine: line, endCharacter: lines[line]!.indexOf('6') + 1 });
});

test('documents: extraGlobs make a file a model config whatever its content', async () => {
  const states = new DocumentStates();
  const d = doc('/w/models/params.json', '{ "dim": 4096, "n_kv": 8 }', { relativePath: 'models/params.json' });
  assert.equal((await states.get(d)).isModelConfig, false);
  states.setSettings({ ...DEFAULT_SETTINGS, extraGlobs: ['models/*.json'] });
  const view = await states.get(d);
  assert.equal(view.eligibility.kind, 'glob');
  assert.equal(view.isModelConfig, true);
  assert.equal(d.reads, 1, 'the sniffed-out text was kept: the glob makes it analysed without reading it again');
  assert.equal(await states.hover(d, 3), undefined, 'nothing attention-related to hover on');
  // A glob wins over the name rules too.
  assert.equal(eligibility({ path: '/w/package.json', relativePath: 'package.json', languageId: 'json', scheme: 'file' }, ['package.json']).kind, 'glob');
});
