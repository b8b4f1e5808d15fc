/**
 * Where the CLI writes. A closed stdout (`kv-lens analyze many --json | head -c 100`) ends the run quietly:
 * the EPIPE is caught on the stream, later writes are dropped, and the commands stop at the next file.
 * Text written in table mode goes through {@link escapeLines}, the last net under the per-value escaping.
 */
import { escapeLines } from '../core/escape';

/** The two streams of one run. */
export interface CliOutput {
  /** Writes to stdout (dropped once stdout is closed). */
  out(s: string): void;
  /** Writes to stderr (dropped once stderr is closed). */
  err(s: string): void;
  /** The reader of stdout has gone away: stop producing output. */
  readonly closed: boolean;
}

let stdoutClosed = false;
let stderrClosed = false;
let installed = false;

function isPipeClosed(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ECONNRESET' || code === 'ERR_STREAM_WRITE_AFTER_END';
}

/** Catches EPIPE on process.stdout and process.stderr (once per process). Other stream errors are rethrown. */
export function installPipeHandlers(): void {
  if (installed) return;
  installed = true;
  process.stdout.on('error', (e) => {
    if (!isPipeClosed(e)) throw e;
    stdoutClosed = true;
  });
  process.stderr.on('error', (e) => {
    if (!isPipeClosed(e)) throw e;
    stderrClosed = true;
  });
}

/**
 * The process's streams, EPIPE-safe. With `escapeOut` (table mode) stdout text goes through {@link escapeLines};
 * JSON output is made terminal-safe where it is written. stderr text always does.
 */
export function processOutput(escapeOut: boolean): CliOutput {
  installPipeHandlers();
  return {
    out(s) {
      if (!stdoutClosed && !process.stdout.destroyed) process.stdout.write(escapeOut ? escapeLines(s) : s);
    },
    err(s) {
      if (!stderrClosed && !process.stderr.destroyed) process.stderr.write(escapeLines(s));
    },
    get closed() {
      return stdoutClosed || process.stdout.destroyed;
    },
  };
}

/** Lets pending stream events (an EPIPE from the last write) arrive before the next file is worked on. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
