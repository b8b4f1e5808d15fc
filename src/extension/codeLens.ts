/**
 * The summary lens at the top of a model config: kind, grouping, KV per token, cost at the user's
 * context; then the KV dtype and context as clickable lenses that change them.
 */
import * as vscode from 'vscode';
import { formatTokens } from '../core/format';
import type { ModelDocuments } from './documents';
import type { Log } from './log';
import { guardedAsync } from './log';
import { CommandId } from './contributions/commandIds';

/** The CodeLens provider for model configs. */
export class CodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscription: vscode.Disposable;
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly documents: ModelDocuments,
    private readonly log: Log,
  ) {
    // Edits re-request lenses by themselves; settings changes (context, dtype) must ask for it.
    this.subscription = documents.onDidUpdate(() => this.changed.fire());
  }

  provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    return guardedAsync(this.log, `CodeLens in ${document.uri.toString()}`, async () => {
      // The update after typing pauses fires onDidChangeCodeLenses, so a lagging lens is replaced within the debounce.
      const view = await this.documents.settledView(document);
      if (!view.isModelConfig) return [];
      const line = document.positionAt(view.rootOffset).line;
      const at = new vscode.Range(line, 0, line, 0);
      const summary = view.summary();
      const report = view.kv();
      if (!summary || !report) {
        const why = view.error ?? 'no attention fields found';
        return [new vscode.CodeLens(at, { title: `KV Lens: ${why}`, command: '' })];
      }
      const uri = document.uri;
      return [
        new vscode.CodeLens(at, { title: `$(symbol-structure) ${summary.lens}`, tooltip: 'Open the KV Lens panel', command: CommandId.OpenPanel, arguments: [uri] }),
        new vscode.CodeLens(at, { title: `KV ${report.dtype}`, tooltip: `KV cache element format (${report.dtypeFrom}): change`, command: CommandId.SelectKvDtype, arguments: [] }),
        new vscode.CodeLens(at, { title: `context ${formatTokens(report.context)}`, tooltip: `Context for costs (${report.contextFrom}): change`, command: CommandId.SelectContext, arguments: [] }),
      ];
    }, []);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
