/**
 * The GGUF editor's parts that run without an editor: the reader thread (src/extension/gguf/reader.ts, the
 * worker under tsx) and the panel's view of a model given whole (webview/compute.ts computeGivenModelView),
 * whose weights are the exact ones counted from the tensors. Figures by hand in the comments.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readGgufOffThread } from '../../src/extension/gguf/reader';
import { DEFAULT_SETTINGS, kvChoices } from '../../src/core/settings';
import { computeGivenModelView } from '../../webview/compute';
import { str, u32, writeGguf } from '../support/ggufWriter';

const dir = mkdtempSync(join(tmpdir(), 'kvlens-gguf-editor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const controls = { ...kvChoices(DEFAULT_SETTINGS), whatIfKvHeads: undefined };

test('the reader thread describes a GGUF and the panel view uses its exact weights', async () => {
  const p = join(dir, 'llama.gguf');
  // Llama-3 8B's attention keys (see gguf.test.ts) and one Q8_0 tensor of 4096 x 128256: 34 bytes per 32 values.
  await writeGguf(p, { kv: [
    ['general.architecture', str('llama')], ['llama.block_count', u32(32)], ['llama.context_length', u32(8192)], ['llama.embedding_length', u32(4096)],
    ['llama.attention.head_count', u32(32)], ['llama.attention.head_count_kv', u32(8)], ['general.file_type', u32(7)],
  ], tensors: [{ name: 'token_embd.weight', shape: [4096, 128256], type: 8 }] });
  const reply = await readGgufOffThread(p);
  assert.ok(reply.ok, reply.ok ? '' : reply.error);
  if (!reply.ok) return;
  assert.equal(reply.model.attention.kind, 'GQA');
  assert.equal(reply.exactWeights.bytes, (4096 * 128256 / 32) * 34);
  const result = computeGivenModelView(reply.model, controls, reply.exactWeights);
  assert.equal(result.status, 'ok');
  if (result.status !== 'ok') return;
  assert.equal(result.view.weightsBytes, (4096 * 128256 / 32) * 34);
  // f16 (llama.cpp's default) at the training context: 32 x 2 x 8 x 128 x 2 B x 8192 = 1 GiB.
  assert.equal(result.view.report.totalBytes, 1024 ** 3);
});

test('a bad file comes back as an error naming it, not a crash', async () => {
  const p = join(dir, 'bad.gguf');
  await writeGguf(p, { kv: [], magic: 'NOPE' });
  const reply = await readGgufOffThread(p);
  assert.equal(reply.ok, false);
  assert.match(reply.ok ? '' : reply.error, /bad\.gguf: not a GGUF file/);
});
