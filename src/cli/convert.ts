/**
 * `kv-lens convert SRC --kv-heads N --out DST [--method mean|mean-norm] [--force] [--json]`: writes SRC's checkpoint
 * with its K/V heads mean-pooled to N (GQA uptraining, src/convert/runner.ts) and prints what pooling cost the
 * weights, layer by layer. Exit codes: 0 written, 1 refused or failed (nothing written), 2 usage error, 130
 * interrupted (Ctrl-C cancels: the temporary folder is removed, nothing at DST). Progress goes to stderr; every path
 * and name printed comes from the user's files and goes through the escaper.
 */
import { escapeText, terminalSafeJson } from '../core/escape';
import { POOL_METHODS, type PoolMethod } from '../core/uptrain/pool';
import { convertCheckpoint, ConvertRefusal, type ConvertReport } from '../convert/runner';
import type { ConvertJob } from '../convert/protocol';
import { processOutput, type CliOutput } from './output';
import { scanFlags, UsageError } from './flags';

export const CONVERT_USAGE = `usage: kv-lens convert <SRC folder> --kv-heads N --out <DST folder> [--method mean|mean-norm] [--force] [--no-functional] [--json]
  Writes SRC (config.json + model.safetensors or a sharded index) to DST with each group of K/V heads mean-pooled
  into one (GQA uptraining, Ainslie et al. 2023). SRC is never modified.
  --kv-heads  the new KV head count: a divisor of the model's KV heads
  --method    mean (the paper's recipe, default) or mean-norm (then each pooled head rescaled to its members' mean norm)
  --force     replace a non-empty DST
  --no-functional  skip the functional check (each layer's attention output, original vs converted weights, run
              through onnxruntime on the embeddings of a fixed text)
  --json      per-layer figures and the summary as JSON
The figures are attention-layer errors before fine-tuning, not model quality: fine-tune the result next.
Exit codes: 0 written, 1 refused or failed (nothing written), 2 usage error, 130 interrupted.`;


/** The command line: the worker's conversion job, and how to print it. */
type ConvertArgs = Omit<ConvertJob, 'kind'> & { json: boolean };

const VALUED = ['--kv-heads', '--out', '--method'];

