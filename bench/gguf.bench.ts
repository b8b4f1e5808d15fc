/**
 * `npm run bench:gguf`: time and memory to read GGUF headers, header only: a DeepSeek-V3-sized file of 1,900
 * tensors and a vocabulary of 129,280 tokens (strings, scores, types, as tokenizer.ggml.* hold them), a file of
 * 20,000 tensors, and a 5-shard split. Files are written sparse to the temporary folder (no tensor data on disk).
 * Prints wall time per read (median of 5), peak RSS growth and bytes of header; nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readGguf } from '../src/io/gguf';
import { arr, str, u32, writeGguf, type KvValue, type TensorSpec } from '../test/support/ggufWriter';

const base: [string, KvValue][] = [
  ['general.architecture', str('deepseek2')], ['deepseek2.block_count', u32(61)], ['deepseek2.embedding_length', u32(7168)],
  ['deepseek2.context_length', u32(163840)], ['deepseek2.attention.head_count', u32(128)], ['deepseek2.attention.head_count_kv', u32(1)],
];

function vocab(n: number): [string, KvValue][] {
  return [
    ['tokenizer.ggml.tokens', arr('str', Array.from({ length: n }, (_, i) => `tok${i}`))],
    ['tokenizer.ggml.scores', arr('f32', Array.from({ length: n }, (_, i) => -i))],
    ['tokenizer.ggml.token_type', arr('i32', Array.from({ length: n }, () => 1))],
  ];
}

function tensors(n: number): TensorSpec[] {
  return Array.from({ length: n }, (_, i) => ({ name: `blk.${Math.floor(i / 31)}.ffn_down_exps.${i}.weight`, shape: [2048, 7168, 8], type: 12 }));
}

async function time(label: string, path: string, headerBytes: number): Promise<void> {
  const times: number[] = [];
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  let count = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const h = await readGguf(path);
    times.push(performance.now() - t0);
    count = h.tensors.length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} ${String(count).padStart(6)} tensors  header ${(headerBytes / 1024 / 1024).toFixed(2).padStart(6)} MiB  median ${times[2]!.toFixed(1).padStart(7)} ms  RSS +${((peak - rss0) / 1024 / 1024).toFixed(1)} MiB`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kvlens-gguf-bench-'));
  try {
    const a = join(dir, 'deepseek-v3.gguf');
    const wa = await writeGguf(a, { kv: [...base, ...vocab(129280)], tensors: tensors(1900) });
    const b = join(dir, 'many.gguf');
    const wb = await writeGguf(b, { kv: base, tensors: tensors(20000) });
    let splitHeader = 0;
    for (let s = 1; s <= 5; s++) {
      const w = await writeGguf(join(dir, `split-0000${s}-of-00005.gguf`), { kv: s === 1 ? [...base, ...vocab(129280), ['split.count', u32(5)]] : [['split.count', u32(5)]], tensors: tensors(400) });
      splitHeader += w.headerBytes;
    }
    console.log(`GGUF header reads (node ${process.version}; sparse files: ${((wa.bytes + wb.bytes) / 1e9).toFixed(0)} GB of tensor data not read)`);
    await time('1,900 tensors + 129,280-token vocabulary', a, wa.headerBytes);
    await time('20,000 tensors', b, wb.headerBytes);
    await time('5-shard split (2,000 tensors)', join(dir, 'split-00001-of-00005.gguf'), splitHeader);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
