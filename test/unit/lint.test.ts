/**
 * Lint rules on the real configs in test/fixtures/configs (read only) and on broken copies made here with
 * jsonc-parser's modify/applyEdits. Every rule in LINT_RULES must fire somewhere in this file (checked last).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { applyEdits, modify } from 'jsonc-parser';
import { analyzeText } from '../../src/core/analyze';
import { LINT_RULES, lint, nearestDivisors } from '../../src/core/lint';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import type { KvLensSettings } from '../../src/core/settings';
import type { Finding, FindingFix, JsonPath } from '../../src/core/types';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';

const CONFIGS = FIXTURE_CONFIGS;
const real = (name: string): string => readFileSync(join(CONFIGS, name), 'utf8');
const FMT = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } };
/** A broken copy: each [path, value] set (undefined removes). */
const edit = (text: string, ...changes: [JsonPath, unknown][]): string =>
  changes.reduce((t, [path, value]) => applyEdits(t, modify(t, path, value, FMT)), text);
const fired = new Set<string>();
const run = (text: string, settings: Partial<KvLensSettings> = {}): Finding[] => {
  const findings = lint(analyzeText(text), { ...DEFAULT_SETTINGS, ...settings });
  for (const f of findings) fired.add(f.code);
  return findings;
};
const only = (findings: Finding[], code: string): Finding[] => findings.filter((f) => f.code === code);
const one = (findings: Finding[], code: string): Finding => {
  const hits = only(findings, code);
  assert.equal(hits.length, 1, `expected one ${code}, got ${JSON.stringify(findings.map((f) => f.code))}`);
  return hits[0]!;
};
/** The text under a finding's range. */
const under = (text: string, f: Finding): string => text.slice(f.range.offset, f.range.offset + f.range.length);
const applyFix = (text: string, fix: FindingFix): string => edit(text, [fix.path, fix.remove ? undefined : fix.value]);

const LLAMA3 = real('llama__Meta-Llama-3-8B-Instruct.json');

