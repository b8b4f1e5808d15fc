/**
 * Mutation fuzzing of the pure pipeline: parse -> normalise -> KV -> what-if -> fit -> lint -> hover text, on
 * mutated copies of the real configs. Invariants: nothing throws; every finding's and hover's range lies inside
 * its document; every number is finite (or the model is explicitly absent with a reason). Deterministic for
 * a seed, so a failure prints the seed and case to replay it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '../../src/bench/data';
import { analyzeText } from '../../src/core/analyze';
import { fitBudget } from '../../src/core/fit';
import { hoverAt } from '../../src/core/hover';
import { computeKv } from '../../src/core/kv';
import { lint } from '../../src/core/lint';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import type { KvDtype } from '../../src/core/types';
import { whatIf } from '../../src/core/whatif';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';

export const CONFIG_DIR = FIXTURE_CONFIGS;

/** Uniform in [0, 1), deterministic for a seed (the benchmark data's mulberry32). */
export function rng(seed: number): () => number {
  const next = prng(seed);
  return () => next() / 4294967296;
}

const WEIRD_VALUES = [
  '0', '-1', '-32', '2.5', '1e308', '-1e308', '1e-300', '9007199254740993', 'Infinity', '-Infinity', 'NaN', 'null', 'true',
  '"8"', '"NaN"', '""', '[]', '[8]', '{}', '{"a": 1}', '"<img src=x onerror=alert(1)>"', '"[x](command:workbench.action.openSettings)"',
  '"\\u0000\\ud800"', '"🦙🦙🦙"', '123456789012345678901234567890', '4096', '1', '3', '7',
];

