/**
 * The one-line summaries the CodeLens, the status bar and "Copy Summary" show, from the core's model
 * description and KV report. Words only; every number comes from the core.
 */
import { describeGrouping } from './describe';
import { formatBytes, formatTokens } from './format';
import type { KvReport, ModelDescription } from './types';

/** A model config's summary in the shapes the editor surfaces need. */
export interface ConfigSummary {
  /** "GQA" / "MLA" / "no KV cache". */
  kind: string;
  /** "32 query heads share 8 KV heads (groups of 4)". */
  grouping: string;
  /** "128 KiB/token". */
  perToken: string;
  /** "16.0 GiB at 128k tokens, bf16" (x batch when batch > 1). */
  cost: string;
  /** The CodeLens title. */
  lens: string;
  /** The status bar text (short). */
  status: string;
  /** Plain text for the clipboard, one fact a line. */
  text: string;
}

/** Describes how query heads share KV heads, in words (one wording for every surface). */
export { describeGrouping };

/** The kind as a label ("GQA"), or a phrase for models without a cache. */
export function kindLabel(model: ModelDescription): string {
  if (model.encoderOnly) return 'encoder-only';
  return model.attention.kind === 'none' ? 'no KV cache' : model.attention.kind;
}

/** Summaries for the editor surfaces. */
export function summarize(model: ModelDescription, report: KvReport): ConfigSummary {
  const kind = kindLabel(model);
  const grouping = describeGrouping(model);
  const perToken = `${formatBytes(report.bytesPerToken)}/token`;
  const batch = report.batch > 1 ? ` x ${report.batch} sequences` : '';
  const state = report.stateBytes > 0 ? ` (${formatBytes(report.stateBytes)} of it fixed state)` : '';
  const cost = model.encoderOnly
    ? 'nothing cached'
    : `${formatBytes(report.totalBytes)} at ${formatTokens(report.context)} tokens${batch}, ${report.dtype}${state}`;
  const shortGroups = model.encoderOnly || model.attention.kind === 'none' || model.attention.kind === 'MLA'
    ? kind
    : `${kind} ${model.attention.queryHeads.value}/${model.attention.kvHeads.value}`;
  const name = model.modelType ? `${model.modelType}: ` : '';
  const lines = [
    `${name}${kind}: ${grouping}`,
    `KV cache per token: ${formatBytes(report.bytesPerToken)} (${report.formula})`,
    `KV cache at ${formatTokens(report.context)} tokens (${report.contextFrom}), batch ${report.batch}, ${report.dtype} (${report.dtypeFrom}): ${formatBytes(report.totalBytes)}`,
  ];
  if (report.tp > 1) lines.push(`Per GPU at tensor-parallel ${report.tp}: ${formatBytes(report.perGpuBytes)} (${report.perGpuKvHeads} KV heads each)`);
  return {
    kind,
    grouping,
    perToken,
    cost,
    lens: `${kind} · ${grouping} · ${perToken} · ${cost}`,
    status: model.encoderOnly ? `${kind} · no KV cache` : `${shortGroups} · ${formatBytes(report.totalBytes)} @ ${formatTokens(report.context)}`,
    text: lines.join('\n'),
  };
}
