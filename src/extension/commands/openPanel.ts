/** "Open Panel": the KV Lens panel (what-if, fit, benchmarks) for a model config. */
import * as vscode from 'vscode';
import type { Services } from '../services';
import { targetDocument } from './target';

/** Opens or reveals the panel for the given or active document; resolves to its URI, or undefined. */
export async function openPanel(services: Services, arg?: unknown): Promise<string | undefined> {
  const document = await targetDocument(arg);
  if (!document || !(await services.documents.view(document)).isModelConfig) {
    void vscode.window.showInformationMessage('KV Lens: open a model config.json (with model_type, architectures or attention fields) first.');
    return undefined;
  }
  services.panels.show(document.uri);
  return document.uri.toString();
}
