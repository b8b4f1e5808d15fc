/**
 * GGUF-only Hub repositories and folders of .gguf files: which file llama.cpp's `-hf org/name[:TAG]` would load
 * (core/gguf/pick, after ggml-org/llama.cpp common/download.cpp `find_best_model`), read by range requests from
 * the loopback fake Hub (test/support/fakeHub.ts serving GGUFs written by test/support/ggufWriter.ts) or from a
 * fake HF cache, through the CLI bundle. The reference for every report is `kv-lens analyze` on the same file
 * on disk: the same JSON but for `file` (and the weights' source, which names the file).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type SpawnOptions } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ggufSplitInfo, isGgufModelFile, pickGgufFile, splitGgufTag } from '../../src/core/gguf/pick';
import { buildCli, jsonLines } from '../support/cli';
import { cacheFiles, cacheModel, fakeCommit, startFakeHub, type FakeHub } from '../support/fakeHub';
import { ggufHeader, str, u32, writeGguf, type GgufSpec, type TensorSpec } from '../support/ggufWriter';
import { writeRaw } from '../support/safetensors';

describe('which .gguf llama.cpp picks (common/download.cpp find_best_model)', () => {
  const files = ['README.md', 'mmproj-x-Q4_K_M.gguf', 'x-Q2_K.gguf', 'x-Q8_0.gguf', 'x-Q4_K_M.gguf', 'imatrix-x-Q4_K_M.gguf', 'BF16/x-BF16-00002-of-00002.gguf', 'BF16/x-BF16-00001-of-00002.gguf'];
  it('no tag: Q4_K_M first, then Q8_0, then the first model file; projectors and imatrix never', () => {
    assert.deepEqual(pickGgufFile(files), { file: 'x-Q4_K_M.gguf', shards: ['x-Q4_K_M.gguf'] });
    assert.deepEqual(pickGgufFile(files.filter((f) => !f.startsWith('x-Q4'))), { file: 'x-Q8_0.gguf', shards: ['x-Q8_0.gguf'] });
    assert.equal((pickGgufFile(['mmproj-a.gguf', 'a-IQ3_XS.gguf', 'b-IQ2_M.gguf']) as { file: string }).file, 'a-IQ3_XS.gguf');
    assert.match((pickGgufFile(['mmproj-a.gguf', 'config.json']) as { error: string }).error, /no model \.gguf file; the \.gguf files: mmproj-a\.gguf/);
  });
  it('a tag matches case-insensitively before "." or "-"; a split model by its first shard, with every shard in order', () => {
    assert.deepEqual(pickGgufFile(files, { tag: 'bf16' }), { file: 'BF16/x-BF16-00001-of-00002.gguf', shards: ['BF16/x-BF16-00001-of-00002.gguf', 'BF16/x-BF16-00002-of-00002.gguf'] });
    // "Q4_K" is followed by "_" in x-Q4_K_M.gguf, not by "." or "-": no match, and a tag never falls back.
    assert.match((pickGgufFile(files, { tag: 'Q4_K' }) as { error: string }).error, /no model \.gguf file tagged Q4_K/);
  });
  it('a file named outright (--hf-file), any case; one that is not there lists the .gguf files', () => {
    assert.equal((pickGgufFile(files, { file: 'X-Q2_K.GGUF' }) as { file: string }).file, 'x-Q2_K.gguf');
    assert.match((pickGgufFile(files, { file: 'nope.gguf' }) as { error: string }).error, /^no file nope\.gguf; the \.gguf files: mmproj-x-Q4_K_M\.gguf, x-Q2_K\.gguf/);
  });
  it('split names, model files and the -hf tag spelling', () => {
    assert.deepEqual(ggufSplitInfo('a/m-Q4_0-00003-of-00010.gguf'), { prefix: 'a/m-Q4_0', index: 3, count: 10 });
    assert.deepEqual(ggufSplitInfo('m.gguf'), { prefix: 'm', index: 1, count: 1 });
    assert.equal(ggufSplitInfo('m.bin'), undefined);
    assert.equal(isGgufModelFile('dir/mmproj-model-f16.gguf'), false);
    assert.equal(isGgufModelFile('Qwen3-MTP-Q8_0.gguf'), true); // "mtp-" is lower-case in llama.cpp's test
    assert.deepEqual(splitGgufTag('org/name:Q4_K_M'), { ref: 'org/name', tag: 'Q4_K_M' });
    assert.deepEqual(splitGgufTag('org/name@v1:UD-Q4_K_XL'), { ref: 'org/name@v1', tag: 'UD-Q4_K_XL' });
    assert.deepEqual(splitGgufTag('org/name'), { ref: 'org/name' });
  });
});

/**
 * A small Llama: 4 query heads, 2 KV heads, head size 256 / 4 = 64, `layers` blocks, all F16 (ggml type 1).
 * KV cache per token in f16: layers x 2 (K and V) x 2 heads x 64 x 2 bytes = 512 x layers bytes.
 */
