/**
 * The GGUF reader leaves the tokenizer's arrays (and any array longer than one value per layer could be) out of
 * what @huggingface/gguf parses (src/io/gguf.ts skipArray): their lengths are kept, every key after them still
 * reads, and each tensor's data is still checked against the real file's size at the real data offset (the end
 * of the tensor infos padded to general.alignment), not the shortened copy's. Files are written by
 * test/support/ggufWriter.ts; expected figures are worked out by hand beside each assertion.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { describeGguf, GgufModelError } from '../../src/core/gguf/describe';
import { GgufReadError, readGguf, readGgufUrl } from '../../src/io/gguf';
import { arr, f32, ggufHeader, str, u32, u64, writeGguf, type KvValue, type TensorSpec } from '../support/ggufWriter';

const dir = mkdtempSync(join(tmpdir(), 'kvlens-gguf-skip-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `${n++}.gguf`);

const VOCAB = 300;
const kv: [string, KvValue][] = [
  ['general.architecture', str('llama')], ['general.alignment', u32(64)],
  ['llama.block_count', u32(2)], ['llama.embedding_length', u32(64)], ['llama.context_length', u32(2048)],
  ['llama.attention.head_count', u32(4)], ['llama.attention.head_count_kv', u32(2)],
  ['tokenizer.ggml.tokens', arr('str', Array.from({ length: VOCAB }, (_, i) => `tok${i}`))],
  ['tokenizer.ggml.scores', arr('f32', Array.from({ length: VOCAB }, (_, i) => -i))],
  ['tokenizer.ggml.token_type', arr('i32', Array.from({ length: VOCAB }, () => 1))],
  ['tokenizer.ggml.merges', arr('str', ['t o', 'o k'])],
  // After the skipped arrays: must still be read at its (shifted, in the library's copy) offset.
  ['general.name', str('after-the-vocabulary')],
  ['llama.rope.freq_base', f32(10000)],
];
// F16 [64, 100]: 6400 elements x 2 bytes = 12800 bytes (a multiple of the 64-byte alignment).
const tensors: TensorSpec[] = [{ name: 'token_embd.weight', shape: [64, 100], type: 1 }];

function servingFetch(bytes: Uint8Array): typeof fetch {
  return (async (_input: unknown, init?: { headers?: Record<string, string> }) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(init?.headers?.Range ?? '');
    if (!m) return new Response(bytes.slice(), { status: 200 });
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]) + 1, bytes.length);
    const body = bytes.slice(start, end);
    return new Response(body, { status: 206, headers: { 'Content-Range': `bytes ${start}-${end - 1}/${bytes.length}`, 'Content-Length': String(body.length) } });
  }) as unknown as typeof fetch;
}

describe('tokenizer arrays are counted, not materialised', () => {
  test('lengths kept, absent from the metadata, the keys after them read, vocabulary from the tokens count', async () => {
    const p = file();
    await writeGguf(p, { kv, tensors, alignment: 64 });
    const h = await readGguf(p);
    assert.deepEqual(h.skippedArrays, { 'tokenizer.ggml.tokens': 300, 'tokenizer.ggml.scores': 300, 'tokenizer.ggml.token_type': 300, 'tokenizer.ggml.merges': 2 });
    assert.equal('tokenizer.ggml.tokens' in h.metadata, false);
    assert.equal(h.metadata['general.name'], 'after-the-vocabulary');
    assert.deepEqual(h.tensors, [{ name: 'token_embd.weight', shape: [64, 100], type: 1 }]);
    const d = describeGguf(h);
    // No llama.vocab_size: llama.cpp takes get_arr_n(tokenizer.ggml.tokens) = 300.
    assert.equal(d.model.vocabSize?.value, VOCAB);
    assert.deepEqual(d.model.vocabSize?.from, ['tokenizer.ggml.tokens']);
  });
  test('the same header by range requests', async () => {
    const p = file();
    await writeGguf(p, { kv, tensors, alignment: 64 });
    const h = await readGgufUrl('https://hub.invalid/org/name/resolve/main/x.gguf', { fetch: servingFetch(new Uint8Array(readFileSync(p))) });
    assert.equal(h.skippedArrays?.['tokenizer.ggml.tokens'], 300);
    assert.equal(h.metadata['general.name'], 'after-the-vocabulary');
  });
  test('a file one byte short of its last tensor is still refused, at the real data offset', async () => {
    const p = file();
    const w = await writeGguf(p, { kv, tensors, alignment: 64 });
    const short = file();
    await writeGguf(short, { kv, tensors, alignment: 64 }, { truncateTo: w.bytes - 1 });
    // The data starts at the padded header (w.headerBytes, a multiple of 64); the tensor ends at
    // w.headerBytes + 12800 = w.bytes. With the shortened copy's offset (thousands of bytes less) it would pass.
    assert.equal(w.bytes, w.headerBytes + 12800);
    await assert.rejects(readGguf(short), (e: unknown) => e instanceof GgufReadError && e.message.includes(`ends at byte ${w.bytes} but the file has ${w.bytes - 1}`));
  });
  test('any array longer than MAX_LAYERS (10,000) is skipped too; as a per-layer key it is refused by its length', async () => {
    const p = file();
    const long = kv.filter(([k]) => k !== 'llama.attention.head_count_kv').concat([['llama.attention.head_count_kv', arr('u32', Array.from({ length: 10_001 }, () => 2))]]);
    await writeGguf(p, { kv: long, tensors, alignment: 64 });
    const h = await readGguf(p);
    assert.equal(h.skippedArrays?.['llama.attention.head_count_kv'], 10_001);
    assert.throws(() => describeGguf(h), (e: unknown) => e instanceof GgufModelError && /head_count_kv holds 10001 values; llama\.cpp requires one per layer \(2\)/.test(e.message));
  });
});

describe("gguf.cpp's tensor data layout", () => {
  // Two F16 tensors: a [64, 3] (192 elements x 2 = 384 bytes, padded to 64: 384) and b [64, 1] (128 bytes).
  // gguf.cpp requires a at offset 0 and b at exactly 384.
  const two: TensorSpec[] = [{ name: 'a.weight', shape: [64, 3], type: 1 }, { name: 'b.weight', shape: [64, 1], type: 1 }];
  const small = kv.filter(([k]) => !k.startsWith('tokenizer.'));
  /** The header with b.weight's u64 data offset replaced: after its name, n_dims (4), 2 dims (16) and type (4). */
  function withOffset(offset: bigint): Uint8Array {
    const { header, dataBytes } = ggufHeader({ kv: small, tensors: two, alignment: 64 });
    const buf = Buffer.alloc(header.length + dataBytes);
    buf.set(header);
    const at = buf.indexOf(Buffer.from('b.weight')) + 'b.weight'.length + 4 + 16 + 4;
    buf.writeBigUInt64LE(offset, at);
    return buf;
  }
  test('the layout the writer gives passes (offsets 0 and 384)', async () => {
    const p = file();
    writeFileSync(p, withOffset(384n));
    assert.equal((await readGguf(p)).tensors.length, 2);
  });
  test('a gap, an overlap or a misaligned offset is refused, naming the tensor and both offsets', async () => {
    for (const bad of [448n, 0n, 390n]) {
      const p = file();
      writeFileSync(p, withOffset(bad));
      await assert.rejects(readGguf(p), (e: unknown) => e instanceof GgufReadError && e.message.includes(`tensor "b.weight" has data offset ${bad}, expected 384`));
    }
  });
  test('a duplicate tensor name is refused', async () => {
    const p = file();
    const { header, dataBytes } = ggufHeader({ kv: small, tensors: [two[0]!, { ...two[1]!, name: 'a.weight' }], alignment: 64 });
    const buf = Buffer.alloc(header.length + dataBytes);
    buf.set(header);
    writeFileSync(p, buf);
    await assert.rejects(readGguf(p), (e: unknown) => e instanceof GgufReadError && /tensor "a\.weight" appears twice/.test(e.message));
  });
});

