/**
 * End to end: small seeded checkpoints in every supported layout, built here byte by byte (a header without the
 * writer's padding, so the reader and writer are not tested against each other only), converted by
 * src/convert/runner.ts, read back through KV Lens's own safetensors reader (src/io/safetensors.ts) and checked
 * against a reference pooling written below with its own index arithmetic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeText } from '../../src/core/analyze';
import { convertCheckpoint, ConvertRefusal, type ConvertOptions } from '../../src/convert/runner';
import { convertInWorker } from '../../src/convert/client';
import { TensorDataReader } from '../../src/io/tensorData';
import { readCheckpoint, readSafetensorsHeader } from '../../src/io/safetensors';
import { lintWeights } from '../../src/core/lint/weights';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { uniform } from '../../src/core/random';

// ---------- a seeded checkpoint, built by hand ----------

/** The core's seeded generator (mulberry32), so every run builds the same weights. */
const rng = uniform;

/** Values in [-2, 2) on a grid of 1/64: exactly representable in fp16, bf16 and fp32, so the source is exact. */
function seeded(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.floor(r() * 256 - 128) / 64);
}

type Dtype = 'F32' | 'F16' | 'BF16';
interface T {
  name: string;
  dtype: Dtype;
  shape: number[];
  values: Float32Array;
}

/** Exact encodings of grid values (no rounding needed: the grid fits every format). */
function bytesOf(values: Float32Array, dtype: Dtype): Buffer {
  const f = Buffer.from(new Float32Array(values).buffer);
  if (dtype === 'F32') return f;
  const out = Buffer.alloc(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const bits = f.readUInt32LE(i * 4);
    if (dtype === 'BF16') out.writeUInt16LE(bits >>> 16, i * 2);
    else {
      // fp16 of a normal grid value: sign, exponent rebased from 127 to 15, top 10 mantissa bits (zero is zero).
      const v = values[i]!;
      if (v === 0) continue;
      const e = ((bits >>> 23) & 0xff) - 127 + 15;
      out.writeUInt16LE(((bits >>> 16) & 0x8000) | (e << 10) | ((bits >>> 13) & 0x3ff), i * 2);
    }
  }
  return out;
}

/** Reads a float back from a tensor's bytes. */
function valuesOf(bytes: Buffer, dtype: Dtype): Float32Array {
  const n = bytes.length / (dtype === 'F32' ? 4 : 2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (dtype === 'F32') out[i] = bytes.readFloatLE(i * 4);
    else if (dtype === 'BF16') out[i] = Buffer.from(new Uint32Array([bytes.readUInt16LE(i * 2) << 16]).buffer).readFloatLE(0);
    else {
      const h = bytes.readUInt16LE(i * 2);
      const e = (h >>> 10) & 0x1f;
      const m = h & 0x3ff;
      out[i] = (h & 0x8000 ? -1 : 1) * (e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15));
    }
  }
  return out;
}

function writeSafetensors(path: string, tensors: T[], metadata: Record<string, string> = { format: 'pt' }): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const parts: Buffer[] = [];
  let at = 0;
  for (const t of tensors) {
    const b = bytesOf(t.values, t.dtype);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + b.length] };
    parts.push(b);
    at += b.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([len, json, ...parts]));
}

interface Spec {
  modelType: string;
  layout: 'separate' | 'fused' | 'gpt2' | 'neox';
  q: number;
  kv: number;
  hd: number;
  layers: number;
  dtype: Dtype;
  bias?: boolean;
  /** Make the heads of each group of `identical` heads equal (a group of the target size). */
  identical?: number;
}

const hiddenOf = (s: Spec) => s.q * s.hd;

