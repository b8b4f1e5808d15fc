/**
 * The safetensors header reader: the pure validator (src/core/safetensors.ts) and the Node reader
 * (src/io/safetensors.ts) on files the tests write (real headers, zero or sparse data). Every expected figure is
 * worked out from the format: bytes = product(shape) x bits(dtype) / 8, offsets laid end to end.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MAX_HEADER_BYTES, parseSafetensorsHeader, SAFETENSORS_DTYPE_BYTES, SafetensorsError, shardNameProblem } from '../../src/core/safetensors';
import { readCheckpoint, readSafetensorsHeader } from '../../src/io/safetensors';
import { indexJson, safetensorsHeader, writeRaw, writeSafetensors, type FixtureTensor } from '../support/safetensors';

const dir = mkdtempSync(join(tmpdir(), 'kvlens-st-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A header's JSON text and the file size that makes it valid. */
function headerText(entries: Record<string, unknown>): string {
  return JSON.stringify(entries);
}

function throwsSt(fn: () => unknown, file: string, field: string | undefined, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SafetensorsError, `not a SafetensorsError: ${String(e)}`);
    assert.equal(e.file, file);
    assert.equal(e.field, field);
    assert.match(e.message, pattern);
    assert.ok(e.message.startsWith(`${file}: `), e.message);
    return true;
  });
}

