/**
 * The Hub commands: "Analyze Hub Model..." (an input box with completion from the local HF cache and KV Lens's
 * store, then the panel for that model), "Set Hugging Face Token" (SecretStorage only: never settings.json,
 * never the log), and the hover's "Open config.json" (the read-only virtual document).
 */
import * as vscode from 'vscode';
import { GGUF_EDITOR_VIEW_TYPE } from '../gguf/viewType';
import { parseModelRef } from '../../core/modelId';
import { listCachedModels } from '../../io/hfCache';
import { openPanel } from '../commands/openPanel';
import type { Services } from '../services';
import { hubConfigUri } from './documents';
import { TOKEN_SECRET } from './settings';

/** How long the command waits for the Hub: the call's own time limit, not a hover's bound. */
const COMMAND_WAIT_MS = 60_000;

/** Resolves a model id (given, or picked) and opens the panel for it; resolves to the virtual document's URI. */
export async function analyzeHubModel(services: Services, arg?: unknown): Promise<string | undefined> {
  const typed = typeof arg === 'string' ? arg : await pickModelId(services);
  if (typed === undefined) return undefined;
  const ref = parseModelRef(typed);
  if (!ref) {
    void vscode.window.showErrorMessage(`KV Lens: "${typed.slice(0, 100)}" is not a Hub model id (ORG/NAME or ORG/NAME@REVISION).`);
    return undefined;
  }
  const state = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `KV Lens: reading ${ref.id}`, cancellable: true },
    (_progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return services.hub.lookup(ref, 'strong', COMMAND_WAIT_MS, abort.signal);
    },
  );
  if (state.state === 'gguf') {
    // A GGUF-only model: the GGUF editor's panel on the cached file; from the Hub, the header is all there is.
    const g = state.gguf;
    if (g.source.kind === 'hf-cache') {
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(g.source.path), GGUF_EDITOR_VIEW_TYPE);
      return vscode.Uri.file(g.source.path).toString();
    }
    void vscode.window.showInformationMessage(`KV Lens: ${g.id} has no config.json; ${g.file} was read from the Hub (header only): hover the id for its figures, or download the file and open it for the panel.`);
    return undefined;
  }
  if (state.state !== 'done') {
    if (state.state === 'failed') void vscode.window.showErrorMessage(`KV Lens: ${state.error}`);
    return undefined;
  }
  const uri = hubConfigUri(state.model.id, state.model.commit);
  return openPanel(services, uri);
}

async function pickModelId(services: Services): Promise<string | undefined> {
  const cached = listCachedModels(services.hub.cacheDir()).map((m) => ({ label: m.id, description: 'Hugging Face cache' }));
  const seen = new Set(cached.map((c) => c.label));
  const stored = services.hub.store.ids().filter((id) => !seen.has(id)).map((id) => ({ label: id, description: 'fetched before' }));
  const pick = vscode.window.createQuickPick();
  pick.title = 'KV Lens: Analyze Hub Model';
  pick.placeholder = 'ORG/NAME or ORG/NAME@REVISION (from the cache, or any model on the Hub)';
  const base = [...cached, ...stored];
  pick.items = base;
  pick.onDidChangeValue((v) => {
    const typedItem = parseModelRef(v) && !base.some((b) => b.label === v.trim()) ? [{ label: v.trim(), description: 'from the Hub' }] : [];
    pick.items = [...typedItem, ...base];
  });
  return new Promise((resolve) => {
    pick.onDidAccept(() => {
      resolve(pick.selectedItems[0]?.label ?? (pick.value.trim() || undefined));
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

/** Stores (or, given an empty value, removes) the Hugging Face token in SecretStorage. Resolves to whether one is set. */
export async function setHubToken(services: Services, arg?: unknown): Promise<boolean> {
  const value = typeof arg === 'string' ? arg : await vscode.window.showInputBox({
    title: 'KV Lens: Hugging Face Token',
    prompt: 'A read token from https://huggingface.co/settings/tokens, for gated and private models. Kept in VS Code\'s secret storage. Empty removes it.',
    password: true,
    ignoreFocusOut: true,
  });
  if (value === undefined) return (await services.extension.secrets.get(TOKEN_SECRET)) !== undefined;
  if (value.trim()) await services.extension.secrets.store(TOKEN_SECRET, value.trim());
  else await services.extension.secrets.delete(TOKEN_SECRET);
  services.hub.clear();
  services.log.info(value.trim() ? 'Hugging Face token stored in secret storage' : 'Hugging Face token removed');
  return value.trim() !== '';
}

/** Opens a Hub model's config.json (its virtual document) in an editor. */
export async function openHubConfig(arg?: unknown): Promise<string | undefined> {
  const raw = arg && typeof arg === 'object' && 'uri' in arg ? (arg as { uri: unknown }).uri : arg;
  if (typeof raw !== 'string') return undefined;
  const uri = vscode.Uri.parse(raw, true);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: true });
  return uri.toString();
}
