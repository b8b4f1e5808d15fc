/**
 * Issue 16, the cases about values: each one as a user meets it, through the CLI (a fresh bundle in a child
 * process) or, for the absurd layer count, through the analysis worker that the editor uses.
 *   4  absurd sizes are refused up front, naming the field, in bounded time; the other files are still reported
 *   5  bench with 2^52 query heads returns at once
 *   6  duplicate keys: the last value wins (as in Python) and every duplicate is flagged, at any depth
 *   7  nonsense values are errors quoted as written, and exit codes mean something (--fail-on)
 *   8  an unknown layer_types entry is an error naming the accepted values
 *   9  a layer_types longer than the layer count is refused, not used
 *   10 a kv_cache_scheme sets the KV dtype only, not the weights
 *   11 escaped keys mean the same in files over 1 MiB
 *   14 NaN / Infinity / -Infinity are read, with a finding
 *   15 comments and trailing commas in a config.json are a warning
 *   16 floats for sizes are the wrong type
 *   17 a fit at the search cap is not "any context"
 *   18 deep nesting is refused with a message, no stack overflow
 *   22 an empty text_config does not take over
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AnalysisWorkerClient } from '../../src/analysis/client';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { CONFIGS } from '../fixtures/paths';
import { buildCli, jsonLines, runCli } from '../support/cli';

let CLI = '';
let WORK = '';
const LLAMA_PATH = join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json');
const LLAMA = readFileSync(LLAMA_PATH, 'utf8');
const run = (...args: string[]) => runCli(CLI, args, { cwd: WORK });
const file = (name: string, text: string): string => {
  const path = join(WORK, name);
  writeFileSync(path, text);
  return path;
};
const small = (extra: Record<string, unknown> = {}) => JSON.stringify({ model_type: 'llama', hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 2, max_position_embeddings: 1024, torch_dtype: 'bfloat16', ...extra });

before(async () => {
  WORK = mkdtempSync(join(tmpdir(), 'kvlens-trust-values-'));
  CLI = await buildCli(WORK);
});
after(() => rmSync(WORK, { recursive: true, force: true }));

describe('4, 5: absurd sizes', () => {
  test('a billion layers (and other absurd sizes) are refused at once, naming the field; the other files are still reported', () => {
    const cases = [
      file('layers.json', small({ num_hidden_layers: 1_000_000_000 })),
      file('heads.json', small({ num_attention_heads: 2 ** 52, num_key_value_heads: 2 ** 52 })),
      file('headdim.json', small({ head_dim: 1e15 })),
      file('window.json', small({ sliding_window: 2 ** 50, layer_types: ['sliding_attention', 'full_attention'] })),
    ];
    const started = Date.now();
    const r = runCli(CLI, ['analyze', ...cases, LLAMA_PATH, '--json'], { cwd: WORK, timeout: 20_000 });
    assert.equal(r.timedOut, false);
    assert.ok(Date.now() - started < 15_000);
    assert.equal(r.code, 1);
    const lines = jsonLines(r.stdout);
    assert.equal(lines.length, 5);
    assert.match(String(lines[0]!.error), /num_hidden_layers is 1000000000: more than 10,000/);
    assert.match(String(lines[1]!.error), /num_attention_heads is 4503599627370496: more than 65,536/);
    assert.match(String(lines[2]!.error), /head_dim is 1000000000000000: more than 65,536/);
    assert.match(String(lines[3]!.error), /sliding_window is 1125899906842624: more than 268,435,456/);
    assert.equal((lines[4]!.attention as { kind: string }).kind, 'GQA', 'the real config after them is still reported');
  });

  test('through the analysis worker (the editor for large files): refused, and the worker lives on', async () => {
    const worker = new AnalysisWorkerClient();
    try {
      const update = (key: string, text: string) => worker.update({ key, version: 1, text, glob: false, settings: DEFAULT_SETTINGS });
      for (const layers of [1e7, 1e9]) {
        const snapshot = await update(`absurd-${layers}`, small({ num_hidden_layers: layers }));
        assert.equal(snapshot.model, undefined);
        assert.match(snapshot.error ?? '', /num_hidden_layers is \d+: more than 10,000/);
        assert.ok(snapshot.findings.some((f) => f.code === 'kv-lens.invalid-size' && f.severity === 'error'));
      }
      const list = await update('absurd-list', JSON.stringify({ model_type: 'my_model', num_attention_heads: 4, head_dim: 64, hidden_size: 256, layer_types: Array(200_000).fill('full_attention') }));
      assert.match(list.error ?? '', /layer_types has 200,000 entries: more than 10,000 layers/);
      assert.equal((await update('fine', LLAMA)).summary?.kind, 'GQA');
      assert.equal(worker.starts, 1, 'no crash, no restart');
    } finally {
      worker.dispose();
    }
  });

  test('bench with 2^52 query heads returns at once with the field named', () => {
    const r = runCli(CLI, ['bench', file('bench-heads.json', small({ num_attention_heads: 2 ** 52, num_key_value_heads: 1 })), '--ep', 'cpu'], { cwd: WORK, timeout: 20_000 });
    assert.equal(r.timedOut, false);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /num_attention_heads is 4503599627370496: more than 65,536/);
  });
});

describe('6: duplicate keys', () => {
  test('the last value wins, as in Python, and each ignored occurrence is flagged, at any depth', () => {
    const top = file('dup.json', LLAMA.replace('"num_key_value_heads": 8', '"num_key_value_heads": 2, "num_key_value_heads": 8'));
    const nested = file('dup-nested.json', JSON.stringify({ model_type: 'gemma3', text_config: { num_attention_heads: 8, num_key_value_heads: 4, head_dim: 64, hidden_size: 512, num_hidden_layers: 2 } }).replace('"num_key_value_heads":4', '"num_key_value_heads":4,"num_key_value_heads":1'));
    const [a, b] = jsonLines(run('analyze', top, nested, '--json').stdout) as { attention: { kvHeads: number }; findings: { code: string; message: string }[] }[];
    assert.equal(a!.attention.kvHeads, 8);
    assert.ok(a!.findings.some((f) => f.code === 'kv-lens.duplicate-key' && /keeps the last value \(8\)/.test(f.message)));
    assert.equal(b!.attention.kvHeads, 1);
    assert.ok(b!.findings.some((f) => f.code === 'kv-lens.duplicate-key' && f.message.startsWith('text_config.num_key_value_heads')));
  });
});

describe('7: nonsense values and exit codes', () => {
  test('0, -8, 7.5, "8", 1e309 and 2^53+1 KV heads: an error each, quoted as written, exit 1; never "no KV-head field"', () => {
    const written = ['0', '-8', '7.5', '"8"', '1e309', '9007199254740993', '8.0'];
    const files = written.map((w, i) => file(`kv${i}.json`, LLAMA.replace('"num_key_value_heads": 8', `"num_key_value_heads": ${w}`)));
    for (const [i, f] of files.entries()) {
      const r = run('analyze', f, '--json');
      assert.equal(r.code, 1, written[i]);
      const line = jsonLines(r.stdout)[0]!;
      assert.match(String(line.error), new RegExp(`num_key_value_heads is ${written[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), `${written[i]}: ${String(line.error)}`);
      assert.doesNotMatch(String(line.error), /no KV-head field/);
    }
  });

  test('an error-level finding fails the run; --fail-on warning and never move the line; a bad --fail-on is a usage error', () => {
    const clean = run('analyze', LLAMA_PATH);
    assert.equal(clean.code, 0);
    // tp 3 does not divide 32 query heads: an error finding, the report is still printed.
    const error = run('analyze', LLAMA_PATH, '--tp', '3', '--json');
    assert.equal(error.code, 1);
    assert.ok((jsonLines(error.stdout)[0]!.findings as { severity: string }[]).some((f) => f.severity === 'error'));
    assert.equal(run('analyze', LLAMA_PATH, '--tp', '3', '--fail-on', 'never').code, 0);
    const warned = file('warned.json', LLAMA.replace('"num_key_value_heads": 8', '"num_key_value_heads": 4, "num_key_value_heads": 8'));
    assert.equal(run('analyze', warned).code, 0, 'a warning does not fail by default');
    assert.equal(run('analyze', warned, '--fail-on', 'warning').code, 1);
    const bad = run('analyze', LLAMA_PATH, '--fail-on', 'sometimes');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--fail-on must be one of error, warning, never/);
  });
});

describe('8, 9: layer_types', () => {
  const gptOss = readFileSync(join(CONFIGS, 'gpt_oss__gpt-oss-20b.json'), 'utf8');
  test('a typo is an error naming the accepted values (and the likely one), with no figure', () => {
    const r = run('analyze', file('typo.json', gptOss.replace('"full_attention"', '"full_attenton"')), '--json');
    assert.equal(r.code, 1);
    const line = jsonLines(r.stdout)[0]!;
    assert.match(String(line.error), /layer_types\[\d+\] is "full_attenton", not a layer type transformers accepts \(full_attention, sliding_attention/);
    assert.doesNotMatch(r.stdout, /"bytesPerToken":0/);
  });
  test('a list longer than num_hidden_layers is refused, not used as the layer count', () => {
    const types = Array(1_000_000).fill('full_attention');
    const r = run('analyze', file('long.json', small({ num_hidden_layers: 32, layer_types: types })), '--json');
    assert.equal(r.code, 1);
    assert.match(String(jsonLines(r.stdout)[0]!.error), /layer_types has 1,000,000 entries but the model has 32 layers \(num_hidden_layers\)/);
  });
});

describe('10, 17: weights and fit', () => {
  test('a kv_cache_scheme makes the cache fp8 and leaves the weights in the model dtype (bf16 here)', () => {
    const cfg = JSON.parse(LLAMA) as Record<string, unknown>;
    cfg.torch_dtype = 'bfloat16';
    cfg.quantization_config = { quant_method: 'compressed-tensors', kv_cache_scheme: { num_bits: 8, type: 'float', strategy: 'tensor' } };
    const j = jsonLines(run('analyze', file('fp8kv.json', JSON.stringify(cfg)), '--gpu-mem', '80', '--context', '8192', '--json').stdout)[0] as { kvCache: { dtype: string; bytesPerToken: number }; weights: { bytesPerParam: number; bytes: number } };
    assert.equal(j.kvCache.dtype, 'fp8');
    assert.equal(j.kvCache.bytesPerToken, 65536);
    assert.equal(j.weights.bytesPerParam, 2);
    assert.ok(j.weights.bytes > 14.9 * 2 ** 30 && j.weights.bytes < 15.1 * 2 ** 30, String(j.weights.bytes));
  });
  test('a full-attention model on a huge budget fits "at least" the search cap, not "any context"', () => {
    const r = run('analyze', LLAMA_PATH, '--gpu-mem', '999999', '--json');
    const fit = (jsonLines(r.stdout)[0] as { fit: { contextUnbounded: boolean; maxContext: number } }).fit;
    assert.equal(fit.contextUnbounded, false);
    assert.equal(fit.maxContext, 2 ** 30);
    assert.match(run('analyze', LLAMA_PATH, '--gpu-mem', '999999').stdout, /at least 1,073,741,824 tokens/);
  });
});

describe('11, 14, 15, 16, 18, 22: what the file says, as Python reads it', () => {
  test('escaped keys in a file over 1 MiB mean the same as written plainly', () => {
    // Over 1 MiB a config is read in outline, and large values under keys KV Lens does not read are skipped:
    // a text_config large enough to be skipped must be recognised however its key is spelled.
    const id2label = Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [String(i), `LABEL_${i}_xxxxxxxx`]));
    const gemma = JSON.parse(readFileSync(join(CONFIGS, 'gemma3__gemma-3-27b-it.json'), 'utf8')) as { text_config: Record<string, unknown> };
    gemma.text_config.big_table = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [String(i), `T_${i}_xxxxxxxx`]));
    const big = JSON.stringify({ id2label, ...gemma });
    assert.ok(big.length > 1024 * 1024);
    const plain = jsonLines(run('analyze', file('plain-big.json', big), '--json').stdout)[0] as { kvCache: { bytesPerToken: number } };
    const escaped = jsonLines(run('analyze', file('escaped-big.json', big.replace('"text_config"', '"text\\u005fconfig"')), '--json').stdout)[0] as { kvCache: { bytesPerToken: number } };
    assert.equal(plain.kvCache.bytesPerToken, 507_904);
    assert.equal(escaped.kvCache.bytesPerToken, plain.kvCache.bytesPerToken, 'not the defaults (106,496 B)');
  });
  test('NaN, Infinity and -Infinity are read where Python reads them, with a finding; exit 0 (a warning)', () => {
    const r = run('analyze', file('nonfinite.json', LLAMA.replace('"rms_norm_eps": 1e-05', '"rms_norm_eps": NaN, "a": {"b": Infinity}, "c": [-Infinity]')), '--json');
    assert.equal(r.code, 0, r.stdout);
    const findings = jsonLines(r.stdout)[0]!.findings as { code: string; message: string }[];
    assert.ok(findings.some((f) => f.code === 'kv-lens.non-standard-json' && /NaN \(line \d+\) and 2 more is not standard JSON/.test(f.message)));
  });
  test('comments and trailing commas in config.json are a warning (json.load fails on them); not in a .jsonc file', () => {
    const text = LLAMA.replace('"num_key_value_heads": 8,', '"num_key_value_heads": 8, // GQA\n').replace(/\n}\s*$/, ',\n}\n');
    const json = jsonLines(run('analyze', file('config.json', text), '--json').stdout)[0]!.findings as { code: string }[];
    assert.equal(json.filter((f) => f.code === 'kv-lens.non-standard-json').length, 2);
    const jsonc = jsonLines(run('analyze', file('config.jsonc', text), '--json').stdout)[0]!.findings as { code: string }[];
    assert.equal(jsonc.filter((f) => f.code === 'kv-lens.non-standard-json').length, 0);
  });
  test('sizes written as floats are the wrong type, and give no figure', () => {
    const r = run('analyze', file('floats.json', LLAMA.replace('"num_attention_heads": 32', '"num_attention_heads": 32.0').replace('"num_hidden_layers": 32', '"num_hidden_layers": 32e0')), '--json');
    assert.equal(r.code, 1);
    assert.match(String(jsonLines(r.stdout)[0]!.error), /num_attention_heads is 32\.0: written as a float/);
  });
  test('a field nested 3,000 deep is refused with a message, no stack overflow; the next file is reported', () => {
    const deep = file('deep.json', `{"model_type": "llama", "x": ${'['.repeat(3000)}${']'.repeat(3000)}, "num_attention_heads": 8, "hidden_size": 64, "num_hidden_layers": 2}`);
    const r = run('analyze', deep, LLAMA_PATH, '--json');
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stdout + r.stderr, /Maximum call stack/);
    const lines = jsonLines(r.stdout);
    assert.match(String(lines[0]!.error), /nested 3,001 levels deep; KV Lens reads at most 1,000/);
    assert.ok(lines[1]!.attention);
  });
  test('an empty text_config beside top-level fields: the top level is read, with a warning', () => {
    const j = jsonLines(run('analyze', file('empty-part.json', LLAMA.replace('{', '{ "text_config": {},')), '--json').stdout)[0] as { part: string; kvCache: { bytesPerToken: number }; findings: { code: string }[] };
    assert.equal(j.part, '');
    assert.equal(j.kvCache.bytesPerToken, 262144, '32 layers x 8 KV heads x 128 x 2 x 4 B (float32), from the top level');
    assert.ok(j.findings.some((f) => f.code === 'kv-lens.empty-part'));
  });
});
