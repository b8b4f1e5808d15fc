/** "Copy Summary": the model config's attention and KV summary as plain text on the clipboard. */
import * as vscode from 'vscode';
import type { Services } from '../services';
import { targetDocument } from './target';

/** Copies and returns the summary, or undefined (with a message) when the document is not a model config. */
export async function copySummary(services: Services, arg?: unknown): Promise<string | undefined> {
  const document = await targetDocument(arg);
  const summary = document ? (await services.documents.view(document)).summary() : undefined;
  if (!summary) {
    void vscode.window.showInformationMessage('KV Lens: the active editor is not a model config with attention fields.');
    return undefined;
  }
  await vscode.env.clipboard.writeText(summary.text);
  void vscode.window.setStatusBarMessage('KV Lens: summary copied', 3000);
  return summary.text;
}
