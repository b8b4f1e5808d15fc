/** Restores KV Lens panels after a window reload, from the state the webview persisted. */
import * as vscode from 'vscode';
import { KvLensPanel } from './kvLensPanel';
import { PANEL_VIEW_TYPE, isPanelPersistedState } from '../../shared/panelProtocol';

/**
 * Registers the panel serializer (needs `onWebviewPanel:kvLens.panel` in `activationEvents`).
 * The registration and every panel it restores are owned by `context.subscriptions`; the returned
 * disposable is the same registration, for callers that manage their own lifetimes.
 */
export function registerPanelSerializer(context: vscode.ExtensionContext): vscode.Disposable {
  const registration = vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
      if (!isPanelPersistedState(state)) {
        // Closed before the webview ever saved its state: there is no config to go back to.
        panel.dispose();
        return;
      }
      let uri: vscode.Uri;
      try {
        uri = vscode.Uri.parse(state.uri, true);
      } catch {
        panel.dispose();
        return;
      }
      // The webview restores its controls and last text from its own state; the extension re-reads the file on `ready`.
      KvLensPanel.revive(context, panel, uri);
    },
  });
  context.subscriptions.push(registration);
  return registration;
}
