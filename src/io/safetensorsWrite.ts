/**
 * Writes safetensors files tensor by tensor, so a checkpoint of any size is written with one tensor (or one copy
 * chunk) in memory. The layout is the format's (huggingface/safetensors, `safetensors/src/tensor.rs` `serialize`
 * and the format section of its README):
 *   8 bytes: N, little-endian u64, the header's length;
 *   N bytes: a JSON object, tensor name -> {dtype, shape, data_offsets: [begin, end]} plus an optional
 *            `__metadata__` object of strings, padded with spaces (0x20) so the data starts 8-byte aligned
 *            (the crate pads the same way: `PrepareOutput`, "Force alignment to 8 bytes");
 *   the data: each tensor's bytes, back to back, in the order of their offsets.
 * The header is written first, from the shapes and dtypes alone; each tensor's bytes must then arrive in header
 * order and with exactly the size the header promised (checked: a short tensor is an error, not a corrupt file).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { SAFETENSORS_DTYPE_BITS } from '../core/safetensors';
import type { ChunkSink } from './tensorData';

/** One tensor to be written. */
export interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
}

/** Bytes a tensor of `dtype` and `shape` takes. */
export function tensorByteLength(t: TensorEntry): number {
  const bits = SAFETENSORS_DTYPE_BITS[t.dtype];
  if (bits === undefined) throw new RangeError(`${t.name}: unknown dtype ${t.dtype}`);
  return (t.shape.reduce((a, b) => a * b, 1) * bits) / 8;
}

/** The 8-byte length and the padded JSON header for `tensors` in this order; with each tensor's data offsets. */
export function encodeHeader(tensors: readonly TensorEntry[], metadata: Record<string, string> | undefined): { bytes: Uint8Array; offsets: [number, number][]; dataBytes: number } {
  const json: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) json.__metadata__ = { ...metadata };
  const offsets: [number, number][] = [];
  let at = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || Object.prototype.hasOwnProperty.call(json, t.name)) throw new RangeError(`tensor name ${JSON.stringify(t.name)} written twice or reserved`);
    const n = tensorByteLength(t);
    offsets.push([at, at + n]);
    json[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + n] };
    at += n;
  }
  const text = new TextEncoder().encode(JSON.stringify(json));
  const padded = Math.ceil(text.length / 8) * 8;
  const bytes = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(padded), true);
  bytes.set(text, 8);
  return { bytes, offsets, dataBytes: at };
}

/** One safetensors file being written: its header on disk, its tensors to come in order. */
export class SafetensorsWriter implements ChunkSink {
  private index = 0;
  private written = 0;
  private position: number;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly tensors: readonly TensorEntry[],
    private readonly offsets: [number, number][],
    private readonly dataStart: number,
    /** Size of the finished file. */
    readonly fileSize: number,
  ) {
    this.position = dataStart;
  }

  /** Creates `path` (it must not exist) and writes the header for `tensors`, in the order their data will follow. */
  static async create(path: string, tensors: readonly TensorEntry[], metadata?: Record<string, string>): Promise<SafetensorsWriter> {
    const { bytes, offsets, dataBytes } = encodeHeader(tensors, metadata);
    const fh = await open(path, 'wx');
    try {
      await writeAll(fh, bytes, 0);
    } catch (e) {
      await fh.close();
      throw e;
    }
    return new SafetensorsWriter(path, fh, tensors, offsets, bytes.length, bytes.length + dataBytes);
  }

  /** The tensor whose bytes are expected next, or undefined when all have been written. */
  get next(): TensorEntry | undefined {
    return this.tensors[this.index];
  }

  /** Appends bytes of the current tensor; moves to the next tensor once this one is complete. */
  async write(bytes: Uint8Array): Promise<void> {
    const current = this.tensors[this.index];
    if (!current) throw new RangeError(`${this.path}: more data than the header promised`);
    const [begin, end] = this.offsets[this.index]!;
    if (this.written + bytes.length > end - begin) throw new RangeError(`${this.path}: ${current.name}: more bytes than its shape takes (${end - begin})`);
    await writeAll(this.fh, bytes, this.position);
    this.position += bytes.length;
    this.written += bytes.length;
    if (this.written === end - begin) {
      this.index++;
      this.written = 0;
    }
  }

  /** Writes one whole tensor, which must be the one expected next. */
  async writeTensor(name: string, bytes: Uint8Array): Promise<void> {
    const current = this.tensors[this.index];
    if (current?.name !== name || this.written !== 0) throw new RangeError(`${this.path}: ${name} written out of order (expected ${current?.name ?? 'nothing'})`);
    const [begin, end] = this.offsets[this.index]!;
    if (bytes.length !== end - begin) throw new RangeError(`${this.path}: ${name} is ${bytes.length} bytes, its shape takes ${end - begin}`);
    if (bytes.length === 0) {
      this.index++;
      return;
    }
    await this.write(bytes);
  }

  /** Skips zero-byte tensors (they have no data to write). */
  private skipEmpty(): void {
    while (this.index < this.tensors.length && this.offsets[this.index]![0] === this.offsets[this.index]![1]) this.index++;
  }

  /** Checks every tensor arrived, flushes and closes. */
  async finish(): Promise<void> {
    this.skipEmpty();
    try {
      if (this.index !== this.tensors.length) throw new RangeError(`${this.path}: ${this.tensors[this.index]!.name} and ${this.tensors.length - this.index - 1} more never written`);
      if (this.position !== this.fileSize) throw new RangeError(`${this.path}: ${this.position} bytes written, the header promised ${this.fileSize}`);
      await this.fh.sync();
    } finally {
      await this.fh.close();
    }
  }

  /** Closes without checking (after a failure; the caller removes the file). */
  async abandon(): Promise<void> {
    await this.fh.close().catch(() => undefined);
  }

  /** Moves past zero-byte tensors before the next one's bytes are written. */
  prepare(): void {
    this.skipEmpty();
  }
}

async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}
