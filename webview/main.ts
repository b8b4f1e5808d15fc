/**
 * Entry of the KV Lens panel bundle (browser/iife). Registers only the VS Code Elements it uses,
 * pulls in the stylesheet (esbuild emits dist/webview/webview.css beside the script) and starts
 * the app once the DOM is there.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import './styles.css';
import { PanelApp, type WebviewApi } from './app';

declare function acquireVsCodeApi(): WebviewApi;

function main(): void {
  const root = document.getElementById('app');
  if (!root) return;
  // acquireVsCodeApi may be called once per page load.
  const app = new PanelApp(root, acquireVsCodeApi());
  app.start();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main, { once: true });
else main();
