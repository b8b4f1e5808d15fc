/**
 * Reads a `.gguf` file's header (metadata and tensor infos, never tensor data) with `@huggingface/gguf`, bounded.
 *
 * Why a pre-scan: the library caps counts (1M array elements, 10 MB strings, 10M tensors) and keeps what it reads
 * in one buffer of at most 50 MB, but inside those caps it materialises every value (50 arrays of 1M u8 values
 * are 50M JS numbers, several hundred MB), and for a local file it reads past the end as zeros, so a truncated
 * header parses as a different one. So the header is first walked here, without materialising anything, over
 * at most {@link MAX_HEADER_BYTES} read in 1 MiB chunks: the magic and version (2 or 3, as ggml/src/gguf.cpp
 * accepts: v1 is refused there too), every string and array length against caps no real model comes near, the
 * total of array elements, the tensor count, dims (at most 4, GGML_MAX_DIMS) and types, and that the header and
 * every tensor's data lie inside the file. Only a header that passes is handed to the library.
 *
 * Remote reads (range requests) go through {@link rangeFetch}: the library does not check `response.ok`; this
 * does, requires 206 Partial Content (a server that ignores Range would send the whole file) and counts bytes.
 * A remote header gets the same pre-scan (the file's size from Content-Range), and the library is then served the
 * bytes the scan read, so the header crosses the network once.
 */
