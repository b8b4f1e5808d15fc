import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import type { KvLensSettings } from '../../src/core/settings';
import { parseChoice, presetsFor } from '../../src/extension/commands/choices';
import { SETTING_KEYS, changedKeys, readSettings, settingIds } from '../../src/extension/settingsReader';
import { kvOptionsFromSettings } from '../../src/core/settings';

const from = (raw: Record<string, unknown>) => readSettings((key) => raw[key]);

test('settings: absent values read as the shared defaults, with no problems', () => {
  const { settings, problems } = from({});
  assert.deepEqual(settings, DEFAULT_SETTINGS);
  assert.deepEqual(problems, []);
});

test('settings: valid values pass through', () => {
  const raw: KvLensSettings = { context: 32768, batch: 8, kvDtype: 'fp8', tensorParallel: 4, gpuMemoryGiB: 141, ruleSeverities: { 'kv-lens.dtype-conflict': 'off' }, extraGlobs: ['*.model.json'] };
  const { settings, problems } = from(raw as unknown as Record<string, unknown>);
  assert.deepEqual(settings, raw);
  assert.deepEqual(problems, []);
});

test('settings: each invalid value falls back to its default and is reported', () => {
  const { settings, problems } = from({ context: -1, batch: 0.5, kvDtype: 'fp12', tensorParallel: '2', gpuMemoryGiB: 0, extraGlobs: 'x.json' });
  assert.deepEqual(settings, DEFAULT_SETTINGS);
  assert.equal(problems.length, 6);
  assert.match(problems.find((p) => p.startsWith('kvLens.kvDtype'))!, /"fp12" is not "auto" or one of .*fp8/);
});

test('settings: one bad rule severity is dropped, the others kept', () => {
  const { settings, problems } = from({ ruleSeverities: { 'kv-lens.a': 'warning', 'kv-lens.b': 'loud', 'kv-lens.c': 'off' } });
  assert.deepEqual(settings.ruleSeverities, { 'kv-lens.a': 'warning', 'kv-lens.c': 'off' });
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /kv-lens\.b/);
  assert.equal(from({ ruleSeverities: ['x'] }).problems.length, 1);
});

test('settings: KV options map 0 context and auto dtype to "the model\'s own"', () => {
  assert.deepEqual(kvOptionsFromSettings(DEFAULT_SETTINGS), { batch: 1, tp: 1 });
  assert.deepEqual(kvOptionsFromSettings({ ...DEFAULT_SETTINGS, context: 4096, kvDtype: 'q8_0', batch: 3, tensorParallel: 8 }), { batch: 3, tp: 8, context: 4096, kvDtype: 'q8_0' });
});

test('settings: ids and changed keys', () => {
  assert.deepEqual(settingIds(), SETTING_KEYS.map((k) => `kvLens.${k}`));
  assert.deepEqual(Object.keys(DEFAULT_SETTINGS).sort(), [...SETTING_KEYS].sort(), 'every KvLensSettings key is read');
  assert.deepEqual(changedKeys(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS }), []);
  assert.deepEqual(changedKeys(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, batch: 2, extraGlobs: ['a'] }), ['batch', 'extraGlobs']);
  assert.deepEqual(changedKeys(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, ruleSeverities: { x: 'off' } }), ['ruleSeverities']);
});

test('choices: picker values and typed values are checked like settings', () => {
  assert.deepEqual(parseChoice('context', '128k'), { value: 131072 });
  assert.deepEqual(parseChoice('context', '1M'), { value: 1048576 });
  assert.deepEqual(parseChoice('context', ' 100000 '), { value: 100000 });
  // One grammar with the CLI's flags: no separators, no hex, exponents or fractions.
  for (const text of ['100,000', '0x10', '1e3', '1.5k', '32_768']) assert.ok('error' in parseChoice('context', text), text);
  assert.deepEqual(parseChoice('context', 0), { value: 0 });
  assert.ok('error' in parseChoice('batch', 0));
  assert.ok('error' in parseChoice('tensorParallel', '1.5'));
  assert.ok('error' in parseChoice('context', 'lots'));
  assert.deepEqual(parseChoice('kvDtype', 'fp8'), { value: 'fp8' });
  assert.ok('error' in parseChoice('kvDtype', 'float8'));
  for (const key of ['kvDtype', 'context', 'batch', 'tensorParallel'] as const) {
    for (const value of presetsFor(key)) assert.ok(!('error' in parseChoice(key, value)), `${key} preset ${value} is valid`);
    for (const value of presetsFor(key)) assert.equal(readSettings((k) => (k === key ? value : undefined)).problems.length, 0, `${key}=${value} is a valid setting`);
  }
});
