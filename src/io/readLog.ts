/**
 * Streams an engine log from disk into the line reader (`core/logs/reader.ts`): 1 MiB at a time, split into
 * lines, each line cut to MAX_LINE_CHARS before it is held (a 2 GB line costs no more memory than a short one),
 * and reading stops once the start-up section is over (LINES_AFTER_STARTUP lines after the last start-up's KV
 * figures with no new start-up) or past MAX_LOG_BYTES. A 2 GB server log with its start-up at the top is read for
 * its first few megabytes. The path goes through the same checks as config files (no devices, FIFOs, folders).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../core/analyze';
import { MAX_LINE_CHARS, LogReader, modelFromHparams } from '../core/logs';
import type { LogReading, StartUp } from '../core/logs';
import type { ModelDescription } from '../core/types';
import { ConfigReadError, inspectPath, readConfigFile, systemError } from './readConfigFile';

/** The most bytes read from one log; what follows is not read (and the reading says so). */
export const MAX_LOG_BYTES = 512 * 1024 * 1024;

const CHUNK = 1 << 20;

/** Options for tests and the editor. */
export interface ReadLogOptions {
  maxBytes?: number;
}

/** The reading of a log file plus how much of it was read. */
export interface LogFileReading extends LogReading {
  bytesRead: number;
}

/** Reads a log file; throws ConfigReadError when the path cannot be read. */
export function readLogFileOrThrow(path: string, options: ReadLogOptions = {}): LogFileReading {
  const kind = inspectPath(path);
  if (kind.kind === 'error') throw kind.error;
  if (kind.kind === 'directory') throw new ConfigReadError(path, 'directory', 'is a folder, not a log file');
  const maxBytes = options.maxBytes ?? MAX_LOG_BYTES;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw systemError(path, e, 'open');
  }
  const reader = new LogReader();
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const buf = Buffer.allocUnsafe(CHUNK);
  let bytesRead = 0;
  let line = '';
  let overlong = false;
  let stopped: string | undefined;
  try {
    if (!fstatSync(fd).isFile()) throw new ConfigReadError(path, 'not-regular', 'is not a regular file');
    for (;;) {
      if (bytesRead >= maxBytes) {
        stopped = `stopped after ${Math.round(maxBytes / 1024 / 1024)} MiB: the rest of the file was not read`;
        break;
      }
      let n: number;
      try {
        n = readSync(fd, buf, 0, Math.min(CHUNK, maxBytes - bytesRead), null);
      } catch (e) {
        throw systemError(path, e);
      }
      if (n === 0) break;
      bytesRead += n;
      // Inside a line already cut: bytes up to its end are dropped undecoded (a 2 GB line costs a byte scan).
      if (overlong && buf.subarray(0, n).indexOf(10) < 0) continue;
      const text = decoder.decode(buf.subarray(0, n), { stream: true });
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        const piece = text.slice(start, nl < 0 ? text.length : nl);
        // Hold at most MAX_LINE_CHARS + 1 characters of a line: enough for the reader to know it was cut.
        if (!overlong) {
          line += piece.slice(0, MAX_LINE_CHARS + 1 - line.length);
          if (line.length > MAX_LINE_CHARS) overlong = true;
        }
        if (nl < 0) break;
        reader.push(line);
        line = '';
        overlong = false;
        start = nl + 1;
        if (reader.done) break;
      }
      if (reader.done) {
        stopped = `stopped at line ${reader.finish().lines}: the start-up section was over`;
        break;
      }
    }
    if (!stopped) {
      line += decoder.decode().slice(0, Math.max(0, MAX_LINE_CHARS + 1 - line.length));
      if (line) reader.push(line);
    }
  } finally {
    closeSync(fd);
  }
  return { ...reader.finish(stopped), bytesRead };
}

/** Reads a log file, returning the error instead of throwing it. */
export function readLogFile(path: string, options: ReadLogOptions = {}): LogFileReading | { error: ConfigReadError } {
  try {
    return readLogFileOrThrow(path, options);
  } catch (e) {
    if (e instanceof ConfigReadError) return { error: e };
    return { error: systemError(path, e) };
  }
}

/** The model a start-up is checked against, and where it came from. */
export type LogModel = { model: ModelDescription; source: string } | { error: string };

/**
 * The model for a start-up without the network: `configPath` when given, else the path the log names when it
 * is a config file or a folder holding config.json on this machine, else (llama.cpp) the printed hparams.
 * A Hub id is not resolved here (the CLI does that through the Hub reader).
 */
export function localLogModel(su: StartUp, configPath?: string): LogModel {
  const fromFile = (file: string): LogModel => {
    const read = readConfigFile(file);
    if ('error' in read) return { error: `${file}: ${read.error.reason}` };
    const a = analyzeText(read.text, { jsonc: /\.jsonc$/i.test(file) });
    return a.model ? { model: a.model, source: file } : { error: `${file}: ${a.error ?? 'no model found'}` };
  };
  if (configPath) return fromFile(configPath);
  if (su.model && !/\.gguf$/i.test(su.model)) {
    const what = inspectPath(su.model);
    if (what.kind === 'file') return fromFile(su.model);
    if (what.kind === 'directory') return fromFile(join(su.model, 'config.json'));
  }
  if ((su.engine === 'llama.cpp' || su.engine === 'ik_llama.cpp') && Object.keys(su.hparams).length) {
    const built = modelFromHparams(su);
    if (built.model) return { model: built.model, source: 'the hparams printed in the log' };
  }
  return { error: `the model${su.model ? ` the log names (${su.model})` : ''} is not on this machine: choose its config.json` };
}
