/**
 * The one validator for every size a config writes (head counts, head sizes, widths, layer counts, contexts,
 * windows, latents...), used by the normaliser (which refuses a present but unusable size rather than guess)
 * and by lint (which reports it on the value). A size is read as Python's json would read it, then checked
 * as the model's own code would use it: `nn.Linear` and `range` refuse floats (even `8.0`), strings, booleans
 * and lists; zero and negatives build nothing. Past a cap no model comes near, a size is refused too, so no
 * work anywhere is proportional to an absurd value. Pure: no `vscode`, no `node:` imports.
 */
import type { Quantity } from './vocabulary';
import { VOCABULARY } from './vocabulary';

/** Caps past which a size is not a real model; layer-like counts are the ones work is proportional to. */
export const MAX_LAYERS = 10_000;
export const MAX_HEADS = 65_536;
export const MAX_HEAD_SIZE = 65_536;
export const MAX_WIDTH = 1 << 22;
/**
 * Tokens in a config's context or window: 2^28 (268M), 25 times the longest context any published model
 * declares (Llama 4 Scout, 10M). Past it a value is a typo or a placeholder, and every figure from it would be.
 */
export const MAX_TOKENS = 2 ** 28;
/** Any other size. */
export const MAX_SIZE = 2 ** 40;

const QUANTITY_CAP: Record<Quantity, number> = {
  queryHeads: MAX_HEADS,
  kvHeads: MAX_HEADS,
  headDim: MAX_HEAD_SIZE,
  hiddenSize: MAX_WIDTH,
  numLayers: MAX_LAYERS,
  maxContext: MAX_TOKENS,
  slidingWindow: MAX_TOKENS,
  stateSize: MAX_WIDTH,
};

/** Keys outside the quantities whose values are counted out one by one (layers) or are head counts. */
const KEY_CAP: Record<string, number> = {
  num_decoder_layers: MAX_LAYERS, encoder_layers: MAX_LAYERS, num_nextn_predict_layers: MAX_LAYERS, mtp_num_hidden_layers: MAX_LAYERS,
  num_mtp_modules: MAX_LAYERS, num_kv_shared_layers: MAX_LAYERS, max_window_layers: MAX_LAYERS,
  num_global_key_value_heads: MAX_HEADS, swa_num_key_value_heads: MAX_HEADS, swa_num_attention_heads: MAX_HEADS, index_n_heads: MAX_HEADS,
  linear_num_key_heads: MAX_HEADS, linear_num_value_heads: MAX_HEADS, multi_query_group_num: MAX_HEADS, kv_n_heads: MAX_HEADS,
  encoder_attention_heads: MAX_HEADS, global_head_dim: MAX_HEAD_SIZE, swa_head_dim: MAX_HEAD_SIZE, swa_v_head_dim: MAX_HEAD_SIZE,
  v_head_dim: MAX_HEAD_SIZE, qk_rope_head_dim: MAX_HEAD_SIZE, qk_nope_head_dim: MAX_HEAD_SIZE, qk_head_dim: MAX_HEAD_SIZE, index_head_dim: MAX_HEAD_SIZE,
  linear_key_head_dim: MAX_HEAD_SIZE, linear_value_head_dim: MAX_HEAD_SIZE,
};

const CAP_OF_KEY: ReadonlyMap<string, number> = new Map([
  ...VOCABULARY.filter((e) => e.quantity).map((e): [string, number] => [e.path[e.path.length - 1]!, QUANTITY_CAP[e.quantity!]]),
  ...Object.entries(KEY_CAP),
]);

/** The largest value a key may hold. */
export function capOf(key: string): number {
  return CAP_OF_KEY.get(key) ?? MAX_SIZE;
}

/** Why a size cannot be used. `wrong-type`: not an integer as written; `invalid`: an integer out of range. */
export interface SizeProblem {
  kind: 'wrong-type' | 'invalid';
  /** "a float (8.0)", "not positive", "more than 10,000 layers: no model comes near". */
  reason: string;
}

/** True when a number's source text is written as a float (`8.0`, `8e0`, `1E3`), as Python's json reads it. */
export function writtenAsFloat(source: string): boolean {
  return /[.eE]/.test(source);
}

/**
 * The problem with a size as written, or undefined when it is a usable positive integer (or `min` 0 for counts
 * that may be zero). `source` is the value's text in the file, so 9007199254740993 and 1e309 are judged (and
 * quoted) as written, not as the double they round to.
 */
export function sizeProblem(key: string, value: unknown, source: string, min: 0 | 1 = 1): SizeProblem | undefined {
  if (typeof value !== 'number') {
    const kind = typeof value === 'string' ? 'a string' : typeof value === 'boolean' ? 'a boolean' : Array.isArray(value) ? 'a list' : value === null ? 'null' : 'an object';
    return { kind: 'wrong-type', reason: `${kind}, not a whole number` };
  }
  if (!Number.isFinite(value)) return { kind: 'invalid', reason: 'not a finite number' };
  if (writtenAsFloat(source)) {
    return Number.isInteger(value)
      ? { kind: 'wrong-type', reason: 'written as a float; the model\'s code (nn.Linear, range) refuses floats, write it as an integer' }
      : { kind: 'invalid', reason: 'not a whole number' };
  }
  if (!Number.isSafeInteger(value)) return { kind: 'invalid', reason: 'too large to be read exactly' };
  if (value < min) return { kind: 'invalid', reason: min === 1 ? 'not positive' : 'negative' };
  const cap = capOf(key);
  if (value > cap) return { kind: 'invalid', reason: `more than ${cap.toLocaleString('en-US')}: no model comes near, and KV Lens does no work proportional to it` };
  return undefined;
}
