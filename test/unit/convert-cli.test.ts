/**
 * `kv-lens convert` as users run it: a fresh CLI bundle in a child process (test/support/cli.ts). Exit codes (2 usage,
 * 1 refusal with nothing written, 0 written), --json's per-layer figures and summary, progress on stderr only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { buildCli, runCli } from '../support/cli';
import { REPO_ROOT } from '../fixtures/paths';

const ROOT = mkdtempSync(join(tmpdir(), 'kvlens-convert-cli-'));
process.on('exit', () => rmSync(ROOT, { recursive: true, force: true }));

/**
 * A 2-layer Llama with 4 heads of 2 in fp32; head h of k_proj / v_proj holds the value h + 1 everywhere, q_proj and
 * o_proj hold (i mod 7 - 3) / 4 at element i (any values serve the functional check; these are easy to write).
 */
function checkpoint(dir: string, fillerBytes = 0): void {
  mkdirSync(dir);
  const hidden = 8;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'llama', num_attention_heads: 4, num_hidden_layers: 2, hidden_size: hidden }, null, 2));
  const tensors: { name: string; values: number[]; shape: number[] }[] = [];
  // A large tensor that is only copied (first in the file): a conversion long enough to interrupt.
  const filler = fillerBytes / 4;
  for (let l = 0; l < 2; l++) {
    for (const p of ['q_proj', 'o_proj']) tensors.push({ name: `model.layers.${l}.self_attn.${p}.weight`, values: Array.from({ length: 64 }, (_, i) => ((i % 7) - 3) / 4), shape: [8, hidden] });
    for (const p of ['k_proj', 'v_proj']) {
      const values: number[] = [];
      for (let h = 0; h < 4; h++) for (let i = 0; i < 2 * hidden; i++) values.push(h + 1);
      tensors.push({ name: `model.layers.${l}.self_attn.${p}.weight`, values, shape: [8, hidden] });
    }
  }
  const header: Record<string, unknown> = {};
  let at = 0;
  if (filler) {
    header['lm_head.weight'] = { dtype: 'F32', shape: [filler / hidden, hidden], data_offsets: [0, fillerBytes] };
    at = fillerBytes;
  }
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [at, at + t.values.length * 4] };
    at += t.values.length * 4;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(join(dir, 'model.safetensors'), Buffer.concat([len, json, Buffer.alloc(fillerBytes), ...tensors.map((t) => Buffer.from(new Float32Array(t.values).buffer))]));
}

test('kv-lens convert: usage errors exit 2, refusals 1 with nothing written, --json gives per-layer figures and the summary', async () => {
  // Bundles inside the checkout (git-ignored .test-output/), so the worker's external onnxruntime-node resolves.
  const bundles = join(REPO_ROOT, '.test-output', `convert-cli-${process.pid}`);
  mkdirSync(bundles, { recursive: true });
  process.on('exit', () => rmSync(bundles, { recursive: true, force: true }));
  const cli = await buildCli(bundles);
  // The fidelity worker's bundle beside the CLI's, as dist/ has them (esbuild.mjs builds both).
  await esbuild.build({
    entryPoints: [join(REPO_ROOT, 'src', 'convert', 'worker.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    external: ['vscode', 'onnxruntime-node'], mainFields: ['module', 'main'], outfile: join(bundles, 'convertWorker.js'), logLevel: 'warning', absWorkingDir: REPO_ROOT,
  });
  const src = join(ROOT, 'src');
  checkpoint(src);
  for (const args of [[src, '--out', join(ROOT, 'x')], [src, '--kv-heads', '2'], [src, '--kv-heads', 'two', '--out', join(ROOT, 'x')], [src, '--kv-heads', '2', '--out', join(ROOT, 'x'), '--method', 'max'], ['--kv-heads', '2', '--out', join(ROOT, 'x')]]) {
    const r = runCli(cli, ['convert', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /usage: kv-lens convert/);
  }
  assert.equal(runCli(cli, ['convert', '--help']).code, 0);

  const before = readdirSync(ROOT).sort();
  const refused = runCli(cli, ['convert', src, '--kv-heads', '3', '--out', join(ROOT, 'never')]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /--kv-heads 3: must divide the model's 4 KV heads/);
  assert.deepEqual(readdirSync(ROOT).sort(), before, 'nothing written');
  assert.equal(existsSync(join(ROOT, 'never')), false);

  const out = join(ROOT, 'out');
  const r = runCli(cli, ['convert', src, '--kv-heads', '2', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    layers: { layer: number; sharingError: number; k: { normRatio: number } }[];
    summary: { sharingError: { worst: number; median: number; worstLayer: number }; relativeError: { worst: number } };
    functional: { label: string; layers: { relativeError: number; cosine: number }[] };
    newKvHeads: number;
    notes: string[];
  };
  assert.ok(report.functional, report.notes.join(' '));
  assert.equal(report.functional.label, 'attention-layer error before fine-tuning, not model quality');
  assert.equal(report.functional.layers.length, 2);
  assert.equal(report.summary.relativeError.worst, Math.max(...report.functional.layers.map((l) => l.relativeError)));
  assert.equal(report.newKvHeads, 2);
  assert.equal(report.layers.length, 2);
  // Groups {1, 2} and {3, 4} (per element): means 1.5 and 3.5; squared distances 4 x 0.25 per group element over
  // 1 + 4 + 9 + 16 = 30 per element: error 1 / 30 in every layer. Norm ratios 1.5/1.5 and 3.5/3.5: 1.
  for (const l of report.layers) {
    assert.ok(Math.abs(l.sharingError - 1 / 30) < 1e-12, String(l.sharingError));
    assert.ok(Math.abs(l.k.normRatio - 1) < 1e-7);
  }
  assert.ok(Math.abs(report.summary.sharingError.worst - 1 / 30) < 1e-12 && Math.abs(report.summary.sharingError.median - 1 / 30) < 1e-12);

  const again = runCli(cli, ['convert', src, '--kv-heads', '2', '--out', out]);
  assert.equal(again.code, 1, 'a non-empty DST without --force');
  assert.match(again.stderr, /not empty/);
  const table = runCli(cli, ['convert', src, '--kv-heads', '1', '--out', out, '--force', '--no-functional']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /KV heads 4 -> 1 \(mean\), written native/);
  assert.match(table.stdout, /not model quality/);
  assert.doesNotMatch(table.stdout, /Functional check/, '--no-functional skips it');
});

test('kv-lens convert: Ctrl-C (SIGINT) mid-way exits 130 and leaves neither DST nor a temporary folder', async () => {
  const bundles = join(REPO_ROOT, '.test-output', `convert-cli-int-${process.pid}`);
  mkdirSync(bundles, { recursive: true });
  process.on('exit', () => rmSync(bundles, { recursive: true, force: true }));
  const cli = await buildCli(bundles);
  const root = mkdtempSync(join(ROOT, 'int-'));
  const src = join(root, 'src');
  checkpoint(src, 256 * 2 ** 20);
  const out = join(root, 'out');
  const child = spawn(process.execPath, [cli, 'convert', src, '--kv-heads', '2', '--out', out, '--no-functional'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  // The first progress line (stderr is not a terminal: one line per report) says the copy has started.
  child.stderr.on('data', (d: Buffer) => {
    const first = stderr === '';
    stderr += d.toString();
    if (first) child.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /cancelled; nothing was written/);
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(root), ['src'], 'no temporary folder beside DST');
});
