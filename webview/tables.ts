/**
 * The panel's tables as data (caption, headers, rows of text), so the same figures feed the HTML
 * tables, "Copy as Markdown" and the CSV / JSON exports. Pure: no DOM.
 */
import { formatBytes, formatInt, formatTokens } from '../src/core/format';
import type { PanelBenchmarkRun } from '../src/shared/panelProtocol';
import { variantLabel, type ModelView } from './compute';

/** A table as text: what it shows, and what each cell says. */
export interface TableData {
  id: string;
  caption: string;
  headers: string[];
  rows: string[][];
  /** Columns to right-align (numbers). */
  numeric?: boolean[];
  /** Per-row CSS classes (`current`, `selected`, `over`). */
  rowClasses?: string[];
}

/** 0.125 -> "0.125×", 4 -> "4.00×", 16 -> "16.0×": ratios to three significant digits. */
export function formatRatio(n: number): string {
  return `${n >= 10 ? n.toFixed(1) : n >= 1 ? n.toFixed(2) : n.toPrecision(3)}×`;
}
const x = formatRatio;

/** Every valid KV head count at the chosen settings. */
export function whatIfTable(view: ModelView): TableData {
  const { resolved } = view;
  return {
    id: 'whatif',
    caption: `Every KV head count for ${view.model.attention.queryHeads.value} query heads, at ${formatTokens(resolved.context)} tokens × ${resolved.batch}, ${resolved.kvDtype}`,
    headers: ['KV heads', 'grouping', 'query heads per KV head', 'per token', 'cache', 'vs MHA', 'decode speed-up bound'],
    numeric: [true, false, true, true, true, true, true],
    rows: view.whatIf.map((r) => [
      String(r.kvHeads),
      `${variantLabel(r.kind, r.kvHeads)}${r.current ? ' (this model)' : ''}`,
      String(r.groupSize),
      formatBytes(r.bytesPerToken),
      formatBytes(r.totalBytes),
      x(r.ratioToMha),
      x(r.decodeSpeedupBound),
    ]),
    rowClasses: view.whatIf.map((r) => [r.current ? 'current' : '', r === view.selected ? 'selected' : ''].filter(Boolean).join(' ')),
  };
}

/** Total cache (per GPU under TP) for each context and batch; cells over the GPU budget are marked. */
export function gridTable(view: ModelView): TableData {
  const { grid, resolved } = view;
  const perGpu = resolved.tp > 1;
  return {
    id: 'grid',
    caption: `KV cache ${perGpu ? `per GPU (TP ${resolved.tp})` : 'total'} by context and batch, ${resolved.kvDtype}; ✕ = does not fit ${resolved.gpuMemGiB} GiB${view.weightsBytes ? ' with the weights' : ''}`,
    headers: ['context', ...grid.batches.map((b) => `batch ${b}`)],
    numeric: [true, ...grid.batches.map(() => true)],
    rows: grid.cells.map((row, i) => [
      formatTokens(grid.contexts[i] ?? 0),
      ...row.map((c) => `${formatBytes(perGpu ? c.perGpuBytes : c.bytes)}${c.fits ? '' : ' ✕'}`),
    ]),
    rowClasses: grid.contexts.map((c) => (c === resolved.context ? 'selected' : '')),
  };
}

