import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstMatchingGlob, matchesGlob } from '../../src/analysis/eligibility';

const inWorkspace = (relativePath: string) => ({ path: `/home/me/proj/${relativePath}`, relativePath });

test('glob: a glob without a slash matches the file name anywhere', () => {
  assert.equal(matchesGlob('*.model.json', inWorkspace('a/b/llama.model.json')), true);
  assert.equal(matchesGlob('*.model.json', inWorkspace('a/b/llama.json')), false);
  assert.equal(matchesGlob('params.json', { path: '/tmp/params.json' }), true);
});

test('glob: other globs match the workspace-relative path', () => {
  assert.equal(matchesGlob('models/**/*.json', inWorkspace('models/llama/8b/params.json')), true);
  assert.equal(matchesGlob('models/**/*.json', inWorkspace('models/params.json')), true);
  assert.equal(matchesGlob('models/**/*.json', inWorkspace('other/models/params.json')), false);
  assert.equal(matchesGlob('./models/*.json', inWorkspace('models/a.json')), true);
  assert.equal(matchesGlob('models/*.json', inWorkspace('models/x/a.json')), false, '* does not cross /');
});

test('glob: outside a workspace a relative glob matches the tail of the path; absolute globs the whole path', () => {
  assert.equal(matchesGlob('models/*.json', { path: '/data/models/a.json' }), true);
  assert.equal(matchesGlob('/data/**/a.json', { path: '/data/x/y/a.json' }), true);
  assert.equal(matchesGlob('/data/**/a.json', { path: '/other/data/x/a.json' }), false);
});

test('glob: braces, classes, ? and regex metacharacters', () => {
  assert.equal(matchesGlob('*.{cfg,conf}.json', inWorkspace('x.conf.json')), true);
  assert.equal(matchesGlob('*.{cfg,conf}.json', inWorkspace('x.txt.json')), false);
  assert.equal(matchesGlob('v[0-9].json', inWorkspace('v3.json')), true);
  assert.equal(matchesGlob('v[!0-9].json', inWorkspace('v3.json')), false);
  assert.equal(matchesGlob('conf?g.json', inWorkspace('config.json')), true);
  assert.equal(matchesGlob('a+b(1).json', inWorkspace('a+b(1).json')), true);
  assert.equal(matchesGlob('a+b(1).json', inWorkspace('aab1.json')), false);
  assert.equal(matchesGlob('v[!0-9].json', inWorkspace('va.json')), true);
  assert.equal(matchesGlob('/**', { path: '/any/thing/at/all' }), true);
  assert.equal(matchesGlob('*.json', inWorkspace('.hidden.json')), true);
});

test('glob: Windows separators and blank globs', () => {
  assert.equal(matchesGlob('models\\*.json', { path: 'C:\\w\\models\\a.json', relativePath: 'models\\a.json' }), true);
  assert.equal(matchesGlob('  ', inWorkspace('a.json')), false);
  assert.equal(firstMatchingGlob(['', '*.txt', '**/*.cfg.json'], inWorkspace('deep/x.cfg.json')), '**/*.cfg.json');
  assert.equal(firstMatchingGlob([], inWorkspace('x.json')), undefined);
});
