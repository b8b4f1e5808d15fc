/**
 * A GGUF header's metadata -> KV Lens's ModelDescription, with llama.cpp's own rules, so that every figure is
 * what llama.cpp will allocate for this file. Sources (ggml-org/llama.cpp):
 * - src/llama-model.cpp `load_hparams`: `{arch}.context_length`, `embedding_length`, `block_count`,
 *   `attention.head_count` / `head_count_kv` read by `get_key_or_arr` (a number or one value per layer;
 *   `head_count_kv` defaults to `head_count`), `key_length` / `value_length` defaulting to
 *   `embedding_length / head_count(layer 0)`, and each architecture's sliding-window, recurrent and MLA setup;
 * - src/llama-hparams.cpp: `set_swa_pattern(n, dense_first)` (a layer is sliding when `n == 0` or
 *   `il % n < n - 1`; dense first: `il % n != 0`), `n_embd_k_gqa = key_length x head_count_kv(il)`,
 *   `has_kv(il)` (layers from `n_layer_kv_from_start` on keep no cache of their own), the recurrent state sizes
 *   `n_embd_r` (conv: `(d_conv - 1) x (d_inner + 2 x n_group x d_state)`; RWKV `token_shift_count x n_embd`; LFM2
 *   `n_embd x (l_cache - 1)`) and `n_embd_s` (`d_state x d_inner`; RWKV `n_embd x wkv_head_size`);
 * - src/llama-arch.cpp / gguf-py/gguf/constants.py: the key names.
 * Pure: no `vscode`, no `node:` imports. Nothing is guessed silently: defaults and unknown architectures are notes.
 */
import type { Derived, ExpertsSpec, LayerSpec, MlaSpec, ModelDescription } from '../types';
import { MAX_HEAD_SIZE, MAX_HEADS, MAX_LAYERS, MAX_TOKENS, MAX_WIDTH } from '../validate';
import { LLAMA_FTYPES } from './ggmlTypes';
import type { GgufHeader, GgufValue } from './header';

/** A header that llama.cpp could not load as a model, or whose values KV Lens cannot use: names the key. */
export class GgufModelError extends Error {}

/** Architectures whose every layer is recurrent (`llm_arch_is_recurrent` in src/llama-arch.cpp). */
const ALL_RECURRENT = new Set(['mamba', 'mamba2', 'rwkv6', 'rwkv6qwen2', 'rwkv7', 'arwkv7']);
/** Gated delta-net hybrids (Qwen3-Next, Qwen3.5): attention every `full_attention_interval`-th layer. */
const DELTA_NET = new Set(['qwen3next', 'qwen35', 'qwen35moe']);
/**
 * Architectures whose trailing `nextn_predict_layers` blocks keep no cache of their own: glm4moe / bailingmoe2
 * set `n_layer_kv_from_start = n_layer - nextn_predict_layers` (src/llama-model.cpp); qwen35 does not run them in
 * the main pass (src/models/qwen35.cpp: "MTP/NextN layers are loaded as extra decoder blocks but not executed").
 */
const NEXTN_NO_CACHE = new Set(['glm4moe', 'bailingmoe2', 'qwen35', 'qwen35moe']);
/** Hybrids whose recurrent layers are the ones with `head_count_kv` 0 (load_hparams: jamba, plamo2, granitehybrid, lfm2, lfm2moe). */
const RECURRENT_WHERE_NO_KV = new Set(['jamba', 'plamo2', 'granitehybrid', 'lfm2', 'lfm2moe']);

/**
 * Built-in sliding-window layouts of `load_hparams`, per `general.architecture`: the period given to
 * `set_swa_pattern`, whether the dense layer comes first, the window when the file gives none, and whether
 * llama.cpp applies it only when the file declares a window (`found_swa && n_swa > 0`).
 */
interface SwaRule {
  period: number;
  denseFirst?: boolean;
  defaultWindow?: number;
  onlyWithWindow?: boolean;
  chunked?: boolean;
  /** The window is a constant in llama.cpp, whatever the file says. */
  fixedWindow?: number;
  /** llama.cpp turns the window off when the file declares 0. */
  offWhenZero?: boolean;
  /** Applies only at this layer count (exaone4: the 32B). */
  layers?: number;
}
const SWA_RULES: Record<string, SwaRule> = {
  gemma2: { period: 2, defaultWindow: 4096 },
  gemma3: { period: 6 },
  gemma3n: { period: 5 },
  cohere2: { period: 4 },
  'gpt-oss': { period: 2 },
  olmo2: { period: 4, onlyWithWindow: true },
  exaone4: { period: 4, defaultWindow: 4096, layers: 64 },
  smallthinker: { period: 4, denseFirst: true, fixedWindow: 4096, onlyWithWindow: true },
  llama4: { period: 4, chunked: true, fixedWindow: 8192, offWhenZero: true },
};

