/**
 * Everything the panel shows, computed from the config text and the controls with the browser-safe
 * core. Pure (no DOM) so unit tests can check it under node, and cheap enough to rerun on every
 * control change.
 */
import { analyzeText } from '../src/core/analyze';
import { computeKv, resolveOptions } from '../src/core/kv';
import { kvOptionsFromSettings } from '../src/core/settings';
import { whatIf, withKvHeads } from '../src/core/whatif';
import { estimateWeights } from '../src/core/weights';
import { fitBudget } from '../src/core/fit';
import { weightsFigure } from '../src/core/exactWeights';
import { engineEstimates } from '../src/core/engines';
import type { EngineEstimate } from '../src/core/engines';
import type { ExactWeights } from '../src/core/exactWeights';
import type { Analysis } from '../src/core/analyze';
import type { WhatIfRow } from '../src/core/whatif';
import type { ParsedConfig } from '../src/core/parse';
import type { KvDtype, KvOptions, KvReport, ModelDescription, SyntaxProblem } from '../src/core/types';
import type { PanelControls } from '../src/shared/panelProtocol';

const GiB = 1024 ** 3;

/** One line of the cost chart: bytes at each context of {@link CostChart.contexts}. */
export interface ChartSeries {
  /** Stable id: `model`, `kv-<n>`. */
  id: string;
  label: string;
  kvHeads: number;
  /** `model`: the config as written; `variant`: another grouping of the same query heads; `whatif`: the selected one. */
  role: 'model' | 'variant' | 'whatif';
  bytes: number[];
}

/**
 * The data of the cache-size-against-context chart, per GPU (the same as the total on one GPU):
 * under tensor parallelism each GPU holds its share of the heads (or a replica) and weights / tp,
 * which is how the core's fitBudget answers "what fits".
 */
export interface CostChart {
  contexts: number[];
  series: ChartSeries[];
  /** Memory of one GPU. */
  memoryBytes: number;
  /** Weights one GPU holds (weights / tp). */
  weightsBytes: number | undefined;
  /** What is left per GPU for the cache: memory - weights (never below 0). */
  budgetBytes: number;
  /** The longest context the model's own cache fits in at this batch, from the core's fitBudget. */
  fitContext: number | undefined;
}

/** A cell of the context x batch table. */
export interface GridCell {
  context: number;
  batch: number;
  bytes: number;
  perGpuBytes: number;
  fits: boolean;
}

/** The settings actually in force after defaults ("auto", 0 = model max) are resolved. */
export interface Resolved {
  kvDtype: KvDtype;
  context: number;
  batch: number;
  tp: number;
  gpuMemGiB: number;
}

/** What the panel renders for a parsed model config. */
export interface ModelView {
  model: ModelDescription;
  resolved: Resolved;
  report: KvReport;
  whatIf: WhatIfRow[];
  /** The what-if row selected by the control (the model's own when none is). */
  selected: WhatIfRow | undefined;
  chart: CostChart;
  grid: { contexts: number[]; batches: number[]; cells: GridCell[][] };
  weightsBytes: number | undefined;
  /** The core's inverse answers; `maxContext` is 0 when nothing fits. */
  fit: { maxContext: number; contextUnbounded: boolean; maxBatch: number; notes: string[] };
  /** What each serving engine allocates at these controls (core/engines). */
  engines?: EngineEstimate[];
}

/** The outcome of reading one text. */
export type PanelView =
  | { status: 'ok'; /** Absent for a model given whole (GGUF). */ analysis?: Analysis; view: ModelView; problems: SyntaxProblem[] }
  | { status: 'not-model'; analysis: Analysis; problems: SyntaxProblem[] }
  | { status: 'error'; message: string; problems: SyntaxProblem[]; offset?: number };

/**
 * Powers of two from 1k up to past the model's context, the chosen one and the point where the budget
 * runs out (so the crossing is on the chart), capped at 16M tokens.
 */
export function chartContexts(maxContext: number | undefined, chosen: number, fit?: number): number[] {
  const top = Math.min(1 << 24, Math.max(32768, maxContext ?? 0, chosen, fit ?? 0) * 2);
  const out: number[] = [];
  for (let c = 1024; c <= top; c *= 2) out.push(c);
  for (const extra of [maxContext, chosen]) if (extra && extra >= 1024 && extra <= top && !out.includes(extra)) out.push(extra);
  return out.sort((a, b) => a - b);
}

