/**
 * `kv-lens bench <config> [flags]`: times the config's attention and its MHA / GQA / MQA variants
 * in the benchmark worker and prints a table (or JSON with --json). Exit codes: 0 done, 1 the run
 * failed (unreadable or invalid config, unavailable EP, memory refusal, mismatch, crash), 2 usage error
 * (unknown, repeated or inapplicable flag, bad value), 130 interrupted. The config is read by the one
 * reader (src/io/readConfigFile); what is printed from it goes through the escaper (./escape).
 */
import { basename, dirname, join } from 'node:path';
import { BenchClient } from '../bench/client';
import { formatReport } from '../bench/format';
import { allowedVariants, benchModelFromText, defaultVariants } from '../bench/fromConfig';
import { MAX_CONTEXTS, MAX_THREADS } from '../bench/plan';
import { ALL_PATHS, BenchError, type BenchModel, type BenchPath, type BenchRequest, type EpChoice } from '../shared/benchProtocol';
import { ConfigReadError, inspectPath, readConfigFileOrThrow } from '../io/readConfigFile';
import { escapeLines, escapeText, terminalSafeJson } from '../core/escape';
import { processOutput, type CliOutput } from './output';
import { parseCount, parseCountList, SizeError } from '../core/sizes';
import { scanFlags, UsageError } from './flags';

const USAGE = `usage: kv-lens bench <config.json | folder> [--ep auto|cpu|webgpu|cuda] [--phase decode|prefill]
                     [--context L,...] [--prompt S] [--batch B] [--dtype fp32|fp16]
                     [--variants 32,8,1] [--op gqa|attention] [--threads N] [--json]
  --context   decode only: cache lengths (k = 1024, m = 1048576: 4k,16k); default 4096
  --prompt    prefill only: prompt length (k = 1024); default 512
  --variants  KV head counts to time (divisors of the query heads); default MHA, the config's, MQA
  --op        fused op to time besides the MatMul forms (plain, grouped, groupedVt); default both ops
              (gqa includes its int8 KV cache, gqaInt8: decode on the CPU, fp32)
Exit codes: 0 done, 1 the run failed (unreadable config, unavailable EP, memory refusal, mismatch, crash),
2 usage error (unknown, repeated or inapplicable flag, bad value), 130 interrupted.`;

/** A command-line mistake: the message names the flag; exit code 2. `help` asks for the usage itself (exit 0). */

/** Most tokens one context or prompt may name (the memory plan refuses what does not fit, with the largest that does). */
const MAX_TOKENS = 2 ** 40;