/** Architectures whose attention is llama.cpp's plain per-layer KV cache with no window, read the generic way. */
const PLAIN = new Set([
  'llama', 'deci', 'qwen', 'qwen2', 'qwen2moe', 'qwen2vl', 'qwen3', 'qwen3moe', 'phi2', 'phi3', 'phimoe', 'falcon', 'gptneox', 'gpt2',
  'starcoder', 'starcoder2', 'gemma', 'command-r', 'dbrx', 'olmo', 'olmoe', 'internlm2', 'baichuan', 'mpt', 'stablelm', 'bloom',
  'granite', 'granitemoe', 'exaone', 'nemotron', 'glm4', 'glm4moe', 'chatglm', 'deepseek', 'arcee', 'minicpm', 'mistral3', 'ernie4_5',
  'ernie4_5-moe', 'hunyuan-moe', 'hunyuan-dense', 'smollm3', 'seed_oss', 'bailingmoe', 'bailingmoe2', 'dots1', 'apertus', 'grok',
  'orion', 'xverse', 'codeshell', 'refact', 'jais', 'plamo', 'openelm', 'arctic', 'chameleon', 'bitnet', 'qwen3vl', 'qwen3vlmoe',
]);

/** Which keys the description read, which it wanted and did not find. */
interface Reads {
  used: Set<string>;
  missing: Set<string>;
}

/** Reads typed values from the metadata, recording what was used and refusing what cannot be a size. */
class Meta {
  readonly reads: Reads = { used: new Set(), missing: new Set() };
  constructor(private readonly md: Record<string, GgufValue>, readonly arch: string, private readonly skipped: Record<string, number> = {}) {}

  /** Elements of an array the reader skipped (GgufHeader.skippedArrays), or undefined. */
  skippedLength(key: string): number | undefined {
    return Object.prototype.hasOwnProperty.call(this.skipped, key) ? this.skipped[key] : undefined;
  }

  raw(key: string): GgufValue | undefined {
    return Object.prototype.hasOwnProperty.call(this.md, key) ? this.md[key] : undefined;
  }
  has(key: string): boolean {
    return this.raw(key) !== undefined;
  }
  /** An unsigned integer at `key` (ggml writes u32/i32/u64): undefined when absent; throws when it is not one or exceeds `cap`. */
  int(key: string, cap: number, want = true): number | undefined {
    const v = this.raw(key);
    if (v === undefined) {
      if (want) this.reads.missing.add(key);
      return undefined;
    }
    this.reads.used.add(key);
    return toInt(key, v, cap);
  }
  /** `get_key_or_arr`: one number for every layer, or an array of exactly `n` values. */
  perLayer(key: string, n: number, cap: number, want = true): number[] | undefined {
    const long = this.skippedLength(key);
    // Skipped for its length (over MAX_LAYERS, so never one per layer): the same refusal as llama.cpp's.
    if (long !== undefined) throw new GgufModelError(`${key} holds ${long} values; llama.cpp requires one per layer (${n})`);
    const v = this.raw(key);
    if (v === undefined) {
      if (want) this.reads.missing.add(key);
      return undefined;
    }
    this.reads.used.add(key);
    if (Array.isArray(v)) {
      // llama_model_loader::get_key_or_arr: "key ... has wrong array length; expected n_layer"
      if (v.length !== n) throw new GgufModelError(`${key} holds ${v.length} values; llama.cpp requires one per layer (${n})`);
      return v.map((x, i) => toInt(`${key}[${i}]`, x, cap));
    }
    const one = toInt(key, v, cap);
    return Array.from({ length: n }, () => one);
  }
  str(key: string): string | undefined {
    const v = this.raw(key);
    if (typeof v !== 'string') return undefined;
    this.reads.used.add(key);
    return v;
  }
  k(name: string): string {
    return `${this.arch}.${name}`;
  }
}

function toInt(key: string, v: GgufValue, cap: number): number {
  const n = typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= 0n ? Number(v) : NaN) : typeof v === 'number' ? v : NaN;
  if (!Number.isInteger(n) || n < 0) throw new GgufModelError(`${key} is ${shown(v)}: llama.cpp reads it as a non-negative integer`);
  if (n > cap) throw new GgufModelError(`${key} is ${n}: beyond ${cap}, no real model; refused rather than computed`);
  return n;
}

