/**
 * Hover content on real configs (test/fixtures/configs, read only) with figures worked out by hand below, plus
 * ranges, command links, escaping of file-provided strings, and silence on non-model JSON.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyEdits, modify } from 'jsonc-parser';
import { analyzeText } from '../../src/core/analyze';
import { hoverAt } from '../../src/core/hover';
import type { HoverContent } from '../../src/core/hover';
import { keyRangeOf, parseConfig } from '../../src/core/parse';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import type { KvLensSettings } from '../../src/core/settings';
import type { JsonPath } from '../../src/core/types';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';

const CONFIGS = FIXTURE_CONFIGS;
const real = (name: string): string => readFileSync(join(CONFIGS, name), 'utf8');
const FMT = { formattingOptions: { insertSpaces: true, tabSize: 2, eol: '\n' } };
const edit = (text: string, ...changes: [JsonPath, unknown][]): string =>
  changes.reduce((t, [path, value]) => applyEdits(t, modify(t, path, value, FMT)), text);
const URI = 'file:///models/llama (copy)/config.json';
/** Context 4096 tokens, batch 8: the "settings" column of every cost table below. */
const SETTINGS: KvLensSettings = { ...DEFAULT_SETTINGS, context: 4096, batch: 8 };

/** The hover on the n-th occurrence of `needle` (offset inside it). */
function hover(text: string, needle: string, settings: Partial<KvLensSettings> = {}, nth = 0): HoverContent | undefined {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, `${needle} not in text`);
  return hoverAt(analyzeText(text), at + Math.min(2, needle.length - 1), { ...SETTINGS, ...settings }, { documentUri: URI });
}
function md(text: string, needle: string, settings: Partial<KvLensSettings> = {}, nth = 0): string {
  const h = hover(text, needle, settings, nth);
  assert.ok(h, `no hover on ${needle}`);
  return h.markdown;
}
/** Markdown with backslash escapes removed: what a reader sees. */
const plain = (s: string): string => s.replace(/\\([!-/:-@[-`{-~])/g, '$1');

describe('GQA: Llama-3-8B-Instruct (32 query heads, 8 KV heads, hidden 4096, 32 layers, float32, 8192 context)', () => {
  const text = real('llama__Meta-Llama-3-8B-Instruct.json');
  const h = hover(text, '"num_key_value_heads"');
  const m = plain(h?.markdown ?? '');
  it('kind in words and the grouping picture', () => {
    assert.match(m, /\*\*GQA\*\* \(grouped-query attention\): 32 query heads share 8 KV heads: 8 groups of 4\./);
    assert.ok(m.includes('kv 0 <- q  0- 3  ####\n'));
    assert.ok(m.includes('kv 7 <- q 28-31  ####\n'));
  });
  it('costs', () => {
    // head size = 4096 / 32 = 128; float32 = 4 B.
    // per token: 2 (K, V) x 8 x 128 x 4 B x 32 layers = 262,144 B = 256 KiB
    assert.ok(m.includes('| KV cache per token | **256 KiB** (262,144 B, fp32) |'));
    // model context: 262,144 x 8192 = 2,147,483,648 B = 2.00 GiB
    assert.ok(m.includes("| At the model's context, 8k, 1 sequence | 2.00 GiB |"));
    // settings: 262,144 x 4096 x 8 = 8,589,934,592 B = 8.00 GiB
    assert.ok(m.includes('| At kvLens.context 4k x batch 8 | 8.00 GiB |'));
    // MHA: 2 x 32 x 128 x 4 x 32 = 1,048,576 B = 1 MiB per token, 4x; saving at 8k: (1,048,576 - 262,144) x 8192 = 6 GiB
    assert.ok(m.includes('| vs MHA (32 KV heads) | 1.00 MiB per token: 4x smaller, saving 6.00 GiB at 8k |'));
    // decode reads the cache once per token: at most 32 / 8 = 4x faster than MHA
    assert.ok(m.includes('| Decode speed-up bound (cache reads) | 4x vs MHA |'));
  });
  it('formula with the fields it came from', () => {
    assert.ok(m.includes('2 (K, V) x 8 KV heads x 128 x 4 B (fp32) x 32 layers = 262,144 B (256 KiB) per token'));
    assert.ok(m.includes('KV heads 8: num_key_value_heads'));
    assert.ok(m.includes('head size 128: hidden_size, num_attention_heads'));
    assert.ok(m.includes('layers 32: num_hidden_layers'));
    assert.ok(m.includes('model dtype (torch_dtype)'));
  });
  it('command links carry the document URI and are the only links', () => {
    assert.deepEqual(h?.commands, ['kvLens.openPanel', 'kvLens.runBenchmark']);
    const links = [...(h?.markdown ?? '').matchAll(/\]\(([^)]*)\)/g)].map((x) => x[1]!);
    assert.equal(links.length, 2);
    for (const [i, id] of ['kvLens.openPanel', 'kvLens.runBenchmark'].entries()) {
      const [scheme, args] = links[i]!.split('?');
      assert.equal(scheme, `command:${id}`);
      assert.doesNotMatch(args!, /[()\s]/); // the URI's parentheses and space are percent-encoded
      assert.deepEqual(JSON.parse(decodeURIComponent(args!)), [{ uri: URI }]);
    }
    const noUri = hoverAt(analyzeText(text), text.indexOf('"num_key_value_heads"') + 2, SETTINGS);
    assert.deepEqual(noUri?.commands, []);
    assert.doesNotMatch(noUri?.markdown ?? '', /command:/);
  });
  it('range: the key when on the key, the value when on the value', () => {
    const key = text.indexOf('"num_key_value_heads"');
    assert.deepEqual(h?.range, { offset: key, length: '"num_key_value_heads"'.length });
    const value = text.indexOf('8', key + '"num_key_value_heads":'.length);
    const onValue = hoverAt(analyzeText(text), value, SETTINGS);
    assert.deepEqual(onValue?.range, { offset: value, length: 1 });
    assert.match(onValue?.markdown ?? '', /8 groups of 4/);
  });
  it('settings change the figures: fp8 cache and tensor parallel 16', () => {
    // fp8: 2 x 8 x 128 x 1 B x 32 = 65,536 B = 64 KiB
    assert.ok(plain(md(text, '"num_key_value_heads"', { kvDtype: 'fp8' })).includes('**64.0 KiB** (65,536 B, fp8)'));
    // tp 16 > 8 KV heads: 1 head per GPU, each replicated 2x; per GPU = 8 GiB / 8 heads = 1 GiB
    assert.ok(plain(md(text, '"num_key_value_heads"', { tensorParallel: 16 })).includes('8.00 GiB; 1.00 GiB per GPU at tp 16 (KV heads replicated 2x)'));
  });
  it('other keys: query heads, hidden size, dtype, layers', () => {
    const q = plain(md(text, '"num_attention_heads"'));
    assert.match(q, /\*\*32 query heads\*\* \(num_attention_heads\)/);
    assert.ok(q.includes('Valid KV head counts (divisors of 32): 1, 2, 4, 8, 16, 32.'));
    assert.ok(plain(md(text, '"hidden_size"')).includes('the head size is 4,096 / 32 query heads = 128'));
    assert.ok(plain(md(text, '"torch_dtype"')).includes('**fp32**, 4 B per element'));
    assert.ok(plain(md(text, '"num_hidden_layers"')).includes('| 32 x full attention, 8 KV heads x 128 | 8.00 KiB per token per layer |'));
    // 8192 tokens x 256 KiB = 2 GiB
    assert.ok(plain(md(text, '"max_position_embeddings"')).includes("**8,192 tokens (8k)**: the model's maximum context"));
    assert.equal(hover(text, '"rms_norm_eps"'), undefined);
    assert.equal(hover(text, '"rope_theta"'), undefined);
  });
});

describe('MQA: WizardCoder (gpt_bigcode, multi_query: true, 48 heads, n_embd 6144, 40 layers, float16, 8192)', () => {
  const text = real('gpt_bigcode__WizardCoder-15B-1.0-GPTQ.json');
  it('multi_query key and value', () => {
    const m = plain(md(text, '"multi_query"'));
    assert.match(m, /\*\*MQA\*\* \(multi-query attention\): all 48 query heads share 1 KV head\./);
    assert.ok(m.includes('kv 0 <- q  0-47  ################'));
    // head size 6144 / 48 = 128; per token 2 x 1 x 128 x 2 B x 40 = 20,480 B = 20.0 KiB
    assert.ok(m.includes('**20.0 KiB** (20,480 B, fp16)'));
    // 20,480 x 8192 = 167,772,160 B = 160 MiB
    assert.ok(m.includes("At the model's context, 8k, 1 sequence | 160 MiB"));
    // MHA: 48 x 20,480 = 983,040 B = 960 KiB; bound 48 / 1 = 48x
    assert.ok(m.includes('| vs MHA (48 KV heads) | 960 KiB per token: 48x smaller'));
    assert.ok(m.includes('| Decode speed-up bound (cache reads) | 48x vs MHA |'));
    assert.ok(m.includes('KV heads 1: multi_query'));
    const onValue = hoverAt(analyzeText(text), text.indexOf('true', text.indexOf('"multi_query"')), SETTINGS);
    assert.match(onValue?.markdown ?? '', /all 48 query heads share 1 KV head/);
  });
});

describe('MLA: DeepSeek-V3 (128 heads, kv_lora_rank 512, qk_rope 64, nope 128, v 128, 61 layers, bf16, 163840)', () => {
  const text = real('deepseek_v3__DeepSeek-V3.json');
  const m = plain(md(text, '"num_key_value_heads"'));
  it('num_key_value_heads is vestigial; the latent is costed', () => {
    assert.ok(m.includes('num_key_value_heads** is vestigial here'));
    assert.ok(m.includes('kv_lora_rank + qk_rope_head_dim = 512 + 64 = 576 values per token'));
    // 576 x 2 B x 61 = 70,272 B = 68.6 KiB per token
    assert.ok(m.includes('**68.6 KiB** (70,272 B, bf16)'));
    // 70,272 x 163,840 = 11,513,364,480 B = 10.7 GiB
    assert.ok(m.includes("At the model's context, 160k, 1 sequence | 10.7 GiB"));
    // expanded per-head K and V (HF eager): 128 x (192 + 128) x 2 B x 61 = 4,997,120 B = 4.77 MiB; 4,997,120 / 70,272 = 71.1x
    assert.ok(m.includes("vs MHA (128 KV heads, as HF transformers' eager code caches it) | 4.77 MiB per token: MLA is 71.1x smaller"));
    assert.ok(m.includes('(512 + 64) latent x 2 B (bf16) x 61 layers = 70,272 B (68.6 KiB) per token'));
    assert.doesNotMatch(m, /groups of/);
  });
  it('MLA fields explain the latent', () => {
    const k = plain(md(text, '"kv_lora_rank"'));
    assert.ok(k.includes('**kv_lora_rank** = 512.'));
    assert.ok(k.includes('576 values per token'));
    assert.ok(plain(md(text, '"qk_rope_head_dim"')).includes('= 512 + 64 = 576'));
  });
});

describe('Gemma-3-27B: text_config (32 heads, 16 KV, head_dim 128, 62 layers, window 1024), top-level bfloat16', () => {
  const text = real('gemma3__gemma-3-27b-it.json');
  it('KV heads inside text_config', () => {
    const m = plain(md(text, '"num_key_value_heads"'));
    assert.ok(m.includes('32 query heads share 16 KV heads: 16 groups of 2.'));
    assert.ok(m.includes('... 12 more groups ...'));
    assert.ok(m.includes('kv 15 <- q 30-31  ##'));
    // per token: 2 x 16 x 128 x 2 B x 62 = 507,904 B = 496 KiB
    assert.ok(m.includes('**496 KiB** (507,904 B, bf16)'));
    // Gemma 3: every 6th layer global (5, 11, ..., 59): 10 full, 52 sliding; default context 131,072 (Gemma3TextConfig).
    // 10 x 8192 B x 131072 + 52 x 8192 B x 1024 = 10,737,418,240 + 436,207,616 = 11,173,625,856 B = 10.4 GiB
    assert.ok(m.includes("At the model's context, 128k, 1 sequence | 10.4 GiB"));
    // settings: (10 x 8192 x 4096 + 52 x 8192 x 1024) x 8 = 771,751,936 x 8 = 6,174,015,488 B = 5.75 GiB
    assert.ok(m.includes('At kvLens.context 4k x batch 8 | 5.75 GiB'));
    assert.ok(m.includes('KV heads 16: text_config.num_key_value_heads'));
  });
  it('the sliding window, text_config itself, the vision tower, the top-level dtype', () => {
    const w = plain(md(text, '"sliding_window"'));
    assert.ok(w.includes('**Window 1,024 tokens** on 52 of 62 layers'));
    // every layer full: 507,904 x 131,072 = 66,571,993,088 B = 62.0 GiB; / 11,173,625,856 = 5.96x
    assert.ok(w.includes('10.4 GiB with the window, 62.0 GiB if every layer kept the whole context (5.96x more)'));
    const part = plain(md(text, '"text_config"'));
    assert.ok(part.includes('**The language model** is read from here (model type gemma3_text).'));
    const vision = plain(md(text, '"num_attention_heads"', {}, 1));
    assert.ok(vision.includes('in vision_config: a separate encoder tower'));
    assert.ok(plain(md(text, '"torch_dtype"')).includes('**bfloat16**: the weights\' dtype, and the default KV cache element type.'));
    // head_dim x heads != hidden_size: 128 x 32 = 4096 vs 5376
    assert.ok(plain(md(text, '"head_dim"')).includes('128 x 32 query heads = 4,096, not hidden_size 5,376'));
  });
});

describe('Qwen3-Next hybrid (every 4th of 48 layers full: 12 full, 36 linear; 16 heads, 2 KV, head_dim 256, 262144)', () => {
  const text = real('qwen3_next__Qwen3-Next-80B-A3B-Thinking.json');
  it('KV heads: only the 12 full-attention layers cache per token', () => {
    const m = plain(md(text, '"num_key_value_heads"'));
    assert.ok(m.includes('16 query heads share 2 KV heads: 2 groups of 8.'));
    // 2 x 2 x 256 x 2 B x 12 = 24,576 B = 24.0 KiB
    assert.ok(m.includes('**24.0 KiB** (24,576 B, bf16)'));
    // linear-attention state per layer: 32 value heads x 128 x 128 = 524,288 + conv (4 - 1) x (2 x 16 x 128 + 32 x 128 = 8192) = 24,576
    // -> 548,864 x 2 B = 1,097,728 B; x 36 layers = 39,518,208 B = 37.7 MiB
    assert.ok(m.includes('| Fixed state per sequence | 37.7 MiB |'));
    // 24,576 x 262,144 + 39,518,208 = 6,481,969,152 B = 6.04 GiB
    assert.ok(m.includes("At the model's context, 256k, 1 sequence | 6.04 GiB"));
    // (24,576 x 4096 + 39,518,208) x 8 = 1,121,452,032 B = 1.04 GiB
    assert.ok(m.includes('At kvLens.context 4k x batch 8 | 1.04 GiB'));
    // MHA: 2 x 16 x 256 x 2 x 12 = 196,608 B = 192 KiB; 8x; saving (196,608 - 24,576) x 262,144 = 45,097,156,608 B = 42.0 GiB
    assert.ok(m.includes('| vs MHA (16 KV heads) | 192 KiB per token: 8x smaller, saving 42.0 GiB at 256k |'));
    assert.ok(m.includes('2 (K, V) x 2 KV heads x 256 x 2 B (bf16) x 12 layers = 24,576 B (24.0 KiB) per token'));
  });
  it('the layer pattern', () => {
    const m = plain(md(text, '"full_attention_interval"'));
    assert.ok(m.includes('48 layers: 36 fixed state (linear_attention), 12 full attention.'));
    assert.ok(plain(md(text, '"use_sliding_window"')).includes('has no effect on this model: no layer uses a window (use_sliding_window is false)'));
  });
});

describe('layer_types entries (gpt-oss-20b: 24 layers alternating sliding 128 / full, 8 KV heads x 64)', () => {
  const text = real('gpt_oss__gpt-oss-20b.json');
  it('an entry says what that layer caches', () => {
    const m = plain(md(text, '"sliding_attention"'));
    // 8 x (64 + 64) x 2 B = 2048 B = 2.00 KiB per token
    assert.ok(m.includes('**Layer 0: sliding_attention** (sliding): caches 8 KV heads x (64 + 64) x 2 B = 2.00 KiB per token, over at most 128 tokens.'));
    const full = plain(md(text, '"full_attention"'));
    assert.ok(full.includes('**Layer 1: full_attention** (full)'));
    assert.ok(full.includes('over the whole context'));
    const h = hover(text, '"sliding_attention"');
    const at = text.indexOf('"sliding_attention"');
    assert.deepEqual(h?.range, { offset: at, length: '"sliding_attention"'.length });
  });
});

describe('strings from the file cannot become links, HTML or commands', () => {
  const EVIL = '[click](command:workbench.action.terminal.new?x) <img src=x onerror=alert(1)> https://evil.example `x`';
  const check = (markdown: string) => {
    assert.doesNotMatch(markdown, /<img/);
    assert.doesNotMatch(markdown, /\]\(command:workbench/);
    assert.doesNotMatch(markdown, /(^|[^\\])https:\/\//);
    for (const x of markdown.matchAll(/\]\(([^)]*)\)/g)) assert.match(x[1]!, /^command:kvLens\.(openPanel|runBenchmark)\?/);
    // Every "command:" in the text is one of ours.
    assert.equal((markdown.match(/command:/g) ?? []).length, (markdown.match(/command:kvLens\./g) ?? []).length);
  };
  it('nested model_type, layer labels, dtype strings', () => {
    const gemma = edit(real('gemma3__gemma-3-27b-it.json'), [['text_config', 'model_type'], EVIL]);
    const part = md(gemma, '"text_config"');
    check(part);
    assert.ok(plain(part).includes('onerror=alert(1)')); // shown, as text
    const oss = edit(real('gpt_oss__gpt-oss-20b.json'), [['layer_types', 0], EVIL]);
    check(md(oss, '"layer_types"'));
    const entry = hoverAt(analyzeText(oss), oss.indexOf('[click]') + 1, SETTINGS, { documentUri: URI });
    assert.ok(entry);
    check(entry.markdown);
    const llama = edit(real('llama__Meta-Llama-3-8B-Instruct.json'), [['torch_dtype'], EVIL]);
    check(md(llama, '"torch_dtype"'));
    check(md(llama, '"num_key_value_heads"'));
  });
});

describe('non-model JSON gets no hover anywhere', () => {
  const samples: [string, string][] = [
    ['tsconfig.json', readFileSync(join(__dirname, '..', '..', 'tsconfig.json'), 'utf8')],
    ['package.json', readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')],
    ['VS Code settings', '// settings\n{\n  "editor.fontSize": 14,\n  "num_heads_like": 8,\n  "files.exclude": { "**/.git": true },\n}\n'],
  ];
  for (const [name, text] of samples) {
    it(name, () => {
      const a = analyzeText(text);
      for (let offset = 0; offset < text.length; offset += 3) assert.equal(hoverAt(a, offset, SETTINGS, { documentUri: URI }), undefined, `offset ${offset}`);
    });
  }
});

describe('models without a per-token cache, and fields that are not read', () => {
  it('pure Mamba: num_heads are state-space heads, the state is costed', () => {
    const text = real('mamba2__Mamba-Codestral-7B-v0.1.json');
    const m = plain(md(text, '"num_heads"'));
    assert.ok(m.includes('**num_heads** = 128: this model has no attention layers'));
    assert.ok(m.includes('| KV cache per token | none: no layer caches per token |'));
    assert.doesNotMatch(m, /query heads share|groups of/);
  });
  it('BERT: encoder-only, no KV cache', () => {
    const m = plain(md(real('bert__bert-base-chinese.json'), '"num_attention_heads"'));
    assert.ok(m.includes('No KV cache: encoder-only models attend over the whole input in one pass.'));
    assert.doesNotMatch(m, /kv 0 <-/);
  });
  it('a top-level copy of a field the nested language model defines is not read', () => {
    const text = edit(real('gemma3__gemma-3-27b-it.json'), [['num_key_value_heads'], 8]);
    const key = keyRangeOf(parseConfig(text), ['num_key_value_heads'])!;
    const h = hoverAt(analyzeText(text), key.offset + 1, SETTINGS);
    assert.deepEqual(h?.range, key);
    const m = plain(h?.markdown ?? '');
    assert.ok(m.includes('**num_key_value_heads** at the top level is not read for the language model: KV Lens (like transformers) reads **text_config** (model type gemma3_text).'));
    assert.ok(m.includes('32 query heads share 16 KV heads'));
  });
  it('MHA pictures stay one line (Llama-2-7B: 32 heads, 32 KV heads)', () => {
    const m = plain(md(real('llama__Llama-2-7b-hf.json'), '"num_key_value_heads"'));
    assert.ok(m.includes('kv i <- q i  # for i = 0..31: one KV head per query head'));
    assert.ok(m.includes('| vs MHA | this is MHA: no saving'));
  });
});

describe('what gets a hover', () => {
  const text = real('gemma3__gemma-3-27b-it.json');
  const a = analyzeText(text);
  it('not whitespace inside an object value, not unrelated nested keys', () => {
    const inside = text.indexOf('{', text.indexOf('"text_config"')) + 1;
    assert.equal(hoverAt(a, inside, SETTINGS), undefined);
    assert.equal(hoverAt(a, text.indexOf('"rope_type"') + 2, SETTINGS), undefined);
    assert.equal(hoverAt(a, text.indexOf('"patch_size"') + 2, SETTINGS), undefined);
    assert.equal(hoverAt(a, text.indexOf('"mm_tokens_per_image"') + 2, SETTINGS), undefined);
  });
});

describe('hover on any JSON value', () => {
  // Found by the fuzz harness: String() of a null-prototype object from the parser threw in the dtype topic.
  it('never throws, whatever value a field holds', () => {
    const values = ['{"a": 1}', '{}', '[1, {"b": null}]', 'null', 'true', '-1e309', '"\\u0000"'];
    for (const key of ['torch_dtype', 'dtype', 'num_key_value_heads', 'sliding_window', 'layer_types', 'model_type', 'text_config', 'kv_lora_rank']) {
      for (const value of values) {
        const text = `{"model_type": "mixtral", "num_attention_heads": 32, "num_key_value_heads": 8, "hidden_size": 4096, "num_hidden_layers": 32, "${key}": ${value}}`;
        const analysis = analyzeText(text);
        const hover = hoverAt(analysis, text.indexOf(`"${key}"`) + 2, DEFAULT_SETTINGS);
        if (hover) assert.equal(typeof hover.markdown, 'string', `${key}: ${value}`);
      }
    }
  });
});

describe('hover on any JSON value, MLA fields', () => {
  // Found by the fuzz harness (seed 202, case 84840): String() of an object in the MLA topic threw.
  it('q_lora_rank = {} in an MLA config answers, not throws', () => {
    const text = readFileSync(join(CONFIGS, 'deepseek_v3__DeepSeek-V3.json'), 'utf8').replace(/"q_lora_rank": \d+/, '"q_lora_rank": {}');
    const analysis = analyzeText(text);
    const hover = hoverAt(analysis, text.indexOf('"q_lora_rank"') + 2, DEFAULT_SETTINGS);
    assert.ok(hover === undefined || typeof hover.markdown === 'string');
  });
});
