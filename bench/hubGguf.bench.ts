/**
 * GGUF-only Hub repositories: time, requests, bytes and memory to read the header of the file llama.cpp's `-hf`
 * would load (src/io/hubResolve `resolveGgufModel`), from the loopback Hub by range requests
 * (test/support/fakeHub.ts) and from a fake Hugging Face cache (a sparse file linked into blobs/, as
 * huggingface_hub lays it out). The file: Meta-Llama-3-8B-Instruct-Q4_K_M's 291 tensors with a 128,256-token
 * vocabulary (tokens, scores and types arrays, 280,147 merges: a header of several MB, as the real one), beside
 * a projector and a Q8_0 the picker passes over. Figures to print, never assertions.
 * Run: node --import tsx bench/hubGguf.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveGgufModel } from '../src/io/hubResolve';
import { cacheFiles, cacheModel, startFakeHub } from '../test/support/fakeHub';
import { arr, f32, ggufHeader, str, u32, type GgufSpec, type TensorSpec } from '../test/support/ggufWriter';
import { writeRaw } from '../test/support/safetensors';
import { stats } from './timing';

/** Llama-3 8B Q4_K_M: llama.cpp's names and shapes, the Q4_K_M mix (norms F32, half of attn_v / ffn_down and output Q6_K). */
function llama3(vocab: number, merges: number): GgufSpec {
  const F32 = 0, Q4_K = 12, Q6_K = 14;
  const t: TensorSpec[] = [
    { name: 'token_embd.weight', shape: [4096, vocab], type: Q4_K },
    { name: 'output_norm.weight', shape: [4096], type: F32 },
    { name: 'output.weight', shape: [4096, vocab], type: Q6_K },
  ];
  for (let i = 0; i < 32; i++) {
    const more = i % 2 === 0 ? Q6_K : Q4_K;
    t.push(
      { name: `blk.${i}.attn_norm.weight`, shape: [4096], type: F32 },
      { name: `blk.${i}.attn_q.weight`, shape: [4096, 4096], type: Q4_K },
      { name: `blk.${i}.attn_k.weight`, shape: [4096, 1024], type: Q4_K },
      { name: `blk.${i}.attn_v.weight`, shape: [4096, 1024], type: more },
      { name: `blk.${i}.attn_output.weight`, shape: [4096, 4096], type: Q4_K },
      { name: `blk.${i}.ffn_norm.weight`, shape: [4096], type: F32 },
      { name: `blk.${i}.ffn_gate.weight`, shape: [4096, 14336], type: Q4_K },
      { name: `blk.${i}.ffn_up.weight`, shape: [4096, 14336], type: Q4_K },
      { name: `blk.${i}.ffn_down.weight`, shape: [14336, 4096], type: more },
    );
  }
  const tokens = Array.from({ length: vocab }, (_, i) => `tok${i.toString(36)}`);
  return {
    kv: [
      ['general.architecture', str('llama')], ['general.name', str('Meta-Llama-3-8B-Instruct')], ['general.file_type', u32(15)],
      ['llama.block_count', u32(32)], ['llama.context_length', u32(8192)], ['llama.embedding_length', u32(4096)],
      ['llama.feed_forward_length', u32(14336)], ['llama.attention.head_count', u32(32)], ['llama.attention.head_count_kv', u32(8)],
      ['llama.rope.freq_base', f32(500000)], ['llama.attention.layer_norm_rms_epsilon', f32(1e-5)], ['llama.vocab_size', u32(vocab)],
      ['llama.rope.dimension_count', u32(128)], ['tokenizer.ggml.model', str('gpt2')],
      ['tokenizer.ggml.tokens', arr('str', tokens)], ['tokenizer.ggml.token_type', arr('i32', tokens.map(() => 1))],
      ['tokenizer.ggml.merges', arr('str', Array.from({ length: merges }, (_, i) => `m${i.toString(36)} n${i.toString(36)}`))],
    ],
    tensors: t,
  };
}

const fmt = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const spec = llama3(128_256, 280_147);
  const file = ggufHeader(spec);
  const small = ggufHeader({ kv: [['general.architecture', str('clip')]] });
  const files = { 'mmproj-model-f16.gguf': { gguf: small }, 'Meta-Llama-3-8B-Instruct-Q8_0.gguf': { gguf: small }, 'Meta-Llama-3-8B-Instruct-Q4_K_M.gguf': { gguf: file } };
  const tmp = mkdtempSync(join(tmpdir(), 'kvlens-hubggufbench-'));
  const hub = await startFakeHub();
  try {
    console.log(`GGUF: ${spec.tensors!.length} tensors, header ${mib(file.header.length)}, file ${mib(file.header.length + file.dataBytes)} (sparse, never read)`);
    const times: number[] = [];
    let requests = 0;
    let bytes = 0;
    let heap = 0;
    for (let i = 0; i < 12; i++) {
      const id = `org/llama-${i}-GGUF`;
      hub.repos.set(id, { files });
      const before = hub.requests.length;
      global.gc?.();
      const h0 = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      const r = await resolveGgufModel({ id }, { cacheDir: join(tmp, 'empty'), client: { endpoint: hub.url, timeoutMs: 30_000 } });
      times.push(performance.now() - t0);
      if ('error' in r) throw new Error(r.error);
      heap = Math.max(heap, process.memoryUsage().heapUsed - h0);
      const seen = hub.requests.slice(before);
      requests = seen.length;
      bytes = seen.filter((q) => q.range).reduce((n, q) => { const m = /bytes=(\d+)-(\d+)/.exec(q.range!); return n + (m ? Math.min(Number(m[2]), file.header.length + file.dataBytes - 1) - Number(m[1]) + 1 : 0); }, 0);
    }
    const s = stats(times.slice(2));
    console.log(`loopback Hub (range requests): median ${fmt(s.median)} ms, p95 ${fmt(s.p95)} ms, max ${fmt(s.max)} ms; ${requests} requests (model info + ranges), ${mib(bytes)} fetched; heap growth up to ${mib(heap)} (10 runs after 2 warm-up)`);

    const cache = join(tmp, 'hf');
    cacheModel(cache, 'cached/llama-GGUF', undefined, { noExist: true });
    cacheFiles(cache, 'cached/llama-GGUF', { 'Meta-Llama-3-8B-Instruct-Q4_K_M.gguf': (blob) => writeRaw(blob, Buffer.from(file.header), file.header.length + file.dataBytes) });
    const cached: number[] = [];
    for (let i = 0; i < 12; i++) {
      const t0 = performance.now();
      const r = await resolveGgufModel({ id: 'cached/llama-GGUF' }, { cacheDir: cache, client: { endpoint: hub.url, offline: true } });
      cached.push(performance.now() - t0);
      if ('error' in r) throw new Error(r.error);
    }
    const c = stats(cached.slice(2));
    console.log(`HF cache (offline):            median ${fmt(c.median)} ms, p95 ${fmt(c.p95)} ms, max ${fmt(c.max)} ms (bounded scan, then @huggingface/gguf)`);
    console.log(`RSS at the end: ${mib(process.memoryUsage().rss)}`);
  } finally {
    await hub.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
