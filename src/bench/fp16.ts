/**
 * IEEE 754 half precision <-> single precision, for Node 20 (no Float16Array). onnxruntime-node
 * takes float16 tensors as Uint16Array bit patterns.
 */

// The one half-precision rounding (ties to even) lives in the core, beside bf16, for the conversion too.
import { fromF16Bits, toF16Bits } from '../core/uptrain/numeric';

/** Rounds one float to the nearest half (ties to even) and returns its bits. */
export const toHalfBits = toF16Bits;

/** The float value of half bits. */
export const fromHalfBits = fromF16Bits;

/** Converts a float array to half bits. */
export function toHalfArray(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalfBits(values[i]!);
  return out;
}

/** Converts half bits to floats. */
export function fromHalfArray(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = fromHalfBits(bits[i]!);
  return out;
}