/** The K/V-holding tensors and the rest of a small model in the spec's layout. */
function tensorsFor(s: Spec, seed = 1): T[] {
  const h = hiddenOf(s);
  const out: T[] = [];
  const t = (name: string, shape: number[]) => out.push({ name, dtype: s.dtype, shape, values: seeded(shape.reduce((a, b) => a * b, 1), seed++) });
  if (s.layout === 'gpt2') t('wte.weight', [64, h]);
  else if (s.layout === 'neox') t('gpt_neox.embed_in.weight', [64, h]);
  else t('model.embed_tokens.weight', [64, h]);
  for (let l = 0; l < s.layers; l++) {
    if (s.layout === 'separate') {
      const p = s.modelType === 'opt' ? `model.decoder.layers.${l}.self_attn.` : `model.layers.${l}.self_attn.`;
      t(`${p}q_proj.weight`, [s.q * s.hd, h]);
      t(`${p}k_proj.weight`, [s.kv * s.hd, h]);
      t(`${p}v_proj.weight`, [s.kv * s.hd, h]);
      if (s.bias) {
        t(`${p}q_proj.bias`, [s.q * s.hd]);
        t(`${p}k_proj.bias`, [s.kv * s.hd]);
        t(`${p}v_proj.bias`, [s.kv * s.hd]);
      }
      t(`${p}o_proj.weight`, [h, s.q * s.hd]);
      t(`model.layers.${l}.input_layernorm.weight`, [h]);
    } else if (s.layout === 'fused') {
      t(`model.layers.${l}.self_attn.qkv_proj.weight`, [(s.q + 2 * s.kv) * s.hd, h]);
      t(`model.layers.${l}.self_attn.o_proj.weight`, [h, h]);
    } else if (s.layout === 'gpt2') {
      t(`h.${l}.attn.c_attn.weight`, [h, 3 * h]);
      t(`h.${l}.attn.c_attn.bias`, [3 * h]);
      t(`h.${l}.attn.c_proj.weight`, [h, h]);
    } else {
      t(`gpt_neox.layers.${l}.attention.query_key_value.weight`, [3 * h, h]);
      t(`gpt_neox.layers.${l}.attention.query_key_value.bias`, [3 * h]);
      t(`gpt_neox.layers.${l}.attention.dense.weight`, [h, h]);
    }
  }
  t(s.layout === 'gpt2' ? 'ln_f.weight' : 'lm_head.weight', s.layout === 'gpt2' ? [h] : [64, h]);
  if (s.identical) for (const x of out) if (isKv(x.name)) makeIdentical(s, x);
  return out;
}

const isKv = (name: string) => /(k_proj|v_proj|qkv_proj|c_attn|query_key_value)\.(weight|bias)$/.test(name);

/** Where (row, col) of head `head`'s row `d` of part `part` sits in a tensor: the layouts as transformers reads them. */
function slot(s: Spec, name: string, part: 'q' | 'k' | 'v', head: number, d: number, kv: number): number {
  const hd = s.hd;
  if (s.layout === 'separate') return head * hd + d;
  if (s.layout === 'neox') return head * 3 * hd + { q: 0, k: 1, v: 2 }[part] * hd + d; // view(heads, 3, head_size)
  const base = { q: 0, k: s.q * hd, v: s.q * hd + kv * hd }[part]; // q | k | v
  void name;
  return base + head * hd + d;
}

/** The value of row `o`, input column `i` of a projection tensor (GPT-2's Conv1D stores [in, out]). */
function cell(s: Spec, t: { shape: number[]; values: Float32Array }, o: number, i: number, bias: boolean): number {
  if (bias) return t.values[o]!;
  if (s.layout === 'gpt2') return t.values[i * t.shape[1]! + o]!;
  return t.values[o * t.shape[1]! + i]!;
}

function partsOf(s: Spec, name: string): ('k' | 'v')[] {
  if (s.layout === 'separate') return name.includes('k_proj') ? ['k'] : ['v'];
  return ['k', 'v'];
}

function makeIdentical(s: Spec, t: T): void {
  const bias = t.name.endsWith('bias');
  const inner = bias ? 1 : s.layout === 'gpt2' ? t.shape[0]! : t.shape[1]!;
  const set = (o: number, i: number, v: number) => {
    if (bias) t.values[o] = v;
    else if (s.layout === 'gpt2') t.values[i * t.shape[1]! + o] = v;
    else t.values[o * inner + i] = v;
  };
  for (const part of partsOf(s, t.name)) {
    for (let h = 0; h < s.kv; h++) {
      const leader = h - (h % s.identical!);
      for (let d = 0; d < s.hd; d++) for (let i = 0; i < inner; i++) set(slot(s, t.name, part, h, d, s.kv), i, cell(s, t, slot(s, t.name, part, leader, d, s.kv), i, bias));
    }
  }
}

/**
 * The reference: every element of the converted tensor, from the definition. Query rows unchanged; K/V head j
 * (native) or old head h's slot (expanded, j = floor(h / r)) = the mean of old heads j*r ... j*r + r - 1.
 */
