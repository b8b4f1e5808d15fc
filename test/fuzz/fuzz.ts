/**
 * Mutation fuzzing of the pure pipeline: parse -> normalise -> KV -> what-if -> fit -> lint -> hover text (and, for
 * the size classes, the report, the summary and the benchmark's variant list), on mutated copies of the real
 * configs. Mutations come in named classes (classes.ts), selectable, each named in a failure's `how`.
 *
 * Generic invariants, every case: nothing throws; no case takes over SLOW_MS; every finding's and hover's range lies
 * inside its document; every number is finite (or the model is explicitly absent with a reason). The classes of
 * issue 16 add their own invariant (the last duplicate wins, escaped keys read the same, ...).
 *
 * Deterministic for a seed: each case draws a fixed number of values from the run's generator and works from a
 * generator of its own, so a case replays alone (`npm run fuzz -- --seed N --case C`). Each case runs under a
 * time limit (node:vm's watchdog), so a hang is reported and the run goes on.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { prng } from '../../src/bench/data';
import { allowedVariants, benchModelOf, defaultVariants } from '../../src/bench/fromConfig';
import { analyzeText } from '../../src/core/analyze';
import type { Analysis } from '../../src/core/analyze';
import { fitBudget } from '../../src/core/fit';
import { hoverAt } from '../../src/core/hover';
import { computeKv } from '../../src/core/kv';
import { lint } from '../../src/core/lint';
import { buildReport } from '../../src/core/report';
import { DEFAULT_SETTINGS } from '../../src/core/settings';
import { summarize } from '../../src/core/summary';
import type { Finding, KvDtype, ModelDescription } from '../../src/core/types';
import { whatIf } from '../../src/core/whatif';
import { BenchError } from '../../src/shared/benchProtocol';
import { CONFIGS as FIXTURE_CONFIGS } from '../fixtures/paths';
import { CLASSES, CLASS_NAMES, TRUNCATION_SWEEP, setFindingsOf, visible } from './classes';
import type { MutationClass, Outcome, Variant } from './classes';

export { CLASSES, CLASS_NAMES, TRUNCATION_SWEEP, WEIRD_VALUES } from './classes';
export type { MutationClass, Variant } from './classes';

export const CONFIG_DIR = FIXTURE_CONFIGS;

/** A case slower than this (the pipeline on the mutated text, references excluded) is a failure. */
export const SLOW_MS = 3000;
/** A case still running after this is stopped and reported. */
export const STOP_MS = 6000;

/** Uniform in [0, 1), deterministic for a seed (the benchmark data's mulberry32). */
export function rng(seed: number): () => number {
  const next = prng(seed);
  return () => next() / 4294967296;
}

setFindingsOf((a) => lint(a, DEFAULT_SETTINGS));

/** One broken invariant and the classes it counts against. */
export interface Problem {
  text: string;
  /** The class whose invariant broke, or every class of the case for a generic invariant. */
  blame: string[];
}

export interface Failure {
  caseNo: number;
  file: string;
  how: string;
  classes: string[];
  problems: Problem[];
}

export interface ClassStats {
  cases: number;
  failures: number;
  /** The first failing case of the class. */
  example?: Failure;
}

export interface FuzzResult {
  failures: Failure[];
  ms: number[];
  truncations: number;
  perClass: Map<string, ClassStats>;
}

export interface FuzzOptions {
  /** Only these classes (names from CLASS_NAMES); all when absent. */
  classes?: readonly string[];
  /** Run only this case (the others are drawn but not run). */
  only?: number;
  /** Called with each case's text before it runs (for `--write`). */
  onCase?: (caseNo: number, text: string, how: string) => void;
}

/** Picks a class by weight, then applies it (another class is tried when it does not apply). Kept for callers of the old API. */
export function mutate(text: string, next: () => number, classes: readonly MutationClass[] = CLASSES): { text: string; how: string } {
  const v = makeVariant(drawClass(classes, next()), text, next);
  return v ? { text: v.text, how: v.how } : { text, how: 'unchanged' };
}

function drawClass(classes: readonly MutationClass[], u: number): MutationClass {
  const total = classes.reduce((s, c) => s + c.weight, 0);
  let x = u * total;
  for (const c of classes) if ((x -= c.weight) < 0) return c;
  return classes[classes.length - 1]!;
}

