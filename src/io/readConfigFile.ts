/**
 * The one reader for every config file KV Lens opens from disk (the CLI's `analyze` and `bench`, folder
 * expansion; the editor, the worker and the Hub readers as they come to read files). Node `fs`, no `vscode`.
 *
 * What it guarantees, whatever the path names:
 * - the kind is checked before anything is opened: folders, devices (`/dev/zero`, `/dev/urandom`), FIFOs and
 *   sockets are refused as "not a regular file", so nothing blocks on a pipe or reads an endless device;
 * - symbolic links are followed; a loop is reported as "too many levels of symbolic links";
 * - the file is opened with O_NONBLOCK and checked again on the open descriptor (a path swapped for a FIFO
 *   between the check and the open neither blocks nor is read);
 * - the bytes actually read are capped (the size `stat` gives is not trusted: /proc files say 0) and a file
 *   past the cap is refused as "larger than N MiB";
 * - UTF-16 and UTF-32 (a byte-order mark or the NUL-byte pattern of ASCII text) are named, not parsed as
 *   garbage; a UTF-8 byte-order mark is stripped (and reported, since Python's `json.load` refuses it);
 *   bytes that are not UTF-8 are refused with their offset (Python's utf-8 decoding fails on them too);
 * - every failure is a {@link ConfigReadError}: a kind to branch on and a reason in words.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** The most bytes read from one file: past it the file is refused rather than exhausting memory. */
export const MAX_CONFIG_BYTES = 256 * 1024 * 1024;

/** Why a file could not be read. */
export type ReadErrorKind =
  | 'missing' // no such file, or a symbolic link whose target is missing
  | 'loop' // too many levels of symbolic links
  | 'permission' // EACCES / EPERM
  | 'directory' // a folder where a file was expected
  | 'not-regular' // a device, FIFO, socket or other special file
  | 'not-a-folder-path' // ENOTDIR: a component of the path is a file
  | 'too-large' // more bytes than the cap
  | 'encoding' // UTF-16 / UTF-32 / bytes that are not UTF-8
  | 'io'; // anything else the system reports

/** A file that could not be read: `reason` says why in words; `message` is `path: reason`. */
export class ConfigReadError extends Error {
  constructor(
    readonly path: string,
    readonly kind: ReadErrorKind,
    readonly reason: string,
    readonly code?: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'ConfigReadError';
  }
}

/** A file read whole: its text (UTF-8 decoded, without a byte-order mark) and the number of bytes read. */
export interface ConfigText {
  text: string;
  bytes: number;
  /** The file started with a UTF-8 byte-order mark (stripped from `text`; Python's json.load refuses it). */
  bom: boolean;
}

export interface ReadOptions {
  /** Cap on bytes read; default {@link MAX_CONFIG_BYTES}. */
  maxBytes?: number;
}

/** What a path names, once symbolic links are followed. */
export type PathKind = { kind: 'file' | 'directory'; stats: Stats } | { kind: 'error'; error: ConfigReadError };

const CHUNK = 1 << 20;

