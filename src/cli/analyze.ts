/**
 * `kv-lens analyze`: the core over files and folders, as tables or JSON. Every file is reported even when
 * others fail; the exit code is 1 when any file could not be analysed, 2 on bad usage.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeText } from '../core/analyze';
import type { Analysis } from '../core/analyze';
import { groupingPhrase } from '../core/describe';
import { isKvDtype, KV_DTYPES } from '../core/dtype';
import { formatBytes, formatCount, formatInt, formatTokens } from '../core/format';
import { buildReport } from '../core/report';
import type { ConfigReport, ReportOptions } from '../core/report';
import type { ModelDescription } from '../core/types';
import { renderTable } from './table';

/** Largest config read whole; past it the file is refused with a message rather than exhausting memory. */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

export const ANALYZE_USAGE = `Usage: kv-lens analyze <config.json | folder>... [options]

  --context N      tokens per sequence (default: the model's maximum context)
  --batch N        concurrent sequences (default 1)
  --kv-dtype T     ${KV_DTYPES.join('|')} (default: the model's dtype)
  --tp N           tensor-parallel degree (default 1)
  --block-size N   paged cache: round each sequence up to blocks of N tokens
  --gpu-mem GiB    GPU memory per GPU: also answer what fits (longest context, most sequences)
  --json           one JSON object per file (JSON lines)
  -h, --help       this help`;

/** A file that could not be analysed: the message names the file and, where known, the field. */
export interface FileError {
  file: string;
  error: string;
}

/** Expands folders to the config.json they hold (or their .json files when they hold none), in input order. */
export function expandInputs(inputs: string[]): (string | FileError)[] {
  const out: (string | FileError)[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch {
      out.push({ file: input, error: 'no such file or folder' });
      continue;
    }
    if (!st.isDirectory()) {
      out.push(input);
      continue;
    }
    const entries = readdirSync(input).sort();
    if (entries.includes('config.json')) out.push(join(input, 'config.json'));
    else {
      const jsons = entries.filter((e) => e.endsWith('.json'));
      if (jsons.length === 0) out.push({ file: input, error: 'folder holds no config.json and no .json files' });
      out.push(...jsons.map((e) => join(input, e)));
    }
  }
  return out;
}

function readConfig(file: string): { text?: string; error?: string } {
  try {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) return { error: `${formatBytes(size)} is larger than the ${formatBytes(MAX_FILE_BYTES)} KV Lens reads` };
    return { text: readFileSync(file, 'utf8') };
  } catch (e) {
    return { error: e instanceof Error ? e.message.replace(/^[A-Z]+: /, '') : String(e) };
  }
}

/** Analyses one file into a report, or an error that names the file. */
export function analyzeFile(file: string, opts: ReportOptions): ConfigReport | FileError {
  const { text, error } = readConfig(file);
  if (text === undefined) return { file, error: error ?? 'unreadable' };
  const analysis = analyzeText(text);
  // Malformed JSON is refused even where the parser could recover: a number read past a missing comma is a guess.
  const syntax = analysis.parsed.problems.filter((p) => !p.tolerated);
  if (syntax.length > 0) return { file, error: `not valid JSON: ${syntax.slice(0, 3).map((p) => p.message).join('; ')}${syntax.length > 3 ? ` (and ${syntax.length - 3} more)` : ''}` };
  if (!analysis.model) return { file, error: analysis.error ?? 'no model found' };
  return buildReport(file, analysis as Analysis & { model: ModelDescription }, opts);
}

