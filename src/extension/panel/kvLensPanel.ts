/**
 * The KV Lens panel, extension side: one WebviewPanel per config uri, fed by postMessage.
 *
 * The webview does the analysis itself (the core is browser-safe); this side only sends the
 * document's text, the settings and benchmark results, and serves the webview's requests that need
 * the editor (save dialog, clipboard, revealing the source).
 */
import * as vscode from 'vscode';
import { renderPanelHtml, makeNonce } from './html';
import { affectsPanel, readPanelSettings } from './settings';
import {
  PANEL_VIEW_TYPE,
  isFromPanelMessage,
  type FromPanelMessage,
  type PanelBenchmarkRun,
  type PanelExportReply,
  type PanelExportRequest,
  type ToPanelMessage,
} from '../../shared/panelProtocol';
import type { RequestEnvelope } from '../../shared/messaging';

/** How long edits settle before the panel recomputes: typing stays smooth, the view stays current. */
const EDIT_DEBOUNCE_MS = 300;

/** The open panels of one activation, keyed by document uri. Disposed with the extension. */
class PanelRegistry implements vscode.Disposable {
  readonly panels = new Map<string, KvLensPanel>();
  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }
}

// Keyed by the activation's context, so each activation owns its panels and nothing outlives it.
const registries = new WeakMap<vscode.ExtensionContext, PanelRegistry>();

function registryFor(context: vscode.ExtensionContext): PanelRegistry {
  let registry = registries.get(context);
  if (!registry) {
    registry = new PanelRegistry();
    registries.set(context, registry);
    context.subscriptions.push(registry);
  }
  return registry;
}

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

/** A KV Lens panel bound to one config document. */
export class KvLensPanel implements vscode.Disposable {
  /** Opens the panel for `uri`, or reveals the one already open for it. */
  static createOrShow(context: vscode.ExtensionContext, uri: vscode.Uri): KvLensPanel {
    const registry = registryFor(context);
    const existing = registry.panels.get(uri.toString());
    if (existing) {
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      `KV Lens: ${displayNameOf(uri)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      panelOptions(context),
    );
    return new KvLensPanel(context, registry, panel, uri);
  }

  /** Takes over a panel VS Code restored after a reload (called by the serializer). */
  static revive(context: vscode.ExtensionContext, panel: vscode.WebviewPanel, uri: vscode.Uri): KvLensPanel {
    const registry = registryFor(context);
    const existing = registry.panels.get(uri.toString());
    if (existing) {
      // Two restored panels for one config would break "one panel per config": keep the first.
      panel.dispose();
      return existing;
    }
    panel.webview.options = panelOptions(context);
    return new KvLensPanel(context, registry, panel, uri);
  }

  /** The open panel for a config, if any (for the benchmark command to post results to). */
  static find(context: vscode.ExtensionContext, uri: vscode.Uri): KvLensPanel | undefined {
    return registries.get(context)?.panels.get(uri.toString());
  }

  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private queue: ToPanelMessage[] = [];
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private benchmarks: PanelBenchmarkRun | undefined;
  private disposed = false;
  private copyNotice: vscode.Disposable | undefined;

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly registry: PanelRegistry,
    readonly panel: vscode.WebviewPanel,
    readonly uri: vscode.Uri,
  ) {
    registry.panels.set(uri.toString(), this);
    panel.title = `KV Lens: ${displayNameOf(uri)}`;
    panel.webview.html = this.html();

    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (isFromPanelMessage(message)) void this.onMessage(message);
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document.uri.toString() === this.uri.toString()) this.scheduleUpdate();
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (affectsPanel(event)) this.post({ type: 'settings', settings: readPanelSettings(this.uri) });
      }),
    );
    // A file may change on disk without an open editor seeing it (git checkout, a script).
    if (uri.scheme === 'file') {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), uri.path.split('/').pop() ?? '*'));
      this.disposables.push(
        watcher,
        watcher.onDidChange(() => this.scheduleUpdate()),
        watcher.onDidCreate(() => this.scheduleUpdate()),
        watcher.onDidDelete(() => this.post({ type: 'documentError', uri: this.uri.toString(), message: `${displayNameOf(this.uri)} was deleted; showing its last contents.` })),
      );
    }
  }

  /** Shows benchmark results for this config; they survive hiding and reloads (webview state). */
  showBenchmarkResults(run: PanelBenchmarkRun): void {
    this.benchmarks = run;
    this.post({ type: 'benchmarkResults', run });
  }

  /** Brings the panel to the front. */
  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.debounce) clearTimeout(this.debounce);
    this.copyNotice?.dispose();
    if (this.registry.panels.get(this.uri.toString()) === this) this.registry.panels.delete(this.uri.toString());
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

  /** Posts now when the webview listens, else queues (messages to a loading webview are lost). */
  private post(message: ToPanelMessage): void {
    if (this.disposed) return;
    if (!this.ready) {
      // Only the latest document / settings matter; keep replies and benchmark results in order.
      this.queue = this.queue.filter((m) => m.type !== message.type || m.type === 'exportResult');
      this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  private scheduleUpdate(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.sendDocument();
    }, EDIT_DEBOUNCE_MS);
  }

  private async sendDocument(): Promise<void> {
    try {
      const document = await vscode.workspace.openTextDocument(this.uri);
      this.post({ type: 'document', uri: this.uri.toString(), displayName: displayNameOf(this.uri), text: document.getText(), version: document.version });
    } catch (error) {
      this.post({ type: 'documentError', uri: this.uri.toString(), message: `Cannot read ${displayNameOf(this.uri)}: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  private async onMessage(message: FromPanelMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        // Every (re)load of the webview - first open, shown again after hiding, window reload - says
        // ready; answer with a full snapshot so it never shows stale or nothing.
        this.ready = true;
        for (const queued of this.queue.splice(0)) void this.panel.webview.postMessage(queued);
        this.post({ type: 'settings', settings: readPanelSettings(this.uri) });
        await this.sendDocument();
        if (this.benchmarks) this.post({ type: 'benchmarkResults', run: this.benchmarks });
        return;
      case 'export':
        this.post({ ...(await this.export(message)), inReplyTo: message.messageId });
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