function tinySpec(layers: number, shard?: { no: number; of: number; tensors: 'first' | 'rest' }): GgufSpec {
  const F16 = 1;
  const all: TensorSpec[] = [{ name: 'token_embd.weight', shape: [256, 1000], type: F16 }];
  for (let i = 0; i < layers; i++) {
    all.push(
      { name: `blk.${i}.attn_q.weight`, shape: [256, 256], type: F16 },
      { name: `blk.${i}.attn_k.weight`, shape: [256, 128], type: F16 },
      { name: `blk.${i}.attn_v.weight`, shape: [256, 128], type: F16 },
      { name: `blk.${i}.attn_output.weight`, shape: [256, 256], type: F16 },
    );
  }
  all.push({ name: 'output.weight', shape: [256, 1000], type: F16 });
  const kv: GgufSpec['kv'] = [
    ['general.architecture', str('llama')], ['llama.block_count', u32(layers)], ['llama.context_length', u32(4096)],
    ['llama.embedding_length', u32(256)], ['llama.attention.head_count', u32(4)], ['llama.attention.head_count_kv', u32(2)],
  ];
  if (!shard) return { kv, tensors: all };
  const half = Math.ceil(all.length / 2);
  return { kv: [...kv, ['split.no', u32(shard.no - 1)], ['split.count', u32(shard.of)]], tensors: shard.tensors === 'first' ? all.slice(0, half) : all.slice(half) };
}

/** Parameters of {@link tinySpec}: embeddings and output 2 x 256,000, per layer 65,536 + 2 x 32,768 + 65,536 = 196,608. */
const tinyParams = (layers: number) => 2 * 256_000 + layers * 196_608;