describe('header fields gguf.cpp is strict about', () => {
  const small = kv.filter(([k]) => !k.startsWith('tokenizer.') && k !== 'general.alignment');
  const one: TensorSpec[] = [{ name: 'a.weight', shape: [64, 1], type: 1 }];
  test('general.alignment: a u32 power of two is used; 48 (not a power of two) and a u64 are refused', async () => {
    const ok = file();
    await writeGguf(ok, { kv: [...small, ['general.alignment', u32(128)]], tensors: one, alignment: 128 });
    assert.equal((await readGguf(ok)).tensors.length, 1);
    const odd = file();
    await writeGguf(odd, { kv: [...small, ['general.alignment', u32(48)]], tensors: one, alignment: 48 });
    await assert.rejects(readGguf(odd), (e: unknown) => e instanceof GgufReadError && /general\.alignment is 48, not a power of two/.test(e.message));
    const wide = file();
    await writeGguf(wide, { kv: [...small, ['general.alignment', u64(64)]], tensors: one, alignment: 64 });
    await assert.rejects(readGguf(wide), (e: unknown) => e instanceof GgufReadError && /stored as GGUF type 10, not uint32/.test(e.message));
  });
  test('a big-endian file (version 3 written big-endian) is named as such', async () => {
    const p = file();
    const { header } = ggufHeader({ kv: small, tensors: [] });
    const buf = Buffer.from(header);
    buf.writeUInt32BE(3, 4);
    writeFileSync(p, buf);
    await assert.rejects(readGguf(p), (e: unknown) => e instanceof GgufReadError && /a big-endian GGUF \(version 3\)/.test(e.message));
  });
});
