/**
 * `kv-lens check-log LOG [--config FILE | --model ID] [--set key=value]... [--json]`: every KV figure an engine's
 * start-up log states, next to what KV Lens predicts from the model and the settings the log printed.
 *
 * The model: `--config` (a config.json), else `--model` (a local folder or file, or a Hub id through the Hub
 * reader), else the path or id the log names (read when it exists here, or when it is a Hub id the Hub reader
 * resolves), else, for llama.cpp, the hparams the log printed (said so). Without any of these it asks for
 * `--config`, still showing what it read. Several start-ups in one file are each checked. Exit codes: 0 every
 * predicted figure matches, 1 a mismatch, an unreadable log or model, or an engine KV Lens does not know,
 * 2 usage. Every string from the log or a file is escaped before it reaches the terminal.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeText } from '../core/analyze';
import { displayValue, escapeText, shortText, terminalSafeJson } from '../core/escape';
import { ENGINE_LABELS } from '../core/engines/types';
import type { EngineId } from '../core/engines/types';
import { checkStartUp, modelFromHparams } from '../core/logs';
import type { LogCheck, LogValue, StartUp } from '../core/logs';
import type { ModelDescription } from '../core/types';
import { inspectPath, readConfigFile } from '../io/readConfigFile';
import { readLogFile } from '../io/readLog';
import { modelInputOf, resolveModelInput } from './modelInputs';
import { processOutput, type CliOutput } from './output';
import { renderTable } from './table';

export const CHECK_LOG_USAGE = `Usage: kv-lens check-log <LOG> [--config FILE | --model ID] [--set key=value]... [--json]

  --config FILE    the model's config.json (overrides the model the log names)
  --model ID       a local folder / config file or a Hub model id (ORG/NAME[@REV])
  --set key=value  a setting the log does not print, as the engine spells it (disable_hybrid_swa_memory=true,
                   max_num_batched_tokens=8192, kv_unified=true ...); overrides the log's
  --json           one JSON object per start-up: { engine, version, model, settings, figures: [{ name, logged,
                   predicted, unit, match }] }
  -h, --help       this help

Reads vLLM (V1 and V0), SGLang, llama.cpp, ik_llama.cpp and TensorRT-LLM start-up lines (ANSI codes, process prefixes and several
start-ups in one file are handled; a large log is read only up to the end of its start-up section).
A figure matches within 0.5% or the log's own rounding. Exit codes: 0 every predicted figure matches,
1 a mismatch or something could not be read, 2 usage error.`;

interface Options {
  log?: string;
  config?: string;
  model?: string;
  set: Record<string, LogValue>;
  json: boolean;
  help: boolean;
}

function parseSet(list: string[]): Record<string, LogValue> {
  const out: Record<string, LogValue> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`--set expects key=value, got ${shortText(item)}`);
    const key = item.slice(0, eq).trim().replace(/-/g, '_');
    const raw = item.slice(eq + 1).trim();
    out[key] = /^(true|false)$/i.test(raw) ? raw.toLowerCase() === 'true' : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  }
  return out;
}

function parseOptions(args: string[]): Options {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, strict: true,
    options: {
      config: { type: 'string' }, model: { type: 'string' }, set: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (positionals.length > 1) throw new Error(`one log at a time (got ${positionals.length})`);
  if (values.config && values.model) throw new Error('give --config or --model, not both');
  return {
    ...(positionals[0] !== undefined ? { log: positionals[0] } : {}),
    ...(values.config ? { config: values.config } : {}),
    ...(values.model ? { model: values.model } : {}),
    set: parseSet(values.set ?? []), json: values.json ?? false, help: values.help ?? false,
  };
}

/** A model read from config text, or why not. */
function modelOfText(file: string, text: string): { model: ModelDescription; source: string } | { error: string } {
  const a = analyzeText(text, { jsonc: /\.jsonc$/i.test(file) });
  if (!a.model) return { error: `${file}: ${a.error ?? 'no model found'}` };
  return { model: a.model, source: file };
}

/** Reads a config file or a folder's config.json. */
function modelOfPath(path: string): { model: ModelDescription; source: string } | { error: string } | undefined {
  const what = inspectPath(path);
  if (what.kind === 'error') return what.error.kind === 'missing' ? undefined : { error: `${path}: ${what.error.reason}` };
  const file = what.kind === 'directory' ? join(path, 'config.json') : path;
  if (/\.gguf$/i.test(file)) return undefined;
  const read = readConfigFile(file);
  if ('error' in read) return { error: `${file}: ${read.error.reason}` };
  return modelOfText(file, read.text);
}

type Resolved = { model: ModelDescription; source: string } | { error: string };

async function resolveModel(o: Options, su: StartUp): Promise<Resolved> {
  if (o.config) {
    const read = readConfigFile(o.config);
    if ('error' in read) return { error: `--config ${o.config}: ${read.error.reason}` };
    return modelOfText(o.config, read.text);
  }
  const named = o.model ?? su.model;
  if (named) {
    const local = modelOfPath(named);
    if (local) return local;
    const hub = modelInputOf(named);
    if (hub) {
      const r = await resolveModelInput(hub);
      if (!('error' in r)) return modelOfText(r.file, r.text);
      if (o.model) return { error: `--model ${o.model}: ${r.error}` };
    } else if (o.model) return { error: `--model ${o.model}: no such file or folder, and not a Hub id (ORG/NAME)` };
  }
  if ((su.engine === 'llama.cpp' || su.engine === 'ik_llama.cpp') && Object.keys(su.hparams).length) {
    const built = modelFromHparams(su);
    if (built.model) return { model: built.model, source: 'the hparams printed in the log' };
  }
  return { error: `the model${named ? ` the log names (${named})` : ''} could not be found here: give its config with --config FILE (or --model ID)` };
}

