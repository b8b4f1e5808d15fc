/** Reads the `kvLens.*` settings the panel's controls start from. */
import * as vscode from 'vscode';
import { DEFAULT_SETTINGS } from '../../core/settings';
import type { KvDtype } from '../../core/types';
import type { PanelSettings } from '../../shared/panelProtocol';

const KV_DTYPES: ReadonlySet<string> = new Set<KvDtype | 'auto'>(['auto', 'fp32', 'fp16', 'bf16', 'fp8', 'int8', 'int4', 'q8_0', 'q4_0']);

function positiveInt(value: unknown, fallback: number, allowZero = false): number {
  return typeof value === 'number' && Number.isInteger(value) && (value > 0 || (allowZero && value === 0)) ? value : fallback;
}

/** The panel's settings for a document's scope, each falling back to the shared default when invalid. */
export function readPanelSettings(scope?: vscode.Uri): PanelSettings {
  const config = vscode.workspace.getConfiguration('kvLens', scope);
  const kvDtype = config.get<unknown>('kvDtype');
  const gpu = config.get<unknown>('gpuMemoryGiB');
  return {
    context: positiveInt(config.get('context'), DEFAULT_SETTINGS.context, true),
    batch: positiveInt(config.get('batch'), DEFAULT_SETTINGS.batch),
    kvDtype: typeof kvDtype === 'string' && KV_DTYPES.has(kvDtype) ? (kvDtype as KvDtype | 'auto') : DEFAULT_SETTINGS.kvDtype,
    tensorParallel: positiveInt(config.get('tensorParallel'), DEFAULT_SETTINGS.tensorParallel),
    gpuMemoryGiB: typeof gpu === 'number' && gpu > 0 && Number.isFinite(gpu) ? gpu : DEFAULT_SETTINGS.gpuMemoryGiB,
  };
}

/** True when a configuration change touches a setting the panel shows. */
export function affectsPanel(event: vscode.ConfigurationChangeEvent): boolean {
  return ['context', 'batch', 'kvDtype', 'tensorParallel', 'gpuMemoryGiB'].some((key) => event.affectsConfiguration(`kvLens.${key}`));
}
