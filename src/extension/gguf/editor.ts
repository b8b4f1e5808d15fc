/**
 * The read-only custom editor for `*.gguf` files: double-click a GGUF model in the explorer and the KV Lens
 * panel opens on it, with the figures llama.cpp's rules give (src/core/gguf). The header is read on a worker
 * thread (reader.ts); the panel's own webview bundle renders it, fed one `model` message instead of config
 * text (src/shared/panelProtocol.ts). The file is never read whole, and never written.
 */
import * as vscode from 'vscode';
import { kvChoices } from '../../core/settings';
import { serve, type RequestEnvelope } from '../../shared/messaging';
import { isFromPanelMessage, type PanelExportReply, type PanelExportRequest, type ToPanelMessage } from '../../shared/panelProtocol';
import type { Settings } from '../config';
import type { Log } from '../log';
import { makeNonce, renderPanelHtml } from '../panel/html';
import { panelOptions } from '../panel/kvLensPanel';
import type { GgufReadReply } from './protocol';
import { readGgufOffThread } from './reader';

import { GGUF_EDITOR_VIEW_TYPE } from './viewType';

/** One opened `.gguf` file: its header, read once per open and shared by every editor showing it. */
class GgufDocument implements vscode.CustomDocument {
  private reading: Promise<GgufReadReply> | undefined;
  constructor(readonly uri: vscode.Uri) {}
  read(): Promise<GgufReadReply> {
    this.reading ??= this.uri.scheme === 'file'
      ? readGgufOffThread(this.uri.fsPath)
      : Promise.resolve({ ok: false, error: `only local files are read (this one is ${this.uri.scheme}:)` });
    return this.reading;
  }
  dispose(): void {}
}

/** What the editor last showed for a file (the in-editor tests read it through `kvLens._ggufEditorState`). */
export interface GgufEditorState {
  uri: string;
  shown: 'model' | 'error';
  attentionKind?: string;
  layers?: number;
  exactWeightsBytes?: number;
  error?: string;
}

/** Registers the provider; owns the editors it opens. */
export class GgufEditorProvider implements vscode.CustomReadonlyEditorProvider<GgufDocument>, vscode.Disposable {
  private readonly states = new Map<string, GgufEditorState>();
  private readonly registration: vscode.Disposable;

  constructor(private readonly context: vscode.ExtensionContext, private readonly settings: Settings, private readonly log: Log) {
    this.registration = vscode.Disposable.from(
      vscode.window.registerCustomEditorProvider(GGUF_EDITOR_VIEW_TYPE, this, { webviewOptions: { enableFindWidget: true }, supportsMultipleEditorsPerDocument: true }),
      vscode.commands.registerCommand('kvLens._ggufEditorState', (uri?: string) => (uri ? this.states.get(uri) : [...this.states.values()])),
    );
  }

  openCustomDocument(uri: vscode.Uri): GgufDocument {
    return new GgufDocument(uri);
  }

  resolveCustomEditor(document: GgufDocument, panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    webview.options = panelOptions(this.context);
    const root = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
    const name = document.uri.path.split('/').pop() ?? document.uri.toString();
    webview.html = renderPanelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'webview.css')).toString(),
      title: `KV Lens: ${name}`,
    });
    let ready = false;
    const post = (m: ToPanelMessage) => {
      if (ready) void webview.postMessage(m);
    };
    const serveExport = serve<PanelExportRequest, PanelExportReply>({
      post,
      answer: (request) => this.export(document.uri, request),
      failed: (error) => ({ type: 'exportResult', outcome: 'failed', message: error instanceof Error ? error.message : String(error) }),
    });
    const showAll = async () => {
      post({ type: 'settings', settings: kvChoices(this.settings.value) });
      const reply = await document.read();
      const key = document.uri.toString();
      if (reply.ok) {
        this.states.set(key, { uri: key, shown: 'model', attentionKind: reply.model.attention.kind, layers: reply.model.layers.length, exactWeightsBytes: reply.exactWeights.bytes });
        post({ type: 'model', uri: key, displayName: name, model: reply.model, exactWeights: reply.exactWeights });
      } else {
        this.log.warn(`GGUF ${key}: ${reply.error}`);
        this.states.set(key, { uri: key, shown: 'error', error: reply.error });
        post({ type: 'documentError', uri: key, message: `Cannot read ${name}: ${reply.error}` });
      }
    };
    const subscriptions = vscode.Disposable.from(
      webview.onDidReceiveMessage((message: unknown) => {
        if (!isFromPanelMessage(message) || serveExport(message)) return;
        if (message.type === 'ready') {
          // Every (re)load of the webview says ready: answer with everything, as the config panel does.
          ready = true;
          void showAll().catch((e: unknown) => this.log.error(`GGUF editor ${document.uri.toString()}: ${String(e)}`));
        } else if (message.type === 'copy') {
          void vscode.env.clipboard.writeText(message.text);
        }
      }),
      this.settings.onDidChange(({ settings }) => post({ type: 'settings', settings: kvChoices(settings) })),
    );
    panel.onDidDispose(() => subscriptions.dispose());
  }

  dispose(): void {
    this.registration.dispose();
    this.states.clear();
  }

  private async export(uri: vscode.Uri, request: RequestEnvelope<PanelExportRequest>): Promise<PanelExportReply> {
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(uri, '..', request.suggestedName.replace(/[\\/]/g, '_')),
      filters: request.format === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
      title: `Export KV Lens figures as ${request.format.toUpperCase()}`,
    });
    if (!target) return { type: 'exportResult', outcome: 'cancelled' };
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(request.content));
    return { type: 'exportResult', outcome: 'saved', path: target.fsPath };
  }
}