function reference(s: Spec, t: T, n: number, expanded: boolean): Float32Array {
  const bias = t.name.endsWith('bias');
  const r = s.kv / n;
  const inner = bias ? 1 : s.layout === 'gpt2' ? t.shape[0]! : t.shape[1]!;
  const kvOut = expanded ? s.kv : n;
  const rows = s.layout === 'separate' ? kvOut * s.hd : s.layout === 'neox' ? s.q * 3 * s.hd : s.q * s.hd + 2 * kvOut * s.hd;
  const out = new Float32Array(rows * inner);
  const put = (o: number, i: number, v: number) => {
    if (s.layout === 'gpt2' && !bias) out[i * rows + o] = v;
    else out[o * inner + i] = v;
  };
  if (s.layout !== 'separate') {
    for (let h = 0; h < s.q; h++) for (let d = 0; d < s.hd; d++) for (let i = 0; i < inner; i++) put(slot(s, t.name, 'q', h, d, kvOut), i, cell(s, t, slot(s, t.name, 'q', h, d, s.kv), i, bias));
  }
  for (const part of partsOf(s, t.name)) {
    for (let h = 0; h < kvOut; h++) {
      const j = expanded ? Math.floor(h / r) : h;
      for (let d = 0; d < s.hd; d++) {
        for (let i = 0; i < inner; i++) {
          let sum = 0;
          for (let m = j * r; m < j * r + r; m++) sum += cell(s, t, slot(s, t.name, part, m, d, s.kv), i, bias);
          put(slot(s, t.name, part, h, d, kvOut), i, sum / r);
        }
      }
    }
  }
  return out;
}

function configFor(s: Spec): string {
  const h = hiddenOf(s);
  if (s.modelType === 'gpt2') return JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_head: s.q, n_layer: s.layers, n_embd: h, vocab_size: 64, torch_dtype: 'float32' }, null, 2) + '\n';
  if (s.modelType === 'gpt_neox') return JSON.stringify({ model_type: 'gpt_neox', num_attention_heads: s.q, num_hidden_layers: s.layers, hidden_size: h, vocab_size: 64, rotary_pct: 0.25 }, null, 2) + '\n';
  const c: Record<string, unknown> = { architectures: ['X'], model_type: s.modelType, hidden_size: h, num_attention_heads: s.q, num_hidden_layers: s.layers, vocab_size: 64, rope_theta: 10000 };
  if (s.kv !== s.q) c.num_key_value_heads = s.kv;
  if (s.dtype === 'BF16') c.torch_dtype = 'bfloat16';
  return JSON.stringify(c, null, 2) + '\n';
}

const ROOT = mkdtempSync(join(tmpdir(), 'kvlens-convert-'));
process.on('exit', () => rmSync(ROOT, { recursive: true, force: true }));
let serial = 0;

function checkpoint(s: Spec, opts: { shards?: number; extra?: Record<string, string> } = {}): { dir: string; tensors: T[] } {
  const dir = join(ROOT, `src-${serial++}`);
  mkdirSync(dir);
  const tensors = tensorsFor(s);
  writeFileSync(join(dir, 'config.json'), configFor(s));
  for (const [name, text] of Object.entries(opts.extra ?? {})) writeFileSync(join(dir, name), text);
  const shards = opts.shards ?? 1;
  if (shards === 1) writeSafetensors(join(dir, 'model.safetensors'), tensors);
  else {
    const weightMap: Record<string, string> = {};
    let total = 0;
    for (let k = 0; k < shards; k++) {
      const name = `model-0000${k + 1}-of-0000${shards}.safetensors`;
      const mine = tensors.filter((_, i) => i % shards === k);
      writeSafetensors(join(dir, name), mine);
      for (const t of mine) {
        weightMap[t.name] = name;
        total += bytesOf(t.values, t.dtype).length;
      }
    }
    writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  }
  return { dir, tensors };
}

function hashFolder(dir: string): string {
  const h = createHash('sha256');
  for (const name of readdirSync(dir).sort()) h.update(name).update(readFileSync(join(dir, name)));
  return h.digest('hex');
}

/** Every tensor of a converted folder, by name, through the project's reader. */
async function readBack(dir: string): Promise<Map<string, { dtype: Dtype; shape: number[]; bytes: Buffer }>> {
  const cp = await readCheckpoint(dir);
  assert.ok(cp.complete, cp.problems.map((p) => p.message).join('; '));
  const out = new Map<string, { dtype: Dtype; shape: number[]; bytes: Buffer }>();
  for (const header of cp.files) {
    // The writer pads the header so the data starts 8-byte aligned.
    assert.equal(header.dataOffset % 8, 0, `${header.file}: data offset ${header.dataOffset}`);
    const file = readFileSync(header.file);
    for (const t of header.tensors) out.set(t.name, { dtype: t.dtype as Dtype, shape: t.shape, bytes: file.subarray(header.dataOffset + t.begin, header.dataOffset + t.end) });
  }
  return out;
}

