/**
 * Reads safetensors headers from disk: the 8-byte length and the JSON header, never the tensor data, so a 100 GB
 * checkpoint costs what its header costs (at most {@link MAX_HEADER_BYTES}, refused before it is read when the
 * length says more). Validation is the pure core's (src/core/safetensors.ts); this module only opens files, reads
 * the two ranges and turns system errors into {@link SafetensorsError}s naming the file.
 *
 * A checkpoint folder is what transformers loads (`modeling_utils.py`, `_get_resolved_checkpoint_files`):
 * `model.safetensors` when present, else `model.safetensors.index.json` and the shards its `weight_map` names.
 * Shard names are data from the internet: a name that leaves the folder (`..`, an absolute path) is refused
 * before anything is opened (`shardNameProblem`). Symbolic links are followed, as the Hub cache's snapshot folder
 * is made of links into its blob store.
 */
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  MAX_HEADER_BYTES,
  parseSafetensorsHeader,
  parseSafetensorsIndex,
  SafetensorsError,
  type SafetensorsHeader,
  type SafetensorsTensor,
} from '../core/safetensors';
import { inspectPath, readConfigFileOrThrow, ConfigReadError, systemError } from './readConfigFile';

export { SafetensorsError };

/** The single-file checkpoint and the index of a sharded one, as transformers names them (`SAFE_WEIGHTS_NAME`, `SAFE_WEIGHTS_INDEX_NAME`). */
export const SAFE_WEIGHTS_NAME = 'model.safetensors';
export const SAFE_WEIGHTS_INDEX_NAME = 'model.safetensors.index.json';

/** The most shards one index may name: the largest published checkpoints have a few hundred. */
export const MAX_SHARDS = 10_000;

/** Headers read at once: enough to overlap the reads, few enough not to exhaust file descriptors. */
const CONCURRENCY = 8;

export interface ReadHeaderOptions {
  signal?: AbortSignal;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('The read was cancelled', 'AbortError');
}

function asSafetensorsError(path: string, e: unknown): unknown {
  if (e instanceof SafetensorsError) return e;
  if (e instanceof Error && e.name === 'AbortError') return e;
  const reason = e instanceof ConfigReadError ? e.reason : systemError(path, e).reason;
  return new SafetensorsError(path, undefined, reason);
}

async function readExactly(fh: FileHandle, path: string, length: number, position: number, what: string): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) throw new SafetensorsError(path, what, `the file ends after ${position + got} bytes, inside the ${what} (truncated?)`);
    got += bytesRead;
  }
  return buf;
}

/**
 * Reads and validates one file's header: 8 bytes, then the header's N bytes, nothing else. Throws
 * {@link SafetensorsError} (or the signal's abort reason) for every way it can fail.
 */
