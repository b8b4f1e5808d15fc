/// <reference types="mocha" />
/**
 * Config against weights in the real editor: a config.json beside model.safetensors (written into the workspace
 * copy by scripts/lib/weightsFixtures.ts: a tiny Llama whose k_proj is [128, 256], 2 KV heads of 64) is checked
 * against its headers in the worker. The config saying 4 KV heads gets kv-lens.weights-kv-heads on the value 4;
 * the one saying 2 gets none, and its hover says what it was checked against.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll, codeOf, diagnosticsWhere, hoverTexts, kvLensDiagnostics, open, waitFor } from './helpers';

/** The position on the value of `"key": value`. */
function valuePosition(document: vscode.TextDocument, key: string): vscode.Position {
  const text = document.getText();
  const at = text.indexOf(`"${key}": `);
  assert.ok(at >= 0, `${key} not in ${document.uri.path}`);
  return document.positionAt(at + key.length + 4);
}

async function checkedHover(document: vscode.TextDocument, key: string): Promise<string> {
  const position = valuePosition(document, key);
  return waitFor(`a weights hover on ${key} in ${document.uri.path}`, async () =>
    (await hoverTexts(document, position)).find((text) => /checked against/.test(text)),
  );
}

suite('weights', () => {
  suiteTeardown(closeAll);

  test('num_key_value_heads 4 against k_proj [128, 256]: error kv-lens.weights-kv-heads on the value, naming the tensor', async () => {
    const document = await open('weights-kv-mismatch/config.json');
    const all = await diagnosticsWhere(document.uri, 'including kv-lens.weights-kv-heads', (codes) => codes.includes('kv-lens.weights-kv-heads'));
    const ours = all.filter((d) => codeOf(d) === 'kv-lens.weights-kv-heads');
    assert.equal(ours.length, 1);
    const d = ours[0]!;
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(document.getText(d.range), '4');
    assert.match(d.message, /model\.layers\.0\.self_attn\.k_proj\.weight is \[128, 256\]: 2 KV heads x 64, not 4/);
    const hover = await checkedHover(document, 'num_key_value_heads');
    assert.match(hover, /model\\?\.safetensors/);
  });

  test('the quick fix sets num_key_value_heads to what the weights hold', async () => {
    const document = await open('weights-kv-mismatch/config.json');
    const [d] = (await diagnosticsWhere(document.uri, 'including kv-lens.weights-kv-heads', (codes) => codes.includes('kv-lens.weights-kv-heads'))).filter((x) => codeOf(x) === 'kv-lens.weights-kv-heads');
    const actions = await waitFor('the weights quick fix', async () => {
      const list = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, d!.range)) ?? [];
      return list.find((a) => /Set num_key_value_heads to 2/.test(a.title));
    });
    assert.ok(actions.edit);
  });

  test('a config that agrees with its weights: no weights diagnostic, and the hover says it was checked', async () => {
    const document = await open('weights-ok/config.json');
    // The hover appears once the check answered: only then does "no diagnostic" mean something.
    const hover = await checkedHover(document, 'num_key_value_heads');
    assert.match(hover, /Agrees with the weights \(2 layers/);
    assert.match(hover, /exact/);
    assert.deepEqual(kvLensDiagnostics(document.uri).map(codeOf).filter((c) => c.startsWith('kv-lens.weights-')), []);
  });
});