function makeVariant(c: MutationClass, text: string, next: () => number): Variant | undefined {
  try {
    const v = c.make(text, next);
    return v ? { ...v, how: `${c.name}: ${v.how}` } : undefined;
  } catch (e) {
    // A harness bug, not KV Lens's: a failure of the case, rather than a lost run.
    const error = `HARNESS ERROR ${e instanceof Error ? e.stack?.split('\n').slice(0, 3).join(' | ') : String(e)}`;
    return { text, how: `${c.name}: ${error}`, check: () => [error] };
  }
}

const DTYPES: KvDtype[] = ['fp32', 'fp16', 'bf16', 'fp8', 'int8', 'int4', 'q8_0', 'q4_0'];

/** Runs the pipeline on one text and checks the generic invariants, then the variant's own. */
export function checkCase(text: string, next: () => number, variant?: Variant, classes: string[] = variant ? classesOf(variant.how) : []): Problem[] {
  const generic: string[] = [];
  const own: string[] = [];
  const finite = (name: string, v: number) => {
    if (!Number.isFinite(v)) generic.push(`${name} is ${v}`);
  };
  const inside = (name: string, r: { offset: number; length: number }) => {
    if (!(r.offset >= 0 && r.length >= 0 && r.offset + r.length <= text.length)) generic.push(`${name} range ${r.offset}+${r.length} outside 0..${text.length}`);
  };
  const full = variant?.full === true;
  const t0 = performance.now();
  const analysis = analyzeText(text);
  if (!analysis.model && !analysis.error) generic.push('no model and no reason');
  const opts = { context: [undefined, 1, 4096, 1 << 20][Math.floor(next() * 4)], batch: 1 + Math.floor(next() * 64), tp: [1, 2, 8, 64][Math.floor(next() * 4)] ?? 1, kvDtype: DTYPES[Math.floor(next() * DTYPES.length)], blockSize: next() < 0.3 ? 16 : undefined };
  const fitNow = next() < 0.15 || full;
  if (analysis.model) {
    const kv = computeKv(analysis.model, opts);
    for (const k of ['bytesPerToken', 'cacheBytes', 'stateBytes', 'crossAttentionBytes', 'totalBytes', 'perGpuBytes', 'clusterBytes'] as const) finite(k, kv[k]);
    for (const row of whatIf(analysis.model, opts)) finite(`whatIf ${row.kvHeads}`, row.totalBytes);
    // The inverse question bisects over ~30 KV reports: run it on a fraction of the cases.
    if (fitNow) {
      const fit = fitBudget(analysis.model, { ...opts, gpuMemGiB: 80 }, analysis.parsed);
      finite('fit.maxContext', fit.maxContext);
      finite('weights', fit.weights.bytes);
    }
    if (full) everySurface(analysis as Analysis & { model: ModelDescription }, kv, generic);
  }
  const settings = { ...DEFAULT_SETTINGS, tensorParallel: opts.tp, context: opts.context ?? 0 };
  const findings = lint(analysis, settings);
  for (const f of findings) {
    inside(`finding ${f.code}`, f.range);
    if (!f.message) generic.push(`finding ${f.code} without a message`);
  }
  // Hover at a handful of offsets, keys included, and wherever the mutation wrote.
  // About one key in twenty, at most 30 (a list of 100,000 objects is not 10,000 hovers).
  const keys = [...text.matchAll(/"[A-Za-z_]+"/g)].map((m) => m.index! + 2);
  const sampled = Array.from({ length: Math.min(30, Math.round(keys.length / 20)) }, () => keys[Math.floor(next() * keys.length)]!);
  const offsets = [0, text.length, Math.floor(next() * (text.length + 1)), ...sampled, ...(variant?.hoverAt ?? [])];
  const hovers: Outcome['hovers'] = [];
  for (const o of offsets) {
    const h = hoverAt(analysis, o, settings, { documentUri: 'file:///fuzz/config.json' });
    if (h) {
      inside('hover', h.range);
      if (typeof h.markdown !== 'string' || h.markdown.length === 0) generic.push('empty hover');
      if (/command:(?!kvLens\.)/.test(h.markdown)) generic.push('hover carries a foreign command link');
      hovers.push({ offset: o, markdown: h.markdown });
    }
  }
  const ms = performance.now() - t0;
  if (ms > SLOW_MS) generic.push(`slow: ${ms.toFixed(0)} ms`);
  if (variant?.check) {
    let defaults: Finding[] | undefined;
    own.push(...variant.check({ text, analysis, findings: () => (defaults ??= lint(analysis, DEFAULT_SETTINGS)), settingsFindings: findings, hovers }));
  }
  const owner = classes[classes.length - 1];
  return [...generic.map((t) => ({ text: t, blame: classes })), ...own.map((t) => ({ text: `[${owner}] ${t}`, blame: owner ? [owner] : [] }))];
}

