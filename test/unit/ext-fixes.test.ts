import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyEdits, parse } from 'jsonc-parser';
import { analyzeText } from '../../src/core/analyze';
import { lint } from '../../src/core/lint';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import type { Finding } from '../../src/core/types';
import { DIAGNOSTIC_SOURCE, findingFor, toDiagnosticData } from '../../src/extension/diagnosticData';
import { AnalysisStore } from '../../src/analysis/store';
import type { LocatedFinding } from '../../src/shared/analysisProtocol';
import { detectFormatting, fixEdits } from '../../src/extension/fixEdits';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';

const CONFIGS = FIXTURE_CONFIGS;
const read = (name: string) => readFileSync(join(CONFIGS, name), 'utf8');
const LLAMA = read('llama__Meta-Llama-3-8B-Instruct.json');
const QWEN = read('qwen2__Qwen2.5-7B-Instruct.json');

/** Broken copies of real configs, each with the rule it must trigger. */
const BROKEN: { name: string; code: string; text: string }[] = [
  { name: 'KV heads not dividing', code: 'kv-lens.kv-heads-not-divisor', text: LLAMA.replace('"num_key_value_heads": 8', '"num_key_value_heads": 6') },
  { name: 'KV heads above query heads', code: 'kv-lens.kv-heads-above-query-heads', text: LLAMA.replace('"num_key_value_heads": 8', '"num_key_value_heads": 64') },
  { name: 'KV heads as a string', code: 'kv-lens.wrong-type', text: LLAMA.replace('"num_key_value_heads": 8', '"num_key_value_heads": "8"') },
  { name: 'Qwen window switched off', code: 'kv-lens.sliding-window-disabled', text: QWEN },
  { name: 'torch_dtype and dtype disagree', code: 'kv-lens.dtype-conflict', text: LLAMA.replace('"torch_dtype": "float32",', '"torch_dtype": "float16",\n  "dtype": "bfloat16",') },
];

const lintOf = (text: string) => lint(analyzeText(text), DEFAULT_SETTINGS);

function only<F extends Finding>(findings: F[], code: string): F {
  const f = findings.find((x) => x.code === code);
  assert.ok(f, `expected ${code}, got ${findings.map((x) => x.code).join(', ') || 'nothing'}`);
  return f;
}

function located(text: string): LocatedFinding[] {
  return new AnalysisStore().update({ key: 'k', version: 1, text, glob: false, settings: DEFAULT_SETTINGS }).findings;
}

test('diagnostic data: ranges point at the offending value, with the stable code and source', () => {
  const text = BROKEN[0]!.text;
  // The findings the diagnostics collection is given: located by the analysis store.
  const finding = only(located(text), 'kv-lens.kv-heads-not-divisor');
  const data = toDiagnosticData(finding);
  const lines = text.split('\n');
  const line = lines[data.range.startLine]!;
  assert.equal(line.slice(data.range.startCharacter, data.range.endCharacter), '6');
  assert.match(line, /num_key_value_heads/);
  assert.equal(data.code, 'kv-lens.kv-heads-not-divisor');
  assert.equal(data.source, DIAGNOSTIC_SOURCE);
  assert.equal(data.severity, 'error');
  assert.equal(findingFor([finding], finding.code, finding.range.offset), finding);
  assert.equal(findingFor([finding], finding.code, finding.range.offset + 1), undefined, 'a stale diagnostic finds nothing');
});

test('diagnostic data: CRLF files map to the same lines', () => {
  const crlf = BROKEN[0]!.text.replace(/\n/g, '\r\n');
  const data = toDiagnosticData(only(located(crlf), 'kv-lens.kv-heads-not-divisor'));
  const line = crlf.split('\r\n')[data.range.startLine]!;
  assert.equal(line.slice(data.range.startCharacter, data.range.endCharacter), '6');
});

for (const broken of BROKEN) {
  test(`quick fix: ${broken.name} (${broken.code}) is fixed by a minimal edit`, () => {
    const finding = only(lintOf(broken.text), broken.code);
    assert.ok(finding.fixes.length > 0, `${broken.code} offers a fix`);
    for (const fix of finding.fixes) {
      const fixed = applyEdits(broken.text, fixEdits(broken.text, fix));
      assert.notEqual(fixed, broken.text, fix.title);
      assert.ok(parse(fixed), 'still JSON');
      assert.ok(!lintOf(fixed).some((f) => f.code === broken.code && f.range.offset === finding.range.offset), `${fix.title} clears the finding`);
      // Formatting survives: at most the touched line changes (or disappears), nothing else.
      const before = broken.text.split('\n');
      const after = fixed.split('\n');
      assert.ok(before.length - after.length <= 1 && after.length <= before.length, `${fix.title}: line count`);
      const changed = after.filter((l, i) => l !== before[i] && l !== before[i + 1]);
      assert.ok(changed.length <= 1, `${fix.title} changed only its line: ${changed.join(' | ')}`);
    }
  });
}

test('quick fix: edits follow the file\'s own indentation and line endings', () => {
  assert.deepEqual(detectFormatting('{\n    "a": 1\n}'), { insertSpaces: true, tabSize: 4, eol: '\n' });
  assert.deepEqual(detectFormatting('{\r\n\t"a": 1\r\n}'), { insertSpaces: false, tabSize: 4, eol: '\r\n' });
  assert.deepEqual(detectFormatting('{"a":1}'), { insertSpaces: true, tabSize: 2, eol: '\n' });
  const tabbed = '{\r\n\t"num_attention_heads": 32,\r\n\t"text_config": {\r\n\t\t"x": 1\r\n\t}\r\n}';
  const out = applyEdits(tabbed, fixEdits(tabbed, { title: 'set', path: ['text_config', 'num_key_value_heads'], value: 8 }));
  assert.match(out, /\r\n\t\t"num_key_value_heads": 8/);
  assert.ok(!/(^|[^\r])\n/.test(out), 'no bare LF introduced');
  const removed = applyEdits(tabbed, fixEdits(tabbed, { title: 'remove', path: ['text_config', 'x'], remove: true }));
  assert.deepEqual(parse(removed), { num_attention_heads: 32, text_config: {} });
});
