/**
 * Rules on layers and windows: sliding windows that apply or not, per-layer type lists (their length and
 * their entries), and fields this model type ignores. Pure: no `vscode`, no `node:` imports.
 */
import type { KvLensSettings } from '../settings';
import type { ModelDescription } from '../types';
import { IGNORES_SLIDING_WINDOW, RawObject } from './fields';
import { Reporter, preview } from './context';
import { LAYER_TYPES } from '../vocabulary';

export function checkWindow(r: Reporter, part: RawObject, modelType: string | undefined, model: ModelDescription | undefined, settings: KvLensSettings): void {
  const window = part.positive('slidingWindow');
  if (!window) return;
  if (modelType && IGNORES_SLIDING_WINDOW.has(modelType)) {
    r.report('kv-lens.field-ignored', window.path, `${window.name} (${window.value}) is ignored: model type "${modelType}" has no sliding-window attention; every layer keeps the full context.`, [
      { title: `Remove ${window.name}`, path: window.path, remove: true },
    ]);
    return;
  }
  const use = part.get(['use_sliding_window']);
  if (use?.value === false) {
    r.report(
      'kv-lens.sliding-window-disabled',
      window.path,
      `${window.name} (${window.value}) has no effect: ${use.name} is false, so every layer keeps the full context.`,
      [{ title: `Remove ${window.name} (no effect)`, path: window.path, remove: true }],
    );
    return;
  }
  const layerTypes = part.get(['layer_types']);
  if (Array.isArray(layerTypes?.value) && layerTypes.value.length > 0 && !layerTypes.value.some((t) => typeof t === 'string' && /slid|local|chunk|swa/i.test(t))) {
    r.report('kv-lens.field-ignored', window.path, `${window.name} (${window.value}) is ignored: ${layerTypes.name} has no sliding layer.`, [
      { title: `Remove ${window.name}`, path: window.path, remove: true },
    ]);
    return;
  }
  const maxCtx = part.positive('maxContext') ?? (model?.maxContext ? { name: model.maxContext.from[0] ?? 'the default context', value: model.maxContext.value } : undefined);
  if (maxCtx && window.value >= maxCtx.value) {
    r.report(
      'kv-lens.sliding-window-no-effect',
      window.path,
      `${window.name} (${window.value}) is at or above ${maxCtx.name} (${maxCtx.value}): the window never fills, so windowed layers cost as much as full ones.`,
      [{ title: `Set ${window.name} to null (no window)`, path: window.path, value: null }],
    );
    return;
  }
  if (settings.context > 0 && window.value > settings.context) {
    r.report(
      'kv-lens.window-above-context',
      window.path,
      `${window.name} (${window.value}) is larger than the context in the settings (kvLens.context = ${settings.context}): at that context the window never fills and sliding layers save nothing.`,
    );
  }
}

export function checkLayerTypes(r: Reporter, part: RawObject, model: ModelDescription | undefined): void {
  const lt = part.get(['layer_types']);
  if (!Array.isArray(lt?.value)) return;
  const entries = lt.value as unknown[];
  entries.forEach((entry, i) => {
    if (typeof entry === 'string' && Object.hasOwn(LAYER_TYPES, entry)) return;
    const near = typeof entry === 'string' ? nearestName(entry, Object.keys(LAYER_TYPES)) : undefined;
    r.report(
      'kv-lens.unknown-layer-type',
      [...lt.path, i],
      `${lt.name}[${i}] is ${preview(entry)}, not a layer type transformers accepts${near ? ` (did you mean "${near}"?)` : ''}. Accepted: ${Object.keys(LAYER_TYPES).join(', ')}.`,
      near ? [{ title: `Change to "${near}"`, path: [...lt.path, i], value: near }] : [],
    );
  });
  const layers = part.positive('numLayers') ?? (model && !model.numLayers.defaulted ? { name: model.numLayers.from[0] ?? 'num_hidden_layers', value: model.numLayers.value } : undefined);
  if (!layers || lt.value.length === layers.value) return;
  r.report('kv-lens.layer-types-length', lt.path, `${lt.name} lists ${lt.value.length} layers but ${layers.name} is ${layers.value}.`);
}

export function checkIgnored(r: Reporter, part: RawObject, modelType: string | undefined): void {
  const group = part.get(['multi_query_group_num']);
  const mqa = part.get(['multi_query_attention']);
  if (group && group.value !== null && mqa?.value !== true) {
    r.report(
      'kv-lens.field-ignored',
      group.path,
      `${group.name} (${preview(group.value)}) is ignored: ${mqa ? `${mqa.name} is ${preview(mqa.value)}` : 'multi_query_attention is not set'}, so every query head has its own KV head.`,
      [{ title: `Remove ${group.name}`, path: group.path, remove: true }],
    );
  }
  if (modelType === 'falcon') {
    const nda = part.get(['new_decoder_architecture']);
    for (const key of ['num_kv_heads', 'n_head_kv']) {
      const f = part.get([key]);
      if (!f || f.value === null || nda?.value === true) continue;
      const mq = part.get(['multi_query'])?.value;
      r.report(
        'kv-lens.field-ignored',
        f.path,
        `${f.name} (${preview(f.value)}) is ignored: without new_decoder_architecture Falcon uses ${mq === false ? 'one KV head per query head' : 'a single KV head (multi_query)'}.`,
        [{ title: `Remove ${f.name}`, path: f.path, remove: true }],
      );
    }
  }
}

// ---- helpers ----

/** The candidate within two edits of `name` (case aside), when exactly one is nearest: a likely typo. */
function nearestName(name: string, candidates: readonly string[]): string | undefined {
  if (name.length > 64) return undefined;
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  let tie = false;
  for (const c of candidates) {
    const d = editDistance(lower, c, bestDistance);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance) tie = true;
  }
  return best && !tie ? best : undefined;
}

/** Levenshtein distance, stopping once it exceeds `cap` (strings here are short). */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > cap) return cap + 1;
    prev = row;
  }
  return prev[b.length]!;
}
