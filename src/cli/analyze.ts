/**
 * `kv-lens analyze`: the core over files and folders, as tables or JSON. Every file is reported even when
 * others fail; the exit code is 1 when any file could not be read or analysed or has a finding at or above
 * --fail-on (an error by default), 2 on bad usage. Files are read
 * by the one reader (src/io/readConfigFile), sizes by the one parser (core/sizes), and every string printed in
 * table mode goes through the escaper (core/escape).
 */
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
import { inspectPath, listFolder, readConfigFile } from '../io/readConfigFile';
import { displayValue, escapeText, terminalSafeJson } from '../core/escape';
import { processOutput, yieldToEvents, type CliOutput } from './output';
import { parseAmount, parseCount } from '../core/sizes';
import { CONTEXT_CAP } from '../core/fit';
import { renderTable } from './table';
import { analyzeWithCheckpoint } from './checkpointInputs';
import { analyzeGgufFile, ggufLines, isGgufPath, type GgufReport } from './ggufInputs';
import { analyzeModelInput, modelInputOf, type ModelInput } from './modelInputs';
import { ggufSplitInfo, isGgufModelFile } from '../core/gguf/pick';
import { attachEngines, engineSection, enginesOption, type EngineReportOptions } from './engineColumns';

export const ANALYZE_USAGE = `Usage: kv-lens analyze <config.json | folder | model.gguf | ORG/NAME[@REV]>... [options]

  --context N      tokens per sequence (default: the model's maximum context); k = 1024, m = 1048576: 32k, 1m
  --batch N        concurrent sequences (default 1)
  --kv-dtype T     ${KV_DTYPES.join('|')} (default: the model's dtype)
  --tp N           tensor-parallel degree (default 1)
  --block-size N   paged cache: round each sequence up to blocks of N tokens
  --gpu-mem GiB    GPU memory per GPU (a decimal number): also answer what fits (longest context, most sequences)
  --engine E       vllm|sglang|llama.cpp|trtllm|all (comma list): what each engine allocates, side by side, with launch flags
  --gguf-file F    for a Hub id without config.json: the .gguf to read (as llama-server --hf-file)
  --json           one JSON object per file (JSON lines)
  --fail-on L      error (default) | warning | never: the least severe finding that makes the exit code 1
  -h, --help       this help

Exit codes: 0 every file analysed with no finding at or above --fail-on, 1 a file could not be read or
analysed, or a finding at or above --fail-on (an error, by default), 2 usage error.

A config.json beside model.safetensors (or model.safetensors.index.json and its shards) is checked against
the safetensors headers (only they are read): exact weights, kv-lens.weights-* findings; a checkpoint file
that cannot be read is reported as its own error (exit 1), the config still is.

A Hub model id (no such local path) is read from the Hugging Face cache ($HF_HUB_CACHE, $HF_HOME/hub), then
the Hub at $HF_ENDPOINT with $HF_TOKEN; HF_HUB_OFFLINE=1: caches only. Its report names it ORG/NAME@commit.
A cached snapshot's safetensors are checked as a local folder's. A repository without config.json is read
from the header of its .gguf (ORG/NAME:Q4_K_M or --gguf-file picks one; default as llama.cpp's -hf: Q4_K_M,
then Q8_0, then the first), by range requests or from the cache. A folder of .gguf files: each model once.`;

/** The least severe finding that fails the run, or never. */
export type FailOn = 'error' | 'warning' | 'never';
const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'never'];

/** True when a finding of this severity fails a run under `failOn`. */
export function failsRun(severity: string, failOn: FailOn): boolean {
  return failOn === 'never' ? false : failOn === 'warning' ? severity === 'error' || severity === 'warning' : severity === 'error';
}

/** A file that could not be analysed: the message names the file and, where known, the field. */
export interface FileError {
  file: string;
  error: string;
}

/**
 * Expands folders to the config.json they hold (or their .json files when they hold none), in input order.
 * An input that cannot be looked at or listed (missing, a symbolic link loop, permission) becomes a
 * {@link FileError} in its place; the inputs after it are still expanded.
 */
