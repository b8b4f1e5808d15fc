/**
 * `kv-lens analyze --engine vllm|sglang|llama.cpp|trtllm|all`: what each serving engine would allocate at the
 * operating point, side by side (engines as columns), with the launch line that realises it and every
 * assumption named; `--json` carries the same as an `engines` array on each file's object.
 */
import { engineEstimates, ENGINE_LABELS, parseEngines } from '../core/engines';
import type { EngineEstimate, EngineId } from '../core/engines';
import { escapeText } from '../core/escape';
import { formatBytes, formatInt } from '../core/format';
import type { ConfigReport, ReportOptions } from '../core/report';
import type { ModelDescription } from '../core/types';
import { renderTable } from './table';

/** Report options with the engines asked for by --engine. */
export type EngineReportOptions = ReportOptions & { engines?: readonly EngineId[] };

/** A report that may carry the engines' figures. */
export type ReportWithEngines = ConfigReport & { engines?: EngineEstimate[] };

/** Parses --engine, throwing a message for unknown names. */
export function enginesOption(value: string | undefined): EngineId[] | undefined {
  if (value === undefined) return undefined;
  const { engines, unknown } = parseEngines(value);
  if (unknown.length || engines.length === 0) throw new Error(`--engine must be vllm, sglang, llama.cpp, trtllm or all (comma-separated), not ${JSON.stringify(value)}`);
  return engines;
}

/** Adds the engines' figures to a report built from `model` at the options' operating point. */
export function attachEngines(report: ConfigReport, model: ModelDescription, opts: ReportOptions, engines: readonly EngineId[]): ReportWithEngines {
  const r = report as ReportWithEngines;
  r.engines = engineEstimates(model, {
    ...(opts.gpuMemGiB ? { gpuMemoryGiB: opts.gpuMemGiB } : {}),
    context: report.kvCache.context, batch: report.kvCache.batch, tp: report.kvCache.tp,
    ...(opts.kvDtype ? { kvDtype: opts.kvDtype } : {}),
    modelId: modelIdOf(report.file),
  }, { weightsBytes: report.weights.bytes, weightsExact: report.weights.exact }, engines);
  return r;
}

/** What the launch lines name the model by: a Hub id without its @revision, or the config's folder. */
export function modelIdOf(file: string): string {
  const noRev = file.replace(/@[0-9a-f]{7,40}$/i, '');
  const folder = noRev.replace(/[\\/]config\.json$/i, '');
  return folder === noRev && /\.json$/i.test(noRev) ? 'MODEL' : folder || 'MODEL';
}

const orDash = (v: number | undefined, f: (n: number) => string) => (v === undefined || !Number.isFinite(v) ? '-' : f(v));

/** The side-by-side table, launch lines and assumptions (every string escaped by the table or here). */
export function renderEngines(engines: EngineEstimate[]): string {
  if (engines.length === 0) return '';
  const cols = engines.map((e) => ENGINE_LABELS[e.engine]);
  const row = (name: string, f: (e: EngineEstimate) => string) => [name, ...engines.map(f)];
  const rows = [
    row('KV cache per GPU', (e) => (e.kvBytesPerGpu ? formatBytes(e.kvBytesPerGpu) : '-')),
    row('pool (tokens / cells)', (e) => orDash(e.poolTokens, formatInt)),
    row('max concurrency', (e) => orDash(e.maxConcurrency, (n) => `${n.toFixed(2)}x`)),
    row('longest context', (e) => orDash(e.maxContext, formatInt)),
    row('fits', (e) => (e.fits === undefined ? '-' : e.fits ? 'yes' : 'NO')),
    row('rules', (e) => e.rulesVersion),
  ];
  const lines = ['', '  engines (at this operating point; * = estimate):', renderTable(['', ...cols], rows, '    '), '', '  launch:'];
  for (const e of engines) lines.push(`    ${escapeText(e.launch)}`);
  lines.push('', '  assumptions:');
  for (const e of engines) {
    lines.push(`    ${ENGINE_LABELS[e.engine]}: ${e.assumptions.map((a) => `${escapeText(a.name)} ${escapeText(a.value)}${a.estimate ? ' *' : ''}${a.source ? ` (${escapeText(a.source)})` : ''}`).join('; ')}`);
    for (const n of e.notes) lines.push(`      - ${escapeText(n)}`);
  }
  return lines.join('\n');
}

/** The engines section of a rendered report, empty when none was asked for. */
export function engineSection(r: ConfigReport): string {
  const engines = (r as ReportWithEngines).engines;
  return engines ? renderEngines(engines) + '\n' : '';
}
