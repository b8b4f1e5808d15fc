/**
 * The machine-readable answer for one config: what `kv-lens analyze --json` prints and the panel exports.
 * Plain data, stable field names (documented in the README).
 */
import type { Analysis } from './analyze';
import { fitBudget } from './fit';
import { computeKv } from './kv';
import { lint } from './lint';
import { pathToString, positionAt } from './parse';
import { DEFAULT_SETTINGS } from './settings';
import type { Derived, KvOptions, KvReport, ModelDescription } from './types';
import { estimateWeights } from './weights';
import { weightsFigure } from './exactWeights';
import type { ExactWeights } from './exactWeights';
import { whatIf } from './whatif';
import type { WhatIfRow } from './whatif';

/** Options of one report: the KV operating point plus an optional GPU budget. */
export interface ReportOptions extends KvOptions {
  gpuMemGiB?: number;
  /** Weights read from the checkpoint's headers (safetensors, GGUF, the Hub): replace the shape estimate. */
  exactWeights?: ExactWeights;
}

/** Where a value came from, in the JSON. */
export interface FieldSource {
  value: number | string;
  from: string[];
  defaulted: boolean;
  note?: string;
}

/** A finding in the JSON, with a 1-based line and column. */
export interface ReportFinding {
  code: string;
  severity: string;
  message: string;
  field: string;
  line: number;
  column: number;
}

/** The JSON object for one analysed file. */
export interface ConfigReport {
  file: string;
  modelType: string | null;
  part: string;
  attention: { kind: string; queryHeads: number; kvHeads: number; groupSize: number; headDim: number; vHeadDim: number; mlaLatent?: number };
  layers: { total: number; withKvCache: number; full: number; sliding: number; chunked: number; compressed: number; stateOnly: number; noCache: number };
  kvCache: {
    dtype: string; bytesPerElement: number; context: number; batch: number; bytesPerToken: number; totalBytes: number;
    cacheBytes: number; stateBytes: number; crossAttentionBytes: number; perGpuBytes: number; clusterBytes: number;
    tp: number; perGpuKvHeads: number; replication: number; blockSize?: number; formula: string;
    breakdown: KvReport['breakdown']; mlaExpanded?: KvReport['mlaExpanded'];
  };
  weights: { totalParams: number; activeParams: number; bytes: number; bytesPerParam: number; dtypeFrom: string; exact: boolean; source?: string };
  fit?: { gpuMemGiB: number; tp: number; freePerGpuBytes: number; maxContext: number; contextUnbounded: boolean; maxBatch: number | null; atContext: number };
  whatIf: WhatIfRow[];
  fields: Record<string, FieldSource>;
  maxContext: number | null;
  dtype: string;
  findings: ReportFinding[];
  notes: string[];
}

function source(d: Derived<number | string>): FieldSource {
  return { value: d.value, from: d.from, defaulted: d.defaulted, ...(d.note ? { note: d.note } : {}) };
}

/**
 * What a report is built from: an analysed config, or a model described from elsewhere (a GGUF header) that
 * has no config text, so nothing to lint and no quantization_config to read.
 */
export type ReportInput = (Analysis & { model: ModelDescription }) | { model: ModelDescription; parsed?: undefined };

/** Builds the report for an analysed file that has a model. */
export function buildReport(file: string, analysis: ReportInput, opts: ReportOptions): ConfigReport {
  const m = analysis.model;
  const kv = computeKv(m, opts);
  const weights = weightsFigure(estimateWeights(m, analysis.parsed), opts.exactWeights);
  const count = (k: string) => m.layers.filter((l) => l.kind === k).length;
  const fit = opts.gpuMemGiB ? fitBudget(m, { ...opts, gpuMemGiB: opts.gpuMemGiB }, analysis.parsed) : undefined;
  const parsed = analysis.parsed;
  const findings = (parsed ? lint(analysis as Analysis, { ...DEFAULT_SETTINGS, tensorParallel: opts.tp ?? 1, context: opts.context ?? 0 }) : []).map((f) => {
    const { line, column } = positionAt(parsed!.lineStarts, f.range.offset);
    return { code: f.code, severity: f.severity, message: f.message, field: pathToString(f.path), line: line + 1, column: column + 1 };
  });
  const fields: Record<string, FieldSource> = {
    queryHeads: source(m.attention.queryHeads),
    kvHeads: source(m.attention.kvHeads),
    headDim: source(m.attention.headDimK),
    vHeadDim: source(m.attention.headDimV),
    numLayers: source(m.numLayers),
    dtype: source(m.dtype),
  };
  if (m.maxContext) fields['maxContext'] = source(m.maxContext);
  if (m.hiddenSize) fields['hiddenSize'] = source(m.hiddenSize);
  if (m.mla) fields['kvLoraRank'] = source(m.mla.kvLoraRank);
  return {
    file,
    modelType: m.modelType ?? null,
    part: m.part,
    attention: {
      kind: m.attention.kind, queryHeads: m.attention.queryHeads.value, kvHeads: m.attention.kvHeads.value,
      groupSize: m.attention.groupSize, headDim: m.attention.headDimK.value, vHeadDim: m.attention.headDimV.value,
      ...(m.mla ? { mlaLatent: m.mla.latent } : {}),
    },
    layers: {
      total: m.layers.length,
      withKvCache: m.layers.filter((l) => ['full', 'sliding', 'chunked', 'compressed'].includes(l.kind) && l.sharesCacheWith === undefined).length,
      full: count('full'), sliding: count('sliding'), chunked: count('chunked'), compressed: count('compressed'),
      stateOnly: count('state'), noCache: count('none'),
    },
    kvCache: {
      dtype: kv.dtype, bytesPerElement: kv.bytesPerElement, context: kv.context, batch: kv.batch,
      bytesPerToken: kv.bytesPerToken, totalBytes: kv.totalBytes, cacheBytes: kv.cacheBytes, stateBytes: kv.stateBytes,
      crossAttentionBytes: kv.crossAttentionBytes, perGpuBytes: kv.perGpuBytes, clusterBytes: kv.clusterBytes,
      tp: kv.tp, perGpuKvHeads: kv.perGpuKvHeads, replication: kv.replication, ...(kv.blockSize ? { blockSize: kv.blockSize } : {}),
      formula: kv.formula, breakdown: kv.breakdown, ...(kv.mlaExpanded ? { mlaExpanded: kv.mlaExpanded } : {}),
    },
    weights: { totalParams: weights.totalParams, activeParams: weights.activeParams, bytes: weights.bytes, bytesPerParam: weights.bytesPerParam, dtypeFrom: weights.dtypeFrom, exact: weights.exact, ...(weights.source ? { source: weights.source } : {}) },
    ...(fit && opts.gpuMemGiB
      ? { fit: { gpuMemGiB: opts.gpuMemGiB, tp: fit.tp, freePerGpuBytes: fit.freePerGpuBytes, maxContext: fit.maxContext, contextUnbounded: fit.contextUnbounded, maxBatch: Number.isFinite(fit.maxBatch) ? fit.maxBatch : null, atContext: fit.context } }
      : {}),
    whatIf: whatIf(m, opts),
    fields,
    maxContext: m.maxContext?.value ?? null,
    dtype: m.dtype.value,
    findings,
    notes: [...m.notes, ...kv.notes, ...(fit?.notes ?? [])],
  };
}