function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${mib.toFixed(2)} MiB`;
}

/** The words for what a non-regular `stats` is. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'a special file';
}

/** Turns a system error into a {@link ConfigReadError} naming the path. */
export function systemError(path: string, e: unknown, doing = 'read'): ConfigReadError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
  switch (code) {
    case 'ENOENT':
      return new ConfigReadError(path, 'missing', 'no such file or folder', code);
    case 'ELOOP':
      return new ConfigReadError(path, 'loop', 'too many levels of symbolic links (a symbolic link loop?)', code);
    case 'EACCES':
    case 'EPERM':
      return new ConfigReadError(path, 'permission', `permission denied (cannot ${doing} it)`, code);
    case 'EISDIR':
      return new ConfigReadError(path, 'directory', 'is a folder, not a file', code);
    case 'ENOTDIR':
      return new ConfigReadError(path, 'not-a-folder-path', 'a part of the path is a file, not a folder', code);
    case 'ENAMETOOLONG':
      return new ConfigReadError(path, 'io', 'the path is too long', code);
    case 'EMFILE':
    case 'ENFILE':
      return new ConfigReadError(path, 'io', 'too many open files', code);
    case 'EIO':
      return new ConfigReadError(path, 'io', 'input/output error', code);
    case 'EAGAIN':
      return new ConfigReadError(path, 'not-regular', 'not a regular file (reading it would block)', code);
    default: {
      const text = e instanceof Error ? e.message.replace(/^[A-Z0-9_]+: /, '').replace(/, \w+ '.*'$/, '') : String(e);
      return new ConfigReadError(path, 'io', `cannot ${doing} it: ${text}`, code);
    }
  }
}

/**
 * What `path` is, following symbolic links: a file, a folder, or an error (missing, a loop, a broken link,
 * permission). Only `lstat`/`stat`: nothing is opened.
 */
export function inspectPath(path: string): PathKind {
  let link: Stats;
  try {
    link = lstatSync(path);
  } catch (e) {
    return { kind: 'error', error: systemError(path, e, 'look at') };
  }
  let st = link;
  if (link.isSymbolicLink()) {
    try {
      st = statSync(path);
    } catch (e) {
      const error = systemError(path, e, 'look at');
      if (error.kind === 'missing') return { kind: 'error', error: new ConfigReadError(path, 'missing', 'a symbolic link whose target does not exist', error.code) };
      return { kind: 'error', error };
    }
  }
  if (st.isDirectory()) return { kind: 'directory', stats: st };
  if (st.isFile()) return { kind: 'file', stats: st };
  return { kind: 'error', error: new ConfigReadError(path, 'not-regular', `not a regular file: it is ${kindOf(st)}`) };
}

/** The entries of a folder, sorted, with whether each is a folder; or why it could not be listed. */
export function listFolder(path: string): { entries: { name: string; directory: boolean }[] } | { error: ConfigReadError } {
  try {
    const entries = readdirSync(path, { withFileTypes: true })
      .map((d) => {
        let directory = d.isDirectory();
        if (d.isSymbolicLink()) {
          const k = inspectPath(join(path, d.name));
          directory = k.kind === 'directory';
        }
        return { name: d.name, directory };
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { entries };
  } catch (e) {
    return { error: systemError(path, e, 'list') };
  }
}

/** Where the first byte sequence that is not UTF-8 starts, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) (need = 1), (min = 0x80);
    else if (c >= 0xe0 && c <= 0xef) (need = 2), (min = 0x800);
    else if (c >= 0xf0 && c <= 0xf4) (need = 3), (min = 0x10000);
    else return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** "UTF-16 ..." or "UTF-32 ..." when the bytes are text in one of them (by byte-order mark or NUL pattern). */
export function wideEncoding(b: Uint8Array): string | undefined {
  if (b.length >= 4 && b[0] === 0x00 && b[1] === 0x00 && b[2] === 0xfe && b[3] === 0xff) return 'UTF-32 big-endian';
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xfe && b[2] === 0x00 && b[3] === 0x00) return 'UTF-32 little-endian';
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'UTF-16 little-endian';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'UTF-16 big-endian';
  // Without a mark: JSON text starts with ASCII ('{', '[', space, ...), which UTF-16 and UTF-32 pad with NULs.
  const n = Math.min(b.length, 64) & ~3;
  if (n < 4) {
    if (b.length >= 2 && b[0] !== 0 && b[1] === 0) return 'UTF-16 little-endian';
    if (b.length >= 2 && b[0] === 0 && b[1] !== 0) return 'UTF-16 big-endian';
    return undefined;
  }
  const zeroAt = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) if (b[i] === 0) zeroAt[i % 4]!++;
  const quads = n / 4;
  const all = (k: number) => zeroAt[k] === quads;
  const none = (k: number) => zeroAt[k] === 0;
  if (none(0) && all(1) && all(2) && all(3)) return 'UTF-32 little-endian';
  if (all(0) && all(1) && all(2) && none(3)) return 'UTF-32 big-endian';
  // UTF-16: at least half the pairs carry a NUL on one side and none on the other.
  const odd = zeroAt[1]! + zeroAt[3]!;
  const even = zeroAt[0]! + zeroAt[2]!;
  if (even === 0 && odd >= n / 4) return 'UTF-16 little-endian';
  if (odd === 0 && even >= n / 4) return 'UTF-16 big-endian';
  return undefined;
}

/** Decodes file bytes as a config's text: UTF-8 only, a UTF-8 byte-order mark stripped. Throws {@link ConfigReadError}. */
export function decodeConfigBytes(path: string, bytes: Uint8Array): ConfigText {
  const wide = wideEncoding(bytes);
  if (wide) {
    const family = wide.startsWith('UTF-32') ? 'UTF-32' : 'UTF-16';
    throw new ConfigReadError(path, 'encoding', `${family} (config.json must be UTF-8): the file is ${wide}; save it as UTF-8`);
  }
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    const bad = firstInvalidUtf8(body);
    const where = bad < 0 ? '' : `: byte ${bad + (bom ? 3 : 0)} (0x${body[bad]!.toString(16).padStart(2, '0')}) does not start a valid UTF-8 sequence`;
    throw new ConfigReadError(path, 'encoding', `not UTF-8${where}; config.json must be UTF-8`);
  }
  return { text, bytes: bytes.length, bom };
}

/**
 * Reads a config file whole. Throws {@link ConfigReadError} (never anything else) for every way it can fail.
 * See the module comment for what is checked.
 */
export function readConfigFileOrThrow(path: string, options: ReadOptions = {}): ConfigText {
  const cap = options.maxBytes ?? MAX_CONFIG_BYTES;
  const what = inspectPath(path);
  if (what.kind === 'error') throw what.error;
  if (what.kind === 'directory') throw new ConfigReadError(path, 'directory', 'is a folder, not a file');
  if (what.stats.size > cap) throw tooLarge(path, cap);
  let fd: number;
  try {
    // O_NONBLOCK: should the path have become a FIFO since the check, opening it does not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw systemError(path, e);
  }
  try {
    let st: Stats;
    try {
      st = fstatSync(fd);
    } catch (e) {
      throw systemError(path, e);
    }
    if (!st.isFile()) throw new ConfigReadError(path, 'not-regular', `not a regular file: it is ${kindOf(st)}`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // Read at most one byte past the cap: enough to know the file is larger, never more.
      const want = Math.min(CHUNK, cap + 1 - total);
      const buf = Buffer.allocUnsafe(want);
      let n: number;
      try {
        n = readSync(fd, buf, 0, want, null);
      } catch (e) {
        throw systemError(path, e);
      }
      if (n === 0) break;
      chunks.push(n === want ? buf : buf.subarray(0, n));
      total += n;
      if (total > cap) throw tooLarge(path, cap);
    }
    return decodeConfigBytes(path, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Closing a descriptor we opened does not fail in a way the reader could act on.
    }
  }
}

function tooLarge(path: string, cap: number): ConfigReadError {
  return new ConfigReadError(path, 'too-large', `larger than ${formatMiB(cap)}, the most KV Lens reads from one file`);
}

/** {@link readConfigFileOrThrow} as a value: the text, or the error. */
export function readConfigFile(path: string, options: ReadOptions = {}): ConfigText | { error: ConfigReadError } {
  try {
    return readConfigFileOrThrow(path, options);
  } catch (e) {
    if (e instanceof ConfigReadError) return { error: e };
    return { error: systemError(path, e) };
  }
}
