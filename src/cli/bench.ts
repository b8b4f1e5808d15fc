/**
 * `kv-lens bench <config> [flags]`: times the config's attention and its MHA / GQA / MQA variants
 * in the benchmark worker and prints a table (or JSON with --json). Exit codes: 0 done, 1 the run
 * failed (unavailable EP, memory refusal, mismatch, crash), 2 usage error, 130 interrupted.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { BenchClient } from '../bench/client';
import { formatReport } from '../bench/format';
import { allowedVariants, benchModelFromText, defaultVariants } from '../bench/fromConfig';
import { BenchError, type BenchPath, type BenchRequest, type EpChoice } from '../shared/benchProtocol';

const USAGE = `usage: kv-lens bench <config.json> [--ep auto|cpu|webgpu|cuda] [--phase decode|prefill]
                     [--context L,...] [--prompt S] [--batch B] [--dtype fp32|fp16]
                     [--variants 32,8,1] [--op gqa|attention] [--threads N] [--json]
  --context   decode cache lengths (k = 1024: 4k,16k); default 4096
  --prompt    prefill prompt length; default 512
  --variants  KV head counts to time (divisors of the query heads); default MHA, the config's, MQA
  --op        fused op to time besides the plain and grouped MatMul forms; default both ops`;

class UsageError extends Error {}

function parseCount(flag: string, text: string): number {
  const m = /^(\d+)(k?)$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: expected a positive integer, got '${text}'`);
  const n = Number(m[1]) * (m[2] ? 1024 : 1);
  if (n <= 0) throw new UsageError(`${flag}: expected a positive integer, got '${text}'`);
  return n;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag}: expected ${allowed.join('|')}, got '${value}'`);
  return value as T;
}

/** The parsed command line. */
interface BenchArgs {
  config: string;
  flags: Map<string, string>;
  json: boolean;
}

function parseArgs(args: string[]): BenchArgs {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  let json = false;
  const valued = ['--ep', '--phase', '--context', '--prompt', '--batch', '--dtype', '--variants', '--op', '--threads'];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--json') json = true;
    else if (arg === '-h' || arg === '--help') throw new UsageError('');
    else if (arg.startsWith('--')) {
      const [name, inline] = arg.split('=', 2) as [string, string | undefined];
      if (!valued.includes(name)) throw new UsageError(`unknown flag ${name}`);
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      flags.set(name, value);
    } else positional.push(arg);
  }
  if (positional.length !== 1) throw new UsageError(positional.length ? `one config file expected, got ${positional.length}` : 'missing <config.json>');
  return { config: positional[0]!, flags, json };
}

/** Builds the worker request from the command line and the config. */
export function requestFromArgs(args: string[], readText: (path: string) => string = (p) => readFileSync(p, 'utf8')): { request: BenchRequest; json: boolean } {
  const { config, flags, json } = parseArgs(args);
  const name = basename(config) === 'config.json' ? basename(dirname(config)) || 'config' : basename(config);
  const model = benchModelFromText(readText(config), name);
  const get = (flag: string) => flags.get(flag);
  const variants = get('--variants') ? get('--variants')!.split(',').map((v) => parseCount('--variants', v)) : defaultVariants(model);
  const allowed = allowedVariants(model);
  for (const kv of variants) if (!allowed.includes(kv)) throw new UsageError(`--variants: ${kv} does not divide ${model.queryHeads} query heads (allowed: ${allowed.join(',')})`);
  const op = get('--op');
  const paths: BenchPath[] = op ? [oneOf('--op', op, ['gqa', 'attention'] as const), 'plain', 'grouped'] : ['gqa', 'attention', 'plain', 'grouped'];
  const request: BenchRequest = {
    model,
    variants,
    ep: oneOf<EpChoice>('--ep', get('--ep') ?? 'auto', ['auto', 'cpu', 'webgpu', 'cuda']),
    phase: oneOf('--phase', get('--phase') ?? 'decode', ['decode', 'prefill'] as const),
    contexts: (get('--context') ?? '4096').split(',').map((c) => parseCount('--context', c)),
    prompt: parseCount('--prompt', get('--prompt') ?? '512'),
    batch: parseCount('--batch', get('--batch') ?? '1'),
    dtype: oneOf('--dtype', get('--dtype') ?? 'fp32', ['fp32', 'fp16'] as const),
    paths,
  };
  if (get('--threads')) request.threads = parseCount('--threads', get('--threads')!);
  return { request, json };
}

/** Runs `kv-lens bench`; returns the process exit code. */
export async function runBenchCli(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof requestFromArgs>;
  try {
    parsed = requestFromArgs(args);
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) console.error(`kv-lens bench: ${error.message}`);
      console.error(USAGE);
      return 2;
    }
    console.error(`kv-lens bench: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof BenchError ? 1 : 2;
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
        process.stderr.write(`\r\x1b[K[${(p.fraction * 100).toFixed(0).padStart(3)}%] ${p.message}`);
      },
    });
    if (!parsed.json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    if (parsed.json) {
      // Provenance travels with every result, so a result copied out alone still says where it ran.
      console.log(JSON.stringify({ ...report, results: report.results.map((r) => ({ ...r, provenance: report.provenance })) }, null, 2));
    } else console.log(formatReport(report));
    return 0;
  } catch (error) {
    if (error instanceof BenchError) {
      if (error.info.code === 'cancelled') return 130;
      if (parsed.json) console.log(JSON.stringify({ error: error.info }, null, 2));
      else console.error(`kv-lens bench: ${error.info.message}${error.info.remedy ? `\n  To fix: ${error.info.remedy}` : ''}`);
      return 1;
    }
    console.error(`kv-lens bench: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    process.removeListener('SIGINT', interrupt);
    client.dispose();
  }
}
