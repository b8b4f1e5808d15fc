/**
 * The analysis worker thread (src/analysis/): the same answers as the in-thread store for every real
 * config, superseded requests dropped, and every way a worker can fail (out of memory, an exception,
 * an exit, a hang, no start at all) ending in a clear AnalysisFailedError, after which the next request
 * works on a fresh worker.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AnalysisFailedError, LocalBackend, SupersededError } from '../../src/analysis/backend';
import { AnalysisWorkerClient } from '../../src/analysis/client';
import type { DocumentSnapshot, UpdateRequest } from '../../src/shared/analysisProtocol';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { DocumentStates } from '../../src/analysis/documentStates';
import type { DocumentInput } from '../../src/analysis/documentStates';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';

const CONFIGS = FIXTURE_CONFIGS;
const read = (name: string) => readFileSync(join(CONFIGS, name), 'utf8');
const LLAMA = read('llama__Meta-Llama-3-8B-Instruct.json');
const MISBEHAVING = join(__dirname, 'fixtures', 'analysis-worker-misbehaving.cjs');
const settings = { ...DEFAULT_SETTINGS, context: 32768, batch: 4, tensorParallel: 2 };

const update = (key: string, version: number, text: string): UpdateRequest => ({ key, version, text, glob: false, settings });
const withoutTiming = ({ elapsedMs: _, ...rest }: DocumentSnapshot) => rest;

async function failure(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (error: unknown) => {
    assert.ok(error instanceof AnalysisFailedError, `expected an AnalysisFailedError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

/** Llama-3-8B with a giant `id2label` first, about `chars` long. */
function giant(chars: number): string {
  const id2label: Record<string, string> = {};
  for (let i = 0; i < chars / 40; i++) id2label[String(i)] = `LABEL_${i}_${'x'.repeat(16)}`;
  return JSON.stringify({ id2label, ...(JSON.parse(LLAMA) as object) }, null, 2);
}

test('analysis worker: every real config gets the same snapshot and hovers as in this thread', async () => {
  const worker = new AnalysisWorkerClient();
  const local = new LocalBackend();
  try {
    for (const name of readdirSync(CONFIGS).filter((f) => f.endsWith('.json'))) {
      const text = read(name);
      const there = await worker.update(update(name, 1, text));
      const here = await local.update(update(name, 1, text));
      assert.deepEqual(withoutTiming(there), withoutTiming(here), name);
      assert.ok(there.summary, `${name} has a summary`);
      for (const key of ['"num_key_value_heads"', '"num_attention_heads"', '"head_dim"', '"kv_lora_rank"', '"sliding_window"']) {
        const at = text.indexOf(key);
        if (at < 0) continue;
        const request = { key: name, version: 1, offset: at + 2, glob: false, settings, documentUri: `file:///${name}` };
        assert.deepEqual(await worker.hover(request), await local.hover(request), `${name} ${key}`);
      }
      worker.forget(name);
    }
    // New settings re-derive from the held analysis; a version it does not hold answers undefined / null.
    await worker.update(update('llama', 1, LLAMA));
    const wider = await worker.snapshot({ key: 'llama', version: 1, glob: false, settings: { ...settings, context: 1024 } });
    assert.equal(wider?.kv?.context, 1024);
    assert.equal(wider?.analysed, false);
    assert.equal(await worker.snapshot({ key: 'llama', version: 2, glob: false, settings }), undefined);
    assert.equal(await worker.hover({ key: 'llama', version: 2, offset: 10, glob: false, settings, documentUri: 'file:///x' }), null);
    assert.equal(worker.starts, 1);
  } finally {
    worker.dispose();
  }
});

test('analysis worker: a newer version drops the queued older ones of the same document only', async () => {
  const worker = new AnalysisWorkerClient();
  try {
    const big = giant(3_000_000);
    await worker.update(update('warm', 1, LLAMA)); // the worker is up: the next request goes straight in
    const first = worker.update(update('a', 1, big)); // in flight
    const second = worker.update(update('a', 2, big)); // queued, then dropped
    const other = worker.update(update('b', 1, LLAMA)); // another document: kept
    const hover = worker.hover({ key: 'a', version: 2, offset: 5, glob: false, settings, documentUri: 'file:///a' });
    const third = worker.update(update('a', 3, big.replace('"num_key_value_heads": 8', '"num_key_value_heads": 4')));
    await assert.rejects(second, SupersededError);
    await assert.rejects(hover, SupersededError);
    assert.equal((await first).version, 1);
    assert.equal((await other).summary?.kind, 'GQA');
    const latest = await third;
    assert.equal(latest.version, 3);
    assert.equal(latest.model?.attention.kvHeads.value, 4);
    assert.equal(latest.outline, true, 'a 3 MB document is read in outline');
  } finally {
    worker.dispose();
  }
});

