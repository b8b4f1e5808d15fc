/**
 * A small GGUF writer for the tests: the header as ggml/docs/gguf.md lays it out (magic, version, tensor count,
 * metadata count, typed key/value pairs, tensor infos, padding to the alignment), then the tensor data as a
 * sparse region (the file's size is set, no bytes written), so a "5 GB" model costs nothing on disk. It can also
 * write what no converter would (absurd lengths, wrong magic), for the bad-input tests.
 */
import { open } from 'node:fs/promises';

/** A typed metadata value: GGUF value types (`gguf_type` in ggml/include/gguf.h). */
export type KvValue =
  | { t: 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'u64' | 'i64' | 'f64'; v: number | bigint | boolean }
  | { t: 'str'; v: string }
  | { t: 'arr'; sub: 'u32' | 'i32' | 'f32' | 'bool' | 'str' | 'u8'; v: (number | boolean | string)[] }
  /** Raw bytes after the type id, for malformed values. */
  | { t: 'raw'; type: number; bytes: Uint8Array };

export const u32 = (v: number): KvValue => ({ t: 'u32', v });
export const i32 = (v: number): KvValue => ({ t: 'i32', v });
export const u64 = (v: number | bigint): KvValue => ({ t: 'u64', v: BigInt(v) });
export const f32 = (v: number): KvValue => ({ t: 'f32', v });
export const bool = (v: boolean): KvValue => ({ t: 'bool', v });
export const str = (v: string): KvValue => ({ t: 'str', v });
export const arr = (sub: 'u32' | 'i32' | 'f32' | 'bool' | 'str' | 'u8', v: (number | boolean | string)[]): KvValue => ({ t: 'arr', sub, v });

const TYPE_ID = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, str: 8, arr: 9, u64: 10, i64: 11, f64: 12 } as const;

/** One tensor info; `type` is the ggml type id (0 F32, 1 F16, 8 Q8_0, 12 Q4_K, 14 Q6_K, 30 BF16, 39 MXFP4 ...). */
export interface TensorSpec {
  name: string;
  shape: number[];
  type: number;
}

/** What to write. */
export interface GgufSpec {
  kv: [string, KvValue][];
  tensors?: TensorSpec[];
  version?: number;
  magic?: string;
  alignment?: number;
  /** Overrides the tensor count written in the header (for truncation tests). */
  tensorCount?: bigint;
  /** Overrides the metadata count written in the header. */
  kvCount?: bigint;
}

/** Block size and bytes per block of the ggml types the fixtures use (ggml/src/ggml.c type_traits). */
const BLOCKS: Record<number, [number, number]> = { 0: [1, 4], 1: [1, 2], 2: [32, 18], 8: [32, 34], 10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 30: [1, 2], 39: [32, 17] };

/** Bytes of one tensor's data, as ggml stores it. */
export function tensorBytes(t: TensorSpec): number {
  const [block, bytes] = BLOCKS[t.type] ?? [1, 4];
  return (t.shape.reduce((a, b) => a * b, 1) / block) * bytes;
}

class Out {
  parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array) {
    this.parts.push(b);
    this.length += b.length;
  }
  num(kind: keyof typeof TYPE_ID, v: number | bigint | boolean) {
    const size = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8, str: 0, arr: 0 }[kind];
    const b = new Uint8Array(size);
    const d = new DataView(b.buffer);
    switch (kind) {
      case 'u8': case 'bool': d.setUint8(0, Number(v)); break;
      case 'i8': d.setInt8(0, Number(v)); break;
      case 'u16': d.setUint16(0, Number(v), true); break;
      case 'i16': d.setInt16(0, Number(v), true); break;
      case 'u32': d.setUint32(0, Number(v), true); break;
      case 'i32': d.setInt32(0, Number(v), true); break;
      case 'f32': d.setFloat32(0, Number(v), true); break;
      case 'u64': d.setBigUint64(0, BigInt(v as number | bigint), true); break;
      case 'i64': d.setBigInt64(0, BigInt(v as number | bigint), true); break;
      case 'f64': d.setFloat64(0, Number(v), true); break;
    }
    this.push(b);
  }
  str(s: string) {
    const b = new TextEncoder().encode(s);
    this.num('u64', BigInt(b.length));
    this.push(b);
  }
  bytes(): Uint8Array {
    const all = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      all.set(p, o);
      o += p.length;
    }
    return all;
  }
}

/** The header bytes (padded to the alignment) and the size of the data section after it. */
export function ggufHeader(spec: GgufSpec): { header: Uint8Array; dataBytes: number } {
  const o = new Out();
  o.push(new TextEncoder().encode(spec.magic ?? 'GGUF'));
  o.num('u32', spec.version ?? 3);
  const tensors = spec.tensors ?? [];
  o.num('u64', spec.tensorCount ?? BigInt(tensors.length));
  o.num('u64', spec.kvCount ?? BigInt(spec.kv.length));
  for (const [key, val] of spec.kv) {
    o.str(key);
    if (val.t === 'raw') {
      o.num('u32', val.type);
      o.push(val.bytes);
      continue;
    }
    o.num('u32', TYPE_ID[val.t]);
    if (val.t === 'str') o.str(val.v);
    else if (val.t === 'arr') {
      o.num('u32', TYPE_ID[val.sub]);
      o.num('u64', BigInt(val.v.length));
      for (const x of val.v) {
        if (val.sub === 'str') o.str(String(x));
        else o.num(val.sub, x as number | boolean);
      }
    } else o.num(val.t, val.v);
  }
  const alignment = spec.alignment ?? 32;
  let offset = 0;
  for (const t of tensors) {
    o.str(t.name);
    o.num('u32', t.shape.length);
    for (const d of t.shape) o.num('u64', BigInt(d));
    o.num('u32', t.type);
    o.num('u64', BigInt(offset));
    offset += Math.ceil(tensorBytes(t) / alignment) * alignment;
  }
  const pad = (alignment - (o.length % alignment)) % alignment;
  o.push(new Uint8Array(pad));
  return { header: o.bytes(), dataBytes: offset };
}

/** Writes the file: the header, then a sparse data section of the right size (or `truncateTo` bytes in all). */
export async function writeGguf(path: string, spec: GgufSpec, options: { truncateTo?: number } = {}): Promise<{ bytes: number; headerBytes: number }> {
  const { header, dataBytes } = ggufHeader(spec);
  const fh = await open(path, 'w');
  try {
    const size = options.truncateTo ?? header.length + dataBytes;
    await fh.write(header.subarray(0, Math.min(header.length, size)), 0, Math.min(header.length, size), 0);
    await fh.truncate(size);
    return { bytes: size, headerBytes: header.length };
  } finally {
    await fh.close();
  }
}