function runCli(cli: string, args: string[], options: SpawnOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A report with its file name taken out: the file, and the weights' source and dtypeFrom, which name it (checked to). */
function unnamed(r: Record<string, unknown>): Record<string, unknown> {
  const w = r.weights as Record<string, unknown>;
  assert.ok(String(w.dtypeFrom).startsWith(`exact, from ${String(r.file)}`), String(w.dtypeFrom));
  return { ...r, file: '', weights: { ...w, source: '', dtypeFrom: '' } };
}

describe('kv-lens analyze on GGUF-only repositories and folders', () => {
  let tmp: string;
  let cli: string;
  let hub: FakeHub;
  let local: string;
  let env: (extra?: Record<string, string>) => NodeJS.ProcessEnv;
  const TOKEN = 'hf_gguf_test_token';
  const SPLIT1 = 'BF16/tiny-BF16-00001-of-00002.gguf';
  const SPLIT2 = 'BF16/tiny-BF16-00002-of-00002.gguf';
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'kvlens-hubgguf-'));
    cli = await buildCli(tmp);
    local = join(tmp, 'local');
    mkdirSync(join(local, 'BF16'), { recursive: true });
    await writeGguf(join(local, 'tiny-Q4_K_M.gguf'), tinySpec(2));
    await writeGguf(join(local, 'tiny-Q8_0.gguf'), tinySpec(3));
    await writeGguf(join(local, 'mmproj-tiny-f16.gguf'), tinySpec(1));
    await writeGguf(join(local, SPLIT1), tinySpec(2, { no: 1, of: 2, tensors: 'first' }));
    await writeGguf(join(local, SPLIT2), tinySpec(2, { no: 2, of: 2, tensors: 'rest' }));
    const files = {
      'README.md': '# tiny',
      'mmproj-tiny-f16.gguf': { gguf: ggufHeader(tinySpec(1)) },
      'tiny-Q8_0.gguf': { gguf: ggufHeader(tinySpec(3)) },
      'tiny-Q4_K_M.gguf': { gguf: ggufHeader(tinySpec(2)) },
      [SPLIT1]: { gguf: ggufHeader(tinySpec(2, { no: 1, of: 2, tensors: 'first' })) },
      [SPLIT2]: { gguf: ggufHeader(tinySpec(2, { no: 2, of: 2, tensors: 'rest' })) },
    };
    // A file cut short: its header promises 1.8 MB of tensor data, the server's Content-Range says 10 bytes follow the header.
    const cut = { ...ggufHeader(tinySpec(2)), dataBytes: 10 };
    // Nine metadata arrays of 1,000,000 u8 each: each within @huggingface/gguf's own cap, 9,000,000 elements in
    // all, over the pre-scan's 8,000,000 (src/io/gguf.ts MAX_TOTAL_ELEMENTS), so never materialised as numbers.
    const u8s = new Uint8Array(12 + 1_000_000);
    new DataView(u8s.buffer).setUint32(0, 0, true); // element type u8
    new DataView(u8s.buffer).setBigUint64(4, 1_000_000n, true);
    const heavy = ggufHeader({ ...tinySpec(2), kv: [...tinySpec(2).kv, ...Array.from({ length: 9 }, (_, i): GgufSpec['kv'][number] => [`x.blob${i}`, { t: 'raw', type: 9, bytes: u8s }])] });
    hub = await startFakeHub({ 'org/heavy-GGUF': { files: { 'heavy-Q4_K_M.gguf': { gguf: heavy } } }, 'org/tiny-GGUF': { files }, 'org/gated-GGUF': { files, gatedToken: TOKEN }, 'org/empty': { files: { 'README.md': 'nothing' } }, 'org/cut-GGUF': { files: { 'cut-Q4_K_M.gguf': { gguf: cut } } } });
    let n = 0;
    env = (extra = {}) => {
      const home = join(tmp, `home${n++}`);
      return { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), HF_HUB_CACHE: join(home, 'hf'), HF_ENDPOINT: hub.url, ...extra };
    };
  });
  after(async () => {
    await hub.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('org/name: the Q4_K_M file by range requests, the same report as the local file but for its name', async () => {
    hub.requests.length = 0;
    const remote = await runCli(cli, ['analyze', 'org/tiny-GGUF', '--json', '--gpu-mem', '24'], { env: env() });
    const disk = await runCli(cli, ['analyze', join(local, 'tiny-Q4_K_M.gguf'), '--json', '--gpu-mem', '24'], { env: env() });
    assert.equal(remote.code, 0, remote.stderr);
    assert.equal(disk.code, 0, disk.stderr);
    const [b] = jsonLines(remote.stdout);
    const [a] = jsonLines(disk.stdout);
    assert.equal(b!.file, `org/tiny-GGUF@${fakeCommit('org/tiny-GGUF')}/tiny-Q4_K_M.gguf`);
    assert.deepEqual(unnamed(b!), unnamed(a!));
    const kv = b!.kvCache as Record<string, number>;
    assert.equal(kv.bytesPerToken, 512 * 2); // 2 layers (tinySpec)
    assert.equal((b!.weights as Record<string, number>).totalParams, tinyParams(2));
    // Only headers: every request for the file is a range, none is the whole 1.8 MB.
    const gets = hub.requests.filter((r) => r.path.endsWith('.gguf'));
    assert.ok(gets.length > 0 && gets.every((r) => r.range !== undefined && r.path.endsWith('/tiny-Q4_K_M.gguf')), JSON.stringify(gets));
  });

  it('org/name:Q8_0 and --gguf-file pick other files; a split model is read shard by shard', async () => {
    const q8 = await runCli(cli, ['analyze', 'org/tiny-GGUF:Q8_0', '--json'], { env: env() });
    assert.equal(q8.code, 0, q8.stderr);
    const [j] = jsonLines(q8.stdout);
    assert.equal(j!.file, `org/tiny-GGUF@${fakeCommit('org/tiny-GGUF')}/tiny-Q8_0.gguf`);
    assert.equal((j!.kvCache as Record<string, number>).bytesPerToken, 512 * 3);
    const split = await runCli(cli, ['analyze', 'org/tiny-GGUF', '--gguf-file', SPLIT1, '--json'], { env: env() });
    const disk = await runCli(cli, ['analyze', join(local, SPLIT1), '--json'], { env: env() });
    assert.equal(split.code, 0, split.stderr);
    const [s] = jsonLines(split.stdout);
    assert.deepEqual(unnamed(s!), unnamed(jsonLines(disk.stdout)[0]!));
    assert.equal((s!.gguf as Record<string, number>).shards, 2);
    assert.equal((s!.weights as Record<string, number>).totalParams, tinyParams(2));
    const none = await runCli(cli, ['analyze', 'org/tiny-GGUF:IQ1_S'], { env: env() });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /org\/tiny-GGUF@main has no config\.json, and no model \.gguf file tagged IQ1_S; the \.gguf files: mmproj-tiny-f16\.gguf/);
    const empty = await runCli(cli, ['analyze', 'org/empty'], { env: env() });
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /org\/empty@main has no config\.json, and no model \.gguf file; there are no \.gguf files/);
  });

  it('a remote GGUF shorter than its tensors: refused, naming the repository file and the tensor; the other inputs still reported', async () => {
    const r = await runCli(cli, ['analyze', 'org/cut-GGUF', 'org/tiny-GGUF', '--json'], { env: env() });
    assert.equal(r.code, 1);
    const [cut, ok] = jsonLines(r.stdout);
    assert.equal(cut!.file, 'org/cut-GGUF');
    assert.match(String(cut!.error), new RegExp(`org/cut-GGUF@${fakeCommit('org/cut-GGUF').slice(0, 12)}/cut-Q4_K_M\\.gguf: truncated: tensor "token_embd\\.weight" ends at byte \\d+ but the file has \\d+`));
    assert.equal(ok!.modelType, 'llama');
  });

  it('a remote header is walked by the same bounded pre-scan as a local file: too many array elements refused', async () => {
    const r = await runCli(cli, ['analyze', 'org/heavy-GGUF', '--json'], { env: env() });
    assert.equal(r.code, 1);
    assert.match(String(jsonLines(r.stdout)[0]!.error), /heavy-Q4_K_M\.gguf: the metadata arrays hold more than 8000000 elements together \(at "x\.blob8"\): refused/);
  });

  it('a gated GGUF repository: the token rides on the range requests', async () => {
    const no = await runCli(cli, ['analyze', 'org/gated-GGUF'], { env: env() });
    assert.equal(no.code, 1);
    assert.match(no.stderr, /gated/);
    hub.requests.length = 0;
    const yes = await runCli(cli, ['analyze', 'org/gated-GGUF', '--json'], { env: env({ HF_TOKEN: TOKEN }) });
    assert.equal(yes.code, 0, yes.stderr);
    const ranges = hub.requests.filter((r) => r.path.endsWith('.gguf'));
    assert.ok(ranges.length > 0 && ranges.every((r) => r.authorized));
    assert.ok(!yes.stdout.includes(TOKEN) && !yes.stderr.includes(TOKEN));
  });

  it('from the HF cache (offline): a cached GGUF answers without a request; a split with a shard missing says so', async () => {
    const e = env({ HF_HUB_OFFLINE: '1' });
    const cache = e.HF_HUB_CACHE!;
    const sparse = (spec: GgufSpec) => (blob: string) => {
      const { header, dataBytes } = ggufHeader(spec);
      writeRaw(blob, Buffer.from(header), header.length + dataBytes);
    };
    cacheModel(cache, 'org/tiny-GGUF', undefined);
    cacheFiles(cache, 'org/tiny-GGUF', { 'tiny-Q4_K_M.gguf': sparse(tinySpec(2)), [SPLIT1]: sparse(tinySpec(2, { no: 1, of: 2, tensors: 'first' })) });
    hub.requests.length = 0;
    const r = await runCli(cli, ['analyze', 'org/tiny-GGUF', '--json'], { env: e });
    assert.equal(r.code, 0, r.stderr);
    const [j] = jsonLines(r.stdout);
    assert.equal(j!.file, `org/tiny-GGUF@${'a'.repeat(40)}/tiny-Q4_K_M.gguf`);
    const disk = await runCli(cli, ['analyze', join(local, 'tiny-Q4_K_M.gguf'), '--json'], { env: e });
    assert.deepEqual(unnamed(j!), unnamed(jsonLines(disk.stdout)[0]!));
    const part = await runCli(cli, ['analyze', 'org/tiny-GGUF:BF16'], { env: e });
    assert.equal(part.code, 1);
    assert.match(part.stderr, /offline .*the Hugging Face cache holds 1 of the 2 shards of BF16\/tiny-BF16-00001-of-00002\.gguf; missing: BF16\/tiny-BF16-00002-of-00002\.gguf/);
    assert.equal(hub.requests.length, 0);
  });

  it('a folder of .gguf files: each model once (a split by its first shard), projectors left out', async () => {
    const r = await runCli(cli, ['analyze', local, join(local, 'BF16'), '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const files = jsonLines(r.stdout).map((j) => j.file);
    assert.deepEqual(files, [join(local, 'tiny-Q4_K_M.gguf'), join(local, 'tiny-Q8_0.gguf'), join(local, SPLIT1)]);
  });
});
