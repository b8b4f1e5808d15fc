/**
 * What the in-editor tests share: the fixture workspace (a fresh copy of test/editor/workspace made by the
 * launcher), condition waits, and thin wrappers over the VS Code API calls the tests make.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

/** Records a measurement line for the launcher to print (speed figures are printed, never asserted). */
export function figure(line: string): void {
  const store = globalThis as Record<string, unknown>;
  // The key matches FIGURES_KEY in index.ts (a separate bundle).
  ((store.__kvLensEditorFigures ??= []) as string[]).push(line);
}

/** The extension under test, as package.json names it. */
export const EXTENSION_ID = 'kv-lens.kv-lens';
/** The `source` KV Lens diagnostics carry. */
export const SOURCE = 'KV Lens';

/** The fixture workspace folder the editor was opened on. */
export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the editor was opened without the fixture workspace folder');
  return folder.uri;
}

/** A file in the fixture workspace, by relative path. */
export function fixture(relative: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relative.split('/'));
}

/** Opens a fixture in an editor (so the extension sees it as a user would) and returns the document. */
export async function open(relative: string): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(fixture(relative));
  await vscode.window.showTextDocument(document, { preview: false });
  return document;
}

/** Polls until `probe` gives a value (not undefined/false) or the time is up; the error names the condition. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `; last error: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The offset just inside the first occurrence of `"key"` (on the key's name). */
export function keyPosition(document: vscode.TextDocument, key: string): vscode.Position {
  const offset = document.getText().indexOf(`"${key}"`);
  assert.ok(offset >= 0, `${key} not found in ${document.uri.path}`);
  return document.positionAt(offset + 2);
}

/** The text of every hover at a position, from every provider, joined. */
export async function hoverTexts(document: vscode.TextDocument, position: vscode.Position): Promise<string[]> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position)) ?? [];
  return hovers.map((h) =>
    h.contents.map((c) => (typeof c === 'string' ? c : c instanceof vscode.MarkdownString ? c.value : c.value)).join('\n'),
  );
}

/** The KV Lens hover at a key, once the extension provides one. */
export async function kvLensHover(document: vscode.TextDocument, key: string): Promise<string> {
  const position = keyPosition(document, key);
  return waitFor(`a KV Lens hover on ${key} in ${document.uri.path}`, async () =>
    (await hoverTexts(document, position)).find((text) => /KV/.test(text)),
  );
}

/** KV Lens diagnostics for a document, as they are now. */
export function kvLensDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

/** A diagnostic's code as a string (`kv-lens.*`). */
export function codeOf(diagnostic: vscode.Diagnostic): string {
  const code = diagnostic.code;
  return typeof code === 'object' ? String(code.value) : String(code ?? '');
}

/** Waits until the document's KV Lens diagnostic codes satisfy `accept`, and returns the diagnostics. */
export async function diagnosticsWhere(uri: vscode.Uri, what: string, accept: (codes: string[]) => boolean): Promise<vscode.Diagnostic[]> {
  return waitFor(`KV Lens diagnostics on ${uri.path} to be ${what}`, () => {
    const diagnostics = kvLensDiagnostics(uri);
    return accept(diagnostics.map(codeOf)) ? diagnostics : undefined;
  });
}

/** Sets a `kvLens.*` user setting and resolves once VS Code has applied it. */
export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('kvLens').update(key, value, vscode.ConfigurationTarget.Global);
  await waitFor(`kvLens.${key} to read back as ${JSON.stringify(value)}`, () => {
    const now = vscode.workspace.getConfiguration('kvLens').inspect(key)?.globalValue;
    return JSON.stringify(now) === JSON.stringify(value);
  });
}

/** Every KV Lens setting back to its default (teardown). */
export async function resetSettings(): Promise<void> {
  const config = vscode.workspace.getConfiguration('kvLens');
  for (const key of ['context', 'batch', 'kvDtype', 'tensorParallel', 'gpuMemoryGiB', 'ruleSeverities', 'extraGlobs']) {
    if (config.inspect(key)?.globalValue !== undefined) await setSetting(key, undefined);
  }
}

/** The open documents that are fixture files (not settings or other editor-owned files). */
export function fixtureDocuments(): vscode.TextDocument[] {
  const root = workspaceRoot().toString();
  return vscode.workspace.textDocuments.filter((d) => d.uri.toString().startsWith(`${root}/`));
}

/** Drops a document's unsaved changes (the file on disk is the fixture; tests never save). */
export async function revert(document: vscode.TextDocument): Promise<void> {
  if (!document.isDirty) return;
  await vscode.window.showTextDocument(document, { preview: false });
  await vscode.commands.executeCommand('workbench.action.files.revert');
  await waitFor(`${document.uri.path} to be reverted`, () => !document.isDirty);
}

/** Closes every editor and panel so each suite starts from nothing open (revert dirty documents first). */
export async function closeAll(): Promise<void> {
  for (const document of fixtureDocuments()) await revert(document);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await waitFor('every editor to close', () => vscode.window.tabGroups.all.every((g) => g.tabs.length === 0));
}

/** What `kvLens._getState` reports for a document (the fields the tests read). */
export interface DocumentState {
  isModelConfig: boolean;
  attentionKind?: string;
  version: number;
  findings: { code: string; severity: string }[];
}

/** The extension's view of a document once it has analysed the document's current version. */
export async function analysedState(document: vscode.TextDocument): Promise<DocumentState> {
  return waitFor(`KV Lens to analyse ${document.uri.path} v${document.version}`, async () => {
    const state = await vscode.commands.executeCommand<DocumentState | undefined>('kvLens._getState', document.uri);
    return state && state.version === document.version ? state : undefined;
  });
}
