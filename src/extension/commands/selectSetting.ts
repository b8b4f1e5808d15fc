/**
 * "Select KV dtype / context / batch / tensor-parallel": a quick pick whose items show what each choice
 * costs for the active model config, or a value passed as the argument (command links, tests).
 */
import * as vscode from 'vscode';
import { formatBytes, formatTokens } from '../../core/format';
import { computeKv } from '../../core/kv';
import type { KvLensSettings } from '../../core/settings';
import type { ModelDescription } from '../../core/types';
import { parseChoice, presetsFor } from './choices';
import type { SelectableKey } from './choices';
import { kvOptionsFromSettings } from '../../core/settings';
import type { Services } from '../services';

const TITLES: Record<SelectableKey, string> = {
  kvDtype: 'KV cache dtype',
  context: 'Context length for KV costs',
  batch: 'Concurrent sequences (batch)',
  tensorParallel: 'Tensor-parallel degree',
};

interface ChoiceItem extends vscode.QuickPickItem {
  value: string | number | 'custom';
}

/** Sets `key` to `arg` when given, else asks. Resolves to the new value, or undefined when cancelled. */
export async function selectSetting<K extends SelectableKey>(services: Services, key: K, arg?: unknown): Promise<KvLensSettings[K] | undefined> {
  const raw = arg !== undefined ? arg : await ask(services, key);
  if (raw === undefined) return undefined;
  const parsed = parseChoice(key, raw);
  if ('error' in parsed) {
    void vscode.window.showErrorMessage(`KV Lens: ${TITLES[key]}: ${parsed.error}`);
    return undefined;
  }
  await services.settings.update(key, parsed.value);
  return parsed.value;
}

async function ask(services: Services, key: SelectableKey): Promise<unknown> {
  const settings = services.settings.value;
  const model = services.active.current?.view.model;
  const items: ChoiceItem[] = presetsFor(key).map((value) => ({
    value,
    label: label(key, value, model),
    description: model ? costAt(model, { ...settings, [key]: value }) : undefined,
    picked: settings[key] === value,
  }));
  if (key !== 'kvDtype') items.push({ value: 'custom', label: '$(edit) Other value...' });
  const current = items.find((i) => i.picked);
  const picked = await vscode.window.showQuickPick(items, {
    title: TITLES[key],
    placeHolder: current ? `Now: ${current.label}` : undefined,
  });
  if (!picked) return undefined;
  if (picked.value !== 'custom') return picked.value;
  return vscode.window.showInputBox({
    title: TITLES[key],
    prompt: key === 'context' ? 'Tokens, e.g. 100000 or 128k (0 = the model\'s maximum)' : 'A whole number',
    value: String(settings[key]),
    validateInput: (text) => {
      const result = parseChoice(key, text);
      return 'error' in result ? result.error : undefined;
    },
  });
}

function label(key: SelectableKey, value: string | number, model: ModelDescription | undefined): string {
  if (key === 'kvDtype' && value === 'auto') return `auto (the model's ${model?.kvCacheDtype ? 'KV cache scheme' : 'dtype'}${model ? `: ${(model.kvCacheDtype ?? model.dtype).value}` : ''})`;
  if (key === 'context' && value === 0) return `model maximum${model?.maxContext ? ` (${formatTokens(model.maxContext.value)})` : ''}`;
  if (key === 'context') return `${formatTokens(Number(value))} tokens`;
  return String(value);
}

function costAt(model: ModelDescription, settings: KvLensSettings): string {
  const report = computeKv(model, kvOptionsFromSettings(settings));
  const perGpu = report.tp > 1 ? `, ${formatBytes(report.perGpuBytes)} per GPU` : '';
  return `${formatBytes(report.totalBytes)} KV at ${formatTokens(report.context)}${perGpu}`;
}
