/**
 * Tensor element formats a conversion reads and writes: safetensors' F32, F16 and BF16, little-endian as the
 * format prescribes (huggingface/safetensors `safetensors/src/tensor.rs`: "little-endian"), decoded to fp32 for the
 * arithmetic and encoded back once.
 *
 * Rounding: pooling accumulates in float64 and stores fp32; the fp32 result is then rounded once to the file's
 * format. Going through fp32 first is not a second, error-adding rounding: fp32 carries 24 significand bits, at
 * least 2p + 2 for bf16 (p = 8) and fp16 (p = 11), and rounding to such a format first and then to p bits gives
 * the same result as rounding directly (Figueroa, "When is double rounding innocuous?", 1995).
 *
 * The fp16 helpers exist beside `src/bench/fp16.ts` on purpose: the core may not import `src/bench` (the import
 * rules point down only), and the benchmark's copy feeds onnxruntime, not files; the two are tested apart.
 * Pure: no Node, no vscode (Buffer is not used; plain typed arrays and DataView).
 */

/** The element formats a conversion pools. Anything else (integers, fp8, quantised blocks) is refused. */
export type FloatDtype = 'F32' | 'F16' | 'BF16';

/** Bytes per element of each format. */
export const FLOAT_DTYPE_BYTES: Readonly<Record<FloatDtype, number>> = { F32: 4, F16: 2, BF16: 2 };

/** True for a safetensors dtype a conversion can pool. */
export function isFloatDtype(dtype: string): dtype is FloatDtype {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16';
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bf16 bits of a float, rounded to nearest, ties to even (NaN stays a quiet NaN with its sign). */
export function toBf16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) & 0x8000) | 0x7fc0;
  // Adding 0x7fff plus the lowest kept bit rounds half to even; a carry correctly bumps the exponent (to inf).
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The float value of bf16 bits (exact: bf16 is fp32's upper half). */
export function fromBf16Bits(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

/** The fp16 bits of a float, rounded to nearest, ties to even; overflow gives inf, underflow subnormals or zero. */
export function toF16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: the implicit bit made explicit, shifted into place, rounded on the bits shifted out.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1) !== 0)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) !== 0)) half++; // a carry bumps the exponent, possibly to inf
  return half;
}

/** The float value of fp16 bits. */
export function fromF16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Decodes a tensor's little-endian bytes to fp32 (exact for all three formats). */
export function decodeFloats(bytes: Uint8Array, dtype: FloatDtype): Float32Array {
  const size = FLOAT_DTYPE_BYTES[dtype];
  if (bytes.byteLength % size !== 0) throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  const n = bytes.byteLength / size;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  if (dtype === 'F32') for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  else if (dtype === 'BF16') for (let i = 0; i < n; i++) out[i] = fromBf16Bits(view.getUint16(i * 2, true));
  else for (let i = 0; i < n; i++) out[i] = fromF16Bits(view.getUint16(i * 2, true));
  return out;
}

/** Encodes fp32 values to the format's little-endian bytes, rounding each value once. */
export function encodeFloats(values: Float32Array, dtype: FloatDtype): Uint8Array {
  const size = FLOAT_DTYPE_BYTES[dtype];
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  if (dtype === 'F32') for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  else if (dtype === 'BF16') for (let i = 0; i < values.length; i++) view.setUint16(i * 2, toBf16Bits(values[i]!), true);
  else for (let i = 0; i < values.length; i++) view.setUint16(i * 2, toF16Bits(values[i]!), true);
  return out;
}