function shown(v: GgufValue): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

function derived<T>(value: T, from: string[], note?: string): Derived<T> {
  return { value, from, defaulted: from.length === 0, ...(note ? { note } : {}) };
}

/** Elements of recurrent state per sequence for one recurrent layer, as llama.cpp's recurrent cache sizes it (n_embd_r + n_embd_s). */
function recurrentState(m: Meta, nEmbd: number): { elements: number; what: string; from: string[] } {
  const wkv = m.int(m.k('wkv.head_size'), MAX_HEAD_SIZE, false);
  if (wkv !== undefined) {
    const shift = m.int(m.k('token_shift_count'), 16, false) ?? 2;
    return { elements: shift * nEmbd + nEmbd * wkv, what: `RWKV: ${shift} token shifts x ${nEmbd} + ${nEmbd} x wkv head size ${wkv}`, from: [m.k('wkv.head_size')] };
  }
  const lCache = m.int(m.k('shortconv.l_cache'), MAX_HEAD_SIZE, false);
  if (lCache !== undefined) {
    return { elements: nEmbd * Math.max(0, lCache - 1), what: `short convolution: ${nEmbd} x (L cache ${lCache} - 1)`, from: [m.k('shortconv.l_cache')] };
  }
  const dConv = m.int(m.k('ssm.conv_kernel'), 1024, true) ?? 0;
  const dInner = m.int(m.k('ssm.inner_size'), MAX_WIDTH, true) ?? 0;
  const dState = m.int(m.k('ssm.state_size'), MAX_WIDTH, true) ?? 0;
  const nGroup = m.int(m.k('ssm.group_count'), MAX_HEADS, false) ?? 0;
  const conv = (dConv > 0 ? dConv - 1 : 0) * (dInner + 2 * nGroup * dState);
  return {
    elements: conv + dState * dInner,
    what: `conv (${dConv} - 1) x (${dInner} + 2 x ${nGroup} x ${dState}) + SSM ${dState} x ${dInner}`,
    from: [m.k('ssm.conv_kernel'), m.k('ssm.inner_size'), m.k('ssm.state_size'), ...(nGroup ? [m.k('ssm.group_count')] : [])],
  };
}

function stateLabel(arch: string): string {
  if (arch === 'qwen3next' || arch === 'qwen35' || arch === 'qwen35moe') return 'gated delta-net';
  if (arch.includes('rwkv')) return 'RWKV';
  if (arch.startsWith('lfm2')) return 'short conv';
  return 'Mamba';
}