function parseArgs(args: string[]): ConvertArgs {
  const { values: flags, booleans, positional } = scanFlags(args, { valued: VALUED, booleans: ['--json', '--force', '--no-functional'] });
  const json = booleans.has('--json');
  const force = booleans.has('--force');
  const functional = !booleans.has('--no-functional');
  if (positional.length !== 1) throw new UsageError(positional.length ? `one SRC folder expected, got ${positional.length}` : 'missing <SRC folder>');
  const heads = flags.get('--kv-heads');
  if (heads === undefined) throw new UsageError('--kv-heads N is required');
  if (!/^[1-9][0-9]{0,6}$/.test(heads)) throw new UsageError(`--kv-heads: expected a whole number from 1, got ${JSON.stringify(heads)}`);
  const out = flags.get('--out');
  if (out === undefined) throw new UsageError('--out DST is required');
  const method = flags.get('--method') ?? 'mean';
  if (!(POOL_METHODS as readonly string[]).includes(method)) throw new UsageError(`--method: expected ${POOL_METHODS.join('|')}, got ${JSON.stringify(method)}`);
  return { src: positional[0]!, out, kvHeads: Number(heads), method: method as PoolMethod, force, functional, json };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** The table: one line per layer, then the summary and the notes. */
export function formatConvertReport(r: ConvertReport): string {
  const lines = [
    `Converted ${escapeText(r.src)} -> ${escapeText(r.out)}`,
    `  ${escapeText(r.modelType ?? '(no model_type)')}, ${r.layout} layout, ${r.dtype}: ${r.queryHeads} query heads, KV heads ${r.oldKvHeads} -> ${r.newKvHeads} (${r.method}), written ${r.output}`,
    '',
    'Weight-sharing error per layer (Σ‖W_h − group mean‖² / Σ‖W_h‖², K and V) and pooled/original norm ratio:',
    '  layer   K+V error   K error   V error   K norm   V norm',
  ];
  for (const l of r.layers) {
    lines.push(`  ${String(l.layer).padStart(5)}   ${pct(l.sharingError).padStart(9)}   ${pct(l.k.sharingError).padStart(7)}   ${pct(l.v.sharingError).padStart(7)}   ${l.k.normRatio.toFixed(3).padStart(6)}   ${l.v.normRatio.toFixed(3).padStart(6)}`);
  }
  const s = r.summary.sharingError;
  lines.push('', `Sharing error: worst layer ${s.worstLayer}: ${pct(s.worst)}; median ${pct(s.median)}.`);
  if (r.functional) {
    const f = r.functional;
    lines.push('', `Functional check (${f.label}):`, `  inputs: ${escapeText(f.inputs)}; ${escapeText(f.positions)}; causal`, '  layer   rel. error   cosine');
    for (const l of f.layers) lines.push(`  ${String(l.layer).padStart(5)}   ${pct(l.relativeError).padStart(10)}   ${l.cosine.toFixed(5)}`);
    const e = r.summary.relativeError!;
    lines.push(`Relative error ‖A' − A‖ / ‖A‖: worst layer ${e.worstLayer}: ${pct(e.worst)}; median ${pct(e.median)}.`);
  }
  lines.push('These are attention-layer errors before fine-tuning, not model quality; fine-tune the converted model next.');
  for (const n of r.notes) lines.push(`Note: ${escapeText(n)}`);
  lines.push(`Wrote ${r.files.length} files, ${(r.bytesWritten / 2 ** 20).toFixed(1)} MiB of weights, in ${r.seconds.toFixed(1)} s.`);
  return lines.join('\n');
}

/** Runs `kv-lens convert`; returns the exit code. */
export async function runConvertCli(args: string[], io?: CliOutput): Promise<number> {
  let parsed: ConvertArgs;
  const o = io ?? processOutput(false);
  try {
    parsed = parseArgs(args);
  } catch (e) {
    if (e instanceof UsageError && e.help) {
      o.out(CONVERT_USAGE + '\n');
      return 0;
    }
    o.err(`kv-lens convert: ${escapeText(e instanceof Error ? e.message : String(e))}\n${CONVERT_USAGE}\n`);
    return 2;
  }
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  const tty = process.stderr.isTTY === true;
  let last = 0;
  try {
    const report = await convertCheckpoint({
      ...parsed,
      signal: controller.signal,
      onFidelityLayer: (done, total) => {
        const line = `functional check: layer ${done} of ${total}`;
        o.err(tty ? `\r\x1b[K${line}` : done === total || done % 8 === 0 ? `${line}\n` : '');
      },
      onProgress: (p) => {
        const now = Date.now();
        if (now - last < 1000 && p.bytesDone < p.bytesTotal) return;
        last = now;
        const line = `[${((p.bytesDone / Math.max(1, p.bytesTotal)) * 100).toFixed(0).padStart(3)}%] ${escapeText(p.file)} ${escapeText(p.tensor)}`;
        o.err(tty ? `\r\x1b[K${line}` : `${line}\n`);
      },
    });
    if (tty) o.err('\r\x1b[K');
    if (parsed.json) o.out(terminalSafeJson(report, 2) + '\n');
    else o.out(formatConvertReport(report) + '\n');
    return 0;
  } catch (e) {
    if (tty) o.err('\r\x1b[K');
    if (e instanceof Error && e.name === 'AbortError') {
      o.err('kv-lens convert: cancelled; nothing was written\n');
      return 130;
    }
    if (e instanceof ConvertRefusal) {
      if (parsed.json) o.out(terminalSafeJson({ error: e.message }, 2) + '\n');
      o.err(`kv-lens convert: ${escapeText(e.message)}\n`);
      return 1;
    }
    o.err(`kv-lens convert: failed, nothing was written: ${escapeText(e instanceof Error ? e.message : String(e))}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
}
