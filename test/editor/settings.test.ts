/// <reference types="mocha" />
/** Settings changes take effect live: hover figures follow kvLens.kvDtype, diagnostics follow kvLens.ruleSeverities. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll, codeOf, diagnosticsWhere, keyPosition, hoverTexts, open, resetSettings, setSetting, waitFor } from './helpers';

suite('settings', () => {
  teardown(resetSettings);
  suiteTeardown(closeAll);

  test('kvLens.kvDtype fp8 turns Llama 3 8B from 262,144 B to 65,536 B per token in the hover', async () => {
    const document = await open('llama-3-8b/config.json');
    const position = keyPosition(document, 'num_key_value_heads');
    await waitFor('the fp32 figure', async () => (await hoverTexts(document, position)).some((t) => /262,144 B/.test(t)));
    await setSetting('kvDtype', 'fp8');
    // 2 x 8 x 128 x 1 B x 32 layers = 65,536 B
    const text = await waitFor('the fp8 figure', async () => (await hoverTexts(document, position)).find((t) => /65,536 B/.test(t)));
    assert.match(text, /fp8/);
  });

  test('kvLens.ruleSeverities downgrades an error to a warning, then back', async () => {
    const document = await open('broken/kv-heads-not-divisor/config.json');
    const code = 'kv-lens.kv-heads-not-divisor';
    const severityOf = async (expected: vscode.DiagnosticSeverity): Promise<void> => {
      await diagnosticsWhere(document.uri, `${code} at severity ${expected}`, () =>
        vscode.languages.getDiagnostics(document.uri).some((d) => codeOf(d) === code && d.severity === expected),
      );
    };
    await severityOf(vscode.DiagnosticSeverity.Error);
    await setSetting('ruleSeverities', { [code]: 'warning' });
    await severityOf(vscode.DiagnosticSeverity.Warning);
    await setSetting('ruleSeverities', undefined);
    await severityOf(vscode.DiagnosticSeverity.Error);
  });

  test('kvLens.tensorParallel 16 above the 8 KV heads of Llama 3 8B reports replicated KV heads', async () => {
    const document = await open('llama-3-8b/config.json');
    await setSetting('tensorParallel', 16);
    const diagnostics = await diagnosticsWhere(document.uri, 'including kv-lens.tp-replicates-kv-heads', (codes) => codes.includes('kv-lens.tp-replicates-kv-heads'));
    assert.ok(diagnostics.length >= 1);
    await setSetting('tensorParallel', undefined);
    await diagnosticsWhere(document.uri, 'free of tensor-parallel findings', (codes) => !codes.some((c) => c.startsWith('kv-lens.tp-')));
  });
});
