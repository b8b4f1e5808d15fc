/// <reference types="mocha" />
/** The extension is installed, runs where the workspace is (extensionKind workspace), and activates on a model config. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, closeAll, open, waitFor } from './helpers';

suite('activation', () => {
  suiteTeardown(closeAll);

  test('is installed as a workspace extension', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not installed in this editor`);
    assert.equal(extension.extensionKind, vscode.ExtensionKind.Workspace);
    assert.deepEqual(extension.packageJSON.extensionKind, ['workspace']);
  });

  test('declares analysis for untrusted and virtual workspaces, benchmarks only with trust', () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as {
      capabilities?: { untrustedWorkspaces?: { supported?: unknown; description?: string }; virtualWorkspaces?: unknown };
      engines?: { vscode?: string };
    };
    assert.equal(manifest.capabilities?.untrustedWorkspaces?.supported, 'limited');
    assert.match(manifest.capabilities?.untrustedWorkspaces?.description ?? '', /benchmark/i);
    assert.equal(manifest.capabilities?.virtualWorkspaces, true);
    assert.equal(manifest.engines?.vscode, '^1.99.0');
  });

  test('activates when a model config is opened and marks it as one', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    await open('llama-3-8b/config.json');
    await waitFor('the extension to activate', () => extension.isActive);
    const state = await waitFor('kvLens._getState to see the model config', async () => {
      const s = await vscode.commands.executeCommand<{ isModelConfig: boolean; attentionKind?: string }>('kvLens._getState');
      return s?.isModelConfig ? s : undefined;
    });
    assert.equal(state.attentionKind, 'GQA');
  });
});