async function convert(src: string, n: number, extra: Partial<ConvertOptions> = {}) {
  const out = join(ROOT, `out-${serial++}`);
  // The functional check (onnxruntime in a worker) is off except in the tests about it: it costs a worker per run.
  const report = await convertCheckpoint({ src, out, kvHeads: n, method: 'mean', functional: false, ...extra });
  return { out, report };
}

/** Asserts the converted folder against the reference, tensor by tensor; returns the largest difference seen. */
async function checkAgainstReference(s: Spec, tensors: T[], out: string, n: number, expanded: boolean, tolerance: (ref: number) => number): Promise<void> {
  const back = await readBack(out);
  assert.equal(back.size, tensors.length);
  for (const t of tensors) {
    const got = back.get(t.name);
    assert.ok(got, `${t.name} written`);
    assert.equal(got.dtype, t.dtype, `${t.name} keeps its dtype`);
    if (!isKv(t.name)) {
      assert.ok(got.bytes.equals(bytesOf(t.values, t.dtype)), `${t.name}: byte for byte`);
      continue;
    }
    const ref = reference(s, t, n, expanded);
    const values = valuesOf(got.bytes, t.dtype);
    assert.equal(values.length, ref.length, `${t.name}: ${values.length} values, reference ${ref.length}`);
    for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(values[i]! - ref[i]!) <= tolerance(ref[i]!), `${t.name}[${i}]: ${values[i]} vs ${ref[i]}`);
  }
}

const exact = () => 0;
/** fp32 of a mean of grid values: within one fp32 half-ulp (relative 2^-24). */
const f32Tol = (v: number) => Math.abs(v) * 2 ** -23 + 1e-30;

// ---------- layouts ----------

test('Llama (separate q/k/v, MHA 4 heads, fp32) to 2 KV heads: reference values, the rest byte for byte, config, SRC untouched, analysis shows GQA', async () => {
  const s: Spec = { modelType: 'llama', layout: 'separate', q: 4, kv: 4, hd: 4, layers: 2, dtype: 'F32' };
  const { dir, tensors } = checkpoint(s, { extra: { 'tokenizer.json': '{"version":"1.0"}', 'generation_config.json': '{"do_sample":false}\n', 'pytorch_model.bin': 'old weights', 'model.safetensors.index.json': '{"weight_map":{}}' } });
  const before = hashFolder(dir);
  const { out, report } = await convert(dir, 2);
  assert.equal(hashFolder(dir), before, 'SRC is never modified');
  assert.equal(report.output, 'native');
  assert.equal(report.layout, 'separate');
  await checkAgainstReference(s, tensors, out, 2, false, f32Tol);
  const config = readFileSync(join(out, 'config.json'), 'utf8');
  // The field is added as the file's other fields are written; every other line is kept as it was.
  const original = readFileSync(join(dir, 'config.json'), 'utf8');
  assert.match(config, /\n {2}"num_key_value_heads": 2\n\}\n$/);
  assert.equal(config.replace(/,\n {2}"num_key_value_heads": 2/, ''), original);
  const a = analyzeText(config);
  assert.equal(a.model?.attention.kind, 'GQA');
  assert.equal(a.model?.attention.kvHeads.value, 2);
  assert.equal(readFileSync(join(out, 'tokenizer.json'), 'utf8'), '{"version":"1.0"}');
  assert.equal(readFileSync(join(out, 'generation_config.json'), 'utf8'), '{"do_sample":false}\n');
  assert.equal(existsSync(join(out, 'pytorch_model.bin')), false, 'a stale weight format is not copied');
  assert.deepEqual(report.skipped.sort(), ['model.safetensors.index.json', 'pytorch_model.bin'], 'stale weights and an index naming shards not written');
  assert.ok(report.layers.length === 2 && report.layers.every((l) => l.sharingError > 0.3), 'random heads lose a lot by sharing');
  assert.equal(readdirSync(ROOT).filter((n) => n.includes('.kv-lens-')).length, 0, 'no temporary folder left');
});

