/// <reference types="mocha" />
/** Quick fixes through `vscode.executeCodeActionProvider`: applied to the document, then re-linted. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll, codeOf, diagnosticsWhere, fixtureDocuments, open, resetSettings, revert } from './helpers';

/** The quick fixes offered on the range of the diagnostic with `code` (the only finding on that value). */
async function fixesFor(document: vscode.TextDocument, code: string): Promise<{ diagnostic: vscode.Diagnostic; actions: vscode.CodeAction[] }> {
  const diagnostics = await diagnosticsWhere(document.uri, `including ${code}`, (codes) => codes.includes(code));
  const diagnostic = diagnostics.find((d) => codeOf(d) === code)!;
  const actions =
    (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, diagnostic.range, vscode.CodeActionKind.QuickFix.value)) ?? [];
  // The API hands actions back without their `diagnostics`: the range alone ties them to this finding.
  return { diagnostic, actions };
}

suite('quick fixes', () => {
  teardown(async () => {
    for (const document of fixtureDocuments()) await revert(document);
    await resetSettings();
  });
  suiteTeardown(closeAll);

  test('kv-heads-not-divisor offers the two nearest divisors; applying one fixes the file and clears the error', async () => {
    const document = await open('broken/kv-heads-not-divisor/config.json');
    const { actions } = await fixesFor(document, 'kv-lens.kv-heads-not-divisor');
    const edits = actions.filter((a) => a.edit);
    // 6 is as far from 4 as from 8, both divisors of 32: both are offered.
    assert.deepEqual(edits.map((a) => /\bto (\d+)\b/.exec(a.title)?.[1]).sort(), ['4', '8']);
    const toEight = edits.find((a) => /\bto 8\b/.test(a.title))!;
    assert.ok(await vscode.workspace.applyEdit(toEight.edit!));
    assert.match(document.getText(), /"num_key_value_heads": 8,/);
    await diagnosticsWhere(document.uri, 'empty after the fix', (codes) => codes.length === 0);
  });

  test('wrong-type writes the number without quotes', async () => {
    const document = await open('broken/wrong-type/config.json');
    const { actions } = await fixesFor(document, 'kv-lens.wrong-type');
    const fix = actions.find((a) => a.edit && /number 8/.test(a.title));
    assert.ok(fix, 'no edit offered for kv-lens.wrong-type');
    assert.ok(await vscode.workspace.applyEdit(fix.edit!));
    assert.match(document.getText(), /"num_key_value_heads": 8,/);
    await diagnosticsWhere(document.uri, 'free of kv-lens.wrong-type', (codes) => !codes.includes('kv-lens.wrong-type'));
  });

  test('"Turn off KV Lens rule" writes kvLens.ruleSeverities and the diagnostic goes away', async () => {
    const document = await open('broken/kv-heads-above-query-heads/config.json');
    const { actions } = await fixesFor(document, 'kv-lens.kv-heads-above-query-heads');
    const off = actions.find((a) => a.command && /Turn off/.test(a.title) && a.title.includes('kv-lens.kv-heads-above-query-heads'));
    assert.ok(off?.command, 'no "turn off" action');
    await vscode.commands.executeCommand(off.command.command, ...(off.command.arguments ?? []));
    const severities = vscode.workspace.getConfiguration('kvLens').get<Record<string, string>>('ruleSeverities');
    assert.equal(severities?.['kv-lens.kv-heads-above-query-heads'], 'off');
    await diagnosticsWhere(document.uri, 'free of the rule turned off', (codes) => !codes.includes('kv-lens.kv-heads-above-query-heads'));
  });
});
