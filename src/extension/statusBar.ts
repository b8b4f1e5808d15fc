/**
 * A status bar item for the active model config: kind, heads and the cache at the user's context.
 * Hidden for every other editor.
 */
import * as vscode from 'vscode';
import type { ActiveConfigTracker, ActiveConfig } from './activeConfig';
import { CommandId } from './contributions/commandIds';

/** Owns the status bar item. */
export class StatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('kvLens.summary', vscode.StatusBarAlignment.Right, 100);
  private readonly subscription: vscode.Disposable;

  constructor(active: ActiveConfigTracker) {
    this.item.name = 'KV Lens';
    this.subscription = active.onDidChange((config) => this.render(config));
    this.render(active.current);
  }

  private render(config: ActiveConfig | undefined): void {
    const summary = config?.view.summary();
    if (!config || !summary) {
      this.item.hide();
      return;
    }
    this.item.text = `$(database) ${summary.status}`;
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(summary.text);
    tooltip.appendMarkdown('\n\n_Click to open the KV Lens panel._');
    this.item.tooltip = tooltip;
    this.item.command = { title: 'Open KV Lens panel', command: CommandId.OpenPanel, arguments: [config.document.uri] };
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
