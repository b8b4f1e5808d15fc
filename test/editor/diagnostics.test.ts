/// <reference types="mocha" />
/**
 * Diagnostics through `vscode.languages.getDiagnostics`: the stable `kv-lens.*` code, severity, source and
 * the range of the offending value on broken configs; nothing on a clean real config or on other JSON.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { SOURCE, analysedState, closeAll, codeOf, diagnosticsWhere, kvLensDiagnostics, open } from './helpers';

/** The single KV Lens diagnostic with `code`, once it is there. */
async function diagnostic(document: vscode.TextDocument, code: string): Promise<vscode.Diagnostic> {
  const all = await diagnosticsWhere(document.uri, `including ${code}`, (codes) => codes.includes(code));
  const ours = all.filter((d) => codeOf(d) === code);
  assert.equal(ours.length, 1, `expected one ${code}, got ${ours.length}`);
  return ours[0]!;
}

function lineOf(document: vscode.TextDocument, needle: string): number {
  const offset = document.getText().indexOf(needle);
  assert.ok(offset >= 0, `${needle} not in ${document.uri.path}`);
  return document.positionAt(offset).line;
}

suite('diagnostics', () => {
  suiteTeardown(closeAll);

  test('KV heads that do not divide the query heads: error kv-lens.kv-heads-not-divisor on the value 6', async () => {
    const document = await open('broken/kv-heads-not-divisor/config.json');
    const d = await diagnostic(document, 'kv-lens.kv-heads-not-divisor');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(d.source, SOURCE);
    assert.equal(d.range.start.line, lineOf(document, '"num_key_value_heads"'));
    assert.equal(document.getText(d.range), '6');
  });

  test('more KV heads than query heads: error kv-lens.kv-heads-above-query-heads on the value 64', async () => {
    const document = await open('broken/kv-heads-above-query-heads/config.json');
    const d = await diagnostic(document, 'kv-lens.kv-heads-above-query-heads');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(document.getText(d.range), '64');
  });

  test('a head count written as a string: error kv-lens.wrong-type on "8"', async () => {
    const document = await open('broken/wrong-type/config.json');
    const d = await diagnostic(document, 'kv-lens.wrong-type');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(document.getText(d.range), '"8"');
  });

  test('a clean real config (Llama 3 8B) has no KV Lens diagnostics', async () => {
    const document = await open('llama-3-8b/config.json');
    const state = await analysedState(document);
    assert.equal(state.isModelConfig, true);
    assert.deepEqual(kvLensDiagnostics(document.uri).map(codeOf), []);
  });

  test('Qwen2.5 with use_sliding_window false gets the information kv-lens.sliding-window-disabled', async () => {
    const document = await open('qwen2.5-7b/config.json');
    const d = await diagnostic(document, 'kv-lens.sliding-window-disabled');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Information);
    assert.equal(d.range.start.line, lineOf(document, '"sliding_window"'));
  });

  test('JSON that is not a model config gets none (config.json and package.json)', async () => {
    for (const file of ['not-a-model/config.json', 'not-a-model/package.json']) {
      const document = await open(file);
      const state = await analysedState(document);
      assert.equal(state.isModelConfig, false, `${file} taken for a model config`);
      assert.deepEqual(kvLensDiagnostics(document.uri), []);
    }
  });
});
