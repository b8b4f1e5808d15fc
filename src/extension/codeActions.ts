/**
 * Quick fixes from the core's findings, as minimal jsonc-parser edits that keep the file's formatting,
 * plus "turn this rule off" for every KV Lens diagnostic.
 */
import * as vscode from 'vscode';
import { diagnosticCode } from './diagnostics';
import type { ModelDocuments } from './documents';
import type { Log } from './log';
import { guardedAsync } from './log';
import { CommandId } from './contributions/commandIds';
import { DIAGNOSTIC_SOURCE, findingFor } from './diagnosticData';
import { detectFormatting, fixEdits } from './fixEdits';
import type { WeightsChecks } from './weights';

/** The code action provider for model configs. */
export class CodeActionProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(
    private readonly documents: ModelDocuments,
    private readonly log: Log,
    /** The config-vs-weights findings carry fixes too (weights.ts). */
    private readonly weights?: WeightsChecks,
  ) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    if (ours.length === 0) return Promise.resolve([]);
    return guardedAsync(this.log, `quick fixes in ${document.uri.toString()}`, async () => {
      const version = document.version;
      const view = await this.documents.view(document);
      if (document.version !== version) return [];
      const findings = [...view.findings(), ...(this.weights?.result(document)?.findings ?? [])];
      const text = document.getText();
      const formatting = detectFormatting(text);
      const actions: vscode.CodeAction[] = [];
      for (const diagnostic of ours) {
        const code = diagnosticCode(diagnostic);
        // A diagnostic from an older version no longer matches a finding: VS Code asks again after the refresh.
        const finding = findingFor(findings, code, document.offsetAt(diagnostic.range.start));
        for (const fix of finding?.fixes ?? []) {
          const edit = new vscode.WorkspaceEdit();
          for (const e of fixEdits(text, fix, formatting)) {
            edit.replace(document.uri, new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)), e.content);
          }
          const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
          action.edit = edit;
          action.diagnostics = [diagnostic];
          action.isPreferred = finding?.fixes.length === 1;
          actions.push(action);
        }
        const off = new vscode.CodeAction(`Turn off KV Lens rule ${code}`, vscode.CodeActionKind.QuickFix);
        off.command = { command: CommandId.SetRuleSeverity, title: off.title, arguments: [code, 'off'] };
        off.diagnostics = [diagnostic];
        actions.push(off);
      }
      return actions;
    }, []);
  }
}