/** The grid's contexts: a few round sizes up to the model's maximum, plus the chosen one. */
export function gridContexts(maxContext: number | undefined, chosen: number): number[] {
  const max = maxContext ?? 131072;
  const out = [4096, 32768, 131072, 1 << 20].filter((c) => c < max);
  out.push(max);
  if (!out.includes(chosen)) out.push(chosen);
  return [...new Set(out)].sort((a, b) => a - b);
}

/** The grid's batch sizes, with the chosen one. */
export function gridBatches(chosen: number): number[] {
  return [...new Set([1, 8, 32, 128, chosen])].sort((a, b) => a - b);
}

/** The controls resolved with the model at hand, by the same core functions every surface uses. */
function resolve(model: ModelDescription, controls: PanelControls): Resolved {
  const { kvDtype, context, batch, tp } = resolveOptions(model, kvOptionsFromSettings(controls));
  return { kvDtype, context, batch, tp, gpuMemGiB: controls.gpuMemoryGiB };
}

function firstSyntaxError(problems: SyntaxProblem[]): SyntaxProblem | undefined {
  return problems.find((p) => !p.tolerated);
}

/**
 * analyzeText with a one-entry memo: controls change far more often than the text, and parsing is the
 * costly part. One per panel (its owner keeps it), never module-wide.
 */
export function memoAnalyse(): (text: string) => Analysis {
  let cached: { text: string; analysis: Analysis } | undefined;
  return (text) => {
    if (cached?.text !== text) cached = { text, analysis: analyzeText(text) };
    return cached.analysis;
  };
}

/**
 * Reads `text` and computes every figure for `controls`. Never throws: failures become an error view.
 * `analyse` lets a long-lived caller reuse the analysis of unchanged text ({@link memoAnalyse}).
 */
export function computePanelView(text: string, controls: PanelControls, analyse: (text: string) => Analysis = analyzeText): PanelView {
  let analysis: Analysis;
  try {
    analysis = analyse(text);
  } catch (error) {
    return { status: 'error', message: `KV Lens could not analyse this file: ${error instanceof Error ? error.message : String(error)}`, problems: [] };
  }
  const problems = analysis.parsed.problems;
  const syntax = firstSyntaxError(problems);
  if (!analysis.parsed.root || (syntax && !analysis.model)) {
    return {
      status: 'error',
      message: syntax ? `Cannot read this config: ${syntax.message}` : 'Cannot read this config: the file is empty.',
      problems,
      offset: syntax?.range.offset,
    };
  }
  if (!analysis.isModelConfig) return { status: 'not-model', analysis, problems };
  if (!analysis.model) return { status: 'error', message: `Cannot show this config: ${analysis.error ?? 'no attention to describe'}`, problems };
  try {
    return { status: 'ok', analysis, view: computeModelView(analysis.model, controls, analysis.parsed), problems };
  } catch (error) {
    return { status: 'error', message: `KV Lens could not compute this model's cache: ${error instanceof Error ? error.message : String(error)}`, problems };
  }
}

/**
 * A model given whole, with no config text (a GGUF header the extension described): the same figures, the
 * weights exact when its tensors were counted. Never throws.
 */
export function computeGivenModelView(model: ModelDescription, controls: PanelControls, exactWeights?: ExactWeights): PanelView {
  try {
    return { status: 'ok', view: computeModelView(model, controls, undefined, exactWeights), problems: [] };
  } catch (error) {
    return { status: 'error', message: `KV Lens could not compute this model's cache: ${error instanceof Error ? error.message : String(error)}`, problems: [] };
  }
}

