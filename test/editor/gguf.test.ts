/// <reference types="mocha" />
/**
 * The GGUF custom editor in the real editor: a `.gguf` written into the workspace opens (as a double-click
 * does, `vscode.open`) in KV Lens's read-only editor, whose panel shows the analysis computed with llama.cpp's
 * rules. Run alone, the editor is left open, so the run's final screenshot (final.png) shows the panel.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { str, u32, writeGguf } from '../support/ggufWriter';
import { closeAll, waitFor, workspaceRoot } from './helpers';

/** What the editor reports for a file (src/extension/gguf/editor.ts GgufEditorState). */
interface GgufEditorState {
  shown: 'model' | 'error';
  attentionKind?: string;
  layers?: number;
  exactWeightsBytes?: number;
  error?: string;
}

function ggufTab(uri: vscode.Uri): vscode.Tab | undefined {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .find((t) => t.input instanceof vscode.TabInputCustom && t.input.viewType === 'kvLens.ggufEditor' && t.input.uri.toString() === uri.toString());
}

async function shown(uri: vscode.Uri): Promise<GgufEditorState> {
  return waitFor(`the GGUF editor to show ${uri.path}`, async () => vscode.commands.executeCommand<GgufEditorState | undefined>('kvLens._ggufEditorState', uri.toString()));
}

suite('gguf editor', () => {
  suiteSetup(closeAll);
  // Run alone (KV_LENS_EDITOR_GREP), the editor stays open for the run's final screenshot; in the full suite it is closed.
  suiteTeardown(async () => {
    if (!process.env.KV_LENS_EDITOR_GREP) await closeAll();
  });

  test('a .gguf that is not a GGUF opens with the error, not a crash', async () => {
    const uri = vscode.Uri.joinPath(workspaceRoot(), 'not-really.gguf');
    await writeGguf(uri.fsPath, { kv: [], magic: 'NOPE' });
    await vscode.commands.executeCommand('vscode.open', uri);
    await waitFor('the GGUF editor tab', () => ggufTab(uri));
    const state = await shown(uri);
    assert.equal(state.shown, 'error');
    assert.match(state.error ?? '', /not a GGUF file/);
    await closeAll();
  });

  test('Gemma-3 27B GGUF: opened by default in the KV Lens editor, the panel shows its llama.cpp analysis', async () => {
    // gemma-3-27b-it metadata (as in test/unit/gguf.test.ts) and one Q4_K tensor of 5376 x 262144: 144 bytes per 256 values.
    const uri = vscode.Uri.joinPath(workspaceRoot(), 'gemma-3-27b-it-Q4_K_M.gguf');
    await writeGguf(uri.fsPath, { kv: [
      ['general.architecture', str('gemma3')], ['general.name', str('Gemma 3 27B It')], ['gemma3.block_count', u32(62)], ['gemma3.context_length', u32(131072)],
      ['gemma3.embedding_length', u32(5376)], ['gemma3.attention.head_count', u32(32)], ['gemma3.attention.head_count_kv', u32(16)],
      ['gemma3.attention.key_length', u32(128)], ['gemma3.attention.value_length', u32(128)], ['gemma3.attention.sliding_window', u32(1024)], ['general.file_type', u32(15)],
    ], tensors: [{ name: 'token_embd.weight', shape: [5376, 262144], type: 12 }] });
    await vscode.commands.executeCommand('vscode.open', uri);
    const tab = await waitFor('the GGUF editor tab', () => ggufTab(uri));
    assert.ok(tab.input instanceof vscode.TabInputCustom);
    const state = await shown(uri);
    assert.equal(state.shown, 'model', state.error);
    assert.equal(state.attentionKind, 'GQA');
    assert.equal(state.layers, 62);
    assert.equal(state.exactWeightsBytes, (5376 * 262144 / 256) * 144);
  });
});
