/**
 * The safetensors header, parsed and validated exactly as the safetensors crate validates it, from the JSON text
 * alone: pure (no `node:`), so the local reader (src/io/safetensors.ts), the Hub's range reads and the tests share
 * one set of rules. Tensor data is never needed: every figure KV Lens takes from a checkpoint (exact weights,
 * shapes for the config-vs-weights lint) is in the header.
 *
 * The file, per huggingface/safetensors `safetensors/src/tensor.rs` (`SafeTensors::read_metadata`,
 * `Metadata::validate`, `Dtype::bitsize`):
 * - 8 bytes: N, the header length, unsigned little-endian; N > 100,000,000 is refused (`MAX_HEADER_SIZE`);
 * - N bytes: a UTF-8 JSON object; `__metadata__` (string -> string) and one entry per tensor,
 *   `{ "dtype": "BF16", "shape": [4096, 4096], "data_offsets": [begin, end] }`, offsets relative to the data
 *   section (which starts at 8 + N);
 * - the data: tensors sorted by offsets must tile it exactly (the first begins at 0, each begins where the previous
 *   ends, no gap, no overlap), each `end - begin` is `product(shape) * bits(dtype) / 8` (a sub-byte tensor whose
 *   bits are not a whole number of bytes is refused), and the last end is the end of the file.
 */

/** A header that breaks the format: `file` names the file, `field` the tensor or part (`header length`, `__metadata__`). */
export class SafetensorsError extends Error {
  /** What is wrong, in words, without the file (the message is `file: field: reason`). */
  readonly reason: string;
  constructor(
    readonly file: string,
    readonly field: string | undefined,
    message: string,
  ) {
    super(`${file}: ${field === undefined ? '' : `${field}: `}${message}`);
    this.name = 'SafetensorsError';
    this.reason = message;
  }
}

/** One tensor as its header entry gives it. */
export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** byte offsets relative to the data section */
  begin: number;
  end: number;
}

/** One file's header, validated. */
export interface SafetensorsHeader {
  file: string;
  fileSize: number;
  headerLength: number;
  /** absolute offset of the data section = 8 + headerLength */
  dataOffset: number;
  /** In the order of their offsets (the order they lie in the file). */
  tensors: SafetensorsTensor[];
  metadata: Record<string, string>;
}

/**
 * Bits per element of every dtype the format defines (`Dtype::bitsize` in safetensors/src/tensor.rs): the
 * sub-byte floats `F4` (e2m1, two to a byte), `F6_E2M3` and `F6_E3M2` (four to three bytes), the MX scale type
 * `F8_E8M0`, and `C64` (two f32 parts) beside the byte-sized ones.
 */
export const SAFETENSORS_DTYPE_BITS: Readonly<Record<string, number>> = Object.freeze({
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
});

/** Bytes per element: {@link SAFETENSORS_DTYPE_BITS} / 8, so `F4` is 0.5 and the `F6` types 0.75. */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(Object.entries(SAFETENSORS_DTYPE_BITS).map(([k, bits]) => [k, bits / 8])),
);

/** As the safetensors crate (`MAX_HEADER_SIZE`): a longer header is refused before it is read. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Dimensions past this are refused (no shape needs 2^53 elements on one axis; beyond it JSON numbers are not exact). */
const MAX_DIM = Number.MAX_SAFE_INTEGER;

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Elements in a tensor of `shape` (1 for a scalar `[]`), or `undefined` when the product passes 2^53 (the
 * crate's `ValidationOverflow`: no real file holds that many elements of one tensor).
 */
export function elementCount(shape: readonly number[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (d === 0) return 0;
  }
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}

/**
 * Parses and validates one header. `headerJson` is the N bytes after the length, decoded; `headerLength` is N;
 * `fileSize` the whole file's size in bytes. Throws {@link SafetensorsError} naming the file and the tensor.
 * Cost is linear in the header (one sort by offsets), whatever the values say.
 */
export function parseSafetensorsHeader(file: string, headerJson: string, headerLength: number, fileSize: number): SafetensorsHeader {
  if (!isCount(headerLength)) throw new SafetensorsError(file, 'header length', `${show(headerLength)} is not a byte count`);
  if (headerLength > MAX_HEADER_BYTES) {
    throw new SafetensorsError(file, 'header length', `${headerLength} bytes, more than the ${MAX_HEADER_BYTES} the safetensors format allows`);
  }
  const dataOffset = 8 + headerLength;
  if (!isCount(fileSize) || dataOffset > fileSize) {
    throw new SafetensorsError(file, 'header length', `${headerLength} bytes of header, but the file holds ${Math.max(0, fileSize - 8)} after the 8-byte length (truncated, or not a safetensors file)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(headerJson);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new SafetensorsError(file, 'header', `not JSON (${why.length > 120 ? `${why.slice(0, 117)}...` : why})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SafetensorsError(file, 'header', `must be a JSON object, not ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`);
  }
  const entries = raw as Record<string, unknown>;
  // No prototype: a key named __proto__ is data, not the object's prototype.
  const metadata: Record<string, string> = Object.create(null);
  const tensors: SafetensorsTensor[] = [];
  for (const name of Object.keys(entries)) {
    const value = entries[name];
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new SafetensorsError(file, '__metadata__', 'must be an object of strings');
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(file, '__metadata__', `"${k}" is ${show(v)}: metadata values must be strings`);
        metadata[k] = v;
      }
      continue;
    }
    tensors.push(tensorEntry(file, name, value));
  }
  // The crate sorts by (begin, end) and then requires the tensors to tile the data section exactly.
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: SafetensorsTensor | undefined;
  for (const t of tensors) {
    if (t.begin !== at) {
      const why =
        t.begin < at
          ? `data_offsets [${t.begin}, ${t.end}] overlap ${previous ? `"${previous.name}" [${previous.begin}, ${previous.end}]` : 'the previous tensor'}`
          : `data_offsets [${t.begin}, ${t.end}] leave a gap: the data ${previous ? `after "${previous.name}" ends at ${at}` : 'section starts at 0'}`;
      throw new SafetensorsError(file, t.name, why);
    }
    at = t.end;
    previous = t;
  }
  const dataBytes = fileSize - dataOffset;
  if (at !== dataBytes) {
    throw new SafetensorsError(
      file,
      previous?.name ?? 'header',
      at > dataBytes
        ? `data_offsets end at ${at}, past the ${dataBytes} bytes of data in the file (truncated?)`
        : `the tensors end at byte ${at} of the data but the file holds ${dataBytes} (${dataBytes - at} bytes no tensor covers)`,
    );
  }
  return { file, fileSize, headerLength, dataOffset, tensors, metadata };
}

