/**
 * `npm run bench:convert`: conversion time and peak memory for a generated ~1 GB bf16 checkpoint (a Llama-shaped
 * model: hidden 2048, 32 heads of 64, MHA, 10 layers with a 5504-wide MLP, two shards) converted to 8 KV heads.
 * The conversion runs in a child process so its peak RSS (the kernel's high-water mark, `resourceUsage().maxRSS`)
 * is the conversion's alone, not the generator's. The point: memory stays near one tensor plus a copy chunk,
 * far below the checkpoint's size. Prints figures; asserts nothing. Hold `flock /tmp/kvlens-heavy.lock` while timing.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { convertCheckpoint, prepareConversion } from '../src/convert/runner';
import { functionalFidelity } from '../src/convert/functional';
import { readCheckpoint } from '../src/io/safetensors';

const CHILD = process.argv[2] === '--child';

async function child(src: string, out: string): Promise<void> {
  const t0 = performance.now();
  // The conversion alone first (its peak RSS read before anything else runs), then the functional check apart.
  const report = await convertCheckpoint({ src, out, kvHeads: 8, method: 'mean', functional: false });
  const seconds = (performance.now() - t0) / 1000;
  const maxRssKiB = process.resourceUsage().maxRSS;
  const t1 = performance.now();
  const { model, checkpoint, plan, configText } = await prepareConversion(src, 8, 'mean');
  const f = await functionalFidelity(checkpoint, await readCheckpoint(out), model, plan, configText);
  const functionalSeconds = (performance.now() - t1) / 1000;
  const worstRel = Math.max(...f.layers.map((l) => l.relativeError));
  process.stdout.write(JSON.stringify({ seconds, maxRssKiB, bytesWritten: report.bytesWritten, worst: report.summary.sharingError.worst, functionalSeconds, functionalRssKiB: process.resourceUsage().maxRSS, worstRel }) + '\n');
}

/** bf16 bytes of a seeded pattern: 1 MiB generated once, repeated (the values do not matter to the timing). */
function pattern(): Buffer {
  const b = Buffer.alloc(1 << 20);
  let s = 12345;
  for (let i = 0; i < b.length; i += 2) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const f = new Float32Array([((s >>> 8) / 2 ** 24 - 0.5) * 0.1]);
    b.writeUInt16LE(new Uint32Array(f.buffer)[0]! >>> 16, i);
  }
  return b;
}

async function writeShard(path: string, tensors: { name: string; shape: number[] }[], block: Buffer): Promise<number> {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let at = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1) * 2;
    header[t.name] = { dtype: 'BF16', shape: t.shape, data_offsets: [at, at + n] };
    at += n;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const ws = createWriteStream(path);
  ws.write(len);
  ws.write(json);
  for (let left = at; left > 0; left -= block.length) {
    if (!ws.write(left >= block.length ? block : block.subarray(0, left))) await once(ws, 'drain');
  }
  ws.end();
  await once(ws, 'finish');
  return at;
}

async function main(): Promise<void> {
  if (CHILD) return child(process.argv[3]!, process.argv[4]!);
  const root = mkdtempSync(join(tmpdir(), 'kvlens-convert-bench-'));
  try {
    const src = join(root, 'src');
    mkdirSync(src);
    const hidden = 2048;
    const heads = 32;
    const layers = 10;
    const inter = 5504;
    writeFileSync(join(src, 'config.json'), JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: hidden, num_attention_heads: heads, num_key_value_heads: heads, num_hidden_layers: layers, intermediate_size: inter, vocab_size: 32000, torch_dtype: 'bfloat16' }, null, 2));
    const all: { name: string; shape: number[] }[] = [{ name: 'model.embed_tokens.weight', shape: [32000, hidden] }];
    for (let l = 0; l < layers; l++) {
      const p = `model.layers.${l}.`;
      for (const x of ['q', 'k', 'v', 'o']) all.push({ name: `${p}self_attn.${x}_proj.weight`, shape: [hidden, hidden] });
      all.push({ name: `${p}mlp.gate_proj.weight`, shape: [inter, hidden] }, { name: `${p}mlp.up_proj.weight`, shape: [inter, hidden] }, { name: `${p}mlp.down_proj.weight`, shape: [hidden, inter] });
      all.push({ name: `${p}input_layernorm.weight`, shape: [hidden] }, { name: `${p}post_attention_layernorm.weight`, shape: [hidden] });
    }
    all.push({ name: 'model.norm.weight', shape: [hidden] }, { name: 'lm_head.weight', shape: [32000, hidden] });
    const block = pattern();
    const half = Math.ceil(all.length / 2);
    const shards = [all.slice(0, half), all.slice(half)];
    const weightMap: Record<string, string> = {};
    let total = 0;
    const t0 = performance.now();
    for (let k = 0; k < 2; k++) {
      const name = `model-0000${k + 1}-of-00002.safetensors`;
      total += await writeShard(join(src, name), shards[k]!, block);
      for (const t of shards[k]!) weightMap[t.name] = name;
    }
    writeFileSync(join(src, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
    const genSeconds = (performance.now() - t0) / 1000;
    const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', src, join(root, 'out')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`conversion failed: ${r.stderr}`);
    const fig = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seconds: number; maxRssKiB: number; bytesWritten: number; worst: number; functionalSeconds: number; functionalRssKiB: number; worstRel: number };
    const gib = (b: number) => (b / 2 ** 30).toFixed(3);
    console.log(`checkpoint: ${gib(total)} GiB bf16 in 2 shards (${layers} layers, ${heads} heads of ${hidden / heads}, MHA -> 8 KV heads), generated in ${genSeconds.toFixed(1)} s`);
    console.log(`conversion: ${fig.seconds.toFixed(2)} s (${(total / 2 ** 20 / fig.seconds).toFixed(0)} MiB/s of source), ${gib(fig.bytesWritten)} GiB written`);
    console.log(`peak RSS of the converting process: ${(fig.maxRssKiB / 1024).toFixed(0)} MiB (${((fig.maxRssKiB * 1024) / total * 100).toFixed(1)}% of the checkpoint)`);
    console.log(`worst layer sharing error: ${(fig.worst * 100).toFixed(2)}% (random weights: about 1 - 1/4 expected)`);
    console.log(`functional check (onnxruntime, ${layers} layers, 64 tokens): ${fig.functionalSeconds.toFixed(2)} s, peak RSS then ${(fig.functionalRssKiB / 1024).toFixed(0)} MiB; worst relative error ${(fig.worstRel * 100).toFixed(1)}%`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
