/**
 * Edits instead of texts: a document analysed off thread receives each new version as the editor's edits
 * (src/analysis/store.ts `applyChanges`, DocumentStates.recordChanges). The text the store builds from
 * edits must be the editor's text exactly, and every way the edit log can be wrong must fall back to
 * reading the whole text.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalBackend } from '../../src/analysis/backend';
import { AnalysisWorkerClient } from '../../src/analysis/client';
import { AnalysisStore, applyChanges } from '../../src/analysis/store';
import type { DocumentSnapshot, TextChange } from '../../src/shared/analysisProtocol';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { DocumentStates } from '../../src/analysis/documentStates';
import type { DocumentInput } from '../../src/analysis/documentStates';
import { rng } from '../fuzz/fuzz';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';

const LLAMA = readFileSync(join(FIXTURE_CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), 'utf8');
const withoutTiming = ({ elapsedMs: _e, analysed: _a, ...rest }: DocumentSnapshot) => rest;

/** A random edit of `text`: insert, delete or replace somewhere, sometimes at the very ends. */
function randomChange(text: string, random: () => number): TextChange {
  const offset = random() < 0.1 ? (random() < 0.5 ? 0 : text.length) : Math.floor(random() * (text.length + 1));
  const length = Math.min(text.length - offset, Math.floor(random() * 12));
  const pieces = ['', '8', ' ', '\n', '"x": 1,', '{', 'é', '😀'];
  return { offset, length, text: pieces[Math.floor(random() * pieces.length)]! };
}

test('applyChanges: edits applied in order give the text edited the same way, every time', () => {
  const random = rng(7);
  let text = LLAMA;
  for (let round = 0; round < 300; round++) {
    const changes: TextChange[] = [];
    let expected = text;
    for (let i = 0, n = 1 + Math.floor(random() * 3); i < n; i++) {
      const change = randomChange(expected, random);
      changes.push(change);
      expected = expected.slice(0, change.offset) + change.text + expected.slice(change.offset + change.length);
    }
    assert.equal(applyChanges(text, changes), expected);
    text = expected;
  }
  // Edits that do not fit the text are refused (the caller sends the whole text).
  assert.equal(applyChanges('abc', [{ offset: 2, length: 2, text: '' }]), undefined);
  assert.equal(applyChanges('abc', [{ offset: -1, length: 0, text: 'x' }]), undefined);
  assert.equal(applyChanges('abc', [{ offset: 1.5, length: 0, text: 'x' }]), undefined);
  assert.equal(applyChanges('abc', [{ offset: 3, length: 0, text: 'd' }, { offset: 4, length: 0, text: 'e' }]), 'abcde');
});

/** A document whose text changes through `edit`, recording the changes as the editor layer does. */
function editable(states: DocumentStates, initial: string) {
  let text = initial;
  const doc: DocumentInput & { reads: number } = {
    key: 'file:///m/config.json', version: 1, languageId: 'json', scheme: 'file', path: '/m/config.json', reads: 0,
    getText: () => (doc.reads++, text),
  };
  const edit = (...changes: TextChange[]) => {
    for (const c of changes) text = text.slice(0, c.offset) + c.text + text.slice(c.offset + c.length);
    doc.version++;
    states.recordChanges(doc.key, doc.version, changes);
  };
  return { doc, edit, text: () => text };
}

test('documents: a document held off thread gets its new versions as edits, with the same result as its whole text', async () => {
  const offThread = new LocalBackend(new AnalysisStore());
  const states = new DocumentStates({ local: new LocalBackend(), offThread, offThreadChars: 100 });
  const { doc, edit, text } = editable(states, LLAMA);
  await states.get(doc);
  const at = LLAMA.indexOf('"num_key_value_heads": 8') + '"num_key_value_heads": '.length;
  edit({ offset: at, length: 1, text: '6' });
  edit({ offset: 0, length: 0, text: ' ' }, { offset: text().length, length: 0, text: '\n' });
  const view = await states.get(doc);
  assert.equal(doc.reads, 1, 'the text was read once, when the document opened');
  assert.equal(states.patches, 1, 'two edit events, one patch');
  assert.equal(view.model?.attention.kvHeads.value, 6);
  const fresh = await new LocalBackend().update({ key: doc.key, version: doc.version, text: text(), glob: false, settings: DEFAULT_SETTINGS });
  assert.deepEqual(withoutTiming(view.snapshot!), withoutTiming(fresh), 'the same snapshot as from the whole edited text');

  // A log that skipped a version (an event missed) is not trusted: the whole text is read.
  edit({ offset: 0, length: 1, text: '' });
  states.recordChanges(doc.key, doc.version - 1, []);
  await states.get(doc);
  assert.equal(doc.reads, 2);
  // A base the backend no longer holds (a restarted worker): the whole text is read.
  edit({ offset: 0, length: 0, text: ' ' });
  offThread.forget(doc.key);
  assert.equal((await states.get(doc)).model?.attention.kvHeads.value, 6);
  assert.equal(doc.reads, 3);
  assert.equal(states.patches, 1);
  // Small documents in this thread record nothing: they are read again, which costs nothing.
  const small = new DocumentStates({ local: new LocalBackend(), offThread, offThreadChars: 1_000_000 });
  const s = editable(small, LLAMA);
  await small.get(s.doc);
  s.edit({ offset: 0, length: 0, text: ' ' });
  await small.get(s.doc);
  assert.equal(s.doc.reads, 2);
  assert.equal(small.patches, 0);
});

test('analysis worker: patches reach the worker and match the whole text', async () => {
  const worker = new AnalysisWorkerClient();
  try {
    const states = new DocumentStates({ local: new LocalBackend(), offThread: worker, offThreadChars: 100 });
    const { doc, edit, text } = editable(states, LLAMA);
    await states.get(doc);
    const random = rng(11);
    for (let i = 0; i < 20; i++) edit(randomChange(text(), random));
    const at = text().indexOf('"num_attention_heads"');
    const view = await states.get(doc);
    assert.equal(doc.reads, 1);
    assert.equal(states.patches, 1);
    const fresh = await new LocalBackend().update({ key: doc.key, version: doc.version, text: text(), glob: false, settings: DEFAULT_SETTINGS });
    assert.deepEqual(withoutTiming(view.snapshot!), withoutTiming(fresh));
    const local = new LocalBackend();
    await local.update({ key: doc.key, version: doc.version, text: text(), glob: false, settings: DEFAULT_SETTINGS });
    const offset = Math.max(0, at) + 2;
    const expected = await local.hover({ key: doc.key, version: doc.version, offset, glob: false, settings: DEFAULT_SETTINGS, documentUri: doc.key });
    assert.deepEqual(await states.hover(doc, offset), expected ?? undefined, 'the worker hovers on the patched text');
  } finally {
    worker.dispose();
  }
});