export function expandInputs(inputs: string[]): (string | FileError | ModelInput)[] {
  const out: (string | FileError | ModelInput)[] = [];
  for (const input of inputs) {
    const what = inspectPath(input);
    // No such file, and shaped like ORG/NAME[@REV]: a Hub model (modelInputs.ts).
    const model = what.kind === 'error' && what.error.kind === 'missing' ? modelInputOf(input) : undefined;
    if (model) {
      out.push(model);
      continue;
    }
    if (what.kind === 'error') {
      out.push({ file: input, error: what.error.reason });
      continue;
    }
    if (what.kind === 'file') {
      out.push(input);
      continue;
    }
    const listed = listFolder(input);
    if ('error' in listed) {
      out.push({ file: input, error: listed.error.reason });
      continue;
    }
    const entries = listed.entries;
    // A folder of GGUF models (llama.cpp's, LM Studio's): each model once, a split model by its first shard;
    // projectors and draft heads are not models (core/gguf/pick: llama.cpp's gguf_filename_is_model).
    const ggufs = entries.filter((e) => !e.directory && isGgufModelFile(e.name) && ggufSplitInfo(e.name)!.index === 1);
    if (entries.some((e) => e.name === 'config.json')) out.push(join(input, 'config.json'));
    else if (ggufs.length > 0) out.push(...ggufs.map((e) => join(input, e.name)));
    else {
      const jsons = entries.filter((e) => !e.directory && e.name.endsWith('.json'));
      if (jsons.length === 0) out.push({ file: input, error: 'folder holds no config.json and no .json files' });
      out.push(...jsons.map((e) => join(input, e.name)));
    }
  }
  return out;
}

/** Analyses one file into a report, or an error that names the file. */
export function analyzeFile(file: string, opts: ReportOptions): ConfigReport | FileError {
  const read = readConfigFile(file);
  if ('error' in read) return { file, error: read.error.reason };
  return analyzeConfigText(file, read, opts);
}

/** Analyses a config's text (from a file or the Hub) into a report named `file`, or an error naming it. */
export function analyzeConfigText(file: string, read: { text: string; bom: boolean }, opts: ReportOptions): ConfigReport | FileError {
  const analysis = analyzeText(read.text, { jsonc: /\.jsonc$/i.test(file) });
  // Malformed JSON is refused even where the parser could recover: a number read past a missing comma is a guess.
  const syntax = analysis.parsed.problems.filter((p) => !p.tolerated);
  if (syntax.length > 0) return { file, error: `not valid JSON: ${syntax.slice(0, 3).map((p) => p.message).join('; ')}${syntax.length > 3 ? ` (and ${syntax.length - 3} more)` : ''}` };
  if (!analysis.model) return { file, error: analysis.error ?? 'no model found' };
  const report = buildReport(file, analysis as Analysis & { model: ModelDescription }, opts);
  const engines = (opts as EngineReportOptions).engines;
  if (engines) attachEngines(report, analysis.model, opts, engines);
  if (read.bom) report.notes.push(BOM_NOTE);
  return report;
}

/** Said of a file that starts with a UTF-8 byte-order mark: read here, refused by the Python that loads the model. */
export const BOM_NOTE = "The file starts with a UTF-8 byte-order mark: KV Lens reads past it, but Python's json.loads (so transformers) refuses it ('Unexpected UTF-8 BOM'): save the file without it.";

/** Options that take a value: each may be given once. */
const VALUE_OPTIONS = ['context', 'batch', 'kv-dtype', 'tp', 'block-size', 'gpu-mem', 'fail-on', 'engine', 'gguf-file'] as const;

