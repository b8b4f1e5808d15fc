/**
 * The Hub features' registration: the virtual documents' provider, the model-id hover on every language that
 * names models, and a reset when the Hub settings change. Fetching public configs is allowed in untrusted
 * workspaces: it reads JSON and runs nothing.
 */
import * as vscode from 'vscode';
import type { Settings } from '../config';
import type { Log } from '../log';
import { HUB_SCHEME, HubConfigDocuments } from './documents';
import { MODEL_ID_LANGUAGES } from './constants';
import { ModelIdHoverProvider } from './hover';
import type { HubModels } from './models';

export function registerHubFeatures(models: HubModels, settings: Settings, log: Log): vscode.Disposable {
  const selector: vscode.DocumentSelector = MODEL_ID_LANGUAGES.map((language) => ({ language }));
  // The weights check of cached snapshots lints at the user's settings (tensor parallelism), as a local config.
  models.settings = () => settings.value;
  return vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(HUB_SCHEME, new HubConfigDocuments(models)),
    vscode.languages.registerHoverProvider(selector, new ModelIdHoverProvider(models, settings, log)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('kvLens.hub')) models.clear();
    }),
  );
}