function count(flag: string, text: string, max: number, suffix = false): number {
  try {
    return parseCount(flag, text, { max, suffix });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

function countList(flag: string, text: string, max: number, suffix: boolean, maxItems: number): number[] {
  try {
    return parseCountList(flag, text, { max, suffix, maxItems });
  } catch (e) {
    throw new UsageError(e instanceof SizeError ? e.message : String(e));
  }
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag}: expected ${allowed.join('|')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** The parsed command line. */
interface BenchArgs {
  config: string;
  flags: Map<string, string>;
  json: boolean;
}

const VALUED = ['--ep', '--phase', '--context', '--prompt', '--batch', '--dtype', '--variants', '--op', '--threads'];

function parseArgs(args: string[]): BenchArgs {
  const { values: flags, booleans, positional } = scanFlags(args, { valued: VALUED, booleans: ['--json'] });
  if (positional.length !== 1) throw new UsageError(positional.length ? `one config file expected, got ${positional.length}` : 'missing <config.json>');
  return { config: positional[0]!, flags, json: booleans.has('--json') };
}

/** A folder given for the config means the config.json in it, as for `analyze`. */
function configPath(config: string): string {
  const what = inspectPath(config);
  return what.kind === 'directory' ? join(config, 'config.json') : config;
}

/** Reads the config through the one reader (kind, cap, encoding): throws {@link ConfigReadError}. */
function readConfig(path: string): string {
  return readConfigFileOrThrow(path).text;
}

/**
 * Builds the worker request from the command line and the config. Every flag is checked before the config is
 * read, and a flag the chosen phase does not use is refused: `--context` is decode's (cache lengths), `--prompt`
 * prefill's (a prefill has no past, and a decode step reads one new token).
 */
export function requestFromArgs(args: string[], readText: (path: string) => string = readConfig): { request: BenchRequest; json: boolean } {
  const { config, flags, json } = parseArgs(args);
  const get = (flag: string) => flags.get(flag);
  const ep = oneOf<EpChoice>('--ep', get('--ep') ?? 'auto', ['auto', 'cpu', 'webgpu', 'cuda']);
  const phase = oneOf('--phase', get('--phase') ?? 'decode', ['decode', 'prefill'] as const);
  const dtype = oneOf('--dtype', get('--dtype') ?? 'fp32', ['fp32', 'fp16'] as const);
  const op = get('--op');
  // The matmul forms always run; --op picks the fused op (gqa brings its int8-cache form, decode on the CPU).
  const fused = op ? oneOf('--op', op, ['gqa', 'attention'] as const) : undefined;
  const paths: BenchPath[] = fused === undefined ? [...ALL_PATHS] : [...(fused === 'gqa' ? (['gqa', 'gqaInt8'] as const) : (['attention'] as const)), 'plain', 'grouped', 'groupedVt'];
  if (phase === 'prefill' && get('--context') !== undefined) throw new UsageError('--context sets decode cache lengths; a prefill has no past: use --prompt for its length (or --phase decode)');
  if (phase === 'decode' && get('--prompt') !== undefined) throw new UsageError('--prompt sets the prefill prompt length; a decode step reads one new token: use --context for cache lengths (or --phase prefill)');
  const contexts = countList('--context', get('--context') ?? '4096', MAX_TOKENS, true, MAX_CONTEXTS);
  const prompt = count('--prompt', get('--prompt') ?? '512', MAX_TOKENS, true);
  const batch = count('--batch', get('--batch') ?? '1', 1e7);
  const threads = get('--threads') === undefined ? undefined : count('--threads', get('--threads')!, MAX_THREADS);
  const asked = get('--variants') === undefined ? undefined : countList('--variants', get('--variants')!, 2 ** 52, false, 64);

  const path = configPath(config);
  const name = basename(path) === 'config.json' ? basename(dirname(path)) || 'config' : basename(path);
  const model: BenchModel = benchModelFromText(readText(path), name);
  const variants = asked ?? defaultVariants(model);
  for (const kv of variants) {
    if (model.queryHeads % kv === 0) continue;
    const allowed = allowedVariants(model);
    throw new UsageError(`--variants: ${kv} does not divide ${model.queryHeads} query heads${allowed.length ? ` (allowed: ${allowed.join(',')})` : ''}`);
  }
  const request: BenchRequest = { model, variants, ep, phase, contexts, prompt, batch, dtype, paths };
  if (threads !== undefined) request.threads = threads;
  return { request, json };
}

/** Runs `kv-lens bench`; returns the process exit code. */
export async function runBenchCli(args: string[], io?: CliOutput): Promise<number> {
  const o = io ?? processOutput(false);
  let parsed: ReturnType<typeof requestFromArgs>;
  try {
    parsed = requestFromArgs(args);
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.help) {
        o.out(USAGE + '\n');
        return 0;
      }
      o.err(`kv-lens bench: ${escapeText(error.message)}\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof ConfigReadError) {
      o.err(`kv-lens bench: ${escapeText(error.path)}: ${escapeText(error.reason)}\n`);
      return 1;
    }
    if (error instanceof BenchError) {
      o.err(`kv-lens bench: ${escapeLines(error.info.message)}\n`);
      return 1;
    }
    o.err(`kv-lens bench: KV Lens failed (please report it): ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const client = new BenchClient();
  const interrupt = () => client.cancel();
  process.once('SIGINT', interrupt);
  let lastProgress = 0;
  try {
    const report = await client.run(parsed.request, {
      onProgress: (p) => {
        if (parsed.json || !process.stderr.isTTY || Date.now() - lastProgress < 1000) return;
        lastProgress = Date.now();
        process.stderr.write(`\r\x1b[K[${(p.fraction * 100).toFixed(0).padStart(3)}%] ${escapeText(p.message)}`);
      },
    });
    if (!parsed.json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    if (parsed.json) {
      // Provenance travels with every result, so a result copied out alone still says where it ran.
      o.out(terminalSafeJson({ ...report, results: report.results.map((r) => ({ ...r, provenance: report.provenance })) }, 2) + '\n');
    } else {
      // The model name is a file or folder name: escaped whole (a newline in it must not forge a line).
      o.out(escapeLines(formatReport({ ...report, model: { ...report.model, name: escapeText(report.model.name) } })) + '\n');
    }
    return 0;
  } catch (error) {
    if (error instanceof BenchError) {
      if (error.info.code === 'cancelled') return 130;
      if (parsed.json) o.out(terminalSafeJson({ error: error.info }, 2) + '\n');
      else o.err(`kv-lens bench: ${escapeLines(error.info.message)}${error.info.remedy ? `\n  To fix: ${escapeLines(error.info.remedy)}` : ''}\n`);
      return 1;
    }
    o.err(`kv-lens bench: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', interrupt);
    client.dispose();
  }
}