function parseOptions(args: string[]): { inputs: string[]; opts: ReportOptions; json: boolean; help: boolean } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      context: { type: 'string' }, batch: { type: 'string' }, 'kv-dtype': { type: 'string' }, tp: { type: 'string' },
      'block-size': { type: 'string' }, 'gpu-mem': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const int = (name: string, v: string | undefined, max = 2 ** 40): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v.replace(/k$/i, '000').replace(/_/g, ''));
    if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}, not "${v}"`);
    return n;
  };
  const dtype = values['kv-dtype'];
  if (dtype !== undefined && !isKvDtype(dtype)) throw new UsageError(`--kv-dtype must be one of ${KV_DTYPES.join(', ')}, not "${dtype}"`);
  const gpu = values['gpu-mem'] === undefined ? undefined : Number(values['gpu-mem']);
  if (gpu !== undefined && !(gpu > 0 && gpu < 1e6)) throw new UsageError(`--gpu-mem must be a positive number of GiB, not "${values['gpu-mem']}"`);
  const opts: ReportOptions = {};
  const context = int('context', values.context);
  const batch = int('batch', values.batch, 1e7);
  const tp = int('tp', values.tp, 4096);
  const blockSize = int('block-size', values['block-size'], 1 << 20);
  if (context) opts.context = context;
  if (batch) opts.batch = batch;
  if (tp) opts.tp = tp;
  if (blockSize) opts.blockSize = blockSize;
  if (dtype) opts.kvDtype = dtype;
  if (gpu) opts.gpuMemGiB = gpu;
  return { inputs: positionals, opts, json: values.json === true, help: values.help === true };
}

/** A command-line mistake: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** Runs `kv-lens analyze`; returns the exit code. */
export function runAnalyzeCli(args: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): number {
  let parsed;
  try {
    parsed = parseOptions(args);
  } catch (e) {
    err(`kv-lens analyze: ${e instanceof Error ? e.message : String(e)}\n\n${ANALYZE_USAGE}\n`);
    return 2;
  }
  if (parsed.help) {
    out(ANALYZE_USAGE + '\n');
    return 0;
  }
  if (parsed.inputs.length === 0) {
    err(`kv-lens analyze: name at least one config.json or folder\n\n${ANALYZE_USAGE}\n`);
    return 2;
  }
  let failed = false;
  for (const item of expandInputs(parsed.inputs)) {
    const result = typeof item === 'string' ? analyzeFile(item, parsed.opts) : item;
    if ('error' in result) {
      failed = true;
      reportError(result, parsed.json, out, err);
    } else {
      out(parsed.json ? JSON.stringify(result) + '\n' : renderReport(result) + '\n');
    }
  }
  return failed ? 1 : 0;
}

function reportError(e: FileError, json: boolean, out: (s: string) => void, err: (s: string) => void): void {
  if (json) out(JSON.stringify({ file: e.file, error: e.error }) + '\n');
  err(`kv-lens: ${e.file}: ${e.error}\n`);
}

/** The human-readable report for one file. */
export function renderReport(r: ConfigReport): string {
  const a = r.attention;
  const kv = r.kvCache;
  const lines: string[] = [];
  const part = r.part ? ` (language model in ${r.part})` : '';
  lines.push(`${r.file}: ${r.modelType ?? 'no model_type'}${part}`);
  lines.push(`  attention  ${describeAttention(r)}`);
  lines.push(`  layers     ${r.layers.total} total: ${[
    r.layers.full && `${r.layers.full} full`, r.layers.sliding && `${r.layers.sliding} sliding`, r.layers.chunked && `${r.layers.chunked} chunked`,
    r.layers.compressed && `${r.layers.compressed} compressed`, r.layers.stateOnly && `${r.layers.stateOnly} fixed-state`, r.layers.noCache && `${r.layers.noCache} without cache`,
  ].filter(Boolean).join(', ')}`);
  lines.push(`  KV cache   ${formatBytes(kv.bytesPerToken)} per token (${formatInt(kv.bytesPerToken)} B) in ${kv.dtype}; ${formatBytes(kv.totalBytes)} at ${formatTokens(kv.context)} tokens x ${kv.batch} sequence${kv.batch === 1 ? '' : 's'}`);
  lines.push(`  formula    ${kv.formula}`);
  if (kv.stateBytes) lines.push(`  state      ${formatBytes(kv.stateBytes)} fixed (does not grow with context)`);
  if (kv.crossAttentionBytes) lines.push(`  cross-attn ${formatBytes(kv.crossAttentionBytes)} (encoder-decoder)`);
  if (kv.mlaExpanded) lines.push(`  MLA        HF transformers' eager cache (expanded K and V): ${formatBytes(kv.mlaExpanded.bytesPerToken)} per token, ${formatBytes(kv.mlaExpanded.cacheBytes)} at this context`);
  if (kv.tp > 1) lines.push(`  per GPU    ${formatBytes(kv.perGpuBytes)} on each of ${kv.tp} GPUs (${kv.perGpuKvHeads} KV heads each${kv.replication > 1 ? `, each head on ${kv.replication} GPUs` : ''}); cluster ${formatBytes(kv.clusterBytes)}`);
  lines.push(`  weights    ~${formatCount(r.weights.totalParams)} parameters${r.weights.activeParams !== r.weights.totalParams ? ` (${formatCount(r.weights.activeParams)} active)` : ''}, ${formatBytes(r.weights.bytes)} (${r.weights.dtypeFrom})`);
  if (r.fit) {
    const f = r.fit;
    const ctx = f.contextUnbounded ? 'any context' : f.maxContext > 0 ? `${formatInt(f.maxContext)} tokens` : 'nothing';
    lines.push(`  fits       ${f.gpuMemGiB} GiB x ${f.tp} GPU${f.tp > 1 ? 's' : ''}: ${formatBytes(f.freePerGpuBytes)} free per GPU after weights; longest context ${ctx} at batch ${kv.batch}; ${f.maxBatch === null ? 'batch not bounded by the cache' : `${formatInt(f.maxBatch)} sequences`} at ${formatTokens(f.atContext)}`);
  }
  if (kv.breakdown.length > 1 || kv.breakdown.some((b) => b.kind !== 'full')) {
    lines.push('');
    lines.push(renderTable(
      ['layers', 'kind', 'holds', 'per token per layer', 'total'],
      kv.breakdown.map((b) => [String(b.layers), b.label, b.tokensHeld ? `${formatInt(b.tokensHeld)} tok` : '-', b.bytesPerTokenPerLayer ? formatBytes(b.bytesPerTokenPerLayer) : '-', formatBytes(b.bytes)]),
      '    ',
    ));
  }
  if (r.whatIf.length > 1) {
    lines.push('');
    lines.push(renderTable(
      ['KV heads', 'kind', 'group', 'per token', `at ${formatTokens(kv.context)}`, 'vs MHA', 'decode bound'],
      r.whatIf.map((w) => [`${w.kvHeads}${w.current ? ' *' : ''}`, w.kind, String(w.groupSize), formatBytes(w.bytesPerToken), formatBytes(w.totalBytes), `${(w.ratioToMha * 100).toFixed(1)}%`, `${w.decodeSpeedupBound}x`]),
      '    ',
    ));
  }
  lines.push('');
  lines.push('  fields used:');
  for (const [name, s] of Object.entries(r.fields)) {
    lines.push(`    ${name.padEnd(11)} ${String(s.value).padEnd(8)} ${s.from.length ? s.from.join(', ') : '-'}${s.defaulted ? ' (default)' : ''}${s.note ? `: ${s.note}` : ''}`);
  }
  if (r.findings.length) {
    lines.push('  findings:');
    for (const f of r.findings) lines.push(`    ${r.file}:${f.line}:${f.column} ${f.severity} ${f.code}: ${f.message}`);
  }
  if (r.notes.length) {
    lines.push('  notes:');
    for (const n of r.notes) lines.push(`    - ${n}`);
  }
  return lines.join('\n');
}

function describeAttention(r: ConfigReport): string {
  const a = r.attention;
  switch (a.kind) {
    case 'MLA': return `MLA: ${a.queryHeads} query heads read one latent of ${a.mlaLatent} values per token (head size ${a.headDim}/${a.vHeadDim})`;
    case 'MHA': return `MHA: ${a.queryHeads} query heads, each with its own KV head; head size ${a.headDim}`;
    case 'MQA': return `MQA: ${a.queryHeads} query heads share 1 KV head; head size ${a.headDim}`;
    case 'GQA': return `GQA: ${groupingPhrase(a.queryHeads, a.kvHeads)}; head size ${a.headDim}${a.vHeadDim !== a.headDim ? `/${a.vHeadDim}` : ''}`;
    default: return 'none: no attention layers (fixed state only)';
  }
}
