/// <reference types="mocha" />
/** The panel command opens the KV Lens webview for the config (its contents are checked by the browser end-to-end). */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { closeAll, fixture, open, waitFor } from './helpers';

function kvLensWebviewTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('kvLens.panel'));
}

suite('panel', () => {
  suiteTeardown(closeAll);

  test('kvLens.openPanel opens one KV Lens webview for the active config, and reveals it again', async () => {
    await open('llama-3-8b/config.json');
    const opened = await vscode.commands.executeCommand<string | undefined>('kvLens.openPanel');
    assert.equal(opened, fixture('llama-3-8b/config.json').toString());
    const tab = await waitFor('a KV Lens panel tab', () => kvLensWebviewTabs()[0]);
    assert.match(tab.label, /^KV Lens: /);
    await vscode.commands.executeCommand('kvLens.openPanel', fixture('llama-3-8b/config.json'));
    assert.equal(kvLensWebviewTabs().length, 1);
  });

  test('kvLens.openPanel refuses JSON that is not a model config', async () => {
    await closeAll();
    await open('not-a-model/config.json');
    const opened = await vscode.commands.executeCommand<string | undefined>('kvLens.openPanel');
    assert.equal(opened, undefined);
    assert.equal(kvLensWebviewTabs().length, 0);
  });
});