/** The surfaces the size classes also go through: the CLI's report, the editor's summary, the benchmark's variants. */
function everySurface(analysis: Analysis & { model: ModelDescription }, kv: ReturnType<typeof computeKv>, problems: string[]): void {
  const report = buildReport('config.json', analysis, { context: 4096, gpuMemGiB: 80 });
  for (const k of ['totalBytes', 'bytesPerToken'] as const) if (!Number.isFinite(report.kvCache[k])) problems.push(`report kvCache.${k} is ${report.kvCache[k]}`);
  if (!Number.isFinite(report.weights.bytes)) problems.push(`report weights.bytes is ${report.weights.bytes}`);
  summarize(analysis.model, kv);
  try {
    const bench = benchModelOf(analysis.model);
    allowedVariants(bench);
    defaultVariants(bench);
  } catch (e) {
    if (!(e instanceof BenchError)) throw e;
  }
}

/** The class names in a `how` ("a: ...; b: ..."). */
function classesOf(how: string): string[] {
  return how.split('; ').map((part) => part.slice(0, part.indexOf(':'))).filter((c) => CLASS_NAMES.includes(c));
}

/** One case under the time limit; a throw or a hang is a problem of every class of the case. */
const sandbox = vm.createContext({ job: (): unknown => undefined });
const runJob = new vm.Script('job()');
function guarded(text: string, next: () => number, variant: Variant | undefined, classes: string[]): Problem[] {
  const t0 = performance.now();
  try {
    sandbox.job = () => checkCase(text, next, variant, classes);
    return runJob.runInContext(sandbox, { timeout: STOP_MS }) as Problem[];
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/Script execution timed out/.test(msg)) return [{ text: `slow: stopped after ${(performance.now() - t0).toFixed(0)} ms`, blame: classes }];
    return [{ text: `threw: ${describeError(e)}`, blame: classes }];
  } finally {
    sandbox.job = () => undefined;
  }
}

/** An error as its name, message and the first frames that are not the harness's. */
function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const frames = (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l) && !l.includes('/test/fuzz/')).slice(0, 3).map((l) => l.trim());
  return [`${e.name}: ${e.message}`, ...frames].join(' | ');
}

