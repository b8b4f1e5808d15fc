/**
 * The panel's conversion fidelity (src/extension/panel/fidelityStore.ts): a finished conversion's report as the
 * what-if shows it (cosine's worst is its smallest, the relative error's its largest), and the store keyed by config
 * and KV head count. Figures by hand from the layers written below.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FidelityStore, toPanelFidelity } from '../../src/extension/panel/fidelityStore';
import type { ConvertReport } from '../../src/convert/types';

/** A report of 3 layers; only the fields the panel reads matter, the rest are plausible. */
function report(newKvHeads: number, functional: boolean): ConvertReport {
  const part = { sharingError: 0, normRatio: 1, minNormRatio: 1, maxNormRatio: 1 };
  return {
    src: '/m/src',
    out: `/m/kv${newKvHeads}`,
    modelType: 'llama',
    layout: 'separate',
    output: 'native',
    method: 'mean',
    queryHeads: 8,
    oldKvHeads: 8,
    newKvHeads,
    dtype: 'F32',
    layers: [0, 1, 2].map((layer) => ({ layer, sharingError: [0.5, 0.25, 0.75][layer]!, k: part, v: part })),
    ...(functional
      ? {
          functional: {
            label: 'attention-layer error before fine-tuning, not model quality',
            inputs: 'embeddings of a fixed text',
            tokens: 64,
            positions: '0..63',
            layers: [
              { layer: 0, relativeError: 0.1, cosine: 0.99 },
              { layer: 1, relativeError: 0.3, cosine: 0.95 },
              { layer: 2, relativeError: 0.2, cosine: 0.98 },
            ],
            notes: [],
          },
        }
      : {}),
    summary: {
      sharingError: { worst: 0.75, worstLayer: 2, median: 0.5 },
      ...(functional ? { relativeError: { worst: 0.3, worstLayer: 1, median: 0.2 } } : {}),
    },
    notes: [],
    files: ['config.json', 'model.safetensors'],
    skipped: [],
    bytesWritten: 1,
    seconds: 0.1,
  } as ConvertReport;
}

test('toPanelFidelity: the summary spreads, the cosine worst is the smallest (layer 1, 0.95), median 0.98', () => {
  const f = toPanelFidelity(report(2, true), new Date('2026-01-02T03:04:05Z'));
  assert.equal(f.kvHeads, 2);
  assert.equal(f.method, 'mean');
  assert.deepEqual(f.sharingError, { worst: 0.75, worstLayer: 2, median: 0.5 });
  assert.deepEqual(f.attention?.relativeError, { worst: 0.3, worstLayer: 1, median: 0.2 });
  assert.deepEqual(f.attention?.cosine, { worst: 0.95, worstLayer: 1, median: 0.98 });
  assert.equal(f.attention?.inputs, 'embeddings of a fixed text');
  assert.equal(f.out, '/m/kv2');
  assert.equal(f.date, '2026-01-02T03:04:05.000Z');
});

test('toPanelFidelity: no functional check, no attention figures', () => {
  assert.equal(toPanelFidelity(report(4, false)).attention, undefined);
});

test('FidelityStore: one entry per config and KV head count, fewest heads first; the same N replaces; capped', () => {
  const store = new FidelityStore(2);
  store.add('file:///a/config.json', toPanelFidelity(report(4, true)));
  store.add('file:///a/config.json', toPanelFidelity(report(2, true)));
  store.add('file:///b/config.json', toPanelFidelity(report(1, false)));
  assert.deepEqual(store.get('file:///a/config.json').map((f) => f.kvHeads), [2, 4]);
  const again = { ...toPanelFidelity(report(4, false)), method: 'mean-norm' };
  store.add('file:///a/config.json', again);
  assert.deepEqual(store.get('file:///a/config.json').map((f) => [f.kvHeads, f.method]), [[2, 'mean'], [4, 'mean-norm']]);
  // A third count drops the oldest entry (2; 4 was re-added after it).
  store.add('file:///a/config.json', toPanelFidelity(report(1, true)));
  assert.deepEqual(store.get('file:///a/config.json').map((f) => f.kvHeads), [1, 4]);
  assert.deepEqual(store.get('file:///b/config.json').map((f) => f.kvHeads), [1]);
  store.clear('file:///a/config.json');
  assert.deepEqual(store.get('file:///a/config.json'), []);
  assert.deepEqual(store.get('file:///c/config.json'), []);
});
