/**
 * Config against weights in the editor: when an analysed model config is a `config.json` on disk whose folder
 * holds safetensors (`model.safetensors`, or the index and its shards), the headers are read in a worker thread
 * (the analysis worker's `weights` request: src/analysis/weightsCheck.ts, cached per file size and mtime) and the
 * kv-lens.weights-* findings become diagnostics; the compared fields get a hover saying what they were checked
 * against. Runs after each (debounced) document update, so a config being edited is re-checked once per pause.
 */
import * as vscode from 'vscode';
import { basename, dirname, join } from 'node:path';
import { AnalysisWorkerClient } from '../analysis/client';
import type { DocumentView } from '../analysis/documentStates';
import type { Severity } from '../core/types';
import type { WeightsResult } from '../shared/analysisProtocol';
import type { Settings } from './config';
import { DIAGNOSTIC_SOURCE, toDiagnosticData } from './diagnosticData';
import type { ModelDocuments } from './documents';
import type { Log } from './log';
import { errorMessage } from './log';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** Owns the weights check: its worker, its diagnostics and its hover. */
export class WeightsChecks implements vscode.Disposable {
  /** Its own collection: the document's lint diagnostics are replaced on every update, these when the check answers. */
  readonly collection = vscode.languages.createDiagnosticCollection('kv-lens-weights');
  private readonly worker: AnalysisWorkerClient;
  private readonly results = new Map<string, WeightsResult>();
  private readonly checked = new vscode.EventEmitter<{ uri: vscode.Uri; result: WeightsResult }>();
  /** Fires when a document's check answered (tests wait on it). */
  readonly onDidCheck = this.checked.event;
  private readonly subscriptions: vscode.Disposable;
  /** Model configs seen, so a checkpoint written or changed on disk re-checks the configs beside it. */
  private readonly configs = new Map<string, vscode.TextDocument>();

  constructor(
    documents: ModelDocuments,
    private readonly settings: Settings,
    private readonly log: Log,
    selector: vscode.DocumentSelector,
  ) {
    this.worker = new AnalysisWorkerClient({ onEvent: (message) => log.info(`weights: ${message}`) });
    this.subscriptions = vscode.Disposable.from(
      this.collection,
      this.checked,
      documents.onDidUpdate(({ document, view }) => void this.check(document, view)),
      documents.onDidClose((uri) => this.forget(uri)),
      vscode.languages.registerHoverProvider(selector, { provideHover: (document, position) => this.hover(document, position) }),
      this.watch('**/*.safetensors'),
      this.watch('**/model.safetensors.index.json'),
    );
  }

  /** The latest check of a document (its current version's, or none). */
  result(document: vscode.TextDocument): WeightsResult | undefined {
    const r = this.results.get(document.uri.toString());
    return r && r.version === document.version ? r : undefined;
  }

  private forget(uri: vscode.Uri): void {
    this.results.delete(uri.toString());
    this.configs.delete(uri.toString());
    this.collection.delete(uri);
  }

  /** A checkpoint file created, changed or deleted: check the open configs in its folder again. */
  private watch(glob: string): vscode.Disposable {
    const watcher = vscode.workspace.createFileSystemWatcher(glob);
    const again = (file: vscode.Uri) => {
      for (const document of this.configs.values()) {
        if (!document.isClosed && dirname(document.uri.fsPath) === dirname(file.fsPath)) void this.run(document);
      }
    };
    return vscode.Disposable.from(watcher, watcher.onDidCreate(again), watcher.onDidChange(again), watcher.onDidDelete(again));
  }

  private async check(document: vscode.TextDocument, view: DocumentView): Promise<void> {
    const uri = document.uri;
    if (!view.isModelConfig || uri.scheme !== 'file' || basename(uri.fsPath) !== 'config.json') {
      this.forget(uri);
      return;
    }
    this.configs.set(uri.toString(), document);
    await this.run(document);
  }

  private async run(document: vscode.TextDocument): Promise<void> {
    const uri = document.uri;
    // No checkpoint beside it (most configs): no worker is started for it.
    if (!(await hasCheckpoint(dirname(uri.fsPath)))) {
      this.results.delete(uri.toString());
      this.collection.delete(uri);
      return;
    }
    const version = document.version;
    let result: WeightsResult;
    try {
      result = await this.worker.weights({ key: uri.toString(), version, configPath: uri.fsPath, text: document.getText(), settings: this.settings.value });
    } catch (error) {
      this.log.warn(`weights check of ${uri.toString()} failed: ${errorMessage(error)}`);
      return;
    }
    if (document.isClosed || document.version !== version) return;
    for (const e of result.errors) this.log.warn(`weights: ${e}`);
    this.results.set(uri.toString(), result);
    this.collection.set(uri, result.findings.map((finding) => {
      const data = toDiagnosticData(finding);
      const r = data.range;
      const diagnostic = new vscode.Diagnostic(new vscode.Range(r.startLine, r.startCharacter, r.endLine, r.endCharacter), data.message, SEVERITY[data.severity]);
      diagnostic.code = data.code;
      diagnostic.source = DIAGNOSTIC_SOURCE;
      return diagnostic;
    }));
    this.checked.fire({ uri, result });
  }

  private hover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const result = this.result(document);
    if (!result) return undefined;
    const offset = document.offsetAt(position);
    const h = result.hovers.find((x) => offset >= x.range.offset && offset <= x.range.offset + x.range.length);
    if (!h) return undefined;
    // The core escaped everything from the files; no command links, no HTML.
    const md = new vscode.MarkdownString(h.markdown);
    md.supportHtml = false;
    md.isTrusted = false;
    return new vscode.Hover(md, new vscode.Range(document.positionAt(h.range.offset), document.positionAt(h.range.offset + h.range.length)));
  }

  dispose(): void {
    this.subscriptions.dispose();
    this.worker.dispose();
  }
}

/** Whether a folder holds model.safetensors or its index (one stat each, through VS Code's file system). */
async function hasCheckpoint(folder: string): Promise<boolean> {
  for (const name of ['model.safetensors', 'model.safetensors.index.json']) {
    try {
      const st = await vscode.workspace.fs.stat(vscode.Uri.file(join(folder, name)));
      if (st.type & vscode.FileType.File) return true;
    } catch {
      // absent
    }
  }
  return false;
}
