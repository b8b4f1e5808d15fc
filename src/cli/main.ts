/**
 * The `kv-lens` command: `analyze` (the core, no native code) and `bench` (onnxruntime-node in a worker).
 */
import { ANALYZE_USAGE, runAnalyzeCli } from './analyze';
import { runBenchCli } from './bench';
import { runCheckLogCli } from './checkLog';
import { runConvertCli } from './convert';
import { escapeLines, escapeText } from '../core/escape';
import { installPipeHandlers } from './output';

const USAGE = `kv-lens: attention grouping and KV-cache cost of HuggingFace config.json files

Usage:
  kv-lens analyze <config.json | folder | ORG/NAME[@REV]>... [--context N] [--batch N] [--kv-dtype T] [--tp N] [--gpu-mem GiB] [--json]
  kv-lens bench <config.json> [--ep auto|cpu|webgpu|cuda] [--phase decode|prefill] [--context L,...] [--json] ...
  kv-lens convert <SRC folder> --kv-heads N --out <DST folder> [--method mean|mean-norm] [--force] [--json]
  kv-lens check-log <LOG> [--config FILE | --model ID] [--set key=value]... [--json]
  kv-lens <command> --help

${ANALYZE_USAGE.split('\n').slice(1).join('\n')}`;

async function main(argv: string[]): Promise<number> {
  // A closed stdout (`kv-lens analyze ... | head`) ends the run quietly, never with an EPIPE stack trace.
  installPipeHandlers();
  const [command, ...rest] = argv;
  switch (command) {
    case 'analyze':
      return runAnalyzeCli(rest);
    case 'bench':
      return runBenchCli(rest);
    case 'convert':
      return runConvertCli(rest);
    case 'check-log':
      return runCheckLogCli(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      // Asked for: the usage on stdout, exit 0. No command at all is a usage error: stderr, exit 2.
      if (command === undefined) {
        process.stderr.write(USAGE + '\n');
        return 2;
      }
      process.stdout.write(USAGE + '\n');
      return 0;
    default:
      // A bare path means analyze: `kv-lens config.json`.
      if (!command.startsWith('-')) return runAnalyzeCli(argv);
      process.stderr.write(`kv-lens: unknown option ${escapeText(command)}\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`kv-lens: ${escapeLines(e instanceof Error ? e.stack ?? e.message : String(e))}\n`);
    process.exitCode = 1;
  },
);
