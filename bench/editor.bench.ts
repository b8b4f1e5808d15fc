/**
 * Editor latency: what a hover and a lint pass cost on typical configs and on a generated 5 MB config (a huge
 * id2label / label2id), and what one analysis costs per document version (the editor layer analyses once per
 * version and reuses it for hovers and diagnostics). Target: a hover under 5 ms.
 * Run: npm run bench:editor
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeText } from '../src/core/analyze';
import type { Analysis } from '../src/core/analyze';
import { hoverAt } from '../src/core/hover';
import { lint } from '../src/core/lint';
import { DEFAULT_SETTINGS } from '../src/core/settings';
import { time } from './timing';
import { CONFIGS as FIXTURE_CONFIGS } from '../test/fixtures/paths';

const CONFIGS = FIXTURE_CONFIGS;
const SETTINGS = { ...DEFAULT_SETTINGS, context: 32768, batch: 8, tensorParallel: 2 };
const HOVER_KEYS = ['"num_key_value_heads"', '"num_attention_heads"', '"head_dim"', '"hidden_size"', '"num_hidden_layers"', '"max_position_embeddings"', '"sliding_window"', '"torch_dtype"', '"layer_types"', '"kv_lora_rank"', '"full_attention_interval"', '"text_config"'];



/** Llama-3-8B's config with id2label / label2id grown until the text is about 5 MB. */
function fiveMegabytes(): string {
  const base = JSON.parse(readFileSync(join(CONFIGS, 'llama__Meta-Llama-3-8B-Instruct.json'), 'utf8')) as Record<string, unknown>;
  const id2label: Record<string, string> = {};
  const label2id: Record<string, number> = {};
  for (let i = 0; i < 80_000; i++) {
    id2label[String(i)] = `LABEL_${i}_token`;
    label2id[`LABEL_${i}_token`] = i;
  }
  return JSON.stringify({ ...base, id2label, label2id }, null, 2);
}

const fmt = (x: number) => (x < 0.1 ? x.toFixed(3) : x < 10 ? x.toFixed(2) : x.toFixed(1));

const URI = { documentUri: 'file:///bench/config.json' };

function bench(name: string, text: string, n: { analyze: number; lint: number; hover: number; cold: number }): void {
  const analysis: Analysis = analyzeText(text);
  const offsets = HOVER_KEYS.map((k) => text.indexOf(k)).filter((o) => o >= 0).map((o) => o + 2);
  const hovered = offsets.filter((o) => hoverAt(analysis, o, SETTINGS, URI) !== undefined).length;
  const a = time(n.analyze, () => analyzeText(text), 20);
  const l = time(n.lint, () => lint(analysis, SETTINGS), 20);
  // Repeat hovers on one document version (the editor keeps one analysis per version; costs are memoised on it).
  const h = time(n.hover, (i) => hoverAt(analysis, offsets[i % offsets.length]!, SETTINGS, URI), 20);
  // The first KV-head hover after an edit: a fresh analysis each time (analysis itself not timed).
  const kvAt = text.indexOf('"num_key_value_heads"') >= 0 ? text.indexOf('"num_key_value_heads"') : text.indexOf('"num_attention_heads"');
  const fresh = Array.from({ length: n.cold + Math.min(20, n.cold) }, () => analyzeText(text));
  const cold = time(n.cold, (i) => hoverAt(fresh[i % fresh.length]!, kvAt + 2, SETTINGS, URI), 20);
  const size = text.length >= 1 << 20 ? `${(text.length / (1 << 20)).toFixed(1)} MB` : `${(text.length / 1024).toFixed(1)} KB`;
  console.log(
    `${name.padEnd(44)} ${size.padStart(8)}  analysis ${fmt(a.median)} / ${fmt(a.p95)} ms  lint ${fmt(l.median)} / ${fmt(l.p95)} ms  ` +
      `hover ${fmt(h.median)} / ${fmt(h.p95)} ms (${hovered} keys)  first KV hover ${fmt(cold.median)} / ${fmt(cold.p95)} ms`,
  );
}

console.log(`KV Lens editor bench (median / p95; settings: context ${SETTINGS.context}, batch ${SETTINGS.batch}, tp ${SETTINGS.tensorParallel}); Node ${process.version}`);
for (const file of [
  'llama__Meta-Llama-3-8B-Instruct.json',
  'deepseek_v3__DeepSeek-V3.json',
  'gemma3__gemma-3-27b-it.json',
  'qwen3_next__Qwen3-Next-80B-A3B-Thinking.json',
  'gpt_oss__gpt-oss-20b.json',
  'nemotron-nas__Llama-3_3-Nemotron-Super-49B-v1.json',
]) {
  bench(file.replace(/\.json$/, ''), readFileSync(join(CONFIGS, file), 'utf8'), { analyze: 200, lint: 500, hover: 500, cold: 100 });
}
bench('generated: Llama-3-8B + id2label', fiveMegabytes(), { analyze: 15, lint: 200, hover: 200, cold: 6 });
