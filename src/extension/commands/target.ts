/** Which document a command acts on: the one it was given (uri, string, `{ uri }`), else the active editor's. */
import * as vscode from 'vscode';

/** Resolves a command argument to a text document, opening it if needed. */
export async function targetDocument(arg: unknown): Promise<vscode.TextDocument | undefined> {
  const uri = toUri(arg);
  if (uri) return vscode.workspace.openTextDocument(uri);
  return vscode.window.activeTextEditor?.document;
}

function toUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg) return vscode.Uri.parse(arg, true);
  if (arg && typeof arg === 'object' && 'uri' in arg) return toUri((arg as { uri: unknown }).uri);
  return undefined;
}
