/**
 * The vocabulary (src/core/vocabulary.ts) is the one list of config keys: the normaliser, lint, hovers and
 * detection read it. These tests check the table is coherent and that each reader follows it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeText } from '../../src/core/analyze';
import { hoverAt } from '../../src/core/hover';
import { lint } from '../../src/core/lint';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { looksLikeModelConfig } from '../../src/core/detect';
import { parseConfig } from '../../src/core/parse';
import { MODEL_KEYS, TOPIC_OF_KEY, VOCABULARY, aliasKeys } from '../../src/core/vocabulary';

test('vocabulary: every path is listed once, and every documented row has a group', () => {
  const paths = VOCABULARY.map((e) => e.path.join('.'));
  assert.equal(new Set(paths).size, paths.length, 'a path listed twice');
  for (const e of VOCABULARY) if (e.description) assert.ok(e.group, `${e.path.join('.')} is documented without a group`);
});

test('vocabulary: the normaliser reads each quantity\'s aliases in table order', () => {
  const base = { num_hidden_layers: 2, hidden_size: 256, num_attention_heads: 4 };
  const context = aliasKeys('maxContext');
  // With every context alias written, the first in the table is the one used; drop it and the next wins.
  for (let i = 0; i < context.length; i++) {
    const cfg: Record<string, unknown> = { ...base };
    context.slice(i).forEach((k, j) => (cfg[k] = 1000 + i * 10 + j));
    const model = analyzeText(JSON.stringify(cfg)).model!;
    assert.deepEqual(model.maxContext?.from, [context[i]], `with ${context.slice(i).join(', ')}`);
  }
  const heads = aliasKeys('queryHeads');
  const cfg = { num_hidden_layers: 2, hidden_size: 256, [heads[1]!]: 8, [heads[2]!]: 4 };
  assert.deepEqual(analyzeText(JSON.stringify(cfg)).model!.attention.queryHeads.from, [heads[1]]);
});

test('vocabulary: every quantity alias is linted as a size, and has a hover when it has a topic', () => {
  for (const e of VOCABULARY.filter((x) => x.quantity && x.quantity !== 'stateSize' && x.path.length === 1 && !x.when)) {
    const key = e.path[0]!;
    const cfg = { model_type: 'llama', num_hidden_layers: 2, hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 4, [key]: -3 };
    const text = JSON.stringify(cfg, null, 1);
    const findings = lint(analyzeText(text), DEFAULT_SETTINGS);
    assert.ok(findings.some((f) => f.code === 'kv-lens.invalid-size' && f.message.startsWith(`${key} is -3`)), `${key}: -3 is not flagged (${findings.map((f) => f.message).join('; ')})`);
    if (TOPIC_OF_KEY.has(key)) {
      const good = JSON.stringify({ ...cfg, [key]: 4 }, null, 1);
      assert.ok(hoverAt(analyzeText(good), good.indexOf(`"${key}"`) + 2, DEFAULT_SETTINGS), `${key} has a topic and no hover`);
    }
  }
});

test('vocabulary: every detecting key makes a file a model config, alone', () => {
  for (const key of MODEL_KEYS) {
    const value = key === 'model_type' ? '"llama"' : key === 'architectures' ? '["X"]' : key.endsWith('_config') ? '{}' : '8';
    assert.ok(looksLikeModelConfig(parseConfig(`{ "${key}": ${value} }`)), key);
  }
  assert.equal(looksLikeModelConfig(parseConfig('{ "name": "x", "version": "1.0.0" }')), false);
});
