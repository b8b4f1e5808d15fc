/**
 * Tensor data by the offsets a safetensors header gives (src/io/safetensors.ts reads and validates the header; this
 * module never parses one). A tensor's bytes are `dataOffset + begin ... dataOffset + end` of its file. Reads are
 * exact or fail naming the file and the tensor (a file that shrank since its header was read is "truncated"), and a
 * copy streams in fixed-size chunks, so copying a 10 GB shard costs one chunk of memory.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { SafetensorsError, type SafetensorsHeader, type SafetensorsTensor } from '../core/safetensors';

/** Bytes moved per read when a tensor is copied: large enough for sequential disk speed, small next to any RAM. */
export const COPY_CHUNK_BYTES = 8 * 1024 * 1024;

/** Something a copied chunk can be handed to (the safetensors writer). */
export interface ChunkSink {
  write(bytes: Uint8Array): Promise<void>;
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('The conversion was cancelled', 'AbortError');
}

/** Open handles on a checkpoint's files, one per file, closed together. */
export class TensorDataReader {
  private readonly handles = new Map<string, Promise<FileHandle>>();
  private chunk: Buffer | undefined;

  constructor(private readonly signal?: AbortSignal) {}

  private handle(header: SafetensorsHeader): Promise<FileHandle> {
    let h = this.handles.get(header.file);
    if (!h) {
      h = open(header.file, 'r').then(async (fh) => {
        // The header was read from a file of this size; another size means the file changed under us.
        const st = await fh.stat();
        if (st.size !== header.fileSize) {
          await fh.close();
          throw new SafetensorsError(header.file, undefined, `is ${st.size} bytes now, ${header.fileSize} when its header was read: the file changed`);
        }
        return fh;
      });
      h.catch(() => undefined);
      this.handles.set(header.file, h);
    }
    return h;
  }

  private async readAt(fh: FileHandle, header: SafetensorsHeader, tensor: SafetensorsTensor, buf: Uint8Array, length: number, position: number): Promise<void> {
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, position + got);
      if (bytesRead === 0) throw new SafetensorsError(header.file, tensor.name, `the file ends at byte ${position + got}, inside the tensor's data (truncated?)`);
      got += bytesRead;
    }
  }

  /** A tensor's bytes, whole (for the tensors a conversion rewrites: one at a time). */
  async read(header: SafetensorsHeader, tensor: SafetensorsTensor): Promise<Uint8Array> {
    aborted(this.signal);
    const fh = await this.handle(header);
    const length = tensor.end - tensor.begin;
    const buf = new Uint8Array(length);
    await this.readAt(fh, header, tensor, buf, length, header.dataOffset + tensor.begin);
    return buf;
  }

  /**
   * Bytes `begin ... begin + length` of a tensor's data (a few rows of an embedding table, not all of it: a large
   * vocabulary's table is gigabytes). Refused when the range leaves the tensor.
   */
  async readRange(header: SafetensorsHeader, tensor: SafetensorsTensor, begin: number, length: number): Promise<Uint8Array> {
    aborted(this.signal);
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(length) || begin < 0 || length < 0 || begin + length > tensor.end - tensor.begin) {
      throw new RangeError(`${tensor.name}: bytes ${begin} + ${length} lie outside its ${tensor.end - tensor.begin}`);
    }
    const fh = await this.handle(header);
    const buf = new Uint8Array(length);
    await this.readAt(fh, header, tensor, buf, length, header.dataOffset + tensor.begin + begin);
    return buf;
  }

  /** Streams a tensor's bytes to `sink` in {@link COPY_CHUNK_BYTES} chunks; `onBytes` after each. */
  async copy(header: SafetensorsHeader, tensor: SafetensorsTensor, sink: ChunkSink, onBytes?: (n: number) => void): Promise<void> {
    const fh = await this.handle(header);
    this.chunk ??= Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    const total = tensor.end - tensor.begin;
    for (let done = 0; done < total; ) {
      aborted(this.signal);
      const n = Math.min(COPY_CHUNK_BYTES, total - done);
      await this.readAt(fh, header, tensor, this.chunk, n, header.dataOffset + tensor.begin + done);
      await sink.write(this.chunk.subarray(0, n));
      done += n;
      onBytes?.(n);
    }
  }

  /** Closes every handle (safe to call twice). */
  async close(): Promise<void> {
    const all = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(all.map((h) => h.then((fh) => fh.close(), () => undefined)));
  }
}
