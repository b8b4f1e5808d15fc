/** What commands and providers share: created once in `activate`, owned by the extension's lifetime. */
import type * as vscode from 'vscode';
import type { ActiveConfigTracker } from './activeConfig';
import type { Settings } from './config';
import type { Diagnostics } from './diagnostics';
import type { ModelDocuments } from './documents';
import type { HubModels } from './hub/models';
import type { Log } from './log';
import type { Panels } from './panel';

/** The extension's long-lived parts. */
export interface Services {
  extension: vscode.ExtensionContext;
  log: Log;
  settings: Settings;
  documents: ModelDocuments;
  diagnostics: Diagnostics;
  active: ActiveConfigTracker;
  panels: Panels;
  /** Hub model ids: resolution and memory (src/extension/hub). */
  hub: HubModels;
}