test('Qwen2-style GQA with biases (bf16, 4 query / 2 KV heads) to 1 KV head: biases pooled, bf16 stays bf16, the config says MQA', async () => {
  const s: Spec = { modelType: 'qwen2', layout: 'separate', q: 4, kv: 2, hd: 8, layers: 2, dtype: 'BF16', bias: true };
  const { dir, tensors } = checkpoint(s);
  const { out, report } = await convert(dir, 1);
  // bf16: the mean of two grid values needs one more bit at most; within half a bf16 ulp (relative 2^-8).
  await checkAgainstReference(s, tensors, out, 1, false, (v) => Math.abs(v) * 2 ** -8);
  assert.equal(report.dtype, 'BF16');
  assert.equal(analyzeText(readFileSync(join(out, 'config.json'), 'utf8')).model?.attention.kind, 'MQA');
  const back = await readBack(out);
  assert.deepEqual(back.get('model.layers.1.self_attn.k_proj.bias')!.shape, [8]);
});

test('Phi-3 fused qkv_proj (fp16) re-fused at the new size; OPT-style separate projections written expanded', async () => {
  const phi: Spec = { modelType: 'phi3', layout: 'fused', q: 4, kv: 4, hd: 4, layers: 2, dtype: 'F16' };
  const a = checkpoint(phi);
  const { out, report } = await convert(a.dir, 2);
  assert.equal(report.layout, 'fused-qkv');
  await checkAgainstReference(phi, a.tensors, out, 2, false, (v) => Math.abs(v) * 2 ** -11);
  const back = await readBack(out);
  assert.deepEqual(back.get('model.layers.0.self_attn.qkv_proj.weight')!.shape, [(4 + 2 * 2) * 4, 16]);
  const opt: Spec = { modelType: 'opt', layout: 'separate', q: 4, kv: 4, hd: 4, layers: 1, dtype: 'F32', bias: true };
  const b = checkpoint(opt);
  const o = await convert(b.dir, 2);
  assert.equal(o.report.output, 'expanded');
  await checkAgainstReference(opt, b.tensors, o.out, 2, true, f32Tol);
  assert.equal(readFileSync(join(o.out, 'config.json'), 'utf8'), readFileSync(join(b.dir, 'config.json'), 'utf8'), 'expanded: config unchanged');
});

test('GPT-2 c_attn (Conv1D [in, out]) and GPT-NeoX interleaved query_key_value: expanded to the MHA shape, q untouched', async () => {
  for (const s of [
    { modelType: 'gpt2', layout: 'gpt2', q: 4, kv: 4, hd: 4, layers: 2, dtype: 'F32' },
    { modelType: 'gpt_neox', layout: 'neox', q: 4, kv: 4, hd: 4, layers: 2, dtype: 'F32' },
  ] as Spec[]) {
    const { dir, tensors } = checkpoint(s);
    const { out, report } = await convert(dir, 2);
    assert.equal(report.output, 'expanded', s.modelType);
    assert.match(report.notes.join(' '), /repeated back to the 4-head shape/);
    await checkAgainstReference(s, tensors, out, 2, true, f32Tol);
  }
});

// ---------- what the figures say ----------

test('N = KV heads is lossless: every byte the same, sharing error 0', async () => {
  const s: Spec = { modelType: 'llama', layout: 'separate', q: 4, kv: 4, hd: 4, layers: 2, dtype: 'BF16' };
  const { dir, tensors } = checkpoint(s);
  const { out, report } = await convert(dir, 4);
  await checkAgainstReference(s, tensors, out, 4, false, exact);
  const back = await readBack(out);
  for (const t of tensors) assert.ok(back.get(t.name)!.bytes.equals(bytesOf(t.values, t.dtype)), t.name);
  assert.ok(report.layers.every((l) => l.sharingError === 0));
  assert.match(report.notes.join(' '), /nothing is pooled/);
});

test('identical heads within each group: error 0 with mean, the heads written as they were; mean-norm keeps norms (ratio 1) where mean shrinks them', async () => {
  const s: Spec = { modelType: 'llama', layout: 'separate', q: 8, kv: 8, hd: 4, layers: 2, dtype: 'F32', identical: 2 };
  const same = checkpoint(s);
  const r = await convert(same.dir, 4);
  assert.ok(r.report.layers.every((l) => l.sharingError === 0 && l.k.normRatio === 1), JSON.stringify(r.report.layers));
  await checkAgainstReference(s, same.tensors, r.out, 4, false, exact);

  const random: Spec = { ...s, identical: undefined };
  const src = checkpoint(random);
  const mean = await convert(src.dir, 2, { method: 'mean' });
  const norm = await convert(src.dir, 2, { method: 'mean-norm' });
  for (let l = 0; l < 2; l++) {
    const m = mean.report.layers[l]!;
    const n = norm.report.layers[l]!;
    // Four random heads averaged: the norm shrinks to about 1/√4 = 0.5 of the members'; clearly below 1.
    assert.ok(m.k.normRatio < 0.8 && m.v.normRatio < 0.8, `mean shrinks: ${m.k.normRatio}`);
    assert.ok(Math.abs(n.k.normRatio - 1) < 1e-5 && Math.abs(n.v.normRatio - 1) < 1e-5, `mean-norm restores: ${n.k.normRatio}`);
    // Sharing error is about the group mean, whatever the method: the same for both; about 1 - 1/4 for random heads.
    assert.ok(Math.abs(m.sharingError - n.sharingError) < 1e-9 && m.sharingError > 0.5, `${m.sharingError}`);
  }
  assert.equal(mean.report.summary.sharingError.worst, Math.max(...mean.report.layers.map((l) => l.sharingError)));
});