/** All figures for one model at one set of controls; `parsed` lets the weights read quantization_config, `exactWeights` replaces the estimate. */
export function computeModelView(model: ModelDescription, controls: PanelControls, parsed?: ParsedConfig, exactWeights?: ExactWeights): ModelView {
  const resolved = resolve(model, controls);
  const opts: KvOptions = { context: resolved.context, batch: resolved.batch, kvDtype: resolved.kvDtype, tp: resolved.tp };
  const report = computeKv(model, opts);
  const rows = whatIf(model, opts);
  const selected = rows.find((r) => r.kvHeads === controls.whatIfKvHeads) ?? rows.find((r) => r.current) ?? rows[0];

  const weights = weightsFigure(estimateWeights(model, parsed), exactWeights);
  const weightsBytes = Number.isFinite(weights.bytes) && weights.bytes > 0 ? weights.bytes : undefined;
  const fitReport = fitBudget(model, { ...opts, gpuMemGiB: resolved.gpuMemGiB, ...(exactWeights ? { exactWeights } : {}) }, parsed);
  const fit = { maxContext: fitReport.maxContext, contextUnbounded: fitReport.contextUnbounded, maxBatch: fitReport.maxBatch, notes: fitReport.notes };
  const memoryBytes = resolved.gpuMemGiB * GiB;
  const weightsPerGpu = weightsBytes === undefined ? undefined : weightsBytes / resolved.tp;

  const contexts = chartContexts(model.maxContext?.value, resolved.context, fit.contextUnbounded ? undefined : fit.maxContext);
  const chart: CostChart = {
    contexts,
    series: chartSeries(model, rows, selected, contexts, opts),
    memoryBytes,
    weightsBytes: weightsPerGpu,
    budgetBytes: Math.max(0, memoryBytes - (weightsPerGpu ?? 0)),
    fitContext: fit.contextUnbounded ? undefined : fit.maxContext,
  };

  const gContexts = gridContexts(model.maxContext?.value, resolved.context);
  const gBatches = gridBatches(resolved.batch);
  const cells = gContexts.map((context) =>
    gBatches.map((batch): GridCell => {
      const r = computeKv(model, { ...opts, context, batch });
      return { context, batch, bytes: r.totalBytes, perGpuBytes: r.perGpuBytes, fits: r.perGpuBytes + (weightsPerGpu ?? 0) <= memoryBytes };
    }),
  );

  const engines = engineEstimates(model, { gpuMemoryGiB: resolved.gpuMemGiB, context: resolved.context, batch: resolved.batch, tp: resolved.tp, kvDtype: resolved.kvDtype }, { ...(weightsBytes ? { weightsBytes } : {}), weightsExact: weights.exact });
  return { model, resolved, report, whatIf: rows, selected, chart, grid: { contexts: gContexts, batches: gBatches, cells }, weightsBytes, fit, engines };
}

/** Which variants get a line: the model, MHA, MQA and the what-if selection (more would be a hairball). */
function chartSeries(model: ModelDescription, rows: WhatIfRow[], selected: WhatIfRow | undefined, contexts: number[], opts: KvOptions): ChartSeries[] {
  const own = rows.find((r) => r.current);
  const picks = new Map<number, ChartSeries['role']>();
  for (const r of rows) {
    if (r.current) continue;
    if (r.kind === 'MHA' || r.kind === 'MQA') picks.set(r.kvHeads, 'variant');
  }
  if (selected && !selected.current) picks.set(selected.kvHeads, 'whatif');
  const ownLabel = model.attention.kind === 'none' ? 'This model' : `This model (${variantLabel(model.attention.kind, own?.kvHeads ?? model.attention.kvHeads.value)})`;
  // Per GPU, like fitBudget: each variant is the same model with only its KV heads changed (the core's withKvHeads).
  const curve = (m: ModelDescription): number[] => contexts.map((context) => computeKv(m, { ...opts, context }).perGpuBytes);
  const series: ChartSeries[] = [{ id: 'model', label: ownLabel, kvHeads: own?.kvHeads ?? model.attention.kvHeads.value, role: 'model', bytes: curve(model) }];
  for (const [kvHeads, role] of [...picks].sort((a, b) => b[0] - a[0])) {
    const row = rows.find((r) => r.kvHeads === kvHeads);
    if (!row) continue;
    series.push({ id: `kv-${kvHeads}`, label: `${variantLabel(row.kind, kvHeads)}${role === 'whatif' ? ' (what-if)' : ''}`, kvHeads, role, bytes: curve(withKvHeads(model, kvHeads)) });
  }
  return series;
}

/** "GQA-8", "MHA", "MQA", "MLA". */
export function variantLabel(kind: string, kvHeads: number): string {
  return kind === 'GQA' ? `GQA-${kvHeads}` : kind;
}
