/**
 * KV Lens entry point. `activate` builds the long-lived parts in order, registers the language features
 * only once a model config is actually seen (most JSON never is), and if anything fails, logs it, shows
 * it and rethrows: VS Code itself would only say the extension failed to activate.
 */
import * as vscode from 'vscode';
import { ActiveConfigTracker } from './activeConfig';
import { CodeActionProvider } from './codeActions';
import { CodeLensProvider } from './codeLens';
import { registerCommands } from './commands';
import { Benchmarks } from './commands/runBenchmark';
import { Settings } from './config';
import { trackContextKeys } from './contextKeys';
import { Diagnostics } from './diagnostics';
import { ModelDocuments } from './documents';
import { HoverProvider } from './hover';
import { HubModels } from './hub/models';
import { registerHubFeatures } from './hub/register';
import { createLog, errorMessage } from './log';
import type { Log } from './log';
import { Panels } from './panel';
import { GgufEditorProvider } from './gguf/editor';
import { MODEL_CONFIG_LANGUAGES } from '../analysis/eligibility';
import type { Services } from './services';
import { StatusBar } from './statusBar';
import { WeightsChecks } from './weights';

/** The documents the language features serve: JSON and JSON with comments, any scheme (virtual workspaces too). */
const SELECTOR: vscode.DocumentSelector = MODEL_CONFIG_LANGUAGES.map((language) => ({ language }));

/** Called by VS Code on the first JSON document (or a KV Lens command). */
export function activate(context: vscode.ExtensionContext): void {
  const log = createLog();
  context.subscriptions.push(log);
  try {
    start(context, log);
  } catch (error) {
    log.error('activation failed', error instanceof Error ? error : new Error(String(error)));
    void vscode.window.showErrorMessage(`KV Lens failed to start: ${errorMessage(error)}`, 'Show Log').then((choice) => {
      if (choice) log.show();
    });
    throw error;
  }
}

/** Nothing to do: everything is owned by `context.subscriptions`, which VS Code disposes. */
export function deactivate(): void {}

function start(context: vscode.ExtensionContext, log: Log): void {
  const started = Date.now();
  const own = <T extends vscode.Disposable>(d: T): T => {
    context.subscriptions.push(d);
    return d;
  };
  const settings = own(new Settings(log));
  const documents = own(new ModelDocuments(settings, log));
  const diagnostics = own(new Diagnostics(documents, log));
  // A config.json beside safetensors headers is checked against them (read in a worker thread).
  const weights = own(new WeightsChecks(documents, settings, log, SELECTOR));
  const active = own(new ActiveConfigTracker(documents));
  own(new StatusBar(active));
  own(trackContextKeys(active));
  const benchmarks = own(new Benchmarks());
  const panels = own(new Panels(context, documents, settings, benchmarks.store, log));
  own(new GgufEditorProvider(context, settings, log));
  const hub = own(new HubModels(context, log));
  own(registerHubFeatures(hub, settings, log));
  const services: Services = { extension: context, log, settings, documents, diagnostics, active, panels, hub };
  context.subscriptions.push(...registerCommands(services, benchmarks));

  // Hover, quick fixes and lenses are registered on the first model config seen, not for every JSON user.
  let registration: vscode.Disposable | undefined;
  own(new vscode.Disposable(() => registration?.dispose()));
  const registerFeatures = (): void => {
    if (registration) return;
    const lenses = new CodeLensProvider(documents, log);
    registration = vscode.Disposable.from(
      vscode.languages.registerHoverProvider(SELECTOR, new HoverProvider(documents, log)),
      vscode.languages.registerCodeActionsProvider(SELECTOR, new CodeActionProvider(documents, log, weights), { providedCodeActionKinds: CodeActionProvider.kinds }),
      lenses,
      vscode.languages.registerCodeLensProvider(SELECTOR, lenses),
    );
    log.info('model config seen: hover, quick fixes and CodeLens registered');
  };
  const seen = own(documents.onDidUpdate(({ view }) => {
    if (view.isModelConfig) {
      registerFeatures();
      seen.dispose();
    }
  }));

  documents.updateAll();
  log.info(`KV Lens ${String(context.extension.packageJSON.version)} activated in ${Date.now() - started} ms`);
}