function tensorEntry(file: string, name: string, value: unknown): SafetensorsTensor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SafetensorsError(file, name, `must be an object with dtype, shape and data_offsets, not ${show(value)}`);
  }
  const v = value as Record<string, unknown>;
  for (const key of ['dtype', 'shape', 'data_offsets']) {
    if (!hasOwn(v, key)) throw new SafetensorsError(file, name, `has no "${key}"`);
  }
  const dtype = v.dtype;
  if (typeof dtype !== 'string') throw new SafetensorsError(file, name, `dtype ${show(dtype)} is not a string`);
  const bits = hasOwn(SAFETENSORS_DTYPE_BITS, dtype) ? SAFETENSORS_DTYPE_BITS[dtype] : undefined;
  if (bits === undefined) {
    throw new SafetensorsError(file, name, `unknown dtype ${show(dtype)} (the format defines ${Object.keys(SAFETENSORS_DTYPE_BITS).join(', ')})`);
  }
  const shape = v.shape;
  if (!Array.isArray(shape) || !shape.every((d) => isCount(d) && d <= MAX_DIM)) {
    throw new SafetensorsError(file, name, `shape ${show(shape)} is not a list of dimensions (whole numbers from 0)`);
  }
  const offsets = v.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !isCount(offsets[0]) || !isCount(offsets[1])) {
    throw new SafetensorsError(file, name, `data_offsets ${show(offsets)} is not a pair of byte offsets [begin, end]`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new SafetensorsError(file, name, `data_offsets [${begin}, ${end}] end before they begin`);
  const count = elementCount(shape as number[]);
  if (count === undefined) throw new SafetensorsError(file, name, `shape ${show(shape)} holds more than 2^53 elements`);
  const totalBits = count * bits;
  if (!Number.isSafeInteger(totalBits)) throw new SafetensorsError(file, name, `shape ${show(shape)} of ${dtype} is larger than any file`);
  if (totalBits % 8 !== 0) {
    throw new SafetensorsError(file, name, `shape ${show(shape)} of ${dtype} is ${totalBits} bits, not a whole number of bytes`);
  }
  if (end - begin !== totalBits / 8) {
    throw new SafetensorsError(
      file,
      name,
      `data_offsets [${begin}, ${end}] span ${end - begin} bytes, but ${dtype} ${show(shape)} takes ${totalBits / 8} (${count} elements x ${bits / 8} bytes)`,
    );
  }
  return { name, dtype, shape: (shape as number[]).slice(), begin, end };
}

/** The `model.safetensors.index.json` of a sharded checkpoint: tensor name -> shard file name. */
export interface SafetensorsIndex {
  file: string;
  weightMap: Record<string, string>;
  metadata?: Record<string, unknown>;
}

/**
 * Parses an index file's text (transformers writes `{"metadata": {...}, "weight_map": {name: shard}}`; see
 * transformers `modeling_utils.py`, `get_checkpoint_shard_files` in `utils/hub.py`). Shard names are checked with
 * {@link shardNameProblem}. Throws {@link SafetensorsError}.
 */
export function parseSafetensorsIndex(file: string, text: string): SafetensorsIndex {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(file, undefined, `not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SafetensorsError(file, undefined, 'must be a JSON object');
  const o = raw as Record<string, unknown>;
  const map = o.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new SafetensorsError(file, 'weight_map', 'missing, or not an object of tensor name -> shard file');
  const weightMap: Record<string, string> = Object.create(null);
  for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string') throw new SafetensorsError(file, 'weight_map', `"${name}" -> ${show(shard)}: the shard must be a file name`);
    const problem = shardNameProblem(shard);
    if (problem) throw new SafetensorsError(file, 'weight_map', `"${name}" -> ${show(shard)}: refused, ${problem}`);
    weightMap[name] = shard;
  }
  const metadata = typeof o.metadata === 'object' && o.metadata !== null && !Array.isArray(o.metadata) ? (o.metadata as Record<string, unknown>) : undefined;
  return metadata ? { file, weightMap, metadata } : { file, weightMap };
}

/**
 * Why a shard name from an index must not be opened, or `undefined`: an index is data from the internet, and
 * a name that leaves the checkout's folder (`../../.ssh/id_rsa`, `/etc/passwd`, `C:\x`) would make KV Lens read
 * files the user never pointed it at. Names inside subfolders (`shards/a.safetensors`) are allowed.
 */
export function shardNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'an empty file name';
  if (name.length > 1024) return 'a file name longer than 1024 characters';
  if (name.includes('\0')) return 'a NUL character in the file name';
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) return 'an absolute path (shards must lie in the checkpoint folder)';
  if (name.split(/[\\/]/).some((part) => part === '..')) return 'a ".." path (shards must lie in the checkpoint folder)';
  if (name.split(/[\\/]/).some((part) => part === '')) return 'an empty path segment';
  return undefined;
}