/** What llama.cpp's sliding-window setup gives for this file: per-layer flags and the window. */
function slidingLayers(m: Meta, n: number, notes: string[]): { swa: boolean[]; window: number; chunked: boolean; from: string[] } | undefined {
  const rule = SWA_RULES[m.arch];
  const windowKey = m.k('attention.sliding_window');
  const patternKey = m.k('attention.sliding_window_pattern');
  const declared = m.int(windowKey, MAX_TOKENS, false);
  const patternRaw = m.raw(patternKey);
  if (!rule && patternRaw === undefined) {
    if (declared) notes.push(`${windowKey} = ${declared}, but llama.cpp's ${m.arch} loader does not read it: every layer keeps the full context.`);
    return undefined;
  }
  // An architecture KV Lens knows to have no window in llama.cpp (load_hparams reads neither key for it: llama,
  // qwen2, mistral3 ...): a pattern in the file is ignored there, so it is here, and said.
  if (!rule && PLAIN.has(m.arch)) {
    notes.push(`${patternKey}${declared ? ` and ${windowKey} = ${declared}` : ''} are in the file, but llama.cpp's ${m.arch} loader reads neither: every layer keeps the full context.`);
    return undefined;
  }
  // exaone4: only the 64-layer model gets the pattern; llama.cpp leaves the others without sliding layers.
  if (rule?.layers !== undefined && rule.layers !== n && patternRaw === undefined) {
    if (declared) notes.push(`${windowKey} = ${declared}, but llama.cpp's ${m.arch} loader sets sliding layers only for ${rule.layers} layers: every layer keeps the full context.`);
    return undefined;
  }
  if (rule?.onlyWithWindow && !declared) return undefined;
  if (rule?.offWhenZero && declared === 0) return undefined;
  if (m.arch === 'phi3') return undefined;
  const window = rule?.fixedWindow ?? declared ?? rule?.defaultWindow;
  if (!window) {
    // gemma3 / gemma3n / cohere2 / gpt-oss read the key as required in src/llama-model.cpp at 00342301 (the load
    // fails without it); later loaders (gemma3: `found_swa && n_swa > 0`, else LLAMA_SWA_TYPE_NONE) run full.
    notes.push(
      declared === 0
        ? `${windowKey} is 0: no sliding window, every layer counted as full (llama.cpp's ${m.arch} loader sets no window of 0 tokens).`
        : `${m.arch}: sliding-window layers need ${windowKey}, which the file lacks (older llama.cpp loaders refuse the file; newer ones run every layer full): every layer counted as full.`,
    );
    if (declared === undefined) m.reads.missing.add(windowKey);
    return undefined;
  }
  const from = [...(declared !== undefined && !rule?.fixedWindow ? [windowKey] : [])];
  let swa: boolean[];
  if (Array.isArray(patternRaw)) {
    // A per-layer array (gemma3n / lfm2 / gemma-4 style): true = sliding. gguf-py's add_sliding_window_pattern
    // writes a list as given, so a converter that passes HF's 0/1 `hybrid_layer_pattern` (MiMo-V2) stores
    // integers (GGUFValueType.get_type(int) is INT32): 1 = sliding, 0 = full, as that converter means it.
    m.reads.used.add(patternKey);
    if (patternRaw.length !== n) throw new GgufModelError(`${patternKey} holds ${patternRaw.length} values; llama.cpp requires one per layer (${n})`);
    swa = patternRaw.map((v, i) => {
      if (typeof v === 'boolean') return v;
      if (v === 0 || v === 1 || v === 0n || v === 1n) return v === 1 || v === 1n;
      throw new GgufModelError(`${patternKey}[${i}] is ${shown(v)}, not a bool (or 0 / 1)`);
    });
    from.push(patternKey);
    notes.push(`Sliding-window layout from ${patternKey} (one value per layer): ${swa.filter(Boolean).length} of ${n} layers hold ${window} tokens.`);
  } else {
    const period = patternRaw !== undefined ? m.int(patternKey, MAX_LAYERS, false)! : rule!.period;
    if (patternRaw !== undefined) from.push(patternKey);
    const dense = rule?.denseFirst === true;
    swa = Array.from({ length: n }, (_, il) => period === 0 || (dense ? il % period !== 0 : il % period < period - 1));
    notes.push(
      `Sliding-window layout: llama.cpp's set_swa_pattern(${period}${dense ? ', dense first' : ''}) for ${m.arch}` +
        `${patternRaw !== undefined ? ` (period from ${patternKey})` : ' (built into its loader)'}: ` +
        `${swa.filter(Boolean).length} of ${n} layers hold ${window} tokens${rule?.fixedWindow ? ' (a constant in llama.cpp)' : declared === undefined ? ' (llama.cpp default)' : ''}.`,
    );
  }
  return { swa, window, chunked: rule?.chunked === true, from };
}

/** A GGUF model described: the model every KV Lens figure is computed from, and which keys it came from. */
export interface GgufDescription {
  model: ModelDescription;
  architecture: string;
  /** KV Lens knows llama.cpp's layer rules for this architecture; when false a note says what was assumed. */
  known: boolean;
  keysUsed: string[];
  /** Keys looked for and absent (a default or nothing was used instead). */
  keysMissing: string[];
}

