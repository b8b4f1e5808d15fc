/** The `kvLens.*` settings the panel's controls start from, read through the shared settings reader. */
import * as vscode from 'vscode';
import { SETTINGS_SECTION, readSettings } from '../settingsReader';
import type { PanelSettings } from '../../shared/panelProtocol';

const PANEL_KEYS = ['context', 'batch', 'kvDtype', 'tensorParallel', 'gpuMemoryGiB'] as const satisfies readonly (keyof PanelSettings)[];

/** The panel's settings for a document's scope (invalid values fall back to the defaults, as everywhere). */
export function readPanelSettings(scope?: vscode.Uri): PanelSettings {
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  const { settings } = readSettings((key) => config.get<unknown>(key));
  return { context: settings.context, batch: settings.batch, kvDtype: settings.kvDtype, tensorParallel: settings.tensorParallel, gpuMemoryGiB: settings.gpuMemoryGiB };
}

/** True when a configuration change touches a setting the panel shows. */
export function affectsPanel(event: vscode.ConfigurationChangeEvent): boolean {
  return PANEL_KEYS.some((key) => event.affectsConfiguration(`${SETTINGS_SECTION}.${key}`));
}