const engineName = (e: string) => ENGINE_LABELS[e as EngineId] ?? e;
const fmt = (n: number | null, unit: string) => (n === null ? '-' : `${Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 3 })}${unit === 'tokens' || unit === 'cells' || unit === 'blocks' || unit === 'layers' ? '' : ` ${unit}`}`);

/** The table for one start-up. */
export function renderCheck(c: LogCheck, source: string, index: number, count: number): string {
  // Everything here may come from the log or a file name: escaped even where the stream is not.
  const head = `${count > 1 ? `start-up ${index + 1} of ${count}: ` : ''}${escapeText(engineName(c.engine))}${c.version ? ` ${escapeText(c.version)}` : ''}, model ${c.model ? escapeText(c.model) : '(not named in the log)'}\n  model read from: ${escapeText(source)}`;
  const settings = Object.entries(c.settings).filter(([, v]) => v !== null).slice(0, 40).map(([k, v]) => `${shortText(k)}=${shortText(displayValue(v))}`).join(', ');
  const rows = c.figures.map((f) => [
    f.name, fmt(f.logged, f.unit), fmt(f.predicted, f.unit),
    f.predicted === null ? '' : `${f.predicted - f.logged >= 0 ? '+' : ''}${+(f.predicted - f.logged).toFixed(3)}`,
    f.match === null ? 'n/a' : f.match ? 'yes' : 'NO', f.reason ?? '',
  ]);
  const table = c.figures.length ? renderTable(['figure', 'logged', 'predicted', 'difference', 'match', 'why / note'], rows, '  ') : '  (no KV figures in this start-up)';
  return `${head}\n  settings: ${settings || '(none printed)'}\n${table}${c.notes.length ? '\n' + c.notes.map((n) => `  - ${escapeText(n)}`).join('\n') : ''}\n`;
}

/** The --json object: exactly the documented keys. */
export function checkJson(c: LogCheck): unknown {
  return {
    engine: c.engine, version: c.version, model: c.model, settings: c.settings,
    figures: c.figures.map((f) => ({ name: f.name, logged: f.logged, predicted: f.predicted, unit: f.unit, match: f.match })),
  };
}

export async function runCheckLogCli(args: string[], io?: CliOutput): Promise<number> {
  let o: Options;
  try {
    o = parseOptions(args);
  } catch (e) {
    (io ?? processOutput(true)).err(`kv-lens check-log: ${escapeText(e instanceof Error ? e.message : String(e))}\n\n${CHECK_LOG_USAGE}\n`);
    return 2;
  }
  const out = io ?? processOutput(!o.json);
  if (o.help) {
    out.out(CHECK_LOG_USAGE + '\n');
    return 0;
  }
  if (!o.log) {
    out.err(`kv-lens check-log: name a log file\n\n${CHECK_LOG_USAGE}\n`);
    return 2;
  }
  const reading = readLogFile(o.log);
  if ('error' in reading) {
    out.err(`kv-lens check-log: ${escapeText(reading.error.message)}\n`);
    return 1;
  }
  let failed = false;
  const known = reading.startUps.filter((s) => s.engine);
  if (known.length === 0) {
    const what = reading.startUps.flatMap((s) => [...Object.entries(s.settings).map(([k, v]) => `${k}=${displayValue(v)}`), ...s.figures.map((f) => `${f.name}=${f.value} ${f.unit}`)]);
    out.err(`kv-lens check-log: ${escapeText(o.log)}: no start-up of an engine KV Lens knows (vLLM, SGLang, llama.cpp, ik_llama.cpp, TensorRT-LLM) in ${reading.lines} lines${what.length ? `; read: ${escapeText(what.slice(0, 30).join(', '))}` : '; nothing recognised'}\n`);
    if (o.json) out.out(terminalSafeJson({ engine: 'unknown', version: null, model: null, settings: {}, figures: [] }) + '\n');
    return 1;
  }
  for (const [i, su] of known.entries()) {
    if (out.closed) break;
    const resolved = await resolveModel(o, su);
    if ('error' in resolved) {
      failed = true;
      out.err(`kv-lens check-log: ${escapeText(o.log)}: ${escapeText(resolved.error)}\n`);
      const bare: LogCheck = { engine: su.engine ?? 'unknown', version: su.version ?? null, model: su.model ?? null, settings: { ...su.settings, ...o.set }, notes: [], figures: su.figures.map((f) => ({ name: f.name, logged: f.value, predicted: null, unit: f.unit, match: null, reason: 'no model to predict from', line: f.line })) };
      out.out(o.json ? terminalSafeJson(checkJson(bare)) + '\n' : renderCheck(bare, '(not found)', i, known.length));
      continue;
    }
    const c = checkStartUp(su, resolved.model, o.set);
    if (resolved.source === 'the hparams printed in the log') c.notes.unshift(...resolved.model.notes);
    if (c.figures.some((f) => f.match === false)) failed = true;
    out.out(o.json ? terminalSafeJson(checkJson(c)) + '\n' : renderCheck(c, resolved.source, i, known.length));
  }
  if (!o.json) {
    if (reading.stoppedEarly) out.out(`(${reading.stoppedEarly})\n`);
    if (reading.longLines) out.out(`(${reading.longLines} lines longer than the reader's limit were read only in part)\n`);
  }
  return failed ? 1 : 0;
}
