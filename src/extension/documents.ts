/**
 * Open JSON documents as KV Lens sees them. Wraps the pure `DocumentStates` cache (one analysis per
 * version; large documents analysed in the analysis worker thread) and turns editor events into one
 * debounced `onDidUpdate` per document, which diagnostics, the status bar and the context keys all
 * follow, so typing in a large config analyses it once per pause, and never on the editor's thread.
 */
import * as vscode from 'vscode';
import type { HoverContent } from '../core/hover';
import { LocalBackend, isOvertaken, retryOvertaken } from '../analysis/backend';
import { AnalysisWorkerClient } from '../analysis/client';
import type { Settings } from './config';
import type { Log } from './log';
import { errorMessage } from './log';
import { KeyedDebouncer } from './debounce';
import { MODEL_CONFIG_LANGUAGES } from '../analysis/eligibility';
import { DocumentStates } from '../analysis/documentStates';
import type { DocumentInput, DocumentView } from '../analysis/documentStates';

/** How long typing must pause before a document is re-analysed for diagnostics. */
export const UPDATE_DELAY_MS = 300;

/** A document and its view after an update. */
export interface DocumentUpdate {
  document: vscode.TextDocument;
  view: DocumentView;
}

/** The open documents' KV Lens state. */
export class ModelDocuments implements vscode.Disposable {
  private readonly worker: AnalysisWorkerClient;
  readonly states: DocumentStates;
  /** Documents whose failed analysis was already announced (one message per document until it recovers). */
  private readonly announced = new Set<string>();
  private readonly debouncer = new KeyedDebouncer<string>(UPDATE_DELAY_MS);
  private readonly updated = new vscode.EventEmitter<DocumentUpdate>();
  private readonly closed = new vscode.EventEmitter<vscode.Uri>();
  private readonly subscriptions: vscode.Disposable;
  /** Fires when a document's view is (re)computed: opened, edited (debounced), or settings changed. */
  readonly onDidUpdate = this.updated.event;
  /** Fires when a document closes; its state is already gone. */
  readonly onDidClose = this.closed.event;

  constructor(settings: Settings, private readonly log: Log) {
    this.worker = new AnalysisWorkerClient({ onEvent: (message) => log.info(message) });
    this.states = new DocumentStates({ local: new LocalBackend(), offThread: this.worker });
    this.states.setSettings(settings.value);
    this.subscriptions = vscode.Disposable.from(
      this.updated,
      this.closed,
      settings.onDidChange(({ settings: next }) => {
        this.states.setSettings(next);
        this.updateAll();
      }),
      vscode.workspace.onDidOpenTextDocument((doc) => void this.update(doc)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        const doc = event.document;
        if (event.contentChanges.length === 0 || !isCandidate(doc)) return;
        // Edits to a document analysed in the worker travel as edits: its next analysis need not copy the whole text.
        const key = doc.uri.toString();
        if (this.states.recordsChanges(key)) {
          this.states.recordChanges(key, doc.version, event.contentChanges.map((c) => ({ offset: c.rangeOffset, length: c.rangeLength, text: c.text })));
        }
        this.debouncer.schedule(key, () => void this.update(doc));
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        const key = doc.uri.toString();
        this.debouncer.cancel(key);
        this.states.delete(key);
        this.announced.delete(key);
        this.closed.fire(doc.uri);
      }),
    );
  }

  /** The view of a document's current version (cached; computed once per version and settings). */
  async view(document: vscode.TextDocument): Promise<DocumentView> {
    // A version dropped for a newer one while it waited for the worker: answer for the newer one.
    return retryOvertaken(() => this.states.get(toInput(document)), () => document.isClosed);
  }

  /**
   * The view for display that may lag while the user types: the last computed one when an update is
   * pending (so a CodeLens request does not analyse a large file on every pause), else the current one.
   */
  settledView(document: vscode.TextDocument): Promise<DocumentView> {
    const key = document.uri.toString();
    const latest = this.debouncer.isPending(key) ? this.states.latest(key) : undefined;
    return latest ? Promise.resolve(latest) : this.view(document);
  }

  /** The hover at an offset of the document's current version. */
  hover(document: vscode.TextDocument, offset: number): Promise<HoverContent | undefined> {
    return this.states.hover(toInput(document), offset);
  }

  /**
   * Recomputes one document and tells the listeners. Resolves once they have been told, or when a newer
   * version overtook this one (its own update follows).
   */
  async update(document: vscode.TextDocument): Promise<void> {
    if (document.isClosed || !isCandidate(document)) return;
    const started = Date.now();
    let view: DocumentView;
    try {
      view = await this.view(document);
    } catch (error) {
      if (isOvertaken(error)) return;
      this.log.error(`analysis of ${document.uri.toString()} failed: ${errorMessage(error)}`);
      return;
    }
    // Edited (or closed) while it was analysed: the update for the newer version will tell the listeners.
    if (document.isClosed || document.version !== view.version) return;
    const key = document.uri.toString();
    if (view.failure !== undefined) {
      this.log.warn(`${key} v${view.version}: ${view.failure}`);
      if (!this.announced.has(key)) {
        this.announced.add(key);
        void vscode.window.showWarningMessage(`KV Lens could not analyse ${vscode.workspace.asRelativePath(document.uri)}: ${view.failure}. The file is untouched; editing it tries again.`);
      }
    } else {
      this.announced.delete(key);
    }
    const snapshot = view.snapshot;
    if (snapshot && !snapshot.sniffedOut) {
      this.log.debug(`${snapshot.analysed ? 'analysed' : 'refreshed'} ${key} v${view.version} in ${Date.now() - started} ms (${snapshot.elapsedMs} ms of it analysing${snapshot.outline ? ', in outline' : ''})`);
    }
    this.updated.fire({ document, view });
  }

  /** Runs a pending debounced update now (commands and tests that need current diagnostics). */
  async flush(document: vscode.TextDocument): Promise<void> {
    const key = document.uri.toString();
    if (this.debouncer.isPending(key)) this.debouncer.cancel(key);
    await this.update(document);
  }

  /** Updates every open candidate document (start-up, settings changes). */
  updateAll(): void {
    for (const doc of vscode.workspace.textDocuments) void this.update(doc);
  }

  dispose(): void {
    this.debouncer.dispose();
    this.subscriptions.dispose();
    this.worker.dispose();
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