async function rejectsSt(p: Promise<unknown>, file: string, pattern: RegExp, field?: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SafetensorsError, `not a SafetensorsError: ${String(e)}`);
    assert.equal(e.file, file);
    if (field !== undefined) assert.equal(e.field, field);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('parseSafetensorsHeader', () => {
  test('a valid header: tensors in offset order, data offset 8 + N, metadata kept', () => {
    // b: BF16 [4, 8] = 32 elements x 2 bytes = 64 bytes at [0, 64]; a: F32 [2] = 8 bytes at [64, 72].
    const text = headerText({
      __metadata__: { format: 'pt' },
      a: { dtype: 'F32', shape: [2], data_offsets: [64, 72] },
      b: { dtype: 'BF16', shape: [4, 8], data_offsets: [0, 64] },
    });
    const n = 200;
    const h = parseSafetensorsHeader('m.safetensors', text, n, 8 + n + 72);
    assert.equal(h.dataOffset, 208);
    assert.equal(h.headerLength, 200);
    assert.equal(h.fileSize, 280);
    assert.deepEqual(h.tensors.map((t) => [t.name, t.begin, t.end]), [['b', 0, 64], ['a', 64, 72]]);
    assert.deepEqual(h.tensors[0]!.shape, [4, 8]);
    assert.equal(h.metadata.format, 'pt');
  });

  test('dtype sizes: sub-byte F4 / F6 as fractions of a byte, as the format defines', () => {
    assert.equal(SAFETENSORS_DTYPE_BYTES.F4, 0.5);
    assert.equal(SAFETENSORS_DTYPE_BYTES.F6_E2M3, 0.75);
    assert.equal(SAFETENSORS_DTYPE_BYTES.BF16, 2);
    assert.equal(SAFETENSORS_DTYPE_BYTES.F8_E4M3, 1);
    assert.equal(SAFETENSORS_DTYPE_BYTES.C64, 8);
    assert.equal(MAX_HEADER_BYTES, 100_000_000);
    // F4 [4, 2]: 8 elements x 4 bits = 32 bits = 4 bytes.
    const ok = parseSafetensorsHeader('f', headerText({ x: { dtype: 'F4', shape: [4, 2], data_offsets: [0, 4] } }), 16, 8 + 16 + 4);
    assert.equal(ok.tensors[0]!.end, 4);
    // F4 [3]: 12 bits, not a whole number of bytes.
    throwsSt(() => parseSafetensorsHeader('f', headerText({ x: { dtype: 'F4', shape: [3], data_offsets: [0, 2] } }), 16, 8 + 16 + 2), 'f', 'x', /12 bits, not a whole number of bytes/);
  });

  test('a scalar (shape []) is one element; a zero dimension is no bytes', () => {
    const h = parseSafetensorsHeader('f', headerText({ s: { dtype: 'F64', shape: [], data_offsets: [0, 8] }, z: { dtype: 'F32', shape: [0, 5], data_offsets: [8, 8] } }), 10, 8 + 10 + 8);
    assert.deepEqual(h.tensors.map((t) => t.end - t.begin), [8, 0]);
  });

  test('header length beyond the file', () => {
    throwsSt(() => parseSafetensorsHeader('f', '{}', 500, 100), 'f', 'header length', /500 bytes of header, but the file holds 92/);
  });

  test('header length past the 100 MB cap', () => {
    throwsSt(() => parseSafetensorsHeader('f', '{}', MAX_HEADER_BYTES + 1, 1e12), 'f', 'header length', /more than the 100000000/);
  });

  test('a header that is not JSON, or not an object', () => {
    throwsSt(() => parseSafetensorsHeader('f', '{"a": ', 6, 14), 'f', 'header', /not JSON/);
    throwsSt(() => parseSafetensorsHeader('f', '[1]', 3, 11), 'f', 'header', /must be a JSON object, not an array/);
  });

  test('overlapping offsets name both tensors', () => {
    // a [0, 8] then b [4, 12]: b begins inside a.
    const text = headerText({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } });
    throwsSt(() => parseSafetensorsHeader('f', text, 10, 8 + 10 + 12), 'f', 'b', /overlap "a" \[0, 8\]/);
  });

  test('a gap between tensors', () => {
    const text = headerText({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [16, 24] } });
    throwsSt(() => parseSafetensorsHeader('f', text, 10, 8 + 10 + 24), 'f', 'b', /leave a gap/);
  });

  test('offsets out of range: past the data in the file', () => {
    // 8 bytes of tensor, but the file has 10 + 8 + 4: only 4 bytes of data.
    const text = headerText({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    throwsSt(() => parseSafetensorsHeader('f', text, 10, 8 + 10 + 4), 'f', 'a', /end at 8, past the 4 bytes of data/);
  });

  test('bytes after the last tensor are refused, as the crate refuses them', () => {
    const text = headerText({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    throwsSt(() => parseSafetensorsHeader('f', text, 10, 8 + 10 + 20), 'f', 'a', /12 bytes no tensor covers/);
  });

  test('offsets that disagree with shape x dtype', () => {
    // BF16 [3, 3] = 9 x 2 = 18 bytes, not 16.
    const text = headerText({ w: { dtype: 'BF16', shape: [3, 3], data_offsets: [0, 16] } });
    throwsSt(() => parseSafetensorsHeader('f', text, 10, 8 + 10 + 16), 'f', 'w', /span 16 bytes, but BF16 \[3,3\] takes 18/);
  });

  test('unknown dtype, bad shape, bad offsets, missing keys, non-string metadata', () => {
    const one = (entry: unknown) => headerText({ w: entry });
    throwsSt(() => parseSafetensorsHeader('f', one({ dtype: 'Q4_K', shape: [2], data_offsets: [0, 2] }), 10, 20), 'f', 'w', /unknown dtype "Q4_K"/);
    throwsSt(() => parseSafetensorsHeader('f', one({ dtype: 'F32', shape: [-1], data_offsets: [0, 4] }), 10, 22), 'f', 'w', /shape \[-1\] is not a list of dimensions/);
    throwsSt(() => parseSafetensorsHeader('f', one({ dtype: 'F32', shape: [1.5], data_offsets: [0, 4] }), 10, 22), 'f', 'w', /not a list of dimensions/);
    throwsSt(() => parseSafetensorsHeader('f', one({ dtype: 'F32', shape: [1], data_offsets: [4, 0] }), 10, 22), 'f', 'w', /end before they begin/);
    throwsSt(() => parseSafetensorsHeader('f', one({ dtype: 'F32', shape: [1], data_offsets: [0] }), 10, 22), 'f', 'w', /not a pair/);
    throwsSt(() => parseSafetensorsHeader('f', one({ dtype: 'F32', shape: [1] }), 10, 22), 'f', 'w', /has no "data_offsets"/);
    throwsSt(() => parseSafetensorsHeader('f', one({ dtype: 'F32', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 4] }), 10, 22), 'f', 'w', /more than 2\^53 elements/);
    throwsSt(() => parseSafetensorsHeader('f', headerText({ __metadata__: { a: 1 } }), 10, 18), 'f', '__metadata__', /"a" is 1/);
  });

  test('a __proto__ key is data, not a prototype', () => {
    const h = parseSafetensorsHeader('f', '{"__metadata__": {"__proto__": "x"}}', 10, 18);
    assert.equal(Object.getOwnPropertyDescriptor(h.metadata, '__proto__')?.value, 'x');
    assert.equal(h.tensors.length, 0);
  });
});

describe('shardNameProblem', () => {
  test('names that leave the folder are refused; subfolders are allowed', () => {
    assert.equal(shardNameProblem('model-00001-of-00002.safetensors'), undefined);
    assert.equal(shardNameProblem('shards/a.safetensors'), undefined);
    for (const bad of ['../x.safetensors', 'a/../../x', '/etc/passwd', '\\\\server\\x', 'C:\\x.safetensors', 'a\\..\\x', '', 'a\0b', 'a//b']) {
      assert.ok(shardNameProblem(bad), `accepted ${JSON.stringify(bad)}`);
    }
  });
});

describe('readSafetensorsHeader', () => {
  const layer: FixtureTensor[] = [
    { name: 'model.layers.0.self_attn.k_proj.weight', dtype: 'BF16', shape: [256, 4096] },
    { name: 'model.norm.weight', dtype: 'F32', shape: [4096] },
  ];

  test('reads a written file: sizes from shape x dtype', async () => {
    const path = join(dir, 'ok.safetensors');
    const size = writeSafetensors(path, layer, { metadata: { format: 'pt' } });
    const h = await readSafetensorsHeader(path);
    // k_proj: 256 x 4096 x 2 = 2,097,152 bytes; norm: 4096 x 4 = 16,384; data 2,113,536 after the header.
    assert.equal(h.fileSize, size);
    assert.equal(h.fileSize - h.dataOffset, 2_097_152 + 16_384);
    assert.equal(h.dataOffset % 8, 0, 'the crate pads the header to 8 bytes');
    assert.deepEqual(h.tensors.map((t) => [t.name, t.begin, t.end]), [
      ['model.layers.0.self_attn.k_proj.weight', 0, 2_097_152],
      ['model.norm.weight', 2_097_152, 2_113_536],
    ]);
    assert.equal(h.metadata.format, 'pt');
  });

  test('a truncated file: shorter than the 8-byte length', async () => {
    const path = join(dir, 'short.safetensors');
    writeFileSync(path, Buffer.from([1, 2, 3, 4, 5]));
    await rejectsSt(readSafetensorsHeader(path), path, /5 bytes, shorter than the 8-byte header length/, 'header length');
  });

  test('a truncated file: the data cut short', async () => {
    const path = join(dir, 'cut.safetensors');
    const { header, dataBytes } = safetensorsHeader(layer);
    writeRaw(path, header, header.length + dataBytes - 100);
    await rejectsSt(readSafetensorsHeader(path), path, /past the 2113436 bytes of data in the file/, 'model.norm.weight');
  });

  test('a header length beyond the file', async () => {
    const path = join(dir, 'long.safetensors');
    const b = Buffer.alloc(64);
    b.writeBigUInt64LE(1000n, 0);
    writeFileSync(path, b);
    await rejectsSt(readSafetensorsHeader(path), path, /1000 bytes of header, but the file holds 56/, 'header length');
  });

  test('a length past the cap is refused before anything more is read (a GGUF, say)', async () => {
    const path = join(dir, 'gguf.safetensors');
    const b = Buffer.alloc(64);
    b.write('GGUF', 0, 'latin1'); // magic 'GGUF' + version 3: as a u64 little-endian, an absurd length
    b.writeUInt32LE(3, 4);
    writeFileSync(path, b);
    await rejectsSt(readSafetensorsHeader(path), path, /more than the 100000000 the safetensors format allows/, 'header length');
  });

  test('a header that is not UTF-8 or not JSON', async () => {
    const path = join(dir, 'binary.safetensors');
    const b = Buffer.alloc(24);
    b.writeBigUInt64LE(8n, 0);
    b.set([0xff, 0xfe, 0x7b, 0, 0, 0, 0, 0], 8);
    writeFileSync(path, b);
    await rejectsSt(readSafetensorsHeader(path), path, /not UTF-8/, 'header');
    const b2 = Buffer.alloc(24);
    b2.writeBigUInt64LE(8n, 0);
    b2.write('{"a":  ]', 8);
    writeFileSync(path, b2);
    await rejectsSt(readSafetensorsHeader(path), path, /not JSON/, 'header');
  });

  test('a 100 GB sparse file: only the header is read', async () => {
    // One U8 tensor of 100 x 2^30 bytes: the file is 100 GiB on paper, a few bytes on disk.
    const path = join(dir, 'huge.safetensors');
    const big = 100 * 2 ** 30;
    const size = writeSafetensors(path, [{ name: 'w', dtype: 'U8', shape: [100, 2 ** 30] }]);
    assert.equal(size - big > 0, true);
    const before = process.memoryUsage().rss;
    const h = await readSafetensorsHeader(path);
    assert.equal(h.fileSize, size);
    assert.equal(h.tensors[0]!.end, big);
    // Reading 100 GiB would take minutes and the memory would show it; the header is under 100 bytes.
    assert.ok(process.memoryUsage().rss - before < 64 * 2 ** 20, 'memory grew by more than 64 MiB');
  });

  test('a FIFO named model.safetensors is refused without blocking', async (t) => {
    const path = join(dir, 'fifo.safetensors');
    if (spawnSync('mkfifo', [path]).status !== 0) return t.skip('no mkfifo here');
    await rejectsSt(readSafetensorsHeader(path), path, /not a regular file: it is a FIFO/);
  });

  test('a folder, a missing file', async () => {
    await rejectsSt(readSafetensorsHeader(dir), dir, /is a folder/);
    await rejectsSt(readSafetensorsHeader(join(dir, 'nope.safetensors')), join(dir, 'nope.safetensors'), /no such file/);
  });

  test('a cancelled read stops', async () => {
    const path = join(dir, 'ok2.safetensors');
    writeSafetensors(path, layer);
    const c = new AbortController();
    c.abort();
    await assert.rejects(readSafetensorsHeader(path, { signal: c.signal }), (e: unknown) => e instanceof Error && e.name === 'AbortError');
  });
});

describe('readCheckpoint', () => {
  const s1: FixtureTensor[] = [
    { name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [1000, 64] },
    { name: 'model.layers.0.self_attn.q_proj.weight', dtype: 'BF16', shape: [64, 64] },
  ];
  const s2: FixtureTensor[] = [
    { name: 'model.layers.0.self_attn.k_proj.weight', dtype: 'BF16', shape: [32, 64] },
    { name: 'model.norm.weight', dtype: 'F32', shape: [64] },
  ];
  const shard1 = 'model-00001-of-00002.safetensors';
  const shard2 = 'model-00002-of-00002.safetensors';

  function folder(name: string, index: string | undefined, shards: Record<string, FixtureTensor[]>): string {
    const f = join(dir, name);
    mkdirSync(f, { recursive: true });
    for (const [file, ts] of Object.entries(shards)) writeSafetensors(join(f, file), ts);
    if (index !== undefined) writeFileSync(join(f, 'model.safetensors.index.json'), index);
    return f;
  }

  test('a single model.safetensors', async () => {
    const f = folder('single', undefined, { 'model.safetensors': [...s1, ...s2] });
    const c = await readCheckpoint(f);
    assert.equal(c.files.length, 1);
    assert.equal(c.tensors.size, 4);
    assert.equal(c.index, undefined);
    assert.equal(c.complete, true);
    assert.equal(c.source, 'model.safetensors');
  });

  test('an index and two shards: every tensor mapped to its shard', async () => {
    const f = folder('sharded', indexJson({ [shard1]: s1, [shard2]: s2 }), { [shard1]: s1, [shard2]: s2 });
    const c = await readCheckpoint(f);
    assert.equal(c.files.length, 2);
    assert.equal(c.tensors.size, 4);
    assert.equal(c.tensors.get('model.norm.weight')!.header.file, join(f, shard2));
    assert.equal(c.index!.weightMap['model.embed_tokens.weight'], shard1);
    // total_size as transformers writes it: 1000*64*2 + 64*64*2 + 32*64*2 + 64*4 = 128000 + 8192 + 4096 + 256.
    assert.equal(c.index!.metadata!.total_size, 140_544);
    assert.deepEqual(c.problems, []);
    assert.equal(c.source, 'model.safetensors.index.json (2 shards)');
  });

  test('an index naming a file outside the folder is refused before anything is opened', async () => {
    for (const [name, bad] of [['dotdot', '../outside.safetensors'], ['absolute', '/etc/passwd']] as const) {
      const f = folder(`escape-${name}`, indexJson({ [shard1]: s1 }, { 'model.evil': bad }), { [shard1]: s1 });
      await rejectsSt(readCheckpoint(f), join(f, 'model.safetensors.index.json'), /refused, an? (absolute path|"\.\." path)/, 'weight_map');
    }
  });

  test('a missing shard: a problem naming it; the other shard still read', async () => {
    const f = folder('missing', indexJson({ [shard1]: s1, [shard2]: s2 }), { [shard1]: s1 });
    const c = await readCheckpoint(f);
    assert.equal(c.complete, false);
    assert.equal(c.files.length, 1);
    assert.equal(c.tensors.size, 2);
    assert.equal(c.problems.length, 1);
    assert.equal(c.problems[0]!.file, join(f, shard2));
    assert.match(c.problems[0]!.message, /no such file/);
  });

  test('a broken shard: its error, the rest reported', async () => {
    const f = folder('broken', indexJson({ [shard1]: s1, [shard2]: s2 }), { [shard1]: s1 });
    writeFileSync(join(f, shard2), 'not a safetensors file at all');
    const c = await readCheckpoint(f);
    assert.equal(c.tensors.size, 2);
    assert.equal(c.problems.length, 1);
    assert.match(c.problems[0]!.message, /header length/);
  });

  test('a tensor listed in the index but absent from its shard', async () => {
    const f = folder('absent', indexJson({ [shard1]: s1, [shard2]: s2 }, { 'lm_head.weight': shard2 }), { [shard1]: s1, [shard2]: s2 });
    const c = await readCheckpoint(f);
    assert.equal(c.problems.length, 1);
    assert.equal(c.problems[0]!.field, 'lm_head.weight');
    assert.match(c.problems[0]!.message, new RegExp(`${shard2}: lm_head.weight: listed in model.safetensors.index.json for ${shard2}, but ${shard2} has no such tensor`));
  });

  test('a tensor in a shard the index does not list is counted and noted', async () => {
    const f = folder('unlisted', indexJson({ [shard1]: s1, [shard2]: [s2[0]!] }), { [shard1]: s1, [shard2]: s2 });
    const c = await readCheckpoint(f);
    assert.equal(c.tensors.size, 4);
    assert.deepEqual(c.unindexed, [{ file: join(f, shard2), tensors: ['model.norm.weight'] }]);
    assert.equal(c.complete, true);
  });

  test('no checkpoint in the folder', async () => {
    const f = join(dir, 'empty');
    mkdirSync(f, { recursive: true });
    await rejectsSt(readCheckpoint(f), f, /no model.safetensors or model.safetensors.index.json/);
  });
});
