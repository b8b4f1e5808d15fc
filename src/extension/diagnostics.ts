/**
 * Lint findings as diagnostics: one collection, refreshed after each (debounced) document update,
 * cleared when the document closes or stops being a model config.
 */
import * as vscode from 'vscode';
import type { Severity } from '../core/types';
import type { ModelDocuments } from './documents';
import type { Log } from './log';
import { guarded } from './log';
import { toDiagnosticData } from './diagnosticData';
import type { DocumentView } from '../analysis/documentStates';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** A diagnostic's code as a string (VS Code allows a bare value or `{ value, target }`). */
export function diagnosticCode(diagnostic: vscode.Diagnostic): string {
  return typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code ?? '');
}

/** Owns the KV Lens diagnostic collection. */
export class Diagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('kv-lens');
  private readonly subscriptions: vscode.Disposable;

  constructor(documents: ModelDocuments, private readonly log: Log) {
    this.subscriptions = vscode.Disposable.from(
      this.collection,
      documents.onDidUpdate(({ document, view }) => this.refresh(document.uri, view)),
      documents.onDidClose((uri) => this.collection.delete(uri)),
    );
  }

  /** Replaces a document's diagnostics with its view's findings. */
  refresh(uri: vscode.Uri, view: DocumentView): void {
    if (!view.isModelConfig) {
      this.collection.delete(uri);
      return;
    }
    const findings = guarded(this.log, `diagnostics of ${uri.toString()}`, () => view.findings(), []);
    this.collection.set(uri, findings.map((finding) => {
      const data = toDiagnosticData(finding);
      const r = data.range;
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(r.startLine, r.startCharacter, r.endLine, r.endCharacter),
        data.message,
        SEVERITY[data.severity],
      );
      diagnostic.code = data.code;
      diagnostic.source = data.source;
      return diagnostic;
    }));
  }

  dispose(): void {
    this.subscriptions.dispose();
  }
}