test('analysis worker: running out of memory fails that document with a clear message; the next request works', async () => {
  const events: string[] = [];
  // 16 MiB: enough for the small config even when tsx compiles the worker's sources cold inside it (8 MiB
  // is not, on a fresh clone), far too little for the 4 MB one.
  const worker = new AnalysisWorkerClient({ maxHeapMb: 16, onEvent: (e) => events.push(e) });
  try {
    await worker.update(update('small', 1, LLAMA));
    await failure(worker.update(update('huge', 1, giant(4_000_000))), /ran out of memory \(the worker's limit is 16 MiB\)/);
    assert.ok(events.some((e) => e.includes('stopped')), events.join('\n'));
    // The fresh worker does not hold what the dead one did: it says so, and a new update works.
    assert.equal(await worker.hover({ key: 'small', version: 1, offset: 10, glob: false, settings, documentUri: 'file:///s' }), null);
    assert.equal((await worker.update(update('small', 2, LLAMA))).summary?.kind, 'GQA');
    assert.equal(worker.starts, 2);
  } finally {
    worker.dispose();
  }
});

test('analysis worker: an exception, an exit, a hang or a failed start each end in a clear message', async () => {
  const cases: [string, RegExp, number?][] = [
    ['throw', /the analysis worker failed: boom in the worker/],
    ['exit', /the analysis worker exited \(code 3\)/],
    ['silent', /took longer than 0 s and was stopped/, 300],
    ['never-ready', /could not start: the analysis worker exited \(code 7\)/],
  ];
  for (const [mode, pattern, timeoutMs] of cases) {
    const worker = new AnalysisWorkerClient({ workerPath: MISBEHAVING, workerData: { mode }, ...(timeoutMs ? { timeoutMs } : {}) });
    try {
      const queued = [worker.update(update('a', 1, LLAMA)), worker.update(update('b', 1, LLAMA))];
      await failure(queued[0]!, pattern);
      if (mode === 'never-ready') {
        await failure(queued[1]!, pattern);
        assert.equal(worker.starts, 1, 'a worker that cannot start is not restarted in a loop');
      } else {
        // The second request goes to a fresh worker, which misbehaves the same way.
        await failure(queued[1]!, pattern);
        assert.equal(worker.starts, 2);
      }
    } finally {
      worker.dispose();
    }
    assert.equal(worker.isRunning, false);
  }
});

test('documents: large documents go to the worker, small ones stay; a worker failure is reported once per version', async () => {
  const worker = new AnalysisWorkerClient({ maxHeapMb: 16 });
  const states = new DocumentStates({ local: new LocalBackend(), offThread: worker, offThreadChars: 100_000 });
  const doc = (key: string, text: string, version = 1): DocumentInput => ({ key, version, languageId: 'json', scheme: 'file', path: `/m/${key}.json`, getText: () => text });
  try {
    const small = await states.get(doc('small', LLAMA));
    assert.equal(small.summary()?.kind, 'GQA');
    assert.equal(worker.isRunning, false, 'a small document never starts the worker');

    const bigText = giant(2_000_000);
    const big = doc('big', bigText);
    const view = await states.get(big);
    assert.equal(view.model?.attention.kvHeads.value, 8);
    assert.equal(worker.starts, 1);
    const hover = await states.hover(big, bigText.indexOf('"num_key_value_heads"') + 2);
    assert.match(hover?.markdown ?? '', /8 groups of 4/);

    // A document too big for the worker's heap: a failure view, not an exception, and no retry for that version.
    const huge = doc('huge', giant(12_000_000));
    const failed = await states.get(huge);
    assert.equal(failed.isModelConfig, false);
    assert.match(failed.failure ?? '', /ran out of memory/);
    assert.equal(await states.get(huge), failed);
    // The big document's analysis died with the worker: its hover re-analyses it on the fresh one.
    const again = await states.hover(big, bigText.indexOf('"num_key_value_heads"') + 2);
    assert.match(again?.markdown ?? '', /8 groups of 4/);
    assert.equal(worker.starts, 2);
  } finally {
    worker.dispose();
  }
});
