/**
 * The model config in the active editor, if any, kept current through editor switches and document
 * updates. The status bar item and the context keys follow it.
 */
import * as vscode from 'vscode';
import type { ModelDocuments } from './documents';
import type { DocumentView } from '../analysis/documentStates';

/** The active editor's document and view, or undefined when it is not a model config. */
export interface ActiveConfig {
  document: vscode.TextDocument;
  view: DocumentView;
}

/** Tracks the active model config. */
export class ActiveConfigTracker implements vscode.Disposable {
  private currentValue: ActiveConfig | undefined;
  /** Counts `set` calls, so an older, slower view never replaces a newer one. */
  private requests = 0;
  private readonly changed = new vscode.EventEmitter<ActiveConfig | undefined>();
  private readonly subscriptions: vscode.Disposable;
  /** Fires when the active model config, or its view, changed. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly documents: ModelDocuments) {
    this.subscriptions = vscode.Disposable.from(
      this.changed,
      vscode.window.onDidChangeActiveTextEditor((editor) => this.set(editor?.document)),
      documents.onDidUpdate(({ document }) => {
        if (document === vscode.window.activeTextEditor?.document) this.set(document);
      }),
      documents.onDidClose(() => this.set(vscode.window.activeTextEditor?.document)),
    );
    this.set(vscode.window.activeTextEditor?.document);
  }

  /** The active model config now. */
  get current(): ActiveConfig | undefined {
    return this.currentValue;
  }

  private set(document: vscode.TextDocument | undefined): void {
    const request = ++this.requests;
    if (!document || document.isClosed) {
      this.apply(undefined);
      return;
    }
    // A document being analysed keeps the last known state until its view is ready.
    this.documents.view(document).then(
      (view) => {
        if (request === this.requests) this.apply(view.isModelConfig ? { document, view } : undefined);
      },
      () => {
        if (request === this.requests) this.apply(undefined);
      },
    );
  }

  private apply(value: ActiveConfig | undefined): void {
    this.currentValue = value;
    this.changed.fire(value);
  }

  dispose(): void {
    this.subscriptions.dispose();
  }
}