describe('rule table', () => {
  it('has unique, stable-looking codes with documentation', () => {
    const codes = LINT_RULES.map((r) => r.code);
    assert.equal(new Set(codes).size, codes.length);
    for (const r of LINT_RULES) {
      assert.match(r.code, /^kv-lens\.[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(r.title.length > 10 && r.why.length > 40 && r.example.length > 5, r.code);
      assert.ok(['error', 'warning', 'information', 'hint'].includes(r.defaultSeverity));
    }
  });
});

describe('clean real configs', () => {
  // What is due on the files as published: information about legitimate-but-misleading fields, nothing else.
  const DUE: Record<string, string[]> = {
    'deepseek_v3__DeepSeek-V3.json': ['kv-lens.mla-kv-heads-vestigial'],
    'kimi_k2__Kimi-K2-Instruct.json': ['kv-lens.mla-kv-heads-vestigial'],
    'glm_moe_dsa__GLM-5.json': ['kv-lens.mla-kv-heads-vestigial'],
    'qwen2__Qwen2.5-7B-Instruct.json': ['kv-lens.sliding-window-disabled'],
    // head_dim x heads != hidden_size, legitimately: 512x64 vs 4096, 128x32 vs 5376, 256x16 vs 2816, 64x64 vs 2880,
    // 192x64 vs 4096, 128x48 vs 3072, 128x32 vs 5120, 128x32 vs 2688, 128x32 vs 2048, 256x16 vs 2048, 128x64 vs 5120, 128x28 vs 2560.
    'deepseek_v4__DeepSeek-V4-Flash.json': ['kv-lens.head-dim-mismatch'],
    'gemma3__gemma-3-27b-it.json': ['kv-lens.head-dim-mismatch'],
    'gemma4__gemma-4-26B-A4B.json': ['kv-lens.head-dim-mismatch'],
    'gpt_oss__gpt-oss-20b.json': ['kv-lens.head-dim-mismatch'],
    'mimo_v2_flash__MiMo-V2-Flash.json': ['kv-lens.head-dim-mismatch'],
    'minimax_m2__MiniMax-M2.5.json': ['kv-lens.head-dim-mismatch'],
    'mistral3__Devstral-Small-2-24B-Instruct.json': ['kv-lens.head-dim-mismatch'],
    'nemotron_h__NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.json': ['kv-lens.head-dim-mismatch'],
    'qwen3_moe__Qwen3-30B-A3B.json': ['kv-lens.head-dim-mismatch'],
    'qwen3_next__Qwen3-Next-80B-A3B-Thinking.json': ['kv-lens.head-dim-mismatch'],
    'qwen3_vl__Qwen3-VL-32B-Instruct.json': ['kv-lens.head-dim-mismatch'],
    'smallthinker__SmallThinker-21BA3B-Instruct.json': ['kv-lens.head-dim-mismatch'],
    // time_step_limit: [0.0, Infinity], as Python wrote it: read, and flagged for strict JSON readers.
    'mamba2__Mamba-Codestral-7B-v0.1.json': ['kv-lens.non-standard-json'],
  };
  const files = readdirSync(CONFIGS).filter((f) => f.endsWith('.json'));
  it('covers all 36 configs', () => assert.equal(files.length, 36));
  for (const file of files) {
    it(`${file}: ${(DUE[file] ?? []).join(', ') || 'no finding'}`, () => {
      const findings = run(real(file));
      assert.deepEqual(findings.map((f) => f.code), DUE[file] ?? [], JSON.stringify(findings.map((f) => f.message)));
      for (const f of findings) assert.notEqual(f.severity, 'error');
    });
  }
});

describe('non-model JSON gets nothing', () => {
  const samples: [string, string][] = [
    ['tsconfig.json', readFileSync(join(__dirname, '..', '..', 'tsconfig.json'), 'utf8')],
    ['package.json', readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')],
    ['VS Code settings', '// user settings\n{\n  "editor.tabSize": 2,\n  "kvLens.context": 4096,\n  "num_heads_like": "x",\n}\n'],
    ['a list', '[{"num_attention_heads": 3, "num_key_value_heads": 2}]'],
    ['broken JSON', '{"compilerOptions": {'],
  ];
  for (const [name, text] of samples) {
    it(name, () => assert.deepEqual(run(text, { tensorParallel: 7, context: 3 }), []));
  }
});

describe('KV heads', () => {
  it('not a divisor: both equally near divisors are offered, the range is the value', () => {
    const text = edit(LLAMA3, [['num_key_value_heads'], 6]);
    const f = one(run(text), 'kv-lens.kv-heads-not-divisor');
    assert.equal(f.severity, 'error');
    assert.equal(under(text, f), '6');
    assert.match(f.message, /num_key_value_heads is 6, which does not divide num_attention_heads \(32\)/);
    // divisors of 32: 1 2 4 8 16 32; |4-6| = |8-6| = 2.
    assert.deepEqual(f.fixes.map((x) => x.value), [4, 8]);
    const fixed = applyFix(text, f.fixes[1]!);
    assert.deepEqual(only(run(fixed), 'kv-lens.kv-heads-not-divisor'), []);
    assert.equal(analyzeText(fixed).model?.attention.kvHeads.value, 8);
  });
  it('nearest divisor through aliases: Falcon n_head_kv, ChatGLM multi_query_group_num', () => {
    const falcon = edit(real('RefinedWeb__falcon-40b.json'), [['n_head_kv'], 7]);
    const f1 = one(run(falcon), 'kv-lens.kv-heads-not-divisor');
    assert.deepEqual(f1.path, ['n_head_kv']);
    assert.deepEqual(f1.fixes.map((x) => x.value), [8]); // 128's divisors ... 4, 8, 16 ...: 8 is 1 away
    const glm = edit(real('chatglm__chatglm2-6b.json'), [['multi_query_group_num'], 3]);
    const f2 = one(run(glm), 'kv-lens.kv-heads-not-divisor');
    assert.deepEqual(f2.fixes.map((x) => x.value), [2, 4]);
    assert.equal(under(glm, f2), '3');
  });
  it('MPT attn_config.kv_n_heads and a nested text_config are read', () => {
    const mpt = edit(real('llama__Llama-2-7b-hf.json'), [['num_key_value_heads'], undefined], [['attn_config'], { kv_n_heads: 5 }]);
    const f = one(run(mpt), 'kv-lens.kv-heads-not-divisor');
    assert.deepEqual(f.path, ['attn_config', 'kv_n_heads']);
    assert.deepEqual(f.fixes.map((x) => x.value), [4]);
    const gemma = edit(real('gemma3__gemma-3-27b-it.json'), [['text_config', 'num_key_value_heads'], 12]);
    const g = one(run(gemma), 'kv-lens.kv-heads-not-divisor');
    assert.deepEqual(g.path, ['text_config', 'num_key_value_heads']);
    assert.match(g.message, /text_config\.num_key_value_heads is 12/);
    assert.deepEqual(g.fixes.map((x) => x.value), [8, 16]); // divisors of 32 near 12: |8-12| = 4 = |16-12|
  });
  it('Nemotron-NAS per-layer group sizes (block_configs[i].attention.n_heads_in_group)', () => {
    const text = edit(real('nemotron-nas__Llama-3_3-Nemotron-Super-49B-v1.json'), [['block_configs', 3, 'attention', 'n_heads_in_group'], 6]);
    const f = one(run(text), 'kv-lens.kv-heads-not-divisor');
    assert.deepEqual(f.path, ['block_configs', 3, 'attention', 'n_heads_in_group']);
    assert.match(f.message, /layer 3 would have 10\.67 KV heads/); // 64 / 6
    assert.deepEqual(f.fixes.map((x) => x.value), [4, 8]); // divisors of 64 around 6: 4 and 8, both 2 away
    assert.equal(under(text, f), '6');
  });
  it('above the query heads: fix to MHA', () => {
    const text = edit(LLAMA3, [['num_key_value_heads'], 64]);
    const findings = run(text);
    const f = one(findings, 'kv-lens.kv-heads-above-query-heads');
    assert.deepEqual(only(findings, 'kv-lens.kv-heads-not-divisor'), []);
    assert.deepEqual(f.fixes, [{ title: 'Set num_key_value_heads to 32 (multi-head attention)', path: ['num_key_value_heads'], value: 32 }]);
  });
  it('vestigial under MLA, even when it does not divide', () => {
    const text = edit(real('deepseek_v3__DeepSeek-V3.json'), [['num_key_value_heads'], 7]);
    const findings = run(text);
    assert.deepEqual(findings.map((f) => f.code), ['kv-lens.mla-kv-heads-vestigial']);
    assert.match(findings[0]!.message, /512 \+ 64 = 576/);
  });
});

describe('sizes', () => {
  it('zero, negative and fractional values', () => {
    const text = edit(real('qwen3__Qwen3-8B.json'), [['num_key_value_heads'], 0], [['head_dim'], 64.5], [['num_hidden_layers'], -1]);
    const findings = only(run(text), 'kv-lens.invalid-size');
    assert.deepEqual(findings.map((f) => under(text, f)).sort(), ['-1', '0', '64.5']);
    assert.ok(findings.every((f) => f.severity === 'error' && f.fixes.length === 0));
  });
  it('a string "8" is the wrong type, fixed to the number', () => {
    const text = edit(LLAMA3, [['num_key_value_heads'], '8']);
    const f = one(run(text), 'kv-lens.wrong-type');
    assert.equal(under(text, f), '"8"');
    assert.match(f.message, /num_key_value_heads is "8": a string, not a whole number/);
    assert.deepEqual(f.fixes.map((x) => x.value), [8]);
    assert.deepEqual(run(applyFix(text, f.fixes[0]!)), []);
  });
  it('booleans, lists and null where null is not allowed; null KV heads is fine (MHA)', () => {
    const text = edit(LLAMA3, [['hidden_size'], true], [['num_hidden_layers'], [32]], [['num_attention_heads'], null], [['num_key_value_heads'], null]);
    const findings = only(run(text), 'kv-lens.wrong-type');
    assert.deepEqual(findings.map((f) => f.path[0]).sort(), ['hidden_size', 'num_attention_heads', 'num_hidden_layers']);
    assert.ok(findings.every((f) => f.fixes.length === 0));
  });
  it('MLA sizes are checked too', () => {
    const text = edit(real('kimi_k2__Kimi-K2-Instruct.json'), [['kv_lora_rank'], 'big']);
    assert.deepEqual(one(run(text), 'kv-lens.wrong-type').path, ['kv_lora_rank']);
  });
  it('hidden_size not divisible by the heads without head_dim', () => {
    const text = edit(real('llama__Llama-2-7b-hf.json'), [['hidden_size'], 4100]);
    const f = one(run(text), 'kv-lens.hidden-size-not-divisible');
    assert.equal(under(text, f), '4100');
    assert.match(f.message, /4100 \/ 32 = 128\.13/);
    // With a head_dim the remainder does not matter (but head_dim x heads != hidden_size is reported as information).
    const withHeadDim = edit(text, [['head_dim'], 128]);
    const findings = run(withHeadDim);
    assert.deepEqual(findings.map((f) => f.code), ['kv-lens.head-dim-mismatch']);
    assert.match(findings[0]!.message, /128 x 32 = 4096, not hidden_size \(4100\)/);
    assert.equal(findings[0]!.severity, 'information');
  });
  it('two names for one size that disagree', () => {
    const text = edit(real('lfm2_vl__LFM2.5-VL-1.6B.json'), [['text_config', 'num_heads'], 16]);
    const f = one(run(text), 'kv-lens.conflicting-aliases');
    assert.deepEqual(f.path, ['text_config', 'num_heads']);
    assert.deepEqual(f.fixes.map((x) => x.value), [32]);
    const mimo = edit(real('mimo_v2_flash__MiMo-V2-Flash.json'), [['sliding_window_size'], 256]);
    assert.deepEqual(one(run(mimo), 'kv-lens.conflicting-aliases').fixes.map((x) => x.value), [128]);
  });
  it('layer_types must list every layer', () => {
    const text = edit(real('gpt_oss__gpt-oss-20b.json'), [['layer_types', 23], undefined]);
    const f = one(run(text), 'kv-lens.layer-types-length');
    assert.match(f.message, /layer_types lists 23 layers but num_hidden_layers is 24/);
    assert.ok(under(text, f).startsWith('['));
  });
});

describe('sliding windows', () => {
  it("Qwen2.5's disabled window: remove it", () => {
    const text = real('qwen2__Qwen2.5-7B-Instruct.json');
    const f = one(run(text), 'kv-lens.sliding-window-disabled');
    assert.equal(under(text, f), '131072');
    assert.deepEqual(f.fixes, [{ title: 'Remove sliding_window (no effect)', path: ['sliding_window'], remove: true }]);
    const fixed = applyFix(text, f.fixes[0]!);
    assert.ok(!fixed.includes('"sliding_window"'));
    assert.deepEqual(run(fixed), []);
  });
  it('a window at the maximum context has no effect: set it to null', () => {
    const text = edit(real('mixtral__Mixtral-8x7B-v0.1.json'), [['sliding_window'], 32768]);
    const f = one(run(text), 'kv-lens.sliding-window-no-effect');
    assert.match(f.message, /sliding_window \(32768\) is at or above max_position_embeddings \(32768\)/);
    assert.deepEqual(f.fixes.map((x) => [x.value, x.remove]), [[null, undefined]]);
    assert.deepEqual(run(applyFix(text, f.fixes[0]!)), []);
    // Below the context: a real window, no finding.
    assert.deepEqual(run(edit(text, [['sliding_window'], 4096])), []);
  });
  it('a window larger than the context in the settings (hint)', () => {
    const text = edit(real('mixtral__Mixtral-8x7B-v0.1.json'), [['sliding_window'], 4096]);
    const f = one(run(text, { context: 2048 }), 'kv-lens.window-above-context');
    assert.equal(f.severity, 'hint');
    assert.match(f.message, /kvLens\.context = 2048/);
    assert.deepEqual(run(text, { context: 8192 }), []);
    assert.deepEqual(run(text, { context: 0 }), []);
  });
  it('a window on a model type without sliding attention is ignored: remove it', () => {
    const text = edit(LLAMA3, [['sliding_window'], 4096]);
    const f = one(run(text), 'kv-lens.field-ignored');
    assert.match(f.message, /model type "llama" has no sliding-window attention/);
    assert.deepEqual(f.fixes.map((x) => x.remove), [true]);
  });
});

describe('dtype and nesting', () => {
  it('torch_dtype and dtype disagreeing: set torch_dtype to dtype', () => {
    const text = edit(LLAMA3, [['dtype'], 'bfloat16']);
    const f = one(run(text), 'kv-lens.dtype-conflict');
    assert.equal(f.severity, 'warning');
    assert.equal(under(text, f), '"float32"');
    assert.deepEqual(f.fixes.map((x) => [x.path, x.value]), [[['torch_dtype'], 'bfloat16']]);
    assert.deepEqual(run(applyFix(text, f.fixes[0]!)), []);
    // Same dtype, spelled differently: fine.
    assert.deepEqual(run(edit(LLAMA3, [['dtype'], 'torch.float32'])), []);
  });
  it('text_config and top-level attention fields disagreeing: the top-level copy is flagged', () => {
    const text = edit(real('gemma3__gemma-3-27b-it.json'), [['num_key_value_heads'], 8], [['num_attention_heads'], 32]);
    const findings = run(text);
    const f = one(findings, 'kv-lens.text-config-mismatch');
    assert.deepEqual(f.path, ['num_key_value_heads']);
    assert.match(f.message, /Top-level num_key_value_heads is 8 but text_config\.num_key_value_heads is 16/);
    assert.deepEqual(f.fixes.map((x) => x.value), [16]);
    const vl = edit(real('qwen3_vl__Qwen3-VL-32B-Instruct.json'), [['dtype'], 'float32']);
    const d = one(run(vl), 'kv-lens.text-config-mismatch');
    assert.deepEqual(d.path, ['dtype']);
    assert.deepEqual(d.fixes, []);
  });
  it('ChatGLM group count without multi_query_attention is ignored', () => {
    const text = edit(real('chatglm__chatglm2-6b.json'), [['multi_query_attention'], false]);
    const f = one(run(text), 'kv-lens.field-ignored');
    assert.deepEqual(f.path, ['multi_query_group_num']);
    assert.deepEqual(f.fixes.map((x) => x.remove), [true]);
  });
});

describe('tensor parallelism (kvLens.tensorParallel)', () => {
  it('not dividing the query heads; KV heads replicated', () => {
    // Qwen2.5-7B: 28 query heads, 4 KV heads. 28 % 8 = 4; 8 > 4 KV heads and 8 % 4 = 0: 2 copies each.
    const text = real('qwen2__Qwen2.5-7B-Instruct.json');
    const findings = run(text, { tensorParallel: 8 });
    const q = one(findings, 'kv-lens.tp-not-dividing-query-heads');
    assert.equal(under(text, q), '28');
    const rep = one(findings, 'kv-lens.tp-replicates-kv-heads');
    assert.equal(under(text, rep), '4');
    assert.match(rep.message, /each KV head is copied on 2 GPUs/);
    assert.deepEqual(only(run(text, { tensorParallel: 4 }), 'kv-lens.tp-not-dividing-query-heads').length, 0);
    assert.deepEqual(only(run(text, { tensorParallel: 1 }), 'kv-lens.tp-replicates-kv-heads').length, 0);
  });
  it('KV heads and degree not splitting evenly (phi-4: 10 KV heads, tp 4)', () => {
    const text = real('phi3__phi-4.json');
    const findings = run(text, { tensorParallel: 4 });
    assert.deepEqual(findings.map((f) => f.code), ['kv-lens.tp-kv-heads-mismatch']);
    assert.equal(under(text, findings[0]!), '10');
  });
  it('MQA via multi_query points at that field; MLA is never replicated by heads', () => {
    const text = real('gpt_bigcode__WizardCoder-15B-1.0-GPTQ.json');
    const f = one(run(text, { tensorParallel: 2 }), 'kv-lens.tp-replicates-kv-heads');
    assert.equal(under(text, f), 'true');
    assert.deepEqual(run(real('deepseek_v3__DeepSeek-V3.json'), { tensorParallel: 8 }).map((x) => x.code), ['kv-lens.mla-kv-heads-vestigial']);
  });
});

describe('severities from settings', () => {
  it('off removes, a severity overrides', () => {
    const gemma = real('gemma3__gemma-3-27b-it.json');
    assert.deepEqual(run(gemma, { ruleSeverities: { 'kv-lens.head-dim-mismatch': 'off' } }), []);
    const qwen = run(real('qwen2__Qwen2.5-7B-Instruct.json'), { ruleSeverities: { 'kv-lens.sliding-window-disabled': 'error' } });
    assert.deepEqual(qwen.map((f) => f.severity), ['error']);
  });
});

describe('documents read in outline', () => {
  it('say so once, on the key of the largest unread value, naming what was skipped', () => {
    const base = JSON.parse(real('llama__Meta-Llama-3-8B-Instruct.json')) as Record<string, unknown>;
    const labels = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [String(i), `LABEL_${i}_xxxxxxxxxxxxxxxx`]));
    const text = JSON.stringify({ id2label: labels, ...base, label2id: { a: 0, b: 1 }, tokens: [[1, 2], [3]] }, null, 2);
    assert.ok(text.length > 1024 * 1024);
    const findings = run(text);
    assert.deepEqual(findings.map((f) => f.code), ['kv-lens.read-in-outline']);
    const f = findings[0]!;
    assert.equal(f.severity, 'information');
    assert.equal(text.slice(f.range.offset, f.range.offset + f.range.length), '"id2label"', 'on the key, not the multi-megabyte value');
    assert.match(f.message, new RegExp(`This file is about ${(text.length / 1024 / 1024).toFixed(2)} MiB, over the 1 MiB KV Lens reads in full`));
    assert.match(f.message, /not expanded: id2label \(2\.\d\d MiB\), tokens \(\d+ B\), label2id \(\d+ B\), and syntax errors inside them are not reported/);
    assert.deepEqual(run(text, { ruleSeverities: { 'kv-lens.read-in-outline': 'off' } }), []);
    // The same config under the limit is read in full and says nothing.
    assert.deepEqual(run(JSON.stringify({ id2label: { 0: 'a' }, ...base }, null, 2)), []);
  });
});

describe('what Python reads differently', () => {
  it('a key written twice: flagged on the ignored one; the last value is the one analysed (at any depth)', () => {
    const text = LLAMA3.replace('"num_key_value_heads": 8', '"num_key_value_heads": 2,\n  "num_key_value_heads": 8');
    const f = one(run(text), 'kv-lens.duplicate-key');
    assert.equal(under(text, f), '"num_key_value_heads"');
    assert.equal(f.range.offset, text.indexOf('"num_key_value_heads"'), 'on the first, ignored occurrence');
    assert.match(f.message, /written again at line \d+: Python's json, so transformers, keeps the last value \(8\)/);
    assert.equal(analyzeText(text).model?.attention.kvHeads.value, 8);
    const swapped = LLAMA3.replace('"num_key_value_heads": 8', '"num_key_value_heads": 8,\n  "num_key_value_heads": 2');
    assert.equal(analyzeText(swapped).model?.attention.kvHeads.value, 2, 'the last wins, as in Python');
    const nested = JSON.stringify({ model_type: 'gemma3', text_config: { num_attention_heads: 8, num_key_value_heads: 4, head_dim: 64, hidden_size: 512, num_hidden_layers: 2 } }).replace('"num_key_value_heads":4', '"num_key_value_heads":4,"num_key_value_heads":2');
    assert.match(one(run(nested), 'kv-lens.duplicate-key').message, /^text_config\.num_key_value_heads is written again/);
    assert.equal(analyzeText(nested).model?.attention.kvHeads.value, 2);
  });
  it('NaN and Infinity are read (as Python does) and flagged for strict readers; comments and trailing commas in a .json file too', () => {
    const nonfinite = LLAMA3.replace('"rms_norm_eps": 1e-05', '"rms_norm_eps": NaN, "x": -Infinity');
    const f = one(run(nonfinite), 'kv-lens.non-standard-json');
    assert.equal(under(nonfinite, f), 'NaN');
    assert.match(f.message, /NaN \(line \d+\) and 1 more is not standard JSON/);
    assert.ok(analyzeText(nonfinite).model, 'the file is still analysed');
    const commented = LLAMA3.replace('"num_key_value_heads": 8,', '"num_key_value_heads": 8, // was 32\n').replace(/\n}\s*$/, ',\n}\n');
    const findings = only(run(commented), 'kv-lens.non-standard-json');
    assert.deepEqual(findings.map((x) => x.message.split(' at ')[0]), ['A comment', 'A trailing comma']);
    assert.deepEqual(only(lint(analyzeText(commented, { jsonc: true }), DEFAULT_SETTINGS), 'kv-lens.non-standard-json'), [], 'a .jsonc file may have them');
  });
  it('a layer_types entry transformers does not accept is an error, with the near name as a fix; no figure is given', () => {
    const gptOss = real('gpt_oss__gpt-oss-20b.json');
    const text = gptOss.replace('"full_attention"', '"full_attenton"');
    const f = one(run(text), 'kv-lens.unknown-layer-type');
    assert.equal(under(text, f), '"full_attenton"');
    assert.match(f.message, /layer_types\[\d+\] is "full_attenton", not a layer type transformers accepts \(did you mean "full_attention"\?\)/);
    assert.deepEqual(f.fixes.map((x) => x.value), ['full_attention']);
    assert.deepEqual(only(run(applyFix(text, f.fixes[0]!)), 'kv-lens.unknown-layer-type'), []);
    const a = analyzeText(text);
    assert.equal(a.model, undefined);
    assert.match(a.error ?? '', /layer_types\[\d+\] is "full_attenton", not a layer type transformers accepts/);
  });
  it('an empty text_config beside top-level attention fields: read from the top level, and said', () => {
    const text = LLAMA3.replace('{', '{\n  "text_config": {},');
    const f = one(run(text), 'kv-lens.empty-part');
    assert.match(f.message, /text_config is empty: KV Lens reads the language model from the top-level fields/);
    const a = analyzeText(text);
    assert.equal(a.model?.part, '');
    assert.equal(a.model?.attention.kvHeads.value, 8);
  });
  it('floats for sizes are the wrong type (8.0, 8e0), fixed to the integer; values are quoted as written', () => {
    const text = LLAMA3.replace('"num_key_value_heads": 8', '"num_key_value_heads": 8.0').replace('"num_hidden_layers": 32', '"num_hidden_layers": 3.2e1');
    const findings = only(run(text), 'kv-lens.wrong-type');
    assert.deepEqual(findings.map((x) => x.message.split(':')[0]), ['num_hidden_layers is 3.2e1', 'num_key_value_heads is 8.0']);
    assert.deepEqual(findings.map((x) => x.fixes.map((y) => y.value)), [[32], [8]]);
    assert.equal(analyzeText(text).model, undefined, 'the model code refuses floats: no figure');
    const huge = LLAMA3.replace('"num_key_value_heads": 8', '"num_key_value_heads": 9007199254740993');
    assert.match(one(run(huge), 'kv-lens.invalid-size').message, /num_key_value_heads is 9007199254740993: too large to be read exactly/);
    const inf = LLAMA3.replace('"num_key_value_heads": 8', '"num_key_value_heads": 1e309');
    assert.match(one(run(inf), 'kv-lens.invalid-size').message, /num_key_value_heads is 1e309: not a finite number/);
  });
});

describe('helpers', () => {
  it('nearestDivisors', () => {
    assert.deepEqual(nearestDivisors(32, 6), [4, 8]);
    assert.deepEqual(nearestDivisors(28, 5), [4]);
    assert.deepEqual(nearestDivisors(40, 12), [10]);
  });
});

after(() => {
  // Every rule of the table fired at least once above; the config-vs-weights rules need a checkpoint and fire in lint-weights.test.ts.
  const missing = LINT_RULES.map((r) => r.code).filter((c) => !fired.has(c) && !c.startsWith('kv-lens.weights-'));
  assert.deepEqual(missing, []);
});