test('the converted checkpoint passes the config-vs-weights lint; the old config against the new weights does not', async () => {
  for (const s of [
    { modelType: 'llama', layout: 'separate', q: 8, kv: 8, hd: 4, layers: 2, dtype: 'BF16' },
    { modelType: 'qwen2', layout: 'separate', q: 4, kv: 2, hd: 8, layers: 2, dtype: 'F32', bias: true },
    { modelType: 'phi3', layout: 'fused', q: 4, kv: 4, hd: 4, layers: 2, dtype: 'F16' },
  ] as Spec[]) {
    const { dir } = checkpoint(s);
    const { out } = await convert(dir, s.kv / 2);
    const cp = await readCheckpoint(out);
    const tensors = new Map([...cp.tensors].map(([name, { tensor }]) => [name, { dtype: tensor.dtype, shape: tensor.shape }]));
    const check = lintWeights(analyzeText(readFileSync(join(out, 'config.json'), 'utf8')), { tensors, source: cp.source }, DEFAULT_SETTINGS);
    assert.equal(check.layersChecked, 2, `${s.modelType}: ${check.notes.join(' ')}`);
    assert.deepEqual(check.findings.map((f) => f.message), [], s.modelType);
    const stale = lintWeights(analyzeText(readFileSync(join(dir, 'config.json'), 'utf8')), { tensors, source: cp.source }, DEFAULT_SETTINGS);
    assert.ok(stale.findings.length > 0, `${s.modelType}: the source config does not describe the converted weights`);
  }
});

// ---------- functional fidelity (onnxruntime, in a worker thread) ----------

test('functional figures: every layout runs; N = heads gives error 0 and cosine 1, identical heads about 0, random heads clearly more', async () => {
  for (const s of [
    { modelType: 'llama', layout: 'separate', q: 4, kv: 4, hd: 4, layers: 2, dtype: 'F32' },
    { modelType: 'qwen2', layout: 'separate', q: 4, kv: 2, hd: 8, layers: 1, dtype: 'BF16', bias: true },
    { modelType: 'phi3', layout: 'fused', q: 4, kv: 4, hd: 4, layers: 1, dtype: 'F16' },
    { modelType: 'gpt2', layout: 'gpt2', q: 4, kv: 4, hd: 4, layers: 1, dtype: 'F32' },
    { modelType: 'gpt_neox', layout: 'neox', q: 4, kv: 4, hd: 4, layers: 1, dtype: 'F32' },
  ] as Spec[]) {
    const { dir } = checkpoint(s);
    const same = await convert(dir, s.kv, { functional: true });
    const f = same.report.functional;
    assert.ok(f, `${s.modelType}: ${same.report.notes.join(' ')}`);
    assert.equal(f.layers.length, s.layers);
    assert.equal(f.label, 'attention-layer error before fine-tuning, not model quality');
    assert.match(f.inputs, /token embeddings .* of a fixed 64-byte text/);
    // The same weights through the same graph: the same output to the bit.
    for (const l of f.layers) assert.ok(l.relativeError === 0 && Math.abs(l.cosine - 1) < 1e-6, `${s.modelType} N = heads: ${JSON.stringify(l)}`);
    const pooled = await convert(dir, s.kv / 2, { functional: true });
    for (const l of pooled.report.functional!.layers) assert.ok(l.relativeError > 0.05 && l.cosine < 0.999, `${s.modelType} random heads: ${JSON.stringify(l)}`);
    assert.equal(pooled.report.summary.relativeError!.worst, Math.max(...pooled.report.functional!.layers.map((l) => l.relativeError)));
  }
  const twins: Spec = { modelType: 'llama', layout: 'separate', q: 4, kv: 4, hd: 4, layers: 2, dtype: 'F32', identical: 2 };
  const t = await convert(checkpoint(twins).dir, 2, { functional: true });
  for (const l of t.report.functional!.layers) assert.ok(l.relativeError < 1e-6, `identical heads: ${l.relativeError}`);
  assert.match(t.report.functional!.positions, /RoPE on 4 of 4 dims, theta 10000/);
});

