/// <reference types="mocha" />
/**
 * "KV Lens: Convert to Grouped-Query Attention..." in the real editor, on the seeded MHA checkpoint the launcher
 * writes beside test/editor/workspace/convert-mha/config.json (scripts/lib/convertFixtures.ts: a tiny Llama, 4
 * query heads = 4 KV heads of 16, hidden 64, 2 layers, fp32). The command is driven through its arguments form
 * (`{ kvHeads, method, out }` skip the pickers) and, for the dismissal, through the save dialog it opens.
 *
 * Expected figures are computed here from the source file's bytes, by hand: with `mean`, KV head j of the output is
 * the element-wise mean of source heads 2j and 2j+1 (rows 16*h ... 16*h+15 of k_proj / v_proj, contiguous groups as
 * repeat_kv expects), and each layer's weight-sharing error is Σ_h ‖W_h − group mean‖² / Σ_h ‖W_h‖² over K and V.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { closeAll, figure, fixture, open, waitFor, workspaceRoot } from './helpers';

/** The fields of the command's outcome the test reads. */
interface Outcome {
  status: string;
  message?: string;
  summary?: string;
  report?: {
    out: string;
    newKvHeads: number;
    seconds: number;
    files: string[];
    functional?: { label: string; layers: { layer: number; relativeError: number; cosine: number }[] };
    summary: { sharingError: { worst: number; worstLayer: number; median: number } };
  };
}

interface Tensor {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** A safetensors file read whole (the fixture is 140 KB): its header and each tensor's fp32 values. */
function readSafetensors(path: string): { header: Record<string, Tensor>; values: (name: string) => Float32Array; bytes: (name: string) => Buffer } {
  const buf = readFileSync(path);
  const len = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + len).toString('utf8')) as Record<string, Tensor>;
  delete header.__metadata__;
  const bytes = (name: string) => {
    const t = header[name];
    assert.ok(t, `${name} missing from ${path}`);
    return buf.subarray(8 + len + t.data_offsets[0], 8 + len + t.data_offsets[1]);
  };
  const values = (name: string) => {
    const b = Buffer.from(bytes(name));
    return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
  };
  return { header, values, bytes };
}

const HEAD = 16;
const HIDDEN = 64;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Mean-pools [4 heads x 16, 64] rows into [2 heads x 16, 64]: head j = (head 2j + head 2j+1) / 2. */
function pooled(w: Float32Array): Float32Array {
  const out = new Float32Array(2 * HEAD * HIDDEN);
  for (let j = 0; j < 2; j++) {
    for (let i = 0; i < HEAD * HIDDEN; i++) out[j * HEAD * HIDDEN + i] = (w[2 * j * HEAD * HIDDEN + i]! + w[(2 * j + 1) * HEAD * HIDDEN + i]!) / 2;
  }
  return out;
}

/** Σ‖W_h − mean‖² and Σ‖W_h‖² for one [4 x 16, 64] projection in groups of 2. */
function sharingSums(w: Float32Array): { distance2: number; norm2: number } {
  const mean = pooled(w);
  let distance2 = 0;
  let norm2 = 0;
  for (let h = 0; h < 4; h++) {
    for (let i = 0; i < HEAD * HIDDEN; i++) {
      const x = w[h * HEAD * HIDDEN + i]!;
      const d = x - mean[Math.floor(h / 2) * HEAD * HIDDEN + i]!;
      distance2 += d * d;
      norm2 += x * x;
    }
  }
  return { distance2, norm2 };
}

/** Every file under a folder, by relative path, with its SHA-256 (to prove a folder untouched). */
function digest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    try {
      out[name] = createHash('sha256').update(readFileSync(path)).digest('hex');
    } catch {
      // a folder
    }
  }
  return out;
}