/** The description, or a {@link GgufModelError} naming the key llama.cpp would also refuse. */
export function describeGguf(h: GgufHeader): GgufDescription {
  const archRaw = h.metadata['general.architecture'];
  if (typeof archRaw !== 'string' || archRaw === '') throw new GgufModelError('general.architecture is missing: llama.cpp cannot load a model without it');
  const m = new Meta(h.metadata, archRaw, h.skippedArrays);
  m.reads.used.add('general.architecture');
  const arch = archRaw;
  const notes: string[] = [];
  const need = (name: string, cap: number): number => {
    const v = m.int(m.k(name), cap);
    if (v === undefined) throw new GgufModelError(`${m.k(name)} is missing: llama.cpp requires it`);
    return v;
  };
  const nLayer = need('block_count', MAX_LAYERS);
  if (nLayer === 0) throw new GgufModelError(`${m.k('block_count')} is 0: no layers`);
  const nEmbd = need('embedding_length', MAX_WIDTH);
  const nCtx = m.int(m.k('context_length'), MAX_TOKENS);
  const heads = m.perLayer(m.k('attention.head_count'), nLayer, MAX_HEADS) ?? Array.from({ length: nLayer }, () => 0);
  const kvKey = m.k('attention.head_count_kv');
  const kvHeads = m.perLayer(kvKey, nLayer, MAX_HEADS, false) ?? heads.slice();
  const kvFrom = m.has(kvKey) ? [kvKey] : [m.k('attention.head_count')];
  const nHead0 = heads[0] ?? 0;
  // "non-transformer models do not have attention heads": head sizes only when head_count(0) > 0.
  const keyKey = m.k('attention.key_length');
  const valKey = m.k('attention.value_length');
  const kLen = m.int(keyKey, MAX_HEAD_SIZE, false) ?? (nHead0 > 0 ? Math.floor(nEmbd / nHead0) : 0);
  const vLen = m.int(valKey, MAX_HEAD_SIZE, false) ?? (nHead0 > 0 ? Math.floor(nEmbd / nHead0) : 0);
  // llama.cpp sizes heads from layer 0's head count only: a file whose layer 0 has none (a deci / Nemotron no-op
  // first layer) and no key_length gets head size 0 everywhere, as llama.cpp does; said, not hidden.
  if (nHead0 === 0 && heads.some((x) => x > 0) && !(m.has(m.k('attention.key_length')) && m.has(m.k('attention.value_length')))) {
    notes.push(`${m.k('attention.head_count')}[0] is 0 and the file lacks ${m.k('attention.key_length')} / ${m.k('attention.value_length')}: llama.cpp sets the head size from layer 0 (n_embd / n_head(0)) only when it has heads, so every layer's head size is 0 there too.`);
  }
  const embdFrom = [m.k('embedding_length'), m.k('attention.head_count')];
  const kFrom = m.has(keyKey) ? [keyKey] : embdFrom;
  const vFrom = m.has(valKey) ? [valKey] : embdFrom;
  const ff = m.perLayer(m.k('feed_forward_length'), nLayer, MAX_WIDTH * 16, false);

  // Recurrent layers, per architecture (load_hparams).
  let recurrent: boolean[] = Array.from({ length: nLayer }, () => ALL_RECURRENT.has(arch));
  let known = PLAIN.has(arch) || arch in SWA_RULES || ALL_RECURRENT.has(arch) || RECURRENT_WHERE_NO_KV.has(arch) || arch === 'deepseek2' || DELTA_NET.has(arch) || arch === 'nemotron_h' || arch === 'nemotron_h_moe';
  if (RECURRENT_WHERE_NO_KV.has(arch)) recurrent = kvHeads.map((k) => k === 0);
  if (arch === 'nemotron_h' || arch === 'nemotron_h_moe') recurrent = kvHeads.map((k, i) => k === 0 && (ff?.[i] ?? 0) === 0);
  if (DELTA_NET.has(arch)) {
    // qwen3next / qwen35 / qwen35moe loaders (src/models/qwen3next.cpp, qwen35.cpp): a per-layer
    // `attention.recurrent_layers` array when the file has one (get_key_or_arr), else every
    // `full_attention_interval`-th layer (default 4) is attention; for qwen35 the trailing NextN / MTP blocks
    // (`nextn_predict_layers`, counted in block_count) are attention-only, never recurrent.
    const recKey = m.k('attention.recurrent_layers');
    const recRaw = m.raw(recKey);
    const tail = arch === 'qwen3next' ? 0 : Math.min(m.int(m.k('nextn_predict_layers'), MAX_LAYERS, false) ?? 0, nLayer - 1);
    if (Array.isArray(recRaw)) {
      m.reads.used.add(recKey);
      if (recRaw.length !== nLayer) throw new GgufModelError(`${recKey} holds ${recRaw.length} values; llama.cpp requires one per layer (${nLayer})`);
      recurrent = recRaw.map((v, i) => {
        if (typeof v === 'boolean') return v;
        if (v === 0 || v === 1 || v === 0n || v === 1n) return v === 1 || v === 1n;
        throw new GgufModelError(`${recKey}[${i}] is ${shown(v)}, not a bool (or 0 / 1)`);
      });
      notes.push(`${arch}: recurrent (gated delta-net) layers from ${recKey}: ${recurrent.filter(Boolean).length} of ${nLayer}.`);
    } else {
      const interval = m.int(m.k('full_attention_interval'), MAX_LAYERS, false) ?? 4;
      if (interval === 0) throw new GgufModelError(`${m.k('full_attention_interval')} is 0`);
      recurrent = Array.from({ length: nLayer }, (_, i) => i < nLayer - tail && (i + 1) % interval !== 0);
      notes.push(`${arch}: every ${interval}th layer is full attention, the others gated delta-net (fixed state)${m.has(m.k('full_attention_interval')) ? '' : "; the interval 4 is built into llama.cpp's loader"}.`);
    }
  }
  const stateOf = recurrent.some(Boolean) ? recurrentState(m, nEmbd) : undefined;
  if (arch === 'falcon-h1') {
    // src/llama-model.cpp create_memory: for LLM_ARCH_FALCON_H1 both layer filters return true, so every layer
    // has a KV cache AND a recurrent state; KV Lens's layers are one or the other, so the state is given here.
    known = false;
    const side = recurrentState(m, nEmbd);
    notes.push(
      `falcon-h1 runs attention and an SSM side by side in every layer (llama.cpp's hybrid memory keeps both): the attention cache is counted; ` +
        `the SSM state is not, and adds ${side.what} = ${side.elements} f32 values per layer per sequence (${nLayer} x ${side.elements} x 4 = ${nLayer * side.elements * 4} bytes per sequence).`,
    );
  }

  // MLA (deepseek2 and the models converted to it: Kimi-K2, DeepSeek-V3 ...): since the MLA conversion writes
  // key_length_mla / value_length_mla, key_length is kv_lora_rank + rope dims with one KV head, and llama.cpp
  // keeps only K (V is a view into it): one latent per token per layer.
  let mla: MlaSpec | undefined;
  const loraKey = m.k('attention.kv_lora_rank');
  if (arch === 'deepseek2' || (m.has(loraKey) && m.has(m.k('attention.key_length_mla')))) {
    const rank = m.int(loraKey, MAX_WIDTH);
    const rotKey = m.k('rope.dimension_count');
    const rot = m.int(rotKey, MAX_HEAD_SIZE);
    const kMla = m.int(m.k('attention.key_length_mla'), MAX_HEAD_SIZE, false);
    const vMla = m.int(m.k('attention.value_length_mla'), MAX_HEAD_SIZE, false);
    if (rank === undefined || rot === undefined) throw new GgufModelError(`${arch}: MLA needs ${loraKey} and ${rotKey}`);
    // llama_hparams::is_mla(): n_embd_head_k_mla != 0 && n_embd_head_v_mla != 0; both keys, or no MLA cache.
    if (kMla && vMla) {
      // llama-kv-cache.cpp: `has_v = !is_mla`, and K holds n_embd_k_gqa(il) = key_length x head_count_kv(il)
      // per token (the converter writes key_length = kv_lora_rank + rope dims and head_count_kv = 1): the file's
      // own width is what llama.cpp allocates; a file where it is not rank + rope is said so.
      const width = m.has(keyKey) ? kLen * Math.max(1, kvHeads.find((k) => k > 0) ?? 1) : rank + rot;
      mla = {
        kvLoraRank: derived(rank, [loraKey]),
        qkRopeHeadDim: derived(rot, [rotKey]),
        qkNopeHeadDim: derived(Math.max(0, kMla - rot), [m.k('attention.key_length_mla'), rotKey]),
        vHeadDim: derived(vMla, [m.k('attention.value_length_mla')]),
        latent: width,
      };
      notes.push(
        width === rank + rot
          ? `MLA: llama.cpp caches one latent of ${rank} + ${rot} = ${rank + rot} values per token per layer (K only; V is read from it).`
          : `MLA: llama.cpp caches ${keyKey} x ${kvKey} = ${width} values per token per layer (K only), not ${loraKey} + ${rotKey} = ${rank + rot}: the file's key width is what it allocates.`,
      );
    } else {
      notes.push(`${arch}: the file has no ${kMla ? m.k('attention.value_length_mla') : m.k('attention.key_length_mla')} (converted before llama.cpp's MLA cache): llama.cpp decompresses K and V per head and caches them in full (${kvHeads[0]} KV heads x ${kLen}/${vLen}).`);
    }
  }

  // Layers from n_layer_kv_from_start on keep no cache of their own (has_kv): gemma3n's shared layers, the NextN layers.
  let kvFromStart = -1;
  const sharedKey = m.k('attention.shared_kv_layers');
  const shared = m.int(sharedKey, MAX_LAYERS, false);
  if (shared !== undefined) kvFromStart = nLayer - Math.min(shared, nLayer);
  else if (arch === 'gemma3n') kvFromStart = Math.min(20, nLayer);
  const nextnKey = m.k('nextn_predict_layers');
  const nextn = m.int(nextnKey, MAX_LAYERS, false) ?? 0;
  if (NEXTN_NO_CACHE.has(arch) && nextn > 0) kvFromStart = nLayer - Math.min(nextn, nLayer);

  const sliding = slidingLayers(m, nLayer, notes);
  const layers: LayerSpec[] = [];
  for (let i = 0; i < nLayer; i++) {
    const q = heads[i] ?? 0;
    const kv = kvHeads[i] ?? 0;
    if (recurrent[i] && stateOf) {
      layers.push({ index: i, kind: 'state', label: stateLabel(arch), kvHeads: 0, queryHeads: q, headDimK: 0, headDimV: 0, stateElements: stateOf.elements, stateBytesPerElement: 4, stateNote: `${stateOf.what} (f32, llama.cpp's recurrent cache)` });
      continue;
    }
    if (kv === 0 || q === 0) {
      layers.push({ index: i, kind: 'none', label: ff && ff[i] === 0 ? 'no attention, no MLP' : 'no attention', kvHeads: 0, queryHeads: q, headDimK: 0, headDimV: 0 });
      continue;
    }
    const isSwa = sliding?.swa[i] === true;
    const spec: LayerSpec = {
      index: i,
      kind: isSwa ? (sliding!.chunked ? 'chunked' : 'sliding') : 'full',
      label: isSwa ? (sliding!.chunked ? 'chunked' : 'sliding') : 'full',
      ...(isSwa ? { window: sliding!.window } : {}),
      kvHeads: mla ? 0 : kv,
      queryHeads: q,
      headDimK: kLen,
      headDimV: vLen,
      ...(mla ? { mlaLatent: mla.latent, sharedKv: true } : {}),
    };
    if (kvFromStart >= 0 && i >= kvFromStart) {
      if (NEXTN_NO_CACHE.has(arch)) {
        layers.push({ index: i, kind: 'none', label: 'NextN (MTP) layer: no cache in llama.cpp', kvHeads: 0, queryHeads: q, headDimK: 0, headDimV: 0 });
        continue;
      }
      // Reuses the last earlier layer of the same kind that keeps a cache (gemma3n's KV sharing).
      let j = kvFromStart - 1;
      while (j >= 0 && (layers[j]!.kind !== spec.kind || layers[j]!.sharesCacheWith !== undefined)) j--;
      if (j >= 0) spec.sharesCacheWith = j;
    }
    layers.push(spec);
  }
  if (kvFromStart >= 0 && NEXTN_NO_CACHE.has(arch) && (arch === 'qwen35' || arch === 'qwen35moe')) {
    notes.push(`Layers ${kvFromStart}-${nLayer - 1} are NextN / MTP blocks (${nextnKey}): llama.cpp's ${arch} graph does not run them in the main pass; counted without a cache (a speculative MTP draft would add one).`);
  }
  if (kvFromStart >= 0 && !NEXTN_NO_CACHE.has(arch)) {
    notes.push(`Layers ${kvFromStart}-${nLayer - 1} keep no cache of their own (llama.cpp has_kv: n_layer_kv_from_start = ${kvFromStart}${shared !== undefined ? `, from ${sharedKey}` : ", built into llama.cpp's gemma3n loader"}): each reuses an earlier layer's.`);
  }
  if (kvHeads.some((k) => k === 0) && !recurrent.some(Boolean)) {
    notes.push(`${kvKey} is 0 on ${kvHeads.filter((k) => k === 0).length} layers: llama.cpp gives those layers no KV cache.`);
  }

  const attn = layers.filter((l) => l.kind !== 'state' && l.kind !== 'none');
  const dominant = attn.find((l) => l.kind === 'full') ?? attn[0];
  const qHeads = dominant?.queryHeads ?? nHead0;
  const kvDominant = mla ? 1 : (dominant ? kvHeads[dominant.index]! : 0);
  const kind: ModelDescription['attention']['kind'] = mla ? 'MLA' : !dominant ? 'none' : kvDominant === qHeads ? 'MHA' : kvDominant === 1 ? 'MQA' : 'GQA';

  const ftype = m.int('general.file_type', 1 << 16, false);
  const ftypeName = ftype !== undefined ? (LLAMA_FTYPES[ftype] ?? `file type ${ftype}`) : undefined;
  const dtypeValue = ftypeName === 'F16' ? 'fp16' : ftypeName === 'BF16' ? 'bf16' : ftypeName === 'F32' ? 'fp32' : ftypeName ?? 'unknown';
  if (ftype === undefined) notes.push('general.file_type is absent: the weights are sized from the tensor infos alone.');

  const expertCount = m.int(m.k('expert_count'), 1 << 16, false);
  let experts: ExpertsSpec | undefined;
  if (expertCount) {
    const used = m.int(m.k('expert_used_count'), 1 << 16, false) ?? 0;
    const ffExp = m.int(m.k('expert_feed_forward_length'), MAX_WIDTH * 16, false);
    experts = {
      total: derived(expertCount, [m.k('expert_count')]),
      active: derived(used, [m.k('expert_used_count')]),
      shared: m.int(m.k('expert_shared_count'), 1 << 16, false) ?? 0,
      ...(ffExp !== undefined ? { intermediateSize: derived(ffExp, [m.k('expert_feed_forward_length')]) } : {}),
      denseLayers: m.int(m.k('leading_dense_block_count'), MAX_LAYERS, false) ?? 0,
    };
  }
  // llama.cpp: `get_key(LLM_KV_VOCAB_SIZE) || get_arr_n(LLM_KV_TOKENIZER_LIST)`: the key, else the tokens' count.
  const vocabKey = m.has(m.k('vocab_size')) ? m.k('vocab_size') : 'tokenizer.ggml.tokens';
  const vocabRaw = m.raw(vocabKey);
  const vocab = Array.isArray(vocabRaw) ? vocabRaw.length : vocabRaw !== undefined ? toInt(vocabKey, vocabRaw, 1 << 26) : m.skippedLength(vocabKey);
  if (vocabRaw === undefined && vocab !== undefined) m.reads.used.add(vocabKey);
  const tied = !h.tensors.some((t) => t.name === 'output.weight');

  if (!known) {
    const used = [...m.reads.used].sort();
    const missing = [...m.reads.missing].sort();
    const applied = sliding ? ` The file's own ${sliding.from.join(' and ')} set the sliding layers, as written (no built-in default).` : '';
    notes.unshift(
      `Architecture ${JSON.stringify(arch)} is not one KV Lens knows llama.cpp's layer rules for: each layer was sized from ${kvKey} x key/value length alone (no built-in sliding-window, recurrent or MLA rule applied).${applied} ` +
        `Keys used: ${used.join(', ')}.${missing.length ? ` Keys looked for and missing: ${missing.join(', ')}.` : ''}`,
    );
  }
  if (nCtx === undefined) notes.push(`${m.k('context_length')} is absent (llama.cpp requires it): no maximum context.`);
  notes.push("KV cache type: llama.cpp's default f16 for K and V (-ctk / -ctv); --kv-dtype picks another (q8_0 and q4_0 need flash attention for V).");

  const model: ModelDescription = {
    modelType: arch,
    architectures: [arch],
    part: '',
    partPath: [],
    attention: {
      kind,
      queryHeads: derived(qHeads, [m.k('attention.head_count')]),
      kvHeads: derived(kvDominant, mla ? [loraKey] : kvFrom, mla ? 'MLA: one latent shared by every head' : undefined),
      headDimK: derived(mla ? mla.qkNopeHeadDim.value + mla.qkRopeHeadDim.value : kLen, mla ? [m.k('attention.key_length_mla')] : kFrom, !mla && !m.has(keyKey) ? `${m.k('embedding_length')} / ${m.k('attention.head_count')}` : undefined),
      headDimV: derived(mla ? mla.vHeadDim.value : vLen, mla ? mla.vHeadDim.from : vFrom, !mla && !m.has(valKey) ? `${m.k('embedding_length')} / ${m.k('attention.head_count')}` : undefined),
      groupSize: kvDominant > 0 ? qHeads / kvDominant : 0,
    },
    ...(mla ? { mla } : {}),
    layers,
    numLayers: derived(nLayer, [m.k('block_count')]),
    mtpLayers: derived(nextn, nextn ? [nextnKey] : []),
    hiddenSize: derived(nEmbd, [m.k('embedding_length')]),
    ...(ff ? { intermediateSize: derived(ff.find((x) => x > 0) ?? 0, [m.k('feed_forward_length')]) } : {}),
    ...(vocab !== undefined ? { vocabSize: derived(vocab, [vocabKey]) } : {}),
    tieWordEmbeddings: tied,
    ...(experts ? { experts } : {}),
    dtype: derived(dtypeValue, ftype !== undefined ? ['general.file_type'] : [], ftypeName ? `llama_ftype ${ftypeName}` : undefined),
    kvCacheDtype: { value: 'fp16', from: [], defaulted: true, note: "llama.cpp's default cache type f16 (-ctk / -ctv)" },
    ...(nCtx !== undefined ? { maxContext: derived(nCtx, [m.k('context_length')]) } : {}),
    encoderOnly: false,
    notes,
  };
  return { model, architecture: arch, known, keysUsed: [...m.reads.used].sort(), keysMissing: [...m.reads.missing].sort() };
}