// ---------- sharded ----------

test('sharded in, sharded out: the same shard layout and a valid index with the new total size', async () => {
  const s: Spec = { modelType: 'mistral', layout: 'separate', q: 4, kv: 4, hd: 4, layers: 3, dtype: 'F32' };
  const { dir, tensors } = checkpoint(s, { shards: 3 });
  const { out, report } = await convert(dir, 1);
  await checkAgainstReference(s, tensors, out, 1, false, f32Tol);
  const srcIndex = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8'));
  const outIndex = JSON.parse(readFileSync(join(out, 'model.safetensors.index.json'), 'utf8'));
  assert.deepEqual(outIndex.weight_map, srcIndex.weight_map, 'every tensor stays in its shard');
  // k and v of 3 layers shrink from 16 rows to 4: 12 rows x 16 inputs x 4 bytes x 6 tensors fewer.
  assert.equal(outIndex.metadata.total_size, srcIndex.metadata.total_size - 12 * 16 * 4 * 6);
  const cp = await readCheckpoint(out);
  assert.ok(cp.complete && cp.files.length === 3);
  assert.equal(report.files.filter((f) => f.endsWith('.safetensors')).length, 3);
  const header = await readSafetensorsHeader(join(out, 'model-00001-of-00003.safetensors'));
  assert.deepEqual({ ...header.metadata }, { format: 'pt' }, '__metadata__ kept');
});

// ---------- refusals write nothing ----------

async function refused(opts: ConvertOptions, pattern: RegExp): Promise<void> {
  const before = readdirSync(ROOT).length;
  await assert.rejects(convertCheckpoint(opts), (e: unknown) => {
    assert.ok(e instanceof ConvertRefusal, String(e));
    assert.match(e.message, pattern);
    return true;
  });
  assert.equal(readdirSync(ROOT).length, before, 'nothing written: no DST, no temporary folder');
}

