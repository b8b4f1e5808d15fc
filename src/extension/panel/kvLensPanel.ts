/**
 * The KV Lens panel, extension side: one WebviewPanel per config uri, fed by postMessage.
 *
 * The webview does the analysis itself (the core is browser-safe); this side only sends the
 * document's text, the settings and benchmark results, and serves the webview's requests that need
 * the editor (save dialog, clipboard, revealing the source).
 */
import * as vscode from 'vscode';
import { renderPanelHtml, makeNonce } from './html';
import type { Log } from '../log';
import {
  isFromPanelMessage,
  type FromPanelMessage,
  type PanelBenchmarkRun,
  type PanelExportReply,
  type PanelExportRequest,
  type PanelFidelity,
  type PanelSettings,
  type ToPanelMessage,
} from '../../shared/panelProtocol';
import { serve } from '../../shared/messaging';
import type { RequestEnvelope } from '../../shared/messaging';

/** The webview's messages that are not requests (they need no reply). */
type PanelNotice = Exclude<FromPanelMessage, RequestEnvelope<PanelExportRequest>>;

/** The folder the webview may load from: the built bundle only. */
function webviewRoot(context: vscode.ExtensionContext): vscode.Uri {
  return vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview');
}

/** Webview options shared by new and restored panels. */
export function panelOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [webviewRoot(context)], enableFindWidget: true };
}

/** "Meta-Llama-3-8B-Instruct/config.json": the parent folder says which model a config.json is. */
function displayNameOf(uri: vscode.Uri): string {
  const parts = uri.path.split('/').filter(Boolean);
  return parts.slice(-2).join('/') || uri.toString();
}

/** What a panel needs from the service that owns it. */
export interface PanelFeeds {
  /** The settings the controls start from: the same ones every other surface uses. */
  settings(): PanelSettings;
  /** The latest benchmark run of this config, kept across reloads by the benchmark results store. */
  latestRun(): PanelBenchmarkRun | undefined;
  /** Conversion fidelity for this config, one entry per KV head count (the panels service's FidelityStore). */
  fidelity(): PanelFidelity[];
  onDispose(): void;
  log: Log;
}

/** A KV Lens panel bound to one config document; created and fed by the panels service (panels.ts). */
export class KvLensPanel implements vscode.Disposable {
  /** The panel title for a config. */
  static title(uri: vscode.Uri): string {
    return `KV Lens: ${displayNameOf(uri)}`;
  }

  private readonly disposables: vscode.Disposable[] = [];
  private readonly serveRequest = serve<PanelExportRequest, PanelExportReply>({
    post: (reply) => this.post(reply),
    answer: (request) => this.export(request),
    failed: (error) => ({ type: 'exportResult', outcome: 'failed', message: error instanceof Error ? error.message : String(error) }),
  });
  private ready = false;
  private disposed = false;
  private copyNotice: vscode.Disposable | undefined;
  /** The document version last posted, so a settings-only update does not resend the text. */
  private sentVersion: number | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly panel: vscode.WebviewPanel,
    readonly uri: vscode.Uri,
    private readonly feeds: PanelFeeds,
  ) {
    panel.title = KvLensPanel.title(uri);
    panel.webview.html = this.html();

    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => {
        // Requests (export) are answered by the protocol's one server; the rest are notices.
        if (!isFromPanelMessage(message) || this.serveRequest(message)) return;
        void this.onMessage(message as PanelNotice).catch((error: unknown) => feeds.log.error(`panel ${uri.toString()}: ${String(error)}`));
      }),
    );
    // A file may change on disk without an open editor seeing it (git checkout, a script); open documents
    // reach the panel through the document model instead.
    if (uri.scheme === 'file') {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), uri.path.split('/').pop() ?? '*'));
      const reread = () => {
        if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) void this.readAndShow();
      };
      this.disposables.push(
        watcher,
        watcher.onDidChange(reread),
        watcher.onDidCreate(reread),
        watcher.onDidDelete(() => this.post({ type: 'documentError', uri: this.uri.toString(), message: `${displayNameOf(this.uri)} was deleted; showing its last contents.` })),
      );
    }
  }

  /** Shows a version of the document (from the document model), unless it is the one already shown. */
  showDocument(document: vscode.TextDocument): void {
    if (this.ready && this.sentVersion === document.version) return;
    this.sentVersion = document.version;
    this.post({ type: 'document', uri: this.uri.toString(), displayName: displayNameOf(this.uri), text: document.getText(), version: document.version });
  }

  /** The settings changed. */
  showSettings(settings: PanelSettings): void {
    this.post({ type: 'settings', settings });
  }

  /** Shows benchmark results for this config. */
  showBenchmarkResults(run: PanelBenchmarkRun): void {
    this.post({ type: 'benchmarkResults', run });
  }

  /** Shows conversion fidelity for this config (every KV head count converted to). */
  showFidelity(results: PanelFidelity[]): void {
    this.post({ type: 'fidelityResults', results });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.copyNotice?.dispose();
    this.feeds.onDispose();
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private html(): string {
    const root = webviewRoot(this.context);
    const webview = this.panel.webview;
    return renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'webview.css')).toString(),
      title: `KV Lens: ${displayNameOf(this.uri)}`,
    });
  }

  /**
   * Posts when the webview listens. Before its `ready` nothing is kept: messages to a loading webview are lost,
   * and `ready` is answered with everything current (settings, the document, the latest run) anyway.
   */
  private post(message: ToPanelMessage): void {
    if (this.disposed || !this.ready) return;
    void this.panel.webview.postMessage(message);
  }

  private async readAndShow(): Promise<void> {
    try {
      this.sentVersion = undefined;
      this.showDocument(await vscode.workspace.openTextDocument(this.uri));
    } catch (error) {
      this.post({ type: 'documentError', uri: this.uri.toString(), message: `Cannot read ${displayNameOf(this.uri)}: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  private async onMessage(message: PanelNotice): Promise<void> {
    switch (message.type) {
      case 'ready':
        // Every (re)load of the webview - first open, shown again after hiding, window reload - says
        // ready; answer with a full snapshot so it never shows stale or nothing.
        this.ready = true;
        this.post({ type: 'settings', settings: this.feeds.settings() });
        await this.readAndShow();
        {
          const run = this.feeds.latestRun();
          if (run) this.post({ type: 'benchmarkResults', run });
          const fidelity = this.feeds.fidelity();
          if (fidelity.length) this.post({ type: 'fidelityResults', results: fidelity });
        }
        return;
      case 'copy':
        await vscode.env.clipboard.writeText(message.text);
        this.copyNotice?.dispose();
        this.copyNotice = vscode.window.setStatusBarMessage(`KV Lens: copied ${message.what} as Markdown`, 3000);
        return;
      case 'revealSource': {
        const document = await vscode.workspace.openTextDocument(this.uri);
        const position = document.positionAt(message.offset ?? 0);
        await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(position, position) });
        return;
      }
    }
  }

  private async export(request: RequestEnvelope<PanelExportRequest>): Promise<PanelExportReply> {
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(this.uri, '..', request.suggestedName.replace(/[\\/]/g, '_')),
      filters: request.format === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
      title: `Export KV Lens figures as ${request.format.toUpperCase()}`,
    });
    if (!target) return { type: 'exportResult', outcome: 'cancelled' };
    try {
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(request.content));
      return { type: 'exportResult', outcome: 'saved', path: target.fsPath };
    } catch (error) {
      return { type: 'exportResult', outcome: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
  }
}