import { open, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { gguf, parseGgufShardFilename } from '@huggingface/gguf';
import type { GGUFParseOutput } from '@huggingface/gguf';
import { ggmlType } from '../core/gguf/ggmlTypes';
import { MAX_LAYERS } from '../core/validate';
import type { GgufHeader, GgufTensor, GgufValue } from '../core/gguf/header';
import { tensorSize } from '../core/gguf/weights';
import { inspectPath } from './readConfigFile';

/** Bytes of header read at most: under the library's own 50 MB buffer, above any real header (tokenizers of 262k tokens are ~6 MB). */
export const MAX_HEADER_BYTES = 40 * 1024 * 1024;
/** Metadata pairs at most (real files: 30-60, plus the tokenizer's). */
export const MAX_KV_PAIRS = 65_536;
/** Bytes of one string at most (keys, chat templates: real ones are under 100 KB). */
export const MAX_STRING_BYTES = 4 * 1024 * 1024;
/** Elements of one metadata array at most (the library's own cap; the largest real vocabularies are ~262k). */
export const MAX_ARRAY_ELEMENTS = 1_000_000;
/** Elements of all metadata arrays together: a tokenizer's tokens, scores, types and merges fit several times over. */
export const MAX_TOTAL_ELEMENTS = 8_000_000;
/** Tensor infos of one file at most (DeepSeek-V3 in one file has ~1,900). */
export const MAX_TENSORS = 1_000_000;
/** Shards of a split model at most. */
export const MAX_SHARDS = 1024;
const CHUNK = 1024 * 1024;
const GGUF_DEFAULT_ALIGNMENT = 32;

/** A header that cannot be read: the message names the file and what is wrong. */
export class GgufReadError extends Error {}

/** Reads byte ranges of a source whose size may be known. */
interface ByteSource {
  size: number | undefined;
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A cursor over a growing buffer of at most MAX_HEADER_BYTES, fetching chunks on demand. */
class Cursor {
  private buf = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  pos = 0;
  constructor(private readonly src: ByteSource, private readonly file: string) {}

  private async need(n: number): Promise<void> {
    const end = this.pos + n;
    if (end <= this.buf.length) return;
    if (this.src.size !== undefined && end > this.src.size) throw new GgufReadError(`${this.file}: truncated: the header needs byte ${end} but the file has ${this.src.size}`);
    if (end > MAX_HEADER_BYTES) throw new GgufReadError(`${this.file}: the header is larger than ${MAX_HEADER_BYTES / 1024 / 1024} MiB (it needs byte ${end}); refused`);
    // Grows by at least a chunk and at least doubles, so a 40 MiB header costs a few copies, not forty.
    const want = Math.min(MAX_HEADER_BYTES, Math.max(end, this.buf.length + CHUNK, this.buf.length * 2), this.src.size ?? Infinity) - this.buf.length;
    const got = await this.src.read(this.buf.length, want);
    const next = new Uint8Array(this.buf.length + got.length);
    next.set(this.buf);
    next.set(got, this.buf.length);
    this.buf = next;
    this.view = new DataView(next.buffer);
    if (end > this.buf.length) throw new GgufReadError(`${this.file}: truncated: the header needs byte ${end} but the file ends at ${this.buf.length}`);
  }
  async u32(): Promise<number> {
    await this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  async u64(): Promise<bigint> {
    await this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  async skip(n: number): Promise<void> {
    await this.need(n);
    this.pos += n;
  }
  async bytes(n: number): Promise<Uint8Array> {
    await this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  /** The bytes read so far from offset 0 (the header once the scan is done). */
  data(): Uint8Array {
    return this.buf;
  }
}

/** Bytes of each fixed-size GGUF value type (`gguf_type` in ggml/include/gguf.h); 8 = string, 9 = array. */
const FIXED: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

function count(file: string, what: string, v: bigint, cap: number): number {
  if (v > BigInt(cap)) throw new GgufReadError(`${file}: ${what} is ${v}; more than ${cap}, no real model file has that many: refused`);
  return Number(v);
}

/** What the pre-scan found: enough to check the library's answer against. */
interface ScanResult {
  version: number;
  tensorCount: number;
  kvCount: number;
  /** End of the tensor infos (before alignment padding). */
  infoEnd: number;
  /** The header's bytes, [0, infoEnd). */
  bytes: Uint8Array;
  /** Top-level arrays the library is not given (see {@link skipArray}), in file order. */
  skipped: SkippedArray[];
  /** The GGUF value type `general.alignment` is stored with, when present. */
  alignmentType?: number;
}

/** A metadata array left out of what the library parses: where its element count and its elements lie. */
interface SkippedArray {
  key: string;
  length: number;
  /** Offset of the u64 element count (v2 and v3 both write a u64 there). */
  countAt: number;
  /** Offset just past the last element. */
  end: number;
}

/**
 * Arrays KV Lens never reads, so never materialises: the tokenizer's vocabulary (`tokenizer.ggml.tokens`,
 * `scores`, `token_type`, `merges`: 129k-262k strings or numbers in a real file, most of a header's bytes), and any
 * other array longer than {@link MAX_LAYERS} (no llama.cpp hyperparameter holds more than one value per layer,
 * `get_key_or_arr` in src/llama-model-loader.cpp; a per-layer key that long is refused by its length, which is kept).
 * Why here and not in the library: `@huggingface/gguf` has no option to skip a key; it decodes each string with a
 * fresh TextDecoder and a buffer copy and, when an array crosses one of its 2 MB chunks, parses the array again
 * from its start, so a 129k-token vocabulary cost ~0.5 s and ~117 MiB (bench/gguf.bench.ts). The library is
 * given the header with these arrays emptied (count 0, no elements), and their lengths are kept for the report.
 */
const TOKENIZER_ARRAYS = new Set(['tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type', 'tokenizer.ggml.merges']);
function skipArray(key: string, length: number): boolean {
  return TOKENIZER_ARRAYS.has(key) || length > MAX_LAYERS;
}

/** Walks the header without materialising values; throws {@link GgufReadError} naming the file and the problem. */
async function scanHeader(src: ByteSource, file: string): Promise<ScanResult> {
  const c = new Cursor(src, file);
  const magic = await c.bytes(4).catch(() => {
    throw new GgufReadError(`${file}: not a GGUF file: shorter than its 4-byte magic`);
  });
  if (magic[0] !== 0x47 || magic[1] !== 0x47 || magic[2] !== 0x55 || magic[3] !== 0x46) {
    throw new GgufReadError(`${file}: not a GGUF file: it starts with ${[...magic].map((b) => b.toString(16).padStart(2, '0')).join(' ')}, not the magic "GGUF" (47 47 55 46)`);
  }
  const version = await c.u32();
  if (version === 1) throw new GgufReadError(`${file}: GGUF version 1 is no longer supported by llama.cpp (ggml/src/gguf.cpp); convert it again`);
  if (version !== 2 && version !== 3) {
    const swapped = ((version & 0xff) << 24) | ((version & 0xff00) << 8) | ((version >>> 8) & 0xff00) | (version >>> 24);
    if (swapped === 2 || swapped === 3) throw new GgufReadError(`${file}: a big-endian GGUF (version ${swapped}): llama.cpp on a little-endian machine cannot load it`);
    throw new GgufReadError(`${file}: GGUF version ${version} is not one llama.cpp reads (2 or 3)`);
  }
  const tensorCount = count(file, 'the tensor count', await c.u64(), MAX_TENSORS);
  const kvCount = count(file, 'the metadata count', await c.u64(), MAX_KV_PAIRS);
  let elements = 0;
  const str = async (what: () => string) => {
    const n = await c.u64();
    if (n > BigInt(MAX_STRING_BYTES)) throw new GgufReadError(`${file}: ${what()} is a string of ${n} bytes; more than ${MAX_STRING_BYTES}: refused`);
    return c.bytes(Number(n));
  };
  const skipped: SkippedArray[] = [];
  const value = async (type: number, key: string, depth: number, rawKey?: string): Promise<void> => {
    const fixed = FIXED[type];
    if (fixed !== undefined) return c.skip(fixed);
    if (type === 8) {
      await str(() => `the value of ${key}`);
      return;
    }
    if (type !== 9) throw new GgufReadError(`${file}: ${key} has value type ${type}, which GGUF does not define`);
    if (depth >= 4) throw new GgufReadError(`${file}: ${key} nests arrays more than 4 deep`);
    const sub = await c.u32();
    const countAt = c.pos;
    const n = count(file, `the array ${key}'s length`, await c.u64(), MAX_ARRAY_ELEMENTS);
    elements += n;
    if (elements > MAX_TOTAL_ELEMENTS) throw new GgufReadError(`${file}: the metadata arrays hold more than ${MAX_TOTAL_ELEMENTS} elements together (at ${key}): refused`);
    const subFixed = FIXED[sub];
    if (subFixed !== undefined) await c.skip(subFixed * n);
    else if (sub === 8) {
      // A string array (a vocabulary: 100k+ strings): lengths checked, bytes skipped, no per-element label built.
      for (let i = 0; i < n; i++) {
        const len = await c.u64();
        if (len > BigInt(MAX_STRING_BYTES)) throw new GgufReadError(`${file}: the value of ${key}[${i}] is a string of ${len} bytes; more than ${MAX_STRING_BYTES}: refused`);
        await c.skip(Number(len));
      }
    } else for (let i = 0; i < n; i++) await value(sub, `${key}[${i}]`, depth + 1);
    if (rawKey !== undefined && skipArray(rawKey, n)) skipped.push({ key: rawKey, length: n, countAt, end: c.pos });
  };
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let alignmentType: number | undefined;
  for (let i = 0; i < kvCount; i++) {
    const keyBytes = await str(() => `key ${i}`);
    const fullKey = decoder.decode(keyBytes);
    const type = await c.u32();
    if (fullKey === 'general.alignment') alignmentType = type;
    await value(type, JSON.stringify(fullKey.slice(0, 200)), 0, fullKey);
  }
  for (let i = 0; i < tensorCount; i++) {
    const name = decoder.decode(await str(() => `tensor ${i}'s name`)).slice(0, 200);
    const nDims = await c.u32();
    if (nDims > 4) throw new GgufReadError(`${file}: tensor ${JSON.stringify(name)} has ${nDims} dimensions; ggml has at most 4 (GGML_MAX_DIMS)`);
    const shape: number[] = [];
    for (let d = 0; d < nDims; d++) shape.push(count(file, `tensor ${JSON.stringify(name)}'s dimension ${d}`, await c.u64(), 2 ** 40));
    const type = await c.u32();
    if (!ggmlType(type)) throw new GgufReadError(`${file}: tensor ${JSON.stringify(name)} has ggml type ${type}, which ggml does not define`);
    await c.skip(8); // data offset, checked below once the data section's start is known
    try {
      tensorSize({ name, shape, type });
    } catch (e) {
      throw new GgufReadError(`${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { version, tensorCount, kvCount, infoEnd: c.pos, bytes: c.data().subarray(0, c.pos), skipped, ...(alignmentType !== undefined ? { alignmentType } : {}) };
}

/** The header with every skipped array emptied: its count set to 0 and its elements cut out. Offsets after shift. */
function compactHeader(scan: ScanResult): Uint8Array {
  if (scan.skipped.length === 0) return scan.bytes;
  const cut = scan.skipped.reduce((sum, a) => sum + (a.end - (a.countAt + 8)), 0);
  const out = new Uint8Array(scan.bytes.length - cut);
  let from = 0;
  let to = 0;
  for (const a of scan.skipped) {
    out.set(scan.bytes.subarray(from, a.countAt), to);
    to += a.countAt - from;
    out.fill(0, to, to + 8); // u64 element count 0
    to += 8;
    from = a.end;
  }
  out.set(scan.bytes.subarray(from), to);
  return out;
}

/**
 * The library's parse of the scanned header, compacted (skipped arrays emptied), served from memory: no second
 * read of the file or the network. Its tensor data offset is that of the compact copy, so the caller takes the
 * real one from the scan ({@link dataStartOf}).
 */
async function parseScanned(name: string, scan: ScanResult): Promise<GGUFParseOutput<{ strict: false }>> {
  const data = compactHeader(scan);
  // The library reads ahead (a new 2 MB chunk whenever it is within a few KB of its buffer's end): past the header
  // it gets an empty answer. It never parses past the tensor infos, which the scan found complete.
  const served = servedFrom(data, data.length, (async () => new Response(new Uint8Array(0), { status: 206, headers: { 'Content-Range': `bytes */${data.length}`, 'Content-Length': '0' } })) as unknown as typeof fetch);
  try {
    return (await gguf('http://kv-lens.invalid/header.gguf', { fetch: served })) as unknown as GGUFParseOutput<{ strict: false }>;
  } catch (e) {
    if (e instanceof GgufReadError) throw e;
    throw new GgufReadError(`${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Where the tensor data starts in the real file: the end of the tensor infos padded to the alignment (gguf.cpp). */
function dataStartOf(scan: ScanResult, alignment: number): number {
  return Math.ceil(scan.infoEnd / alignment) * alignment;
}

function skippedLengths(scan: ScanResult): Record<string, number> | undefined {
  if (scan.skipped.length === 0) return undefined;
  return Object.fromEntries(scan.skipped.map((a) => [a.key, a.length]));
}

function localSource(path: string, size: number): Promise<ByteSource> {
  return open(path, 'r').then((fh) => ({
    size,
    async read(offset: number, length: number) {
      const b = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(b, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return b.subarray(0, done);
    },
    close: () => fh.close(),
  }));
}

function toValue(v: unknown): GgufValue {
  if (Array.isArray(v)) return v.map(toValue);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || typeof v === 'boolean') return v;
  return String(v);
}

/** Turns the library's output into KV Lens's header, checking each tensor's data against the file's size. */
function fromLibrary(file: string, out: GGUFParseOutput<{ strict: false }>, fileBytes: number | undefined, dataStart: number, alignment: number, skipped: ReadonlySet<string>): { metadata: Record<string, GgufValue>; tensors: GgufTensor[] } {
  const metadata: Record<string, GgufValue> = {};
  // version / tensor_count / kv_count are the library's own fields, not metadata keys; skipped arrays (emptied in
  // the library's copy) are absent here and counted in GgufHeader.skippedArrays.
  for (const [k, v] of Object.entries(out.metadata)) if (k !== 'version' && k !== 'tensor_count' && k !== 'kv_count' && !skipped.has(k)) metadata[k] = toValue(v);
  // ggml/src/gguf.cpp gguf_init_from_file_impl: tensor names are unique ("duplicate tensor name"), and each
  // tensor's offset is exactly the sum of the earlier tensors' sizes, each padded to the alignment ("tensor '%s'
  // has offset %" PRIu64 ", expected %zu"): a file that breaks either is one llama.cpp refuses to load.
  const names = new Set<string>();
  let expected = 0;
  const tensors: GgufTensor[] = out.tensorInfos.map((t) => {
    const tensor = { name: t.name, shape: t.shape.map((d) => Number(d)), type: Number(t.dtype) };
    if (names.has(t.name)) throw new GgufReadError(`${file}: tensor ${JSON.stringify(t.name)} appears twice (gguf.cpp refuses a duplicate tensor name)`);
    names.add(t.name);
    const { bytes } = tensorSize(tensor);
    const offset = Number(t.offset);
    if (offset !== expected) throw new GgufReadError(`${file}: tensor ${JSON.stringify(t.name)} has data offset ${offset}, expected ${expected} (gguf.cpp requires the tensors' data in order, each padded to ${alignment} bytes)`);
    expected += Math.ceil(bytes / alignment) * alignment;
    if (fileBytes !== undefined) {
      const end = dataStart + offset + bytes;
      if (end > fileBytes) throw new GgufReadError(`${file}: truncated: tensor ${JSON.stringify(t.name)} ends at byte ${end} but the file has ${fileBytes}`);
    }
    return tensor;
  });
  return { metadata, tensors };
}

/** Reads one local `.gguf` file's header, bounded; throws {@link GgufReadError} naming the file. */
export async function readGgufFile(path: string): Promise<GgufHeader> {
  const what = inspectPath(path);
  if (what.kind === 'error') throw new GgufReadError(`${path}: ${what.error.reason}`);
  if (what.kind !== 'file') throw new GgufReadError(`${path}: a folder, not a .gguf file`);
  const size = (await stat(path)).size;
  const src = await localSource(path, size);
  let scan: ScanResult;
  try {
    scan = await scanHeader(src, path);
  } finally {
    await src.close();
  }
  return fromScan(path, scan, size);
}

/** The library's parse of a scanned header, checked against the scan, as KV Lens's header. */
async function fromScan(name: string, scan: ScanResult, size: number | undefined): Promise<GgufHeader> {
  const out = await parseScanned(name, scan);
  if (out.tensorInfos.length !== scan.tensorCount) throw new GgufReadError(`${name}: the header was read two ways and disagrees (${out.tensorInfos.length} vs ${scan.tensorCount} tensors)`);
  // gguf.cpp: `gguf_get_val_u32(ctx, alignment_idx)`, which asserts the type: any other type aborts the load.
  if (scan.alignmentType !== undefined && scan.alignmentType !== 4) throw new GgufReadError(`${name}: general.alignment is stored as GGUF type ${scan.alignmentType}, not uint32 (4), which is the only type gguf.cpp reads it as`);
  const alignment = Number(out.metadata['general.alignment'] ?? GGUF_DEFAULT_ALIGNMENT);
  if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) throw new GgufReadError(`${name}: general.alignment is ${String(out.metadata['general.alignment'])}, not a power of two (gguf.cpp requires one)`);
  const skipped = skippedLengths(scan);
  const { metadata, tensors } = fromLibrary(name, out, size, dataStartOf(scan, alignment), alignment, new Set(Object.keys(skipped ?? {})));
  return { file: name, version: scan.version, metadata, tensors, shards: 1, ...(size !== undefined ? { fileBytes: size } : {}), ...(skipped ? { skippedArrays: skipped } : {}) };
}

/**
 * Reads a `.gguf` file, or every shard of a split model (`name-00001-of-00003.gguf`: llama.cpp's gguf-split
 * naming, `llama_split_path` in src/llama.cpp): the first shard's metadata, every shard's tensor infos. A
 * missing shard is an error naming it.
 */
export async function readGguf(path: string): Promise<GgufHeader> {
  const shard = parseGgufShardFilename(basename(path));
  if (!shard) return readGgufFile(path);
  const total = Number(shard.total);
  if (!Number.isInteger(total) || total < 1 || total > MAX_SHARDS) throw new GgufReadError(`${path}: a split of ${shard.total} shards; at most ${MAX_SHARDS} are read`);
  const dir = dirname(path);
  const names = Array.from({ length: total }, (_, i) => join(dir, `${shard.prefix}-${String(i + 1).padStart(5, '0')}-of-${shard.total}.gguf`));
  const headers: GgufHeader[] = [];
  for (const name of names) headers.push(await readGgufFile(name));
  const first = headers[0]!;
  const declared = first.metadata['split.count'];
  if (declared !== undefined && Number(declared) !== total) throw new GgufReadError(`${names[0]}: split.count is ${String(declared)} but the name says ${total} shards`);
  return {
    file: names[0]!,
    version: first.version,
    metadata: first.metadata,
    tensors: headers.flatMap((h) => h.tensors),
    shards: total,
    fileBytes: headers.reduce((s, h) => s + (h.fileBytes ?? 0), 0),
  };
}

/**
 * A fetch for the library's range reads that checks what it does not: an error status is an error naming the
 * URL, a 200 (the server ignored Range and would send the whole file) is refused, and the bytes fetched in all
 * are capped at {@link MAX_HEADER_BYTES}.
 */
export function rangeFetch(url: string, base: typeof fetch = fetch, onTotal?: (bytes: number) => void): typeof fetch {
  let fetched = 0;
  return (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const res = await base(input, init);
    if (!res.ok) throw new GgufReadError(`${url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} for a range of the header`);
    if (res.status !== 206) throw new GgufReadError(`${url}: the server answered a range request with HTTP ${res.status}, not 206 Partial Content: it would send the whole file`);
    const len = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(len)) fetched += len;
    if (fetched > MAX_HEADER_BYTES) throw new GgufReadError(`${url}: more than ${MAX_HEADER_BYTES / 1024 / 1024} MiB fetched for the header: refused`);
    // The file's size, from `Content-Range: bytes a-b/SIZE`: each tensor's data is then checked to lie inside it.
    const total = /\/\s*(\d+)\s*$/.exec(res.headers.get('content-range') ?? '')?.[1];
    if (total !== undefined && Number.isSafeInteger(Number(total))) onTotal?.(Number(total));
    return res;
  }) as typeof fetch;
}

/**
 * Range reads of a remote file for the pre-scan, through {@link rangeFetch} (206 required, bytes capped); the
 * file's size is learnt from the first answer's Content-Range. Only the first chunk is kept here (read ahead so a
 * refused request says why); the scan's cursor keeps the header, which the library is then served from memory.
 */
function remoteSource(url: string, f: typeof fetch): ByteSource {
  let size: number | undefined;
  let data = new Uint8Array(0);
  const fetchRange = rangeFetch(url, f, (n) => (size = n));
  return {
    get size() {
      return size;
    },
    async read(offset: number, length: number) {
      if (offset + length <= data.length) return data.subarray(offset, offset + length);
      const res = await fetchRange(url, { headers: { Range: `bytes=${offset}-${offset + length - 1}` } });
      const got = new Uint8Array(await res.arrayBuffer()).subarray(0, length);
      if (offset === 0 && data.length === 0) data = got;
      return got;
    },
    close: async () => undefined,
  };
}

/**
 * A fetch for the library that answers its range requests from the bytes the pre-scan read (the whole header),
 * and calls `fallback` only for a range that starts past them.
 */
function servedFrom(data: Uint8Array, size: number | undefined, fallback: typeof fetch): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const range = /^bytes=(\d+)-(\d+)$/.exec(String((init?.headers as Record<string, string> | undefined)?.Range ?? ''));
    const start = range ? Number(range[1]) : 0;
    if (!range || start >= data.length) return fallback(input, init);
    const end = Math.min(Number(range[2]) + 1, data.length);
    const body = data.slice(start, end);
    return new Response(body, { status: 206, headers: { 'Content-Range': `bytes ${start}-${end - 1}/${size ?? '*'}`, 'Content-Length': String(body.length) } });
  }) as typeof fetch;
}

/**
 * Reads a remote `.gguf` header by range requests (the Hub resolver hands its URL and fetch here), with the same
 * bounded pre-scan as a local file (magic, version, every length and count against the caps, tensor dims and
 * types, every tensor's data inside the file's size from Content-Range) before the library parses the bytes.
 */
export async function readGgufUrl(url: string, options: { fetch?: typeof fetch } = {}): Promise<GgufHeader> {
  const base = options.fetch ?? fetch;
  const src = remoteSource(url, base);
  // The first chunk read here, so a refused request says why (the scan reads it back from memory).
  await src.read(0, CHUNK);
  const scan = await scanHeader(src, url);
  return fromScan(url, scan, src.size);
}