test('refusals: N not dividing, an MLA config, a missing tensor, a truncated file, DST = SRC (also through a link), a non-empty DST', async () => {
  const s: Spec = { modelType: 'llama', layout: 'separate', q: 4, kv: 4, hd: 4, layers: 2, dtype: 'F32' };
  const good = checkpoint(s);
  const hash = hashFolder(good.dir);
  await refused({ src: good.dir, out: join(ROOT, 'never-1'), kvHeads: 3, method: 'mean' }, /--kv-heads 3: must divide the model's 4 KV heads/);
  await refused({ src: good.dir, out: good.dir, kvHeads: 2, method: 'mean' }, /must not be the source folder/);
  const link = join(ROOT, `link-${serial++}`);
  symlinkSync(good.dir, link);
  await refused({ src: good.dir, out: link, kvHeads: 2, method: 'mean' }, /must not be the source folder/);
  await refused({ src: good.dir, out: join(good.dir, 'inside'), kvHeads: 2, method: 'mean' }, /must not be the source folder or inside it/);
  const busy = join(ROOT, `busy-${serial++}`);
  mkdirSync(busy);
  writeFileSync(join(busy, 'keep.txt'), 'mine');
  await refused({ src: good.dir, out: busy, kvHeads: 2, method: 'mean' }, /not empty \(--force replaces it\)/);
  assert.equal(readFileSync(join(busy, 'keep.txt'), 'utf8'), 'mine');
  assert.equal(hashFolder(good.dir), hash);
  // --force replaces it, whole.
  await convertCheckpoint({ src: good.dir, out: busy, kvHeads: 2, method: 'mean', force: true, functional: false });
  assert.equal(existsSync(join(busy, 'keep.txt')), false);
  assert.ok(existsSync(join(busy, 'model.safetensors')));

  const mla = checkpoint(s);
  writeFileSync(join(mla.dir, 'config.json'), JSON.stringify({ model_type: 'deepseek_v3', num_attention_heads: 4, num_hidden_layers: 2, hidden_size: 16, kv_lora_rank: 8, qk_rope_head_dim: 4, qk_nope_head_dim: 4, v_head_dim: 4 }));
  await refused({ src: mla.dir, out: join(ROOT, 'never-2'), kvHeads: 2, method: 'mean' }, /MLA/);

  const missing = join(ROOT, `src-${serial++}`);
  mkdirSync(missing);
  writeFileSync(join(missing, 'config.json'), configFor(s));
  writeSafetensors(join(missing, 'model.safetensors'), tensorsFor(s).filter((t) => t.name !== 'model.layers.1.self_attn.k_proj.weight'));
  await refused({ src: missing, out: join(ROOT, 'never-3'), kvHeads: 2, method: 'mean' }, /missing tensor model\.layers\.1\.self_attn\.k_proj\.weight/);

  const cut = checkpoint(s);
  const file = join(cut.dir, 'model.safetensors');
  truncateSync(file, readFileSync(file).length - 10);
  await refused({ src: cut.dir, out: join(ROOT, 'never-4'), kvHeads: 2, method: 'mean' }, /model\.safetensors.*truncated/);
});

test('a cancel mid-way leaves nothing at DST and no temporary folder', async () => {
  const s: Spec = { modelType: 'llama', layout: 'separate', q: 4, kv: 4, hd: 4, layers: 2, dtype: 'F32' };
  const { dir } = checkpoint(s);
  const out = join(ROOT, `cancel-${serial++}`);
  const controller = new AbortController();
  let calls = 0;
  await assert.rejects(
    convertCheckpoint({ src: dir, out, kvHeads: 2, method: 'mean', functional: false, signal: controller.signal, onProgress: () => { if (++calls === 1) controller.abort(); } }),
    (e: unknown) => e instanceof Error && e.name === 'AbortError',
  );
  assert.equal(existsSync(out), false);
  assert.equal(readdirSync(ROOT).filter((n) => n.includes('.kv-lens-')).length, 0);
});

test('in the conversion worker (the editor runs it so): the same figures; refusals arrive as refusals; a cancel removes the temporary folder', async () => {
  const s: Spec = { modelType: 'llama', layout: 'separate', q: 16, kv: 16, hd: 16, layers: 6, dtype: 'F32' };
  const { dir } = checkpoint(s);
  const here = await convert(dir, 4);
  const out = join(ROOT, `worker-${serial++}`);
  let progressed = 0;
  const there = await convertInWorker({ src: dir, out, kvHeads: 4, method: 'mean', force: false, functional: false }, { onProgress: () => progressed++ });
  assert.deepEqual(there.layers, here.report.layers);
  assert.ok(progressed > 0);
  await assert.rejects(convertInWorker({ src: dir, out: join(ROOT, 'never-w'), kvHeads: 5, method: 'mean', force: false, functional: false }), (e: unknown) => e instanceof ConvertRefusal && /must divide/.test(e.message));
  const controller = new AbortController();
  const cancelled = join(ROOT, `worker-cancel-${serial++}`);
  await assert.rejects(
    convertInWorker({ src: dir, out: cancelled, kvHeads: 4, method: 'mean', force: false, functional: false }, { signal: controller.signal, onProgress: () => controller.abort() }),
    (e: unknown) => e instanceof Error && e.name === 'AbortError',
  );
  assert.equal(existsSync(cancelled), false);
  assert.equal(readdirSync(ROOT).filter((n) => n.includes('.kv-lens-')).length, 0, 'the worker removed its temporary folder');
});

test('tensor data reader: whole tensors and row ranges by the header offsets; a range outside the tensor is refused', async () => {
  const s: Spec = { modelType: 'llama', layout: 'separate', q: 4, kv: 4, hd: 4, layers: 1, dtype: 'BF16' };
  const { dir, tensors } = checkpoint(s);
  const header = await readSafetensorsHeader(join(dir, 'model.safetensors'));
  const reader = new TensorDataReader();
  try {
    const embed = header.tensors.find((t) => t.name === 'model.embed_tokens.weight')!;
    const values = tensors.find((t) => t.name === embed.name)!;
    assert.ok(Buffer.from(await reader.read(header, embed)).equals(bytesOf(values.values, 'BF16')));
    // Row 37 of a [64, 16] bf16 table: bytes 37 * 32 ... 37 * 32 + 32.
    const row = await reader.readRange(header, embed, 37 * 32, 32);
    assert.deepEqual([...valuesOf(Buffer.from(row), 'BF16')], [...values.values.subarray(37 * 16, 38 * 16)]);
    await assert.rejects(reader.readRange(header, embed, 63 * 32, 64), /outside/);
  } finally {
    await reader.close();
  }
});