suite('convert to GQA', () => {
  const root = () => workspaceRoot().fsPath;
  const src = () => fixture('convert-mha').fsPath;
  let simpleDialog: boolean | undefined;

  suiteSetup(async () => {
    // The save dialog must be VS Code's own (a quick input the test can close), also in a desktop VS Code.
    const files = vscode.workspace.getConfiguration('files');
    simpleDialog = files.inspect<boolean>('simpleDialog.enable')?.globalValue;
    await files.update('simpleDialog.enable', true, vscode.ConfigurationTarget.Global);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('files').update('simpleDialog.enable', simpleDialog, vscode.ConfigurationTarget.Global);
    await closeAll();
  });

  test('dismissing the output folder dialog writes nothing', async function () {
    this.timeout(60_000);
    await open('convert-mha/config.json');
    const before = readdirSync(root()).sort();
    const sourceBefore = digest(src());
    // No `out`: the command asks for the folder. Close whatever quick input is showing until the command settles.
    let settled: Outcome | undefined;
    const running = vscode.commands.executeCommand<Outcome>('kvLens.convertToGqa', fixture('convert-mha/config.json'), { kvHeads: 2, method: 'mean' }).then((o) => (settled = o));
    await waitFor('the conversion command to return after its dialog was closed', async () => {
      if (settled) return settled;
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      return undefined;
    }, 30_000);
    const outcome = await running;
    assert.equal(outcome.status, 'dismissed');
    assert.deepEqual(readdirSync(root()).sort(), before, 'no output or temporary folder appeared');
    assert.deepEqual(digest(src()), sourceBefore);
  });

  test('4 KV heads to 2 with mean: config, pooled K/V, untouched rest, the summary with the figures, SRC untouched', async function () {
    this.timeout(120_000);
    await open('convert-mha/config.json');
    const out = join(root(), 'convert-mha-kv2');
    const sourceBefore = digest(src());
    const outcome = await vscode.commands.executeCommand<Outcome>('kvLens.convertToGqa', fixture('convert-mha/config.json'), { kvHeads: 2, method: 'mean', out });
    assert.equal(outcome.status, 'done', `the conversion ended ${outcome.status}: ${outcome.message ?? ''}`);

    // config.json: the new count, every other field as it was.
    const srcConfig = JSON.parse(readFileSync(join(src(), 'config.json'), 'utf8')) as Record<string, unknown>;
    const outConfig = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(outConfig.num_key_value_heads, 2);
    assert.deepEqual({ ...outConfig, num_key_value_heads: 4 }, srcConfig);
    assert.ok(existsSync(join(out, 'generation_config.json')), 'generation_config.json copied');

    // Weights: K/V [2 x 16, 64] holding the pair means, exactly (grid values of 1/64: their means are exact in fp32).
    const a = readSafetensors(join(src(), 'model.safetensors'));
    const b = readSafetensors(join(out, 'model.safetensors'));
    assert.deepEqual(Object.keys(b.header).sort(), Object.keys(a.header).sort());
    const perLayer: number[] = [];
    for (let l = 0; l < 2; l++) {
      const p = `model.layers.${l}.self_attn.`;
      let distance2 = 0;
      let norm2 = 0;
      for (const part of ['k_proj', 'v_proj']) {
        const name = `${p}${part}.weight`;
        assert.deepEqual(b.header[name]!.shape, [32, 64], name);
        assert.equal(b.header[name]!.dtype, 'F32');
        assert.deepEqual([...b.values(name)], [...pooled(a.values(name))], `${name}: the mean of heads (0, 1) and (2, 3)`);
        const s = sharingSums(a.values(name));
        distance2 += s.distance2;
        norm2 += s.norm2;
      }
      perLayer.push(distance2 / norm2);
      for (const part of ['q_proj', 'o_proj']) assert.ok(b.bytes(`${p}${part}.weight`).equals(a.bytes(`${p}${part}.weight`)), `${p}${part} copied byte for byte`);
    }
    for (const name of ['model.embed_tokens.weight', 'model.norm.weight', 'lm_head.weight']) assert.ok(b.bytes(name).equals(a.bytes(name)), `${name} copied byte for byte`);

    // The summary: worst and median of the per-layer sharing error (median of two layers = their mean), the
    // functional figures labelled, and where they show.
    const worstLayer = perLayer[1]! > perLayer[0]! ? 1 : 0;
    const summary = outcome.summary ?? '';
    assert.ok(summary.includes(`Weight-sharing error: worst ${pct(perLayer[worstLayer]!)} (layer ${worstLayer}), median ${pct((perLayer[0]! + perLayer[1]!) / 2)}.`), summary);
    assert.ok(summary.includes('Attention-layer error before fine-tuning (not model quality)'), summary);
    assert.ok(summary.includes("The panel's what-if for 2 KV heads shows these figures."), summary);
    // Random heads: clearly non-zero error, yet the pooled attention still points roughly the same way.
    const functional = outcome.report?.functional;
    assert.equal(functional?.layers.length, 2);
    for (const layer of functional?.layers ?? []) {
      assert.ok(layer.relativeError > 0.01 && layer.relativeError < 2, `layer ${layer.layer} relative error ${layer.relativeError}`);
      assert.ok(layer.cosine > 0 && layer.cosine <= 1 + 1e-9, `layer ${layer.layer} cosine ${layer.cosine}`);
    }
    assert.deepEqual(digest(src()), sourceBefore, 'the source checkpoint is untouched');
    figure(`convert-mha 4 -> 2 KV heads (mean, with the attention check) in ${outcome.report?.seconds.toFixed(2) ?? '?'} s: relative error per layer ${functional?.layers.map((l) => l.relativeError.toFixed(4)).join(', ')}; cosine ${functional?.layers.map((l) => l.cosine.toFixed(4)).join(', ')}; sharing error ${perLayer.map((x) => x.toFixed(4)).join(', ')}`);

    // The figures go to the config's panel (the what-if row for 2; the browser suite checks the rendering).
    assert.equal(await vscode.commands.executeCommand<string | undefined>('kvLens.openPanel', fixture('convert-mha/config.json')), fixture('convert-mha/config.json').toString());
  });

  test('through the pickers: the first KV head count offered (1, ascending) and the first method (mean)', async function () {
    this.timeout(120_000);
    await open('convert-mha/config.json');
    const out = join(root(), 'convert-mha-kv1');
    // Only the folder is given: the KV head and method pickers show, and the test accepts what each offers first.
    let settled: Outcome | undefined;
    const running = vscode.commands.executeCommand<Outcome>('kvLens.convertToGqa', fixture('convert-mha/config.json'), { out }).then((o) => (settled = o));
    await waitFor('the conversion command to return after its pickers were answered', async () => {
      if (settled) return settled;
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return undefined;
    }, 60_000);
    const outcome = await running;
    assert.equal(outcome.status, 'done', `the conversion ended ${outcome.status}: ${outcome.message ?? ''}`);
    assert.equal(outcome.report?.newKvHeads, 1);
    assert.match(outcome.summary ?? '', /converted to 1 KV head \(mean\)\..* The panel's what-if for 1 KV head shows these figures\./);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.num_key_value_heads, 1);
    assert.deepEqual(readSafetensors(join(out, 'model.safetensors')).header['model.layers.0.self_attn.k_proj.weight']!.shape, [16, 64]);
  });

  test('a KV head count that does not divide 4 is refused before anything is written', async () => {
    const before = readdirSync(root()).sort();
    const outcome = await vscode.commands.executeCommand<Outcome>('kvLens.convertToGqa', fixture('convert-mha/config.json'), { kvHeads: 3, method: 'mean', out: join(root(), 'convert-mha-kv3') });
    assert.equal(outcome.status, 'refused');
    assert.match(outcome.message ?? '', /kvHeads 3 is not one of the valid KV head counts \(1, 2\)/);
    assert.deepEqual(readdirSync(root()).sort(), before);
  });

  test('an MLA config (DeepSeek-V3) is refused with the reason, nothing written', async () => {
    const before = readdirSync(root()).sort();
    const outcome = await vscode.commands.executeCommand<Outcome>('kvLens.convertToGqa', fixture('deepseek-v3/config.json'), { kvHeads: 1, method: 'mean', out: join(root(), 'deepseek-kv1') });
    assert.equal(outcome.status, 'refused');
    assert.match(outcome.message ?? '', /MLA \(multi-head latent attention\) caches one latent per token/);
    assert.deepEqual(readdirSync(root()).sort(), before);
  });
});
