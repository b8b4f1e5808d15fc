/**
 * Open JSON documents as KV Lens sees them. Wraps the pure `DocumentStates` cache (one analysis per
 * version) and turns editor events into one debounced `onDidUpdate` per document, which diagnostics,
 * the status bar and the context keys all follow, so typing in a large config analyses it once per pause.
 */
import * as vscode from 'vscode';
import type { Settings } from './config';
import type { Log } from './log';
import { KeyedDebouncer } from './pure/debounce';
import { MODEL_CONFIG_LANGUAGES } from './pure/detect';
import { DocumentStates } from './pure/documentStates';
import type { DocumentInput, DocumentView } from './pure/documentStates';

/** How long typing must pause before a document is re-analysed for diagnostics. */
export const UPDATE_DELAY_MS = 300;

/** A document and its view after an update. */
export interface DocumentUpdate {
  document: vscode.TextDocument;
  view: DocumentView;
}

/** The open documents' KV Lens state. */
export class ModelDocuments implements vscode.Disposable {
  readonly states = new DocumentStates();
  private readonly debouncer = new KeyedDebouncer<string>(UPDATE_DELAY_MS);
  private readonly updated = new vscode.EventEmitter<DocumentUpdate>();
  private readonly closed = new vscode.EventEmitter<vscode.Uri>();
  private readonly subscriptions: vscode.Disposable;
  /** Fires when a document's view is (re)computed: opened, edited (debounced), or settings changed. */
  readonly onDidUpdate = this.updated.event;
  /** Fires when a document closes; its state is already gone. */
  readonly onDidClose = this.closed.event;

  constructor(settings: Settings, private readonly log: Log) {
    this.states.setSettings(settings.value);
    this.subscriptions = vscode.Disposable.from(
      this.updated,
      this.closed,
      settings.onDidChange(({ settings: next }) => {
        this.states.setSettings(next);
        this.updateAll();
      }),
      vscode.workspace.onDidOpenTextDocument((doc) => this.update(doc)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        const doc = event.document;
        if (event.contentChanges.length === 0 || !isCandidate(doc)) return;
        this.debouncer.schedule(doc.uri.toString(), () => this.update(doc));
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        const key = doc.uri.toString();
        this.debouncer.cancel(key);
        this.states.delete(key);
        this.closed.fire(doc.uri);
      }),
    );
  }

  /** The view of a document's current version (cached; computed once per version and settings). */
  view(document: vscode.TextDocument): DocumentView {
    return this.states.get(toInput(document));
  }

  /**
   * The view for display that may lag while the user types: the last computed one when an update is
   * pending (so a CodeLens request does not analyse a large file on every pause), else the current one.
   */
  settledView(document: vscode.TextDocument): DocumentView {
    const key = document.uri.toString();
    return (this.debouncer.isPending(key) ? this.states.latest(key) : undefined) ?? this.view(document);
  }

  /** Recomputes one document now and tells the listeners. */
  update(document: vscode.TextDocument): void {
    if (document.isClosed || !isCandidate(document)) return;
    const started = Date.now();
    const view = this.view(document);
    if (view.isModelConfig) this.log.debug(`analysed ${document.uri.toString()} v${document.version} in ${Date.now() - started} ms`);
    this.updated.fire({ document, view });
  }

  /** Runs a pending debounced update now (commands and tests that need current diagnostics). */
  flush(document: vscode.TextDocument): void {
    if (!this.debouncer.flush(document.uri.toString())) this.update(document);
  }

  /** Updates every open candidate document (start-up, settings changes). */
  updateAll(): void {
    for (const doc of vscode.workspace.textDocuments) this.update(doc);
  }

  dispose(): void {
    this.debouncer.dispose();
    this.subscriptions.dispose();
  }
}

function isCandidate(document: vscode.TextDocument): boolean {
  return MODEL_CONFIG_LANGUAGES.includes(document.languageId);
}

function toInput(document: vscode.TextDocument): DocumentInput {
  const uri = document.uri;
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  const input: DocumentInput = {
    key: uri.toString(),
    version: document.version,
    languageId: document.languageId,
    scheme: uri.scheme,
    path: uri.path,
    getText: () => document.getText(),
  };
  if (folder && uri.path.startsWith(folder.uri.path)) {
    input.relativePath = uri.path.slice(folder.uri.path.length).replace(/^\/+/, '');
  }
  return input;
}
