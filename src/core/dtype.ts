/**
 * Element formats: the model's dtype as configs spell it, and the KV cache formats a user can pick.
 * llama.cpp's block formats carry a scale per 32 values: q8_0 is 34 bytes per 32, q4_0 is 18 per 32.
 */
import { defaulted, fromField } from './fields';
import type { FieldReader } from './fields';
import type { Derived, KvDtype } from './types';

/** Every KV cache format KV Lens computes, in menu order. */
export const KV_DTYPES: readonly KvDtype[] = ['fp32', 'fp16', 'bf16', 'fp8', 'int8', 'int4', 'q8_0', 'q4_0'];

/** Bytes per cached element. */
export const KV_DTYPE_BYTES: Readonly<Record<KvDtype, number>> = {
  fp32: 4, fp16: 2, bf16: 2, fp8: 1, int8: 1, int4: 0.5, q8_0: 34 / 32, q4_0: 18 / 32,
};

/** True for a string naming a KV cache format. */
export function isKvDtype(s: string): s is KvDtype {
  return (KV_DTYPES as readonly string[]).includes(s);
}

/** Maps the names configs and libraries use (torch dtypes, vLLM kv_cache_dtype) to a KvDtype. */
export function toKvDtype(name: string): KvDtype | undefined {
  const s = name.toLowerCase().replace(/^torch\./, '');
  if (isKvDtype(s)) return s;
  if (s === 'float32' || s === 'float') return 'fp32';
  if (s === 'float16' || s === 'half') return 'fp16';
  if (s === 'bfloat16') return 'bf16';
  if (s.startsWith('float8') || s.startsWith('fp8') || s === 'e4m3' || s === 'e5m2') return 'fp8';
  if (s === 'uint8') return 'int8';
  return undefined;
}

/**
 * The KV cache's own format when the config names one: a compressed-tensors `kv_cache_scheme` in
 * `quantization_config` (8 bits: fp8 when its type is float, else int8). It sets the cache only; the weights
 * keep the model dtype (and weight quantisation says nothing about the cache).
 */
export function kvCacheScheme(part: FieldReader, top: FieldReader, notes: string[]): Derived<string> | undefined {
  for (const r of part === top ? [part] : [part, top]) {
    const scheme = r.child('quantization_config')?.child('kv_cache_scheme');
    if (!scheme) continue;
    const bits = scheme.positiveInt('num_bits')?.value;
    const type = scheme.string('type')?.value;
    if (bits === 8) {
      const name = type === 'float' ? 'fp8' : 'int8';
      notes.push(`quantization_config.kv_cache_scheme: the KV cache is ${name}; the weights stay in the model dtype.`);
      return { value: name, from: [scheme.name('num_bits')], defaulted: false, note: 'KV cache scheme in quantization_config' };
    }
  }
  return undefined;
}

/**
 * The model's dtype (its weights'): the nested part's `torch_dtype` / `dtype`, else the top level's
 * (transformers renamed torch_dtype to dtype). The cache follows it unless `kvCacheScheme` names another.
 */
export function modelDtype(part: FieldReader, top: FieldReader, notes: string[]): Derived<string> {
  for (const r of part === top ? [part] : [part, top]) {
    const hit = r.string('torch_dtype', 'dtype');
    if (hit) {
      const kv = toKvDtype(hit.value);
      if (kv) return fromField({ ...hit, value: kv });
      notes.push(`${hit.name} = "${hit.value}" is not a dtype KV Lens knows: bf16 assumed.`);
      return defaulted('bf16', `${hit.name} "${hit.value}" not recognised`, [hit.name]);
    }
  }
  notes.push('No torch_dtype / dtype in the config: bf16 assumed for the cache.');
  return defaulted('bf16', 'no torch_dtype or dtype field: bf16 assumed');
}