/** The per-layer-kind breakdown of the cache at the chosen settings. */
export function breakdownTable(view: ModelView): TableData {
  const r = view.report;
  const total = r.totalBytes || 1;
  const rows = r.breakdown.map((b) => [
    b.label,
    String(b.layers),
    b.tokensHeld ? formatInt(b.tokensHeld) : '—',
    b.bytesPerTokenPerLayer ? formatBytes(b.bytesPerTokenPerLayer) : '—',
    formatBytes(b.bytes),
    `${((100 * b.bytes) / total).toFixed(1)}%`,
  ]);
  if (r.crossAttentionBytes > 0) rows.push(['cross-attention (encoder output)', '', '', '', formatBytes(r.crossAttentionBytes), `${((100 * r.crossAttentionBytes) / total).toFixed(1)}%`]);
  rows.push(['total', String(view.model.layers.length), '', formatBytes(r.bytesPerToken), formatBytes(r.totalBytes), '100%']);
  return {
    id: 'breakdown',
    caption: `Cache by layer kind at ${formatTokens(r.context)} tokens × ${r.batch}, ${r.dtype}`,
    headers: ['layers', 'count', 'tokens held', 'per token per layer', 'bytes', 'share'],
    numeric: [false, true, true, true, true, true],
    rows,
    rowClasses: rows.map((_, i) => (i === rows.length - 1 ? 'total' : '')),
  };
}

const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(3));

/** Every benchmark result as a table. */
export function benchmarkTable(run: PanelBenchmarkRun): TableData {
  return {
    id: 'benchmarks',
    caption: `Benchmark results${run.provenance ? `: ${run.provenance}` : ''}${run.date ? ` (${run.date})` : ''}`,
    headers: ['KV heads', 'phase', 'context', 'batch', 'dtype', 'EP', 'median ms', 'p10 ms', 'p90 ms', 'tokens/s', 'GB/s', 'of ceiling', 'speed-up', 'bound'],
    numeric: [true, false, true, true, false, false, true, true, true, true, true, true, true, true],
    rows: [...run.results]
      .sort((a, b) => a.phase.localeCompare(b.phase) || a.context - b.context || a.batch - b.batch || b.variant.kvHeads - a.variant.kvHeads)
      .map((r) => [
      `${r.variant.kvHeads}${r.variant.label ? ` (${r.variant.label})` : ''}`,
      r.phase,
      formatTokens(r.context),
      String(r.batch),
      r.dtype,
      r.ep + (r.path ? ` / ${r.path}` : ''),
      fmtMs(r.medianMs),
      fmtMs(r.p10Ms),
      fmtMs(r.p90Ms),
      r.tokensPerS !== undefined ? formatInt(r.tokensPerS) : '—',
      r.achievedGBps.toFixed(1),
      r.ceilingGBps ? `${((100 * r.achievedGBps) / r.ceilingGBps).toFixed(0)}%` : '—',
      r.speedupVsMha !== undefined ? x(r.speedupVsMha) : '—',
      x(r.speedupBound),
    ]),
  };
}

function mdCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GitHub-flavoured Markdown table with its caption as a bold line above. */
export function toMarkdown(table: TableData): string {
  const align = table.headers.map((_, i) => (table.numeric?.[i] ? '---:' : '---'));
  const lines = [`**${mdCell(table.caption)}**`, '', `| ${table.headers.map(mdCell).join(' | ')} |`, `| ${align.join(' | ')} |`];
  for (const row of table.rows) lines.push(`| ${row.map(mdCell).join(' | ')} |`);
  return lines.join('\n') + '\n';
}

/** RFC 4180 CSV field quoting. */
export function csvField(value: string | number | boolean | undefined): string {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Machine-readable rows (raw numbers, not formatted): every variant at every grid context, chosen batch. */
export function figuresCsv(view: ModelView, variantsAt: (context: number) => ModelView['whatIf']): string {
  const { resolved } = view;
  const header = ['kv_heads', 'grouping', 'group_size', 'this_model', 'context', 'batch', 'kv_dtype', 'tp', 'bytes_per_token', 'total_bytes', 'ratio_to_mha', 'decode_speedup_bound'];
  const lines = [header.join(',')];
  for (const context of view.grid.contexts) {
    for (const r of variantsAt(context)) {
      lines.push([r.kvHeads, variantLabel(r.kind, r.kvHeads), r.groupSize, r.current, context, resolved.batch, resolved.kvDtype, resolved.tp, r.bytesPerToken, r.totalBytes, r.ratioToMha, r.decodeSpeedupBound].map(csvField).join(','));
    }
  }
  return lines.join('\r\n') + '\r\n';
}
