/**
 * Rules on layers and windows: sliding windows that apply or not, per-layer type lists, fields this model
 * type ignores, and the note that a large file was read in outline. Pure: no `vscode`, no `node:` imports.
 */
import { formatBytes } from '../format';
import { skippedValues } from '../parse';
import type { ParsedConfig } from '../parse';
import type { KvLensSettings } from '../settings';
import type { ModelDescription } from '../types';
import { IGNORES_SLIDING_WINDOW, RawObject } from './fields';
import { Reporter, preview } from './context';

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

/** A document read in outline says so once, on the key of its largest unread value (never on the value: it may span a million lines). */
export function checkOutline(r: Reporter, parsed: ParsedConfig): void {
  if (!parsed.outline) return;
  const skipped = skippedValues(parsed);
  // Characters, not bytes; the same for the ASCII configs are written in, close enough for the rest.
  const size = `about ${formatBytes(parsed.text.length)}`;
  const names = skipped.slice(0, 3).map((s) => `${s.key} (${formatBytes(s.length)})`);
  const more = skipped.length > 3 ? ` and ${skipped.length - 3} more` : '';
  const what = names.length ? `; not expanded: ${names.join(', ')}${more}, and syntax errors inside ${skipped.length === 1 ? 'it are' : 'them are'} not reported` : '';
  const first = skipped[0];
  r.report('kv-lens.read-in-outline', first ? [first.key] : [], `This file is ${size}, over the 1 MiB KV Lens reads in full: only the fields attention depends on are read${what}.`, [], first?.keyRange ?? { offset: parsed.root?.offset ?? 0, length: 1 });
}
