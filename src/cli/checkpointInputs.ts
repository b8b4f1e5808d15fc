/**
 * `kv-lens analyze` on a config.json whose folder holds safetensors (`model.safetensors`, or the index and its
 * shards): the headers are read (never the data), the weights become exact and the config is linted against the
 * tensors. Kept apart from analyze.ts so the hook there stays one call; a checkpoint that cannot be read (or a
 * shard) is an error of its own file, while the config is still reported with the shape estimate.
 */
import { basename, dirname } from 'node:path';
import type { Analysis } from '../core/analyze';
import type { ExactWeights } from '../core/exactWeights';
import { lintWeights, type TensorShape } from '../core/lint/weights';
import { pathToString, positionAt } from '../core/parse';
import type { ReportFinding } from '../core/report';
import { DEFAULT_SETTINGS } from '../core/settings';
import { exactWeightsFromTensors, quantHintFromConfig } from '../core/weightsFromCheckpoint';
import { analyzeText } from '../core/analyze';
import type { ConfigReport } from '../core/report';
import type { ReportOptions } from '../core/report';
import { readConfigFile } from '../io/readConfigFile';
import { checkpointFileIn, readCheckpoint, SafetensorsError } from '../io/safetensors';

/** What a checkpoint beside a config adds to its report. */
export interface CheckpointForConfig {
  /** Absent when the checkpoint is incomplete (a shard missing or broken): the estimate stands. */
  exactWeights?: ExactWeights;
  /** The weight findings and notes for the analysed config. */
  lint?: (analysis: Analysis) => { findings: ReportFinding[]; notes: string[] };
  /** Files of the checkpoint that could not be read or disagree with the index, each naming its file. */
  errors: { file: string; error: string }[];
}

function reason(e: SafetensorsError): string {
  return e.field === undefined ? e.reason : `${e.field}: ${e.reason}`;
}

/**
 * The checkpoint beside `configPath`, when the file is a `config.json` and its folder holds one; undefined
 * otherwise. Never throws for bad input: every failure is one of `errors`.
 */
export async function checkpointForConfig(configPath: string, tp = 1): Promise<CheckpointForConfig | undefined> {
  if (basename(configPath) !== 'config.json') return undefined;
  const folder = dirname(configPath);
  if (!checkpointFileIn(folder)) return undefined;
  let checkpoint;
  try {
    checkpoint = await readCheckpoint(folder);
  } catch (e) {
    if (e instanceof SafetensorsError) return { errors: [{ file: e.file, error: reason(e) }] };
    throw e;
  }
  const errors = checkpoint.problems.map((p) => ({ file: p.file, error: reason(p) }));
  const tensors = new Map<string, TensorShape>();
  for (const [name, { tensor }] of checkpoint.tensors) tensors.set(name, { dtype: tensor.dtype, shape: tensor.shape });
  const read = readConfigFile(configPath);
  let json: unknown;
  if (!('error' in read)) {
    try {
      json = JSON.parse(read.text);
    } catch {
      json = undefined; // the analysis reports the syntax; no hint is taken from a file that does not parse
    }
  }
  const list = [...checkpoint.tensors.values()].map(({ tensor }) => tensor);
  const exact = exactWeightsFromTensors(checkpoint.source, list, quantHintFromConfig(json));
  const source = checkpoint.source;
  const incomplete = checkpoint.complete ? '' : ` (incomplete: ${checkpoint.problems.length} problem${checkpoint.problems.length === 1 ? '' : 's'}, so the weights stay an estimate)`;
  return {
    ...(checkpoint.complete ? { exactWeights: exact } : {}),
    errors,
    lint: (analysis) => {
      const check = lintWeights(analysis, { tensors, source }, { ...DEFAULT_SETTINGS, tensorParallel: tp });
      const findings = check.findings.map((f) => {
        const { line, column } = positionAt(analysis.parsed.lineStarts, f.range.offset);
        return { code: f.code, severity: f.severity, message: f.message, field: pathToString(f.path), line: line + 1, column: column + 1 };
      });
      const notes = [
        `Checked against ${source}: ${checkpoint.tensors.size} tensors, ${check.layersChecked} layer${check.layersChecked === 1 ? '' : 's'} of attention weights compared${incomplete}.`,
        ...exact.packing.map((p) => `Weights packing: ${p}`),
        ...check.notes,
        ...checkpoint.unindexed.map((u) => `${basename(u.file)} holds ${u.tensors.length} tensor${u.tensors.length === 1 ? '' : 's'} ${SAFE_INDEX} does not list (counted: transformers loads them).`),
      ];
      return { findings, notes };
    },
  };
}

const SAFE_INDEX = 'model.safetensors.index.json';

/**
 * `analyze(file, opts)` with the checkpoint beside the file, when there is one: exact weights into the report,
 * weight findings and notes added to it, and the checkpoint's own errors returned beside it (the caller reports
 * each and fails the run; the config's report still stands).
 */
export async function analyzeWithCheckpoint(
  file: string,
  opts: ReportOptions,
  analyze: (file: string, opts: ReportOptions) => ConfigReport | { file: string; error: string },
): Promise<{ result: ConfigReport | { file: string; error: string }; errors: { file: string; error: string }[] }> {
  const checkpoint = await checkpointForConfig(file, opts.tp ?? 1);
  if (!checkpoint) return { result: analyze(file, opts), errors: [] };
  const result = analyze(file, checkpoint.exactWeights ? { ...opts, exactWeights: checkpoint.exactWeights } : opts);
  if (!('error' in result) && checkpoint.lint) {
    const read = readConfigFile(file);
    if (!('error' in read)) {
      const extra = checkpoint.lint(analyzeText(read.text, { jsonc: /\.jsonc$/i.test(file) }));
      result.findings.push(...extra.findings);
      result.findings.sort((a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
      result.notes.push(...extra.notes);
    }
  }
  return { result, errors: checkpoint.errors };
}
