/**
 * What the quick pickers offer for context, batch and tensor-parallel degree, and how typed values
 * are checked, so picking and typing agree with what the settings accept.
 */
import type { KvLensSettings } from '../../core/settings';
import { KV_DTYPES } from '../../core/dtype';
import { SizeError, parseCount } from '../../core/sizes';

/** Settings the "select" commands change. */
export type SelectableKey = 'kvDtype' | 'context' | 'batch' | 'tensorParallel';

/** Context lengths people use; 0 stands for the model's own maximum. */
export const CONTEXT_PRESETS = [0, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 1048576];
/** Concurrent sequences. */
export const BATCH_PRESETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];
/** Tensor-parallel degrees of real deployments. */
export const TENSOR_PARALLEL_PRESETS = [1, 2, 4, 8, 16];

/** The values a picker offers for a setting. */
export function presetsFor(key: SelectableKey): readonly (string | number)[] {
  switch (key) {
    case 'kvDtype': return ['auto', ...KV_DTYPES];
    case 'context': return CONTEXT_PRESETS;
    case 'batch': return BATCH_PRESETS;
    case 'tensorParallel': return TENSOR_PARALLEL_PRESETS;
  }
}

/**
 * Checks a value given to a select command (from a picker, an input box, a test or a command link).
 * A context may be typed with a k/M suffix ("128k" = 131072). Returns the setting value or an error message.
 */
export function parseChoice<K extends SelectableKey>(key: K, raw: unknown): { value: KvLensSettings[K] } | { error: string } {
  if (key === 'kvDtype') {
    return raw === 'auto' || (KV_DTYPES as readonly unknown[]).includes(raw)
      ? { value: raw as KvLensSettings[K] }
      : { error: `KV dtype must be auto or one of ${KV_DTYPES.join(', ')}` };
  }
  const min = key === 'context' ? 0 : 1;
  if (typeof raw === 'number') {
    return Number.isSafeInteger(raw) && raw >= min && raw <= MAX_CHOICE ? { value: raw as KvLensSettings[K] } : { error: `enter a whole number from ${min} to ${MAX_CHOICE}` };
  }
  if (typeof raw !== 'string') return { error: `enter a whole number >= ${min}` };
  // The same grammar as the CLI's flags (core/sizes.ts): digits, and for the context a k / m suffix.
  try {
    return { value: parseCount(LABELS[key as Exclude<SelectableKey, 'kvDtype'>], raw.trim(), { min, max: MAX_CHOICE, suffix: key === 'context' }) as KvLensSettings[K] };
  } catch (error) {
    if (error instanceof SizeError) return { error: error.message };
    throw error;
  }
}

/** Above this no setting means anything (16M tokens of context, 16M sequences or GPUs). */
const MAX_CHOICE = 1 << 24;

const LABELS: Record<Exclude<SelectableKey, 'kvDtype'>, string> = { context: 'The context', batch: 'The batch', tensorParallel: 'The tensor-parallel degree' };

