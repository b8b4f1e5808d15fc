/**
 * The panels service: owned by `activate`, it holds the open KV Lens panels (one per config uri), restores
 * them after a reload (the serializer), and feeds them from the extension's own models instead of listening
 * beside them: the document model's debounced updates, the live settings, and the benchmark runs kept per
 * config. A panel only posts; it owns no listeners of its own but its webview's and a file watcher.
 */
import * as vscode from 'vscode';
import { kvChoices } from '../../core/settings';
import { PANEL_VIEW_TYPE, isPanelPersistedState, type PanelBenchmarkRun, type PanelFidelity } from '../../shared/panelProtocol';
import type { BenchResultStore } from '../bench/resultStore';
import type { Settings } from '../config';
import type { ModelDocuments } from '../documents';
import type { Log } from '../log';
import { toPanelRun } from './benchToPanel';
import { FidelityStore } from './fidelityStore';
import { KvLensPanel, panelOptions } from './kvLensPanel';

export class Panels implements vscode.Disposable {
  private readonly open = new Map<string, KvLensPanel>();
  /** Conversion fidelity per config and KV head count, for the what-if (kept for this activation). */
  readonly fidelity = new FidelityStore();
  private readonly subscriptions: vscode.Disposable;

  constructor(
    private readonly context: vscode.ExtensionContext,
    documents: ModelDocuments,
    private readonly settings: Settings,
    private readonly runs: BenchResultStore,
    private readonly log: Log,
  ) {
    this.subscriptions = vscode.Disposable.from(
      // The document model already debounces edits; a panel hears of each settled version once.
      documents.onDidUpdate(({ document }) => this.open.get(document.uri.toString())?.showDocument(document)),
      settings.onDidChange(({ settings: next }) => {
        for (const panel of this.open.values()) panel.showSettings(kvChoices(next));
      }),
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel, state: unknown) => this.revive(panel, state),
      }),
    );
  }

  /** Opens the panel for `uri`, or reveals the one already open for it. */
  show(uri: vscode.Uri): KvLensPanel {
    const existing = this.open.get(uri.toString());
    if (existing) {
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, KvLensPanel.title(uri), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, panelOptions(this.context));
    return this.adopt(panel, uri);
  }

  /** Shows a finished benchmark run in the config's panel, opening it if needed (the run is kept for reloads). */
  showBenchmarkResults(uri: vscode.Uri, run: PanelBenchmarkRun): void {
    this.show(uri).showBenchmarkResults(run);
  }

  /**
   * Records a conversion's fidelity for the config and shows it in the config's panel if one is open (a panel
   * opened later gets it on `ready`): the what-if row for that KV head count shows it.
   */
  showFidelity(uri: vscode.Uri, entry: PanelFidelity): void {
    const key = uri.toString();
    this.fidelity.add(key, entry);
    this.open.get(key)?.showFidelity(this.fidelity.get(key));
  }

  /** The config uris with an open panel (for the state command and tests). */
  uris(): string[] {
    return [...this.open.keys()];
  }

  dispose(): void {
    this.subscriptions.dispose();
    for (const panel of [...this.open.values()]) panel.dispose();
    this.open.clear();
  }

  /** Takes over a panel VS Code restored after a reload; the webview persisted only its uri and controls. */
  private revive(panel: vscode.WebviewPanel, state: unknown): void {
    let uri: vscode.Uri | undefined;
    try {
      uri = isPanelPersistedState(state) ? vscode.Uri.parse(state.uri, true) : undefined;
    } catch {
      uri = undefined;
    }
    // Closed before the webview saved its state, or a state this version cannot read: nothing to go back to.
    if (!uri || this.open.has(uri.toString())) {
      panel.dispose();
      return;
    }
    panel.webview.options = panelOptions(this.context);
    this.adopt(panel, uri);
  }

  private adopt(panel: vscode.WebviewPanel, uri: vscode.Uri): KvLensPanel {
    const key = uri.toString();
    const created = new KvLensPanel(this.context, panel, uri, {
      settings: () => kvChoices(this.settings.value),
      latestRun: () => {
        const latest = this.runs.get(key)[0];
        return latest ? toPanelRun(latest.report) : undefined;
      },
      fidelity: () => this.fidelity.get(key),
      onDispose: () => {
        if (this.open.get(key) === created) this.open.delete(key);
      },
      log: this.log,
    });
    this.open.set(key, created);
    return created;
  }
}