export async function readSafetensorsHeader(path: string, opts: ReadHeaderOptions = {}): Promise<SafetensorsHeader> {
  const { signal } = opts;
  checkAbort(signal);
  const kind = inspectPath(path);
  if (kind.kind === 'error') throw new SafetensorsError(path, undefined, kind.error.reason);
  if (kind.kind === 'directory') throw new SafetensorsError(path, undefined, 'is a folder, not a safetensors file');
  let fh: FileHandle;
  try {
    // O_NONBLOCK: a path swapped for a FIFO since the check neither blocks the open nor the reads.
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw asSafetensorsError(path, e);
  }
  try {
    let st: Stats;
    try {
      st = await fh.stat();
    } catch (e) {
      throw asSafetensorsError(path, e);
    }
    if (!st.isFile()) throw new SafetensorsError(path, undefined, 'not a regular file');
    const size = st.size;
    if (size < 8) throw new SafetensorsError(path, 'header length', `the file is ${size} bytes, shorter than the 8-byte header length (truncated, or not a safetensors file)`);
    let lengthBytes: Buffer;
    try {
      lengthBytes = await readExactly(fh, path, 8, 0, 'header length');
    } catch (e) {
      throw asSafetensorsError(path, e);
    }
    const n = lengthBytes.readBigUInt64LE(0);
    if (n > BigInt(MAX_HEADER_BYTES)) {
      throw new SafetensorsError(path, 'header length', `${n} bytes, more than the ${MAX_HEADER_BYTES} the safetensors format allows (not a safetensors file?)`);
    }
    const headerLength = Number(n);
    if (8 + headerLength > size) {
      throw new SafetensorsError(path, 'header length', `${headerLength} bytes of header, but the file holds ${size - 8} after the 8-byte length (truncated, or not a safetensors file)`);
    }
    checkAbort(signal);
    let headerBytes: Buffer;
    try {
      headerBytes = await readExactly(fh, path, headerLength, 8, 'header');
    } catch (e) {
      throw asSafetensorsError(path, e);
    }
    checkAbort(signal);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    } catch {
      throw new SafetensorsError(path, 'header', 'not UTF-8 text (not a safetensors file?)');
    }
    return parseSafetensorsHeader(path, text, headerLength, size);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** A checkpoint folder's headers, merged. */
export interface Checkpoint {
  folder: string;
  /** The headers read, in the order the files were named (one for `model.safetensors`). */
  files: SafetensorsHeader[];
  /** tensor name → its file's header and the tensor */
  tensors: Map<string, { header: SafetensorsHeader; tensor: SafetensorsTensor }>;
  index?: { file: string; weightMap: Record<string, string>; metadata?: Record<string, unknown> };
  /**
   * What could not be read or does not agree, each naming its file: a missing or broken shard, a tensor the index
   * lists but its shard lacks, a tensor in two files. The rest is still read; figures from an incomplete
   * checkpoint must not be called exact.
   */
  problems: SafetensorsError[];
  /** Tensors a shard holds that the index does not list (transformers still loads them), by file. */
  unindexed: { file: string; tensors: string[] }[];
  /** No problems: every file read, and the index agrees with the headers. */
  complete: boolean;
  /** For labels: `model.safetensors` or `model.safetensors.index.json (4 shards)`. */
  source: string;
}

/** Whether `folder` holds a safetensors checkpoint by the names transformers loads (nothing is opened). */
export function checkpointFileIn(folder: string): string | undefined {
  for (const name of [SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME]) {
    if (inspectPath(join(folder, name)).kind === 'file') return join(folder, name);
  }
  return undefined;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

/**
 * Reads a checkpoint folder's headers. Throws {@link SafetensorsError} only when there is nothing to read (no
 * checkpoint, an index that cannot be read or names a file outside the folder); a broken shard is a problem in
 * the result, so the others are still counted and checked.
 */
export async function readCheckpoint(folder: string, opts: ReadHeaderOptions = {}): Promise<Checkpoint> {
  const { signal } = opts;
  const what = inspectPath(folder);
  if (what.kind === 'error') throw new SafetensorsError(folder, undefined, what.error.reason);
  if (what.kind !== 'directory') throw new SafetensorsError(folder, undefined, 'not a folder');
  const single = join(folder, SAFE_WEIGHTS_NAME);
  const tensors: Checkpoint['tensors'] = new Map();
  if (inspectPath(single).kind === 'file') {
    const header = await readSafetensorsHeader(single, { signal });
    for (const tensor of header.tensors) tensors.set(tensor.name, { header, tensor });
    return { folder, files: [header], tensors, problems: [], unindexed: [], complete: true, source: SAFE_WEIGHTS_NAME };
  }
  const indexPath = join(folder, SAFE_WEIGHTS_INDEX_NAME);
  if (inspectPath(indexPath).kind !== 'file') {
    throw new SafetensorsError(folder, undefined, `no ${SAFE_WEIGHTS_NAME} or ${SAFE_WEIGHTS_INDEX_NAME} in the folder`);
  }
  let text: string;
  try {
    text = readConfigFileOrThrow(indexPath, { maxBytes: MAX_HEADER_BYTES }).text;
  } catch (e) {
    throw asSafetensorsError(indexPath, e);
  }
  const index = parseSafetensorsIndex(indexPath, text);
  const shardNames: string[] = [];
  const seen = new Set<string>();
  for (const shard of Object.values(index.weightMap)) {
    if (seen.has(shard)) continue;
    seen.add(shard);
    shardNames.push(shard);
    if (shardNames.length > MAX_SHARDS) throw new SafetensorsError(indexPath, 'weight_map', `names more than ${MAX_SHARDS} shard files`);
  }
  const problems: SafetensorsError[] = [];
  const read = await mapLimited(shardNames, CONCURRENCY, async (shard) => {
    checkAbort(signal);
    try {
      return await readSafetensorsHeader(join(folder, shard), { signal });
    } catch (e) {
      if (e instanceof SafetensorsError) {
        problems.push(e);
        return undefined;
      }
      throw e;
    }
  });
  const byShard = new Map<string, SafetensorsHeader>();
  const files: SafetensorsHeader[] = [];
  shardNames.forEach((shard, i) => {
    const header = read[i];
    if (!header) return;
    byShard.set(shard, header);
    files.push(header);
    for (const tensor of header.tensors) {
      const earlier = tensors.get(tensor.name);
      if (earlier) {
        problems.push(new SafetensorsError(header.file, tensor.name, `also in ${basename(earlier.header.file)}: a tensor must be stored once`));
        continue;
      }
      tensors.set(tensor.name, { header, tensor });
    }
  });
  // Problems in the order of the shards, whatever order the reads finished in.
  const order = new Map(shardNames.map((s, i) => [join(folder, s), i]));
  const rank = (e: SafetensorsError) => order.get(e.file) ?? shardNames.length;
  problems.sort((a, b) => rank(a) - rank(b));
  const listed = new Set<string>();
  for (const [name, shard] of Object.entries(index.weightMap)) {
    listed.add(name);
    const header = byShard.get(shard);
    if (!header) continue; // the shard's own problem says why
    const found = tensors.get(name);
    if (!found || found.header !== header) {
      problems.push(
        new SafetensorsError(
          header.file,
          name,
          found ? `the index puts it in ${shard}, but it is in ${basename(found.header.file)}` : `listed in ${SAFE_WEIGHTS_INDEX_NAME} for ${shard}, but ${shard} has no such tensor`,
        ),
      );
    }
  }
  const unindexed: Checkpoint['unindexed'] = [];
  for (const header of files) {
    const extra = header.tensors.filter((t) => !listed.has(t.name)).map((t) => t.name);
    if (extra.length) unindexed.push({ file: header.file, tensors: extra });
  }
  const indexInfo = index.metadata ? { file: indexPath, weightMap: index.weightMap, metadata: index.metadata } : { file: indexPath, weightMap: index.weightMap };
  return {
    folder,
    files,
    tensors,
    index: indexInfo,
    problems,
    unindexed,
    complete: problems.length === 0,
    source: `${SAFE_WEIGHTS_INDEX_NAME} (${shardNames.length} shard${shardNames.length === 1 ? '' : 's'})`,
  };
}