function parseOptions(args: string[]): { inputs: string[]; opts: ReportOptions; json: boolean; help: boolean; failOn: FailOn; ggufFile?: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      tokens: true,
      options: {
        context: { type: 'string' }, batch: { type: 'string' }, 'kv-dtype': { type: 'string' }, tp: { type: 'string' },
        'block-size': { type: 'string' }, 'gpu-mem': { type: 'string' }, 'fail-on': { type: 'string' }, engine: { type: 'string' }, 'gguf-file': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    // node:util's messages name the flag ("Unknown option '--bogus'", "Option '--json' does not take an argument").
    throw new UsageError((e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' '));
  }
  const { values, positionals, tokens } = parsed;
  for (const name of VALUE_OPTIONS) {
    const given = tokens.filter((t) => t.kind === 'option' && t.name === name);
    if (given.length > 1) throw new UsageError(`--${name} given ${given.length} times; give it once`);
  }
  const count = (name: string, v: string | undefined, max: number, suffix = false): number | undefined => {
    if (v === undefined) return undefined;
    try {
      return parseCount(`--${name}`, v, { max, suffix });
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
  };
  const dtype = values['kv-dtype'];
  if (dtype !== undefined && !isKvDtype(dtype)) throw new UsageError(`--kv-dtype must be one of ${KV_DTYPES.join(', ')}, not ${JSON.stringify(dtype)}`);
  let gpu: number | undefined;
  if (values['gpu-mem'] !== undefined) {
    try {
      gpu = parseAmount('--gpu-mem', values['gpu-mem'], { max: 1e6, unit: 'GiB' });
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
  }
  const opts: ReportOptions = {};
  const context = count('context', values.context, 2 ** 40, true);
  const batch = count('batch', values.batch, 1e7);
  const tp = count('tp', values.tp, 4096);
  const blockSize = count('block-size', values['block-size'], 1 << 20, true);
  if (context) opts.context = context;
  if (batch) opts.batch = batch;
  if (tp) opts.tp = tp;
  if (blockSize) opts.blockSize = blockSize;
  if (dtype) opts.kvDtype = dtype;
  if (gpu) opts.gpuMemGiB = gpu;
  try {
    const engines = enginesOption(values.engine);
    if (engines) (opts as EngineReportOptions).engines = engines;
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const failOn = values['fail-on'] ?? 'error';
  if (!(FAIL_ON as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on must be one of ${FAIL_ON.join(', ')}, not ${JSON.stringify(failOn)}`);
  return { inputs: positionals, opts, json: values.json === true, help: values.help === true, failOn: failOn as FailOn, ...(values['gguf-file'] !== undefined ? { ggufFile: values['gguf-file'] } : {}) };
}

/** A command-line mistake: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/**
 * Runs `kv-lens analyze`; resolves to the exit code: 0 every file analysed with no finding at or above
 * `--fail-on`, 1 any file could not be read or analysed (each is reported, and the others still are) or had such
 * a finding, 2 a usage error. A closed stdout ends the run quietly.
 */
export async function runAnalyzeCli(args: string[], io?: CliOutput): Promise<number> {
  let parsed;
  try {
    parsed = parseOptions(args);
  } catch (e) {
    (io ?? processOutput(true)).err(`kv-lens analyze: ${escapeText(e instanceof Error ? e.message : String(e))}\n\n${ANALYZE_USAGE}\n`);
    return 2;
  }
  const o = io ?? processOutput(!parsed.json);
  if (parsed.help) {
    o.out(ANALYZE_USAGE + '\n');
    return 0;
  }
  if (parsed.inputs.length === 0) {
    o.err(`kv-lens analyze: name at least one config.json or folder\n\n${ANALYZE_USAGE}\n`);
    return 2;
  }
  let failed = false;
  for (const item of expandInputs(parsed.inputs)) {
    if (o.closed) break;
    let result: ConfigReport | FileError;
    // A config.json beside safetensors headers: exact weights, weight findings, and the checkpoint's own errors.
    let checkpointErrors: FileError[] = [];
    if (typeof item !== 'string' && 'model' in item) {
      // The config (checked against the HF cache's checkpoint when it has one), or a GGUF-only repo's header.
      result = await analyzeModelInput(item, parsed.opts, analyzeConfigText, parsed.ggufFile !== undefined ? { ggufFile: parsed.ggufFile } : {});
    } else if (typeof item !== 'string') result = item;
    else {
      try {
        if (isGgufPath(item)) result = await analyzeGgufFile(item, parsed.opts);
        else ({ result, errors: checkpointErrors } = await analyzeWithCheckpoint(item, parsed.opts, analyzeFile));
      } catch (e) {
        // A failure of KV Lens itself on one file is that file's error: the other files are still reported.
        result = { file: item, error: `KV Lens failed on this file (please report it): ${e instanceof Error ? e.message : displayValue(e)}` };
      }
    }
    if ('error' in result) {
      failed = true;
      reportError(result, parsed.json, o);
    } else {
      // Findings count too: an error-level finding (a broken size, an unknown layer type) fails the run.
      if (result.findings.some((f) => failsRun(f.severity, parsed.failOn))) failed = true;
      o.out(parsed.json ? terminalSafeJson(result) + '\n' : renderReport(result) + ('gguf' in result ? '\n' + ggufLines(result as GgufReport).map(escapeText).join('\n') : '') + '\n' + engineSection(result));
    }
    for (const e of checkpointErrors) {
      failed = true;
      reportError(e, parsed.json, o);
    }
    // Lets an EPIPE from that write arrive, so a closed stdout stops the run here.
    await yieldToEvents();
  }
  return failed ? 1 : 0;
}

function reportError(e: FileError, json: boolean, o: CliOutput): void {
  if (json) o.out(terminalSafeJson({ file: e.file, error: e.error }) + '\n');
  o.err(`kv-lens: ${escapeText(e.file)}: ${escapeText(e.error)}\n`);
}

/**
 * The human-readable report for one file. Every line is passed through {@link escapeText} and every table cell
 * through the table's own escaping: the file name, model_type, dtypes, layer kinds, field values, findings and
 * notes can all carry text from the file, and none reaches the terminal raw.
 */
export function renderReport(r: ConfigReport): string {
  const kv = r.kvCache;
  const lines: string[] = [];
  const push = (line: string) => lines.push(escapeText(line));
  const table = (header: string[], rows: string[][]) => lines.push(renderTable(header, rows, '    '));
  const v = displayValue;
  const part = r.part ? ` (language model in ${v(r.part)})` : '';
  push(`${v(r.file)}: ${r.modelType === undefined || r.modelType === null ? 'no model_type' : v(r.modelType)}${part}`);
  push(`  attention  ${describeAttention(r)}`);
  push(`  layers     ${r.layers.total} total: ${[
    r.layers.full && `${r.layers.full} full`, r.layers.sliding && `${r.layers.sliding} sliding`, r.layers.chunked && `${r.layers.chunked} chunked`,
    r.layers.compressed && `${r.layers.compressed} compressed`, r.layers.stateOnly && `${r.layers.stateOnly} fixed-state`, r.layers.noCache && `${r.layers.noCache} without cache`,
  ].filter(Boolean).join(', ')}`);
  push(`  KV cache   ${formatBytes(kv.bytesPerToken)} per token (${formatInt(kv.bytesPerToken)} B) in ${v(kv.dtype)}; ${formatBytes(kv.totalBytes)} at ${formatTokens(kv.context)} tokens x ${kv.batch} sequence${kv.batch === 1 ? '' : 's'}`);
  push(`  formula    ${v(kv.formula)}`);
  if (kv.stateBytes) push(`  state      ${formatBytes(kv.stateBytes)} fixed (does not grow with context)`);
  if (kv.crossAttentionBytes) push(`  cross-attn ${formatBytes(kv.crossAttentionBytes)} (encoder-decoder)`);
  if (kv.mlaExpanded) push(`  MLA        HF transformers' eager cache (expanded K and V): ${formatBytes(kv.mlaExpanded.bytesPerToken)} per token, ${formatBytes(kv.mlaExpanded.cacheBytes)} at this context`);
  if (kv.tp > 1) push(`  per GPU    ${formatBytes(kv.perGpuBytes)} on each of ${kv.tp} GPUs (${kv.perGpuKvHeads} KV heads each${kv.replication > 1 ? `, each head on ${kv.replication} GPUs` : ''}); cluster ${formatBytes(kv.clusterBytes)}`);
  push(`  weights    ${r.weights.exact ? '' : '~'}${formatCount(r.weights.totalParams)} parameters${r.weights.activeParams !== r.weights.totalParams ? ` (${formatCount(r.weights.activeParams)} active)` : ''}, ${formatBytes(r.weights.bytes)} (${v(r.weights.dtypeFrom)})`);
  if (r.fit) {
    const f = r.fit;
    const ctx = f.contextUnbounded ? 'any context' : f.maxContext >= CONTEXT_CAP ? `at least ${formatInt(f.maxContext)} tokens` : f.maxContext > 0 ? `${formatInt(f.maxContext)} tokens` : 'nothing';
    push(`  fits       ${f.gpuMemGiB} GiB x ${f.tp} GPU${f.tp > 1 ? 's' : ''}: ${formatBytes(f.freePerGpuBytes)} free per GPU after weights; longest context ${ctx} at batch ${kv.batch}; ${f.maxBatch === null ? 'batch not bounded by the cache' : `${formatInt(f.maxBatch)} sequences`} at ${formatTokens(f.atContext)}`);
  }
  if (kv.breakdown.length > 1 || kv.breakdown.some((b) => b.kind !== 'full')) {
    lines.push('');
    table(
      ['layers', 'kind', 'holds', 'per token per layer', 'total'],
      kv.breakdown.map((b) => [displayValue(b.layers), displayValue(b.label), b.tokensHeld ? `${formatInt(b.tokensHeld)} tok` : '-', b.bytesPerTokenPerLayer ? formatBytes(b.bytesPerTokenPerLayer) : '-', formatBytes(b.bytes)]),
    );
  }
  if (r.whatIf.length > 1) {
    lines.push('');
    table(
      ['KV heads', 'kind', 'group', 'per token', `at ${formatTokens(kv.context)}`, 'vs MHA', 'decode bound'],
      r.whatIf.map((w) => [`${w.kvHeads}${w.current ? ' *' : ''}`, displayValue(w.kind), displayValue(w.groupSize), formatBytes(w.bytesPerToken), formatBytes(w.totalBytes), `${(w.ratioToMha * 100).toFixed(1)}%`, `${w.decodeSpeedupBound}x`]),
    );
  }
  lines.push('');
  push('  fields used:');
  for (const [name, s] of Object.entries(r.fields)) {
    push(`    ${escapeText(name).padEnd(11)} ${escapeText(displayValue(s.value)).padEnd(8)} ${s.from.length ? s.from.map(v).join(', ') : '-'}${s.defaulted ? ' (default)' : ''}${s.note ? `: ${v(s.note)}` : ''}`);
  }
  if (r.findings.length) {
    push('  findings:');
    for (const f of r.findings) push(`    ${v(r.file)}:${f.line}:${f.column} ${f.severity} ${f.code}: ${v(f.message)}`);
  }
  if (r.notes.length) {
    push('  notes:');
    for (const n of r.notes) push(`    - ${v(n)}`);
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
