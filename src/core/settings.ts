/**
 * The user's choices that every surface shares, mirroring `contributes.configuration` (`kvLens.*`).
 * Pure: the editor layer reads them from VS Code, the CLI from flags, the webview from its controls.
 */
import type { KvDtype, KvOptions, Severity } from './types';

/** A rule's configured severity, or `off` to disable it. */
export type RuleSeverity = Severity | 'off';

/** Settings mirrored from package.json `contributes.configuration` (keys without the `kvLens.` prefix). */
export interface KvLensSettings {
  /** Context length for costs; 0 means the model's maximum context. */
  context: number;
  /** Concurrent sequences. */
  batch: number;
  /** KV cache element format; `auto` means the model's dtype. */
  kvDtype: KvDtype | 'auto';
  /** Tensor-parallel degree. */
  tensorParallel: number;
  /** GPU memory per GPU in GiB, for the inverse questions (what fits). */
  gpuMemoryGiB: number;
  /** Per-rule severity overrides, by rule code (`kv-lens.kv-heads-not-divisor`) or `off`. */
  ruleSeverities: Record<string, RuleSeverity>;
  /** Extra globs of files to treat as model configs even when their content does not say so. */
  extraGlobs: string[];
}

/** Defaults: the model's own context and dtype, one sequence, one GPU of 80 GiB. */
export const DEFAULT_SETTINGS: KvLensSettings = {
  context: 0,
  batch: 1,
  kvDtype: 'auto',
  tensorParallel: 1,
  gpuMemoryGiB: 80,
  ruleSeverities: {},
  extraGlobs: [],
};

/**
 * The settings that choose an operating point: what the hovers, the lens, the panel's controls and the CLI's
 * flags all set. One type everywhere, under the settings' own names.
 */
export type KvChoices = Pick<KvLensSettings, 'context' | 'batch' | 'kvDtype' | 'tensorParallel' | 'gpuMemoryGiB'>;

/** The choices out of a full settings object (the panel's controls start from these). */
export function kvChoices(settings: KvChoices): KvChoices {
  return { context: settings.context, batch: settings.batch, kvDtype: settings.kvDtype, tensorParallel: settings.tensorParallel, gpuMemoryGiB: settings.gpuMemoryGiB };
}

/**
 * The KV arithmetic's options for these choices: 0 context and `auto` dtype mean "the model's own", which
 * `resolveOptions` (kv.ts) decides with the model at hand. Every surface goes through this one function.
 */
export function kvOptionsFromSettings(settings: Omit<KvChoices, 'gpuMemoryGiB'>): KvOptions {
  const options: KvOptions = { batch: settings.batch, tp: settings.tensorParallel };
  if (settings.context > 0) options.context = settings.context;
  if (settings.kvDtype !== 'auto') options.kvDtype = settings.kvDtype;
  return options;
}