/** Runs `cases` cases from `seed`; returns the failures, the time per case and the counts per class. */
export function runFuzz(seed: number, cases: number, options: FuzzOptions = {}): FuzzResult {
  const files = readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.json')).sort();
  const texts = files.map((f) => readFileSync(join(CONFIG_DIR, f), 'utf8'));
  const selected = options.classes ? CLASSES.filter((c) => options.classes!.includes(c.name)) : CLASSES;
  const unknown = (options.classes ?? []).filter((c) => !CLASS_NAMES.includes(c));
  if (unknown.length) throw new Error(`unknown mutation class ${unknown.join(', ')}; the classes are ${CLASS_NAMES.join(', ')}`);
  const sweep = !options.classes || options.classes.includes(TRUNCATION_SWEEP);
  const next = rng(seed);
  const failures: Failure[] = [];
  const ms: number[] = [];
  const perClass = new Map<string, ClassStats>(CLASS_NAMES.filter((c) => c === TRUNCATION_SWEEP ? sweep : selected.some((s) => s.name === c)).map((c) => [c, { cases: 0, failures: 0 }]));
  const record = (caseNo: number, file: string, how: string, text: string, caseSeed: number, variant?: Variant) => {
    if (options.only !== undefined && caseNo !== options.only) return;
    options.onCase?.(caseNo, text, how);
    const classes = variant ? classesOf(how) : [TRUNCATION_SWEEP];
    const t0 = process.hrtime.bigint();
    const problems = guarded(text, rng(caseSeed), variant, classes);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    for (const c of new Set(classes)) perClass.get(c)!.cases++;
    if (problems.length === 0) return;
    const failure = { caseNo, file, how, classes, problems };
    failures.push(failure);
    for (const c of new Set(problems.flatMap((p) => p.blame))) {
      const s = perClass.get(c);
      if (!s) continue;
      s.failures++;
      s.example ??= failure;
    }
  };
  // Truncation at every byte of two small files, then random mutations of every file.
  let truncations = 0;
  if (sweep) {
    for (const f of ['llama__Meta-Llama-3-8B-Instruct.json', 'qwen2__Qwen2.5-7B-Instruct.json']) {
      const text = texts[files.indexOf(f)]!;
      for (let i = 0; i <= text.length && truncations < cases; i++, truncations++) {
        record(truncations, f, `${TRUNCATION_SWEEP}: truncated at ${i}`, text.slice(0, i), Math.floor(next() * 4294967296));
      }
    }
  }
  if (selected.length === 0) return { failures, ms, truncations, perClass };
  for (let c = truncations; c < cases; c++) {
    // A fixed number of draws per case from the run's generator; the case's own generator does the rest.
    const fileDraw = next();
    const first = drawClass(selected, next());
    const second = next() < 0.3 ? drawClass(selected, next()) : undefined;
    const caseSeed = Math.floor(next() * 4294967296);
    if (options.only !== undefined && c !== options.only) continue;
    const own = rng(caseSeed);
    let i = Math.floor(fileDraw * files.length);
    let variant = makeVariant(first, texts[i]!, own);
    // A class that does not apply to this file (no size field, a nested part already, ...) gets another file.
    for (let tries = 0; !variant && tries < 12; tries++) {
      i = Math.floor(own() * files.length);
      variant = makeVariant(first, texts[i]!, own);
    }
    if (!variant) variant = { text: texts[i]!, how: `${first.name}: unchanged (applies to no file)` };
    // A text already over 256 KiB (a padded file, a long list) is not mutated twice: choosing targets in it costs more than the case.
    if (second && variant.text.length < 256 * 1024) {
      const again = makeVariant(second, variant.text, own);
      if (again) variant = { ...again, how: `${variant.how}; ${again.how}` };
    }
    record(c, files[i]!, variant.how, variant.text, Math.floor(own() * 4294967296), variant);
  }
  return { failures, ms, truncations, perClass };
}

/** The per-class table: cases, failures, and one example per failing class. */
export function classSummary(result: FuzzResult, pending: readonly string[] = []): string[] {
  const lines: string[] = [];
  const width = Math.max(...[...result.perClass.keys()].map((c) => c.length));
  for (const [c, s] of result.perClass) {
    const tag = pending.includes(c) ? ' (pending)' : '';
    lines.push(`  ${c.padEnd(width)} ${String(s.cases).padStart(6)} cases ${String(s.failures).padStart(6)} failures${tag}`);
  }
  for (const [c, s] of result.perClass) {
    if (!s.example) continue;
    const f = s.example;
    const p = f.problems.find((x) => x.blame.includes(c)) ?? f.problems[0]!;
    lines.push(`  e.g. ${c}: case ${f.caseNo} (${f.file}; ${short(f.how)}): ${short(p.text, 400)}`);
  }
  return lines;
}

/** One line of text for a log: escaped as a JSON string (control and bidi characters included), cut at `n`. */
export const short = (s: string, n = 240): string => {
  const t = visible(s).slice(1, -1);
  return t.length > n ? `${t.slice(0, n - 3)}...` : t;
};

/** A failure in one line (escaped: mutated texts carry control characters). */
export const describeFailure = (f: Failure): string => `case ${f.caseNo} (${f.file}; ${short(f.how)}): ${f.problems.map((p) => short(p.text, 400)).join('; ')}`;