/** One mutation of a config's text, chosen by the generator. */
export function mutate(text: string, next: () => number): { text: string; how: string } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const numbers = [...text.matchAll(/"([A-Za-z_][\w]*)"\s*:\s*(-?\d[\d.eE+-]*|null|true|false|"[^"]*")/g)];
  const kind = Math.floor(next() * 12);
  switch (kind) {
    case 0:
    case 1:
    case 2: {
      // Replace one scalar value with something wrong or absurd.
      if (numbers.length === 0) break;
      const m = pick(numbers);
      const v = pick(WEIRD_VALUES);
      const start = m.index! + m[0].length - m[2]!.length;
      return { text: text.slice(0, start) + v + text.slice(start + m[2]!.length), how: `${m[1]} = ${v}` };
    }
    case 3: {
      // Truncate anywhere.
      const at = Math.floor(next() * text.length);
      return { text: text.slice(0, at), how: `truncated at ${at}` };
    }
    case 4: {
      // Delete one field (key and value).
      if (numbers.length === 0) break;
      const m = pick(numbers);
      return { text: text.slice(0, m.index!) + '"deleted_field": 0' + text.slice(m.index! + m[0].length), how: `deleted ${m[1]}` };
    }
    case 5: {
      // Duplicate a key with a different value.
      if (numbers.length === 0) break;
      const m = pick(numbers);
      const at = text.indexOf('{') + 1;
      return { text: text.slice(0, at) + `"${m[1]}": ${pick(WEIRD_VALUES)},` + text.slice(at), how: `duplicate ${m[1]}` };
    }
    case 6: {
      // Deep nesting.
      const depth = 1 + Math.floor(next() * 3000);
      const at = text.indexOf('{') + 1;
      return { text: text.slice(0, at) + `"text_config": ${'{"x": '.repeat(depth)}1${'}'.repeat(depth)},` + text.slice(at), how: `nested ${depth}` };
    }
    case 7: {
      // Arrays where objects belong and objects where arrays belong.
      const swaps: [RegExp, string][] = [[/"text_config"\s*:\s*\{/, '"text_config": [{'], [/"layer_types"\s*:\s*\[/, '"layer_types": {"a": ['], [/"block_configs"\s*:\s*\[/, '"block_configs": [1, "x", null, ']];
      const [re, rep] = pick(swaps);
      if (!re.test(text)) return { text: text.replace('{', '{"text_config": [], "layer_types": {"0": "full_attention"}, "block_configs": 7,'), how: 'wrong container types added' };
      return { text: text.replace(re, rep), how: `container swap ${rep}` };
    }
    case 8:
      return { text: '\ufeff' + text.replace(/,\n/, ', // comment\n/* block */'), how: 'BOM and comments' };
    case 9: {
      // Unicode and control characters inside strings and keys.
      const at = text.indexOf('{') + 1;
      return { text: text.slice(0, at) + '"ключ\\u2028": "值\\t\\"", "model_type": "<script>alert(1)</script>",' + text.slice(at), how: 'unicode / hostile strings' };
    }
    case 10: {
      // Layer lists of absurd lengths.
      const n = pick([0, 1, 3, 4096]);
      const at = text.indexOf('{') + 1;
      return { text: text.slice(0, at) + `"layer_types": [${Array(n).fill('"sliding_attention"').join(',')}], "sliding_window": ${pick(WEIRD_VALUES)},` + text.slice(at), how: `layer_types of ${n}` };
    }
    default: {
      // Random byte flips.
      const chars = [...text];
      for (let i = 0; i < 3; i++) chars[Math.floor(next() * chars.length)] = pick(['{', '}', '[', ']', ',', ':', '"', '\\', '\u0000', 'x']);
      return { text: chars.join(''), how: 'byte flips' };
    }
  }
  return { text, how: 'unchanged' };
}

/** What one case violated, if anything. */
export function checkCase(text: string, next: () => number): string[] {
  const problems: string[] = [];
  const finite = (name: string, v: number) => {
    if (!Number.isFinite(v)) problems.push(`${name} is ${v}`);
  };
  const inside = (name: string, r: { offset: number; length: number }) => {
    if (!(r.offset >= 0 && r.length >= 0 && r.offset + r.length <= text.length)) problems.push(`${name} range ${r.offset}+${r.length} outside 0..${text.length}`);
  };
  const analysis = analyzeText(text);
  if (!analysis.model && !analysis.error) problems.push('no model and no reason');
  const dtypes: KvDtype[] = ['fp32', 'fp16', 'bf16', 'fp8', 'int8', 'int4', 'q8_0', 'q4_0'];
  const opts = { context: [undefined, 1, 4096, 1 << 20][Math.floor(next() * 4)], batch: 1 + Math.floor(next() * 64), tp: [1, 2, 8, 64][Math.floor(next() * 4)] ?? 1, kvDtype: dtypes[Math.floor(next() * dtypes.length)], blockSize: next() < 0.3 ? 16 : undefined };
  if (analysis.model) {
    const kv = computeKv(analysis.model, opts);
    for (const k of ['bytesPerToken', 'cacheBytes', 'stateBytes', 'crossAttentionBytes', 'totalBytes', 'perGpuBytes', 'clusterBytes'] as const) finite(k, kv[k]);
    for (const row of whatIf(analysis.model, opts)) finite(`whatIf ${row.kvHeads}`, row.totalBytes);
    // The inverse question bisects over ~30 KV reports: run it on a fraction of the cases.
    if (next() < 0.15) {
      const fit = fitBudget(analysis.model, { ...opts, gpuMemGiB: 80 }, analysis.parsed);
      finite('fit.maxContext', fit.maxContext);
      finite('weights', fit.weights.bytes);
    }
  }
  const settings = { ...DEFAULT_SETTINGS, tensorParallel: opts.tp, context: opts.context ?? 0 };
  for (const f of lint(analysis, settings)) {
    inside(`finding ${f.code}`, f.range);
    if (!f.message) problems.push(`finding ${f.code} without a message`);
  }
  // Hover at a handful of offsets, keys included.
  const keys = [...text.matchAll(/"[A-Za-z_]+"/g)].map((m) => m.index! + 2);
  const offsets = [0, text.length, Math.floor(next() * (text.length + 1)), ...keys.filter(() => next() < 0.05)];
  for (const o of offsets) {
    const h = hoverAt(analysis, o, settings, { documentUri: 'file:///fuzz/config.json' });
    if (h) {
      inside('hover', h.range);
      if (typeof h.markdown !== 'string' || h.markdown.length === 0) problems.push('empty hover');
      if (/command:(?!kvLens\.)/.test(h.markdown)) problems.push('hover carries a foreign command link');
    }
  }
  return problems;
}

/** Runs `cases` cases from `seed`; returns the failures and the time per case. */
export function runFuzz(seed: number, cases: number): { failures: { caseNo: number; file: string; how: string; problems: string[] }[]; ms: number[]; truncations: number } {
  const files = readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.json')).sort();
  const texts = files.map((f) => readFileSync(join(CONFIG_DIR, f), 'utf8'));
  const next = rng(seed);
  const failures: { caseNo: number; file: string; how: string; problems: string[] }[] = [];
  const ms: number[] = [];
  const record = (caseNo: number, file: string, how: string, text: string) => {
    const t0 = process.hrtime.bigint();
    let problems: string[];
    try {
      problems = checkCase(text, next);
    } catch (e) {
      problems = [`threw: ${e instanceof Error ? e.stack?.split('\n').slice(0, 3).join(' | ') : String(e)}`];
    }
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (problems.length) failures.push({ caseNo, file, how, problems });
  };
  // Truncation at every byte of two small files, then random mutations of every file.
  let truncations = 0;
  for (const f of ['llama__Meta-Llama-3-8B-Instruct.json', 'qwen2__Qwen2.5-7B-Instruct.json']) {
    const text = texts[files.indexOf(f)]!;
    for (let i = 0; i <= text.length; i++, truncations++) record(truncations, f, `truncated at ${i}`, text.slice(0, i));
  }
  for (let c = truncations; c < cases; c++) {
    const i = Math.floor(next() * files.length);
    let { text, how } = mutate(texts[i]!, next);
    if (next() < 0.3) {
      const again = mutate(text, next);
      text = again.text;
      how += `; ${again.how}`;
    }
    record(c, files[i]!, how, text);
  }
  return { failures, ms, truncations };
}
